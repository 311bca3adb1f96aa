#pragma once
// The six covered diagnoses and their ICD-10 codes (rules.md §1). Pure, thread-safe.

#include <string_view>

#include "absl/status/status.h"
#include "domain/types.h"

namespace smd::domain {

// Checks that `category` is one of the six disorders and that `code` is a well-formed
// ICD-10 code of that disorder (rules.md §1):
//   - format ^[A-Z][0-9]{2}(\.[0-9A-Z]{1,2})?$, uppercase only (no normalization is done:
//     a lowercase code is rejected with its own reason so the client fixes its input);
//   - prefix: 精神分裂症 F20, 分裂情感性障碍 F25, 偏执性精神病 F22, 双相障碍 F31,
//     癫痫所致精神障碍 F06 (the mental-disorder code; G40 alone is not accepted),
//     精神发育迟滞伴发精神障碍 F70-F79.
// Errors: INVALID_ARGUMENT on "diagnosis" (unspecified or unknown category) or on "icd10"
// (required / lowercase / format / not a code of the chosen category).
absl::Status CheckIcd10(DiagnosisCategory category, std::string_view code);

// The Chinese name of a category (e.g. "精神分裂症"); "" for kUnspecified or an unknown value.
std::string_view DiagnosisNameZh(DiagnosisCategory category);

}  // namespace smd::domain
