#pragma once
// Rules of the patient register: the registration form (个人信息补充表, rules.md §7), the
// register states (rules.md §5.1) and closing a record on death or 注销 (rules.md §3).
// Pure functions over value types, thread-safe.

#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "domain/access_policy.h"
#include "domain/types.h"

namespace smd::domain {

// Validates every editable field of `p` (the content of proto PatientDetails), in proto field
// order, and returns the first error. `today` is the current date in Asia/Shanghai.
//
// Registration (`is_registration`): id_number must pass ParseResidentId, and the birth date
// it encodes is the lower bound of the clinical dates; p.sex / p.birth_date are ignored (set
// them with DeriveIdentity). Update: id_number is not editable and not checked, and
// p.birth_date must already hold the stored birth date.
//
// Rules (rules.md §7): name 1..50 characters; phone optional; address 1..200; jurisdiction a
// 12-digit community code; guardian name 1..50, relationship 1..20, phone required, address
// ≤200; community contact name ≤50, phone optional; consent_date required when consent and
// not in the future (not before birth); consent_signer ≤50; diagnosis + icd10 per
// CheckIcd10; diagnosing_hospital ≤100; diagnosis_date and first_antipsychotic_date not in
// the future nor before birth; onset a valid partial date (see below); past_symptoms each
// 1..12 without duplicates; past_symptoms_other ≤200; enums in range (0 = not filled);
// hospitalizations 0..200; each past_behaviour count 0..999; specialist_opinion ≤1000
// (multi-line). Text is valid UTF-8 counted in code points, without control characters.
// Phones per CheckPhone. Onset (初次发病时间, may be year or year-month only): year
// 1900..this year, month 0..12, day 0..31, no month/day without a year, no day without a
// month, a real date when complete, not after today and not before the birth date at the
// precision given.
// Errors: INVALID_ARGUMENT "<field>: <中文> (<English>)" (errors.h); never the value.
absl::Status ValidatePatientDetails(const Patient& p, absl::CivilDay today, bool is_registration);

// Parses p.id_number (ParseResidentId) and sets p.id_number to its normalized form, p.sex
// and p.birth_date from it. Leaves `p` unchanged on error.
// Errors: INVALID_ARGUMENT on "id_number".
absl::Status DeriveIdentity(Patient& p, absl::CivilDay today);

// Whether a patient in `status` may undergo `action` (rules.md §5.1: 迁出, 死亡 and 注销
// take the patient out of the register). kPatientRead/kPatientSearch: always OK.
// kPatientUpdate: OK while kActive or kTransferPending. kPatientTransfer (迁出) and
// kPatientClose: only while kActive.
// Errors: FAILED_PRECONDITION "患者已结案或已迁出 (the patient is closed or moved out)" or
// "有待处理的迁出 (a transfer is pending)".
absl::Status CheckPatientOpen(PatientStatus status, Action action);

// Same numbers as proto smd.v1.CloseKind.
enum class CloseKind : int { kUnspecified = 0, kDeath = 1, kCancellation = 2 };

// The content of a ClosePatient request.
struct CloseRequest {
  CloseKind kind = CloseKind::kUnspecified;
  std::optional<absl::CivilDay> date;  // death: required; 注销: defaults to today
  int death_cause = 0;                 // death: rules.md §3 code 1 躯体疾病 .. 6 其他
  std::string reason;                  // 注销: required, 1..200; death: optional detail ≤200
};

// The effective date of a move-out (迁出) or a close (死亡 / 注销): the day it happened, which
// decides the period the metrics count it in (docs/rules.md "Dates of records"). Not after
// `today` ("<field>: 不能晚于今天 (must not be in the future)") and, when `last_record` is
// given, not before it ("<field>: 不能早于患者最后一次随访或建档日期 (must not be before the
// patient's last follow-up or registration)"). `last_record` is the later of the 建档日期
// and the last valid follow-up (failed visits do not count: a 失访 is often how a past move
// or death comes to light).
absl::Status CheckEffectiveDate(std::string_view field, absl::CivilDay date,
                                absl::CivilDay today,
                                std::optional<absl::CivilDay> last_record);

// Validates closing `p` with `req` and returns the effective close date.
// Checks, in order: CheckPatientOpen(p.status, kPatientClose) (FAILED_PRECONDITION); kind
// specified ("kind"); death: date required, death_cause 1..6 ("death_cause"), reason ≤200;
// 注销: reason 1..200 ("reason"), date optional (today when absent); the date is not in
// the future and not before p.birth_date ("date"), and CheckEffectiveDate("date", date,
// today, last_record).
// Errors: FAILED_PRECONDITION as above; INVALID_ARGUMENT naming the field.
absl::StatusOr<absl::CivilDay> ValidateClose(
    const Patient& p, const CloseRequest& req, absl::CivilDay today,
    std::optional<absl::CivilDay> last_record = std::nullopt);

// ValidateClose, then on success sets status (kDeceased / kCancelled), closed_date,
// death_cause (0 for 注销) and close_reason. Leaves `p` unchanged on error. Does not touch
// version or timestamps (store/ does).
absl::Status ApplyClose(Patient& p, const CloseRequest& req, absl::CivilDay today,
                        std::optional<absl::CivilDay> last_record = std::nullopt);

// The Chinese name of a death-cause code (rules.md §3): "躯体疾病" .. "其他"; "" otherwise.
std::string_view DeathCauseNameZh(int code);

}  // namespace smd::domain
