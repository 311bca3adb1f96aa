#include "domain/network.h"

#include <algorithm>
#include <set>

#include "domain/dates.h"
#include "domain/errors.h"
#include "domain/region.h"
#include "domain/text.h"

namespace smd::domain {
namespace {

// Codes double as the targets table's keys (schema 0019) and the GetMetrics codes.
constexpr std::string_view kCommunity = "net_community_counselling";
constexpr std::string_view kStreet = "net_street_counselling";
constexpr std::string_view kSchool = "net_school_counselling";
constexpr std::string_view kUniversity = "net_university_teachers";
constexpr std::string_view kWorkplace = "net_workplace_service";
constexpr std::string_view kCare = "net_care_institution_service";
constexpr std::string_view kGroup = "net_street_management_group";
constexpr std::string_view kCrisis = "net_crisis_team";
constexpr std::string_view kHotline = "net_hotline";

bool IsSchoolRateLevel(int level) {
  // The plan's school rate is about 中小学 (2022 task table item 10; goal 2).
  return level == static_cast<int>(SchoolLevel::kPrimary) ||
         level == static_cast<int>(SchoolLevel::kSecondary) ||
         level == static_cast<int>(SchoolLevel::kPrimarySecondary);
}

absl::Status CheckPhoneLike(std::string_view v) {
  if (v.empty()) return absl::OkStatus();
  bool ok = v.size() <= 30;
  int digits = 0;
  for (char c : v) {
    if (c >= '0' && c <= '9') {
      ++digits;
    } else if (c != '-' && c != '+' && c != ' ') {
      ok = false;
    }
  }
  if (!ok || digits < 3) {
    return FieldError("phone", "电话号码格式无效（数字、-、+，最多30个字符）",
                      "digits, '-' and '+' only, at most 30 characters");
  }
  return absl::OkStatus();
}

absl::Status CheckCount(std::string_view field, int v) {
  if (v < 0 || v > 10000) return FieldError(field, "须在0-10000之间", "must be 0..10000");
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckSite(const SiteFacts& s, bool has_school, bool has_workplace, bool has_care,
                       absl::CivilDay today) {
  const int kind = static_cast<int>(s.kind);
  if (kind < 1 || kind > kMaxSiteKind) {
    return FieldError("kind", "服务站点类型无效", "unknown site kind");
  }
  if (absl::Status st = CheckRegionCode("region", s.region, RegionLevel::kInvalid); !st.ok()) {
    return st;
  }
  const RegionLevel level = LevelOf(s.region);
  if (level != RegionLevel::kDistrict && level != RegionLevel::kStreet &&
      level != RegionLevel::kCommunity) {
    return FieldError("region", "须为区、街道或社区代码", "must be a district, street or community");
  }
  if ((s.kind == SiteKind::kCrisisTeam || s.kind == SiteKind::kHotline) &&
      level != RegionLevel::kDistrict) {
    // 2022 task table item 14: the district's team and hotline (区卫健委).
    return FieldError("region", "心理危机干预队伍和心理援助热线须登记在区一级",
                      "a crisis team or hotline belongs to a district");
  }
  if (absl::Status st = CheckText("name", s.name, true, 100); !st.ok()) return st;
  if (s.opened_on < kEarliestRecordDate || s.opened_on > today) {
    return FieldError("opened_on", "建成日期须在2000-01-01至今天之间",
                      "must be between 2000-01-01 and today");
  }
  const bool school = s.kind == SiteKind::kSchoolRoom;
  const bool workplace = s.kind == SiteKind::kWorkplace;
  const bool care = s.kind == SiteKind::kCareInstitution;
  if (has_school != school) {
    return school ? FieldError("school", "学校心理辅导室须填写学校信息", "required for a school room")
                  : FieldError("school", "仅学校心理辅导室填写学校信息", "only for a school room");
  }
  if (has_workplace != workplace) {
    return workplace ? FieldError("workplace", "须填写单位信息", "required for a workplace")
                     : FieldError("workplace", "仅机关企事业单位填写单位信息", "only for a workplace");
  }
  if (has_care != care) {
    return care ? FieldError("care", "须填写机构类型", "required for a care institution")
                : FieldError("care", "仅养老院等机构填写机构类型", "only for a care institution");
  }
  if (school) {
    if (s.school_level < 1 || s.school_level > kMaxSchoolLevel) {
      return FieldError("school.level", "学校类别无效", "unknown school level");
    }
    if (absl::Status st = CheckCount("school.full_time_teachers", s.full_time_teachers); !st.ok()) {
      return st;
    }
    if (absl::Status st = CheckCount("school.part_time_teachers", s.part_time_teachers); !st.ok()) {
      return st;
    }
    if (s.students < 0 || s.students > 1000000) {
      return FieldError("school.students", "学生数须在0-1000000之间", "must be 0..1000000");
    }
    if (s.school_level == static_cast<int>(SchoolLevel::kUniversity) && s.students == 0) {
      // The 1:4000 ratio (2022 task table item 11) divides by it.
      return FieldError("school.students", "高校须填写在校学生数", "required for a university");
    }
  }
  if (workplace) {
    if (s.workplace_type < 1 || s.workplace_type > 4) {
      return FieldError("workplace.type", "单位类型无效", "unknown workplace type");
    }
    if (s.workplace_mode < 1 || s.workplace_mode > 2) {
      return FieldError("workplace.mode", "服务形式无效（自设心理咨询室或购买服务）",
                        "must be an own room or purchased service");
    }
  }
  if (care && (s.care_type < 1 || s.care_type > 4)) {
    return FieldError("care.type", "机构类型无效", "unknown care institution type");
  }
  if (absl::Status st = CheckPhoneLike(s.phone); !st.ok()) return st;
  return CheckText("note", s.note, false, 200);
}

SiteStatus StatusOn(const SiteFacts& site, absl::CivilDay day) {
  if (day < site.opened_on) return SiteStatus::kPlanned;
  SiteStatus status = SiteStatus::kActive;
  for (const SiteStatusChange& c : site.history) {
    if (c.effective_on <= day) status = c.status;
  }
  return status;
}

absl::Status CheckStatusChange(const SiteFacts& site, const SiteStatusChange& change,
                               absl::CivilDay today) {
  if (change.status != SiteStatus::kActive && change.status != SiteStatus::kSuspended &&
      change.status != SiteStatus::kClosed) {
    return FieldError("status", "须为运行、暂停或撤销", "must be active, suspended or closed");
  }
  if (change.effective_on > today) {
    return FieldError("effective_on", "生效日期不能晚于今天", "cannot be in the future");
  }
  if (change.effective_on < site.opened_on) {
    return FieldError("effective_on", "生效日期不能早于建成日期", "cannot be before the opening date");
  }
  if (!site.history.empty() && change.effective_on < site.history.back().effective_on) {
    return FieldError("effective_on", "生效日期不能早于上一次状态变更",
                      "cannot be before the last status change");
  }
  const SiteStatus current =
      site.history.empty() ? SiteStatus::kActive : site.history.back().status;
  if (current == SiteStatus::kClosed) {
    return absl::FailedPreconditionError("站点已撤销 (the site is closed)");
  }
  if (current == change.status) {
    return absl::FailedPreconditionError("状态未改变 (the site already has this status)");
  }
  return absl::OkStatus();
}

bool MeetsUniversityRatio(int full_time_teachers, int students) {
  return full_time_teachers > 0 &&
         static_cast<int64_t>(full_time_teachers) * 4000 >= static_cast<int64_t>(students);
}

const std::vector<NetworkIndicatorDef>& NetworkIndicatorCatalogue() {
  static const std::vector<NetworkIndicatorDef> kAll = {
      {kCommunity, "社区心理咨询室（社会工作室）建成率", "communities with a counselling room",
       "主要工作指标1; 2022年重点任务表第8项",
       "communities with an active counselling/social-work room at community level ÷ "
       "communities in the region tree"},
      {kStreet, "街道心理咨询室覆盖率", "streets with a counselling room", "主要工作指标1",
       "streets with an active counselling/social-work room at street level ÷ streets in the "
       "region tree"},
      {kSchool, "中小学心理辅导室建成率", "primary and secondary schools with a counselling room",
       "主要工作指标2; 2022年重点任务表第10项",
       "active school rooms of primary, secondary and through-train schools ÷ the entered "
       "number of primary and secondary schools of the year"},
      {kUniversity, "高校心理健康教育专职教师配比达标率（≥1:4000）",
       "universities with at least 1 full-time teacher per 4,000 students",
       "§3(1)2; 2022年重点任务表第11项",
       "active university centres whose full-time teachers × 4000 ≥ students ÷ the entered "
       "number of universities of the year"},
      {kWorkplace, "机关和企事业单位心理健康服务覆盖率",
       "agencies and enterprises offering staff mental-health services",
       "主要工作指标3; 2022年重点任务表第12项",
       "active workplace services ÷ the entered number of agencies, institutions and "
       "enterprises of the year"},
      {kCare, "养老院、残疾人福利院、康复机构心理健康服务开展率",
       "care institutions offering mental-health services", "2022年重点任务表第17项",
       "active care-institution services ÷ the entered number of care institutions of the year"},
      {kGroup, "街道精神卫生综合管理小组建成率", "streets with a mental-health management group",
       "§3(3)3; 2022年重点任务表第22项",
       "streets with an active management group at street level ÷ streets in the region tree"},
      {kCrisis, "区级心理危机干预队伍", "district crisis-intervention team",
       "主要工作指标4; 2022年重点任务表第14项",
       "districts with an active crisis-intervention team ÷ districts in the region tree"},
      {kHotline, "心理援助热线", "public psychological-assistance hotline",
       "§3(3)6; 2022年重点任务表第14项",
       "districts with an active hotline ÷ districts in the region tree"},
  };
  return kAll;
}

const NetworkIndicatorDef* FindNetworkIndicator(std::string_view code) {
  for (const auto& d : NetworkIndicatorCatalogue()) {
    if (d.code == code) return &d;
  }
  return nullptr;
}

std::optional<Target> TargetFor(const std::vector<NetworkTargetRow>& targets,
                                std::string_view indicator, int year) {
  std::optional<Target> out;
  int best = 0;
  for (const auto& t : targets) {
    if (t.indicator != indicator || t.year > year) continue;
    if (!out || t.year > best) {
      best = t.year;
      out = Target{t.tenths};
    }
  }
  return out;
}

std::optional<int64_t> CountFor(const std::vector<NetworkCountRow>& counts, std::string_view region,
                                int year, NetworkCountKind kind) {
  std::optional<int64_t> sum;
  for (const auto& c : counts) {
    if (c.year != year || c.kind != kind) continue;
    if (c.region == region) return c.count;  // the region's own entry wins
  }
  // Children one level down, each by this same rule.
  const int child_len = ChildCodeLength(region);
  if (child_len == 0) return std::nullopt;
  std::set<std::string> children;
  for (const auto& c : counts) {
    if (c.year == year && c.kind == kind && c.region.size() >= static_cast<size_t>(child_len) &&
        RegionContains(region, c.region) && c.region != region) {
      children.insert(c.region.substr(0, child_len));
    }
  }
  for (const std::string& child : children) {
    if (std::optional<int64_t> n = CountFor(counts, child, year, kind)) sum = sum.value_or(0) + *n;
  }
  return sum;
}

RegionLevelCounts SubtreeLevelCounts::Child(std::string_view code) const {
  auto it = children.find(code);
  return it == children.end() ? RegionLevelCounts{} : it->second;
}

SubtreeLevelCounts CountRegionLevels(std::string_view region,
                                     const std::vector<std::string>& regions) {
  SubtreeLevelCounts out;
  if (LevelOf(region) == RegionLevel::kInvalid) return out;  // RegionContains: nothing inside
  const size_t child_len = static_cast<size_t>(ChildCodeLength(region));
  auto add = [](RegionLevelCounts& c, RegionLevel level) {
    switch (level) {
      case RegionLevel::kCommunity: ++c.communities; break;
      case RegionLevel::kStreet: ++c.streets; break;
      case RegionLevel::kDistrict: ++c.districts; break;
      default: break;
    }
  };
  // The child last credited: a subtree listed by code keeps a child's codes together, so
  // the map is searched once per child rather than once per code (any order is counted
  // the same).
  RegionLevelCounts* child = nullptr;
  std::string_view child_code;
  for (const std::string& code : regions) {
    // RegionContains(region, code), with the region's shape checked once above.
    if (code.compare(0, region.size(), region) != 0) continue;
    const RegionLevel level = LevelOf(code);
    if (level == RegionLevel::kInvalid) continue;
    add(out.total, level);
    // A child contains the codes it prefixes (itself included); a valid code at least as
    // long as a child code has exactly one such prefix.
    if (child_len == 0 || code.size() < child_len) continue;
    const std::string_view prefix = std::string_view(code).substr(0, child_len);
    if (child == nullptr || prefix != child_code) {
      child = &out.children.try_emplace(std::string(prefix)).first->second;
      child_code = prefix;
    }
    add(*child, level);
  }
  return out;
}

std::vector<NetworkRate> ComputeNetworkRates(std::string_view region,
                                             const std::vector<std::string>& regions,
                                             const std::vector<SiteFacts>& sites,
                                             const std::vector<NetworkCountRow>& counts,
                                             const std::vector<NetworkTargetRow>& targets,
                                             absl::CivilDay cutoff) {
  return ComputeNetworkRates(region, CountRegionLevels(region, regions).total, sites, counts,
                             targets, cutoff);
}

std::vector<NetworkRate> ComputeNetworkRates(std::string_view region,
                                             const RegionLevelCounts& levels,
                                             const std::vector<SiteFacts>& sites,
                                             const std::vector<NetworkCountRow>& counts,
                                             const std::vector<NetworkTargetRow>& targets,
                                             absl::CivilDay cutoff) {
  const int year = static_cast<int>(cutoff.year());
  const int64_t communities = levels.communities, streets = levels.streets,
                districts = levels.districts;
  // Distinct regions holding an active site of a kind at their own level; sites per kind.
  std::set<std::string> room_communities, room_streets, group_streets, crisis_districts,
      hotline_districts;
  int64_t schools = 0, universities_ok = 0, workplaces = 0, care = 0;
  for (const SiteFacts& s : sites) {
    if (!RegionContains(region, s.region)) continue;
    if (StatusOn(s, cutoff) != SiteStatus::kActive) continue;
    const RegionLevel level = LevelOf(s.region);
    switch (s.kind) {
      case SiteKind::kCounsellingRoom:
        if (level == RegionLevel::kCommunity) room_communities.insert(s.region);
        if (level == RegionLevel::kStreet) room_streets.insert(s.region);
        break;
      case SiteKind::kSchoolRoom:
        if (IsSchoolRateLevel(s.school_level)) ++schools;
        if (s.school_level == static_cast<int>(SchoolLevel::kUniversity) &&
            MeetsUniversityRatio(s.full_time_teachers, s.students)) {
          ++universities_ok;
        }
        break;
      case SiteKind::kWorkplace: ++workplaces; break;
      case SiteKind::kCareInstitution: ++care; break;
      case SiteKind::kManagementGroup:
        if (level == RegionLevel::kStreet) group_streets.insert(s.region);
        break;
      case SiteKind::kCrisisTeam:
        if (level == RegionLevel::kDistrict) crisis_districts.insert(s.region);
        break;
      case SiteKind::kHotline:
        if (level == RegionLevel::kDistrict) hotline_districts.insert(s.region);
        break;
      default: break;
    }
  }
  auto count = [&](NetworkCountKind k) { return CountFor(counts, region, year, k); };
  std::vector<NetworkRate> out;
  for (const NetworkIndicatorDef& def : NetworkIndicatorCatalogue()) {
    int64_t num = 0;
    std::optional<int64_t> den;
    if (def.code == kCommunity) {
      num = static_cast<int64_t>(room_communities.size()), den = communities;
    } else if (def.code == kStreet) {
      num = static_cast<int64_t>(room_streets.size()), den = streets;
    } else if (def.code == kSchool) {
      num = schools, den = count(NetworkCountKind::kPrimarySecondarySchools);
    } else if (def.code == kUniversity) {
      num = universities_ok, den = count(NetworkCountKind::kUniversities);
    } else if (def.code == kWorkplace) {
      num = workplaces, den = count(NetworkCountKind::kWorkplaces);
    } else if (def.code == kCare) {
      num = care, den = count(NetworkCountKind::kCareInstitutions);
    } else if (def.code == kGroup) {
      num = static_cast<int64_t>(group_streets.size()), den = streets;
    } else if (def.code == kCrisis) {
      num = static_cast<int64_t>(crisis_districts.size()), den = districts;
    } else if (def.code == kHotline) {
      num = static_cast<int64_t>(hotline_districts.size()), den = districts;
    }
    IndicatorDef rate_def;
    rate_def.unit = RateUnit::kPercent;
    rate_def.target = TargetFor(targets, def.code, year);
    out.push_back({&def, MakeRate(rate_def, num, den)});
  }
  return out;
}

}  // namespace smd::domain
