#pragma once
// Management-rate metrics (rules.md §5, the "Product decisions" table, §11.2): which
// statuses one patient holds in a reporting period, the catalogue of indicators built on
// those statuses, and the plain sums that turn per-patient statuses into rates.
//
// Pure: no I/O, no clock (the cut-off is a parameter), no database. Every function is
// thread-safe; the catalogue is an immutable static. docs/metrics.md explains every
// indicator and decision in prose.
//
// How the layers above use it: a caller builds one PatientPeriodInput per patient from the
// register and the typed record columns (followup, health_check), calls EvaluatePatient,
// and either keeps the PatientMetrics (for a worker's list of gaps) or adds them into
// StatusCounts. StatusCounts are plain sums, so counts of regions and of patients can be
// added in any order; ComputeRates turns them into the rates of one rule set.
//
// Every status is computed under both metric variants (R1 and R2 规范管理; 服药 by the last
// visit and by any record), so the per-patient result does not depend on the rule set.
// Only NumeratorStatus, ComputeRates and NotesUnder pick the variant, from the RuleSet
// (domain/followup_rules.h: standardized_r2, medication_any_record).

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "domain/followup.h"
#include "domain/followup_rules.h"
#include "domain/types.h"

namespace smd::domain {

// ---------------------------------------------------------------------------------------
// Reporting period
// ---------------------------------------------------------------------------------------

// rules.md §5 "Reporting period" and the decisions table: the calendar year, cumulative
// from Jan 1 00:00 to the end (24:00) of `cutoff`. The cut-off is the last day of a month
// for the regular reports, or any as-of date. Year-end figures are the official ones.
struct ReportingPeriod {
  absl::CivilDay cutoff;
  // Jan 1 of the cut-off's year: the first day of the period.
  absl::CivilDay start() const { return absl::CivilDay(cutoff.year(), 1, 1); }
};

// The period from Jan 1 to `as_of` (inclusive). Any date is a valid cut-off.
ReportingPeriod PeriodAsOf(absl::CivilDay as_of);

// The period from Jan 1 of `year` to the last day of `month` (leap years handled).
// Errors: INVALID_ARGUMENT "period.year: ..." unless 2000 <= year <= 9999 (no record may
// be older than kEarliestRecordDate, domain/dates.h); "period.month: ..." unless 1..12.
absl::StatusOr<ReportingPeriod> PeriodToMonthEnd(int year, int month);

// ---------------------------------------------------------------------------------------
// Input: one patient and their records
// ---------------------------------------------------------------------------------------

// One follow-up record (随访服务记录表, rules.md §3) as far as the metrics are concerned:
// exactly the typed columns of the `followup` table (current version of each visit).
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

// The metric facts of a stored visit: its form and its assessment's final class.
VisitFact ToVisitFact(const FollowUpForm& form, const Assessment& assessment);

// A valid (complete) follow-up, the only kind that counts toward 在管, 规范管理 and the
// medication statuses (rules.md §5.1 在管; decisions "Failed visit"): not a failed visit,
// not a death report, and either a risk assessment (risk_level present) or 目前正在住院.
bool IsValidFollowUp(const VisitFact& v);

// One patient as the metrics see them. Built by the caller from rows; small on purpose.
struct PatientPeriodInput {
  absl::CivilDay registered_on;  // 建档 date (Beijing date of registered_at)
  DiagnosisCategory diagnosis = DiagnosisCategory::kUnspecified;  // F20 == kSchizophrenia
  std::optional<absl::CivilDay> died_on;                          // 死亡
  std::optional<absl::CivilDay> moved_out_on;                     // 迁出 from this roster
  std::optional<absl::CivilDay> deregistered_on;                  // 注销
  // The roster the caller aggregates into (region code). Not read by EvaluatePatient;
  // carried so that one value describes one patient row for rollups by region prefix.
  std::string jurisdiction;
  // Records in visit order (date, then recording time). Records dated after the cut-off
  // are ignored; records before Jan 1 count toward nothing but may be named in notes
  // ("no valid follow-up since 2023-11-20"), so a caller may pass them or not. Same-day
  // records keep their given order (the later one is "the last").
  std::vector<VisitFact> visits;
  std::vector<absl::CivilDay> health_checks;  // dates of completed annual health checks
  // Dates of community-rehabilitation participation records (社区康复, table rehab_session;
  // domain/rehab_records.h). Only dated records: the register's undated flag
  // (参加社区康复) is not one (docs/metrics.md "社区康复 and 心理疏导").
  std::vector<absl::CivilDay> rehab;
  // Dates of psychological-support records (心理疏导, table psych_support) to the patient,
  // the family, or both.
  std::vector<absl::CivilDay> psych_support;
};

// ---------------------------------------------------------------------------------------
// Output: the statuses of one patient
// ---------------------------------------------------------------------------------------

// One status a patient holds or not in a period. Numbers are stable (they may be stored
// and sent); 0 is unspecified. Every status except kRegistered implies kRegistered: a
// patient not 在册 at the cut-off holds no status, so every numerator below is a subset
// of its denominator.
enum class MetricStatus : int {
  kUnspecified = 0,
  // 在册 (rules.md §5.1): registered on or before the cut-off, and neither dead, moved out
  // (迁出) nor deregistered (注销) on or before it.
  kRegistered = 1,
  // 在管: 在册 with at least one valid follow-up (IsValidFollowUp) in the period.
  kManaged = 2,
  // 规范管理 R1 (default, jiangsu-2018; rules.md §5.2 "Recommended implementation"):
  // kManaged, and with month index mi = year*12 + month, the sorted list of
  //   mi(start) - 1, mi of each valid follow-up dated in [start, cut-off], mi(cut-off) + 1
  // has no gap above 3, where start = the later of Jan 1 and registered_on.
  // Requiring kManaged is a decision (docs/metrics.md): without it, the anchors alone make a
  // patient with no follow-up 规范 early in the year or when registered late in it.
  kStandardR1 = 3,
  // 规范管理 R2 (national-2018): at least 4 valid follow-ups in the period.
  kStandardR2 = 4,
  // 服药, Jiangsu rule (default): the last valid follow-up in the period records 规律 or
  // 间断 adherence, or 目前正在住院.
  kOnMedicationLast = 5,
  // 服药, national-analysis rule: any valid follow-up in the period records 规律, 间断 or
  // 目前正在住院.
  kOnMedicationAny = 6,
  // 规律服药 (rules.md §5.1, S11): no valid follow-up in the period records 间断 or 不服药;
  // at least one records 规律 or 目前正在住院; and so does at least one in every calendar
  // quarter lying wholly inside [start, cut-off] (all four at a full-year cut-off for a
  // patient registered before the year).
  kRegularMedication = 7,
  // 住院 in the period: a valid follow-up records 目前正在住院 or 曾住院现未住院. Not the
  // numerator of any rate; it makes up 精神分裂症治疗率.
  kHospitalised = 8,
  // 居家 (rules.md §5.1): kManaged, and the last valid follow-up records 期间未住院 or
  // 曾住院现未住院.
  kAtHome = 9,
  // 居家稳定 (rules.md §5.2 病情稳定率): kAtHome, and the last valid follow-up is dated on or
  // after cut-off minus 3 months (AddMonthsClamped) and classified 稳定.
  kHomeStable = 10,
  // 面访: a valid follow-up in the period was face to face (门诊 or 家庭访视).
  kFaceToFace = 11,
  // 体检: a completed health check is dated in the period.
  kHealthChecked = 12,
  // 失访 (adverse): the latest follow-up record in the period (valid or failed; death
  // reports aside) is a failed visit, i.e. the patient is unreached at the cut-off.
  kLost = 13,
  // 肇事肇祸 (adverse): follow-ups in the period report 肇事 or 肇祸 counts above 0.
  kIncident = 14,
  // 轻度滋事 (adverse): follow-ups in the period report 轻度滋事 counts above 0.
  kMinorTrouble = 15,
  // 分级分类 covered: a valid follow-up in the period has a risk level and a final class.
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
  // 心理疏导 (issue 14; seeds 004 "对70%以上的居家严重精神障碍患者及家属提供心理疏导服务"):
  // kAtHome, and a psychological-support record to the patient or the family is dated in
  // the period.
  kPsychSupport = 24,
};
inline constexpr int kMaxMetricStatus = 24;

// "registered", "managed", "standard_r1", ... (the enumerator name in snake case, without
// the k); "" for kUnspecified or an unknown value.
std::string_view MetricStatusName(MetricStatus s);
// "在册", "在管", "规范管理(R1)", ...; "" for kUnspecified or an unknown value.
std::string_view MetricStatusNameZh(MetricStatus s);

// Why a patient lacks a status it is expected to hold, or holds an adverse one (失访,
// 肇事肇祸, 轻度滋事). The text is Chinese first, English in brackets, names dates, months
// and counts but never the patient, and tells a worker what to act on, e.g.
//   "自2024-05-02起无有效随访 (no valid follow-up since 2024-05-02)"
//   "2024-02至2024-06间隔4个月 (4 months between the 2024-02 and 2024-06 visits)".
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
  //  * kRegistered is missing (why: not yet registered, died, moved out, deregistered);
  //  * the patient is 在册 and lacks kManaged, kStandardR1, kStandardR2, kOnMedicationLast,
  //    kOnMedicationAny, kRegularMedication, kFaceToFace, kHealthChecked or
  //    kAssessedClassified;
  //  * the patient is 居家 and lacks kHomeStable, kCommunityRehab or kPsychSupport;
  //  * the patient is F20 在册 and lacks kSchizophreniaTreatedLast / kSchizophreniaTreatedAny;
  //  * the patient holds kLost, kIncident or kMinorTrouble.
  // The F20 medication statuses have no note of their own: see kOnMedicationLast/Any.
  std::vector<StatusNote> notes;

