#pragma once
// Care-and-help team memberships (关爱帮扶小组; schema 0004, care_team_member). A member is
// a user (roles 1..5) or a contact who is not a user (6 guardian, 7 family); a contact's
// name and phone are stored together as a small JSON object encrypted with AES-256-GCM,
// associated data "care_team_member:<row id>". Users' display names come from app_user.
// Row-level security applies through the patient (the caller has set the scope), so rows
// of patients outside the caller's jurisdiction are invisible. Thread-safe (immutable
// after construction); the Tx is the caller's.

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "crypto/field_cipher.h"
#include "crypto/keys.h"
#include "domain/care_team.h"

namespace smd::store {

class Tx;

// One active membership of a user, with what the member needs to know of the patient.
struct MyPatientRow {
  std::string patient_id;
  std::string name;  // decrypted
  std::string jurisdiction;
  int risk_level = -1;
  int classification = 0;
  domain::TeamRole my_role = domain::TeamRole::kUnspecified;
  bool name_unreadable = false;  // the name did not decrypt: `name` is empty
};

struct TeamGapQuery {
  std::string region_prefix;  // patients whose jurisdiction starts with this
  std::string after_patient;  // keyset: patient ids strictly after this ("" from the start)
  int limit = 50;
};

// A patient who needs a team and lacks a required member.
struct TeamGapRow {
  std::string patient_id;
  std::string name;  // decrypted
  std::string jurisdiction;
  int risk_level = -1;
  int classification = 0;
  std::vector<domain::TeamRole> missing;  // kRequiredTeamRoles order
  bool name_unreadable = false;  // the name did not decrypt: `name` is empty
};

// An active membership of a user with what decides whether it still holds
// (domain::MembershipStillFits).
struct ActiveMembership {
  std::string member_id;
  std::string patient_id;
  domain::TeamRole team_role = domain::TeamRole::kUnspecified;
  std::string user_id;  // "" for a contact
  domain::Role user_role = domain::Role::kUnspecified;
  std::string user_jurisdiction;
  std::string patient_jurisdiction;
};

// The active memberships of `user_id`, or of the patient `patient_id` (contacts included),
// visible under the transaction's row-level-security scope.
absl::StatusOr<std::vector<ActiveMembership>> ActiveMembershipsOfUser(Tx& tx,
                                                                      const std::string& user_id);
absl::StatusOr<std::vector<ActiveMembership>> ActiveMembershipsOfPatient(
    Tx& tx, const std::string& patient_id);
// An enabled account that may join a patient's team (CareTeamUseCases::ListEligibleMembers).
struct EligibleUserRow {
  std::string user_id;
  std::string display_name;
  domain::Role role = domain::Role::kUnspecified;
  std::string jurisdiction;
};
// Enabled accounts whose role is one of `roles` and whose jurisdiction contains the
// patient's community (is a prefix of `patient_jurisdiction`): nearest jurisdiction first
// (the longest code), then by display name; at most `limit`.
absl::StatusOr<std::vector<EligibleUserRow>> ListEligibleUsers(
    Tx& tx, const std::vector<domain::Role>& roles, const std::string& patient_jurisdiction,
    int limit);
// Ends an active membership: sets end_date, end_reason and ended_by. False (nothing
// changed) when it has ended already.
absl::StatusOr<bool> EndMembership(Tx& tx, const std::string& member_id, absl::CivilDay end_date,
                                   const std::string& reason, const std::string& ended_by);

class CareTeamRepository {
 public:
  explicit CareTeamRepository(const crypto::KeyRing& keys);

  // Inserts a membership (m.id assigned by the caller). m.display_name/m.phone are the
  // contact's for roles 6..7 and ignored for users. ALREADY_EXISTS "user_id: ..." when the
  // user is already an active member of the patient's team (unique index
  // care_team_one_active); FAILED_PRECONDITION when a constraint refuses the row;
  // PERMISSION_DENIED when row-level security refuses it.
  absl::Status Insert(Tx& tx, const domain::TeamMember& m, const std::string& added_by,
                      absl::Time now);
  // Ends an active membership (EndMembership). FAILED_PRECONDITION when it has ended.
  absl::Status End(Tx& tx, const std::string& member_id, absl::CivilDay end_date,
                   const std::string& reason, const std::string& ended_by);
  // One membership, locked if `for_update`, or nullopt (no such row, or hidden by
  // row-level security).
  absl::StatusOr<std::optional<domain::TeamMember>> Get(Tx& tx, const std::string& member_id,
                                                        bool for_update);
  // A patient's memberships: active ones first (by team role, start date), then, with
  // history, ended ones (most recently ended first).
  absl::StatusOr<std::vector<domain::TeamMember>> ListByPatient(Tx& tx,
                                                                const std::string& patient_id,
                                                                bool include_history);
  // The user's active memberships of patients on the register (在册 or 迁出 pending) and
  // visible to the caller, ordered by patient id, after `after_patient` ("" from the start).
  absl::StatusOr<std::vector<MyPatientRow>> ListActiveByUser(Tx& tx, const std::string& user_id,
                                                             const std::string& after_patient,
                                                             int limit);
  // Patients on the register (status 1) inside q.region_prefix that need a team
  // (domain::NeedsTeam) and lack an active member of a required role
  // (domain::kRequiredTeamRoles) whose account is not disabled; ordered by patient id.
  absl::StatusOr<std::vector<TeamGapRow>> ListGaps(Tx& tx, const TeamGapQuery& q);

 private:
  crypto::FieldCipher cipher_;
};

}  // namespace smd::store
