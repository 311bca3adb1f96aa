#include "app/followup_use_cases.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "app/admin_use_cases.h"
#include "app/alert_use_cases.h"
#include "domain/alert_rules.h"
#include "app/patient_access.h"
#include "app/rehab_use_cases.h"
#include "app/team_upkeep.h"
#include "common/status_macros.h"
#include "crypto/encoding.h"
#include "crypto/random.h"
#include "domain/access_policy.h"
#include "domain/errors.h"
#include "domain/followup_rules.h"
#include "domain/followup_validation.h"
#include "domain/patient_rules.h"
#include "domain/region.h"
#include "domain/schedule.h"
#include "domain/text.h"

namespace smd::app {
namespace {

using domain::Action;

// The author may correct a visit within this long of first recording it (issue 3).
constexpr absl::Duration kAuthorCorrectionWindow = absl::Hours(24 * 7);

domain::VisitPoint PointOf(const store::VisitSummary& v) {
  domain::VisitPoint p;
  p.visit_date = v.visit_date;
  p.failed = v.failed;
  p.reports_death = v.reports_death;
  p.final_class = v.final_class;
  p.risk_level = v.risk_level;
  p.next_due = v.next_due;
  p.next_is_review = v.next_is_review;
  return p;
}

// The schedule point of a visit just recorded, as followup.history will read it back
// (store/care_repository.cc InsertFollowUp writes these columns from the same fields).
domain::VisitPoint PointOfRecorded(const domain::FollowUp& f) {
  domain::VisitPoint p;
  p.visit_date = f.form.visit_date;
  p.failed = domain::IsFailedVisit(f.form);
  p.reports_death = domain::ReportsDeath(f.form);
  p.final_class = f.assessment.final_class;
  p.risk_level = f.form.risk_level;
  p.next_due = f.assessment.next_due;
  p.next_is_review = f.assessment.next_is_two_week_review;
  return p;
}

bool ReferralStepAllowed(domain::ReferralStatus from, domain::ReferralStatus to) {
  using S = domain::ReferralStatus;
  switch (from) {
    case S::kRequested:
      return to == S::kAccepted || to == S::kRefused;
    case S::kAccepted:
      return to == S::kAdmitted || to == S::kReturned;
    case S::kAdmitted:
      return to == S::kReturned;
    default:
      return false;
  }
}

std::string DayText(absl::CivilDay d) { return absl::FormatCivilTime(d); }

}  // namespace

absl::StatusOr<std::vector<domain::VisitPoint>> FollowUpUseCases::Points(
    store::Tx& tx, const std::string& patient_id, const std::string& except_visit) {
  ASSIGN_OR_RETURN(std::vector<store::VisitSummary> history,
                   deps_.care.VisitHistory(tx, patient_id));
  std::vector<domain::VisitPoint> out;
  for (const auto& v : history) {
    if (v.visit_id != except_visit) out.push_back(PointOf(v));
  }
  return out;
}

absl::Status FollowUpUseCases::Reschedule(store::Tx& tx, const domain::Patient& p) {
  // Typed columns only: a record whose encrypted part is damaged must not stop the
  // schedule (and with it every visit of the patient).
  ASSIGN_OR_RETURN(std::vector<domain::VisitPoint> points, Points(tx, p.id, ""));
  ASSIGN_OR_RETURN(store::ScheduleInputs inputs, deps_.care.GetScheduleInputs(tx, p.id));
  return Reschedule(tx, p, points, inputs);
}

absl::Status FollowUpUseCases::Reschedule(store::Tx& tx, const domain::Patient& p,
                                          const std::vector<domain::VisitPoint>& points,
                                          const store::ScheduleInputs& inputs) {
  const std::optional<store::Schedule>& current = inputs.schedule;
  const std::optional<domain::DischargePoint>& latest = inputs.latest_discharge;
  // rules.md §4.2: new (or transferred-in) patients are visited within 2 weeks; the
  // anchor is kept in the schedule row by registration and transfer-in.
  static const absl::TimeZone kBeijing = absl::FixedTimeZone(8 * 3600);
  const absl::CivilDay first_due = current && current->first_due
                                       ? *current->first_due
                                       : absl::ToCivilDay(p.registered_at, kBeijing) + 14;
  domain::ScheduleState s = domain::ComputeSchedule(points, first_due, latest);
  store::Schedule row;
  row.patient_id = p.id;
  row.next_due = s.next_due;
  row.due_kind = static_cast<int>(s.due_kind);
  row.last_visit = s.last_visit;
  row.last_valid_visit = s.last_valid_visit;
  row.last_class = s.last_class;
  row.trailing_failed = s.trailing_failed;
  row.discharged_on = s.discharged_on;
  row.first_due = first_due;
  RETURN_IF_ERROR(deps_.care.PutSchedule(tx, row, deps_.clock.Now()));
  return deps_.patients.SetAssessment(tx, p.id, s.last_risk, static_cast<int>(s.last_class));
}

namespace {

// The checks of a visit form that need no visit history (Record and Correct).
absl::Status CheckVisitForm(const Deps& deps, const domain::Patient& p,
                            const domain::FollowUpForm& form) {
  static const absl::TimeZone kBeijing = absl::FixedTimeZone(8 * 3600);
  RETURN_IF_ERROR(domain::ValidateFollowUpForm(
      form, p.birth_date, absl::ToCivilDay(p.registered_at, kBeijing), Today(deps)));
  RETURN_IF_ERROR(domain::CheckMedications(form.medications, deps.drugs.Lookup(), "medications"));
  RETURN_IF_ERROR(domain::CheckMedications(form.guidance, deps.drugs.Lookup(), "guidance"));
  if (domain::ReportsDeath(form) && *form.death_date < p.birth_date) {
    return domain::FieldError("death_date", "死亡日期早于出生日期", "before the birth date");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<domain::Assessment> FollowUpUseCases::ValidateAndAssess(
    store::Tx& tx, const domain::Patient& p, const domain::FollowUpForm& form,
    const std::string& except_visit) {
  RETURN_IF_ERROR(CheckVisitForm(deps_, p, form));
  ASSIGN_OR_RETURN(std::vector<domain::VisitPoint> points, Points(tx, p.id, except_visit));
  return domain::Assess(form, domain::PriorBefore(points, form.visit_date), deps_.rules);
}

absl::StatusOr<domain::Assessment> FollowUpUseCases::ValidateAndAssess(
    const domain::Patient& p, const domain::FollowUpForm& form,
    const std::vector<domain::VisitPoint>& points) {
  RETURN_IF_ERROR(CheckVisitForm(deps_, p, form));
  return domain::Assess(form, domain::PriorBefore(points, form.visit_date), deps_.rules);
}

absl::StatusOr<RecordedVisit> FollowUpUseCases::Record(const CallMeta& meta,
                                                       const std::string& patient_id,
                                                       const domain::FollowUpForm& form) {
  RecordedVisit out;
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    if (CheckUuid("", patient_id).ok()) note.patient_ids = {patient_id};
    RETURN_IF_ERROR(domain::Authorize(who, Action::kFollowUpRecord, ""));
    ASSIGN_OR_RETURN(domain::Patient p,
                     LoadPatient(deps_, tx, who, patient_id, Action::kFollowUpRecord, true));
    RETURN_IF_ERROR(domain::CheckPatientOpen(p.status, Action::kPatientUpdate));
    // The visit history and the schedule row are read once (issue 17): the assessment
    // judges the visit against the history before it, and the schedule is recomputed from
    // that history with the new visit added.
    RETURN_IF_ERROR(CheckVisitForm(deps_, p, form));
    ASSIGN_OR_RETURN(std::vector<domain::VisitPoint> points, Points(tx, p.id, ""));
    ASSIGN_OR_RETURN(domain::Assessment a, ValidateAndAssess(p, form, points));
    domain::FollowUp f;
    f.id = crypto::NewUuid();
    f.visit_id = crypto::NewUuid();
    f.version = 1;
    f.patient_id = p.id;
    f.form = form;  // as filled; the effective 失访 reason (4 on the third) is in `a`
    f.assessment = a;
    f.author_id = who.user_id;
    f.recorded_at = deps_.clock.Now();
    RETURN_IF_ERROR(deps_.care.InsertFollowUp(tx, f));
    // The alert is raised in this transaction: it exists exactly when the visit does.
    ASSIGN_OR_RETURN(store::ScheduleInputs before, deps_.care.GetScheduleInputs(tx, p.id));
    const domain::Classification previous =
        before.schedule ? before.schedule->last_class : domain::Classification::kNone;
    int alerted = 0;
    if (auto draft = domain::AlertForFollowUp(form, a, previous)) {
      ASSIGN_OR_RETURN(Raised raised, RaiseAlertInTx(deps_, tx, p, *draft,
                                                     "followup:" + f.visit_id, who.user_id, ""));
      alerted = raised.recipients;
      out.alert = VisitAlert{raised.alert_id, *draft, raised.recipients, raised.unrouted};
    }
    if (domain::ReportsDeath(form)) {
      // A death reported on a visit closes the case (rules.md §5.1 死亡).
      domain::CloseRequest close;
      close.kind = domain::CloseKind::kDeath;
      close.date = form.death_date;
      close.death_cause = form.death_cause;
      RETURN_IF_ERROR(domain::ApplyClose(p, close, Today(deps_)));
      p.updated_at = f.recorded_at;
      RETURN_IF_ERROR(deps_.patients.Update(tx, p));
      RETURN_IF_ERROR(EndTeamAfterPatientChange(deps_, tx, p, who.user_id).status());
    }
    // followup.history's order is (visit_date, recorded_at): the new visit, recorded last,
    // follows every visit dated on or before it.
    const domain::VisitPoint added = PointOfRecorded(f);
    points.insert(std::upper_bound(points.begin(), points.end(), added.visit_date,
                                   [](absl::CivilDay d, const domain::VisitPoint& v) {
                                     return d < v.visit_date;
                                   }),
                  added);
    RETURN_IF_ERROR(Reschedule(tx, p, points, before));
    note.detail = absl::StrCat("visit=", f.visit_id, " class=", static_cast<int>(a.final_class),
                               " alert_recipients=", alerted);
    out.visit = std::move(f);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<domain::FollowUp> FollowUpUseCases::Correct(const CallMeta& meta,
                                                           const std::string& visit_id,
                                                           int64_t base_version,
                                                           const domain::FollowUpForm& form,
                                                           const std::string& reason) {
  domain::FollowUp out;
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    RETURN_IF_ERROR(domain::Authorize(who, Action::kFollowUpRecord, ""));
    RETURN_IF_ERROR(CheckUuid("visit_id", visit_id));
    RETURN_IF_ERROR(domain::CheckText("reason", reason, true, 200));
    ASSIGN_OR_RETURN(auto current, deps_.care.CurrentVersion(tx, visit_id));
    if (!current) return absl::NotFoundError("visit_id: 随访记录不存在 (no such visit)");
    note.patient_ids = {current->patient_id};
    ASSIGN_OR_RETURN(domain::Patient p, LoadPatient(deps_, tx, who, current->patient_id,
                                                    Action::kFollowUpRecord, true));
    RETURN_IF_ERROR(domain::CheckPatientOpen(p.status, Action::kPatientUpdate));
    // A death closes the case when recorded; undoing or adding one is not a correction.
    if (domain::ReportsDeath(current->form) != domain::ReportsDeath(form)) {
      return absl::FailedPreconditionError(
          "死亡报告不能通过更正添加或撤销 (a death report cannot be added or removed by a "
          "correction)");
    }
    if (base_version != current->version) {
      return absl::AbortedError(
          "随访记录已被更正，请重新读取 (base_version is not the latest version: re-read)");
    }
    ASSIGN_OR_RETURN(absl::Time first_recorded, deps_.care.FirstRecorded(tx, visit_id));
    ASSIGN_OR_RETURN(std::string original_author, deps_.care.OriginalAuthor(tx, visit_id));
    const bool author_in_window = who.user_id == original_author &&
                                  deps_.clock.Now() - first_recorded <= kAuthorCorrectionWindow;
    if (!author_in_window && !domain::RoleAllows(who.role, Action::kFollowUpSupervise)) {
      return absl::PermissionDeniedError(
          "仅记录医生可在7天内更正，之后须由上级医生更正 (only the author within 7 days, or a "
          "supervisor, may correct a visit)");
    }
    ASSIGN_OR_RETURN(domain::Assessment a, ValidateAndAssess(tx, p, form, visit_id));
    domain::FollowUp f;
    f.id = crypto::NewUuid();
    f.visit_id = visit_id;
    f.version = current->version + 1;
    f.patient_id = p.id;
    f.form = form;
    f.assessment = a;
    f.author_id = who.user_id;
    f.correction_reason = reason;
    f.recorded_at = deps_.clock.Now();
    RETURN_IF_ERROR(deps_.care.RetireVisit(tx, visit_id));
    RETURN_IF_ERROR(deps_.care.InsertFollowUp(tx, f));
    RETURN_IF_ERROR(Reschedule(tx, p));
    note.detail = absl::StrCat("visit=", visit_id, " version=", f.version);
    out = std::move(f);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<FollowUpPage> FollowUpUseCases::List(const CallMeta& meta,
                                                    const std::string& patient_id,
                                                    bool include_history, int page_size,
                                                    const std::string& page_token) {
  FollowUpPage page;
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    page = FollowUpPage{};
    if (CheckUuid("", patient_id).ok()) note.patient_ids = {patient_id};
    RETURN_IF_ERROR(domain::Authorize(who, Action::kFollowUpRead, ""));
    RETURN_IF_ERROR(
        LoadPatient(deps_, tx, who, patient_id, Action::kFollowUpRead, false).status());
    ASSIGN_OR_RETURN(int limit, PageSize(page_size));
    int offset = 0;
    if (!page_token.empty() && (!absl::SimpleAtoi(page_token, &offset) || offset < 0)) {
      return domain::FieldError("page.page_token", "分页标记无效", "invalid page token");
    }
    ASSIGN_OR_RETURN(page.followups,
                     deps_.care.ListFollowUps(tx, patient_id, include_history, offset, limit + 1));
    if (static_cast<int>(page.followups.size()) > limit) {
      page.followups.resize(limit);
      page.next_page_token = std::to_string(offset + limit);
    }
    for (const auto& f : page.followups) {
      if (!f.unreadable) continue;
      LogUnreadableRow(meta, "followup", f.id);
      ++page.unreadable;
    }
    if (page.unreadable > 0) note.detail = absl::StrCat("unreadable=", page.unreadable);
    return absl::OkStatus();
  }));
  return page;
}

absl::StatusOr<GuidanceResult> FollowUpUseCases::Guidance(const CallMeta& meta,
                                                          const std::string& patient_id) {
  GuidanceResult out;
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    if (CheckUuid("", patient_id).ok()) note.patient_ids = {patient_id};
    RETURN_IF_ERROR(domain::Authorize(who, Action::kFollowUpRead, ""));
    RETURN_IF_ERROR(
        LoadPatient(deps_, tx, who, patient_id, Action::kFollowUpRead, false).status());
    ASSIGN_OR_RETURN(auto last, deps_.care.LastValidVisit(tx, patient_id));
    if (!last) {
      return absl::NotFoundError("patient_id: 尚无有效随访记录 (no valid follow-up yet)");
    }
    domain::GuidanceInput in;
    in.regimen = last->form.guidance.empty() ? last->form.medications : last->form.guidance;
    in.adherence = last->form.adherence;
    in.adr = last->form.adr;
    in.last_visit = last->form.visit_date;
    out.guidance = domain::MedicationGuidance(in, deps_.drugs.Lookup());
    out.regimen = in.regimen;
    out.based_on_visit = last->form.visit_date;
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<domain::DrugInfo>> FollowUpUseCases::ListDrugs(const CallMeta& meta) {
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx&, const domain::Principal& who,
                                          AuditNote&) {
    // Reference data, no patient data: the prescribers and the administrators (drugs.read).
    return domain::Authorize(who, Action::kDrugsRead, "");
  }));
  return deps_.drugs.all();
}

absl::StatusOr<domain::Emergency> FollowUpUseCases::RecordEmergency(const CallMeta& meta,
                                                                    domain::Emergency e) {
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    if (CheckUuid("", e.patient_id).ok()) note.patient_ids = {e.patient_id};
    RETURN_IF_ERROR(domain::Authorize(who, Action::kFollowUpRecord, ""));
    ASSIGN_OR_RETURN(domain::Patient p, LoadPatient(deps_, tx, who, e.patient_id,
                                                    Action::kFollowUpRecord, false));
    const absl::Time now = deps_.clock.Now();
    RETURN_IF_ERROR(domain::ValidateEmergency(e, now, p.birth_date));
    e.id = crypto::NewUuid();
    e.patient_id = p.id;
    e.recorded_by = who.user_id;
    e.recorded_at = now;
    RETURN_IF_ERROR(deps_.care.InsertEmergency(tx, e));
    ASSIGN_OR_RETURN(Raised raised, RaiseAlertInTx(deps_, tx, p, domain::AlertForEmergency(e),
                                                   "emergency:" + e.id, who.user_id, ""));
    note.detail = absl::StrCat("emergency=", e.id, " alert_recipients=", raised.recipients);
    return absl::OkStatus();
  }));
  return e;
}

