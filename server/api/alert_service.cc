#include "api/alert_service.h"

#include <algorithm>

#include "api/call_runner.h"
#include "api/convert.h"
#include "api/grpc_status.h"
#include "common/log.h"
#include "common/status_macros.h"

namespace smd::api {

#define SMD_ALERT_METHOD(name) "/smd.v1.AlertService/" #name

namespace {
constexpr int kFetchPage = 200;
}  // namespace

void AlertToProto(const store::AlertCopy& c, v1::AlertMessage* out) {
  out->Clear();
  out->set_seq(c.seq);
  out->set_alert_id(c.alert_id);
  out->set_patient_id(c.patient_id);
  out->set_patient_name(c.patient_name);
  out->set_jurisdiction(c.jurisdiction);
  out->set_address(c.address);
  out->set_kind(static_cast<v1::AlertKind>(c.kind));
  out->set_severity(c.severity);
  out->set_risk_level(c.risk_level);
  out->set_cause(c.cause);
  TimeToProto(c.raised_at, out->mutable_raised_at());
  if (c.delivered_at) TimeToProto(*c.delivered_at, out->mutable_delivered_at());
  if (c.acked_at) TimeToProto(*c.acked_at, out->mutable_acknowledged_at());
  out->set_ack_note(c.ack_note);
  out->set_escalation_level(c.escalation_level);
  out->set_escalated(c.escalated);
  out->set_audience(static_cast<v1::AlertAudience>(c.audience));
  out->set_reason(static_cast<v1::RecipientReason>(c.reason));
  if (c.deadline) TimeToProto(*c.deadline, out->mutable_deadline());
  out->set_unreadable(c.unreadable);
}

void AlertGapToProto(const store::AlertGap& g, v1::AlertGap* out) {
  out->Clear();
  out->set_gap_id(g.id);
  out->set_alert_id(g.alert_id);
  out->set_jurisdiction(g.jurisdiction);
  out->set_kind(static_cast<v1::AlertKind>(g.kind));
  out->set_severity(g.severity);
  out->set_audience(static_cast<v1::AlertAudience>(g.audience));
  TimeToProto(g.raised_at, out->mutable_raised_at());
  out->set_missing_role(static_cast<v1::Role>(g.role));
  out->set_cause(static_cast<v1::AlertGapCause>(g.cause));
  out->set_duty_recipients(g.duty_recipients);
  if (g.resolved_at) TimeToProto(*g.resolved_at, out->mutable_resolved_at());
  out->set_resolved_recipients(g.resolved_recipients);
}

// ---- AlertHub ----

void AlertHub::Bind(Executor& ex, app::AlertUseCases& uc) {
  std::lock_guard<std::mutex> f(fetch_mu_);
  ex_ = &ex;
  uc_ = &uc;
}

void AlertHub::Add(const std::string& user_id, AlertStream* s) {
  std::lock_guard<std::mutex> lock(mu_);
  streams_[user_id].insert(s);
}

void AlertHub::Remove(const std::string& user_id, AlertStream* s) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!user_id.empty()) {
    auto it = streams_.find(user_id);
    if (it != streams_.end()) {
      it->second.erase(s);
      if (it->second.empty()) streams_.erase(it);
    }
  }
  std::lock_guard<std::mutex> f(fetch_mu_);
  waiting_.erase(std::remove(waiting_.begin(), waiting_.end(), s), waiting_.end());
}

void AlertHub::Wake(const std::vector<std::string>& users, bool everyone) {
  // Wake() only takes the stream's own lock, and Remove() waits for this lock, so a
  // stream cannot be deleted while it is being woken.
  std::lock_guard<std::mutex> lock(mu_);
  if (everyone) {
    for (auto& [user, set] : streams_) {
      for (AlertStream* s : set) s->Wake();
    }
  } else {
    for (const auto& u : users) {
      auto it = streams_.find(u);
      if (it == streams_.end()) continue;
      for (AlertStream* s : it->second) s->Wake();
    }
  }
  // Also a retry: a batch the executor refused left its streams in the line.
  std::lock_guard<std::mutex> f(fetch_mu_);
  StartBatchLocked();
}

