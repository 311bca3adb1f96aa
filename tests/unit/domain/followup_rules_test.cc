#include "domain/followup_rules.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace smd::domain {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Contains;

using A = RequiredAction;
using C = Classification;

const absl::CivilDay kVisit(2024, 3, 1);
const absl::CivilDay kTwoWeeks(2024, 3, 15);
const absl::CivilDay kThreeMonths(2024, 6, 1);

// A fully assessed visit on 2024-03-01 that the engine classifies 稳定 (rules.md §11.1 C01).
FollowUpForm StableVisit() {
  FollowUpForm f;
  f.visit_date = kVisit;
  f.mode = VisitMode::kClinic;
  f.subjects = {1};
  f.risk_level = 0;
  f.symptom_severity = SymptomSeverity::kNone;
  f.insight = Insight::kComplete;
  f.sleep = kGood;
  f.diet = kGood;
  f.social = {kGood, kGood, kNotApplicable, kFair, kGood};
  f.lockup = LockupStatus::kNone;
  f.hospitalization = Hospitalization::kNever;
  f.adherence = Adherence::kRegular;
  f.adr = AdverseReaction::kNone;
  f.physical = PhysicalIllness::kNone;
  return f;
}

FollowUpForm BasicVisit() {
  FollowUpForm f = StableVisit();
  f.risk_level = 1;
  return f;
}

FollowUpForm UnstableVisit() {
  FollowUpForm f = StableVisit();
  f.insight = Insight::kLacking;
  return f;
}

FollowUpForm FailedVisit(LostReason reason) {
  FollowUpForm f;
  f.visit_date = kVisit;
  f.mode = VisitMode::kPhone;
  f.lost_reason = reason;
  return f;
}

Classification Default(const FollowUpForm& f) { return Classify(f, DefaultRuleSet()); }

Assessment AssessDefault(const FollowUpForm& f, const PriorState& prior = {}) {
  return Assess(f, prior, DefaultRuleSet());
}

// The prior state of a patient whose last visit was 基本稳定 and scheduled the 2-week review.
PriorState AtTwoWeekReview() {
  PriorState p;
  p.last_valid_visit = kVisit - 14;
  p.last_class = C::kBasicallyStable;
  p.last_due_was_two_week_review = true;
  return p;
}

RuleSet GuidanceVariant() {
  RuleSet r = DefaultRuleSet();
  r.name = "jiangsu-2018-guidance";
  r.review_not_stable = TwoWeekReviewOutcome::kGuidanceAndOneMonth;
  return r;
}

// ---------------------------------------------------------------------------------------
// Classify (rules.md §4.1).

TEST(ClassifyTest, AllStableCriteriaGiveStable) {
  EXPECT_EQ(Default(StableVisit()), C::kStable);
}

TEST(ClassifyTest, EachUnstableCriterionAloneGivesUnstable) {
  const std::vector<std::pair<std::string, void (*)(FollowUpForm&)>> cases = {
      {"risk 3", [](FollowUpForm& f) { f.risk_level = 3; }},
      {"risk 4", [](FollowUpForm& f) { f.risk_level = 4; }},
      {"risk 5", [](FollowUpForm& f) { f.risk_level = 5; }},
      {"marked symptoms", [](FollowUpForm& f) { f.symptom_severity = SymptomSeverity::kMarked; }},
      {"insight lacking", [](FollowUpForm& f) { f.insight = Insight::kLacking; }},
      {"serious ADR", [](FollowUpForm& f) { f.adr = AdverseReaction::kSerious; }},
      {"serious physical", [](FollowUpForm& f) { f.physical = PhysicalIllness::kSerious; }},
  };
  for (const auto& [name, mutate] : cases) {
    FollowUpForm f = StableVisit();
    mutate(f);
    EXPECT_EQ(Default(f), C::kUnstable) << name;
  }
}

TEST(ClassifyTest, UnstableWinsOverEverythingElse) {
  // Step 1 comes first: a risk-3 visit with residual symptoms and poor social function is
  // 不稳定, not 基本稳定.
  FollowUpForm f = StableVisit();
  f.risk_level = 3;
  f.symptom_severity = SymptomSeverity::kResidual;
  f.social.housework = kPoor;
  f.other_abnormality = true;
  EXPECT_EQ(Default(f), C::kUnstable);
}

