// Sign-in and accounts over gRPC against a real PostgreSQL (issue 11, items 4-6): the
// lock-out answers the same whatever the password, ChangePassword's wrong old passwords
// count toward it, the per-source limit, the sign-in executor's bounded queue, user names
// validated before anything else and audited escaped, bounded audit of unauthenticated
// floods, and no self-assigned roles.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/test_env.h"

namespace smd::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kLoginMethod[] = "/smd.v1.AuthService/Login";

grpc::Status Login(TestServer& env, const std::string& user, const std::string& password,
                   std::string* token = nullptr) {
  grpc::ClientContext ctx;
  v1::LoginRequest req;
  req.set_username(user);
  req.set_password(password);
  v1::LoginResponse resp;
  grpc::Status s = env.auth->Login(&ctx, req, &resp);
  if (token != nullptr) *token = resp.token();
  return s;
}

grpc::Status ChangePassword(TestServer& env, const std::string& token, const std::string& old_pw,
                            const std::string& new_pw) {
  v1::ChangePasswordRequest req;
  req.set_old_password(old_pw);
  req.set_new_password(new_pw);
  v1::ChangePasswordResponse resp;
  return env.auth->ChangePassword(TestServer::Ctx(token).get(), req, &resp);
}

// Creates a grid worker in 320106001001 as the demo admin; returns its user id.
std::string CreateUser(TestServer& env, const std::string& username, const std::string& password) {
  v1::CreateUserRequest req;
  req.set_username(username);
  req.set_display_name("登录测试");
  req.set_password(password);
  req.set_role(v1::ROLE_GRID_WORKER);
  req.set_jurisdiction("320106001001");
  v1::User u;
  const std::string admin = env.Login("admin", kAdminPw);
  grpc::Status s = env.admin->CreateUser(TestServer::Ctx(admin).get(), req, &u);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return u.user_id();
}

int64_t Int(TestServer& env, const std::string& sql) {
  int64_t v = 0;
  EXPECT_TRUE(absl::SimpleAtoi(env.db().QueryValue(sql), &v)) << sql;
  return v;
}

// Rows of unauthenticated calls after audit id `after`: their own rows, and the sum of the
// counts in the summary rows.
struct Accounted {
  int64_t rows = 0;        // every audit row written
  int64_t own = 0;         // rows of single calls without a user
  int64_t summaries = 0;   // summary rows
  int64_t summarized = 0;  // calls counted in them
};
Accounted AccountedSince(TestServer& env, int64_t after) {
  Accounted a;
  const std::string since = absl::StrCat(" FROM audit_log WHERE id > ", after);
  a.rows = Int(env, "SELECT count(*)" + since);
  a.own = Int(env, "SELECT count(*)" + since +
                       " AND method LIKE '/smd.v1.%' AND outcome <> 'OK' AND user_id IS NULL");
  a.summaries =
      Int(env, "SELECT count(*)" + since + " AND method = 'smd-server audit.unauthenticated'");
  a.summarized = Int(env,
                     "SELECT coalesce(sum(substring(detail from '^count=([0-9]+) ')::bigint)"
                     ", 0)" +
                         since + " AND method = 'smd-server audit.unauthenticated'");
  return a;
}

int64_t LastAuditId(TestServer& env) {
  return Int(env, "SELECT coalesce(max(id), 0) FROM audit_log");
}

class SignInTest : public ::testing::Test {
 protected:
  // Every unauthenticated attempt of this suite keeps its own audit row, and the suite's
  // many failed sign-ins stay under the per-source limit (SignInLimits tests both).
  static void SetUpTestSuite() {
    env_ = new TestServer("it_signin", 5, [](runtime::Config& c) {
      c.audit_unauth_rows_per_source = 1000;
      c.signin_source_limit = 1000;
    });
  }
  static void TearDownTestSuite() {
    delete env_;
    env_ = nullptr;
  }
  static TestServer* env_;
};

TestServer* SignInTest::env_ = nullptr;

