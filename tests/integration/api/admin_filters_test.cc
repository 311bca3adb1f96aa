// Server-side filters of the audit list and the user list, and the reference data an
// administrator reads (issue 13 item 4), over gRPC with the real server and PostgreSQL:
//
//   * ListAuditRecords by method and outcome returns exactly the matching rows of the
//     database, newest first, across keyset pages; unknown values are INVALID_ARGUMENT
//     naming the field; only auditors may list;
//   * ListUsers by role, status and a name search returns exactly the matching users
//     across pages; bad values are INVALID_ARGUMENT naming the field; only admins;
//   * GetRuleSet gives an admin the configured rule set with every option, the alert
//     deadlines, duty roles and the server's version; ListDrugs gives an admin the
//     catalogue; other roles are refused; each call is audited.

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "smd/v1/followups.grpc.pb.h"
#include "support/test_env.h"

namespace smd::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kListUsers[] = "/smd.v1.AdminService/ListUsers";
constexpr char kGetRuleSet[] = "/smd.v1.AdminService/GetRuleSet";

class AdminFiltersTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env_ = new TestServer("it_admin_filters", 3);
    followups_ = v1::FollowUpService::NewStub(env_->channel()).release();
  }
  static void TearDownTestSuite() {
    delete followups_;
    delete env_;
  }

  // Every page of ListAuditRecords with `req`'s filters, `page_size` at a time: the ids.
  static std::vector<int64_t> AllAudit(const std::string& token, v1::ListAuditRecordsRequest req,
                                       int page_size, std::vector<v1::AuditRecord>* records) {
    std::vector<int64_t> ids;
    req.mutable_page()->set_page_size(page_size);
    for (int i = 0; i < 1000; ++i) {
      v1::ListAuditRecordsResponse resp;
      grpc::Status s = env_->audit->ListAuditRecords(TestServer::Ctx(token).get(), req, &resp);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) break;
      EXPECT_LE(resp.records_size(), page_size);
      for (const auto& r : resp.records()) {
        ids.push_back(r.audit_id());
        if (records != nullptr) records->push_back(r);
      }
      if (resp.next_page_token().empty()) break;
      req.mutable_page()->set_page_token(resp.next_page_token());
    }
    return ids;
  }

  // The ids the database holds for `where` (an SQL condition on audit_log), newest first,
  // below `below` (rows written while the test pages are newer and not part of it).
  static std::vector<int64_t> DbIds(const std::string& where, int64_t below) {
    const std::string csv = env_->db().QueryValue(
        "SELECT coalesce(string_agg(id::text, ',' ORDER BY id DESC), '') FROM audit_log "
        "WHERE (jurisdiction LIKE '320106%' OR jurisdiction = '') AND id < " +
        std::to_string(below) + " AND " + where);
    std::vector<int64_t> out;
    for (absl::string_view part : absl::StrSplit(csv, ',', absl::SkipEmpty())) {
      out.push_back(std::stoll(std::string(part)));
    }
    return out;
  }

  static int64_t NextAuditId() {
    return std::stoll(env_->db().QueryValue("SELECT coalesce(max(id), 0) + 1 FROM audit_log"));
  }

  static grpc::Status ListUsers(const std::string& token, const v1::ListUsersRequest& req,
                                v1::ListUsersResponse* resp) {
    return env_->admin->ListUsers(TestServer::Ctx(token).get(), req, resp);
  }

  // Every page of ListUsers with `req`'s filters, one user per page: the usernames.
  static std::vector<std::string> AllUsers(const std::string& token, v1::ListUsersRequest req) {
    std::vector<std::string> names;
    req.mutable_page()->set_page_size(1);
    for (int i = 0; i < 100; ++i) {
      v1::ListUsersResponse resp;
      grpc::Status s = ListUsers(token, req, &resp);
      EXPECT_TRUE(s.ok()) << s.error_message();
      if (!s.ok()) break;
      for (const auto& u : resp.users()) names.push_back(u.username());
      if (resp.next_page_token().empty()) break;
      req.mutable_page()->set_page_token(resp.next_page_token());
    }
    return names;
  }

  static std::vector<std::string> DbUsers(const std::string& where) {
    const std::string csv = env_->db().QueryValue(
        "SELECT coalesce(string_agg(username, ',' ORDER BY username), '') "
        "FROM app_user WHERE jurisdiction LIKE '320106%' AND (" + where + ")");
    return absl::StrSplit(csv, ',', absl::SkipEmpty());
  }

  static inline TestServer* env_ = nullptr;
  static inline v1::FollowUpService::Stub* followups_ = nullptr;
};

