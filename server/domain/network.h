#pragma once
// The social-psychological service network (社会心理服务网络) of the plan and its coverage
// rates (seeds: the Gulou 2022-2024 plan, "主要工作指标", §3(1) and the 2022 task table;
// docs/metrics.md "Service network"): the site registry's rules (what a site of each kind
// must carry, which status it has on a date) and the pure computation of the network
// indicators of one region at one cut-off from sites, region codes, entered counts and
// the plan's targets by year.
//
// Pure: no I/O, no clock (dates are parameters). Thread-safe; the catalogue is an
// immutable static.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "domain/metrics.h"

namespace smd::domain {

// Same numbers as proto smd.v1.SiteKind and the service_site.kind column.
enum class SiteKind : int {
  kUnspecified = 0,
  kCounsellingRoom = 1,   // 心理咨询室/社会工作室
  kSchoolRoom = 2,        // 学校心理辅导室 / 高校心理健康教育与咨询中心
  kWorkplace = 3,         // 机关、企事业单位心理健康服务
  kCareInstitution = 4,   // 养老院、残疾人福利院、残疾人之家、康复机构
  kManagementGroup = 5,   // 精神卫生综合管理小组
  kCrisisTeam = 6,        // 心理危机干预队伍
  kHotline = 7,           // 心理援助热线
};
inline constexpr int kMaxSiteKind = 7;

// Same numbers as proto smd.v1.SiteStatus and service_site_status.status.
enum class SiteStatus : int {
  kUnspecified = 0,
  kActive = 1,
  kSuspended = 2,
  kClosed = 3,
  kPlanned = 4,  // the date is before the opening date
};

enum class SchoolLevel : int {
  kUnspecified = 0,
  kPrimary = 1,
  kSecondary = 2,
  kPrimarySecondary = 3,
  kUniversity = 4,
  kPreschool = 5,
  kSpecial = 6,
};
inline constexpr int kMaxSchoolLevel = 6;

// Same numbers as proto smd.v1.NetworkCountKind and network_count.kind.
enum class NetworkCountKind : int {
  kUnspecified = 0,
  kPrimarySecondarySchools = 1,
  kUniversities = 2,
  kWorkplaces = 3,
  kCareInstitutions = 4,
};
inline constexpr int kMaxNetworkCountKind = 4;

// A site's status change after its opening (暂停, 撤销, 恢复运行).
struct SiteStatusChange {
  absl::CivilDay effective_on;
  SiteStatus status = SiteStatus::kUnspecified;
};

// One site as the rules see it (the store's row carries more: id, version, names).
struct SiteFacts {
  std::string region;
  SiteKind kind = SiteKind::kUnspecified;
  std::string name;
  absl::CivilDay opened_on;
  // Kind-specific facts; 0 when not applicable.
  int school_level = 0;        // SchoolLevel
  int full_time_teachers = 0;  // 专职心理健康教育教师
  int part_time_teachers = 0;  // 兼职
  int students = 0;            // enrolled (universities)
  int workplace_type = 0;      // proto WorkplaceType
  int workplace_mode = 0;      // proto WorkplaceServiceMode
  int care_type = 0;           // proto CareInstitutionType
  std::string phone;
  std::string note;
  std::vector<SiteStatusChange> history;  // oldest first
};

// Checks a site as entered (UpsertSite). `today` is the Beijing date. Errors:
// INVALID_ARGUMENT naming the field: "kind", "region" (shape; the level a kind needs:
// crisis team and hotline at a district), "name" (1..100), "opened_on" (2000-01-01 ..
// today), "school" (present iff kind is a school room), "school.level",
// "school.full_time_teachers", "school.part_time_teachers", "school.students" (> 0 for a
// university), "workplace", "workplace.type", "workplace.mode", "care", "care.type",
// "phone" (digits, '-', '+', spaces; at most 30), "note" (at most 200).
// `has_school` etc. say whether the request carried the sub-message.
absl::Status CheckSite(const SiteFacts& site, bool has_school, bool has_workplace, bool has_care,
                       absl::CivilDay today);

// The status of `site` on `day`: kPlanned before opened_on, else the status of the latest
// change dated on or before `day` (kActive when there is none).
SiteStatus StatusOn(const SiteFacts& site, absl::CivilDay day);

// Checks a status change (SetSiteStatus) against the site's history. Errors:
// INVALID_ARGUMENT "status" (not active/suspended/closed), "effective_on" (before the
// opening date or the last change, or after `today`); FAILED_PRECONDITION when the site is
// closed (final) or the change would not change the status.
absl::Status CheckStatusChange(const SiteFacts& site, const SiteStatusChange& change,
                               absl::CivilDay today);

// A university meets the plan's ratio (师生比不少于1:4000, 2022 task table item 11) when
// it has full-time teachers and full_time_teachers * 4000 >= students.
bool MeetsUniversityRatio(int full_time_teachers, int students);

// ---------------------------------------------------------------------------------------
// Indicators
// ---------------------------------------------------------------------------------------

struct NetworkIndicatorDef {
  std::string_view code;     // "net_community_counselling", ...
  std::string_view name_zh;
  std::string_view name_en;
  std::string_view source;      // where in the plan
  std::string_view definition;  // numerator ÷ denominator, one English sentence
};

// Every network indicator, in display order. Immutable static.
const std::vector<NetworkIndicatorDef>& NetworkIndicatorCatalogue();
const NetworkIndicatorDef* FindNetworkIndicator(std::string_view code);

// One row of the targets table (schema 0019 network_target): from `year` on (until a
// later row of the same indicator), the target is `tenths` / 10 percent.
struct NetworkTargetRow {
  std::string indicator;
  int year = 0;
  int64_t tenths = 0;
};

// The target of `indicator` in `year`: the row of the latest year not after `year`
// (so the plan's last year holds after the plan ends, and a year between two staged
// targets keeps the earlier one); nullopt before the first row or for no row.
std::optional<Target> TargetFor(const std::vector<NetworkTargetRow>& targets,
                                std::string_view indicator, int year);

// An entered count (network_count) of one region, year and kind.
struct NetworkCountRow {
  std::string region;
  int year = 0;
  NetworkCountKind kind = NetworkCountKind::kUnspecified;
  int64_t count = 0;
};

// The count of `kind` in `region` for `year`: the region's own entry when there is one,
// else the sum of its children's (each by this same rule, recursively); nullopt when no
// entry exists in the subtree. So a district may enter one total, or its streets theirs.
std::optional<int64_t> CountFor(const std::vector<NetworkCountRow>& counts, std::string_view region,
                                int year, NetworkCountKind kind);

struct NetworkRate {
  const NetworkIndicatorDef* def = nullptr;
  Rate rate;
};

// Regions of each level (the denominators of the per-community, per-street and
// per-district rates) in one subtree.
struct RegionLevelCounts {
  int64_t communities = 0;
  int64_t streets = 0;
  int64_t districts = 0;
};

// The level counts of `region`'s subtree and of each child region's (keyed by the child's
// code, one level down), from `regions` in ONE pass: a province's GetMetrics asks for its
// ~14 children, and walking ~12,000 codes once per child was most of its server time
// (issue 15). Equal, for `region` and for every child code, to what the overload of
// ComputeNetworkRates taking `regions` counts: codes of an invalid shape are ignored;
// a child with no region in `regions` is absent from `children` (all zero). Children are
// codes inside `region` one level down; Child() of any other code is all zero.
struct SubtreeLevelCounts {
  RegionLevelCounts total;
  std::map<std::string, RegionLevelCounts, std::less<>> children;
  // children[code], or all zero when absent.
  RegionLevelCounts Child(std::string_view code) const;
};
SubtreeLevelCounts CountRegionLevels(std::string_view region,
                                     const std::vector<std::string>& regions);

// The network indicators of `region` at `cutoff` (year = cutoff.year()), in catalogue
// order. `regions` holds every region code of the subtree (communities and streets are
// the denominators of the per-community and per-street rates); `sites` every site in the
// subtree (others are ignored). A site counts when StatusOn(site, cutoff) is kActive.
std::vector<NetworkRate> ComputeNetworkRates(std::string_view region,
                                             const std::vector<std::string>& regions,
                                             const std::vector<SiteFacts>& sites,
                                             const std::vector<NetworkCountRow>& counts,
                                             const std::vector<NetworkTargetRow>& targets,
                                             absl::CivilDay cutoff);
// The same with the subtree's region counts given (CountRegionLevels), so that a caller
// computing a region and all its children walks the codes once.
std::vector<NetworkRate> ComputeNetworkRates(std::string_view region,
                                             const RegionLevelCounts& levels,
                                             const std::vector<SiteFacts>& sites,
                                             const std::vector<NetworkCountRow>& counts,
                                             const std::vector<NetworkTargetRow>& targets,
                                             absl::CivilDay cutoff);

}  // namespace smd::domain
