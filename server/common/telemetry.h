#pragma once
// Operational telemetry of the running process, and its rendering in the Prometheus text
// exposition format (version 0.0.4) for the loopback monitoring endpoint
// (runtime/monitoring_endpoint.h; docs/operations.md "Monitoring"; ADR 0015).
//
// Named "telemetry", not "metrics": in this project metrics are the plan's management rates
// (docs/metrics.md).
//
// Counters, gauges and histograms are plain atomics: recording on a call's path takes no
// lock and allocates nothing. Their owners (the call runner, the connection pool, the alert
// streams) keep them as members; the endpoint reads them when it is scraped. Thread-safe.

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/time/time.h"

namespace smd::common::telemetry {

// A monotonically increasing count.
class Counter {
 public:
  void Add(uint64_t n = 1) { v_.fetch_add(n, std::memory_order_relaxed); }
  uint64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<uint64_t> v_{0};
};

// A value that goes up and down.
class Gauge {
 public:
  void Add(int64_t n) { v_.fetch_add(n, std::memory_order_relaxed); }
  void Set(int64_t n) { v_.store(n, std::memory_order_relaxed); }
  int64_t value() const { return v_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> v_{0};
};

// A histogram of seconds with fixed upper bounds (each bucket counts the observations
// <= its bound and > the previous one; the +Inf bucket the rest).
class Histogram {
 public:
  // At most kMaxBuckets bounds, strictly increasing.
  static constexpr size_t kMaxBuckets = 16;
  // 5 ms .. 10 s: call latencies, pool waits.
  static const std::vector<double>& LatencyBounds();
  // 50 ms .. 10 min: alert delivery lag, build durations.
  static const std::vector<double>& LagBounds();

  explicit Histogram(const std::vector<double>& bounds);
  Histogram(const Histogram&) = delete;
  Histogram& operator=(const Histogram&) = delete;

  void Observe(double seconds);
  void Observe(absl::Duration d) { Observe(absl::ToDoubleSeconds(d)); }

  struct Snapshot {
    std::vector<double> bounds;
    std::vector<uint64_t> cumulative;  // per bound, then +Inf (== count)
    uint64_t count = 0;
    double sum = 0;
  };
  // Consistent enough for monitoring: each bucket is read once; count is the +Inf bucket.
  Snapshot Read() const;

 private:
  std::vector<double> bounds_;
  std::array<std::atomic<uint64_t>, kMaxBuckets + 1> buckets_{};
  std::atomic<double> sum_{0};
};

// Work of a few kinds that runs for a while (the metrics builds): how many run now, since
// when the oldest, and how those that ended went. Begin/End take a lock: meant for work
// that runs seconds or minutes, not for calls.
class InFlight {
 public:
  // Ends the work it began when destroyed, as failed unless Succeeded() was called.
  class Scope {
   public:
    Scope() = default;
    Scope(InFlight* owner, std::string kind, uint64_t id)
        : owner_(owner), kind_(std::move(kind)), id_(id) {}
    Scope(Scope&& o) noexcept { *this = std::move(o); }
    Scope& operator=(Scope&& o) noexcept;
    ~Scope();
    void Succeeded() { ok_ = true; }

   private:
    InFlight* owner_ = nullptr;
    std::string kind_;
    uint64_t id_ = 0;
    bool ok_ = false;
  };

  // Work of `kind` starts now. A null `in_flight` gives a Scope that records nothing, so a
  // caller without telemetry (tools, tests) needs no branch.
  static Scope Begin(InFlight* in_flight, std::string kind);

  struct KindFigures {
    int running = 0;
    absl::Duration oldest_running;  // zero when none runs
    uint64_t succeeded = 0;
    uint64_t failed = 0;
  };
  std::map<std::string, KindFigures> Read(absl::Time now) const;
  // Durations of the work that ended, by kind.
  const Histogram& durations(const std::string& kind);

 private:
  void End(const std::string& kind, uint64_t id, bool ok);
  struct Kind {
    std::map<uint64_t, absl::Time> running;  // id -> start
    uint64_t succeeded = 0;
    uint64_t failed = 0;
  };
  mutable std::mutex mu_;
  uint64_t next_id_ = 1;
  std::map<std::string, Kind> kinds_;
  std::map<std::string, std::unique_ptr<Histogram>> durations_;
};

// Writes the Prometheus text exposition format: each family's HELP and TYPE lines once,
// then its samples. Label values are escaped (\\, \", \n); HELP text too (\\, \n).
class Exposition {
 public:
  using Labels = std::vector<std::pair<std::string_view, std::string_view>>;

  // Starts a family; `type` is counter, gauge or histogram.
  void Family(std::string_view name, std::string_view type, std::string_view help);
  void Sample(std::string_view name, const Labels& labels, double value);
  void Sample(std::string_view name, const Labels& labels, uint64_t value);
  void Sample(std::string_view name, const Labels& labels, int64_t value);
  // The histogram's _bucket (cumulative, with le, ending at +Inf), _sum and _count lines.
  void Buckets(std::string_view name, const Labels& labels, const Histogram::Snapshot& h);

  const std::string& text() const { return out_; }

  // Exposed for the unit tests.
  static std::string EscapeLabelValue(std::string_view v);
  static std::string FormatDouble(double v);

 private:
  void Line(std::string_view name, const Labels& labels, std::string_view extra_label,
            std::string_view extra_value, std::string_view value);
  std::string out_;
};

}  // namespace smd::common::telemetry
