#include "domain/alert_rules.h"

#include <algorithm>

#include "domain/errors.h"
#include "domain/text.h"

namespace smd::domain {
namespace {

void Add(AlertDraft& d, AlertKind kind, int severity, const std::string& text) {
  if (severity > d.severity) {
    d.severity = severity;
    d.kind = kind;
  }
  if (!d.cause.empty()) d.cause += "；";
  d.cause += text;
}

std::string Num(int n) { return std::to_string(n); }

}  // namespace

std::optional<AlertDraft> AlertForFollowUp(const FollowUpForm& form, const Assessment& a,
                                           Classification previous_class) {
  AlertDraft d;
  d.risk_level = form.risk_level.value_or(-1);
  bool mandatory = false;
  // Decisions table, "Police notification": 走失 is mandatory.
  if (form.lost_reason == LostReason::kMissing ||
      a.effective_lost_reason == LostReason::kMissing) {
    Add(d, AlertKind::kMissing, kSeverityCritical, "患者走失 (patient reported missing)");
    mandatory = true;
  }
  if (!IsFailedVisit(form) && !ReportsDeath(form)) {
    // Decisions table: mandatory alert at risk >= 3 (rules.md §2 levels 3-5; S13, S24).
    if (const int risk = form.risk_level.value_or(-1); risk >= 3) {
      Add(d, AlertKind::kHighRisk, risk >= 4 ? kSeverityCritical : kSeverityHigh,
          "随访危险性评估" + Num(risk) + "级 (risk level " + Num(risk) +
              " at follow-up)");
      mandatory = true;
    }
    // Decisions table: any 肇事/肇祸 (rules.md §3 behaviour categories).
    if (form.behaviour.accident > 0) {
      Add(d, AlertKind::kIncident, kSeverityCritical,
          "本次随访期间肇祸" + Num(form.behaviour.accident) + "次 (serious incident reported)");
      mandatory = true;
    }
    if (form.behaviour.trouble > 0) {
      Add(d, AlertKind::kIncident, kSeverityHigh,
          "本次随访期间肇事" + Num(form.behaviour.trouble) + "次 (incident reported)");
      mandatory = true;
    }
    if (a.final_class == Classification::kUnstable &&
        previous_class != Classification::kUnstable) {
      Add(d, AlertKind::kBecameUnstable, kSeverityHigh, "病情转为不稳定 (became unstable)");
    }
  }
  if (d.severity == 0) return std::nullopt;
  d.audience = mandatory ? AlertAudience::kFull : AlertAudience::kClinical;
  return d;
}

AlertDraft AlertForEmergency(const Emergency& e) {
  AlertDraft d;
  Add(d, AlertKind::kEmergency, kSeverityCritical,
      "已启动应急处置，原因类别" + Num(static_cast<int>(e.trigger)) +
          " (emergency handling, trigger " + Num(static_cast<int>(e.trigger)) + ")");
  return d;
}

AlertDraft AlertForOverdueUnstable(int days_overdue, int risk_level) {
  AlertDraft d;
  d.risk_level = risk_level;
  d.audience = AlertAudience::kClinical;
  Add(d, AlertKind::kOverdueUnstable, kSeverityWarning,
      "不稳定患者逾期" + Num(days_overdue) + "天未随访 (unstable patient " + Num(days_overdue) +
          " days overdue)");
  return d;
}

absl::StatusOr<AlertDraft> ManualAlert(int severity, std::string_view cause, int risk_level) {
  if (severity < kSeverityNotice || severity > kSeverityCritical) {
    return FieldError("severity", "级别须为1-4", "must be 1..4");
  }
  absl::Status s = CheckText("cause", cause, true, 200);
  if (!s.ok()) return s;
  AlertDraft d;
  d.kind = AlertKind::kManual;
  d.severity = severity;
  d.risk_level = risk_level;
  d.cause = std::string(cause);
  return d;
}

std::optional<absl::Duration> AckDeadline(int severity, const AckDeadlines& d) {
  switch (severity) {
    case kSeverityCritical:
      return d.critical;
    case kSeverityHigh:
      return d.high;
    case kSeverityWarning:
      return d.warning;
    default:
      return std::nullopt;
  }
}


}  // namespace smd::domain
