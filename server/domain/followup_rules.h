#pragma once
// The follow-up rules engine (rules.md §4 and the "Product decisions" table): classify a
// visit, list the actions it requires and schedule the next one, under a named, versioned
// rule set. Pure functions over the value types of domain/followup.h; no I/O, no clock
// reads ("today" and visit dates are parameters). All functions are thread-safe; the rule
// sets returned by DefaultRuleSet/FindRuleSet are immutable statics.
//
// docs/rules.md lists every rule with the function that implements it.

#include <string>
#include <string_view>
#include <vector>

#include "absl/time/civil_time.h"
#include "domain/followup.h"

namespace smd::domain {

// What happens when a 基本稳定 patient is still not stable at the 2-week review
// (rules.md §4.2 row "基本稳定, at the 2-week review"; decisions table).
enum class TwoWeekReviewOutcome {
  kReferAndTwoWeeks,     // 3rd-ed text (default): recommend referral, check again in 2 weeks
  kGuidanceAndOneMonth,  // 2011 (2nd ed.) text: specialist guidance, next visit in 1 month
};

// One named, versioned set of rule options (rules.md "Product decisions"). Every computed
// result records `name`, so that stored results stay traceable to the rules that produced
// them. A deployment's set is built by ParseRuleSet (domain/rule_options.h: a base set
// below plus named options), whose `name` is the canonical one, e.g.
// "jiangsu-2018+any-adr-unstable".
struct RuleSet {
  std::string name;  // "jiangsu-2018" (default), "national-2018", or a canonical name
  // Decision (a), rules.md §4.1: 自知力不全 counts as 基本恢复 (compatible with 稳定).
  bool partial_insight_compatible_with_stable = false;
  // Decision (b), rules.md §4.1: any ADR, even mild, makes the visit 不稳定.
  bool any_adr_unstable = false;
  // rules.md §4.2 and decisions: 基本稳定 still not stable at its 2-week review.
  TwoWeekReviewOutcome review_not_stable = TwoWeekReviewOutcome::kReferAndTwoWeeks;
  // Decisions table: first follow-up after a discharge notice (出院信息单) or transfer-in.
  int first_visit_after_discharge_days = 14;
  int unstable_interval_days = 14;  // rules.md §4.2: 不稳定, next visit within 2 weeks
  int basic_review_days = 14;       // rules.md §4.2: 基本稳定, review at 2 weeks
  int stable_interval_months = 3;   // rules.md §4.2: 稳定, next visit at 3 months
  // Metric variants (rules.md §5), carried here so that a metric records its rule set.
  bool standardized_r2 = false;       // 规范管理: R2 (≥4 valid visits) instead of R1
  bool medication_any_record = false;  // 服药: any record in the period instead of the last
};

// The default rule set, "jiangsu-2018" (Gulou is in Jiangsu; rules.md decisions table):
// every option at its default above.
const RuleSet& DefaultRuleSet();

// The rule set called `name` ("jiangsu-2018", "national-2018"), or nullptr when unknown.
// "national-2018" differs from the default only in the metric variants of rules.md §5
// (R2 规范管理, 服药 by any record); its follow-up rules are the same.
const RuleSet* FindRuleSet(std::string_view name);

// The names FindRuleSet knows, default first.
std::vector<std::string> RuleSetNames();

// The computed 本次随访分类 of an assessed visit (rules.md §4.1 "Recommended algorithm",
// exhaustive, in this order):
//   1. kUnstable if risk_level >= 3, symptom_severity kMarked, insight kLacking, adr kSerious
//      (or any ADR when rules.any_adr_unstable), or physical kSerious;
//   2. else kStable if risk_level == 0, symptom_severity kNone, insight kComplete (or kPartial
//      when rules.partial_insight_compatible_with_stable), no social item 较差 (9 不适用 and
//      0 are ignored), adr != kSerious, physical kNone or kStable, and !other_abnormality;
//   3. else kBasicallyStable (e.g. risk 1-2, residual symptoms, physical kWorsening).
// A form without an assessment (a failed visit, a death, or no risk_level: a hospital-only
// visit) gives kNone.
// Expects a form that passed ValidateFollowUpForm; recorded_class is not looked at.
Classification Classify(const FollowUpForm& v, const RuleSet& rules);

// The rules engine's result for visit `v` given the patient's `prior` state:
//  * failed visit (IsFailedVisit): computed/final kNone, next_due nullopt meaning "the
//    previous due date stands" (a failed visit reschedules nothing), effective_lost_reason
//    = EffectiveLostReason(v.lost_reason, prior.trailing_failed_visits), and the only
//    possible action is kNotifyPolice when that reason is 走失 (decisions "Police").
//  * death (ReportsDeath): computed/final kNone, no actions, next_due nullopt.
//  * hospital-only (IsHospitalOnlyVisit: 目前正在住院 without a risk assessment, docs/rules.md
//    "Hospital-only visits"): computed/final kNone, kHealthEducation only, next_due =
//    AddMonthsClamped(visit, 1), next_is_two_week_review false.
//  * otherwise computed = Classify(v); final_class = v.recorded_class when given (the
//    doctor's override, validated to carry a reason), else computed. The class-driven
//    actions and the due date follow final_class (rules.md §4.2):
//      - every visit: kHealthEducation;
//      - kUnstable: kReferNow, kAssignCareTeam; next_due = visit + unstable_interval_days;
//      - kBasicallyStable at its 2-week review (prior.last_class kBasicallyStable and
//        prior.last_due_was_two_week_review): kReferNow and visit + basic_review_days
//        (kReferAndTwoWeeks), or kSpecialistGuidance and visit + 1 month
//        (kGuidanceAndOneMonth); next_is_two_week_review false;
//      - kBasicallyStable otherwise: kTwoWeekReview, kAdjustTreatment, kSpecialistGuidance;
//        next_due = visit + basic_review_days, next_is_two_week_review true;
//      - kStable: kContinueRegimen; next_due = AddMonthsClamped(visit, stable_interval_months).
//    Risk- and behaviour-driven actions apply whatever the final class (an override cannot
//    remove them): kNotifyPolice when risk >= 3 or any 肇事/肇祸 count > 0; kAssignCareTeam
//    when risk >= 3; kEmergencyHandling when risk 5, or risk 4 with 自伤 or 自杀未遂 > 0.
// `actions` is sorted by enum value without duplicates; rule_set = rules.name.
Assessment Assess(const FollowUpForm& v, const PriorState& prior, const RuleSet& rules);

// The 失访 reason to store for a failed visit whose given reason is `given`, when the
// patient already has `trailing_failed_before` consecutive failed visits (decisions
// "Unreached patient": the 3rd consecutive failure becomes 4 连续3次未访到). 走失 (kMissing)
// is kept: it is more specific and carries the mandatory police alert. kNone stays kNone.
LostReason EffectiveLostReason(LostReason given, int trailing_failed_before);

// Due date of the first follow-up after a discharge notice (出院信息单, 2018 表4) or a
// transfer-in received on `notice_received` (decisions table; rules.md §4.2 "Other timing
// rules"): notice_received + rules.first_visit_after_discharge_days.
absl::CivilDay FirstVisitDueAfterDischarge(absl::CivilDay notice_received, const RuleSet& rules);

// `d` plus `months` calendar months, the day clamped to the end of the target month
// (2024-03-01 + 3 = 2024-06-01; 2024-01-31 + 1 = 2024-02-29; 2023-11-30 + 3 = 2024-02-29).
// `months` may be negative.
absl::CivilDay AddMonthsClamped(absl::CivilDay d, int months);

// "不稳定", "基本稳定", "稳定"; "" for kNone or an unknown value.
std::string_view ClassificationNameZh(Classification c);

// The Chinese label of an action (e.g. "立即转诊"); "" for an unknown value.
std::string_view RequiredActionNameZh(RequiredAction a);

// The stable machine name of an action: "refer_now", "notify_police", "assign_care_team",
// "emergency_handling", "two_week_review", "specialist_guidance", "adjust_treatment",
// "health_education", "continue_regimen"; "" for an unknown value.
std::string_view RequiredActionName(RequiredAction a);

}  // namespace smd::domain
