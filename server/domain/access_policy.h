#pragma once
// The need-to-know access policy (rules.md §8; 精神卫生法 Art. 4(3): a patient's identity
// and records are confidential except where a duty under law needs them).
//
// kRolePolicies below is THE single table of role x action, role x patient-field group and
// ID-number display. Everything else in this header is derived from it. docs/security.md
// ("Roles, actions and fields") mirrors it; AccessPolicyMarkdown() renders it and
// tests/unit/domain/access_policy_test.cc compares that rendering with a golden copy of the
// docs table, so changing the table without changing the docs fails a test.
//
// All functions are pure and thread-safe.

#include <array>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "domain/types.h"

namespace smd::domain {

// What a caller may do. Names (ActionName) appear in audit records and error messages.
enum class Action : int {
  kPatientRegister = 0,  // patient.register
  kPatientRead,          // patient.read
  kPatientSearch,        // patient.search
  kPatientUpdate,        // patient.update
  kPatientTransfer,      // patient.transfer (迁出 and 迁入)
  kPatientClose,         // patient.close (死亡, 注销)
  kUserAdmin,            // user.admin
  kRegionRead,           // region.read
  kRegionAdmin,          // region.admin (regions and 常住人口)
  kAuditRead,            // audit.read
  kAuditVerify,          // audit.verify (hash chain)
  kMetricsRead,          // metrics.read (aggregates, rules.md §5)
  kFollowUpRecord,       // followup.record: visits, emergencies, referrals, discharges, checks
  kFollowUpRead,         // followup.read: clinical records, guidance, timeline
  kFollowUpSupervise,    // followup.supervise: correct any visit after the author's 7 days
  kWorklistRead,         // worklist.read: follow-up worklists of the jurisdiction
  kCareTeamManage,       // careteam.manage: add/end 关爱帮扶小组 members, list team gaps
  kCareTeamRead,         // careteam.read: a patient's team, the caller's own memberships
  kAlertGapRead,         // alert.gaps: alerts no account of a required role could receive
                         // (community codes and alert facts, no patient identity)
  kNetworkRead,          // network.read: the service-network registry and counts (no
                         // patient data; issue 14 point 5)
  kNetworkEdit,          // network.edit: register/edit/close sites, enter counts
  kDrugsRead,            // drugs.read: the drug catalogue (reference data, no patient data)
  kRulesRead,            // rules.read: the configured rule set, alert deadlines, duty roles
};
inline constexpr int kActionCount = 23;

// Groups of patient fields, the unit of need-to-know (ApplyView says which Patient members
// each group covers).
enum class PatientField : int {
  kIdentity = 0,      // name, sex, birth date, ID number
  kContact,           // phone, address
  kGuardian,          // guardian name, relationship, address, phone
  kCommunityContact,  // 辖区村(居)委会联系人 and phone
  kJurisdiction,      // the patient's community
  kStatus,            // register status, close date/reason/death cause, transfer target
  kRiskLevel,         // last 危险性评估 level
  kClassification,    // last 本次随访分类
  kCareTeam,          // 关爱帮扶小组 members (no Patient member yet)
  kIncidents,         // past dangerous behaviour counts, past 关锁
  kDiagnosis,         // category, ICD-10, diagnosing hospital, diagnosis date
  kMedication,        // drugs and doses (follow-up records; no Patient member yet)
  kClinicalHistory,   // onset, symptoms, treatment history, effect, specialist opinion
  kConsent,           // 知情同意, its date and signer
  kEligibility,       // economic status, poverty relief, subsidy, disability cert, rehab
};
inline constexpr int kPatientFieldCount = 15;

// How much of the resident ID number a role sees.
enum class IdNumberDisplay : int { kNone = 0, kMasked = 1, kWhole = 2 };

// Which need-to-know view a patient was cut to. Same numbers as proto smd.v1.PatientView.
enum class PatientViewKind : int { kNone = 0, kClinical = 1, kPublicSafety = 2 };

using ActionSet = std::uint32_t;  // bit i set = Action i allowed
using FieldSet = std::uint32_t;   // bit i set = PatientField i visible

constexpr ActionSet Actions(std::initializer_list<Action> actions) {
  ActionSet set = 0;
  for (Action a : actions) {
    set |= ActionSet{1} << static_cast<int>(a);
  }
  return set;
}

constexpr FieldSet Fields(std::initializer_list<PatientField> fields) {
  FieldSet set = 0;
  for (PatientField f : fields) {
    set |= FieldSet{1} << static_cast<int>(f);
  }
  return set;
}

// Every action on patient rows.
inline constexpr ActionSet kPatientActions =
    Actions({Action::kPatientRegister, Action::kPatientRead, Action::kPatientSearch,
             Action::kPatientUpdate, Action::kPatientTransfer, Action::kPatientClose});

// The care-team view (grid and community workers): who the patient is, how to reach them
// and their guardian, where they live, and the alert-level state. No clinical field.
inline constexpr FieldSet kCareTeamFields =
    Fields({PatientField::kIdentity, PatientField::kContact, PatientField::kGuardian,
            PatientField::kCommunityContact, PatientField::kJurisdiction, PatientField::kStatus,
            PatientField::kRiskLevel, PatientField::kClassification, PatientField::kCareTeam});

// The police view (rules.md §8: identity, address, guardian contact, risk level, incidents;
// no diagnosis detail or medication list).
inline constexpr FieldSet kPublicSafetyFields =
    kCareTeamFields | Fields({PatientField::kIncidents});

inline constexpr FieldSet kAllFields = (FieldSet{1} << kPatientFieldCount) - 1;

struct RolePolicy {
  Role role;
  std::string_view name;     // stable API/config name, e.g. "community_doctor"
  std::string_view name_zh;  // display name, e.g. "精防医生"
  ActionSet actions;
  FieldSet fields;
  IdNumberDisplay id_number;
};

// THE table (rules.md §8 "Suggested need-to-know matrix", as decided for Gulou). Indexed by
// role number - 1. Every role may read regions. The drug catalogue (reference data) goes to
// the doctors who prescribe from it and to administrators, the configured rule set to
// administrators only. Only the two doctor roles see clinical fields; the psychiatrist sees
// the ID number masked; the police see it whole (they identify the person) but nothing
// clinical; the health committee sees aggregates only.
inline constexpr std::array<RolePolicy, kMaxRole> kRolePolicies = {{
    {Role::kCommunityDoctor, "community_doctor", "精防医生",
     kPatientActions | Actions({Action::kRegionRead, Action::kMetricsRead,
                                Action::kFollowUpRecord, Action::kFollowUpRead,
                                Action::kWorklistRead, Action::kCareTeamManage,
                                Action::kCareTeamRead, Action::kNetworkRead,
                                Action::kDrugsRead}),
     kAllFields, IdNumberDisplay::kWhole},
    {Role::kPsychiatrist, "psychiatrist", "精神科医师",
     Actions({Action::kPatientRegister, Action::kPatientRead, Action::kPatientSearch,
              Action::kPatientUpdate, Action::kRegionRead, Action::kMetricsRead,
              Action::kFollowUpRecord, Action::kFollowUpRead, Action::kFollowUpSupervise,
              Action::kWorklistRead, Action::kCareTeamManage, Action::kCareTeamRead,
              Action::kNetworkRead, Action::kDrugsRead}),
     kAllFields, IdNumberDisplay::kMasked},
    {Role::kPolice, "police", "公安民警",
     Actions({Action::kPatientRead, Action::kPatientSearch, Action::kRegionRead,
              Action::kCareTeamRead}),
     kPublicSafetyFields, IdNumberDisplay::kWhole},
    {Role::kGridWorker, "grid_worker", "网格员",
     Actions({Action::kPatientRead, Action::kPatientSearch, Action::kRegionRead,
              Action::kCareTeamRead}),
     kCareTeamFields, IdNumberDisplay::kMasked},
    {Role::kCommunityWorker, "community_worker", "社区工作者",
     Actions({Action::kPatientRead, Action::kPatientSearch, Action::kRegionRead,
              Action::kCareTeamRead}),
     kCareTeamFields, IdNumberDisplay::kMasked},
    {Role::kHealthCommittee, "health_committee", "卫健委",
     Actions({Action::kMetricsRead, Action::kRegionRead, Action::kNetworkRead,
              Action::kNetworkEdit}),
     Fields({}), IdNumberDisplay::kNone},
    {Role::kAuditor, "auditor", "审计员",
     Actions({Action::kAuditRead, Action::kAuditVerify, Action::kRegionRead}), Fields({}),
     IdNumberDisplay::kNone},
    {Role::kAdmin, "admin", "系统管理员",
     Actions({Action::kUserAdmin, Action::kRegionAdmin, Action::kRegionRead,
              Action::kAlertGapRead, Action::kNetworkRead, Action::kNetworkEdit,
              Action::kDrugsRead, Action::kRulesRead}),
     Fields({}),
     IdNumberDisplay::kNone},
}};

namespace internal {
constexpr bool PoliciesAreConsistent() {
  for (std::size_t i = 0; i < kRolePolicies.size(); ++i) {
    const RolePolicy& p = kRolePolicies[i];
    if (static_cast<std::size_t>(p.role) != i + 1) {
      return false;  // the table is indexed by role number
    }
    const bool identity = (p.fields & Fields({PatientField::kIdentity})) != 0;
    if (identity != (p.id_number != IdNumberDisplay::kNone)) {
      return false;  // the ID number is part of the identity group
    }
    if (((p.actions & kPatientActions) != 0) != identity) {
      return false;  // a role touching patient rows must at least see who they are
    }
  }
  return true;
}
}  // namespace internal
static_assert(internal::PoliciesAreConsistent());
static_assert(kRolePolicies.size() == static_cast<std::size_t>(kMaxRole));

// The row of `role`, or nullptr for kUnspecified / an out-of-range value.
const RolePolicy* PolicyOf(Role role);

// "patient.read" etc.; "unknown" for an out-of-range value.
std::string_view ActionName(Action action);
// "identity", "clinical_history" etc.; "unknown" for an out-of-range value.
std::string_view PatientFieldName(PatientField field);

// "community_doctor" etc.; "unspecified" for kUnspecified or an out-of-range value.
std::string_view RoleName(Role role);
// "精防医生" etc.; "未指定" for kUnspecified or an out-of-range value.
std::string_view RoleNameZh(Role role);
// Inverse of RoleName for the eight roles (exact, lowercase); nullopt otherwise.
std::optional<Role> ParseRole(std::string_view name);

bool RoleAllows(Role role, Action action);
bool RoleSeesField(Role role, PatientField field);
bool RoleSeesWholeIdNumber(Role role);
// True when the role may perform any patient action, i.e. may touch patient rows.
bool RoleNeedsPatientScope(Role role);
// kClinical when the role sees diagnoses, else kPublicSafety when it sees identities, else
// kNone (such a role must never be sent a patient).
PatientViewKind ViewFor(Role role);

// Decides whether `who` may perform `action`; when the action concerns a region (the
// patient's jurisdiction, a region being read or edited, a transfer's receiving community)
// pass its code as `target_jurisdiction`, which must then lie inside who.jurisdiction.
// Pass "" when the action concerns no particular region (e.g. a search scoped in SQL by the
// caller's own jurisdiction). For TransferOut pass the patient's current jurisdiction; for
// TransferIn the receiving one.
// Errors: PERMISSION_DENIED "权限不足 (permission denied): <action name>" when the role lacks
// the action; PERMISSION_DENIED "超出辖区 (outside your jurisdiction)" when the target is
// not inside the caller's jurisdiction (or either code is invalid). Messages never name a
// patient.
absl::Status Authorize(const Principal& who, Action action, std::string_view target_jurisdiction);

// Decides whether `admin` may give a user `target_role` at `target_jurisdiction`
// (AdminService CreateUser / AssignRole). Errors, in this order: PERMISSION_DENIED
// "权限不足 ...: user.admin" unless the caller's role has user.admin; INVALID_ARGUMENT on
// "role" (unspecified or unknown); INVALID_ARGUMENT on "jurisdiction" (not a region code);
// PERMISSION_DENIED "超出辖区 ..." when the target is not inside the admin's jurisdiction.
absl::Status CheckAssignable(const Principal& admin, Role target_role,
                             std::string_view target_jurisdiction);

// A copy of `p` cut to what `role` may see: every field of a group the role does not see is
// reset to its default ("" / 0 / false / nullopt / kUnspecified; risk_level -1; birth_date
// CivilDay()), and id_number is masked (MaskIdNumber) unless the role sees it whole.
// Groups: kIdentity: id_number, name, sex, birth_date. kContact: phone, address.
// kGuardian: guardian. kCommunityContact: community_contact_name/_phone. kJurisdiction:
// jurisdiction. kStatus: status, closed_date, close_reason, death_cause, transfer_to.
// kRiskLevel: risk_level. kClassification: classification. kIncidents: past_behaviour,
// past_lockup. kDiagnosis: diagnosis, icd10, diagnosing_hospital, diagnosis_date.
// kClinicalHistory: onset, past_symptoms, past_symptoms_other, outpatient,
// first_antipsychotic_date, hospitalizations, last_treatment_effect, specialist_opinion.
// kConsent: consent, consent_date, consent_signer. kEligibility: economic, poverty_relief,
// guardianship_subsidy, disability_certificate, community_rehab. kCareTeam and kMedication
// have no Patient member yet. Record metadata (id, version, registered_at, updated_at,
// registered_by) is kept.
Patient ApplyView(const Patient& p, Role role);

// The Markdown tables of kRolePolicies as they appear in docs/security.md.
std::string AccessPolicyMarkdown();

}  // namespace smd::domain
