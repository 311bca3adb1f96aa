#include "app/alert_use_cases.h"

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "app/admin_use_cases.h"
#include "app/alert_batch.h"
#include "app/patient_access.h"
#include "common/backoff.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "crypto/random.h"
#include "domain/access_policy.h"
#include "domain/errors.h"
#include "domain/region.h"
#include "domain/text.h"
#include "store/audit_repository.h"
#include "store/listener.h"
#include "store/region_repository.h"
#include "store/scope.h"

namespace smd::app {
namespace {

// An audit record written by the server itself (escalation, overdue check).
absl::Status AuditSystem(const Deps& deps, store::Tx& tx, const std::string& method,
                         const std::vector<std::string>& patients, const std::string& detail) {
  store::AuditEntry e;
  e.at = deps.clock.Now();
  e.method = method;
  e.patient_ids = patients;
  e.outcome = "OK";
  e.detail = detail;
  return store::AppendAudit(tx, e);
}

}  // namespace

AlertUseCases::AlertUseCases(const Deps& deps)
    : deps_(deps), origin_(absl::BytesToHexString(crypto::RandomBytes(8))) {}

absl::StatusOr<DeliveryPage> AlertUseCases::Fetch(const CallMeta& meta, int64_t after, int limit,
                                                  bool check_cursor) {
  DeliveryPage page;
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    page = DeliveryPage{};
    page.user_id = who.user_id;
    if (after < 0) return domain::FieldError("after", "游标无效", "must be >= 0");
    if (check_cursor && after > 0) {
      ASSIGN_OR_RETURN(int64_t newest, deps_.alerts.MaxSeq(tx, who.user_id));
      if (after > newest) {
        return absl::OutOfRangeError(
            "after: 游标超出您收到的最新预警，请从预警列表重新同步 (cursor is beyond your newest "
            "alert; resynchronise from your inbox)");
      }
    }
    ASSIGN_OR_RETURN(page.copies, deps_.alerts.After(tx, ViewerOf(who), after, limit));
    int unreadable = 0;
    for (const auto& c : page.copies) {
      note.patient_ids.push_back(c.patient_id);
      unreadable += c.unreadable ? 1 : 0;
    }
    if (!page.copies.empty()) {
      note.detail = absl::StrCat("fetched seq ", page.copies.front().seq, "..",
                                 page.copies.back().seq);
      if (unreadable > 0) absl::StrAppend(&note.detail, " unreadable=", unreadable);
    }
    return absl::OkStatus();
  }));
  return page;
}

absl::StatusOr<std::vector<std::optional<DeliveryPage>>> AlertUseCases::FetchMany(
    const std::vector<StreamFetch>& fetches) {
  return FetchBatch(deps_, fetches);
}

void AlertUseCases::RecordDelivered(const std::string& user_id, const std::vector<int64_t>& seqs,
                                    absl::Time at) {
  std::lock_guard<std::mutex> lock(delivered_mu_);
  for (int64_t s : seqs) delivered_.push_back({user_id, s, at});
}

absl::StatusOr<int> AlertUseCases::FlushDeliveries() {
  // Bound on times kept across failed flushes: beyond it the oldest are dropped (the
  // copies stay delivered to the user; only the stored time is lost) and logged.
  constexpr size_t kMaxPending = 200000;
  std::vector<store::Delivery> batch;
  {
    std::lock_guard<std::mutex> lock(delivered_mu_);
    batch.swap(delivered_);
  }
  if (batch.empty()) return 0;
  absl::Status s = deps_.db.InTransaction([&](store::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(std::vector<std::string> patients, deps_.alerts.MarkDelivered(tx, batch));
    return AuditSystem(deps_, tx, "smd-server alert.delivered", patients,
                       absl::StrCat("copies=", batch.size()));
  });
  if (!s.ok()) {
    std::lock_guard<std::mutex> lock(delivered_mu_);
    batch.insert(batch.end(), delivered_.begin(), delivered_.end());
    if (batch.size() > kMaxPending) {
      common::LogWarning("alert delivery times: dropping %d unsaved", static_cast<int>(batch.size() - kMaxPending));
      batch.erase(batch.begin(), batch.end() - kMaxPending);
    }
    delivered_.swap(batch);
    return s;
  }
  return static_cast<int>(batch.size());
}

