#pragma once
// Management-rate metrics, part 1 of 4: which statuses one patient holds in a
// reporting period (rules.md §5.1, §5.2, the "Product decisions" table, §11.2).
// The other parts: domain/metric_catalogue.h (the indicators built on these
// statuses), domain/metric_rates.h (the plain sums that turn statuses into
// rates) and domain/metric_notes.h (the bilingual note that says why a status
// is missing). domain/metrics.h includes all four.
//
// Pure: no I/O, no clock (the cut-off is a parameter), no database.
// Thread-safe.
//
// Every status is computed under both metric variants (R1 and R2 规范管理; 服药
// by the last visit and by any record), so the per-patient result does not
// depend on the rule set.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "domain/followup.h"
#include "domain/types.h"

namespace smd::domain {

// ---------------------------------------------------------------------------------------
// Reporting period
// ---------------------------------------------------------------------------------------

// rules.md §5 "Reporting period" and the decisions table: the calendar year,
// cumulative from Jan 1 00:00 to the end (24:00) of `cutoff`. The cut-off is
// the last day of a month for the regular reports, or any as-of date. Year-end
// figures are the official ones.
struct ReportingPeriod {
  absl::CivilDay cutoff;
  // Jan 1 of the cut-off's year: the first day of the period.
  absl::CivilDay start() const { return absl::CivilDay(cutoff.year(), 1, 1); }
};

// The period from Jan 1 to `as_of` (inclusive). Any date is a valid cut-off.
ReportingPeriod PeriodAsOf(absl::CivilDay as_of);

// The period from Jan 1 of `year` to the last day of `month` (leap years
// handled). Errors: INVALID_ARGUMENT "period.year: ..." unless 2000 <= year <=
// 9999 (no record may be older than kEarliestRecordDate, domain/dates.h);
// "period.month: ..." unless 1..12.
absl::StatusOr<ReportingPeriod> PeriodToMonthEnd(int year, int month);

// ---------------------------------------------------------------------------------------
// Input: one patient and their records
// ---------------------------------------------------------------------------------------

// One follow-up record (随访服务记录表, rules.md §3) as far as the metrics are
// concerned: exactly the typed columns of the `followup` table (current version
// of each visit).
struct VisitFact {
  absl::CivilDay date;                                 // 随访日期
  VisitMode mode = VisitMode::kUnspecified;            // 门诊 / 家庭访视 / 电话
  LostReason lost_reason = LostReason::kNone;          // != kNone: a failed visit (失访)
  bool reports_death = false;                          // the record reports a death
  std::optional<int> risk_level;                       // 0..5; absent: not assessed
  Classification final_class = Classification::kNone;  // 本次随访分类 (after any override)
  Adherence adherence = Adherence::kUnspecified;       // 用药依从性
  Hospitalization hospitalization = Hospitalization::kUnspecified;  // 两次随访期间住院情况
  int trouble = 0;        // 肇事 count since the previous visit
  int accident = 0;       // 肇祸 count since the previous visit
  int minor_trouble = 0;  // 轻度滋事 count since the previous visit
};

// The metric facts of a stored visit: its form and its assessment's final
// class.
VisitFact ToVisitFact(const FollowUpForm& form, const Assessment& assessment);

// A valid (complete) follow-up, the only kind that counts toward 在管, 规范管理
// and the medication statuses (rules.md §5.1 在管; decisions "Failed visit"):
// not a failed visit, not a death report, and either a risk assessment
// (risk_level present) or 目前正在住院.
bool IsValidFollowUp(const VisitFact& v);

// One patient as the metrics see them. Built by the caller from rows; small on
// purpose.
struct PatientPeriodInput {
  absl::CivilDay registered_on;  // 建档 date (Beijing date of registered_at)
  DiagnosisCategory diagnosis = DiagnosisCategory::kUnspecified;  // F20 == kSchizophrenia
  std::optional<absl::CivilDay> died_on;                          // 死亡
  std::optional<absl::CivilDay> moved_out_on;                     // 迁出 from this roster
  std::optional<absl::CivilDay> deregistered_on;                  // 注销
  // The roster the caller aggregates into (region code). Not read by
  // EvaluatePatient; carried so that one value describes one patient row for
  // rollups by region prefix.
  std::string jurisdiction;
  // Records in visit order (date, then recording time). Records dated after the
  // cut-off are ignored; records before Jan 1 count toward nothing but may be
  // named in notes
  // ("no valid follow-up since 2023-11-20"), so a caller may pass them or not.
  // Same-day records keep their given order (the later one is "the last").
  std::vector<VisitFact> visits;
  std::vector<absl::CivilDay> health_checks;  // dates of completed annual health checks
  // Dates of community-rehabilitation participation records (社区康复, table
  // rehab_session; domain/rehab_records.h). Only dated records: the register's
  // undated flag (参加社区康复) is not one (docs/metrics.md "社区康复 and
  // 心理疏导").
  std::vector<absl::CivilDay> rehab;
  // Dates of psychological-support records (心理疏导, table psych_support) to
  // the patient, the family, or both.
  std::vector<absl::CivilDay> psych_support;
};

// ---------------------------------------------------------------------------------------
// Output: the statuses of one patient
// ---------------------------------------------------------------------------------------

// One status a patient holds or not in a period. Numbers are stable (they may
// be stored and sent); 0 is unspecified. Every status except kRegistered
// implies kRegistered: a patient not 在册 at the cut-off holds no status, so
// every numerator below is a subset of its denominator.
enum class MetricStatus : int {
  kUnspecified = 0,
  // 在册 (rules.md §5.1): registered on or before the cut-off, and neither
  // dead, moved out (迁出) nor deregistered (注销) on or before it.
  kRegistered = 1,
  // 在管: 在册 with at least one valid follow-up (IsValidFollowUp) in the
  // period.
  kManaged = 2,
  // 规范管理 R1 (default, jiangsu-2018; rules.md §5.2 "Recommended
  // implementation"): kManaged, and with month index mi = year*12 + month, the
  // sorted list of
  //   mi(start) - 1, mi of each valid follow-up dated in [start, cut-off],
  //   mi(cut-off) + 1
  // has no gap above 3, where start = the later of Jan 1 and registered_on.
  // Requiring kManaged is a decision (docs/metrics.md): without it, the anchors
  // alone make a patient with no follow-up 规范 early in the year or when
  // registered late in it.
  kStandardR1 = 3,
  // 规范管理 R2 (national-2018): at least 4 valid follow-ups in the period.
  kStandardR2 = 4,
  // 服药, Jiangsu rule (default): the last valid follow-up in the period
  // records 规律 or 间断 adherence, or 目前正在住院.
  kOnMedicationLast = 5,
  // 服药, national-analysis rule: any valid follow-up in the period records
  // 规律, 间断 or 目前正在住院.
  kOnMedicationAny = 6,
  // 规律服药 (rules.md §5.1, S11): no valid follow-up in the period records
  // 间断 or 不服药; at least one records 规律 or 目前正在住院; and so does at
  // least one in every calendar quarter lying wholly inside [start, cut-off]
  // (all four at a full-year cut-off for a patient registered before the year).
  kRegularMedication = 7,
  // 住院 in the period: a valid follow-up records 目前正在住院 or
  // 曾住院现未住院. Not the numerator of any rate; it makes up
  // 精神分裂症治疗率.
  kHospitalised = 8,
  // 居家 (rules.md §5.1): kManaged, and the last valid follow-up records
  // 期间未住院 or 曾住院现未住院.
  kAtHome = 9,
  // 居家稳定 (rules.md §5.2 病情稳定率): kAtHome, and the last valid follow-up
  // is dated on or after cut-off minus 3 months (AddMonthsClamped) and
  // classified 稳定.
  kHomeStable = 10,
  // 面访: a valid follow-up in the period was face to face (门诊 or 家庭访视).
  kFaceToFace = 11,
  // 体检: a completed health check is dated in the period.
  kHealthChecked = 12,
  // 失访 (adverse): the latest follow-up record in the period (valid or failed;
  // death reports aside) is a failed visit, i.e. the patient is unreached at
  // the cut-off.
  kLost = 13,
  // 肇事肇祸 (adverse): follow-ups in the period report 肇事 or 肇祸 counts
  // above 0.
  kIncident = 14,
  // 轻度滋事 (adverse): follow-ups in the period report 轻度滋事 counts above
  // 0.
  kMinorTrouble = 15,
  // 分级分类 covered: a valid follow-up in the period has a risk level and a
  // final class.
  kAssessedClassified = 16,
  // 社区康复: kAtHome, and a community-rehab record is dated in the period.
  kCommunityRehab = 17,
  // Schizophrenia (精神分裂症, F20; diagnosis kSchizophrenia).
  kSchizophreniaRegistered = 18,        // kRegistered and F20
  kSchizophreniaManaged = 19,           // kManaged and F20 (年在管)
  kSchizophreniaOnMedicationLast = 20,  // kOnMedicationLast and F20
  kSchizophreniaOnMedicationAny = 21,   // kOnMedicationAny and F20
  kSchizophreniaTreatedLast = 22,       // F20 and (kOnMedicationLast or kHospitalised)
  kSchizophreniaTreatedAny = 23,        // F20 and (kOnMedicationAny or kHospitalised)
  // 心理疏导 (issue 14; seeds 004
  // "对70%以上的居家严重精神障碍患者及家属提供心理疏导服务"): kAtHome, and a
  // psychological-support record to the patient or the family is dated in the
  // period.
  kPsychSupport = 24,
};
inline constexpr int kMaxMetricStatus = 24;

// "registered", "managed", "standard_r1", ... (the enumerator name in snake
// case, without the k); "" for kUnspecified or an unknown value.
std::string_view MetricStatusName(MetricStatus s);
// "在册", "在管", "规范管理(R1)", ...; "" for kUnspecified or an unknown value.
std::string_view MetricStatusNameZh(MetricStatus s);

// Why a patient lacks a status it is expected to hold, or holds an adverse one
// (失访, 肇事肇祸, 轻度滋事). The text is Chinese first, English in brackets,
// names dates, months and counts but never the patient, and tells a worker what
// to act on, e.g.
//   "自2024-05-02起无有效随访 (no valid follow-up since 2024-05-02)"
//   "2024-02至2024-06间隔4个月 (4 months between the 2024-02 and 2024-06
//   visits)".
struct StatusNote {
  MetricStatus status = MetricStatus::kUnspecified;
  std::string text;
};

struct PatientMetrics {
  bool registered = false;                        // kRegistered
  bool managed = false;                           // kManaged
  bool standard_r1 = false;                       // kStandardR1
  bool standard_r2 = false;                       // kStandardR2
  bool on_medication_last = false;                // kOnMedicationLast
  bool on_medication_any = false;                 // kOnMedicationAny
  bool regular_medication = false;                // kRegularMedication
  bool hospitalised = false;                      // kHospitalised
  bool at_home = false;                           // kAtHome
  bool home_stable = false;                       // kHomeStable
  bool face_to_face = false;                      // kFaceToFace
  bool health_checked = false;                    // kHealthChecked
  bool lost = false;                              // kLost
  bool incident = false;                          // kIncident
  bool minor_trouble = false;                     // kMinorTrouble
  bool assessed_classified = false;               // kAssessedClassified
  bool community_rehab = false;                   // kCommunityRehab
  bool schizophrenia_registered = false;          // kSchizophreniaRegistered
  bool schizophrenia_managed = false;             // kSchizophreniaManaged
  bool schizophrenia_on_medication_last = false;  // kSchizophreniaOnMedicationLast
  bool schizophrenia_on_medication_any = false;   // kSchizophreniaOnMedicationAny
  bool schizophrenia_treated_last = false;        // kSchizophreniaTreatedLast
  bool schizophrenia_treated_any = false;         // kSchizophreniaTreatedAny
  bool psych_support = false;                     // kPsychSupport

