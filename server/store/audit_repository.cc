#include "store/audit_repository.h"

#include <pqxx/pqxx>

#include <algorithm>
#include <atomic>
#include <deque>
#include <optional>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "crypto/encoding.h"
#include "store/errors.h"
#include "store/internal/copy_out.h"
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
    "a.id, a.tx::text, (extract(epoch FROM a.at) * 1000000)::bigint, "
    "coalesce(a.user_id::text, ''), a.username, a.role, a.jurisdiction, a.method, "
    "a.patient_ids::text, a.outcome, a.peer, a.request_id, a.detail";

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

// Verification reads the chain with one binary COPY (store/internal/copy_out.h). Every seal
// row is read, also one whose audit row is gone (LEFT JOIN: a.id is NULL).
//
// In audit id order: a merge join of two index scans, the cheapest way to pair a million
// seal rows with their rows. Sealing follows (tx, id), which is id order except where
// transactions overlapped, so the rows arrive nearly in chain order and are put back in it
// with a small window (kReorderWindow).
constexpr char kChainByIdQuery[] =
    "SELECT s.position, s.hash, a.id, a.tx, a.at, a.user_id, a.username, a.role, "
    "a.jurisdiction, a.method, a.patient_ids, a.outcome, a.peer, a.request_id, a.detail "
    "FROM public.audit_seal s LEFT JOIN public.audit_log a ON a.id = s.audit_id "
    "ORDER BY s.audit_id";
// In chain order: a nested loop over the seal rows by position (a lookup per row), for a
// chain whose order strays further than the window from id order (a transaction open
// while more than kReorderWindow other rows were written; or tampering).
constexpr char kChainByPositionQuery[] =
    "SELECT s.position, s.hash, a.id, a.tx, a.at, a.user_id, a.username, a.role, "
    "a.jurisdiction, a.method, a.patient_ids, a.outcome, a.peer, a.request_id, a.detail "
    "FROM public.audit_seal s LEFT JOIN public.audit_log a ON a.id = s.audit_id "
    "ORDER BY s.position";
constexpr size_t kChainFields = 15;
constexpr int64_t kReorderWindow = 100000;
std::atomic<int64_t> g_reorder_window{kReorderWindow};
// Every checkpoint with the stored hash of the chain link at its position.
constexpr char kCheckpointQuery[] =
    "SELECT c.position, c.hash, c.watermark, c.signature, s.hash "
    "FROM public.audit_checkpoint c LEFT JOIN public.audit_seal s ON s.position = c.position "
    "ORDER BY c.position";

// One chain link as read from the COPY.
struct Link {
  int64_t position = 0;
  std::string stored_hash;
  bool have_row = false;
  crypto::AuditRow row;
};

// Decodes one row of the chain queries into `link`. Throws pqxx::failure on a malformed row.
void DecodeLink(const std::vector<internal::BinaryField>& f, Link& link) {
  auto text = [](const internal::BinaryField& v, std::string* out) {
    if (!v) return false;
    out->assign(v->data(), v->size());
    return true;
  };
  if (f.size() != kChainFields || !f[0] || !internal::Int64(*f[0], &link.position) || !f[1]) {
    throw pqxx::failure("audit chain: unexpected row format");
  }
  link.stored_hash.assign(f[1]->data(), f[1]->size());
  link.have_row = f[2].has_value();
  if (!link.have_row) return;
  crypto::AuditRow& row = link.row;
  int16_t role = 0;
  bool ok = internal::Int64(*f[2], &row.id) && f[3] && internal::UInt64(*f[3], &row.tx) && f[4] &&
            internal::TimestampMicros(*f[4], &row.at_micros) && f[7] &&
            internal::Int16(*f[7], &role) && text(f[6], &row.username) &&
            text(f[8], &row.jurisdiction) && text(f[9], &row.method) && f[10] &&
            internal::UuidArrayText(*f[10], &row.patient_ids) && text(f[11], &row.outcome) &&
            text(f[12], &row.peer) && text(f[13], &row.request_id) && text(f[14], &row.detail);
  if (f[5]) {
    ok = ok && internal::UuidText(*f[5], &row.user_id);
  } else {
    row.user_id.clear();
  }
  if (!ok) throw pqxx::failure("audit chain: unexpected row format");
  row.role = role;
}

