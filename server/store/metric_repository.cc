#include "store/metric_repository.h"

#include <map>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "store/errors.h"
#include "store/internal/pg.h"
#include "store/internal/tx.h"
#include "store/statements.h"

namespace smd::store {
namespace {

using domain::FigureSet;
using domain::kMaxMetricStatus;

constexpr size_t kStreetCodeLength = 9;

}  // namespace

// The statements of the other metric store files (each defined beside its rows).
std::vector<Statement> MetricFactStatements();    // store/metric_facts.cc
std::vector<Statement> MetricUpkeepStatements();  // store/metric_upkeep.cc

std::vector<Statement> MetricStatements() {
  // The sums per status, element by element (counts[1] .. counts[kMaxMetricStatus]): about
  // three times faster than unnesting the arrays (docs/performance.md "Metrics").
  static const std::string rollup = [] {
    std::vector<std::string> sums;
    for (int s = 1; s <= kMaxMetricStatus; ++s)
      sums.push_back(absl::StrCat("sum(counts[", s, "])"));
    return absl::StrCat("SELECT substr(code, 1, $5), ", absl::StrJoin(sums, ", "),
                        " FROM metric_rollup WHERE set_key = $1 AND slot = $2 "
                        "AND char_length(code) = $3 AND code ~>=~ $4 AND code ~<~ ($4 || ':') "
                        "GROUP BY 1 ORDER BY 1");
  }();
  std::vector<Statement> out = {
      // ---- sets ----
      {"metric.sets", "SELECT set_key, built_at IS NOT NULL FROM metric_set ORDER BY set_key"},
      {"metric.start_set",
       "INSERT INTO metric_set (set_key, started_at) VALUES ($1, $2::timestamptz) "
       "ON CONFLICT (set_key) DO UPDATE SET started_at = EXCLUDED.started_at, built_at = NULL "
       "WHERE $3"},
      {"metric.reset_districts", "DELETE FROM metric_set_district WHERE set_key = $1 AND $2"},
      {"metric.districts_done", "SELECT district FROM metric_set_district WHERE set_key = $1"},
      {"metric.district_done",
       "INSERT INTO metric_set_district (set_key, district) VALUES ($1, $2) "
       "ON CONFLICT DO NOTHING"},
      {"metric.finish_set", "UPDATE metric_set SET built_at = $2::timestamptz WHERE set_key = $1"},
      {"metric.drop_set", "DELETE FROM metric_set WHERE set_key = $1"},
      // States of a dropped set under every scope (definer function, schema 0020).
      {"metric.drop_states", "SELECT smd_metric_drop_states($1)"},
      {"metric.drop_rollups", "DELETE FROM metric_rollup WHERE set_key = $1"},
      // ---- reads ----
      {"metric.rollup", rollup.c_str()},
      // Ordered by the uuid column (a bare "patient_id" would name the text output column
      // and force a sort of every candidate row). The status test is one CASE on purpose:
      // the planner gives a CASE a selectivity of one half, where the three conditions
      // written out multiply to an estimate of about one row, with which it read the whole
      // table and sorted it rather than walk the set's (set_key, patient_id) index until
      // the page is full (a province's first page of those missing 管理率: 345 ms at
      // 400,000 patients; issue 15). A district's scope still reads its own rows through
      // metric_state_by_jurisdiction.
      {"metric.patients_with",
       "SELECT patient_id::text FROM metric_state WHERE set_key = $1 "
       "AND CASE WHEN starts_with(communities[$2], $3) AND masks[$2] & $4 <> 0 "
       "AND (masks[$2] & $5 <> 0) = $6 THEN true ELSE false END AND patient_id > $7::uuid "
       "ORDER BY metric_state.patient_id LIMIT $8"},
      {"metric.team_coverage", "SELECT code, needing, covered FROM smd_team_coverage($1, $2)"},
      // Alert copies raised in the period (Beijing days: [from 00:00, to + 1 day 00:00) at
      // UTC+8) by community prefix: delivery and acknowledgement times.
      {"metric.alert_times",
       "SELECT substr(a.jurisdiction, 1, $2), count(r.delivered_at), "
       "coalesce(round(sum(extract(epoch FROM r.delivered_at - a.raised_at)) / 60), 0)::bigint, "
       "count(r.acked_at), "
       "coalesce(round(sum(extract(epoch FROM r.acked_at - a.raised_at)) / 60), 0)::bigint "
       "FROM alert a JOIN alert_recipient r ON r.alert_id = a.id "
       "WHERE starts_with(a.jurisdiction, $1) "
       "AND a.raised_at >= ($3::date::timestamp - interval '8 hours') AT TIME ZONE 'UTC' "
       "AND a.raised_at < ($4::date::timestamp + interval '16 hours') AT TIME ZONE 'UTC' "
       "GROUP BY 1"},
      // Alerts raised in the period by community prefix, and those that had a required role
      // nobody could take when raised (alert_gap cause 1).
      {"metric.alert_gaps",
       "SELECT substr(a.jurisdiction, 1, $2), count(*), "
       "count(*) FILTER (WHERE EXISTS (SELECT 1 FROM alert_gap g WHERE g.alert_id = a.id "
       "AND g.cause = 1)) FROM alert a WHERE starts_with(a.jurisdiction, $1) "
       "AND a.raised_at >= ($3::date::timestamp - interval '8 hours') AT TIME ZONE 'UTC' "
       "AND a.raised_at < ($4::date::timestamp + interval '16 hours') AT TIME ZONE 'UTC' "
       "GROUP BY 1"},
  };
  for (auto* part : {&MetricFactStatements, &MetricUpkeepStatements}) {
    for (Statement& s : (*part)()) out.push_back(std::move(s));
  }
  return out;
}

namespace metric_repo {

absl::StatusOr<std::vector<KeptSet>> ListSets(Tx& tx) {
  return Guard([&]() -> absl::StatusOr<std::vector<KeptSet>> {
    std::vector<KeptSet> out;
    for (const auto& r : tx.w().exec_prepared("metric.sets")) {
      if (auto s = FigureSet::FromKey(r[0].as<int>())) out.push_back({*s, r[1].as<bool>()});
    }
    return out;
  });
}

absl::Status StartSet(Tx& tx, const FigureSet& set, absl::Time now, bool rebuild) {
  return Guard([&]() -> absl::Status {
    tx.w().exec_prepared("metric.start_set", set.Key(), pg::Time(now), rebuild);
    tx.w().exec_prepared("metric.reset_districts", set.Key(), rebuild);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<std::string>> DistrictsDone(Tx& tx, const FigureSet& set) {
  return Guard([&]() -> absl::StatusOr<std::vector<std::string>> {
    std::vector<std::string> out;
    for (const auto& r : tx.w().exec_prepared("metric.districts_done", set.Key())) {
      out.push_back(r[0].as<std::string>());
    }
    return out;
  });
}

absl::Status DistrictDone(Tx& tx, const FigureSet& set, const std::string& district) {
  return Guard([&]() -> absl::Status {
    tx.w().exec_prepared("metric.district_done", set.Key(), district);
    return absl::OkStatus();
  });
}

absl::Status FinishSet(Tx& tx, const FigureSet& set, absl::Time now) {
  return Guard([&]() -> absl::Status {
    tx.w().exec_prepared("metric.finish_set", set.Key(), pg::Time(now));
    return absl::OkStatus();
  });
}

absl::Status DropSet(Tx& tx, const FigureSet& set) {
  return Guard([&]() -> absl::Status {
    tx.w().exec_prepared("metric.drop_set", set.Key());
    tx.w().exec_prepared("metric.drop_states", set.Key());
    tx.w().exec_prepared("metric.drop_rollups", set.Key());
    return absl::OkStatus();
  });
}

absl::StatusOr<std::vector<RegionCounts>> Rollup(Tx& tx, const FigureSet& set, int slot,
                                                 const std::string& prefix, int child_len) {
  return Guard([&]() -> absl::StatusOr<std::vector<RegionCounts>> {
    // Regions down to the district read the street rows (a province's are about a tenth of
    // its community rows); a street or a community reads the community rows.
    const int row_len = static_cast<size_t>(child_len) <= kStreetCodeLength
                            ? static_cast<int>(kStreetCodeLength)
                            : 12;
    std::vector<RegionCounts> out;
    for (const auto& r :
         tx.w().exec_prepared("metric.rollup", set.Key(), slot, row_len, prefix, child_len)) {
      RegionCounts rc;
      rc.code = r[0].as<std::string>();
      // A status added after the row was written has no element yet: NULL, i.e. 0.
      for (int s = 1; s <= kMaxMetricStatus; ++s) {
        rc.counts.count[s] = r[s].is_null() ? 0 : r[s].as<int64_t>();
      }
      out.push_back(std::move(rc));
    }
    return out;
  });
}

absl::StatusOr<std::vector<std::string>> PatientsWith(Tx& tx, const FigureSet& set, int slot,
                                                      const std::string& prefix,
                                                      domain::MetricStatus base,
                                                      domain::MetricStatus want, bool has,
                                                      const std::string& after_id, int limit) {
  return Guard([&]() -> absl::StatusOr<std::vector<std::string>> {
    std::vector<std::string> out;
    const int64_t base_bit = int64_t{1} << static_cast<int>(base);
    const int64_t want_bit = int64_t{1} << static_cast<int>(want);
    for (const auto& r : tx.w().exec_prepared(
             "metric.patients_with", set.Key(), slot, prefix, base_bit, want_bit, has,
             after_id.empty() ? "00000000-0000-0000-0000-000000000000" : after_id, limit)) {
      out.push_back(r[0].as<std::string>());
    }
    return out;
  });
}

void ExternalCounts::Merge(const ExternalCounts& o) {
  team_needing += o.team_needing;
  team_covered += o.team_covered;
  delivered += o.delivered;
  delivery_minutes += o.delivery_minutes;
  acknowledged += o.acknowledged;
  ack_minutes += o.ack_minutes;
  alerts_raised += o.alerts_raised;
  alerts_with_gap += o.alerts_with_gap;
}

absl::StatusOr<std::map<std::string, ExternalCounts>> External(Tx& tx, const std::string& prefix,
                                                               int child_len, absl::CivilDay from,
                                                               absl::CivilDay to) {
  return Guard([&]() -> absl::StatusOr<std::map<std::string, ExternalCounts>> {
    std::map<std::string, ExternalCounts> out;
    for (const auto& r : tx.w().exec_prepared("metric.team_coverage", prefix, child_len)) {
      ExternalCounts& c = out[r[0].as<std::string>()];
      c.team_needing = r[1].as<int64_t>();
      c.team_covered = r[2].as<int64_t>();
    }
    for (const auto& r : tx.w().exec_prepared("metric.alert_times", prefix, child_len,
                                              pg::Day(from), pg::Day(to))) {
      ExternalCounts& c = out[r[0].as<std::string>()];
      c.delivered = r[1].as<int64_t>();
      c.delivery_minutes = r[2].as<int64_t>();
      c.acknowledged = r[3].as<int64_t>();
      c.ack_minutes = r[4].as<int64_t>();
    }
    for (const auto& r :
         tx.w().exec_prepared("metric.alert_gaps", prefix, child_len, pg::Day(from), pg::Day(to))) {
      ExternalCounts& c = out[r[0].as<std::string>()];
      c.alerts_raised = r[1].as<int64_t>();
      c.alerts_with_gap = r[2].as<int64_t>();
    }
    return out;
  });
}

}  // namespace metric_repo
}  // namespace smd::store
