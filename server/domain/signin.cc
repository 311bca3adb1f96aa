#include "domain/signin.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdint>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "domain/errors.h"
#include "domain/text.h"

namespace smd::domain {
namespace {

// Length of the UTF-8 sequence starting at raw[i] when it is one valid, printable code
// point (not C0, DEL, C1); 0 otherwise.
std::size_t PrintableSequence(std::string_view raw, std::size_t i) {
  const auto lead = static_cast<std::uint8_t>(raw[i]);
  std::size_t n = lead < 0x80             ? 1
                  : (lead & 0xE0) == 0xC0 ? 2
                  : (lead & 0xF0) == 0xE0 ? 3
                  : (lead & 0xF8) == 0xF0 ? 4
                                          : 0;
  if (n == 0 || i + n > raw.size()) return 0;
  const std::string_view seq = raw.substr(i, n);
  if (Utf8Length(seq) != 1u) return 0;
  if (n == 1 && (lead < 0x20 || lead == 0x7F)) return 0;
  if (n == 2 && lead == 0xC2 && static_cast<std::uint8_t>(raw[i + 1]) < 0xA0) return 0;  // C1
  return n;
}

}  // namespace

absl::Status CheckUsername(std::string_view u) {
  bool ok = u.size() >= 3 && u.size() <= kMaxSignInNameBytes;
  for (char c : u) {
    ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
                c == '-');
  }
  if (!ok) return FieldError("username", "用户名须为3-64位小写字母、数字或 _ . -", "3-64 of a-z 0-9 _ . -");
  return absl::OkStatus();
}

std::string EscapeForAudit(std::string_view raw) {
  std::string out;
  std::size_t i = 0;
  while (i < raw.size() && i < kMaxSignInNameBytes) {
    const std::size_t n = PrintableSequence(raw, i);
    if (n > 0 && i + n <= kMaxSignInNameBytes && raw[i] != '\\') {
      out.append(raw.substr(i, n));
      i += n;
    } else if (n > 0 && i + n > kMaxSignInNameBytes) {
      break;  // never split a character at the cut
    } else {
      absl::StrAppendFormat(&out, "\\x%02x", static_cast<std::uint8_t>(raw[i]));
      ++i;
    }
  }
  if (i < raw.size()) absl::StrAppend(&out, "...(+", raw.size() - i, " bytes)");
  return out;
}

namespace {

// Between the client and the gateway in PeerViaGateway's form. A client address that
// ParseForwardedFor accepted contains no space, so the first occurrence is the separator.
constexpr std::string_view kVia = " via ";

}  // namespace

absl::StatusOr<std::string> ParseForwardedFor(std::string_view value) {
  const absl::Status bad = FieldError(kForwardedForHeader, "须为一个 IPv4 或 IPv6 地址",
                                      "must be exactly one IPv4 or IPv6 address");
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  // Only the characters of an address: this also keeps out a NUL, after which inet_pton
  // (a C-string function) would stop reading and accept what came before it.
  if (value.empty() || value.size() >= INET6_ADDRSTRLEN) return bad;
  for (char c : value) {
    const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    if (!hex && c != '.' && c != ':') return bad;
  }
  const std::string text(value);
  unsigned char a[16];
  char buf[INET6_ADDRSTRLEN];
  if (text.find(':') == std::string::npos) {
    // glibc's inet_pton takes exactly four decimal octets (no "1.2.3", no leading zeros).
    if (inet_pton(AF_INET, text.c_str(), a) != 1) return bad;
    return absl::StrFormat("ipv4:%d.%d.%d.%d", a[0], a[1], a[2], a[3]);
  }
  if (inet_pton(AF_INET6, text.c_str(), a) != 1) return bad;
  static const unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::equal(kMapped, kMapped + 12, a)) {
    return absl::StrFormat("ipv4:%d.%d.%d.%d", a[12], a[13], a[14], a[15]);
  }
  if (inet_ntop(AF_INET6, a, buf, sizeof buf) == nullptr) return bad;
  return absl::StrCat("ipv6:[", buf, "]");
}