void AlertHub::Enqueue(AlertStream* s) {
  std::lock_guard<std::mutex> f(fetch_mu_);
  waiting_.push_back(s);
  StartBatchLocked();
}

void AlertHub::StartBatchLocked() {
  // One batch still to take its streams will take these too: starting another would only
  // split them.
  if (starting_ > 0 || running_ >= kMaxBatches || waiting_.empty() || ex_ == nullptr) return;
  ++running_;
  ++starting_;
  if (!ex_->Submit([this] { RunBatch(); })) {
    // Executor full or stopping: the streams stay in the line (nothing is lost: the
    // outbox is the truth) until a batch ends or the pump's next poll.
    --running_;
    --starting_;
  }
}

void AlertHub::RunBatch() {
  std::vector<AlertStream*> batch;
  std::vector<app::StreamFetch> fetches;
  {
    std::lock_guard<std::mutex> lock(mu_);  // keeps the streams in the line alive
    std::vector<AlertStream*> taken;
    {
      std::lock_guard<std::mutex> f(fetch_mu_);
      --starting_;
      while (!waiting_.empty() && taken.size() < kBatchStreams) {
        taken.push_back(waiting_.front());
        waiting_.pop_front();
      }
      StartBatchLocked();  // more than one batch waits: the next one runs alongside
    }
    for (AlertStream* s : taken) {
      app::StreamFetch f;
      if (s->ClaimForBatch(&f)) {
        batch.push_back(s);
        fetches.push_back(f);
      }
    }
  }
  if (!batch.empty()) {
    absl::StatusOr<std::vector<std::optional<app::DeliveryPage>>> pages = uc_->FetchMany(fetches);
    // The database unreachable or busy: each stream's own fetch would fail the same way
    // (after the same wait), so each ends with it and resumes from its cursor elsewhere.
    // Any other failure might be one stream's: each is fetched alone.
    const bool all_fail = !pages.ok() && absl::IsUnavailable(pages.status());
    if (!pages.ok()) {
      common::LogWarning("alert streams: batched fetch of %d failed (%s)%s",
                         static_cast<int>(batch.size()), std::string(pages.status().message()),
                         all_fail ? "" : "; fetching each alone");
    }
    for (size_t i = 0; i < batch.size(); ++i) {
      // Each stream's meta stays valid until its own Fetched, which may delete it.
      if (all_fail) {
        batch[i]->Fetched(pages.status());
      } else if (pages.ok() && (*pages)[i]) {
        batch[i]->Fetched(*std::move((*pages)[i]));
      } else {
        const app::StreamFetch& f = fetches[i];
        batch[i]->Fetched(uc_->Fetch(*f.meta, f.after, f.limit, f.check_cursor));
      }
    }
  }
  std::lock_guard<std::mutex> f(fetch_mu_);
  --running_;
  StartBatchLocked();
}

void AlertHub::FinishAll(const grpc::Status& status) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [user, set] : streams_) {
    for (AlertStream* s : set) s->End(status);
  }
}

size_t AlertHub::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  size_t n = 0;
  for (const auto& [u, set] : streams_) n += set.size();
  return n;
}

// ---- AlertStream ----

AlertStream::AlertStream(AlertHub& hub, app::AlertUseCases& uc, app::CallMeta meta, int64_t after)
    : hub_(hub), uc_(uc), meta_(std::move(meta)), cursor_(after), opened_(absl::Now()) {
  std::lock_guard<std::mutex> lock(mu_);
  ScheduleFetchLocked();
}

void AlertStream::Wake() {
  std::lock_guard<std::mutex> lock(mu_);
  ScheduleFetchLocked();
}

void AlertStream::End(const grpc::Status& status) {
  std::lock_guard<std::mutex> lock(mu_);
  FinishLocked(status);
}

void AlertStream::ScheduleFetchLocked() {
  if (finished_ || queued_) return;  // queued: the fetch to come reads from the cursor then
  if (fetching_ || writing_) {
    wake_pending_ = true;  // fetch again once the current batch is out
    return;
  }
  fetching_ = true;
  queued_ = true;
  hub_.Enqueue(this);
}

