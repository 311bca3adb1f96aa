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

  // Waits up to `timeout` and returns what arrived (possibly nothing). On a broken
  // connection it reconnects and returns one notification with channel "" meaning "you
  // may have missed some": the caller should re-scan.
  std::vector<Notification> Wait(absl::Duration timeout);

 private:
  struct Impl;
  explicit NotificationListener(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace smd::store
