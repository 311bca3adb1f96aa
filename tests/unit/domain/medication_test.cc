#include "domain/medication.h"

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "unit/domain/test_helpers.h"

namespace smd::domain {
namespace {

using ::smd::domain::testing::IsFieldError;
using ::smd::domain::testing::IsOk;
using ::testing::AllOf;
using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;

// A small in-test catalogue with the codes and ranges of migration 0003.
DrugInfo Oral(std::string code, std::string zh, std::string en, DrugKind kind, double lo,
              double hi) {
  DrugInfo d;
  d.code = std::move(code);
  d.name_zh = std::move(zh);
  d.name_en = std::move(en);
  d.kind = kind;
  d.long_acting = false;
  d.min_daily_mg = lo;
  d.max_daily_mg = hi;
  d.source = "test";
  return d;
}

DrugInfo Lai(std::string code, std::string zh, std::string en, double lo, double hi, int wlo,
             int whi) {
  DrugInfo d;
  d.code = std::move(code);
  d.name_zh = std::move(zh);
  d.name_en = std::move(en);
  d.kind = DrugKind::kLongActingInjectable;
  d.long_acting = true;
  d.min_dose_mg = lo;
  d.max_dose_mg = hi;
  d.min_interval_weeks = wlo;
  d.max_interval_weeks = whi;
  d.source = "test";
  return d;
}

class MedicationTest : public ::testing::Test {
 protected:
  MedicationTest() {
    for (DrugInfo d : {
             Oral("risperidone", "利培酮", "risperidone", DrugKind::kOralAntipsychotic, 1, 6),
             Oral("clozapine", "氯氮平", "clozapine", DrugKind::kOralAntipsychotic, 25, 600),
             Oral("olanzapine", "奥氮平", "olanzapine", DrugKind::kOralAntipsychotic, 5, 20),
             Oral("lithium_carbonate", "碳酸锂", "lithium carbonate", DrugKind::kMoodStabiliser,
                  250, 2000),
             Oral("sodium_valproate", "丙戊酸钠", "sodium valproate", DrugKind::kMoodStabiliser,
                  500, 2000),
             Oral("magnesium_valproate", "丙戊酸镁", "magnesium valproate",
                  DrugKind::kAntiEpileptic, 400, 1600),
             Oral("carbamazepine", "卡马西平", "carbamazepine", DrugKind::kAntiEpileptic, 200,
                  1600),
             Oral("trihexyphenidyl", "苯海索", "trihexyphenidyl", DrugKind::kAdjunct, 2, 10),
             Lai("paliperidone_palmitate_1m", "棕榈酸帕利哌酮注射液（1月）",
                 "paliperidone palmitate (monthly)", 25, 150, 4, 4),
             Lai("fluphenazine_decanoate", "癸氟奋乃静注射液", "fluphenazine decanoate", 12.5,
                 100, 2, 4),
         }) {
      catalogue_.emplace(d.code, d);
    }
    lookup_ = [this](std::string_view code) -> const DrugInfo* {
      auto it = catalogue_.find(std::string(code));
      return it == catalogue_.end() ? nullptr : &it->second;
    };
  }

  static MedicationLine OralLine(std::string code, double morning, double noon, double evening) {
    MedicationLine l;
    l.drug_code = std::move(code);
    l.morning_mg = morning;
    l.noon_mg = noon;
    l.evening_mg = evening;
    return l;
  }

  static MedicationLine LaiLine(std::string code, int weeks, double dose) {
    MedicationLine l;
    l.drug_code = std::move(code);
    l.long_acting = true;
    l.interval_weeks = weeks;
    l.dose_mg = dose;
    return l;
  }

  absl::Status Check(const std::vector<MedicationLine>& lines,
                     std::string_view field = "medications") {
    return CheckMedications(lines, lookup_, field);
  }