bool AlertStream::ClaimForBatch(app::StreamFetch* fetch) {
  std::lock_guard<std::mutex> lock(mu_);
  queued_ = false;
  if (finished_) {
    fetching_ = false;
    return false;
  }
  ++inflight_;
  fetch->meta = &meta_;
  fetch->after = cursor_;
  fetch->limit = kFetchPage;
  // The client's cursor is checked once, on the first fetch; later cursors are the
  // stream's own.
  fetch->check_cursor = !registered_;
  return true;
}

void AlertStream::Fetched(absl::StatusOr<app::DeliveryPage> page) {
  bool register_now = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    fetching_ = false;
    if (!done_ && !finished_) {
      if (!page.ok()) {
        FinishLocked(ToGrpcStatus(page.status()));
      } else {
        if (!registered_) {
          user_id_ = page->user_id;
          registered_ = true;
          register_now = true;
        }
        for (const auto& c : page->copies) {
          queue_.emplace_back();
          AlertToProto(c, &queue_.back());
          raised_.push_back(c.raised_at);
          cursor_ = std::max(cursor_, c.seq);
        }
        if (static_cast<int>(page->copies.size()) == kFetchPage) wake_pending_ = true;
        if (!writing_) WriteNextLocked();
      }
    }
  }
  if (register_now) {
    hub_.Add(user_id_, this);
    bool gone = false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      gone = finished_;
    }
    // OnDone may have run its Remove before this Add: take the stream out again, or the
    // hub would keep it after its deletion.
    if (gone) hub_.Remove(user_id_, this);
    // Alerts sequenced between the first fetch and registering would not wake us.
    Wake();
  }
  TaskEnded();
}

void AlertStream::WriteNextLocked() {
  if (finished_) return;
  if (queue_.empty()) {
    writing_ = false;
    if (!written_.empty()) {
      uc_.RecordDelivered(user_id_, written_, absl::Now());
      written_.clear();
    }
    if (wake_pending_) {
      wake_pending_ = false;
      ScheduleFetchLocked();
    }
    return;
  }
  writing_ = true;
  StartWrite(&queue_.front());
}

void AlertStream::OnWriteDone(bool ok) {
  std::lock_guard<std::mutex> lock(mu_);
  writing_ = false;
  if (!ok) {
    FinishLocked(grpc::Status::CANCELLED);
    return;
  }
  written_.push_back(queue_.front().seq());
  queue_.pop_front();
  if (!raised_.empty()) {
    const absl::Time raised = raised_.front();
    raised_.pop_front();
    AlertDeliveryTelemetry& t = hub_.delivery();
    if (raised >= opened_) {
      t.live.Add();
      t.lag.Observe(std::max(absl::ZeroDuration(), absl::Now() - raised));
    } else {
      t.caught_up.Add();
    }
  }
  WriteNextLocked();
}

void AlertStream::FinishLocked(const grpc::Status& s) {
  if (finished_) return;
  finished_ = true;
  Finish(s);
}

void AlertStream::OnCancel() {
  std::lock_guard<std::mutex> lock(mu_);
  FinishLocked(grpc::Status::CANCELLED);
}

void AlertStream::OnDone() {
  std::string user;
  {
    std::lock_guard<std::mutex> lock(mu_);
    finished_ = true;  // before Remove: no wake-up puts the stream back in the hub's line
    user = registered_ ? user_id_ : "";
  }
  hub_.Remove(user, this);  // also takes it out of the hub's line
  bool destroy = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
    finished_ = true;
    destroy = inflight_ == 0;
  }
  if (destroy) delete this;
}

void AlertStream::TaskEnded() {
  bool destroy = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    --inflight_;
    destroy = done_ && inflight_ == 0;
  }
  if (destroy) delete this;
}

// ---- AlertService ----

namespace {

// A stream refused before it starts (MetaFrom: a trusted gateway's malformed forwarded
// address). Finish may be called before gRPC binds the reactor; it is held until then.
class RefusedStream : public grpc::ServerWriteReactor<v1::AlertMessage> {
 public:
  explicit RefusedStream(const grpc::Status& status) { Finish(status); }
  void OnDone() override { delete this; }
};

}  // namespace

