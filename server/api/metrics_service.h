#pragma once
// smd.v1.MetricsService: thin handlers over app::MetricUseCases (docs/api.md
// "MetricsService").

#include "api/executor.h"
#include "app/metric_use_cases.h"
#include "smd/v1/metrics.grpc.pb.h"

namespace smd::api {

class MetricsService final : public smd::v1::MetricsService::CallbackService {
 public:
  MetricsService(app::MetricUseCases& uc, Executor& ex) : uc_(uc), ex_(ex) {}
  using Ctx = grpc::CallbackServerContext;
  using Reactor = grpc::ServerUnaryReactor;
  Reactor* GetMetrics(Ctx* ctx, const v1::GetMetricsRequest* req, v1::MetricsReport* resp) override;
  Reactor* GetMetricTrend(Ctx* ctx, const v1::GetMetricTrendRequest* req,
                          v1::MetricTrend* resp) override;
  Reactor* ListMetricPatients(Ctx* ctx, const v1::ListMetricPatientsRequest* req,
                              v1::ListMetricPatientsResponse* resp) override;
  Reactor* ExportMetrics(Ctx* ctx, const v1::GetMetricsRequest* req,
                         v1::MetricsExport* resp) override;

 private:
  app::MetricUseCases& uc_;
  Executor& ex_;
};

// IndicatorRate -> IndicatorValue.
void IndicatorToProto(const domain::IndicatorRate& r, v1::IndicatorValue* out);
// A service-network rate (domain/network.h) -> IndicatorValue.
void NetworkIndicatorToProto(const domain::NetworkRate& r, v1::IndicatorValue* out);

}  // namespace smd::api
