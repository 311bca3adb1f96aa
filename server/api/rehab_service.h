#pragma once
// Thin gRPC adapter for smd.v1.RehabService (see services.h for the pattern).

#include "api/executor.h"
#include "app/rehab_use_cases.h"
#include "smd/v1/rehab.grpc.pb.h"

namespace smd::api {

class RehabService final : public smd::v1::RehabService::CallbackService {
 public:
  RehabService(app::RehabUseCases& uc, Executor& ex) : uc_(uc), ex_(ex) {}
  using Ctx = grpc::CallbackServerContext;
  using Reactor = grpc::ServerUnaryReactor;
  Reactor* RecordRehabSession(Ctx* ctx, const v1::RecordRehabSessionRequest* req,
                              v1::RehabRecord* resp) override;
  Reactor* RecordPsychSupport(Ctx* ctx, const v1::RecordPsychSupportRequest* req,
                              v1::RehabRecord* resp) override;
  Reactor* ListRehabRecords(Ctx* ctx, const v1::ListRehabRecordsRequest* req,
                            v1::ListRehabRecordsResponse* resp) override;

 private:
  app::RehabUseCases& uc_;
  Executor& ex_;
};

}  // namespace smd::api
