#include "api/raw_message.h"

#include <algorithm>

#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/wire_format_lite.h"

namespace smd::api {

using google::protobuf::internal::WireFormatLite;

absl::StatusOr<std::vector<std::string>> ReadBytesFields(std::string_view wire,
                                                         const std::vector<int>& numbers) {
  static const absl::Status kMalformed =
      absl::InvalidArgumentError("request: 请求格式错误 (malformed request)");
  std::vector<std::string> out(numbers.size());
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(wire.data()),
                                            static_cast<int>(wire.size()));
  for (;;) {
    const uint32_t tag = in.ReadTag();
    if (tag == 0) break;  // end of input (or an invalid tag 0)
    const int number = static_cast<int>(WireFormatLite::GetTagFieldNumber(tag));
    auto it = std::find(numbers.begin(), numbers.end(), number);
    if (it == numbers.end()) {
      if (!WireFormatLite::SkipField(&in, tag)) return kMalformed;
      continue;
    }
    if (WireFormatLite::GetTagWireType(tag) != WireFormatLite::WIRETYPE_LENGTH_DELIMITED) {
      return kMalformed;
    }
    uint32_t length = 0;
    std::string value;
    if (!in.ReadVarint32(&length) || !in.ReadString(&value, static_cast<int>(length))) {
      return kMalformed;
    }
    out[it - numbers.begin()] = std::move(value);
  }
  // ReadTag returns 0 both at a clean end and on garbage; only the first consumed it all.
  if (!in.ConsumedEntireMessage() || in.CurrentPosition() != static_cast<int>(wire.size())) {
    return kMalformed;
  }
  return out;
}

std::string BufferBytes(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string out;
  if (!buffer.Dump(&slices).ok()) return out;
  for (const auto& s : slices) out.append(reinterpret_cast<const char*>(s.begin()), s.size());
  return out;
}

void WriteMessage(const google::protobuf::MessageLite& message, grpc::ByteBuffer* out) {
  const std::string bytes = message.SerializeAsString();
  grpc::Slice slice(bytes);
  *out = grpc::ByteBuffer(&slice, 1);
}

}  // namespace smd::api