grpc::ServerWriteReactor<v1::AlertMessage>* AlertService::SubscribeAlerts(
    grpc::CallbackServerContext* ctx, const v1::SubscribeAlertsRequest* req) {
  absl::StatusOr<app::CallMeta> meta =
      MetaFrom(ctx, SMD_ALERT_METHOD(SubscribeAlerts), ex_.gateways());
  if (!meta.ok()) return new RefusedStream(ToGrpcStatus(meta.status()));
  return new AlertStream(hub_, uc_, *std::move(meta), std::max<int64_t>(0, req->after()));
}

grpc::ServerUnaryReactor* AlertService::ListAlerts(grpc::CallbackServerContext* ctx,
                                                   const v1::ListAlertsRequest* req,
                                                   v1::ListAlertsResponse* resp) {
  return RunUnary(ctx, ex_, SMD_ALERT_METHOD(ListAlerts), req, resp, [=, this](const app::CallMeta& m) {
    store::InboxQuery q;
    q.unacknowledged_only = req->unacknowledged_only();
    q.escalated_only = req->escalated_only();
    q.patient_id = req->patient_id();
    if (req->has_from()) {
      ASSIGN_OR_RETURN(q.from, TimeFromProto(req->from(), "from"));
    }
    if (req->has_to()) {
      ASSIGN_OR_RETURN(q.to, TimeFromProto(req->to(), "to"));
    }
    return Fill(uc_.Inbox(m, q, req->page().page_size(), req->page().page_token()),
                [&](const app::InboxPage& p) {
                  int unreadable = 0;
                  for (const auto& c : p.alerts) {
                    AlertToProto(c, resp->add_alerts());
                    unreadable += c.unreadable ? 1 : 0;
                  }
                  resp->set_next_page_token(p.next_page_token);
                  resp->set_unreadable_count(unreadable);
                });
  });
}

grpc::ServerUnaryReactor* AlertService::AcknowledgeAlert(grpc::CallbackServerContext* ctx,
                                                         const v1::AcknowledgeAlertRequest* req,
                                                         v1::AlertMessage* resp) {
  return RunUnary(ctx, ex_, SMD_ALERT_METHOD(AcknowledgeAlert), req, resp,
                  [=, this](const app::CallMeta& m) {
                    return Fill(uc_.Acknowledge(m, req->seq(), req->note()),
                                [&](const store::AlertCopy& c) { AlertToProto(c, resp); });
                  });
}

grpc::ServerUnaryReactor* AlertService::RaiseAlert(grpc::CallbackServerContext* ctx,
                                                   const v1::RaiseAlertRequest* req,
                                                   v1::RaiseAlertResponse* resp) {
  return RunUnary(
      ctx, ex_, SMD_ALERT_METHOD(RaiseAlert), req, resp, [=, this](const app::CallMeta& m) {
        return Fill(uc_.RaiseManual(m, req->patient_id(), req->severity(), req->cause()),
                    [&](const app::Raised& r) {
                      resp->set_alert_id(r.alert_id);
                      resp->set_recipients(r.recipients);
                      for (domain::Role role : r.unrouted) {
                        resp->add_unrouted_roles(static_cast<v1::Role>(role));
                      }
                    });
      });
}

grpc::ServerUnaryReactor* AlertService::ListAlertGaps(grpc::CallbackServerContext* ctx,
                                                      const v1::ListAlertGapsRequest* req,
                                                      v1::ListAlertGapsResponse* resp) {
  return RunUnary(
      ctx, ex_, SMD_ALERT_METHOD(ListAlertGaps), req, resp, [=, this](const app::CallMeta& m) {
        return Fill(uc_.ListGaps(m, req->region(), req->include_resolved(),
                                 req->page().page_size(), req->page().page_token()),
                    [&](const app::GapPage& p) {
                      for (const auto& g : p.gaps) AlertGapToProto(g, resp->add_gaps());
                      resp->set_next_page_token(p.next_page_token);
                    });
      });
}

}  // namespace smd::api