TEST_F(SignInTest, ALockedAccountGivesTheSameAnswerToTheRightAndAWrongPassword) {
  CreateUser(*env_, "lockoracle", "Lock-oracle-2026");
  for (int i = 0; i < 5; ++i) {
    grpc::Status s = Login(*env_, "lockoracle", "wrong-password-" + std::to_string(i));
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_THAT(s.error_message(), HasSubstr("wrong user name or password"));
  }
  // Locked now. A guesser's probes: the right password and wrong ones, interleaved.
  std::vector<grpc::Status> answers;
  for (const char* pw : {"Lock-oracle-2026", "wrong-a", "Lock-oracle-2026", "wrong-b"}) {
    std::string token;
    answers.push_back(Login(*env_, "lockoracle", pw, &token));
    EXPECT_EQ(token, "");
  }
  for (const grpc::Status& s : answers) {
    EXPECT_EQ(s.error_code(), answers[0].error_code());
    EXPECT_EQ(s.error_message(), answers[0].error_message());
  }
  // The web client shows the lock-out message after failed attempts: it stays.
  EXPECT_EQ(answers[0].error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(answers[0].error_message(), HasSubstr("locked"));
  // Attempts during the lock are not counted, right or wrong, and are audited alike.
  EXPECT_EQ(
      env_->db().QueryValue("SELECT failed_logins FROM app_user WHERE username = 'lockoracle'"),
      "0");
  EXPECT_EQ(Int(*env_,
                "SELECT count(*) FROM audit_log WHERE username = 'lockoracle' AND "
                "detail = 'locked' AND outcome = 'UNAUTHENTICATED'"),
            4);
}

TEST_F(SignInTest, ChangePasswordWithAWrongOldPasswordCountsTowardTheLockOut) {
  const std::string id = CreateUser(*env_, "changeguess", "Change-guess-2026");
  std::string token;
  ASSERT_TRUE(Login(*env_, "changeguess", "Change-guess-2026", &token).ok());
  for (int i = 0; i < 4; ++i) {
    grpc::Status s =
        ChangePassword(*env_, token, "not-the-old-" + std::to_string(i), "New-pass-2026x");
    EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
    EXPECT_THAT(s.error_message(), HasSubstr("old password is wrong"));
  }
  // The count committed although each call failed.
  EXPECT_EQ(
      env_->db().QueryValue("SELECT failed_logins FROM app_user WHERE username = 'changeguess'"),
      "4");
  EXPECT_EQ(Int(*env_,
                "SELECT count(*) FROM audit_log WHERE method = "
                "'/smd.v1.AuthService/ChangePassword' AND user_id = '" +
                    id + "' AND outcome = 'PERMISSION_DENIED' AND detail = 'wrong old password'"),
            4);
  // The fifth locks the account and ends the guesser's session.
  EXPECT_EQ(ChangePassword(*env_, token, "not-the-old-5", "New-pass-2026x").error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::WhoAmIResponse me;
  EXPECT_EQ(env_->auth->WhoAmI(TestServer::Ctx(token).get(), {}, &me).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  grpc::Status s = Login(*env_, "changeguess", "Change-guess-2026");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(s.error_message(), HasSubstr("locked"));
  // The password did not change.
  env_->db().ExecSuper("UPDATE app_user SET locked_until = NULL WHERE username = 'changeguess'");
  EXPECT_TRUE(Login(*env_, "changeguess", "Change-guess-2026").ok());
}

TEST_F(SignInTest, DuringALockChangePasswordAnswersTheSameWhateverTheOldPassword) {
  CreateUser(*env_, "changelocked", "Change-locked-2026");
  std::string token;
  ASSERT_TRUE(Login(*env_, "changelocked", "Change-locked-2026", &token).ok());
  // Someone else locks the account by guessing at sign-in; the session stays.
  for (int i = 0; i < 5; ++i) Login(*env_, "changelocked", "guess-" + std::to_string(i));
  grpc::Status right = ChangePassword(*env_, token, "Change-locked-2026", "New-locked-2026");
  grpc::Status wrong = ChangePassword(*env_, token, "not-it-at-all", "New-locked-2026");
  EXPECT_EQ(right.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(right.error_code(), wrong.error_code());
  EXPECT_EQ(right.error_message(), wrong.error_message());
  EXPECT_THAT(right.error_message(), HasSubstr("locked"));
  // Nothing changed: after the lock the old password still works.
  env_->db().ExecSuper("UPDATE app_user SET locked_until = NULL WHERE username = 'changelocked'");
  EXPECT_TRUE(Login(*env_, "changelocked", "Change-locked-2026").ok());
}

TEST_F(SignInTest, BadUserNamesAreInvalidArgumentBeforeAnythingElseAndAudited) {
  struct Case {
    std::string name;
    std::string audited;
  };
  const std::vector<Case> cases = {
      {std::string("doctor\0x", 8), "doctor\\x00x"},  // libpq would have read "doctor"
      {std::string("doctor\0", 7), "doctor\\x00"},
      {"doc\xe5\xbc", "doc\\xe5\\xbc"},  // cut inside a UTF-8 character
      {"doctor\n", "doctor\\x0a"},
      {std::string(65, 'd'), std::string(64, 'd') + "...(+1 bytes)"},
  };
  const int64_t before = LastAuditId(*env_);
  for (const Case& c : cases) {
    std::string token;
    grpc::Status s = Login(*env_, c.name, kDoctorPw, &token);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.audited;
    EXPECT_THAT(s.error_message(), StartsWith("username: ")) << c.audited;
    EXPECT_EQ(token, "") << c.audited;
  }
  // Each attempt has its row (the source's budget of own rows is not used up here), with
  // the name escaped.
  for (const Case& c : cases) {
    EXPECT_EQ(Int(*env_, absl::StrCat("SELECT count(*) FROM audit_log WHERE id > ", before,
                                      " AND method = '", kLoginMethod,
                                      "' AND outcome = 'INVALID_ARGUMENT' AND username = ",
                                      "'" + c.audited + "'", " AND detail = 'bad user name'")),
              1)
        << c.audited;
  }
  // The real doctor's account saw none of it.
  EXPECT_EQ(env_->db().QueryValue("SELECT failed_logins FROM app_user WHERE username = 'doctor'"),
            "0");
}

TEST_F(SignInTest, PasswordsWithNulOrBadUtf8AreHandledWithoutInternalErrors) {
  CreateUser(*env_, "oddpassword", "Odd-password-2026");
  // The right password with a NUL after it (scrypt alone would accept it: HMAC pads its key
  // with zero bytes), a cut character, bytes that are no UTF-8 at all.
  for (const std::string& pw : {std::string("Odd-password-2026\0", 18), std::string("Odd\xe5\xbc"),
                                std::string("\xff\xfe")}) {
    grpc::Status s = Login(*env_, "oddpassword", pw);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
    EXPECT_THAT(s.error_message(), HasSubstr("wrong user name or password"));
  }
  std::string token;
  ASSERT_TRUE(Login(*env_, "oddpassword", "Odd-password-2026", &token).ok());
  // A new password must be text a person can type again.
  for (const std::string& pw :
       {std::string("New-odd-2026\0x", 14), std::string("New-odd-2026\xe5\xbc"),
        std::string("New-odd-2026\x07")}) {
    grpc::Status s = ChangePassword(*env_, token, "Odd-password-2026", pw);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(s.error_message(), StartsWith("password: "));
  }
  // A wrong old password with bad bytes is just wrong (and counted).
  grpc::Status s = ChangePassword(*env_, token, "\xff\x00", "New-odd-2026x");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_TRUE(ChangePassword(*env_, token, "Odd-password-2026", "New-odd-2026x").ok());
  EXPECT_TRUE(Login(*env_, "oddpassword", "New-odd-2026x").ok());
}

TEST_F(SignInTest, AnAdministratorCannotAssignThemselvesARole) {
  const std::string admin = env_->Login("admin", kAdminPw);
  v1::WhoAmIResponse me;
  ASSERT_TRUE(env_->auth->WhoAmI(TestServer::Ctx(admin).get(), {}, &me).ok());
  v1::AssignRoleRequest req;
  req.set_user_id(me.user_id());
  req.set_role(v1::ROLE_COMMUNITY_DOCTOR);  // e.g. to read patient records
  req.set_jurisdiction("320106001");
  v1::User u;
  grpc::Status s = env_->admin->AssignRole(TestServer::Ctx(admin).get(), req, &u);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("yourself"));
  EXPECT_EQ(env_->db().QueryValue("SELECT role || ' ' || jurisdiction FROM app_user WHERE "
                                  "username = 'admin'"),
            absl::StrCat(static_cast<int>(v1::ROLE_ADMIN), " 320106"));
  // The session is still valid (nothing was revoked), and the refusal is audited.
  EXPECT_TRUE(env_->auth->WhoAmI(TestServer::Ctx(admin).get(), {}, &me).ok());
  EXPECT_GE(Int(*env_,
                "SELECT count(*) FROM audit_log WHERE method = "
                "'/smd.v1.AdminService/AssignRole' AND outcome = 'FAILED_PRECONDITION' "
                "AND user_id = '" +
                    me.user_id() + "'"),
            1);
  // Another admin may still change the account (the rule is about oneself only).
  v1::CreateUserRequest cu;
  cu.set_username("admin2");
  cu.set_display_name("第二管理员");
  cu.set_password("Admin-two-2026");
  cu.set_role(v1::ROLE_ADMIN);
  cu.set_jurisdiction("320106");
  v1::User admin2;
  ASSERT_TRUE(env_->admin->CreateUser(TestServer::Ctx(admin).get(), cu, &admin2).ok());
  req.set_user_id(admin2.user_id());
  req.set_role(v1::ROLE_AUDITOR);
  req.set_jurisdiction("320106");
  EXPECT_TRUE(env_->admin->AssignRole(TestServer::Ctx(admin).get(), req, &u).ok());
}

// A stolen administrator session must not change the account's password without the old
// one: ResetPassword on oneself is refused (ChangePassword asks for the old password).
TEST_F(SignInTest, AnAdministratorCannotResetTheirOwnPassword) {
  const std::string admin = env_->Login("admin", kAdminPw);
  v1::WhoAmIResponse me;
  ASSERT_TRUE(env_->auth->WhoAmI(TestServer::Ctx(admin).get(), {}, &me).ok());
  const std::string hash_before =
      env_->db().QueryValue("SELECT password_hash FROM app_user WHERE username = 'admin'");
  v1::ResetPasswordRequest req;
  req.set_user_id(me.user_id());
  req.set_new_password("Taken-over-2026x");
  v1::User u;
  grpc::Status s = env_->admin->ResetPassword(TestServer::Ctx(admin).get(), req, &u);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("ChangePassword"));
  EXPECT_EQ(env_->db().QueryValue("SELECT password_hash FROM app_user WHERE username = 'admin'"),
            hash_before);
  EXPECT_TRUE(env_->auth->WhoAmI(TestServer::Ctx(admin).get(), {}, &me).ok())
      << "nothing was revoked";
}

TEST(SignInLimits, ASourceAddressHasItsOwnLimitOfFailedSignIns) {
  TestServer env("it_signin_source", 0, [](runtime::Config& c) {
    c.signin_source_limit = 3;
    c.signin_source_window_seconds = 3600;
  });
  // Successful sign-ins take nothing from the budget.
  std::string doctor;
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(Login(env, "doctor", kDoctorPw, &doctor).ok());
  // Failures against different accounts (no account reaches its own lock-out).
  EXPECT_EQ(Login(env, "nobody-1", "x-password-1").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Login(env, "police", "x-password-2").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Login(env, "grid", "x-password-3").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  // Now the address is refused, even with a right password, before any work is done.
  const int64_t before = LastAuditId(env);
  std::string token;
  grpc::Status s = Login(env, "doctor", kDoctorPw, &token);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(s.error_message(), HasSubstr("too many failed sign-ins from this address"));
  EXPECT_EQ(token, "");
  EXPECT_EQ(env.db().QueryValue("SELECT failed_logins FROM app_user WHERE username = 'doctor'"),
            "0");
  // Calls with a valid token from the address still work: the limit is on sign-ins.
  v1::WhoAmIResponse me;
  EXPECT_TRUE(env.auth->WhoAmI(TestServer::Ctx(doctor).get(), {}, &me).ok());
  // The refusal is in the audit trail (counted, written with the window's summary).
  ASSERT_TRUE(env.server().FlushUnauthenticatedAuditForTest().ok());
  EXPECT_EQ(Int(env, absl::StrCat("SELECT count(*) FROM audit_log WHERE id > ", before,
                                  " AND method = 'smd-server audit.unauthenticated' AND peer = "
                                  "'ipv4:127.0.0.1' AND detail LIKE '%",
                                  kLoginMethod,
                                  " RESOURCE_EXHAUSTED source limit=1%' AND detail LIKE "
                                  "'%user names: doctor%'")),
            1);
}

TEST(SignInLimits, SignInsRunOnTheirOwnBoundedQueue) {
  // One sign-in worker, a queue of one, and real scrypt cost: a burst of sign-ins overflows
  // at once with RESOURCE_EXHAUSTED while other calls are served.
  TestServer env("it_signin_queue", 5, [](runtime::Config& c) {
    c.signin_threads = 1;
    c.signin_queue = 1;
    c.password_log2_n = 15;
    c.signin_source_limit = 1000;
  });
  const std::string doctor = env.Login("doctor", kDoctorPw);
  const int64_t before = LastAuditId(env);
  constexpr int kBurst = 12;
  std::mutex mu;
  std::condition_variable cv;
  int done = 0;
  std::vector<grpc::StatusCode> codes;
  std::vector<std::unique_ptr<grpc::ClientContext>> ctxs;
  std::vector<std::unique_ptr<v1::LoginRequest>> reqs;
  std::vector<std::unique_ptr<v1::LoginResponse>> resps;
  for (int i = 0; i < kBurst; ++i) {
    ctxs.push_back(std::make_unique<grpc::ClientContext>());
    reqs.push_back(std::make_unique<v1::LoginRequest>());
    reqs.back()->set_username("flood-" + std::to_string(i));
    reqs.back()->set_password("Unknown-user-2026");
    resps.push_back(std::make_unique<v1::LoginResponse>());
    env.auth->async()->Login(ctxs.back().get(), reqs.back().get(), resps.back().get(),
                             [&](grpc::Status s) {
                               std::lock_guard<std::mutex> lock(mu);
                               codes.push_back(s.error_code());
                               ++done;
                               cv.notify_all();
                             });
  }
  // Meanwhile a patient read on the main executor.
  v1::SearchPatientsRequest search;
  v1::SearchPatientsResponse found;
  EXPECT_TRUE(env.patients->SearchPatients(TestServer::Ctx(doctor).get(), search, &found).ok());
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return done == kBurst; });
  }
  int busy = 0, unauthenticated = 0;
  for (auto c : codes) {
    busy += c == grpc::StatusCode::RESOURCE_EXHAUSTED;
    unauthenticated += c == grpc::StatusCode::UNAUTHENTICATED;
  }
  EXPECT_GE(busy, 1);
  EXPECT_GE(unauthenticated, 1);
  EXPECT_EQ(busy + unauthenticated, kBurst);
  // Every attempt is accounted for: own rows or counts in the summary.
  ASSERT_TRUE(env.server().FlushUnauthenticatedAuditForTest().ok());
  const Accounted a = AccountedSince(env, before);
  EXPECT_EQ(a.own + a.summarized, kBurst + 0 /* the SearchPatients call is OK, with its own row */);
  EXPECT_EQ(Int(env, absl::StrCat("SELECT coalesce(sum(substring(detail from 'RESOURCE_EXHAUSTED "
                                  "sign-in queue full=([0-9]+)')::bigint), 0) FROM audit_log "
                                  "WHERE id > ",
                                  before)),
            busy);
}

