#include "domain/metric_status.h"

#include <algorithm>
#include <array>
#include <string>

#include "absl/time/civil_time.h"
#include "domain/dates.h"
#include "domain/errors.h"
#include "domain/metric_notes.h"

namespace smd::domain {
namespace {

// rules.md §5.2 "Recommended implementation": adjacent items at most 3 months
// apart.
constexpr int kMaxGapMonths = 3;
// rules.md decisions, R2 / §4.2 "Other timing rules": at least 4 follow-ups a
// year.
constexpr int kMinVisitsR2 = 4;
// rules.md §5.2 病情稳定率: the last follow-up must lie within 3 months of the
// cut-off.
constexpr int kHomeStableWindowMonths = 3;

int MonthIndex(absl::CivilDay d) { return static_cast<int>(d.year()) * 12 + d.month(); }

bool IsFailed(const VisitFact& v) { return v.lost_reason != LostReason::kNone; }

// rules.md §5.1 服药: 规律, 间断, or 目前正在住院.
bool OnMedication(const VisitFact& v) {
  return v.adherence == Adherence::kRegular || v.adherence == Adherence::kIntermittent ||
         v.hospitalization == Hospitalization::kCurrently;
}

// rules.md §5.1 规律服药 (S11): a record of 住院 or 规律 ...
bool RegularEvidence(const VisitFact& v) {
  return v.adherence == Adherence::kRegular || v.hospitalization == Hospitalization::kCurrently;
}
// ... and no record of 间断 or 不服药.
bool BreaksRegular(const VisitFact& v) {
  return v.adherence == Adherence::kIntermittent || v.adherence == Adherence::kNotTaking;
}

bool AtHomeStatus(Hospitalization h) {
  return h == Hospitalization::kNever || h == Hospitalization::kPreviously;
}

bool InPeriod(absl::CivilDay d, const ReportingPeriod& p) {
  return d >= p.start() && d <= p.cutoff;
}

// 在册 at the cut-off (rules.md §5.1): 累计建档 − 累计死亡, minus 迁出 (and
// 注销).
bool RegisteredAt(const PatientPeriodInput& in, const ReportingPeriod& period) {
  if (in.registered_on > period.cutoff) return false;
  for (const std::optional<absl::CivilDay>& exit :
       {in.died_on, in.moved_out_on, in.deregistered_on}) {
    if (exit && *exit <= period.cutoff) return false;
  }
  return true;
}

// The items of the R1 sequence (rules.md §5.2): the two virtual anchors and the
// visits.
struct R1Item {
  int mi;
  enum Kind { kStartAnchor, kVisit, kEndAnchor } kind;
  absl::CivilDay date;  // the visit date (kVisit only)
};

// R1 on the valid visits dated in [start, cut-off]: with month index mi =
// year*12 + month, the sorted list mi(start) - 1, mi of each visit, mi(cut-off)
// + 1 has no gap above 3.
R1Gap EvaluateR1(const std::vector<const VisitFact*>& valid, absl::CivilDay start,
                 const ReportingPeriod& period) {
  std::vector<R1Item> items;
  items.push_back({MonthIndex(start) - 1, R1Item::kStartAnchor, start});
  for (const VisitFact* v : valid) {
    // A record dated before registration (possible only for a late registration
    // entry) would sort before the start anchor and open a false gap; the
    // anchor stands for it.
    if (v->date >= start) {
      items.push_back({MonthIndex(v->date), R1Item::kVisit, v->date});
    }
  }
  items.push_back({MonthIndex(period.cutoff) + 1, R1Item::kEndAnchor, period.cutoff});
  // The visits are already in date order, so the items are sorted by mi.

  R1Gap r;
  for (size_t i = 1; i < items.size(); ++i) {
    const R1Item& a = items[i - 1];
    const R1Item& b = items[i];
    const int gap = b.mi - a.mi;
    if (gap <= kMaxGapMonths) continue;
    if (++r.failures > 1) continue;  // the earliest gap is named; later ones are counted
    if (a.kind == R1Item::kStartAnchor && b.kind == R1Item::kVisit) {
      // Without a visit by mi(start) + 2 the gap from the anchor mi(start) - 1
      // exceeds 3.
      r.kind = R1Gap::Kind::kFirstLate;
      r.due = absl::CivilMonth(start) + (kMaxGapMonths - 1);
      r.to = b.date;
    } else if (a.kind == R1Item::kVisit && b.kind == R1Item::kVisit) {
      r.kind = R1Gap::Kind::kBetweenVisits;
      r.from = a.date;
      r.to = b.date;
      r.months = gap;
    } else if (a.kind == R1Item::kVisit) {  // to the end anchor
      r.kind = R1Gap::Kind::kSinceLast;
      r.from = a.date;
    } else {
      r.kind = R1Gap::Kind::kNoVisit;
    }
  }
  return r;
}

// rules.md §5.1 规律服药: the first reason the patient is not on regular
// medication, or kNone when they are. `start` is the later of Jan 1 and the
// registration date.
RegularGap RegularMedicationGap(const std::vector<const VisitFact*>& valid, absl::CivilDay start,
                                const ReportingPeriod& period) {
  RegularGap g;
  for (const VisitFact* v : valid) {
    if (BreaksRegular(*v)) {
      g.kind = RegularGap::Kind::kBroken;
      g.date = v->date;
      g.adherence = v->adherence;
      return g;
    }
  }
  if (std::none_of(valid.begin(), valid.end(),
                   [](const VisitFact* v) { return RegularEvidence(*v); })) {
    g.kind = RegularGap::Kind::kNoEvidence;
    return g;
  }
  // S11 asks for a record in every quarter. For a cumulative period only the
  // quarters lying wholly inside [start, cut-off] can be asked for (a quarter
  // not yet over, or begun before registration, may legitimately have none).
  const int year = static_cast<int>(period.cutoff.year());
  for (int q = 1; q <= 4; ++q) {
    const absl::CivilDay first(year, 3 * q - 2, 1);
    const absl::CivilDay last = absl::CivilDay(year, 3 * q + 1, 1) - 1;
    if (first < start || last > period.cutoff) continue;
    const bool covered = std::any_of(valid.begin(), valid.end(), [&](const VisitFact* v) {
      return v->date >= first && v->date <= last && RegularEvidence(*v);
    });
    if (!covered) {
      g.kind = RegularGap::Kind::kQuarterMissing;
      g.year = year;
      g.quarter = q;
      return g;
    }
  }
  return g;
}

struct StatusNames {
  std::string_view code;
  std::string_view zh;
};

// Index: MetricStatus.
constexpr std::array<StatusNames, kMaxMetricStatus + 1> kStatusNames = {{
    {"", ""},
    {"registered", "在册"},
    {"managed", "在管"},
    {"standard_r1", "规范管理(R1)"},
    {"standard_r2", "规范管理(R2)"},
    {"on_medication_last", "服药(末次随访)"},
    {"on_medication_any", "服药(任一记录)"},
    {"regular_medication", "规律服药"},
    {"hospitalised", "住院"},
    {"at_home", "居家"},
    {"home_stable", "居家稳定"},
    {"face_to_face", "面访"},
    {"health_checked", "体检"},
    {"lost", "失访"},
    {"incident", "肇事肇祸"},
    {"minor_trouble", "轻度滋事"},
    {"assessed_classified", "分级分类"},
    {"community_rehab", "社区康复"},
    {"schizophrenia_registered", "精神分裂症在册"},
    {"schizophrenia_managed", "精神分裂症在管"},
    {"schizophrenia_on_medication_last", "精神分裂症服药(末次随访)"},
    {"schizophrenia_on_medication_any", "精神分裂症服药(任一记录)"},
    {"schizophrenia_treated_last", "精神分裂症治疗(末次随访)"},
    {"schizophrenia_treated_any", "精神分裂症治疗(任一记录)"},
    {"psych_support", "心理疏导"},
}};

}  // namespace

ReportingPeriod PeriodAsOf(absl::CivilDay as_of) { return ReportingPeriod{as_of}; }

absl::StatusOr<ReportingPeriod> PeriodToMonthEnd(int year, int month) {
  if (year < kEarliestRecordDate.year() || year > 9999) {
    return FieldError("period.year", "年份应在2000至9999之间", "year must be 2000 to 9999");
  }
  if (month < 1 || month > 12) {
    return FieldError("period.month", "月份应在1至12之间", "month must be 1 to 12");
  }
  // The day before the first of the next month: the last day of `month`, Feb 29
  // included.
  return ReportingPeriod{absl::CivilDay(absl::CivilMonth(year, month) + 1) - 1};
}

VisitFact ToVisitFact(const FollowUpForm& form, const Assessment& assessment) {
  VisitFact v;
  v.date = form.visit_date;
  v.mode = form.mode;
  v.lost_reason = assessment.effective_lost_reason != LostReason::kNone
                      ? assessment.effective_lost_reason
                      : form.lost_reason;
  v.reports_death = ReportsDeath(form);
  v.risk_level = form.risk_level;
  v.final_class = assessment.final_class;
  v.adherence = form.adherence;
  v.hospitalization = form.hospitalization;
  v.trouble = form.behaviour.trouble;
  v.accident = form.behaviour.accident;
  v.minor_trouble = form.behaviour.minor_trouble;
  return v;
}

bool IsValidFollowUp(const VisitFact& v) {
  return !IsFailed(v) && !v.reports_death &&
         (v.risk_level.has_value() || v.hospitalization == Hospitalization::kCurrently);
}

PatientMetrics EvaluatePatient(const PatientPeriodInput& in, const ReportingPeriod& period,
                               Notes notes) {
  PatientMetrics m;
  if (!RegisteredAt(in, period)) {
    if (notes == Notes::kWith) {
      m.notes.push_back(StatusNote{MetricStatus::kRegistered, NotRegisteredNote(in, period)});
    }
    return m;
  }
  m.registered = true;
  const absl::CivilDay start = std::max(period.start(), in.registered_on);

  // Records in date order; same-day records keep their given (recording) order.
  std::vector<const VisitFact*> sorted;
  sorted.reserve(in.visits.size());
  for (const VisitFact& v : in.visits) {
    if (v.date <= period.cutoff) sorted.push_back(&v);
  }
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const VisitFact* a, const VisitFact* b) { return a->date < b->date; });

  NoteFacts f;
  std::vector<const VisitFact*> valid;  // valid follow-ups in the period
  for (const VisitFact* v : sorted) {
    if (v->date < period.start()) {
      if (IsValidFollowUp(*v)) f.valid_before = v->date;
      continue;
    }
    if (!v->reports_death) f.last_record = v;
    if (IsFailed(*v)) ++f.failed_in_period;
    if (IsValidFollowUp(*v)) {
      valid.push_back(v);
      // 危险行为 counts come with the assessment; a failed visit carries none.
      f.trouble += std::max(0, v->trouble);
      f.accident += std::max(0, v->accident);
      f.minor_trouble += std::max(0, v->minor_trouble);
    }
  }
  f.valid_count = static_cast<int>(valid.size());
  f.last_valid = valid.empty() ? nullptr : valid.back();
  const VisitFact* last_valid = f.last_valid;

  // 在管 (rules.md §5.1, S7): one complete record (risk assessment or
  // 目前正在住院).
  m.managed = last_valid != nullptr;

  // 规范管理 R1 and R2 (rules.md §5.2, decisions table).
  f.r1 = EvaluateR1(valid, start, period);
  m.standard_r1 = m.managed && f.r1.failures == 0;
  m.standard_r2 = f.valid_count >= kMinVisitsR2;

  // 服药, both variants (rules.md §5.1, decisions table).
  m.on_medication_last = last_valid != nullptr && OnMedication(*last_valid);
  m.on_medication_any =
      std::any_of(valid.begin(), valid.end(), [](const VisitFact* v) { return OnMedication(*v); });

  f.regular = RegularMedicationGap(valid, start, period);
  m.regular_medication = m.managed && f.regular.kind == RegularGap::Kind::kNone;

  m.hospitalised = std::any_of(valid.begin(), valid.end(), [](const VisitFact* v) {
    return v->hospitalization == Hospitalization::kCurrently ||
           v->hospitalization == Hospitalization::kPreviously;
  });

  // 居家 and 居家稳定 (rules.md §5.1, §5.2 病情稳定率).
  m.at_home = last_valid != nullptr && AtHomeStatus(last_valid->hospitalization);
  const absl::CivilDay stable_since = AddMonthsClamped(period.cutoff, -kHomeStableWindowMonths);
  f.last_valid_recent = last_valid != nullptr && last_valid->date >= stable_since;
  m.home_stable =
      m.at_home && f.last_valid_recent && last_valid->final_class == Classification::kStable;

  m.face_to_face = std::any_of(valid.begin(), valid.end(), [](const VisitFact* v) {
    return v->mode == VisitMode::kClinic || v->mode == VisitMode::kHome;
  });

  for (absl::CivilDay d : in.health_checks) {
    if (InPeriod(d, period)) {
      m.health_checked = true;
    } else if (d < period.start() && (!f.check_before || d > *f.check_before)) {
      f.check_before = d;
    }
  }

  // 失访: unreached at the cut-off (the latest record is a failed visit);
  // docs/metrics.md.
  m.lost = f.last_record != nullptr && IsFailed(*f.last_record);
  m.incident = f.trouble + f.accident > 0;
  m.minor_trouble = f.minor_trouble > 0;
  m.assessed_classified = std::any_of(valid.begin(), valid.end(), [](const VisitFact* v) {
    return v->risk_level.has_value() && v->final_class != Classification::kNone;
  });
  // 社区康复 and 心理疏导: dated records only, each in the period of its own
  // date.
  m.community_rehab =
      m.at_home && std::any_of(in.rehab.begin(), in.rehab.end(),
                               [&](absl::CivilDay d) { return InPeriod(d, period); });
  m.psych_support = m.at_home && std::any_of(in.psych_support.begin(), in.psych_support.end(),
                                             [&](absl::CivilDay d) { return InPeriod(d, period); });

  // Schizophrenia (rules.md §5.2 精神分裂症服药率 and 治疗率).
  const bool f20 = in.diagnosis == DiagnosisCategory::kSchizophrenia;
  m.schizophrenia_registered = f20;
  m.schizophrenia_managed = f20 && m.managed;
  m.schizophrenia_on_medication_last = f20 && m.on_medication_last;
  m.schizophrenia_on_medication_any = f20 && m.on_medication_any;
  m.schizophrenia_treated_last = f20 && (m.on_medication_last || m.hospitalised);
  m.schizophrenia_treated_any = f20 && (m.on_medication_any || m.hospitalised);

  if (notes == Notes::kWith) AddStatusNotes(in, period, f, m);
  return m;
}

