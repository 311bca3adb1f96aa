#pragma once
// Risk alerts (AlertService) and their background work: sequencing the outbox for
// delivery, escalating unacknowledged copies, and the periodic overdue check
// (docs/adr/0007-alert-outbox.md). Thread-safe.

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "app/alert_router.h"
#include "app/call.h"
#include "app/context.h"
#include "domain/alert_rules.h"
#include "store/alert_repository.h"

namespace smd::app {

struct DeliveryPage {
  std::string user_id;
  std::vector<store::AlertCopy> copies;
};

// One stream's fetch in a batch (FetchMany): what Fetch takes.
struct StreamFetch {
  const CallMeta* meta = nullptr;  // the stream's; outlives the call
  int64_t after = 0;
  int limit = 0;
  bool check_cursor = false;
};

struct GapPage {
  std::vector<store::AlertGap> gaps;
  std::string next_page_token;
};

struct InboxPage {
  std::vector<store::AlertCopy> alerts;
  std::string next_page_token;
};

class AlertUseCases {
 public:
  explicit AlertUseCases(const Deps& deps);

  // The caller's copies after `after` (the stream's cursor), only those the caller may
  // still act on (store::Viewer). Re-authenticates the token on every call, so a revoked
  // session ends its streams. Audited with the patients. With `check_cursor` (a stream's
  // first fetch), OUT_OF_RANGE when `after` is beyond the newest copy the caller was ever
  // given: the client's cursor comes from elsewhere (another database, a restored
  // backup) and it must resynchronise from its inbox.
  absl::StatusOr<DeliveryPage> Fetch(const CallMeta& meta, int64_t after, int limit,
                                     bool check_cursor = false);
  // Fetch for a batch of streams in one transaction (app/alert_batch.h FetchBatch: the
  // same reads, need-to-know filter and audit records; out[i] is nullopt for a stream to
  // fetch alone with Fetch, e.g. an expired session). A database failure fails the batch.
  absl::StatusOr<std::vector<std::optional<DeliveryPage>>> FetchMany(
      const std::vector<StreamFetch>& fetches);
  // Notes that copies were written to `user_id`'s stream at `at`. Cheap and thread-safe:
  // the times are stored in batches by FlushDeliveries (one transaction for every stream's
  // deliveries since the last flush, audited as one system record), not one transaction
  // per delivery (docs/adr/0007).
  void RecordDelivered(const std::string& user_id, const std::vector<int64_t>& seqs,
                       absl::Time at);
  // Stores the recorded delivery times. On failure they are kept for the next flush (up
  // to a bound). Returns the number of copies written.
  absl::StatusOr<int> FlushDeliveries();
  absl::StatusOr<InboxPage> Inbox(const CallMeta& meta, store::InboxQuery query, int page_size,
                                  const std::string& page_token);
  // NOT_FOUND (not the caller's), FAILED_PRECONDITION (already acknowledged).
  absl::StatusOr<store::AlertCopy> Acknowledge(const CallMeta& meta, int64_t seq,
                                               const std::string& note);
  // A doctor's manual alert (followup.record on the patient).
  absl::StatusOr<Raised> RaiseManual(const CallMeta& meta,
                                                          const std::string& patient_id,
                                                          int severity, const std::string& cause);

  // Administrators: the "no recipient" list of `region` (default: the caller's
  // jurisdiction), newest first; open gaps only unless `include_resolved`.
  absl::StatusOr<GapPage> ListGaps(const CallMeta& meta, const std::string& region,
                                   bool include_resolved, int page_size,
                                   const std::string& page_token);

  // Background steps (each one transaction; safe from several servers at once).
  // SequenceOnce returns the users who got new copies; its notifications carry origin()
  // (store::SequenceOrigin), so the pump skips them when they come back to this server.
  absl::StatusOr<std::vector<std::string>> SequenceOnce();
  const std::string& origin() const { return origin_; }
  // Hands on open copies whose deadline passed or whose holder no longer fits, and
  // re-routes open gaps of recent alerts (AppConfig::alert_reroute_window).
  absl::StatusOr<int> EscalateOnce();
  absl::StatusOr<int> CheckOverdueOnce();

 private:
  const Deps& deps_;
  const std::string origin_;  // random, per server process
  std::mutex delivered_mu_;
  std::vector<store::Delivery> delivered_;
};

// The background thread: waits for database notifications (or a short timeout), then
// sequences new outbox rows and wakes the streams of their users; escalates and checks
// for overdue unstable patients on their own intervals.
class AlertPump {
 public:
  using Wake = std::function<void(const std::vector<std::string>& users, bool everyone)>;
  struct Intervals {
    absl::Duration poll = absl::Milliseconds(250);
    absl::Duration escalate = absl::Seconds(5);
    absl::Duration overdue = absl::Hours(1);
    // Every open stream fetches at least this often, even without alerts: its session
    // stays alive while the client watches (the 30-minute idle limit would otherwise end
    // a quiet stream at its next alert), and a revoked session or disabled account ends
    // its streams within this time.
    absl::Duration heartbeat = absl::Minutes(5);
  };
  AlertPump(const Deps& deps, AlertUseCases& uc, std::string dsn, Intervals intervals, Wake wake);
  ~AlertPump() { Stop(); }
  // Runs `fn` on the pump's thread once a minute. Before Start only.
  void SetHousekeeping(std::function<void()> fn) { housekeeping_ = std::move(fn); }
  void Start();
  void Stop();

 private:
  void Loop();
  const Deps& deps_;
  AlertUseCases& uc_;
  std::string dsn_;
  Intervals intervals_;
  Wake wake_;
  std::function<void()> housekeeping_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace smd::app