  std::map<std::string, DrugInfo> catalogue_;
  DrugLookup lookup_;
};

// ---- CheckMedications ----

using MedicationCheckTest = MedicationTest;

TEST_F(MedicationCheckTest, InRangeLinesAreAccepted) {
  EXPECT_THAT(Check({}), IsOk());
  EXPECT_THAT(Check({OralLine("risperidone", 2, 0, 2), OralLine("trihexyphenidyl", 2, 0, 0),
                     LaiLine("paliperidone_palmitate_1m", 4, 100)}),
              IsOk());
  // The bounds themselves are in range.
  EXPECT_THAT(Check({OralLine("risperidone", 0, 0, 1)}), IsOk());
  EXPECT_THAT(Check({OralLine("risperidone", 2, 2, 2)}), IsOk());
  EXPECT_THAT(Check({LaiLine("fluphenazine_decanoate", 2, 12.5)}), IsOk());
}

TEST_F(MedicationCheckTest, DailyTotalOutOfRangeIsRefusedNamingTheDrug) {
  // Each dose alone is in range; the daily total (8 mg) is not.
  const absl::Status s = Check({OralLine("olanzapine", 10, 0, 10),
                                OralLine("risperidone", 4, 0, 4)});
  EXPECT_THAT(s, IsFieldError("medications[1]"));
  EXPECT_EQ(s.message(),
            "medications[1]: 利培酮 (risperidone) 日剂量超出常用范围 1–6 mg (daily dose outside "
            "the usual range); 如确需使用请确认并填写理由 (confirm with a reason)");
}

TEST_F(MedicationCheckTest, BelowTheRangeIsRefusedAndTheDoseIsNotEchoed) {
  const absl::Status s = Check({OralLine("clozapine", 0, 0, 12.5)}, "guidance");
  EXPECT_THAT(s, IsFieldError("guidance[0]"));
  EXPECT_THAT(std::string(s.message()), AllOf(HasSubstr("氯氮平 (clozapine)"),
                                              HasSubstr("25–600 mg"), Not(HasSubstr("12.5"))));
}

TEST_F(MedicationCheckTest, ConfirmedWithAReasonIsAccepted) {
  MedicationLine l = OralLine("risperidone", 4, 0, 4);
  l.out_of_range_confirmed = true;
  l.confirm_reason = "上级医院处方，病情需要";
  EXPECT_THAT(Check({l}), IsOk());
}

TEST_F(MedicationCheckTest, ConfirmedWithoutAReasonIsRefused) {
  MedicationLine l = OralLine("risperidone", 4, 0, 4);
  l.out_of_range_confirmed = true;
  EXPECT_THAT(Check({l}), IsFieldError("medications[0].confirm_reason"));
  l.confirm_reason = " \u3000 ";  // blank, including an ideographic space
  EXPECT_THAT(Check({l}), IsFieldError("medications[0].confirm_reason"));
}

TEST_F(MedicationCheckTest, AReasonWithoutTheConfirmationDoesNotAccept) {
  MedicationLine l = OralLine("risperidone", 4, 0, 4);
  l.confirm_reason = "病情需要";
  EXPECT_THAT(Check({l}), IsFieldError("medications[0]"));
}

TEST_F(MedicationCheckTest, ConfirmReasonIsCheckedAsText) {
  MedicationLine l = OralLine("risperidone", 4, 0, 4);
  l.out_of_range_confirmed = true;
  l.confirm_reason = std::string(201, 'x');
  EXPECT_THAT(Check({l}), IsFieldError("medications[0].confirm_reason"));
}

TEST_F(MedicationCheckTest, UnknownOrMissingCodeIsRefused) {
  const absl::Status s = Check({OralLine("risperidone", 2, 0, 0), OralLine("nosuchdrug", 1, 0, 0)});
  EXPECT_THAT(s, IsFieldError("medications[1].drug_code"));
  EXPECT_EQ(s.message(), "medications[1].drug_code: 药品不在目录中 (not in the drug catalogue)");
  EXPECT_THAT(Check({OralLine("", 1, 0, 0)}), IsFieldError("medications[0].drug_code"));
  EXPECT_THAT(CheckMedications({OralLine("risperidone", 2, 0, 0)}, DrugLookup{}, "medications"),
              IsFieldError("medications[0].drug_code"));
}

TEST_F(MedicationCheckTest, TheSameDrugTwiceIsRefused) {
  EXPECT_THAT(Check({OralLine("risperidone", 2, 0, 0), OralLine("risperidone", 0, 0, 2)}),
              IsFieldError("medications[1].drug_code"));
}

TEST_F(MedicationCheckTest, OralAndLongActingMustMatchTheCatalogue) {
  EXPECT_THAT(Check({LaiLine("risperidone", 2, 25)}), IsFieldError("medications[0].long_acting"));
  EXPECT_THAT(Check({OralLine("paliperidone_palmitate_1m", 100, 0, 0)}),
              IsFieldError("medications[0].long_acting"));
}

TEST_F(MedicationCheckTest, OralDosesMustBePlausible) {
  EXPECT_THAT(Check({OralLine("risperidone", -1, 0, 3)}), IsFieldError("medications[0].morning_mg"));
  EXPECT_THAT(Check({OralLine("risperidone", 0, 0, 0)}), IsFieldError("medications[0].morning_mg"));
  EXPECT_THAT(Check({OralLine("risperidone", 0, std::nan(""), 2)}),
              IsFieldError("medications[0].noon_mg"));
  MedicationLine l = OralLine("risperidone", 2, 0, 0);
  l.interval_weeks = 2;
  EXPECT_THAT(Check({l}), IsFieldError("medications[0].interval_weeks"));
}

TEST_F(MedicationCheckTest, LongActingFieldsMustBePlausible) {
  EXPECT_THAT(Check({LaiLine("paliperidone_palmitate_1m", 0, 100)}),
              IsFieldError("medications[0].interval_weeks"));
  EXPECT_THAT(Check({LaiLine("paliperidone_palmitate_1m", 53, 100)}),
              IsFieldError("medications[0].interval_weeks"));
  EXPECT_THAT(Check({LaiLine("paliperidone_palmitate_1m", 4, 0)}),
              IsFieldError("medications[0].dose_mg"));
  MedicationLine l = LaiLine("paliperidone_palmitate_1m", 4, 100);
  l.evening_mg = 3;
  EXPECT_THAT(Check({l}), IsFieldError("medications[0].morning_mg"));
}

TEST_F(MedicationCheckTest, LongActingDoseOutOfRangeIsRefused) {
  const absl::Status s = Check({LaiLine("paliperidone_palmitate_1m", 4, 200)});
  EXPECT_THAT(s, IsFieldError("medications[0]"));
  EXPECT_THAT(std::string(s.message()),
              AllOf(HasSubstr("棕榈酸帕利哌酮注射液（1月） (paliperidone palmitate (monthly))"),
                    HasSubstr("每次剂量超出常用范围 25–150 mg"),
                    HasSubstr("dose per injection outside the usual range"),
                    Not(HasSubstr("200"))));
}

TEST_F(MedicationCheckTest, LongActingIntervalOutOfRangeIsRefused) {
  // The initiation dose of paliperidone palmitate a week after the first one.
  const absl::Status s = Check({LaiLine("paliperidone_palmitate_1m", 1, 100)});
  EXPECT_THAT(s, IsFieldError("medications[0]"));
  EXPECT_THAT(std::string(s.message()),
              AllOf(HasSubstr("注射间隔超出常用范围 每4周"), HasSubstr("every 4 weeks")));
  const absl::Status t = Check({LaiLine("fluphenazine_decanoate", 6, 25)});
  EXPECT_THAT(std::string(t.message()),
              AllOf(HasSubstr("每2–4周"), HasSubstr("every 2–4 weeks")));
  EXPECT_THAT(Check({LaiLine("fluphenazine_decanoate", 3, 12.5)}), IsOk());
  EXPECT_THAT(Check({LaiLine("fluphenazine_decanoate", 3, 12)}), IsFieldError("medications[0]"));

  MedicationLine l = LaiLine("paliperidone_palmitate_1m", 1, 100);
  l.out_of_range_confirmed = true;
  l.confirm_reason = "起始治疗第8天注射";
  EXPECT_THAT(Check({l}), IsOk());
}

TEST_F(MedicationCheckTest, MissingBoundsAreNotChecked) {
  catalogue_["risperidone"].max_daily_mg.reset();
  EXPECT_THAT(Check({OralLine("risperidone", 10, 0, 10)}), IsOk());
  const absl::Status s = Check({OralLine("risperidone", 0, 0, 0.5)});
  EXPECT_THAT(std::string(s.message()), HasSubstr("≥1 mg"));
}

TEST_F(MedicationCheckTest, ReportsTheFirstFailingLine) {
  EXPECT_THAT(Check({OralLine("risperidone", 2, 0, 0), OralLine("olanzapine", 30, 0, 0),
                     OralLine("nosuchdrug", 1, 0, 0)}),
              IsFieldError("medications[1]"));
}

// ---- MedicationGuidance ----

using MedicationGuidanceTest = MedicationTest;

std::string Joined(const std::vector<std::string>& items) {
  std::string all;
  for (const std::string& s : items) all += s + "\n";
  return all;
}

TEST_F(MedicationGuidanceTest, ListsAreParallel) {
  for (Adherence a : {Adherence::kUnspecified, Adherence::kRegular, Adherence::kIntermittent,
                      Adherence::kNotTaking, Adherence::kNotNeeded}) {
    for (AdverseReaction r : {AdverseReaction::kUnspecified, AdverseReaction::kNone,
                              AdverseReaction::kMild, AdverseReaction::kSerious}) {
      GuidanceInput in;
      in.regimen = {OralLine("clozapine", 50, 0, 100), OralLine("lithium_carbonate", 250, 0, 250),
                    LaiLine("paliperidone_palmitate_1m", 4, 100)};
      in.adherence = a;
      in.adr = r;
      in.last_visit = absl::CivilDay(2024, 3, 1);
      const Guidance g = MedicationGuidance(in, lookup_);
      EXPECT_EQ(g.items_zh.size(), g.items_en.size());
      EXPECT_FALSE(g.items_zh.empty());
    }
  }
}

TEST_F(MedicationGuidanceTest, RegularAdherenceIsPraised) {
  GuidanceInput in;
  in.regimen = {OralLine("risperidone", 2, 0, 2)};
  in.adherence = Adherence::kRegular;
  const Guidance g = MedicationGuidance(in, lookup_);
  EXPECT_THAT(g.items_zh[0], HasSubstr("做得很好"));
  EXPECT_THAT(g.items_en[0], HasSubstr("well done"));
  EXPECT_THAT(Joined(g.items_zh), Not(HasSubstr("第四十九条")));
}

TEST_F(MedicationGuidanceTest, IntermittentAdherenceGetsCounselling) {
  GuidanceInput in;
  in.regimen = {OralLine("risperidone", 2, 0, 2)};
  in.adherence = Adherence::kIntermittent;
  const Guidance g = MedicationGuidance(in, lookup_);
  const std::string zh = Joined(g.items_zh);
  const std::string en = Joined(g.items_en);
  EXPECT_THAT(g.items_zh[0], HasSubstr("没有按医嘱按时按量服药"));
  EXPECT_THAT(zh, AllOf(HasSubstr("预防复发"), HasSubstr("《精神卫生法》第四十九条"),
                        HasSubstr("分格药盒"), HasSubstr("不要自行停药"),
                        HasSubstr("副作用")));
  EXPECT_THAT(en, AllOf(HasSubstr("prevent relapse"), HasSubstr("Art. 49"),
                        HasSubstr("pill box"), HasSubstr("Do not stop")));
}

TEST_F(MedicationGuidanceTest, NotTakingGetsCounsellingToRestart) {
  GuidanceInput in;
  in.regimen = {OralLine("risperidone", 2, 0, 2)};
  in.adherence = Adherence::kNotTaking;
  const Guidance g = MedicationGuidance(in, lookup_);
  EXPECT_THAT(g.items_zh[0], AllOf(HasSubstr("没有服药"), HasSubstr("恢复用药")));
  EXPECT_THAT(g.items_en[0], HasSubstr("restart"));
  EXPECT_THAT(Joined(g.items_zh), AllOf(HasSubstr("第四十九条"), HasSubstr("分格药盒")));
}

TEST_F(MedicationGuidanceTest, NotNeededWatchesForRelapse) {
  GuidanceInput in;
  in.adherence = Adherence::kNotNeeded;
  const Guidance g = MedicationGuidance(in, lookup_);
  EXPECT_THAT(g.items_zh[0], HasSubstr("不需要服药"));
  EXPECT_THAT(Joined(g.items_zh), AllOf(HasSubstr("复发的早期信号"), HasSubstr("睡不好觉"),
                                        HasSubstr("自言自语"), HasSubstr("不肯吃药"),
                                        Not(HasSubstr("第四十九条"))));
  EXPECT_THAT(Joined(g.items_en), HasSubstr("early signs of relapse"));
  EXPECT_FALSE(g.next_injection.has_value());
  EXPECT_FALSE(g.refer_for_adverse_reaction);
}

TEST_F(MedicationGuidanceTest, UnspecifiedAdherenceIsNeutral) {
  GuidanceInput in;
  in.regimen = {OralLine("risperidone", 2, 0, 2)};
  const Guidance g = MedicationGuidance(in, lookup_);
  EXPECT_THAT(g.items_zh[0], HasSubstr("请按医嘱按时按量服药"));
}

TEST_F(MedicationGuidanceTest, RelapseSignsAreAlwaysGiven) {
  GuidanceInput in;
  in.regimen = {OralLine("risperidone", 2, 0, 2)};
  in.adherence = Adherence::kRegular;
  const Guidance g = MedicationGuidance(in, lookup_);
  EXPECT_THAT(Joined(g.items_zh), AllOf(HasSubstr("睡不好觉"), HasSubstr("容易发脾气"),
                                        HasSubstr("疑神疑鬼")));
}

TEST_F(MedicationGuidanceTest, ClozapineAndLithiumWarnings) {
  GuidanceInput in;
  in.regimen = {OralLine("clozapine", 50, 0, 100), OralLine("lithium_carbonate", 250, 0, 250)};
  in.adherence = Adherence::kRegular;
  const Guidance g = MedicationGuidance(in, lookup_);
  const std::string zh = Joined(g.items_zh);
  const std::string en = Joined(g.items_en);
  EXPECT_THAT(zh, AllOf(HasSubstr("氯氮平"), HasSubstr("发烧"), HasSubstr("咽喉痛"),
                        HasSubstr("血常规"), HasSubstr("粒细胞缺乏")));
  EXPECT_THAT(en, AllOf(HasSubstr("agranulocytosis"), HasSubstr("sore throat")));
  EXPECT_THAT(zh, AllOf(HasSubstr("碳酸锂"), HasSubstr("手抖"), HasSubstr("呕吐"),
                        HasSubstr("腹泻"), HasSubstr("神志不清"), HasSubstr("血锂浓度")));
  EXPECT_THAT(en, HasSubstr("lithium level"));
  // Class items: antipsychotic and mood stabiliser.
  EXPECT_THAT(zh, AllOf(HasSubstr("抗精神病药"), HasSubstr("心境稳定剂")));
}

TEST_F(MedicationGuidanceTest, WarningsAreDeduplicated) {
  GuidanceInput in;
  in.regimen = {OralLine("sodium_valproate", 500, 0, 500),
                OralLine("magnesium_valproate", 200, 0, 200), OralLine("risperidone", 2, 0, 2),
                OralLine("olanzapine", 0, 0, 10), OralLine("carbamazepine", 200, 0, 200)};
  in.adherence = Adherence::kRegular;
  const Guidance g = MedicationGuidance(in, lookup_);
  int valproate = 0;
  int antipsychotic = 0;
  for (const std::string& s : g.items_zh) {
    if (s.find("丙戊酸盐") != std::string::npos) ++valproate;
    if (s.find("抗精神病药可能") != std::string::npos) ++antipsychotic;
  }
  EXPECT_EQ(valproate, 1);
  EXPECT_EQ(antipsychotic, 1);
  const std::string zh = Joined(g.items_zh);
  EXPECT_THAT(zh, AllOf(HasSubstr("皮疹"), HasSubstr("发黄"), HasSubstr("卡马西平"),
                        HasSubstr("抗癫痫药不能突然停用")));
  EXPECT_EQ(g.items_zh.size(), g.items_en.size());
}

TEST_F(MedicationGuidanceTest, UnknownCodesAddNoDrugItems) {
  GuidanceInput in;
  in.regimen = {OralLine("nosuchdrug", 1, 0, 0)};
  in.adherence = Adherence::kRegular;
  const Guidance g = MedicationGuidance(in, lookup_);
  EXPECT_THAT(Joined(g.items_zh), Not(HasSubstr("抗精神病药可能")));
  EXPECT_THAT(MedicationGuidance(in, DrugLookup{}).items_zh, Not(SizeIs(0)));
}

TEST_F(MedicationGuidanceTest, NextInjectionFromTheLastInjection) {
  GuidanceInput in;
  in.regimen = {LaiLine("paliperidone_palmitate_1m", 4, 100), OralLine("trihexyphenidyl", 2, 0, 0)};
  in.adherence = Adherence::kRegular;
  in.last_visit = absl::CivilDay(2024, 3, 1);
  in.last_injection = absl::CivilDay(2024, 2, 20);
  const Guidance g = MedicationGuidance(in, lookup_);
  ASSERT_TRUE(g.next_injection.has_value());
  EXPECT_EQ(*g.next_injection, absl::CivilDay(2024, 3, 19));
  EXPECT_THAT(Joined(g.items_zh), HasSubstr("下次长效针剂注射日期：2024年3月19日"));
  EXPECT_THAT(Joined(g.items_en), HasSubstr("2024-03-19"));
  EXPECT_THAT(Joined(g.items_zh), HasSubstr("苯海索"));
}

TEST_F(MedicationGuidanceTest, NextInjectionFallsBackToTheLastVisitAndTakesTheEarliest) {
  GuidanceInput in;
  in.regimen = {LaiLine("paliperidone_palmitate_1m", 4, 100),
                LaiLine("fluphenazine_decanoate", 2, 25)};
  in.adherence = Adherence::kRegular;
  in.last_visit = absl::CivilDay(2024, 2, 20);
  const Guidance g = MedicationGuidance(in, lookup_);
  ASSERT_TRUE(g.next_injection.has_value());
  EXPECT_EQ(*g.next_injection, absl::CivilDay(2024, 3, 5));
  int injection_items = 0;
  for (const std::string& s : g.items_zh) {
    if (s.find("长效针剂") != std::string::npos) ++injection_items;
  }
  EXPECT_EQ(injection_items, 1);
}

TEST_F(MedicationGuidanceTest, NoBaseDateAsksToConfirmTheInjectionDate) {
  GuidanceInput in;
  in.regimen = {LaiLine("paliperidone_palmitate_1m", 4, 100)};
  in.adherence = Adherence::kRegular;
  const Guidance g = MedicationGuidance(in, lookup_);
  EXPECT_FALSE(g.next_injection.has_value());
  EXPECT_THAT(g.items_zh, Contains(HasSubstr("请与医生确认下次长效针剂的注射日期")));
}

TEST_F(MedicationGuidanceTest, OralOnlyHasNoInjectionDate) {
  GuidanceInput in;
  in.regimen = {OralLine("risperidone", 2, 0, 2)};
  in.last_visit = absl::CivilDay(2024, 2, 20);
  const Guidance g = MedicationGuidance(in, lookup_);
  EXPECT_FALSE(g.next_injection.has_value());
  EXPECT_THAT(Joined(g.items_zh), Not(HasSubstr("长效针剂")));
}

TEST_F(MedicationGuidanceTest, SeriousAdverseReactionIsReferredFirst) {
  GuidanceInput in;
  in.regimen = {OralLine("clozapine", 50, 0, 100)};
  in.adherence = Adherence::kRegular;
  in.adr = AdverseReaction::kSerious;
  const Guidance g = MedicationGuidance(in, lookup_);
  EXPECT_TRUE(g.refer_for_adverse_reaction);
  EXPECT_THAT(g.items_zh[0], HasSubstr("立即转诊至精神专科医院处理药物不良反应"));
  EXPECT_THAT(g.items_en[0],
              HasSubstr("Refer now to a psychiatric hospital for the adverse reaction"));
  EXPECT_THAT(Joined(g.items_zh), Not(HasSubstr("下次就诊时告诉开药的医生")));
}

TEST_F(MedicationGuidanceTest, MildAdverseReactionIsReportedAtTheNextVisit) {
  GuidanceInput in;
  in.regimen = {OralLine("risperidone", 2, 0, 2)};
  in.adherence = Adherence::kRegular;
  in.adr = AdverseReaction::kMild;
  const Guidance g = MedicationGuidance(in, lookup_);
  EXPECT_FALSE(g.refer_for_adverse_reaction);
  EXPECT_THAT(Joined(g.items_zh), AllOf(HasSubstr("下次就诊时告诉开药的医生"),
                                        Not(HasSubstr("立即转诊"))));
  EXPECT_THAT(Joined(g.items_en), HasSubstr("at the next visit"));
}

TEST_F(MedicationGuidanceTest, NoAdverseReactionNoReferral) {
  GuidanceInput in;
  in.regimen = {OralLine("risperidone", 2, 0, 2)};
  in.adr = AdverseReaction::kNone;
  const Guidance g = MedicationGuidance(in, lookup_);
  EXPECT_FALSE(g.refer_for_adverse_reaction);
  EXPECT_THAT(Joined(g.items_zh), AllOf(Not(HasSubstr("立即转诊")), Not(HasSubstr("副作用加重"))));
}

}  // namespace
}  // namespace smd::domain
