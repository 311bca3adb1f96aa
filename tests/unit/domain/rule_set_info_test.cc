// DescribeRuleSet: every option under its configuration name and value (the catalogue of
// domain/rule_options.h), then the fixed intervals, for the named sets of docs/rules.md.
#include "domain/rule_set_info.h"

#include "domain/rule_options.h"

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
      {"partial-insight-stable", "false"},
      {"any-adr-unstable", "false"},
      {"review-not-stable", "refer-2-weeks"},
      {"first-visit-days", "14"},
      {"standardized", "r1"},
      {"medication", "last-visit"},
      {"unstable-interval-days", "14"},
      {"basic-review-days", "14"},
      {"stable-interval-months", "3"},
  };
  EXPECT_EQ(Values(DefaultRuleSet()), want);
  EXPECT_EQ(DescribeRuleSet(DefaultRuleSet()).size(), want.size()) << "one entry per option";
}

TEST(DescribeRuleSet, NationalSetDiffersInTheMetricVariants) {
  const RuleSet* national = FindRuleSet("national-2018");
  ASSERT_NE(national, nullptr);
  std::map<std::string, std::string> v = Values(*national);
  EXPECT_EQ(v["standardized"], "r2");
  EXPECT_EQ(v["medication"], "any-record");
  EXPECT_EQ(v["unstable-interval-days"], "14");
}

TEST(DescribeRuleSet, ValuesFollowTheFields) {
  RuleSet r = DefaultRuleSet();
  r.any_adr_unstable = true;
  r.review_not_stable = TwoWeekReviewOutcome::kGuidanceAndOneMonth;
  r.stable_interval_months = 2;
  std::map<std::string, std::string> v = Values(r);
  EXPECT_EQ(v["any-adr-unstable"], "true");
  EXPECT_EQ(v["review-not-stable"], "guidance-1-month");
  EXPECT_EQ(v["stable-interval-months"], "2");
  // The names and values are the configuration's: each parses back.
  for (const RuleOptionInfo& o : DescribeRuleSet(r)) {
    if (FindRuleOption(o.name) != nullptr) {
      RuleSet copy = DefaultRuleSet();
      EXPECT_TRUE(SetRuleOption(copy, o.name, o.value, "test").ok()) << o.name;
    }
    if (o.name == "stable-interval-months") {
      EXPECT_NE(o.meaning_zh.find("2 个月"), std::string::npos) << o.meaning_zh;
    }
  }
}

}  // namespace
}  // namespace smd::domain
