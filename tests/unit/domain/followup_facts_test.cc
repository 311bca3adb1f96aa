// domain::FormFromFacts: what a visit whose encrypted form cannot be read is listed with.

#include "domain/followup.h"
#include "gtest/gtest.h"

namespace smd::domain {
namespace {

VisitFacts Valid() {
  VisitFacts f;
  f.visit_date = absl::CivilDay(2024, 3, 1);
  f.mode = VisitMode::kHome;
  f.risk_level = 3;
  f.adherence = Adherence::kIntermittent;
  f.hospitalization = Hospitalization::kPreviously;
  f.minor_trouble = 1;
  f.trouble = 2;
  f.accident = 3;
  return f;
}

TEST(FormFromFacts, CopiesTheTypedFactsAndNothingElse) {
  const FollowUpForm f = FormFromFacts(Valid());
  EXPECT_EQ(f.visit_date, absl::CivilDay(2024, 3, 1));
  EXPECT_EQ(f.mode, VisitMode::kHome);
  EXPECT_EQ(f.risk_level, 3);
  EXPECT_EQ(f.adherence, Adherence::kIntermittent);
  EXPECT_EQ(f.hospitalization, Hospitalization::kPreviously);
  EXPECT_EQ(f.behaviour.minor_trouble, 1);
  EXPECT_EQ(f.behaviour.trouble, 2);
  EXPECT_EQ(f.behaviour.accident, 3);
  EXPECT_FALSE(IsFailedVisit(f));
  EXPECT_FALSE(ReportsDeath(f));
  // Not kept in typed columns: left "not filled", never guessed.
  EXPECT_EQ(f.behaviour.other_harm, 0);
  EXPECT_EQ(f.behaviour.self_harm, 0);
  EXPECT_EQ(f.behaviour.attempted_suicide, 0);
  EXPECT_TRUE(f.subjects.empty());
  EXPECT_TRUE(f.medications.empty());
  EXPECT_TRUE(f.guidance.empty());
  EXPECT_TRUE(f.rehab.empty());
  EXPECT_EQ(f.symptom_severity, SymptomSeverity::kUnspecified);
  EXPECT_EQ(f.insight, Insight::kUnspecified);
  EXPECT_EQ(f.recorded_class, Classification::kNone);
  EXPECT_EQ(f.notes, "");
  EXPECT_EQ(f.lost_reason_other, "");
  EXPECT_EQ(f.death_cause, 0);
}

TEST(FormFromFacts, AFailedVisitAlwaysCarriesAReasonAndAValidOneNever) {
  VisitFacts facts = Valid();
  facts.risk_level.reset();
  facts.failed = true;
  facts.lost_reason = LostReason::kThreeFailures;
  EXPECT_EQ(FormFromFacts(facts).lost_reason, LostReason::kThreeFailures);
  EXPECT_TRUE(IsFailedVisit(FormFromFacts(facts)));
  // A failed row without a reason (not written by the server) still reads as failed.
  facts.lost_reason = LostReason::kNone;
  EXPECT_EQ(FormFromFacts(facts).lost_reason, LostReason::kOther);
  // The `failed` column decides: a reason on a valid row is not a failed visit.
  facts.failed = false;
  facts.lost_reason = LostReason::kMissing;
  EXPECT_FALSE(IsFailedVisit(FormFromFacts(facts)));
}

TEST(FormFromFacts, ADeathReportIsKnownFromTheVisitFlagNotTheForm) {
  VisitFacts facts = Valid();
  facts.risk_level.reset();
  FollowUp visit;
  visit.form = FormFromFacts(facts);
  EXPECT_FALSE(visit.form.death_date.has_value());  // the date is in the unreadable part
  EXPECT_FALSE(VisitReportsDeath(visit));
  visit.reports_death = true;  // what the store sets from the typed column
  EXPECT_TRUE(VisitReportsDeath(visit));
}

}  // namespace
}  // namespace smd::domain
