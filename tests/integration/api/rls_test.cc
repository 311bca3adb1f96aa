// Row-level security by column (schemas 0024 and 0021, docs/adr/0017-rls-by-column.md): the
// clinical tables' and the kept metric states' policies compare the patient's codes copied
// onto each row with the session's scope.
// These tests prove that this shows exactly what the rule says, as the old per-row function
// did: for random scopes of every level, every table with row-level security returns, as the
// server's role, exactly the rows a superuser query filtered by the rule (read from the
// patient row itself, not from the copied columns) returns. Patients moved by the server's
// own transfer path (迁出 pending, accepted, refused), moved across districts, closed, and
// rows written before and after the moves are all in the data.

#include <pqxx/pqxx>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "smd/v1/alerts.grpc.pb.h"
#include "smd/v1/followups.grpc.pb.h"
#include "smd/v1/patients.grpc.pb.h"
#include "store/statements.h"
#include "support/test_env.h"

namespace smd::testing {
namespace {

using ::testing::HasSubstr;

// The clinical tables whose policy compares the copied codes (0024).
const std::vector<std::string> kByColumn = {
    "followup",      "patient_schedule", "emergency",     "referral",     "discharge",
    "health_check",  "care_team_member", "rehab_session", "psych_support"};

// Every table whose rows carry the patient's copied codes: the clinical ones and the kept
// metric states (0021), whose codes are kept by triggers of their own.
const std::vector<std::string> kCopied = [] {
  std::vector<std::string> t = kByColumn;
  t.push_back("metric_state");
  return t;
}();

class RlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env_ = new TestServer("it_rls");
    BuildData();
  }
  static void TearDownTestSuite() {
    delete env_;
    env_ = nullptr;
  }

  static std::string Token(const std::string& user, const std::string& pw) {
    static std::map<std::string, std::string> tokens;
    auto it = tokens.find(user);
    if (it == tokens.end()) it = tokens.emplace(user, env_->Login(user, pw)).first;
    return it->second;
  }

  static v1::Patient Register(int seq, const std::string& community) {
    v1::RegisterPatientRequest req;
    *req.mutable_details() = ValidDetails(SyntheticIdNumber("19700101", 700 + seq),
                                          absl::StrCat("隔离患者", seq), community);
    v1::Patient p;
    grpc::Status s =
        env_->patients->RegisterPatient(TestServer::Ctx(Token("doctor", kDoctorPw)).get(), req,
                                        &p);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return p;
  }

  // As the server's role under `scope`, in one transaction.
  static void AsApp(const std::string& scope, const std::string& sql) {
    pqxx::connection c(env_->db().AppDsn());
    pqxx::work w(c);
    w.exec_params("SELECT set_config('smd.scope', $1, true)", scope);
    w.exec(sql);
    w.commit();
  }

  // One row in each clinical table without demo rows, for `patient`, written as the server's
  // role under `scope` (the copy trigger fills the codes).
  static void ClinicalRows(const std::string& scope, const std::string& patient, int k) {
    const std::string p = "'" + patient + "'::uuid";
    const std::string by = "(SELECT id FROM app_user WHERE username = 'psychiatrist')";
    AsApp(scope, absl::StrCat(
        "INSERT INTO emergency (id, patient_id, started_at, trigger, registered, details_enc, "
        "recorded_by, recorded_at) VALUES (gen_random_uuid(), ", p, ", now(), 1, true, '\\x00', ",
        by, ", now());"
        "INSERT INTO referral (id, patient_id, hospital, urgent, status, details_enc, "
        "requested_by, requested_at, updated_at) VALUES (gen_random_uuid(), ", p,
        ", '测试医院', false, 1, '\\x00', ", by, ", now(), now());"
        "INSERT INTO discharge (id, patient_id, hospital, discharged_on, received_on, first_due, "
        "details_enc, recorded_by, recorded_at) VALUES (gen_random_uuid(), ", p,
        ", '测试医院', current_date - ", k, ", current_date, current_date + 14, '\\x00', ", by,
        ", now());"
        "INSERT INTO health_check (id, patient_id, check_date, consent, details_enc, recorded_by, "
        "recorded_at) VALUES (gen_random_uuid(), ", p, ", current_date - ", k, ", true, '\\x00', ",
        by, ", now());"
        "INSERT INTO care_team_member (id, patient_id, team_role, contact_enc, start_date, "
        "added_by, added_at) VALUES (gen_random_uuid(), ", p, ", 6, '\\x00', current_date, ", by,
        ", now());"
        "INSERT INTO rehab_session (id, patient_id, session_date, activity, details_enc, "
        "recorded_by, recorded_at) VALUES (gen_random_uuid(), ", p, ", current_date - ", k,
        ", 1, '\\x00', ", by, ", now());"
        "INSERT INTO psych_support (id, patient_id, support_date, recipients, method, details_enc, "
        "recorded_by, recorded_at) VALUES (gen_random_uuid(), ", p, ", current_date - ", k,
        ", 1, 1, '\\x00', ", by, ", now())"));
  }

