#include "api/idempotency_key.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

#include "crypto/hash.h"
#include "domain/errors.h"

namespace smd::api {

bool TakesIdempotencyKey(std::string_view method) {
  // "/smd.v1.Service/Method" -> "smd.v1.Service.Method"
  if (method.size() < 2 || method[0] != '/') return false;
  std::string name(method.substr(1));
  const size_t slash = name.find('/');
  if (slash == std::string::npos) return false;
  name[slash] = '.';
  const google::protobuf::MethodDescriptor* m =
      google::protobuf::DescriptorPool::generated_pool()->FindMethodByName(name);
  if (m == nullptr || m->client_streaming() || m->server_streaming()) return false;
  if (m->service()->full_name() == "smd.v1.AuthService") return false;
  return m->options().idempotency_level() != google::protobuf::MethodOptions::NO_SIDE_EFFECTS;
}

absl::Status CheckIdempotencyKey(std::string_view key) {
  bool ok = key.size() >= 16 && key.size() <= 128;
  for (size_t i = 0; ok && i < key.size(); ++i) {
    const char c = key[i];
    ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
  }
  if (!ok) {
    return domain::FieldError(kIdempotencyKeyHeader, "须为16至128个字母、数字或 . _ - 字符",
                              "must be 16 to 128 characters of A-Z a-z 0-9 . _ -");
  }
  return absl::OkStatus();
}

std::string RequestDigest(std::string_view method, const google::protobuf::Message& request) {
  std::string bytes(method);
  bytes.push_back('\0');
  {
    google::protobuf::io::StringOutputStream sink(&bytes);
    google::protobuf::io::CodedOutputStream out(&sink);
    out.SetSerializationDeterministic(true);
    request.SerializePartialToCodedStream(&out);
  }
  return crypto::Sha256(bytes);
}

}  // namespace smd::api