// Thrown out of the COPY when the id-ordered rows stray beyond the window.
struct OutOfWindow {};

// Feeds the chain in position order from the id-ordered stream, through a window of the
// next kReorderWindow positions. False (nothing fed that cannot be redone) when the window
// is exceeded.
bool StreamByAuditId(Tx& tx, crypto::ChainVerifier& verifier) {
  std::deque<std::optional<Link>> window;  // window[i]: position next + i
  int64_t next = 1;
  Link link;
  auto feed = [&](const Link& l) {
    verifier.AddLink(l.position, l.stored_hash, l.have_row ? &l.row : nullptr);
  };
  try {
    internal::CopyOutBinary(tx.w(), kChainByIdQuery,
                            [&](const std::vector<internal::BinaryField>& f) {
      DecodeLink(f, link);
      const int64_t offset = link.position - next;
      if (offset == 0 && window.empty()) {  // the common case: already in order
        feed(link);
        ++next;
        return;
      }
      if (offset < 0 || offset >= g_reorder_window.load()) throw OutOfWindow{};
      if (window.size() <= static_cast<size_t>(offset)) window.resize(offset + 1);
      window[offset] = link;
      while (!window.empty() && window.front()) {
        feed(*window.front());
        window.pop_front();
        ++next;
      }
    });
  } catch (const OutOfWindow&) {
    return false;
  }
  // Positions that never came (a gap): the rest in order; the verifier reports the gap.
  for (const auto& l : window) {
    if (l) feed(*l);
  }
  return true;
}

void StreamByPosition(Tx& tx, crypto::ChainVerifier& verifier) {
  Link link;
  internal::CopyOutBinary(tx.w(), kChainByPositionQuery,
                          [&](const std::vector<internal::BinaryField>& f) {
    DecodeLink(f, link);
    verifier.AddLink(link.position, link.stored_hash, link.have_row ? &link.row : nullptr);
  });
}

