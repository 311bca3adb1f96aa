#include "domain/rule_options.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

// Debian's absl::string_view is not std::string_view (ABSL_OPTION_USE_STD_STRING_VIEW 0):
// StrCat, StrJoin and StrSplit get std::string or absl::string_view here, never a
// std::string_view.

namespace smd::domain {
namespace {

std::string Bool(bool b) { return b ? "true" : "false"; }

std::string S(std::string_view v) { return std::string(v); }

std::vector<RuleOptionDef> MakeOptions() {
  std::vector<RuleOptionDef> o;
  {
    RuleOptionDef d;
    d.name = "partial-insight-stable";
    d.kind = RuleOptionKind::kBool;
    d.source = "rules.md §4.1 (a); decisions \"自知力不全\"";
    d.meaning_zh = "自知力不全视为基本恢复，可判为稳定";
    d.meaning_en = "partial insight (自知力不全) counts as recovered: compatible with 稳定";
    d.get = [](const RuleSet& r) { return Bool(r.partial_insight_compatible_with_stable); };
    d.set = [](RuleSet& r, std::string_view v) {
      r.partial_insight_compatible_with_stable = v == "true";
    };
    o.push_back(d);
  }
  {
    RuleOptionDef d;
    d.name = "any-adr-unstable";
    d.kind = RuleOptionKind::kBool;
    d.source = "rules.md §4.1 (b); decisions \"Mild (non-serious) adverse drug reaction alone\"";
    d.meaning_zh = "任何药物不良反应（含轻度）均判为不稳定";
    d.meaning_en = "any adverse drug reaction, even a mild one, makes the visit 不稳定";
    d.get = [](const RuleSet& r) { return Bool(r.any_adr_unstable); };
    d.set = [](RuleSet& r, std::string_view v) { r.any_adr_unstable = v == "true"; };
    o.push_back(d);
  }
  {
    RuleOptionDef d;
    d.name = "review-not-stable";
    d.kind = RuleOptionKind::kChoice;
    d.choices = {"refer-2-weeks", "guidance-1-month"};
    d.source = "rules.md §4.2 row \"基本稳定, at the 2-week review\"; decisions";
    d.meaning_zh =
        "基本稳定者两周复查仍不稳定：建议转诊、2周后再访，或（2011年版）专科指导、1个月后再访";
    d.meaning_en =
        "basically stable and still not stable at the 2-week review: refer and visit again in 2 "
        "weeks (3rd ed.), or specialist guidance and a visit in 1 month (2011 text)";
    d.get = [](const RuleSet& r) {
      return std::string(r.review_not_stable == TwoWeekReviewOutcome::kGuidanceAndOneMonth
                             ? "guidance-1-month"
                             : "refer-2-weeks");
    };
    d.set = [](RuleSet& r, std::string_view v) {
      r.review_not_stable = v == "guidance-1-month" ? TwoWeekReviewOutcome::kGuidanceAndOneMonth
                                                    : TwoWeekReviewOutcome::kReferAndTwoWeeks;
    };
    o.push_back(d);
  }
  {
    RuleOptionDef d;
    d.name = "first-visit-days";
    d.kind = RuleOptionKind::kDays;
    // rules.md §4.2 "Other timing rules": the official deadline was not found; the local
    // rule (S20) is 2 weeks. 90 days is a full regular interval: beyond it the first visit
    // would come after the ordinary quarterly one.
    d.min_days = 1;
    d.max_days = 90;
    d.source =
        "rules.md §4.2 \"Other timing rules\"; decisions \"First follow-up after a discharge "
        "notice\"";
    d.meaning_zh = "出院信息单或转入后首次随访的期限（天）";
    d.meaning_en = "days to the first follow-up after a discharge notice or a transfer-in";
    d.get = [](const RuleSet& r) { return std::to_string(r.first_visit_after_discharge_days); };
    d.set = [](RuleSet& r, std::string_view v) {
      int days = 0;
      if (absl::SimpleAtoi(S(v), &days)) r.first_visit_after_discharge_days = days;
    };
    o.push_back(d);
  }
  {
    RuleOptionDef d;
    d.name = "standardized";
    d.kind = RuleOptionKind::kChoice;
    d.choices = {"r1", "r2"};
    d.source = "rules.md §5.1, §5.2 \"Recommended implementation\"; decisions \"规范管理\"";
    d.meaning_zh = "规范管理：R1 相邻随访间隔不超过3个月（江苏），R2 全年至少4次有效随访（国家）";
    d.meaning_en =
        "规范管理: R1 adjacent follow-ups at most 3 months apart (Jiangsu), R2 at least 4 valid "
        "follow-ups (national)";
    d.get = [](const RuleSet& r) { return std::string(r.standardized_r2 ? "r2" : "r1"); };
    d.set = [](RuleSet& r, std::string_view v) { r.standardized_r2 = v == "r2"; };
    o.push_back(d);
  }
  {
    RuleOptionDef d;
    d.name = "medication";
    d.kind = RuleOptionKind::kChoice;
    d.choices = {"last-visit", "any-record"};
    d.source = "rules.md §5.1 服药; decisions \"服药\"";
    d.meaning_zh = "服药：以末次随访判断（江苏），或期内任一记录（国家）";
    d.meaning_en = "服药: by the last follow-up (Jiangsu) or any record in the period (national)";
    d.get = [](const RuleSet& r) {
      return std::string(r.medication_any_record ? "any-record" : "last-visit");
    };
    d.set = [](RuleSet& r, std::string_view v) { r.medication_any_record = v == "any-record"; };
    o.push_back(d);
  }
  return o;
}

std::string OptionNames() {
  std::vector<std::string> names;
  for (const RuleOptionDef& d : RuleOptions()) names.push_back(S(d.name));
  return absl::StrJoin(names, ", ");
}

std::string Expected(const RuleOptionDef& d) {
  switch (d.kind) {
    case RuleOptionKind::kBool:
      return "true | false";
    case RuleOptionKind::kChoice:
      return absl::StrJoin(d.choices, " | ");
    case RuleOptionKind::kDays:
      return absl::StrCat(d.min_days, "..", d.max_days);
  }
  return "";
}

bool ValidValue(const RuleOptionDef& d, std::string_view v) {
  switch (d.kind) {
    case RuleOptionKind::kBool:
      return v == "true" || v == "false";
    case RuleOptionKind::kChoice:
      return std::find(d.choices.begin(), d.choices.end(), v) != d.choices.end();
    case RuleOptionKind::kDays: {
      int days = 0;
      // SimpleAtoi takes "+7" and " 7"; a config value is written plainly.
      if (v.empty() ||
          !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return false;
      }
      return absl::SimpleAtoi(S(v), &days) && days >= d.min_days && days <= d.max_days;
    }
  }
  return false;
}

// "name" or "name=value" (a bool option alone means true).
absl::Status ApplyItem(RuleSet& rules, std::string_view item, std::string_view field) {
  std::string_view name = item;
  std::optional<std::string_view> value;
  if (size_t eq = item.find('='); eq != std::string_view::npos) {
    name = item.substr(0, eq);
    value = item.substr(eq + 1);
  }
  if (name.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(S(field), ": 规则选项为空 (empty rule option; known: ", OptionNames(), ")"));
  }
  if (!value) {
    const RuleOptionDef* d = FindRuleOption(name);
    if (d != nullptr && d->kind != RuleOptionKind::kBool) {
      return absl::InvalidArgumentError(
          absl::StrCat(S(field), ": 规则选项 ", S(name), " 需要取值 (rule option ", S(name),
                       " needs a value: ", S(name), "=", Expected(*d), ")"));
    }
    value = "true";
  }
  return SetRuleOption(rules, name, *value, field);
}

// How many options of `r` differ from `base`.
int Distance(const RuleSet& r, const RuleSet& base) {
  int n = 0;
  for (const RuleOptionDef& d : RuleOptions()) {
    if (d.get(r) != d.get(base)) ++n;
  }
  return n;
}

}  // namespace

