// Management-rate metrics over gRPC against a real PostgreSQL (issue 5): the rules.md
// §11.2 examples end to end, figures current at commit, the drill-down with reasons, the
// health committee's aggregates-only view, the CSV export, and a randomized check of every
// indicator against a plain recomputation from the raw rows.

#include "domain/metrics.h"

#include <algorithm>
#include <map>
#include <pqxx/pqxx>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "app/metric_use_cases.h"
#include "common/status_macros.h"
#include "crypto/keys.h"
#include "domain/metric_reasons.h"
#include "domain/metric_state.h"
#include "domain/rule_options.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/server.h"
#include "smd/v1/alerts.grpc.pb.h"
#include "smd/v1/followups.grpc.pb.h"
#include "smd/v1/metrics.grpc.pb.h"
#include "store/care_repository.h"
#include "store/db.h"
#include "store/metric_repository.h"
#include "store/scope.h"
#include "store/statements.h"
#include "support/forms.h"
#include "support/test_env.h"

namespace smd::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

constexpr char kCommunity[] = "320106001077";  // this suite's own community
constexpr char kRandomCommunity[] = "320106001078";
constexpr int kYear = 2025;  // a past year, built by the test (the server builds the current)

class MetricsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env_ = new TestServer("it_metrics", 0);
    metrics_ = v1::MetricsService::NewStub(env_->channel()).release();
    followups_ = v1::FollowUpService::NewStub(env_->channel()).release();
    doctor_ = new std::string(env_->Login("doctor", kDoctorPw));
    analyst_ = new std::string(env_->Login("analyst", kAnalystPw));
    police_ = new std::string(env_->Login("police", kPolicePw));
    const std::string admin = env_->Login("admin", kAdminPw);
    for (const auto& [code, name] : std::vector<std::pair<std::string, std::string>>{
             {kCommunity, "指标测试社区"}, {kRandomCommunity, "指标随机社区"}}) {
      v1::UpsertRegionRequest up;
      up.set_code(code);
      up.set_name(name);
      v1::Region r;
      ASSERT_TRUE(env_->regions->UpsertRegion(TestServer::Ctx(admin).get(), up, &r).ok());
    }
    v1::SetPopulationRequest pop;
    pop.set_code(kCommunity);
    pop.set_year(kYear);
    pop.set_residents(20000);
    v1::Region r;
    ASSERT_TRUE(env_->regions->SetPopulation(TestServer::Ctx(admin).get(), pop, &r).ok());
    // The past year is built before its visits are recorded: each visit then updates the
    // figures in its own transaction, the path production takes every day.
    ASSERT_TRUE(env_->server().BuildMetricsYear(kYear).ok());
  }
  static void TearDownTestSuite() {
    delete metrics_;
    delete followups_;
    delete doctor_;
    delete analyst_;
    delete police_;
    delete env_;
  }

  // A patient of `community` registered on 2024-06-01 (the register is older than the
  // system: registration dates are set as an import would set them).
  static std::string NewPatient(int seq, const std::string& community = kCommunity) {
    v1::RegisterPatientRequest req;
    *req.mutable_details() = ValidDetails(SyntheticIdNumber("19700101", seq),
                                          absl::StrCat("指标", seq), community);
    v1::Patient p;
    grpc::Status s = env_->patients->RegisterPatient(TestServer::Ctx(*doctor_).get(), req, &p);
    EXPECT_TRUE(s.ok()) << s.error_message();
    env_->db().ExecSuper(absl::StrCat("UPDATE patient SET registered_at = '2024-06-01 08:00+08' ",
                                      "WHERE id = '", p.patient_id(), "'"));
    return p.patient_id();
  }

  static void Visit(const std::string& patient, v1::FollowUpForm form) {
    v1::RecordFollowUpRequest req;
    req.set_patient_id(patient);
    *req.mutable_form() = std::move(form);
    v1::FollowUp out;
    grpc::Status s = followups_->RecordFollowUp(TestServer::Ctx(*doctor_).get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  // A normal health check of `patient` on `day`, with consent.
  static void HealthCheck(const std::string& patient, absl::CivilDay day) {
    v1::RecordHealthCheckRequest hc;
    hc.set_patient_id(patient);
    *hc.mutable_check_date() = D(day);
    hc.set_consent(true);
    hc.set_consent_by("患者本人");
    hc.set_physical_exam(v1::CHECK_RESULT_NORMAL);
    v1::HealthCheck out;
    grpc::Status s = followups_->RecordHealthCheck(TestServer::Ctx(*doctor_).get(), hc, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  static v1::MetricsReport Get(const std::string& region, int year, int month,
                               const std::string& token = "") {
    v1::GetMetricsRequest req;
    req.set_region(region);
    req.mutable_period()->set_year(year);
    req.mutable_period()->set_month(month);
    v1::MetricsReport rep;
    grpc::Status s =
        metrics_->GetMetrics(TestServer::Ctx(token.empty() ? *doctor_ : token).get(), req, &rep);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return rep;
  }

  // The plain recomputation's input: the raw rows of every patient of `community`, read as
  // the superuser (no row-level scope, no kept figures).
  static std::map<std::string, domain::PatientPeriodInput> PlainInputs(
      const std::string& community) {
    std::map<std::string, domain::PatientPeriodInput> inputs;
    {
      pqxx::connection c(env_->db().SuperDsn());
      pqxx::nontransaction n(c);
      for (const auto& r : n.exec(absl::StrCat(
               "SELECT id::text, diagnosis, status, closed_date::text, "
               "((registered_at AT TIME ZONE 'UTC') + interval '8 hours')::date::text, "
               "community_rehab FROM patient WHERE jurisdiction = '", community, "'"))) {
        domain::PatientPeriodInput in;
        in.diagnosis = static_cast<domain::DiagnosisCategory>(r[1].as<int>());
        absl::ParseCivilTime(r[4].as<std::string>(), &in.registered_on);
        if (!r[3].is_null() && r[2].as<int>() == 4) {
          absl::CivilDay d;
          absl::ParseCivilTime(r[3].as<std::string>(), &d);
          in.died_on = d;
        }
        EXPECT_FALSE(r[5].as<bool>()) << "the random patients have no rehab flag";
        inputs[r[0].as<std::string>()] = in;
      }
      for (const auto& r : n.exec(
               "SELECT patient_id::text, visit_date::text, mode, lost_reason, reports_death, "
               "risk_level, final_class, adherence, hospitalization, trouble, accident, "
               "minor_trouble FROM followup WHERE current ORDER BY patient_id, visit_date, "
               "recorded_at")) {
        auto it = inputs.find(r[0].as<std::string>());
        if (it == inputs.end()) continue;
        domain::VisitFact v;
        absl::ParseCivilTime(r[1].as<std::string>(), &v.date);
        v.mode = static_cast<domain::VisitMode>(r[2].as<int>());
        v.lost_reason = static_cast<domain::LostReason>(r[3].as<int>());
        v.reports_death = r[4].as<bool>();
        v.risk_level = r[5].as<int>();
        v.final_class = static_cast<domain::Classification>(r[6].as<int>());
        v.adherence = static_cast<domain::Adherence>(r[7].as<int>());
        v.hospitalization = static_cast<domain::Hospitalization>(r[8].as<int>());
        v.trouble = r[9].as<int>();
        v.accident = r[10].as<int>();
        v.minor_trouble = r[11].as<int>();
        it->second.visits.push_back(v);
      }
      for (const auto& r :
           n.exec("SELECT patient_id::text, check_date::text FROM health_check ORDER BY 1, 2")) {
        auto it = inputs.find(r[0].as<std::string>());
        if (it == inputs.end()) continue;
        absl::CivilDay d;
        absl::ParseCivilTime(r[1].as<std::string>(), &d);
        it->second.health_checks.push_back(d);
      }
    }
    return inputs;
  }

  // Every indicator of `served` (the region's row) equals the plain recomputation of
  // `inputs` at `cutoff`.
  static void ExpectPlain(const std::map<std::string, domain::PatientPeriodInput>& inputs,
                          absl::CivilDay cutoff, const v1::MetricsReport& served,
                          const std::string& label,
                          const domain::RuleSet& rules = domain::DefaultRuleSet(),
                          std::optional<int64_t> population = std::nullopt) {
    const domain::ReportingPeriod period = domain::PeriodAsOf(cutoff);
    domain::StatusCounts counts;
    for (const auto& [id, in] : inputs) counts.Add(domain::EvaluatePatient(in, period));
    const domain::MetricReport plain =
        domain::ComputeRates(counts, population, period, rules);
    int compared = 0;
    for (const auto& ir : plain.rates) {
      const domain::IndicatorDef* def = domain::FindIndicator(ir.indicator);
      const v1::IndicatorValue& got = Ind(served.region(), std::string(def->code));
      EXPECT_EQ(got.numerator(), ir.rate.numerator) << def->code << " " << label;
      EXPECT_EQ(got.denominator(), ir.rate.denominator) << def->code << " " << label;
      ++compared;
    }
    EXPECT_GE(compared, 15) << label;
  }

  static const v1::IndicatorValue& Ind(const v1::RegionMetrics& r, const std::string& code) {
    for (const auto& i : r.indicators()) {
      if (i.code() == code) return i;
    }
    ADD_FAILURE() << "no indicator " << code;
    static v1::IndicatorValue none;
    return none;
  }

  static const v1::RegionMetrics& Child(const v1::MetricsReport& rep, const std::string& code) {
    for (const auto& c : rep.children()) {
      if (c.region() == code) return c;
    }
    ADD_FAILURE() << "no child " << code;
    return rep.region();
  }

  static TestServer* env_;
  static v1::MetricsService::Stub* metrics_;
  static v1::FollowUpService::Stub* followups_;
  static std::string* doctor_;
  static std::string* analyst_;
  static std::string* police_;
};

TestServer* MetricsTest::env_ = nullptr;
v1::MetricsService::Stub* MetricsTest::metrics_ = nullptr;
v1::FollowUpService::Stub* MetricsTest::followups_ = nullptr;
std::string* MetricsTest::doctor_ = nullptr;
std::string* MetricsTest::analyst_ = nullptr;
std::string* MetricsTest::police_ = nullptr;

// rules.md §11.2 M3 (dates moved from 2024 to 2025), with M1's prevalence on the same
// community: 5 在册 of 20 000 residents.
TEST_F(MetricsTest, RulesExamplesM1AndM3ThroughGrpc) {
  const std::map<std::string, std::vector<std::pair<int, int>>> visits = {
      {"A", {{1, 15}, {4, 10}, {7, 8}, {10, 20}}},
      {"B", {{2, 5}, {5, 6}, {8, 7}, {12, 1}}},
      {"C", {{3, 20}, {6, 18}, {9, 16}, {12, 16}}},
      {"D", {{1, 10}, {3, 10}, {5, 10}, {7, 10}, {9, 10}}},
      {"E", {{2, 1}, {8, 1}}},
  };
  int seq = 1;
  for (const auto& [name, dates] : visits) {
    const std::string p = NewPatient(seq++);
    for (const auto& [m, d] : dates) Visit(p, Form(D(kYear, m, d), 0));
  }

  v1::MetricsReport year = Get("320106001", kYear, 12);
  EXPECT_EQ(year.source(), "rollup");
  EXPECT_EQ(year.rule_set(), "jiangsu-2018");
  const v1::RegionMetrics& c = Child(year, kCommunity);
  const auto& std_rate = Ind(c, "standardized_management_rate");
  EXPECT_EQ(std_rate.numerator(), 2) << "R1: A and C";
  EXPECT_EQ(std_rate.denominator(), 5);
  EXPECT_DOUBLE_EQ(std_rate.value(), 40.0);
  EXPECT_TRUE(std_rate.has_target());
  EXPECT_DOUBLE_EQ(std_rate.target(), 95.0);
  EXPECT_FALSE(std_rate.met());
  EXPECT_EQ(Ind(c, "management_rate").numerator(), 5);
  // M1: 5 / 20 000 = 0.25‰, below the 4.5‰ target.
  const auto& prev = Ind(c, "reported_prevalence");
  EXPECT_TRUE(prev.available());
  EXPECT_DOUBLE_EQ(prev.value(), 0.25);
  EXPECT_EQ(prev.unit(), "‰");
  EXPECT_FALSE(prev.met());
  // The indicators counted outside the patient state are there too: no patient of this
  // community needs a team (risk 0, stable), so coverage is unavailable, not 0% or 100%.
  EXPECT_FALSE(Ind(c, "care_team_coverage").available());
  EXPECT_EQ(Ind(c, "alert_delivery_time").unit(), "min");
  // No population for the street: unavailable, not zero.
  EXPECT_FALSE(Ind(year.region(), "reported_prevalence").available());

  // Cumulative to March: every patient is 规范 so far (M3's last line).
  v1::MetricsReport march = Get(kCommunity, kYear, 3);
  EXPECT_EQ(Ind(march.region(), "standardized_management_rate").numerator(), 5);

  // Rebuilt from the records, the figures are the same as those kept by each write.
  auto build = env_->server().BuildMetricsYear(kYear);
  ASSERT_TRUE(build.ok()) << build.status();
  v1::MetricsReport rebuilt = Get("320106001", kYear, 12);
  EXPECT_EQ(Child(rebuilt, kCommunity).DebugString(), c.DebugString());

  // A mid-month as-of date is recomputed from the records.
  v1::GetMetricsRequest asof;
  asof.set_region(kCommunity);
  asof.mutable_period()->set_year(kYear);
  *asof.mutable_period()->mutable_as_of() = D(kYear, 3, 15);
  v1::MetricsReport rep;
  ASSERT_TRUE(metrics_->GetMetrics(TestServer::Ctx(*doctor_).get(), asof, &rep).ok());
  EXPECT_EQ(rep.source(), "recomputed");
  EXPECT_EQ(Ind(rep.region(), "management_rate").denominator(), 5);
  EXPECT_EQ(rep.period_end().day(), 15);
  // The health committee, which may not read patients, gets the same counts: the
  // recomputation reads the rows under the region's scope, not the caller's.
  v1::MetricsReport theirs_asof;
  ASSERT_TRUE(metrics_->GetMetrics(TestServer::Ctx(*analyst_).get(), asof, &theirs_asof).ok());
  EXPECT_EQ(theirs_asof.region().DebugString(), rep.region().DebugString());

  // Drill-down: the three patients who miss 规范管理, each with the reason.
  v1::ListMetricPatientsRequest lr;
  lr.set_region(kCommunity);
  lr.mutable_period()->set_year(kYear);
  lr.mutable_period()->set_month(12);
  lr.set_indicator("standardized_management_rate");
  lr.set_missing(true);
  v1::ListMetricPatientsResponse lp;
  ASSERT_TRUE(metrics_->ListMetricPatients(TestServer::Ctx(*doctor_).get(), lr, &lp).ok());
  ASSERT_EQ(lp.patients_size(), 3);
  for (const auto& p : lp.patients()) {
    EXPECT_THAT(p.name(), StartsWith("指标"));
    EXPECT_FALSE(p.reason().empty()) << p.name();
    std::cout << p.name() << ": " << p.reason() << "\n";
  }
  lr.set_missing(false);
  v1::ListMetricPatientsResponse counted;
  ASSERT_TRUE(metrics_->ListMetricPatients(TestServer::Ctx(*doctor_).get(), lr, &counted).ok());
  EXPECT_EQ(counted.patients_size(), 2) << "A and C";

  // The health committee gets the numbers, never the names.
  v1::MetricsReport theirs = Get(kCommunity, kYear, 12, *analyst_);
  EXPECT_EQ(Ind(theirs.region(), "standardized_management_rate").numerator(), 2);
  v1::ListMetricPatientsResponse none;
  EXPECT_EQ(metrics_->ListMetricPatients(TestServer::Ctx(*analyst_).get(), lr, &none).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(MetricsTest, ANewVisitCountsAtCommit) {
  const auto today = TodayBeijing();
  const int year = static_cast<int>(today.year());
  v1::RegisterPatientRequest req;
  *req.mutable_details() =
      ValidDetails(SyntheticIdNumber("19710101", 50), "指标当年", "320106001079");
  v1::Region r;
  v1::UpsertRegionRequest up;
  up.set_code("320106001079");
  up.set_name("指标当年社区");
  ASSERT_TRUE(env_->regions->UpsertRegion(TestServer::Ctx(env_->Login("admin", kAdminPw)).get(),
                                          up, &r)
                  .ok());
  v1::Patient p;
  ASSERT_TRUE(env_->patients->RegisterPatient(TestServer::Ctx(*doctor_).get(), req, &p).ok());
  v1::MetricsReport before = Get("320106001079", year, today.month());
  EXPECT_EQ(Ind(before.region(), "management_rate").denominator(), 1) << "在册 at once";
  EXPECT_EQ(Ind(before.region(), "management_rate").numerator(), 0);
  Visit(p.patient_id(), Form(D(today), 1));
  v1::MetricsReport after = Get("320106001079", year, today.month());
  EXPECT_EQ(Ind(after.region(), "management_rate").numerator(), 1) << "在管 at the visit's commit";
  EXPECT_EQ(after.source(), "rollup");
}

// GetMetrics keeps the region tree in memory (app/region_tree_cache.h): a rename, a new
// community and a population figure committed by the administrator show in the next
// report, the version bumped in their own transactions (schema 0022).
TEST_F(MetricsTest, ARegionChangeShowsInTheNextReport) {
  const std::string admin = env_->Login("admin", kAdminPw);
  const std::string street = std::string(kCommunity).substr(0, 9);
  const v1::MetricsReport before = Get(street, kYear, 12, *analyst_);
  EXPECT_EQ(Child(before, kCommunity).name(), "指标测试社区");
  v1::Region r;
  v1::UpsertRegionRequest up;
  up.set_code(kCommunity);
  up.set_name("指标测试社区（改名）");
  ASSERT_TRUE(env_->regions->UpsertRegion(TestServer::Ctx(admin).get(), up, &r).ok());
  up.set_code("320106001088");
  up.set_name("指标新社区");
  ASSERT_TRUE(env_->regions->UpsertRegion(TestServer::Ctx(admin).get(), up, &r).ok());
  v1::SetPopulationRequest pop;
  pop.set_code("320106001088");
  pop.set_year(kYear);
  pop.set_residents(12345);
  ASSERT_TRUE(env_->regions->SetPopulation(TestServer::Ctx(admin).get(), pop, &r).ok());
  const v1::MetricsReport after = Get(street, kYear, 12, *analyst_);
  EXPECT_EQ(Child(after, kCommunity).name(), "指标测试社区（改名）");
  EXPECT_EQ(Child(after, "320106001088").name(), "指标新社区");
  EXPECT_EQ(Child(after, "320106001088").resident_population(), 12345);
  EXPECT_EQ(after.children_size(), before.children_size() + 1);
  // Back to the suite's name for the other tests.
  up.set_code(kCommunity);
  up.set_name("指标测试社区");
  ASSERT_TRUE(env_->regions->UpsertRegion(TestServer::Ctx(admin).get(), up, &r).ok());
  EXPECT_EQ(Child(Get(street, kYear, 12, *analyst_), kCommunity).name(), "指标测试社区");
}

// 关爱帮扶小组 coverage counts patients who need a team (risk >= 3 or 不稳定) and whether
// their team is complete; the health committee gets the counts without seeing patients.
TEST_F(MetricsTest, CareTeamCoverageCountsCompleteTeams) {
  v1::UpsertRegionRequest up;
  up.set_code("320106001080");
  up.set_name("指标小组社区");
  v1::Region region;
  ASSERT_TRUE(env_->regions->UpsertRegion(TestServer::Ctx(env_->Login("admin", kAdminPw)).get(),
                                          up, &region)
                  .ok());
  auto teams = v1::CareTeamService::NewStub(env_->channel());
  std::vector<std::string> patients;
  for (int i = 0; i < 2; ++i) {
    v1::RegisterPatientRequest req;
    *req.mutable_details() = ValidDetails(SyntheticIdNumber("19720101", 60 + i),
                                          absl::StrCat("指标小组", i), "320106001080");
    v1::Patient p;
    ASSERT_TRUE(env_->patients->RegisterPatient(TestServer::Ctx(*doctor_).get(), req, &p).ok());
    Visit(p.patient_id(), Form(D(TodayBeijing()), 3));  // risk 3: needs a team
    patients.push_back(p.patient_id());
  }
  // The demo grid worker covers another community, so this community gets its own; the
  // first patient then gets a complete team (doctor, police officer, grid worker).
  const std::string admin = env_->Login("admin", kAdminPw);
  v1::CreateUserRequest cu;
  cu.set_username("grid080");
  cu.set_display_name("网格员080");
  cu.set_password("Grid-080-2026x");
  cu.set_role(v1::ROLE_GRID_WORKER);
  cu.set_jurisdiction("320106001080");
  v1::User grid;
  ASSERT_TRUE(env_->admin->CreateUser(TestServer::Ctx(admin).get(), cu, &grid).ok());
  auto ids = [&](const std::string& name) {
    return env_->db().QueryValue("SELECT id FROM app_user WHERE username = '" + name + "'");
  };
  const auto today = TodayBeijing();
  auto coverage = [&]() {
    v1::MetricsReport rep = Get("320106001080", static_cast<int>(today.year()), today.month(),
                                *analyst_);
    return Ind(rep.region(), "care_team_coverage");
  };
  EXPECT_EQ(coverage().denominator(), 2);
  EXPECT_EQ(coverage().numerator(), 0);
  std::vector<std::string> members;
  for (auto [role, user] : std::vector<std::pair<v1::TeamRole, std::string>>{
           {v1::TEAM_ROLE_DOCTOR, ids("doctor")},
           {v1::TEAM_ROLE_POLICE, ids("police")},
           {v1::TEAM_ROLE_GRID_WORKER, grid.user_id()}}) {
    v1::AddMemberRequest add;
    add.set_patient_id(patients[0]);
    add.set_team_role(role);
    add.set_user_id(user);
    v1::TeamMember m;
    grpc::Status s = teams->AddMember(TestServer::Ctx(*doctor_).get(), add, &m);
    ASSERT_TRUE(s.ok()) << s.error_message();
    members.push_back(m.member_id());
  }
  EXPECT_EQ(coverage().numerator(), 1);
  EXPECT_DOUBLE_EQ(coverage().value(), 50.0);

  // The counts are kept by triggers (migration 0008), so every change shows at once: a
  // disabled grid worker leaves the team incomplete, enabling them completes it again, an
  // ended membership leaves it incomplete.
  v1::User u;
  v1::DisableUserRequest dis;
  dis.set_user_id(grid.user_id());
  ASSERT_TRUE(env_->admin->DisableUser(TestServer::Ctx(admin).get(), dis, &u).ok());
  EXPECT_EQ(coverage().numerator(), 0);
  v1::EnableUserRequest en;
  en.set_user_id(grid.user_id());
  ASSERT_TRUE(env_->admin->EnableUser(TestServer::Ctx(admin).get(), en, &u).ok());
  EXPECT_EQ(coverage().numerator(), 1);
  v1::EndMemberRequest end;
  end.set_member_id(members[1]);  // the police officer
  end.set_reason("调岗");
  v1::TeamMember ended;
  grpc::Status s = teams->EndMember(TestServer::Ctx(*doctor_).get(), end, &ended);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(coverage().numerator(), 0);
  EXPECT_EQ(coverage().denominator(), 2);

  // The kept counts equal a recount from the register, community by community.
  const std::string recount =
      "SELECT coalesce(string_agg(community || ':' || needing || '/' || covered, ',' ORDER BY "
      "community), '') FROM (SELECT p.jurisdiction AS community, count(*) AS needing, count(*) "
      "FILTER (WHERE (SELECT count(DISTINCT m.team_role) FROM care_team_member m JOIN app_user "
      "u ON u.id = m.user_id WHERE m.patient_id = p.id AND m.end_date IS NULL AND NOT "
      "u.disabled AND m.team_role IN (1, 2, 3)) = 3) AS covered FROM patient p WHERE p.status "
      "= 1 AND (p.classification = 1 OR p.risk_level >= 3) GROUP BY 1) x";
  const std::string kept =
      "SELECT coalesce(string_agg(community || ':' || needing || '/' || covered, ',' ORDER BY "
      "community), '') FROM team_coverage_count WHERE needing > 0";
  EXPECT_EQ(env_->db().QueryValue(kept), env_->db().QueryValue(recount));
}

TEST_F(MetricsTest, ExportIsUtf8CsvWithBomAndChineseHeaders) {
  v1::GetMetricsRequest req;
  req.set_region("320106001");
  req.mutable_period()->set_year(kYear);
  req.mutable_period()->set_month(12);
  v1::MetricsExport out;
  ASSERT_TRUE(metrics_->ExportMetrics(TestServer::Ctx(*analyst_).get(), req, &out).ok());
  EXPECT_THAT(out.csv(), StartsWith("\xEF\xBB\xBF地区代码,地区名称,指标代码,指标"));
  EXPECT_THAT(out.csv(), HasSubstr("规范管理率"));
  EXPECT_THAT(out.filename(), HasSubstr("320106001"));
}

// A city's health committee (regions above the district, migration 0006) reads its
// districts' figures; the district's own figures are the sum of its streets'.
TEST_F(MetricsTest, ACityHealthCommitteeSeesItsDistricts) {
  env_->db().ExecSuper(
      "INSERT INTO region (code, name, level, parent_code, updated_at) "
      "VALUES ('3201', '南京市', 5, NULL, now()) ON CONFLICT DO NOTHING");
  env_->db().ExecSuper("UPDATE app_user SET jurisdiction = '3201' WHERE username = 'analyst'");
  v1::MetricsReport city = Get("3201", kYear, 12, *analyst_);
  ASSERT_EQ(city.children_size(), 1);
  EXPECT_EQ(city.children(0).region(), "320106");
  v1::MetricsReport district = Get("320106", kYear, 12, *analyst_);
  int64_t streets = 0;
  for (const auto& c : district.children()) streets += Ind(c, "management_rate").denominator();
  EXPECT_EQ(Ind(city.region(), "management_rate").denominator(), streets);
  EXPECT_EQ(Ind(city.children(0), "management_rate").denominator(), streets);
  EXPECT_GT(streets, 0);
  // Beyond the city: refused.
  v1::GetMetricsRequest req;
  req.set_region("32");
  req.mutable_period()->set_year(kYear);
  v1::MetricsReport rep;
  EXPECT_EQ(metrics_->GetMetrics(TestServer::Ctx(*analyst_).get(), req, &rep).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(MetricsTest, RefusesBadPeriodsRegionsAndRoles) {
  v1::GetMetricsRequest req;
  req.set_region("320106001");
  req.mutable_period()->set_year(1999);
  v1::MetricsReport rep;
  grpc::Status s = metrics_->GetMetrics(TestServer::Ctx(*doctor_).get(), req, &rep);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("period.year"));
  req.mutable_period()->set_year(kYear);
  req.mutable_period()->set_month(13);
  s = metrics_->GetMetrics(TestServer::Ctx(*doctor_).get(), req, &rep);
  EXPECT_THAT(s.error_message(), HasSubstr("period.month"));
  req.mutable_period()->set_month(12);
  req.set_region("320106002");  // another street
  EXPECT_EQ(metrics_->GetMetrics(TestServer::Ctx(*doctor_).get(), req, &rep).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  req.set_region("320106001");
  EXPECT_EQ(metrics_->GetMetrics(TestServer::Ctx(*police_).get(), req, &rep).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

// Random patients, visits, health checks and deaths; every indicator of every month of the
// year, as served, equals a plain recomputation from the raw rows read here.
TEST_F(MetricsTest, EveryIndicatorEqualsAPlainRecomputationOfRandomData) {
  std::mt19937 rng(20251123);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  std::vector<std::string> ids;
  for (int i = 0; i < 30; ++i) {
    ids.push_back(NewPatient(100 + i, kRandomCommunity));
  }
  // Registration dates were set behind the server's back (as an import would set them):
  // rebuild the year once, then let every visit, check and death below update it.
  ASSERT_TRUE(env_->server().BuildMetricsYear(kYear).ok());
  // Visits and checks of the year before (the patients are registered on 2024-06-01) from a
  // generator of their own, so the draws below are those of the data this test always had.
  // A recomputation reads only the records of its period for the figures, but every record
  // for the notes behind a listed patient's reason ("no valid follow-up since ..."): these
  // tell whether the two reads are kept apart (FactsWindow, docs/metrics.md).
  std::mt19937 before_rng(20241201);
  for (const std::string& p : ids) {
    const int n = std::uniform_int_distribution<int>(0, 3)(before_rng);
    std::set<int> days;  // days after 2024-06-01, distinct
    while (static_cast<int>(days.size()) < n) {
      days.insert(std::uniform_int_distribution<int>(0, 210)(before_rng));
    }
    for (int d : days) Visit(p, Form(D(absl::CivilDay(2024, 6, 1) + d), 1));
    if (std::uniform_int_distribution<int>(0, 2)(before_rng) == 0) {
      HealthCheck(
          p, absl::CivilDay(2024, 6, 1) + std::uniform_int_distribution<int>(0, 210)(before_rng));
    }
  }
  for (const std::string& p : ids) {
    std::set<int> days;  // day of year, distinct
    const int n = pick(0, 7);
    while (static_cast<int>(days.size()) < n) days.insert(pick(0, 330));
    for (int doy : days) {
      const absl::CivilDay day = absl::CivilDay(kYear, 1, 1) + doy;
      v1::FollowUpForm f = Form(D(day), pick(0, 2));
      switch (pick(0, 9)) {
        case 0: {  // a failed visit
          v1::FollowUpForm failed;
          *failed.mutable_visit_date() = D(day);
          failed.set_mode(v1::VISIT_MODE_HOME);
          failed.add_subjects(v1::VISIT_SUBJECT_FAMILY);
          failed.set_lost_reason(v1::LOST_REASON_WORKING_AWAY);
          f = failed;
          break;
        }
        case 1:
          f.set_adherence(v1::ADHERENCE_INTERMITTENT);
          break;
        case 2:
          f.set_mode(v1::VISIT_MODE_PHONE);
          break;
        case 3:
          f.set_mode(v1::VISIT_MODE_CLINIC);
          break;
        default:
          break;
      }
      Visit(p, f);
    }
    if (pick(0, 3) == 0) HealthCheck(p, absl::CivilDay(kYear, 1, 1) + pick(0, 300));
    if (pick(0, 9) == 0) {
      v1::GetPatientRequest g;
      g.set_patient_id(p);
      v1::Patient cur;
      ASSERT_TRUE(env_->patients->GetPatient(TestServer::Ctx(*doctor_).get(), g, &cur).ok());
      v1::ClosePatientRequest close;
      close.set_patient_id(p);
      close.set_version(cur.version());
      close.set_kind(v1::CLOSE_KIND_DEATH);
      // Not before the last visit (a close may not precede the last record; issue 14).
      const int doy = pick(0, 330);
      const int last_visit = days.empty() ? 0 : *days.rbegin();
      *close.mutable_date() = D(absl::CivilDay(kYear, 1, 1) + std::max(doy, last_visit));
      close.set_death_cause(1);
      v1::Patient closed;
      grpc::Status s = env_->patients->ClosePatient(TestServer::Ctx(*doctor_).get(), close, &closed);
      ASSERT_TRUE(s.ok()) << s.error_message();
    }
  }

  // As of today (schema 0009): the kept day is rebuilt, since registration dates were set
  // behind the server's back; then a new patient's visit today is kept by the write.
  const std::string fresh = NewPatient(199, kRandomCommunity);
  ids.push_back(fresh);
  ASSERT_TRUE(env_->server().BuildMetricsToday().ok());
  Visit(fresh, Form(D(TodayBeijing()), 1));

  // The plain recomputation: raw rows read as the superuser, each patient evaluated at each
  // month end with the domain rules (unit-tested against rules.md on their own).
  const std::map<std::string, domain::PatientPeriodInput> inputs = PlainInputs(kRandomCommunity);
  ASSERT_EQ(inputs.size(), ids.size());

  // Every month end, from the kept year, under every metric variant.
  for (int month = 1; month <= 12; ++month) {
    const absl::CivilDay cutoff = absl::CivilDay(absl::CivilMonth(kYear, month) + 1) - 1;
    for (int standardized = 0; standardized <= 2; ++standardized) {
      for (int medication = 0; medication <= 2; ++medication) {
        v1::GetMetricsRequest req;
        req.set_region(kRandomCommunity);
        req.mutable_period()->set_year(kYear);
        req.mutable_period()->set_month(month);
        req.mutable_variant()->set_standardized(static_cast<v1::StandardizedRule>(standardized));
        req.mutable_variant()->set_medication(static_cast<v1::MedicationRule>(medication));
        v1::MetricsReport served;
        ASSERT_TRUE(metrics_->GetMetrics(TestServer::Ctx(*doctor_).get(), req, &served).ok());
        ASSERT_EQ(served.source(), "rollup");
        domain::MetricRuleChoice choice;
        if (standardized) choice.standardized_r2 = standardized == 2;
        if (medication) choice.medication_any_record = medication == 2;
        ExpectPlain(inputs, cutoff, served,
                    absl::StrCat("month ", month, " variant ", standardized, "/", medication),
                    domain::WithMetricChoice(domain::DefaultRuleSet(), choice));
      }
    }
  }
  // Arbitrary dates (not a month end, not today): recomputed, the same figures. Four of
  // the kept year, then two of the year before (nothing kept: its records only).
  std::vector<absl::CivilDay> arbitrary;
  for (int k = 0; k < 4; ++k) arbitrary.push_back(absl::CivilDay(kYear, 1, 1) + pick(0, 363));
  arbitrary.push_back(absl::CivilDay(2024, 9, 17));
  arbitrary.push_back(absl::CivilDay(2024, 12, 30));
  // Read by ids and by id range (store::metric_repo::ForEachFacts picks the range for a
  // region holding most of the register): the same figures either way.
  for (const bool dense : {false, true}) {
    SCOPED_TRACE(dense ? "facts read by id range" : "facts read by ids");
    store::metric_repo::SetDenseFactsReadsForTest(dense);
    for (const absl::CivilDay day : arbitrary) {
      v1::GetMetricsRequest req;
      req.set_region(kRandomCommunity);
      req.mutable_period()->set_year(static_cast<int>(day.year()));
      *req.mutable_period()->mutable_as_of() = D(day);
      v1::MetricsReport served;
      ASSERT_TRUE(metrics_->GetMetrics(TestServer::Ctx(*doctor_).get(), req, &served).ok());
      EXPECT_EQ(served.source(), "recomputed");
      ExpectPlain(inputs, day, served, absl::StrCat("as of ", absl::FormatCivilTime(day)));
      // The patient list of the same date, recomputed and paged (pages of 3: the read stops
      // once a page is full and resumes after its last id), is the plain recomputation's.
      for (const bool missing : {true, false}) {
        const domain::IndicatorDef* def = domain::FindIndicatorByCode("management_rate");
        const domain::MetricStatus num = domain::NumeratorStatus(*def, domain::DefaultRuleSet());
        std::set<std::string> want, got;
        std::map<std::string, std::string> want_reasons, got_reasons;
        for (const auto& [id, in] : inputs) {
          const domain::PatientMetrics pm = domain::EvaluatePatient(in, domain::PeriodAsOf(day));
          const domain::MetricStatus den = def->denominator == domain::MetricStatus::kUnspecified
                                               ? domain::MetricStatus::kRegistered
                                               : def->denominator;
          if (pm.Has(den) && pm.Has(num) != missing) {
            want.insert(id);
            if (missing) want_reasons[id] = domain::MissingReason(pm, num);
          }
        }
        v1::ListMetricPatientsRequest lr;
        lr.set_region(kRandomCommunity);
        *lr.mutable_period()->mutable_as_of() = D(day);
        lr.set_indicator("management_rate");
        lr.set_missing(missing);
        lr.mutable_page()->set_page_size(3);
        for (int page = 0; page < 50; ++page) {
          v1::ListMetricPatientsResponse lp;
          ASSERT_TRUE(metrics_->ListMetricPatients(TestServer::Ctx(*doctor_).get(), lr, &lp).ok());
          EXPECT_EQ(lp.source(), "recomputed");
          for (const auto& p : lp.patients()) {
            EXPECT_TRUE(got.insert(p.patient_id()).second) << "listed twice";
            if (missing) {
              EXPECT_FALSE(p.reason().empty());
              got_reasons[p.patient_id()] = p.reason();
            }
          }
          if (lp.next_page_token().empty()) break;
          lr.mutable_page()->set_page_token(lp.next_page_token());
        }
        EXPECT_EQ(got, want) << "list as of " << absl::FormatCivilTime(day)
                             << (missing ? " missing" : " counted");
        // The reasons come from all of each listed patient's records.
        EXPECT_EQ(got_reasons, want_reasons) << "reasons as of " << absl::FormatCivilTime(day);
      }
    }
  }
  store::metric_repo::SetDenseFactsReadsForTest(std::nullopt);

  // As of today: served from the kept day, equal to the plain recomputation.
  const absl::CivilDay today = TodayBeijing();
  {
    v1::GetMetricsRequest req;
    req.set_region(kRandomCommunity);
    req.mutable_period()->set_year(static_cast<int>(today.year()));
    *req.mutable_period()->mutable_as_of() = D(today);
    v1::MetricsReport served;
    ASSERT_TRUE(metrics_->GetMetrics(TestServer::Ctx(*doctor_).get(), req, &served).ok());
    EXPECT_EQ(served.source(), "rollup");
    EXPECT_GE(Ind(served.region(), "management_rate").numerator(), 1) << "today's visit";
    ExpectPlain(inputs, today, served, "as of today");
    // A district's answer reads the street rows of the day, a street's the community rows:
    // they agree.
    const std::string street = std::string(kRandomCommunity).substr(0, 9);
    v1::MetricsReport district, own;
    req.set_region(street.substr(0, 6));
    ASSERT_TRUE(metrics_->GetMetrics(TestServer::Ctx(*analyst_).get(), req, &district).ok());
    req.set_region(street);
    ASSERT_TRUE(metrics_->GetMetrics(TestServer::Ctx(*analyst_).get(), req, &own).ok());
    EXPECT_EQ(district.source(), "rollup");
    for (const auto& iv : own.region().indicators()) {
      const v1::IndicatorValue& in_district = Ind(Child(district, street), iv.code());
      EXPECT_EQ(in_district.numerator(), iv.numerator()) << iv.code();
      EXPECT_EQ(in_district.denominator(), iv.denominator()) << iv.code();
    }
  }
}

// A write that no use case refreshes (a repository call in a bare transaction, as a new
// write path would make) still moves the kept figures: the repository marks the patient
// and the transaction refreshes the marks before it commits (store/metric_repository.h).
TEST_F(MetricsTest, AWriteThroughTheRepositoryAloneStillMovesTheFigures) {
  const std::string p = NewPatient(300);
  // The registration date was set behind the server's back: the year is rebuilt.
  ASSERT_TRUE(env_->server().BuildMetricsYear(kYear).ok());
  const v1::MetricsReport before = Get(kCommunity, kYear, 12);
  ASSERT_EQ(before.source(), "rollup");

  auto keys = crypto::LoadKeyFile(env_->config().key_file);
  ASSERT_TRUE(keys.ok()) << keys.status();
  store::DatabaseOptions o;
  o.dsn = env_->db().AppDsn();
  o.pool_size = 1;
  auto db = store::Database::Open(o);
  ASSERT_TRUE(db.ok()) << db.status();
  store::CareRepository care(*keys);
  domain::HealthCheckRecord h;
  h.id = "0b0e5c1e-0000-4000-8000-000000000300";
  h.patient_id = p;
  h.check_date = absl::CivilDay(kYear, 5, 1);
  h.consent = true;
  h.consent_by = "患者本人";
  h.recorded_by = env_->db().QueryValue("SELECT id::text FROM app_user WHERE username = 'doctor'");
  absl::Status s = (*db)->InTransaction([&](store::Tx& tx) -> absl::Status {
    RETURN_IF_ERROR(store::SetScope(tx, kCommunity));
    return care.InsertHealthCheck(tx, h, absl::FromCivil(absl::CivilSecond(kYear, 5, 1, 10, 0, 0),
                                                         absl::UTCTimeZone()));
  });
  ASSERT_TRUE(s.ok()) << s;

  const v1::MetricsReport after = Get(kCommunity, kYear, 12);
  EXPECT_EQ(after.source(), "rollup");
  EXPECT_EQ(Ind(after.region(), "health_check_rate").numerator(),
            Ind(before.region(), "health_check_rate").numerator() + 1);
  for (int month = 5; month <= 12; ++month) {
    const absl::CivilDay cutoff = absl::CivilDay(absl::CivilMonth(kYear, month) + 1) - 1;
    ExpectPlain(PlainInputs(kCommunity), cutoff, Get(kCommunity, kYear, month),
                absl::StrCat("month ", month), domain::DefaultRuleSet(), 20000);
  }
}

// A year is built district by district while the server serves: writes go on between the
// districts (to a district not built yet and to one already built), a read of the year
// meanwhile is recomputed and says so, and the figures the build leaves equal a plain
// recomputation of everything written.
TEST_F(MetricsTest, WritesDuringABuildAreInTheFiguresItLeaves) {
  constexpr char kBuildCommunity[] = "320106001079";
  {
    const std::string admin = env_->Login("admin", kAdminPw);
    v1::UpsertRegionRequest up;
    up.set_code(kBuildCommunity);
    up.set_name("指标构建社区");
    v1::Region r;
    ASSERT_TRUE(env_->regions->UpsertRegion(TestServer::Ctx(admin).get(), up, &r).ok());
  }
  // Two more districts, so that the build has one before and one after the patients'.
  env_->db().ExecSuper(
      "INSERT INTO region (code, name, level, updated_at) VALUES "
      "('320105', '构建测试甲区', 1, now()), ('320107', '构建测试乙区', 1, now()) "
      "ON CONFLICT DO NOTHING");
  std::vector<std::string> ids;
  for (int i = 0; i < 8; ++i) ids.push_back(NewPatient(400 + i, kBuildCommunity));
  for (size_t i = 0; i < ids.size(); i += 2) Visit(ids[i], Form(D(kYear, 2, 10), 0));

  std::vector<std::string> districts;
  int writes = 0;
  env_->server().MetricsForTest().SetAfterDistrictForTest([&](const std::string& district) {
    districts.push_back(district);
    if (district == "320105") {
      // 320106 is not built yet: its patients' writes still keep their state.
      for (size_t i = 0; i < ids.size(); ++i) Visit(ids[i], Form(D(kYear, 4, 3 + i), 0));
      writes += static_cast<int>(ids.size());
      v1::GetMetricsRequest req;
      req.set_region(kBuildCommunity);
      req.mutable_period()->set_year(kYear);
      req.mutable_period()->set_month(6);
      v1::MetricsReport rep;
      ASSERT_TRUE(metrics_->GetMetrics(TestServer::Ctx(*doctor_).get(), req, &rep).ok());
      EXPECT_EQ(rep.source(), "recomputed");
      EXPECT_TRUE(rep.figures_building());
    } else if (district == "320106") {
      // Built: writes move its rollups as on any day.
      for (size_t i = 1; i < ids.size(); i += 2) Visit(ids[i], Form(D(kYear, 9, 20 + i), 1));
      HealthCheck(ids[0], absl::CivilDay(kYear, 8, 8));
      writes += static_cast<int>(ids.size() / 2) + 1;
    }
  });
  auto built = env_->server().BuildMetricsYear(kYear);
  env_->server().MetricsForTest().SetAfterDistrictForTest(nullptr);
  ASSERT_TRUE(built.ok()) << built.status();
  EXPECT_THAT(districts, ::testing::IsSupersetOf({"320105", "320106", "320107"}));
  EXPECT_EQ(writes, 13);

  const auto inputs = PlainInputs(kBuildCommunity);
  for (int month = 1; month <= 12; ++month) {
    const v1::MetricsReport served = Get(kBuildCommunity, kYear, month);
    EXPECT_EQ(served.source(), "rollup");
    EXPECT_FALSE(served.figures_building());
    ExpectPlain(inputs, absl::CivilDay(absl::CivilMonth(kYear, month) + 1) - 1, served,
                absl::StrCat("month ", month));
  }
}

// A recomputed date reads a region's health checks and register rows index-only (schema
// 0031; docs/metrics.md "Recomputed dates"): the facts statements, planned generically as
// the server's prepared statements are after their first runs and under the server role's
// row-level policies, are served by the covering indexes, not by the wide heap rows.
TEST_F(MetricsTest, TheFactsReadChecksAndRegisterRowsFromCoveringIndexes) {
  const std::string p = NewPatient(500);
  HealthCheck(p, absl::CivilDay(kYear, 3, 1));
  // All-visible pages, as autovacuum leaves an insert-mostly table: the planner costs an
  // index-only scan by the share of such pages.
  env_->db().ExecSuper("VACUUM (ANALYZE) patient, health_check");
  const std::map<std::string, std::string> expected = {
      {"metric.facts_checks", "Index Only Scan using health_check_patient_facts"},
      {"metric.facts_patients", "Index Only Scan using patient_facts"},
  };
  for (const auto& [name, scan] : expected) {
    std::string sql;
    for (const store::Statement& st : store::AllStatements()) {
      if (std::string(st.name) == name) sql = st.sql;
    }
    ASSERT_FALSE(sql.empty()) << name;
    pqxx::connection c(env_->db().AppDsn());
    pqxx::work w(c);
    w.exec("SET LOCAL plan_cache_mode = force_generic_plan");
    w.exec("SET LOCAL enable_seqscan = off");
    w.exec("SET LOCAL enable_bitmapscan = off");
    w.exec("SELECT set_config('smd.scope', '320106', true)");
    w.exec("PREPARE facts AS " + sql);
    const std::string args = name == "metric.facts_checks"
                                 ? absl::StrCat("('{", p, "}', '2025-01-01', '2025-12-31')")
                                 : absl::StrCat("('{", p, "}', '320106')");
    std::string plan;
    for (const auto& r : w.exec("EXPLAIN EXECUTE facts" + args)) {
      plan += r[0].as<std::string>() + "\n";
    }
    EXPECT_THAT(plan, HasSubstr(scan)) << name << "\n" << plan;
  }
}

// The refresh after a write runs its reads on generic plans (store/metric_upkeep.cc), which
// stay with the connection whatever scope comes next. Each must then be served by the
// patient key: a plan led by the policy's range of codes (an index `..._by_jurisdiction`)
// reads every row of the scope (metric.states, before its guard: an import batch took
// 84 ms against 1 on a table without statistics, the state of a new database). The
// settings are the refresh's own: its first statement, metric.lock_patients_shared, runs
// before the reads. Sequential scans are off as on tables of a real size.
TEST_F(MetricsTest, TheRefreshReadsByThePatientKeyOnGenericPlans) {
  const std::string p = NewPatient(501);
  // Rows in the clinical tables, so that the tables have pages and statistics as in the
  // full suite (where a plan through the jurisdiction indexes was first seen).
  Visit(p, Form(D(absl::CivilDay(kYear, 2, 1)), 0));
  HealthCheck(p, absl::CivilDay(kYear, 3, 1));
  env_->db().ExecSuper("ANALYZE followup, health_check, metric_state");
  auto sql_of = [](const std::string& name) {
    for (const store::Statement& st : store::AllStatements()) {
      if (std::string(st.name) == name) return std::string(st.sql);
    }
    return std::string();
  };
  const std::string ids = absl::StrCat("'{", p, "}'");
  const std::string window = absl::StrCat(ids, ", '", kYear, "-01-01', '", kYear, "-12-31'");
  const std::map<std::string, std::string> reads = {
      {"metric.states", absl::StrCat(ids, ", '{", kYear, "}'")},
      {"metric.facts_patients", absl::StrCat(ids, ", ''")},
      {"metric.facts_visits", window},
      {"metric.facts_checks", window},
      {"metric.facts_rehab", window},
      {"metric.facts_psych", window},
      {"metric.facts_moves", ids},
  };
  for (const auto& [name, args] : reads) {
    const std::string sql = sql_of(name);
    ASSERT_FALSE(sql.empty()) << name;
    for (const char* scope : {"320106", "320106001001"}) {
      pqxx::connection c(env_->db().AppDsn());
      pqxx::work w(c);
      w.exec("SET LOCAL enable_seqscan = off");
      w.exec(absl::StrCat("SELECT set_config('smd.scope', '", scope, "', true)"));
      w.exec("PREPARE refresh_lock AS " + sql_of("metric.lock_patients_shared"));
      w.exec(absl::StrCat("EXECUTE refresh_lock(1936548966, ", ids, ")"));
      w.exec("PREPARE refresh_read AS " + sql);
      std::string plan;
      for (const auto& r : w.exec("EXPLAIN EXECUTE refresh_read(" + args + ")")) {
        plan += r[0].as<std::string>() + "\n";
      }
      EXPECT_THAT(plan, Not(HasSubstr("by_jurisdiction"))) << name << " " << scope << "\n"
                                                           << plan;
      EXPECT_THAT(plan, Not(HasSubstr("by_transfer_to"))) << name << " " << scope << "\n"
                                                          << plan;
      if (name == "metric.states") {
        EXPECT_THAT(plan, HasSubstr("metric_state_pkey")) << scope << "\n" << plan;
      }
    }
  }
}

}  // namespace
}  // namespace smd::testing
