// Forced password change over gRPC (issue 12; docs/security.md "Authentication"): a password
// an administrator set (ResetPassword, or CreateUser with must_change_password) must be
// changed before the account can do anything but WhoAmI, ChangePassword and Logout; the
// refusals are audited with the user; the demo users are not affected.

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "smd/v1/alerts.grpc.pb.h"
#include "smd/v1/followups.grpc.pb.h"
#include "support/test_env.h"

namespace smd::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kRequired[] = "须先修改密码 (password change required)";

class PasswordChangeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env_ = new TestServer("it_password_change", 5);
    followups_ = v1::FollowUpService::NewStub(env_->channel()).release();
    alerts_ = v1::AlertService::NewStub(env_->channel()).release();
    // A patient of street 320106001, registered by its demo doctor.
    v1::RegisterPatientRequest reg;
    *reg.mutable_details() =
        ValidDetails(SyntheticIdNumber("19800101", 610), "改密测试患者甲", "320106001001");
    v1::Patient p;
    grpc::Status s = env_->patients->RegisterPatient(
        TestServer::Ctx(env_->Login("doctor", kDoctorPw)).get(), reg, &p);
    ASSERT_TRUE(s.ok()) << s.error_message();
    patient_id_ = new std::string(p.patient_id());
  }
  static void TearDownTestSuite() {
    delete patient_id_;
    delete followups_;
    delete alerts_;
    delete env_;
  }

  // A community doctor of street 320106001 created by the demo admin.
  static v1::User CreateDoctor(const std::string& username, const std::string& password,
                               bool must_change) {
    v1::CreateUserRequest req;
    req.set_username(username);
    req.set_display_name("改密测试");
    req.set_password(password);
    req.set_role(v1::ROLE_COMMUNITY_DOCTOR);
    req.set_jurisdiction("320106001");
    req.set_must_change_password(must_change);
    v1::User u;
    grpc::Status s = env_->admin->CreateUser(TestServer::Ctx(Admin()).get(), req, &u);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return u;
  }

  static std::string Admin() { return env_->Login("admin", kAdminPw); }

  static grpc::Status Login(const std::string& user, const std::string& password,
                            v1::LoginResponse* resp) {
    grpc::ClientContext ctx;
    v1::LoginRequest req;
    req.set_username(user);
    req.set_password(password);
    return env_->auth->Login(&ctx, req, resp);
  }

  static grpc::Status ChangePassword(const std::string& token, const std::string& old_pw,
                                     const std::string& new_pw) {
    v1::ChangePasswordRequest req;
    req.set_old_password(old_pw);
    req.set_new_password(new_pw);
    v1::ChangePasswordResponse resp;
    return env_->auth->ChangePassword(TestServer::Ctx(token).get(), req, &resp);
  }

  static grpc::Status WhoAmI(const std::string& token, v1::WhoAmIResponse* me) {
    return env_->auth->WhoAmI(TestServer::Ctx(token).get(), {}, me);
  }

  static grpc::Status GetPatient(const std::string& token) {
    v1::GetPatientRequest req;
    req.set_patient_id(*patient_id_);
    v1::Patient p;
    grpc::Status s = env_->patients->GetPatient(TestServer::Ctx(token).get(), req, &p);
    if (s.error_code() != grpc::StatusCode::FAILED_PRECONDITION) {
      EXPECT_TRUE(s.ok()) << s.error_message();
    }
    return s;
  }

  static grpc::Status ListWorklist(const std::string& token) {
    v1::ListWorklistRequest req;
    req.set_kind(v1::WORKLIST_OVERDUE);
    v1::ListWorklistResponse resp;
    return followups_->ListWorklist(TestServer::Ctx(token).get(), req, &resp);
  }

  static grpc::Status SubscribeAlerts(const std::string& token) {
    auto ctx = TestServer::Ctx(token);
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::SubscribeAlertsRequest req;
    auto reader = alerts_->SubscribeAlerts(ctx.get(), req);
    v1::AlertMessage m;
    while (reader->Read(&m)) {
    }
    return reader->Finish();
  }

  static TestServer* env_;
  static v1::FollowUpService::Stub* followups_;
  static v1::AlertService::Stub* alerts_;
  static std::string* patient_id_;
};

TestServer* PasswordChangeTest::env_ = nullptr;
v1::FollowUpService::Stub* PasswordChangeTest::followups_ = nullptr;
v1::AlertService::Stub* PasswordChangeTest::alerts_ = nullptr;
std::string* PasswordChangeTest::patient_id_ = nullptr;