absl::StatusOr<InboxPage> AlertUseCases::Inbox(const CallMeta& meta, store::InboxQuery q,
                                               int page_size, const std::string& page_token) {
  InboxPage page;
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    page = InboxPage{};
    q.viewer = ViewerOf(who);
    if (!q.patient_id.empty()) RETURN_IF_ERROR(CheckUuid("patient_id", q.patient_id));
    ASSIGN_OR_RETURN(q.limit, PageSize(page_size));
    if (!page_token.empty() && (!absl::SimpleAtoi(page_token, &q.before_seq) || q.before_seq <= 0)) {
      return domain::FieldError("page.page_token", "分页标记无效", "invalid page token");
    }
    const int limit = q.limit;
    ++q.limit;
    ASSIGN_OR_RETURN(page.alerts, deps_.alerts.Inbox(tx, q));
    if (static_cast<int>(page.alerts.size()) > limit) {
      page.alerts.resize(limit);
      page.next_page_token = std::to_string(page.alerts.back().seq);
    }
    int unreadable = 0;
    for (const auto& c : page.alerts) {
      note.patient_ids.push_back(c.patient_id);
      unreadable += c.unreadable ? 1 : 0;
    }
    if (unreadable > 0) note.detail = absl::StrCat("unreadable=", unreadable);
    return absl::OkStatus();
  }));
  return page;
}

absl::StatusOr<store::AlertCopy> AlertUseCases::Acknowledge(const CallMeta& meta, int64_t seq,
                                                            const std::string& text) {
  store::AlertCopy out;
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    if (seq <= 0) return domain::FieldError("seq", "预警序号无效", "must be > 0");
    RETURN_IF_ERROR(domain::CheckText("note", text, false, 200));
    ASSIGN_OR_RETURN(out,
                     deps_.alerts.Acknowledge(tx, ViewerOf(who), seq, text, deps_.clock.Now()));
    note.patient_ids = {out.patient_id};
    note.detail = absl::StrCat("acknowledged seq ", seq, " alert=", out.alert_id);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<Raised> AlertUseCases::RaiseManual(const CallMeta& meta,
                                                  const std::string& patient_id, int severity,
                                                  const std::string& cause) {
  Raised out;
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    if (CheckUuid("", patient_id).ok()) note.patient_ids = {patient_id};
    RETURN_IF_ERROR(domain::Authorize(who, domain::Action::kFollowUpRecord, ""));
    ASSIGN_OR_RETURN(domain::Patient p, LoadPatient(deps_, tx, who, patient_id,
                                                    domain::Action::kFollowUpRecord, false));
    ASSIGN_OR_RETURN(domain::AlertDraft draft, domain::ManualAlert(severity, cause, p.risk_level));
    ASSIGN_OR_RETURN(out, RaiseAlertInTx(deps_, tx, p, draft, "manual", who.user_id, ""));
    note.detail = absl::StrCat("manual alert=", out.alert_id, " recipients=", out.recipients,
                               " unrouted=", out.unrouted.size());
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<std::string>> AlertUseCases::SequenceOnce() {
  std::vector<std::string> users;
  RETURN_IF_ERROR(deps_.db.InTransaction([&](store::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(users, deps_.alerts.Sequence(tx, origin_));
    return absl::OkStatus();
  }));
  return users;
}

absl::StatusOr<GapPage> AlertUseCases::ListGaps(const CallMeta& meta, const std::string& region,
                                                 bool include_resolved, int page_size,
                                                 const std::string& page_token) {
  GapPage page;
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    page = GapPage{};
    RETURN_IF_ERROR(domain::Authorize(who, domain::Action::kAlertGapRead, ""));
    store::GapQuery q;
    q.region_prefix = region.empty() ? who.jurisdiction : region;
    RETURN_IF_ERROR(
        domain::CheckRegionCode("region", q.region_prefix, domain::RegionLevel::kInvalid));
    RETURN_IF_ERROR(domain::Authorize(who, domain::Action::kAlertGapRead, q.region_prefix));
    q.include_resolved = include_resolved;
    ASSIGN_OR_RETURN(int limit, PageSize(page_size));
    if (!page_token.empty() && (!absl::SimpleAtoi(page_token, &q.before_id) || q.before_id <= 0)) {
      return domain::FieldError("page.page_token", "分页标记无效", "invalid page token");
    }
    q.limit = limit + 1;
    ASSIGN_OR_RETURN(page.gaps, deps_.alerts.ListGaps(tx, q));
    if (static_cast<int>(page.gaps.size()) > limit) {
      page.gaps.resize(limit);
      page.next_page_token = std::to_string(page.gaps.back().id);
    }
    note.detail = absl::StrCat("returned=", page.gaps.size());
    return absl::OkStatus();
  }));
  return page;
}

