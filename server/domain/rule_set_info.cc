#include "domain/rule_set_info.h"

#include "absl/strings/str_cat.h"
#include "domain/rule_options.h"

namespace smd::domain {

std::vector<RuleOptionInfo> DescribeRuleSet(const RuleSet& r) {
  std::vector<RuleOptionInfo> out;
  for (const RuleOptionDef& d : RuleOptions()) {
    out.push_back({std::string(d.name), d.get(r), std::string(d.meaning_zh),
                   std::string(d.meaning_en), std::string(d.source)});
  }
  // Not options: the same in every rule set ParseRuleSet builds (rule_options.h).
  const std::string unstable = absl::StrCat(r.unstable_interval_days);
  out.push_back({"unstable-interval-days", unstable,
                 "不稳定：" + unstable + " 天内再随访（固定，不可配置）",
                 "unstable: next visit within " + unstable + " days (fixed)", "rules.md §4.2"});
  const std::string review = absl::StrCat(r.basic_review_days);
  out.push_back({"basic-review-days", review, "基本稳定：" + review + " 天后复查（固定，不可配置）",
                 "basically stable: review after " + review + " days (fixed)", "rules.md §4.2"});
  const std::string months = absl::StrCat(r.stable_interval_months);
  out.push_back({"stable-interval-months", months,
                 "稳定：" + months + " 个月后随访（固定，不可配置）",
                 "stable: next visit after " + months + " months (fixed)", "rules.md §4.2"});
  return out;
}

}  // namespace smd::domain
