#include "domain/region.h"

#include "domain/errors.h"

namespace smd::domain {

RegionLevel LevelOf(std::string_view code) {
  // rules.md §9: province(2) city(2) district(2) street(3) community(3).
  for (char c : code) {
    if (c < '0' || c > '9') {
      return RegionLevel::kInvalid;
    }
  }
  switch (code.size()) {
    case 2:
      return RegionLevel::kProvince;
    case 4:
      return RegionLevel::kCity;
    case 6:
      return RegionLevel::kDistrict;
    case 9:
      return RegionLevel::kStreet;
    case 12:
      return RegionLevel::kCommunity;
    default:
      return RegionLevel::kInvalid;
  }
}

bool RegionContains(std::string_view scope, std::string_view code) {
  return LevelOf(scope) != RegionLevel::kInvalid && LevelOf(code) != RegionLevel::kInvalid &&
         code.substr(0, scope.size()) == scope;
}

std::string ParentOf(std::string_view code) {
  switch (LevelOf(code)) {
    case RegionLevel::kCity:
    case RegionLevel::kDistrict:
      return std::string(code.substr(0, code.size() - 2));
    case RegionLevel::kStreet:
    case RegionLevel::kCommunity:
      return std::string(code.substr(0, code.size() - 3));
    default:
      return "";
  }
}

int ChildCodeLength(std::string_view code) {
  switch (LevelOf(code)) {
    case RegionLevel::kProvince:
      return 4;
    case RegionLevel::kCity:
      return 6;
    case RegionLevel::kDistrict:
      return 9;
    case RegionLevel::kStreet:
      return 12;
    default:
      return 0;
  }
}

absl::Status CheckRegionCode(std::string_view field, std::string_view code, RegionLevel required) {
  if (code.empty()) {
    return FieldError(field, "必填", "required");
  }
  const RegionLevel level = LevelOf(code);
  if (level == RegionLevel::kInvalid) {
    return FieldError(field, "区划代码必须为2、4、6、9或12位数字", "must be 2, 4, 6, 9 or 12 digits");
  }
  if (required != RegionLevel::kInvalid && level != required) {
    switch (required) {
      case RegionLevel::kProvince:
        return FieldError(field, "必须为省级代码（2位）", "must be a province code (2 digits)");
      case RegionLevel::kCity:
        return FieldError(field, "必须为市级代码（4位）", "must be a city code (4 digits)");
      case RegionLevel::kDistrict:
        return FieldError(field, "必须为区级代码（6位）", "must be a district code (6 digits)");
      case RegionLevel::kStreet:
        return FieldError(field, "必须为街道级代码（9位）", "must be a street code (9 digits)");
      default:
        return FieldError(field, "必须为社区级代码（12位）",
                          "must be a community code (12 digits)");
    }
  }
  return absl::OkStatus();
}

}  // namespace smd::domain
