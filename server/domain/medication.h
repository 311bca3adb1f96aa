#pragma once
// Medication rules (用药情况 / 用药指导, rules.md §3): checking prescribed lines against the
// drug catalogue (schema drug_catalogue, migration 0003), and the guidance a doctor hands
// to the family after a visit. Catalogue ranges are usual adult ranges for flagging, not
// prescriptions (docs/medication.md). Pure functions over value types, thread-safe as long
// as the DrugLookup is.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "domain/followup.h"

namespace smd::domain {

// drug_catalogue.kind; the numbers are the stored values.
enum class DrugKind : int {
  kOralAntipsychotic = 1,
  kMoodStabiliser = 2,
  kAntiEpileptic = 3,
  kLongActingInjectable = 4,  // 长效针剂 (antipsychotic); the only long-acting kind
  kAdjunct = 5,               // anticholinergic, benzodiazepine
};

// One row of drug_catalogue. Oral drugs (long_acting false) have only the daily range (mg
// per day, 早 + 中 + 晚); long-acting injectables only the per-injection dose range (mg) and
// the interval range (weeks). A missing bound is not checked.
struct DrugInfo {
  std::string code;     // e.g. "risperidone"
  std::string name_zh;  // e.g. "利培酮"
  std::string name_en;  // e.g. "risperidone"
  DrugKind kind = DrugKind::kOralAntipsychotic;
  bool long_acting = false;
  std::optional<double> min_daily_mg;
  std::optional<double> max_daily_mg;
  std::optional<double> min_dose_mg;
  std::optional<double> max_dose_mg;
  std::optional<int> min_interval_weeks;
  std::optional<int> max_interval_weeks;
  std::string source;  // the references the ranges come from
};

// Returns the catalogue entry for `code`, or nullptr when there is none. The pointer must
// stay valid for the duration of the call it is passed to. The caller decides whether
// inactive entries are returned (e.g. yes when re-checking a stored record).
using DrugLookup = std::function<const DrugInfo*(std::string_view code)>;

// Checks each line of `lines` (a form's 用药情况 or 用药指导) against the catalogue and
// returns the first error, in line order. `field` is the proto field of the list,
// "medications" or "guidance"; errors name "<field>[i]..." with i from 0.
//
// Per line, in order:
//  - drug_code empty: "<field>[i].drug_code" 必须选择药品; not found by `lookup`:
//    "<field>[i].drug_code: 药品不在目录中 (not in the drug catalogue)"; the same code on an
//    earlier line: "<field>[i].drug_code" 同一药品重复填写 (one line per drug, so the daily
//    total is checked).
//  - line.long_acting differs from the catalogue: "<field>[i].long_acting".
//  - Oral: the 早/中/晚 doses are finite and >= 0 ("<field>[i].morning_mg" etc.), their sum
//    is > 0, and the long-acting fields (interval_weeks, dose_mg) are 0.
//    Long-acting: interval_weeks 1..52 ("<field>[i].interval_weeks"), dose_mg finite and
//    > 0 ("<field>[i].dose_mg"), and the oral doses are 0.
//  - confirm_reason, when given, is single-line text of at most 200 characters
//    ("<field>[i].confirm_reason").
//  - Range: the daily total (oral), or the dose and then the interval (long-acting),
//    outside the catalogue range gives "<field>[i]: 利培酮 (risperidone) 日剂量超出常用范围
//    1–6 mg (daily dose outside the usual range); 如确需使用请确认并填写理由 (confirm with a
//    reason)" unless line.out_of_range_confirmed and confirm_reason is not blank. Confirmed
//    with a blank reason: "<field>[i].confirm_reason" 确认超出常用范围时必须填写理由.
// The drug's name is catalogue data and may appear in a message; doses never do.
// Errors: INVALID_ARGUMENT as above (errors.h format).
absl::Status CheckMedications(const std::vector<MedicationLine>& lines, const DrugLookup& lookup,
                              std::string_view field);

// Inputs of the family guidance. The free-text ADR description (FollowUpForm::adr_text) is
// deliberately not an input: guidance never echoes patient text.
struct GuidanceInput {
  std::vector<MedicationLine> regimen;  // the current regimen (usually the visit's 用药指导)
  Adherence adherence = Adherence::kUnspecified;
  AdverseReaction adr = AdverseReaction::kUnspecified;
  std::optional<absl::CivilDay> last_visit;
  // Date of the last long-acting injection, if known; last_visit is used when it is not.
  std::optional<absl::CivilDay> last_injection;
};

// Guidance a doctor can hand to the family. items_zh[i] and items_en[i] say the same thing.
struct Guidance {
  std::vector<std::string> items_zh;
  std::vector<std::string> items_en;
  // The earliest next long-acting injection over the regimen's long-acting lines: last
  // injection (or last visit) + interval_weeks. None without such a line or base date.
  std::optional<absl::CivilDay> next_injection;
  bool refer_for_adverse_reaction = false;  // serious ADR: refer now (rules.md §4.2)
};

// Builds the family guidance, in this order:
//  1. serious ADR: "立即转诊至精神专科医院处理药物不良反应 (refer now to a psychiatric
//     hospital for the adverse reaction)" and refer_for_adverse_reaction;
//  2. adherence: 规律 praise; 间断 / 不服药 counselling (relapse prevention, guardian
//     supervision under 精神卫生法 Art. 49, pill boxes and reminders, do not stop alone,
//     tell the doctor about side effects); 医嘱勿需服药 watch for relapse; not filled: a
//     neutral "take as prescribed";
//  3. long-acting injection: the next date, or "confirm the date with the doctor";
//  4. mild ADR: tell the prescriber at the next visit;
//  5. always: early relapse signs;
//  6. per drug class, then per drug, in regimen order and de-duplicated: antipsychotic
//     movement/metabolic effects and the NMS emergency, blood tests for mood stabilisers,
//     no abrupt stop of anti-epileptics, clozapine fever/sore throat (agranulocytosis),
//     lithium toxicity, valproate / carbamazepine / oxcarbazepine / lamotrigine rash and
//     jaundice, benzodiazepine and anticholinergic cautions. Drug items are keyed by the
//     catalogue codes of migration 0003 (clozapine, lithium_carbonate, sodium_valproate,
//     magnesium_valproate, carbamazepine, oxcarbazepine, lamotrigine, lorazepam,
//     clonazepam, trihexyphenidyl).
// Lines whose code `lookup` does not know add no class or drug items. Never fails.
Guidance MedicationGuidance(const GuidanceInput& in, const DrugLookup& lookup);

}  // namespace smd::domain
