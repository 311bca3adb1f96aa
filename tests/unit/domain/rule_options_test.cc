// The named options of a rule set (domain/rule_options.h; rules.md "Product decisions";
// ADR 0014): canonical names, parsing and validation, and Classify/Assess under each
// option against rules.md §4 and the §11.1 examples.

#include "domain/rule_options.h"

#include <set>
#include <string>
#include <vector>

#include "domain/metrics.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace smd::domain {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

using A = RequiredAction;
using C = Classification;

const absl::CivilDay kVisit(2024, 3, 1);
const absl::CivilDay kTwoWeeks(2024, 3, 15);
const absl::CivilDay kOneMonth(2024, 4, 1);
const absl::CivilDay kThreeMonths(2024, 6, 1);

RuleSet Parse(const std::string& spec, const std::vector<std::string>& options = {}) {
  absl::StatusOr<RuleSet> r = ParseRuleSet(spec, options);
  EXPECT_TRUE(r.ok()) << spec << ": " << r.status();
  return r.ok() ? *r : RuleSet{};
}

// rules.md §11.1 C01: every criterion of 稳定, on 2024-03-01.
FollowUpForm StableVisit() {
  FollowUpForm f;
  f.visit_date = kVisit;
  f.mode = VisitMode::kClinic;
  f.subjects = {1};
  f.risk_level = 0;
  f.symptom_severity = SymptomSeverity::kNone;
  f.insight = Insight::kComplete;
  f.sleep = kGood;
  f.diet = kGood;
  f.social = {kGood, kGood, kNotApplicable, kFair, kGood};
  f.lockup = LockupStatus::kNone;
  f.hospitalization = Hospitalization::kNever;
  f.adherence = Adherence::kRegular;
  f.adr = AdverseReaction::kNone;
  f.physical = PhysicalIllness::kNone;
  return f;
}

// ---------------------------------------------------------------------------------------
// The catalogue and canonical names.

TEST(RuleOptionsTest, CatalogueNamesEveryOptionOfTheDecisionsTable) {
  std::vector<std::string> names;
  for (const RuleOptionDef& d : RuleOptions()) {
    names.emplace_back(d.name);
    EXPECT_THAT(std::string(d.source), StartsWith("rules.md")) << d.name;
    EXPECT_FALSE(d.meaning_zh.empty()) << d.name;
    EXPECT_FALSE(d.meaning_en.empty()) << d.name;
    EXPECT_EQ(FindRuleOption(d.name), &d);
  }
  EXPECT_THAT(names, ElementsAre("partial-insight-stable", "any-adr-unstable", "review-not-stable",
                                 "first-visit-days", "standardized", "medication"));
  EXPECT_EQ(FindRuleOption("any_adr_unstable"), nullptr);
}

TEST(RuleOptionsTest, BaseSetsKeepTheirNames) {
  EXPECT_EQ(CanonicalRuleSetName(DefaultRuleSet()), "jiangsu-2018");
  EXPECT_EQ(CanonicalRuleSetName(*FindRuleSet("national-2018")), "national-2018");
  EXPECT_EQ(Parse("jiangsu-2018").name, "jiangsu-2018");
  EXPECT_EQ(Parse("national-2018").name, "national-2018");
}

TEST(RuleOptionsTest, EachOptionAloneOnTheDefault) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"partial-insight-stable", "jiangsu-2018+partial-insight-stable"},
      {"partial-insight-stable=true", "jiangsu-2018+partial-insight-stable"},
      {"any-adr-unstable", "jiangsu-2018+any-adr-unstable"},
      {"review-not-stable=guidance-1-month", "jiangsu-2018+review-not-stable=guidance-1-month"},
      {"first-visit-days=7", "jiangsu-2018+first-visit-days=7"},
      {"standardized=r2", "jiangsu-2018+standardized=r2"},
      {"medication=any-record", "jiangsu-2018+medication=any-record"},
      // A value equal to the base's default is not named.
      {"any-adr-unstable=false", "jiangsu-2018"},
      {"first-visit-days=14", "jiangsu-2018"},
      {"standardized=r1", "jiangsu-2018"},
  };
  for (const auto& [item, want] : cases) {
    EXPECT_EQ(Parse("jiangsu-2018+" + item).name, want) << item;
    EXPECT_EQ(Parse("jiangsu-2018", {item}).name, want) << item;
  }
}

