// Community rehabilitation (社区康复) and psychological support (心理疏导) over gRPC against a
// real PostgreSQL (issue 14 point 4): recording each kind, refusals naming the field, who
// may not, the timeline, texts encrypted at rest, idempotent retries, and the two rates
// (社区康复参与率, 居家患者及家属心理疏导覆盖率) per period from dated records only, with the
// patients missing and their reasons. The register's undated flag counts for nothing.

#include <functional>
#include <map>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "smd/v1/followups.grpc.pb.h"
#include "smd/v1/metrics.grpc.pb.h"
#include "smd/v1/rehab.grpc.pb.h"
#include "support/forms.h"
#include "support/test_env.h"

namespace smd::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kCommunity[] = "320106001066";      // records and refusals
constexpr char kRateCommunity[] = "320106001067";  // the rate data set

class RehabTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env_ = new TestServer("it_rehab", 0);
    rehab_ = v1::RehabService::NewStub(env_->channel()).release();
    followups_ = v1::FollowUpService::NewStub(env_->channel()).release();
    metrics_ = v1::MetricsService::NewStub(env_->channel()).release();
    doctor_ = new std::string(env_->Login("doctor", kDoctorPw));
    const std::string admin = env_->Login("admin", kAdminPw);
    for (const auto& [code, name] : std::vector<std::pair<std::string, std::string>>{
             {kCommunity, "康复测试社区"}, {kRateCommunity, "康复指标社区"}}) {
      v1::UpsertRegionRequest up;
      up.set_code(code);
      up.set_name(name);
      v1::Region r;
      ASSERT_TRUE(env_->regions->UpsertRegion(TestServer::Ctx(admin).get(), up, &r).ok());
    }
  }
  static void TearDownTestSuite() {
    delete rehab_;
    delete followups_;
    delete metrics_;
    delete doctor_;
    delete env_;
  }

  // Last year: every date in it is in the past, whenever the suite runs.
  static int LastYear() { return static_cast<int>(TodayBeijing().year()) - 1; }

  // A patient registered on 2024-06-01 (as an import of an older register would set it).
  static std::string NewPatient(int seq, const std::string& community = kCommunity,
                                bool rehab_flag = false) {
    v1::RegisterPatientRequest req;
    *req.mutable_details() =
        ValidDetails(SyntheticIdNumber("19750101", seq), absl::StrCat("康复", seq), community);
    req.mutable_details()->set_community_rehab(rehab_flag);
    v1::Patient p;
    grpc::Status s = env_->patients->RegisterPatient(TestServer::Ctx(*doctor_).get(), req, &p);
    EXPECT_TRUE(s.ok()) << s.error_message();
    env_->db().ExecSuper(absl::StrCat("UPDATE patient SET registered_at = '2024-06-01 08:00+08' ",
                                      "WHERE id = '", p.patient_id(), "'"));
    return p.patient_id();
  }

  static v1::RecordRehabSessionRequest Session(const std::string& patient, v1::Date date) {
    v1::RecordRehabSessionRequest r;
    r.set_patient_id(patient);
    *r.mutable_session_date() = date;
    r.set_activity(v1::REHAB_ACTIVITY_SUNSHINE_GARDEN);
    r.set_place("宁海路街道阳光心园");
    r.set_programme("手工小组");
    r.set_duration_minutes(120);
    r.set_run_by("社工 测试");
    r.set_note("参加积极");
    return r;
  }

  static v1::RecordPsychSupportRequest Support(const std::string& patient, v1::Date date) {
    v1::RecordPsychSupportRequest r;
    r.set_patient_id(patient);
    *r.mutable_support_date() = date;
    r.set_recipients(v1::SUPPORT_RECIPIENTS_FAMILY);
    r.set_family_members("母亲");
    r.set_method(v1::SUPPORT_METHOD_PHONE);
    r.set_provider("精防医生 测试");
    r.set_note("家属照护压力大，已疏导");
    return r;
  }

  static grpc::Status RecordSession(const v1::RecordRehabSessionRequest& r, v1::RehabRecord* out,
                                    const std::string& token = "") {
    return rehab_->RecordRehabSession(TestServer::Ctx(token.empty() ? *doctor_ : token).get(), r,
                                      out);
  }
  static grpc::Status RecordSupport(const v1::RecordPsychSupportRequest& r, v1::RehabRecord* out,
                                    const std::string& token = "") {
    return rehab_->RecordPsychSupport(TestServer::Ctx(token.empty() ? *doctor_ : token).get(), r,
                                      out);
  }

  static void Visit(const std::string& patient, v1::FollowUpForm form) {
    v1::RecordFollowUpRequest req;
    req.set_patient_id(patient);
    *req.mutable_form() = std::move(form);
    v1::FollowUp out;
    grpc::Status s = followups_->RecordFollowUp(TestServer::Ctx(*doctor_).get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  static int64_t Count(const std::string& sql) {
    pqxx::connection c(env_->db().SuperDsn());
    pqxx::nontransaction n(c);
    return n.exec1(sql)[0].as<int64_t>();
  }

  static const v1::IndicatorValue& Ind(const v1::RegionMetrics& r, const std::string& code) {
    for (const auto& i : r.indicators()) {
      if (i.code() == code) return i;
    }
    ADD_FAILURE() << "no indicator " << code;
    static v1::IndicatorValue none;
    return none;
  }

  static v1::MetricsReport Metrics(const std::string& region, int year, int month) {
    v1::GetMetricsRequest req;
    req.set_region(region);
    req.mutable_period()->set_year(year);
    req.mutable_period()->set_month(month);
    v1::MetricsReport rep;
    grpc::Status s = metrics_->GetMetrics(TestServer::Ctx(*doctor_).get(), req, &rep);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return rep;
  }

  static TestServer* env_;
  static v1::RehabService::Stub* rehab_;
  static v1::FollowUpService::Stub* followups_;
  static v1::MetricsService::Stub* metrics_;
  static std::string* doctor_;
};

TestServer* RehabTest::env_ = nullptr;
v1::RehabService::Stub* RehabTest::rehab_ = nullptr;
v1::FollowUpService::Stub* RehabTest::followups_ = nullptr;
v1::MetricsService::Stub* RehabTest::metrics_ = nullptr;
std::string* RehabTest::doctor_ = nullptr;

TEST_F(RehabTest, RecordsASunshineGardenSessionListedInTheTimelineAndEncryptedAtRest) {
  const std::string p = NewPatient(1);
  v1::RehabRecord out;
  grpc::Status s = RecordSession(Session(p, D(2025, 3, 4)), &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(out.kind(), v1::REHAB_RECORD_KIND_SESSION);
  EXPECT_EQ(out.patient_id(), p);
  EXPECT_EQ(out.date().month(), 3);
  EXPECT_EQ(out.session().place(), "宁海路街道阳光心园");
  EXPECT_EQ(out.session().duration_minutes(), 120);
  EXPECT_FALSE(out.recorded_by().empty());

  v1::ListRehabRecordsRequest list;
  list.set_patient_id(p);
  v1::ListRehabRecordsResponse got;
  ASSERT_TRUE(rehab_->ListRehabRecords(TestServer::Ctx(*doctor_).get(), list, &got).ok());
  ASSERT_EQ(got.records_size(), 1);
  EXPECT_EQ(got.records(0).record_id(), out.record_id());
  EXPECT_EQ(got.records(0).session().programme(), "手工小组");
  EXPECT_EQ(got.records(0).session().run_by(), "社工 测试");
  EXPECT_FALSE(got.records(0).unreadable());

  v1::GetTimelineRequest tl;
  tl.set_patient_id(p);
  v1::Timeline timeline;
  ASSERT_TRUE(followups_->GetTimeline(TestServer::Ctx(*doctor_).get(), tl, &timeline).ok());
  bool found = false;
  for (const auto& e : timeline.entries()) {
    if (e.kind() == "rehab_session") {
      found = true;
      EXPECT_EQ(e.ref_id(), out.record_id());
      EXPECT_THAT(e.summary(), HasSubstr("阳光心园"));
      EXPECT_THAT(e.summary(), Not(HasSubstr("宁海路")));  // no free text in a summary
    }
  }
  EXPECT_TRUE(found);

  // The texts are not in the row in plaintext; the date and the activity are.
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM rehab_session WHERE id = '", out.record_id(),
                               "' AND position(convert_to('阳光心园', 'UTF8') in details_enc) = 0 "
                               "AND session_date = '2025-03-04' AND activity = 1")),
            1);
}