absl::StatusOr<domain::ReferralRecord> FollowUpUseCases::RequestReferral(
    const CallMeta& meta, domain::ReferralRecord r) {
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    if (CheckUuid("", r.patient_id).ok()) note.patient_ids = {r.patient_id};
    RETURN_IF_ERROR(domain::Authorize(who, Action::kFollowUpRecord, ""));
    ASSIGN_OR_RETURN(domain::Patient p, LoadPatient(deps_, tx, who, r.patient_id,
                                                    Action::kFollowUpRecord, false));
    RETURN_IF_ERROR(domain::CheckPatientOpen(p.status, Action::kPatientUpdate));
    RETURN_IF_ERROR(domain::CheckText("reason", r.reason, true, 500, domain::TextLines::kMulti));
    if (r.hospital.empty()) r.hospital = deps_.config.designated_hospital;
    RETURN_IF_ERROR(domain::CheckText("hospital", r.hospital, true, 100));
    RETURN_IF_ERROR(domain::CheckText("department", r.department, false, 50));
    r.id = crypto::NewUuid();
    r.status = domain::ReferralStatus::kRequested;
    r.requested_by = who.user_id;
    r.requested_at = r.updated_at = deps_.clock.Now();
    RETURN_IF_ERROR(deps_.care.InsertReferral(tx, r));
    note.detail = "referral=" + r.id;
    return absl::OkStatus();
  }));
  return r;
}

