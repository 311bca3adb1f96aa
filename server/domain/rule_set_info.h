#pragma once
// The options of a follow-up rule set as a reader sees them (AdminService.GetRuleSet,
// docs/rules.md "Rule sets and their options"): each option under the name and in the form
// its configuration takes (`--rule-option any-adr-unstable=true`; domain/rule_options.h,
// the one catalogue of options), then the intervals every rule set shares (rules.md §4.2,
// not configurable). Pure and thread-safe.

#include <string>
#include <vector>

#include "domain/followup_rules.h"

namespace smd::domain {

struct RuleOptionInfo {
  std::string name;        // the configuration's name, e.g. "any-adr-unstable"
  std::string value;       // as the configuration writes it: "true", "r2", "14"
  std::string meaning_zh;  // what the option decides, in Chinese
  std::string meaning_en;  // the same in English
  std::string source;      // e.g. "rules.md §4.2"
};

// Every option of RuleOptions() with its value in `rules`, in that order, then the fixed
// intervals unstable-interval-days, basic-review-days and stable-interval-months.
std::vector<RuleOptionInfo> DescribeRuleSet(const RuleSet& rules);

}  // namespace smd::domain