TEST_F(RehabTest, RecordsPsychologicalSupportToTheFamilyAndFiltersByPeriodAndKind) {
  const std::string p = NewPatient(2);
  v1::RehabRecord sup;
  grpc::Status s = RecordSupport(Support(p, D(2025, 5, 6)), &sup);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(sup.kind(), v1::REHAB_RECORD_KIND_SUPPORT);
  EXPECT_EQ(sup.support().recipients(), v1::SUPPORT_RECIPIENTS_FAMILY);
  EXPECT_EQ(sup.support().family_members(), "母亲");
  v1::RehabRecord ses;
  ASSERT_TRUE(RecordSession(Session(p, D(2025, 2, 1)), &ses).ok());

  v1::ListRehabRecordsRequest list;
  list.set_patient_id(p);
  v1::ListRehabRecordsResponse all;
  ASSERT_TRUE(rehab_->ListRehabRecords(TestServer::Ctx(*doctor_).get(), list, &all).ok());
  ASSERT_EQ(all.records_size(), 2);
  EXPECT_EQ(all.records(0).record_id(), ses.record_id());  // date order
  EXPECT_EQ(all.records(1).record_id(), sup.record_id());

  *list.mutable_from() = D(2025, 4, 1);
  *list.mutable_to() = D(2025, 12, 31);
  v1::ListRehabRecordsResponse period;
  ASSERT_TRUE(rehab_->ListRehabRecords(TestServer::Ctx(*doctor_).get(), list, &period).ok());
  ASSERT_EQ(period.records_size(), 1);
  EXPECT_EQ(period.records(0).support().method(), v1::SUPPORT_METHOD_PHONE);

  list.clear_from();
  list.clear_to();
  list.set_kind(v1::REHAB_RECORD_KIND_SESSION);
  v1::ListRehabRecordsResponse sessions;
  ASSERT_TRUE(rehab_->ListRehabRecords(TestServer::Ctx(*doctor_).get(), list, &sessions).ok());
  ASSERT_EQ(sessions.records_size(), 1);
  EXPECT_EQ(sessions.records(0).kind(), v1::REHAB_RECORD_KIND_SESSION);

  *list.mutable_from() = D(2025, 6, 1);
  *list.mutable_to() = D(2025, 1, 1);
  v1::ListRehabRecordsResponse bad;
  grpc::Status refused = rehab_->ListRehabRecords(TestServer::Ctx(*doctor_).get(), list, &bad);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(refused.error_message(), StartsWith("to:"));
}