  // Notes in MetricStatus order, at most one per status. A note is written when
  //  * kRegistered is missing (why: not yet registered, died, moved out,
  //  deregistered);
  //  * the patient is 在册 and lacks kManaged, kStandardR1, kStandardR2,
  //  kOnMedicationLast,
  //    kOnMedicationAny, kRegularMedication, kFaceToFace, kHealthChecked or
  //    kAssessedClassified;
  //  * the patient is 居家 and lacks kHomeStable, kCommunityRehab or
  //  kPsychSupport;
  //  * the patient is F20 在册 and lacks kSchizophreniaTreatedLast /
  //  kSchizophreniaTreatedAny;
  //  * the patient holds kLost, kIncident or kMinorTrouble.
  // The F20 medication statuses have no note of their own: see
  // kOnMedicationLast/Any.
  std::vector<StatusNote> notes;

  // The flag of `s`; false for kUnspecified or an unknown value.
  bool Has(MetricStatus s) const;
  // The note of `s`, or nullptr when there is none.
  const StatusNote* NoteFor(MetricStatus s) const;
};

// The statuses of one patient in `period` (rules.md §5.1, §5.2; each status's
// definition is on its enumerator above). Records may be in any date order
// (same-day records keep their order). Never fails: rows that passed the
// schema's checks are all meaningful; an unknown enum value simply matches no
// rule. Deterministic: equal inputs give equal results, notes included.
//
// `notes`: kWithout leaves PatientMetrics::notes empty and computes the same
// flags. The counts (GetMetrics' recomputation, the kept states) read only the
// flags; the bilingual notes are string formatting for every status a patient
// lacks, most of the evaluation's time (issue 15, docs/metrics.md).
enum class Notes { kWith, kWithout };
PatientMetrics EvaluatePatient(const PatientPeriodInput& patient, const ReportingPeriod& period,
                               Notes notes = Notes::kWith);

// Whether `s` names a status (kRegistered..kMaxMetricStatus).
bool IsKnownMetricStatus(MetricStatus s);

}  // namespace smd::domain