  // The flag of `s`; false for kUnspecified or an unknown value.
  bool Has(MetricStatus s) const;
  // The note of `s`, or nullptr when there is none.
  const StatusNote* NoteFor(MetricStatus s) const;
};

// The statuses of one patient in `period` (rules.md §5.1, §5.2; each status's definition
// is on its enumerator above). Records may be in any date order (same-day records keep
// their order). Never fails: rows that passed the schema's checks are all meaningful;
// an unknown enum value simply matches no rule. Deterministic: equal inputs give equal
// results, notes included.
PatientMetrics EvaluatePatient(const PatientPeriodInput& patient, const ReportingPeriod& period);

// ---------------------------------------------------------------------------------------
// The indicator catalogue
// ---------------------------------------------------------------------------------------

// Every indicator of rules.md §5.2, plus four whose counts come from other tables (care
// team coverage, alert delivery and acknowledgement times, alerts that missed a required
// recipient). Stable numbers; 0 unspecified.
enum class Indicator : int {
  kUnspecified = 0,
  kReportedPrevalence = 1,           // 报告患病率
  kManagementRate = 2,               // 在册患者管理率 (在管率)
  kStandardizedManagementRate = 3,   // 规范管理率
  kMedicationRate = 4,               // 服药率
  kSchizophreniaMedicationRate = 5,  // 精神分裂症服药率
  kSchizophreniaTreatmentRate = 6,   // 精神分裂症治疗率
  kRegularMedicationRate = 7,        // 规律服药率
  kHomeStableRate = 8,               // 居家稳定率 (病情稳定率)
  kFaceToFaceRate = 9,               // 面访率
  kHealthCheckRate = 10,             // 体检率
  kLostRate = 11,                    // 失访率
  kIncidentRate = 12,                // 肇事肇祸率
  kMinorTroubleRate = 13,            // 轻度滋事率
  kAssessmentCoverage = 14,          // 综合评估及分级分类管理覆盖率
  kCommunityRehabRate = 15,          // 社区康复参与率
  kCareTeamCoverage = 16,            // 关爱帮扶小组覆盖率 (external counts)
  kAlertDeliveryTime = 17,           // 预警送达时长 (external counts)
  kAlertAckTime = 18,                // 预警确认时长 (external counts)
  kAlertGapRate = 19,                // 预警接收缺口率 (external counts; target 0)
  kPsychSupportCoverage = 20,        // 居家患者及家属心理疏导覆盖率
};
inline constexpr int kMaxIndicator = 20;

