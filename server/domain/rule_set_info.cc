#include "domain/rule_set_info.h"

#include "absl/strings/str_cat.h"

namespace smd::domain {
namespace {

std::string Bool(bool b) { return b ? "true" : "false"; }

}  // namespace

std::string_view TwoWeekReviewOutcomeName(TwoWeekReviewOutcome o) {
  switch (o) {
    case TwoWeekReviewOutcome::kReferAndTwoWeeks:
      return "refer_and_two_weeks";
    case TwoWeekReviewOutcome::kGuidanceAndOneMonth:
      return "guidance_and_one_month";
  }
  return "";
}

std::vector<RuleOptionInfo> DescribeRuleSet(const RuleSet& r) {
  std::vector<RuleOptionInfo> out;
  out.push_back({"partial_insight_compatible_with_stable",
                 Bool(r.partial_insight_compatible_with_stable),
                 r.partial_insight_compatible_with_stable
                     ? "自知力不全视为基本恢复，可判为稳定"
                     : "自知力不全不能判为稳定（至多基本稳定）",
                 r.partial_insight_compatible_with_stable
                     ? "partial insight counts as recovered: the visit can be stable"
                     : "partial insight rules out stable (at best basically stable)",
                 "rules.md §4.1 (a)"});
  out.push_back({"any_adr_unstable", Bool(r.any_adr_unstable),
                 r.any_adr_unstable ? "任何药物不良反应（含轻度）即判为不稳定"
                                    : "仅严重药物不良反应判为不稳定，轻度可为稳定",
                 r.any_adr_unstable
                     ? "any adverse drug reaction, even mild, makes the visit unstable"
                     : "only a serious adverse reaction makes the visit unstable",
                 "rules.md §4.1 (b)"});
  const bool refer = r.review_not_stable == TwoWeekReviewOutcome::kReferAndTwoWeeks;
  out.push_back({"review_not_stable", std::string(TwoWeekReviewOutcomeName(r.review_not_stable)),
                 refer ? "基本稳定者2周复查仍未稳定：建议转诊，2周后再随访"
                       : "基本稳定者2周复查仍未稳定：专科指导，1个月后随访",
                 refer ? "basically stable, still not stable at the 2-week review: recommend "
                         "referral and visit again in 2 weeks"
                       : "basically stable, still not stable at the 2-week review: specialist "
                         "guidance and the next visit in 1 month",
                 "rules.md §4.2"});
  const std::string discharge = absl::StrCat(r.first_visit_after_discharge_days);
  out.push_back({"first_visit_after_discharge_days", discharge,
                 "收到出院信息单或迁入后 " + discharge + " 天内首次随访",
                 "first follow-up within " + discharge +
                     " days of a discharge notice or a transfer-in",
                 "rules.md §4.2 (decisions table)"});
  const std::string unstable = absl::StrCat(r.unstable_interval_days);
  out.push_back({"unstable_interval_days", unstable, "不稳定：" + unstable + " 天内再随访",
                 "unstable: next visit within " + unstable + " days", "rules.md §4.2"});
  const std::string review = absl::StrCat(r.basic_review_days);
  out.push_back({"basic_review_days", review, "基本稳定：" + review + " 天后复查",
                 "basically stable: review after " + review + " days", "rules.md §4.2"});
  const std::string months = absl::StrCat(r.stable_interval_months);
  out.push_back({"stable_interval_months", months, "稳定：" + months + " 个月后随访",
                 "stable: next visit after " + months + " months", "rules.md §4.2"});
  out.push_back({"standardized_r2", Bool(r.standardized_r2),
                 r.standardized_r2 ? "规范管理率按 R2：年内有效随访不少于4次"
                                   : "规范管理率按 R1：相邻有效随访间隔均不超过3个月",
                 r.standardized_r2
                     ? "standardised management by R2: at least 4 valid visits in the year"
                     : "standardised management by R1: no gap between valid visits over 3 "
                       "months",
                 "rules.md §5"});
  out.push_back({"medication_any_record", Bool(r.medication_any_record),
                 r.medication_any_record ? "服药率：期内任一随访记录服药即计入"
                                         : "服药率：以期内末次随访的服药情况为准",
                 r.medication_any_record
                     ? "medication rate: any visit in the period recording medication counts"
                     : "medication rate: the last visit in the period decides",
                 "rules.md §5"});
  return out;
}

}  // namespace smd::domain