TEST_F(RehabTest, RefusesBadInputNamingTheFieldAndStoresNothing) {
  const std::string p = NewPatient(3);
  const absl::CivilDay tomorrow = TodayBeijing() + 1;
  struct Case {
    std::string field;
    std::function<void(v1::RecordRehabSessionRequest*)> edit;
  };
  const std::vector<Case> sessions = {
      {"session_date", [&](auto* r) { *r->mutable_session_date() = D(tomorrow); }},
      {"session_date", [](auto* r) { *r->mutable_session_date() = D(2024, 5, 31); }},
      {"session_date", [](auto* r) { r->clear_session_date(); }},
      {"activity", [](auto* r) { r->set_activity(static_cast<v1::RehabActivity>(7)); }},
      {"activity", [](auto* r) { r->set_activity(v1::REHAB_ACTIVITY_UNSPECIFIED); }},
      {"place", [](auto* r) { r->set_place(""); }},
      {"programme",
       [](auto* r) {
         r->set_activity(v1::REHAB_ACTIVITY_OTHER);
         r->set_programme("");
       }},
      {"duration_minutes", [](auto* r) { r->set_duration_minutes(721); }},
  };
  for (const auto& c : sessions) {
    v1::RecordRehabSessionRequest r = Session(p, D(2025, 3, 4));
    c.edit(&r);
    v1::RehabRecord out;
    grpc::Status s = RecordSession(r, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.field;
    EXPECT_THAT(s.error_message(), StartsWith(c.field + ":")) << s.error_message();
  }
  // Before registration: the message names the registration date.
  {
    v1::RehabRecord out;
    grpc::Status s = RecordSession(Session(p, D(2024, 5, 31)), &out);
    EXPECT_THAT(s.error_message(), HasSubstr("2024-06-01"));
  }
  struct SupportCase {
    std::string field;
    std::function<void(v1::RecordPsychSupportRequest*)> edit;
  };
  const std::vector<SupportCase> supports = {
      {"support_date", [&](auto* r) { *r->mutable_support_date() = D(tomorrow); }},
      {"support_date", [](auto* r) { *r->mutable_support_date() = D(2023, 1, 1); }},
      {"recipients", [](auto* r) { r->set_recipients(v1::SUPPORT_RECIPIENTS_UNSPECIFIED); }},
      {"recipients", [](auto* r) { r->set_recipients(static_cast<v1::SupportRecipients>(4)); }},
      {"family_members", [](auto* r) { r->set_recipients(v1::SUPPORT_RECIPIENTS_PATIENT); }},
      {"method", [](auto* r) { r->set_method(static_cast<v1::SupportMethod>(9)); }},
      {"note", [](auto* r) { r->set_note(std::string(501, 'x')); }},
  };
  for (const auto& c : supports) {
    v1::RecordPsychSupportRequest r = Support(p, D(2025, 3, 4));
    c.edit(&r);
    v1::RehabRecord out;
    grpc::Status s = RecordSupport(r, &out);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << c.field;
    EXPECT_THAT(s.error_message(), StartsWith(c.field + ":")) << s.error_message();
  }
  EXPECT_EQ(Count(absl::StrCat("SELECT (SELECT count(*) FROM rehab_session WHERE patient_id = '",
                               p, "') + (SELECT count(*) FROM psych_support WHERE patient_id = '",
                               p, "')")),
            0);
}

TEST_F(RehabTest, PoliceGridAndTheCommitteeMayNeitherWriteNorRead) {
  const std::string p = NewPatient(4);
  v1::RehabRecord ok;
  ASSERT_TRUE(RecordSession(Session(p, D(2025, 3, 4)), &ok).ok());
  for (const auto& [user, pw] : std::vector<std::pair<std::string, std::string>>{
           {"police", kPolicePw}, {"grid", kGridPw}, {"analyst", kAnalystPw}}) {
    const std::string token = env_->Login(user, pw);
    v1::RehabRecord out;
    EXPECT_EQ(RecordSession(Session(p, D(2025, 3, 5)), &out, token).error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << user;
    EXPECT_EQ(RecordSupport(Support(p, D(2025, 3, 5)), &out, token).error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << user;
    v1::ListRehabRecordsRequest list;
    list.set_patient_id(p);
    v1::ListRehabRecordsResponse got;
    EXPECT_EQ(rehab_->ListRehabRecords(TestServer::Ctx(token).get(), list, &got).error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << user;
    EXPECT_EQ(got.records_size(), 0);
  }
  // Another street's doctor does not see the patient.
  const std::string doctor2 = env_->Login("doctor2", kDoctor2Pw);
  v1::RehabRecord out;
  grpc::Status other = RecordSession(Session(p, D(2025, 3, 5)), &out, doctor2);
  EXPECT_TRUE(other.error_code() == grpc::StatusCode::PERMISSION_DENIED ||
              other.error_code() == grpc::StatusCode::NOT_FOUND)
      << other.error_message();
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM rehab_session WHERE patient_id = '", p, "'")),
            1);
}

TEST_F(RehabTest, ARetriedWriteWithTheSameIdempotencyKeyStoresOneRecord) {
  const std::string p = NewPatient(5);
  const v1::RecordPsychSupportRequest r = Support(p, D(2025, 7, 8));
  std::string first_id;
  for (int i = 0; i < 2; ++i) {
    auto ctx = TestServer::Ctx(*doctor_);
    ctx->AddMetadata("idempotency-key", "rehab-test-key-0000000001");
    v1::RehabRecord out;
    grpc::Status s = rehab_->RecordPsychSupport(ctx.get(), r, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
    if (i == 0) first_id = out.record_id();
    EXPECT_EQ(out.record_id(), first_id);
  }
  EXPECT_EQ(Count(absl::StrCat("SELECT count(*) FROM psych_support WHERE patient_id = '", p, "'")),
            1);
}

// The plan's data set: 10 home patients in one community, 7 with a 阳光心园 session in the
// year and 6 who (or whose family) received psychological support. Rates at the year end
// of last year, from the rollups kept by each write (the year is built first).
TEST_F(RehabTest, RatesFromDatedRecordsPerPeriodWithMissingPatientsAndReasons) {
  const int y = LastYear();
  ASSERT_TRUE(env_->server().BuildMetricsYear(y).ok());
  std::vector<std::string> ids;
  for (int i = 0; i < 10; ++i) {
    // The first patient has the register's undated flag set: it must count for nothing.
    ids.push_back(NewPatient(100 + i, kRateCommunity, /*rehab_flag=*/i == 0));
    Visit(ids.back(), Form(D(y, 3, 10), 0));  // 居家: 期间未住院
  }
  v1::RehabRecord out;
  for (int i = 3; i < 10; ++i) {  // 7 of 10
    ASSERT_TRUE(RecordSession(Session(ids[i], D(y, 4, 1 + i)), &out).ok());
  }
  for (int i = 4; i < 10; ++i) {  // 6 of 10; patients or families
    v1::RecordPsychSupportRequest r = Support(ids[i], D(y, 6, 1 + i));
    if (i % 2 == 0) {
      r.set_recipients(v1::SUPPORT_RECIPIENTS_PATIENT);
      r.clear_family_members();
    }
    ASSERT_TRUE(RecordSupport(r, &out).ok());
  }
  // Patient 1 took part the year before only; patient 2's first session is this January:
  // neither counts for a period ending last December.
  ASSERT_TRUE(RecordSession(Session(ids[1], D(y - 1, 11, 20)), &out).ok());
  ASSERT_TRUE(RecordSession(Session(ids[2], D(y + 1, 1, 1)), &out).ok());
  ASSERT_TRUE(RecordSupport(Support(ids[2], D(y + 1, 1, 1)), &out).ok());

  const v1::MetricsReport rep = Metrics(kRateCommunity, y, 12);
  EXPECT_EQ(rep.source(), "rollup");
  const v1::IndicatorValue& rehab = Ind(rep.region(), "community_rehab_rate");
  EXPECT_EQ(rehab.numerator(), 7);
  EXPECT_EQ(rehab.denominator(), 10);
  EXPECT_DOUBLE_EQ(rehab.value(), 70.0);
  EXPECT_TRUE(rehab.has_target());
  EXPECT_DOUBLE_EQ(rehab.target(), 70.0);
  EXPECT_TRUE(rehab.met());
  EXPECT_EQ(rehab.denominator_status(), "at_home");
  const v1::IndicatorValue& psych = Ind(rep.region(), "psych_support_coverage");
  EXPECT_EQ(psych.name(), "居家患者及家属心理疏导覆盖率");
  EXPECT_EQ(psych.numerator(), 6);
  EXPECT_EQ(psych.denominator(), 10);
  EXPECT_DOUBLE_EQ(psych.value(), 60.0);
  EXPECT_FALSE(psych.met());
  EXPECT_EQ(psych.numerator_status(), "psych_support");

  // The same figures recomputed from the records (an as-of date inside the month).
  {
    v1::GetMetricsRequest req;
    req.set_region(kRateCommunity);
    *req.mutable_period()->mutable_as_of() = D(y, 12, 30);
    v1::MetricsReport re;
    ASSERT_TRUE(metrics_->GetMetrics(TestServer::Ctx(*doctor_).get(), req, &re).ok());
    EXPECT_EQ(re.source(), "recomputed");
    EXPECT_EQ(Ind(re.region(), "community_rehab_rate").numerator(), 7);
    EXPECT_EQ(Ind(re.region(), "psych_support_coverage").numerator(), 6);
  }
  // Before the sessions (to the end of March) nobody had one.
  EXPECT_EQ(Ind(Metrics(kRateCommunity, y, 3).region(), "community_rehab_rate").numerator(), 0);

  // The three missing, each with its reason.
  v1::ListMetricPatientsRequest lr;
  lr.set_region(kRateCommunity);
  lr.mutable_period()->set_year(y);
  lr.mutable_period()->set_month(12);
  lr.set_indicator("community_rehab_rate");
  lr.set_missing(true);
  v1::ListMetricPatientsResponse missing;
  grpc::Status s = metrics_->ListMetricPatients(TestServer::Ctx(*doctor_).get(), lr, &missing);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_EQ(missing.patients_size(), 3);
  std::map<std::string, std::string> reasons;
  for (const auto& m : missing.patients()) reasons[m.patient_id()] = m.reason();
  ASSERT_EQ(reasons.count(ids[0]), 1u);
  ASSERT_EQ(reasons.count(ids[1]), 1u);
  ASSERT_EQ(reasons.count(ids[2]), 1u);
  EXPECT_THAT(reasons[ids[0]], StartsWith("本期无社区康复记录"));
  EXPECT_THAT(reasons[ids[1]], HasSubstr(absl::StrCat(y - 1, "-11-20")));
  EXPECT_THAT(reasons[ids[2]], StartsWith("本期无社区康复记录"));
  lr.set_indicator("psych_support_coverage");
  v1::ListMetricPatientsResponse no_support;
  ASSERT_TRUE(
      metrics_->ListMetricPatients(TestServer::Ctx(*doctor_).get(), lr, &no_support).ok());
  ASSERT_EQ(no_support.patients_size(), 4);
  for (const auto& m : no_support.patients()) {
    EXPECT_THAT(m.reason(), HasSubstr("心理疏导")) << m.reason();
  }

  // The register still reads its flag; it only no longer counts.
  v1::GetPatientRequest get;
  get.set_patient_id(ids[0]);
  v1::Patient seen;
  ASSERT_TRUE(env_->patients->GetPatient(TestServer::Ctx(*doctor_).get(), get, &seen).ok());
  EXPECT_TRUE(seen.details().community_rehab());
}

}  // namespace
}  // namespace smd::testing
