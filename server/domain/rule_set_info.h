#pragma once
// The options of a follow-up rule set as a reader sees them (AdminService.GetRuleSet,
// docs/rules.md "Rule sets and their options"): each option's stable name, its value in
// the set, and what that value means. The single place that turns RuleSet's members into
// that list, so that a new or renamed option changes one function. Pure and thread-safe.

#include <string>
#include <vector>

#include "domain/followup_rules.h"

namespace smd::domain {

struct RuleOptionInfo {
  std::string name;        // the member's name, e.g. "unstable_interval_days"
  std::string value;       // "true"/"false", a number, or an enum's machine name
  std::string meaning_zh;  // what the option decides, with this value, in Chinese
  std::string meaning_en;  // the same in English
  std::string source;      // e.g. "rules.md §4.2"
};

// Every option of `rules` except its name, in RuleSet's member order.
std::vector<RuleOptionInfo> DescribeRuleSet(const RuleSet& rules);

// "refer_and_two_weeks" or "guidance_and_one_month"; "" for an unknown value.
std::string_view TwoWeekReviewOutcomeName(TwoWeekReviewOutcome o);

}  // namespace smd::domain
