#include "site_import.h"

#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace smdctl {
namespace {

namespace v1 = smd::v1;

std::string Trim(const std::string& s) { return std::string(absl::StripAsciiWhitespace(s)); }

bool ParseDay(const std::string& in, v1::Date* out) {
  std::string s = Trim(in);
  for (char& c : s) {
    if (c == '/' || c == '.') c = '-';
  }
  if (s.size() == 8 && s.find('-') == std::string::npos) {
    s = s.substr(0, 4) + "-" + s.substr(4, 2) + "-" + s.substr(6, 2);
  }
  std::vector<std::string> parts = absl::StrSplit(s, '-');
  int y = 0, m = 0, d = 0;
  if (parts.size() != 3 || !absl::SimpleAtoi(parts[0], &y) || !absl::SimpleAtoi(parts[1], &m) ||
      !absl::SimpleAtoi(parts[2], &d)) {
    return false;
  }
  out->set_year(y);
  out->set_month(m);
  out->set_day(d);
  return true;
}

template <typename E>
bool Choice(const std::string& v, const std::map<std::string, E>& names, E* out) {
  auto it = names.find(Trim(v));
  if (it == names.end()) return false;
  *out = it->second;
  return true;
}

const std::map<std::string, v1::SiteKind>& Kinds() {
  static const std::map<std::string, v1::SiteKind> k = {
      {"心理咨询室", v1::SITE_KIND_COUNSELLING_ROOM},
      {"社会工作室", v1::SITE_KIND_COUNSELLING_ROOM},
      {"心理咨询室/社会工作室", v1::SITE_KIND_COUNSELLING_ROOM},
      {"学校心理辅导室", v1::SITE_KIND_SCHOOL_ROOM},
      {"心理辅导室", v1::SITE_KIND_SCHOOL_ROOM},
      {"高校心理健康教育与咨询中心", v1::SITE_KIND_SCHOOL_ROOM},
      {"机关企事业单位心理服务", v1::SITE_KIND_WORKPLACE},
      {"机关企事业单位", v1::SITE_KIND_WORKPLACE},
      {"养老院等机构心理服务", v1::SITE_KIND_CARE_INSTITUTION},
      {"养老康复机构", v1::SITE_KIND_CARE_INSTITUTION},
      {"精神卫生综合管理小组", v1::SITE_KIND_MANAGEMENT_GROUP},
      {"心理危机干预队伍", v1::SITE_KIND_CRISIS_TEAM},
      {"心理援助热线", v1::SITE_KIND_HOTLINE},
  };
  return k;
}

}  // namespace

const std::vector<std::string>& SiteImportColumns() {
  static const std::vector<std::string> kColumns = {
      "所属区划代码", "类型",     "名称",     "建成日期", "学校类别", "专职教师数", "兼职教师数",
      "在校学生数",   "单位类型", "服务形式", "机构类型", "电话",     "备注"};
  return kColumns;
}

std::string SiteColumnForField(const std::string& field) {
  static const std::map<std::string, std::string> kColumn = {
      {"region", "所属区划代码"},
      {"kind", "类型"},
      {"name", "名称"},
      {"opened_on", "建成日期"},
      {"school", "学校类别"},
      {"school.level", "学校类别"},
      {"school.full_time_teachers", "专职教师数"},
      {"school.part_time_teachers", "兼职教师数"},
      {"school.students", "在校学生数"},
      {"workplace", "单位类型"},
      {"workplace.type", "单位类型"},
      {"workplace.mode", "服务形式"},
      {"care", "机构类型"},
      {"care.type", "机构类型"},
      {"phone", "电话"},
      {"note", "备注"},
  };
  auto it = kColumn.find(field);
  return it == kColumn.end() ? field : it->second;
}

