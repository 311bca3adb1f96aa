// The spine over gRPC against a real PostgreSQL: sign-in, jurisdiction scoping,
// need-to-know views, audit in the same transaction, the hash chain, the register's
// rules, and identifiers encrypted at rest (issue 2 "Done when").

#include <cstdio>
#include <memory>
#include <string>

#include <grpcpp/generic/generic_stub.h>
#include <pqxx/pqxx>

#include <condition_variable>
#include <mutex>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/test_env.h"

namespace smd::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class SpineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { env_ = new TestServer("it_spine"); }
  static void TearDownTestSuite() {
    delete env_;
    env_ = nullptr;
  }

  // Registers a patient in `community` as the street-001 doctor; returns it.
  v1::Patient Register(const std::string& id_number, const std::string& name,
                       const std::string& community = "320106001001") {
    v1::RegisterPatientRequest req;
    *req.mutable_details() = ValidDetails(id_number, name, community);
    v1::Patient p;
    grpc::Status s = env_->patients->RegisterPatient(TestServer::Ctx(Doctor()).get(), req, &p);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return p;
  }

  static std::string Doctor() {
    static std::string t = env_->Login("doctor", kDoctorPw);
    return t;
  }
  static std::string Doctor2() {
    static std::string t = env_->Login("doctor2", kDoctor2Pw);
    return t;
  }

  int64_t AuditCount(const std::string& patient_id, const std::string& outcome = "") {
    std::string sql = absl::StrCat("SELECT count(*) FROM audit_log WHERE patient_ids @> ARRAY['",
                                   patient_id, "'::uuid]");
    if (!outcome.empty()) absl::StrAppend(&sql, " AND outcome = '", outcome, "'");
    return std::stoll(env_->db().QueryValue(sql));
  }

  static TestServer* env_;
};

TestServer* SpineTest::env_ = nullptr;

