#include "store/listener.h"

#include <pqxx/pqxx>

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

std::vector<NotificationListener::Notification> NotificationListener::Wait(
    absl::Duration timeout) {
  std::vector<Notification> out;
  try {
    if (!impl_->conn || !impl_->conn->is_open()) {
      impl_->Connect();
      out.push_back({"", ""});
    }
    const int64_t us = absl::ToInt64Microseconds(timeout);
    impl_->conn->await_notification(static_cast<long>(us / 1000000),
                                    static_cast<long>(us % 1000000));
    // Drain whatever else already arrived.
    impl_->conn->get_notifs();
  } catch (const std::exception& e) {
    common::LogWarning("notification listener: %s; reconnecting", typeid(e).name());
    impl_->receivers.clear();
    impl_->conn.reset();
    out.push_back({"", ""});
  }
  for (auto& n : impl_->pending) out.push_back(std::move(n));
  impl_->pending.clear();
  return out;
}

}  // namespace smd::store
