#include "app/unauth_audit.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "app/context.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "domain/signin.h"

namespace smd::app {
namespace {

constexpr char kSummaryMethod[] = "smd-server audit.unauthenticated";
constexpr char kOtherSource[] = "other";
constexpr size_t kMaxCallKinds = 32;  // distinct "<method> <outcome> <detail>" per summary
constexpr size_t kMaxNames = 10;      // distinct user names quoted per summary
// Summaries kept while the database cannot take them (then the oldest are dropped, logged).
constexpr size_t kMaxPendingWindows = 60;

absl::Time WindowStart(absl::Time now, absl::Duration window) {
  return absl::UnixEpoch() + absl::Floor(now - absl::UnixEpoch(), window);
}

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

}  // namespace

UnauthenticatedAudit::UnauthenticatedAudit(store::Database& db, const common::Clock& clock,
                                           Options options)
    : db_(db), clock_(clock), options_(options) {
  current_.start = WindowStart(clock_.Now(), options_.window);
  current_.end = current_.start + options_.window;
}

UnauthenticatedAudit::~UnauthenticatedAudit() { Stop(); }

void UnauthenticatedAudit::RotateLocked(absl::Time now, bool force) {
  if (!force && now < current_.end) return;
  bool any = false;
  for (const auto& [source, st] : current_.sources) any = any || st.tally.count > 0;
  if (any) {
    if (force) current_.end = std::min(current_.end, now);
    ended_.push_back(std::move(current_));
  }
  current_ = Window{};
  current_.start = WindowStart(now, options_.window);
  current_.end = current_.start + options_.window;
}

UnauthenticatedAudit::SourceState& UnauthenticatedAudit::StateLocked(const std::string& peer) {
  std::string source = domain::SourceOf(peer);
  auto it = current_.sources.find(source);
  if (it != current_.sources.end()) return it->second;
  if (current_.sources.size() >= static_cast<size_t>(options_.max_sources)) {
    source = kOtherSource;
  }
  return current_.sources[source];
}

void UnauthenticatedAudit::CountLocked(SourceState& st, const store::AuditEntry& e) {
  ++st.tally.count;
  std::string kind = absl::StrCat(e.method, " ", e.outcome);
  if (!e.detail.empty()) absl::StrAppend(&kind, " ", e.detail);
  auto it = st.tally.calls.find(kind);
  if (it != st.tally.calls.end()) {
    ++it->second;
  } else if (st.tally.calls.size() < kMaxCallKinds) {
    st.tally.calls.emplace(std::move(kind), 1);
  } else {
    ++st.tally.calls["(other calls)"];
  }
  if (!e.username.empty() && st.tally.names.size() < kMaxNames &&
      std::find(st.tally.names.begin(), st.tally.names.end(), e.username) == st.tally.names.end()) {
    st.tally.names.push_back(e.username);
  }
}

void UnauthenticatedAudit::Record(store::AuditEntry e) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    RotateLocked(clock_.Now(), false);
    SourceState& st = StateLocked(e.peer);
    if (st.rows >= options_.rows_per_source) {
      CountLocked(st, e);
      return;
    }
    ++st.rows;
  }
  absl::Status s = db_.InTransaction([&](store::Tx& tx) { return store::AppendAudit(tx, e); });
  if (!s.ok()) {
    common::LogError("audit write failed method=%s request_id=%s code=%s; counted instead",
                     e.method, e.request_id, absl::StatusCodeToString(s.code()));
    std::lock_guard<std::mutex> lock(mu_);
    RotateLocked(clock_.Now(), false);
    CountLocked(StateLocked(e.peer), e);
  }
}

void UnauthenticatedAudit::Count(const store::AuditEntry& e) {
  std::lock_guard<std::mutex> lock(mu_);
  RotateLocked(clock_.Now(), false);
  CountLocked(StateLocked(e.peer), e);
}

absl::StatusOr<int> UnauthenticatedAudit::WriteEnded(bool force) {
  std::lock_guard<std::mutex> writer(write_mu_);
  std::vector<Window> batch;
  {
    std::lock_guard<std::mutex> lock(mu_);
    RotateLocked(clock_.Now(), force);
    batch.swap(ended_);
  }
  std::vector<store::AuditEntry> rows;
  const absl::Time now = clock_.Now();
  for (const Window& w : batch) {
    for (const auto& [source, st] : w.sources) {
      if (st.tally.count == 0) continue;
      store::AuditEntry e;
      e.at = now;
      e.method = kSummaryMethod;
      e.outcome = "OK";
      e.peer = source;
      std::vector<std::string> calls;
      for (const auto& [kind, n] : st.tally.calls) calls.push_back(absl::StrCat(kind, "=", n));
      e.detail = absl::StrCat("count=", st.tally.count, " window=", Rfc3339(w.start), "/",
                              Rfc3339(w.end), " calls: ", absl::StrJoin(calls, ", "));
      if (!st.tally.names.empty()) {
        absl::StrAppend(&e.detail, "; user names: ", absl::StrJoin(st.tally.names, ", "));
      }
      rows.push_back(std::move(e));
    }
  }
  if (rows.empty()) return 0;
  absl::Status s = db_.InTransaction([&](store::Tx& tx) -> absl::Status {
    for (const auto& e : rows) RETURN_IF_ERROR(store::AppendAudit(tx, e));
    return absl::OkStatus();
  });
  if (!s.ok()) {
    std::lock_guard<std::mutex> lock(mu_);
    ended_.insert(ended_.begin(), std::make_move_iterator(batch.begin()),
                  std::make_move_iterator(batch.end()));
    if (ended_.size() > kMaxPendingWindows) {
      int64_t dropped = 0;
      for (size_t i = 0; i < ended_.size() - kMaxPendingWindows; ++i) {
        for (const auto& [source, st] : ended_[i].sources) dropped += st.tally.count;
      }
      common::LogWarning("unauthenticated-call summaries: dropping %d counted calls unwritten",
                         static_cast<int>(dropped));
      ended_.erase(ended_.begin(), ended_.end() - kMaxPendingWindows);
    }
    return s;
  }
  return static_cast<int>(rows.size());
}

void UnauthenticatedAudit::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (started_ || stop_) return;
  started_ = true;
  thread_ = std::thread([this] { Loop(); });
}

void UnauthenticatedAudit::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    // Wake just after the current window ends.
    const absl::Duration until = current_.end - clock_.Now() + absl::Milliseconds(50);
    cv_.wait_for(lock, std::max(absl::ToChronoMilliseconds(until), std::chrono::milliseconds(10)),
                 [this] { return stop_; });
    if (stop_) break;
    lock.unlock();
    auto n = WriteEnded(false);
    if (!n.ok()) common::LogWarning("unauthenticated-call summaries: write failed; will retry");
    lock.lock();
  }
}

void UnauthenticatedAudit::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_) return;
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  auto n = WriteEnded(true);
  if (!n.ok()) common::LogWarning("unauthenticated-call summaries: final write failed");
}

absl::StatusOr<int> UnauthenticatedAudit::FlushForTest() { return WriteEnded(true); }

void AuditUnauthenticated(const Deps& deps, store::AuditEntry e) {
  if (deps.unauth_audit != nullptr) {
    deps.unauth_audit->Record(std::move(e));
    return;
  }
  absl::Status s = deps.db.InTransaction([&](store::Tx& tx) { return store::AppendAudit(tx, e); });
  if (!s.ok()) {
    common::LogError("audit write failed method=%s request_id=%s code=%s", e.method, e.request_id,
                     absl::StatusCodeToString(s.code()));
  }
}

}  // namespace smd::app
