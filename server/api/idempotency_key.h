#pragma once
// The api side of idempotency keys (docs/adr/0009-idempotency-keys.md; the frame itself is
// app/idempotency.h): which methods take a key, the key's form, and the request digest.
// Pure functions over the generated descriptors; thread-safe; unit-tested.

#include <google/protobuf/message.h>

#include <string>
#include <string_view>

#include "absl/status/status.h"

namespace smd::api {

// The metadata key a client sends (lowercase, as gRPC metadata keys are; over HTTP the
// `Idempotency-Key` header of the IETF httpapi draft).
inline constexpr char kIdempotencyKeyHeader[] = "idempotency-key";
// Trailing metadata "true" on a reply that is a replay of a stored one.
inline constexpr char kIdempotencyReplayedTrailer[] = "idempotency-replayed";

// True when `method` ("/smd.v1.PatientService/RegisterPatient") takes a key: every unary
// method of the smd.v1 services, except those the proto marks
// `option idempotency_level = NO_SIDE_EFFECTS` (reads, which ignore the key) and those of
// AuthService (sign-in and sign-out manage the session the key is scoped by). False for
// unknown and streaming methods.
bool TakesIdempotencyKey(std::string_view method);

// OK when `key` is 16 to 128 characters of A-Z a-z 0-9 . _ - (a UUID, a ULID, base64url of
// 16 random bytes all fit); otherwise INVALID_ARGUMENT naming idempotency-key.
absl::Status CheckIdempotencyKey(std::string_view key);

// SHA-256 (32 bytes) of the method, a NUL byte and the deterministic serialization of the
// request: equal for the same method and the same request, whatever the client's field
// order or encoding was.
std::string RequestDigest(std::string_view method, const google::protobuf::Message& request);

}  // namespace smd::api