absl::StatusOr<domain::ReferralRecord> FollowUpUseCases::UpdateReferral(
    const CallMeta& meta, const std::string& referral_id, domain::ReferralStatus status,
    const std::string& note_text) {
  domain::ReferralRecord out;
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    RETURN_IF_ERROR(domain::Authorize(who, Action::kFollowUpRecord, ""));
    RETURN_IF_ERROR(CheckUuid("referral_id", referral_id));
    if (status == domain::ReferralStatus::kUnspecified) {
      return domain::FieldError("status", "请选择转诊状态", "required");
    }
    RETURN_IF_ERROR(domain::CheckText("note", note_text, false, 500, domain::TextLines::kMulti));
    ASSIGN_OR_RETURN(auto r, deps_.care.GetReferral(tx, referral_id));
    if (!r) return absl::NotFoundError("referral_id: 转诊记录不存在 (no such referral)");
    note.patient_ids = {r->patient_id};
    RETURN_IF_ERROR(
        LoadPatient(deps_, tx, who, r->patient_id, Action::kFollowUpRecord, false).status());
    if (!ReferralStepAllowed(r->status, status)) {
      return absl::FailedPreconditionError(
          "转诊状态不能这样变更 (this referral status change is not allowed)");
    }
    r->status = status;
    if (!note_text.empty()) r->note = note_text;
    r->updated_at = deps_.clock.Now();
    RETURN_IF_ERROR(deps_.care.UpdateReferral(tx, *r));
    note.detail = absl::StrCat("referral=", r->id, " status=", static_cast<int>(status));
    out = *r;
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<domain::Discharge> FollowUpUseCases::RecordDischarge(const CallMeta& meta,
                                                                    domain::Discharge d,
                                                                    bool received_given) {
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    if (CheckUuid("", d.patient_id).ok()) note.patient_ids = {d.patient_id};
    RETURN_IF_ERROR(domain::Authorize(who, Action::kFollowUpRecord, ""));
    ASSIGN_OR_RETURN(domain::Patient p, LoadPatient(deps_, tx, who, d.patient_id,
                                                    Action::kFollowUpRecord, true));
    RETURN_IF_ERROR(domain::CheckPatientOpen(p.status, Action::kPatientUpdate));
    const absl::CivilDay today = Today(deps_);
    if (!received_given) d.received_on = today;
    RETURN_IF_ERROR(domain::CheckText("hospital", d.hospital, true, 100));
    RETURN_IF_ERROR(domain::CheckText("summary", d.summary, false, 2000, domain::TextLines::kMulti));
    if (d.discharged_on > today || d.discharged_on < p.birth_date) {
      return domain::FieldError("discharged_on", "出院日期无效", "in the future or before birth");
    }
    if (d.admitted_on && *d.admitted_on > d.discharged_on) {
      return domain::FieldError("admitted_on", "入院日期晚于出院日期", "after discharged_on");
    }
    if (d.received_on > today || d.received_on < d.discharged_on) {
      return domain::FieldError("received_on", "接收日期无效",
                                "in the future or before discharged_on");
    }
    d.id = crypto::NewUuid();
    d.first_followup_due = domain::FirstVisitDueAfterDischarge(d.received_on, deps_.rules);
    d.recorded_by = who.user_id;
    RETURN_IF_ERROR(deps_.care.InsertDischarge(tx, d, deps_.clock.Now()));
    RETURN_IF_ERROR(Reschedule(tx, p));
    note.detail = "discharge=" + d.id;
    return absl::OkStatus();
  }));
  return d;
}

