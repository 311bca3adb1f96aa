// Idempotency keys over gRPC against a real PostgreSQL (issue 11 item 10; ADR 0009): a
// write sent again with the same `idempotency-key` writes once and gets the same reply;
// another request under the same key is refused; keys are per user; concurrent duplicates
// write once; a failed first attempt does not block its corrected retry; old records are
// purged; stored replies are encrypted.

#include <atomic>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "smd/v1/followups.grpc.pb.h"
#include "support/forms.h"
#include "support/test_env.h"

namespace smd::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kRegister[] = "/smd.v1.PatientService/RegisterPatient";

std::string NewKey() {
  static std::atomic<int> n{0};
  return absl::StrCat("it-idem-", ::getpid(), "-", n++, "-abcdefgh");
}

std::unique_ptr<grpc::ClientContext> Keyed(const std::string& token, const std::string& key) {
  auto ctx = TestServer::Ctx(token);
  ctx->AddMetadata("idempotency-key", key);
  return ctx;
}

bool Replayed(const grpc::ClientContext& ctx) {
  const auto& md = ctx.GetServerTrailingMetadata();
  auto it = md.find("idempotency-replayed");
  return it != md.end() && std::string(it->second.data(), it->second.size()) == "true";
}

class IdempotencyTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env_ = new TestServer("it_idempotency", 5);
    followups_ = v1::FollowUpService::NewStub(env_->channel()).release();
    doctor_ = new std::string(env_->Login("doctor", kDoctorPw));
    doctor2_ = new std::string(env_->Login("doctor2", kDoctor2Pw));
  }
  static void TearDownTestSuite() {
    delete followups_;
    delete doctor_;
    delete doctor2_;
    delete env_;
  }

  static v1::RegisterPatientRequest RegisterReq(int seq, const std::string& community) {
    v1::RegisterPatientRequest req;
    *req.mutable_details() =
        ValidDetails(SyntheticIdNumber("19790101", seq), absl::StrCat("幂等测试", seq), community);
    return req;
  }

  // A patient registered without a key.
  std::string NewPatient(int seq) {
    v1::Patient p;
    grpc::Status s = env_->patients->RegisterPatient(TestServer::Ctx(*doctor_).get(),
                                                     RegisterReq(seq, "320106001001"), &p);
    EXPECT_TRUE(s.ok()) << s.error_message();
    env_->BackdateRegistration(p.patient_id());  // its visits are dated 2024
    return p.patient_id();
  }

  static v1::RecordFollowUpRequest VisitReq(const std::string& patient, int risk) {
    v1::RecordFollowUpRequest req;
    req.set_patient_id(patient);
    *req.mutable_form() = Form(D(2024, 3, 1), risk);
    return req;
  }

  int Visits(const std::string& patient) {
    return std::stoi(env_->db().QueryValue(
        absl::StrCat("SELECT count(*) FROM followup WHERE patient_id = '", patient, "'")));
  }
  int Count(const std::string& sql) { return std::stoi(env_->db().QueryValue(sql)); }

  static TestServer* env_;
  static v1::FollowUpService::Stub* followups_;
  static std::string* doctor_;
  static std::string* doctor2_;
};

TestServer* IdempotencyTest::env_ = nullptr;
v1::FollowUpService::Stub* IdempotencyTest::followups_ = nullptr;
std::string* IdempotencyTest::doctor_ = nullptr;
std::string* IdempotencyTest::doctor2_ = nullptr;

