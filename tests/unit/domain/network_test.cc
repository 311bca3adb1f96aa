// The service network's rules and coverage rates (domain/network.h; the Gulou plan's
// "主要工作指标" and 2022 task table).
#include "domain/network.h"

#include <gtest/gtest.h>

#include "domain/region.h"

namespace smd::domain {
namespace {

using absl::CivilDay;

const NetworkRate& Find(const std::vector<NetworkRate>& rates, std::string_view code) {
  for (const auto& r : rates) {
    if (r.def->code == code) return r;
  }
  ADD_FAILURE() << "no " << code;
  static NetworkRate none;
  return none;
}

// The plan as seeded by schema 0019.
std::vector<NetworkTargetRow> PlanTargets() {
  return {{"net_community_counselling", 2022, 200}, {"net_community_counselling", 2024, 800},
          {"net_street_counselling", 2024, 1000},   {"net_school_counselling", 2022, 500},
          {"net_school_counselling", 2024, 1000},   {"net_university_teachers", 2022, 1000},
          {"net_workplace_service", 2022, 300},     {"net_care_institution_service", 2022, 500},
          {"net_street_management_group", 2022, 1000}};
}

SiteFacts Room(std::string region, CivilDay opened) {
  SiteFacts s;
  s.region = std::move(region);
  s.kind = SiteKind::kCounsellingRoom;
  s.name = "心理咨询室";
  s.opened_on = opened;
  return s;
}

TEST(NetworkTargets, LatestYearNotAfterHolds) {
  const auto t = PlanTargets();
  EXPECT_FALSE(TargetFor(t, "net_community_counselling", 2021).has_value());
  EXPECT_EQ(TargetFor(t, "net_community_counselling", 2022)->tenths, 200);
  // 2023: the plan names no new figure for 2023 (its 2023-2024 stage works toward the end
  // of 2024), so 2022's target holds.
  EXPECT_EQ(TargetFor(t, "net_community_counselling", 2023)->tenths, 200);
  EXPECT_EQ(TargetFor(t, "net_community_counselling", 2024)->tenths, 800);
  EXPECT_EQ(TargetFor(t, "net_community_counselling", 2030)->tenths, 800);  // after the plan
  EXPECT_FALSE(TargetFor(t, "net_street_counselling", 2023).has_value());
  EXPECT_FALSE(TargetFor(t, "unknown", 2024).has_value());
}

TEST(NetworkCounts, OwnEntryElseSumOfChildren) {
  const std::vector<NetworkCountRow> c = {
      {"320106001", 2024, NetworkCountKind::kWorkplaces, 10},
      {"320106002", 2024, NetworkCountKind::kWorkplaces, 5},
      {"320106002001", 2024, NetworkCountKind::kWorkplaces, 99},  // hidden by its street's own
      {"320106", 2023, NetworkCountKind::kWorkplaces, 40},
  };
  EXPECT_EQ(CountFor(c, "320106", 2024, NetworkCountKind::kWorkplaces), 15);
  EXPECT_EQ(CountFor(c, "320106", 2023, NetworkCountKind::kWorkplaces), 40);
  EXPECT_EQ(CountFor(c, "320106002", 2024, NetworkCountKind::kWorkplaces), 5);
  EXPECT_FALSE(CountFor(c, "320106", 2022, NetworkCountKind::kWorkplaces).has_value());
  EXPECT_FALSE(CountFor(c, "320106", 2024, NetworkCountKind::kUniversities).has_value());
}

TEST(NetworkRates, SixtyPercentOfCommunitiesAgainstTheYearsTarget) {
  std::vector<std::string> regions = {"320106", "320106001"};
  std::vector<SiteFacts> sites;
  for (int i = 1; i <= 5; ++i) {
    const std::string code = "320106001" + std::string(i < 10 ? "00" : "0") + std::to_string(i);
    regions.push_back(code);
    if (i <= 3) sites.push_back(Room(code, CivilDay(2022, 3, 1)));
  }
  for (int year : {2022, 2023, 2024, 2026}) {
    const auto rates = ComputeNetworkRates("320106", regions, sites, {}, PlanTargets(),
                                           CivilDay(year, 12, 31));
    const Rate& r = Find(rates, "net_community_counselling").rate;
    EXPECT_EQ(r.numerator, 3);
    EXPECT_EQ(r.denominator, 5);
    EXPECT_DOUBLE_EQ(*r.value, 60.0);
    ASSERT_TRUE(r.target.has_value());
    EXPECT_EQ(r.target->tenths, year >= 2024 ? 800 : 200) << year;
    EXPECT_EQ(*r.met, year < 2024) << year;
  }
}

TEST(NetworkRates, ASiteCountsOnlyWhileActiveAtTheCutoff) {
  SiteFacts s = Room("320106001001", CivilDay(2023, 3, 1));
  s.history = {{CivilDay(2024, 6, 30), SiteStatus::kSuspended},
               {CivilDay(2024, 9, 1), SiteStatus::kActive},
               {CivilDay(2025, 2, 1), SiteStatus::kClosed}};
  EXPECT_EQ(StatusOn(s, CivilDay(2023, 2, 28)), SiteStatus::kPlanned);
  EXPECT_EQ(StatusOn(s, CivilDay(2023, 3, 1)), SiteStatus::kActive);
  EXPECT_EQ(StatusOn(s, CivilDay(2024, 6, 30)), SiteStatus::kSuspended);
  EXPECT_EQ(StatusOn(s, CivilDay(2024, 12, 31)), SiteStatus::kActive);
  EXPECT_EQ(StatusOn(s, CivilDay(2025, 2, 1)), SiteStatus::kClosed);
  const std::vector<std::string> regions = {"320106", "320106001", "320106001001"};
  auto num = [&](CivilDay cut) {
    return Find(ComputeNetworkRates("320106", regions, {s}, {}, {}, cut),
                "net_community_counselling")
        .rate.numerator;
  };
  EXPECT_EQ(num(CivilDay(2022, 12, 31)), 0);
  EXPECT_EQ(num(CivilDay(2023, 12, 31)), 1);
  EXPECT_EQ(num(CivilDay(2024, 7, 31)), 0);
  EXPECT_EQ(num(CivilDay(2024, 12, 31)), 1);
  EXPECT_EQ(num(CivilDay(2025, 1, 31)), 1);
  EXPECT_EQ(num(CivilDay(2025, 12, 31)), 0);
}

TEST(NetworkRates, UniversityRatioAndEnteredDenominators) {
  SiteFacts ok;
  ok.region = "320106001";
  ok.kind = SiteKind::kSchoolRoom;
  ok.name = "某大学心理健康教育与咨询中心";
  ok.opened_on = CivilDay(2020, 1, 1);
  ok.school_level = static_cast<int>(SchoolLevel::kUniversity);
  ok.full_time_teachers = 5;
  ok.students = 20000;  // 5 * 4000 = 20000: exactly the ratio
  SiteFacts short_of = ok;
  short_of.name = "另一大学";
  short_of.students = 20001;
  SiteFacts primary = ok;
  primary.name = "小学";
  primary.school_level = static_cast<int>(SchoolLevel::kPrimary);
  primary.students = 0;
  const std::vector<NetworkCountRow> counts = {
      {"320106", 2024, NetworkCountKind::kUniversities, 2},
      {"320106", 2024, NetworkCountKind::kPrimarySecondarySchools, 4}};
  const auto rates = ComputeNetworkRates("320106", {"320106", "320106001"},
                                         {ok, short_of, primary}, counts, PlanTargets(),
                                         CivilDay(2024, 12, 31));
  const Rate& uni = Find(rates, "net_university_teachers").rate;
  EXPECT_EQ(uni.numerator, 1);
  EXPECT_EQ(uni.denominator, 2);
  EXPECT_FALSE(*uni.met);  // target 100 %
  const Rate& school = Find(rates, "net_school_counselling").rate;
  EXPECT_EQ(school.numerator, 1);  // universities are not 中小学
  EXPECT_EQ(school.denominator, 4);
  // No count entered: unavailable, not 0 %.
  const Rate& work = Find(rates, "net_workplace_service").rate;
  EXPECT_EQ(work.denominator, 0);
  EXPECT_FALSE(work.value.has_value());
  EXPECT_TRUE(MeetsUniversityRatio(1, 4000));
  EXPECT_FALSE(MeetsUniversityRatio(1, 4001));
  EXPECT_FALSE(MeetsUniversityRatio(0, 10));
}

TEST(NetworkSites, ChecksNameTheField) {
  SiteFacts s = Room("320106001001", CivilDay(2024, 1, 1));
  const CivilDay today(2024, 6, 1);
  EXPECT_TRUE(CheckSite(s, false, false, false, today).ok());
  SiteFacts bad = s;
  bad.kind = static_cast<SiteKind>(9);
  EXPECT_EQ(CheckSite(bad, false, false, false, today).message().substr(0, 5), "kind:");
  bad = s;
  bad.kind = SiteKind::kHotline;
  EXPECT_EQ(CheckSite(bad, false, false, false, today).message().substr(0, 7), "region:");
  bad = s;
  bad.opened_on = CivilDay(2024, 6, 2);
  EXPECT_EQ(CheckSite(bad, false, false, false, today).message().substr(0, 10), "opened_on:");
  bad = s;
  bad.kind = SiteKind::kSchoolRoom;
  EXPECT_EQ(CheckSite(bad, false, false, false, today).message().substr(0, 7), "school:");
  bad.school_level = static_cast<int>(SchoolLevel::kUniversity);
  EXPECT_EQ(CheckSite(bad, true, false, false, today).message().substr(0, 16),
            "school.students:");
  EXPECT_EQ(CheckSite(s, true, false, false, today).message().substr(0, 7), "school:");
}

TEST(NetworkSites, StatusChanges) {
  SiteFacts s = Room("320106001001", CivilDay(2024, 1, 10));
  const CivilDay today(2024, 6, 1);
  EXPECT_TRUE(CheckStatusChange(s, {CivilDay(2024, 3, 1), SiteStatus::kClosed}, today).ok());
  EXPECT_EQ(CheckStatusChange(s, {CivilDay(2024, 1, 9), SiteStatus::kClosed}, today)
                .message()
                .substr(0, 13),
            "effective_on:");
  EXPECT_EQ(CheckStatusChange(s, {CivilDay(2024, 6, 2), SiteStatus::kClosed}, today)
                .message()
                .substr(0, 13),
            "effective_on:");
  EXPECT_EQ(CheckStatusChange(s, {CivilDay(2024, 3, 1), SiteStatus::kActive}, today).code(),
            absl::StatusCode::kFailedPrecondition);
  s.history.push_back({CivilDay(2024, 3, 1), SiteStatus::kClosed});
  EXPECT_EQ(CheckStatusChange(s, {CivilDay(2024, 4, 1), SiteStatus::kActive}, today).code(),
            absl::StatusCode::kFailedPrecondition);
}

// The per-child walk CountRegionLevels replaces (issue 15): what ComputeNetworkRates counted
// for one region by scanning every code.
RegionLevelCounts WalkLevels(std::string_view region, const std::vector<std::string>& regions) {
  RegionLevelCounts c;
  for (const std::string& code : regions) {
    if (!RegionContains(region, code)) continue;
    switch (LevelOf(code)) {
      case RegionLevel::kCommunity: ++c.communities; break;
      case RegionLevel::kStreet: ++c.streets; break;
      case RegionLevel::kDistrict: ++c.districts; break;
      default: break;
    }
  }
  return c;
}

void ExpectSameLevels(const RegionLevelCounts& got, const RegionLevelCounts& want,
                      std::string_view code) {
  EXPECT_EQ(got.communities, want.communities) << code;
  EXPECT_EQ(got.streets, want.streets) << code;
  EXPECT_EQ(got.districts, want.districts) << code;
}

TEST(NetworkRegionLevels, OnePassEqualsAWalkPerChild) {
  // Two cities, not in code order, with codes of a bad shape, a code outside the province
  // and a city without any district; a child listed after its descendants.
  const std::vector<std::string> regions = {
      "320106001001", "32", "3201", "320106", "320106001", "320106001002", "320106002",
      "3202", "320201", "320201001", "320201001001", "320106002001", "3201x6", "32010600100a",
      "3203", "330106001001", "330106", "320107", "320107001", "320106003001"};
  for (const std::string region : {"32", "3201", "320106", "320106001", "320201001001"}) {
    const SubtreeLevelCounts got = CountRegionLevels(region, regions);
    ExpectSameLevels(got.total, WalkLevels(region, regions), region);
    std::vector<std::string> children;
    for (const std::string& code : regions) {
      if (static_cast<int>(code.size()) == ChildCodeLength(region) &&
          RegionContains(region, code)) {
        children.push_back(code);
      }
    }
    children.push_back(region + "999");  // no such child: zeros
    for (const std::string& child : children) {
      ExpectSameLevels(got.Child(child), WalkLevels(child, regions), child);
    }
  }
  EXPECT_EQ(CountRegionLevels("32", regions).Child("3201").communities, 4);
  EXPECT_EQ(CountRegionLevels("32", regions).Child("3201").streets, 3);
  EXPECT_EQ(CountRegionLevels("32", regions).Child("3201").districts, 2);
  EXPECT_EQ(CountRegionLevels("32", regions).total.communities, 5);
  // A region of a bad shape contains nothing, as RegionContains says.
  EXPECT_EQ(CountRegionLevels("3x", regions).total.communities, 0);
  EXPECT_TRUE(CountRegionLevels("3x", regions).children.empty());
}

TEST(NetworkRegionLevels, RatesFromCountedLevelsEqualRatesFromCodes) {
  const std::vector<std::string> regions = {"320106", "320106001", "320106001001",
                                            "320106001002", "320106002", "320106002001"};
  const std::vector<SiteFacts> sites = {Room("320106001001", CivilDay(2022, 3, 1)),
                                        Room("320106002", CivilDay(2022, 3, 1))};
  const SubtreeLevelCounts levels = CountRegionLevels("320106", regions);
  for (const std::string code : {"320106001", "320106002"}) {
    const auto from_codes =
        ComputeNetworkRates(code, regions, sites, {}, PlanTargets(), CivilDay(2024, 12, 31));
    const auto from_levels = ComputeNetworkRates(code, levels.Child(code), sites, {},
                                                 PlanTargets(), CivilDay(2024, 12, 31));
    ASSERT_EQ(from_codes.size(), from_levels.size());
    for (size_t i = 0; i < from_codes.size(); ++i) {
      EXPECT_EQ(from_codes[i].def, from_levels[i].def);
      EXPECT_EQ(from_codes[i].rate.numerator, from_levels[i].rate.numerator) << code << i;
      EXPECT_EQ(from_codes[i].rate.denominator, from_levels[i].rate.denominator) << code << i;
      EXPECT_EQ(from_codes[i].rate.value, from_levels[i].rate.value) << code << i;
      EXPECT_EQ(from_codes[i].rate.met, from_levels[i].rate.met) << code << i;
    }
  }
  EXPECT_EQ(Find(ComputeNetworkRates("320106001", levels.Child("320106001"), sites, {}, {},
                                     CivilDay(2024, 12, 31)),
                 "net_community_counselling")
                .rate.denominator,
            2);
}

}  // namespace
}  // namespace smd::domain