absl::StatusOr<domain::HealthCheckRecord> FollowUpUseCases::RecordHealthCheck(
    const CallMeta& meta, domain::HealthCheckRecord h) {
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    if (CheckUuid("", h.patient_id).ok()) note.patient_ids = {h.patient_id};
    RETURN_IF_ERROR(domain::Authorize(who, Action::kFollowUpRecord, ""));
    ASSIGN_OR_RETURN(domain::Patient p, LoadPatient(deps_, tx, who, h.patient_id,
                                                    Action::kFollowUpRecord, false));
    // rules.md §4.2 / S21: the annual check needs the patient's or guardian's consent.
    if (!h.consent) {
      return domain::FieldError("consent", "健康体检须经患者或监护人同意",
                                "the patient's or guardian's consent is required");
    }
    RETURN_IF_ERROR(domain::CheckText("consent_by", h.consent_by, true, 50));
    if (h.check_date > Today(deps_) || h.check_date < p.birth_date) {
      return domain::FieldError("check_date", "体检日期无效", "in the future or before birth");
    }
    if (h.bp_systolic != 0 || h.bp_diastolic != 0) {
      if (h.bp_systolic < 50 || h.bp_systolic > 300 || h.bp_diastolic < 20 ||
          h.bp_diastolic > 200 || h.bp_diastolic >= h.bp_systolic) {
        return domain::FieldError("bp_systolic", "血压值不合理", "implausible blood pressure");
      }
    }
    if (h.weight_kg < 0 || h.weight_kg > 400) {
      return domain::FieldError("weight_kg", "体重值不合理", "must be 0..400 kg");
    }
    RETURN_IF_ERROR(domain::CheckText("notes", h.notes, false, 1000, domain::TextLines::kMulti));
    h.id = crypto::NewUuid();
    h.recorded_by = who.user_id;
    RETURN_IF_ERROR(deps_.care.InsertHealthCheck(tx, h, deps_.clock.Now()));
    note.detail = "health_check=" + h.id;
    return absl::OkStatus();
  }));
  return h;
}