const std::vector<RuleOptionDef>& RuleOptions() {
  static const std::vector<RuleOptionDef>* const kOptions =
      new std::vector<RuleOptionDef>(MakeOptions());
  return *kOptions;
}

const RuleOptionDef* FindRuleOption(std::string_view name) {
  for (const RuleOptionDef& d : RuleOptions()) {
    if (d.name == name) return &d;
  }
  return nullptr;
}

absl::Status SetRuleOption(RuleSet& rules, std::string_view name, std::string_view value,
                           std::string_view field) {
  const RuleOptionDef* d = FindRuleOption(name);
  if (d == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(S(field), ": 未知的规则选项 ", S(name),
                                                   " (unknown rule option ", S(name),
                                                   "; known: ", OptionNames(), ")"));
  }
  if (!ValidValue(*d, value)) {
    return absl::InvalidArgumentError(absl::StrCat(S(field), ": 规则选项 ", S(name), " 的值无效 (",
                                                   "invalid value \"", S(value), "\" for ", S(name),
                                                   ": expected ", Expected(*d), ")"));
  }
  d->set(rules, value);
  return absl::OkStatus();
}

absl::StatusOr<RuleSet> ParseRuleSet(std::string_view spec,
                                     const std::vector<std::string>& options) {
  const std::vector<std::string> items =
      absl::StrSplit(absl::string_view(spec.data(), spec.size()), '+');
  const RuleSet* base = FindRuleSet(items.front());
  if (base == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("--rule-set: 未知的规则集 ", items.front(), " (unknown rule set \"",
                     items.front(), "\"; known: ", absl::StrJoin(RuleSetNames(), ", "), ")"));
  }
  RuleSet rules = *base;
  for (size_t i = 1; i < items.size(); ++i) {
    if (absl::Status s = ApplyItem(rules, items[i], "--rule-set"); !s.ok()) return s;
  }
  for (const std::string& item : options) {
    if (absl::Status s = ApplyItem(rules, item, "--rule-option"); !s.ok()) return s;
  }
  rules.name = CanonicalRuleSetName(rules);
  return rules;
}

std::string CanonicalRuleSetName(const RuleSet& rules) {
  const RuleSet* best = nullptr;
  int best_distance = 0;
  for (const std::string& name : RuleSetNames()) {
    const RuleSet* base = FindRuleSet(name);
    const int d = Distance(rules, *base);
    if (best == nullptr || d < best_distance) {
      best = base;
      best_distance = d;
    }
  }
  std::string out = best->name;
  for (const RuleOptionDef& d : RuleOptions()) {
    const std::string value = d.get(rules);
    if (value == d.get(*best)) continue;
    absl::StrAppend(&out, "+", S(d.name));
    if (!(d.kind == RuleOptionKind::kBool && value == "true")) absl::StrAppend(&out, "=", value);
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> RuleOptionValues(const RuleSet& rules) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const RuleOptionDef& d : RuleOptions()) out.emplace_back(std::string(d.name), d.get(rules));
  return out;
}

RuleSet WithMetricChoice(const RuleSet& deployment, const MetricRuleChoice& choice) {
  RuleSet r = deployment;
  if (!choice.standardized_r2 && !choice.medication_any_record) return r;
  if (choice.standardized_r2) r.standardized_r2 = *choice.standardized_r2;
  if (choice.medication_any_record) r.medication_any_record = *choice.medication_any_record;
  r.name = CanonicalRuleSetName(r);
  return r;
}

}  // namespace smd::domain
