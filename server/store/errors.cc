#include "store/errors.h"

#include <pqxx/pqxx>
#include <string>
#include <string_view>
#include <typeinfo>

#include "absl/strings/cord.h"

#include "common/log.h"

namespace smd::store {
namespace {

constexpr char kReplaceConnection[] = "type.smd/store.replace-connection";
// The audit time guard of schema 0012 (smd_audit_check_time, smd_audit_checkpoint) names
// this constraint in its message; libpqxx 6.4 does not pass the constraint field on.
constexpr char kClockGuard[] = "audit_log_at_near_db_clock";

absl::Status Unavailable(const char* message) {
  absl::Status s = absl::UnavailableError(message);
  s.SetPayload(kReplaceConnection, absl::Cord("1"));
  return s;
}

// SQLSTATEs after which this connection cannot serve the transaction again: a standby
// after a failover refuses writes (25006), the server is shutting down or starting
// (57P01-57P03), or the connection itself failed (class 08).
bool ConnectionState(const std::string& state) {
  return state == "25006" || state == "57P01" || state == "57P02" || state == "57P03" ||
         state.rfind("08", 0) == 0;
}

}  // namespace

bool NeedsNewConnection(const absl::Status& s) {
  return s.GetPayload(kReplaceConnection).has_value();
}

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
    if (state == "23514" && std::string_view(e.what()).find(kClockGuard) != std::string::npos) {
      common::LogError(
          "database error sqlstate=23514 constraint=%s: the server's clock and the database's "
          "differ by more than 5 minutes; every audited call fails until NTP fixes it",
          kClockGuard);
      return absl::FailedPreconditionError(
          "服务器与数据库的时钟相差超过 5 分钟，审计记录被拒绝 (server and database clocks differ "
          "by more than 5 minutes; the audit record was refused)");
    }
    common::LogWarning("database error sqlstate=%s", state);
    if (ConnectionState(state)) return Unavailable("database unavailable; retry");
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
    return Unavailable("database unavailable; retry");
  }
  if (dynamic_cast<const pqxx::in_doubt_error*>(&e) != nullptr) {
    return absl::UnavailableError("database commit in doubt");
  }
  // what() of conversion errors can quote values; log the type only.
  common::LogError("unexpected exception in store: %s", typeid(e).name());
  return absl::InternalError("internal error");
}

}  // namespace smd::store
