#pragma once
// The one place where absl::Status becomes grpc::Status (docs/style.md). The numeric codes
// are the same; the message is passed through (use cases write messages meant for end
// users, Chinese first, and never put patient data in them).

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace smd::api {

grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace smd::api