absl::StatusOr<WorklistPage> FollowUpUseCases::Worklist(const CallMeta& meta,
                                                        store::WorklistKind kind, int days,
                                                        const std::string& region,
                                                        int page_size,
                                                        const std::string& page_token) {
  WorklistPage page;
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    page = WorklistPage{};
    RETURN_IF_ERROR(domain::Authorize(who, Action::kWorklistRead, ""));
    store::WorklistQuery q;
    q.kind = kind;
    q.region_prefix = region.empty() ? who.jurisdiction : region;
    RETURN_IF_ERROR(
        domain::CheckRegionCode("region", q.region_prefix, domain::RegionLevel::kInvalid));
    RETURN_IF_ERROR(domain::Authorize(who, Action::kWorklistRead, q.region_prefix));
    if (days < 0 || days > 365) return domain::FieldError("days", "天数须在0-365之间", "0..365");
    q.days = days == 0 ? 7 : days;
    q.today = Today(deps_);
    page.today = q.today;
    ASSIGN_OR_RETURN(int limit, PageSize(page_size));
    q.limit = limit + 1;
    if (!page_token.empty()) {
      // urgency|due (or "-")|patient id
      auto bad = [] {
        return domain::FieldError("page.page_token", "分页标记无效", "invalid page token");
      };
      auto decoded = crypto::Base64UrlDecode(page_token);
      if (!decoded.ok()) return bad();
      std::vector<std::string> parts = absl::StrSplit(*decoded, '|');
      int urgency = 0;
      absl::CivilDay due;
      if (parts.size() != 3 || !absl::SimpleAtoi(parts[0], &urgency) ||
          !CheckUuid("", parts[2]).ok() ||
          (parts[1] != "-" && !absl::ParseCivilTime(parts[1], &due))) {
        return bad();
      }
      q.after_urgency = urgency;
      if (parts[1] != "-") q.after_due = due;
      q.after_patient = parts[2];
    }
    ASSIGN_OR_RETURN(page.rows, deps_.care.Worklist(tx, q));
    if (static_cast<int>(page.rows.size()) > limit) {
      page.rows.resize(limit);
      const auto& last = page.rows.back();
      page.next_page_token = crypto::Base64UrlEncode(absl::StrCat(
          last.urgency, "|", last.next_due ? DayText(*last.next_due) : "-", "|", last.patient_id));
    }
    for (const auto& r : page.rows) {
      note.patient_ids.push_back(r.patient_id);
      if (r.name_unreadable) {
        LogUnreadableRow(meta, "patient", r.patient_id);
        ++page.unreadable;
      }
    }
    note.detail = absl::StrCat("worklist=", static_cast<int>(kind), " returned=", page.rows.size());
    if (page.unreadable > 0) absl::StrAppend(&note.detail, " unreadable=", page.unreadable);
    return absl::OkStatus();
  }));
  return page;
}

