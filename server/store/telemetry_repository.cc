#include "store/telemetry_repository.h"

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "store/errors.h"
#include "store/internal/tx.h"
#include "store/statements.h"

namespace smd::store {
namespace {

// An open copy: neither acknowledged nor handed on (escalated). The partial index
// alert_recipient_open_by_user covers exactly these rows.
#define SMD_OPEN_UNDELIVERED \
  "r.acked_at IS NULL AND r.escalated_at IS NULL AND r.delivered_at IS NULL"
// Unsealed audit rows lie at or above the sealer's watermark (every row below it is
// sealed): an index range on audit_log (tx, id), small while the sealer keeps up.
#define SMD_UNSEALED                                                                 \
  "a.tx >= (SELECT st.watermark FROM public.audit_seal_state st) AND NOT EXISTS "    \
  "(SELECT 1 FROM public.audit_seal s WHERE s.audit_id = a.id)"

std::optional<absl::Duration> Seconds(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return absl::Seconds(f.as<double>());
}

}  // namespace

std::vector<Statement> TelemetryStatements() {
  return {
      {"telemetry.timeout", "SELECT set_config('statement_timeout', $1, true)"},
      {"telemetry.figures",
       "SELECT "
       "(SELECT count(*) FROM public.alert_recipient r WHERE r.seq IS NULL), "
       "(SELECT count(*) FROM public.alert_recipient r WHERE " SMD_OPEN_UNDELIVERED "), "
       "(SELECT extract(epoch FROM now() - min(al.raised_at))::float8 "
       " FROM public.alert_recipient r JOIN public.alert al ON al.id = r.alert_id "
       " WHERE " SMD_OPEN_UNDELIVERED "), "
       "(SELECT count(*) FROM public.alert_gap g WHERE g.resolved_at IS NULL), "
       "(SELECT extract(epoch FROM now() - min(g.created_at))::float8 "
       " FROM public.alert_gap g WHERE g.resolved_at IS NULL), "
       "(SELECT count(*) FROM public.audit_log a WHERE " SMD_UNSEALED "), "
       "(SELECT extract(epoch FROM now() - min(a.at))::float8 "
       " FROM public.audit_log a WHERE " SMD_UNSEALED "), "
       "(SELECT st.last_position - coalesce((SELECT max(k.position) "
       "   FROM public.audit_checkpoint k), 0) FROM public.audit_seal_state st), "
       "(SELECT extract(epoch FROM now() - max(k.signed_at))::float8 "
       " FROM public.audit_checkpoint k)"},
  };
}

absl::StatusOr<OperationalFigures> ReadOperationalFigures(Tx& tx, absl::Duration timeout) {
  return Guard([&]() -> absl::StatusOr<OperationalFigures> {
    tx.w().exec_prepared("telemetry.timeout",
                         absl::StrCat(absl::ToInt64Milliseconds(timeout), "ms"));
    const pqxx::row r = tx.w().exec_prepared1("telemetry.figures");
    OperationalFigures f;
    f.alerts_unsequenced = r[0].as<int64_t>();
    f.alerts_undelivered = r[1].as<int64_t>();
    f.alerts_undelivered_oldest = Seconds(r[2]);
    f.alert_gaps_open = r[3].as<int64_t>();
    f.alert_gaps_oldest = Seconds(r[4]);
    f.audit_unsealed = r[5].as<int64_t>();
    f.audit_unsealed_oldest = Seconds(r[6]);
    f.audit_uncheckpointed = r[7].as<int64_t>();
    f.audit_checkpoint_age = Seconds(r[8]);
    return f;
  });
}

}  // namespace smd::store
