#include "domain/followup_validation.h"

#include <array>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "domain/dates.h"
#include "domain/errors.h"
#include "domain/text.h"

namespace smd::domain {
namespace {

constexpr int kMaxBehaviourCount = 999;  // rules.md §3 危险行为 counts
constexpr int kMaxDrugLines = 5;         // rules.md §3 用药情况 (form: 3; room for 5)
constexpr double kMaxOralDoseMg = 10000;
constexpr double kMaxLongActingDoseMg = 2000;
constexpr int kMaxLongActingWeeks = 12;

// A required coded field: 0 means "not filled".
absl::Status CheckRequiredCode(std::string_view field, int value, int max) {
  if (value == 0) {
    return FieldError(field, "必填", "required");
  }
  if (value < 1 || value > max) {
    return FieldError(field, "取值超出范围", "value is out of range");
  }
  return absl::OkStatus();
}

absl::Status CheckOptionalCode(std::string_view field, int value, int max) {
  return value == 0 ? absl::OkStatus() : CheckRequiredCode(field, value, max);
}

// A multi-choice list: each code 1..max, no code twice.
absl::Status CheckCodeList(std::string_view field, const std::vector<int>& codes, int max,
                           bool required) {
  if (required && codes.empty()) {
    return FieldError(field, "至少选择一项", "at least one is required");
  }
  std::array<bool, 16> seen = {};
  for (int c : codes) {
    if (c < 1 || c > max) {
      return FieldError(field, absl::StrCat("代码必须为1至", max),
                        absl::StrCat("each code must be 1 to ", max));
    }
    if (seen[c]) {
      return FieldError(field, "代码重复", "a code is repeated");
    }
    seen[c] = true;
  }
  return absl::OkStatus();
}

bool Contains(const std::vector<int>& codes, int code) {
  for (int c : codes) {
    if (c == code) {
      return true;
    }
  }
  return false;
}

// A date reported on the form: in [birth, limit], where `limit` is the visit date or today.
absl::Status CheckFormDate(std::string_view field, absl::CivilDay date, absl::CivilDay birth,
                           absl::CivilDay visit, absl::CivilDay today) {
  if (date > today) {
    return FieldError(field, "不能晚于今天", "must not be in the future");
  }
  if (date > visit) {
    return FieldError(field, "不能晚于随访日期", "must not be after the visit date");
  }
  if (date < birth) {
    return FieldError(field, "不能早于出生日期", "must not be before the birth date");
  }
  return absl::OkStatus();
}

// The first assessment field that is filled in, or "" when none is. A failed visit or a
// death carries none of them (decisions table "Failed visit"; rules.md §3).
std::string_view FirstAssessmentField(const FollowUpForm& f) {
  const DangerousBehaviour& b = f.behaviour;
  const SocialFunction& s = f.social;
  const Referral& r = f.referral;
  const std::pair<std::string_view, bool> fields[] = {
      {"risk_level", f.risk_level.has_value()},
      {"symptom_severity", f.symptom_severity != SymptomSeverity::kUnspecified},
      {"symptoms", !f.symptoms.empty()},
      {"symptoms_other", !f.symptoms_other.empty()},
      {"insight", f.insight != Insight::kUnspecified},
      {"sleep", f.sleep != 0},
      {"diet", f.diet != 0},
      {"social.self_care", s.self_care != 0},
      {"social.housework", s.housework != 0},
      {"social.work", s.work != 0},
      {"social.study", s.study != 0},
      {"social.social", s.social != 0},
      {"behaviour.minor_trouble", b.minor_trouble != 0},
      {"behaviour.trouble", b.trouble != 0},
      {"behaviour.accident", b.accident != 0},
      {"behaviour.other_harm", b.other_harm != 0},
      {"behaviour.self_harm", b.self_harm != 0},
      {"behaviour.attempted_suicide", b.attempted_suicide != 0},
      {"lockup", f.lockup != LockupStatus::kUnspecified},
      {"hospitalization", f.hospitalization != Hospitalization::kUnspecified},
      {"last_discharge_date", f.last_discharge_date.has_value()},
      {"lab_done", f.lab_done},
      {"lab_text", !f.lab_text.empty()},
      {"adherence", f.adherence != Adherence::kUnspecified},
      {"adr", f.adr != AdverseReaction::kUnspecified},
      {"adr_text", !f.adr_text.empty()},
      {"physical", f.physical != PhysicalIllness::kUnspecified},
      {"effect", f.effect != TreatmentEffect::kUnspecified},
      {"referral", r.referred || !r.reason.empty() || !r.hospital.empty() ||
                       !r.department.empty()},
      {"medications", !f.medications.empty()},
      {"guidance", !f.guidance.empty()},
      {"rehab", !f.rehab.empty()},
      {"rehab_other", !f.rehab_other.empty()},
      {"other_abnormality", f.other_abnormality},
      {"recorded_class", f.recorded_class != Classification::kNone},
      {"override_reason", !f.override_reason.empty()},
  };
  for (const auto& [field, filled] : fields) {
    if (filled) {
      return field;
    }
  }
  return "";
}

// One line of 用药情况 / 用药指导 (rules.md §3): the shape only; the catalogue range check
// is domain/medication's.
absl::Status CheckDrugLine(std::string_view list, int index, const MedicationLine& m) {
  // Debian's absl::string_view is not std::string_view: build the paths by hand.
  const std::string prefix =
      std::string(list).append("[").append(std::to_string(index)).append("].");
  const auto field = [&prefix](std::string_view name) { return std::string(prefix).append(name); };
  RETURN_IF_ERROR(CheckText(field("drug_code"), m.drug_code, /*required=*/true, 40));
  const std::array<std::pair<std::string_view, double>, 3> oral = {{
      {"morning_mg", m.morning_mg},
      {"noon_mg", m.noon_mg},
      {"evening_mg", m.evening_mg},
  }};
  bool any_oral = false;
  for (const auto& [name, dose] : oral) {
    if (!(dose >= 0 && dose <= kMaxOralDoseMg)) {  // also rejects NaN
      return FieldError(field(name), "剂量必须在0到10000毫克之间",
                        "dose must be between 0 and 10000 mg");
    }
    any_oral = any_oral || dose > 0;
  }
  if (m.long_acting) {
    // 长效药: 每 __ 周一次, 每次 __ mg.
    if (m.interval_weeks < 1 || m.interval_weeks > kMaxLongActingWeeks) {
      return FieldError(field("interval_weeks"), "长效药间隔必须为1至12周",
                        "must be 1 to 12 weeks for a long-acting drug");
    }
    if (!(m.dose_mg > 0 && m.dose_mg <= kMaxLongActingDoseMg)) {
      return FieldError(field("dose_mg"), "长效药每次剂量必须大于0且不超过2000毫克",
                        "must be above 0 and at most 2000 mg for a long-acting drug");
    }
  } else {
    if (!any_oral) {
      return FieldError(field("morning_mg"), "早、中、晚剂量至少填写一项",
                        "at least one of the morning, noon and evening doses is required");
    }
    if (m.interval_weeks != 0) {
      return FieldError(field("interval_weeks"), "仅长效药填写",
                        "only for a long-acting drug");
    }
    if (m.dose_mg != 0) {
      return FieldError(field("dose_mg"), "仅长效药填写", "only for a long-acting drug");
    }
  }
  return CheckText(field("confirm_reason"), m.confirm_reason,
                   /*required=*/m.out_of_range_confirmed, 200);
}

absl::Status CheckDrugList(std::string_view list, const std::vector<MedicationLine>& lines) {
  if (lines.size() > kMaxDrugLines) {
    return FieldError(list, "最多填写5种药物", "at most 5 drugs");
  }
  for (std::size_t i = 0; i < lines.size(); ++i) {
    RETURN_IF_ERROR(CheckDrugLine(list, static_cast<int>(i), lines[i]));
  }
  return absl::OkStatus();
}

// rules.md §3 社会功能情况: 5 items, each 1 良好 · 2 一般 · 3 较差; work also 9 不适用.
absl::Status CheckSocial(const SocialFunction& s) {
  RETURN_IF_ERROR(CheckRequiredCode("social.self_care", s.self_care, kPoor));
  RETURN_IF_ERROR(CheckRequiredCode("social.housework", s.housework, kPoor));
  if (s.work != kNotApplicable) {
    RETURN_IF_ERROR(CheckRequiredCode("social.work", s.work, kPoor));
  }
  RETURN_IF_ERROR(CheckRequiredCode("social.study", s.study, kPoor));
  return CheckRequiredCode("social.social", s.social, kPoor);
}

// rules.md §3 危险行为 (since the last visit, with counts).
absl::Status CheckBehaviour(const DangerousBehaviour& b) {
  const std::array<std::pair<std::string_view, int>, 6> counts = {{
      {"behaviour.minor_trouble", b.minor_trouble},
      {"behaviour.trouble", b.trouble},
      {"behaviour.accident", b.accident},
      {"behaviour.other_harm", b.other_harm},
      {"behaviour.self_harm", b.self_harm},
      {"behaviour.attempted_suicide", b.attempted_suicide},
  }};
  for (const auto& [field, value] : counts) {
    if (value < 0 || value > kMaxBehaviourCount) {
      return FieldError(field, "必须在0到999之间", "must be between 0 and 999");
    }
  }
  return absl::OkStatus();
}

// The assessment of a valid (non-failed, non-death) visit: rules.md §2, §3, §4.1.
absl::Status CheckAssessment(const FollowUpForm& f, absl::CivilDay birth, absl::CivilDay today) {
  // rules.md §2: a risk assessment at every follow-up, level 0..5. Absence is not level 0
  // (issue 14): only a failed visit, a death or a hospital-only visit goes without one.
  if (!f.risk_level.has_value()) {
    return FieldError("risk_level", "必填（仅失访、死亡或目前正在住院的记录可不填）",
                      "required unless the visit failed, reports a death or the patient is "
                      "in hospital");
  }
  if (*f.risk_level < 0 || *f.risk_level > 5) {
    return FieldError("risk_level", "危险性评估必须为0至5级", "must be a level 0 to 5");
  }
  // rules.md §4.1 (d): the doctor's explicit judgement of symptoms.
  RETURN_IF_ERROR(
      CheckRequiredCode("symptom_severity", static_cast<int>(f.symptom_severity), 3));
  RETURN_IF_ERROR(CheckCodeList("symptoms", f.symptoms, 12, /*required=*/false));
  RETURN_IF_ERROR(
      CheckText("symptoms_other", f.symptoms_other, /*required=*/Contains(f.symptoms, 12), 200));
  RETURN_IF_ERROR(CheckRequiredCode("insight", static_cast<int>(f.insight), 3));
  RETURN_IF_ERROR(CheckRequiredCode("sleep", f.sleep, 3));
  RETURN_IF_ERROR(CheckRequiredCode("diet", f.diet, 3));
  RETURN_IF_ERROR(CheckSocial(f.social));
  RETURN_IF_ERROR(CheckBehaviour(f.behaviour));
  RETURN_IF_ERROR(CheckRequiredCode("lockup", static_cast<int>(f.lockup), 3));
  RETURN_IF_ERROR(CheckRequiredCode("hospitalization", static_cast<int>(f.hospitalization), 3));
  if (f.last_discharge_date.has_value()) {
    RETURN_IF_ERROR(
        CheckFormDate("last_discharge_date", *f.last_discharge_date, birth, f.visit_date, today));
  }
  RETURN_IF_ERROR(CheckText("lab_text", f.lab_text, /*required=*/f.lab_done, 500,
                            TextLines::kMulti));
  RETURN_IF_ERROR(CheckRequiredCode("adherence", static_cast<int>(f.adherence), 4));
  RETURN_IF_ERROR(CheckRequiredCode("adr", static_cast<int>(f.adr), 3));
  RETURN_IF_ERROR(CheckText("adr_text", f.adr_text,
                            /*required=*/f.adr == AdverseReaction::kMild ||
                                f.adr == AdverseReaction::kSerious,
                            500, TextLines::kMulti));
  RETURN_IF_ERROR(CheckRequiredCode("physical", static_cast<int>(f.physical), 4));
  RETURN_IF_ERROR(CheckOptionalCode("effect", static_cast<int>(f.effect), 4));
  // 是否转诊: 2 是 → 原因, 转诊至机构及科室.
  const Referral& r = f.referral;
  RETURN_IF_ERROR(CheckText("referral.reason", r.reason, /*required=*/r.referred, 100));
  RETURN_IF_ERROR(CheckText("referral.hospital", r.hospital, /*required=*/r.referred, 200));
  RETURN_IF_ERROR(CheckText("referral.department", r.department, /*required=*/false, 50));
  RETURN_IF_ERROR(CheckDrugList("medications", f.medications));
  RETURN_IF_ERROR(CheckDrugList("guidance", f.guidance));
  // 康复措施: 1 生活劳动能力 · 2 职业训练 · 3 学习能力 · 4 社会交往 · 5 其他.
  RETURN_IF_ERROR(CheckCodeList("rehab", f.rehab, 5, /*required=*/false));
  RETURN_IF_ERROR(
      CheckText("rehab_other", f.rehab_other, /*required=*/Contains(f.rehab, 5), 200));
  // 本次随访分类 recorded by the doctor: an override of the computed class needs a reason.
  const int recorded = static_cast<int>(f.recorded_class);
  if (recorded < 0 || recorded > 3) {
    return FieldError("recorded_class", "取值超出范围", "value is out of range");
  }
  return CheckText("override_reason", f.override_reason,
                   /*required=*/f.recorded_class != Classification::kNone, 200);
}

}  // namespace

absl::Status ValidateFollowUpForm(const FollowUpForm& f, absl::CivilDay birth_date,
                                  absl::CivilDay registered_on, absl::CivilDay today) {
  // rules.md §3 随访日期: a visit happened, so not after today; and it is a visit of a
  // registered patient, so not before the 建档日期 (docs/rules.md "Dates of records").
  if (f.visit_date > today) {
    return FieldError("visit_date", "随访日期不能晚于今天", "must not be in the future");
  }
  if (f.visit_date < birth_date) {
    return FieldError("visit_date", "不能早于出生日期", "must not be before the birth date");
  }
  if (f.visit_date < registered_on) {
    return FieldError("visit_date", "随访日期不能早于建档日期",
                      "must not be before the patient's registration date");
  }
  if (f.visit_date < kEarliestRecordDate) {
    return FieldError("visit_date", "不能早于2000年1月1日", "must not be before 2000-01-01");
  }
  // 本次随访形式: 1 门诊 · 2 家庭访视 · 3 电话.
  RETURN_IF_ERROR(CheckRequiredCode("mode", static_cast<int>(f.mode), 3));
  // 本次随访对象 (2018): required unless nobody was reached (失访).
  RETURN_IF_ERROR(
      CheckCodeList("subjects", f.subjects, kMaxVisitSubject, /*required=*/!IsFailedVisit(f)));

  if (IsFailedVisit(f)) {
    // rules.md §3 若失访，原因 1..5; decisions "Failed visit": no assessment.
    RETURN_IF_ERROR(CheckRequiredCode("lost_reason", static_cast<int>(f.lost_reason), 5));
    RETURN_IF_ERROR(CheckText("lost_reason_other", f.lost_reason_other,
                              /*required=*/f.lost_reason == LostReason::kOther, 200));
    if (ReportsDeath(f)) {
      return FieldError("death_date", "失访记录不能同时报告死亡",
                        "a failed visit cannot also report a death");
    }
    if (f.death_cause != 0) {
      return FieldError("death_cause", "失访记录不能同时报告死亡",
                        "a failed visit cannot also report a death");
    }
    if (std::string_view field = FirstAssessmentField(f); !field.empty()) {
      return FieldError(field, "失访记录不填写评估", "a failed visit carries no assessment");
    }
  } else {
    RETURN_IF_ERROR(CheckText("lost_reason_other", f.lost_reason_other, /*required=*/false, 200));
    if (ReportsDeath(f)) {
      // rules.md §3 如死亡：日期, 原因 1..6.
      RETURN_IF_ERROR(CheckFormDate("death_date", *f.death_date, birth_date, f.visit_date, today));
      RETURN_IF_ERROR(CheckRequiredCode("death_cause", f.death_cause, 6));
      if (std::string_view field = FirstAssessmentField(f); !field.empty()) {
        return FieldError(field, "死亡记录不填写评估", "a death record carries no assessment");
      }
    } else {
      if (f.death_cause != 0) {
        return FieldError("death_cause", "未填写死亡日期时不填写死亡原因",
                          "only with a date of death");
      }
      if (IsHospitalOnlyVisit(f)) {
        // docs/rules.md "Hospital-only visits" (rules.md §5.1 在管: a record of 目前正在住院
        // counts without a risk assessment, S7). Anything else assessed means the patient
        // was assessed, and then the risk level is required like on any visit.
        FollowUpForm rest = f;
        rest.hospitalization = Hospitalization::kUnspecified;
        rest.last_discharge_date.reset();
        if (!FirstAssessmentField(rest).empty()) {
          return FieldError("risk_level", "已填写评估项时必须填写危险性评估",
                            "required when the visit assessed the patient");
        }
        if (f.last_discharge_date.has_value()) {
          RETURN_IF_ERROR(CheckFormDate("last_discharge_date", *f.last_discharge_date,
                                        birth_date, f.visit_date, today));
        }
      } else {
        RETURN_IF_ERROR(CheckAssessment(f, birth_date, today));
      }
    }
  }
  return CheckText("notes", f.notes, /*required=*/false, 1000, TextLines::kMulti);
}

}  // namespace smd::domain
