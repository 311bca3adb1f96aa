// Issue 14 points 2, 3 and 6 over gRPC against a real PostgreSQL: the form says what was
// assessed (an absent risk level is refused naming risk_level; a failed visit needs none),
// the paths the forms could not take (a hospital-only visit counts as 在管; visits before
// the 建档日期 or in the future are refused; move-outs and closes take an effective date
// that the metrics count from), and LoginResponse names the jurisdiction.

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "smd/v1/followups.grpc.pb.h"
#include "smd/v1/metrics.grpc.pb.h"
#include "support/forms.h"
#include "support/test_env.h"

namespace smd::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr char kCommunity[] = "320106001066";  // this suite's own community
constexpr int kYear = 2025;                    // a past year, built by the suite

class FormPathsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env_ = new TestServer("it_form_paths", 0);
    followups_ = v1::FollowUpService::NewStub(env_->channel()).release();
    metrics_ = v1::MetricsService::NewStub(env_->channel()).release();
    doctor_ = new std::string(env_->Login("doctor", kDoctorPw));
    const std::string admin = env_->Login("admin", kAdminPw);
    v1::UpsertRegionRequest up;
    up.set_code(kCommunity);
    up.set_name("表单路径测试社区");
    v1::Region r;
    ASSERT_TRUE(env_->regions->UpsertRegion(TestServer::Ctx(admin).get(), up, &r).ok());
    ASSERT_TRUE(env_->server().BuildMetricsYear(kYear).ok());
  }
  static void TearDownTestSuite() {
    delete followups_;
    delete metrics_;
    delete doctor_;
    delete env_;
  }

  // A patient of the suite's community registered on `registered` (as an import of an
  // older register sets it).
  static std::string NewPatient(int seq, const std::string& registered = "2024-06-01") {
    v1::RegisterPatientRequest req;
    *req.mutable_details() = ValidDetails(SyntheticIdNumber("19750101", seq),
                                          absl::StrCat("表单路径", seq), kCommunity);
    v1::Patient p;
    grpc::Status s = env_->patients->RegisterPatient(TestServer::Ctx(*doctor_).get(), req, &p);
    EXPECT_TRUE(s.ok()) << s.error_message();
    env_->db().ExecSuper(absl::StrCat("UPDATE patient SET registered_at = '", registered,
                                      " 08:00+08' WHERE id = '", p.patient_id(), "'"));
    return p.patient_id();
  }

  static grpc::Status Record(const std::string& patient, const v1::FollowUpForm& form,
                             v1::FollowUp* out) {
    v1::RecordFollowUpRequest req;
    req.set_patient_id(patient);
    *req.mutable_form() = form;
    return followups_->RecordFollowUp(TestServer::Ctx(*doctor_).get(), req, out);
  }

  static v1::Patient GetPatient(const std::string& id) {
    v1::GetPatientRequest req;
    req.set_patient_id(id);
    v1::Patient p;
    grpc::Status s = env_->patients->GetPatient(TestServer::Ctx(*doctor_).get(), req, &p);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return p;
  }

  // The community's figures at the end of `month` of kYear.
  static v1::RegionMetrics Figures(int month) {
    v1::GetMetricsRequest req;
    req.set_region("320106001");
    req.mutable_period()->set_year(kYear);
    req.mutable_period()->set_month(month);
    v1::MetricsReport rep;
    grpc::Status s = metrics_->GetMetrics(TestServer::Ctx(*doctor_).get(), req, &rep);
    EXPECT_TRUE(s.ok()) << s.error_message();
    for (const auto& c : rep.children()) {
      if (c.region() == kCommunity) return c;
    }
    ADD_FAILURE() << "no figures for " << kCommunity;
    return {};
  }

  static const v1::IndicatorValue& Ind(const v1::RegionMetrics& r, const std::string& code) {
    for (const auto& i : r.indicators()) {
      if (i.code() == code) return i;
    }
    ADD_FAILURE() << "no indicator " << code;
    static v1::IndicatorValue none;
    return none;
  }

  static v1::FollowUpForm HospitalOnly(v1::Date date) {
    v1::FollowUpForm f;
    *f.mutable_visit_date() = date;
    f.set_mode(v1::VISIT_MODE_PHONE);
    f.add_subjects(v1::VISIT_SUBJECT_FAMILY);
    f.set_hospitalization(v1::HOSPITALIZATION_CURRENTLY);
    return f;
  }

  static TestServer* env_;
  static v1::FollowUpService::Stub* followups_;
  static v1::MetricsService::Stub* metrics_;
  static std::string* doctor_;
};

