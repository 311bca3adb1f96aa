#pragma once
// The one place where database exceptions become absl::Status (docs/style.md).

#include <exception>

#include "absl/status/status.h"

namespace smd::store {

// unique_violation -> ALREADY_EXISTS; foreign_key/check/not_null -> FAILED_PRECONDITION
// (the audit time guard's check, audit_log_at_near_db_clock, with a message saying that the
// server's and the database's clocks differ);
// serialization_failure/deadlock -> ABORTED; insufficient_privilege (incl. row-level
// security refusals) -> PERMISSION_DENIED; the connection is unusable (broken_connection,
// class 08 connection exceptions, 25006 read_only_sql_transaction: connected to a standby
// after a failover, 57P01-57P03 admin/crash shutdown, cannot connect now) -> UNAVAILABLE,
// marked so that NeedsNewConnection() is true; anything else -> INTERNAL. Messages never
// carry query parameters (patient data).
absl::Status StatusFromException(const std::exception& e);

// True for a status of StatusFromException whose cause makes the connection useless: the
// pool replaces the connection and retries the transaction (nothing was committed).
bool NeedsNewConnection(const absl::Status& s);

// The ABORTED message of a serialization failure or deadlock; Database::InTransaction
// retries a transaction whose function returned exactly this.
inline constexpr char kRetryMessage[] = "concurrent update; retry";

// Runs f (returning absl::Status or absl::StatusOr<T>) and maps any exception it throws.
template <typename F>
auto Guard(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception& e) {
    return StatusFromException(e);
  }
}

}  // namespace smd::store
