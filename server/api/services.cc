#include "api/services.h"

#include "api/call_runner.h"
#include "api/convert.h"
#include "api/raw_message.h"
#include "common/status_macros.h"
#include "domain/access_policy.h"
#include "domain/alert_rules.h"

namespace smd::api {
namespace {

#define SMD_METHOD(service, name) "/smd.v1." #service "/" #name

void UserToProto(const store::UserRow& u, v1::User* out) {
  out->set_user_id(u.id);
  out->set_username(u.username);
  out->set_display_name(u.display_name);
  out->set_role(RoleToProto(u.role));
  out->set_jurisdiction(u.jurisdiction);
  out->set_disabled(u.disabled);
  TimeToProto(u.created_at, out->mutable_created_at());
  if (u.locked_until) TimeToProto(*u.locked_until, out->mutable_locked_until());
  out->set_must_change_password(u.must_change_password);
}

// The one place GetRuleSet's answer is built: domain::DescribeRuleSet gives the options.
void RuleSetToProto(const app::RuleSetView& v, v1::RuleSetInfo* out) {
  out->set_name(v.name);
  for (const domain::RuleOptionInfo& o : v.options) {
    v1::RuleOption* p = out->add_options();
    p->set_name(o.name);
    p->set_value(o.value);
    p->set_meaning_zh(o.meaning_zh);
    p->set_meaning_en(o.meaning_en);
    p->set_source(o.source);
  }
  for (const std::string& n : v.known_rule_sets) out->add_known_rule_sets(n);
  for (int severity = domain::kSeverityCritical; severity >= domain::kSeverityWarning;
       --severity) {
    if (std::optional<absl::Duration> d = domain::AckDeadline(severity, v.ack_deadlines)) {
      v1::AckDeadline* a = out->add_ack_deadlines();
      a->set_severity(severity);
      a->set_seconds(absl::ToInt64Seconds(*d));
    }
  }
  for (domain::Role r : v.alert_duty_roles) out->add_alert_duty_roles(RoleToProto(r));
  out->set_alert_reroute_days(static_cast<int32_t>(absl::ToInt64Hours(v.alert_reroute_window) / 24));
  out->set_designated_hospital(v.designated_hospital);
  out->set_server_version(v.server_version);
}

void RegionToProto(const store::RegionRow& r, v1::Region* out) {
  out->set_code(r.code);
  out->set_name(r.name);
  out->set_level(static_cast<v1::RegionLevel>(r.level));
  out->set_parent_code(r.parent_code);
  for (const auto& [year, residents] : r.population) {
    auto* p = out->add_population();
    p->set_year(year);
    p->set_residents(residents);
  }
}

void TransferToProto(const store::TransferRow& t, v1::Transfer* out) {
  out->set_transfer_id(t.id);
  out->set_patient_id(t.patient_id);
  out->set_from_jurisdiction(t.from_jurisdiction);
  out->set_to_jurisdiction(t.to_jurisdiction);
  out->set_status(static_cast<v1::TransferStatus>(t.status));
  out->set_reason(t.reason);
  out->set_requested_by(t.requested_by);
  TimeToProto(t.requested_at, out->mutable_requested_at());
  out->set_decided_by(t.decided_by);
  if (t.decided_at) TimeToProto(*t.decided_at, out->mutable_decided_at());
  out->set_decision_note(t.decision_note);
  if (t.effective_date) DateToProto(*t.effective_date, out->mutable_effective_date());
  out->set_unreadable(t.unreadable);
}

void ViewedToProto(const app::ViewedPatient& v, v1::Patient* out) {
  PatientToProto(v.patient, v.view, out);
  if (v.unreadable) {
    // Nothing but what the placeholder carries: no defaults that read like data.
    out->clear_sex();
    out->clear_birth_date();
    out->set_unreadable(true);
  }
}


}  // namespace

// ---- AuthService ----

grpc::ServerUnaryReactor* AuthService::Login(grpc::CallbackServerContext* ctx,
                                             const grpc::ByteBuffer* req,
                                             grpc::ByteBuffer* resp) {
  auto fields = ReadBytesFields(BufferBytes(*req), {v1::LoginRequest::kUsernameFieldNumber,
                                                    v1::LoginRequest::kPasswordFieldNumber});
  std::string username, password;
  absl::Status malformed = fields.status();
  if (fields.ok()) {
    username = std::move((*fields)[0]);
    password = std::move((*fields)[1]);
  }
  return RunGated(
      ctx, signin_ex_, SMD_METHOD(AuthService, Login),
      [this, username](const app::CallMeta& m) { return uc_.AdmitSignIn(m, username); },
      [this, username, password = std::move(password), malformed,
       resp](const app::CallMeta& m) -> absl::Status {
        if (!malformed.ok()) return uc_.RefuseSignIn(m, username, malformed, "malformed request");
        v1::LoginResponse out;
        absl::Status signed_in = Fill(uc_.Login(m, username, password), [&](const app::SignedIn& s) {
          out.set_token(s.token);
          TimeToProto(s.expires_at, out.mutable_expires_at());
          auto* u = out.mutable_user();
          u->set_user_id(s.principal.user_id);
          u->set_username(s.principal.username);
          u->set_display_name(s.display_name);
          u->set_role(RoleToProto(s.principal.role));
          u->set_jurisdiction(s.principal.jurisdiction);
          u->set_jurisdiction_name(s.jurisdiction_name);
          u->set_must_change_password(s.principal.must_change_password);
        });
        if (!signed_in.ok()) return signed_in;
        WriteMessage(out, resp);
        return absl::OkStatus();
      },
      [this, username](const app::CallMeta& m) {
        return uc_.RefuseSignIn(m, username,
                                absl::ResourceExhaustedError(
                                    "服务器繁忙，请稍后重试 (server busy; retry later)"),
                                "sign-in queue full");
      });
}

grpc::ServerUnaryReactor* AuthService::Logout(grpc::CallbackServerContext* ctx,
                                              const v1::LogoutRequest* req,
                                              v1::LogoutResponse* resp) {
  return RunUnary(ctx, ex_, SMD_METHOD(AuthService, Logout), req, resp,
                  [this](const app::CallMeta& m) { return uc_.Logout(m); });
}

grpc::ServerUnaryReactor* AuthService::WhoAmI(grpc::CallbackServerContext* ctx,
                                              const v1::WhoAmIRequest* req,
                                              v1::WhoAmIResponse* resp) {
  return RunUnary(ctx, ex_, SMD_METHOD(AuthService, WhoAmI), req, resp,
                  [=, this](const app::CallMeta& m) {
                    return Fill(uc_.WhoAmI(m), [&](const app::Me& me) {
                      resp->set_user_id(me.principal.user_id);
                      resp->set_username(me.principal.username);
                      resp->set_display_name(me.display_name);
                      resp->set_role(RoleToProto(me.principal.role));
                      resp->set_jurisdiction(me.principal.jurisdiction);
                      resp->set_jurisdiction_name(me.jurisdiction_name);
                      resp->set_must_change_password(me.principal.must_change_password);
                    });
                  });
}

grpc::ServerUnaryReactor* AuthService::ChangePassword(grpc::CallbackServerContext* ctx,
                                                      const grpc::ByteBuffer* req,
                                                      grpc::ByteBuffer* resp) {
  auto fields =
      ReadBytesFields(BufferBytes(*req), {v1::ChangePasswordRequest::kOldPasswordFieldNumber,
                                          v1::ChangePasswordRequest::kNewPasswordFieldNumber});
  // Raw bytes, not messages: AuthService takes no idempotency key, so RunUnary needs none.
  return RunUnary(ctx, signin_ex_, SMD_METHOD(AuthService, ChangePassword), nullptr, nullptr,
                  [this, fields = std::move(fields), resp](const app::CallMeta& m) {
                    // A malformed request is refused before authentication, unaudited, like
                    // any request field that cannot be converted (api.md).
                    RETURN_IF_ERROR(fields.status());
                    RETURN_IF_ERROR(uc_.ChangePassword(m, (*fields)[0], (*fields)[1]));
                    WriteMessage(v1::ChangePasswordResponse(), resp);
                    return absl::OkStatus();
                  });
}

// ---- AdminService ----

grpc::ServerUnaryReactor* AdminService::CreateUser(grpc::CallbackServerContext* ctx,
                                                   const v1::CreateUserRequest* req,
                                                   v1::User* resp) {
  return RunUnary(ctx, ex_, SMD_METHOD(AdminService, CreateUser), req, resp,
                  [=, this](const app::CallMeta& m) -> absl::Status {
                    ASSIGN_OR_RETURN(domain::Role role, RoleFromProto(req->role(), "role"));
                    app::NewUser u{req->username(),     req->display_name(),
                                   req->password(),     role,
                                   req->jurisdiction(), req->must_change_password()};
                    return Fill(uc_.CreateUser(m, u),
                                [&](const store::UserRow& r) { UserToProto(r, resp); });
                  });
}

grpc::ServerUnaryReactor* AdminService::DisableUser(grpc::CallbackServerContext* ctx,
                                                    const v1::DisableUserRequest* req,
                                                    v1::User* resp) {
  return RunUnary(ctx, ex_, SMD_METHOD(AdminService, DisableUser), req, resp,
                  [=, this](const app::CallMeta& m) {
                    return Fill(uc_.SetDisabled(m, req->user_id(), true),
                                [&](const store::UserRow& r) { UserToProto(r, resp); });
                  });
}

grpc::ServerUnaryReactor* AdminService::EnableUser(grpc::CallbackServerContext* ctx,
                                                   const v1::EnableUserRequest* req,
                                                   v1::User* resp) {
  return RunUnary(ctx, ex_, SMD_METHOD(AdminService, EnableUser), req, resp,
                  [=, this](const app::CallMeta& m) {
                    return Fill(uc_.SetDisabled(m, req->user_id(), false),
                                [&](const store::UserRow& r) { UserToProto(r, resp); });
                  });
}

grpc::ServerUnaryReactor* AdminService::ResetPassword(grpc::CallbackServerContext* ctx,
                                                      const v1::ResetPasswordRequest* req,
                                                      v1::User* resp) {
  return RunUnary(ctx, ex_, SMD_METHOD(AdminService, ResetPassword), req, resp,
                  [=, this](const app::CallMeta& m) {
                    return Fill(uc_.ResetPassword(m, req->user_id(), req->new_password()),
                                [&](const store::UserRow& r) { UserToProto(r, resp); });
                  });
}

grpc::ServerUnaryReactor* AdminService::AssignRole(grpc::CallbackServerContext* ctx,
                                                   const v1::AssignRoleRequest* req,
                                                   v1::User* resp) {
  return RunUnary(ctx, ex_, SMD_METHOD(AdminService, AssignRole), req, resp,
                  [=, this](const app::CallMeta& m) -> absl::Status {
                    ASSIGN_OR_RETURN(domain::Role role, RoleFromProto(req->role(), "role"));
                    return Fill(uc_.AssignRole(m, req->user_id(), role, req->jurisdiction()),
                                [&](const store::UserRow& r) { UserToProto(r, resp); });
                  });
}

grpc::ServerUnaryReactor* AdminService::ListUsers(grpc::CallbackServerContext* ctx,
                                                  const v1::ListUsersRequest* req,
                                                  v1::ListUsersResponse* resp) {
  return RunUnary(ctx, ex_, SMD_METHOD(AdminService, ListUsers), req, resp,
                  [=, this](const app::CallMeta& m) {
                    app::UserQuery q;
                    q.jurisdiction = req->jurisdiction();
                    // Range-checked by the use case (INVALID_ARGUMENT "role" / "status").
                    q.role = static_cast<domain::Role>(req->role());
                    q.status = static_cast<store::UserStatusFilter>(req->status());
                    q.query = req->query();
                    q.page_size = req->page().page_size();
                    q.page_token = req->page().page_token();
                    return Fill(uc_.ListUsers(m, q), [&](const app::UserPage& p) {
                      for (const auto& u : p.users) UserToProto(u, resp->add_users());
                      resp->set_next_page_token(p.next_page_token);
                    });
                  });
}

grpc::ServerUnaryReactor* AdminService::GetRuleSet(grpc::CallbackServerContext* ctx,
                                                   const v1::GetRuleSetRequest* req,
                                                   v1::RuleSetInfo* resp) {
  return RunUnary(ctx, ex_, SMD_METHOD(AdminService, GetRuleSet), req, resp,
                  [=, this](const app::CallMeta& m) {
                    return Fill(uc_.GetRuleSet(m), [&](const app::RuleSetView& v) {
                      RuleSetToProto(v, resp);
                    });
                  });
}

// ---- RegionService ----

grpc::ServerUnaryReactor* RegionService::UpsertRegion(grpc::CallbackServerContext* ctx,
                                                      const v1::UpsertRegionRequest* req,
                                                      v1::Region* resp) {
  return RunUnary(ctx, ex_, SMD_METHOD(RegionService, UpsertRegion), req, resp,
                  [=, this](const app::CallMeta& m) {
                    return Fill(uc_.UpsertRegion(m, req->code(), req->name()),
                                [&](const store::RegionRow& r) { RegionToProto(r, resp); });
                  });
}

grpc::ServerUnaryReactor* RegionService::GetRegion(grpc::CallbackServerContext* ctx,
                                                   const v1::GetRegionRequest* req,
                                                   v1::Region* resp) {
  return RunUnary(ctx, ex_, SMD_METHOD(RegionService, GetRegion), req, resp,
                  [=, this](const app::CallMeta& m) {
                    return Fill(uc_.GetRegion(m, req->code()),
                                [&](const store::RegionRow& r) { RegionToProto(r, resp); });
                  });
}

grpc::ServerUnaryReactor* RegionService::ListRegions(grpc::CallbackServerContext* ctx,
                                                     const v1::ListRegionsRequest* req,
                                                     v1::ListRegionsResponse* resp) {
  return RunUnary(ctx, ex_, SMD_METHOD(RegionService, ListRegions), req, resp,
                  [=, this](const app::CallMeta& m) {
                    return Fill(uc_.ListRegions(m, req->root(), req->depth()),
                                [&](const std::vector<store::RegionRow>& rows) {
                                  for (const auto& r : rows) RegionToProto(r, resp->add_regions());
                                });
                  });
}

grpc::ServerUnaryReactor* RegionService::SetPopulation(grpc::CallbackServerContext* ctx,
                                                       const v1::SetPopulationRequest* req,
                                                       v1::Region* resp) {
  return RunUnary(ctx, ex_, SMD_METHOD(RegionService, SetPopulation), req, resp,
                  [=, this](const app::CallMeta& m) {
                    return Fill(uc_.SetPopulation(m, req->code(), req->year(), req->residents()),
                                [&](const store::RegionRow& r) { RegionToProto(r, resp); });
                  });
}

// ---- PatientService ----

grpc::ServerUnaryReactor* PatientService::RegisterPatient(grpc::CallbackServerContext* ctx,
                                                          const v1::RegisterPatientRequest* req,
                                                          v1::Patient* resp) {
  return RunUnary(ctx, ex_, SMD_METHOD(PatientService, RegisterPatient), req, resp,
                  [=, this](const app::CallMeta& m) -> absl::Status {
                    domain::Patient p;
                    RETURN_IF_ERROR(PatientDetailsFromProto(req->details(), &p));
                    return Fill(uc_.Register(m, std::move(p)),
                                [&](const app::ViewedPatient& v) { ViewedToProto(v, resp); });
                  });
}

grpc::ServerUnaryReactor* PatientService::ImportPatients(grpc::CallbackServerContext* ctx,
                                                         const v1::ImportPatientsRequest* req,
                                                         v1::ImportPatientsResponse* resp) {
  return RunUnary(ctx, ex_, SMD_METHOD(PatientService, ImportPatients), req, resp,
                  [=, this](const app::CallMeta& m) -> absl::Status {
                    std::vector<app::ImportRowIn> rows;
                    rows.reserve(req->rows_size());
                    for (const auto& r : req->rows()) {
                      app::ImportRowIn in;
                      in.row = r.row();
                      // A row that cannot be read is refused alone, not the batch.
                      in.parse_error = PatientDetailsFromProto(r.details(), &in.patient);
                      if (in.parse_error.ok()) {
                        auto day = DateFromProto(r.registered_on(), "registered_on");
                        if (day.ok()) {
                          in.registered_on = *day;
                        } else {
                          in.parse_error = day.status();
                        }
                      }
                      rows.push_back(std::move(in));
                    }
                    return Fill(uc_.Import(m, std::move(rows)),
                                [&](const std::vector<app::ImportRowOut>& out) {
                                  for (const auto& o : out) {
                                    auto* r = resp->add_results();
                                    r->set_row(o.row);
                                    r->set_outcome(static_cast<v1::ImportOutcome>(o.outcome));
                                    r->set_patient_id(o.patient_id);
                                    r->set_field(o.field);
                                    r->set_reason(o.reason);
                                    switch (o.outcome) {
                                      case app::ImportOutcome::kImported:
                                        resp->set_imported(resp->imported() + 1);
                                        break;
                                      case app::ImportOutcome::kAlreadyRegistered:
                                        resp->set_already_registered(resp->already_registered() + 1);
                                        break;
                                      case app::ImportOutcome::kRefused:
                                        resp->set_refused(resp->refused() + 1);
                                        break;
                                    }
                                  }
                                });
                  });
}

grpc::ServerUnaryReactor* PatientService::GetPatient(grpc::CallbackServerContext* ctx,
                                                     const v1::GetPatientRequest* req,
                                                     v1::Patient* resp) {
  return RunUnary(ctx, ex_, SMD_METHOD(PatientService, GetPatient), req, resp,
                  [=, this](const app::CallMeta& m) {
                    return Fill(uc_.Get(m, req->patient_id()),
                                [&](const app::ViewedPatient& v) { ViewedToProto(v, resp); });
                  });
}

grpc::ServerUnaryReactor* PatientService::UpdatePatient(grpc::CallbackServerContext* ctx,
                                                        const v1::UpdatePatientRequest* req,
                                                        v1::Patient* resp) {
  return RunUnary(ctx, ex_, SMD_METHOD(PatientService, UpdatePatient), req, resp,
                  [=, this](const app::CallMeta& m) -> absl::Status {
                    domain::Patient p;
                    RETURN_IF_ERROR(PatientDetailsFromProto(req->details(), &p));
                    return Fill(uc_.Update(m, req->patient_id(), req->version(), p),
                                [&](const app::ViewedPatient& v) { ViewedToProto(v, resp); });
                  });
}

grpc::ServerUnaryReactor* PatientService::SearchPatients(grpc::CallbackServerContext* ctx,
                                                         const v1::SearchPatientsRequest* req,
                                                         v1::SearchPatientsResponse* resp) {
  return RunUnary(ctx, ex_, SMD_METHOD(PatientService, SearchPatients), req, resp,
                  [=, this](const app::CallMeta& m) {
                    app::PatientSearch q;
                    q.name = req->name();
                    q.id_number = req->id_number();
                    q.region = req->region();
                    q.status = req->status();
                    q.min_risk = req->min_risk();
                    q.page_size = req->page().page_size();
                    q.page_token = req->page().page_token();
                    return Fill(uc_.Search(m, q), [&](const app::PatientPage& page) {
                      for (const auto& v : page.patients) ViewedToProto(v, resp->add_patients());
                      resp->set_next_page_token(page.next_page_token);
                      resp->set_unreadable_count(page.unreadable);
                    });
                  });
}

grpc::ServerUnaryReactor* PatientService::TransferOut(grpc::CallbackServerContext* ctx,
                                                      const v1::TransferOutRequest* req,
                                                      v1::Transfer* resp) {
  return RunUnary(ctx, ex_, SMD_METHOD(PatientService, TransferOut), req, resp,
                  [=, this](const app::CallMeta& m) {
                    ASSIGN_OR_RETURN(auto effective,
                                     DateFromProto(req->effective_date(), "effective_date"));
                    return Fill(uc_.TransferOut(m, req->patient_id(), req->version(),
                                                req->to_jurisdiction(), req->reason(), effective),
                                [&](const store::TransferRow& t) { TransferToProto(t, resp); });
                  });
}

grpc::ServerUnaryReactor* PatientService::TransferIn(grpc::CallbackServerContext* ctx,
                                                     const v1::TransferInRequest* req,
                                                     v1::Transfer* resp) {
  return RunUnary(ctx, ex_, SMD_METHOD(PatientService, TransferIn), req, resp,
                  [=, this](const app::CallMeta& m) {
                    return Fill(uc_.TransferIn(m, req->transfer_id(), req->accept(), req->note()),
                                [&](const store::TransferRow& t) { TransferToProto(t, resp); });
                  });
}

grpc::ServerUnaryReactor* PatientService::ListTransfers(grpc::CallbackServerContext* ctx,
                                                        const v1::ListTransfersRequest* req,
                                                        v1::ListTransfersResponse* resp) {
  return RunUnary(ctx, ex_, SMD_METHOD(PatientService, ListTransfers), req, resp,
                  [=, this](const app::CallMeta& m) {
                    return Fill(uc_.ListTransfers(m, req->pending_only(), req->page().page_size(),
                                                  req->page().page_token()),
                                [&](const app::TransferPage& p) {
                                  for (const auto& t : p.transfers) {
                                    TransferToProto(t, resp->add_transfers());
                                  }
                                  resp->set_next_page_token(p.next_page_token);
                                  resp->set_unreadable_count(p.unreadable);
                                });
                  });
}

grpc::ServerUnaryReactor* PatientService::ClosePatient(grpc::CallbackServerContext* ctx,
                                                       const v1::ClosePatientRequest* req,
                                                       v1::Patient* resp) {
  return RunUnary(ctx, ex_, SMD_METHOD(PatientService, ClosePatient), req, resp,
                  [=, this](const app::CallMeta& m) -> absl::Status {
                    domain::CloseRequest c;
                    c.kind = static_cast<domain::CloseKind>(req->kind());
                    if (req->kind() < 0 || req->kind() > 2)
                      c.kind = domain::CloseKind::kUnspecified;
                    ASSIGN_OR_RETURN(c.date, DateFromProto(req->date(), "date"));
                    c.death_cause = req->death_cause();
                    c.reason = req->reason();
                    return Fill(uc_.Close(m, req->patient_id(), req->version(), c),
                                [&](const app::ViewedPatient& v) { ViewedToProto(v, resp); });
                  });
}

// ---- AuditService ----

grpc::ServerUnaryReactor* AuditService::ListAuditRecords(grpc::CallbackServerContext* ctx,
                                                         const v1::ListAuditRecordsRequest* req,
                                                         v1::ListAuditRecordsResponse* resp) {
  return RunUnary(
      ctx, ex_, SMD_METHOD(AuditService, ListAuditRecords), req, resp,
      [=, this](const app::CallMeta& m) {
        store::AuditFilter f;
        f.patient_id = req->patient_id();
        f.user_id = req->user_id();
        if (req->has_from()) {
      ASSIGN_OR_RETURN(f.from, TimeFromProto(req->from(), "from"));
    }
        if (req->has_to()) {
      ASSIGN_OR_RETURN(f.to, TimeFromProto(req->to(), "to"));
    }
        f.method = req->method();    // checked by the use case
        f.outcome = req->outcome();
        f.username = req->username();
        return Fill(uc_.List(m, f, req->page().page_size(), req->page().page_token()),
                    [&](const app::AuditPage& p) {
                      for (const auto& e : p.records) {
                        auto* r = resp->add_records();
                        r->set_audit_id(e.id);
                        TimeToProto(e.at, r->mutable_at());
                        r->set_user_id(e.user_id);
                        r->set_username(e.username);
                        r->set_role(static_cast<v1::Role>(e.role));
                        r->set_jurisdiction(e.jurisdiction);
                        r->set_method(e.method);
                        for (const auto& id : e.patient_ids) r->add_patient_ids(id);
                        r->set_outcome(e.outcome);
                        r->set_peer(e.peer);
                        r->set_request_id(e.request_id);
                        r->set_detail(e.detail);
                        r->set_chain_position(e.chain_position);
                      }
                      resp->set_next_page_token(p.next_page_token);
                    });
      });
}

grpc::ServerUnaryReactor* AuditService::VerifyAuditChain(grpc::CallbackServerContext* ctx,
                                                         const v1::VerifyAuditChainRequest* req,
                                                         v1::VerifyAuditChainResponse* resp) {
  return RunUnary(ctx, ex_, SMD_METHOD(AuditService, VerifyAuditChain), req, resp,
                  [=, this](const app::CallMeta& m) {
                    return Fill(uc_.Verify(m), [&](const store::ChainReport& r) {
                      resp->set_intact(r.intact);
                      resp->set_records_checked(r.records_checked);
                      resp->set_checkpoints_checked(r.checkpoints_checked);
                      resp->set_unsealed_records(r.unsealed);
                      resp->set_first_break_position(r.first_break_position);
                      resp->set_first_break_audit_id(r.first_break_audit_id);
                      resp->set_problem(r.problem);
                      resp->set_anchored(r.anchored);
                      resp->set_anchored_checkpoints_checked(r.anchored_checkpoints_checked);
                      resp->set_newest_anchored_position(r.newest_anchored_position);
                      resp->set_newest_checkpoint_position(r.newest_checkpoint_position);
                    });
                  });
}

}  // namespace smd::api
