#pragma once
// Sign-in rules that need no database (docs/security.md "Authentication"): the user-name
// check made before anything else, the escaped form in which an attempted name is audited,
// the source address a sign-in is counted against, and the per-source budget of failed
// sign-ins. Pure: no I/O; time is passed in.

#include <cstddef>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace smd::domain {

// The longest user name that can exist.
inline constexpr std::size_t kMaxSignInNameBytes = 64;

// The user-name rule (schema 0001's CHECK on app_user.username): 3-64 of a-z 0-9 _ . -.
// INVALID_ARGUMENT naming `username` otherwise, never echoing the value. Thread-safe.
absl::Status CheckUsername(std::string_view username);

// A sign-in's user name is checked against the same rule before anything else: a name
// that cannot exist costs no lookup and no scrypt, and one with a NUL never reaches libpq
// (which takes C strings, so "doctor\0x" would otherwise be looked up as "doctor").
inline absl::Status CheckSignInName(std::string_view username) { return CheckUsername(username); }

// The form in which an attempted user name is written to the audit trail: printable UTF-8
// is kept; every other byte (control characters, invalid or cut UTF-8) and the backslash
// become \xNN, so the result is valid UTF-8 without control characters and two different
// inputs never give the same output. At most the first 64 input bytes are kept (a cut
// never splits a character); a longer input ends with "...(+N bytes)". Thread-safe.
std::string EscapeForAudit(std::string_view raw);

// The address a call is counted against, from gRPC's peer string: "ipv4:203.0.113.5:41000"
// -> "ipv4:203.0.113.5"; IPv6 by its /64 prefix ("ipv6:[2001:db8:1:2::9]:443" ->
// "ipv6:2001:db8:1:2::/64"), since one host usually holds a whole /64; an IPv4-mapped IPv6
// address as IPv4; "unix:..." -> "unix"; anything else is returned as it is (at most 100
// bytes). A call a trusted gateway forwarded (PeerViaGateway: "<client> via <gateway>") is
// counted against the client's address, not the gateway's. Thread-safe.
std::string SourceOf(std::string_view peer);

// The metadata in which a trusted gateway (the web client's, docs/security.md "Behind the
// web gateway") passes the address of the browser it serves.
inline constexpr char kForwardedForHeader[] = "x-forwarded-for";

// The browser's address as a trusted gateway forwards it: exactly one IPv4 address (four
// decimal octets) or one IPv6 address (without brackets, port or zone), optionally with
// spaces or tabs around it. Returns it in gRPC's peer form without a port:
// "ipv4:203.0.113.5", "ipv6:[2001:db8::5]" (IPv6 in its canonical text; an IPv4-mapped
// IPv6 address as IPv4). INVALID_ARGUMENT naming `x-forwarded-for` otherwise (empty, a
// list, a port, a name, brackets), never echoing the value. Thread-safe.
absl::StatusOr<std::string> ParseForwardedFor(std::string_view value);

// The peer recorded for a call a trusted gateway forwarded: "<client> via <gateway_peer>",
// e.g. "ipv4:203.0.113.5 via ipv4:127.0.0.1:53412". `client` is ParseForwardedFor's
// result. The audit record keeps both; SourceOf counts the client. Thread-safe.
std::string PeerViaGateway(std::string_view client, std::string_view gateway_peer);

// A budget of failed sign-ins per source: each source may fail `limit` times, and the
// budget refills continuously at `limit` per `window` (a token bucket). An attempt takes a
// unit before it is checked (so concurrent attempts cannot overshoot); a sign-in that does
// not fail gives it back. At most `max_sources` sources are tracked; when that many hold
// some of their budget used, further new sources share one bucket (memory stays bounded
// under a flood of spoofed or rotating addresses); the full map is swept for refilled
// sources at most once per window / limit, so an attempt costs O(1) amortised. Thread-safe.
class SourceBudget {
 public:
  SourceBudget(int limit, absl::Duration window, std::size_t max_sources = 100000);
  SourceBudget(const SourceBudget&) = delete;
  SourceBudget& operator=(const SourceBudget&) = delete;

  // Takes one unit for an attempt from `source` at `now`. False (nothing taken) when the
  // source has used its whole budget.
  bool TryTake(const std::string& source, absl::Time now);
  // Gives back one unit taken by TryTake (the attempt did not fail, or failed on the
  // server's side). Never goes below zero.
  void GiveBack(const std::string& source, absl::Time now);
  // Units in use for `source` at `now` (tests and diagnostics).
  double Used(const std::string& source, absl::Time now);

 private:
  struct Bucket {
    double used = 0;
    absl::Time at;
  };
  Bucket& BucketFor(const std::string& source, absl::Time now);  // mu_ held; decayed to now
  void Decay(Bucket& b, absl::Time now) const;

  const double limit_;
  const absl::Duration window_;
  const std::size_t max_sources_;
  std::mutex mu_;
  std::unordered_map<std::string, Bucket> buckets_;
  Bucket shared_;  // for new sources while the map is full
  absl::Time next_sweep_ = absl::InfinitePast();  // earliest next sweep of a full map
};

}  // namespace smd::domain
