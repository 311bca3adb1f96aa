#include "api/call_telemetry.h"

namespace smd::api {

CallTelemetry::CallTelemetry(const std::vector<std::string>& methods) {
  for (const std::string& m : methods) {
    rows_.push_back(std::make_unique<Row>(m));
    index_.emplace(rows_.back()->full, rows_.back().get());
  }
  rows_.push_back(std::make_unique<Row>("other"));
}

std::string_view CallTelemetry::CodeName(int code) {
  static constexpr std::string_view kNames[kCodes] = {
      "OK",           "CANCELLED",         "UNKNOWN",          "INVALID_ARGUMENT",
      "DEADLINE_EXCEEDED", "NOT_FOUND",    "ALREADY_EXISTS",   "PERMISSION_DENIED",
      "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",  "OUT_OF_RANGE",
      "UNIMPLEMENTED", "INTERNAL",         "UNAVAILABLE",      "DATA_LOSS",
      "UNAUTHENTICATED"};
  if (code < 0 || code >= kCodes) return "UNKNOWN";
  return kNames[code];
}

void CallTelemetry::Record(std::string_view method, grpc::StatusCode code,
                           std::chrono::steady_clock::duration elapsed) {
  Row* row = rows_.back().get();
  if (auto it = index_.find(method); it != index_.end()) row = it->second;
  const int c = static_cast<int>(code);
  row->codes[c >= 0 && c < kCodes ? c : 2].Add();
  row->latency.Observe(std::chrono::duration<double>(elapsed).count());
}

void CallTelemetry::Render(common::telemetry::Exposition& out) const {
  out.Family("smd_grpc_calls_total", "counter",
             "Unary gRPC calls finished, by method and status code.");
  for (const auto& row : rows_) {
    for (int c = 0; c < kCodes; ++c) {
      const uint64_t n = row->codes[c].value();
      if (n == 0 && c != 0) continue;
      out.Sample("smd_grpc_calls_total", {{"method", row->name}, {"code", CodeName(c)}}, n);
    }
  }
  out.Family("smd_grpc_call_duration_seconds", "histogram",
             "Time from a unary call's arrival to its answer, by method (queue wait included).");
  for (const auto& row : rows_) {
    common::telemetry::Histogram::Snapshot h = row->latency.Read();
    if (h.count == 0) continue;
    out.Buckets("smd_grpc_call_duration_seconds", {{"method", row->name}}, h);
  }
}

}  // namespace smd::api