std::string WorklistReason(const store::WorklistRow& r, absl::CivilDay today) {
  std::string why;
  if (r.next_due) {
    const int64_t late = today - *r.next_due;
    if (late > 0) {
      why = absl::StrCat("逾期", late, "天未随访 (", late, " days overdue)");
    } else {
      why = absl::StrCat(-late, "天内应随访 (due in ", -late, " days)");
    }
  }
  std::string more;
  if (r.last_class == domain::Classification::kUnstable) {
    more = r.last_valid_visit
               ? absl::StrCat("不稳定，末次随访 ", DayText(*r.last_valid_visit),
                              " (unstable, last seen ", DayText(*r.last_valid_visit), ")")
               : "不稳定 (unstable)";
  } else if (r.discharged_on) {
    more = absl::StrCat("出院 ", DayText(*r.discharged_on), " 后尚未随访 (not seen since discharge)");
  } else if (r.due_kind == static_cast<int>(domain::DueKind::kTwoWeekReview)) {
    more = "基本稳定2周复查 (2-week review)";
  } else if (r.due_kind == static_cast<int>(domain::DueKind::kFirstVisit)) {
    more = "新登记或迁入首次随访 (first visit)";
  }
  if (!more.empty()) absl::StrAppend(&why, why.empty() ? "" : "；", more);
  return why;
}