TEST(RuleOptionsTest, CanonicalNameDependsOnTheValuesOnly) {
  // Order of the items and the way they are given do not matter.
  const RuleSet a = Parse("jiangsu-2018+first-visit-days=7+any-adr-unstable");
  const RuleSet b = Parse("jiangsu-2018", {"any-adr-unstable=true", "first-visit-days=7"});
  EXPECT_EQ(a.name, "jiangsu-2018+any-adr-unstable+first-visit-days=7");
  EXPECT_EQ(b.name, a.name);
  // The nearest base names the set: the national metric variants on the Jiangsu base are
  // national-2018, and the other way round.
  EXPECT_EQ(Parse("jiangsu-2018+standardized=r2+medication=any-record").name, "national-2018");
  EXPECT_EQ(Parse("national-2018+standardized=r1+medication=last-visit").name, "jiangsu-2018");
  EXPECT_EQ(Parse("national-2018+any-adr-unstable").name, "national-2018+any-adr-unstable");
  // A tie goes to the first base (RuleSetNames order).
  EXPECT_EQ(Parse("national-2018+standardized=r1").name, "jiangsu-2018+medication=any-record");
  // The name field is not read.
  RuleSet r = DefaultRuleSet();
  r.name = "whatever";
  r.any_adr_unstable = true;
  EXPECT_EQ(CanonicalRuleSetName(r), "jiangsu-2018+any-adr-unstable");
}

TEST(RuleOptionsTest, LaterValuesReplaceEarlierOnes) {
  EXPECT_EQ(Parse("jiangsu-2018+any-adr-unstable", {"any-adr-unstable=false"}).name,
            "jiangsu-2018");
  EXPECT_EQ(Parse("jiangsu-2018+first-visit-days=7+first-visit-days=10").name,
            "jiangsu-2018+first-visit-days=10");
  EXPECT_EQ(Parse("jiangsu-2018", {"standardized=r2", "standardized=r1"}).name, "jiangsu-2018");
}

// Every combination of option values has one name, and the name parses back to the same
// values: stored results stay traceable.
TEST(RuleOptionsTest, EveryCombinationRoundTrips) {
  std::set<std::string> names;
  int combinations = 0;
  for (int bits = 0; bits < 32; ++bits) {
    for (int days : {14, 7, 90}) {
      RuleSet r = DefaultRuleSet();
      r.partial_insight_compatible_with_stable = bits & 1;
      r.any_adr_unstable = bits & 2;
      r.review_not_stable = (bits & 4) ? TwoWeekReviewOutcome::kGuidanceAndOneMonth
                                       : TwoWeekReviewOutcome::kReferAndTwoWeeks;
      r.standardized_r2 = bits & 8;
      r.medication_any_record = bits & 16;
      r.first_visit_after_discharge_days = days;
      const std::string name = CanonicalRuleSetName(r);
      names.insert(name);
      ++combinations;
      const RuleSet back = Parse(name);
      EXPECT_EQ(back.name, name);
      EXPECT_EQ(RuleOptionValues(back), RuleOptionValues(r)) << name;
    }
  }
  EXPECT_EQ(static_cast<int>(names.size()), combinations) << "one name per combination";
}

TEST(RuleOptionsTest, ValuesForTheStartUpLog) {
  EXPECT_THAT(RuleOptionValues(DefaultRuleSet()),
              ElementsAre(std::pair<std::string, std::string>{"partial-insight-stable", "false"},
                          std::pair<std::string, std::string>{"any-adr-unstable", "false"},
                          std::pair<std::string, std::string>{"review-not-stable", "refer-2-weeks"},
                          std::pair<std::string, std::string>{"first-visit-days", "14"},
                          std::pair<std::string, std::string>{"standardized", "r1"},
                          std::pair<std::string, std::string>{"medication", "last-visit"}));
  const RuleSet n = Parse("national-2018");
  EXPECT_EQ(RuleOptionValues(n)[4].second, "r2");
  EXPECT_EQ(RuleOptionValues(n)[5].second, "any-record");
}

// ---------------------------------------------------------------------------------------
// Validation: every mistake stops the server with a message naming the flag and the item.

