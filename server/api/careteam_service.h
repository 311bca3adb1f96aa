#pragma once
// Thin gRPC adapter for smd.v1.CareTeamService (see services.h for the pattern).

#include "api/executor.h"
#include "app/careteam_use_cases.h"
#include "smd/v1/alerts.grpc.pb.h"

namespace smd::api {

class CareTeamService final : public smd::v1::CareTeamService::CallbackService {
 public:
  CareTeamService(app::CareTeamUseCases& uc, Executor& ex) : uc_(uc), ex_(ex) {}
  using Ctx = grpc::CallbackServerContext;
  using Reactor = grpc::ServerUnaryReactor;
  Reactor* AddMember(Ctx* ctx, const v1::AddMemberRequest* req, v1::TeamMember* resp) override;
  Reactor* EndMember(Ctx* ctx, const v1::EndMemberRequest* req, v1::TeamMember* resp) override;
  Reactor* ListTeam(Ctx* ctx, const v1::ListTeamRequest* req, v1::ListTeamResponse* resp) override;
  Reactor* ListEligibleMembers(Ctx* ctx, const v1::ListEligibleMembersRequest* req,
                               v1::ListEligibleMembersResponse* resp) override;
  Reactor* ListMyPatients(Ctx* ctx, const v1::ListMyPatientsRequest* req,
                          v1::ListMyPatientsResponse* resp) override;
  Reactor* ListTeamGaps(Ctx* ctx, const v1::ListTeamGapsRequest* req,
                        v1::ListTeamGapsResponse* resp) override;

 private:
  app::CareTeamUseCases& uc_;
  Executor& ex_;
};

}  // namespace smd::api
