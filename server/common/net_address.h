#pragma once
// Listen addresses ("host:port") as the server's --listen flag takes them. Pure, no I/O
// (no name resolution), thread-safe.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace smd::common {

struct HostPort {
  std::string host;  // without brackets for IPv6 ("::1")
  int port = 0;      // 0..65535; 0 = any free port
};

// Splits "host:port" or "[ipv6]:port". The port is 1 to 5 decimal digits, at most 65535.
// The host is not resolved or checked here. Errors: INVALID_ARGUMENT "--listen: ..." when
// the port is missing or not a number, brackets are unbalanced, an IPv6 address lacks
// brackets, or the host is empty.
absl::StatusOr<HostPort> ParseListenAddress(std::string_view listen);

// True only when `listen` parses and its host is a loopback address: an IPv4 address in
// 127.0.0.0/8 written as four decimal octets, the IPv6 address ::1 (in brackets), or the
// name "localhost" exactly (ASCII case-insensitive). Prefix tricks such as
// "127.evil.example:1", "localhost.evil:1" or "[::1]x:1" are not loopback.
bool IsLoopbackListenAddress(std::string_view listen);

}  // namespace smd::common
