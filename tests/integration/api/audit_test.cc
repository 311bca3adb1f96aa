// The audit trail against tampering (issue 11, items 7 and 11), over gRPC with the real
// server, a real PostgreSQL and the production ownership (deploy/postgres/protect-audit.sql):
//
//   * a database superuser who changes, deletes or inserts sealed rows, re-links the chain
//     and drops the later checkpoints (the probe's rewrite), who truncates the tail, or who
//     removes or forges a checkpoint, is reported by VerifyAuditChain through the external
//     anchor file (the database alone is consistent after such a rewrite);
//   * every field of the canonical row is covered;
//   * the runtime role smd_app cannot update, delete or truncate audit rows, insert rows
//     with its own id, tx or a backdated time, write seal rows or checkpoints, or move the
//     sealer's state;
//   * the migration role smd_owner cannot disable the audit triggers, drop the tables or
//     replace their functions;
//   * every server's anchor follows the chain, whichever process seals.
//
// The tampering runs as the cluster superuser with session_replication_role = replica (the
// triggers are bypassed) while holding the sealer's advisory lock, and each test puts the
// audit tables back from a copy afterwards. The server's own sealer is idle (10 min
// interval); the tests seal with SealAuditNow, which always writes a checkpoint.

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "store/audit_repository.h"
#include "support/test_env.h"

namespace smd::testing {
namespace {

using ::testing::HasSubstr;

// The sealer's advisory lock key ("smd_seal", store/audit_repository.cc).
constexpr char kSealLock[] = "SELECT pg_advisory_xact_lock(8317414447943868780); ";
constexpr char kReplica[] = "SET LOCAL session_replication_role = replica; ";

// Re-links the chain from position `from` with the database's own canonical row, drops the
// checkpoints from `from` on and points the sealer's state at the new end: what a superuser
// does to make a rewritten chain consistent again (without the key).
std::string Relink(int64_t from) {
  return absl::StrCat(
      "DO $$ DECLARE r record; h bytea; BEGIN "
      "SELECT coalesce((SELECT hash FROM audit_seal WHERE position = ", from - 1,
      "), '\\x0000000000000000000000000000000000000000000000000000000000000000'::bytea) INTO h; "
      "FOR r IN SELECT s.position, a.* FROM audit_seal s JOIN audit_log a ON a.id = s.audit_id "
      "WHERE s.position >= ", from, " ORDER BY s.position LOOP "
      "h := sha256(h || smd_audit_canonical(r.id, r.tx, r.at, r.user_id, r.username, r.role, "
      "r.jurisdiction, r.method, r.patient_ids, r.outcome, r.peer, r.request_id, r.detail)); "
      "UPDATE audit_seal SET hash = h WHERE position = r.position; END LOOP; "
      "DELETE FROM audit_checkpoint WHERE position >= ", from, "; "
      "UPDATE audit_seal_state SET last_position = (SELECT coalesce(max(position), 0) FROM "
      "audit_seal), last_hash = h; END $$; ");
}

// Removes chain position `p` (its audit row and seal row) and closes the gap.
std::string DeletePosition(int64_t p) {
  return absl::StrCat(
      "DELETE FROM audit_log WHERE id = (SELECT audit_id FROM audit_seal WHERE position = ", p,
      "); DELETE FROM audit_seal WHERE position = ", p, "; "
      "UPDATE audit_seal SET position = position + 1000000000 WHERE position > ", p, "; "
      "UPDATE audit_seal SET position = position - 1000000001 WHERE position > 1000000000; ");
}

class AuditTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env_ = new TestServer("it_audit", 20, [](runtime::Config& c) {
      c.audit_seal_interval_ms = 600000;  // only the tests seal
    });
  }
  static void TearDownTestSuite() {
    delete env_;
    env_ = nullptr;
  }

