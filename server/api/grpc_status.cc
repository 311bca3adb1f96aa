#include "api/grpc_status.h"

#include <string>

namespace smd::api {

grpc::Status ToGrpcStatus(const absl::Status& s) {
  if (s.ok()) return grpc::Status::OK;
  // INTERNAL and UNKNOWN details stay in the server log; the client gets a fixed text.
  if (s.code() == absl::StatusCode::kInternal || s.code() == absl::StatusCode::kUnknown) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "服务器内部错误 (internal error)");
  }
  return grpc::Status(static_cast<grpc::StatusCode>(s.code()), std::string(s.message()));
}

}  // namespace smd::api