TEST(RuleOptionsTest, RefusesUnknownBasesOptionsAndBadValues) {
  struct Bad {
    std::string spec;
    std::vector<std::string> options;
    std::vector<std::string> says;
  };
  const std::vector<Bad> cases = {
      {"", {}, {"--rule-set", "unknown rule set", "jiangsu-2018, national-2018"}},
      {"jiangsu-2011", {}, {"--rule-set", "未知的规则集", "jiangsu-2011"}},
      {"Jiangsu-2018", {}, {"--rule-set", "unknown rule set"}},
      {"jiangsu-2018+", {}, {"--rule-set", "empty rule option"}},
      {"jiangsu-2018+mild-adr", {}, {"--rule-set", "unknown rule option mild-adr", "known:"}},
      {"jiangsu-2018", {"any_adr_unstable=true"}, {"--rule-option", "未知的规则选项"}},
      {"jiangsu-2018", {"any-adr-unstable=yes"}, {"--rule-option", "true | false"}},
      {"jiangsu-2018", {"any-adr-unstable="}, {"--rule-option", "invalid value"}},
      {"jiangsu-2018", {"first-visit-days=0"}, {"--rule-option", "1..90"}},
      {"jiangsu-2018", {"first-visit-days=91"}, {"1..90"}},
      {"jiangsu-2018", {"first-visit-days=+7"}, {"1..90"}},
      {"jiangsu-2018", {"first-visit-days=7d"}, {"1..90"}},
      {"jiangsu-2018", {"first-visit-days"}, {"needs a value", "first-visit-days=1..90"}},
      {"jiangsu-2018+standardized=R2", {}, {"--rule-set", "r1 | r2"}},
      {"jiangsu-2018", {"medication=last"}, {"last-visit | any-record"}},
      {"jiangsu-2018", {"review-not-stable=1-month"}, {"refer-2-weeks | guidance-1-month"}},
      {"jiangsu-2018", {"=true"}, {"empty rule option"}},
  };
  for (const Bad& b : cases) {
    absl::StatusOr<RuleSet> r = ParseRuleSet(b.spec, b.options);
    ASSERT_FALSE(r.ok()) << b.spec;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << b.spec;
    for (const std::string& s : b.says) {
      EXPECT_THAT(std::string(r.status().message()), HasSubstr(s)) << b.spec;
    }
  }
}

// ---------------------------------------------------------------------------------------
// Classify and Assess under each option (rules.md §4.1, §4.2, §11.1).

// rules.md §4.1 (b): a mild ADR alone is 稳定 by the literal rule, 不稳定 with the option,
// which then takes the 不稳定 path of §4.2 (refer now, care team, within 2 weeks).
TEST(RuleOptionsAssess, MildAdrAlone) {
  FollowUpForm f = StableVisit();
  f.adr = AdverseReaction::kMild;
  f.adr_text = "口干";
  const Assessment literal = Assess(f, {}, Parse("jiangsu-2018"));
  EXPECT_EQ(literal.final_class, C::kStable);
  EXPECT_EQ(literal.next_due, kThreeMonths);
  EXPECT_EQ(literal.rule_set, "jiangsu-2018");
  const RuleSet any = Parse("jiangsu-2018", {"any-adr-unstable=true"});
  const Assessment a = Assess(f, {}, any);
  EXPECT_EQ(a.computed, C::kUnstable);
  EXPECT_EQ(a.final_class, C::kUnstable);
  EXPECT_THAT(a.actions, ElementsAre(A::kReferNow, A::kAssignCareTeam, A::kHealthEducation));
  EXPECT_THAT(a.actions, Not(Contains(A::kNotifyPolice))) << "not a risk-driven alert";
  EXPECT_EQ(a.next_due, kTwoWeeks);
  EXPECT_EQ(a.rule_set, "jiangsu-2018+any-adr-unstable");
  // Without any ADR the option changes nothing.
  EXPECT_EQ(Assess(StableVisit(), {}, any).final_class, C::kStable);
}

// rules.md §4.1 (a), §11.1 C09: 自知力不全 alone is 基本稳定, or 稳定 with the option.
TEST(RuleOptionsAssess, PartialInsightAlone) {
  FollowUpForm f = StableVisit();
  f.insight = Insight::kPartial;
  EXPECT_EQ(Assess(f, {}, Parse("jiangsu-2018")).final_class, C::kBasicallyStable);
  const Assessment a = Assess(f, {}, Parse("jiangsu-2018+partial-insight-stable"));
  EXPECT_EQ(a.final_class, C::kStable);
  EXPECT_EQ(a.next_due, kThreeMonths);
  EXPECT_EQ(a.rule_set, "jiangsu-2018+partial-insight-stable");
  // 不全 with marked symptoms (C07) stays 不稳定.
  f.symptom_severity = SymptomSeverity::kMarked;
  EXPECT_EQ(Assess(f, {}, Parse("jiangsu-2018+partial-insight-stable")).final_class, C::kUnstable);
}

