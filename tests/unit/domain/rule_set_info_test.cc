// DescribeRuleSet: every RuleSet option, with its value, for the named sets of docs/rules.md.
#include "domain/rule_set_info.h"

#include <gtest/gtest.h>

#include <map>
#include <string>

namespace smd::domain {
namespace {

std::map<std::string, std::string> Values(const RuleSet& r) {
  std::map<std::string, std::string> out;
  for (const RuleOptionInfo& o : DescribeRuleSet(r)) {
    EXPECT_FALSE(o.meaning_zh.empty()) << o.name;
    EXPECT_FALSE(o.meaning_en.empty()) << o.name;
    EXPECT_FALSE(o.source.empty()) << o.name;
    out[o.name] = o.value;
  }
  return out;
}

// docs/rules.md "Rule sets and their options", column jiangsu-2018.
TEST(DescribeRuleSet, DefaultSetAsDocumented) {
  const std::map<std::string, std::string> want = {
      {"partial_insight_compatible_with_stable", "false"},
      {"any_adr_unstable", "false"},
      {"review_not_stable", "refer_and_two_weeks"},
      {"first_visit_after_discharge_days", "14"},
      {"unstable_interval_days", "14"},
      {"basic_review_days", "14"},
      {"stable_interval_months", "3"},
      {"standardized_r2", "false"},
      {"medication_any_record", "false"},
  };
  EXPECT_EQ(Values(DefaultRuleSet()), want);
  EXPECT_EQ(DescribeRuleSet(DefaultRuleSet()).size(), want.size()) << "one entry per option";
}

TEST(DescribeRuleSet, NationalSetDiffersInTheMetricVariants) {
  const RuleSet* national = FindRuleSet("national-2018");
  ASSERT_NE(national, nullptr);
  std::map<std::string, std::string> v = Values(*national);
  EXPECT_EQ(v["standardized_r2"], "true");
  EXPECT_EQ(v["medication_any_record"], "true");
  EXPECT_EQ(v["unstable_interval_days"], "14");
}

TEST(DescribeRuleSet, ValuesFollowTheFields) {
  RuleSet r = DefaultRuleSet();
  r.any_adr_unstable = true;
  r.review_not_stable = TwoWeekReviewOutcome::kGuidanceAndOneMonth;
  r.stable_interval_months = 2;
  std::map<std::string, std::string> v = Values(r);
  EXPECT_EQ(v["any_adr_unstable"], "true");
  EXPECT_EQ(v["review_not_stable"], "guidance_and_one_month");
  EXPECT_EQ(v["stable_interval_months"], "2");
  for (const RuleOptionInfo& o : DescribeRuleSet(r)) {
    if (o.name == "stable_interval_months") {
      EXPECT_NE(o.meaning_zh.find("2 个月"), std::string::npos) << o.meaning_zh;
    }
  }
}

}  // namespace
}  // namespace smd::domain