TEST_F(IdempotencyTest, RegisterPatientRetriedWithTheSameKeyRegistersOnceAndRepliesEqual) {
  const std::string key = NewKey();
  const v1::RegisterPatientRequest req = RegisterReq(501, "320106001001");
  const int before = Count("SELECT count(*) FROM patient");
  v1::Patient first, second;
  auto c1 = Keyed(*doctor_, key);
  grpc::Status s1 = env_->patients->RegisterPatient(c1.get(), req, &first);
  ASSERT_TRUE(s1.ok()) << s1.error_message();
  auto c2 = Keyed(*doctor_, key);
  grpc::Status s2 = env_->patients->RegisterPatient(c2.get(), req, &second);
  ASSERT_TRUE(s2.ok()) << s2.error_message();
  EXPECT_FALSE(first.patient_id().empty());
  EXPECT_EQ(second.patient_id(), first.patient_id());
  EXPECT_EQ(second.SerializeAsString(), first.SerializeAsString()) << "the same reply, whole";
  EXPECT_FALSE(Replayed(*c1));
  EXPECT_TRUE(Replayed(*c2));
  EXPECT_EQ(Count("SELECT count(*) FROM patient"), before + 1);
  // Without the key the same request is a duplicate ID number: the key is what made the
  // retry safe.
  v1::Patient third;
  grpc::Status s3 = env_->patients->RegisterPatient(TestServer::Ctx(*doctor_).get(), req, &third);
  EXPECT_EQ(s3.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  // Both calls are audited with the patient; the second as a replay of the first.
  const std::string audited =
      absl::StrCat("SELECT count(*) FROM audit_log WHERE method = '", kRegister,
                   "' AND outcome = 'OK' AND '", first.patient_id(), "' = ANY(patient_ids)");
  EXPECT_EQ(Count(audited), 2);
  EXPECT_EQ(Count(audited + " AND detail LIKE 'idempotent replay of request %'"), 1);
}

TEST_F(IdempotencyTest, RecordFollowUpRetriedWithTheSameKeyRecordsOneVisit) {
  const std::string patient = NewPatient(502);
  const std::string key = NewKey();
  const v1::RecordFollowUpRequest req = VisitReq(patient, 3);
  v1::FollowUp first, second;
  auto c1 = Keyed(*doctor_, key);
  ASSERT_TRUE(followups_->RecordFollowUp(c1.get(), req, &first).ok());
  auto c2 = Keyed(*doctor_, key);
  ASSERT_TRUE(followups_->RecordFollowUp(c2.get(), req, &second).ok());
  EXPECT_EQ(second.followup_id(), first.followup_id());
  EXPECT_EQ(second.SerializeAsString(), first.SerializeAsString());
  EXPECT_TRUE(Replayed(*c2));
  EXPECT_EQ(Visits(patient), 1);
  // A new key is a new visit.
  v1::FollowUp third;
  ASSERT_TRUE(followups_->RecordFollowUp(Keyed(*doctor_, NewKey()).get(), req, &third).ok());
  EXPECT_NE(third.followup_id(), first.followup_id());
  EXPECT_EQ(Visits(patient), 2);
}

TEST_F(IdempotencyTest, TheSameKeyWithAnotherRequestIsRefusedNamingTheKey) {
  const std::string patient = NewPatient(503);
  const int patients = Count("SELECT count(*) FROM patient");
  const std::string key = NewKey();
  v1::FollowUp out;
  ASSERT_TRUE(
      followups_->RecordFollowUp(Keyed(*doctor_, key).get(), VisitReq(patient, 0), &out).ok());
  // Another body under the same key.
  grpc::Status other =
      followups_->RecordFollowUp(Keyed(*doctor_, key).get(), VisitReq(patient, 1), &out);
  EXPECT_EQ(other.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(other.error_message(), HasSubstr("idempotency-key"));
  EXPECT_THAT(other.error_message(), HasSubstr("different request"));
  // Another method under the same key.
  v1::Patient p;
  grpc::Status method = env_->patients->RegisterPatient(Keyed(*doctor_, key).get(),
                                                        RegisterReq(504, "320106001001"), &p);
  EXPECT_EQ(method.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(method.error_message(), HasSubstr("idempotency-key"));
  EXPECT_EQ(Visits(patient), 1);
  EXPECT_EQ(Count("SELECT count(*) FROM patient"), patients);
  // The refusals are audited.
  EXPECT_GE(Count(absl::StrCat("SELECT count(*) FROM audit_log WHERE method = '", kRegister,
                               "' AND outcome = 'INVALID_ARGUMENT'")),
            1);
}

TEST_F(IdempotencyTest, AnotherUsersSameKeyIsIndependentAndSeesNothing) {
  const std::string key = NewKey();
  // doctor registers in street 001 under the key.
  const v1::RegisterPatientRequest mine = RegisterReq(505, "320106001001");
  v1::Patient a;
  ASSERT_TRUE(env_->patients->RegisterPatient(Keyed(*doctor_, key).get(), mine, &a).ok());
  // doctor2 (street 002) sends the very same request with the same key: it is not a replay
  // of doctor's reply but doctor2's own call, refused for jurisdiction.
  v1::Patient leaked;
  auto c = Keyed(*doctor2_, key);
  grpc::Status s = env_->patients->RegisterPatient(c.get(), mine, &leaked);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
  EXPECT_FALSE(Replayed(*c));
  EXPECT_TRUE(leaked.patient_id().empty());
  // doctor2 uses the same key for a patient of its own: written, not a collision.
  v1::Patient b;
  auto c2 = Keyed(*doctor2_, key);
  ASSERT_TRUE(env_->patients->RegisterPatient(c2.get(), RegisterReq(506, "320106002001"), &b).ok());
  EXPECT_FALSE(Replayed(*c2));
  EXPECT_NE(b.patient_id(), a.patient_id());
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM request_key WHERE key = '", key, "'")), 2);
}

TEST_F(IdempotencyTest, ConcurrentDuplicatesWriteOnceAndAllGetTheSameReply) {
  const std::string patient = NewPatient(507);
  const std::string key = NewKey();
  const v1::RecordFollowUpRequest req = VisitReq(patient, 2);
  constexpr int kCalls = 8;
  std::vector<v1::FollowUp> replies(kCalls);
  std::vector<grpc::Status> statuses(kCalls);
  std::vector<bool> replayed(kCalls);
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < kCalls; ++i) {
    threads.emplace_back([&, i] {
      auto ctx = Keyed(*doctor_, key);
      while (!go.load()) std::this_thread::yield();
      statuses[i] = followups_->RecordFollowUp(ctx.get(), req, &replies[i]);
      replayed[i] = Replayed(*ctx);
    });
  }
  go = true;
  for (auto& t : threads) t.join();
  int ok = 0, replays = 0;
  std::string id;
  for (int i = 0; i < kCalls; ++i) {
    // ABORTED ("retry") would be allowed by the contract; nothing else is.
    if (statuses[i].error_code() == grpc::StatusCode::ABORTED) continue;
    ASSERT_TRUE(statuses[i].ok()) << statuses[i].error_message();
    ++ok;
    if (replayed[i]) ++replays;
    if (id.empty()) id = replies[i].followup_id();
    EXPECT_EQ(replies[i].followup_id(), id);
  }
  EXPECT_GE(ok, 1);
  EXPECT_EQ(replays, ok - 1) << "exactly one call wrote";
  EXPECT_EQ(Visits(patient), 1);
}

TEST_F(IdempotencyTest, AFailedFirstAttemptDoesNotBlockTheCorrectedRetry) {
  const std::string patient = NewPatient(508);
  const std::string key = NewKey();
  v1::RecordFollowUpRequest bad = VisitReq(patient, 0);
  bad.mutable_form()->set_risk_level(9);
  v1::FollowUp out;
  grpc::Status s = followups_->RecordFollowUp(Keyed(*doctor_, key).get(), bad, &out);
  ASSERT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("risk_level"));
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM request_key WHERE key = '", key, "'")), 0);
  auto c = Keyed(*doctor_, key);
  grpc::Status fixed = followups_->RecordFollowUp(c.get(), VisitReq(patient, 0), &out);
  ASSERT_TRUE(fixed.ok()) << fixed.error_message();
  EXPECT_FALSE(Replayed(*c)) << "the corrected request ran";
  EXPECT_EQ(Visits(patient), 1);
}

TEST_F(IdempotencyTest, MalformedKeysAreRefusedBeforeAnythingAndReadsIgnoreTheKey) {
  const int before = Count("SELECT count(*) FROM patient");
  for (const std::string& key :
       {std::string("short"), std::string(129, 'a'), std::string("has space in it 0123456789"),
        std::string("slash/is/not/allowed/0123")}) {
    v1::Patient p;
    grpc::Status s = env_->patients->RegisterPatient(Keyed(*doctor_, key).get(),
                                                     RegisterReq(509, "320106001001"), &p);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << key;
    EXPECT_THAT(s.error_message(), HasSubstr("idempotency-key"));
  }
  // Sent twice.
  auto twice = Keyed(*doctor_, NewKey());
  twice->AddMetadata("idempotency-key", NewKey());
  v1::Patient p;
  grpc::Status s =
      env_->patients->RegisterPatient(twice.get(), RegisterReq(509, "320106001001"), &p);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("idempotency-key"));
  EXPECT_EQ(Count("SELECT count(*) FROM patient"), before);
  // A read ignores the key, well-formed or not, and stores nothing.
  const std::string patient = NewPatient(510);
  const int stored = Count("SELECT count(*) FROM request_key");
  v1::GetPatientRequest get;
  get.set_patient_id(patient);
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(env_->patients->GetPatient(Keyed(*doctor_, "short").get(), get, &p).ok());
    auto c = Keyed(*doctor_, NewKey());
    ASSERT_TRUE(env_->patients->GetPatient(c.get(), get, &p).ok());
    EXPECT_FALSE(Replayed(*c));
  }
  EXPECT_EQ(Count("SELECT count(*) FROM request_key"), stored);
}