  void SetUp() override {
    auditor_ = env_->Login("auditor", kAuditorPw);
    doctor_ = env_->Login("doctor", kDoctorPw);
    // Activity, sealed under two checkpoints, so that there is a sealed middle and an end.
    Activity(6);
    ASSERT_TRUE(env_->server().SealAuditNow().ok());
    first_cp_ = NewestCheckpoint();
    Activity(6);
    ASSERT_TRUE(env_->server().SealAuditNow().ok());
    ASSERT_GE(NewestCheckpoint(), first_cp_ + 6);
    v1::VerifyAuditChainResponse v = Verify();
    ASSERT_TRUE(v.intact()) << v.problem();
    ASSERT_TRUE(v.anchored());
    ASSERT_GE(v.anchored_checkpoints_checked(), 2);
    Super("DROP TABLE IF EXISTS bak_log, bak_seal, bak_cp, bak_state; "
          "CREATE TABLE bak_log AS TABLE audit_log; CREATE TABLE bak_seal AS TABLE audit_seal; "
          "CREATE TABLE bak_cp AS TABLE audit_checkpoint; "
          "CREATE TABLE bak_state AS TABLE audit_seal_state;");
    anchor_copy_ = ReadAnchor();
  }

  void TearDown() override {
    // Put the trail back as it was before the test (the anchor file too), so every test
    // starts from an intact chain.
    Tamper("DELETE FROM audit_checkpoint; DELETE FROM audit_seal; DELETE FROM audit_log; "
           "INSERT INTO audit_log SELECT * FROM bak_log; "
           "INSERT INTO audit_seal SELECT * FROM bak_seal; "
           "INSERT INTO audit_checkpoint SELECT * FROM bak_cp; "
           "UPDATE audit_seal_state s SET watermark = b.watermark, "
           "last_position = b.last_position, last_hash = b.last_hash FROM bak_state b;");
    std::ofstream(env_->anchor_file(), std::ios::trunc) << anchor_copy_;
    v1::VerifyAuditChainResponse v = Verify();
    EXPECT_TRUE(v.intact()) << "restoring failed: " << v.problem();
  }

  // Audited reads of the demo register (one audit row each).
  void Activity(int n) {
    for (int i = 0; i < n; ++i) {
      v1::WhoAmIResponse me;
      ASSERT_TRUE(env_->auth->WhoAmI(TestServer::Ctx(doctor_).get(), {}, &me).ok());
    }
  }

  v1::VerifyAuditChainResponse Verify() {
    v1::VerifyAuditChainResponse v;
    grpc::Status s = env_->audit->VerifyAuditChain(TestServer::Ctx(auditor_).get(), {}, &v);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return v;
  }

  static void Super(const std::string& sql) { env_->db().ExecSuper(sql); }
  static std::string Q(const std::string& sql) { return env_->db().QueryValue(sql); }

  // Runs `sql` as the superuser in one transaction with the triggers bypassed and the
  // sealer held off.
  static void Tamper(const std::string& sql) {
    pqxx::connection c(env_->db().SuperDsn());
    pqxx::work w(c);
    w.exec(std::string(kSealLock) + kReplica + sql);
    w.commit();
  }

