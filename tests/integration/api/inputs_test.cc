// Hostile inputs (issue 11 item 9), over gRPC where a call is involved: timestamps out of
// range are INVALID_ARGUMENT naming the field (never INTERNAL; smd.v1.Date fields were
// already checked by api::DateFromProto), an emergency that started in 1970 is refused, a
// second server on a port already in use fails to start, and --insecure needs a real
// loopback address.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "smd/v1/alerts.grpc.pb.h"
#include "smd/v1/followups.grpc.pb.h"
#include "smd/v1/metrics.grpc.pb.h"
#include "support/test_env.h"

namespace smd::testing {
namespace {

using ::testing::HasSubstr;

// Timestamps a client can send that no server date can be: beyond 9999-12-31, before
// 0001-01-01, nanos outside [0, 1e9), and int64 extremes.
struct BadTime {
  const char* what;
  int64_t seconds;
  int32_t nanos;
};
const BadTime kBadTimes[] = {
    {"year 10000", 253402300800, 0},
    {"far future", int64_t{1} << 50, 0},
    {"int64 max", INT64_MAX, 0},
    {"before year 1", -62135596801, 0},
    {"int64 min", INT64_MIN, 0},
    {"negative nanos", 1709280000, -1},
    {"nanos 1e9", 1709280000, 1000000000},
};

class InputsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env_ = new TestServer("it_inputs", 4);
    followups_ = v1::FollowUpService::NewStub(env_->channel()).release();
    alerts_ = v1::AlertService::NewStub(env_->channel()).release();
    metrics_ = v1::MetricsService::NewStub(env_->channel()).release();
    doctor_ = new std::string(env_->Login("doctor", kDoctorPw));
    auditor_ = new std::string(env_->Login("auditor", kAuditorPw));
    v1::RegisterPatientRequest req;
    *req.mutable_details() =
        ValidDetails(SyntheticIdNumber("19800101", 711), "输入测试", "320106001001");
    v1::Patient p;
    grpc::Status s = env_->patients->RegisterPatient(TestServer::Ctx(*doctor_).get(), req, &p);
    ASSERT_TRUE(s.ok()) << s.error_message();
    patient_ = new std::string(p.patient_id());
  }
  static void TearDownTestSuite() {
    delete followups_;
    delete alerts_;
    delete metrics_;
    delete doctor_;
    delete auditor_;
    delete patient_;
    delete env_;
  }

  static v1::RecordEmergencyRequest Emergency(int64_t started_seconds) {
    v1::RecordEmergencyRequest em;
    em.set_patient_id(*patient_);
    em.mutable_started_at()->set_seconds(started_seconds);
    em.set_place("患者家中");
    em.set_trigger(2);
    em.set_measures("民警与精防医生到场劝说");
    em.set_registered_patient(true);
    return em;
  }

  static void ExpectInvalid(const grpc::Status& s, const std::string& field,
                            const std::string& what) {
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << field << " " << what << ": " << s.error_code() << " " << s.error_message();
    EXPECT_THAT(s.error_message(), HasSubstr(field + ":")) << what;
  }

  static TestServer* env_;
  static v1::FollowUpService::Stub* followups_;
  static v1::AlertService::Stub* alerts_;
  static v1::MetricsService::Stub* metrics_;
  static std::string* doctor_;
  static std::string* auditor_;
  static std::string* patient_;
};

TestServer* InputsTest::env_ = nullptr;
v1::FollowUpService::Stub* InputsTest::followups_ = nullptr;
v1::AlertService::Stub* InputsTest::alerts_ = nullptr;
v1::MetricsService::Stub* InputsTest::metrics_ = nullptr;
std::string* InputsTest::doctor_ = nullptr;
std::string* InputsTest::auditor_ = nullptr;
std::string* InputsTest::patient_ = nullptr;

TEST_F(InputsTest, RecordEmergencyRefusesOutOfRangeTimestamps) {
  for (const BadTime& t : kBadTimes) {
    v1::RecordEmergencyRequest em = Emergency(t.seconds);
    em.mutable_started_at()->set_nanos(t.nanos);
    v1::Emergency out;
    ExpectInvalid(followups_->RecordEmergency(TestServer::Ctx(*doctor_).get(), em, &out),
                  "started_at", t.what);
    em = Emergency(1709280000);
    em.mutable_ended_at()->set_seconds(t.seconds);
    em.mutable_ended_at()->set_nanos(t.nanos);
    ExpectInvalid(followups_->RecordEmergency(TestServer::Ctx(*doctor_).get(), em, &out),
                  "ended_at", t.what);
  }
}

