#pragma once
// The one place where database exceptions become absl::Status (docs/style.md).

#include <exception>

#include "absl/status/status.h"

namespace smd::store {

// unique_violation -> ALREADY_EXISTS; foreign_key/check/not_null -> FAILED_PRECONDITION;
// serialization_failure/deadlock -> ABORTED; broken_connection -> UNAVAILABLE;
// insufficient_privilege (incl. row-level security refusals) -> PERMISSION_DENIED;
// anything else -> INTERNAL. Messages never carry query parameters (patient data).
absl::Status StatusFromException(const std::exception& e);

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
