#pragma once
// Reading the sign-in requests as raw bytes. protobuf's generated parser refuses a proto3
// `string` field that is not valid UTF-8, before any handler runs: the call would fail
// with a gRPC-level error and no audit record. AuthService.Login and ChangePassword
// therefore take their request as bytes (gRPC raw callback methods), read the fields here
// without that check, and leave the validation to the use cases, which name the field
// and audit the attempt.

#include <grpcpp/support/byte_buffer.h>

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "google/protobuf/message_lite.h"

namespace smd::api {

// The length-delimited fields `numbers` of the serialized message `wire`, as raw bytes
// (the last occurrence wins, as in protobuf; "" when absent). Other fields are skipped.
// INVALID_ARGUMENT "request: 请求格式错误 (malformed request)" when `wire` is not a valid
// message or one of `numbers` has another wire type. Thread-safe.
absl::StatusOr<std::vector<std::string>> ReadBytesFields(std::string_view wire,
                                                         const std::vector<int>& numbers);

// The bytes of a gRPC message.
std::string BufferBytes(const grpc::ByteBuffer& buffer);

// Serializes `message` into `out` (a raw method's response).
void WriteMessage(const google::protobuf::MessageLite& message, grpc::ByteBuffer* out);

}  // namespace smd::api
