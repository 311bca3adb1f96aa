#pragma once
// Value types of the domain (rules.md §1, §3, §7, §8, §9). Plain structs, no I/O.
// Enum numeric values equal the proto enum values in proto/smd/v1 so conversions are
// a cast checked by api/convert; they are also what the database stores.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace smd::domain {

// Roles (rules.md §8). One role per user.
enum class Role : int {
  kUnspecified = 0,
  kCommunityDoctor = 1,   // 精防医生: registers, follows up; full record in jurisdiction
  kPsychiatrist = 2,      // 精神科医师: diagnoses, guidance; clinical record, ID masked
  kPolice = 3,            // 公安: need-to-know public-safety view, no clinical fields
  kGridWorker = 4,        // 网格员: care-team view, no clinical fields
  kCommunityWorker = 5,   // 社区工作者: care-team view, no clinical fields
  kHealthCommittee = 6,   // 卫健委: aggregates only, never a patient row
  kAuditor = 7,           // reads and verifies the audit trail, changes nothing
  kAdmin = 8,             // manages users and regions inside its own jurisdiction
};
inline constexpr int kMaxRole = 8;

// The authenticated caller of one RPC.
struct Principal {
  std::string user_id;        // UUID text
  std::string username;
  Role role = Role::kUnspecified;
  std::string jurisdiction;   // region code: 6 (district), 9 (street) or 12 (community) digits
  std::string session_id;     // UUID text of the session row
  // An administrator set the password and the user has not changed it yet: every call but
  // WhoAmI, ChangePassword and Logout is refused (app::RunCall; schema 0015).
  bool must_change_password = false;
};

// The six covered disorders (rules.md §1).
enum class DiagnosisCategory : int {
  kUnspecified = 0,
  kSchizophrenia = 1,                 // 精神分裂症 F20
  kSchizoaffective = 2,               // 分裂情感性障碍 F25
  kPersistentDelusional = 3,          // 偏执性精神病 F22
  kBipolar = 4,                       // 双相情感障碍 F31
  kEpilepsyRelated = 5,               // 癫痫所致精神障碍 F06 (+G40)
  kIntellectualDisabilityRelated = 6, // 精神发育迟滞伴发精神障碍 F70-F79
};

enum class Sex : int { kUnknown = 0, kMale = 1, kFemale = 2 };

// Register status (在册 and its exits).
enum class PatientStatus : int {
  kUnspecified = 0,
  kActive = 1,           // 在册
  kTransferPending = 2,  // 迁出 requested to a jurisdiction inside the system, not yet accepted
  kMovedOut = 3,         // 迁出 to a place outside the system: leaves 在册
  kDeceased = 4,         // 死亡
  kCancelled = 5,        // 注销
};

// 关锁 (rules.md §3, §7): 1 无关锁 · 2 关锁 · 3 关锁已解除.
enum class LockupStatus : int { kUnspecified = 0, kNone = 1, kLocked = 2, kReleased = 3 };

// 既往门诊治疗 (rules.md §7): 1 未治 · 2 间断门诊治疗 · 3 连续门诊治疗.
enum class OutpatientHistory : int { kUnspecified = 0, kNever = 1, kIntermittent = 2, kContinuous = 3 };

// 经济状况 (rules.md §7): 1 贫困 · 2 非贫困 · 3 不详.
enum class EconomicStatus : int { kUnspecified = 0, kPoor = 1, kNotPoor = 2, kUnknown = 3 };

// 治疗效果 (rules.md §7): 1 痊愈 · 2 好转 · 3 无变化 · 4 加重.
enum class TreatmentEffect : int { kUnspecified = 0, kCured = 1, kImproved = 2, kUnchanged = 3, kWorse = 4 };