// rules.md §4.2 row "基本稳定, at the 2-week review": refer and 2 weeks (default) or the
// 2011 text's specialist guidance and 1 month.
TEST(RuleOptionsAssess, StillNotStableAtTheTwoWeekReview) {
  FollowUpForm f = StableVisit();
  f.risk_level = 1;
  PriorState prior;
  prior.last_valid_visit = kVisit - 14;
  prior.last_class = C::kBasicallyStable;
  prior.last_due_was_two_week_review = true;
  const Assessment refer = Assess(f, prior, Parse("jiangsu-2018"));
  EXPECT_THAT(refer.actions, Contains(A::kReferNow));
  EXPECT_EQ(refer.next_due, kTwoWeeks);
  const Assessment guidance =
      Assess(f, prior, Parse("jiangsu-2018", {"review-not-stable=guidance-1-month"}));
  EXPECT_THAT(guidance.actions, Contains(A::kSpecialistGuidance));
  EXPECT_THAT(guidance.actions, Not(Contains(A::kReferNow)));
  EXPECT_EQ(guidance.next_due, kOneMonth);
  EXPECT_FALSE(guidance.next_is_two_week_review);
  EXPECT_EQ(guidance.rule_set, "jiangsu-2018+review-not-stable=guidance-1-month");
}

// Decisions "First follow-up after a discharge notice": 14 days, configurable.
TEST(RuleOptionsAssess, FirstVisitDays) {
  EXPECT_EQ(FirstVisitDueAfterDischarge(kVisit, Parse("jiangsu-2018")), kTwoWeeks);
  EXPECT_EQ(FirstVisitDueAfterDischarge(kVisit, Parse("jiangsu-2018+first-visit-days=7")),
            absl::CivilDay(2024, 3, 8));
  EXPECT_EQ(FirstVisitDueAfterDischarge(kVisit, Parse("jiangsu-2018+first-visit-days=90")),
            absl::CivilDay(2024, 5, 30));
}

// rules.md §11.1: under every single option, every example keeps its default class except
// C09 with partial-insight-stable (稳定); none of the twelve has a mild ADR, so
// any-adr-unstable changes none. The metric options and the review option change no class.
TEST(RuleOptionsAssess, Section11_1UnderEachOption) {
  using S = SymptomSeverity;
  using I = Insight;
  using R = AdverseReaction;
  struct Row {
    std::string id;
    int risk;
    S sym;
    I ins;
    bool social_poor;
    R adr;
    C expected;
  };
  const std::vector<Row> rows = {
      {"C01", 0, S::kNone, I::kComplete, false, R::kNone, C::kStable},
      {"C02", 1, S::kNone, I::kComplete, false, R::kNone, C::kBasicallyStable},
      {"C03", 2, S::kNone, I::kComplete, false, R::kNone, C::kBasicallyStable},
      {"C04", 3, S::kNone, I::kComplete, false, R::kNone, C::kUnstable},
      {"C05", 4, S::kResidual, I::kPartial, true, R::kNone, C::kUnstable},
      {"C06", 5, S::kMarked, I::kLacking, true, R::kNone, C::kUnstable},
      {"C07", 0, S::kMarked, I::kPartial, false, R::kNone, C::kUnstable},
      {"C08", 0, S::kNone, I::kLacking, false, R::kNone, C::kUnstable},
      {"C09", 0, S::kNone, I::kPartial, false, R::kNone, C::kBasicallyStable},
      {"C10", 0, S::kResidual, I::kComplete, false, R::kNone, C::kBasicallyStable},
      {"C11", 0, S::kNone, I::kComplete, true, R::kNone, C::kBasicallyStable},
      {"C12", 0, S::kNone, I::kComplete, false, R::kSerious, C::kUnstable},
  };
  const std::vector<std::string> options = {
      "partial-insight-stable", "any-adr-unstable", "review-not-stable=guidance-1-month",
      "first-visit-days=7",     "standardized=r2",  "medication=any-record"};
  for (const std::string& option : options) {
    const RuleSet rules = Parse("jiangsu-2018", {option});
    for (const Row& row : rows) {
      FollowUpForm f = StableVisit();
      f.risk_level = row.risk;
      f.symptom_severity = row.sym;
      f.insight = row.ins;
      if (row.social_poor) f.social.housework = kPoor;
      f.adr = row.adr;
      if (row.adr != R::kNone) f.adr_text = "锥体外系反应";
      if (row.id == "C05") f.behaviour.self_harm = 1;
      const C want =
          option == "partial-insight-stable" && row.id == "C09" ? C::kStable : row.expected;
      const Assessment a = Assess(f, {}, rules);
      EXPECT_EQ(Classify(f, rules), want) << option << " " << row.id;
      EXPECT_EQ(a.final_class, want) << option << " " << row.id;
      EXPECT_EQ(a.next_due, want == C::kStable ? kThreeMonths : kTwoWeeks) << option << row.id;
      EXPECT_EQ(a.rule_set, rules.name);
      EXPECT_THAT(a.rule_set, HasSubstr(option.substr(0, option.find('=')))) << option;
    }
  }
}