TEST_F(InputsTest, ListAlertsRefusesOutOfRangeTimestamps) {
  for (const BadTime& t : kBadTimes) {
    for (const char* field : {"from", "to"}) {
      v1::ListAlertsRequest req;
      google::protobuf::Timestamp* ts =
          std::string(field) == "from" ? req.mutable_from() : req.mutable_to();
      ts->set_seconds(t.seconds);
      ts->set_nanos(t.nanos);
      v1::ListAlertsResponse out;
      ExpectInvalid(alerts_->ListAlerts(TestServer::Ctx(*doctor_).get(), req, &out), field,
                    t.what);
    }
  }
}

TEST_F(InputsTest, ListAuditRecordsRefusesOutOfRangeTimestamps) {
  for (const BadTime& t : kBadTimes) {
    for (const char* field : {"from", "to"}) {
      v1::ListAuditRecordsRequest req;
      google::protobuf::Timestamp* ts =
          std::string(field) == "from" ? req.mutable_from() : req.mutable_to();
      ts->set_seconds(t.seconds);
      ts->set_nanos(t.nanos);
      v1::ListAuditRecordsResponse out;
      ExpectInvalid(env_->audit->ListAuditRecords(TestServer::Ctx(*auditor_).get(), req, &out),
                    field, t.what);
    }
  }
}

// rules.md §6: an emergency record is written within a day or so of the event. A start in
// 1970 (an unset clock on the client, or a zero date filled in) is not plausible.
TEST_F(InputsTest, EmergencyStartDatesBeforeTheFloorAreRefused) {
  v1::Emergency out;
  // 1970-01-01 00:00:01 UTC: not the "unset" zero, but the epoch.
  grpc::Status s = followups_->RecordEmergency(TestServer::Ctx(*doctor_).get(), Emergency(1), &out);
  ExpectInvalid(s, "started_at", "1970");
  s = followups_->RecordEmergency(TestServer::Ctx(*doctor_).get(), Emergency(86400 * 365), &out);
  ExpectInvalid(s, "started_at", "1971");
  // Before the patient was born (1980-01-01): refused too.
  s = followups_->RecordEmergency(TestServer::Ctx(*doctor_).get(), Emergency(315000000), &out);
  ExpectInvalid(s, "started_at", "1979");
  // A real, recent start is accepted.
  s = followups_->RecordEmergency(TestServer::Ctx(*doctor_).get(), Emergency(1709280000), &out);
  EXPECT_TRUE(s.ok()) << s.error_message();
  // The end may not lie in the future either.
  v1::RecordEmergencyRequest em = Emergency(1709280000);
  em.mutable_ended_at()->set_seconds(absl::ToUnixSeconds(absl::Now() + absl::Hours(48)));
  ExpectInvalid(followups_->RecordEmergency(TestServer::Ctx(*doctor_).get(), em, &out),
                "ended_at", "future end");
}

// Two servers must not share a port: gRPC's default SO_REUSEPORT let a second server bind
// the same address and silently take half of the connections.
TEST_F(InputsTest, ASecondServerOnATakenPortFailsToStart) {
  runtime::Config config = env_->config();
  config.listen = absl::StrCat("127.0.0.1:", env_->server().port());
  auto second = runtime::Server::Start(config, common::SystemClock::Get());
  ASSERT_FALSE(second.ok()) << "a second server started on port " << env_->server().port();
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable) << second.status();
  EXPECT_THAT(std::string(second.status().message()), HasSubstr(config.listen));
  // The first server still answers.
  v1::WhoAmIResponse me;
  EXPECT_TRUE(env_->auth->WhoAmI(TestServer::Ctx(*doctor_).get(), {}, &me).ok());
}

// --insecure serves plaintext: only on a real loopback address. The old prefix test let
// names through that merely start like one. (The parser itself: tests/unit/common.)
TEST(InsecureListen, OnlyRealLoopbackAddressesAreAccepted) {
  runtime::Config config;
  config.command = "serve";
  config.database_url = "host=/nonexistent";
  config.key_file = "/nonexistent";
  config.insecure = true;
  for (const char* ok : {"127.0.0.1:50051", "[::1]:50051", "localhost:50051", "127.0.0.2:0"}) {
    config.listen = ok;
    EXPECT_TRUE(runtime::ValidateConfig(config).ok()) << ok;
  }
  // (Addresses that do not parse, such as "localhost" or "[::1]x:1", are refused before
  // this check, naming --listen: tests/unit/runtime/config_test.cc.)
  for (const char* bad : {"127.evil.example:1", "localhost.evil:1", "127.0.0.1.nip.io:1",
                          "0.0.0.0:50051", "127.1:1"}) {
    config.listen = bad;
    absl::Status s = runtime::ValidateConfig(config);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(s.message()), HasSubstr("--insecure")) << bad;
  }
}

}  // namespace
}  // namespace smd::testing