  static std::string ReadAnchor() {
    std::ifstream in(env_->anchor_file());
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

  int64_t LastPosition() { return std::stoll(Q("SELECT max(position) FROM audit_seal")); }
  int64_t NewestCheckpoint() { return std::stoll(Q("SELECT max(position) FROM audit_checkpoint")); }
  // A sealed position after one checkpoint and before the next (both anchored).
  int64_t Middle() const { return first_cp_ + 2; }
  std::string AuditIdAt(int64_t p) {
    return Q(absl::StrCat("SELECT audit_id FROM audit_seal WHERE position = ", p));
  }

  // The probe's finding: verify said "intact" after this. Returns the report.
  void ExpectReportedOnlyThroughTheAnchor(const v1::VerifyAuditChainResponse& v) {
    EXPECT_FALSE(v.intact());
    EXPECT_THAT(v.problem(), HasSubstr("anchor"));
  }

  static TestServer* env_;
  std::string auditor_, doctor_;
  std::string anchor_copy_;
  int64_t first_cp_ = 0;
};

TestServer* AuditTest::env_ = nullptr;

TEST_F(AuditTest, TheSealerAnchorsItsCheckpointsOutsideTheDatabase) {
  // The newest checkpoint of the database is the last line of the anchor file.
  const std::string newest = Q(
      "SELECT 'smd-audit-anchor-v1 ' || position || ' ' || encode(hash, 'hex') || ' ' || "
      "watermark || ' ' || encode(signature, 'hex') FROM audit_checkpoint "
      "ORDER BY position DESC LIMIT 1");
  ASSERT_FALSE(newest.empty());
  EXPECT_THAT(anchor_copy_, HasSubstr(newest + " "));
  v1::VerifyAuditChainResponse v = Verify();
  EXPECT_EQ(v.newest_anchored_position(), NewestCheckpoint());
  EXPECT_EQ(v.newest_checkpoint_position(), NewestCheckpoint());
  EXPECT_GT(v.records_checked(), 12);
}

TEST_F(AuditTest, ASuperusersRewriteAfterACheckpointIsReported) {
  // The probe: delete a sealed row, re-link the rest, drop the later checkpoints.
  const int64_t p = Middle();
  Tamper(DeletePosition(p) + Relink(p));
  // The database alone is consistent again...
  EXPECT_EQ(Q("SELECT count(*) FROM audit_checkpoint WHERE position >= " + std::to_string(p)),
            "0");
  // ...but the anchored checkpoints are gone from it.
  v1::VerifyAuditChainResponse v = Verify();
  ExpectReportedOnlyThroughTheAnchor(v);
  EXPECT_GE(v.first_break_position(), p);
  // The sealer goes on signing the rewritten chain; that does not hide it.
  Activity(3);
  ASSERT_TRUE(env_->server().SealAuditNow().ok());
  v = Verify();
  ExpectReportedOnlyThroughTheAnchor(v);
}

TEST_F(AuditTest, AChangeToAnyFieldOfASealedRowIsReported) {
  const int64_t p = Middle();
  const std::string id = AuditIdAt(p);
  ASSERT_FALSE(id.empty());
  const std::string where = " WHERE id = " + id;
  // Every column of the canonical row (crypto::CanonicalAuditRow).
  const std::vector<std::string> edits = {
      "UPDATE audit_log SET at = at - interval '1 day'" + where,
      "UPDATE audit_log SET user_id = '00000000-0000-4000-8000-000000000000'" + where,
      "UPDATE audit_log SET username = username || 'x'" + where,
      "UPDATE audit_log SET role = 7" + where,
      "UPDATE audit_log SET jurisdiction = '320106002'" + where,
      "UPDATE audit_log SET method = '/smd.v1.AuthService/Logout'" + where,
      "UPDATE audit_log SET patient_ids = '{00000000-0000-4000-8000-000000000001}'" + where,
      "UPDATE audit_log SET outcome = 'PERMISSION_DENIED'" + where,
      "UPDATE audit_log SET peer = 'ipv4:10.0.0.1:1'" + where,
      "UPDATE audit_log SET request_id = 'forged'" + where,
      "UPDATE audit_log SET detail = 'forged'" + where,
      "UPDATE audit_log SET tx = (SELECT a.tx FROM audit_log a JOIN audit_seal s ON "
          "s.audit_id = a.id WHERE s.position = " + std::to_string(p - 1) + ")" + where,
      "UPDATE audit_seal SET audit_id = 900000000 WHERE audit_id = " + id +
          "; UPDATE audit_log SET id = 900000000" + where,
  };
  for (const std::string& edit : edits) {
    SCOPED_TRACE(edit);
    // Changed in place: the row no longer matches its link.
    Tamper(edit);
    v1::VerifyAuditChainResponse v = Verify();
    EXPECT_FALSE(v.intact());
    EXPECT_EQ(v.first_break_position(), p) << v.problem();
    TearDown();
    // Changed and covered up: re-linked, later checkpoints dropped.
    Tamper(edit + "; " + Relink(p));
    ExpectReportedOnlyThroughTheAnchor(Verify());
    TearDown();
  }
}

TEST_F(AuditTest, ADeletedRowIsReported) {
  const int64_t p = Middle();
  const std::string id = AuditIdAt(p);
  // Row and seal row deleted: a gap.
  Tamper("DELETE FROM audit_log WHERE id = " + id + "; DELETE FROM audit_seal WHERE position = " +
         std::to_string(p));
  v1::VerifyAuditChainResponse v = Verify();
  EXPECT_FALSE(v.intact());
  EXPECT_EQ(v.first_break_position(), p);
  EXPECT_THAT(v.problem(), HasSubstr("missing"));
  TearDown();
  // Only the audit row deleted (its seal row kept).
  Tamper("DELETE FROM audit_log WHERE id = " + id);
  v = Verify();
  EXPECT_FALSE(v.intact());
  EXPECT_EQ(v.first_break_position(), p);
  EXPECT_THAT(v.problem(), HasSubstr("deleted"));
}

TEST_F(AuditTest, AnInsertedRowIsReported) {
  // Behind the sealer: a row with an old transaction id that the sealer will never seal.
  Tamper("INSERT INTO audit_log (tx, at, method, outcome) VALUES ('3', now(), "
         "'/smd.v1.PatientService/GetPatient', 'OK')");
  v1::VerifyAuditChainResponse v = Verify();
  EXPECT_FALSE(v.intact());
  EXPECT_THAT(v.problem(), HasSubstr("not sealed"));
  TearDown();
  // Into the sealed middle, sealed and re-linked, the later checkpoints dropped.
  const int64_t p = Middle();
  const std::string ps = std::to_string(p);
  Tamper("INSERT INTO audit_log (id, tx, at, method, outcome) SELECT 900000001, a.tx, a.at, "
         "'/smd.v1.PatientService/GetPatient', 'OK' FROM audit_log a JOIN audit_seal s ON "
         "s.audit_id = a.id WHERE s.position = " + ps + "; "
         "UPDATE audit_seal SET position = position + 1000000000 WHERE position > " + ps + "; "
         "UPDATE audit_seal SET position = position - 999999999 WHERE position > 1000000000; "
         "INSERT INTO audit_seal VALUES (" + std::to_string(p + 1) + ", 900000001, '\\x00'); " +
         Relink(p + 1));
  ExpectReportedOnlyThroughTheAnchor(Verify());
}

TEST_F(AuditTest, TruncatingTheEndOfTheChainIsReported) {
  const int64_t p = Middle();
  Tamper(absl::StrCat(
      "DELETE FROM audit_checkpoint WHERE position > ", p, "; "
      "DELETE FROM audit_log WHERE id IN (SELECT audit_id FROM audit_seal WHERE position > ", p,
      "); DELETE FROM audit_seal WHERE position > ", p, "; ", Relink(p + 1)));
  v1::VerifyAuditChainResponse v = Verify();
  ExpectReportedOnlyThroughTheAnchor(v);
  EXPECT_THAT(v.problem(), HasSubstr("removed from its end"));
}

TEST_F(AuditTest, ARemovedOrForgedCheckpointIsReported) {
  // An older checkpoint removed (a "skipped" checkpoint): the chain is still covered by the
  // newest signature, but the anchor has it.
  const std::string oldest = std::to_string(first_cp_);
  Tamper("DELETE FROM audit_checkpoint WHERE position = " + oldest);
  v1::VerifyAuditChainResponse v = Verify();
  EXPECT_FALSE(v.intact());
  EXPECT_EQ(std::to_string(v.first_break_position()), oldest);
  EXPECT_THAT(v.problem(), HasSubstr("missing from the database"));
  TearDown();
  // An older checkpoint's signature altered.
  const std::string flip =
      "UPDATE audit_checkpoint SET signature = set_byte(signature, 0, get_byte(signature, 0) # 1) ";
  Tamper(flip + "WHERE position = " + oldest);
  v = Verify();
  EXPECT_FALSE(v.intact());
  EXPECT_THAT(v.problem(), HasSubstr("differs from its copy in the anchor file"));
  TearDown();
  // The newest checkpoint's signature altered.
  Tamper(flip + "WHERE position = (SELECT max(position) FROM audit_checkpoint)");
  v = Verify();
  EXPECT_FALSE(v.intact());
  EXPECT_THAT(v.problem(), HasSubstr("signature is invalid"));
}

TEST_F(AuditTest, AMissingAnchorFileIsReported) {
  ASSERT_EQ(std::remove(env_->anchor_file().c_str()), 0);
  v1::VerifyAuditChainResponse v = Verify();
  EXPECT_FALSE(v.intact());
  EXPECT_THAT(v.problem(), HasSubstr("anchor file cannot be read"));
}

TEST_F(AuditTest, TheAppRoleCannotChangeTheTrail) {
  pqxx::connection c(env_->db().AppDsn());
  auto refused = [&](const std::string& sql) {
    pqxx::work w(c);
    try {
      w.exec(sql);
    } catch (const pqxx::sql_error& e) {
      return true;
    }
    return false;
  };
  EXPECT_TRUE(refused("UPDATE audit_log SET outcome = 'OK'"));
  EXPECT_TRUE(refused("DELETE FROM audit_log"));
  EXPECT_TRUE(refused("TRUNCATE audit_log"));
  EXPECT_TRUE(refused("DELETE FROM audit_seal"));
  EXPECT_TRUE(refused("DELETE FROM audit_checkpoint"));
  // Its own id or transaction id (a row placed behind the sealer), or a backdated time.
  EXPECT_TRUE(
      refused("INSERT INTO audit_log (tx, at, method, outcome) VALUES ('3', now(), 'm', 'OK')"));
  EXPECT_TRUE(
      refused("INSERT INTO audit_log (id, at, method, outcome) VALUES (1, now(), 'm', 'OK')"));
  EXPECT_TRUE(refused("INSERT INTO audit_log (at, method, outcome) "
                      "VALUES (now() - interval '1 day', 'm', 'OK')"));
  EXPECT_TRUE(refused("INSERT INTO audit_log (at, method, outcome) "
                      "VALUES (now() + interval '1 day', 'm', 'OK')"));
  // The chain and the sealer's state.
  EXPECT_TRUE(refused("UPDATE audit_seal_state SET watermark = '99999999'"));
  EXPECT_TRUE(refused("UPDATE audit_seal_state SET last_position = last_position + 1"));
  EXPECT_TRUE(refused("INSERT INTO audit_seal VALUES (999999, 1, '\\x00')"));
  EXPECT_TRUE(refused("INSERT INTO audit_checkpoint SELECT position + 1, hash, watermark, "
                      "signed_at, public_key, signature FROM audit_checkpoint LIMIT 1"));
  EXPECT_TRUE(refused("SELECT smd_audit_checkpoint(last_position, last_hash, watermark, now(), "
                      "'\\x00'::bytea, '\\x00'::bytea) FROM audit_seal_state"));
  // A row at the current time is what the server writes; calling the sealer function itself
  // only seals, as the server's sealer would.
  {
    pqxx::work w(c);
    w.exec("INSERT INTO audit_log (at, method, outcome) VALUES (now(), 'm', 'OK')");
    w.exec("SELECT * FROM smd_audit_seal(10)");
    w.commit();
  }
  ASSERT_TRUE(env_->server().SealAuditNow().ok());
  v1::VerifyAuditChainResponse v = Verify();
  EXPECT_TRUE(v.intact()) << v.problem();
}

TEST_F(AuditTest, TheDatabasesLinksAndTheVerifierAgreeOnAwkwardRows) {
  // The database computes the links (smd_audit_seal), verification recomputes them in C++
  // from the binary COPY: both must read every field alike, whatever it holds.
  pqxx::connection c(env_->db().AppDsn());
  pqxx::work w(c);
  for (const std::string& values : {
           std::string("now(), NULL, '', 0, '', 'm', '{}', 'UNAUTHENTICATED', '', '', ''"),
           std::string("now(), '00000000-0000-4000-8000-00000000000a', "
                       "'tab' || chr(9) || 'and' || chr(10) || 'newline', 8, "
                       "'320106', E'back\\\\slash', '{00000000-0000-4000-8000-000000000001,"
                       "00000000-0000-4000-8000-000000000002}', 'OK', E'new\\nline', "
                       "E'cr\\rret', '审计员；detail=1;2:x'"),
           std::string("clock_timestamp() + interval '4 minutes', NULL, repeat('长', 64), 2, "
                       "'320106001001', '/smd.v1.X/Y', '{00000000-0000-4000-8000-000000000003}', "
                       "'PERMISSION_DENIED', 'ipv6:[::1]:1', repeat('r', 200), ''"),
       }) {
    w.exec("INSERT INTO audit_log (at, user_id, username, role, jurisdiction, method, "
           "patient_ids, outcome, peer, request_id, detail) VALUES (" + values + ")");
  }
  w.commit();
  ASSERT_TRUE(env_->server().SealAuditNow().ok());
  EXPECT_EQ(Q("SELECT count(*) FROM audit_log a WHERE NOT EXISTS "
              "(SELECT 1 FROM audit_seal s WHERE s.audit_id = a.id)"),
            "0");
  v1::VerifyAuditChainResponse v = Verify();
  EXPECT_TRUE(v.intact()) << v.problem();
}

TEST_F(AuditTest, OverlappingTransactionsVerifyWhicheverWayTheRowsAreRead) {
  // Two transactions writing in turns: ids alternate between them, while the chain takes
  // all rows of the older transaction first. Verification reads by id and puts the rows
  // back in chain order; with a window too small for that it reads them in chain order.
  {
    pqxx::connection a(env_->db().AppDsn()), b(env_->db().AppDsn());
    pqxx::work wa(a), wb(b);
    const std::string insert =
        "INSERT INTO audit_log (at, method, outcome, detail) VALUES (now(), 'm', 'OK', ";
    for (int i = 0; i < 5; ++i) {
      wa.exec(insert + "'a" + std::to_string(i) + "')");
      wb.exec(insert + "'b" + std::to_string(i) + "')");
    }
    wb.commit();
    wa.commit();
  }
  ASSERT_TRUE(env_->server().SealAuditNow().ok());
  EXPECT_EQ(Q("SELECT string_agg(a.detail, ',' ORDER BY s.position) FROM audit_seal s JOIN "
              "audit_log a ON a.id = s.audit_id WHERE a.method = 'm'"),
            "a0,a1,a2,a3,a4,b0,b1,b2,b3,b4");
  v1::VerifyAuditChainResponse v = Verify();
  EXPECT_TRUE(v.intact()) << v.problem();
  store::SetVerifyReorderWindowForTest(1);
  v = Verify();
  EXPECT_TRUE(v.intact()) << v.problem();
  const int64_t records = v.records_checked();
  // And tampering is found on that path too.
  Tamper("UPDATE audit_log SET detail = 'forged' WHERE method = 'm' AND detail = 'b2'");
  v = Verify();
  store::SetVerifyReorderWindowForTest(0);
  EXPECT_FALSE(v.intact());
  EXPECT_THAT(v.problem(), HasSubstr("changed"));
  EXPECT_GE(v.records_checked(), records);
}

TEST_F(AuditTest, TheMigrationRoleCannotDisableTheTriggersOrDropTheTables) {
  pqxx::connection c(env_->db().OwnerDsn());
  auto refused = [&](const std::string& sql) {
    pqxx::work w(c);
    try {
      w.exec(sql);
    } catch (const pqxx::sql_error& e) {
      return true;
    }
    return false;
  };
  EXPECT_TRUE(refused("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"));
  EXPECT_TRUE(refused("ALTER TABLE audit_seal DISABLE TRIGGER ALL"));
  EXPECT_TRUE(refused("DROP TRIGGER audit_log_append_only ON audit_log"));
  EXPECT_TRUE(refused("DROP TABLE audit_checkpoint CASCADE"));
  EXPECT_TRUE(refused("ALTER TABLE audit_log ADD COLUMN x int"));
  EXPECT_TRUE(refused("CREATE OR REPLACE FUNCTION smd_audit_append_only() RETURNS trigger "
                      "LANGUAGE plpgsql AS $$BEGIN RETURN NULL; END$$"));
  EXPECT_TRUE(refused("UPDATE audit_log SET outcome = 'OK'"));
  EXPECT_TRUE(refused("DELETE FROM audit_checkpoint"));
  EXPECT_TRUE(refused("UPDATE audit_seal_state SET last_position = 0"));
  EXPECT_TRUE(refused("SET session_replication_role = replica"));
  EXPECT_TRUE(refused("SELECT count(*) FROM audit_log"));
  EXPECT_EQ(Q("SELECT string_agg(DISTINCT tableowner, ',') FROM pg_tables "
              "WHERE tablename LIKE 'audit%'"),
            "smd_audit");
}

TEST_F(AuditTest, EveryServersAnchorFollowsTheChain) {
  // A second server on the same database with its own anchor file: it seals nothing while
  // the first holds the lock, but anchors the newest checkpoint it sees.
  runtime::Config other = env_->config();
  other.audit_anchor_file = env_->anchor_file() + ".second";
  std::remove(other.audit_anchor_file.c_str());
  auto second = runtime::Server::Start(other, common::SystemClock::Get());
  ASSERT_TRUE(second.ok()) << second.status();
  Activity(2);
  ASSERT_TRUE(env_->server().SealAuditNow().ok());
  ASSERT_TRUE((*second)->SealAuditNow().ok());
  std::ifstream in(other.audit_anchor_file);
  const std::string second_anchor((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
  const std::string newest = Q("SELECT max(position) FROM audit_checkpoint");
  EXPECT_THAT(second_anchor, HasSubstr("smd-audit-anchor-v1 " + newest + " "));
  (*second)->Shutdown(absl::Seconds(1));
  second->reset();
  std::remove(other.audit_anchor_file.c_str());
}

TEST_F(AuditTest, WithoutAnAnchorVerificationSaysSo) {
  runtime::Config other = env_->config();
  other.audit_anchor_file = "none";
  auto second = runtime::Server::Start(other, common::SystemClock::Get());
  ASSERT_TRUE(second.ok()) << second.status();
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*second)->port()),
                                     grpc::InsecureChannelCredentials());
  auto audit = v1::AuditService::NewStub(channel);
  v1::VerifyAuditChainResponse v;
  ASSERT_TRUE(audit->VerifyAuditChain(TestServer::Ctx(auditor_).get(), {}, &v).ok());
  EXPECT_TRUE(v.intact()) << v.problem();
  EXPECT_FALSE(v.anchored());
  EXPECT_EQ(v.anchored_checkpoints_checked(), 0);
  (*second)->Shutdown(absl::Seconds(1));
}

}  // namespace
}  // namespace smd::testing
