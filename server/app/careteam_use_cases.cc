#include "app/careteam_use_cases.h"

#include "absl/strings/str_cat.h"
#include "app/admin_use_cases.h"
#include "app/patient_access.h"
#include "common/status_macros.h"
#include "crypto/encoding.h"
#include "crypto/random.h"
#include "domain/access_policy.h"
#include "domain/errors.h"
#include "domain/patient_rules.h"
#include "domain/region.h"
#include "domain/text.h"
#include "store/user_repository.h"

namespace smd::app {
namespace {

using domain::Action;

// Keyset pages of patients: the token is the last patient id, base64url.
absl::Status ParsePatientToken(const std::string& token, std::string* after) {
  after->clear();
  if (token.empty()) return absl::OkStatus();
  auto decoded = crypto::Base64UrlDecode(token);
  if (!decoded.ok() || !CheckUuid("", *decoded).ok()) {
    return domain::FieldError("page.page_token", "分页标记无效", "invalid page token");
  }
  *after = *decoded;
  return absl::OkStatus();
}

std::string PatientToken(const std::string& patient_id) {
  return crypto::Base64UrlEncode(patient_id);
}

}  // namespace

absl::StatusOr<domain::TeamMember> CareTeamUseCases::AddMember(const CallMeta& meta,
                                                               const NewMember& req) {
  domain::TeamMember out;
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    if (CheckUuid("", req.patient_id).ok()) note.patient_ids = {req.patient_id};
    RETURN_IF_ERROR(domain::Authorize(who, Action::kCareTeamManage, ""));
    // The patient row is locked: every change to one patient's team is serialized on it.
    ASSIGN_OR_RETURN(domain::Patient p, LoadPatient(deps_, tx, who, req.patient_id,
                                                    Action::kCareTeamManage, true));
    RETURN_IF_ERROR(domain::CheckPatientOpen(p.status, Action::kPatientUpdate));

    domain::TeamMember m;
    m.id = crypto::NewUuid();
    m.patient_id = p.id;
    m.role = req.role;
    if (domain::IsUserTeamRole(req.role)) {
      if (!req.contact_name.empty() || !req.contact_phone.empty()) {
        return domain::FieldError("contact_name", "仅用于监护人和家属",
                                  "only for a guardian or family member");
      }
      std::optional<domain::Role> user_role;
      if (!req.user_id.empty()) {
        RETURN_IF_ERROR(CheckUuid("user_id", req.user_id));
        ASSIGN_OR_RETURN(auto user, store::FindUserById(tx, req.user_id));
        if (!user) return absl::NotFoundError("user_id: 用户不存在 (no such user)");
        if (user->disabled) {
          return domain::FieldError("user_id", "该用户已停用", "the user is disabled");
        }
        user_role = user->role;
        m.user_id = user->id;
        m.display_name = user->display_name;
        RETURN_IF_ERROR(domain::CheckMemberFits(req.role, user_role));
        RETURN_IF_ERROR(domain::CheckMemberReach(user->jurisdiction, p.jurisdiction));
      } else {
        RETURN_IF_ERROR(domain::CheckMemberFits(req.role, std::nullopt));
      }
    } else {
      // A contact is never a user: any user id at all is refused by CheckMemberFits.
      RETURN_IF_ERROR(domain::CheckMemberFits(
          req.role, req.user_id.empty() ? std::nullopt
                                        : std::optional<domain::Role>(domain::Role::kUnspecified)));
      RETURN_IF_ERROR(domain::CheckContact(req.contact_name, req.contact_phone));
      m.display_name = req.contact_name;
      m.phone = req.contact_phone;
    }
    const absl::CivilDay today = Today(deps_);
    m.start_date = req.start_date.value_or(today);
    RETURN_IF_ERROR(domain::CheckStartDate(m.start_date, today));

    if (!m.user_id.empty()) {
      // The unique index care_team_one_active is the backstop; this gives the message
      // without an aborted statement.
      ASSIGN_OR_RETURN(std::vector<domain::TeamMember> team,
                       teams_.ListByPatient(tx, p.id, /*include_history=*/false));
      for (const auto& existing : team) {
        if (existing.user_id == m.user_id) {
          return absl::AlreadyExistsError(
              "user_id: 该用户已是小组成员 (the user is already an active member of the team)");
        }
      }
    }
    RETURN_IF_ERROR(teams_.Insert(tx, m, who.user_id, deps_.clock.Now()));
    note.detail = absl::StrCat("member=", m.id, " team_role=", static_cast<int>(m.role),
                               m.user_id.empty() ? "" : " user=", m.user_id);
    out = std::move(m);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<domain::TeamMember> CareTeamUseCases::EndMember(
    const CallMeta& meta, const std::string& member_id, std::optional<absl::CivilDay> end_date,
    const std::string& reason) {
  domain::TeamMember out;
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    RETURN_IF_ERROR(domain::Authorize(who, Action::kCareTeamManage, ""));
    RETURN_IF_ERROR(CheckUuid("member_id", member_id));
    RETURN_IF_ERROR(domain::CheckText("reason", reason, /*required=*/false, 200));
    // Row-level security hides members of patients outside the caller's jurisdiction.
    ASSIGN_OR_RETURN(auto found, teams_.Get(tx, member_id, /*for_update=*/false));
    if (!found) return absl::NotFoundError("member_id: 小组成员不存在 (no such member)");
    note.patient_ids = {found->patient_id};
    // Lock the patient first, as AddMember does, then re-read the member under that lock.
    RETURN_IF_ERROR(LoadPatient(deps_, tx, who, found->patient_id, Action::kCareTeamManage,
                                true)
                        .status());
    ASSIGN_OR_RETURN(found, teams_.Get(tx, member_id, /*for_update=*/true));
    if (!found) return absl::NotFoundError("member_id: 小组成员不存在 (no such member)");
    domain::TeamMember m = *std::move(found);
    if (!m.active()) {
      return absl::FailedPreconditionError("成员已退出小组 (the membership has already ended)");
    }
    const absl::CivilDay today = Today(deps_);
    const absl::CivilDay end = end_date.value_or(today);
    RETURN_IF_ERROR(domain::CheckEndDate(m.start_date, end, today));
    RETURN_IF_ERROR(teams_.End(tx, m.id, end, reason, who.user_id));
    m.end_date = end;
    m.end_reason = reason;
    note.detail = absl::StrCat("member=", m.id, " team_role=", static_cast<int>(m.role), " ended");
    out = std::move(m);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<domain::TeamMember>> CareTeamUseCases::ListTeam(
    const CallMeta& meta, const std::string& patient_id, bool include_history) {
  std::vector<domain::TeamMember> out;
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    out.clear();
    if (CheckUuid("", patient_id).ok()) note.patient_ids = {patient_id};
    RETURN_IF_ERROR(domain::Authorize(who, Action::kCareTeamRead, ""));
    RETURN_IF_ERROR(
        LoadPatient(deps_, tx, who, patient_id, Action::kCareTeamRead, false).status());
    ASSIGN_OR_RETURN(out, teams_.ListByPatient(tx, patient_id, include_history));
    int unreadable = 0;
    for (const auto& m : out) unreadable += m.unreadable ? 1 : 0;
    note.detail = absl::StrCat("returned=", out.size());
    if (unreadable > 0) absl::StrAppend(&note.detail, " unreadable=", unreadable);
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<EligibleMember>> CareTeamUseCases::ListEligibleMembers(
    const CallMeta& meta, const std::string& patient_id, domain::TeamRole team_role) {
  std::vector<EligibleMember> out;
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    out.clear();
    if (CheckUuid("", patient_id).ok()) note.patient_ids = {patient_id};
    RETURN_IF_ERROR(domain::Authorize(who, Action::kCareTeamManage, ""));
    const std::vector<domain::Role> roles = domain::UserRolesFor(team_role);
    if (roles.empty()) {
      return domain::FieldError("team_role", "请选择系统用户担任的小组角色",
                                "must be a team role held by a user (1..5)");
    }
    ASSIGN_OR_RETURN(domain::Patient p, LoadPatient(deps_, tx, who, patient_id,
                                                    Action::kCareTeamManage, false));
    ASSIGN_OR_RETURN(std::vector<store::EligibleUserRow> users,
                     store::ListEligibleUsers(tx, roles, p.jurisdiction, 200));
    ASSIGN_OR_RETURN(std::vector<domain::TeamMember> team,
                     teams_.ListByPatient(tx, p.id, /*include_history=*/false));
    for (auto& u : users) {
      EligibleMember e;
      for (const auto& m : team) e.already_member |= m.user_id == u.user_id;
      e.user = std::move(u);
      out.push_back(std::move(e));
    }
    note.detail = absl::StrCat("team_role=", static_cast<int>(team_role), " returned=", out.size());
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<MyPatientsPage> CareTeamUseCases::ListMyPatients(const CallMeta& meta,
                                                                int page_size,
                                                                const std::string& page_token) {
  MyPatientsPage page;
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    page = MyPatientsPage{};
    RETURN_IF_ERROR(domain::Authorize(who, Action::kCareTeamRead, ""));
    ASSIGN_OR_RETURN(int limit, PageSize(page_size));
    std::string after;
    RETURN_IF_ERROR(ParsePatientToken(page_token, &after));
    ASSIGN_OR_RETURN(page.patients, teams_.ListActiveByUser(tx, who.user_id, after, limit + 1));
    if (static_cast<int>(page.patients.size()) > limit) {
      page.patients.resize(limit);
      page.next_page_token = PatientToken(page.patients.back().patient_id);
    }
    for (const auto& p : page.patients) {
      note.patient_ids.push_back(p.patient_id);
      if (p.name_unreadable) {
        LogUnreadableRow(meta, "patient", p.patient_id);
        ++page.unreadable;
      }
    }
    note.detail = absl::StrCat("returned=", page.patients.size());
    if (page.unreadable > 0) absl::StrAppend(&note.detail, " unreadable=", page.unreadable);
    return absl::OkStatus();
  }));
  return page;
}

absl::StatusOr<TeamGapsPage> CareTeamUseCases::ListTeamGaps(const CallMeta& meta,
                                                            const std::string& region,
                                                            int page_size,
                                                            const std::string& page_token) {
  TeamGapsPage page;
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    page = TeamGapsPage{};
    RETURN_IF_ERROR(domain::Authorize(who, Action::kCareTeamManage, ""));
    store::TeamGapQuery q;
    q.region_prefix = region.empty() ? who.jurisdiction : region;
    RETURN_IF_ERROR(
        domain::CheckRegionCode("region", q.region_prefix, domain::RegionLevel::kInvalid));
    RETURN_IF_ERROR(domain::Authorize(who, Action::kCareTeamManage, q.region_prefix));
    ASSIGN_OR_RETURN(int limit, PageSize(page_size));
    q.limit = limit + 1;
    RETURN_IF_ERROR(ParsePatientToken(page_token, &q.after_patient));
    ASSIGN_OR_RETURN(page.gaps, teams_.ListGaps(tx, q));
    if (static_cast<int>(page.gaps.size()) > limit) {
      page.gaps.resize(limit);
      page.next_page_token = PatientToken(page.gaps.back().patient_id);
    }
    for (const auto& g : page.gaps) {
      note.patient_ids.push_back(g.patient_id);
      if (g.name_unreadable) {
        LogUnreadableRow(meta, "patient", g.patient_id);
        ++page.unreadable;
      }
    }
    note.detail = absl::StrCat("team_gaps returned=", page.gaps.size());
    if (page.unreadable > 0) absl::StrAppend(&note.detail, " unreadable=", page.unreadable);
    return absl::OkStatus();
  }));
  return page;
}

}  // namespace smd::app