  static void BuildData() {
    TestDatabase& db = env_->db();
    // Kept figures of the current year and day before anything moves, so that the moves
    // below rewrite existing states and the writes after them add new ones (schema 0021).
    const absl::CivilDay today = absl::ToCivilDay(absl::Now(), absl::FixedTimeZone(8 * 3600));
    EXPECT_TRUE(env_->server().BuildMetricsYear(static_cast<int>(today.year())).ok());
    EXPECT_TRUE(env_->server().BuildMetricsToday().ok());
    // A second district with a street and a community, for moves across districts (and the
    // city and province levels above both).
    db.ExecSuper(
        "INSERT INTO region (code, name, level, parent_code, updated_at) VALUES "
        "('320107', '隔离测试区', 1, NULL, now()), ('320107001', '隔离测试街道', 2, '320107', now()), "
        "('320107001001', '隔离测试社区', 3, '320107001', now())");
    // Clinical rows for every demo patient, as the district's psychiatrist would write them.
    const pqxx::result demo = [&] {
      pqxx::connection c(db.SuperDsn());
      pqxx::nontransaction n(c);
      return n.exec("SELECT id::text FROM patient ORDER BY id");
    }();
    int k = 0;
    for (const auto& row : demo) ClinicalRows("320106", row[0].as<std::string>(), ++k % 7);

    // Through the server's transfer path (迁出 by the street-001 doctor, 迁入 decided by the
    // street-002 doctor): one left pending, one accepted, one refused.
    auto transfer_out = [&](const v1::Patient& p) {
      v1::TransferOutRequest t;
      t.set_patient_id(p.patient_id());
      t.set_version(p.version());
      t.set_to_jurisdiction("320106002001");
      t.set_reason("随家属迁居");
      v1::Transfer out;
      grpc::Status s =
          env_->patients->TransferOut(TestServer::Ctx(Token("doctor", kDoctorPw)).get(), t, &out);
      EXPECT_TRUE(s.ok()) << s.error_message();
      return out;
    };
    auto transfer_in = [&](const v1::Transfer& t, bool accept) {
      v1::TransferInRequest in;
      in.set_transfer_id(t.transfer_id());
      in.set_accept(accept);
      in.set_note("已处理");
      v1::Transfer out;
      grpc::Status s =
          env_->patients->TransferIn(TestServer::Ctx(Token("doctor2", kDoctor2Pw)).get(), in, &out);
      EXPECT_TRUE(s.ok()) << s.error_message();
    };
    v1::Patient pending = Register(1, "320106001001");
    v1::Patient accepted = Register(2, "320106001001");
    v1::Patient refused = Register(3, "320106001002");
    for (const v1::Patient* p : {&pending, &accepted, &refused}) {
      ClinicalRows("320106001", p->patient_id(), 3);
    }
    transfer_out(pending);
    transfer_in(transfer_out(accepted), true);
    transfer_in(transfer_out(refused), false);
    moved_ = {pending.patient_id(), accepted.patient_id(), refused.patient_id()};
    // After the accepted move, its new side writes more rows under its own scope.
    ClinicalRows("320106002", accepted.patient_id(), 1);

    // Moves made directly by the server's role (any future path): one pending 迁出 to the
    // other district, and, by the superuser, one completed move there and one closed patient.
    const std::string a = demo[0][0].as<std::string>(), b = demo[1][0].as<std::string>(),
                      c = demo[2][0].as<std::string>();
    AsApp("320106", "UPDATE patient SET transfer_to = '320107001001', status = 2 WHERE id = '" +
                        a + "'");
    db.ExecSuper("UPDATE patient SET jurisdiction = '320107001001', transfer_to = '' WHERE id = '" +
                 b + "'");
    db.ExecSuper("UPDATE patient SET status = 5, closed_date = current_date WHERE id = '" + c +
                 "'");
    ClinicalRows("320107", b, 2);  // the receiving district's own rows
    moved_.insert(moved_.end(), {a, b, c});
  }

  static TestServer* env_;
  static std::vector<std::string> moved_;
};

TestServer* RlsTest::env_ = nullptr;
std::vector<std::string> RlsTest::moved_;

