#include "common/net_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace smd::common {
namespace {

absl::Status Bad(std::string_view why) {
  return absl::InvalidArgumentError(absl::StrCat("--listen: ", std::string(why)));
}

}  // namespace

absl::StatusOr<HostPort> ParseListenAddress(std::string_view listen) {
  HostPort out;
  std::string_view port;
  if (!listen.empty() && listen.front() == '[') {
    const size_t close = listen.find(']');
    if (close == std::string_view::npos) return Bad("missing ']' after an IPv6 address");
    out.host = std::string(listen.substr(1, close - 1));
    std::string_view rest = listen.substr(close + 1);
    if (rest.empty() || rest.front() != ':') return Bad("expected ':port' after ']'");
    port = rest.substr(1);
  } else {
    const size_t colon = listen.rfind(':');
    if (colon == std::string_view::npos) return Bad("expected host:port");
    out.host = std::string(listen.substr(0, colon));
    if (out.host.find(':') != std::string::npos) {
      return Bad("an IPv6 address must be written in brackets, e.g. [::1]:50051");
    }
    if (out.host.find_first_of("[]") != std::string::npos) return Bad("unbalanced brackets");
    port = listen.substr(colon + 1);
  }
  if (out.host.empty()) return Bad("empty host");
  if (port.empty() || port.size() > 5) return Bad("the port must be a number 0..65535");
  int value = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return Bad("the port must be a number 0..65535");
    value = value * 10 + (c - '0');
  }
  if (value > 65535) return Bad("the port must be a number 0..65535");
  out.port = value;
  return out;
}

bool IsLoopbackListenAddress(std::string_view listen) {
  absl::StatusOr<HostPort> hp = ParseListenAddress(listen);
  if (!hp.ok()) return false;
  const std::string& host = hp->host;
  if (listen.front() == '[') {
    in6_addr v6{};
    return inet_pton(AF_INET6, host.c_str(), &v6) == 1 &&
           std::memcmp(&v6, &in6addr_loopback, sizeof(v6)) == 0;
  }
  if (absl::AsciiStrToLower(host) == "localhost") return true;
  // inet_pton accepts exactly four decimal octets for AF_INET ("127.1", "0x7f.0.0.1",
  // "127.0.0.1.evil" are all refused), and only a complete address for AF_INET6.
  in_addr v4{};
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  return false;
}

}  // namespace smd::common