TestServer* FormPathsTest::env_ = nullptr;
v1::FollowUpService::Stub* FormPathsTest::followups_ = nullptr;
v1::MetricsService::Stub* FormPathsTest::metrics_ = nullptr;
std::string* FormPathsTest::doctor_ = nullptr;

// Point 2: absence of a risk level is not level 0; the failed visit needs no sentinel.
TEST_F(FormPathsTest, AVisitWithoutARiskLevelIsRefusedNamingTheField) {
  const std::string p = NewPatient(1);
  v1::FollowUpForm f = Form(D(kYear, 3, 1), 0);
  f.clear_risk_level();
  v1::FollowUp out;
  grpc::Status s = Record(p, f, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("risk_level: "));
  EXPECT_THAT(s.error_message(), HasSubstr("必填"));
  EXPECT_EQ(GetPatient(p).version(), 1) << "a refused visit changes nothing";

  // Level 0 sent explicitly is level 0: 稳定, and it comes back present.
  f.set_risk_level(0);
  ASSERT_TRUE(Record(p, f, &out).ok());
  EXPECT_TRUE(out.form().has_risk_level());
  EXPECT_EQ(out.form().risk_level(), 0);
  EXPECT_EQ(out.assessment().final_class(), v1::CLASSIFICATION_STABLE);

  // The same on a correction.
  v1::CorrectFollowUpRequest corr;
  corr.set_visit_id(out.visit_id());
  corr.set_base_version(out.version());
  *corr.mutable_form() = f;
  corr.mutable_form()->clear_risk_level();
  corr.set_reason("纸质表录入");
  v1::FollowUp corrected;
  s = followups_->CorrectFollowUp(TestServer::Ctx(*doctor_).get(), corr, &corrected);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("risk_level: "));
}

