#include "store/network_repository.h"

#include <map>

#include "store/errors.h"
#include "store/internal/pg.h"
#include "store/internal/tx.h"
#include "store/statements.h"

namespace smd::store {
namespace {

// The site columns SiteFrom reads (a macro: statements are string literals).
#define SMD_SITE_SELECT                                                                       \
  "SELECT s.id::text, s.version, s.region, r.name, s.kind, s.name, s.opened_on, "            \
  "s.school_level, s.full_time_teachers, s.part_time_teachers, s.students, s.workplace_type, " \
  "s.workplace_mode, s.care_type, s.phone, s.note FROM service_site s "                       \
  "JOIN region r ON r.code = s.region "

SiteRow SiteFrom(const pqxx::row& row) {
  SiteRow r;
  r.id = row[0].as<std::string>();
  r.version = row[1].as<int64_t>();
  domain::SiteFacts& f = r.facts;
  f.region = row[2].as<std::string>();
  r.region_name = pg::Str(row[3]);
  f.kind = static_cast<domain::SiteKind>(row[4].as<int>());
  f.name = row[5].as<std::string>();
  f.opened_on = pg::DayField(row[6]);
  f.school_level = row[7].as<int>();
  f.full_time_teachers = row[8].as<int>();
  f.part_time_teachers = row[9].as<int>();
  f.students = row[10].as<int>();
  f.workplace_type = row[11].as<int>();
  f.workplace_mode = row[12].as<int>();
  f.care_type = row[13].as<int>();
  f.phone = row[14].as<std::string>();
  f.note = row[15].as<std::string>();
  return r;
}

// Fills the histories of `sites` (by id) from rows (site_id, effective_on, status).
void AddHistory(const pqxx::result& rows, std::vector<SiteRow>& sites) {
  std::map<std::string, size_t> at;
  for (size_t i = 0; i < sites.size(); ++i) at[sites[i].id] = i;
  for (const auto& row : rows) {
    auto it = at.find(row[0].as<std::string>());
    if (it == at.end()) continue;
    sites[it->second].facts.history.push_back(
        {pg::DayField(row[1]), static_cast<domain::SiteStatus>(row[2].as<int>())});
  }
}

absl::Status NameTaken(Tx& tx, const domain::SiteFacts& s, const std::string& except_id) {
  const pqxx::result r =
      tx.w().exec_prepared("site.find_name", s.region, static_cast<int>(s.kind), s.name);
  for (const auto& row : r) {
    if (row[0].as<std::string>() != except_id) {
      return absl::AlreadyExistsError(
          "name: 该区划已有同类型同名的服务站点 (a site of this kind and name exists in the region)");
    }
  }
  return absl::OkStatus();
}

}  // namespace

std::vector<Statement> NetworkStatements() {
  return {
      {"site.find_name",
       "SELECT id::text FROM service_site WHERE region = $1 AND kind = $2 AND name = $3"},
      {"site.insert",
       "INSERT INTO service_site (id, region, kind, name, opened_on, school_level, "
       "full_time_teachers, part_time_teachers, students, workplace_type, workplace_mode, "
       "care_type, phone, note, created_at, created_by, updated_at, updated_by) VALUES "
       "($1::uuid, $2, $3, $4, $5::date, $6, $7, $8, $9, $10, $11, $12, $13, $14, "
       "$15::timestamptz, $16::uuid, $15::timestamptz, $16::uuid)"},
      {"site.update",
       "UPDATE service_site SET version = version + 1, region = $3, name = $4, "
       "opened_on = $5::date, school_level = $6, full_time_teachers = $7, "
       "part_time_teachers = $8, students = $9, workplace_type = $10, workplace_mode = $11, "
       "care_type = $12, phone = $13, note = $14, updated_at = $15::timestamptz, "
       "updated_by = $16::uuid WHERE id = $1::uuid AND version = $2"},
      {"site.bump",
       "UPDATE service_site SET version = version + 1, updated_at = $3::timestamptz, "
       "updated_by = $4::uuid WHERE id = $1::uuid AND version = $2"},
      {"site.get", SMD_SITE_SELECT "WHERE s.id = $1::uuid"},
      {"site.get_for_update", SMD_SITE_SELECT "WHERE s.id = $1::uuid FOR UPDATE OF s"},
      {"site.history",
       "SELECT site_id::text, effective_on, status FROM service_site_status "
       "WHERE site_id = $1::uuid ORDER BY seq"},
      {"site.append_status",
       "INSERT INTO service_site_status (site_id, seq, effective_on, status, recorded_at, "
       "recorded_by) SELECT $1::uuid, coalesce(max(seq), 0) + 1, $2::date, $3, "
       "$4::timestamptz, $5::uuid FROM service_site_status WHERE site_id = $1::uuid"},
      // Prefix range as region.subtree (text_pattern_ops index).
      {"site.list",
       SMD_SITE_SELECT "WHERE s.region ~>=~ $1 AND s.region ~<~ ($1 || ':') AND ($2 = 0 OR s.kind = $2) "
       "ORDER BY s.region, s.kind, s.name"},
      {"site.list_history",
       "SELECT h.site_id::text, h.effective_on, h.status FROM service_site_status h "
       "JOIN service_site s ON s.id = h.site_id WHERE s.region ~>=~ $1 AND "
       "s.region ~<~ ($1 || ':') ORDER BY h.site_id, h.seq"},
      {"network_count.set",
       "INSERT INTO network_count (code, year, kind, count) VALUES ($1, $2, $3, $4) "
       "ON CONFLICT (code, year, kind) DO UPDATE SET count = EXCLUDED.count"},
      {"network_count.list",
       "SELECT code, year, kind, count FROM network_count WHERE code ~>=~ $1 AND "
       "code ~<~ ($1 || ':') AND ($2 = 0 OR year = $2) ORDER BY code, year, kind"},
      {"network_target.list",
       "SELECT indicator, year, tenths, source FROM network_target ORDER BY indicator, year"},
  };
}

absl::Status InsertSite(Tx& tx, const std::string& id, const domain::SiteFacts& s,
                        const std::string& by, absl::Time now) {
  return Guard([&]() -> absl::Status {
    if (absl::Status st = NameTaken(tx, s, ""); !st.ok()) return st;
    tx.w().exec_prepared("site.insert", id, s.region, static_cast<int>(s.kind), s.name,
                         pg::Day(s.opened_on), s.school_level, s.full_time_teachers,
                         s.part_time_teachers, s.students, s.workplace_type, s.workplace_mode,
                         s.care_type, s.phone, s.note, pg::Time(now), by);
    return absl::OkStatus();
  });
}

absl::Status UpdateSite(Tx& tx, const std::string& id, int64_t expected_version,
                        const domain::SiteFacts& s, const std::string& by, absl::Time now) {
  return Guard([&]() -> absl::Status {
    if (absl::Status st = NameTaken(tx, s, id); !st.ok()) return st;
    const pqxx::result r = tx.w().exec_prepared(
        "site.update", id, expected_version, s.region, s.name, pg::Day(s.opened_on),
        s.school_level, s.full_time_teachers, s.part_time_teachers, s.students, s.workplace_type,
        s.workplace_mode, s.care_type, s.phone, s.note, pg::Time(now), by);
    if (r.affected_rows() != 1) {
      return absl::AbortedError("expected_version: 已被他人修改 (changed by someone else)");
    }
    return absl::OkStatus();
  });
}

absl::StatusOr<std::optional<SiteRow>> GetSite(Tx& tx, const std::string& id, bool for_update) {
  return Guard([&]() -> absl::StatusOr<std::optional<SiteRow>> {
    const pqxx::result r =
        tx.w().exec_prepared(for_update ? "site.get_for_update" : "site.get", id);
    if (r.empty()) return std::optional<SiteRow>();
    std::vector<SiteRow> one = {SiteFrom(r[0])};
    AddHistory(tx.w().exec_prepared("site.history", id), one);
    return std::optional<SiteRow>(std::move(one[0]));
  });
}

absl::Status AppendSiteStatus(Tx& tx, const std::string& id, int64_t expected_version,
                              const domain::SiteStatusChange& change, const std::string& by,
                              absl::Time now) {
  return Guard([&]() -> absl::Status {
    const pqxx::result r =
        tx.w().exec_prepared("site.bump", id, expected_version, pg::Time(now), by);
    if (r.affected_rows() != 1) {
      return absl::AbortedError("expected_version: 已被他人修改 (changed by someone else)");
    }
    tx.w().exec_prepared("site.append_status", id, pg::Day(change.effective_on),
                         static_cast<int>(change.status), pg::Time(now), by);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<SiteRow>> ListSites(Tx& tx, const std::string& prefix, int kind) {
  return Guard([&]() -> absl::StatusOr<std::vector<SiteRow>> {
    std::vector<SiteRow> out;
    for (const auto& row : tx.w().exec_prepared("site.list", prefix, kind)) {
      out.push_back(SiteFrom(row));
    }
    AddHistory(tx.w().exec_prepared("site.list_history", prefix), out);
    return out;
  });
}

absl::Status SetNetworkCount(Tx& tx, const domain::NetworkCountRow& c) {
  return Guard([&]() -> absl::Status {
    tx.w().exec_prepared("network_count.set", c.region, c.year, static_cast<int>(c.kind),
                         c.count);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<domain::NetworkCountRow>> ListNetworkCounts(Tx& tx,
                                                                       const std::string& prefix,
                                                                       int year) {
  return Guard([&]() -> absl::StatusOr<std::vector<domain::NetworkCountRow>> {
    std::vector<domain::NetworkCountRow> out;
    for (const auto& row : tx.w().exec_prepared("network_count.list", prefix, year)) {
      domain::NetworkCountRow c;
      c.region = row[0].as<std::string>();
      c.year = row[1].as<int>();
      c.kind = static_cast<domain::NetworkCountKind>(row[2].as<int>());
      c.count = row[3].as<int64_t>();
      out.push_back(std::move(c));
    }
    return out;
  });
}

absl::StatusOr<std::vector<TargetRow>> ListNetworkTargets(Tx& tx) {
  return Guard([&]() -> absl::StatusOr<std::vector<TargetRow>> {
    std::vector<TargetRow> out;
    for (const auto& row : tx.w().exec_prepared("network_target.list")) {
      TargetRow t;
      t.target.indicator = row[0].as<std::string>();
      t.target.year = row[1].as<int>();
      t.target.tenths = row[2].as<int64_t>();
      t.source = row[3].as<std::string>();
      out.push_back(std::move(t));
    }
    return out;
  });
}

}  // namespace smd::store
