#include "store/careteam_repository.h"

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "store/cipher_cells.h"
#include "store/errors.h"
#include "store/internal/pg.h"
#include "store/internal/tx.h"
#include "store/statements.h"

namespace smd::store {
namespace {

using json = nlohmann::json;

constexpr char kMemberColumns[] =
    "m.id::text, m.patient_id::text, m.team_role, m.user_id::text, "
    "coalesce(u.display_name, ''), m.contact_enc, m.start_date, m.end_date, m.end_reason "
    "FROM care_team_member m LEFT JOIN app_user u ON u.id = m.user_id";

std::string ContactAad(const std::string& member_id) {
  return absl::StrCat("care_team_member:", member_id);
}

// The patient repository's associated data for the name column.
// The patient repository's associated data of the name cell (store/cipher_cells.h).
std::string PatientNameAad(const std::string& patient_id, int64_t enc_version) {
  return PatientCellAad("name_enc", patient_id, enc_version);
}

std::optional<std::string> OptUuid(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

std::string RequiredRolesArray() {
  std::vector<int> roles;
  for (domain::TeamRole r : domain::kRequiredTeamRoles) roles.push_back(static_cast<int>(r));
  return pg::IntArray(roles);
}

}  // namespace

std::vector<Statement> CareTeamStatements() {
  static const std::string get = std::string("SELECT ") + kMemberColumns + " WHERE m.id = $1::uuid";
  static const std::string get_locked = get + " FOR UPDATE OF m";
  // The roles filled by active members whose account is enabled; a patient is a gap when
  // the required roles ($2) are not all among them. Needs-a-team mirrors domain::NeedsTeam
  // with its constants written into the statement, so that the partial index
  // patient_needs_team (migration 0025) is implied even by a generic plan; the region is
  // its range [$1, smd_prefix_end($1)). The page's ids are chosen from the index (and the
  // members of those candidates only), then only the page's patient rows are read.
  static_assert(domain::kUnstableClassification == 1 && domain::kTeamRiskThreshold == 3,
                "migration 0025's patient_needs_team predicate writes these values");
  static const std::string gaps = absl::StrCat(
      "SELECT p.id::text, p.name_enc, p.jurisdiction, p.risk_level, p.classification, "
      "g.roles, p.enc_version FROM (SELECT c.id, coalesce(t.roles, '{}')::text AS roles "
      "FROM patient c LEFT JOIN LATERAL (SELECT array_agg(DISTINCT m.team_role ORDER BY "
      "m.team_role) AS roles FROM care_team_member m JOIN app_user u ON u.id = m.user_id "
      "WHERE m.patient_id = c.id AND m.end_date IS NULL AND NOT u.disabled) t ON true "
      "WHERE c.status = 1 AND (c.classification = ", domain::kUnstableClassification,
      " OR c.risk_level >= ", domain::kTeamRiskThreshold, ") "
      "AND c.jurisdiction ~>=~ $1::text AND c.jurisdiction ~<~ smd_prefix_end($1::text) "
      "AND NOT ($2::smallint[] <@ coalesce(t.roles, '{}'::smallint[])) "
      "AND ($3::uuid IS NULL OR c.id > $3::uuid) ORDER BY c.id LIMIT $4) g "
      "JOIN patient p ON p.id = g.id ORDER BY p.id");
  // Active first (by role, then start), then ended ones, most recently ended first.
  static const std::string by_patient =
      std::string("SELECT ") + kMemberColumns +
      " WHERE m.patient_id = $1::uuid AND ($2 OR m.end_date IS NULL) "
      "ORDER BY m.end_date IS NOT NULL, m.end_date DESC NULLS FIRST, m.team_role, "
      "m.start_date, m.id";
  return {
      {"careteam.insert",
       "INSERT INTO care_team_member (id, patient_id, team_role, user_id, contact_enc, "
       "start_date, added_by, added_at) VALUES ($1::uuid, $2::uuid, $3, $4::uuid, "
       "NULLIF($5::bytea, ''::bytea), "
       "$6::date, $7::uuid, $8::timestamptz)"},
      {"careteam.active_of",
       "SELECT m.id::text, m.patient_id::text, m.team_role, coalesce(m.user_id::text, ''), "
       "coalesce(u.role, 0), coalesce(u.jurisdiction, ''), p.jurisdiction "
       "FROM care_team_member m JOIN patient p ON p.id = m.patient_id "
       "LEFT JOIN app_user u ON u.id = m.user_id "
       "WHERE m.end_date IS NULL AND (m.user_id = $1::uuid OR m.patient_id = $2::uuid) "
       "ORDER BY m.id"},
      {"careteam.eligible",
       "SELECT u.id::text, u.display_name, u.role, u.jurisdiction FROM app_user u "
       "WHERE NOT u.disabled AND u.role = ANY($1::smallint[]) "
       "AND starts_with($2, u.jurisdiction) "
       "ORDER BY char_length(u.jurisdiction) DESC, u.display_name, u.id LIMIT $3"},
      {"careteam.end",
       "UPDATE care_team_member SET end_date = $2::date, end_reason = $3, ended_by = $4::uuid "
       "WHERE id = $1::uuid AND end_date IS NULL"},
      {"careteam.get", get.c_str()},
      {"careteam.get_locked", get_locked.c_str()},
      {"careteam.by_patient", by_patient.c_str()},
      {"careteam.by_user",
       "SELECT p.id::text, p.name_enc, p.jurisdiction, p.risk_level, p.classification, "
       "m.team_role, p.enc_version FROM care_team_member m JOIN patient p "
       "ON p.id = m.patient_id "
       "WHERE m.user_id = $1::uuid AND m.end_date IS NULL AND p.status IN (1, 2) "
       "AND ($2::uuid IS NULL OR p.id > $2::uuid) ORDER BY p.id LIMIT $3"},
      {"careteam.gaps", gaps.c_str()},
  };
}

namespace {

absl::StatusOr<std::vector<ActiveMembership>> ActiveOf(Tx& tx, const std::string& user_id,
                                                       const std::string& patient_id) {
  return Guard([&]() -> absl::StatusOr<std::vector<ActiveMembership>> {
    std::vector<ActiveMembership> out;
    for (const auto& r : tx.w().exec_prepared("careteam.active_of", OptUuid(user_id),
                                              OptUuid(patient_id))) {
      out.push_back({r[0].as<std::string>(), r[1].as<std::string>(),
                     static_cast<domain::TeamRole>(r[2].as<int>()), r[3].as<std::string>(),
                     static_cast<domain::Role>(r[4].as<int>()), r[5].as<std::string>(),
                     r[6].as<std::string>()});
    }
    return out;
  });
}

}  // namespace

absl::StatusOr<std::vector<ActiveMembership>> ActiveMembershipsOfUser(Tx& tx,
                                                                      const std::string& user_id) {
  return ActiveOf(tx, user_id, "");
}

absl::StatusOr<std::vector<ActiveMembership>> ActiveMembershipsOfPatient(
    Tx& tx, const std::string& patient_id) {
  return ActiveOf(tx, "", patient_id);
}

absl::StatusOr<std::vector<EligibleUserRow>> ListEligibleUsers(
    Tx& tx, const std::vector<domain::Role>& roles, const std::string& patient_jurisdiction,
    int limit) {
  return Guard([&]() -> absl::StatusOr<std::vector<EligibleUserRow>> {
    std::vector<int> numbers;
    for (domain::Role r : roles) numbers.push_back(static_cast<int>(r));
    std::vector<EligibleUserRow> out;
    for (const auto& r : tx.w().exec_prepared("careteam.eligible", pg::IntArray(numbers),
                                              patient_jurisdiction, limit)) {
      out.push_back({r[0].as<std::string>(), r[1].as<std::string>(),
                     static_cast<domain::Role>(r[2].as<int>()), r[3].as<std::string>()});
    }
    return out;
  });
}

absl::StatusOr<bool> EndMembership(Tx& tx, const std::string& member_id, absl::CivilDay end_date,
                                   const std::string& reason, const std::string& ended_by) {
  return Guard([&]() -> absl::StatusOr<bool> {
    return tx.w()
               .exec_prepared("careteam.end", member_id, pg::Day(end_date), reason,
                              OptUuid(ended_by))
               .affected_rows() == 1;
  });
}

CareTeamRepository::CareTeamRepository(const crypto::KeyRing& keys) : cipher_(keys) {}

absl::Status CareTeamRepository::Insert(Tx& tx, const domain::TeamMember& m,
                                        const std::string& added_by, absl::Time now) {
  // An empty blob stands for "no contact" (NULLIF in the statement): a real one never is.
  std::string contact;
  if (domain::IsContactTeamRole(m.role)) {
    std::string plain;
    try {
      plain = json{{"name", m.display_name}, {"phone", m.phone}}.dump();
    } catch (const json::exception&) {
      return absl::InvalidArgumentError("contact_name: 不是有效的UTF-8文本 (not valid UTF-8)");
    }
    ASSIGN_OR_RETURN(contact, cipher_.Encrypt(plain, ContactAad(m.id)));
  }
  absl::Status s = Guard([&]() -> absl::Status {
    tx.w().exec_prepared("careteam.insert", m.id, m.patient_id, static_cast<int>(m.role),
                         OptUuid(domain::IsUserTeamRole(m.role) ? m.user_id : ""),
                         pg::Bytes(contact), pg::Day(m.start_date), added_by, pg::Time(now));
    return absl::OkStatus();
  });
  if (s.code() == absl::StatusCode::kAlreadyExists) {
    return absl::AlreadyExistsError(
        "user_id: 该用户已是小组成员 (the user is already an active member of the team)");
  }
  return s;
}

absl::Status CareTeamRepository::End(Tx& tx, const std::string& member_id, absl::CivilDay end_date,
                                     const std::string& reason, const std::string& ended_by) {
  ASSIGN_OR_RETURN(bool ended, EndMembership(tx, member_id, end_date, reason, ended_by));
  if (!ended) {
    return absl::FailedPreconditionError("成员已退出小组 (the membership has already ended)");
  }
  return absl::OkStatus();
}

namespace {

absl::StatusOr<domain::TeamMember> ReadMember(const pqxx::row& r,
                                              const crypto::FieldCipher& cipher) {
  domain::TeamMember m;
  m.id = r[0].as<std::string>();
  m.patient_id = r[1].as<std::string>();
  m.role = static_cast<domain::TeamRole>(r[2].as<int>());
  m.user_id = pg::Str(r[3]);
  if (!r[5].is_null()) {
    // A contact that does not decrypt does not fail the team's listing: the member is
    // kept, marked, without name and phone (logged by member id only).
    absl::StatusOr<std::string> plain = cipher.Decrypt(pg::BytesField(r[5]), ContactAad(m.id));
    const json j = plain.ok() ? json::parse(*plain, nullptr, false) : json();
    if (j.is_object() && j.contains("name") && j.contains("phone") && j["name"].is_string() &&
        j["phone"].is_string()) {
      m.display_name = j["name"].get<std::string>();
      m.phone = j["phone"].get<std::string>();
    } else {
      m.unreadable = true;
      common::LogWarning("care team contact unreadable member=%s", m.id);
    }
  } else {
    m.display_name = r[4].as<std::string>();
  }
  m.start_date = pg::DayField(r[6]);
  m.end_date = pg::OptDayField(r[7]);
  m.end_reason = r[8].as<std::string>();
  return m;
}

}  // namespace

absl::StatusOr<std::optional<domain::TeamMember>> CareTeamRepository::Get(
    Tx& tx, const std::string& member_id, bool for_update) {
  using Out = std::optional<domain::TeamMember>;
  return Guard([&]() -> absl::StatusOr<Out> {
    pqxx::result r =
        tx.w().exec_prepared(for_update ? "careteam.get_locked" : "careteam.get", member_id);
    if (r.empty()) return Out();
    ASSIGN_OR_RETURN(domain::TeamMember m, ReadMember(r[0], cipher_));
    return Out(std::move(m));
  });
}

absl::StatusOr<std::vector<domain::TeamMember>> CareTeamRepository::ListByPatient(
    Tx& tx, const std::string& patient_id, bool include_history) {
  return Guard([&]() -> absl::StatusOr<std::vector<domain::TeamMember>> {
    std::vector<domain::TeamMember> out;
    for (const auto& row :
         tx.w().exec_prepared("careteam.by_patient", patient_id, include_history)) {
      ASSIGN_OR_RETURN(domain::TeamMember m, ReadMember(row, cipher_));
      out.push_back(std::move(m));
    }
    return out;
  });
}

absl::StatusOr<std::vector<MyPatientRow>> CareTeamRepository::ListActiveByUser(
    Tx& tx, const std::string& user_id, const std::string& after_patient, int limit) {
  return Guard([&]() -> absl::StatusOr<std::vector<MyPatientRow>> {
    std::vector<MyPatientRow> out;
    for (const auto& r :
         tx.w().exec_prepared("careteam.by_user", user_id, OptUuid(after_patient), limit)) {
      MyPatientRow p;
      p.patient_id = r[0].as<std::string>();
      // A name that does not decrypt does not fail the list: the row is kept, marked.
      absl::StatusOr<std::string> name = cipher_.Decrypt(
          pg::BytesField(r[1]), PatientNameAad(p.patient_id, r[6].as<int64_t>()));
      p.name_unreadable = !name.ok();
      if (name.ok()) p.name = std::move(*name);
      p.jurisdiction = r[2].as<std::string>();
      p.risk_level = r[3].as<int>();
      p.classification = r[4].as<int>();
      p.my_role = static_cast<domain::TeamRole>(r[5].as<int>());
      out.push_back(std::move(p));
    }
    return out;
  });
}

absl::StatusOr<std::vector<TeamGapRow>> CareTeamRepository::ListGaps(Tx& tx,
                                                                     const TeamGapQuery& q) {
  static const std::string required = RequiredRolesArray();
  return Guard([&]() -> absl::StatusOr<std::vector<TeamGapRow>> {
    std::vector<TeamGapRow> out;
    for (const auto& r : tx.w().exec_prepared(
             "careteam.gaps", q.region_prefix, required, OptUuid(q.after_patient), q.limit)) {
      TeamGapRow g;
      g.patient_id = r[0].as<std::string>();
      absl::StatusOr<std::string> name = cipher_.Decrypt(
          pg::BytesField(r[1]), PatientNameAad(g.patient_id, r[6].as<int64_t>()));
      g.name_unreadable = !name.ok();
      if (name.ok()) g.name = std::move(*name);
      g.jurisdiction = r[2].as<std::string>();
      g.risk_level = r[3].as<int>();
      g.classification = r[4].as<int>();
      std::vector<domain::TeamRole> active;
      for (int role : pg::ParseIntArray(r[5].as<std::string>())) {
        active.push_back(static_cast<domain::TeamRole>(role));
      }
      g.missing = domain::MissingRolesOf(active);
      out.push_back(std::move(g));
    }
    return out;
  });
}

}  // namespace smd::store