TEST_F(PasswordChangeTest, AfterAResetOnlyWhoAmIChangePasswordAndLogoutWorkUntilItIsChanged) {
  const v1::User u = CreateDoctor("resetdoc", "Reset-doc-2026", /*must_change=*/false);
  ASSERT_FALSE(u.must_change_password());
  // Before the reset the account works as any other.
  v1::LoginResponse login;
  ASSERT_TRUE(Login("resetdoc", "Reset-doc-2026", &login).ok());
  EXPECT_FALSE(login.user().must_change_password());
  ASSERT_TRUE(GetPatient(login.token()).ok());

  // The administrator resets the password: now the administrator knows it.
  v1::ResetPasswordRequest reset;
  reset.set_user_id(u.user_id());
  reset.set_new_password("Admin-chose-2026");
  v1::User after_reset;
  ASSERT_TRUE(env_->admin->ResetPassword(TestServer::Ctx(Admin()).get(), reset, &after_reset).ok());
  EXPECT_TRUE(after_reset.must_change_password());

  ASSERT_TRUE(Login("resetdoc", "Admin-chose-2026", &login).ok());
  EXPECT_TRUE(login.user().must_change_password()) << "the sign-in says so";
  const std::string token = login.token();
  v1::WhoAmIResponse me;
  ASSERT_TRUE(WhoAmI(token, &me).ok());
  EXPECT_TRUE(me.must_change_password());
  EXPECT_EQ(me.username(), "resetdoc");

  // Everything else is refused, reads, listings, streams and keyed writes alike.
  const int64_t before = std::stoll(env_->db().QueryValue("SELECT max(id) FROM audit_log"));
  const std::string patients_before = env_->db().QueryValue("SELECT count(*) FROM patient");
  grpc::Status get = GetPatient(token);
  EXPECT_EQ(get.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(get.error_message(), kRequired);
  grpc::Status worklist = ListWorklist(token);
  EXPECT_EQ(worklist.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(worklist.error_message(), kRequired);
  grpc::Status stream = SubscribeAlerts(token);
  EXPECT_EQ(stream.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(stream.error_message(), kRequired);
  v1::RegisterPatientRequest reg;
  *reg.mutable_details() =
      ValidDetails(SyntheticIdNumber("19800202", 611), "改密测试患者", "320106001001");
  auto keyed = TestServer::Ctx(token);
  keyed->AddMetadata("idempotency-key", "it-password-change-key-1");
  v1::Patient registered;
  grpc::Status write = env_->patients->RegisterPatient(keyed.get(), reg, &registered);
  EXPECT_EQ(write.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(env_->db().QueryValue(absl::StrCat("SELECT count(*) FROM request_key WHERE user_id = '",
                                               u.user_id(), "'")),
            "0");
  EXPECT_EQ(env_->db().QueryValue("SELECT count(*) FROM patient"), patients_before);

  // Each refusal is audited with the user, like any refusal of a signed-in call.
  EXPECT_EQ(env_->db().QueryValue(absl::StrCat(
                "SELECT string_agg(method, ',' ORDER BY id) FROM audit_log WHERE id > ", before,
                " AND user_id = '", u.user_id(),
                "' AND outcome = 'FAILED_PRECONDITION' AND detail = 'password change required'")),
            "/smd.v1.PatientService/GetPatient,/smd.v1.FollowUpService/ListWorklist,"
            "/smd.v1.AlertService/SubscribeAlerts,/smd.v1.PatientService/RegisterPatient");

  // The forced change must replace the password the administrator knows.
  grpc::Status same = ChangePassword(token, "Admin-chose-2026", "Admin-chose-2026");
  EXPECT_EQ(same.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(same.error_message(), HasSubstr("new_password"));
  ASSERT_TRUE(ChangePassword(token, "Admin-chose-2026", "Own-choice-2026").ok());
  // Every session ended with the change, this one too.
  EXPECT_EQ(WhoAmI(token, &me).error_code(), grpc::StatusCode::UNAUTHENTICATED);

  ASSERT_TRUE(Login("resetdoc", "Own-choice-2026", &login).ok());
  EXPECT_FALSE(login.user().must_change_password());
  ASSERT_TRUE(WhoAmI(login.token(), &me).ok());
  EXPECT_FALSE(me.must_change_password());
  EXPECT_TRUE(GetPatient(login.token()).ok());
  EXPECT_TRUE(ListWorklist(login.token()).ok());
  EXPECT_EQ(env_->db().QueryValue(absl::StrCat(
                "SELECT must_change_password FROM app_user WHERE id = '", u.user_id(), "'")),
            "f");
}

TEST_F(PasswordChangeTest, LogoutWorksWhileTheChangeIsPending) {
  const v1::User u = CreateDoctor("pendinglogout", "Pending-out-2026", /*must_change=*/true);
  v1::LoginResponse login;
  ASSERT_TRUE(Login("pendinglogout", "Pending-out-2026", &login).ok());
  ASSERT_TRUE(login.user().must_change_password());
  v1::LogoutResponse out;
  ASSERT_TRUE(env_->auth->Logout(TestServer::Ctx(login.token()).get(), {}, &out).ok());
  v1::WhoAmIResponse me;
  EXPECT_EQ(WhoAmI(login.token(), &me).error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(PasswordChangeTest, CreateUserWithTheFieldMakesTheNewUserChangeThePassword) {
  const v1::User u = CreateDoctor("newdoc", "New-doc-2026x", /*must_change=*/true);
  EXPECT_TRUE(u.must_change_password());
  // The administrator's list shows who has not changed yet.
  v1::ListUsersRequest list;
  list.set_jurisdiction("320106001");
  v1::ListUsersResponse users;
  ASSERT_TRUE(env_->admin->ListUsers(TestServer::Ctx(Admin()).get(), list, &users).ok());
  bool listed = false;
  for (const auto& x : users.users()) {
    if (x.username() == "newdoc") listed = x.must_change_password();
    if (x.username() == "doctor") {
      EXPECT_FALSE(x.must_change_password());
    }
  }
  EXPECT_TRUE(listed);

  v1::LoginResponse login;
  ASSERT_TRUE(Login("newdoc", "New-doc-2026x", &login).ok());
  EXPECT_TRUE(login.user().must_change_password());
  EXPECT_EQ(GetPatient(login.token()).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(ListWorklist(login.token()).error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  // A wrong old password is still counted toward the lock-out, as before.
  grpc::Status wrong = ChangePassword(login.token(), "Not-the-one-2026", "Own-new-2026x");
  EXPECT_EQ(wrong.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(env_->db().QueryValue(
                absl::StrCat("SELECT failed_logins FROM app_user WHERE id = '", u.user_id(), "'")),
            "1");
  ASSERT_TRUE(ChangePassword(login.token(), "New-doc-2026x", "Own-new-2026x").ok());
  ASSERT_TRUE(Login("newdoc", "Own-new-2026x", &login).ok());
  EXPECT_FALSE(login.user().must_change_password());
  EXPECT_TRUE(GetPatient(login.token()).ok());
  EXPECT_TRUE(ListWorklist(login.token()).ok());
  // The audit record of the creation says the change was required.
  EXPECT_EQ(env_->db().QueryValue(absl::StrCat(
                "SELECT count(*) FROM audit_log WHERE method = '/smd.v1.AdminService/CreateUser' "
                "AND outcome = 'OK' AND detail = 'user=",
                u.user_id(), " must_change_password'")),
            "1");
}

TEST_F(PasswordChangeTest, WithoutTheFieldCreateUserKeepsTheOldBehaviour) {
  const v1::User u = CreateDoctor("plaindoc", "Plain-doc-2026", /*must_change=*/false);
  EXPECT_FALSE(u.must_change_password());
  v1::LoginResponse login;
  ASSERT_TRUE(Login("plaindoc", "Plain-doc-2026", &login).ok());
  EXPECT_FALSE(login.user().must_change_password());
  EXPECT_TRUE(GetPatient(login.token()).ok());
}

TEST_F(PasswordChangeTest, TheDemoUsersNeedNoChange) {
  EXPECT_EQ(env_->db().QueryValue(
                "SELECT count(*) FROM app_user WHERE must_change_password AND username IN "
                "('admin','doctor','doctor2','psychiatrist','police','grid','worker','analyst',"
                "'auditor')"),
            "0");
  v1::LoginResponse login;
  ASSERT_TRUE(Login("doctor", kDoctorPw, &login).ok());
  EXPECT_FALSE(login.user().must_change_password());
  EXPECT_TRUE(ListWorklist(login.token()).ok());
}

}  // namespace
}  // namespace smd::testing