TEST_F(AdminFiltersTest, AuditByMethodAndOutcomeAcrossPages) {
  const std::string admin = env_->Login("admin", kAdminPw);
  const std::string police = env_->Login("police", kPolicePw);
  const std::string auditor = env_->Login("auditor", kAuditorPw);
  // Activity of several methods and outcomes: admins list users (OK), the police may not
  // (PERMISSION_DENIED), and an admin asks for an unknown user (NOT_FOUND).
  for (int i = 0; i < 7; ++i) {
    v1::ListUsersResponse resp;
    ASSERT_TRUE(ListUsers(admin, {}, &resp).ok());
    EXPECT_EQ(ListUsers(police, {}, &resp).error_code(), grpc::StatusCode::PERMISSION_DENIED);
  }
  for (int i = 0; i < 3; ++i) {
    v1::DisableUserRequest req;
    req.set_user_id("00000000-0000-4000-8000-00000000000" + std::to_string(i));
    v1::User u;
    EXPECT_EQ(env_->admin->DisableUser(TestServer::Ctx(admin).get(), req, &u).error_code(),
              grpc::StatusCode::NOT_FOUND);
  }
  const int64_t below = NextAuditId();

  struct Case {
    std::string method, outcome, where;
  };
  const std::vector<Case> cases = {
      {kListUsers, "", "method = '/smd.v1.AdminService/ListUsers'"},
      {kListUsers, "OK", "method = '/smd.v1.AdminService/ListUsers' AND outcome = 'OK'"},
      {kListUsers, "PERMISSION_DENIED",
       "method = '/smd.v1.AdminService/ListUsers' AND outcome = 'PERMISSION_DENIED'"},
      {"", "NOT_OK", "outcome <> 'OK'"},
      {"", "NOT_FOUND", "outcome = 'NOT_FOUND'"},
      {"/smd.v1.AdminService/DisableUser", "NOT_OK",
       "method = '/smd.v1.AdminService/DisableUser' AND outcome <> 'OK'"},
      {"smd-server seed-demo", "", "method = 'smd-server seed-demo'"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.method + " " + c.outcome);
    const std::vector<int64_t> want = DbIds(c.where, below);
    ASSERT_FALSE(want.empty()) << "the case must match rows";
    v1::ListAuditRecordsRequest req;
    req.set_method(c.method);
    req.set_outcome(c.outcome);
    std::vector<v1::AuditRecord> records;
    std::vector<int64_t> got = AllAudit(auditor, req, 3, &records);
    // Rows newer than `below` are this test's own listing calls (none match these cases
    // but the method-less ones, which newer failures could): compare below it.
    std::vector<int64_t> older;
    for (int64_t id : got) {
      if (id < below) older.push_back(id);
    }
    EXPECT_EQ(older, want);
    for (const auto& r : records) {
      if (!c.method.empty()) {
        EXPECT_EQ(r.method(), c.method);
      }
      if (c.outcome == "NOT_OK") {
        EXPECT_NE(r.outcome(), "OK");
      } else if (!c.outcome.empty()) {
        EXPECT_EQ(r.outcome(), c.outcome);
      }
    }
  }

  // By user name (exact), alone and with an outcome.
  for (const std::string outcome : {"", "PERMISSION_DENIED"}) {
    v1::ListAuditRecordsRequest by_name;
    by_name.set_username("police");
    by_name.set_outcome(outcome);
    std::vector<int64_t> got;
    for (int64_t id : AllAudit(auditor, by_name, 4, nullptr)) {
      if (id < below) got.push_back(id);
    }
    EXPECT_EQ(got, DbIds("username = 'police'" +
                             (outcome.empty() ? std::string() : " AND outcome = '" + outcome + "'"),
                         below))
        << outcome;
  }

  // Combined with the user filter: the police's refusals only.
  v1::ListAuditRecordsRequest req;
  req.set_method(kListUsers);
  req.set_outcome("PERMISSION_DENIED");
  req.set_user_id(env_->db().QueryValue("SELECT id FROM app_user WHERE username = 'police'"));
  std::vector<v1::AuditRecord> records;
  EXPECT_EQ(AllAudit(auditor, req, 2, &records).size(), 7u);
  for (const auto& r : records) EXPECT_EQ(r.username(), "police");
}

