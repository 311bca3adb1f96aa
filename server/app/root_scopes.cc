#include "app/root_scopes.h"

#include <algorithm>

#include "absl/strings/match.h"
#include "common/status_macros.h"
#include "store/region_repository.h"

namespace smd::app {

absl::StatusOr<std::vector<std::string>> RootScopes(const Deps& deps) {
  std::vector<std::string> roots;
  RETURN_IF_ERROR(deps.db.InTransaction([&](store::Tx& tx) -> absl::Status {
    roots.clear();
    ASSIGN_OR_RETURN(std::vector<store::RegionRow> regions, store::ListRegionSubtree(tx, "", 6));
    for (const auto& r : regions) {
      if (r.parent_code.empty()) roots.push_back(r.code);
    }
    return absl::OkStatus();
  }));
  // In code order a root inside another's prefix follows the one it starts
  // with.
  std::sort(roots.begin(), roots.end());
  std::vector<std::string> scopes;
  for (const auto& r : roots) {
    if (scopes.empty() || !absl::StartsWith(r, scopes.back())) scopes.push_back(r);
  }
  return scopes;
}

}  // namespace smd::app
