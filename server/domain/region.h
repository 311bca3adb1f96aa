#pragma once
// Administrative region codes (统计用区划代码, rules.md §9) as used for jurisdictions: a
// province has 2 digits (32 = 江苏省), a city 4 (3201 = 南京市), a district 6 (320106 =
// 鼓楼区), a street 9 (320106001 = 宁海路街道), a community 12. A code's parent is its
// prefix one level up (12 -> 9 -> 6 -> 4 -> 2 digits). Patients live in communities; users
// and reports may be at any level (a city's health committee sees its districts' figures). Pure, thread-safe.
// Whether a code is a *known* region is a question for the region table (store/), not here.

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace smd::domain {

// Same numbers as proto smd.v1.RegionLevel and the region.level column (numbers are ids,
// not an order: province and city were added after the first three).
enum class RegionLevel : int {
  kInvalid = 0,
  kDistrict = 1,
  kStreet = 2,
  kCommunity = 3,
  kProvince = 4,
  kCity = 5,
};

// The level implied by the code's shape: 2, 4, 6, 9 or 12 ASCII digits; kInvalid otherwise.
RegionLevel LevelOf(std::string_view code);

// True iff both codes are valid and `code` lies in `scope`, i.e. starts with it. A region
// contains itself. This is the jurisdiction test of every patient-scoped action.
bool RegionContains(std::string_view scope, std::string_view code);

// The enclosing region's code: the street of a community, the district of a street, the
// city of a district, the province of a city; "" for a province or an invalid code.
std::string ParentOf(std::string_view code);

// The length of the codes one level below `code` (4, 6, 9 or 12); 0 for a community or an
// invalid code.
int ChildCodeLength(std::string_view code);

// Checks that `code` is a valid region code of level `required` (kInvalid: any level).
// Errors: INVALID_ARGUMENT on `field` (required / not a region code / wrong level).
absl::Status CheckRegionCode(std::string_view field, std::string_view code, RegionLevel required);

}  // namespace smd::domain
