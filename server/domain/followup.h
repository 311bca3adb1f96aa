#pragma once
// A follow-up visit on the national form (随访服务记录表, 2018 表8; rules.md §3), the
// rules engine's inputs and outputs (rules.md §4), and the records around a visit:
// emergencies (表12), referrals (表10), discharge notices (表4), annual health checks.
// Plain value types; enum numbers equal the proto enums (proto/smd/v1/followups.proto).
// Where the form's own codes start at 0 (住院情况) the enum shifts them by one so that 0 can
// mean "not filled"; the comment gives the form code.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "domain/types.h"

namespace smd::domain {

// 本次随访形式: 1 门诊 · 2 家庭访视 · 3 电话.
enum class VisitMode : int { kUnspecified = 0, kClinic = 1, kHome = 2, kPhone = 3 };

// 本次随访对象 (multi): 1 患者本人 · 2 患者家属、监护人 · 3 其他知情人.
inline constexpr int kMaxVisitSubject = 3;

// 若失访，原因: 1 外出打工 · 2 迁居他处 · 3 走失 · 4 连续3次未访到 · 5 其他.
enum class LostReason : int {
  kNone = 0,
  kWorkingAway = 1,
  kMovedAway = 2,
  kMissing = 3,          // 走失: also raises the police alert (issue 4)
  kThreeFailures = 4,    // set by the server after 3 consecutive failed visits
  kOther = 5,
};

// The doctor's judgement of current symptoms (rules.md §4.1 (d)): captured explicitly,
// never inferred from the symptom checkboxes.
enum class SymptomSeverity : int { kUnspecified = 0, kNone = 1, kResidual = 2, kMarked = 3 };

// 自知力: 1 自知力完全 · 2 自知力不全 · 3 自知力缺失.
enum class Insight : int { kUnspecified = 0, kComplete = 1, kPartial = 2, kLacking = 3 };

// 良好 / 一般 / 较差 (睡眠, 饮食, each social-function item); 9 此项不适用 only for work.
inline constexpr int kGood = 1;
inline constexpr int kFair = 2;
inline constexpr int kPoor = 3;
inline constexpr int kNotApplicable = 9;

struct SocialFunction {
  int self_care = 0;  // 个人生活料理
  int housework = 0;  // 家务劳动
  int work = 0;       // 生产劳动及工作 (9 = 此项不适用)
  int study = 0;      // 学习能力
  int social = 0;     // 社会人际交往
};

// 两次随访期间住院情况: form 0 未住院 · 1 目前正在住院 · 2 曾住院，现未住院.
enum class Hospitalization : int {
  kUnspecified = 0,
  kNever = 1,       // form 0
  kCurrently = 2,   // form 1 (counts as 在管 and as 服药, rules.md §5.1)
  kPreviously = 3,  // form 2
};

// 用药依从性 (rules.md §3): 1 规律 · 2 间断 · 3 不服药 · 4 医嘱勿需服药.
enum class Adherence : int {
  kUnspecified = 0,
  kRegular = 1,
  kIntermittent = 2,
  kNotTaking = 3,
  kNotNeeded = 4,
};

// 药物不良反应: none, or present; "serious" is the doctor's grading (rules.md §4.1).
enum class AdverseReaction : int { kUnspecified = 0, kNone = 1, kMild = 2, kSerious = 3 };

// 躯体疾病 (rules.md §11.1 legend): none, stable, worsening (not serious), serious.
enum class PhysicalIllness : int {
  kUnspecified = 0,
  kNone = 1,
  kStable = 2,
  kWorsening = 3,
  kSerious = 4,
};

// 本次随访分类 (form codes): 1 不稳定 · 2 基本稳定 · 3 稳定.
enum class Classification : int { kNone = 0, kUnstable = 1, kBasicallyStable = 2, kStable = 3 };

// One drug line of 用药情况 / 用药指导 (rules.md §3).
struct MedicationLine {
  std::string drug_code;   // catalogue code (schema drug_catalogue)
  double morning_mg = 0;   // oral: 早/中/晚 mg
  double noon_mg = 0;
  double evening_mg = 0;
  bool long_acting = false;  // 长效药: every `interval_weeks` weeks, `dose_mg` each time
  int interval_weeks = 0;
  double dose_mg = 0;
  // A dose outside the catalogue range is accepted only when the prescriber confirms it.
  bool out_of_range_confirmed = false;
  std::string confirm_reason;
};

struct Referral {
  bool referred = false;  // 是否转诊: 2 是
  std::string reason;
  std::string hospital;
  std::string department;
};

// A follow-up record as the doctor fills it. A failed visit (失访) has `lost_reason` set
// and no assessment fields; a visit may report the patient's death.
struct FollowUpForm {
  absl::CivilDay visit_date;
  VisitMode mode = VisitMode::kUnspecified;
  std::vector<int> subjects;  // 1..3
  // 失访.
  LostReason lost_reason = LostReason::kNone;
  std::string lost_reason_other;
  // 死亡 (closes the case).
  std::optional<absl::CivilDay> death_date;
  int death_cause = 0;  // 1..6 (rules.md §3)
  // Assessment (required unless failed, death or hospital-only). Present exactly when the
  // visit assessed the patient's risk (issue 14: no -1 sentinel).
  std::optional<int> risk_level;  // 0..5 (rules.md §2)
  SymptomSeverity symptom_severity = SymptomSeverity::kUnspecified;
  std::vector<int> symptoms;  // 1..12
  std::string symptoms_other;
  Insight insight = Insight::kUnspecified;
  int sleep = 0;  // 1..3
  int diet = 0;   // 1..3
  SocialFunction social;
  DangerousBehaviour behaviour;  // since the last visit
  LockupStatus lockup = LockupStatus::kUnspecified;
  Hospitalization hospitalization = Hospitalization::kUnspecified;
  std::optional<absl::CivilDay> last_discharge_date;
  bool lab_done = false;
  std::string lab_text;
  Adherence adherence = Adherence::kUnspecified;
  AdverseReaction adr = AdverseReaction::kUnspecified;
  std::string adr_text;
  PhysicalIllness physical = PhysicalIllness::kUnspecified;
  TreatmentEffect effect = TreatmentEffect::kUnspecified;
  Referral referral;
  std::vector<MedicationLine> medications;  // 用药情况, at most 5
  std::vector<MedicationLine> guidance;     // 用药指导, at most 5
  std::vector<int> rehab;                   // 康复措施 1..5
  std::string rehab_other;
  bool other_abnormality = false;           // "no other abnormality" of 稳定 (rules.md §4.1)
  // The doctor may record a classification other than the computed one, with a reason.
  Classification recorded_class = Classification::kNone;  // kNone: accept the computed one
  std::string override_reason;
  std::string notes;
};

inline bool IsFailedVisit(const FollowUpForm& f) { return f.lost_reason != LostReason::kNone; }
inline bool ReportsDeath(const FollowUpForm& f) { return f.death_date.has_value(); }
// A hospital-only visit (docs/rules.md "Hospital-only visits"; rules.md §5.1 在管, S7): the
// patient is 目前正在住院 and the visit records that without a risk assessment. It is a
// valid follow-up (在管, 服药) but classifies nothing.
inline bool IsHospitalOnlyVisit(const FollowUpForm& f) {
  return !IsFailedVisit(f) && !ReportsDeath(f) && !f.risk_level.has_value() &&
         f.hospitalization == Hospitalization::kCurrently;
}

// What a stored visit keeps in plaintext typed columns next to its encrypted form (schema
// 0002 `followup`): the facts a listing still serves when the form does not decrypt.
struct VisitFacts {
  absl::CivilDay visit_date;
  VisitMode mode = VisitMode::kUnspecified;
  bool failed = false;
  LostReason lost_reason = LostReason::kNone;  // the effective reason (4 on the third)
  std::optional<int> risk_level;               // absent: not assessed
  Adherence adherence = Adherence::kUnspecified;
  Hospitalization hospitalization = Hospitalization::kUnspecified;
  int minor_trouble = 0;  // 轻度滋事, 肇事, 肇祸 since the last visit
  int trouble = 0;
  int accident = 0;
};

// The form of a visit whose encrypted form cannot be read (docs/api.md "Unreadable
// records"), rebuilt from its typed columns: visit_date, mode, risk_level, adherence,
// hospitalization and behaviour.minor_trouble/trouble/accident as stored; lost_reason is
// the stored reason for a failed visit (kOther if a failed row has none) and kNone
// otherwise, so IsFailedVisit() answers as the row's `failed` column does. Everything else
// keeps its "not filled" default; in particular death_date is unknown, so ReportsDeath()
// is false: the visit's death report is FollowUp::reports_death, from its own typed
// column. Pure, thread-safe.
FollowUpForm FormFromFacts(const VisitFacts& facts);

// What the rules engine requires after a visit (rules.md §4.2, product decisions).
enum class RequiredAction : int {
  kReferNow = 1,            // 立即转诊 to a psychiatric hospital
  kNotifyPolice = 2,        // mandatory police/综治 alert (risk >= 3, 走失, 肇事/肇祸)
  kAssignCareTeam = 3,      // 关爱帮扶小组 with doctor, police officer, grid worker
  kEmergencyHandling = 4,   // 应急处置 (risk 5, or 4 with self-harm per C05 "consider")
  kTwoWeekReview = 5,       // 基本稳定: review within 2 weeks
  kSpecialistGuidance = 6,  // contact the treating psychiatrist / 上级医院 guidance
  kAdjustTreatment = 7,     // find the cause; adjust dose within range
  kHealthEducation = 8,     // every visit: education, rehab guidance, family support
  kContinueRegimen = 9,     // 稳定: continue the plan
};

// Where the patient stood before this visit, from the stored history.
struct PriorState {
  std::optional<absl::CivilDay> last_valid_visit;         // last non-failed visit
  Classification last_class = Classification::kNone;      // its final classification
  bool last_due_was_two_week_review = false;              // it scheduled a 2-week review
  int trailing_failed_visits = 0;                         // failed visits since then
};

// The rules engine's result, stored with the visit.
struct Assessment {
  Classification computed = Classification::kNone;
  Classification final_class = Classification::kNone;  // recorded_class if given, else computed
  std::vector<RequiredAction> actions;                   // sorted, no duplicates
  std::optional<absl::CivilDay> next_due;                // none for a death
  bool next_is_two_week_review = false;
  LostReason effective_lost_reason = LostReason::kNone;  // 4 after 3 consecutive failures
  std::string rule_set;                                  // e.g. "jiangsu-2018"
};

// A stored visit: the form, its assessment, and its place in the correction history.
struct FollowUp {
  std::string id;          // UUID of this version
  std::string visit_id;    // UUID shared by all versions of one visit
  int version = 1;         // 1 = original; corrections add versions, the old ones stay
  std::string patient_id;
  FollowUpForm form;
  Assessment assessment;
  std::string author_id;
  std::string correction_reason;  // for version > 1
  absl::Time recorded_at;
  bool current = true;     // the latest version of its visit
  // The visit reports a death. Set by the store from its typed column, so it is known
  // when the form is not (see unreadable); use VisitReportsDeath().
  bool reports_death = false;
  // The stored form did not decrypt or decode: `form` holds only FormFromFacts() of the
  // typed columns; the assessment, ids, author, times and version are whole. Set only
  // by listings; a read of the one visit fails instead (DATA_LOSS).
  bool unreadable = false;
};

// Whether visit `f` reports a death, from its form or, when the form is unreadable, from
// the stored flag.
inline bool VisitReportsDeath(const FollowUp& f) { return f.reports_death || ReportsDeath(f.form); }

}  // namespace smd::domain
