#pragma once
// Figures of the database that the monitoring endpoint reports (docs/operations.md
// "Monitoring"): the alert outbox's backlog, the open "no recipient" list, and the audit
// sealer's. Read when the endpoint is scraped, never on a call's path, on a connection of
// their own, under a short statement timeout. Counts only: no patient data.

#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace smd::store {

class Tx;

struct OperationalFigures {
  // Recipient copies committed but not yet given a delivery sequence: the alert pump
  // sequences them within its poll interval, unless a long transaction holds it back.
  int64_t alerts_unsequenced = 0;
  // Open copies (neither acknowledged nor handed on) never written to a stream of their
  // recipient, and the age of the oldest (unset when none).
  int64_t alerts_undelivered = 0;
  std::optional<absl::Duration> alerts_undelivered_oldest;
  // Open entries of the "no recipient" list (alert_gap), and the age of the oldest.
  int64_t alert_gaps_open = 0;
  std::optional<absl::Duration> alert_gaps_oldest;
  // Committed audit rows not yet in the hash chain, and the age of the oldest.
  int64_t audit_unsealed = 0;
  std::optional<absl::Duration> audit_unsealed_oldest;
  // Rows sealed after the newest signed checkpoint (the checkpoint follows within seconds).
  int64_t audit_uncheckpointed = 0;
  // Time since the newest signed checkpoint (unset when there is none yet).
  std::optional<absl::Duration> audit_checkpoint_age;
};

// Reads the figures in one statement, all ages by the database's clock, after setting a
// statement timeout of `timeout` for the transaction. UNAVAILABLE when the database does
// not answer; CANCELLED-like errors (the timeout) as store/errors.h maps them.
absl::StatusOr<OperationalFigures> ReadOperationalFigures(Tx& tx, absl::Duration timeout);

}  // namespace smd::store
