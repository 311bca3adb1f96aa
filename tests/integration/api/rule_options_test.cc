// Rule options per deployment and metric variants per call, over gRPC against a real
// PostgreSQL (issue 14, points 1 and 6; docs/rules.md "Rule sets and their options",
// docs/metrics.md "Variants per call"):
//  * with the mild-adverse-reaction option on, a visit with only a mild ADR is 不稳定 and
//    the rule-set name every answer records carries the option; with it off, 稳定;
//  * national (R2, any-record 服药) and Jiangsu (R1, last visit) figures of the same period
//    side by side, different on a data set built to differ, from the kept figures and
//    from a recomputation alike;
//  * ListMetricPatients for a past year without kept figures: recomputed, with a reason
//    for every missing patient, F20 indicators included.

#include <map>
#include <set>
#include <string>
#include <vector>

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
using ::testing::IsEmpty;
using ::testing::Not;

// Registers a patient of `community` and dates its registration `registered` (as an import
// of an older register would), returning its id.
std::string NewPatient(TestServer& env, const std::string& token, int seq,
                       const std::string& community, const std::string& registered,
                       v1::DiagnosisCategory diagnosis = v1::DIAGNOSIS_SCHIZOPHRENIA) {
  v1::RegisterPatientRequest req;
  *req.mutable_details() =
      ValidDetails(SyntheticIdNumber("19690101", seq), absl::StrCat("口径", seq), community);
  if (diagnosis == v1::DIAGNOSIS_BIPOLAR) {
    req.mutable_details()->set_diagnosis(v1::DIAGNOSIS_BIPOLAR);
    req.mutable_details()->set_icd10("F31.1");
  }
  v1::Patient p;
  grpc::Status s = env.patients->RegisterPatient(TestServer::Ctx(token).get(), req, &p);
  EXPECT_TRUE(s.ok()) << s.error_message();
  if (!registered.empty()) {
    env.db().ExecSuper(absl::StrCat("UPDATE patient SET registered_at = '", registered,
                                    " 08:00+08' WHERE id = '", p.patient_id(), "'"));
  }
  return p.patient_id();
}

void AddCommunity(TestServer& env, const std::string& code, const std::string& name) {
  v1::UpsertRegionRequest up;
  up.set_code(code);
  up.set_name(name);
  v1::Region r;
  grpc::Status s =
      env.regions->UpsertRegion(TestServer::Ctx(env.Login("admin", kAdminPw)).get(), up, &r);
  ASSERT_TRUE(s.ok()) << s.error_message();
}

v1::FollowUp RecordVisit(v1::FollowUpService::Stub& stub, const std::string& token,
                         const std::string& patient, const v1::FollowUpForm& form) {
  v1::RecordFollowUpRequest req;
  req.set_patient_id(patient);
  *req.mutable_form() = form;
  v1::FollowUp out;
  grpc::Status s = stub.RecordFollowUp(TestServer::Ctx(token).get(), req, &out);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return out;
}

// Only a mild (non-serious) adverse drug reaction; every other criterion of 稳定.
v1::FollowUpForm MildAdrOnly(v1::Date date) {
  v1::FollowUpForm f = Form(date, 0);
  f.set_adr(v1::ADVERSE_REACTION_MILD);
  f.set_adr_text("口干");
  return f;
}

const v1::IndicatorValue& Ind(const v1::RegionMetrics& r, const std::string& code) {
  for (const auto& i : r.indicators()) {
    if (i.code() == code) return i;
  }
  ADD_FAILURE() << "no indicator " << code;
  static v1::IndicatorValue none;
  return none;
}

v1::MetricVariant National() {
  v1::MetricVariant v;
  v.set_standardized(v1::STANDARDIZED_RULE_R2);
  v.set_medication(v1::MEDICATION_RULE_ANY_RECORD);
  return v;
}

// ---------------------------------------------------------------------------------------
// A deployment with the option of rules.md §4.1 (b) on.

