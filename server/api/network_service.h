#pragma once
// Thin gRPC adapter for smd.v1.ServiceNetworkService (see services.h for the pattern).

#include "api/executor.h"
#include "app/network_use_cases.h"
#include "smd/v1/network.grpc.pb.h"

namespace smd::api {

class ServiceNetworkService final : public smd::v1::ServiceNetworkService::CallbackService {
 public:
  ServiceNetworkService(app::NetworkUseCases& uc, Executor& ex) : uc_(uc), ex_(ex) {}
  using Ctx = grpc::CallbackServerContext;
  using Reactor = grpc::ServerUnaryReactor;
  Reactor* UpsertSite(Ctx* ctx, const v1::UpsertSiteRequest* req, v1::ServiceSite* resp) override;
  Reactor* SetSiteStatus(Ctx* ctx, const v1::SetSiteStatusRequest* req,
                         v1::ServiceSite* resp) override;
  Reactor* ListSites(Ctx* ctx, const v1::ListSitesRequest* req,
                     v1::ListSitesResponse* resp) override;
  Reactor* SetNetworkCount(Ctx* ctx, const v1::SetNetworkCountRequest* req,
                           v1::NetworkCount* resp) override;
  Reactor* ListNetworkCounts(Ctx* ctx, const v1::ListNetworkCountsRequest* req,
                             v1::ListNetworkCountsResponse* resp) override;
  Reactor* ListNetworkTargets(Ctx* ctx, const v1::ListNetworkTargetsRequest* req,
                              v1::ListNetworkTargetsResponse* resp) override;

 private:
  app::NetworkUseCases& uc_;
  Executor& ex_;
};

}  // namespace smd::api
