#pragma once
// smd.v1.AlertService: a resumable server stream per subscriber, fed from the outbox.
//
// Threading (docs/adr/0001, 0007): a stream never blocks a gRPC thread. Database reads run
// on the executor, batched over the woken streams (AlertHub); writes are started from
// whichever thread has the next message; one fetch and one write at a time per stream,
// guarded by the stream's mutex. The hub maps users to their open streams so the alert
// pump can wake exactly the streams with new alerts. A stream object deletes itself after
// OnDone once no executor task refers to it.

#include <deque>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/time/time.h"
#include "api/executor.h"
#include "common/telemetry.h"
#include "app/alert_use_cases.h"
#include "smd/v1/alerts.grpc.pb.h"

namespace smd::api {

class AlertStream;

// What the streams record of their deliveries, for the monitoring endpoint (docs/operations.md
// "Monitoring"). A copy raised while its stream was open is a live delivery: its lag, from
// the raise (the raising transaction's time, just before its commit) to the moment the
// stream's write of it completed, measures the outbox, the pump and the stream. A copy
// raised before the stream opened is caught up (the client was away): its age says nothing
// about the server and is only counted. Lock-free.
struct AlertDeliveryTelemetry {
  common::telemetry::Histogram lag{common::telemetry::Histogram::LagBounds()};
  common::telemetry::Counter live;
  common::telemetry::Counter caught_up;
};

// Open streams by user, and their outbox fetches, batched. Thread-safe.
//
// Batches (issue 17 item 4): a stream that needs a fetch (opened, woken, its page full)
// joins the hub's line; a batch task on the executor takes up to kBatchStreams streams
// from the line and fetches them all in one transaction (AlertUseCases::FetchMany: one
// session read, one copy read, one audit insert for the whole batch), then hands each
// stream its own copies. A stream the batch does not serve (an expired session, a resumed
// cursor to check, a failed batch) is fetched alone in the same task, with Fetch's own
// outcome. Batches form by themselves: while kMaxBatches are running, woken streams wait
// in the line, and the next batch takes them all.
//
// Admission: at most kMaxBatches batch tasks are queued or running on the executor at once
// (the executor has db_pool threads and a queue of 1024 shared with every unary call), so
// ten thousand streams opening (or woken) at once neither fill the executor's bounded
// queue, which would refuse the unary calls meanwhile ("server busy"), nor lose a
// wake-up: a refused batch leaves its streams in the line, started again when a batch
// ends or at the alert pump's next poll (Wake).
//
// Locks: mu_ (the registry) may be held while calling into a stream (taking its lock);
// fetch_mu_ (the line) is a leaf, taken by streams under their own lock. A stream leaves
// both the registry and the line in Remove, under mu_, before it is deleted, so holding
// mu_ keeps every stream reached through either alive; a stream taken into a batch is
// kept alive by its in-flight count until the batch hands it its page.
class AlertHub {
 public:
  // Batch tasks queued or running on the executor at once.
  static constexpr int kMaxBatches = 4;
  // Streams fetched by one batch (each at most a page of copies).
  static constexpr size_t kBatchStreams = 256;

  AlertDeliveryTelemetry& delivery() { return delivery_; }

  // Where batches run and what they call; before the first stream opens (AlertService).
  void Bind(Executor& ex, app::AlertUseCases& uc);
  void Add(const std::string& user_id, AlertStream* stream);
  // Forgets `stream` (registered under `user_id`, "" when it never was), also in the
  // line. Before the stream is deleted.
  void Remove(const std::string& user_id, AlertStream* stream);
  // Wakes the streams of `users`, or every stream; then starts a batch if streams wait
  // and a slot is free (the alert pump calls this after every poll, even with no users).
  void Wake(const std::vector<std::string>& users, bool everyone);
  // Ends every open stream with `status` (server shutdown: clients reconnect elsewhere
  // with their cursor at once instead of waiting for the grace period to run out).
  void FinishAll(const grpc::Status& status);
  size_t size() const;