TEST(ClassifyTest, EachMissingStableCriterionGivesBasicallyStable) {
  const std::vector<std::pair<std::string, void (*)(FollowUpForm&)>> cases = {
      {"risk 1", [](FollowUpForm& f) { f.risk_level = 1; }},
      {"risk 2", [](FollowUpForm& f) { f.risk_level = 2; }},
      {"residual symptoms",
       [](FollowUpForm& f) { f.symptom_severity = SymptomSeverity::kResidual; }},
      {"partial insight", [](FollowUpForm& f) { f.insight = Insight::kPartial; }},
      {"self care poor", [](FollowUpForm& f) { f.social.self_care = kPoor; }},
      {"housework poor", [](FollowUpForm& f) { f.social.housework = kPoor; }},
      {"work poor", [](FollowUpForm& f) { f.social.work = kPoor; }},
      {"study poor", [](FollowUpForm& f) { f.social.study = kPoor; }},
      {"social poor", [](FollowUpForm& f) { f.social.social = kPoor; }},
      {"physical worsening", [](FollowUpForm& f) { f.physical = PhysicalIllness::kWorsening; }},
      {"other abnormality", [](FollowUpForm& f) { f.other_abnormality = true; }},
  };
  for (const auto& [name, mutate] : cases) {
    FollowUpForm f = StableVisit();
    mutate(f);
    EXPECT_EQ(Default(f), C::kBasicallyStable) << name;
  }
}

TEST(ClassifyTest, CompatibleValuesKeepStable) {
  const std::vector<std::pair<std::string, void (*)(FollowUpForm&)>> cases = {
      {"work not applicable", [](FollowUpForm& f) { f.social.work = kNotApplicable; }},
      {"all social fair",
       [](FollowUpForm& f) { f.social = {kFair, kFair, kFair, kFair, kFair}; }},
      {"physical stable", [](FollowUpForm& f) { f.physical = PhysicalIllness::kStable; }},
      // Decision (b) default: the literal rule, a mild ADR alone is compatible with 稳定.
      {"mild ADR", [](FollowUpForm& f) { f.adr = AdverseReaction::kMild; }},
      // Sleep, diet, adherence, lockup are not classification criteria.
      {"poor sleep and diet",
       [](FollowUpForm& f) {
         f.sleep = kPoor;
         f.diet = kPoor;
       }},
      {"not taking", [](FollowUpForm& f) { f.adherence = Adherence::kNotTaking; }},
      // Severity is the doctor's judgement, never inferred from the checkboxes (§4.1 (d)).
      {"symptom boxes ticked", [](FollowUpForm& f) { f.symptoms = {1, 3}; }},
      // Minor trouble does not change the class (only the risk level does).
      {"behaviour counts", [](FollowUpForm& f) { f.behaviour.minor_trouble = 2; }},
  };
  for (const auto& [name, mutate] : cases) {
    FollowUpForm f = StableVisit();
    mutate(f);
    EXPECT_EQ(Default(f), C::kStable) << name;
  }
}

TEST(ClassifyTest, PartialInsightOption) {
  // Decision (a): with the option, 自知力不全 counts as 基本恢复.
  RuleSet r = DefaultRuleSet();
  r.partial_insight_compatible_with_stable = true;
  FollowUpForm f = StableVisit();
  f.insight = Insight::kPartial;
  EXPECT_EQ(Classify(f, DefaultRuleSet()), C::kBasicallyStable);
  EXPECT_EQ(Classify(f, r), C::kStable);
  // The other criteria still apply.
  f.risk_level = 1;
  EXPECT_EQ(Classify(f, r), C::kBasicallyStable);
  // And 缺失 stays 不稳定.
  f = StableVisit();
  f.insight = Insight::kLacking;
  EXPECT_EQ(Classify(f, r), C::kUnstable);
}

TEST(ClassifyTest, AnyAdrOption) {
  // Decision (b): with the option, any ADR gives 不稳定 (the CHIS reading).
  RuleSet r = DefaultRuleSet();
  r.any_adr_unstable = true;
  FollowUpForm f = StableVisit();
  f.adr = AdverseReaction::kMild;
  EXPECT_EQ(Classify(f, DefaultRuleSet()), C::kStable);
  EXPECT_EQ(Classify(f, r), C::kUnstable);
  f.adr = AdverseReaction::kNone;
  EXPECT_EQ(Classify(f, r), C::kStable);
}

TEST(ClassifyTest, NoAssessmentGivesNone) {
  EXPECT_EQ(Default(FailedVisit(LostReason::kWorkingAway)), C::kNone);
  FollowUpForm death = StableVisit();
  death.death_date = kVisit - 3;
  EXPECT_EQ(Default(death), C::kNone);
  FollowUpForm unassessed = StableVisit();
  unassessed.risk_level.reset();
  EXPECT_EQ(Default(unassessed), C::kNone);
}

TEST(ClassifyTest, IgnoresTheRecordedClass) {
  FollowUpForm f = StableVisit();
  f.recorded_class = C::kUnstable;
  f.override_reason = "家属反映近期情绪波动";
  EXPECT_EQ(Default(f), C::kStable);
}

