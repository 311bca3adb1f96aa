#include "domain/metrics.h"

#include <algorithm>
#include <array>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "domain/dates.h"
#include "domain/errors.h"

namespace smd::domain {
namespace {

// rules.md §5.2 "Recommended implementation": adjacent items at most 3 months apart.
constexpr int kMaxGapMonths = 3;
// rules.md decisions, R2 / §4.2 "Other timing rules": at least 4 follow-ups a year.
constexpr int kMinVisitsR2 = 4;
// rules.md §5.2 病情稳定率: the last follow-up must lie within 3 months of the cut-off.
constexpr int kHomeStableWindowMonths = 3;

int MonthIndex(absl::CivilDay d) { return static_cast<int>(d.year()) * 12 + d.month(); }

std::string Day(absl::CivilDay d) { return absl::FormatCivilTime(d); }
std::string Month(absl::CivilDay d) { return absl::FormatCivilTime(absl::CivilMonth(d)); }
// "2024-05" of a month index (inverse of MonthIndex).
std::string MonthOfIndex(int mi) {
  return absl::FormatCivilTime(absl::CivilMonth((mi - 1) / 12, (mi - 1) % 12 + 1));
}

std::string ZhEn(std::string_view zh, std::string_view en) {
  return absl::StrCat(std::string(zh), " (", std::string(en), ")");
}

// C strings, not std::string_view: Debian's absl::StrCat takes no std::string_view.
struct Label {
  const char* zh;
  const char* en;
};

Label AdherenceLabel(Adherence a) {
  switch (a) {
    case Adherence::kRegular:
      return {"规律服药", "regular medication"};
    case Adherence::kIntermittent:
      return {"间断服药", "intermittent medication"};
    case Adherence::kNotTaking:
      return {"不服药", "not taking medication"};
    case Adherence::kNotNeeded:
      return {"医嘱勿需服药", "no medication needed"};
    case Adherence::kUnspecified:
      break;
  }
  return {"未填写服药情况", "no adherence recorded"};
}

Label ClassLabel(Classification c) {
  switch (c) {
    case Classification::kUnstable:
      return {"不稳定", "unstable"};
    case Classification::kBasicallyStable:
      return {"基本稳定", "basically stable"};
    case Classification::kStable:
      return {"稳定", "stable"};
    case Classification::kNone:
      break;
  }
  return {"未分类", "not classified"};
}

Label LostLabel(LostReason r) {
  switch (r) {
    case LostReason::kWorkingAway:
      return {"外出打工", "working away"};
    case LostReason::kMovedAway:
      return {"迁居他处", "moved elsewhere"};
    case LostReason::kMissing:
      return {"走失", "missing"};
    case LostReason::kThreeFailures:
      return {"连续3次未访到", "3 consecutive failed visits"};
    case LostReason::kOther:
    case LostReason::kNone:
      break;
  }
  return {"其他", "other"};
}

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

// The note of a home patient without a dated record (社区康复, 心理疏导) in the period,
// naming the latest one before the period when there is one, so the worker sees whether
// participation lapsed or never started.
std::string NoRecordNote(const std::vector<absl::CivilDay>& dates, const ReportingPeriod& p,
                         const char* zh, const char* en) {
  std::optional<absl::CivilDay> before;
  for (absl::CivilDay d : dates) {
    if (d < p.start() && (!before || d > *before)) before = d;
  }
  if (before) {
    return ZhEn(absl::StrCat("本期无", zh, "记录，末次为", Day(*before)),
                absl::StrCat("no ", en, " record in the period; the last was on ", Day(*before)));
  }
  return ZhEn(absl::StrCat("本期无", zh, "记录"), absl::StrCat("no ", en, " record in the period"));
}

// Why the patient is not 在册 at the cut-off, or "" when they are. The earliest exit wins.
std::string NotRegisteredReason(const PatientPeriodInput& in, const ReportingPeriod& period) {
  if (in.registered_on > period.cutoff) {
    return ZhEn(absl::StrCat("截止日", Day(period.cutoff), "时尚未建档"),
                absl::StrCat("not yet registered at the cut-off ", Day(period.cutoff)));
  }
  struct Exit {
    std::optional<absl::CivilDay> date;
    const char* zh;
    const char* en;
  };
  const std::array<Exit, 3> exits = {{{in.died_on, "死亡", "died on "},
                                      {in.moved_out_on, "迁出", "moved out on "},
                                      {in.deregistered_on, "注销", "deregistered on "}}};
  const Exit* first = nullptr;
  for (const Exit& e : exits) {
    if (e.date && *e.date <= period.cutoff && (first == nullptr || *e.date < *first->date)) {
      first = &e;
    }
  }
  if (first == nullptr) return "";
  return ZhEn(absl::StrCat(Day(*first->date), first->zh),
              absl::StrCat(first->en, Day(*first->date)));
}

// The items of the R1 sequence (rules.md §5.2): the two virtual anchors and the visits.
struct R1Item {
  int mi;
  enum Kind { kStartAnchor, kVisit, kEndAnchor } kind;
  absl::CivilDay date;  // the visit date (kVisit only)
};

// R1's verdict on the valid visits dated in [start, cut-off], with the note for a failure.
struct R1Result {
  bool ok = true;
  std::string zh;  // the earliest failing gap, Chinese; "" when there is no visit at all
  std::string en;
  int failures = 0;
};

R1Result EvaluateR1(const std::vector<const VisitFact*>& valid, absl::CivilDay start,
                    const ReportingPeriod& period) {
  std::vector<R1Item> items;
  items.push_back({MonthIndex(start) - 1, R1Item::kStartAnchor, start});
  for (const VisitFact* v : valid) {
    // A record dated before registration (possible only for a late registration entry)
    // would sort before the start anchor and open a false gap; the anchor stands for it.
    if (v->date >= start) {
      items.push_back({MonthIndex(v->date), R1Item::kVisit, v->date});
    }
  }
  items.push_back({MonthIndex(period.cutoff) + 1, R1Item::kEndAnchor, period.cutoff});
  // The visits are already in date order, so the items are sorted by mi.

  R1Result r;
  for (size_t i = 1; i < items.size(); ++i) {
    const R1Item& a = items[i - 1];
    const R1Item& b = items[i];
    const int gap = b.mi - a.mi;
    if (gap <= kMaxGapMonths) continue;
    r.ok = false;
    if (++r.failures > 1) continue;  // the earliest gap is named; later ones are counted
    if (a.kind == R1Item::kStartAnchor && b.kind == R1Item::kVisit) {
      // Without a visit by mi(start) + 2 the gap from the anchor mi(start) - 1 exceeds 3.
      const std::string due = MonthOfIndex(a.mi + kMaxGapMonths);
      r.zh = absl::StrCat("首次随访应不晚于", due, "，实际在", Month(b.date));
      r.en = absl::StrCat("the first follow-up was due by ", due, " but came in ", Month(b.date));
    } else if (a.kind == R1Item::kVisit && b.kind == R1Item::kVisit) {
      r.zh = absl::StrCat(Month(a.date), "至", Month(b.date), "间隔", gap, "个月");
      r.en = absl::StrCat(gap, " months between the ", Month(a.date), " and ", Month(b.date),
                          " visits");
    } else if (a.kind == R1Item::kVisit) {  // to the end anchor
      r.zh = absl::StrCat("自", Day(a.date), "起无有效随访");
      r.en = absl::StrCat("no valid follow-up since ", Day(a.date));
    }
    // Anchor to anchor: no visit at all; the caller writes its own note.
  }
  return r;
}

std::string R1Note(const R1Result& r) {
  if (r.failures <= 1) return ZhEn(r.zh, r.en);
  const int more = r.failures - 1;
  return ZhEn(absl::StrCat(r.zh, "，另有", more, "处间隔超过3个月"),
              absl::StrCat(r.en, "; ", more, " more gap", more > 1 ? "s" : "", " over 3 months"));
}

// rules.md §5.1 规律服药: the first reason the patient is not on regular medication, or ""
// when they are. `start` is the later of Jan 1 and the registration date.
std::string RegularMedicationGap(const std::vector<const VisitFact*>& valid, absl::CivilDay start,
                                 const ReportingPeriod& period) {
  for (const VisitFact* v : valid) {
    if (BreaksRegular(*v)) {
      const Label l = AdherenceLabel(v->adherence);
      return ZhEn(absl::StrCat(Day(v->date), "随访记录为", l.zh),
                  absl::StrCat("the ", Day(v->date), " follow-up recorded ", l.en));
    }
  }
  if (std::none_of(valid.begin(), valid.end(),
                   [](const VisitFact* v) { return RegularEvidence(*v); })) {
    return ZhEn("本期无规律服药或住院记录",
                "no regular-medication or hospital record in the period");
  }
  // S11 asks for a record in every quarter. For a cumulative period only the quarters lying
  // wholly inside [start, cut-off] can be asked for (a quarter not yet over, or begun
  // before registration, may legitimately have none).
  const int year = static_cast<int>(period.cutoff.year());
  for (int q = 1; q <= 4; ++q) {
    const absl::CivilDay first(year, 3 * q - 2, 1);
    const absl::CivilDay last = absl::CivilDay(year, 3 * q + 1, 1) - 1;
    if (first < start || last > period.cutoff) continue;
    const bool covered = std::any_of(valid.begin(), valid.end(), [&](const VisitFact* v) {
      return v->date >= first && v->date <= last && RegularEvidence(*v);
    });
    if (!covered) {
      return ZhEn(absl::StrCat(year, "年第", q, "季度无规律服药或住院记录"),
                  absl::StrCat("no regular-medication or hospital record in ", year, " Q", q));
    }
  }
  return "";
}

void AddNote(PatientMetrics& m, MetricStatus s, std::string text) {
  m.notes.push_back(StatusNote{s, std::move(text)});
}

}  // namespace

ReportingPeriod PeriodAsOf(absl::CivilDay as_of) { return ReportingPeriod{as_of}; }

absl::StatusOr<ReportingPeriod> PeriodToMonthEnd(int year, int month) {
  if (year < kEarliestRecordDate.year() || year > 9999) {
    return FieldError("period.year", "年份应在2000至9999之间", "year must be 2000 to 9999");
  }
  if (month < 1 || month > 12) {
    return FieldError("period.month", "月份应在1至12之间", "month must be 1 to 12");
  }
  // The day before the first of the next month: the last day of `month`, Feb 29 included.
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

PatientMetrics EvaluatePatient(const PatientPeriodInput& in, const ReportingPeriod& period) {
  PatientMetrics m;
  // 在册 (rules.md §5.1): 累计建档 − 累计死亡, minus 迁出 (and 注销), at the cut-off.
  if (std::string why = NotRegisteredReason(in, period); !why.empty()) {
    AddNote(m, MetricStatus::kRegistered, std::move(why));
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

  std::vector<const VisitFact*> valid;         // valid follow-ups in the period
  const VisitFact* last_record = nullptr;      // latest record in the period, death reports aside
  std::optional<absl::CivilDay> valid_before;  // last valid follow-up before Jan 1
  int failed_in_period = 0;
  int trouble = 0, accident = 0, minor_trouble = 0;
  for (const VisitFact* v : sorted) {
    if (v->date < period.start()) {
      if (IsValidFollowUp(*v)) valid_before = v->date;
      continue;
    }
    if (!v->reports_death) last_record = v;
    if (IsFailed(*v)) ++failed_in_period;
    if (IsValidFollowUp(*v)) {
      valid.push_back(v);
      // 危险行为 counts come with the assessment; a failed visit carries none.
      trouble += std::max(0, v->trouble);
      accident += std::max(0, v->accident);
      minor_trouble += std::max(0, v->minor_trouble);
    }
  }
  const VisitFact* last_valid = valid.empty() ? nullptr : valid.back();

  // 在管 (rules.md §5.1, S7): one complete record (risk assessment or 目前正在住院).
  m.managed = last_valid != nullptr;
  std::string no_valid;  // the note of every status that needs a valid follow-up
  if (!m.managed) {
    if (failed_in_period > 0) {
      no_valid = ZhEn(
          absl::StrCat("本期仅有", failed_in_period, "次失访记录，无有效随访"),
          absl::StrCat("only ", failed_in_period, " failed visit", failed_in_period > 1 ? "s" : "",
                       " and no valid follow-up in the period"));
    } else if (valid_before) {
      no_valid = ZhEn(absl::StrCat("自", Day(*valid_before), "起无有效随访"),
                      absl::StrCat("no valid follow-up since ", Day(*valid_before)));
    } else {
      no_valid = ZhEn("本期无有效随访", "no valid follow-up in the period");
    }
  }

  // 规范管理 R1 and R2 (rules.md §5.2, decisions table).
  const R1Result r1 = EvaluateR1(valid, start, period);
  m.standard_r1 = m.managed && r1.ok;
  m.standard_r2 = static_cast<int>(valid.size()) >= kMinVisitsR2;

  // 服药, both variants (rules.md §5.1, decisions table).
  m.on_medication_last = last_valid != nullptr && OnMedication(*last_valid);
  m.on_medication_any =
      std::any_of(valid.begin(), valid.end(), [](const VisitFact* v) { return OnMedication(*v); });

  const std::string regular_gap = RegularMedicationGap(valid, start, period);
  m.regular_medication = m.managed && regular_gap.empty();

  m.hospitalised = std::any_of(valid.begin(), valid.end(), [](const VisitFact* v) {
    return v->hospitalization == Hospitalization::kCurrently ||
           v->hospitalization == Hospitalization::kPreviously;
  });

  // 居家 and 居家稳定 (rules.md §5.1, §5.2 病情稳定率).
  m.at_home = last_valid != nullptr && AtHomeStatus(last_valid->hospitalization);
  const absl::CivilDay stable_since = AddMonthsClamped(period.cutoff, -kHomeStableWindowMonths);
  const bool recent = last_valid != nullptr && last_valid->date >= stable_since;
  m.home_stable = m.at_home && recent && last_valid->final_class == Classification::kStable;

  m.face_to_face = std::any_of(valid.begin(), valid.end(), [](const VisitFact* v) {
    return v->mode == VisitMode::kClinic || v->mode == VisitMode::kHome;
  });

  std::optional<absl::CivilDay> check_before;  // last health check before Jan 1
  for (absl::CivilDay d : in.health_checks) {
    if (InPeriod(d, period)) {
      m.health_checked = true;
    } else if (d < period.start() && (!check_before || d > *check_before)) {
      check_before = d;
    }
  }

  // 失访: unreached at the cut-off (the latest record is a failed visit); docs/metrics.md.
  m.lost = last_record != nullptr && IsFailed(*last_record);
  m.incident = trouble + accident > 0;
  m.minor_trouble = minor_trouble > 0;
  m.assessed_classified = std::any_of(valid.begin(), valid.end(), [](const VisitFact* v) {
    return v->risk_level.has_value() && v->final_class != Classification::kNone;
  });
  // 社区康复 and 心理疏导: dated records only, each in the period of its own date.
  m.community_rehab =
      m.at_home && std::any_of(in.rehab.begin(), in.rehab.end(),
                               [&](absl::CivilDay d) { return InPeriod(d, period); });
  m.psych_support =
      m.at_home && std::any_of(in.psych_support.begin(), in.psych_support.end(),
                               [&](absl::CivilDay d) { return InPeriod(d, period); });

  // Schizophrenia (rules.md §5.2 精神分裂症服药率 and 治疗率).
  const bool f20 = in.diagnosis == DiagnosisCategory::kSchizophrenia;
  m.schizophrenia_registered = f20;
  m.schizophrenia_managed = f20 && m.managed;
  m.schizophrenia_on_medication_last = f20 && m.on_medication_last;
  m.schizophrenia_on_medication_any = f20 && m.on_medication_any;
  m.schizophrenia_treated_last = f20 && (m.on_medication_last || m.hospitalised);
  m.schizophrenia_treated_any = f20 && (m.on_medication_any || m.hospitalised);

  // Notes, in MetricStatus order (the header lists when each is written).
  using S = MetricStatus;
  if (!m.managed) AddNote(m, S::kManaged, no_valid);
  if (!m.standard_r1) AddNote(m, S::kStandardR1, m.managed ? R1Note(r1) : no_valid);
  if (!m.standard_r2) {
    AddNote(m, S::kStandardR2,
            m.managed
                ? ZhEn(absl::StrCat("本期有效随访", valid.size(), "次，少于4次"),
                       absl::StrCat(valid.size(), " valid follow-up", valid.size() > 1 ? "s" : "",
                                    " in the period, fewer than 4"))
                : no_valid);
  }
  if (!m.on_medication_last) {
    std::string text = no_valid;
    if (m.managed) {
      const Label l = AdherenceLabel(last_valid->adherence);
      text = ZhEn(absl::StrCat("末次随访", Day(last_valid->date), "记录为", l.zh),
                  absl::StrCat("the last follow-up, ", Day(last_valid->date), ", recorded ", l.en));
    }
    AddNote(m, S::kOnMedicationLast, std::move(text));
  }
  if (!m.on_medication_any) {
    AddNote(m, S::kOnMedicationAny,
            m.managed ? ZhEn("本期随访无规律服药、间断服药或住院记录",
                             "no follow-up in the period recorded regular or intermittent "
                             "medication or a current hospital stay")
                      : no_valid);
  }
  if (!m.regular_medication) {
    AddNote(m, S::kRegularMedication, m.managed ? regular_gap : no_valid);
  }
  if (m.at_home && !m.home_stable) {
    const Label l = ClassLabel(last_valid->final_class);
    AddNote(m, S::kHomeStable,
            !recent ? ZhEn(absl::StrCat("末次随访", Day(last_valid->date), "距截止日超过3个月"),
                           absl::StrCat("the last follow-up, ", Day(last_valid->date),
                                        ", is more than 3 months before the cut-off"))
                    : ZhEn(absl::StrCat("末次随访", Day(last_valid->date), "分类为", l.zh),
                           absl::StrCat("the last follow-up, ", Day(last_valid->date),
                                        ", was classified ", l.en)));
  }
  if (!m.face_to_face) {
    AddNote(m, S::kFaceToFace,
            m.managed ? ZhEn("本期无门诊或家庭访视", "no clinic or home visit in the period")
                      : no_valid);
  }
  if (!m.health_checked) {
    AddNote(m, S::kHealthChecked,
            check_before ? ZhEn(absl::StrCat("本期无体检，末次体检在", Day(*check_before)),
                                absl::StrCat("no health check in the period; the last was on ",
                                             Day(*check_before)))
                         : ZhEn("本期无体检", "no health check in the period"));
  }
  if (m.lost) {
    const Label l = LostLabel(last_record->lost_reason);
    AddNote(m, S::kLost,
            ZhEn(absl::StrCat("末次记录", Day(last_record->date), "为失访，原因：", l.zh),
                 absl::StrCat("the last record, ", Day(last_record->date),
                              ", is a failed visit: ", l.en)));
  }
  if (m.incident) {
    AddNote(m, S::kIncident,
            ZhEn(absl::StrCat("本期报告肇事", trouble, "次、肇祸", accident, "次"),
                 absl::StrCat(trouble, " public-order and ", accident,
                              " criminal incidents reported in the period")));
  }
  if (m.minor_trouble) {
    AddNote(m, S::kMinorTrouble,
            ZhEn(absl::StrCat("本期报告轻度滋事", minor_trouble, "次"),
                 absl::StrCat(minor_trouble, " minor disturbance", minor_trouble > 1 ? "s" : "",
                              " reported in the period")));
  }
  if (!m.assessed_classified) {
    AddNote(m, S::kAssessedClassified,
            m.managed ? ZhEn("本期无危险性评估和分类",
                             "no risk assessment and classification in the period")
                      : no_valid);
  }
  if (m.at_home && !m.community_rehab) {
    AddNote(m, S::kCommunityRehab,
            NoRecordNote(in.rehab, period, "社区康复", "community-rehab"));
  }
  if (f20 && !m.schizophrenia_treated_last) {
    std::string text = no_valid;
    if (m.managed) {
      const Label l = AdherenceLabel(last_valid->adherence);
      text = ZhEn(absl::StrCat("末次随访", Day(last_valid->date), "记录为", l.zh, "，本期无住院"),
                  absl::StrCat("the last follow-up, ", Day(last_valid->date), ", recorded ", l.en,
                               ", and no hospital stay in the period"));
    }
    AddNote(m, S::kSchizophreniaTreatedLast, std::move(text));
  }
  if (f20 && !m.schizophrenia_treated_any) {
    AddNote(m, S::kSchizophreniaTreatedAny,
            m.managed ? ZhEn("本期无服药或住院记录",
                             "no medication or hospital stay recorded in the period")
                      : no_valid);
  }
  if (m.at_home && !m.psych_support) {
    AddNote(m, S::kPsychSupport,
            NoRecordNote(in.psych_support, period, "对患者或家属的心理疏导",
                         "psychological-support (patient or family)"));
  }
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

namespace {

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

bool KnownStatus(MetricStatus s) {
  const int i = static_cast<int>(s);
  return i >= 1 && i <= kMaxMetricStatus;
}

std::vector<IndicatorDef> MakeCatalogue() {
  using S = MetricStatus;
  using I = Indicator;
  using U = RateUnit;
  using D = DenominatorKind;
  using V = MetricVariant;
  constexpr std::string_view k52 = "rules.md §5.2";
  auto patients = [](I id, std::string_view code, std::string_view zh, std::string_view en, S num,
                     S num_variant, S den, std::optional<Target> target, V variant,
                     std::string_view source, std::string_view definition) {
    IndicatorDef d;
    d.id = id;
    d.code = code;
    d.name_zh = zh;
    d.name_en = en;
    d.denominator_kind = D::kPatients;
    d.numerator = num;
    d.numerator_variant = num_variant;
    d.denominator = den;
    d.unit = U::kPercent;
    d.target = target;
    d.variant = variant;
    d.source = source;
    d.definition = definition;
    return d;
  };
  auto external = [](I id, std::string_view code, std::string_view zh, std::string_view en, U unit,
                     bool lower_is_better, std::string_view source, std::string_view definition) {
    IndicatorDef d;
    d.id = id;
    d.code = code;
    d.name_zh = zh;
    d.name_en = en;
    d.denominator_kind = D::kExternal;
    d.unit = unit;
    d.lower_is_better = lower_is_better;
    d.source = source;
    d.definition = definition;
    return d;
  };

  std::vector<IndicatorDef> c;
  {
    IndicatorDef d;
    d.id = I::kReportedPrevalence;
    d.code = "reported_prevalence";
    d.name_zh = "报告患病率";
    d.name_en = "reported prevalence";
    d.denominator_kind = D::kResidentPopulation;
    d.numerator = S::kRegistered;
    d.numerator_variant = S::kRegistered;
    d.unit = U::kPerMille;
    d.target = Target{45};  // Gulou >= 4.5‰
    d.source = "rules.md §5.2; decisions \"Resident population\"";
    d.definition =
        "registered patients / resident population x 1000; unavailable when the "
        "population is not entered";
    c.push_back(d);
  }
  c.push_back(patients(I::kManagementRate, "management_rate", "在册患者管理率", "management rate",
                       S::kManaged, S::kManaged, S::kRegistered, Target{970}, V::kNone, k52,
                       "managed patients (a valid follow-up in the period) / registered"));
  c.push_back(patients(I::kStandardizedManagementRate, "standardized_management_rate", "规范管理率",
                       "standardized management rate", S::kStandardR1, S::kStandardR2,
                       S::kRegistered, Target{950}, V::kStandardized,
                       "rules.md §5.1, §5.2; decisions \"规范管理\"",
                       "patients managed to standard (R1: no gap over 3 months with anchors; "
                       "R2: >= 4 valid follow-ups) / registered"));
  c.push_back(patients(I::kMedicationRate, "medication_rate", "服药率", "medication rate",
                       S::kOnMedicationLast, S::kOnMedicationAny, S::kRegistered, std::nullopt,
                       V::kMedication, "rules.md §5.1, §5.2; decisions \"服药\"",
                       "patients on medication (last valid follow-up, or any record) / "
                       "registered"));
  c.push_back(patients(I::kSchizophreniaMedicationRate, "schizophrenia_medication_rate",
                       "精神分裂症服药率", "schizophrenia medication rate",
                       S::kSchizophreniaOnMedicationLast, S::kSchizophreniaOnMedicationAny,
                       S::kSchizophreniaManaged, std::nullopt, V::kMedication, k52,
                       "F20 patients on medication / F20 patients managed in the year"));
  c.push_back(patients(I::kSchizophreniaTreatmentRate, "schizophrenia_treatment_rate",
                       "精神分裂症治疗率", "schizophrenia treatment rate",
                       S::kSchizophreniaTreatedLast, S::kSchizophreniaTreatedAny,
                       S::kSchizophreniaRegistered, Target{850}, V::kMedication, k52,
                       "F20 patients on medication or hospitalised in the period / F20 "
                       "registered"));
  c.push_back(patients(I::kRegularMedicationRate, "regular_medication_rate", "规律服药率",
                       "regular medication rate", S::kRegularMedication, S::kRegularMedication,
                       S::kRegistered, std::nullopt, V::kNone, "rules.md §5.1, §5.2",
                       "patients with 规律/住院 in every quarter and no 间断/不服药 record / "
                       "registered"));
  c.push_back(patients(I::kHomeStableRate, "home_stable_rate", "居家稳定率", "stable-at-home rate",
                       S::kHomeStable, S::kHomeStable, S::kAtHome, std::nullopt, V::kNone, k52,
                       "home patients whose last follow-up, within 3 months of the cut-off, was "
                       "稳定 / patients at home"));
  c.push_back(patients(I::kFaceToFaceRate, "face_to_face_rate", "面访率", "face-to-face rate",
                       S::kFaceToFace, S::kFaceToFace, S::kRegistered, std::nullopt, V::kNone, k52,
                       "patients with a clinic or home follow-up in the period / registered"));
  c.push_back(patients(I::kHealthCheckRate, "health_check_rate", "体检率", "health check rate",
                       S::kHealthChecked, S::kHealthChecked, S::kRegistered, std::nullopt, V::kNone,
                       "rules.md §4.2, §5.2",
                       "patients with a completed health check in the period / registered"));
  c.push_back(patients(I::kLostRate, "lost_rate", "失访率", "lost-to-follow-up rate", S::kLost,
                       S::kLost, S::kRegistered, std::nullopt, V::kNone, "rules.md §5.1, §5.2",
                       "patients whose latest record in the period is a failed visit / "
                       "registered"));
  c.back().lower_is_better = true;
  c.push_back(patients(I::kIncidentRate, "incident_rate", "肇事肇祸率", "incident rate",
                       S::kIncident, S::kIncident, S::kRegistered, std::nullopt, V::kNone,
                       "rules.md §3, §5.2",
                       "patients with a 肇事 or 肇祸 reported in the period / registered"));
  c.back().lower_is_better = true;
  c.push_back(patients(I::kMinorTroubleRate, "minor_trouble_rate", "轻度滋事率",
                       "minor disturbance rate", S::kMinorTrouble, S::kMinorTrouble, S::kRegistered,
                       std::nullopt, V::kNone, "rules.md §3, §5.2",
                       "patients with a 轻度滋事 reported in the period / registered"));
  c.back().lower_is_better = true;
  c.push_back(patients(I::kAssessmentCoverage, "assessment_coverage",
                       "综合评估及分级分类管理覆盖率", "assessment and classification coverage",
                       S::kAssessedClassified, S::kAssessedClassified, S::kRegistered, Target{950},
                       V::kNone, "rules.md §4, §5.2",
                       "patients with a risk assessment and classification in the period / "
                       "registered"));
  c.push_back(patients(I::kCommunityRehabRate, "community_rehab_rate", "社区康复参与率",
                       "community rehabilitation participation rate", S::kCommunityRehab,
                       S::kCommunityRehab, S::kAtHome, Target{700}, V::kNone,
                       "rules.md §5.2; plan (seeds 004) 在社区参与康复率达70%以上",
                       "home patients with a dated community-rehab record (e.g. a 阳光心园 "
                       "session) in the period / patients at home"));
  c.push_back(external(I::kCareTeamCoverage, "care_team_coverage", "关爱帮扶小组覆盖率",
                       "care team coverage", U::kPercent, false, "rules.md decisions \"Care team\"",
                       "patients needing a team (不稳定 or risk >= 3) whose team has a doctor, a "
                       "police officer and a grid worker / patients needing a team"));
  c.push_back(external(I::kAlertDeliveryTime, "alert_delivery_time", "预警送达时长",
                       "alert delivery time", U::kMinutes, true,
                       "rules.md decisions \"Police notification\"",
                       "mean minutes from an alert being raised to its delivery: total minutes "
                       "/ delivered recipients"));
  c.push_back(external(I::kAlertAckTime, "alert_ack_time", "预警确认时长",
                       "alert acknowledgement time", U::kMinutes, true,
                       "rules.md decisions \"Police notification\"",
                       "mean minutes from an alert being raised to its acknowledgement: total "
                       "minutes / acknowledged recipients"));
  // Issue 11: no alert may reach nobody of a role the rules require; target 0.
  c.push_back(external(I::kAlertGapRate, "alert_gap_rate", "预警接收缺口率",
                       "alerts missing a required recipient", U::kPercent, true,
                       "rules.md decisions \"Police notification\"; docs/adr/0010",
                       "alerts raised in the period for which no account of a role the rules "
                       "require (police and grid worker; the community doctor for clinical "
                       "alerts) could be found / alerts raised in the period"));
  c.back().target = Target{0};
  // Issue 14: the plan's "对70%以上的居家严重精神障碍患者及家属提供心理疏导服务" (seeds 004);
  // rules.md §4.2 "psychological support for the family".
  c.push_back(patients(I::kPsychSupportCoverage, "psych_support_coverage",
                       "居家患者及家属心理疏导覆盖率",
                       "psychological support coverage of home patients and families",
                       S::kPsychSupport, S::kPsychSupport, S::kAtHome, Target{700}, V::kNone,
                       "rules.md §4.2, §5.2; plan (seeds 004) 对70%以上的居家患者及家属提供心理疏导",
                       "home patients who, or whose family, received a dated psychological-"
                       "support record in the period / patients at home"));
  return c;
}

int64_t Scale(RateUnit u) {
  switch (u) {
    case RateUnit::kPercent:
      return 100;
    case RateUnit::kPerMille:
      return 1000;
    case RateUnit::kMinutes:
      break;
  }
  return 1;
}

}  // namespace

std::string_view MetricStatusName(MetricStatus s) {
  return KnownStatus(s) ? kStatusNames[static_cast<int>(s)].code : std::string_view();
}

std::string_view MetricStatusNameZh(MetricStatus s) {
  return KnownStatus(s) ? kStatusNames[static_cast<int>(s)].zh : std::string_view();
}

const std::vector<IndicatorDef>& IndicatorCatalogue() {
  static const std::vector<IndicatorDef>* const kCatalogue =
      new std::vector<IndicatorDef>(MakeCatalogue());
  return *kCatalogue;
}

const IndicatorDef* FindIndicator(Indicator id) {
  for (const IndicatorDef& d : IndicatorCatalogue()) {
    if (d.id == id) return &d;
  }
  return nullptr;
}

const IndicatorDef* FindIndicatorByCode(std::string_view code) {
  for (const IndicatorDef& d : IndicatorCatalogue()) {
    if (d.code == code) return &d;
  }
  return nullptr;
}

MetricStatus NumeratorStatus(const IndicatorDef& def, const RuleSet& rules) {
  switch (def.variant) {
    case MetricVariant::kStandardized:
      return rules.standardized_r2 ? def.numerator_variant : def.numerator;
    case MetricVariant::kMedication:
      return rules.medication_any_record ? def.numerator_variant : def.numerator;
    case MetricVariant::kNone:
      break;
  }
  return def.numerator;
}

Rate MakeRate(const IndicatorDef& def, int64_t numerator, std::optional<int64_t> denominator) {
  Rate r;
  r.numerator = numerator;
  r.denominator = denominator.value_or(0) > 0 ? *denominator : 0;
  r.target = def.target;
  if (r.denominator == 0) return r;  // unavailable, not zero (decisions "Resident population")
  const int64_t scale = Scale(def.unit);
  r.value = static_cast<double>(numerator) * static_cast<double>(scale) /
            static_cast<double>(r.denominator);
  if (def.target) {
    // value >= target/10  <=>  numerator * scale * 10 >= target.tenths * denominator, in
    // integers. No overflow below 9e14 patients or 2e17 residents.
    const int64_t lhs = numerator * scale * 10;
    const int64_t rhs = def.target->tenths * r.denominator;
    r.met = def.lower_is_better ? lhs <= rhs : lhs >= rhs;
  }
  return r;
}

int64_t StatusCounts::Get(MetricStatus s) const {
  return KnownStatus(s) ? count[static_cast<int>(s)] : 0;
}

void StatusCounts::Add(const PatientMetrics& p) {
  for (int i = 1; i <= kMaxMetricStatus; ++i) {
    if (p.Has(static_cast<MetricStatus>(i))) ++count[i];
  }
}

void StatusCounts::Merge(const StatusCounts& other) {
  for (int i = 1; i <= kMaxMetricStatus; ++i) count[i] += other.count[i];
}

StatusCounts CountStatuses(const std::vector<PatientMetrics>& patients) {
  StatusCounts c;
  for (const PatientMetrics& p : patients) c.Add(p);
  return c;
}

const IndicatorRate* MetricReport::Find(Indicator id) const {
  for (const IndicatorRate& r : rates) {
    if (r.indicator == id) return &r;
  }
  return nullptr;
}

MetricReport ComputeRates(const StatusCounts& counts, std::optional<int64_t> resident_population,
                          const ReportingPeriod& period, const RuleSet& rules) {
  MetricReport report;
  report.period = period;
  report.rule_set = rules.name;
  for (const IndicatorDef& def : IndicatorCatalogue()) {
    if (def.denominator_kind == DenominatorKind::kExternal) continue;
    IndicatorRate ir;
    ir.indicator = def.id;
    ir.numerator = NumeratorStatus(def, rules);
    ir.denominator = def.denominator;
    const std::optional<int64_t> den = def.denominator_kind == DenominatorKind::kResidentPopulation
                                           ? resident_population
                                           : std::optional<int64_t>(counts.Get(def.denominator));
    ir.rate = MakeRate(def, counts.Get(ir.numerator), den);
    report.rates.push_back(ir);
  }
  return report;
}

MetricReport AggregateRates(const std::vector<PatientMetrics>& patients,
                            std::optional<int64_t> resident_population,
                            const ReportingPeriod& period, const RuleSet& rules) {
  return ComputeRates(CountStatuses(patients), resident_population, period, rules);
}

std::vector<const StatusNote*> NotesUnder(const PatientMetrics& p, const RuleSet& rules) {
  std::array<bool, kMaxMetricStatus + 1> wanted{};
  wanted[static_cast<int>(MetricStatus::kRegistered)] = true;
  wanted[static_cast<int>(MetricStatus::kLost)] = true;
  wanted[static_cast<int>(MetricStatus::kIncident)] = true;
  wanted[static_cast<int>(MetricStatus::kMinorTrouble)] = true;
  for (const IndicatorDef& def : IndicatorCatalogue()) {
    if (def.denominator_kind == DenominatorKind::kExternal) continue;
    wanted[static_cast<int>(NumeratorStatus(def, rules))] = true;
    wanted[static_cast<int>(def.denominator)] = true;  // [0] for the population: harmless
  }
  std::vector<const StatusNote*> out;
  for (const StatusNote& n : p.notes) {
    if (KnownStatus(n.status) && wanted[static_cast<int>(n.status)]) out.push_back(&n);
  }
  return out;
}

}  // namespace smd::domain
