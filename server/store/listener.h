#pragma once
// A dedicated PostgreSQL connection that LISTENs on channels (wake-ups for alert
// delivery). Notifications are an optimisation only: the outbox table is the truth, and
// callers also act on a timeout. Not thread-safe: one thread owns a listener.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace smd::store {

class NotificationListener {
 public:
  struct Notification {
    std::string channel;
    std::string payload;
  };

  // UNAVAILABLE when the database cannot be reached.
  static absl::StatusOr<std::unique_ptr<NotificationListener>> Open(
      const std::string& dsn, std::vector<std::string> channels);
  ~NotificationListener();

  // Waits up to `timeout` and returns what arrived (possibly nothing). When the
  // connection breaks it returns one notification with channel "" meaning "you may have
  // missed some": the caller should re-scan; the same again once it has reconnected.
  // Reconnects wait an exponential, jittered backoff (100 ms doubling to 2 s); while
  // waiting, Wait just sleeps `timeout` (or until the next attempt is due), so a caller
  // looping on Wait never spins and an outage costs the database a handful of attempts.
  std::vector<Notification> Wait(absl::Duration timeout);

  // Connection attempts made after the first (tests of the backoff).
  int ReconnectAttemptsForTest() const;

 private:
  struct Impl;
  explicit NotificationListener(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace smd::store