TEST_F(FormPathsTest, AFailedVisitWithoutARiskLevelIsAcceptedAndOneWithTheOldSentinelIsNot) {
  const std::string p = NewPatient(2);
  v1::FollowUpForm f;
  *f.mutable_visit_date() = D(kYear, 3, 2);
  f.set_mode(v1::VISIT_MODE_HOME);
  f.set_lost_reason(v1::LOST_REASON_WORKING_AWAY);
  v1::FollowUp out;
  grpc::Status s = Record(p, f, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_FALSE(out.form().has_risk_level());
  EXPECT_EQ(out.assessment().final_class(), v1::CLASSIFICATION_NONE);
  // The listing says so too (the typed column keeps -1; the API says "absent").
  v1::ListFollowUpsRequest lr;
  lr.set_patient_id(p);
  v1::ListFollowUpsResponse list;
  ASSERT_TRUE(followups_->ListFollowUps(TestServer::Ctx(*doctor_).get(), lr, &list).ok());
  ASSERT_EQ(list.followups_size(), 1);
  EXPECT_FALSE(list.followups(0).form().has_risk_level());

  f.set_risk_level(-1);  // what clients sent before issue 14
  s = Record(p, f, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("risk_level: "));
}

// Point 3 (a): rules.md §5.1 在管 "at least one record with a risk assessment or 目前正在住院".
TEST_F(FormPathsTest, AHospitalOnlyVisitMakesThePatient在管And服药) {
  const v1::RegionMetrics before = Figures(4);
  const std::string p = NewPatient(3);
  v1::FollowUp out;
  grpc::Status s = Record(p, HospitalOnly(D(kYear, 3, 10)), &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_FALSE(out.form().has_risk_level());
  EXPECT_EQ(out.assessment().final_class(), v1::CLASSIFICATION_NONE);
  EXPECT_EQ(out.assessment().next_due().month(), 4);  // checked again in a month
  EXPECT_EQ(out.assessment().next_due().day(), 10);

  const v1::RegionMetrics after = Figures(4);
  EXPECT_EQ(Ind(after, "management_rate").denominator(),
            Ind(before, "management_rate").denominator() + 1);
  EXPECT_EQ(Ind(after, "management_rate").numerator(),
            Ind(before, "management_rate").numerator() + 1)
      << "a hospital-only visit counts as 在管";
  EXPECT_EQ(Ind(after, "medication_rate").numerator(),
            Ind(before, "medication_rate").numerator() + 1)
      << "目前正在住院 counts as 服药";

  // With anything else assessed the level is required, and the visit is refused.
  v1::FollowUpForm half = HospitalOnly(D(kYear, 3, 11));
  half.set_insight(v1::INSIGHT_PARTIAL);
  s = Record(p, half, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("risk_level: "));
}

// Point 3 (b): the visit date lies between the 建档日期 and today (server clock).
TEST_F(FormPathsTest, AVisitBeforeRegistrationOrInTheFutureIsRefused) {
  const std::string p = NewPatient(4, "2025-02-01");
  v1::FollowUp out;
  grpc::Status s = Record(p, Form(D(2025, 1, 31), 0), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("visit_date: "));
  EXPECT_THAT(s.error_message(), HasSubstr("建档日期"));
  s = Record(p, Form(D(TodayBeijing() + 2), 0), &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("visit_date: "));
  EXPECT_THAT(s.error_message(), HasSubstr("future"));
  s = Record(p, Form(D(2025, 2, 1), 0), &out);  // the day of registration is fine
  EXPECT_TRUE(s.ok()) << s.error_message();
}

// Point 3 (c): a move-out dated in June leaves 在册 from June; May still counts it.
TEST_F(FormPathsTest, AMoveOutDatedInJuneLeaves在册FromJune) {
  const std::string p = NewPatient(5);
  v1::FollowUp out;
  ASSERT_TRUE(Record(p, Form(D(kYear, 3, 5), 0), &out).ok());
  const int may_before = Ind(Figures(5), "management_rate").denominator();
  const int june_before = Ind(Figures(6), "management_rate").denominator();

  v1::TransferOutRequest t;
  t.set_patient_id(p);
  t.set_version(GetPatient(p).version());
  t.set_to_jurisdiction("320102");  // another district, outside this server's tree
  t.set_reason("迁居");
  // Not before the last follow-up, not in the future.
  *t.mutable_effective_date() = D(kYear, 3, 4);
  v1::Transfer tr;
  grpc::Status s = env_->patients->TransferOut(TestServer::Ctx(*doctor_).get(), t, &tr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("effective_date: "));
  *t.mutable_effective_date() = D(TodayBeijing() + 2);
  s = env_->patients->TransferOut(TestServer::Ctx(*doctor_).get(), t, &tr);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("effective_date: "));

  *t.mutable_effective_date() = D(kYear, 6, 15);
  s = env_->patients->TransferOut(TestServer::Ctx(*doctor_).get(), t, &tr);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(tr.status(), v1::TRANSFER_STATUS_COMPLETED_OUTSIDE);
  EXPECT_EQ(tr.effective_date().month(), 6);
  const v1::Patient moved = GetPatient(p);
  EXPECT_EQ(moved.status(), v1::PATIENT_STATUS_MOVED_OUT);
  EXPECT_EQ(moved.closed_date().month(), 6);
  EXPECT_EQ(moved.closed_date().day(), 15);

  EXPECT_EQ(Ind(Figures(5), "management_rate").denominator(), may_before)
      << "May still counts the patient";
  EXPECT_EQ(Ind(Figures(6), "management_rate").denominator(), june_before - 1)
      << "June does not";
  EXPECT_EQ(Ind(Figures(12), "management_rate").denominator(),
            Ind(Figures(6), "management_rate").denominator());
}

// A move inside the system counts in the receiving community from the effective date, not
// from the day the receiving side accepted it.
TEST_F(FormPathsTest, AnAcceptedTransferCountsFromItsEffectiveDate) {
  const std::string p = NewPatient(6);
  v1::FollowUp out;
  ASSERT_TRUE(Record(p, Form(D(kYear, 3, 6), 0), &out).ok());
  const int may_before = Ind(Figures(5), "management_rate").denominator();
  const int june_before = Ind(Figures(6), "management_rate").denominator();
  v1::TransferOutRequest t;
  t.set_patient_id(p);
  t.set_version(GetPatient(p).version());
  t.set_to_jurisdiction("320106002001");
  *t.mutable_effective_date() = D(kYear, 6, 1);
  v1::Transfer tr;
  grpc::Status s = env_->patients->TransferOut(TestServer::Ctx(*doctor_).get(), t, &tr);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(tr.status(), v1::TRANSFER_STATUS_PENDING);
  v1::TransferInRequest in;
  in.set_transfer_id(tr.transfer_id());
  in.set_accept(true);
  s = env_->patients->TransferIn(TestServer::Ctx(env_->Login("doctor2", kDoctor2Pw)).get(), in,
                                 &tr);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(Ind(Figures(5), "management_rate").denominator(), may_before);
  EXPECT_EQ(Ind(Figures(6), "management_rate").denominator(), june_before - 1)
      << "counted in the receiving community from June 1";
}

TEST_F(FormPathsTest, ClosePatientDatedInThePast) {
  const std::string p = NewPatient(7);
  v1::FollowUp out;
  ASSERT_TRUE(Record(p, Form(D(kYear, 4, 1), 0), &out).ok());
  const int may_before = Ind(Figures(5), "management_rate").denominator();
  const int june_before = Ind(Figures(6), "management_rate").denominator();
  v1::ClosePatientRequest c;
  c.set_patient_id(p);
  c.set_version(GetPatient(p).version());
  c.set_kind(v1::CLOSE_KIND_CANCELLATION);
  c.set_reason("重复建档");
  *c.mutable_date() = D(kYear, 3, 31);  // before the last follow-up
  v1::Patient closed;
  grpc::Status s = env_->patients->ClosePatient(TestServer::Ctx(*doctor_).get(), c, &closed);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("date: "));
  *c.mutable_date() = D(TodayBeijing() + 2);
  s = env_->patients->ClosePatient(TestServer::Ctx(*doctor_).get(), c, &closed);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), StartsWith("date: "));

  *c.mutable_date() = D(kYear, 6, 10);
  s = env_->patients->ClosePatient(TestServer::Ctx(*doctor_).get(), c, &closed);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(closed.status(), v1::PATIENT_STATUS_CANCELLED);
  EXPECT_EQ(closed.closed_date().month(), 6);
  EXPECT_EQ(Ind(Figures(5), "management_rate").denominator(), may_before);
  EXPECT_EQ(Ind(Figures(6), "management_rate").denominator(), june_before - 1);
}