bool PatientMetrics::Has(MetricStatus s) const {
  switch (s) {
    case MetricStatus::kRegistered:
      return registered;
    case MetricStatus::kManaged:
      return managed;
    case MetricStatus::kStandardR1:
      return standard_r1;
    case MetricStatus::kStandardR2:
      return standard_r2;
    case MetricStatus::kOnMedicationLast:
      return on_medication_last;
    case MetricStatus::kOnMedicationAny:
      return on_medication_any;
    case MetricStatus::kRegularMedication:
      return regular_medication;
    case MetricStatus::kHospitalised:
      return hospitalised;
    case MetricStatus::kAtHome:
      return at_home;
    case MetricStatus::kHomeStable:
      return home_stable;
    case MetricStatus::kFaceToFace:
      return face_to_face;
    case MetricStatus::kHealthChecked:
      return health_checked;
    case MetricStatus::kLost:
      return lost;
    case MetricStatus::kIncident:
      return incident;
    case MetricStatus::kMinorTrouble:
      return minor_trouble;
    case MetricStatus::kAssessedClassified:
      return assessed_classified;
    case MetricStatus::kCommunityRehab:
      return community_rehab;
    case MetricStatus::kSchizophreniaRegistered:
      return schizophrenia_registered;
    case MetricStatus::kSchizophreniaManaged:
      return schizophrenia_managed;
    case MetricStatus::kSchizophreniaOnMedicationLast:
      return schizophrenia_on_medication_last;
    case MetricStatus::kSchizophreniaOnMedicationAny:
      return schizophrenia_on_medication_any;
    case MetricStatus::kSchizophreniaTreatedLast:
      return schizophrenia_treated_last;
    case MetricStatus::kSchizophreniaTreatedAny:
      return schizophrenia_treated_any;
    case MetricStatus::kPsychSupport:
      return psych_support;
    case MetricStatus::kUnspecified:
      break;
  }
  return false;
}

const StatusNote* PatientMetrics::NoteFor(MetricStatus s) const {
  for (const StatusNote& n : notes) {
    if (n.status == s) return &n;
  }
  return nullptr;
}

bool IsKnownMetricStatus(MetricStatus s) {
  const int i = static_cast<int>(s);
  return i >= 1 && i <= kMaxMetricStatus;
}

std::string_view MetricStatusName(MetricStatus s) {
  return IsKnownMetricStatus(s) ? kStatusNames[static_cast<int>(s)].code : std::string_view();
}

std::string_view MetricStatusNameZh(MetricStatus s) {
  return IsKnownMetricStatus(s) ? kStatusNames[static_cast<int>(s)].zh : std::string_view();
}

}  // namespace smd::domain
