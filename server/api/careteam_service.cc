#include "api/careteam_service.h"

#include "api/call_runner.h"
#include "api/careteam_convert.h"
#include "api/convert.h"
#include "common/status_macros.h"

namespace smd::api {

#define SMD_CT_METHOD(name) "/smd.v1.CareTeamService/" #name

using Reactor = grpc::ServerUnaryReactor;

Reactor* CareTeamService::AddMember(Ctx* ctx, const v1::AddMemberRequest* req,
                                    v1::TeamMember* resp) {
  return RunUnary(ctx, ex_, SMD_CT_METHOD(AddMember), req, resp,
                  [=, this](const app::CallMeta& m) -> absl::Status {
                    app::NewMember n;
                    n.patient_id = req->patient_id();
                    ASSIGN_OR_RETURN(n.role, TeamRoleFromProto(req->team_role(), "team_role"));
                    n.user_id = req->user_id();
                    n.contact_name = req->contact_name();
                    n.contact_phone = req->contact_phone();
                    ASSIGN_OR_RETURN(n.start_date, DateFromProto(req->start_date(), "start_date"));
                    return Fill(uc_.AddMember(m, n),
                                [&](const domain::TeamMember& t) { TeamMemberToProto(t, resp); });
                  });
}

Reactor* CareTeamService::EndMember(Ctx* ctx, const v1::EndMemberRequest* req,
                                    v1::TeamMember* resp) {
  return RunUnary(ctx, ex_, SMD_CT_METHOD(EndMember), req, resp,
                  [=, this](const app::CallMeta& m) -> absl::Status {
                    ASSIGN_OR_RETURN(auto end_date, DateFromProto(req->end_date(), "end_date"));
                    return Fill(uc_.EndMember(m, req->member_id(), end_date, req->reason()),
                                [&](const domain::TeamMember& t) { TeamMemberToProto(t, resp); });
                  });
}

Reactor* CareTeamService::ListTeam(Ctx* ctx, const v1::ListTeamRequest* req,
                                   v1::ListTeamResponse* resp) {
  return RunUnary(ctx, ex_, SMD_CT_METHOD(ListTeam), req, resp, [=, this](const app::CallMeta& m) {
    return Fill(uc_.ListTeam(m, req->patient_id(), req->include_history()),
                [&](const std::vector<domain::TeamMember>& team) {
                  int unreadable = 0;
                  for (const auto& t : team) {
                    TeamMemberToProto(t, resp->add_members());
                    unreadable += t.unreadable ? 1 : 0;
                  }
                  resp->set_unreadable_count(unreadable);
                });
  });
}

Reactor* CareTeamService::ListEligibleMembers(Ctx* ctx, const v1::ListEligibleMembersRequest* req,
                                              v1::ListEligibleMembersResponse* resp) {
  return RunUnary(ctx, ex_, SMD_CT_METHOD(ListEligibleMembers), req, resp,
                  [=, this](const app::CallMeta& m) {
                    return Fill(uc_.ListEligibleMembers(
                                    m, req->patient_id(),
                                    static_cast<domain::TeamRole>(req->team_role())),
                                [&](const std::vector<app::EligibleMember>& users) {
                                  for (const auto& e : users) {
                                    v1::EligibleMember* out = resp->add_users();
                                    out->set_user_id(e.user.user_id);
                                    out->set_display_name(e.user.display_name);
                                    out->set_role(static_cast<v1::Role>(e.user.role));
                                    out->set_jurisdiction(e.user.jurisdiction);
                                    out->set_already_member(e.already_member);
                                  }
                                });
                  });
}

Reactor* CareTeamService::ListMyPatients(Ctx* ctx, const v1::ListMyPatientsRequest* req,
                                         v1::ListMyPatientsResponse* resp) {
  return RunUnary(ctx, ex_, SMD_CT_METHOD(ListMyPatients), req, resp, [=, this](const app::CallMeta& m) {
    return Fill(uc_.ListMyPatients(m, req->page().page_size(), req->page().page_token()),
                [&](const app::MyPatientsPage& page) {
                  for (const auto& p : page.patients) {
                    v1::MyPatient* out = resp->add_patients();
                    out->set_patient_id(p.patient_id);
                    out->set_name(p.name);
                    out->set_jurisdiction(p.jurisdiction);
                    out->set_risk_level(p.risk_level);
                    out->set_classification(p.classification);
                    out->set_my_role(TeamRoleToProto(p.my_role));
                    out->set_name_unreadable(p.name_unreadable);
                  }
                  resp->set_next_page_token(page.next_page_token);
                  resp->set_unreadable_count(page.unreadable);
                });
  });
}

Reactor* CareTeamService::ListTeamGaps(Ctx* ctx, const v1::ListTeamGapsRequest* req,
                                       v1::ListTeamGapsResponse* resp) {
  return RunUnary(ctx, ex_, SMD_CT_METHOD(ListTeamGaps), req, resp, [=, this](const app::CallMeta& m) {
    return Fill(
        uc_.ListTeamGaps(m, req->region(), req->page().page_size(), req->page().page_token()),
        [&](const app::TeamGapsPage& page) {
          for (const auto& g : page.gaps) {
            v1::TeamGap* out = resp->add_gaps();
            out->set_patient_id(g.patient_id);
            out->set_name(g.name);
            out->set_jurisdiction(g.jurisdiction);
            out->set_risk_level(g.risk_level);
            out->set_classification(g.classification);
            for (domain::TeamRole r : g.missing) out->add_missing(TeamRoleToProto(r));
            out->set_name_unreadable(g.name_unreadable);
          }
          resp->set_next_page_token(page.next_page_token);
          resp->set_unreadable_count(page.unreadable);
        });
  });
}

}  // namespace smd::api
