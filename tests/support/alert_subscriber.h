#pragma once
// A signed-in user's SubscribeAlerts stream for integration tests, read on its own thread:
// what arrived (and when), and how the server ended the stream.

#include <grpcpp/grpcpp.h>

#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "smd/v1/alerts.grpc.pb.h"

namespace smd::testing {

// The stream opens at construction (cursor `after`) and is cancelled at destruction.
class Subscriber {
 public:
  Subscriber(const std::shared_ptr<grpc::Channel>& channel, const std::string& token, int64_t after)
      : stub_(v1::AlertService::NewStub(channel)) {
    ctx_.AddMetadata("authorization", "Bearer " + token);
    v1::SubscribeAlertsRequest req;
    req.set_after(after);
    reader_ = stub_->SubscribeAlerts(&ctx_, req);
    thread_ = std::thread([this] {
      v1::AlertMessage m;
      while (reader_->Read(&m)) {
        std::lock_guard<std::mutex> lock(mu_);
        got_.push_back(m);
        at_.push_back(absl::Now());
        cv_.notify_all();
      }
      grpc::Status s = reader_->Finish();
      std::lock_guard<std::mutex> lock(mu_);
      status_ = s;
      ended_ = true;
      cv_.notify_all();
    });
  }
  ~Subscriber() { Cancel(); }

  // True once `n` messages in all arrived before `timeout`.
  bool WaitFor(size_t n, absl::Duration timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, absl::ToChronoMilliseconds(timeout), [&] {
      return got_.size() >= n || ended_;
    }) && got_.size() >= n;
  }
  // True once the server ended the stream before `timeout`.
  bool WaitEnded(absl::Duration timeout) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, absl::ToChronoMilliseconds(timeout), [&] { return ended_; });
  }
  std::vector<v1::AlertMessage> messages() {
    std::lock_guard<std::mutex> lock(mu_);
    return got_;
  }
  std::vector<absl::Time> arrival_times() {
    std::lock_guard<std::mutex> lock(mu_);
    return at_;
  }
  grpc::Status status() {
    std::lock_guard<std::mutex> lock(mu_);
    return status_;
  }
  int64_t last_seq() {
    std::lock_guard<std::mutex> lock(mu_);
    return got_.empty() ? 0 : got_.back().seq();
  }
  void Cancel() {
    if (!thread_.joinable()) return;
    ctx_.TryCancel();
    thread_.join();
  }

 private:
  std::unique_ptr<v1::AlertService::Stub> stub_;
  grpc::ClientContext ctx_;
  std::unique_ptr<grpc::ClientReader<v1::AlertMessage>> reader_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<v1::AlertMessage> got_;
  std::vector<absl::Time> at_;
  grpc::Status status_;
  bool ended_ = false;
};

}  // namespace smd::testing
