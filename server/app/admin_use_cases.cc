#include "app/admin_use_cases.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "app/auth_use_cases.h"
#include "app/team_upkeep.h"
#include "common/status_macros.h"
#include "crypto/encoding.h"
#include "crypto/password.h"
#include "crypto/random.h"
#include "domain/access_policy.h"
#include "domain/errors.h"
#include "domain/region.h"
#include "domain/signin.h"
#include "domain/text.h"

namespace smd::app {
namespace {

absl::Status RegionMustExist(store::Tx& tx, const std::string& code, std::string_view field) {
  ASSIGN_OR_RETURN(auto region, store::GetRegion(tx, code));
  if (!region) {
    return absl::NotFoundError(std::string(field) + ": 行政区划不存在 (no such region)");
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<int> PageSize(int requested) {
  if (requested == 0) return 50;
  if (requested < 1 || requested > 200) {
    return domain::FieldError("page.page_size", "每页条数须在1-200之间", "must be 1..200");
  }
  return requested;
}

absl::StatusOr<store::UserRow> AdminUseCases::LoadManaged(store::Tx& tx,
                                                          const domain::Principal& admin,
                                                          const std::string& user_id) {
  RETURN_IF_ERROR(CheckUuid("user_id", user_id));
  ASSIGN_OR_RETURN(auto user, store::FindUserById(tx, user_id, /*for_update=*/true));
  if (!user) return absl::NotFoundError("user_id: 用户不存在 (no such user)");
  RETURN_IF_ERROR(domain::Authorize(admin, domain::Action::kUserAdmin, user->jurisdiction));
  return *user;
}

absl::StatusOr<store::UserRow> AdminUseCases::CreateUser(const CallMeta& meta, const NewUser& in) {
  store::UserRow out;
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    RETURN_IF_ERROR(domain::Authorize(who, domain::Action::kUserAdmin, ""));
    RETURN_IF_ERROR(domain::CheckUsername(in.username));
    RETURN_IF_ERROR(domain::CheckText("display_name", in.display_name, true, 50));
    RETURN_IF_ERROR(CheckNewPassword(in.password));
    RETURN_IF_ERROR(domain::CheckAssignable(who, in.role, in.jurisdiction));
    RETURN_IF_ERROR(RegionMustExist(tx, in.jurisdiction, "jurisdiction"));
    ASSIGN_OR_RETURN(auto existing, store::FindUserByName(tx, in.username));
    if (existing) return absl::AlreadyExistsError("username: 用户名已存在 (user name is taken)");
    store::UserRow u;
    u.id = crypto::NewUuid();
    u.username = in.username;
    u.display_name = in.display_name;
    ASSIGN_OR_RETURN(u.password_hash, crypto::HashPassword(in.password, deps_.config.password_params));
    u.role = in.role;
    u.jurisdiction = in.jurisdiction;
    u.created_at = deps_.clock.Now();
    u.must_change_password = in.must_change_password;
    RETURN_IF_ERROR(store::InsertUser(tx, u, who.user_id, u.created_at));
    note.detail = "user=" + u.id;
    if (u.must_change_password) note.detail += " must_change_password";
    out = u;
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<store::UserRow> AdminUseCases::SetDisabled(const CallMeta& meta,
                                                          const std::string& user_id,
                                                          bool disabled) {
  store::UserRow out;
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    RETURN_IF_ERROR(domain::Authorize(who, domain::Action::kUserAdmin, ""));
    ASSIGN_OR_RETURN(out, LoadManaged(tx, who, user_id));
    if (disabled && out.id == who.user_id) {
      return absl::FailedPreconditionError("不能停用自己的账户 (cannot disable yourself)");
    }
    const absl::Time now = deps_.clock.Now();
    RETURN_IF_ERROR(store::SetDisabled(tx, out.id, disabled, now));
    if (disabled) RETURN_IF_ERROR(store::RevokeUserSessions(tx, out.id, now));
    out.disabled = disabled;
    note.detail = "user=" + out.id;
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<store::UserRow> AdminUseCases::ResetPassword(const CallMeta& meta,
                                                            const std::string& user_id,
                                                            const std::string& new_password) {
  store::UserRow out;
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    RETURN_IF_ERROR(domain::Authorize(who, domain::Action::kUserAdmin, ""));
    RETURN_IF_ERROR(CheckNewPassword(new_password));
    ASSIGN_OR_RETURN(out, LoadManaged(tx, who, user_id));
    if (out.id == who.user_id) {
      // An administrator changes their own password with ChangePassword, which asks for
      // the old one and counts toward the lock-out: a stolen session must not skip both.
      return absl::FailedPreconditionError(
          "不能重置自己的密码，请使用修改密码 (cannot reset your own password; use "
          "ChangePassword)");
    }
    ASSIGN_OR_RETURN(std::string hash,
                     crypto::HashPassword(new_password, deps_.config.password_params));
    const absl::Time now = deps_.clock.Now();
    // The administrator now knows the password: the user must replace it first.
    RETURN_IF_ERROR(store::SetPasswordHash(tx, out.id, hash, /*must_change=*/true, now));
    RETURN_IF_ERROR(store::RevokeUserSessions(tx, out.id, now));
    out.failed_logins = 0;
    out.locked_until.reset();
    out.must_change_password = true;
    note.detail = "user=" + out.id + " must_change_password";
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<store::UserRow> AdminUseCases::AssignRole(const CallMeta& meta,
                                                         const std::string& user_id,
                                                         domain::Role role,
                                                         const std::string& jurisdiction) {
  store::UserRow out;
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    RETURN_IF_ERROR(domain::Authorize(who, domain::Action::kUserAdmin, ""));
    RETURN_IF_ERROR(domain::CheckAssignable(who, role, jurisdiction));
    ASSIGN_OR_RETURN(out, LoadManaged(tx, who, user_id));
    if (out.id == who.user_id) {
      // An administrator cannot widen (or change) their own powers; another admin must.
      return absl::FailedPreconditionError(
          "不能修改自己的角色或辖区 (cannot assign a role to yourself)");
    }
    RETURN_IF_ERROR(RegionMustExist(tx, jurisdiction, "jurisdiction"));
    const absl::Time now = deps_.clock.Now();
    RETURN_IF_ERROR(store::SetRole(tx, out.id, role, jurisdiction, now));
    RETURN_IF_ERROR(store::RevokeUserSessions(tx, out.id, now));
    // 关爱帮扶小组 memberships the new role or jurisdiction no longer fits end now; alert
    // copies the user can no longer act on are handed on by the alert pump.
    ASSIGN_OR_RETURN(note.patient_ids, EndUnfitMembershipsOfUser(deps_, tx, out.id, role,
                                                                 jurisdiction, who.jurisdiction,
                                                                 who.user_id));
    out.role = role;
    out.jurisdiction = jurisdiction;
    note.detail = absl::StrCat("user=", out.id, " ended_memberships_of_patients=",
                               note.patient_ids.size());
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<UserPage> AdminUseCases::ListUsers(const CallMeta& meta, const UserQuery& q) {
  UserPage page;
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    page = UserPage{};
    RETURN_IF_ERROR(domain::Authorize(who, domain::Action::kUserAdmin, ""));
    store::UserFilter f;
    f.prefix = q.jurisdiction.empty() ? who.jurisdiction : q.jurisdiction;
    RETURN_IF_ERROR(
        domain::CheckRegionCode("jurisdiction", f.prefix, domain::RegionLevel::kInvalid));
    RETURN_IF_ERROR(domain::Authorize(who, domain::Action::kUserAdmin, f.prefix));
    RETURN_IF_ERROR(domain::CheckText("query", q.query, false, 50));
    if (q.role != domain::Role::kUnspecified && domain::PolicyOf(q.role) == nullptr) {
      return domain::FieldError("role", "角色无效", "unknown role");
    }
    if (static_cast<int>(q.status) < 0 ||
        static_cast<int>(q.status) > static_cast<int>(store::UserStatusFilter::kLocked)) {
      return domain::FieldError("status", "状态值无效", "unknown status");
    }
    f.role = q.role;
    f.status = q.status;
    // Usernames are lower case ([a-z0-9_.-]); display names are compared lower-cased.
    f.query = absl::AsciiStrToLower(absl::StripAsciiWhitespace(q.query));
    f.now = deps_.clock.Now();
    ASSIGN_OR_RETURN(int limit, PageSize(q.page_size));
    if (!q.page_token.empty()) {
      auto decoded = crypto::Base64UrlDecode(q.page_token);
      if (!decoded.ok()) {
        return domain::FieldError("page.page_token", "分页标记无效", "invalid page token");
      }
      f.after = *decoded;
    }
    f.limit = limit + 1;
    ASSIGN_OR_RETURN(page.users, store::ListUsers(tx, f));
    if (static_cast<int>(page.users.size()) > limit) {
      page.users.resize(limit);
      page.next_page_token = crypto::Base64UrlEncode(page.users.back().username);
    }
    note.detail = "returned=" + std::to_string(page.users.size());
    return absl::OkStatus();
  }));
  return page;
}

absl::StatusOr<RuleSetView> AdminUseCases::GetRuleSet(const CallMeta& meta) {
  RuleSetView out;
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx&, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    RETURN_IF_ERROR(domain::Authorize(who, domain::Action::kRulesRead, ""));
    out = RuleSetView{};
    out.name = deps_.rules.name;
    out.options = domain::DescribeRuleSet(deps_.rules);
    out.known_rule_sets = domain::RuleSetNames();
    out.ack_deadlines = deps_.config.ack_deadlines;
    out.alert_duty_roles = deps_.config.alert_duty_roles;
    out.alert_reroute_window = deps_.config.alert_reroute_window;
    out.designated_hospital = deps_.config.designated_hospital;
    out.server_version = deps_.config.server_version;
    note.detail = "rule_set=" + out.name;
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<store::RegionRow> AdminUseCases::UpsertRegion(const CallMeta& meta,
                                                             const std::string& code,
                                                             const std::string& name) {
  store::RegionRow out;
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    RETURN_IF_ERROR(domain::Authorize(who, domain::Action::kRegionAdmin, ""));
    RETURN_IF_ERROR(domain::CheckRegionCode("code", code, domain::RegionLevel::kInvalid));
    RETURN_IF_ERROR(domain::CheckText("name", name, true, 50));
    RETURN_IF_ERROR(domain::Authorize(who, domain::Action::kRegionAdmin, code));
    std::string parent = domain::ParentOf(code);
    if (!parent.empty()) {
      ASSIGN_OR_RETURN(auto p, store::GetRegion(tx, parent));
      const domain::RegionLevel level = domain::LevelOf(code);
      if (!p && (level == domain::RegionLevel::kStreet ||
                 level == domain::RegionLevel::kCommunity)) {
        return absl::FailedPreconditionError("code: 上级行政区划不存在 (parent region missing)");
      }
      // A district or city may be the top of a deployment's tree (one district's server
      // has no city above it); it is linked to its parent when that exists.
      if (!p) parent.clear();
    }
    out.code = code;
    out.name = name;
    out.level = static_cast<int>(domain::LevelOf(code));
    out.parent_code = parent;
    RETURN_IF_ERROR(store::UpsertRegion(tx, out, deps_.clock.Now()));
    note.detail = "region=" + code;
    ASSIGN_OR_RETURN(auto stored, store::GetRegion(tx, code));
    if (stored) out = *stored;
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<store::RegionRow> AdminUseCases::GetRegion(const CallMeta& meta,
                                                          const std::string& code) {
  store::RegionRow out;
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote&) -> absl::Status {
    RETURN_IF_ERROR(domain::Authorize(who, domain::Action::kRegionRead, ""));
    RETURN_IF_ERROR(domain::CheckRegionCode("code", code, domain::RegionLevel::kInvalid));
    ASSIGN_OR_RETURN(auto r, store::GetRegion(tx, code));
    if (!r) return absl::NotFoundError("code: 行政区划不存在 (no such region)");
    out = *r;
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<std::vector<store::RegionRow>> AdminUseCases::ListRegions(const CallMeta& meta,
                                                                         const std::string& root,
                                                                         int depth) {
  std::vector<store::RegionRow> out;
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    RETURN_IF_ERROR(domain::Authorize(who, domain::Action::kRegionRead, ""));
    const std::string from = root.empty() ? who.jurisdiction : root;
    RETURN_IF_ERROR(domain::CheckRegionCode("root", from, domain::RegionLevel::kInvalid));
    if (depth < 0) return domain::FieldError("depth", "层级不能为负", "must be >= 0");
    // Code lengths by level (2, 4, 6, 9, 12): walk `depth` levels down (0: to the bottom).
    int max_len = static_cast<int>(from.size());
    for (int d = 0; depth == 0 || d < depth; ++d) {
      const int next = domain::ChildCodeLength(std::string(max_len, '0'));
      if (next == 0) break;
      max_len = next;
    }
    ASSIGN_OR_RETURN(out, store::ListRegionSubtree(tx, from, max_len));
    note.detail = "returned=" + std::to_string(out.size());
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<store::RegionRow> AdminUseCases::SetPopulation(const CallMeta& meta,
                                                              const std::string& code, int year,
                                                              int64_t residents) {
  store::RegionRow out;
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    RETURN_IF_ERROR(domain::Authorize(who, domain::Action::kRegionAdmin, ""));
    RETURN_IF_ERROR(domain::CheckRegionCode("code", code, domain::RegionLevel::kInvalid));
    if (year < 1990 || year > 2200) {
      return domain::FieldError("year", "年份须在1990-2200之间", "must be 1990..2200");
    }
    if (residents < 0 || residents > 2'000'000'000) {
      return domain::FieldError("residents", "常住人口数无效", "must be 0..2e9");
    }
    RETURN_IF_ERROR(domain::Authorize(who, domain::Action::kRegionAdmin, code));
    RETURN_IF_ERROR(RegionMustExist(tx, code, "code"));
    RETURN_IF_ERROR(store::SetPopulation(tx, code, year, residents));
    ASSIGN_OR_RETURN(auto r, store::GetRegion(tx, code));
    out = *r;
    note.detail = "region=" + code;
    return absl::OkStatus();
  }));
  return out;
}

}  // namespace smd::app