TEST(RuleOptionDeployment, MildAdverseReactionOptionMakesTheVisitUnstable) {
  TestServer env("it_rule_option_adr", 0, [](runtime::Config& c) {
    c.rule_set = "jiangsu-2018";
    c.rule_options = {"any-adr-unstable=true"};
  });
  auto followups = v1::FollowUpService::NewStub(env.channel());
  auto metrics = v1::MetricsService::NewStub(env.channel());
  const std::string doctor = env.Login("doctor", kDoctorPw);
  AddCommunity(env, "320106001091", "口径选项社区");
  const std::string p = NewPatient(env, doctor, 1, "320106001091", "");
  const absl::CivilDay today = TodayBeijing();
  const v1::FollowUp f = RecordVisit(*followups, doctor, p, MildAdrOnly(D(today)));
  EXPECT_EQ(f.assessment().rule_set(), "jiangsu-2018+any-adr-unstable");
  EXPECT_EQ(f.assessment().computed(), v1::CLASSIFICATION_UNSTABLE);
  EXPECT_EQ(f.assessment().final_class(), v1::CLASSIFICATION_UNSTABLE);
  // rules.md §4.2: 不稳定, so refer now and visit again within 2 weeks.
  EXPECT_THAT(f.assessment().actions(), ::testing::Contains(v1::REQUIRED_ACTION_REFER_NOW));
  EXPECT_EQ(f.assessment().next_due().DebugString(), D(today + 14).DebugString());

  // Stored with its rule set: read back, the assessment still names the option.
  v1::ListFollowUpsRequest lr;
  lr.set_patient_id(p);
  v1::ListFollowUpsResponse listed;
  ASSERT_TRUE(followups->ListFollowUps(TestServer::Ctx(doctor).get(), lr, &listed).ok());
  ASSERT_EQ(listed.followups_size(), 1);
  EXPECT_EQ(listed.followups(0).assessment().rule_set(), "jiangsu-2018+any-adr-unstable");

  // Every metrics answer carries the option, the national variant included.
  v1::GetMetricsRequest req;
  req.set_region("320106001091");
  req.mutable_period()->set_year(static_cast<int>(today.year()));
  req.mutable_period()->set_month(today.month());
  v1::MetricsReport rep;
  ASSERT_TRUE(metrics->GetMetrics(TestServer::Ctx(doctor).get(), req, &rep).ok());
  EXPECT_EQ(rep.rule_set(), "jiangsu-2018+any-adr-unstable");
  EXPECT_EQ(rep.variant().standardized(), v1::STANDARDIZED_RULE_R1);
  EXPECT_EQ(rep.variant().medication(), v1::MEDICATION_RULE_LAST_VISIT);
  *req.mutable_variant() = National();
  ASSERT_TRUE(metrics->GetMetrics(TestServer::Ctx(doctor).get(), req, &rep).ok());
  EXPECT_EQ(rep.rule_set(), "national-2018+any-adr-unstable");
  v1::MetricsExport csv;
  ASSERT_TRUE(metrics->ExportMetrics(TestServer::Ctx(doctor).get(), req, &csv).ok());
  EXPECT_EQ(csv.rule_set(), "national-2018+any-adr-unstable");
  EXPECT_THAT(csv.csv(), HasSubstr(",national-2018+any-adr-unstable\r\n"));
}

// ---------------------------------------------------------------------------------------
// The default deployment (jiangsu-2018).

constexpr int kYear = 2025;         // a past year, built by the suite
constexpr int kUnbuiltYear = 2024;  // a past year nobody builds
constexpr char kVariantCommunity[] = "320106001092";
constexpr char kPastCommunity[] = "320106001093";

class RuleSetDefaultTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env_ = new TestServer("it_rule_set_default", 0);
    followups_ = v1::FollowUpService::NewStub(env_->channel()).release();
    metrics_ = v1::MetricsService::NewStub(env_->channel()).release();
    doctor_ = new std::string(env_->Login("doctor", kDoctorPw));
    AddCommunity(*env_, kVariantCommunity, "口径对照社区");
    AddCommunity(*env_, kPastCommunity, "往年名单社区");
    ASSERT_TRUE(env_->server().BuildMetricsYear(kYear).ok());
  }
  static void TearDownTestSuite() {
    delete followups_;
    delete metrics_;
    delete doctor_;
    delete env_;
  }

  static v1::MetricsReport Get(const std::string& region, const v1::MetricPeriod& period,
                               const v1::MetricVariant& variant = {}) {
    v1::GetMetricsRequest req;
    req.set_region(region);
    *req.mutable_period() = period;
    *req.mutable_variant() = variant;
    v1::MetricsReport rep;
    grpc::Status s = metrics_->GetMetrics(TestServer::Ctx(*doctor_).get(), req, &rep);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return rep;
  }

  static v1::MetricPeriod YearEnd(int year) {
    v1::MetricPeriod p;
    p.set_year(year);
    p.set_month(12);
    return p;
  }

  // Every patient of the missing list of `indicator` (all pages).
  static std::vector<v1::MetricPatient> Missing(const std::string& region,
                                                const v1::MetricPeriod& period,
                                                const std::string& indicator,
                                                const v1::MetricVariant& variant,
                                                v1::ListMetricPatientsResponse* last = nullptr,
                                                grpc::StatusCode* code = nullptr) {
    std::vector<v1::MetricPatient> out;
    v1::ListMetricPatientsRequest req;
    req.set_region(region);
    *req.mutable_period() = period;
    req.set_indicator(indicator);
    req.set_missing(true);
    *req.mutable_variant() = variant;
    req.mutable_page()->set_page_size(2);  // several pages
    for (int pages = 0; pages < 50; ++pages) {
      v1::ListMetricPatientsResponse resp;
      grpc::Status s = metrics_->ListMetricPatients(TestServer::Ctx(*doctor_).get(), req, &resp);
      if (code != nullptr) *code = s.error_code();
      if (!s.ok()) {
        if (code == nullptr) ADD_FAILURE() << indicator << ": " << s.error_message();
        return out;
      }
      for (const auto& p : resp.patients()) out.push_back(p);
      if (last != nullptr) *last = resp;
      if (resp.next_page_token().empty()) break;
      req.mutable_page()->set_page_token(resp.next_page_token());
    }
    return out;
  }

  static TestServer* env_;
  static v1::FollowUpService::Stub* followups_;
  static v1::MetricsService::Stub* metrics_;
  static std::string* doctor_;
};

TestServer* RuleSetDefaultTest::env_ = nullptr;
v1::FollowUpService::Stub* RuleSetDefaultTest::followups_ = nullptr;
v1::MetricsService::Stub* RuleSetDefaultTest::metrics_ = nullptr;
std::string* RuleSetDefaultTest::doctor_ = nullptr;

// rules.md §4.1 (b), the literal rule: a mild ADR alone is compatible with 稳定.
TEST_F(RuleSetDefaultTest, MildAdverseReactionAloneIsStableByDefault) {
  const std::string p = NewPatient(*env_, *doctor_, 10, kVariantCommunity, "");
  const v1::FollowUp f = RecordVisit(*followups_, *doctor_, p, MildAdrOnly(D(TodayBeijing())));
  EXPECT_EQ(f.assessment().rule_set(), "jiangsu-2018");
  EXPECT_EQ(f.assessment().final_class(), v1::CLASSIFICATION_STABLE);
}