// 危险行为 counts (rules.md §3, §7).
struct DangerousBehaviour {
  int minor_trouble = 0;      // 轻度滋事
  int trouble = 0;            // 肇事
  int accident = 0;           // 肇祸
  int other_harm = 0;         // 其他危害行为
  int self_harm = 0;          // 自伤
  int attempted_suicide = 0;  // 自杀未遂
};

// A date that may be known to the year or month only (初次发病时间 "may be given as year
// only", rules.md §7). month/day are 0 when unknown.
struct PartialDate {
  int year = 0;
  int month = 0;
  int day = 0;
  bool empty() const { return year == 0; }
};

struct Guardian {
  std::string name;          // encrypted at rest
  std::string relationship;  // 与患者关系
  std::string address;       // encrypted at rest
  std::string phone;         // encrypted at rest
};

// A registered patient: the 个人信息补充表 (rules.md §7, 2018 表7) plus register state.
// Identifying fields (id_number, name, phone, address, guardian name/address/phone) are
// plaintext only in memory; store/ encrypts them with the row id as associated data.
struct Patient {
  std::string id;  // UUID text, assigned by the app before insert
  // Identity.
  std::string id_number;  // 18-digit GB 11643 resident ID
  std::string name;
  Sex sex = Sex::kUnknown;              // derived from id_number
  absl::CivilDay birth_date;            // derived from id_number
  std::string phone;
  std::string address;
  std::string jurisdiction;             // 12-digit community code
  // Guardian and community contact.
  Guardian guardian;
  std::string community_contact_name;   // 辖区村(居)委会联系人 (staff, not the patient)
  std::string community_contact_phone;
  // Consent (知情同意, 2018 表5).
  bool consent = false;
  std::optional<absl::CivilDay> consent_date;
  std::string consent_signer;           // 患者本人 / 监护人 ...
  // Diagnosis.
  DiagnosisCategory diagnosis = DiagnosisCategory::kUnspecified;
  std::string icd10;
  std::string diagnosing_hospital;      // 确诊医院
  std::optional<absl::CivilDay> diagnosis_date;
  PartialDate onset;                    // 初次发病时间
  // History (补充表).
  std::vector<int> past_symptoms;       // 1..12 (rules.md §3 目前症状 list)
  std::string past_symptoms_other;
  LockupStatus past_lockup = LockupStatus::kUnspecified;
  OutpatientHistory outpatient = OutpatientHistory::kUnspecified;
  std::optional<absl::CivilDay> first_antipsychotic_date;
  int hospitalizations = 0;
  TreatmentEffect last_treatment_effect = TreatmentEffect::kUnspecified;
  DangerousBehaviour past_behaviour;
  EconomicStatus economic = EconomicStatus::kUnspecified;
  std::string specialist_opinion;
  // 2018 additions.
  bool poverty_relief = false;          // 精准扶贫
  bool guardianship_subsidy = false;    // 监护补助
  bool disability_certificate = false;  // 残疾证
  bool community_rehab = false;         // 参加社区康复
  // Register state (maintained by the server).
  PatientStatus status = PatientStatus::kActive;
  int risk_level = -1;                  // last assessed 0..5, -1 when never assessed
  int classification = 0;              // last 本次随访分类 (0 none, 1 不稳定, 2 基本稳定, 3 稳定)
  std::optional<absl::CivilDay> closed_date;
  std::string close_reason;             // cause of death or 注销 reason
  int death_cause = 0;                  // 1..6 (rules.md §3 死亡原因) when kDeceased, else 0
  std::string transfer_to;              // pending transfer target, when kTransferPending
  int64_t version = 0;
  // The store's write counter of the encrypted cells, as read (migration 0013,
  // store/cipher_cells.h): not a domain value, and not `version` (docs/adr/0004). Carried
  // from the read to the write so that the write needs no second lookup; the write fails
  // unless the row still has it.
  int64_t enc_version = 0;
  absl::Time registered_at;
  absl::Time updated_at;
  std::string registered_by;            // user id
};

}  // namespace smd::domain
