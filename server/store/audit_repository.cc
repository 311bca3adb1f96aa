#include "store/audit_repository.h"

#include <pqxx/pqxx>

#include <algorithm>
#include <optional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "crypto/encoding.h"
#include "store/errors.h"
#include "store/internal/pg.h"
#include "store/internal/tx.h"
#include "store/statements.h"

namespace smd::store {
namespace {

constexpr long long kSealLockKey = 0x736d645f7365616cLL;  // "smd_seal"
constexpr int kCheckpointEvery = 1000;
// A checkpoint (and its anchor line) at least every 1000 rows, and within 5 s of any row
// sealed after the last one: the window in which sealed rows are not yet covered by an
// anchored signature. Fewer checkpoints keep the anchor file and verification small.
constexpr absl::Duration kCheckpointInterval = absl::Seconds(5);

constexpr char kAuditColumns[] =
    "a.id, a.tx::text, (extract(epoch FROM a.at) * 1000000)::bigint, coalesce(a.user_id::text, ''), "
    "a.username, a.role, a.jurisdiction, a.method, a.patient_ids::text, a.outcome, a.peer, "
    "a.request_id, a.detail";

// Reads kAuditColumns starting at column 0; returns the entry and its tx id text.
AuditEntry ReadAudit(const pqxx::row& r, std::string* tx_id) {
  AuditEntry e;
  e.id = r[0].as<int64_t>();
  if (tx_id) *tx_id = r[1].as<std::string>();
  e.at = absl::FromUnixMicros(r[2].as<int64_t>());
  e.user_id = r[3].as<std::string>();
  e.username = r[4].as<std::string>();
  e.role = r[5].as<int>();
  e.jurisdiction = r[6].as<std::string>();
  e.method = r[7].as<std::string>();
  e.patient_ids = pg::ParseArray(r[8].as<std::string>());
  e.outcome = r[9].as<std::string>();
  e.peer = r[10].as<std::string>();
  e.request_id = r[11].as<std::string>();
  e.detail = r[12].as<std::string>();
  return e;
}

// The chain in position order, streamed by one COPY (verification). Field order is what
// ParseChainLine expects. Hashes travel as hex (COPY text would escape bytea). Every seal
// row is read, also one whose audit row is gone (LEFT JOIN: a.id is NULL).
constexpr char kChainCopy[] =
    "(SELECT s.position, encode(s.hash, 'hex'), a.id, a.tx, "
    "(extract(epoch FROM a.at) * 1000000)::bigint, coalesce(a.user_id::text, ''), a.username, "
    "a.role, a.jurisdiction, a.method, array_to_string(a.patient_ids, ','), a.outcome, a.peer, "
    "a.request_id, a.detail, encode(c.hash, 'hex'), c.watermark, encode(c.signature, 'hex') "
    "FROM public.audit_seal s LEFT JOIN public.audit_log a ON a.id = s.audit_id "
    "LEFT JOIN public.audit_checkpoint c ON c.position = s.position ORDER BY s.position)";
constexpr int kChainFields = 18;

// Splits one line of COPY text output into fields, undoing COPY's escapes (\\, \t, \n, \r,
// \b, \f, \v). A NULL (\N) becomes std::nullopt. Fields without a backslash point into
// `line`; the others into `scratch`, which must not be reallocated meanwhile.
bool SplitCopyLine(std::string_view line, std::vector<std::optional<std::string_view>>& fields,
                   std::vector<std::string>& scratch) {
  fields.clear();
  size_t used = 0;
  size_t start = 0;
  for (;;) {
    size_t end = line.find('\t', start);
    if (end == std::string_view::npos) end = line.size();
    std::string_view f = line.substr(start, end - start);
    if (f == "\\N") {
      fields.emplace_back(std::nullopt);
    } else if (f.find('\\') == std::string_view::npos) {
      fields.emplace_back(f);
    } else {
      if (used == scratch.size()) scratch.emplace_back();
      std::string& out = scratch[used++];
      out.clear();
      for (size_t i = 0; i < f.size(); ++i) {
        if (f[i] != '\\' || i + 1 == f.size()) {
          out.push_back(f[i]);
          continue;
        }
        const char c = f[++i];
        switch (c) {
          case 'b': out.push_back('\b'); break;
          case 'f': out.push_back('\f'); break;
          case 'n': out.push_back('\n'); break;
          case 'r': out.push_back('\r'); break;
          case 't': out.push_back('\t'); break;
          case 'v': out.push_back('\v'); break;
          default: out.push_back(c); break;  // "\\" and an escaped delimiter
        }
      }
      fields.emplace_back(std::string_view(out));
    }
    if (end == line.size()) break;
    start = end + 1;
  }
  return static_cast<int>(fields.size()) == kChainFields;
}

template <typename T>
bool Num(const std::optional<std::string_view>& f, T* out) {
  return f && absl::SimpleAtoi(absl::string_view(f->data(), f->size()), out);
}

std::optional<std::string> Hex(const std::optional<std::string_view>& f) {
  if (!f) return std::nullopt;
  auto b = crypto::HexDecode(*f);
  if (!b.ok()) return std::nullopt;
  return std::move(*b);
}

uint64_t Xid(const std::string& text) {
  uint64_t v = 0;
  (void)absl::SimpleAtoi(text, &v);
  return v;
}

std::optional<crypto::Checkpoint> CheckpointRow(const pqxx::result& r) {
  if (r.empty()) return std::nullopt;
  crypto::Checkpoint cp;
  cp.position = r[0][0].as<int64_t>();
  cp.hash = pg::BytesField(r[0][1]);
  cp.watermark = Xid(r[0][2].as<std::string>());
  cp.signature = pg::BytesField(r[0][3]);
  return cp;
}

}  // namespace

std::vector<Statement> AuditStatements() {
  return {
      {"audit.append",
       "INSERT INTO public.audit_log (at, user_id, username, role, jurisdiction, method, patient_ids, "
       "outcome, peer, request_id, detail) VALUES ($1::timestamptz, $2::uuid, $3, $4, $5, $6, "
       "$7::uuid[], $8, $9, $10, $11)"},
      {"audit.seal_lock", "SELECT pg_try_advisory_xact_lock($1)"},
      {"audit.seal", "SELECT * FROM public.smd_audit_seal($1::integer)"},
      {"audit.checkpoint",
       "SELECT public.smd_audit_checkpoint($1::bigint, $2::bytea, $3::xid8, $4::timestamptz, "
       "$5::bytea, $6::bytea)"},
      {"audit.newest_checkpoint",
       "SELECT position, hash, watermark::text, signature FROM public.audit_checkpoint "
       "ORDER BY position DESC LIMIT 1"},
      // Verification's plan: a nested loop over the seal rows in position order streams
      // from its first row, so reading and hashing overlap; the planner otherwise picks a
      // hash join and a sort of the whole chain (hundreds of MB, on disk) before the first
      // row. Transaction-local; the rest of the call's transaction is one audit insert.
      {"audit.verify_plan",
       "SELECT set_config('enable_hashjoin', 'off', true), set_config('enable_sort', 'off', true), "
       "set_config('max_parallel_workers_per_gather', '0', true), set_config('jit', 'off', true)"},
      {"audit.owned_by_db_owner",
       "SELECT c.relowner = d.datdba FROM pg_class c, pg_database d "
       "WHERE c.oid = 'public.audit_log'::regclass AND d.datname = current_database()"},
      {"audit.count_below", "SELECT count(*) FROM public.audit_log WHERE tx < $1::xid8"},
      {"audit.unsealed_below_first",
       "SELECT min(a.id) FROM public.audit_log a WHERE a.tx < $1::xid8 "
       "AND NOT EXISTS (SELECT 1 FROM public.audit_seal s WHERE s.audit_id = a.id)"},
      {"audit.unsealed_from",
       "SELECT count(*) FROM public.audit_log a WHERE a.tx >= $1::xid8 "
       "AND NOT EXISTS (SELECT 1 FROM public.audit_seal s WHERE s.audit_id = a.id)"},
      {"audit.checkpoints_beyond",
       "SELECT count(*) FROM public.audit_checkpoint "
       "WHERE position > (SELECT coalesce(max(position), 0) FROM public.audit_seal)"},
  };
}

absl::Status AppendAudit(Tx& tx, const AuditEntry& e) {
  return Guard([&]() -> absl::Status {
    tx.w().exec_prepared("audit.append", pg::Time(e.at), pg::NullIfEmpty(e.user_id), e.username,
                         e.role, e.jurisdiction, e.method, pg::TextArray(e.patient_ids), e.outcome,
                         e.peer, e.request_id, e.detail);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<AuditEntry>> ListAudit(Tx& tx, const AuditFilter& f) {
  return Guard([&]() -> absl::StatusOr<std::vector<AuditEntry>> {
    std::string sql = std::string("SELECT ") + kAuditColumns +
                      ", coalesce(s.position, 0) FROM public.audit_log a "
                      "LEFT JOIN public.audit_seal s ON s.audit_id = a.id "
                      "WHERE (starts_with(a.jurisdiction, $1) OR a.jurisdiction = '') "
                      "AND ($2::uuid IS NULL OR a.patient_ids @> ARRAY[$2::uuid]) "
                      "AND ($3::uuid IS NULL OR a.user_id = $3::uuid) "
                      "AND ($4::timestamptz IS NULL OR a.at >= $4::timestamptz) "
                      "AND ($5::timestamptz IS NULL OR a.at < $5::timestamptz) "
                      "AND ($6 = 0 OR a.id < $6) ORDER BY a.id DESC LIMIT $7";
    std::vector<AuditEntry> out;
    for (const auto& r :
         tx.w().exec_params(sql, f.actor_scope, pg::NullIfEmpty(f.patient_id),
                            pg::NullIfEmpty(f.user_id), pg::OptTime(f.from), pg::OptTime(f.to),
                            f.before_id, f.limit)) {
      AuditEntry e = ReadAudit(r, nullptr);
      e.chain_position = r[13].as<int64_t>();
      out.push_back(std::move(e));
    }
    return out;
  });
}

absl::StatusOr<bool> AuditOwnedByDatabaseOwner(Tx& tx) {
  return Guard([&]() -> absl::StatusOr<bool> {
    return tx.w().exec_prepared1("audit.owned_by_db_owner")[0].as<bool>();
  });
}

absl::StatusOr<std::optional<crypto::Checkpoint>> NewestCheckpoint(Tx& tx) {
  return Guard([&]() -> absl::StatusOr<std::optional<crypto::Checkpoint>> {
    return CheckpointRow(tx.w().exec_prepared("audit.newest_checkpoint"));
  });
}

absl::StatusOr<SealResult> SealPending(Tx& tx, const crypto::Signer& signer, absl::Time now,
                                       int max_rows, bool force_checkpoint) {
  return Guard([&]() -> absl::StatusOr<SealResult> {
    SealResult result;
    result.locked = tx.w().exec_prepared1("audit.seal_lock", kSealLockKey)[0].as<bool>();
    if (result.locked) {
      // The database links the rows itself (smd_audit_seal), so the runtime role cannot
      // write a link, move the watermark or skip a row; see schema 0012.
      pqxx::row st = tx.w().exec_prepared1("audit.seal", max_rows);
      result.sealed = st[0].as<int>();
      const int64_t position = st[1].as<int64_t>();
      std::string hash = pg::BytesField(st[2]);
      const std::string watermark = st[3].as<std::string>();
      const int64_t last_cp_position = st[4].is_null() ? 0 : st[4].as<int64_t>();
      const absl::Time last_cp_at = pg::TimeField(st[5]);
      const bool due = position - last_cp_position >= kCheckpointEvery ||
                       (position > last_cp_position &&
                        (force_checkpoint || now - last_cp_at >= kCheckpointInterval));
      if (due) {
        crypto::Checkpoint cp =
            crypto::SignCheckpoint(signer, position, std::move(hash), Xid(watermark));
        tx.w().exec_prepared("audit.checkpoint", position, pg::Bytes(cp.hash), watermark,
                             pg::Time(now), pg::Bytes(signer.PublicKey()),
                             pg::Bytes(cp.signature));
        result.checkpoint = cp;
        result.newest = std::move(cp);
        return result;
      }
    }
    result.newest = CheckpointRow(tx.w().exec_prepared("audit.newest_checkpoint"));
    return result;
  });
}

absl::StatusOr<ChainReport> VerifyChain(Tx& tx, const std::string& public_key,
                                        std::optional<std::vector<crypto::Checkpoint>> anchors) {
  return Guard([&]() -> absl::StatusOr<ChainReport> {
    // In READ COMMITTED each statement has its own snapshot; the checks below are chosen so
    // that rows and checkpoints committed between them cannot look like tampering.
    crypto::ChainVerifier verifier(
        public_key, CheckpointRow(tx.w().exec_prepared("audit.newest_checkpoint")),
        std::move(anchors));
    tx.w().exec_prepared("audit.verify_plan");
    {
      // libpqxx 6.4 pastes the table name into "COPY <name> TO STDOUT" unquoted, so a
      // parenthesised query streams (7.x has stream_from::query for this).
      pqxx::stream_from copy(tx.w(), kChainCopy);
      std::string line;
      std::vector<std::optional<std::string_view>> f;
      std::vector<std::string> scratch;
      crypto::AuditRow row;
      crypto::Checkpoint cp;
      while (copy.get_raw_line(line)) {
        // libpqxx 6.4 hands the line over with its newline.
        if (!line.empty() && line.back() == '\n') line.pop_back();
        int64_t position = 0;
        std::optional<std::string> stored;
        if (!SplitCopyLine(line, f, scratch) || !Num(f[0], &position) ||
            !(stored = Hex(f[1])).has_value()) {
          return absl::InternalError("audit chain: unexpected row format");
        }
        const bool have_row = f[2].has_value();
        if (have_row) {
          if (!Num(f[2], &row.id) || !Num(f[3], &row.tx) || !Num(f[4], &row.at_micros) ||
              !Num(f[7], &row.role)) {
            return absl::InternalError("audit chain: unexpected row format");
          }
          row.user_id.assign(f[5].value_or(""));
          row.username.assign(f[6].value_or(""));
          row.jurisdiction.assign(f[8].value_or(""));
          row.method.assign(f[9].value_or(""));
          row.patient_ids.assign(f[10].value_or(""));
          row.outcome.assign(f[11].value_or(""));
          row.peer.assign(f[12].value_or(""));
          row.request_id.assign(f[13].value_or(""));
          row.detail.assign(f[14].value_or(""));
        }
        const bool have_cp = f[15].has_value();
        if (have_cp) {
          auto h = Hex(f[15]);
          auto sig = Hex(f[17]);
          if (!h || !sig || !Num(f[16], &cp.watermark)) {
            return absl::InternalError("audit chain: unexpected checkpoint format");
          }
          cp.position = position;
          cp.hash = std::move(*h);
          cp.signature = std::move(*sig);
        }
        verifier.AddLink(position, *stored, have_row ? &row : nullptr, have_cp ? &cp : nullptr);
      }
      copy.complete();
    }
    // Every row below the newest signed watermark must be in the chain: one that is not was
    // inserted behind the sealer's back. Rows below it all belong to finished transactions,
    // so the count cannot change between statements.
    const std::string w = absl::StrCat(verifier.signed_watermark());
    const int64_t below = tx.w().exec_prepared1("audit.count_below", w)[0].as<int64_t>();
    int64_t unsealed = std::max<int64_t>(0, below - verifier.sealed_below_signed_watermark());
    if (unsealed > 0) {
      pqxx::row first = tx.w().exec_prepared1("audit.unsealed_below_first", w);
      verifier.Fail(0, first[0].is_null() ? 0 : first[0].as<int64_t>(),
                    "an audit row below a signed watermark is not sealed");
    }
    unsealed += tx.w().exec_prepared1("audit.unsealed_from", w)[0].as<int64_t>();
    const int64_t beyond = tx.w().exec_prepared1("audit.checkpoints_beyond")[0].as<int64_t>();
    return verifier.Finish(beyond, unsealed);
  });
}

}  // namespace smd::store
