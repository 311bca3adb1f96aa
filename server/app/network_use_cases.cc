#include "app/network_use_cases.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "crypto/random.h"
#include "domain/access_policy.h"
#include "domain/errors.h"
#include "domain/region.h"
#include "store/region_repository.h"

namespace smd::app {
namespace {

using domain::Action;
using domain::FieldError;

// The region must exist (NOT_FOUND naming `field`).
absl::Status RegionMustExist(store::Tx& tx, const std::string& code, std::string_view field) {
  ASSIGN_OR_RETURN(auto region, store::GetRegion(tx, code));
  if (!region) return absl::NotFoundError(std::string(field) + ": 行政区划不存在 (no such region)");
  return absl::OkStatus();
}

// The checked region of a read (default: the caller's jurisdiction).
absl::StatusOr<std::string> ReadRegion(const domain::Principal& who, const std::string& asked) {
  const std::string region = asked.empty() ? who.jurisdiction : asked;
  RETURN_IF_ERROR(domain::Authorize(who, Action::kNetworkRead, ""));
  RETURN_IF_ERROR(domain::CheckRegionCode("region", region, domain::RegionLevel::kInvalid));
  RETURN_IF_ERROR(domain::Authorize(who, Action::kNetworkRead, region));
  return region;
}

SiteView ViewOf(store::SiteRow row, absl::CivilDay today) {
  SiteView v;
  v.status = domain::StatusOn(row.facts, today);
  v.status_since = row.facts.opened_on;
  for (const auto& c : row.facts.history) {
    if (c.effective_on <= today) v.status_since = c.effective_on;
  }
  v.row = std::move(row);
  return v;
}

}  // namespace

absl::StatusOr<NetworkInputs> LoadNetworkInputs(store::Tx& tx, const std::string& region,
                                                const std::vector<store::RegionRow>& subtree) {
  NetworkInputs in;
  for (const auto& r : subtree) in.regions.push_back(r.code);
  ASSIGN_OR_RETURN(std::vector<store::SiteRow> sites, store::ListSites(tx, region, 0));
  for (auto& s : sites) in.sites.push_back(std::move(s.facts));
  ASSIGN_OR_RETURN(in.counts, store::ListNetworkCounts(tx, region, 0));
  ASSIGN_OR_RETURN(std::vector<store::TargetRow> targets, store::ListNetworkTargets(tx));
  for (auto& t : targets) in.targets.push_back(std::move(t.target));
  return in;
}

absl::CivilDay NetworkUseCases::Today() const {
  return absl::ToCivilDay(deps_.clock.Now(), absl::FixedTimeZone(8 * 3600));
}

absl::StatusOr<SiteView> NetworkUseCases::UpsertSite(const CallMeta& meta, const SiteInput& in) {
  SiteView out;
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    RETURN_IF_ERROR(domain::Authorize(who, Action::kNetworkEdit, ""));
    const absl::CivilDay today = Today();
    RETURN_IF_ERROR(
        domain::CheckSite(in.facts, in.has_school, in.has_workplace, in.has_care, today));
    RETURN_IF_ERROR(domain::Authorize(who, Action::kNetworkEdit, in.facts.region));
    RETURN_IF_ERROR(RegionMustExist(tx, in.facts.region, "region"));
    const absl::Time now = deps_.clock.Now();
    std::string id = in.id;
    if (id.empty()) {
      id = crypto::NewUuid();
      RETURN_IF_ERROR(store::InsertSite(tx, id, in.facts, who.user_id, now));
    } else {
      RETURN_IF_ERROR(CheckUuid("id", id));
      ASSIGN_OR_RETURN(auto current, store::GetSite(tx, id, /*for_update=*/true));
      if (!current) return absl::NotFoundError("id: 服务站点不存在 (no such site)");
      // The site's current region must be the caller's too: no moving a site out of
      // another jurisdiction.
      RETURN_IF_ERROR(domain::Authorize(who, Action::kNetworkEdit, current->facts.region));
      if (in.expected_version <= 0) {
        return FieldError("expected_version", "修改时须提供版本号", "required with id");
      }
      if (current->facts.kind != in.facts.kind) {
        return FieldError("kind", "不能修改站点类型", "cannot change a site's kind");
      }
      if (!current->facts.history.empty() &&
          in.facts.opened_on > current->facts.history.front().effective_on) {
        return absl::FailedPreconditionError(
            "opened_on: 建成日期不能晚于已记录的状态变更 (after a recorded status change)");
      }
      RETURN_IF_ERROR(
          store::UpdateSite(tx, id, in.expected_version, in.facts, who.user_id, now));
    }
    ASSIGN_OR_RETURN(auto row, store::GetSite(tx, id, false));
    out = ViewOf(std::move(*row), today);
    note.detail = absl::StrCat("site=", id, " region=", in.facts.region);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<SiteView> NetworkUseCases::SetStatus(const CallMeta& meta, const std::string& id,
                                                    int64_t expected_version,
                                                    const domain::SiteStatusChange& change) {
  SiteView out;
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    RETURN_IF_ERROR(domain::Authorize(who, Action::kNetworkEdit, ""));
    RETURN_IF_ERROR(CheckUuid("id", id));
    if (expected_version <= 0) {
      return FieldError("expected_version", "须提供版本号", "required");
    }
    ASSIGN_OR_RETURN(auto current, store::GetSite(tx, id, /*for_update=*/true));
    if (!current) return absl::NotFoundError("id: 服务站点不存在 (no such site)");
    RETURN_IF_ERROR(domain::Authorize(who, Action::kNetworkEdit, current->facts.region));
    const absl::CivilDay today = Today();
    RETURN_IF_ERROR(domain::CheckStatusChange(current->facts, change, today));
    RETURN_IF_ERROR(store::AppendSiteStatus(tx, id, expected_version, change, who.user_id,
                                            deps_.clock.Now()));
    ASSIGN_OR_RETURN(auto row, store::GetSite(tx, id, false));
    out = ViewOf(std::move(*row), today);
    note.detail = absl::StrCat("site=", id, " status=", static_cast<int>(change.status));
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<SiteView>> NetworkUseCases::ListSites(const CallMeta& meta,
                                                                 const std::string& region,
                                                                 int kind, bool active_only) {
  std::vector<SiteView> out;
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    out.clear();
    ASSIGN_OR_RETURN(std::string r, ReadRegion(who, region));
    if (kind < 0 || kind > domain::kMaxSiteKind) {
      return FieldError("kind", "服务站点类型无效", "unknown site kind");
    }
    const absl::CivilDay today = Today();
    ASSIGN_OR_RETURN(std::vector<store::SiteRow> rows, store::ListSites(tx, r, kind));
    for (auto& row : rows) {
      SiteView v = ViewOf(std::move(row), today);
      if (active_only && v.status != domain::SiteStatus::kActive) continue;
      out.push_back(std::move(v));
    }
    note.detail = absl::StrCat("region=", r, " returned=", out.size());
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<domain::NetworkCountRow> NetworkUseCases::SetCount(
    const CallMeta& meta, const domain::NetworkCountRow& row) {
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    RETURN_IF_ERROR(domain::Authorize(who, Action::kNetworkEdit, ""));
    RETURN_IF_ERROR(domain::CheckRegionCode("region", row.region, domain::RegionLevel::kInvalid));
    if (row.year < 2000 || row.year > 2200) {
      return FieldError("year", "年份须在2000-2200之间", "must be 2000..2200");
    }
    const int kind = static_cast<int>(row.kind);
    if (kind < 1 || kind > domain::kMaxNetworkCountKind) {
      return FieldError("kind", "统计对象类型无效", "unknown count kind");
    }
    if (row.count < 0 || row.count > 1000000) {
      return FieldError("count", "数量须在0-1000000之间", "must be 0..1000000");
    }
    RETURN_IF_ERROR(domain::Authorize(who, Action::kNetworkEdit, row.region));
    RETURN_IF_ERROR(RegionMustExist(tx, row.region, "region"));
    RETURN_IF_ERROR(store::SetNetworkCount(tx, row));
    note.detail = absl::StrCat("region=", row.region, " year=", row.year, " kind=", kind);
    return absl::OkStatus();
  }));
  return row;
}

absl::StatusOr<std::vector<domain::NetworkCountRow>> NetworkUseCases::ListCounts(
    const CallMeta& meta, const std::string& region, int year) {
  std::vector<domain::NetworkCountRow> out;
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    ASSIGN_OR_RETURN(std::string r, ReadRegion(who, region));
    if (year != 0 && (year < 2000 || year > 2200)) {
      return FieldError("year", "年份须在2000-2200之间（0表示全部）", "must be 2000..2200 (0: all)");
    }
    ASSIGN_OR_RETURN(out, store::ListNetworkCounts(tx, r, year));
    note.detail = absl::StrCat("region=", r, " returned=", out.size());
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<store::TargetRow>> NetworkUseCases::ListTargets(const CallMeta& meta) {
  std::vector<store::TargetRow> out;
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    RETURN_IF_ERROR(domain::Authorize(who, Action::kNetworkRead, ""));
    ASSIGN_OR_RETURN(out, store::ListNetworkTargets(tx));
    note.detail = absl::StrCat("returned=", out.size());
    return absl::OkStatus();
  }));
  return out;
}

}  // namespace smd::app