TEST(SignInLimits, AnUnauthenticatedFloodWritesBoundedRowsThatCountEveryAttempt) {
  constexpr int kRowsPerSource = 5;
  TestServer env("it_signin_flood", 0, [](runtime::Config& c) {
    c.audit_unauth_rows_per_source = kRowsPerSource;
    c.audit_unauth_window_seconds = 3600;
    c.signin_source_limit = 1000;  // (its refusals are paused 1 s; shown in the test above)
  });
  ASSERT_TRUE(env.server().FlushUnauthenticatedAuditForTest().ok());
  const int64_t before = LastAuditId(env);
  constexpr int kLogins = 150, kCalls = 150;
  for (int i = 0; i < kLogins; ++i) {
    grpc::Status s = Login(env, "nobody-" + std::to_string(i), "Flood-password-1");
    ASSERT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  v1::GetPatientRequest get;
  get.set_patient_id("00000000-0000-4000-8000-000000000000");
  for (int i = 0; i < kCalls; ++i) {
    v1::Patient p;
    grpc::Status s =
        i % 2 == 0 ? env.patients->GetPatient(TestServer::Ctx("smd_forged").get(), get, &p) : [&] {
          grpc::ClientContext none;
          return env.patients->GetPatient(&none, get, &p);
        }();
    ASSERT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  ASSERT_TRUE(env.server().FlushUnauthenticatedAuditForTest().ok());
  const Accounted a = AccountedSince(env, before);
  // Bounded: the source's own rows, then one summary for its window (two if the flood
  // crossed a window's end), however many calls came.
  EXPECT_LE(a.own, 2 * kRowsPerSource);
  EXPECT_GE(a.summaries, 1);
  EXPECT_LE(a.summaries, 2);
  EXPECT_EQ(a.rows, a.own + a.summaries);
  // Every attempt is accounted for.
  EXPECT_EQ(a.own + a.summarized, kLogins + kCalls);
  const std::string detail = env.db().QueryValue(
      absl::StrCat("SELECT detail FROM audit_log WHERE id > ", before,
                   " AND method = 'smd-server audit.unauthenticated' ORDER BY id DESC LIMIT 1"));
  EXPECT_THAT(detail, HasSubstr("/smd.v1.PatientService/GetPatient UNAUTHENTICATED="));
  EXPECT_THAT(detail, HasSubstr(absl::StrCat(kLoginMethod, " UNAUTHENTICATED unknown user=")));
  EXPECT_THAT(detail, HasSubstr("user names: nobody-"));
}

}  // namespace
}  // namespace smd::testing