// Point 6: Patient.classification is the enum; LoginResponse names the jurisdiction.
TEST_F(FormPathsTest, PatientClassificationIsTheEnumAndLoginNamesTheJurisdiction) {
  const std::string p = NewPatient(8);
  v1::FollowUp out;
  ASSERT_TRUE(Record(p, Form(D(kYear, 3, 8), 3), &out).ok());
  EXPECT_EQ(GetPatient(p).classification(), v1::CLASSIFICATION_UNSTABLE);
  // A hospital-only visit afterwards keeps the last classification and level.
  ASSERT_TRUE(Record(p, HospitalOnly(D(kYear, 3, 20)), &out).ok());
  const v1::Patient after = GetPatient(p);
  EXPECT_EQ(after.classification(), v1::CLASSIFICATION_UNSTABLE);
  EXPECT_EQ(after.risk_level(), 3);

  v1::LoginRequest req;
  req.set_username("doctor");
  req.set_password(kDoctorPw);
  v1::LoginResponse resp;
  grpc::ClientContext ctx;
  ASSERT_TRUE(env_->auth->Login(&ctx, req, &resp).ok());
  EXPECT_EQ(resp.user().jurisdiction(), "320106001");
  EXPECT_FALSE(resp.user().jurisdiction_name().empty());
  v1::WhoAmIResponse me;
  ASSERT_TRUE(
      env_->auth->WhoAmI(TestServer::Ctx(resp.token()).get(), v1::WhoAmIRequest(), &me).ok());
  EXPECT_EQ(resp.user().jurisdiction_name(), me.jurisdiction_name());
}

}  // namespace
}  // namespace smd::testing