  // Called by a stream under its own lock: it joins the line for a fetch.
  void Enqueue(AlertStream* stream);

 private:
  void StartBatchLocked();  // fetch_mu_ held
  void RunBatch();          // on the executor
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::set<AlertStream*>> streams_;
  std::mutex fetch_mu_;
  std::deque<AlertStream*> waiting_;
  int running_ = 0;   // batch tasks queued or running
  int starting_ = 0;  // of those, not yet past taking their streams from the line
  Executor* ex_ = nullptr;
  app::AlertUseCases* uc_ = nullptr;
  AlertDeliveryTelemetry delivery_;
};

class AlertStream final : public grpc::ServerWriteReactor<v1::AlertMessage> {
 public:
  AlertStream(AlertHub& hub, app::AlertUseCases& uc, app::CallMeta meta, int64_t after);
  // New alerts may be waiting: fetch them (now, or after the fetch in progress).
  void Wake();
  // Ends the stream with `status` (no more writes start).
  void End(const grpc::Status& status);
  // A batch takes the stream out of the hub's line (hub's mu_ held): fills `fetch` from
  // the cursor and counts the batch in flight. False when the stream ended meanwhile.
  bool ClaimForBatch(app::StreamFetch* fetch);
  // The batch's result for this stream (once per claim, with no lock held). May delete
  // the stream.
  void Fetched(absl::StatusOr<app::DeliveryPage> page);
  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  void ScheduleFetchLocked();
  void WriteNextLocked();
  void FinishLocked(const grpc::Status& s);
  void TaskEnded();  // called with mu_ not held

  AlertHub& hub_;
  app::AlertUseCases& uc_;
  const app::CallMeta meta_;
  std::mutex mu_;
  int64_t cursor_;
  std::deque<v1::AlertMessage> queue_;
  std::deque<absl::Time> raised_;  // queue_'s copies' raise times (delivery telemetry)
  const absl::Time opened_;        // when the stream opened: later raises are live
  std::vector<int64_t> written_;
  std::string user_id_;
  bool registered_ = false;
  bool fetching_ = false;
  bool writing_ = false;
  bool wake_pending_ = false;
  bool queued_ = false;  // in the hub's line, waiting for a batch
  bool finished_ = false;
  bool done_ = false;
  int inflight_ = 0;
};

class AlertService final : public smd::v1::AlertService::CallbackService {
 public:
  AlertService(app::AlertUseCases& uc, AlertHub& hub, Executor& ex)
      : uc_(uc), hub_(hub), ex_(ex) {
    hub_.Bind(ex_, uc_);
  }
  grpc::ServerWriteReactor<v1::AlertMessage>* SubscribeAlerts(
      grpc::CallbackServerContext* ctx, const v1::SubscribeAlertsRequest* req) override;
  grpc::ServerUnaryReactor* ListAlerts(grpc::CallbackServerContext* ctx,
                                       const v1::ListAlertsRequest* req,
                                       v1::ListAlertsResponse* resp) override;
  grpc::ServerUnaryReactor* AcknowledgeAlert(grpc::CallbackServerContext* ctx,
                                             const v1::AcknowledgeAlertRequest* req,
                                             v1::AlertMessage* resp) override;
  grpc::ServerUnaryReactor* RaiseAlert(grpc::CallbackServerContext* ctx,
                                       const v1::RaiseAlertRequest* req,
                                       v1::RaiseAlertResponse* resp) override;
  grpc::ServerUnaryReactor* ListAlertGaps(grpc::CallbackServerContext* ctx,
                                          const v1::ListAlertGapsRequest* req,
                                          v1::ListAlertGapsResponse* resp) override;

 private:
  app::AlertUseCases& uc_;
  AlertHub& hub_;
  Executor& ex_;
};

// AlertCopy -> AlertMessage.
void AlertToProto(const store::AlertCopy& c, v1::AlertMessage* out);
void AlertGapToProto(const store::AlertGap& g, v1::AlertGap* out);

}  // namespace smd::api
