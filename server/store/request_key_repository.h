#pragma once
// Idempotency keys (schema 0014 request_key; docs/adr/0009-idempotency-keys.md): the
// record of a keyed write's reply, scoped per user. The reply is encrypted with
// AES-256-GCM, associated data "request_key:<user_id>:<key>", because it may contain
// patient data. Thread-safe (immutable after construction); the Tx is the caller's.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "crypto/field_cipher.h"
#include "crypto/keys.h"

namespace smd::store {

class Tx;

// What a first call records when it claims its key, before its body runs.
struct RequestKeyClaim {
  std::string user_id;
  std::string key;
  std::string method;
  std::string request_hash;  // 32 bytes
  int role = 0;
  std::string jurisdiction;
  std::string request_id;
  absl::Time at;
};

// A committed record found under the same (user, key).
struct StoredRequest {
  std::string method;
  std::string request_hash;
  int role = 0;
  std::string jurisdiction;
  std::string request_id;
  std::vector<std::string> patient_ids;
  std::string response;  // decrypted
};

class RequestKeyRepository {
 public:
  explicit RequestKeyRepository(const crypto::KeyRing& keys);

  // Inserts the claim (response still NULL) unless a row for (user_id, key) exists.
  // Returns nullopt when this transaction now holds the claim, or the committed record.
  // When another transaction holds an uncommitted claim of the same (user_id, key), this
  // waits (on the primary key) until it commits (the record is returned) or rolls back
  // (the claim is inserted). ABORTED "concurrent update; retry" (Database::InTransaction
  // retries) if the row vanished in between (purged); INTERNAL if the stored reply cannot
  // be decrypted or was never completed.
  absl::StatusOr<std::optional<StoredRequest>> Claim(Tx& tx, const RequestKeyClaim& c) const;

  // Stores the reply and the patients the call named on the row this transaction claimed.
  // INTERNAL if there is no such claimed row.
  absl::Status Complete(Tx& tx, const std::string& user_id, const std::string& key,
                        const std::string& response,
                        const std::vector<std::string>& patient_ids) const;

  // Deletes up to `limit` records created before `cutoff`; returns how many.
  absl::StatusOr<int> PurgeBefore(Tx& tx, absl::Time cutoff, int limit) const;

 private:
  crypto::FieldCipher cipher_;
};

}  // namespace smd::store
