#include "app/region_tree_cache.h"

#include "common/status_macros.h"

namespace smd::app {

absl::StatusOr<std::vector<store::RegionRow>> RegionTreeCache::Subtree(store::Tx& tx,
                                                                       const std::string& root,
                                                                       int max_code_length) {
  ASSIGN_OR_RETURN(const int64_t version, store::RegionTreeVersion(tx));
  std::shared_ptr<const std::vector<store::RegionRow>> tree;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (version == version_) tree = tree_;
  }
  if (tree == nullptr) {
    // Listed outside the lock: two calls that miss at once both list, and either copy is
    // at least as new as `version`.
    ASSIGN_OR_RETURN(std::vector<store::RegionRow> all, store::ListRegionSubtree(tx, "", 12));
    tree = std::make_shared<const std::vector<store::RegionRow>>(std::move(all));
    std::lock_guard<std::mutex> lock(mu_);
    version_ = version;
    tree_ = tree;
  }
  std::vector<store::RegionRow> out;
  for (const store::RegionRow& r : *tree) {
    if (static_cast<int>(r.code.size()) <= max_code_length &&
        r.code.compare(0, root.size(), root) == 0) {
      out.push_back(r);
    }
  }
  return out;
}

}  // namespace smd::app
