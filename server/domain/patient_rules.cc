#include "domain/patient_rules.h"

#include <array>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "domain/dates.h"
#include "domain/diagnosis.h"
#include "domain/errors.h"
#include "domain/region.h"
#include "domain/resident_id.h"
#include "domain/text.h"

namespace smd::domain {
namespace {

constexpr int kMinYear = 1900;

absl::Status CheckEnum(std::string_view field, int value, int max) {
  if (value < 0 || value > max) {
    return FieldError(field, "取值超出范围", "value is out of range");
  }
  return absl::OkStatus();
}

absl::Status CheckCount(std::string_view field, int value, int max) {
  if (value < 0 || value > max) {
    return FieldError(field, absl::StrCat("必须在0到", max, "之间"),
                      absl::StrCat("must be between 0 and ", max));
  }
  return absl::OkStatus();
}

// A full date that must lie in [birth, today].
absl::Status CheckLifeDate(std::string_view field, absl::CivilDay date, absl::CivilDay birth,
                           absl::CivilDay today) {
  if (date > today) {
    return FieldError(field, "不能晚于今天", "must not be in the future");
  }
  if (date < birth) {
    return FieldError(field, "不能早于出生日期", "must not be before the birth date");
  }
  return absl::OkStatus();
}

absl::Status CheckOptionalLifeDate(std::string_view field,
                                   const std::optional<absl::CivilDay>& date, absl::CivilDay birth,
                                   absl::CivilDay today) {
  return date.has_value() ? CheckLifeDate(field, *date, birth, today) : absl::OkStatus();
}

// 初次发病时间 (rules.md §7: "may be given as year only").
absl::Status CheckOnset(const PartialDate& d, absl::CivilDay birth, absl::CivilDay today) {
  constexpr std::string_view kField = "onset";
  if (d.year == 0) {
    if (d.month != 0 || d.day != 0) {
      return FieldError(kField, "填写月、日时必须填写年份", "month or day given without a year");
    }
    return absl::OkStatus();
  }
  if (d.year < kMinYear || d.year > today.year()) {
    return FieldError(kField, "年份必须在1900年至今年之间",
                      "year must be between 1900 and this year");
  }
  if (d.month < 0 || d.month > 12) {
    return FieldError(kField, "月份必须为1至12（未知填0）",
                      "month must be 1 to 12, or 0 if unknown");
  }
  if (d.day < 0 || d.day > 31) {
    return FieldError(kField, "日必须为1至31（未知填0）", "day must be 1 to 31, or 0 if unknown");
  }
  if (d.day != 0 && d.month == 0) {
    return FieldError(kField, "填写日时必须填写月份", "day given without a month");
  }
  if (d.day != 0 && !IsRealDate(d.year, d.month, d.day)) {
    return FieldError(kField, "日期无效", "not a valid calendar date");
  }
  // Compare at the precision given: a year-only onset in the birth year is fine.
  const auto key = [&d](int year, int month, int day) {
    return std::array<int, 3>{year, d.month == 0 ? 0 : month, d.day == 0 ? 0 : day};
  };
  const std::array<int, 3> onset = {d.year, d.month, d.day};
  if (onset > key(static_cast<int>(today.year()), today.month(), today.day())) {
    return FieldError(kField, "不能晚于今天", "must not be in the future");
  }
  if (onset < key(static_cast<int>(birth.year()), birth.month(), birth.day())) {
    return FieldError(kField, "不能早于出生日期", "must not be before the birth date");
  }
  return absl::OkStatus();
}

absl::Status CheckPastSymptoms(const std::vector<int>& symptoms) {
  // rules.md §3 目前症状: 1 幻觉 .. 12 其他.
  std::array<bool, 13> seen = {};
  for (int s : symptoms) {
    if (s < 1 || s > 12) {
      return FieldError("past_symptoms", "症状代码必须为1至12", "each code must be 1 to 12");
    }
    if (seen[s]) {
      return FieldError("past_symptoms", "症状代码重复", "a code is repeated");
    }
    seen[s] = true;
  }
  return absl::OkStatus();
}

absl::Status CheckBehaviour(const DangerousBehaviour& b) {
  // rules.md §3/§7 危险行为 counts.
  constexpr int kMax = 999;
  const std::array<std::pair<std::string_view, int>, 6> counts = {{
      {"past_behaviour.minor_trouble", b.minor_trouble},
      {"past_behaviour.trouble", b.trouble},
      {"past_behaviour.accident", b.accident},
      {"past_behaviour.other_harm", b.other_harm},
      {"past_behaviour.self_harm", b.self_harm},
      {"past_behaviour.attempted_suicide", b.attempted_suicide},
  }};
  for (const auto& [field, value] : counts) {
    RETURN_IF_ERROR(CheckCount(field, value, kMax));
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidatePatientDetails(const Patient& p, absl::CivilDay today, bool is_registration) {
  // rules.md §7: the 个人信息补充表 (2018 表7) with the 2018 additions.
  absl::CivilDay birth = p.birth_date;
  if (is_registration) {
    ASSIGN_OR_RETURN(const ResidentId id, ParseResidentId(p.id_number, today));
    birth = id.birth_date;
  }
  RETURN_IF_ERROR(CheckText("name", p.name, /*required=*/true, 50));
  RETURN_IF_ERROR(CheckPhone("phone", p.phone, /*required=*/false));
  RETURN_IF_ERROR(CheckText("address", p.address, /*required=*/true, 200));
  RETURN_IF_ERROR(CheckRegionCode("jurisdiction", p.jurisdiction, RegionLevel::kCommunity));

  RETURN_IF_ERROR(CheckText("guardian.name", p.guardian.name, /*required=*/true, 50));
  RETURN_IF_ERROR(
      CheckText("guardian.relationship", p.guardian.relationship, /*required=*/true, 20));
  RETURN_IF_ERROR(CheckText("guardian.address", p.guardian.address, /*required=*/false, 200));
  RETURN_IF_ERROR(CheckPhone("guardian.phone", p.guardian.phone, /*required=*/true));
  RETURN_IF_ERROR(
      CheckText("community_contact_name", p.community_contact_name, /*required=*/false, 50));
  RETURN_IF_ERROR(
      CheckPhone("community_contact_phone", p.community_contact_phone, /*required=*/false));

  // 知情同意 (2018 表5): a consent is signed and dated.
  if (p.consent && !p.consent_date.has_value()) {
    return FieldError("consent_date", "同意参加管理时必须填写签署日期",
                      "required when consent is given");
  }
  RETURN_IF_ERROR(CheckOptionalLifeDate("consent_date", p.consent_date, birth, today));
  RETURN_IF_ERROR(CheckText("consent_signer", p.consent_signer, /*required=*/false, 50));

  RETURN_IF_ERROR(CheckIcd10(p.diagnosis, p.icd10));  // rules.md §1
  RETURN_IF_ERROR(CheckText("diagnosing_hospital", p.diagnosing_hospital, /*required=*/false, 100));
  RETURN_IF_ERROR(CheckOptionalLifeDate("diagnosis_date", p.diagnosis_date, birth, today));
  RETURN_IF_ERROR(CheckOnset(p.onset, birth, today));

  RETURN_IF_ERROR(CheckPastSymptoms(p.past_symptoms));
  RETURN_IF_ERROR(CheckText("past_symptoms_other", p.past_symptoms_other, /*required=*/false, 200));
  RETURN_IF_ERROR(CheckEnum("past_lockup", static_cast<int>(p.past_lockup), 3));
  RETURN_IF_ERROR(CheckEnum("outpatient", static_cast<int>(p.outpatient), 3));
  RETURN_IF_ERROR(
      CheckOptionalLifeDate("first_antipsychotic_date", p.first_antipsychotic_date, birth, today));
  RETURN_IF_ERROR(CheckCount("hospitalizations", p.hospitalizations, 200));
  RETURN_IF_ERROR(CheckEnum("last_treatment_effect", static_cast<int>(p.last_treatment_effect), 4));
  RETURN_IF_ERROR(CheckBehaviour(p.past_behaviour));
  RETURN_IF_ERROR(CheckEnum("economic", static_cast<int>(p.economic), 3));
  RETURN_IF_ERROR(CheckText("specialist_opinion", p.specialist_opinion, /*required=*/false, 1000,
                            TextLines::kMulti));
  return absl::OkStatus();
}

absl::Status DeriveIdentity(Patient& p, absl::CivilDay today) {
  ASSIGN_OR_RETURN(ResidentId id, ParseResidentId(p.id_number, today));
  p.id_number = std::move(id.number);
  p.sex = id.sex;
  p.birth_date = id.birth_date;
  return absl::OkStatus();
}

absl::Status CheckPatientOpen(PatientStatus status, Action action) {
  // rules.md §5.1: 迁出 (moved out), 死亡 and 注销 leave the register.
  if (action == Action::kPatientRead || action == Action::kPatientSearch) {
    return absl::OkStatus();
  }
  switch (status) {
    case PatientStatus::kActive:
      return absl::OkStatus();
    case PatientStatus::kTransferPending:
      if (action == Action::kPatientUpdate) {
        return absl::OkStatus();
      }
      return absl::FailedPreconditionError("有待处理的迁出 (a transfer is pending)");
    default:
      return absl::FailedPreconditionError(
          "患者已结案或已迁出 (the patient is closed or moved out)");
  }
}

absl::Status CheckEffectiveDate(std::string_view field, absl::CivilDay date,
                                absl::CivilDay today,
                                std::optional<absl::CivilDay> last_record) {
  if (date > today) {
    return FieldError(field, "不能晚于今天", "must not be in the future");
  }
  if (last_record.has_value() && date < *last_record) {
    return FieldError(field, "不能早于患者最后一次随访或建档日期",
                      "must not be before the patient's last follow-up or registration");
  }
  return absl::OkStatus();
}

absl::StatusOr<absl::CivilDay> ValidateClose(const Patient& p, const CloseRequest& req,
                                             absl::CivilDay today,
                                             std::optional<absl::CivilDay> last_record) {
  RETURN_IF_ERROR(CheckPatientOpen(p.status, Action::kPatientClose));
  absl::CivilDay date = today;
  switch (req.kind) {
    case CloseKind::kDeath:
      // rules.md §3 如死亡: 日期, 原因 (1..6).
      if (!req.date.has_value()) {
        return FieldError("date", "必须填写死亡日期", "the date of death is required");
      }
      date = *req.date;
      if (DeathCauseNameZh(req.death_cause).empty()) {
        return FieldError("death_cause", "死亡原因必须为1至6", "must be a cause code 1 to 6");
      }
      RETURN_IF_ERROR(CheckText("reason", req.reason, /*required=*/false, 200));
      break;
    case CloseKind::kCancellation:
      // 注销: a written reason; the date defaults to today.
      RETURN_IF_ERROR(CheckText("reason", req.reason, /*required=*/true, 200));
      date = req.date.value_or(today);
      break;
    default:
      return FieldError("kind", "必须选择死亡或注销", "must be death or cancellation");
  }
  RETURN_IF_ERROR(CheckLifeDate("date", date, p.birth_date, today));
  // docs/rules.md "Dates of records": a past close counts from its own date.
  RETURN_IF_ERROR(CheckEffectiveDate("date", date, today, last_record));
  return date;
}

absl::Status ApplyClose(Patient& p, const CloseRequest& req, absl::CivilDay today,
                        std::optional<absl::CivilDay> last_record) {
  ASSIGN_OR_RETURN(const absl::CivilDay date, ValidateClose(p, req, today, last_record));
  const bool death = req.kind == CloseKind::kDeath;
  p.status = death ? PatientStatus::kDeceased : PatientStatus::kCancelled;
  p.closed_date = date;
  p.death_cause = death ? req.death_cause : 0;
  p.close_reason = req.reason;
  return absl::OkStatus();
}

std::string_view DeathCauseNameZh(int code) {
  // rules.md §3 如死亡 原因.
  static constexpr std::array<std::string_view, 6> kNames = {
      "躯体疾病", "自杀", "他杀", "意外", "精神疾病相关并发症", "其他"};
  return code >= 1 && code <= 6 ? kNames[code - 1] : "";
}

}  // namespace smd::domain
