#pragma once
// Thin gRPC adapter for smd.v1.FollowUpService (see services.h for the pattern).

#include "api/executor.h"
#include "app/followup_use_cases.h"
#include "smd/v1/followups.grpc.pb.h"

namespace smd::api {

class FollowUpService final : public smd::v1::FollowUpService::CallbackService {
 public:
  FollowUpService(app::FollowUpUseCases& uc, Executor& ex) : uc_(uc), ex_(ex) {}
  using Ctx = grpc::CallbackServerContext;
  using Reactor = grpc::ServerUnaryReactor;
  Reactor* RecordFollowUp(Ctx* ctx, const v1::RecordFollowUpRequest* req,
                          v1::FollowUp* resp) override;
  Reactor* CorrectFollowUp(Ctx* ctx, const v1::CorrectFollowUpRequest* req,
                           v1::FollowUp* resp) override;
  Reactor* ListFollowUps(Ctx* ctx, const v1::ListFollowUpsRequest* req,
                         v1::ListFollowUpsResponse* resp) override;
  Reactor* GetMedicationGuidance(Ctx* ctx, const v1::GetMedicationGuidanceRequest* req,
                                 v1::MedicationGuidance* resp) override;
  Reactor* ListDrugs(Ctx* ctx, const v1::ListDrugsRequest* req,
                     v1::ListDrugsResponse* resp) override;
  Reactor* RecordEmergency(Ctx* ctx, const v1::RecordEmergencyRequest* req,
                           v1::Emergency* resp) override;
  Reactor* RequestReferral(Ctx* ctx, const v1::RequestReferralRequest* req,
                           v1::Referral* resp) override;
  Reactor* UpdateReferral(Ctx* ctx, const v1::UpdateReferralRequest* req,
                          v1::Referral* resp) override;
  Reactor* RecordDischarge(Ctx* ctx, const v1::RecordDischargeRequest* req,
                           v1::Discharge* resp) override;
  Reactor* RecordHealthCheck(Ctx* ctx, const v1::RecordHealthCheckRequest* req,
                             v1::HealthCheck* resp) override;
  Reactor* ListWorklist(Ctx* ctx, const v1::ListWorklistRequest* req,
                        v1::ListWorklistResponse* resp) override;
  Reactor* GetTimeline(Ctx* ctx, const v1::GetTimelineRequest* req, v1::Timeline* resp) override;

 private:
  app::FollowUpUseCases& uc_;
  Executor& ex_;
};

}  // namespace smd::api
