#pragma once
// A bounded worker pool for blocking work (database calls) off gRPC's callback threads.
// gRPC 1.51's callback API forbids blocking inside reactions (docs/adr/0001). The pool's
// size matches the connection pool's, and its queue is bounded, so overload shows as
// RESOURCE_EXHAUSTED at once instead of unbounded memory and latency.

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace smd::app {
class IdempotentCalls;
}

namespace smd::api {

class GatewayTrust;   // api/gateway_trust.h
class CallTelemetry;  // api/call_telemetry.h

class Executor {
 public:
  // `nice` > 0 lowers the workers' CPU priority (Linux per-thread nice value), for pools of
  // CPU-heavy work that must yield to everything else (sign-in's scrypt).
  Executor(int threads, size_t max_queue, int nice = 0);
  ~Executor();  // runs queued tasks to completion, then joins
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Queues `task`. False (task not queued) when the queue is full or shutting down.
  // Thread-safe.
  bool Submit(std::function<void()> task);
  // Stops accepting, drains the queue, joins the workers. Idempotent.
  void Shutdown();

  // The frame that runs calls carrying an idempotency key (app/idempotency.h), used by
  // RunUnary for the calls it runs here. Set once at start-up, before any call; without
  // it keys are not honoured (not stored, not replayed).
  void set_idempotency(const app::IdempotentCalls* calls) { idempotency_ = calls; }
  const app::IdempotentCalls* idempotency() const { return idempotency_; }

  // The gateways whose forwarded browser address (x-forwarded-for) is honoured for the calls
  // run here (api/gateway_trust.h; MetaFrom). Set once at start-up, before any call; null
  // (the default): the header is ignored.
  void set_gateways(const GatewayTrust* gateways) { gateways_ = gateways; }
  const GatewayTrust* gateways() const { return gateways_; }

  // Where RunUnary and RunGated count the calls they finish (api/call_telemetry.h). Set
  // once at start-up, before any call; null (the default): nothing is counted.
  void set_telemetry(CallTelemetry* telemetry) { telemetry_ = telemetry; }
  CallTelemetry* telemetry() const { return telemetry_; }

 private:
  void Loop(int nice);
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  size_t max_queue_;
  bool stopping_ = false;
  std::vector<std::thread> workers_;
  const app::IdempotentCalls* idempotency_ = nullptr;
  const GatewayTrust* gateways_ = nullptr;
  CallTelemetry* telemetry_ = nullptr;
};

}  // namespace smd::api
