#include "api/method_names.h"

#include <google/protobuf/descriptor.h>

#include <algorithm>

#include "smd/v1/admin.grpc.pb.h"
#include "smd/v1/alerts.grpc.pb.h"
#include "smd/v1/audit.grpc.pb.h"
#include "smd/v1/auth.grpc.pb.h"
#include "smd/v1/followups.grpc.pb.h"
#include "smd/v1/metrics.grpc.pb.h"
#include "smd/v1/network.grpc.pb.h"
#include "smd/v1/patients.grpc.pb.h"
#include "smd/v1/regions.grpc.pb.h"
#include "smd/v1/rehab.grpc.pb.h"

namespace smd::api {

std::vector<std::string> RpcMethodNames() {
  // Every service of every file that declares one: a service added to one of
  // these files is included without a change here; a new file needs a line.
  const char* services[] = {
      v1::AdminService::service_full_name(),    v1::AlertService::service_full_name(),
      v1::AuditService::service_full_name(),    v1::AuthService::service_full_name(),
      v1::FollowUpService::service_full_name(), v1::MetricsService::service_full_name(),
      v1::PatientService::service_full_name(),  v1::RegionService::service_full_name(),
      v1::RehabService::service_full_name(),    v1::ServiceNetworkService::service_full_name(),
  };
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  std::vector<std::string> out;
  for (const char* name : services) {
    const google::protobuf::ServiceDescriptor* known = pool->FindServiceByName(name);
    if (known == nullptr) continue;
    const google::protobuf::FileDescriptor* file = known->file();
    for (int s = 0; s < file->service_count(); ++s) {
      const auto* service = file->service(s);
      for (int m = 0; m < service->method_count(); ++m) {
        out.push_back("/" + service->full_name() + "/" + service->method(m)->name());
      }
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace smd::api