absl::StatusOr<std::vector<SiteCsvRow>> SiteRowsFromCsv(
    const std::vector<std::vector<std::string>>& csv) {
  if (csv.empty()) return absl::InvalidArgumentError("CSV: 文件为空 (empty file)");
  std::map<std::string, size_t> col;
  const std::set<std::string> known(SiteImportColumns().begin(), SiteImportColumns().end());
  for (size_t i = 0; i < csv[0].size(); ++i) {
    const std::string h = Trim(csv[0][i]);
    if (h.empty() && i + 1 == csv[0].size()) continue;  // a trailing comma
    if (!known.count(h)) {
      return absl::InvalidArgumentError(absl::StrCat("CSV: 未知列 (unknown column) \"", h, "\""));
    }
    col[h] = i;
  }
  for (const char* need : {"所属区划代码", "类型", "名称", "建成日期"}) {
    if (!col.count(need)) {
      return absl::InvalidArgumentError(absl::StrCat("CSV: 缺少列 (missing column) ", need));
    }
  }
  static const std::map<std::string, v1::SchoolLevel> kLevels = {
      {"小学", v1::SCHOOL_LEVEL_PRIMARY},
      {"中学", v1::SCHOOL_LEVEL_SECONDARY},
      {"初中", v1::SCHOOL_LEVEL_SECONDARY},
      {"高中", v1::SCHOOL_LEVEL_SECONDARY},
      {"中职", v1::SCHOOL_LEVEL_SECONDARY},
      {"九年一贯制", v1::SCHOOL_LEVEL_PRIMARY_SECONDARY},
      {"十二年一贯制", v1::SCHOOL_LEVEL_PRIMARY_SECONDARY},
      {"高校", v1::SCHOOL_LEVEL_UNIVERSITY},
      {"高等院校", v1::SCHOOL_LEVEL_UNIVERSITY},
      {"大学", v1::SCHOOL_LEVEL_UNIVERSITY},
      {"幼儿园", v1::SCHOOL_LEVEL_PRESCHOOL},
      {"学前教育", v1::SCHOOL_LEVEL_PRESCHOOL},
      {"特殊教育学校", v1::SCHOOL_LEVEL_SPECIAL}};
  static const std::map<std::string, v1::WorkplaceType> kWorkplaces = {
      {"党政机关", v1::WORKPLACE_TYPE_AGENCY},
      {"机关", v1::WORKPLACE_TYPE_AGENCY},
      {"事业单位", v1::WORKPLACE_TYPE_INSTITUTION},
      {"企业", v1::WORKPLACE_TYPE_ENTERPRISE},
      {"新经济组织", v1::WORKPLACE_TYPE_NEW_ECONOMY}};
  static const std::map<std::string, v1::WorkplaceServiceMode> kModes = {
      {"自设心理咨询室", v1::WORKPLACE_SERVICE_MODE_OWN_ROOM},
      {"心理咨询室", v1::WORKPLACE_SERVICE_MODE_OWN_ROOM},
      {"心理辅导室", v1::WORKPLACE_SERVICE_MODE_OWN_ROOM},
      {"购买服务", v1::WORKPLACE_SERVICE_MODE_PURCHASED}};
  static const std::map<std::string, v1::CareInstitutionType> kCare = {
      {"养老院", v1::CARE_INSTITUTION_TYPE_ELDERLY_HOME},
      {"残疾人福利院", v1::CARE_INSTITUTION_TYPE_DISABILITY_WELFARE},
      {"残疾人之家", v1::CARE_INSTITUTION_TYPE_DISABLED_HOME},
      {"托养机构", v1::CARE_INSTITUTION_TYPE_DISABLED_HOME},
      {"康复机构", v1::CARE_INSTITUTION_TYPE_REHABILITATION}};

  std::vector<SiteCsvRow> out;
  for (size_t r = 1; r < csv.size(); ++r) {
    bool blank = true;
    for (const auto& f : csv[r]) blank = blank && Trim(f).empty();
    if (blank) continue;
    SiteCsvRow row;
    row.line = static_cast<int>(r) + 1;
    auto get = [&](const std::string& name) -> std::string {
      auto it = col.find(name);
      if (it == col.end() || it->second >= csv[r].size()) return "";
      return Trim(csv[r][it->second]);
    };
    auto bad = [&](const std::string& column, const std::string& why) {
      if (row.error.empty()) row.error = absl::StrCat(column, ": ", why);
    };
    v1::UpsertSiteRequest& q = row.request;
    q.set_region(get("所属区划代码"));
    v1::SiteKind kind = v1::SITE_KIND_UNSPECIFIED;
    if (!Choice(get("类型"), Kinds(), &kind)) {
      bad("类型",
          "须为 心理咨询室、社会工作室、学校心理辅导室、机关企事业单位、养老康复机构、"
          "精神卫生综合管理小组、心理危机干预队伍 或 心理援助热线 (unknown site kind)");
    }
    q.set_kind(kind);
    q.set_name(get("名称"));
    if (!ParseDay(get("建成日期"), q.mutable_opened_on())) {
      bad("建成日期", "日期格式应为 YYYY-MM-DD (not a date)");
    }
    auto number = [&](const std::string& column) -> int {
      const std::string v = get(column);
      int n = 0;
      if (!v.empty() && !absl::SimpleAtoi(v, &n)) bad(column, "须为整数 (not a whole number)");
      return n;
    };
    if (kind == v1::SITE_KIND_SCHOOL_ROOM) {
      v1::SchoolLevel level = v1::SCHOOL_LEVEL_UNSPECIFIED;
      if (!Choice(get("学校类别"), kLevels, &level)) {
        bad("学校类别", "须为 小学、中学、九年一贯制、高校、幼儿园 或 特殊教育学校 (unknown school level)");
      }
      q.mutable_school()->set_level(level);
      q.mutable_school()->set_full_time_teachers(number("专职教师数"));
      q.mutable_school()->set_part_time_teachers(number("兼职教师数"));
      q.mutable_school()->set_students(number("在校学生数"));
    }
    if (kind == v1::SITE_KIND_WORKPLACE) {
      v1::WorkplaceType type = v1::WORKPLACE_TYPE_UNSPECIFIED;
      if (!Choice(get("单位类型"), kWorkplaces, &type)) {
        bad("单位类型", "须为 党政机关、事业单位、企业 或 新经济组织 (unknown workplace type)");
      }
      v1::WorkplaceServiceMode mode = v1::WORKPLACE_SERVICE_MODE_UNSPECIFIED;
      if (!Choice(get("服务形式"), kModes, &mode)) {
        bad("服务形式", "须为 自设心理咨询室 或 购买服务 (own room or purchased service)");
      }
      q.mutable_workplace()->set_type(type);
      q.mutable_workplace()->set_mode(mode);
    }
    if (kind == v1::SITE_KIND_CARE_INSTITUTION) {
      v1::CareInstitutionType type = v1::CARE_INSTITUTION_TYPE_UNSPECIFIED;
      if (!Choice(get("机构类型"), kCare, &type)) {
        bad("机构类型", "须为 养老院、残疾人福利院、残疾人之家 或 康复机构 (unknown institution type)");
      }
      q.mutable_care()->set_type(type);
    }
    q.set_phone(get("电话"));
    q.set_note(get("备注"));
    out.push_back(std::move(row));
  }
  return out;
}

absl::StatusOr<std::vector<SiteCsvRow>> SiteRowsFromTable(const TableFile& table) {
  std::vector<std::vector<std::string>> csv;
  csv.reserve(table.rows.size());
  for (const TableRow& r : table.rows) csv.push_back(r.cells);
  absl::StatusOr<std::vector<SiteCsvRow>> mapped = SiteRowsFromCsv(csv);
  if (!mapped.ok()) return mapped.status();
  std::vector<SiteCsvRow> rows = *std::move(mapped);
  const std::vector<std::string> header = csv.empty() ? std::vector<std::string>{} : csv[0];
  for (SiteCsvRow& row : rows) {
    // SiteRowsFromCsv numbers rows by their place in `csv` (1-based).
    const size_t i = static_cast<size_t>(row.line - 1);
    if (i >= table.rows.size()) continue;
    const TableRow& src = table.rows[i];
    row.line = src.number;
    if (!src.error.empty()) {
      const std::string column =
          src.error_column >= 0 && static_cast<size_t>(src.error_column) < header.size()
              ? header[static_cast<size_t>(src.error_column)]
              : "?";
      row.error = column + ": " + src.error;
    }
  }
  return rows;
}

}  // namespace smdctl
