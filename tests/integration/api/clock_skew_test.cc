// The server's clock against the database's (issue 11 review): the audit time guard of
// schema 0012 refuses audit rows more than 5 minutes from the database's clock, and with
// them every audited call. A server whose clock is more than 4 minutes off does not start,
// saying why; when the clocks drift apart later, the calls say that the clocks differ
// instead of naming some constraint.

#include <atomic>
#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "common/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/test_env.h"

namespace smd::testing {
namespace {

using ::testing::HasSubstr;

// The system clock moved by an offset that a test may change while the server runs.
class ShiftedClock final : public common::Clock {
 public:
  explicit ShiftedClock(absl::Duration offset) { Set(offset); }
  void Set(absl::Duration offset) { micros_.store(absl::ToInt64Microseconds(offset)); }
  absl::Time Now() const override { return absl::Now() + absl::Microseconds(micros_.load()); }

 private:
  std::atomic<int64_t> micros_{0};
};

class ClockSkewTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env_ = new TestServer("it_clock_skew", 5, [](runtime::Config& c) {
      c.audit_seal_interval_ms = 600000;  // only the tests seal
    });
  }
  static void TearDownTestSuite() {
    delete env_;
    env_ = nullptr;
  }
  static TestServer* env_;
};

TestServer* ClockSkewTest::env_ = nullptr;

TEST_F(ClockSkewTest, AServerWhoseClockIsFarFromTheDatabasesDoesNotStart) {
  for (absl::Duration off : {absl::Minutes(5), absl::Minutes(-5)}) {
    SCOPED_TRACE(absl::FormatDuration(off));
    ShiftedClock clock(off);
    auto server = runtime::Server::Start(env_->config(), clock);
    ASSERT_FALSE(server.ok());
    EXPECT_EQ(server.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(std::string(server.status().message()), HasSubstr("database server's clock"));
    EXPECT_THAT(std::string(server.status().message()), HasSubstr("NTP"));
  }
  // A minute off is within the guard: the server starts (and logs a warning).
  ShiftedClock clock(absl::Minutes(1));
  auto server = runtime::Server::Start(env_->config(), clock);
  ASSERT_TRUE(server.ok()) << server.status();
  (*server)->Shutdown(absl::Seconds(1));
}

TEST_F(ClockSkewTest, WhenTheClocksDriftApartAuditedCallsSaySo) {
  ShiftedClock clock(absl::ZeroDuration());
  auto server = runtime::Server::Start(env_->config(), clock);
  ASSERT_TRUE(server.ok()) << server.status();
  auto channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", (*server)->port()),
                                     grpc::InsecureChannelCredentials());
  auto auth = v1::AuthService::NewStub(channel);
  grpc::ClientContext login_ctx;
  v1::LoginRequest login;
  login.set_username("doctor");
  login.set_password(kDoctorPw);
  v1::LoginResponse session;
  ASSERT_TRUE(auth->Login(&login_ctx, login, &session).ok());

  clock.Set(absl::Minutes(6));  // NTP stopped, or someone set the clock by hand
  v1::WhoAmIResponse me;
  grpc::Status s = auth->WhoAmI(TestServer::Ctx(session.token()).get(), {}, &me);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("server and database clocks differ"));
  // The sealer's checkpoint (of the sign-in's audit row) is refused the same way.
  absl::StatusOr<int> sealed = (*server)->SealAuditNow();
  EXPECT_EQ(sealed.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(sealed.status().message()), HasSubstr("clocks differ"));

  clock.Set(absl::ZeroDuration());
  EXPECT_TRUE(auth->WhoAmI(TestServer::Ctx(session.token()).get(), {}, &me).ok());
  (*server)->Shutdown(absl::Seconds(1));
}

}  // namespace
}  // namespace smd::testing