// rules.md "Product decisions" 规范管理 and 服药, §11.2 M3: the same patients and period
// give different Jiangsu and national figures, read side by side.
TEST_F(RuleSetDefaultTest, NationalAndJiangsuFiguresSideBySide) {
  struct Plan {
    std::vector<std::pair<int, int>> visits;  // (month, day) in kYear
    bool last_not_taking;                     // the last visit records 不服药
    bool all_not_taking;
  };
  // P1: M3's A, always 规律: R1 ✓ R2 ✓; last ✓ any ✓.
  // P2: M3's B (a 4-month gap), 不服药 at the last visit: R1 ✗ R2 ✓; last ✗ any ✓.
  // P3: M3's E, never on medication: R1 ✗ R2 ✗; last ✗ any ✗.
  const std::vector<Plan> plans = {
      {{{1, 15}, {4, 10}, {7, 8}, {10, 20}}, false, false},
      {{{2, 5}, {5, 6}, {8, 7}, {12, 1}}, true, false},
      {{{2, 1}, {8, 1}}, false, true},
  };
  int seq = 20;
  for (const Plan& plan : plans) {
    const std::string p = NewPatient(*env_, *doctor_, seq++, kVariantCommunity, "2024-06-01");
    for (size_t i = 0; i < plan.visits.size(); ++i) {
      v1::FollowUpForm f = Form(D(kYear, plan.visits[i].first, plan.visits[i].second), 0);
      if (plan.all_not_taking || (plan.last_not_taking && i + 1 == plan.visits.size())) {
        f.set_adherence(v1::ADHERENCE_NOT_TAKING);
      }
      RecordVisit(*followups_, *doctor_, p, f);
    }
  }
  // Registration dates were set behind the server's back: rebuild the kept year once.
  ASSERT_TRUE(env_->server().BuildMetricsYear(kYear).ok());

  // The same question from the kept figures (year end) and recomputed (a mid-month as-of
  // date: Dec 30 gives the same figures here, the last visit being on Dec 1).
  v1::MetricPeriod as_of;
  as_of.set_year(kYear);
  *as_of.mutable_as_of() = D(kYear, 12, 30);
  for (const v1::MetricPeriod& period : {YearEnd(kYear), as_of}) {
    const v1::MetricsReport jiangsu = Get(kVariantCommunity, period);
    const v1::MetricsReport national = Get(kVariantCommunity, period, National());
    const std::string source = jiangsu.source();
    EXPECT_EQ(national.source(), source);
    EXPECT_EQ(jiangsu.rule_set(), "jiangsu-2018") << source;
    EXPECT_EQ(national.rule_set(), "national-2018") << source;
    EXPECT_EQ(national.variant().standardized(), v1::STANDARDIZED_RULE_R2);
    EXPECT_EQ(national.variant().medication(), v1::MEDICATION_RULE_ANY_RECORD);
    // 规范管理率: R1 1/3 (P1), R2 2/3 (P1, P2).
    const auto& std_j = Ind(jiangsu.region(), "standardized_management_rate");
    const auto& std_n = Ind(national.region(), "standardized_management_rate");
    EXPECT_EQ(std_j.denominator(), 3) << source;
    EXPECT_EQ(std_j.numerator(), 1) << source;
    EXPECT_EQ(std_j.numerator_status(), "standard_r1");
    EXPECT_EQ(std_n.numerator(), 2) << source;
    EXPECT_EQ(std_n.numerator_status(), "standard_r2");
    // 服药率: last visit 1/3 (P1), any record 2/3 (P1, P2).
    const auto& med_j = Ind(jiangsu.region(), "medication_rate");
    const auto& med_n = Ind(national.region(), "medication_rate");
    EXPECT_EQ(med_j.numerator(), 1) << source;
    EXPECT_EQ(med_n.numerator(), 2) << source;
    EXPECT_EQ(med_n.numerator_status(), "on_medication_any");
    EXPECT_NE(med_j.value(), med_n.value());
    // 精神分裂症服药率 (all three are F20 and 在管): the same split.
    EXPECT_EQ(Ind(jiangsu.region(), "schizophrenia_medication_rate").numerator(), 1);
    EXPECT_EQ(Ind(national.region(), "schizophrenia_medication_rate").numerator(), 2);
    // Indicators without a variant are the same either way.
    EXPECT_EQ(Ind(jiangsu.region(), "management_rate").DebugString(),
              Ind(national.region(), "management_rate").DebugString());
    // One rule at a time.
    v1::MetricVariant r2_only;
    r2_only.set_standardized(v1::STANDARDIZED_RULE_R2);
    const v1::MetricsReport mixed = Get(kVariantCommunity, period, r2_only);
    EXPECT_EQ(mixed.rule_set(), "jiangsu-2018+standardized=r2");
    EXPECT_EQ(Ind(mixed.region(), "standardized_management_rate").numerator(), 2);
    EXPECT_EQ(Ind(mixed.region(), "medication_rate").numerator(), 1);
  }
  EXPECT_EQ(Get(kVariantCommunity, YearEnd(kYear)).source(), "rollup");
  EXPECT_EQ(Get(kVariantCommunity, as_of).source(), "recomputed");

  // The trend and the patient lists follow the variant too.
  v1::GetMetricTrendRequest tr;
  tr.set_region(kVariantCommunity);
  tr.set_indicator("standardized_management_rate");
  *tr.mutable_period() = YearEnd(kYear);
  *tr.mutable_variant() = National();
  v1::MetricTrend trend;
  ASSERT_TRUE(metrics_->GetMetricTrend(TestServer::Ctx(*doctor_).get(), tr, &trend).ok());
  EXPECT_EQ(trend.rule_set(), "national-2018");
  ASSERT_EQ(trend.points_size(), 12);
  EXPECT_EQ(trend.points(11).value().numerator(), 2);

  v1::ListMetricPatientsResponse resp;
  EXPECT_EQ(
      Missing(kVariantCommunity, YearEnd(kYear), "standardized_management_rate", {}, &resp).size(),
      2u);
  EXPECT_EQ(resp.rule_set(), "jiangsu-2018");
  EXPECT_EQ(resp.source(), "rollup");
  const auto national_missing =
      Missing(kVariantCommunity, YearEnd(kYear), "standardized_management_rate", National(), &resp);
  ASSERT_EQ(national_missing.size(), 1u) << "P3 only";
  EXPECT_EQ(resp.rule_set(), "national-2018");
  EXPECT_THAT(national_missing[0].reason(), HasSubstr("少于4次"));
  const auto med_missing =
      Missing(kVariantCommunity, YearEnd(kYear), "medication_rate", National(), &resp);
  ASSERT_EQ(med_missing.size(), 1u);
  EXPECT_THAT(med_missing[0].reason(), HasSubstr("无规律服药、间断服药或住院记录"));

  // An enum value the server does not know is refused, naming the field.
  v1::GetMetricsRequest bad;
  bad.set_region(kVariantCommunity);
  *bad.mutable_period() = YearEnd(kYear);
  bad.mutable_variant()->set_medication(static_cast<v1::MedicationRule>(9));
  v1::MetricsReport rep;
  grpc::Status s = metrics_->GetMetrics(TestServer::Ctx(*doctor_).get(), bad, &rep);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), ::testing::StartsWith("variant.medication: "));
}

