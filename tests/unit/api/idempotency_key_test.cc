// The api side of idempotency keys (api/idempotency_key.h): which methods take a key, the
// key's form, and the request digest.

#include "api/idempotency_key.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "smd/v1/admin.pb.h"
#include "smd/v1/alerts.pb.h"
#include "smd/v1/audit.pb.h"
#include "smd/v1/auth.pb.h"
#include "smd/v1/followups.pb.h"
#include "smd/v1/metrics.pb.h"
#include "smd/v1/patients.pb.h"
#include "smd/v1/regions.pb.h"

namespace smd::api {
namespace {

namespace pb = google::protobuf;
using ::testing::HasSubstr;

// Every generated file, so that its services are in the generated pool.
std::vector<const pb::FileDescriptor*> ApiFiles() {
  return {v1::LoginRequest::descriptor()->file(),
          v1::CreateUserRequest::descriptor()->file(),
          v1::UpsertRegionRequest::descriptor()->file(),
          v1::RegisterPatientRequest::descriptor()->file(),
          v1::RecordFollowUpRequest::descriptor()->file(),
          v1::AddMemberRequest::descriptor()->file(),
          v1::ListAuditRecordsRequest::descriptor()->file(),
          v1::GetMetricsRequest::descriptor()->file()};
}

TEST(IdempotencyKey, FormIs16To128SafeCharacters) {
  EXPECT_TRUE(CheckIdempotencyKey("0f8c5a8e-2c1d-4b7a-9e3f-6a1b2c3d4e5f").ok());  // UUID
  EXPECT_TRUE(CheckIdempotencyKey("01HF3Z4K7Q9V2X5B8N1M3P6R0T").ok());            // ULID
  EXPECT_TRUE(CheckIdempotencyKey("abcdefghijklmnop").ok());                      // 16
  EXPECT_TRUE(CheckIdempotencyKey(std::string(128, 'x')).ok());
  EXPECT_TRUE(CheckIdempotencyKey("a.b_c-d.0123456789").ok());
  for (const std::string& bad :
       {std::string(), std::string("abcdefghijklmno"), std::string(129, 'x'),
        std::string("abcdefgh ijklmnop"), std::string("abcdefgh/ijklmnop"),
        std::string("abcdefgh:ijklmnop"), std::string("abcdefghijklmno\xe9"),
        std::string("abcdefgh\0ijklmnop", 17)}) {
    absl::Status s = CheckIdempotencyKey(bad);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(s.message()), HasSubstr("idempotency-key"));
    EXPECT_THAT(std::string(s.message()), HasSubstr("16 to 128"));
  }
}

TEST(IdempotencyKey, WritesTakeAKeyReadsAndSignInDoNot) {
  ApiFiles();
  for (const char* write :
       {"/smd.v1.PatientService/RegisterPatient", "/smd.v1.PatientService/ImportPatients",
        "/smd.v1.PatientService/UpdatePatient", "/smd.v1.PatientService/ClosePatient",
        "/smd.v1.FollowUpService/RecordFollowUp", "/smd.v1.FollowUpService/RecordEmergency",
        "/smd.v1.AlertService/AcknowledgeAlert", "/smd.v1.AlertService/RaiseAlert",
        "/smd.v1.CareTeamService/AddMember", "/smd.v1.AdminService/CreateUser",
        "/smd.v1.RegionService/SetPopulation"}) {
    EXPECT_TRUE(TakesIdempotencyKey(write)) << write;
  }
  for (const char* other :
       {"/smd.v1.PatientService/GetPatient", "/smd.v1.PatientService/SearchPatients",
        "/smd.v1.FollowUpService/ListWorklist", "/smd.v1.AuditService/VerifyAuditChain",
        "/smd.v1.MetricsService/ExportMetrics", "/smd.v1.AlertService/SubscribeAlerts",
        "/smd.v1.AuthService/Login", "/smd.v1.AuthService/Logout",
        "/smd.v1.AuthService/ChangePassword", "/smd.v1.AuthService/WhoAmI",
        "/smd.v1.PatientService/NoSuchMethod", "/smd.v1.NoSuchService/RegisterPatient",
        "smd.v1.PatientService.RegisterPatient", "", "/"}) {
    EXPECT_FALSE(TakesIdempotencyKey(other)) << other;
  }
}

// The proto marks reads `idempotency_level = NO_SIDE_EFFECTS`; a new read that forgets the
// mark (its replies would be stored for nothing) or a write marked as a read (its retries
// would write twice) fails here.
TEST(IdempotencyKey, EveryMethodIsMarkedByWhatItDoes) {
  int methods = 0;
  for (const pb::FileDescriptor* f : ApiFiles()) {
    for (int s = 0; s < f->service_count(); ++s) {
      const pb::ServiceDescriptor* svc = f->service(s);
      for (int m = 0; m < svc->method_count(); ++m) {
        const std::string& name = svc->method(m)->name();
        const bool read = absl::StartsWith(name, "Get") || absl::StartsWith(name, "List") ||
                          absl::StartsWith(name, "Search") || absl::StartsWith(name, "Verify") ||
                          absl::StartsWith(name, "Export") || absl::StartsWith(name, "Subscribe") ||
                          name == "WhoAmI";
        const bool marked =
            svc->method(m)->options().idempotency_level() == pb::MethodOptions::NO_SIDE_EFFECTS;
        EXPECT_EQ(marked, read) << svc->full_name() << "." << name;
        ++methods;
      }
    }
  }
  EXPECT_GE(methods, 50);
}

TEST(IdempotencyKey, DigestIsOfTheMethodAndTheParsedRequest) {
  v1::RecordFollowUpRequest a;
  a.set_patient_id("0f8c5a8e-2c1d-4b7a-9e3f-6a1b2c3d4e5f");
  a.mutable_form()->set_risk_level(2);
  const std::string m = "/smd.v1.FollowUpService/RecordFollowUp";
  const std::string d = RequestDigest(m, a);
  EXPECT_EQ(d.size(), 32u);
  EXPECT_EQ(RequestDigest(m, a), d);
  v1::RecordFollowUpRequest b = a;
  b.mutable_form()->set_risk_level(3);
  EXPECT_NE(RequestDigest(m, b), d);
  EXPECT_NE(RequestDigest("/smd.v1.FollowUpService/CorrectFollowUp", a), d);
  // The same request sent with its fields in another order on the wire.
  v1::RecordFollowUpRequest form_only, id_only;
  *form_only.mutable_form() = a.form();
  id_only.set_patient_id(a.patient_id());
  v1::RecordFollowUpRequest reordered;
  ASSERT_TRUE(
      reordered.ParseFromString(form_only.SerializeAsString() + id_only.SerializeAsString()));
  EXPECT_EQ(RequestDigest(m, reordered), d);
}

}  // namespace
}  // namespace smd::api