// What a rate is expressed in: value = numerator * scale / denominator, with scale 100
// (%), 1000 (‰) or 1 (minutes: a mean, total minutes / number of events).
enum class RateUnit : int { kPercent = 1, kPerMille = 2, kMinutes = 3 };

// Where the denominator comes from.
enum class DenominatorKind : int {
  kPatients = 1,            // a MetricStatus count: EvaluatePatient + StatusCounts
  kResidentPopulation = 2,  // 常住人口 of the region and year, entered by an administrator
  kExternal = 3,            // counted by another component; numerator too (see definition)
};

// Which RuleSet option (domain/followup_rules.h) chooses the numerator.
enum class MetricVariant : int {
  kNone = 0,          // the same in every rule set
  kStandardized = 1,  // RuleSet::standardized_r2: R1 (jiangsu-2018) or R2 (national-2018)
  kMedication = 2,    // RuleSet::medication_any_record: last visit (jiangsu) or any record
};

// A target as a lower bound in tenths of the indicator's unit: 970 is ">= 97.0 %",
// 45 is ">= 4.5 ‰". Integers, so that "met" is exact arithmetic, not floating point.
struct Target {
  int64_t tenths = 0;
  double value() const { return static_cast<double>(tenths) / 10.0; }
  bool operator==(const Target&) const = default;
};

