#include "store/listener.h"

#include <pqxx/pqxx>

#include <algorithm>
#include <chrono>
#include <thread>

#include "common/backoff.h"
#include "common/log.h"
#include "store/errors.h"

namespace smd::store {
namespace {

class Receiver final : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection_base& c, const std::string& channel,
           std::vector<NotificationListener::Notification>* sink)
      : pqxx::notification_receiver(c, channel), sink_(sink) {}
  void operator()(const std::string& payload, int) override {
    sink_->push_back({channel(), payload});
  }

 private:
  std::vector<NotificationListener::Notification>* sink_;
};

}  // namespace

struct NotificationListener::Impl {
  std::string dsn;
  std::vector<std::string> channels;
  std::unique_ptr<pqxx::connection> conn;
  std::vector<std::unique_ptr<Receiver>> receivers;
  std::vector<Notification> pending;
  // Capped at 2 s: after a failover the new primary's notifications should wake streams soon.
  common::Backoff backoff{absl::Milliseconds(100), absl::Seconds(2)};
  std::chrono::steady_clock::time_point next_attempt{};
  int reconnects = 0;

  void Disconnected() {
    receivers.clear();
    conn.reset();
    next_attempt = std::chrono::steady_clock::now() +
                   absl::ToChronoMilliseconds(backoff.NextDelay());
  }

  void Connect() {
    receivers.clear();
    conn = std::make_unique<pqxx::connection>(dsn);
    for (const auto& ch : channels) {
      receivers.push_back(std::make_unique<Receiver>(*conn, ch, &pending));
    }
  }
};

NotificationListener::NotificationListener(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
NotificationListener::~NotificationListener() {
  if (impl_) impl_->receivers.clear();
}

absl::StatusOr<std::unique_ptr<NotificationListener>> NotificationListener::Open(
    const std::string& dsn, std::vector<std::string> channels) {
  auto impl = std::make_unique<Impl>();
  impl->dsn = dsn;
  impl->channels = std::move(channels);
  try {
    impl->Connect();
  } catch (const std::exception& e) {
    return StatusFromException(e);
  }
  return std::unique_ptr<NotificationListener>(new NotificationListener(std::move(impl)));
}

int NotificationListener::ReconnectAttemptsForTest() const { return impl_->reconnects; }

std::vector<NotificationListener::Notification> NotificationListener::Wait(
    absl::Duration timeout) {
  std::vector<Notification> out;
  if (!impl_->conn || !impl_->conn->is_open()) {
    const auto now = std::chrono::steady_clock::now();
    if (now < impl_->next_attempt) {
      std::this_thread::sleep_for(
          std::min<std::chrono::steady_clock::duration>(impl_->next_attempt - now,
                                                        absl::ToChronoMicroseconds(timeout)));
      return out;
    }
    ++impl_->reconnects;
    try {
      impl_->Connect();
      impl_->backoff.Reset();
      out.push_back({"", ""});  // what was sent while we were away is in the tables
    } catch (const std::exception& e) {
      common::LogWarning("notification listener: reconnect failed (%s)", typeid(e).name());
      impl_->Disconnected();
      return out;
    }
  }
  try {
    const int64_t us = absl::ToInt64Microseconds(timeout);
    impl_->conn->await_notification(static_cast<long>(us / 1000000),
                                    static_cast<long>(us % 1000000));
    // Drain whatever else already arrived.
    impl_->conn->get_notifs();
  } catch (const std::exception& e) {
    common::LogWarning("notification listener: %s; reconnecting", typeid(e).name());
    impl_->Disconnected();
    out.push_back({"", ""});
  }
  for (auto& n : impl_->pending) out.push_back(std::move(n));
  impl_->pending.clear();
  return out;
}

}  // namespace smd::store
