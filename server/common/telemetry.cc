#include "common/telemetry.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace smd::common::telemetry {

const std::vector<double>& Histogram::LatencyBounds() {
  static const std::vector<double> b = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                        0.5,   1,    2.5,   5,    10};
  return b;
}

const std::vector<double>& Histogram::LagBounds() {
  static const std::vector<double> b = {0.05, 0.1, 0.25, 0.5, 1,  2.5, 5,
                                        10,   30,  60,   120, 300, 600};
  return b;
}

Histogram::Histogram(const std::vector<double>& bounds)
    : bounds_(bounds.begin(),
              bounds.begin() + static_cast<std::ptrdiff_t>(std::min(bounds.size(), kMaxBuckets))) {
}

void Histogram::Observe(double seconds) {
  // A handful of bounds: a linear scan is as fast as a binary search.
  size_t i = 0;
  while (i < bounds_.size() && seconds > bounds_[i]) ++i;
  buckets_[i].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(seconds, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::Read() const {
  Snapshot s;
  s.bounds = bounds_;
  uint64_t running = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative.push_back(running);
  }
  s.count = running;
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

// ---- InFlight ----

InFlight::Scope& InFlight::Scope::operator=(Scope&& o) noexcept {
  if (this != &o) {
    owner_ = o.owner_;
    kind_ = std::move(o.kind_);
    id_ = o.id_;
    ok_ = o.ok_;
    o.owner_ = nullptr;
  }
  return *this;
}

InFlight::Scope::~Scope() {
  if (owner_ != nullptr) owner_->End(kind_, id_, ok_);
}

InFlight::Scope InFlight::Begin(InFlight* in_flight, std::string kind) {
  if (in_flight == nullptr) return Scope();
  uint64_t id = 0;
  {
    std::lock_guard<std::mutex> lock(in_flight->mu_);
    id = in_flight->next_id_++;
    in_flight->kinds_[kind].running[id] = absl::Now();
    auto& h = in_flight->durations_[kind];
    if (!h) h = std::make_unique<Histogram>(Histogram::LagBounds());
  }
  return Scope(in_flight, std::move(kind), id);
}

void InFlight::End(const std::string& kind, uint64_t id, bool ok) {
  absl::Time start;
  Histogram* h = nullptr;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Kind& k = kinds_[kind];
    auto it = k.running.find(id);
    if (it == k.running.end()) return;
    start = it->second;
    k.running.erase(it);
    (ok ? k.succeeded : k.failed) += 1;
    h = durations_[kind].get();
  }
  if (h != nullptr) h->Observe(absl::Now() - start);
}

std::map<std::string, InFlight::KindFigures> InFlight::Read(absl::Time now) const {
  std::map<std::string, KindFigures> out;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [name, k] : kinds_) {
    KindFigures& f = out[name];
    f.running = static_cast<int>(k.running.size());
    for (const auto& [id, start] : k.running) {
      f.oldest_running = std::max(f.oldest_running, now - start);
    }
    f.succeeded = k.succeeded;
    f.failed = k.failed;
  }
  return out;
}

const Histogram& InFlight::durations(const std::string& kind) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& h = durations_[kind];
  if (!h) h = std::make_unique<Histogram>(Histogram::LagBounds());
  return *h;
}

// ---- Exposition ----

namespace {

// (This absl's StrCat takes absl::string_view, not std::string_view.)
void Append(std::string& out, std::initializer_list<std::string_view> parts) {
  for (std::string_view p : parts) out.append(p.data(), p.size());
}

std::string Cat(std::initializer_list<std::string_view> parts) {
  std::string out;
  Append(out, parts);
  return out;
}

}  // namespace

std::string Exposition::EscapeLabelValue(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string Exposition::FormatDouble(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[32];
  // Whole numbers as integers ("10", not "1e+01"); others in the shortest form that reads
  // back as the same double ("0.005", "2.5", "1e-07").
  if (std::fabs(v) < 1e15 && v == std::floor(v)) {
    std::snprintf(buf, sizeof buf, "%.0f", v);
    return buf;
  }
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

void Exposition::Family(std::string_view name, std::string_view type, std::string_view help) {
  Append(out_, {"# HELP ", name, " "});
  for (char c : help) {
    if (c == '\\') {
      out_ += "\\\\";
    } else if (c == '\n') {
      out_ += "\\n";
    } else {
      out_ += c;
    }
  }
  Append(out_, {"\n# TYPE ", name, " ", type, "\n"});
}

void Exposition::Line(std::string_view name, const Labels& labels, std::string_view extra_label,
                      std::string_view extra_value, std::string_view value) {
  out_.append(name);
  if (!labels.empty() || !extra_label.empty()) {
    out_ += '{';
    bool first = true;
    for (const auto& [k, v] : labels) {
      if (!first) out_ += ',';
      first = false;
      Append(out_, {k, "=\"", EscapeLabelValue(v), "\""});
    }
    if (!extra_label.empty()) {
      if (!first) out_ += ',';
      Append(out_, {extra_label, "=\"", EscapeLabelValue(extra_value), "\""});
    }
    out_ += '}';
  }
  Append(out_, {" ", value, "\n"});
}

void Exposition::Sample(std::string_view name, const Labels& labels, double value) {
  Line(name, labels, "", "", FormatDouble(value));
}

void Exposition::Sample(std::string_view name, const Labels& labels, uint64_t value) {
  Line(name, labels, "", "", absl::StrCat(value));
}

void Exposition::Sample(std::string_view name, const Labels& labels, int64_t value) {
  Line(name, labels, "", "", absl::StrCat(value));
}

void Exposition::Buckets(std::string_view name, const Labels& labels,
                           const Histogram::Snapshot& h) {
  const std::string bucket = Cat({name, "_bucket"});
  for (size_t i = 0; i < h.bounds.size(); ++i) {
    Line(bucket, labels, "le", FormatDouble(h.bounds[i]), absl::StrCat(h.cumulative[i]));
  }
  Line(bucket, labels, "le", "+Inf", absl::StrCat(h.count));
  Line(Cat({name, "_sum"}), labels, "", "", FormatDouble(h.sum));
  Line(Cat({name, "_count"}), labels, "", "", absl::StrCat(h.count));
}

}  // namespace smd::common::telemetry
