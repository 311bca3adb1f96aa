#pragma once
// A server's copy of the region tree (regions and their 常住人口 figures), listed again only
// when the tree's version in the database (schema 0022 region_version, bumped in the
// transaction of every change) differs from the version it listed. GetMetrics reads a
// region's whole subtree (names, populations, the service network's region counts): at the
// province that was ~12,000 rows per call, most of the call's database time; now it is one
// one-row read. The version is read before the tree, so a copy is never older than the
// version it is kept under (a change committed in between only makes the next call list it
// again). Thread-safe.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "store/region_repository.h"

namespace smd::app {

class RegionTreeCache {
 public:
  using Rows = std::shared_ptr<const std::vector<store::RegionRow>>;
  // `root` and its descendants whose code is at most `max_code_length` long, by code: what
  // store::ListRegionSubtree returns in the transaction's snapshot. Shared, not copied: a
  // subtree asked again under the same version is the same vector.
  absl::StatusOr<Rows> Subtree(store::Tx& tx, const std::string& root, int max_code_length);

 private:
  std::mutex mu_;
  int64_t version_ = -1;
  Rows tree_;                                             // every region, by code
  std::map<std::pair<std::string, int>, Rows> subtrees_;  // asked under version_
};

}  // namespace smd::app
