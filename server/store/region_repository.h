#pragma once
// region and region_population rows (rules.md §9). Inside the caller's transaction.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace smd::store {

class Tx;

struct RegionRow {
  std::string code;
  std::string name;
  int level = 0;             // 1 district, 2 street, 3 community
  std::string parent_code;   // empty for a district
  std::vector<std::pair<int, int64_t>> population;  // (year, residents), by year
};

// Inserts or renames. FAILED_PRECONDITION when the parent region does not exist.
absl::Status UpsertRegion(Tx& tx, const RegionRow& region, absl::Time now);
absl::StatusOr<std::optional<RegionRow>> GetRegion(Tx& tx, const std::string& code);
// The region tree's version (schema 0022): bumped in the transaction of any change to a
// region or a population figure (app/region_tree_cache.h).
absl::StatusOr<int64_t> RegionTreeVersion(Tx& tx);
// `root` and its descendants whose code is at most `max_code_length` long, by code.
absl::StatusOr<std::vector<RegionRow>> ListRegionSubtree(Tx& tx, const std::string& root,
                                                         int max_code_length);
absl::Status SetPopulation(Tx& tx, const std::string& code, int year, int64_t residents);

}  // namespace smd::store