TEST_F(IdempotencyTest, StoredRepliesAreEncrypted) {
  const std::string key = NewKey();
  v1::Patient p;
  ASSERT_TRUE(
      env_->patients
          ->RegisterPatient(Keyed(*doctor_, key).get(), RegisterReq(511, "320106001001"), &p)
          .ok());
  ASSERT_EQ(p.details().name(), "幂等测试511");
  const std::string row = absl::StrCat("FROM request_key WHERE key = '", key, "'");
  EXPECT_EQ(Count("SELECT count(*) " + row + " AND response_enc IS NOT NULL"), 1);
  // Neither the name nor the patient id is in the stored bytes.
  EXPECT_EQ(Count("SELECT count(*) " + row +
                  " AND (position(convert_to('幂等测试511', 'UTF8') in response_enc) > 0 OR "
                  "position(convert_to('" +
                  p.patient_id() + "', 'UTF8') in response_enc) > 0)"),
            0);
}

TEST_F(IdempotencyTest, AReplayAfterTheCallersJurisdictionChangedIsRefused) {
  const std::string admin = env_->Login("admin", kAdminPw);
  v1::CreateUserRequest cu;
  cu.set_username("idem.doctor");
  cu.set_display_name("幂等测试医生");
  cu.set_password("Idem-doctor-2026");
  cu.set_role(v1::ROLE_COMMUNITY_DOCTOR);
  cu.set_jurisdiction("320106001");
  v1::User u;
  ASSERT_TRUE(env_->admin->CreateUser(TestServer::Ctx(admin).get(), cu, &u).ok());
  const std::string key = NewKey();
  const v1::RegisterPatientRequest req = RegisterReq(512, "320106001001");
  v1::Patient p;
  std::string token = env_->Login("idem.doctor", "Idem-doctor-2026");
  ASSERT_TRUE(env_->patients->RegisterPatient(Keyed(token, key).get(), req, &p).ok());
  v1::AssignRoleRequest ar;
  ar.set_user_id(u.user_id());
  ar.set_role(v1::ROLE_COMMUNITY_DOCTOR);
  ar.set_jurisdiction("320106002");
  ASSERT_TRUE(env_->admin->AssignRole(TestServer::Ctx(admin).get(), ar, &u).ok());
  token = env_->Login("idem.doctor", "Idem-doctor-2026");
  v1::Patient again;
  grpc::Status s = env_->patients->RegisterPatient(Keyed(token, key).get(), req, &again);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(s.error_message(), HasSubstr("idempotency-key"));
  EXPECT_TRUE(again.patient_id().empty());
}