// ---------------------------------------------------------------------------------------
// rules.md §11.1: the twelve classification examples, all on 2024-03-01.

struct Example {
  std::string id;
  int risk;
  SymptomSeverity sym;
  Insight ins;
  bool social_poor;  // 家务劳动 = 较差
  AdverseReaction adr;
  PhysicalIllness phy;
  int self_harm;
  Classification expected;
  std::vector<RequiredAction> actions;  // in enum order
  absl::CivilDay next;
};

std::vector<Example> Examples() {
  using S = SymptomSeverity;
  using I = Insight;
  using R = AdverseReaction;
  using P = PhysicalIllness;
  const std::vector<A> stable = {A::kHealthEducation, A::kContinueRegimen};
  const std::vector<A> basic = {A::kTwoWeekReview, A::kSpecialistGuidance, A::kAdjustTreatment,
                                A::kHealthEducation};
  const std::vector<A> unstable = {A::kReferNow, A::kAssignCareTeam, A::kHealthEducation};
  const std::vector<A> unstable_risk = {A::kReferNow, A::kNotifyPolice, A::kAssignCareTeam,
                                        A::kHealthEducation};
  const std::vector<A> emergency = {A::kReferNow, A::kNotifyPolice, A::kAssignCareTeam,
                                    A::kEmergencyHandling, A::kHealthEducation};
  return {
      {"C01", 0, S::kNone, I::kComplete, false, R::kNone, P::kNone, 0, C::kStable, stable,
       kThreeMonths},
      {"C02", 1, S::kNone, I::kComplete, false, R::kNone, P::kNone, 0, C::kBasicallyStable, basic,
       kTwoWeeks},
      {"C03", 2, S::kNone, I::kComplete, false, R::kNone, P::kNone, 0, C::kBasicallyStable, basic,
       kTwoWeeks},
      {"C04", 3, S::kNone, I::kComplete, false, R::kNone, P::kNone, 0, C::kUnstable,
       unstable_risk, kTwoWeeks},
      {"C05", 4, S::kResidual, I::kPartial, true, R::kNone, P::kNone, 1, C::kUnstable, emergency,
       kTwoWeeks},
      {"C06", 5, S::kMarked, I::kLacking, true, R::kNone, P::kNone, 0, C::kUnstable, emergency,
       kTwoWeeks},
      {"C07", 0, S::kMarked, I::kPartial, false, R::kNone, P::kNone, 0, C::kUnstable, unstable,
       kTwoWeeks},
      {"C08", 0, S::kNone, I::kLacking, false, R::kNone, P::kNone, 0, C::kUnstable, unstable,
       kTwoWeeks},
      {"C09", 0, S::kNone, I::kPartial, false, R::kNone, P::kNone, 0, C::kBasicallyStable, basic,
       kTwoWeeks},
      {"C10", 0, S::kResidual, I::kComplete, false, R::kNone, P::kNone, 0, C::kBasicallyStable,
       basic, kTwoWeeks},
      {"C11", 0, S::kNone, I::kComplete, true, R::kNone, P::kNone, 0, C::kBasicallyStable, basic,
       kTwoWeeks},
      {"C12", 0, S::kNone, I::kComplete, false, R::kSerious, P::kNone, 0, C::kUnstable, unstable,
       kTwoWeeks},
  };
}

TEST(ClassificationExamples, Section11_1) {
  const std::vector<Example> examples = Examples();
  ASSERT_EQ(examples.size(), 12u);
  for (const Example& e : examples) {
    FollowUpForm f = StableVisit();
    f.risk_level = e.risk;
    f.symptom_severity = e.sym;
    f.insight = e.ins;
    if (e.social_poor) {
      f.social.housework = kPoor;
    }
    f.adr = e.adr;
    if (e.adr != AdverseReaction::kNone) {
      f.adr_text = "锥体外系反应";
    }
    f.physical = e.phy;
    f.behaviour.self_harm = e.self_harm;

    EXPECT_EQ(Default(f), e.expected) << e.id;
    const Assessment a = AssessDefault(f);
    EXPECT_EQ(a.computed, e.expected) << e.id;
    EXPECT_EQ(a.final_class, e.expected) << e.id;
    EXPECT_THAT(a.actions, ElementsAreArray(e.actions)) << e.id;
    EXPECT_EQ(a.next_due, e.next) << e.id;
    EXPECT_EQ(a.next_is_two_week_review, e.expected == C::kBasicallyStable) << e.id;
    EXPECT_EQ(a.effective_lost_reason, LostReason::kNone) << e.id;
    EXPECT_EQ(a.rule_set, "jiangsu-2018") << e.id;
  }
}