TEST_F(SpineTest, EveryRpcButLoginNeedsAValidToken) {
  v1::GetPatientRequest req;
  req.set_patient_id("00000000-0000-4000-8000-000000000000");
  v1::Patient p;
  grpc::ClientContext none;
  EXPECT_EQ(env_->patients->GetPatient(&none, req, &p).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(env_->patients->GetPatient(TestServer::Ctx("smd_forged").get(), req, &p).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  v1::WhoAmIResponse me;
  grpc::ClientContext none2;
  EXPECT_EQ(env_->auth->WhoAmI(&none2, {}, &me).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(env_->auth->WhoAmI(TestServer::Ctx(Doctor()).get(), {}, &me).ok());
  EXPECT_EQ(me.username(), "doctor");
  EXPECT_EQ(me.role(), v1::ROLE_COMMUNITY_DOCTOR);
  EXPECT_EQ(me.jurisdiction(), "320106001");
  EXPECT_EQ(me.jurisdiction_name(), "宁海路街道");
}

TEST_F(SpineTest, WrongPasswordsLockTheAccountForAWhile) {
  grpc::ClientContext ctx;
  v1::CreateUserRequest cu;
  cu.set_username("locktest");
  cu.set_display_name("锁定测试");
  cu.set_password("Lock-test-2026");
  cu.set_role(v1::ROLE_GRID_WORKER);
  cu.set_jurisdiction("320106003");
  v1::User u;
  std::string admin = env_->Login("admin", kAdminPw);
  ASSERT_TRUE(env_->admin->CreateUser(TestServer::Ctx(admin).get(), cu, &u).ok());
  for (int i = 0; i < 5; ++i) {
    grpc::ClientContext c;
    v1::LoginRequest bad;
    bad.set_username("locktest");
    bad.set_password("wrong-password-1");
    v1::LoginResponse r;
    EXPECT_EQ(env_->auth->Login(&c, bad, &r).error_code(), grpc::StatusCode::UNAUTHENTICATED);
  }
  grpc::ClientContext c;
  v1::LoginRequest good;
  good.set_username("locktest");
  good.set_password("Lock-test-2026");
  v1::LoginResponse r;
  grpc::Status s = env_->auth->Login(&c, good, &r);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(s.error_message(), HasSubstr("locked"));
  // The admin's reset clears the lock.
  v1::ResetPasswordRequest reset;
  reset.set_user_id(u.user_id());
  reset.set_new_password("Lock-test-2027");
  ASSERT_TRUE(env_->admin->ResetPassword(TestServer::Ctx(admin).get(), reset, &u).ok());
  EXPECT_FALSE(env_->Login("locktest", "Lock-test-2027").empty());
}

TEST_F(SpineTest, RegisterGetAndMaskedViews) {
  const std::string idn = SyntheticIdNumber("19850315", 101);
  v1::Patient p = Register(idn, "测试患者甲");
  ASSERT_FALSE(p.patient_id().empty());
  EXPECT_EQ(p.id_number(), idn);  // the community doctor sees it whole
  EXPECT_EQ(p.sex(), v1::SEX_MALE);
  EXPECT_EQ(p.birth_date().year(), 1985);
  EXPECT_EQ(p.details().icd10(), "F20.0");
  EXPECT_EQ(p.status(), v1::PATIENT_STATUS_ACTIVE);
  EXPECT_EQ(p.version(), 1);
  EXPECT_EQ(p.view(), v1::PATIENT_VIEW_CLINICAL);

  // Police: identity, address, guardian contact; never diagnosis or clinical fields.
  std::string police = env_->Login("police", kPolicePw);
  v1::GetPatientRequest get;
  get.set_patient_id(p.patient_id());
  v1::Patient seen;
  ASSERT_TRUE(env_->patients->GetPatient(TestServer::Ctx(police).get(), get, &seen).ok());
  EXPECT_EQ(seen.view(), v1::PATIENT_VIEW_PUBLIC_SAFETY);
  EXPECT_EQ(seen.details().name(), "测试患者甲");
  EXPECT_EQ(seen.details().guardian().phone(), "0000-1234567");
  EXPECT_EQ(seen.details().diagnosis(), v1::DIAGNOSIS_UNSPECIFIED);
  EXPECT_EQ(seen.details().icd10(), "");
  EXPECT_EQ(seen.details().diagnosing_hospital(), "");
  EXPECT_FALSE(seen.details().has_diagnosis_date());
  EXPECT_FALSE(seen.details().has_onset());
  EXPECT_EQ(seen.details().past_symptoms_size(), 0);
  EXPECT_EQ(seen.details().economic(), v1::ECONOMIC_UNSPECIFIED);

  // Grid worker of the community: the same view with the ID number masked.
  std::string grid = env_->Login("grid", kGridPw);
  ASSERT_TRUE(env_->patients->GetPatient(TestServer::Ctx(grid).get(), get, &seen).ok());
  EXPECT_EQ(seen.id_number(), idn.substr(0, 6) + "********" + idn.substr(14));
  EXPECT_EQ(seen.details().icd10(), "");

  // Health committee: aggregates only, never a patient row.
  std::string analyst = env_->Login("analyst", kAnalystPw);
  EXPECT_EQ(env_->patients->GetPatient(TestServer::Ctx(analyst).get(), get, &seen).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  v1::SearchPatientsRequest search;
  v1::SearchPatientsResponse found;
  EXPECT_EQ(
      env_->patients->SearchPatients(TestServer::Ctx(analyst).get(), search, &found).error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(SpineTest, AnotherStreetsDoctorIsDeniedAndTheDenialIsAudited) {
  v1::Patient p = Register(SyntheticIdNumber("19900101", 102), "测试患者乙");
  const int64_t denied_before = AuditCount(p.patient_id(), "PERMISSION_DENIED");

  v1::GetPatientRequest get;
  get.set_patient_id(p.patient_id());
  v1::Patient seen;
  grpc::Status s = env_->patients->GetPatient(TestServer::Ctx(Doctor2()).get(), get, &seen);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_THAT(s.error_message(), Not(HasSubstr("测试患者乙")));

  v1::UpdatePatientRequest upd;
  upd.set_patient_id(p.patient_id());
  upd.set_version(p.version());
  *upd.mutable_details() = p.details();
  EXPECT_EQ(env_->patients->UpdatePatient(TestServer::Ctx(Doctor2()).get(), upd, &seen).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  v1::SearchPatientsRequest search;
  search.set_region("320106001");
  v1::SearchPatientsResponse found;
  EXPECT_EQ(
      env_->patients->SearchPatients(TestServer::Ctx(Doctor2()).get(), search, &found).error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  // Searching by the ID number inside its own street finds nothing.
  search.set_region("");
  search.set_id_number(SyntheticIdNumber("19900101", 102));
  ASSERT_TRUE(env_->patients->SearchPatients(TestServer::Ctx(Doctor2()).get(), search, &found).ok());
  EXPECT_EQ(found.patients_size(), 0);

  EXPECT_EQ(AuditCount(p.patient_id(), "PERMISSION_DENIED"), denied_before + 2);
  // The row is unchanged.
  EXPECT_EQ(env_->db().QueryValue("SELECT version FROM patient WHERE id = '" + p.patient_id() + "'"),
            "1");
}

TEST_F(SpineTest, EveryPatientDataCallAddsItsAuditRecord) {
  v1::Patient p = Register(SyntheticIdNumber("19700707", 103), "测试患者丙");
  EXPECT_EQ(AuditCount(p.patient_id()), 1);  // the registration
  v1::GetPatientRequest get;
  get.set_patient_id(p.patient_id());
  v1::Patient seen;
  ASSERT_TRUE(env_->patients->GetPatient(TestServer::Ctx(Doctor()).get(), get, &seen).ok());
  EXPECT_EQ(AuditCount(p.patient_id()), 2);
  v1::SearchPatientsRequest search;
  search.set_name("测试患者丙");
  v1::SearchPatientsResponse found;
  ASSERT_TRUE(env_->patients->SearchPatients(TestServer::Ctx(Doctor()).get(), search, &found).ok());
  ASSERT_EQ(found.patients_size(), 1);
  EXPECT_EQ(found.patients(0).patient_id(), p.patient_id());
  EXPECT_EQ(AuditCount(p.patient_id()), 3);
  const std::string last = env_->db().QueryValue(
      "SELECT method || ' ' || outcome || ' ' || username FROM audit_log ORDER BY id DESC LIMIT 1");
  EXPECT_EQ(last, "/smd.v1.PatientService/SearchPatients OK doctor");
}

TEST_F(SpineTest, DuplicateIdNumberIsRefusedNamingOnlyTheHoldingJurisdiction) {
  const std::string idn = SyntheticIdNumber("19881111", 104);
  Register(idn, "测试患者丁");
  // Another street's doctor tries to register the same person.
  v1::RegisterPatientRequest req;
  *req.mutable_details() = ValidDetails(idn, "测试患者丁", "320106002001");
  v1::Patient p;
  grpc::Status s = env_->patients->RegisterPatient(TestServer::Ctx(Doctor2()).get(), req, &p);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(s.error_message(), HasSubstr("320106001001"));
  EXPECT_THAT(s.error_message(), Not(HasSubstr(idn)));
  EXPECT_THAT(s.error_message(), Not(HasSubstr("测试患者丁")));
}

TEST_F(SpineTest, BadChecksumIsRefusedNamingTheFieldAndWritesNothing) {
  const std::string before = env_->db().QueryValue("SELECT count(*) FROM patient");
  std::string idn = SyntheticIdNumber("19920202", 105);
  idn.back() = idn.back() == '1' ? '2' : '1';
  v1::RegisterPatientRequest req;
  *req.mutable_details() = ValidDetails(idn, "测试患者戊", "320106001001");
  v1::Patient p;
  grpc::Status s = env_->patients->RegisterPatient(TestServer::Ctx(Doctor()).get(), req, &p);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("id_number"));
  EXPECT_THAT(s.error_message(), Not(HasSubstr(idn)));
  EXPECT_EQ(env_->db().QueryValue("SELECT count(*) FROM patient"), before);

  // A wrong ICD-10 code for the category names that field.
  *req.mutable_details() = ValidDetails(SyntheticIdNumber("19920202", 106), "测试患者戊",
                                        "320106001001");
  req.mutable_details()->set_icd10("F31.1");
  s = env_->patients->RegisterPatient(TestServer::Ctx(Doctor()).get(), req, &p);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("icd10"));
  // A community outside the doctor's street.
  *req.mutable_details() = ValidDetails(SyntheticIdNumber("19920202", 107), "测试患者戊",
                                        "320106002001");
  s = env_->patients->RegisterPatient(TestServer::Ctx(Doctor()).get(), req, &p);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(env_->db().QueryValue("SELECT count(*) FROM patient"), before);
}

TEST_F(SpineTest, StaleVersionIsAborted) {
  v1::Patient p = Register(SyntheticIdNumber("19800808", 108), "测试患者己");
  v1::UpdatePatientRequest upd;
  upd.set_patient_id(p.patient_id());
  upd.set_version(p.version());
  *upd.mutable_details() = p.details();
  upd.mutable_details()->set_address("南京市鼓楼区测试路2号");
  v1::Patient after;
  ASSERT_TRUE(env_->patients->UpdatePatient(TestServer::Ctx(Doctor()).get(), upd, &after).ok());
  EXPECT_EQ(after.version(), 2);
  EXPECT_EQ(after.details().address(), "南京市鼓楼区测试路2号");
  // A second client still holding version 1.
  upd.mutable_details()->set_address("南京市鼓楼区测试路3号");
  grpc::Status s = env_->patients->UpdatePatient(TestServer::Ctx(Doctor()).get(), upd, &after);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ABORTED);
  v1::GetPatientRequest get;
  get.set_patient_id(p.patient_id());
  ASSERT_TRUE(env_->patients->GetPatient(TestServer::Ctx(Doctor()).get(), get, &after).ok());
  EXPECT_EQ(after.details().address(), "南京市鼓楼区测试路2号");
}

TEST_F(SpineTest, TransferOutAndInMovesThePatientBetweenStreets) {
  v1::Patient p = Register(SyntheticIdNumber("19750505", 109), "测试患者庚");
  v1::TransferOutRequest out;
  out.set_patient_id(p.patient_id());
  out.set_version(p.version());
  out.set_to_jurisdiction("320106002001");
  out.set_reason("迁居");
  v1::Transfer t;
  ASSERT_TRUE(env_->patients->TransferOut(TestServer::Ctx(Doctor()).get(), out, &t).ok());
  EXPECT_EQ(t.status(), v1::TRANSFER_STATUS_PENDING);

  v1::ListTransfersRequest list;
  list.set_pending_only(true);
  v1::ListTransfersResponse pending;
  ASSERT_TRUE(env_->patients->ListTransfers(TestServer::Ctx(Doctor2()).get(), list, &pending).ok());
  bool listed = false;
  for (const auto& x : pending.transfers()) listed |= x.transfer_id() == t.transfer_id();
  EXPECT_TRUE(listed);

  // The sender cannot accept its own transfer.
  v1::TransferInRequest in;
  in.set_transfer_id(t.transfer_id());
  in.set_accept(true);
  EXPECT_EQ(env_->patients->TransferIn(TestServer::Ctx(Doctor()).get(), in, &t).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(env_->patients->TransferIn(TestServer::Ctx(Doctor2()).get(), in, &t).ok());
  EXPECT_EQ(t.status(), v1::TRANSFER_STATUS_ACCEPTED);

  v1::GetPatientRequest get;
  get.set_patient_id(p.patient_id());
  v1::Patient seen;
  EXPECT_EQ(env_->patients->GetPatient(TestServer::Ctx(Doctor()).get(), get, &seen).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(env_->patients->GetPatient(TestServer::Ctx(Doctor2()).get(), get, &seen).ok());
  EXPECT_EQ(seen.details().jurisdiction(), "320106002001");
  EXPECT_EQ(seen.status(), v1::PATIENT_STATUS_ACTIVE);
}

TEST_F(SpineTest, RefusedTransferReturnsThePatient) {
  v1::Patient p = Register(SyntheticIdNumber("19760606", 110), "测试患者辛");
  v1::TransferOutRequest out;
  out.set_patient_id(p.patient_id());
  out.set_version(p.version());
  out.set_to_jurisdiction("320106002002");
  v1::Transfer t;
  ASSERT_TRUE(env_->patients->TransferOut(TestServer::Ctx(Doctor()).get(), out, &t).ok());
  v1::TransferInRequest in;
  in.set_transfer_id(t.transfer_id());
  in.set_accept(false);
  in.set_note("查无此人");
  ASSERT_TRUE(env_->patients->TransferIn(TestServer::Ctx(Doctor2()).get(), in, &t).ok());
  EXPECT_EQ(t.status(), v1::TRANSFER_STATUS_REFUSED);
  v1::GetPatientRequest get;
  get.set_patient_id(p.patient_id());
  v1::Patient seen;
  ASSERT_TRUE(env_->patients->GetPatient(TestServer::Ctx(Doctor()).get(), get, &seen).ok());
  EXPECT_EQ(seen.status(), v1::PATIENT_STATUS_ACTIVE);
  EXPECT_EQ(seen.details().jurisdiction(), "320106001001");
}

TEST_F(SpineTest, MovingOutsideTheSystemLeavesTheRegister) {
  v1::Patient p = Register(SyntheticIdNumber("19770707", 111), "测试患者壬");
  v1::TransferOutRequest out;
  out.set_patient_id(p.patient_id());
  out.set_version(p.version());
  out.set_to_jurisdiction("320102");  // another Nanjing district, not served here
  v1::Transfer t;
  ASSERT_TRUE(env_->patients->TransferOut(TestServer::Ctx(Doctor()).get(), out, &t).ok());
  EXPECT_EQ(t.status(), v1::TRANSFER_STATUS_COMPLETED_OUTSIDE);
  v1::GetPatientRequest get;
  get.set_patient_id(p.patient_id());
  v1::Patient seen;
  ASSERT_TRUE(env_->patients->GetPatient(TestServer::Ctx(Doctor()).get(), get, &seen).ok());
  EXPECT_EQ(seen.status(), v1::PATIENT_STATUS_MOVED_OUT);
}

TEST_F(SpineTest, CloseOnDeathThenNoMoreChanges) {
  v1::Patient p = Register(SyntheticIdNumber("19600101", 112), "测试患者癸");
  // The death is dated 2025-03-01: registered before it, as an import of the old register
  // would be (a close may not precede the 建档日期; issue 14).
  env_->BackdateRegistration(p.patient_id(), "2024-01-01");
  v1::ClosePatientRequest close;
  close.set_patient_id(p.patient_id());
  close.set_version(p.version());
  close.set_kind(v1::CLOSE_KIND_DEATH);
  close.mutable_date()->set_year(2025);
  close.mutable_date()->set_month(3);
  close.mutable_date()->set_day(1);
  close.set_death_cause(1);
  v1::Patient closed;
  ASSERT_TRUE(env_->patients->ClosePatient(TestServer::Ctx(Doctor()).get(), close, &closed).ok());
  EXPECT_EQ(closed.status(), v1::PATIENT_STATUS_DECEASED);
  EXPECT_EQ(closed.death_cause(), 1);
  close.set_version(closed.version());
  EXPECT_EQ(env_->patients->ClosePatient(TestServer::Ctx(Doctor()).get(), close, &closed).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

TEST_F(SpineTest, AdminsManageUsersOnlyInsideTheirJurisdiction) {
  std::string admin = env_->Login("admin", kAdminPw);
  v1::CreateUserRequest cu;
  cu.set_username("outsider");
  cu.set_display_name("区外用户");
  cu.set_password("Outside-2026x");
  cu.set_role(v1::ROLE_COMMUNITY_DOCTOR);
  cu.set_jurisdiction("320102001");
  v1::User u;
  EXPECT_EQ(env_->admin->CreateUser(TestServer::Ctx(admin).get(), cu, &u).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  cu.set_username("newdoc");
  cu.set_jurisdiction("320106004");
  ASSERT_TRUE(env_->admin->CreateUser(TestServer::Ctx(admin).get(), cu, &u).ok());
  EXPECT_EQ(env_->admin->CreateUser(TestServer::Ctx(admin).get(), cu, &u).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
  // A doctor is not an admin.
  EXPECT_EQ(env_->admin->CreateUser(TestServer::Ctx(Doctor()).get(), cu, &u).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  // Disabling revokes the user's sessions at once.
  std::string token = env_->Login("newdoc", "Outside-2026x");
  v1::WhoAmIResponse me;
  ASSERT_TRUE(env_->auth->WhoAmI(TestServer::Ctx(token).get(), {}, &me).ok());
  v1::DisableUserRequest dis;
  dis.set_user_id(me.user_id());
  ASSERT_TRUE(env_->admin->DisableUser(TestServer::Ctx(admin).get(), dis, &u).ok());
  EXPECT_EQ(env_->auth->WhoAmI(TestServer::Ctx(token).get(), {}, &me).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(SpineTest, LogoutRevokesTheToken) {
  std::string token = env_->Login("worker", "Demo-worker-2026");
  v1::WhoAmIResponse me;
  ASSERT_TRUE(env_->auth->WhoAmI(TestServer::Ctx(token).get(), {}, &me).ok());
  v1::LogoutResponse lo;
  ASSERT_TRUE(env_->auth->Logout(TestServer::Ctx(token).get(), {}, &lo).ok());
  EXPECT_EQ(env_->auth->WhoAmI(TestServer::Ctx(token).get(), {}, &me).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(SpineTest, ExpiredAndIdleSessionsEnd) {
  std::string token = env_->Login("grid", kGridPw);
  v1::WhoAmIResponse me;
  ASSERT_TRUE(env_->auth->WhoAmI(TestServer::Ctx(token).get(), {}, &me).ok());
  // Idle for longer than 30 minutes.
  env_->db().ExecSuper("UPDATE session SET last_seen_at = now() - interval '31 minutes' "
                       "WHERE user_id = '" + me.user_id() + "'");
  EXPECT_EQ(env_->auth->WhoAmI(TestServer::Ctx(token).get(), {}, &me).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  // Past the absolute expiry, however recently used.
  token = env_->Login("grid", kGridPw);
  ASSERT_TRUE(env_->auth->WhoAmI(TestServer::Ctx(token).get(), {}, &me).ok());
  env_->db().ExecSuper("UPDATE session SET expires_at = now() - interval '1 second' "
                       "WHERE user_id = '" + me.user_id() + "'");
  EXPECT_EQ(env_->auth->WhoAmI(TestServer::Ctx(token).get(), {}, &me).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  // Only the token's hash is stored.
  EXPECT_EQ(env_->db().QueryValue("SELECT count(*) FROM session WHERE position('" + token +
                                  "' in encode(token_hash, 'escape')) > 0"),
            "0");
}

TEST_F(SpineTest, RegionsAndPopulation) {
  std::string admin = env_->Login("admin", kAdminPw);
  v1::UpsertRegionRequest up;
  up.set_code("320106001099");
  up.set_name("测试社区");
  v1::Region r;
  ASSERT_TRUE(env_->regions->UpsertRegion(TestServer::Ctx(admin).get(), up, &r).ok());
  EXPECT_EQ(r.level(), v1::REGION_LEVEL_COMMUNITY);
  EXPECT_EQ(r.parent_code(), "320106001");
  v1::SetPopulationRequest pop;
  pop.set_code("320106001099");
  pop.set_year(2026);
  pop.set_residents(1234);
  ASSERT_TRUE(env_->regions->SetPopulation(TestServer::Ctx(admin).get(), pop, &r).ok());
  ASSERT_EQ(r.population_size(), 1);
  EXPECT_EQ(r.population(0).residents(), 1234);
  v1::ListRegionsRequest list;
  list.set_root("320106");
  list.set_depth(1);
  v1::ListRegionsResponse regions;
  ASSERT_TRUE(env_->regions->ListRegions(TestServer::Ctx(Doctor()).get(), list, &regions).ok());
  EXPECT_EQ(regions.regions_size(), 14);  // the district and its 13 streets
  up.set_code("320106099001");  // parent street missing
  EXPECT_EQ(env_->regions->UpsertRegion(TestServer::Ctx(admin).get(), up, &r).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_EQ(env_->regions->UpsertRegion(TestServer::Ctx(Doctor()).get(), up, &r).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(SpineTest, AuditChainDetectsARowChangedBySuperuser) {
  v1::Patient p = Register(SyntheticIdNumber("19660606", 113), "测试患者子");
  v1::GetPatientRequest get;
  get.set_patient_id(p.patient_id());
  v1::Patient seen;
  (void)env_->patients->GetPatient(TestServer::Ctx(Doctor2()).get(), get, &seen);  // denied

  std::string auditor = env_->Login("auditor", kAuditorPw);
  ASSERT_TRUE(env_->server().SealAuditNow().ok());
  v1::VerifyAuditChainResponse v;
  ASSERT_TRUE(env_->audit->VerifyAuditChain(TestServer::Ctx(auditor).get(), {}, &v).ok());
  EXPECT_TRUE(v.intact()) << v.problem();
  EXPECT_GT(v.records_checked(), 10);
  EXPECT_GT(v.checkpoints_checked(), 0);

  // The auditor can list the patient's records, the denial among them.
  v1::ListAuditRecordsRequest lr;
  lr.set_patient_id(p.patient_id());
  v1::ListAuditRecordsResponse records;
  ASSERT_TRUE(env_->audit->ListAuditRecords(TestServer::Ctx(auditor).get(), lr, &records).ok());
  ASSERT_GE(records.records_size(), 2);
  EXPECT_EQ(records.records(0).outcome(), "PERMISSION_DENIED");
  EXPECT_EQ(records.records(0).username(), "doctor2");
  // A doctor may not read the audit trail.
  EXPECT_EQ(env_->audit->ListAuditRecords(TestServer::Ctx(Doctor()).get(), lr, &records).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  // The application role cannot change audit rows at all: it has no UPDATE privilege on
  // audit_log (42501, insufficient_privilege; not any other error, such as a broken
  // connection or a typo in the SQL), and the denial stays recorded.
  const std::string denials =
      env_->db().QueryValue("SELECT count(*) FROM audit_log WHERE outcome = 'PERMISSION_DENIED'");
  ASSERT_NE(denials, "0");
  {
    pqxx::connection c(env_->db().AppDsn());
    pqxx::work w(c);
    EXPECT_THROW(w.exec("UPDATE audit_log SET outcome = 'OK' WHERE outcome = 'PERMISSION_DENIED'"),
                 pqxx::insufficient_privilege);
  }
  EXPECT_EQ(
      env_->db().QueryValue("SELECT count(*) FROM audit_log WHERE outcome = 'PERMISSION_DENIED'"),
      denials);

  // A superuser hides the denial, bypassing the append-only trigger.
  ASSERT_TRUE(env_->server().SealAuditNow().ok());
  const std::string target = env_->db().QueryValue(
      "SELECT a.id FROM audit_log a JOIN audit_seal s ON s.audit_id = a.id "
      "WHERE a.outcome = 'PERMISSION_DENIED' AND a.patient_ids @> ARRAY['" + p.patient_id() +
      "'::uuid] ORDER BY a.id LIMIT 1");
  ASSERT_FALSE(target.empty());
  env_->db().ExecSuper(
      "SET session_replication_role = replica; UPDATE audit_log SET outcome = 'OK' WHERE id = " +
      target);
  ASSERT_TRUE(env_->audit->VerifyAuditChain(TestServer::Ctx(auditor).get(), {}, &v).ok());
  EXPECT_FALSE(v.intact());
  EXPECT_EQ(std::to_string(v.first_break_audit_id()), target);
  EXPECT_THAT(v.problem(), HasSubstr("changed"));
  // Put it back so later tests see an intact chain.
  env_->db().ExecSuper(
      "SET session_replication_role = replica; UPDATE audit_log SET outcome = "
      "'PERMISSION_DENIED' WHERE id = " + target);
}

TEST_F(SpineTest, RowLevelSecurityIsASecondLineOfDefence) {
  Register(SyntheticIdNumber("19650505", 114), "测试患者丑");
  pqxx::connection c(env_->db().AppDsn());
  {
    pqxx::work w(c);
    EXPECT_EQ(w.exec("SELECT count(*) FROM patient")[0][0].as<int>(), 0);  // no scope
  }
  {
    pqxx::work w(c);
    w.exec("SELECT set_config('smd.scope', '320106002', true)");
    EXPECT_EQ(
        w.exec("SELECT count(*) FROM patient WHERE jurisdiction LIKE '320106001%'")[0][0].as<int>(),
        0);
  }
  {
    pqxx::work w(c);
    w.exec("SELECT set_config('smd.scope', '', true)");
    EXPECT_EQ(w.exec("SELECT count(*) FROM patient")[0][0].as<int>(), 0);
  }
  EXPECT_EQ(env_->db().QueryValue(
                "SELECT rolbypassrls::text || rolsuper::text FROM pg_roles WHERE rolname = 'smd_app'"),
            "falsefalse");
  EXPECT_EQ(env_->db().QueryValue("SELECT tableowner FROM pg_tables WHERE tablename = 'patient'"),
            "smd_owner");
}

TEST_F(SpineTest, DumpOfTheDatabaseHoldsNoIdentifierInPlainText) {
  const std::string idn = SyntheticIdNumber("19951212", 115);
  Register(idn, "明文检查患者");
  const std::string out = std::string(::testing::TempDir()) + "/spine_dump.sql";
  const char* host = std::getenv("SMD_TEST_PGHOST");
  const std::string cmd = absl::StrCat("/usr/lib/postgresql/15/bin/pg_dump -h '", host,
                                       "' -U postgres -d ", env_->db().name(), " -f '", out, "'");
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::FILE* f = std::fopen(out.c_str(), "rb");
  ASSERT_NE(f, nullptr);
  std::string dump;
  char buf[65536];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, f)) > 0;) dump.append(buf, n);
  std::fclose(f);
  std::remove(out.c_str());
  ASSERT_THAT(dump, HasSubstr("COPY public.patient"));
  EXPECT_THAT(dump, Not(HasSubstr(idn)));
  EXPECT_THAT(dump, Not(HasSubstr("明文检查患者")));
  EXPECT_THAT(dump, Not(HasSubstr("0000-7654321")));      // the patient's phone
  EXPECT_THAT(dump, Not(HasSubstr("测试路1号")));          // the address
  EXPECT_THAT(dump, Not(HasSubstr("演示患者0001")));       // demo patients too
  EXPECT_THAT(dump, Not(HasSubstr("演示监护人0001")));
}

TEST_F(SpineTest, WhenTheAuditWriteFailsTheCallFailsAndReturnsNothing) {
  v1::Patient p = Register(SyntheticIdNumber("19640404", 116), "测试患者寅");
  env_->db().ExecSuper("REVOKE INSERT ON audit_log FROM smd_app");
  v1::GetPatientRequest get;
  get.set_patient_id(p.patient_id());
  v1::Patient seen;
  grpc::Status s = env_->patients->GetPatient(TestServer::Ctx(Doctor()).get(), get, &seen);
  // Back to the grant of schema 0012: the content columns only.
  env_->db().ExecSuper(
      "GRANT INSERT (at, user_id, username, role, jurisdiction, method, patient_ids, outcome, "
      "peer, request_id, detail) ON audit_log TO smd_app");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(seen.patient_id(), "");
  EXPECT_EQ(seen.details().name(), "");
}

TEST_F(SpineTest, SearchPagesThroughTheRegisterWithKeysets) {
  std::string psych = env_->Login("psychiatrist", kPsychPw);
  const int total = std::stoi(env_->db().QueryValue("SELECT count(*) FROM patient"));
  v1::SearchPatientsRequest req;
  req.mutable_page()->set_page_size(7);
  std::set<std::string> seen;
  int pages = 0;
  for (;;) {
    v1::SearchPatientsResponse resp;
    ASSERT_TRUE(env_->patients->SearchPatients(TestServer::Ctx(psych).get(), req, &resp).ok());
    ++pages;
    for (const auto& p : resp.patients()) {
      EXPECT_TRUE(seen.insert(p.patient_id()).second) << "duplicate across pages";
      EXPECT_EQ(p.id_number().substr(6, 8), "********");  // psychiatrists see it masked
    }
    if (resp.next_page_token().empty()) break;
    req.mutable_page()->set_page_token(resp.next_page_token());
    ASSERT_LT(pages, 100);
  }
  EXPECT_EQ(static_cast<int>(seen.size()), total);
  req.mutable_page()->set_page_token("not-a-token");
  v1::SearchPatientsResponse resp;
  grpc::Status s = env_->patients->SearchPatients(TestServer::Ctx(psych).get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("page_token"));
}

TEST_F(SpineTest, HealthServiceAnswers) {
  auto* health = env_->server().port() > 0 ? env_->channel().get() : nullptr;
  ASSERT_NE(health, nullptr);
  grpc::ClientContext ctx;
  grpc::ByteBuffer resp;
  // grpc.health.v1.Health/Check with an empty request: the generic stub keeps the test
  // free of the health proto.
  grpc::GenericStub stub(env_->channel());
  grpc::ByteBuffer req;
  grpc::Slice empty("", 0);
  req = grpc::ByteBuffer(&empty, 1);
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status status;
  stub.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &req, &resp,
                 [&](grpc::Status s) {
                   std::lock_guard<std::mutex> l(mu);
                   status = s;
                   done = true;
                   cv.notify_one();
                 });
  std::unique_lock<std::mutex> l(mu);
  cv.wait(l, [&] { return done; });
  EXPECT_TRUE(status.ok()) << status.error_message();
}

}  // namespace
}  // namespace smd::testing
