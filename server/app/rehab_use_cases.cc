#include "app/rehab_use_cases.h"

#include "absl/strings/str_cat.h"
#include "app/patient_access.h"
#include "common/status_macros.h"
#include "crypto/random.h"
#include "domain/access_policy.h"
#include "domain/errors.h"
#include "domain/patient_rules.h"

namespace smd::app {
namespace {

using domain::Action;

absl::CivilDay RegisteredOn(const domain::Patient& p) {
  return absl::ToCivilDay(p.registered_at, absl::FixedTimeZone(8 * 3600));
}

}  // namespace

absl::StatusOr<std::vector<RehabTimelineItem>> RehabTimeline(const Deps& deps, store::Tx& tx,
                                                             const std::string& patient_id) {
  store::RehabRepository repo(deps.keys);
  std::vector<RehabTimelineItem> out;
  store::RehabQuery q{patient_id, std::nullopt, std::nullopt};
  ASSIGN_OR_RETURN(auto sessions, repo.ListSessions(tx, q));
  for (const auto& s : sessions) {
    std::string summary = absl::StrCat("社区康复：", std::string(RehabActivityNameZh(s.activity)));
    if (s.duration_minutes) absl::StrAppend(&summary, " ", *s.duration_minutes, "分钟");
    absl::StrAppend(&summary, " (community rehabilitation)");
    out.push_back({s.session_date, "rehab_session", std::move(summary), s.id, s.unreadable,
                   "rehab_session"});
  }
  ASSIGN_OR_RETURN(auto supports, repo.ListSupports(tx, q));
  for (const auto& p : supports) {
    out.push_back({p.support_date, "psych_support",
                   absl::StrCat("心理疏导：", std::string(SupportRecipientsNameZh(p.recipients)),
                                "，", std::string(SupportMethodNameZh(p.method)),
                                " (psychological support)"),
                   p.id, p.unreadable, "psych_support"});
  }
  return out;
}

absl::StatusOr<domain::RehabSession> RehabUseCases::RecordSession(const CallMeta& meta,
                                                                  domain::RehabSession s) {
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    if (CheckUuid("", s.patient_id).ok()) note.patient_ids = {s.patient_id};
    RETURN_IF_ERROR(domain::Authorize(who, Action::kFollowUpRecord, ""));
    ASSIGN_OR_RETURN(domain::Patient p, LoadPatient(deps_, tx, who, s.patient_id,
                                                    Action::kFollowUpRecord, true));
    RETURN_IF_ERROR(domain::CheckPatientOpen(p.status, Action::kPatientUpdate));
    RETURN_IF_ERROR(domain::ValidateRehabSession(s, Today(deps_), RegisteredOn(p)));
    s.id = crypto::NewUuid();
    s.recorded_by = who.user_id;
    s.recorded_at = deps_.clock.Now();
    RETURN_IF_ERROR(repo_.InsertSession(tx, s));
    note.detail = absl::StrCat("rehab_session=", s.id, " activity=", static_cast<int>(s.activity));
    return absl::OkStatus();
  }));
  return s;
}

absl::StatusOr<domain::PsychSupport> RehabUseCases::RecordSupport(const CallMeta& meta,
                                                                  domain::PsychSupport ps) {
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    if (CheckUuid("", ps.patient_id).ok()) note.patient_ids = {ps.patient_id};
    RETURN_IF_ERROR(domain::Authorize(who, Action::kFollowUpRecord, ""));
    ASSIGN_OR_RETURN(domain::Patient p, LoadPatient(deps_, tx, who, ps.patient_id,
                                                    Action::kFollowUpRecord, true));
    RETURN_IF_ERROR(domain::CheckPatientOpen(p.status, Action::kPatientUpdate));
    RETURN_IF_ERROR(domain::ValidatePsychSupport(ps, Today(deps_), RegisteredOn(p)));
    ps.id = crypto::NewUuid();
    ps.recorded_by = who.user_id;
    ps.recorded_at = deps_.clock.Now();
    RETURN_IF_ERROR(repo_.InsertSupport(tx, ps));
    note.detail = absl::StrCat("psych_support=", ps.id,
                               " recipients=", static_cast<int>(ps.recipients));
    return absl::OkStatus();
  }));
  return ps;
}

absl::StatusOr<RehabRecords> RehabUseCases::List(const CallMeta& meta,
                                                 const std::string& patient_id,
                                                 std::optional<absl::CivilDay> from,
                                                 std::optional<absl::CivilDay> to,
                                                 RehabKinds kinds) {
  RehabRecords out;
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    out = RehabRecords{};
    if (CheckUuid("", patient_id).ok()) note.patient_ids = {patient_id};
    RETURN_IF_ERROR(domain::Authorize(who, Action::kFollowUpRead, ""));
    if (from && to && *to < *from) {
      return domain::FieldError("to", "结束日期早于开始日期", "before from");
    }
    RETURN_IF_ERROR(
        LoadPatient(deps_, tx, who, patient_id, Action::kFollowUpRead, false).status());
    store::RehabQuery q{patient_id, from, to};
    if (kinds != RehabKinds::kSupports) {
      ASSIGN_OR_RETURN(out.sessions, repo_.ListSessions(tx, q));
    }
    if (kinds != RehabKinds::kSessions) {
      ASSIGN_OR_RETURN(out.supports, repo_.ListSupports(tx, q));
    }
    for (const auto& s : out.sessions) {
      if (s.unreadable) {
        LogUnreadableRow(meta, "rehab_session", s.id);
        ++out.unreadable;
      }
    }
    for (const auto& p : out.supports) {
      if (p.unreadable) {
        LogUnreadableRow(meta, "psych_support", p.id);
        ++out.unreadable;
      }
    }
    note.detail = absl::StrCat("returned=", out.sessions.size() + out.supports.size());
    if (out.unreadable > 0) absl::StrAppend(&note.detail, " unreadable=", out.unreadable);
    return absl::OkStatus();
  }));
  return out;
}

}  // namespace smd::app