TEST_F(IdempotencyTest, RecordsPastTheRetentionArePurgedAndTheKeyIsForgotten) {
  const std::string patient = NewPatient(513);
  const std::string old_key = NewKey(), new_key = NewKey();
  v1::FollowUp first, kept;
  ASSERT_TRUE(
      followups_->RecordFollowUp(Keyed(*doctor_, old_key).get(), VisitReq(patient, 0), &first)
          .ok());
  ASSERT_TRUE(
      followups_->RecordFollowUp(Keyed(*doctor_, new_key).get(), VisitReq(patient, 1), &kept).ok());
  // The first record is now 8 days old (the default retention is 7 days).
  env_->db().ExecSuper(absl::StrCat(
      "UPDATE request_key SET created_at = now() - interval '8 days' WHERE key = '", old_key, "'"));
  auto purged = env_->server().PurgeIdempotencyKeysForTest();
  ASSERT_TRUE(purged.ok()) << purged.status();
  EXPECT_GE(*purged, 1);
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM request_key WHERE key = '", old_key, "'")), 0);
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM request_key WHERE key = '", new_key, "'")), 1);
  // The recent key still replays; the purged one is forgotten: its request runs again.
  v1::FollowUp out;
  auto c = Keyed(*doctor_, new_key);
  ASSERT_TRUE(followups_->RecordFollowUp(c.get(), VisitReq(patient, 1), &out).ok());
  EXPECT_TRUE(Replayed(*c));
  EXPECT_EQ(out.followup_id(), kept.followup_id());
  auto c2 = Keyed(*doctor_, old_key);
  ASSERT_TRUE(followups_->RecordFollowUp(c2.get(), VisitReq(patient, 0), &out).ok());
  EXPECT_FALSE(Replayed(*c2));
  EXPECT_NE(out.followup_id(), first.followup_id());
  EXPECT_EQ(Visits(patient), 3);
}

}  // namespace
}  // namespace smd::testing