std::string PeerViaGateway(std::string_view client, std::string_view gateway_peer) {
  std::string out(client);
  out += kVia;
  out += gateway_peer;
  return out;
}

std::string SourceOf(std::string_view peer) {
  if (const size_t via = peer.find(kVia); via != std::string_view::npos) {
    peer = peer.substr(0, via);  // forwarded by a trusted gateway: the client counts
  }
  if (peer.starts_with("ipv4:")) {
    std::string_view hostport = peer.substr(5);
    return "ipv4:" + std::string(hostport.substr(0, hostport.rfind(':')));
  }
  if (peer.starts_with("ipv6:")) {
    std::string_view rest = peer.substr(5);
    std::string host;
    if (rest.starts_with("[")) {
      host = std::string(rest.substr(1, rest.find(']') - 1));
    } else {
      host = std::string(rest);
    }
    host = host.substr(0, host.find('%'));  // zone id
    unsigned char a[16];
    if (inet_pton(AF_INET6, host.c_str(), a) == 1) {
      static const unsigned char kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
      if (std::equal(kMapped, kMapped + 12, a)) {
        return absl::StrFormat("ipv4:%d.%d.%d.%d", a[12], a[13], a[14], a[15]);
      }
      std::fill(a + 8, a + 16, 0);
      char buf[INET6_ADDRSTRLEN];
      if (inet_ntop(AF_INET6, a, buf, sizeof buf) != nullptr) {
        return absl::StrCat("ipv6:", buf, "/64");
      }
    }
  }
  if (peer.starts_with("unix:") || peer.starts_with("unix-abstract:")) return "unix";
  return std::string(peer.substr(0, 100));
}

SourceBudget::SourceBudget(int limit, absl::Duration window, std::size_t max_sources)
    : limit_(std::max(limit, 1)),
      window_(window),
      max_sources_(std::max<std::size_t>(max_sources, 1)) {}

void SourceBudget::Decay(Bucket& b, absl::Time now) const {
  if (now > b.at) {
    const double refill = limit_ * absl::FDivDuration(now - b.at, window_);
    b.used = std::max(0.0, b.used - refill);
    b.at = now;
  }
}

SourceBudget::Bucket& SourceBudget::BucketFor(const std::string& source, absl::Time now) {
  auto it = buckets_.find(source);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_sources_ && now >= next_sweep_) {
      // Forget sources whose budget has refilled completely; they behave as new ones. At
      // most one sweep per refill of one unit (window / limit): under a flood of new
      // addresses the map stays full, and sweeping it for every attempt would hold the
      // lock (and the gRPC threads waiting for it) for the whole scan each time.
      next_sweep_ = now + window_ / limit_;
      for (auto j = buckets_.begin(); j != buckets_.end();) {
        Decay(j->second, now);
        j = j->second.used <= 0 ? buckets_.erase(j) : std::next(j);
      }
    }
    if (buckets_.size() >= max_sources_) {
      Decay(shared_, now);
      return shared_;
    }
    it = buckets_.emplace(source, Bucket{0, now}).first;
  }
  Decay(it->second, now);
  return it->second;
}

bool SourceBudget::TryTake(const std::string& source, absl::Time now) {
  std::lock_guard<std::mutex> lock(mu_);
  Bucket& b = BucketFor(source, now);
  if (b.used + 1 > limit_ + 1e-9) return false;
  b.used += 1;
  return true;
}

void SourceBudget::GiveBack(const std::string& source, absl::Time now) {
  std::lock_guard<std::mutex> lock(mu_);
  Bucket& b = BucketFor(source, now);
  b.used = std::max(0.0, b.used - 1);
}

double SourceBudget::Used(const std::string& source, absl::Time now) {
  std::lock_guard<std::mutex> lock(mu_);
  return BucketFor(source, now).used;
}

}  // namespace smd::domain
