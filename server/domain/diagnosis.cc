#include "domain/diagnosis.h"

#include "domain/errors.h"

namespace smd::domain {
namespace {

bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// ^[A-Z][0-9]{2}(\.[0-9A-Z]{1,2})?$ after mapping a-z to A-Z when `fold_case`.
bool MatchesIcd10Format(std::string_view code, bool fold_case) {
  const auto upper = [fold_case](char c) { return IsUpper(c) || (fold_case && IsLower(c)); };
  if (code.size() != 3 && code.size() != 5 && code.size() != 6) {
    return false;
  }
  if (!upper(code[0]) || !IsDigit(code[1]) || !IsDigit(code[2])) {
    return false;
  }
  if (code.size() == 3) {
    return true;
  }
  if (code[3] != '.') {
    return false;
  }
  for (std::size_t i = 4; i < code.size(); ++i) {
    if (!IsDigit(code[i]) && !upper(code[i])) {
      return false;
    }
  }
  return true;
}

}  // namespace

absl::Status CheckIcd10(DiagnosisCategory category, std::string_view code) {
  // rules.md §1: six categories, each with its ICD-10 block.
  std::string_view name = DiagnosisNameZh(category);
  if (name.empty()) {
    return FieldError("diagnosis", "必须选择六类严重精神障碍之一",
                      "must be one of the six covered disorders");
  }
  if (code.empty()) {
    return FieldError("icd10", "必填", "required");
  }
  if (!MatchesIcd10Format(code, /*fold_case=*/false)) {
    if (MatchesIcd10Format(code, /*fold_case=*/true)) {
      return FieldError("icd10", "字母必须大写", "letters must be uppercase");
    }
    return FieldError("icd10", "ICD-10编码格式错误", "must look like F20 or F20.0");
  }
  const std::string_view block = code.substr(0, 3);
  bool matches = false;
  switch (category) {
    case DiagnosisCategory::kSchizophrenia:
      matches = block == "F20";
      break;
    case DiagnosisCategory::kSchizoaffective:
      matches = block == "F25";
      break;
    case DiagnosisCategory::kPersistentDelusional:
      matches = block == "F22";
      break;
    case DiagnosisCategory::kBipolar:
      matches = block == "F31";
      break;
    case DiagnosisCategory::kEpilepsyRelated:
      // The mental-disorder code F06 is recorded; the epilepsy code G40 is not enough.
      matches = block == "F06";
      break;
    case DiagnosisCategory::kIntellectualDisabilityRelated:
      matches = block[0] == 'F' && block[1] == '7';  // F70-F79
      break;
    case DiagnosisCategory::kUnspecified:
      break;
  }
  if (!matches) {
    return FieldError("icd10", "不属于所选诊断类别",
                      "does not belong to the chosen diagnosis category");
  }
  return absl::OkStatus();
}

std::string_view DiagnosisNameZh(DiagnosisCategory category) {
  switch (category) {
    case DiagnosisCategory::kSchizophrenia:
      return "精神分裂症";
    case DiagnosisCategory::kSchizoaffective:
      return "分裂情感性障碍";
    case DiagnosisCategory::kPersistentDelusional:
      return "偏执性精神病";
    case DiagnosisCategory::kBipolar:
      return "双相情感障碍";
    case DiagnosisCategory::kEpilepsyRelated:
      return "癫痫所致精神障碍";
    case DiagnosisCategory::kIntellectualDisabilityRelated:
      return "精神发育迟滞伴发精神障碍";
    case DiagnosisCategory::kUnspecified:
      break;
  }
  return "";
}

}  // namespace smd::domain
