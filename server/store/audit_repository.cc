#include "store/audit_repository.h"

#include <pqxx/pqxx>

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "crypto/encoding.h"
#include "crypto/hash.h"
#include "store/errors.h"
#include "store/internal/pg.h"
#include "store/internal/tx.h"
#include "store/statements.h"

namespace smd::store {
namespace {

constexpr long long kSealLockKey = 0x736d645f7365616cLL;  // "smd_seal"
constexpr int kCheckpointEvery = 1000;
constexpr absl::Duration kCheckpointInterval = absl::Seconds(10);

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

void Field(std::string& out, std::string_view v) {
  absl::StrAppend(&out, v.size(), ":");
  out.append(v);
  out.push_back(';');
}

std::string Link(const std::string& prev_hash, const std::string& canonical) {
  return crypto::Sha256(prev_hash + canonical);
}

std::string CheckpointMessage(int64_t position, const std::string& hash,
                              const std::string& watermark) {
  std::string m = "smd-audit-checkpoint-v1;";
  Field(m, std::to_string(position));
  Field(m, hash);
  Field(m, watermark);
  return m;
}

}  // namespace

std::string CanonicalAuditRow(const AuditEntry& e, const std::string& tx_id) {
  std::string out = "smd-audit-v1;";
  Field(out, std::to_string(e.id));
  Field(out, tx_id);
  Field(out, std::to_string(absl::ToUnixMicros(e.at)));
  Field(out, e.user_id);
  Field(out, e.username);
  Field(out, std::to_string(e.role));
  Field(out, e.jurisdiction);
  Field(out, e.method);
  Field(out, absl::StrJoin(e.patient_ids, ","));
  Field(out, e.outcome);
  Field(out, e.peer);
  Field(out, e.request_id);
  Field(out, e.detail);
  return out;
}

std::vector<Statement> AuditStatements() {
  static const std::string pending =
      std::string("SELECT ") + kAuditColumns +
      " FROM audit_log a WHERE a.tx >= $1::xid8 AND a.tx < $2::xid8 "
      "AND NOT EXISTS (SELECT 1 FROM audit_seal s WHERE s.audit_id = a.id) "
      "ORDER BY a.tx, a.id LIMIT $3";
  static const std::string chain =
      std::string("SELECT s.position, s.hash, ") + kAuditColumns +
      " FROM audit_seal s JOIN audit_log a ON a.id = s.audit_id "
      "WHERE s.position > $1 ORDER BY s.position LIMIT $2";
  return {
      {"audit.append",
       "INSERT INTO audit_log (at, user_id, username, role, jurisdiction, method, patient_ids, "
       "outcome, peer, request_id, detail) VALUES ($1::timestamptz, $2::uuid, $3, $4, $5, $6, "
       "$7::uuid[], $8, $9, $10, $11)"},
      {"audit.seal_lock", "SELECT pg_try_advisory_xact_lock($1)"},
      {"audit.seal_state",
       "SELECT watermark::text, last_position, last_hash, "
       "pg_snapshot_xmin(pg_current_snapshot())::text, "
       "(SELECT coalesce(max(position), 0) FROM audit_checkpoint), "
       "(SELECT coalesce(max(signed_at), 'epoch'::timestamptz) FROM audit_checkpoint) "
       "FROM audit_seal_state FOR UPDATE"},
      {"audit.pending", pending.c_str()},
      {"audit.seal_insert",
       "INSERT INTO audit_seal (position, audit_id, hash) "
       "SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bytea[])"},
      {"audit.seal_state_update",
       "UPDATE audit_seal_state SET watermark = $1::xid8, last_position = $2, last_hash = $3"},
      {"audit.checkpoint",
       "INSERT INTO audit_checkpoint (position, hash, watermark, signed_at, public_key, "
       "signature) VALUES ($1, $2, $3::xid8, $4::timestamptz, $5, $6)"},
      {"audit.chain", chain.c_str()},
      {"audit.checkpoints",
       "SELECT position, hash, watermark::text, public_key, signature FROM audit_checkpoint "
       "ORDER BY position"},
      {"audit.unsealed_below",
       "SELECT count(*), min(a.id) FROM audit_log a WHERE a.tx < $1::xid8 "
       "AND NOT EXISTS (SELECT 1 FROM audit_seal s WHERE s.audit_id = a.id)"},
      {"audit.unsealed_total",
       "SELECT count(*) FROM audit_log a "
       "WHERE NOT EXISTS (SELECT 1 FROM audit_seal s WHERE s.audit_id = a.id)"},
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
                      ", coalesce(s.position, 0) FROM audit_log a "
                      "LEFT JOIN audit_seal s ON s.audit_id = a.id "
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

absl::StatusOr<SealResult> SealPending(Tx& tx, const crypto::Signer& signer, absl::Time now,
                                       int max_rows) {
  return Guard([&]() -> absl::StatusOr<SealResult> {
    SealResult result;
    if (!tx.w().exec_prepared1("audit.seal_lock", kSealLockKey)[0].as<bool>()) return result;
    pqxx::row st = tx.w().exec_prepared1("audit.seal_state");
    const std::string watermark = st[0].as<std::string>();
    int64_t position = st[1].as<int64_t>();
    std::string hash = pg::BytesField(st[2]);
    const std::string xmin = st[3].as<std::string>();
    const int64_t last_cp_position = st[4].as<int64_t>();
    const absl::Time last_cp_at = pg::TimeField(st[5]);

    // Every transaction with an id below xmin has finished, so the rows with
    // watermark <= tx < xmin are final; sealing them in (tx, id) order keeps the chain
    // equal to the global (tx, id) order whatever order transactions committed in.
    pqxx::result rows = tx.w().exec_prepared("audit.pending", watermark, xmin, max_rows);
    std::vector<int64_t> positions, ids;
    std::vector<std::string> hashes;
    for (const auto& r : rows) {
      std::string tx_id;
      AuditEntry e = ReadAudit(r, &tx_id);
      hash = Link(hash, CanonicalAuditRow(e, tx_id));
      positions.push_back(++position);
      ids.push_back(e.id);
      hashes.push_back(hash);
    }
    const bool drained = static_cast<int>(rows.size()) < max_rows;
    if (!ids.empty()) {
      std::vector<std::string> hex;
      for (const auto& h : hashes) hex.push_back("\\\\x" + crypto::HexEncode(h));
      tx.w().exec_prepared("audit.seal_insert", absl::StrCat("{", absl::StrJoin(positions, ","), "}"),
                           absl::StrCat("{", absl::StrJoin(ids, ","), "}"),
                           absl::StrCat("{", absl::StrJoin(hex, ","), "}"));
    }
    // A partial batch keeps the old watermark: the rest of the range is still pending
    // and is found again through NOT EXISTS.
    const std::string new_watermark = drained ? xmin : watermark;
    tx.w().exec_prepared("audit.seal_state_update", new_watermark, position, pg::Bytes(hash));
    result.sealed = static_cast<int>(ids.size());

    const bool due = position - last_cp_position >= kCheckpointEvery ||
                     (position > last_cp_position && (drained || now - last_cp_at >= kCheckpointInterval));
    if (due && position > 0) {
      std::string sig = signer.Sign(CheckpointMessage(position, hash, new_watermark));
      tx.w().exec_prepared("audit.checkpoint", position, pg::Bytes(hash), new_watermark,
                           pg::Time(now), pg::Bytes(signer.PublicKey()), pg::Bytes(sig));
      result.checkpointed = true;
    }
    return result;
  });
}

absl::StatusOr<ChainReport> VerifyChain(Tx& tx, const std::string& public_key) {
  return Guard([&]() -> absl::StatusOr<ChainReport> {
    ChainReport rep;
    auto fail = [&](int64_t pos, int64_t audit_id, std::string problem) {
      if (!rep.intact) return;
      rep.intact = false;
      rep.first_break_position = pos;
      rep.first_break_audit_id = audit_id;
      rep.problem = std::move(problem);
    };

    struct Cp {
      std::string hash, watermark, key, sig;
    };
    std::map<int64_t, Cp> cps;
    for (const auto& r : tx.w().exec_prepared("audit.checkpoints")) {
      cps[r[0].as<int64_t>()] = {pg::BytesField(r[1]), r[2].as<std::string>(),
                                 pg::BytesField(r[3]), pg::BytesField(r[4])};
    }

    std::string hash(32, '\0');
    int64_t expected = 1;
    std::string last_tx;
    int64_t last_id = 0;
    std::string max_cp_watermark = "0";
    constexpr int kPage = 5000;
    for (;;) {
      pqxx::result page = tx.w().exec_prepared("audit.chain", expected - 1, kPage);
      for (const auto& r : page) {
        const int64_t pos = r[0].as<int64_t>();
        const std::string stored = pg::BytesField(r[1]);
        AuditEntry e;
        std::string tx_id;
        {
          e.id = r[2].as<int64_t>();
          tx_id = r[3].as<std::string>();
          e.at = absl::FromUnixMicros(r[4].as<int64_t>());
          e.user_id = r[5].as<std::string>();
          e.username = r[6].as<std::string>();
          e.role = r[7].as<int>();
          e.jurisdiction = r[8].as<std::string>();
          e.method = r[9].as<std::string>();
          e.patient_ids = pg::ParseArray(r[10].as<std::string>());
          e.outcome = r[11].as<std::string>();
          e.peer = r[12].as<std::string>();
          e.request_id = r[13].as<std::string>();
          e.detail = r[14].as<std::string>();
        }
        if (pos != expected) {
          fail(expected, e.id, absl::StrCat("chain position ", expected, " is missing"));
        }
        const uint64_t txn = std::stoull(tx_id);
        const uint64_t last_txn = last_tx.empty() ? 0 : std::stoull(last_tx);
        if (!last_tx.empty() && (txn < last_txn || (txn == last_txn && e.id <= last_id))) {
          fail(pos, e.id, "row out of chain order");
        }
        hash = Link(hash, CanonicalAuditRow(e, tx_id));
        if (!crypto::ConstantTimeEquals(hash, stored)) {
          fail(pos, e.id, "row content does not match its chain hash (changed after sealing)");
          hash = stored;  // continue from the stored link to find further problems cheaply
        }
        auto cp = cps.find(pos);
        if (cp != cps.end()) {
          ++rep.checkpoints_checked;
          if (cp->second.key != public_key) {
            fail(pos, e.id, "checkpoint signed with an unknown key");
          } else if (!crypto::VerifyEd25519(
                         public_key, CheckpointMessage(pos, cp->second.hash, cp->second.watermark),
                         cp->second.sig)) {
            fail(pos, e.id, "checkpoint signature is invalid");
          } else if (!crypto::ConstantTimeEquals(cp->second.hash, hash)) {
            fail(pos, e.id, "chain does not match the signed checkpoint");
          }
          max_cp_watermark = cp->second.watermark;
        }
        last_tx = tx_id;
        last_id = e.id;
        expected = pos + 1;
        ++rep.records_checked;
      }
      if (static_cast<int>(page.size()) < kPage) break;
    }
    const int64_t last_position = expected - 1;
    for (const auto& [pos, cp] : cps) {
      if (pos > last_position) {
        fail(pos, 0, "a signed checkpoint refers to chain rows that are gone");
        break;
      }
    }
    // Rows below the last signed watermark must all be sealed: an unsealed one there was
    // inserted behind the sealer's back.
    pqxx::row below = tx.w().exec_prepared1("audit.unsealed_below", max_cp_watermark);
    if (below[0].as<int64_t>() > 0) {
      fail(0, below[1].as<int64_t>(), "an audit row below a signed watermark is not sealed");
    }
    rep.unsealed = tx.w().exec_prepared1("audit.unsealed_total")[0].as<int64_t>();
    return rep;
  });
}

}  // namespace smd::store
