#include "store/region_repository.h"

#include <map>

#include "store/errors.h"
#include "store/internal/pg.h"
#include "store/internal/tx.h"
#include "store/statements.h"

namespace smd::store {

std::vector<Statement> RegionStatements() {
  return {
      {"region.upsert",
       "INSERT INTO region (code, name, level, parent_code, updated_at) "
       "VALUES ($1, $2, $3, $4, $5::timestamptz) "
       "ON CONFLICT (code) DO UPDATE SET name = EXCLUDED.name, updated_at = EXCLUDED.updated_at"},
      // A prefix range the text_pattern_ops index (schema 0008) serves in a generic plan,
      // which starts_with($1) cannot; codes are digits and ':' sorts right after '9'.
      {"region.version", "SELECT version FROM region_version"},
      {"region.subtree",
       "SELECT code, name, level, parent_code FROM region "
       "WHERE code ~>=~ $1 AND code ~<~ ($1 || ':') AND char_length(code) <= $2 ORDER BY code"},
      {"region.population",
       "SELECT code, year, residents FROM region_population "
       "WHERE starts_with(code, $1) AND char_length(code) <= $2 ORDER BY code, year"},
      {"region.set_population",
       "INSERT INTO region_population (code, year, residents) VALUES ($1, $2, $3) "
       "ON CONFLICT (code, year) DO UPDATE SET residents = EXCLUDED.residents"},
  };
}

absl::Status UpsertRegion(Tx& tx, const RegionRow& r, absl::Time now) {
  return Guard([&]() -> absl::Status {
    tx.w().exec_prepared("region.upsert", r.code, r.name, r.level, pg::NullIfEmpty(r.parent_code),
                         pg::Time(now));
    return absl::OkStatus();
  });
}

absl::StatusOr<int64_t> RegionTreeVersion(Tx& tx) {
  return Guard([&]() -> absl::StatusOr<int64_t> {
    pqxx::result r = tx.w().exec_prepared("region.version");
    return r.empty() ? int64_t{0} : r[0][0].as<int64_t>();
  });
}

absl::StatusOr<std::vector<RegionRow>> ListRegionSubtree(Tx& tx, const std::string& root,
                                                         int max_code_length) {
  return Guard([&]() -> absl::StatusOr<std::vector<RegionRow>> {
    std::vector<RegionRow> out;
    std::map<std::string, size_t> at;
    for (const auto& row : tx.w().exec_prepared("region.subtree", root, max_code_length)) {
      RegionRow r;
      r.code = row[0].as<std::string>();
      r.name = row[1].as<std::string>();
      r.level = row[2].as<int>();
      r.parent_code = pg::Str(row[3]);
      at[r.code] = out.size();
      out.push_back(std::move(r));
    }
    for (const auto& row : tx.w().exec_prepared("region.population", root, max_code_length)) {
      auto it = at.find(row[0].as<std::string>());
      if (it != at.end()) {
        out[it->second].population.emplace_back(row[1].as<int>(), row[2].as<int64_t>());
      }
    }
    return out;
  });
}

absl::StatusOr<std::optional<RegionRow>> GetRegion(Tx& tx, const std::string& code) {
  absl::StatusOr<std::vector<RegionRow>> rows =
      ListRegionSubtree(tx, code, static_cast<int>(code.size()));
  if (!rows.ok()) return rows.status();
  for (auto& r : *rows) {
    if (r.code == code) return std::optional<RegionRow>(std::move(r));
  }
  return std::optional<RegionRow>();
}

absl::Status SetPopulation(Tx& tx, const std::string& code, int year, int64_t residents) {
  return Guard([&]() -> absl::Status {
    tx.w().exec_prepared("region.set_population", code, year, residents);
    return absl::OkStatus();
  });
}

}  // namespace smd::store
