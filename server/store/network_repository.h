#pragma once
// The service network's rows (schema 0019): service_site, service_site_status,
// network_count, network_target. No patient data and no row-level security: the caller
// authorizes by jurisdiction first. Inside the caller's transaction; free functions.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "domain/network.h"

namespace smd::store {

class Tx;

struct SiteRow {
  std::string id;
  int64_t version = 0;
  std::string region_name;  // from region (read only)
  domain::SiteFacts facts;  // facts.history: the status changes, oldest first
};

// Inserts a new site (version 1). ALREADY_EXISTS "name: ..." when the region already has a
// site of the kind with the name.
absl::Status InsertSite(Tx& tx, const std::string& id, const domain::SiteFacts& site,
                        const std::string& by, absl::Time now);
// Rewrites the editable columns of `id` at `expected_version` and bumps the version.
// ABORTED when the version moved; ALREADY_EXISTS as InsertSite.
absl::Status UpdateSite(Tx& tx, const std::string& id, int64_t expected_version,
                        const domain::SiteFacts& site, const std::string& by, absl::Time now);
// The site with its history; for_update locks its row. nullopt when there is none.
absl::StatusOr<std::optional<SiteRow>> GetSite(Tx& tx, const std::string& id, bool for_update);
// Appends a status change and bumps the site's version (ABORTED when it moved).
absl::Status AppendSiteStatus(Tx& tx, const std::string& id, int64_t expected_version,
                              const domain::SiteStatusChange& change, const std::string& by,
                              absl::Time now);
// Sites whose region starts with `prefix` (kind 0: all), by region, kind, name, with
// their histories.
absl::StatusOr<std::vector<SiteRow>> ListSites(Tx& tx, const std::string& prefix, int kind);

absl::Status SetNetworkCount(Tx& tx, const domain::NetworkCountRow& row);
// Counts of regions starting with `prefix` (year 0: all years), by region, year, kind.
absl::StatusOr<std::vector<domain::NetworkCountRow>> ListNetworkCounts(Tx& tx,
                                                                       const std::string& prefix,
                                                                       int year);

struct TargetRow {
  domain::NetworkTargetRow target;
  std::string source;
};
absl::StatusOr<std::vector<TargetRow>> ListNetworkTargets(Tx& tx);

}  // namespace smd::store
