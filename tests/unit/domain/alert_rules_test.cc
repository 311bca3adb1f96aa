#include "domain/alert_rules.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace smd::domain {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

FollowUpForm Visit(int risk) {
  FollowUpForm f;
  f.visit_date = absl::CivilDay(2024, 3, 1);
  f.risk_level = risk;
  return f;
}

Assessment Class(Classification c) {
  Assessment a;
  a.final_class = c;
  return a;
}

TEST(AlertRules, RiskThreeOrMoreIsAnAlertOneAlertPerVisit) {
  EXPECT_FALSE(AlertForFollowUp(Visit(2), Class(Classification::kBasicallyStable),
                                Classification::kStable));
  auto a = AlertForFollowUp(Visit(3), Class(Classification::kUnstable), Classification::kStable);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->severity, kSeverityHigh);
  EXPECT_THAT(a->cause, HasSubstr("危险性评估3级"));
  EXPECT_THAT(a->cause, HasSubstr("不稳定"));
  FollowUpForm f = Visit(4);
  f.behaviour.trouble = 1;
  a = AlertForFollowUp(f, Class(Classification::kUnstable), Classification::kStable);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->kind, AlertKind::kHighRisk);
  EXPECT_EQ(a->severity, kSeverityCritical);
  EXPECT_THAT(a->cause, HasSubstr("肇事"));
  EXPECT_EQ(a->risk_level, 4);
}

TEST(AlertRules, IncidentsMissingAndTurningUnstable) {
  FollowUpForm f = Visit(1);
  f.behaviour.accident = 1;
  auto a = AlertForFollowUp(f, Class(Classification::kBasicallyStable), Classification::kStable);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->kind, AlertKind::kIncident);
  EXPECT_EQ(a->severity, kSeverityCritical);
  // Turning unstable without risk >= 3 (e.g. insight lacking).
  a = AlertForFollowUp(Visit(0), Class(Classification::kUnstable), Classification::kStable);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->kind, AlertKind::kBecameUnstable);
  // Staying unstable at low risk is not a new alert.
  EXPECT_FALSE(AlertForFollowUp(Visit(0), Class(Classification::kUnstable),
                                Classification::kUnstable));
  FollowUpForm missing = Visit(-1);
  missing.lost_reason = LostReason::kMissing;
  a = AlertForFollowUp(missing, Assessment{}, Classification::kStable);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->kind, AlertKind::kMissing);
  FollowUpForm away = Visit(-1);
  away.lost_reason = LostReason::kWorkingAway;
  EXPECT_FALSE(AlertForFollowUp(away, Assessment{}, Classification::kStable));
}

TEST(AlertRules, CausesCarryNoClinicalDetail) {
  FollowUpForm f = Visit(5);
  MedicationLine clozapine;
  clozapine.drug_code = "clozapine";
  clozapine.morning_mg = 100;
  clozapine.evening_mg = 100;
  f.medications.push_back(clozapine);
  f.symptoms_other = "幻听";
  auto a = AlertForFollowUp(f, Class(Classification::kUnstable), Classification::kStable);
  ASSERT_TRUE(a);
  EXPECT_THAT(a->cause, Not(HasSubstr("clozapine")));
  EXPECT_THAT(a->cause, Not(HasSubstr("幻听")));
}

TEST(AlertRules, ManualOverdueAndEmergency) {
  EXPECT_FALSE(ManualAlert(0, "x", -1).ok());
  EXPECT_FALSE(ManualAlert(3, "", -1).ok());
  EXPECT_EQ(ManualAlert(3, "家属报告患者情绪激动", 2)->kind, AlertKind::kManual);
  EXPECT_EQ(AlertForOverdueUnstable(12, 3).severity, kSeverityWarning);
  Emergency e;
  e.trigger = EmergencyTrigger::kEndangersOthers;
  EXPECT_EQ(AlertForEmergency(e).severity, kSeverityCritical);
}

// Where an escalation goes is alert_routing.h (EscalationTargets, tested there).
TEST(AlertRules, Deadlines) {
  AckDeadlines d;
  EXPECT_EQ(AckDeadline(kSeverityCritical, d), absl::Minutes(30));
  EXPECT_EQ(AckDeadline(kSeverityHigh, d), absl::Hours(2));
  EXPECT_EQ(AckDeadline(kSeverityWarning, d), absl::Hours(24));
  EXPECT_FALSE(AckDeadline(kSeverityNotice, d));
}

}  // namespace
}  // namespace smd::domain