// ---------------------------------------------------------------------------------------
// The metric variant of one call (rules.md §5; decisions 规范管理, 服药).

TEST(RuleOptionsMetrics, WithMetricChoiceNamesWhatWasComputed) {
  const RuleSet& jiangsu = DefaultRuleSet();
  EXPECT_EQ(WithMetricChoice(jiangsu, {}).name, "jiangsu-2018");
  const RuleSet national = WithMetricChoice(jiangsu, {true, true});
  EXPECT_EQ(national.name, "national-2018");
  EXPECT_TRUE(national.standardized_r2);
  EXPECT_TRUE(national.medication_any_record);
  EXPECT_EQ(WithMetricChoice(jiangsu, {true, std::nullopt}).name, "jiangsu-2018+standardized=r2");
  // A deployment option stays: the stored classes were made under it.
  const RuleSet adr = Parse("jiangsu-2018+any-adr-unstable");
  EXPECT_EQ(WithMetricChoice(adr, {true, true}).name, "national-2018+any-adr-unstable");
  EXPECT_TRUE(WithMetricChoice(adr, {true, true}).any_adr_unstable);
  // A national deployment asked for the Jiangsu variant.
  EXPECT_EQ(WithMetricChoice(Parse("national-2018"), {false, false}).name, "jiangsu-2018");
  // Nothing chosen: the deployment as it is.
  RuleSet custom = DefaultRuleSet();
  custom.name = "custom";
  EXPECT_EQ(WithMetricChoice(custom, {}).name, "custom");
}

// rules.md §11.2 M3 figures under the parsed options: R1 2/5, R2 4/5.
TEST(RuleOptionsMetrics, NumeratorFollowsTheOptions) {
  const IndicatorDef* std_rate = FindIndicator(Indicator::kStandardizedManagementRate);
  const IndicatorDef* med = FindIndicator(Indicator::kMedicationRate);
  const IndicatorDef* f20 = FindIndicator(Indicator::kSchizophreniaMedicationRate);
  ASSERT_NE(std_rate, nullptr);
  EXPECT_EQ(NumeratorStatus(*std_rate, Parse("jiangsu-2018")), MetricStatus::kStandardR1);
  EXPECT_EQ(NumeratorStatus(*std_rate, Parse("jiangsu-2018+standardized=r2")),
            MetricStatus::kStandardR2);
  EXPECT_EQ(NumeratorStatus(*med, Parse("jiangsu-2018+medication=any-record")),
            MetricStatus::kOnMedicationAny);
  EXPECT_EQ(NumeratorStatus(*f20, Parse("national-2018")),
            MetricStatus::kSchizophreniaOnMedicationAny);
  StatusCounts counts;
  counts.count[static_cast<int>(MetricStatus::kRegistered)] = 5;
  counts.count[static_cast<int>(MetricStatus::kStandardR1)] = 2;
  counts.count[static_cast<int>(MetricStatus::kStandardR2)] = 4;
  const ReportingPeriod year = PeriodAsOf(absl::CivilDay(2024, 12, 31));
  const MetricReport r1 = ComputeRates(counts, std::nullopt, year, Parse("jiangsu-2018"));
  const MetricReport r2 =
      ComputeRates(counts, std::nullopt, year, Parse("jiangsu-2018+standardized=r2"));
  EXPECT_DOUBLE_EQ(*r1.Find(Indicator::kStandardizedManagementRate)->rate.value, 40.0);
  EXPECT_DOUBLE_EQ(*r2.Find(Indicator::kStandardizedManagementRate)->rate.value, 80.0);
  EXPECT_EQ(r2.rule_set, "jiangsu-2018+standardized=r2");
}

}  // namespace
}  // namespace smd::domain