TEST(ClassificationExamples, C09WithThePartialInsightOptionIsStable) {
  RuleSet r = DefaultRuleSet();
  r.partial_insight_compatible_with_stable = true;
  FollowUpForm f = StableVisit();
  f.insight = Insight::kPartial;
  const Assessment a = Assess(f, {}, r);
  EXPECT_EQ(a.final_class, C::kStable);
  EXPECT_EQ(a.next_due, kThreeMonths);
}

// ---------------------------------------------------------------------------------------
// Assess (rules.md §4.2 and the decisions table).

TEST(FollowUpAssess, StableContinuesForThreeMonths) {
  const Assessment a = AssessDefault(StableVisit());
  EXPECT_EQ(a.computed, C::kStable);
  EXPECT_EQ(a.final_class, C::kStable);
  EXPECT_THAT(a.actions, ElementsAre(A::kHealthEducation, A::kContinueRegimen));
  EXPECT_EQ(a.next_due, kThreeMonths);
  EXPECT_FALSE(a.next_is_two_week_review);
}

TEST(FollowUpAssess, FirstBasicallyStableSchedulesTheTwoWeekReview) {
  // Also after an unstable visit, or after a basic visit that was not a review trigger.
  PriorState after_unstable;
  after_unstable.last_class = C::kUnstable;
  PriorState after_plain_basic;
  after_plain_basic.last_class = C::kBasicallyStable;
  PriorState unstable_flagged;  // the flag alone is not enough: the class must be basic
  unstable_flagged.last_class = C::kUnstable;
  unstable_flagged.last_due_was_two_week_review = true;
  for (const PriorState& prior :
       {PriorState{}, after_unstable, after_plain_basic, unstable_flagged}) {
    const Assessment a = AssessDefault(BasicVisit(), prior);
    EXPECT_EQ(a.final_class, C::kBasicallyStable);
    EXPECT_THAT(a.actions, ElementsAre(A::kTwoWeekReview, A::kSpecialistGuidance,
                                       A::kAdjustTreatment, A::kHealthEducation));
    EXPECT_EQ(a.next_due, kTwoWeeks);
    EXPECT_TRUE(a.next_is_two_week_review);
  }
}

TEST(FollowUpAssess, UnstableRefersAndSeesAgainWithinTwoWeeks) {
  const Assessment a = AssessDefault(UnstableVisit());
  EXPECT_EQ(a.final_class, C::kUnstable);
  // Insight lacking, risk 0: refer and care team, no mandatory police alert.
  EXPECT_THAT(a.actions, ElementsAre(A::kReferNow, A::kAssignCareTeam, A::kHealthEducation));
  EXPECT_EQ(a.next_due, kTwoWeeks);
  EXPECT_FALSE(a.next_is_two_week_review);
}

TEST(FollowUpAssess, TwoWeekReviewNowStableGoesToThreeMonths) {
  const Assessment a = AssessDefault(StableVisit(), AtTwoWeekReview());
  EXPECT_EQ(a.final_class, C::kStable);
  EXPECT_THAT(a.actions, ElementsAre(A::kHealthEducation, A::kContinueRegimen));
  EXPECT_EQ(a.next_due, kThreeMonths);
  EXPECT_FALSE(a.next_is_two_week_review);
}

TEST(FollowUpAssess, TwoWeekReviewStillBasicDefaultRefersAndTwoWeeks) {
  const Assessment a = AssessDefault(BasicVisit(), AtTwoWeekReview());
  EXPECT_EQ(a.final_class, C::kBasicallyStable);
  EXPECT_THAT(a.actions, ElementsAre(A::kReferNow, A::kHealthEducation));
  EXPECT_EQ(a.next_due, kTwoWeeks);
  EXPECT_FALSE(a.next_is_two_week_review);
}

TEST(FollowUpAssess, TwoWeekReviewStillBasicVariantGuidanceAndOneMonth) {
  const RuleSet r = GuidanceVariant();
  const Assessment a = Assess(BasicVisit(), AtTwoWeekReview(), r);
  EXPECT_EQ(a.final_class, C::kBasicallyStable);
  EXPECT_THAT(a.actions, ElementsAre(A::kSpecialistGuidance, A::kHealthEducation));
  EXPECT_EQ(a.next_due, absl::CivilDay(2024, 4, 1));
  EXPECT_FALSE(a.next_is_two_week_review);
  EXPECT_EQ(a.rule_set, "jiangsu-2018-guidance");
  // A first basic visit is the same under the variant.
  const Assessment first = Assess(BasicVisit(), {}, r);
  EXPECT_EQ(first.next_due, kTwoWeeks);
  EXPECT_TRUE(first.next_is_two_week_review);
}

