#pragma once
// The service network (ServiceNetworkService; issue 14 point 5; docs/api.md "Service
// network"). Every call is one transaction through RunCall: authenticated, audited,
// all-or-nothing. network.edit (health committee, administrators) writes inside the
// caller's jurisdiction; network.read (also the doctors) reads. No patient data is
// involved. Thread-safe.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "app/call.h"
#include "app/context.h"
#include "domain/network.h"
#include "store/network_repository.h"
#include "store/region_repository.h"

namespace smd::app {

struct SiteInput {
  std::string id;               // "" = new
  int64_t expected_version = 0;
  domain::SiteFacts facts;      // history ignored
  bool has_school = false;
  bool has_workplace = false;
  bool has_care = false;
};

// A site as answered: the row and its status today (Beijing).
struct SiteView {
  store::SiteRow row;
  domain::SiteStatus status = domain::SiteStatus::kUnspecified;
  absl::CivilDay status_since;
};

// What the network indicators of a subtree read, loaded once per GetMetrics.
struct NetworkInputs {
  std::vector<std::string> regions;  // every code of the subtree
  std::vector<domain::SiteFacts> sites;
  std::vector<domain::NetworkCountRow> counts;
  std::vector<domain::NetworkTargetRow> targets;
};
// GetMetrics reads them under metrics.read (the caller's authorization of the region);
// `subtree` is the region's whole subtree (store::ListRegionSubtree to communities), which
// GetMetrics lists once for its rows and these inputs.
absl::StatusOr<NetworkInputs> LoadNetworkInputs(store::Tx& tx, const std::string& region,
                                                const std::vector<store::RegionRow>& subtree);

class NetworkUseCases {
 public:
  explicit NetworkUseCases(const Deps& deps) : deps_(deps) {}

  // Errors: see ServiceNetworkService.UpsertSite (proto/smd/v1/network.proto).
  absl::StatusOr<SiteView> UpsertSite(const CallMeta& meta, const SiteInput& in);
  absl::StatusOr<SiteView> SetStatus(const CallMeta& meta, const std::string& id,
                                     int64_t expected_version,
                                     const domain::SiteStatusChange& change);
  // kind 0: all kinds.
  absl::StatusOr<std::vector<SiteView>> ListSites(const CallMeta& meta, const std::string& region,
                                                  int kind, bool active_only);
  absl::StatusOr<domain::NetworkCountRow> SetCount(const CallMeta& meta,
                                                   const domain::NetworkCountRow& row);
  absl::StatusOr<std::vector<domain::NetworkCountRow>> ListCounts(const CallMeta& meta,
                                                                  const std::string& region,
                                                                  int year);
  absl::StatusOr<std::vector<store::TargetRow>> ListTargets(const CallMeta& meta);

 private:
  absl::CivilDay Today() const;
  const Deps& deps_;
};

}  // namespace smd::app