// The rule of a table with row-level security, as a condition on row `x` for scope `s` (a
// quoted literal), computed from the patient row itself. Empty: no rule known (a new table
// with RLS must be added here).
std::string RuleFor(pqxx::nontransaction& n, const std::string& table, const std::string& s) {
  auto scoped = [&](const std::string& col) {
    return "(" + s + " <> '' AND starts_with(" + col + ", " + s + "))";
  };
  const std::string visible_patient =
      "(" + scoped("p.jurisdiction") + " OR (p.transfer_to <> '' AND " + scoped("p.transfer_to") +
      "))";
  if (table == "patient") {
    return "(" + scoped("x.jurisdiction") + " OR (x.transfer_to <> '' AND " +
           scoped("x.transfer_to") + "))";
  }
  if (table == "patient_transfer") {
    return "(" + scoped("x.from_jurisdiction") + " OR " + scoped("x.to_jurisdiction") + ")";
  }
  const bool has_patient = !n.exec("SELECT 1 FROM information_schema.columns WHERE table_name = " +
                                   n.quote(table) + " AND column_name = 'patient_id'")
                                .empty();
  if (has_patient) {
    return "EXISTS (SELECT 1 FROM patient p WHERE p.id = x.patient_id AND " + visible_patient +
           ")";
  }
  return "";
}

// Row count and a digest of the rows' text forms, order-independent.
constexpr char kDigest[] =
    "SELECT count(*)::text || ':' || coalesce(md5(string_agg(md5(x::text), ',' ORDER BY "
    "md5(x::text))), '') FROM ";

TEST_F(RlsTest, EveryTableShowsTheAppRoleExactlyTheRowsTheRuleAllowsForRandomScopes) {
  pqxx::connection su(env_->db().SuperDsn());
  pqxx::nontransaction n(su);
  std::vector<std::string> tables;
  for (const auto& r : n.exec("SELECT relname FROM pg_class WHERE relrowsecurity AND "
                              "relnamespace = 'public'::regnamespace ORDER BY relname")) {
    tables.push_back(r[0].as<std::string>());
  }
  for (const std::string& t : kCopied) {
    ASSERT_NE(std::find(tables.begin(), tables.end(), t), tables.end()) << t;
    // Not vacuous: every clinical table has rows, of more than one patient.
    EXPECT_GE(std::stoi(n.exec("SELECT count(DISTINCT patient_id) FROM " + t)[0][0].c_str()), 5)
        << t;
  }

  // Candidate scopes: every prefix of every code in use at each level (province 2, city 4,
  // district 6, street 9, community 12 digits), codes nobody holds, and none.
  std::set<std::string> codes;
  for (const auto& r : n.exec("SELECT jurisdiction FROM patient UNION SELECT transfer_to FROM "
                              "patient WHERE transfer_to <> '' UNION SELECT code FROM region")) {
    const std::string c = r[0].as<std::string>();
    for (size_t len : {2, 4, 6, 9, 12}) {
      if (c.size() >= len) codes.insert(c.substr(0, len));
    }
  }
  std::vector<std::string> pool(codes.begin(), codes.end());
  std::vector<std::string> scopes = {"", "33", "3202", "320108", "320106009", "320106001999",
                                     "3201060010019"};
  // Random, reproducible: SMD_RLS_SEED picks the sample (printed on failure).
  const char* seed_env = std::getenv("SMD_RLS_SEED");
  const unsigned seed = seed_env ? static_cast<unsigned>(std::strtoul(seed_env, nullptr, 10))
                                 : std::random_device{}();
  std::mt19937 rng(seed);
  std::shuffle(pool.begin(), pool.end(), rng);
  // Always one of each level, then random codes of any level.
  for (size_t len : {2, 4, 6, 9, 12}) {
    for (const std::string& c : pool) {
      if (c.size() == len) {
        scopes.push_back(c);
        break;
      }
    }
  }
  for (size_t i = 0; i < pool.size() && scopes.size() < 40; ++i) scopes.push_back(pool[i]);

  pqxx::connection app(env_->db().AppDsn());
  int64_t seen_rows = 0;
  for (const std::string& scope : scopes) {
    for (const std::string& t : tables) {
      const std::string rule = RuleFor(n, t, n.quote(scope));
      ASSERT_FALSE(rule.empty()) << "table " << t
                                 << " has row-level security but no rule in this test";
      const std::string want =
          n.exec(std::string(kDigest) + t + " x WHERE " + rule)[0][0].as<std::string>();
      pqxx::work w(app);
      w.exec_params("SELECT set_config('smd.scope', $1, true)", scope);
      const std::string got = w.exec(std::string(kDigest) + t + " x")[0][0].as<std::string>();
      w.commit();
      EXPECT_EQ(got, want) << "table " << t << ", scope '" << scope << "', SMD_RLS_SEED=" << seed;
      seen_rows += std::stoll(got.substr(0, got.find(':')));
    }
  }
  EXPECT_GT(seen_rows, 0);

  // The moved and closed patients' rows: visible where the patient is, and nowhere else.
  for (const std::string& id : moved_) {
    const std::string where = n.exec("SELECT jurisdiction || '/' || transfer_to FROM patient "
                                     "WHERE id = '" + id + "'")[0][0].as<std::string>();
    const std::string jur = where.substr(0, where.find('/'));
    const std::string to = where.substr(where.find('/') + 1);
    for (const std::string& t : {std::string("followup"), std::string("emergency"),
                                 std::string("psych_support"), std::string("metric_state")}) {
      const std::string all =
          n.exec("SELECT count(*) FROM " + t + " WHERE patient_id = '" + id + "'")[0][0].c_str();
      auto visible = [&](const std::string& scope) {
        pqxx::work w(app);
        w.exec_params("SELECT set_config('smd.scope', $1, true)", scope);
        std::string v =
            w.exec("SELECT count(*) FROM " + t + " WHERE patient_id = '" + id + "'")[0][0].c_str();
        w.commit();
        return v;
      };
      EXPECT_EQ(visible(jur), all) << t << " " << id;
      if (!to.empty()) {
        EXPECT_EQ(visible(to), all) << t << " " << id << " pending to " << to;
      }
      const std::string other = jur.rfind("320107", 0) == 0 ? "320106" : "320107";
      if (to.rfind(other, 0) != 0) {
        EXPECT_EQ(visible(other), "0") << t << " " << id;
      }
    }
  }
}