TEST(FollowUpAssess, TwoWeekReviewUnstableTakesTheUnstablePath) {
  for (const RuleSet& r : {DefaultRuleSet(), GuidanceVariant()}) {
    const Assessment a = Assess(UnstableVisit(), AtTwoWeekReview(), r);
    EXPECT_EQ(a.final_class, C::kUnstable);
    EXPECT_THAT(a.actions, ElementsAre(A::kReferNow, A::kAssignCareTeam, A::kHealthEducation));
    EXPECT_EQ(a.next_due, kTwoWeeks);
    EXPECT_FALSE(a.next_is_two_week_review);
  }
}

TEST(FollowUpAssess, OverrideKeepsBothClassesAndTheRiskActions) {
  // Risk 3 computes 不稳定; the doctor records 基本稳定 with a reason. The schedule and class
  // actions follow the doctor, the police alert and care team follow the risk.
  FollowUpForm f = StableVisit();
  f.risk_level = 3;
  f.recorded_class = C::kBasicallyStable;
  f.override_reason = "单次冲突，已缓解";
  const Assessment a = AssessDefault(f);
  EXPECT_EQ(a.computed, C::kUnstable);
  EXPECT_EQ(a.final_class, C::kBasicallyStable);
  EXPECT_THAT(a.actions, ElementsAre(A::kNotifyPolice, A::kAssignCareTeam, A::kTwoWeekReview,
                                     A::kSpecialistGuidance, A::kAdjustTreatment,
                                     A::kHealthEducation));
  EXPECT_THAT(a.actions, Not(Contains(A::kReferNow)));
  EXPECT_EQ(a.next_due, kTwoWeeks);
  EXPECT_TRUE(a.next_is_two_week_review);
}

TEST(FollowUpAssess, OverrideToStableStillKeepsEmergencyAndPolice) {
  FollowUpForm f = StableVisit();
  f.risk_level = 5;
  f.recorded_class = C::kStable;
  f.override_reason = "误填";
  const Assessment a = AssessDefault(f);
  EXPECT_EQ(a.computed, C::kUnstable);
  EXPECT_EQ(a.final_class, C::kStable);
  EXPECT_THAT(a.actions, ElementsAre(A::kNotifyPolice, A::kAssignCareTeam, A::kEmergencyHandling,
                                     A::kHealthEducation, A::kContinueRegimen));
  EXPECT_EQ(a.next_due, kThreeMonths);
}

TEST(FollowUpAssess, OverrideUpToUnstable) {
  FollowUpForm f = StableVisit();
  f.recorded_class = C::kUnstable;
  f.override_reason = "家属反映近期拒药";
  const Assessment a = AssessDefault(f);
  EXPECT_EQ(a.computed, C::kStable);
  EXPECT_EQ(a.final_class, C::kUnstable);
  EXPECT_THAT(a.actions, ElementsAre(A::kReferNow, A::kAssignCareTeam, A::kHealthEducation));
  EXPECT_EQ(a.next_due, kTwoWeeks);
}

TEST(FollowUpAssess, OverrideEqualToComputedChangesNothing) {
  FollowUpForm f = BasicVisit();
  f.recorded_class = C::kBasicallyStable;
  f.override_reason = "同意系统分类";
  const Assessment a = AssessDefault(f);
  const Assessment b = AssessDefault(BasicVisit());
  EXPECT_EQ(a.computed, b.computed);
  EXPECT_EQ(a.final_class, b.final_class);
  EXPECT_EQ(a.actions, b.actions);
  EXPECT_EQ(a.next_due, b.next_due);
}

TEST(FollowUpAssess, TroubleOrAccidentNotifiesPolice) {
  // Decisions "Police": any 肇事/肇祸 is a mandatory alert, whatever the class.
  FollowUpForm trouble = StableVisit();
  trouble.behaviour.trouble = 1;
  FollowUpForm accident = BasicVisit();
  accident.behaviour.accident = 2;
  for (const FollowUpForm& f : {trouble, accident}) {
    const Assessment a = AssessDefault(f);
    EXPECT_THAT(a.actions, Contains(A::kNotifyPolice));
    // Not a care-team trigger by itself (decisions "Care team": unstable or risk >= 3).
    EXPECT_THAT(a.actions, Not(Contains(A::kAssignCareTeam)));
  }
  // 轻度滋事, 其他危害行为, 自伤 alone: no mandatory alert.
  FollowUpForm minor = StableVisit();
  minor.behaviour.minor_trouble = 3;
  minor.behaviour.other_harm = 1;
  minor.behaviour.self_harm = 1;
  EXPECT_THAT(AssessDefault(minor).actions, Not(Contains(A::kNotifyPolice)));
}