// issue 14 point 6: the list answers for a past year nobody built, recomputed from the
// records, with a reason for every missing patient, F20 indicators included.
TEST_F(RuleSetDefaultTest, PatientListsOfAPastYearWithoutKeptFigures) {
  // Q1 (F20): 规律 in March, 不服药 in September. Q2 (F20): no follow-up in the year.
  // Q3 (bipolar): 规律 twice.
  const std::string q1 = NewPatient(*env_, *doctor_, 40, kPastCommunity, "2023-06-01");
  const std::string q2 = NewPatient(*env_, *doctor_, 41, kPastCommunity, "2023-06-01");
  const std::string q3 =
      NewPatient(*env_, *doctor_, 42, kPastCommunity, "2023-06-01", v1::DIAGNOSIS_BIPOLAR);
  RecordVisit(*followups_, *doctor_, q1, Form(D(kUnbuiltYear, 3, 1), 0));
  v1::FollowUpForm not_taking = Form(D(kUnbuiltYear, 9, 1), 0);
  not_taking.set_adherence(v1::ADHERENCE_NOT_TAKING);
  RecordVisit(*followups_, *doctor_, q1, not_taking);
  RecordVisit(*followups_, *doctor_, q3, Form(D(kUnbuiltYear, 4, 1), 0));
  RecordVisit(*followups_, *doctor_, q3, Form(D(kUnbuiltYear, 10, 1), 0));

  const v1::MetricsReport rep = Get(kPastCommunity, YearEnd(kUnbuiltYear));
  ASSERT_EQ(rep.source(), "recomputed") << "the year has no kept figures";
  EXPECT_EQ(Ind(rep.region(), "management_rate").denominator(), 3);

  // 精神分裂症服药率 (denominator: F20 在管, i.e. Q1): Q1 misses it; the reason names the
  // last visit's 不服药.
  v1::ListMetricPatientsResponse resp;
  const auto f20_med =
      Missing(kPastCommunity, YearEnd(kUnbuiltYear), "schizophrenia_medication_rate", {}, &resp);
  EXPECT_EQ(resp.source(), "recomputed");
  EXPECT_EQ(resp.rule_set(), "jiangsu-2018");
  ASSERT_EQ(f20_med.size(), 1u);
  EXPECT_EQ(f20_med[0].patient_id(), q1);
  EXPECT_THAT(f20_med[0].reason(), HasSubstr("不服药"));
  EXPECT_FALSE(f20_med[0].name().empty());
  // Under the national variant Q1 counts (规律 in March): nobody is missing.
  EXPECT_THAT(
      Missing(kPastCommunity, YearEnd(kUnbuiltYear), "schizophrenia_medication_rate", National()),
      IsEmpty());
  // 精神分裂症治疗率 (denominator: F20 在册): Q1 and Q2, each with a reason.
  const auto f20_treat =
      Missing(kPastCommunity, YearEnd(kUnbuiltYear), "schizophrenia_treatment_rate", {});
  std::set<std::string> ids;
  for (const auto& p : f20_treat) ids.insert(p.patient_id());
  EXPECT_EQ(ids, (std::set<std::string>{q1, q2}));

  // Every indicator with a patient list, under both variants: every missing patient has a
  // reason, and the list has as many patients as the figure's denominator minus numerator.
  int lists = 0;
  for (const v1::MetricVariant& variant : {v1::MetricVariant{}, National()}) {
    const v1::MetricsReport figures = Get(kPastCommunity, YearEnd(kUnbuiltYear), variant);
    for (const auto& ind : figures.region().indicators()) {
      grpc::StatusCode code = grpc::StatusCode::OK;
      const auto missing =
          Missing(kPastCommunity, YearEnd(kUnbuiltYear), ind.code(), variant, nullptr, &code);
      if (code == grpc::StatusCode::INVALID_ARGUMENT) continue;  // no patient list (external)
      ASSERT_EQ(code, grpc::StatusCode::OK) << ind.code();
      ++lists;
      const int64_t denominator = ind.code() == "reported_prevalence"
                                      ? Ind(figures.region(), "management_rate").denominator()
                                      : ind.denominator();
      EXPECT_EQ(static_cast<int64_t>(missing.size()), denominator - ind.numerator()) << ind.code();
      for (const auto& p : missing) {
        EXPECT_THAT(p.reason(), Not(IsEmpty())) << ind.code() << " " << p.patient_id();
      }
    }
  }
  EXPECT_GE(lists, 30);

  // An as-of date inside that year is recomputed too.
  v1::MetricPeriod mid;
  mid.set_year(kUnbuiltYear);
  *mid.mutable_as_of() = D(kUnbuiltYear, 6, 30);
  const auto managed_mid = Missing(kPastCommunity, mid, "management_rate", {});
  ASSERT_EQ(managed_mid.size(), 1u) << "Q2";
  EXPECT_EQ(managed_mid[0].patient_id(), q2);
  EXPECT_THAT(managed_mid[0].reason(), HasSubstr("无有效随访"));
}

}  // namespace
}  // namespace smd::testing