// The copied codes are the patient's, whatever the server's role writes into them.
TEST_F(RlsTest, CopiedCodesFollowThePatientAndCannotBeForged) {
  TestDatabase& db = env_->db();
  for (const std::string& t : kCopied) {
    EXPECT_EQ(db.QueryValue("SELECT count(*) FROM " + t + " x JOIN patient p ON p.id = "
                            "x.patient_id WHERE x.patient_jurisdiction <> p.jurisdiction OR "
                            "x.patient_transfer_to <> p.transfer_to"),
              "0")
        << t;
  }
  // A patient of street 002, written about by street 001 claiming its own code: refused.
  const std::string other = db.QueryValue(
      "SELECT id FROM patient WHERE jurisdiction LIKE '320106002%' AND transfer_to = '' LIMIT 1");
  ASSERT_FALSE(other.empty());
  try {
    AsApp("320106001",
          "INSERT INTO emergency (id, patient_id, started_at, trigger, registered, details_enc, "
          "recorded_by, recorded_at, patient_jurisdiction) VALUES (gen_random_uuid(), '" +
              other + "', now(), 1, true, '\\x00', (SELECT id FROM app_user LIMIT 1), now(), "
              "'320106001001')");
    ADD_FAILURE() << "a forged code let a row of another street in";
  } catch (const std::exception& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("row-level security"));
  }
  // The same for a metric state (schema 0021's own copy trigger).
  try {
    AsApp("320106001",
          "INSERT INTO metric_state (patient_id, set_key, masks, communities, "
          "patient_jurisdiction) VALUES ('" + other + "', 2001, '{1}', '{320106001001}', "
          "'320106001001')");
    ADD_FAILURE() << "a forged code let a metric state of another street in";
  } catch (const std::exception& e) {
    EXPECT_THAT(std::string(e.what()), HasSubstr("row-level security"));
  }
  // Rewriting the code of a visible row puts the patient's back.
  AsApp("320106", "UPDATE referral SET patient_jurisdiction = '320106009009' WHERE patient_id = '" +
                      other + "'");
  AsApp("320106", "UPDATE metric_state SET patient_jurisdiction = '320106009009', "
                  "patient_transfer_to = '320107' WHERE patient_id = '" + other + "'");
  for (const std::string t : {"referral", "metric_state"}) {
    EXPECT_EQ(db.QueryValue("SELECT count(*) FROM " + t + " r JOIN patient p ON p.id = "
                            "r.patient_id WHERE r.patient_jurisdiction <> p.jurisdiction OR "
                            "r.patient_transfer_to <> p.transfer_to"),
              "0")
        << t;
  }
}

