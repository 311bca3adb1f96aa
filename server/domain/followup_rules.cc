#include "domain/followup_rules.h"

#include <algorithm>
#include <array>

namespace smd::domain {
namespace {

// rules.md "Product decisions": the default column.
RuleSet MakeJiangsu2018() {
  RuleSet r;
  r.name = "jiangsu-2018";
  return r;
}

// rules.md "Product decisions": the national variants of the metrics (§5: R2 规范管理,
// 服药 by any record, from the national-system analyses S8/S11). The follow-up rules of
// §4 are the same; the remaining options of the table are per-deployment options.
RuleSet MakeNational2018() {
  RuleSet r;
  r.name = "national-2018";
  r.standardized_r2 = true;
  r.medication_any_record = true;
  return r;
}

const std::array<RuleSet, 2>& AllRuleSets() {
  static const std::array<RuleSet, 2>* const kSets =
      new std::array<RuleSet, 2>{MakeJiangsu2018(), MakeNational2018()};
  return *kSets;
}

// rules.md §4.1 (c): the social function is poor when any item is 较差; 9 不适用 (work
// only) and 0 (not filled) are ignored.
bool AnySocialItemPoor(const SocialFunction& s) {
  for (int item : {s.self_care, s.housework, s.work, s.study, s.social}) {
    if (item == kPoor) {
      return true;
    }
  }
  return false;
}

bool HasAssessment(const FollowUpForm& v) {
  return !IsFailedVisit(v) && !ReportsDeath(v) && v.risk_level.has_value();
}

// docs/rules.md "Hospital-only visits": while the patient is in hospital the community
// checks again after this many months; a discharge notice brings the first visit forward
// (14 days from its receipt, ComputeSchedule takes the earlier date).
constexpr int kHospitalOnlyRecheckMonths = 1;

void Add(std::vector<RequiredAction>& actions, RequiredAction a) { actions.push_back(a); }

void SortUnique(std::vector<RequiredAction>& actions) {
  std::sort(actions.begin(), actions.end());
  actions.erase(std::unique(actions.begin(), actions.end()), actions.end());
}

}  // namespace

const RuleSet& DefaultRuleSet() { return AllRuleSets()[0]; }

const RuleSet* FindRuleSet(std::string_view name) {
  for (const RuleSet& r : AllRuleSets()) {
    if (r.name == name) {
      return &r;
    }
  }
  return nullptr;
}

std::vector<std::string> RuleSetNames() {
  std::vector<std::string> names;
  for (const RuleSet& r : AllRuleSets()) {
    names.push_back(r.name);
  }
  return names;
}

Classification Classify(const FollowUpForm& v, const RuleSet& rules) {
  if (!HasAssessment(v)) {
    return Classification::kNone;
  }
  // rules.md §4.1 step 1: any one criterion of 不稳定. Decision (b): with any_adr_unstable
  // a mild ADR counts too (the CHIS reading, S22).
  const bool adr_unstable =
      v.adr == AdverseReaction::kSerious ||
      (rules.any_adr_unstable && v.adr == AdverseReaction::kMild);
  const int risk = *v.risk_level;
  if (risk >= 3 || v.symptom_severity == SymptomSeverity::kMarked ||
      v.insight == Insight::kLacking || adr_unstable ||
      v.physical == PhysicalIllness::kSerious) {
    return Classification::kUnstable;
  }
  // rules.md §4.1 step 2: all criteria of 稳定. Decision (a): 自知力不全 only with the option.
  const bool insight_recovered =
      v.insight == Insight::kComplete ||
      (rules.partial_insight_compatible_with_stable && v.insight == Insight::kPartial);
  const bool physical_ok =
      v.physical == PhysicalIllness::kNone || v.physical == PhysicalIllness::kStable;
  if (risk == 0 && v.symptom_severity == SymptomSeverity::kNone && insight_recovered &&
      !AnySocialItemPoor(v.social) && v.adr != AdverseReaction::kSerious && physical_ok &&
      !v.other_abnormality) {
    return Classification::kStable;
  }
  // rules.md §4.1 step 3: everything else (risk 1-2, or one aspect poor).
  return Classification::kBasicallyStable;
}

Assessment Assess(const FollowUpForm& v, const PriorState& prior, const RuleSet& rules) {
  Assessment a;
  a.rule_set = rules.name;

  if (IsFailedVisit(v)) {
    // Decisions "Failed visit": not a valid follow-up, no assessment, no new due date.
    a.effective_lost_reason = EffectiveLostReason(v.lost_reason, prior.trailing_failed_visits);
    // Decisions "Police": a 走失 patient is a mandatory alert.
    if (a.effective_lost_reason == LostReason::kMissing) {
      Add(a.actions, RequiredAction::kNotifyPolice);
    }
    return a;
  }
  if (ReportsDeath(v)) {
    // rules.md §3 如死亡 / §5.1 死亡: the case closes; nothing further is scheduled.
    return a;
  }
  if (IsHospitalOnlyVisit(v)) {
    // docs/rules.md "Hospital-only visits": a valid follow-up (rules.md §5.1 在管, S7) that
    // assessed nothing, so it classifies nothing (§4.1 rests on the five assessed items)
    // and raises no risk-driven action. The family still gets the every-visit education
    // and support (§4.2 "Every visit"). Next check: kHospitalOnlyRecheckMonths.
    Add(a.actions, RequiredAction::kHealthEducation);
    a.next_due = AddMonthsClamped(v.visit_date, kHospitalOnlyRecheckMonths);
    return a;
  }

  a.computed = Classify(v, rules);
  a.final_class = v.recorded_class != Classification::kNone ? v.recorded_class : a.computed;

  // rules.md §4.2 "Every visit": health education and rehabilitation guidance.
  Add(a.actions, RequiredAction::kHealthEducation);

  // Risk- and behaviour-driven actions: mandatory whatever the final class. Validated
  // forms always have a level here; an unvalidated one without it counts as 0.
  const int risk = v.risk_level.value_or(0);
  // Decisions "Police" (rules.md §4.2 row "不稳定 with risk ≥3", §6 police rule, S13/S24):
  // risk >= 3, or any 肇事/肇祸 since the last visit.
  if (risk >= 3 || v.behaviour.trouble > 0 || v.behaviour.accident > 0) {
    Add(a.actions, RequiredAction::kNotifyPolice);
  }
  // Decisions "Care team": 关爱帮扶小组 for risk >= 3 (and for 不稳定, below).
  if (risk >= 3) {
    Add(a.actions, RequiredAction::kAssignCareTeam);
  }
  // rules.md §6 triggers (1)(2) and §11.1 C05 ("consider 应急处置", risk 4 with self-harm)
  // and C06 (risk 5: 应急处置).
  if (risk == 5 ||
      (risk == 4 && (v.behaviour.self_harm > 0 || v.behaviour.attempted_suicide > 0))) {
    Add(a.actions, RequiredAction::kEmergencyHandling);
  }

  switch (a.final_class) {
    case Classification::kUnstable:
      // rules.md §4.2 不稳定: refer immediately; next visit within 2 weeks. Decisions
      // "Care team": every 不稳定 patient needs one.
      Add(a.actions, RequiredAction::kReferNow);
      Add(a.actions, RequiredAction::kAssignCareTeam);
      a.next_due = v.visit_date + rules.unstable_interval_days;
      break;
    case Classification::kBasicallyStable:
      if (prior.last_class == Classification::kBasicallyStable &&
          prior.last_due_was_two_week_review) {
        // rules.md §4.2 "基本稳定, at the 2-week review", not stable; decisions table.
        if (rules.review_not_stable == TwoWeekReviewOutcome::kReferAndTwoWeeks) {
          // 3rd-ed text: recommend referral, check on it within 2 weeks.
          Add(a.actions, RequiredAction::kReferNow);
          a.next_due = v.visit_date + rules.basic_review_days;
        } else {
          // 2011 (2nd ed.) text: psychiatric specialist guidance, next visit in 1 month.
          Add(a.actions, RequiredAction::kSpecialistGuidance);
          a.next_due = AddMonthsClamped(v.visit_date, 1);
        }
        a.next_is_two_week_review = false;
      } else {
        // rules.md §4.2 基本稳定: find the cause, adjust within range, get guidance if
        // needed; review at 2 weeks.
        Add(a.actions, RequiredAction::kTwoWeekReview);
        Add(a.actions, RequiredAction::kAdjustTreatment);
        Add(a.actions, RequiredAction::kSpecialistGuidance);
        a.next_due = v.visit_date + rules.basic_review_days;
        a.next_is_two_week_review = true;
      }
      break;
    case Classification::kStable:
      // rules.md §4.2 稳定 (also "at the 2-week review, if now stable"): keep the plan,
      // next visit at 3 months.
      Add(a.actions, RequiredAction::kContinueRegimen);
      a.next_due = AddMonthsClamped(v.visit_date, rules.stable_interval_months);
      break;
    case Classification::kNone:
      // No assessment (an unvalidated form): nothing is scheduled.
      break;
  }
  SortUnique(a.actions);
  return a;
}

LostReason EffectiveLostReason(LostReason given, int trailing_failed_before) {
  // Decisions "Unreached patient": the 3rd consecutive failed visit becomes 4 连续3次未访到.
  // 走失 is kept (decisions "Police": it is itself a mandatory alert).
  if (given == LostReason::kNone || given == LostReason::kMissing) {
    return given;
  }
  return trailing_failed_before >= 2 ? LostReason::kThreeFailures : given;
}

absl::CivilDay FirstVisitDueAfterDischarge(absl::CivilDay notice_received, const RuleSet& rules) {
  // Decisions table "First follow-up after a discharge notice": within 14 days, configurable.
  return notice_received + rules.first_visit_after_discharge_days;
}

absl::CivilDay AddMonthsClamped(absl::CivilDay d, int months) {
  const absl::CivilMonth target = absl::CivilMonth(d) + months;
  const absl::CivilDay last_of_target = absl::CivilDay(target + 1) - 1;
  return absl::CivilDay(target.year(), target.month(), std::min(d.day(), last_of_target.day()));
}

std::string_view ClassificationNameZh(Classification c) {
  // rules.md §3 本次随访分类.
  switch (c) {
    case Classification::kUnstable:
      return "不稳定";
    case Classification::kBasicallyStable:
      return "基本稳定";
    case Classification::kStable:
      return "稳定";
    case Classification::kNone:
      break;
  }
  return "";
}

std::string_view RequiredActionNameZh(RequiredAction a) {
  // rules.md §4.2 and the decisions table.
  switch (a) {
    case RequiredAction::kReferNow:
      return "立即转诊";
    case RequiredAction::kNotifyPolice:
      return "通报公安";
    case RequiredAction::kAssignCareTeam:
      return "落实关爱帮扶小组";
    case RequiredAction::kEmergencyHandling:
      return "应急处置";
    case RequiredAction::kTwoWeekReview:
      return "2周时复查";
    case RequiredAction::kSpecialistGuidance:
      return "请精神科专科医生指导";
    case RequiredAction::kAdjustTreatment:
      return "查找原因，在规定剂量范围内调整治疗";
    case RequiredAction::kHealthEducation:
      return "健康教育和康复指导";
    case RequiredAction::kContinueRegimen:
      return "继续执行原治疗方案";
  }
  return "";
}

std::string_view RequiredActionName(RequiredAction a) {
  switch (a) {
    case RequiredAction::kReferNow:
      return "refer_now";
    case RequiredAction::kNotifyPolice:
      return "notify_police";
    case RequiredAction::kAssignCareTeam:
      return "assign_care_team";
    case RequiredAction::kEmergencyHandling:
      return "emergency_handling";
    case RequiredAction::kTwoWeekReview:
      return "two_week_review";
    case RequiredAction::kSpecialistGuidance:
      return "specialist_guidance";
    case RequiredAction::kAdjustTreatment:
      return "adjust_treatment";
    case RequiredAction::kHealthEducation:
      return "health_education";
    case RequiredAction::kContinueRegimen:
      return "continue_regimen";
  }
  return "";
}

}  // namespace smd::domain
