#include "store/request_key_repository.h"

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "store/errors.h"
#include "store/internal/pg.h"
#include "store/internal/tx.h"
#include "store/statements.h"

namespace smd::store {
namespace {

std::string ResponseAad(const std::string& user_id, const std::string& key) {
  return absl::StrCat("request_key:", user_id, ":", key);
}

}  // namespace

std::vector<Statement> RequestKeyStatements() {
  return {
      // DO NOTHING waits for a concurrent uncommitted claim of the same key to end: after
      // its commit nothing is inserted, after its rollback this claim is.
      {"request_key.claim",
       "INSERT INTO request_key (user_id, key, method, request_hash, role, jurisdiction, "
       "request_id, created_at) VALUES ($1::uuid, $2, $3, $4, $5, $6, $7, $8::timestamptz) "
       "ON CONFLICT (user_id, key) DO NOTHING RETURNING 1"},
      {"request_key.get",
       "SELECT method, request_hash, role, jurisdiction, request_id, patient_ids::text, "
       "response_enc FROM request_key WHERE user_id = $1::uuid AND key = $2"},
      {"request_key.complete",
       "UPDATE request_key SET response_enc = $3, patient_ids = $4::uuid[] "
       "WHERE user_id = $1::uuid AND key = $2 AND response_enc IS NULL"},
      {"request_key.purge",
       "DELETE FROM request_key WHERE (user_id, key) IN (SELECT user_id, key FROM request_key "
       "WHERE created_at < $1::timestamptz ORDER BY created_at LIMIT $2)"},
  };
}

RequestKeyRepository::RequestKeyRepository(const crypto::KeyRing& keys) : cipher_(keys) {}

absl::StatusOr<std::optional<StoredRequest>> RequestKeyRepository::Claim(
    Tx& tx, const RequestKeyClaim& c) const {
  std::optional<StoredRequest> out;
  std::string blob;
  bool completed = false;
  RETURN_IF_ERROR(Guard([&]() -> absl::Status {
    pqxx::result ins = tx.w().exec_prepared("request_key.claim", c.user_id, c.key, c.method,
                                            pg::Bytes(c.request_hash), c.role, c.jurisdiction,
                                            c.request_id, pg::Time(c.at));
    if (!ins.empty()) return absl::OkStatus();  // claimed: this call is the first
    // A new statement, so (READ COMMITTED) a new snapshot that sees the committed row.
    pqxx::result r = tx.w().exec_prepared("request_key.get", c.user_id, c.key);
    if (r.empty()) return absl::AbortedError(kRetryMessage);  // purged in between
    StoredRequest s;
    s.method = r[0][0].as<std::string>();
    s.request_hash = pg::BytesField(r[0][1]);
    s.role = r[0][2].as<int>();
    s.jurisdiction = r[0][3].as<std::string>();
    s.request_id = r[0][4].as<std::string>();
    s.patient_ids = pg::ParseArray(r[0][5].as<std::string>());
    completed = !r[0][6].is_null();
    blob = pg::BytesField(r[0][6]);
    out = std::move(s);
    return absl::OkStatus();
  }));
  if (!out) return out;
  if (!completed) return absl::InternalError("request_key row without a reply");
  absl::StatusOr<std::string> plain = cipher_.Decrypt(blob, ResponseAad(c.user_id, c.key));
  if (!plain.ok()) return absl::InternalError("stored reply cannot be decrypted");
  out->response = std::move(*plain);
  return out;
}

absl::Status RequestKeyRepository::Complete(Tx& tx, const std::string& user_id,
                                            const std::string& key, const std::string& response,
                                            const std::vector<std::string>& patient_ids) const {
  ASSIGN_OR_RETURN(std::string blob, cipher_.Encrypt(response, ResponseAad(user_id, key)));
  return Guard([&]() -> absl::Status {
    pqxx::result r = tx.w().exec_prepared("request_key.complete", user_id, key, pg::Bytes(blob),
                                          pg::TextArray(patient_ids));
    if (r.affected_rows() != 1) return absl::InternalError("request_key claim missing");
    return absl::OkStatus();
  });
}

absl::StatusOr<int> RequestKeyRepository::PurgeBefore(Tx& tx, absl::Time cutoff, int limit) const {
  return Guard([&]() -> absl::StatusOr<int> {
    pqxx::result r = tx.w().exec_prepared("request_key.purge", pg::Time(cutoff), limit);
    return static_cast<int>(r.affected_rows());
  });
}

}  // namespace smd::store