struct IndicatorDef {
  Indicator id = Indicator::kUnspecified;
  std::string_view code;     // stable ASCII id, e.g. "management_rate"
  std::string_view name_zh;  // e.g. "在册患者管理率"
  std::string_view name_en;  // e.g. "management rate"
  DenominatorKind denominator_kind = DenominatorKind::kPatients;
  // The numerator status when the variant's option is off (jiangsu-2018) and when it is on
  // (national-2018); equal when variant is kNone. kUnspecified for kExternal indicators.
  MetricStatus numerator = MetricStatus::kUnspecified;
  MetricStatus numerator_variant = MetricStatus::kUnspecified;
  // kUnspecified unless denominator_kind is kPatients.
  MetricStatus denominator = MetricStatus::kUnspecified;
  RateUnit unit = RateUnit::kPercent;
  std::optional<Target> target;  // the plan's target (Gulou / Shanghai), if any
  bool lower_is_better = false;  // 失访, 肇事肇祸, 轻度滋事, and the alert times
  MetricVariant variant = MetricVariant::kNone;
  std::string_view source;      // e.g. "rules.md §5.2"
  std::string_view definition;  // one English sentence: numerator ÷ denominator
};

// Every indicator, in Indicator order (kReportedPrevalence first). Immutable static.
const std::vector<IndicatorDef>& IndicatorCatalogue();

// The definition of `id`; nullptr for kUnspecified or an unknown value.
const IndicatorDef* FindIndicator(Indicator id);
// The definition whose code is `code` ("management_rate"); nullptr when unknown.
const IndicatorDef* FindIndicatorByCode(std::string_view code);

// The numerator status of `def` under `rules`: numerator_variant when the option named by
// def.variant is on in `rules`, numerator otherwise.
MetricStatus NumeratorStatus(const IndicatorDef& def, const RuleSet& rules);

// ---------------------------------------------------------------------------------------
// Rates and aggregation (the plain-recomputation baseline)
// ---------------------------------------------------------------------------------------

struct Rate {
  int64_t numerator = 0;
  int64_t denominator = 0;      // 0 when unknown (no resident population)
  std::optional<double> value;  // in the unit; nullopt when the denominator is 0 or unknown
  std::optional<Target> target;
  // Whether value meets target (>= target; <= target when lower_is_better); nullopt when
  // there is no target or no value. Compared in integers: numerator * scale * 10 against
  // target.tenths * denominator.
  std::optional<bool> met;
};

// The rate `numerator` / `denominator` of indicator `def`. A missing or non-positive
// denominator gives no value: "unavailable", never 0 (decisions "Resident population").
// Expects 0 <= numerator; numerator <= denominator holds for kPatients indicators.
Rate MakeRate(const IndicatorDef& def, int64_t numerator, std::optional<int64_t> denominator);

// How many patients hold each status. Plain sums: adding patients, or merging the counts
// of disjoint groups (regions), in any order gives the same counts.
struct StatusCounts {
  std::array<int64_t, kMaxMetricStatus + 1> count{};  // index: MetricStatus; [0] unused

  int64_t Get(MetricStatus s) const;  // 0 for kUnspecified or an unknown value
  void Add(const PatientMetrics& p);
  void Merge(const StatusCounts& other);
  bool operator==(const StatusCounts&) const = default;
};

StatusCounts CountStatuses(const std::vector<PatientMetrics>& patients);

struct IndicatorRate {
  Indicator indicator = Indicator::kUnspecified;
  MetricStatus numerator = MetricStatus::kUnspecified;    // as chosen by the rule set
  MetricStatus denominator = MetricStatus::kUnspecified;  // kUnspecified: population
  Rate rate;
};

// The rates of one period under one rule set. Every computed rate records the rule set
// that produced it (rules.md "Product decisions").
struct MetricReport {
  ReportingPeriod period;
  std::string rule_set;  // RuleSet::name
  std::vector<IndicatorRate> rates;

  // The rate of `id`, or nullptr when it is not in the report.
  const IndicatorRate* Find(Indicator id) const;
};

// The rate of every kPatients and kResidentPopulation indicator, in catalogue order, from
// `counts` (kExternal indicators are left out: their counts live elsewhere; use MakeRate).
// `resident_population` is the 常住人口 of the same region and year; when it is nullopt or
// not positive, 报告患病率 has numerator 在册, denominator 0 and no value.
MetricReport ComputeRates(const StatusCounts& counts, std::optional<int64_t> resident_population,
                          const ReportingPeriod& period, const RuleSet& rules);

// CountStatuses then ComputeRates: the plain recomputation from per-patient results.
MetricReport AggregateRates(const std::vector<PatientMetrics>& patients,
                            std::optional<int64_t> resident_population,
                            const ReportingPeriod& period, const RuleSet& rules);

// The notes of `p` that matter under `rules`: those of kRegistered, of every status that
// is the numerator or denominator of a kPatients indicator under `rules`, and of kLost,
// kIncident and kMinorTrouble. So under jiangsu-2018 the R2 and any-record notes are left
// out, and under national-2018 the R1 and last-visit ones. Pointers into `p.notes`.
std::vector<const StatusNote*> NotesUnder(const PatientMetrics& p, const RuleSet& rules);

}  // namespace smd::domain
