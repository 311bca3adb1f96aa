#include "store/errors.h"

#include <pqxx/pqxx>
#include <string>
#include <typeinfo>

#include "common/log.h"

namespace smd::store {

absl::Status StatusFromException(const std::exception& e) {
  // The SQLSTATE and constraint name are safe to surface; the server's message text can
  // echo values ("Key (x)=(...) already exists"), so it is logged only by SQLSTATE.
  // libpqxx 6.4 derives transaction_rollback (serialization failure, deadlock) from
  // pqxx::failure, not from sql_error: both are retryable, and the client is told so.
  if (dynamic_cast<const pqxx::statement_completion_unknown*>(&e) != nullptr) {
    return absl::UnavailableError("database commit in doubt");
  }
  if (dynamic_cast<const pqxx::transaction_rollback*>(&e) != nullptr) {
    common::LogWarning("database transaction rolled back (%s)",
                       dynamic_cast<const pqxx::deadlock_detected*>(&e) != nullptr
                           ? "deadlock"
                           : "serialization failure");
    return absl::AbortedError(kRetryMessage);
  }
  if (const auto* se = dynamic_cast<const pqxx::sql_error*>(&e)) {
    std::string state = se->sqlstate();
    // libpqxx 6.4 leaves sqlstate() empty for some errors it already classified by type.
    if (state.empty()) {
      if (dynamic_cast<const pqxx::insufficient_privilege*>(&e)) state = "42501";
      else if (dynamic_cast<const pqxx::unique_violation*>(&e)) state = "23505";
      else if (dynamic_cast<const pqxx::serialization_failure*>(&e)) state = "40001";
      else if (dynamic_cast<const pqxx::deadlock_detected*>(&e)) state = "40P01";
    }
    common::LogWarning("database error sqlstate=%s", state);
    if (state == "23505") return absl::AlreadyExistsError("already exists");
    if (state == "23503" || state == "23514" || state == "23502") {
      return absl::FailedPreconditionError("database constraint refused the change");
    }
    if (state == "40001" || state == "40P01") {
      return absl::AbortedError(kRetryMessage);
    }
    if (state == "42501") return absl::PermissionDeniedError("权限不足 (permission denied)");
    if (state == "57014") return absl::DeadlineExceededError("query cancelled");
    return absl::InternalError("database error " + state);
  }
  if (dynamic_cast<const pqxx::broken_connection*>(&e) != nullptr) {
    return absl::UnavailableError("database unavailable");
  }
  if (dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr) {
    return absl::UnavailableError("database commit in doubt");
  }
  // what() of conversion errors can quote values; log the type only.
  common::LogError("unexpected exception in store: %s", typeid(e).name());
  return absl::InternalError("internal error");
}

}  // namespace smd::store