// Waits (no fixed sleep) until backend `pid` waits on a lock; false after about 30 s.
bool WaitsOnALock(const TestDatabase& db, int pid) {
  for (int i = 0; i < 3000; ++i) {
    if (db.QueryValue("SELECT count(*) FROM pg_stat_activity WHERE pid = " + std::to_string(pid) +
                      " AND wait_event_type = 'Lock'") == "1") {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// A record written while its patient is being moved copies the codes the move commits, not
// the ones its snapshot saw: the copy trigger reads the patient FOR SHARE, so the insert
// waits for the move (a plain read would copy the old codes and the move's rewrite would not
// see the new row: a stale copy).
TEST_F(RlsTest, ARecordWrittenDuringAMoveCopiesTheCodesTheMoveCommits) {
  TestDatabase& db = env_->db();
  const std::string id = db.QueryValue(
      "SELECT id FROM patient WHERE jurisdiction LIKE '320106%' AND transfer_to = '' "
      "ORDER BY id DESC LIMIT 1");
  ASSERT_FALSE(id.empty());
  const std::string jur = db.QueryValue("SELECT jurisdiction FROM patient WHERE id = '" + id + "'");
  pqxx::connection mover(db.AppDsn());
  pqxx::work move(mover);
  move.exec("SELECT set_config('smd.scope', '320106', true)");
  move.exec("UPDATE patient SET transfer_to = '320107001001' WHERE id = '" + id + "'");

  pqxx::connection writer(db.AppDsn());
  const int writer_pid = writer.backendpid();
  std::string error;
  std::thread insert([&] {
    try {
      pqxx::work w(writer);
      w.exec("SELECT set_config('smd.scope', '320106', true)");
      w.exec("INSERT INTO emergency (id, patient_id, started_at, trigger, registered, "
             "details_enc, recorded_by, recorded_at) VALUES (gen_random_uuid(), '" + id +
             "', now(), 2, true, '\\x00', (SELECT id FROM app_user LIMIT 1), now())");
      w.commit();
    } catch (const std::exception& e) {
      error = e.what();
    }
  });
  // Until the insert is blocked on the moving transaction's row lock.
  EXPECT_TRUE(WaitsOnALock(db, writer_pid)) << "the insert did not wait for the move";
  move.commit();
  insert.join();
  ASSERT_EQ(error, "");
  EXPECT_EQ(db.QueryValue("SELECT count(*) FROM emergency WHERE patient_id = '" + id +
                          "' AND (patient_transfer_to <> '320107001001' OR "
                          "patient_jurisdiction <> '" + jur + "')"),
            "0");
  EXPECT_EQ(db.QueryValue("SELECT count(*) FROM emergency WHERE patient_id = '" + id +
                          "' AND trigger = 2"),
            "1");
}

// The worklists and team gaps choose their page from the schedule's copies of the patient's
// community and status and from partial and covering indexes (migration 0025, issue 17 item
// 5). Paged through by the district psychiatrist three rows at a time, every list of every
// region of the data (moved, pending, refused and closed patients included, some changed
// directly in the tables) is exactly what the rule computed from the patient row itself
// selects, in the documented order: (urgency, due date, patient id) for the worklists,
// patient id for team gaps.
TEST_F(RlsTest, ListsPageExactlyWhatThePatientRowsSelect) {
  auto followups = v1::FollowUpService::NewStub(env_->channel());
  auto teams = v1::CareTeamService::NewStub(env_->channel());
  const std::string psych = Token("psychiatrist", kPsychPw);
  pqxx::connection su(env_->db().SuperDsn());
  pqxx::nontransaction n(su);
  // What the server's role may see under the psychiatrist's scope, read from the patient.
  const std::string visible =
      "(starts_with(p.jurisdiction, '320106') OR (p.transfer_to <> '' AND "
      "starts_with(p.transfer_to, '320106')))";
  const std::vector<std::pair<v1::WorklistKind, std::string>> kinds = {
      {v1::WORKLIST_OVERDUE, "s.next_due < t.today"},
      {v1::WORKLIST_DUE_SOON, "s.next_due >= t.today AND s.next_due <= t.today + 7"},
      {v1::WORKLIST_UNSTABLE_NOT_SEEN,
       "s.last_class = 1 AND (s.last_valid_visit IS NULL OR s.last_valid_visit < t.today - 14)"},
      {v1::WORKLIST_DISCHARGED_NOT_SEEN, "s.discharged_on IS NOT NULL"},
      {v1::WORKLIST_TWO_WEEK_REVIEW, "s.due_kind = 2 AND s.next_due <= t.today + 7"},
  };
  // The server's today (Asia/Shanghai); a list read across midnight there is read again.
  const std::string today_sql = "SELECT (now() AT TIME ZONE 'Asia/Shanghai')::date::text";
  int64_t listed = 0;
  for (const std::string& region : {std::string("320106"), std::string("320106001"),
                                    std::string("320106002"), std::string("320106001001")}) {
    for (const auto& [kind, filter] : kinds) {
      std::vector<std::string> got, want;
      for (int attempt = 0; attempt < 2; ++attempt) {
        const std::string today = n.exec(today_sql)[0][0].as<std::string>();
        want.clear();
        for (const auto& r : n.exec(
                 "SELECT p.id::text FROM patient_schedule s JOIN patient p ON p.id = s.patient_id, "
                 "(SELECT '" + today + "'::date AS today) t WHERE p.status = 1 AND " + visible +
                 " AND starts_with(p.jurisdiction, '" + region + "') AND " + filter +
                 " ORDER BY CASE s.last_class WHEN 1 THEN 0 WHEN 2 THEN 1 ELSE 2 END, "
                 "s.next_due NULLS LAST, p.id")) {
          want.push_back(r[0].as<std::string>());
        }
        got.clear();
        v1::ListWorklistRequest req;
        req.set_kind(kind);
        req.set_region(region);
        req.mutable_page()->set_page_size(3);
        for (int pages = 0; pages < 1000; ++pages) {
          v1::ListWorklistResponse page;
          grpc::Status st = followups->ListWorklist(TestServer::Ctx(psych).get(), req, &page);
          ASSERT_TRUE(st.ok()) << st.error_message();
          for (const auto& it : page.items()) got.push_back(it.patient_id());
          if (page.next_page_token().empty()) break;
          req.mutable_page()->set_page_token(page.next_page_token());
        }
        if (n.exec(today_sql)[0][0].as<std::string>() == today) break;
      }
      EXPECT_EQ(got, want) << "worklist " << kind << ", region " << region;
      listed += static_cast<int64_t>(got.size());
    }
    // Team gaps: ACTIVE patients who need a team (不稳定 or risk >= 3) and lack an enabled
    // doctor, police officer or grid worker among the active members.
    std::vector<std::string> got, want;
    for (const auto& r : n.exec(
             "SELECT p.id::text FROM patient p WHERE p.status = 1 AND " + visible +
             " AND starts_with(p.jurisdiction, '" + region + "') AND (p.classification = 1 OR "
             "p.risk_level >= 3) AND NOT ('{1,2,3}'::smallint[] <@ coalesce((SELECT "
             "array_agg(m.team_role) FROM care_team_member m JOIN app_user u ON u.id = m.user_id "
             "WHERE m.patient_id = p.id AND m.end_date IS NULL AND NOT u.disabled), "
             "'{}'::smallint[])) ORDER BY p.id")) {
      want.push_back(r[0].as<std::string>());
    }
    v1::ListTeamGapsRequest req;
    req.set_region(region);
    req.mutable_page()->set_page_size(3);
    for (int pages = 0; pages < 1000; ++pages) {
      v1::ListTeamGapsResponse page;
      grpc::Status st = teams->ListTeamGaps(TestServer::Ctx(psych).get(), req, &page);
      ASSERT_TRUE(st.ok()) << st.error_message();
      for (const auto& g : page.gaps()) got.push_back(g.patient_id());
      if (page.next_page_token().empty()) break;
      req.mutable_page()->set_page_token(page.next_page_token());
    }
    EXPECT_EQ(got, want) << "team gaps, region " << region;
    listed += static_cast<int64_t>(got.size());
  }
  EXPECT_GT(listed, 10);  // not vacuous
}

// ListTransfers (schema 0030: each side's candidates from the index led by its code) pages,
// for each caller, exactly the transfers whose origin or destination is under the caller's
// jurisdiction, newest first, ties by id: those of the server's own transfer path, and rows
// written beside it from and to another district, inside one district, and outside both.
TEST_F(RlsTest, TransfersPageExactlyWhatTheTransferRowsSelect) {
  TestDatabase& db = env_->db();
  const std::string patient = moved_[0];
  // Two rows at the same instant (the keyset's tie on requested_at goes by id), a pending
  // one into the district, one out of it, one inside another district only. Their texts
  // are not real ciphertexts: the list returns such rows marked unreadable.
  db.ExecSuper(
      "INSERT INTO patient_transfer (id, patient_id, from_jurisdiction, to_jurisdiction, status, "
      "reason_enc, requested_by, requested_at) SELECT gen_random_uuid(), '" +
      patient +
      "', f, t, "
      "st, '\\x00', (SELECT id FROM app_user WHERE username = 'doctor'), "
      "timestamptz '2026-01-01 08:00+00' + d * interval '1 hour' FROM (VALUES "
      "('320107001001', '320106001002', 1, 0), ('320107001001', '320106002001', 2, 0), "
      "('320106001001', '320107001001', 1, 1), ('320106002001', '320107001001', 3, 2), "
      "('320107001001', '320107001002', 1, 3), ('320106001002', '320106002001', 1, 4)) "
      "v(f, t, st, d)");
  auto patients = v1::PatientService::NewStub(env_->channel());
  pqxx::connection su(db.SuperDsn());
  pqxx::nontransaction n(su);
  int64_t listed = 0;
  const std::vector<std::tuple<std::string, std::string, std::string>> callers = {
      {"doctor", kDoctorPw, "320106001"}, {"doctor2", kDoctor2Pw, "320106002"}};
  for (const auto& [user, pw, scope] : callers) {
    for (bool pending : {false, true}) {
      std::vector<std::string> want, got;
      for (const auto& r :
           n.exec("SELECT id::text FROM patient_transfer WHERE (starts_with(from_jurisdiction, '" +
                  scope + "') OR starts_with(to_jurisdiction, '" + scope + "'))" +
                  (pending ? " AND status = 1" : "") + " ORDER BY requested_at DESC, id DESC")) {
        want.push_back(r[0].as<std::string>());
      }
      v1::ListTransfersRequest req;
      req.set_pending_only(pending);
      req.mutable_page()->set_page_size(2);
      for (int pages = 0; pages < 1000; ++pages) {
        v1::ListTransfersResponse page;
        grpc::Status st =
            patients->ListTransfers(TestServer::Ctx(Token(user, pw)).get(), req, &page);
        ASSERT_TRUE(st.ok()) << st.error_message();
        for (const auto& t : page.transfers()) got.push_back(t.transfer_id());
        if (page.next_page_token().empty()) break;
        req.mutable_page()->set_page_token(page.next_page_token());
      }
      EXPECT_EQ(got, want) << user << (pending ? ", pending only" : "");
      listed += static_cast<int64_t>(got.size());
    }
  }
  EXPECT_GT(listed, 10);  // not vacuous
}

// The same for the kept metric states (schema 0021), whose writers hold the per-patient
// upkeep lock instead of the patient's row: a state written while its patient moves waits
// for the move and copies its codes, and a move waits for a state being written and then
// rewrites it. (Without either wait the state would keep the old codes: shown to the old
// side and hidden from the new.)
TEST_F(RlsTest, AMetricStateWrittenDuringAMoveGetsTheCodesTheMoveCommits) {
  TestDatabase& db = env_->db();
  const std::vector<std::string> ids = [&] {
    pqxx::connection c(db.SuperDsn());
    pqxx::nontransaction n(c);
    std::vector<std::string> out;
    for (const auto& r : n.exec("SELECT id FROM patient WHERE jurisdiction LIKE '320106%' AND "
                                "transfer_to = '' ORDER BY id LIMIT 2")) {
      out.push_back(r[0].as<std::string>());
    }
    return out;
  }();
  ASSERT_EQ(ids.size(), 2u);
  auto state_insert = [](const std::string& id, int key) {
    return "INSERT INTO metric_state (patient_id, set_key, masks, communities) VALUES ('" + id +
           "', " + std::to_string(key) + ", '{1}', '{320106001001}')";
  };
  auto stale = [&](const std::string& id) {
    return db.QueryValue("SELECT count(*) FROM metric_state s JOIN patient p ON p.id = "
                         "s.patient_id WHERE s.patient_id = '" + id + "' AND "
                         "(s.patient_jurisdiction <> p.jurisdiction OR "
                         "s.patient_transfer_to <> p.transfer_to)");
  };

  // 1. The move first: the state's insert waits for it.
  {
    pqxx::connection mover(db.AppDsn());
    pqxx::work move(mover);
    move.exec("SELECT set_config('smd.scope', '320106', true)");
    move.exec("UPDATE patient SET transfer_to = '320107001001' WHERE id = '" + ids[0] + "'");
    pqxx::connection writer(db.AppDsn());
    const int writer_pid = writer.backendpid();
    std::string error;
    std::thread insert([&] {
      try {
        pqxx::work w(writer);
        w.exec("SELECT set_config('smd.scope', '320106', true)");
        w.exec(state_insert(ids[0], 2002));
        w.commit();
      } catch (const std::exception& e) {
        error = e.what();
      }
    });
    EXPECT_TRUE(WaitsOnALock(db, writer_pid)) << "the state's insert did not wait for the move";
    move.commit();
    insert.join();
    ASSERT_EQ(error, "");
  }
  EXPECT_EQ(db.QueryValue("SELECT patient_transfer_to FROM metric_state WHERE patient_id = '" +
                          ids[0] + "' AND set_key = 2002"),
            "320107001001");
  EXPECT_EQ(stale(ids[0]), "0");

  // 2. The state first: the move waits for it, then rewrites it.
  {
    pqxx::connection writer(db.AppDsn());
    pqxx::work w(writer);
    w.exec("SELECT set_config('smd.scope', '320106', true)");
    w.exec(state_insert(ids[1], 2003));
    pqxx::connection mover(db.AppDsn());
    const int mover_pid = mover.backendpid();
    std::string error;
    std::thread move([&] {
      try {
        pqxx::work m(mover);
        m.exec("SELECT set_config('smd.scope', '320106', true)");
        m.exec("UPDATE patient SET transfer_to = '320107001001' WHERE id = '" + ids[1] + "'");
        m.commit();
      } catch (const std::exception& e) {
        error = e.what();
      }
    });
    EXPECT_TRUE(WaitsOnALock(db, mover_pid)) << "the move did not wait for the state's insert";
    w.commit();
    move.join();
    ASSERT_EQ(error, "");
  }
  EXPECT_EQ(db.QueryValue("SELECT patient_transfer_to FROM metric_state WHERE patient_id = '" +
                          ids[1] + "' AND set_key = 2003"),
            "320107001001");
  EXPECT_EQ(stale(ids[1]), "0");
  // Seen from the destination district, as the patient is.
  pqxx::connection app(db.AppDsn());
  pqxx::work r(app);
  r.exec("SELECT set_config('smd.scope', '320107', true)");
  EXPECT_EQ(r.exec("SELECT count(*) FROM metric_state WHERE set_key IN (2002, 2003)")[0][0]
                .as<std::string>(),
            "2");
}

// No policy in the schema calls a function that looks a row up (smd_patient_visible, or any
// other): every function a policy calls is one of the scope's inlined expressions or a
// built-in of them. And the planner can serve the scope from an index on the copied code.
TEST_F(RlsTest, NoPolicyCallsAPerRowFunctionAndTheIndexServesTheScope) {
  TestDatabase& db = env_->db();
  EXPECT_EQ(db.QueryValue("SELECT count(*) FROM pg_policies WHERE qual LIKE "
                          "'%smd_patient_visible%' OR with_check LIKE '%smd_patient_visible%'"),
            "0");
  // (smd_in_scope is not among them: schema 0030 replaced its last callers, the register's
  // own policies, by the scope read once per statement.)
  const std::set<std::string> allowed = {"smd_scope_start", "smd_scope_end", "starts_with",
                                         "current_setting", "nullif",        "left",
                                         "right",           "chr",           "ascii"};
  {
    pqxx::connection c(db.SuperDsn());
    pqxx::nontransaction n(c);
    const pqxx::result policies = n.exec(
        "SELECT tablename || '.' || policyname, f[1] FROM pg_policies, regexp_matches("
        "coalesce(qual, '') || ' ' || coalesce(with_check, ''), '([a-z_][a-z0-9_]*)\\(', 'g') f "
        "WHERE schemaname = 'public'");
    EXPECT_GT(policies.size(), 0u);
    for (const auto& row : policies) {
      EXPECT_TRUE(allowed.count(row[1].as<std::string>()))
          << row[0].as<std::string>() << " calls " << row[1].as<std::string>();
    }
  }
  for (const std::string& t : kCopied) {
    pqxx::connection c(db.AppDsn());
    pqxx::work w(c);
    w.exec("SET LOCAL enable_seqscan = off");
    w.exec("SELECT set_config('smd.scope', '320106001', true)");
    std::string plan;
    // The metric states are read per set (ListMetricPatients).
    const std::string where = t == "metric_state" ? " WHERE set_key = 2026" : "";
    for (const auto& r : w.exec("EXPLAIN SELECT count(*) FROM " + t + where)) {
      plan += r[0].as<std::string>() + "\n";
    }
    EXPECT_THAT(plan, HasSubstr(t + "_by_jurisdiction")) << plan;
    EXPECT_THAT(plan, ::testing::Not(HasSubstr("SubPlan"))) << plan;
  }
  // The register's own tables (schema 0030): their lists bound the rows by the caller's
  // region through an index led by the code, and the policy, a filter on each candidate,
  // reads the scope once per statement (an InitPlan), not once per row.
  for (const std::string& t : {std::string("patient"), std::string("patient_transfer")}) {
    pqxx::connection c(db.AppDsn());
    pqxx::work w(c);
    w.exec("SELECT set_config('smd.scope', '320106001', true)");
    std::string plan;
    for (const auto& r : w.exec("EXPLAIN SELECT count(*) FROM " + t)) {
      plan += r[0].as<std::string>() + "\n";
    }
    EXPECT_THAT(plan, HasSubstr("InitPlan")) << plan;
    EXPECT_THAT(plan, ::testing::Not(HasSubstr("current_setting"))) << plan;
    EXPECT_THAT(plan, ::testing::Not(HasSubstr("SubPlan"))) << plan;
  }
  // ListTransfers' statement, planned generically as the server's prepared statement is
  // after its first runs: each side's candidates come from the index led by its code.
  {
    pqxx::connection c(db.AppDsn());
    pqxx::work w(c);
    w.exec("SET LOCAL plan_cache_mode = force_generic_plan");
    w.exec("SET LOCAL enable_seqscan = off");
    w.exec("SELECT set_config('smd.scope', '320106', true)");
    std::string sql;
    for (const store::Statement& st : store::AllStatements()) {
      if (std::string(st.name) == "transfer.list") sql = st.sql;
    }
    ASSERT_FALSE(sql.empty());
    w.exec("PREPARE tl AS " + sql);
    std::string plan;
    for (const auto& r : w.exec("EXPLAIN EXECUTE tl(false, NULL, NULL, 51, '320106')")) {
      plan += r[0].as<std::string>() + "\n";
    }
    EXPECT_THAT(plan, HasSubstr("patient_transfer_from_page")) << plan;
    EXPECT_THAT(plan, HasSubstr("patient_transfer_to_page")) << plan;
  }
}

}  // namespace
}  // namespace smd::testing
