#pragma once
// smd.v1.AlertService: a resumable server stream per subscriber, fed from the outbox.
//
// Threading (docs/adr/0001, 0007): a stream never blocks a gRPC thread. Database reads run
// on the executor; writes are started from whichever thread has the next message; one
// fetch and one write at a time per stream, guarded by the stream's mutex. The hub maps
// users to their open streams so the alert pump can wake exactly the streams with new
// alerts. A stream object deletes itself after OnDone once no executor task refers to it.

#include <deque>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "api/executor.h"
#include "app/alert_use_cases.h"
#include "smd/v1/alerts.grpc.pb.h"

namespace smd::api {

class AlertStream;

// Open streams by user, and the admission of their outbox fetches. Thread-safe.
//
// Admission (issue 17): at most kMaxFetches stream fetches are queued or running on the
// executor at once; the others wait here, in order, as a pointer each. Ten thousand
// streams opening (or woken) at once thus neither fill the executor's bounded queue,
// which refused the unary calls meanwhile ("server busy") and dropped the refused
// streams' first fetch so they never registered, nor lose a wake-up.
//
// Locks: mu_ (the registry) may be held while calling into a stream (taking its lock);
// fetch_mu_ is a leaf, taken by streams under their own lock. A stream leaves both the
// registry and the waiting line in Remove, under mu_, before it is deleted, so holding
// mu_ keeps every stream reached through either alive.
class AlertHub {
 public:
  // Stream fetches queued or running on the executor at once (the executor has db_pool
  // threads and a queue of 1024 shared with every unary call).
  static constexpr int kMaxFetches = 32;

  void Add(const std::string& user_id, AlertStream* stream);
  // Forgets `stream` (registered under `user_id`, "" when it never was), also in the
  // waiting line. Before the stream is deleted.
  void Remove(const std::string& user_id, AlertStream* stream);
  // Wakes the streams of `users`, or every stream; then starts waiting fetches while
  // slots are free (the alert pump calls this after every poll, even with no users).
  void Wake(const std::vector<std::string>& users, bool everyone);
  // Ends every open stream with `status` (server shutdown: clients reconnect elsewhere
  // with their cursor at once instead of waiting for the grace period to run out).
  void FinishAll(const grpc::Status& status);
  size_t size() const;

  // Admission, called by a stream under its own lock. True: a slot is the caller's, it
  // submits its fetch now. False: it waits in line; the hub starts it later.
  bool Admit(AlertStream* stream);
  // The executor refused a fetch that held a slot: the slot is freed and the stream waits
  // in line again (under its own lock).
  void Requeue(AlertStream* stream);
  // A fetch ended (its slot is free): starts the next waiting ones. With no lock held.
  void FetchEnded();

 private:
  void DispatchLocked();  // mu_ held
  mutable std::mutex mu_;
  std::unordered_map<std::string, std::set<AlertStream*>> streams_;
  std::mutex fetch_mu_;
  std::deque<AlertStream*> waiting_;
  int running_ = 0;  // slots taken
};

class AlertStream final : public grpc::ServerWriteReactor<v1::AlertMessage> {
 public:
  AlertStream(AlertHub& hub, Executor& ex, app::AlertUseCases& uc, app::CallMeta meta,
              int64_t after);
  // New alerts may be waiting: fetch them (now, or after the fetch in progress).
  void Wake();
  // Ends the stream with `status` (no more writes start).
  void End(const grpc::Status& status);
  // Submits the fetch the hub admitted (its slot is taken). False when the stream ended
  // meanwhile (the slot is to be freed) or the executor refused it (the stream is back in
  // the hub's line). Called by the hub with no stream lock held.
  bool StartAdmittedFetch(bool* refused);
  void OnWriteDone(bool ok) override;
  void OnCancel() override;
  void OnDone() override;

 private:
  void ScheduleFetchLocked();
  bool SubmitFetchLocked();  // true when the executor took it
  void Fetched(absl::StatusOr<app::DeliveryPage> page);
  void WriteNextLocked();
  void FinishLocked(const grpc::Status& s);
  void TaskEnded();  // called with mu_ not held

  AlertHub& hub_;
  Executor& ex_;
  app::AlertUseCases& uc_;
  const app::CallMeta meta_;
  std::mutex mu_;
  int64_t cursor_;
  std::deque<v1::AlertMessage> queue_;
  std::vector<int64_t> written_;
  std::string user_id_;
  bool registered_ = false;
  bool fetching_ = false;
  bool writing_ = false;
  bool wake_pending_ = false;
  bool queued_ = false;  // waiting in the hub's line for a fetch slot
  bool finished_ = false;
  bool done_ = false;
  int inflight_ = 0;
};

class AlertService final : public smd::v1::AlertService::CallbackService {
 public:
  AlertService(app::AlertUseCases& uc, AlertHub& hub, Executor& ex)
      : uc_(uc), hub_(hub), ex_(ex) {}
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