TEST(FollowUpAssess, EmergencyHandlingTriggers) {
  FollowUpForm f = StableVisit();
  f.risk_level = 4;
  EXPECT_THAT(AssessDefault(f).actions, Not(Contains(A::kEmergencyHandling)));
  f.behaviour.attempted_suicide = 1;
  EXPECT_THAT(AssessDefault(f).actions, Contains(A::kEmergencyHandling));
  f.behaviour.attempted_suicide = 0;
  f.behaviour.self_harm = 1;
  EXPECT_THAT(AssessDefault(f).actions, Contains(A::kEmergencyHandling));
  // Self-harm at risk 3 is not the C05 case.
  f.risk_level = 3;
  EXPECT_THAT(AssessDefault(f).actions, Not(Contains(A::kEmergencyHandling)));
  f = StableVisit();
  f.risk_level = 5;
  EXPECT_THAT(AssessDefault(f).actions, Contains(A::kEmergencyHandling));
}

TEST(FollowUpAssess, RecordsTheRuleSet) {
  EXPECT_EQ(AssessDefault(StableVisit()).rule_set, "jiangsu-2018");
  const RuleSet* national = FindRuleSet("national-2018");
  ASSERT_NE(national, nullptr);
  const Assessment a = Assess(StableVisit(), {}, *national);
  EXPECT_EQ(a.rule_set, "national-2018");
  EXPECT_EQ(a.next_due, kThreeMonths);
  EXPECT_EQ(Assess(FailedVisit(LostReason::kMovedAway), {}, *national).rule_set,
            "national-2018");
}

TEST(FollowUpAssess, ConfiguredIntervals) {
  RuleSet r = DefaultRuleSet();
  r.name = "custom";
  r.unstable_interval_days = 7;
  r.basic_review_days = 10;
  r.stable_interval_months = 2;
  EXPECT_EQ(Assess(UnstableVisit(), {}, r).next_due, absl::CivilDay(2024, 3, 8));
  EXPECT_EQ(Assess(BasicVisit(), {}, r).next_due, absl::CivilDay(2024, 3, 11));
  EXPECT_EQ(Assess(BasicVisit(), AtTwoWeekReview(), r).next_due, absl::CivilDay(2024, 3, 11));
  EXPECT_EQ(Assess(StableVisit(), {}, r).next_due, absl::CivilDay(2024, 5, 1));
}

// ---------------------------------------------------------------------------------------
// Failed visits and deaths (decisions "Failed visit", "Unreached patient", "Police").

TEST(FollowUpFailedVisit, NoAssessmentNoReschedule) {
  PriorState prior = AtTwoWeekReview();
  const Assessment a = AssessDefault(FailedVisit(LostReason::kWorkingAway), prior);
  EXPECT_EQ(a.computed, C::kNone);
  EXPECT_EQ(a.final_class, C::kNone);
  EXPECT_THAT(a.actions, IsEmpty());
  EXPECT_EQ(a.next_due, std::nullopt);
  EXPECT_FALSE(a.next_is_two_week_review);
  EXPECT_EQ(a.effective_lost_reason, LostReason::kWorkingAway);
  EXPECT_EQ(a.rule_set, "jiangsu-2018");
}

TEST(FollowUpFailedVisit, ThirdConsecutiveFailureBecomesReasonFour) {
  for (LostReason given : {LostReason::kWorkingAway, LostReason::kMovedAway, LostReason::kOther,
                           LostReason::kThreeFailures}) {
    for (int before = 0; before <= 5; ++before) {
      PriorState prior;
      prior.trailing_failed_visits = before;
      const LostReason want = before >= 2 ? LostReason::kThreeFailures : given;
      EXPECT_EQ(EffectiveLostReason(given, before), want) << static_cast<int>(given) << before;
      const Assessment a = AssessDefault(FailedVisit(given), prior);
      EXPECT_EQ(a.effective_lost_reason, want);
      EXPECT_THAT(a.actions, IsEmpty());
    }
  }
}

TEST(FollowUpFailedVisit, MissingNotifiesPoliceAndIsKept) {
  for (int before : {0, 1, 2, 7}) {
    PriorState prior;
    prior.trailing_failed_visits = before;
    const Assessment a = AssessDefault(FailedVisit(LostReason::kMissing), prior);
    EXPECT_EQ(a.effective_lost_reason, LostReason::kMissing) << before;
    EXPECT_THAT(a.actions, ElementsAre(A::kNotifyPolice)) << before;
    EXPECT_EQ(a.next_due, std::nullopt);
  }
}

TEST(FollowUpFailedVisit, ClientMaySendReasonFour) {
  EXPECT_EQ(EffectiveLostReason(LostReason::kThreeFailures, 0), LostReason::kThreeFailures);
  EXPECT_EQ(EffectiveLostReason(LostReason::kNone, 5), LostReason::kNone);
}