absl::StatusOr<int> AlertUseCases::EscalateOnce() {
  int handled = 0;
  RETURN_IF_ERROR(deps_.db.InTransaction([&](store::Tx& tx) -> absl::Status {
    handled = 0;
    const absl::Time now = deps_.clock.Now();
    const absl::Time since = now - deps_.config.alert_reroute_window;
    ASSIGN_OR_RETURN(std::vector<store::HandOnCopy> due,
                     deps_.alerts.ToHandOn(tx, now, since, 100));
    for (const auto& c : due) {
      ASSIGN_OR_RETURN(HandedOn h, HandOnInTx(deps_, tx, c));
      RETURN_IF_ERROR(AuditSystem(
          deps_, tx, h.cause == 1 ? "smd-server alert.escalate" : "smd-server alert.reroute",
          {c.patient_id},
          absl::StrCat("alert=", c.alert_id, " from_user=", c.user_id,
                       " level=", c.escalation_level + (h.cause == 1 ? 1 : 0),
                       " targets=", h.targets, h.duty ? " duty" : "", h.gap ? " gap" : "")));
      ++handled;
    }
    // Gaps of recent alerts: an account of the missing role may exist now.
    ASSIGN_OR_RETURN(std::vector<store::AlertGap> gaps, deps_.alerts.OpenGaps(tx, since, 100));
    for (const auto& g : gaps) {
      ASSIGN_OR_RETURN(int n, RerouteGapInTx(deps_, tx, g));
      if (n == 0) continue;
      RETURN_IF_ERROR(AuditSystem(deps_, tx, "smd-server alert.reroute", {g.patient_id},
                                  absl::StrCat("alert=", g.alert_id, " gap=", g.id,
                                               " role=", std::string(domain::RoleName(g.role)),
                                               " targets=", n)));
      ++handled;
    }
    return absl::OkStatus();
  }));
  return handled;
}

absl::StatusOr<int> AlertUseCases::CheckOverdueOnce() {
  int count = 0;
  RETURN_IF_ERROR(deps_.db.InTransaction([&](store::Tx& tx) -> absl::Status {
    count = 0;
    static const absl::TimeZone kBeijing = absl::FixedTimeZone(8 * 3600);
    const absl::CivilDay today = absl::ToCivilDay(deps_.clock.Now(), kBeijing);
    // The server itself sees each district in turn (row-level security needs a scope).
    ASSIGN_OR_RETURN(std::vector<store::RegionRow> districts, store::ListRegionSubtree(tx, "", 6));
    for (const auto& d : districts) {
      if (domain::LevelOf(d.code) != domain::RegionLevel::kDistrict) continue;  // not a city
      RETURN_IF_ERROR(store::SetScope(tx, d.code));
      store::WorklistQuery q;
      q.kind = store::WorklistKind::kOverdue;
      q.region_prefix = d.code;
      q.today = today;
      q.limit = 500;
      ASSIGN_OR_RETURN(std::vector<store::WorklistRow> rows, deps_.care.Worklist(tx, q));
      for (const auto& r : rows) {
        if (r.last_class != domain::Classification::kUnstable || !r.next_due) continue;
        absl::StatusOr<std::optional<domain::Patient>> p = deps_.patients.Get(tx, r.patient_id);
        if (absl::IsDataLoss(p.status())) {
          // An undecryptable record must not silence the overdue alert, nor the pass for
          // every other patient: raise it with what is plaintext (id, community, risk).
          common::LogWarning("overdue check: patient record unreadable patient=%s",
                             r.patient_id);
          domain::Patient minimal;
          minimal.id = r.patient_id;
          minimal.jurisdiction = r.jurisdiction;
          p = std::optional<domain::Patient>(minimal);
        }
        if (!p.ok()) return p.status();
        if (!*p) continue;
        const domain::Patient& patient = **p;
        const int days = static_cast<int>(today - *r.next_due);
        ASSIGN_OR_RETURN(Raised raised, RaiseAlertInTx(deps_, tx, patient,
                                               domain::AlertForOverdueUnstable(days, r.risk_level),
                                               "overdue", "",
                                               absl::StrCat("overdue:", patient.id, ":",
                                                            absl::FormatCivilTime(*r.next_due))));
        if (!raised.alert_id.empty()) {
          RETURN_IF_ERROR(AuditSystem(deps_, tx, "smd-server alert.overdue", {patient.id},
                                      absl::StrCat("alert=", raised.alert_id,
                                                   " recipients=", raised.recipients,
                                                   " unrouted=", raised.unrouted.size())));
          ++count;
        }
      }
    }
    return store::SetScope(tx, "");
  }));
  return count;
}

