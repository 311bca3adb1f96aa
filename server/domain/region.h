#pragma once
// Administrative region codes (统计用区划代码, rules.md §9) as used for jurisdictions:
// a district has 6 digits (320106 = 鼓楼区), a street 9 (320106001 = 宁海路街道), a
// community 12. A code's parent is the code without its last 3 digits. Pure, thread-safe.
// Whether a code is a *known* region is a question for the region table (store/), not here.

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace smd::domain {

// Same numbers as proto smd.v1.RegionLevel and the region.level column.
enum class RegionLevel : int { kInvalid = 0, kDistrict = 1, kStreet = 2, kCommunity = 3 };

// The level implied by the code's shape: 6, 9 or 12 ASCII digits; kInvalid otherwise.
RegionLevel LevelOf(std::string_view code);

// True iff both codes are valid and `code` lies in `scope`, i.e. starts with it. A region
// contains itself. This is the jurisdiction test of every patient-scoped action.
bool RegionContains(std::string_view scope, std::string_view code);

// The enclosing region's code: the street of a community, the district of a street; "" for a
// district or an invalid code.
std::string ParentOf(std::string_view code);

// Checks that `code` is a valid region code of level `required` (kInvalid: any level).
// Errors: INVALID_ARGUMENT on `field` (required / not a region code / wrong level).
absl::Status CheckRegionCode(std::string_view field, std::string_view code, RegionLevel required);

}  // namespace smd::domain