absl::StatusOr<TimelinePage> FollowUpUseCases::Timeline(const CallMeta& meta,
                                                        const std::string& patient_id) {
  TimelinePage page;
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    page = TimelinePage{};
    std::vector<TimelineEntry>& out = page.entries;
    if (CheckUuid("", patient_id).ok()) note.patient_ids = {patient_id};
    RETURN_IF_ERROR(domain::Authorize(who, Action::kFollowUpRead, ""));
    ASSIGN_OR_RETURN(domain::Patient p,
                     LoadPatient(deps_, tx, who, patient_id, Action::kFollowUpRead, false));
    // A record whose encrypted part is damaged is still an entry: every summary below is
    // built from typed columns (only a visit's medications come from its form). It is
    // marked, and the summary says so for clients that show only the text.
    auto add = [&](absl::CivilDay date, const char* kind, std::string summary,
                   const std::string& ref_id, bool unreadable, const char* table,
                   const std::string& row_id) {
      if (unreadable) {
        LogUnreadableRow(meta, table, row_id);
        absl::StrAppend(&summary, "；记录无法解密 (record unreadable)");
        ++page.unreadable;
      }
      out.push_back({date, kind, std::move(summary), ref_id, unreadable});
    };
    static const absl::TimeZone kBeijing = absl::FixedTimeZone(8 * 3600);
    out.push_back({absl::ToCivilDay(p.registered_at, kBeijing), "register",
                   "登记建档 (registered)", p.id});
    ASSIGN_OR_RETURN(auto visits, deps_.care.ListFollowUps(tx, patient_id, false, 0, 100000));
    for (const auto& f : visits) {
      if (domain::IsFailedVisit(f.form)) {
        add(f.form.visit_date, "failed_visit",
            absl::StrCat("失访 (failed visit), reason ",
                         static_cast<int>(f.assessment.effective_lost_reason)),
            f.visit_id, f.unreadable, "followup", f.id);
      } else if (domain::VisitReportsDeath(f)) {
        add(f.form.visit_date, "followup", "随访报告死亡 (death reported)", f.visit_id,
            f.unreadable, "followup", f.id);
      } else {
        std::string meds;
        for (const auto& m : f.form.medications) {
          const domain::DrugInfo* d = deps_.drugs.Find(m.drug_code);
          absl::StrAppend(&meds, meds.empty() ? "" : "、", d ? d->name_zh : m.drug_code);
        }
        add(f.form.visit_date, "followup",
            absl::StrCat(f.form.risk_level
                             ? absl::StrCat("随访 危险性", *f.form.risk_level, "级 ")
                             : std::string("随访 目前正在住院 (in hospital) "),
                         std::string(domain::ClassificationNameZh(f.assessment.final_class)),
                         meds.empty() ? "" : " 用药：", meds,
                         f.version > 1 ? absl::StrCat(" (更正第", f.version, "版)") : ""),
            f.visit_id, f.unreadable, "followup", f.id);
      }
    }
    ASSIGN_OR_RETURN(auto emergencies, deps_.care.ListEmergencies(tx, patient_id));
    for (const auto& e : emergencies) {
      add(absl::ToCivilDay(e.started_at, kBeijing), "emergency",
          absl::StrCat("应急处置 (emergency), trigger ", static_cast<int>(e.trigger)), e.id,
          e.unreadable, "emergency", e.id);
    }
    ASSIGN_OR_RETURN(auto referrals, deps_.care.ListReferrals(tx, patient_id));
    for (const auto& r : referrals) {
      add(absl::ToCivilDay(r.requested_at, kBeijing), "referral",
          absl::StrCat("转诊至 ", r.hospital, " (referral), status ", static_cast<int>(r.status)),
          r.id, r.unreadable, "referral", r.id);
    }
    ASSIGN_OR_RETURN(auto discharges, deps_.care.ListDischarges(tx, patient_id));
    for (const auto& d : discharges) {
      add(d.discharged_on, "discharge",
          absl::StrCat("出院 ", d.hospital, "，首次随访应于 ", DayText(d.first_followup_due),
                       " 前 (discharge)"),
          d.id, d.unreadable, "discharge", d.id);
    }
    ASSIGN_OR_RETURN(auto checks, deps_.care.ListHealthChecks(tx, patient_id));
    for (const auto& h : checks) {
      add(h.check_date, "health_check", "年度健康体检 (annual health check)", h.id, h.unreadable,
          "health_check", h.id);
    }
    // 社区康复 sessions and 心理疏导 (issue 14): summaries from their codes only.
    ASSIGN_OR_RETURN(std::vector<RehabTimelineItem> rehab, RehabTimeline(deps_, tx, patient_id));
    for (auto& r : rehab) {
      add(r.date, r.kind, std::move(r.summary), r.ref_id, r.unreadable, r.table, r.ref_id);
    }
    if (p.closed_date) {
      out.push_back({*p.closed_date, "close",
                     p.status == domain::PatientStatus::kDeceased ? "死亡结案 (deceased)"
                                                                  : "结案 (closed)",
                     p.id});
    }
    std::stable_sort(out.begin(), out.end(),
                     [](const TimelineEntry& a, const TimelineEntry& b) { return a.date < b.date; });
    if (page.unreadable > 0) note.detail = absl::StrCat("unreadable=", page.unreadable);
    return absl::OkStatus();
  }));
  return page;
}

}  // namespace smd::app