AlertPump::AlertPump(const Deps& deps, AlertUseCases& uc, std::string dsn, Intervals intervals,
                     Wake wake)
    : deps_(deps), uc_(uc), dsn_(std::move(dsn)), intervals_(intervals), wake_(std::move(wake)) {}

void AlertPump::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void AlertPump::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void AlertPump::Loop() {
  std::unique_ptr<store::NotificationListener> listener;
  absl::Time next_escalation = absl::Now() + intervals_.escalate;
  absl::Time next_overdue = absl::Now() + absl::Seconds(5);
  absl::Time next_housekeeping = absl::Now() + absl::Minutes(1);
  absl::Time next_heartbeat = absl::Now() + intervals_.heartbeat;
  // The first connection's retries back off like the listener's own reconnects.
  common::Backoff open_backoff(absl::Milliseconds(100), absl::Seconds(10));
  bool own_sequencing_woke = true;  // the last SequenceOnce returned its users
  while (!stop_) {
    if (!listener) {
      auto l = store::NotificationListener::Open(dsn_, {"smd_alert_raised", "smd_alert_seq"});
      if (!l.ok()) {
        common::LogWarning("alert pump: cannot listen (%s); retrying",
                           std::string(l.status().message()));
        std::this_thread::sleep_for(absl::ToChronoMilliseconds(
            std::max(intervals_.poll, open_backoff.NextDelay())));
      } else {
        open_backoff.Reset();
        listener = std::move(*l);
        wake_({}, true);  // anything may have been missed while not listening
      }
    }
    std::vector<std::string> to_wake;
    bool everyone = false;
    if (listener) {
      for (const auto& n : listener->Wait(intervals_.poll)) {
        if (n.channel.empty() || n.payload == "*") {
          everyone = true;
        } else if (n.channel == "smd_alert_seq") {
          // This server's own sequencing: its users were woken when it returned (below),
          // waking them again would only cost each stream an empty, audited fetch.
          // Unless that sequencing reported a failure (a commit in doubt): then its users
          // may not have been woken, and the notification is the proof it committed.
          if (own_sequencing_woke && store::SequenceOrigin(n.payload) == uc_.origin()) {
            continue;
          }
          for (absl::string_view u : absl::StrSplit(n.payload, ',', absl::SkipEmpty())) {
            if (u[0] != '~') to_wake.emplace_back(u);
          }
        }
      }
    }
    // Sequencing after every wake-up and every poll interval: a missed notification
    // delays delivery by one interval at most, never loses it.
    absl::StatusOr<std::vector<std::string>> sequenced = uc_.SequenceOnce();
    own_sequencing_woke = sequenced.ok();
    if (sequenced.ok()) {
      to_wake.insert(to_wake.end(), sequenced->begin(), sequenced->end());
    } else {
      common::LogWarning("alert sequencing failed: %s", std::string(sequenced.status().message()));
    }
    if (absl::Now() >= next_heartbeat) {
      next_heartbeat = absl::Now() + intervals_.heartbeat;
      everyone = true;
    }
    // Every poll, even with nobody to wake: the hub also starts the stream fetches that
    // wait for a slot (api/alert_service.h, admission).
    wake_(to_wake, everyone);
    if (auto n = uc_.FlushDeliveries(); !n.ok()) {
      common::LogWarning("storing alert delivery times failed: %s", std::string(n.status().message()));
    }
    const absl::Time now = absl::Now();
    if (now >= next_escalation) {
      next_escalation = now + intervals_.escalate;
      auto n = uc_.EscalateOnce();
      if (!n.ok()) common::LogWarning("alert escalation failed: %s", std::string(n.status().message()));
    }
    if (now >= next_overdue) {
      next_overdue = now + intervals_.overdue;
      auto n = uc_.CheckOverdueOnce();
      if (!n.ok()) common::LogWarning("overdue check failed: %s", std::string(n.status().message()));
    }
    // Once a minute: cheap when nothing is due (e.g. the metrics' "is today built" check),
    // so a new day's figures are built within a minute of midnight.
    if (now >= next_housekeeping) {
      next_housekeeping = now + absl::Minutes(1);
      if (housekeeping_) housekeeping_();
    }
  }
}

}  // namespace smd::app
