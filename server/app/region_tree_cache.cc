#include "app/region_tree_cache.h"

#include "common/status_macros.h"

namespace smd::app {

absl::StatusOr<RegionTreeCache::Rows> RegionTreeCache::Subtree(store::Tx& tx,
                                                               const std::string& root,
                                                               int max_code_length) {
  ASSIGN_OR_RETURN(const int64_t version, store::RegionTreeVersion(tx));
  const std::pair<std::string, int> key(root, max_code_length);
  Rows tree;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (version == version_) {
      if (auto it = subtrees_.find(key); it != subtrees_.end()) return it->second;
      tree = tree_;
    }
  }
  if (tree == nullptr) {
    // Listed outside the lock: two calls that miss at once both list, and either copy is
    // at least as new as `version`.
    ASSIGN_OR_RETURN(std::vector<store::RegionRow> all, store::ListRegionSubtree(tx, "", 12));
    tree = std::make_shared<const std::vector<store::RegionRow>>(std::move(all));
  }
  auto out = std::make_shared<std::vector<store::RegionRow>>();
  for (const store::RegionRow& r : *tree) {
    if (static_cast<int>(r.code.size()) <= max_code_length &&
        r.code.compare(0, root.size(), root) == 0) {
      out->push_back(r);
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (version != version_) {
    version_ = version;
    tree_ = tree;
    subtrees_.clear();
  }
  subtrees_[key] = out;
  return Rows(out);
}

}  // namespace smd::app