TEST_F(AdminFiltersTest, AuditFilterValuesAreChecked) {
  const std::string auditor = env_->Login("auditor", kAuditorPw);
  auto list = [&](const std::string& method, const std::string& outcome) {
    v1::ListAuditRecordsRequest req;
    req.set_method(method);
    req.set_outcome(outcome);
    v1::ListAuditRecordsResponse resp;
    return env_->audit->ListAuditRecords(TestServer::Ctx(auditor).get(), req, &resp);
  };
  for (const std::string bad :
       {"ListUsers", "/smd.v1.AdminService/NoSuchMethod", "/smd.v1.AdminService/listusers",
        "smd-server nothing", "%"}) {
    grpc::Status s = list(bad, "");
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << bad;
    EXPECT_THAT(s.error_message(), StartsWith("method: ")) << bad;
  }
  {
    v1::ListAuditRecordsRequest req;
    req.set_username(std::string(65, 'a'));
    v1::ListAuditRecordsResponse resp;
    grpc::Status s = env_->audit->ListAuditRecords(TestServer::Ctx(auditor).get(), req, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(s.error_message(), StartsWith("username: "));
  }
  for (const std::string bad : {"ok", "FAILED", "NOT OK", "DENIED"}) {
    grpc::Status s = list("", bad);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << bad;
    EXPECT_THAT(s.error_message(), StartsWith("outcome: ")) << bad;
  }
  // Every RPC of the API is a valid filter, the new ones too.
  EXPECT_TRUE(list(kGetRuleSet, "").ok());
  EXPECT_TRUE(list("/smd.v1.AlertService/SubscribeAlerts", "UNAUTHENTICATED").ok());
  // ... including the services of every proto file (rehab.proto and network.proto were
  // left out of the list once, so their calls could not be filtered).
  for (const std::string method :
       {"/smd.v1.RehabService/RecordRehabSession", "/smd.v1.RehabService/ListRehabRecords",
        "/smd.v1.ServiceNetworkService/UpsertSite", "/smd.v1.ServiceNetworkService/ListSites",
        "/smd.v1.CareTeamService/ListTeamGaps", "/smd.v1.RegionService/ListRegions"}) {
    EXPECT_TRUE(list(method, "").ok()) << method;
  }

  // Only auditors list, whatever the filters.
  v1::ListAuditRecordsRequest req;
  req.set_outcome("OK");
  v1::ListAuditRecordsResponse resp;
  for (const auto& [user, pw] : {std::pair{"admin", kAdminPw}, std::pair{"doctor", kDoctorPw}}) {
    grpc::Status s = env_->audit->ListAuditRecords(
        TestServer::Ctx(env_->Login(user, pw)).get(), req, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << user;
  }
}

TEST_F(AdminFiltersTest, UsersByRoleStatusAndNameAcrossPages) {
  const std::string admin = env_->Login("admin", kAdminPw);
  // Three more police officers (one disabled, one who must change the password) and a
  // grid worker with a Chinese display name.
  auto create = [&](const std::string& name, const std::string& display, v1::Role role,
                    bool must_change) {
    v1::CreateUserRequest req;
    req.set_username(name);
    req.set_display_name(display);
    req.set_password("Filter-test-pass-2026");
    req.set_role(role);
    req.set_jurisdiction("320106001");
    req.set_must_change_password(must_change);
    v1::User u;
    grpc::Status s = env_->admin->CreateUser(TestServer::Ctx(admin).get(), req, &u);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return u;
  };
  create("police_b", "民警乙", v1::ROLE_POLICE, false);
  const v1::User c = create("police_c", "民警丙", v1::ROLE_POLICE, true);
  const v1::User d = create("police_d", "Officer Ding", v1::ROLE_POLICE, false);
  create("grid_zhang", "网格员张某", v1::ROLE_GRID_WORKER, false);
  v1::DisableUserRequest dis;
  dis.set_user_id(d.user_id());
  v1::User out;
  ASSERT_TRUE(env_->admin->DisableUser(TestServer::Ctx(admin).get(), dis, &out).ok());

  struct Case {
    v1::Role role;
    v1::UserStatus status;
    std::string query, where;
  };
  const std::vector<Case> cases = {
      {v1::ROLE_POLICE, v1::USER_STATUS_UNSPECIFIED, "", "role = 3"},
      {v1::ROLE_POLICE, v1::USER_STATUS_ENABLED, "", "role = 3 AND NOT disabled"},
      {v1::ROLE_UNSPECIFIED, v1::USER_STATUS_DISABLED, "", "disabled"},
      {v1::ROLE_UNSPECIFIED, v1::USER_STATUS_MUST_CHANGE_PASSWORD, "", "must_change_password"},
      {v1::ROLE_UNSPECIFIED, v1::USER_STATUS_UNSPECIFIED, "DOC",
       "username LIKE '%doc%' OR lower(display_name) LIKE '%doc%'"},
      {v1::ROLE_UNSPECIFIED, v1::USER_STATUS_UNSPECIFIED, "张", "display_name LIKE '%张%'"},
      {v1::ROLE_POLICE, v1::USER_STATUS_UNSPECIFIED, "ding", "username = 'police_d'"},
      {v1::ROLE_COMMUNITY_DOCTOR, v1::USER_STATUS_UNSPECIFIED, "", "role = 1"},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(k.where);
    v1::ListUsersRequest req;
    req.set_role(k.role);
    req.set_status(k.status);
    req.set_query(k.query);
    const std::vector<std::string> want = DbUsers(k.where);
    ASSERT_FALSE(want.empty());
    EXPECT_EQ(AllUsers(admin, req), want);
  }
  EXPECT_EQ(DbUsers("must_change_password"), std::vector<std::string>{c.username()});

  // A locked account (five failed sign-ins) under USER_STATUS_LOCKED.
  for (int i = 0; i < 5; ++i) {
    grpc::ClientContext ctx;
    v1::LoginRequest login;
    login.set_username("police_b");
    login.set_password("wrong-password-123");
    v1::LoginResponse r;
    (void)env_->auth->Login(&ctx, login, &r);
  }
  v1::ListUsersRequest locked;
  locked.set_status(v1::USER_STATUS_LOCKED);
  EXPECT_EQ(AllUsers(admin, locked), std::vector<std::string>{"police_b"});
}

TEST_F(AdminFiltersTest, UserFilterValuesAreChecked) {
  const std::string admin = env_->Login("admin", kAdminPw);
  v1::ListUsersResponse resp;
  v1::ListUsersRequest req;
  req.set_role(static_cast<v1::Role>(42));
  grpc::Status s = ListUsers(admin, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("role: "));
  req = {};
  req.set_status(static_cast<v1::UserStatus>(9));
  s = ListUsers(admin, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("status: "));
  req = {};
  req.set_query(std::string(51, 'a'));
  s = ListUsers(admin, req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("query: "));
  req = {};
  req.set_role(v1::ROLE_POLICE);
  for (const auto& [user, pw] :
       {std::pair{"auditor", kAuditorPw}, std::pair{"doctor", kDoctorPw}}) {
    s = ListUsers(env_->Login(user, pw), req, &resp);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << user;
  }
}

TEST_F(AdminFiltersTest, AdminReadsRuleSetAndDrugs) {
  const std::string admin = env_->Login("admin", kAdminPw);
  v1::RuleSetInfo info;
  grpc::Status s = env_->admin->GetRuleSet(TestServer::Ctx(admin).get(), {}, &info);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(info.name(), "jiangsu-2018");
  std::vector<std::string> names;
  for (const auto& o : info.options()) {
    names.push_back(o.name() + "=" + o.value());
    EXPECT_FALSE(o.meaning_zh().empty());
    EXPECT_FALSE(o.meaning_en().empty());
  }
  EXPECT_EQ(absl::StrJoin(names, " "),
            "partial-insight-stable=false any-adr-unstable=false "
            "review-not-stable=refer-2-weeks first-visit-days=14 standardized=r1 "
            "medication=last-visit unstable-interval-days=14 basic-review-days=14 "
            "stable-interval-months=3");
  ASSERT_EQ(info.ack_deadlines_size(), 3);
  EXPECT_EQ(info.ack_deadlines(0).severity(), 4);
  EXPECT_EQ(info.ack_deadlines(0).seconds(), env_->config().ack_critical_seconds);
  EXPECT_EQ(info.ack_deadlines(2).seconds(), env_->config().ack_warning_seconds);
  ASSERT_EQ(info.alert_duty_roles_size(), 2);
  EXPECT_EQ(info.alert_duty_roles(0), v1::ROLE_COMMUNITY_DOCTOR);
  EXPECT_EQ(info.alert_reroute_days(), env_->config().alert_reroute_days);
  EXPECT_THAT(info.known_rule_sets(), ::testing::ElementsAre("jiangsu-2018", "national-2018"));
  EXPECT_FALSE(info.server_version().empty());
  EXPECT_FALSE(info.designated_hospital().empty());
  EXPECT_EQ(env_->db().QueryValue("SELECT count(*) FROM audit_log WHERE method = '" +
                                  std::string(kGetRuleSet) +
                                  "' AND username = 'admin' AND outcome = 'OK'"),
            "1");

  v1::ListDrugsResponse drugs;
  s = followups_->ListDrugs(TestServer::Ctx(admin).get(), {}, &drugs);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(std::to_string(drugs.drugs_size()),
            env_->db().QueryValue("SELECT count(*) FROM drug_catalogue WHERE active"));

  // Least privilege: the rule set is the admin's; the catalogue the prescribers' and the
  // admin's.
  for (const auto& [user, pw] : {std::pair{"doctor", kDoctorPw}, std::pair{"auditor", kAuditorPw},
                                 std::pair{"analyst", kAnalystPw}}) {
    s = env_->admin->GetRuleSet(TestServer::Ctx(env_->Login(user, pw)).get(), {}, &info);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << user;
  }
  EXPECT_TRUE(followups_->ListDrugs(TestServer::Ctx(env_->Login("doctor", kDoctorPw)).get(), {},
                                    &drugs)
                  .ok());
  for (const auto& [user, pw] : {std::pair{"police", kPolicePw}, std::pair{"auditor", kAuditorPw},
                                 std::pair{"analyst", kAnalystPw}}) {
    s = followups_->ListDrugs(TestServer::Ctx(env_->Login(user, pw)).get(), {}, &drugs);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << user;
  }
}

}  // namespace
}  // namespace smd::testing
