#pragma once
// Calls per method and status code, and their latency, for the monitoring endpoint
// (docs/operations.md "Monitoring"). Recorded by the call runner (api/call_runner.h) when a
// unary call finishes, whatever finished it (the use case, a refused header, a full queue,
// the sign-in pause). Lock-free on the call path: the method's row is found in a map built
// at start-up and never changed, and its counters are atomics.

#include <grpcpp/support/status.h>

#include <array>
#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/telemetry.h"

namespace smd::api {

class CallTelemetry {
 public:
  // `methods`: the full gRPC names ("/smd.v1.PatientService/GetPatient", RpcMethodNames()).
  // A call to any other name is counted under method "other".
  explicit CallTelemetry(const std::vector<std::string>& methods);
  CallTelemetry(const CallTelemetry&) = delete;
  CallTelemetry& operator=(const CallTelemetry&) = delete;

  // One call of `method` finished with `code` after `elapsed`. Thread-safe, lock-free.
  void Record(std::string_view method, grpc::StatusCode code,
              std::chrono::steady_clock::duration elapsed);

  // smd_grpc_calls_total{method,code} (OK always, other codes once seen) and
  // smd_grpc_call_duration_seconds{method} (methods called at least once).
  void Render(common::telemetry::Exposition& out) const;

  // The gRPC name of a status code, as grpc-go and the documentation spell it.
  static std::string_view CodeName(int code);

 private:
  static constexpr int kCodes = 17;  // OK .. UNAUTHENTICATED
  struct Row {
    explicit Row(std::string f)
        : full(std::move(f)),
          name(full.size() > 1 && full[0] == '/' ? full.substr(1) : full),
          latency(common::telemetry::Histogram::LatencyBounds()) {}
    std::string full;  // as gRPC names it; the index's keys view it
    std::string name;  // label value: without the leading '/'
    std::array<common::telemetry::Counter, kCodes> codes;
    common::telemetry::Histogram latency;
  };
  std::vector<std::unique_ptr<Row>> rows_;  // the last one is "other"
  std::unordered_map<std::string_view, Row*> index_;
};

}  // namespace smd::api