TEST(FollowUpDeath, NothingScheduled) {
  FollowUpForm f;
  f.visit_date = kVisit;
  f.mode = VisitMode::kHome;
  f.subjects = {2};
  f.death_date = kVisit - 5;
  f.death_cause = 1;
  const Assessment a = AssessDefault(f, AtTwoWeekReview());
  EXPECT_EQ(a.computed, C::kNone);
  EXPECT_EQ(a.final_class, C::kNone);
  EXPECT_THAT(a.actions, IsEmpty());
  EXPECT_EQ(a.next_due, std::nullopt);
  EXPECT_FALSE(a.next_is_two_week_review);
  EXPECT_EQ(a.effective_lost_reason, LostReason::kNone);
}

// ---------------------------------------------------------------------------------------
// Dates (rules.md §4.2 intervals, decisions "First follow-up after a discharge notice").

TEST(ScheduleTest, AddMonthsClamped) {
  using D = absl::CivilDay;
  EXPECT_EQ(AddMonthsClamped(D(2024, 3, 1), 3), D(2024, 6, 1));
  EXPECT_EQ(AddMonthsClamped(D(2024, 1, 31), 1), D(2024, 2, 29));
  EXPECT_EQ(AddMonthsClamped(D(2023, 1, 31), 1), D(2023, 2, 28));
  EXPECT_EQ(AddMonthsClamped(D(2023, 11, 30), 3), D(2024, 2, 29));
  EXPECT_EQ(AddMonthsClamped(D(2024, 8, 31), 1), D(2024, 9, 30));
  EXPECT_EQ(AddMonthsClamped(D(2024, 11, 30), 3), D(2025, 2, 28));
  EXPECT_EQ(AddMonthsClamped(D(2024, 12, 15), 1), D(2025, 1, 15));
  EXPECT_EQ(AddMonthsClamped(D(2024, 3, 31), -1), D(2024, 2, 29));
  EXPECT_EQ(AddMonthsClamped(D(2024, 5, 31), 0), D(2024, 5, 31));
  EXPECT_EQ(AddMonthsClamped(D(2024, 2, 29), 12), D(2025, 2, 28));
}

TEST(ScheduleTest, StableAtMonthEndIsClamped) {
  FollowUpForm f = StableVisit();
  f.visit_date = absl::CivilDay(2024, 11, 30);
  EXPECT_EQ(AssessDefault(f).next_due, absl::CivilDay(2025, 2, 28));
  f.visit_date = absl::CivilDay(2023, 11, 30);
  EXPECT_EQ(AssessDefault(f).next_due, absl::CivilDay(2024, 2, 29));
}

TEST(ScheduleTest, GuidanceMonthAtMonthEndIsClamped) {
  FollowUpForm f = BasicVisit();
  f.visit_date = absl::CivilDay(2024, 1, 31);
  EXPECT_EQ(Assess(f, AtTwoWeekReview(), GuidanceVariant()).next_due,
            absl::CivilDay(2024, 2, 29));
}

TEST(ScheduleTest, DayIntervalsCrossMonthAndYear) {
  FollowUpForm f = UnstableVisit();
  f.visit_date = absl::CivilDay(2024, 12, 25);
  EXPECT_EQ(AssessDefault(f).next_due, absl::CivilDay(2025, 1, 8));
  f = BasicVisit();
  f.visit_date = absl::CivilDay(2024, 2, 20);
  EXPECT_EQ(AssessDefault(f).next_due, absl::CivilDay(2024, 3, 5));
}

TEST(ScheduleTest, FirstVisitAfterDischarge) {
  EXPECT_EQ(FirstVisitDueAfterDischarge(kVisit, DefaultRuleSet()), kTwoWeeks);
  EXPECT_EQ(FirstVisitDueAfterDischarge(absl::CivilDay(2024, 12, 20), DefaultRuleSet()),
            absl::CivilDay(2025, 1, 3));
  RuleSet r = DefaultRuleSet();
  r.first_visit_after_discharge_days = 7;
  EXPECT_EQ(FirstVisitDueAfterDischarge(kVisit, r), absl::CivilDay(2024, 3, 8));
}

// ---------------------------------------------------------------------------------------
// Rule sets (rules.md "Product decisions").

