#pragma once
// Helpers for the domain unit tests: synthetic resident IDs (never a real person's number:
// built from a fixed region prefix, a chosen birth date and sequence, with a computed check
// character), a valid registration, and status matchers.

#include <cstdio>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "domain/resident_id.h"
#include "domain/types.h"
#include "gmock/gmock.h"
#include "support/synthetic.h"

namespace smd::domain::testing {

// "Today" in every domain test.
inline const absl::CivilDay kToday(2024, 3, 1);

// First 17 characters: prefix (6) + YYYYMMDD + sequence (3, odd = male).
inline std::string First17(std::string_view prefix, absl::CivilDay birth, int sequence) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04d%02d%02d%03d", static_cast<int>(birth.year()), birth.month(),
                birth.day(), sequence);
  return std::string(prefix) + buf;
}

// A synthetic, checksum-valid resident ID.
inline std::string SyntheticId(absl::CivilDay birth = absl::CivilDay(1990, 1, 1),
                               int sequence = 123, std::string_view prefix = "320106") {
  return ::smd::testing::SyntheticIdNumber(birth, sequence, prefix);
}

// A patient whose registration passes ValidatePatientDetails (synthetic data only).
inline Patient ValidRegistration() {
  Patient p;
  p.id_number = SyntheticId();
  p.name = "张三";
  p.phone = "0000-837 1234";  // phones: undiallable forms (support/synthetic.h)
  p.address = "南京市鼓楼区某路1号";
  p.jurisdiction = "320106001003";
  p.guardian.name = "李四";
  p.guardian.relationship = "母亲";
  p.guardian.address = "南京市鼓楼区某路1号";
  p.guardian.phone = "+0 138-0000-0000";
  p.community_contact_name = "王五";
  p.community_contact_phone = "00008371000";
  p.consent = true;
  p.consent_date = absl::CivilDay(2024, 2, 1);
  p.consent_signer = "监护人";
  p.diagnosis = DiagnosisCategory::kSchizophrenia;
  p.icd10 = "F20.0";
  p.diagnosing_hospital = "南京脑科医院";
  p.diagnosis_date = absl::CivilDay(2015, 6, 1);
  p.onset = PartialDate{2014, 0, 0};
  p.past_symptoms = {1, 3, 12};
  p.past_symptoms_other = "失眠";
  p.past_lockup = LockupStatus::kNone;
  p.outpatient = OutpatientHistory::kIntermittent;
  p.first_antipsychotic_date = absl::CivilDay(2015, 6, 2);
  p.hospitalizations = 2;
  p.last_treatment_effect = TreatmentEffect::kImproved;
  p.past_behaviour.minor_trouble = 1;
  p.economic = EconomicStatus::kNotPoor;
  p.specialist_opinion = "规律服药。\n定期随访。";
  p.community_rehab = true;
  return p;
}

// Matches an INVALID_ARGUMENT status whose message names `field` ("<field>: ...").
MATCHER_P(IsFieldError, field, "is INVALID_ARGUMENT on field " + std::string(field)) {
  const absl::Status& s = arg;
  const std::string prefix = std::string(field) + ": ";
  *result_listener << "status: " << s;
  return s.code() == absl::StatusCode::kInvalidArgument &&
         std::string(s.message()).rfind(prefix, 0) == 0;
}

MATCHER_P(HasCode, code, "") {
  const absl::Status& s = arg;
  *result_listener << "status: " << s;
  return s.code() == code;
}

MATCHER(IsOk, "is OK") {
  const absl::Status& s = arg;
  *result_listener << "status: " << s;
  return s.ok();
}

}  // namespace smd::domain::testing