void StreamCheckpoints(Tx& tx, crypto::ChainVerifier& verifier) {
  crypto::Checkpoint cp;
  internal::CopyOutBinary(tx.w(), kCheckpointQuery,
                          [&](const std::vector<internal::BinaryField>& f) {
    if (f.size() != 5 || !f[0] || !f[1] || !f[2] || !f[3] ||
        !internal::Int64(*f[0], &cp.position) || !internal::UInt64(*f[2], &cp.watermark)) {
      throw pqxx::failure("audit chain: unexpected checkpoint format");
    }
    cp.hash.assign(f[1]->data(), f[1]->size());
    cp.signature.assign(f[3]->data(), f[3]->size());
    verifier.AddCheckpoint(cp, f[4]);
  });
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
  // The audit list. Every filter is a parameter that may be empty; `$n = '' OR col = $n`
  // folds away in a custom plan, so each call is planned for the filters it has.
  static const std::string list =
      std::string("SELECT ") + kAuditColumns +
      ", coalesce(s.position, 0) FROM public.audit_log a "
      "LEFT JOIN public.audit_seal s ON s.audit_id = a.id "
      "WHERE (starts_with(a.jurisdiction, $1) OR a.jurisdiction = '') "
      "AND ($2::uuid IS NULL OR a.patient_ids @> ARRAY[$2::uuid]) "
      "AND ($3::uuid IS NULL OR a.user_id = $3::uuid) "
      "AND ($4::timestamptz IS NULL OR a.at >= $4::timestamptz) "
      "AND ($5::timestamptz IS NULL OR a.at < $5::timestamptz) "
      "AND ($6::bigint = 0 OR a.id < $6::bigint) "
      "AND ($8::text = '' OR a.method = $8::text) "
      "AND ($9::text = '' OR ($9::text = 'NOT_OK' AND a.outcome <> 'OK') "
      "OR ($9::text <> 'NOT_OK' AND a.outcome = $9::text)) "
      "AND ($10::text = '' OR a.username = $10::text) "
      "ORDER BY a.id DESC LIMIT $7";
  return {
      {"audit.list", list.c_str()},
      // A generic plan of audit.list would keep every "IS NULL OR" branch and scan by id
      // whatever the filters; custom plans see which filters are empty. Transaction-local,
      // and put back by audit.list_plan_reset right after the list.
      {"audit.list_plan", "SELECT set_config('plan_cache_mode', 'force_custom_plan', true)"},
      {"audit.list_plan_reset",
       "SELECT set_config(name, reset_val, true) FROM pg_catalog.pg_settings "
       "WHERE name = 'plan_cache_mode'"},
      {"audit.append",
       "INSERT INTO public.audit_log (at, user_id, username, role, jurisdiction, method, "
       "patient_ids, outcome, peer, request_id, detail) VALUES ($1::timestamptz, $2::uuid, $3, "
       "$4, $5, $6, $7::uuid[], $8, $9, $10, $11)"},
      // AppendAudits: one row per array element, in order (patient ids comma-joined).
      {"audit.append_many",
       "INSERT INTO public.audit_log (at, user_id, username, role, jurisdiction, method, "
       "patient_ids, outcome, peer, request_id, detail) "
       "SELECT x.at, NULLIF(x.u, '')::uuid, x.un, x.ro, x.j, x.m, "
       "string_to_array(x.p, ',')::uuid[], x.o, x.pe, x.rq, x.d "
       "FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::smallint[], $5::text[], "
       "$6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[]) "
       "WITH ORDINALITY AS x(at, u, un, ro, j, m, p, o, pe, rq, d, i) ORDER BY x.i"},
      {"audit.seal_lock", "SELECT pg_try_advisory_xact_lock($1)"},
      {"audit.seal", "SELECT * FROM public.smd_audit_seal($1::integer)"},
      {"audit.checkpoint",
       "SELECT public.smd_audit_checkpoint($1::bigint, $2::bytea, $3::xid8, $4::timestamptz, "
       "$5::bytea, $6::bytea)"},
      {"audit.newest_checkpoint",
       "SELECT position, hash, watermark::text, signature FROM public.audit_checkpoint "
       "ORDER BY position DESC LIMIT 1"},
      // Verification's plans for the chain COPY (transaction-local, and put back by
      // audit.verify_plan_reset right after it). By audit id: a merge join of two index
      // scans, streaming from its first row; by position: a nested loop. Without these the
      // planner hashes one side and sorts the whole chain (hundreds of MB, on disk) before
      // the first row.
      {"audit.verify_plan_by_id",
       "SELECT set_config('enable_hashjoin', 'off', true), "
       "set_config('enable_nestloop', 'off', true), set_config('enable_sort', 'off', true), "
       "set_config('max_parallel_workers_per_gather', '0', true), "
       "set_config('jit', 'off', true)"},
      {"audit.verify_plan_by_position",
       "SELECT set_config('enable_hashjoin', 'off', true), "
       "set_config('enable_nestloop', 'on', true), set_config('enable_sort', 'off', true), "
       "set_config('max_parallel_workers_per_gather', '0', true), "
       "set_config('jit', 'off', true)"},
      // The session's own values again (what RESET would give), for the rest of the
      // transaction: the checkpoint join, the unsealed-row counts and the call's audit row.
      {"audit.verify_plan_reset",
       "SELECT set_config(name, reset_val, true) FROM pg_catalog.pg_settings "
       "WHERE name IN ('enable_hashjoin', 'enable_nestloop', 'enable_sort', "
       "'max_parallel_workers_per_gather', 'jit')"},
      // The objects deploy/postgres/protect-audit.sql hands to smd_audit, by the same names.
      {"audit.not_owned_by_audit_role",
       "SELECT o.kind || ' ' || o.name FROM ("
       "SELECT 'table' AS kind, c.oid::regclass::text AS name, c.relowner AS owner "
       "FROM pg_catalog.pg_class c WHERE c.relnamespace = 'public'::regnamespace "
       "AND c.relkind = 'r' AND c.relname LIKE 'audit\\_%' "
       "UNION ALL SELECT 'function', p.oid::regprocedure::text, p.proowner "
       "FROM pg_catalog.pg_proc p WHERE p.pronamespace = 'public'::regnamespace "
       "AND p.proname LIKE 'smd\\_audit\\_%' "
       "UNION ALL SELECT 'schema', n.nspname::text, n.nspowner "
       "FROM pg_catalog.pg_namespace n WHERE n.nspname = 'public') o "
       "WHERE o.owner IS DISTINCT FROM pg_catalog.to_regrole('smd_audit')::oid ORDER BY 1"},
      {"audit.db_clock", "SELECT clock_timestamp()"},
      {"audit.count_below", "SELECT count(*) FROM public.audit_log WHERE tx < $1::xid8"},
      {"audit.unsealed_below_first",
       "SELECT min(a.id) FROM public.audit_log a WHERE a.tx < $1::xid8 "
       "AND NOT EXISTS (SELECT 1 FROM public.audit_seal s WHERE s.audit_id = a.id)"},
      {"audit.unsealed_from",
       "SELECT count(*) FROM public.audit_log a WHERE a.tx >= $1::xid8 "
       "AND NOT EXISTS (SELECT 1 FROM public.audit_seal s WHERE s.audit_id = a.id)"},
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

absl::Status AppendAudits(Tx& tx, const std::vector<AuditEntry>& entries) {
  if (entries.empty()) return absl::OkStatus();
  std::vector<std::string> at, user, username, role, jurisdiction, method, patients, outcome,
      peer, request, detail;
  for (const AuditEntry& e : entries) {
    at.push_back(pg::Time(e.at));
    user.push_back(e.user_id);
    username.push_back(e.username);
    role.push_back(std::to_string(e.role));
    jurisdiction.push_back(e.jurisdiction);
    method.push_back(e.method);
    patients.push_back(absl::StrJoin(e.patient_ids, ","));
    outcome.push_back(e.outcome);
    peer.push_back(e.peer);
    request.push_back(e.request_id);
    detail.push_back(e.detail);
  }
  return Guard([&]() -> absl::Status {
    tx.w().exec_prepared("audit.append_many", pg::QuotedArray(at), pg::QuotedArray(user),
                         pg::QuotedArray(username), pg::TextArray(role),
                         pg::QuotedArray(jurisdiction), pg::QuotedArray(method),
                         pg::QuotedArray(patients), pg::QuotedArray(outcome),
                         pg::QuotedArray(peer), pg::QuotedArray(request),
                         pg::QuotedArray(detail));
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<AuditEntry>> ListAudit(Tx& tx, const AuditFilter& f) {
  return Guard([&]() -> absl::StatusOr<std::vector<AuditEntry>> {
    std::vector<AuditEntry> out;
    tx.w().exec_prepared("audit.list_plan");
    for (const auto& r :
         tx.w().exec_prepared("audit.list", f.actor_scope, pg::NullIfEmpty(f.patient_id),
                              pg::NullIfEmpty(f.user_id), pg::OptTime(f.from), pg::OptTime(f.to),
                              f.before_id, f.limit, f.method, f.outcome, f.username)) {
      AuditEntry e = ReadAudit(r, nullptr);
      e.chain_position = r[13].as<int64_t>();
      out.push_back(std::move(e));
    }
    tx.w().exec_prepared("audit.list_plan_reset");
    return out;
  });
}

absl::StatusOr<std::vector<std::string>> AuditObjectsNotOwnedByAuditRole(Tx& tx) {
  return Guard([&]() -> absl::StatusOr<std::vector<std::string>> {
    std::vector<std::string> out;
    for (const auto& r : tx.w().exec_prepared("audit.not_owned_by_audit_role")) {
      out.push_back(r[0].as<std::string>());
    }
    return out;
  });
}

absl::StatusOr<absl::Time> DatabaseClock(Tx& tx) {
  return Guard([&]() -> absl::StatusOr<absl::Time> {
    return pg::TimeField(tx.w().exec_prepared1("audit.db_clock")[0]);
  });
}

absl::StatusOr<SealResult> SealPending(Tx& tx, const crypto::Signer& signer, absl::Time now,
                                       int max_rows, bool force_checkpoint, bool want_newest) {
  return Guard([&]() -> absl::StatusOr<SealResult> {
    SealResult result;
    if (!tx.w().exec_prepared1("audit.seal_lock", kSealLockKey)[0].as<bool>()) {
      // Another process seals; it may have checkpointed what this one should anchor.
      result.locked_out = true;
      if (want_newest) {
        result.newest = CheckpointRow(tx.w().exec_prepared("audit.newest_checkpoint"));
      }
      return result;
    }
    // The database links the rows itself (smd_audit_seal), so the runtime role cannot write a
    // link, move the watermark or skip a row; see schema 0012.
    pqxx::row st = tx.w().exec_prepared1("audit.seal", max_rows);
    result.sealed = st[0].as<int>();
    const int64_t position = st[1].as<int64_t>();
    std::string hash = pg::BytesField(st[2]);
    const std::string watermark = st[3].as<std::string>();
    const bool have_cp = !st[4].is_null();
    const int64_t last_cp_position = have_cp ? st[4].as<int64_t>() : 0;
    const absl::Time last_cp_at = pg::TimeField(st[5]);  // InfinitePast when none
    const bool due = position - last_cp_position >= kCheckpointEvery ||
                     (position > last_cp_position &&
                      (force_checkpoint || now - last_cp_at >= kCheckpointInterval));
    if (due) {
      crypto::Checkpoint cp =
          crypto::SignCheckpoint(signer, position, std::move(hash), Xid(watermark));
      tx.w().exec_prepared("audit.checkpoint", position, pg::Bytes(cp.hash), watermark,
                           pg::Time(now), pg::Bytes(signer.PublicKey()), pg::Bytes(cp.signature));
      result.signed_checkpoint = true;
      result.newest = std::move(cp);
    } else if (want_newest && have_cp) {
      crypto::Checkpoint cp;
      cp.position = last_cp_position;
      cp.hash = pg::BytesField(st[6]);
      cp.watermark = Xid(st[7].as<std::string>());
      cp.signature = pg::BytesField(st[8]);
      result.newest = std::move(cp);
    }
    return result;
  });
}

void SetVerifyReorderWindowForTest(int64_t positions) {
  g_reorder_window.store(positions > 0 ? positions : kReorderWindow);
}

absl::StatusOr<ChainReport> VerifyChain(Tx& tx, const std::vector<std::string>& public_key,
                                        std::optional<std::vector<crypto::Checkpoint>> anchors) {
  return Guard([&]() -> absl::StatusOr<ChainReport> {
    // In READ COMMITTED each statement has its own snapshot; the checks below are chosen so
    // that rows and checkpoints committed between them cannot look like tampering: the
    // trail only grows at its end, and every check compares things read in one statement
    // or things that cannot change once written.
    std::optional<crypto::Checkpoint> newest =
        CheckpointRow(tx.w().exec_prepared("audit.newest_checkpoint"));
    std::optional<crypto::ChainVerifier> verifier;
    verifier.emplace(public_key, newest, std::move(anchors));
    tx.w().exec_prepared("audit.verify_plan_by_id");
    if (!StreamByAuditId(tx, *verifier)) {
      // Again from the start, in chain order, with the same anchors.
      std::optional<std::vector<crypto::Checkpoint>> again = std::move(*verifier).TakeAnchors();
      verifier.emplace(public_key, newest, std::move(again));
      tx.w().exec_prepared("audit.verify_plan_by_position");
      StreamByPosition(tx, *verifier);
    }
    tx.w().exec_prepared("audit.verify_plan_reset");
    StreamCheckpoints(tx, *verifier);
    // Every row below the newest signed watermark must be in the chain: one that is not was
    // inserted behind the sealer's back. Rows below it all belong to finished transactions,
    // so the count cannot change between statements.
    const std::string w = absl::StrCat(verifier->signed_watermark());
    const int64_t below = tx.w().exec_prepared1("audit.count_below", w)[0].as<int64_t>();
    int64_t unsealed = std::max<int64_t>(0, below - verifier->sealed_below_signed_watermark());
    if (unsealed > 0) {
      pqxx::row first = tx.w().exec_prepared1("audit.unsealed_below_first", w);
      verifier->Fail(0, first[0].is_null() ? 0 : first[0].as<int64_t>(),
                     "an audit row below a signed watermark is not sealed");
    }
    unsealed += tx.w().exec_prepared1("audit.unsealed_from", w)[0].as<int64_t>();
    return verifier->Finish(unsealed);
  });
}

}  // namespace smd::store