TEST(RuleSetTest, DefaultIsJiangsu2018WithTheDefaultColumn) {
  const RuleSet& r = DefaultRuleSet();
  EXPECT_EQ(r.name, "jiangsu-2018");
  EXPECT_FALSE(r.partial_insight_compatible_with_stable);
  EXPECT_FALSE(r.any_adr_unstable);
  EXPECT_EQ(r.review_not_stable, TwoWeekReviewOutcome::kReferAndTwoWeeks);
  EXPECT_EQ(r.first_visit_after_discharge_days, 14);
  EXPECT_EQ(r.unstable_interval_days, 14);
  EXPECT_EQ(r.basic_review_days, 14);
  EXPECT_EQ(r.stable_interval_months, 3);
  EXPECT_FALSE(r.standardized_r2);
  EXPECT_FALSE(r.medication_any_record);
  EXPECT_EQ(&DefaultRuleSet(), &r);  // one static instance
}

TEST(RuleSetTest, National2018UsesTheNationalMetricVariants) {
  const RuleSet* r = FindRuleSet("national-2018");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->name, "national-2018");
  EXPECT_TRUE(r->standardized_r2);
  EXPECT_TRUE(r->medication_any_record);
  // Same follow-up rules as the default.
  EXPECT_FALSE(r->partial_insight_compatible_with_stable);
  EXPECT_FALSE(r->any_adr_unstable);
  EXPECT_EQ(r->review_not_stable, TwoWeekReviewOutcome::kReferAndTwoWeeks);
  EXPECT_EQ(r->stable_interval_months, 3);
}

TEST(RuleSetTest, Lookup) {
  EXPECT_EQ(FindRuleSet("jiangsu-2018"), &DefaultRuleSet());
  EXPECT_EQ(FindRuleSet(""), nullptr);
  EXPECT_EQ(FindRuleSet("Jiangsu-2018"), nullptr);
  EXPECT_EQ(FindRuleSet("jiangsu-2011"), nullptr);
  EXPECT_THAT(RuleSetNames(), ElementsAre("jiangsu-2018", "national-2018"));
  for (const std::string& name : RuleSetNames()) {
    ASSERT_NE(FindRuleSet(name), nullptr) << name;
    EXPECT_EQ(FindRuleSet(name)->name, name);
  }
}

TEST(RuleNames, ClassificationNames) {
  EXPECT_EQ(ClassificationNameZh(C::kUnstable), "不稳定");
  EXPECT_EQ(ClassificationNameZh(C::kBasicallyStable), "基本稳定");
  EXPECT_EQ(ClassificationNameZh(C::kStable), "稳定");
  EXPECT_EQ(ClassificationNameZh(C::kNone), "");
  EXPECT_EQ(ClassificationNameZh(static_cast<C>(9)), "");
}

TEST(RuleNames, ActionNames) {
  const std::vector<std::pair<A, std::string>> names = {
      {A::kReferNow, "refer_now"},
      {A::kNotifyPolice, "notify_police"},
      {A::kAssignCareTeam, "assign_care_team"},
      {A::kEmergencyHandling, "emergency_handling"},
      {A::kTwoWeekReview, "two_week_review"},
      {A::kSpecialistGuidance, "specialist_guidance"},
      {A::kAdjustTreatment, "adjust_treatment"},
      {A::kHealthEducation, "health_education"},
      {A::kContinueRegimen, "continue_regimen"},
  };
  for (const auto& [action, name] : names) {
    EXPECT_EQ(RequiredActionName(action), name);
    EXPECT_FALSE(RequiredActionNameZh(action).empty()) << name;
  }
  EXPECT_EQ(RequiredActionNameZh(A::kReferNow), "立即转诊");
  EXPECT_EQ(RequiredActionNameZh(A::kEmergencyHandling), "应急处置");
  EXPECT_EQ(RequiredActionName(static_cast<A>(0)), "");
  EXPECT_EQ(RequiredActionNameZh(static_cast<A>(10)), "");
}

// docs/rules.md "Hospital-only visits" (issue 14): 目前正在住院 without a risk assessment.
TEST(AssessTest, HospitalOnlyVisitClassifiesNothingAndIsDueInAMonth) {
  FollowUpForm f;
  f.visit_date = kVisit;
  f.mode = VisitMode::kPhone;
  f.subjects = {2};
  f.hospitalization = Hospitalization::kCurrently;
  ASSERT_TRUE(IsHospitalOnlyVisit(f));
  EXPECT_EQ(Default(f), C::kNone);
  const Assessment a = AssessDefault(f, AtTwoWeekReview());
  EXPECT_EQ(a.computed, C::kNone);
  EXPECT_EQ(a.final_class, C::kNone);
  EXPECT_EQ(a.actions, std::vector<RequiredAction>{RequiredAction::kHealthEducation});
  EXPECT_EQ(a.next_due, absl::CivilDay(2024, 4, 1));
  EXPECT_FALSE(a.next_is_two_week_review);
  EXPECT_EQ(a.effective_lost_reason, LostReason::kNone);
}

}  // namespace
}  // namespace smd::domain
