#pragma once
// The named options of a deployment's rule set (rules.md "Product decisions"; ADR 0014;
// docs/rules.md "Rule sets and their options"). A deployment names its rules as a base set
// ("jiangsu-2018", "national-2018": domain/followup_rules.h) plus options, e.g.
//   jiangsu-2018+any-adr-unstable+first-visit-days=7
// and every stored result records the rule set's canonical name (CanonicalRuleSetName),
// which is a function of the option values alone, so that equal rules always carry the
// same name and a name always parses back to the rules that produced the result.
//
// Pure: no I/O. Every function is thread-safe; the option catalogue is an immutable static.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "domain/followup_rules.h"

namespace smd::domain {

// How an option's value is written.
enum class RuleOptionKind {
  kBool,    // "true" | "false"; in a spec, "+name" alone means true
  kChoice,  // one of `choices`
  kDays,    // a whole number of days in [min_days, max_days]
};

// One option. Its value is always handled as text (the config's and the name's form).
struct RuleOptionDef {
  std::string_view name;  // config name, e.g. "any-adr-unstable"
  RuleOptionKind kind = RuleOptionKind::kBool;
  std::vector<std::string> choices;  // kChoice only
  int min_days = 0;                  // kDays only
  int max_days = 0;
  std::string_view source;      // where rules.md names it, e.g. "rules.md §4.1 (b)"
  std::string_view meaning_zh;  // one line, e.g. "轻度药物不良反应也判为不稳定"
  std::string_view meaning_en;
  // The option's value in `r`, as text ("true", "r2", "14").
  std::string (*get)(const RuleSet& r) = nullptr;
  // Sets the option in `r` from text already checked against kind/choices/range.
  void (*set)(RuleSet& r, std::string_view value) = nullptr;
};

// Every option, in a fixed order (the order of the canonical name):
//   partial-insight-stable  bool    rules.md §4.1 (a): 自知力不全 compatible with 稳定
//   any-adr-unstable        bool    rules.md §4.1 (b): any ADR, even mild, gives 不稳定
//   review-not-stable       choice  refer-2-weeks | guidance-1-month (rules.md §4.2)
//   first-visit-days        days    1..90: first follow-up after discharge / transfer-in
//   standardized            choice  r1 | r2 (规范管理, rules.md §5.1/§5.2)
//   medication              choice  last-visit | any-record (服药, rules.md §5.1)
const std::vector<RuleOptionDef>& RuleOptions();

// The option called `name`, or nullptr.
const RuleOptionDef* FindRuleOption(std::string_view name);

// Sets option `name` to `value` in `rules` (name not touched). Errors: INVALID_ARGUMENT
// "<field>: 未知的规则选项 <name> (unknown rule option <name>; known: ...)" or
// "<field>: 规则选项 <name> 的值无效 (invalid value for <name>: expected ...)". Option names and
// values are configuration, not patient data, so the messages name them. `field` prefixes
// the message ("--rule-option", "variant").
absl::Status SetRuleOption(RuleSet& rules, std::string_view name, std::string_view value,
                           std::string_view field);

// The rule set named by `spec`: a base set, then "+option" or "+option=value" items
// ("jiangsu-2018+any-adr-unstable+first-visit-days=7"), then each of `options`
// ("name=value", or "name" alone for a bool option meaning true) in order; a later value
// of an option replaces an earlier one. The result's `name` is CanonicalRuleSetName.
// Errors: INVALID_ARGUMENT naming `field` ("--rule-set" for the spec, "--rule-option" for
// the list) on an unknown base, an unknown option, a bad value, or an empty item.
absl::StatusOr<RuleSet> ParseRuleSet(std::string_view spec,
                                     const std::vector<std::string>& options = {});

// The canonical name of `rules`, from its option values alone (the `name` field is not
// read): the base set (RuleSetNames order) from whose defaults the fewest options differ,
// the first on a tie, then "+name" (a bool that is true), "+name=false" (a bool that is
// false) or "+name=value" for every differing option, in RuleOptions order. Examples:
// the default is "jiangsu-2018"; with any_adr_unstable "jiangsu-2018+any-adr-unstable";
// with R2 and any-record 服药 "national-2018". ParseRuleSet(CanonicalRuleSetName(r)) gives
// `r`'s option values back. Fields that are not options (the §4.2 intervals) are not named:
// they are the same in every rule set ParseRuleSet can build.
std::string CanonicalRuleSetName(const RuleSet& rules);

// Every option of `rules` with its value, in RuleOptions order (the start-up log).
std::vector<std::pair<std::string, std::string>> RuleOptionValues(const RuleSet& rules);

// The metric variant asked for one metrics call (rules.md §5: 规范管理 R1/R2, 服药 by the
// last visit or any record). nullopt keeps the deployment's choice.
struct MetricRuleChoice {
  std::optional<bool> standardized_r2;
  std::optional<bool> medication_any_record;
};

// The deployment's rules with the metric options of `choice` applied, renamed to the
// canonical name: what a metrics answer computed under that choice reports as its rule
// set. The follow-up options stay the deployment's (the stored classifications were made
// under them), so they remain in the name.
// With no choice at all, `deployment` as it is (its own name).
RuleSet WithMetricChoice(const RuleSet& deployment, const MetricRuleChoice& choice);

}  // namespace smd::domain
