#pragma once
// The web gateway's forwarded browser address (docs/security.md "Behind the web gateway").
// The gateway speaks gRPC to this server for every browser, so without help the server sees
// one peer, the gateway, for all of them: one source for the sign-in limit, one address in
// every audit record. The gateway therefore sends the browser's address as metadata
// `x-forwarded-for`, and the server believes it only from a caller whose verified client
// certificate names a trusted gateway identity. From anyone else the header is ignored.
//
// Here lives the part that reads gRPC's TLS auth context; the address itself is parsed by
// domain::ParseForwardedFor.

#include <grpcpp/grpcpp.h>

#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace smd::api {

// The client-certificate identities of the trusted gateways (--trusted-gateway).
// Immutable after construction; thread-safe.
class GatewayTrust {
 public:
  explicit GatewayTrust(std::vector<std::string> identities);

  // True when `ctx`'s call came over TLS from a peer whose client certificate the server
  // verified (it does so only with --tls-client-ca, which --trusted-gateway requires) and
  // whose subject common name (auth property x509_common_name) or one of whose DNS subject
  // alternative names (peer_dns) equals one of the identities, byte for byte.
  bool Trusts(const grpc::ServerContextBase& ctx) const;
  bool empty() const { return identities_.empty(); }

 private:
  std::set<std::string> identities_;
};

// The peer a call is recorded and counted as (app::CallMeta::peer): gRPC's peer
// (ctx->peer()), or, when the call carries `x-forwarded-for` and `gateways` trusts its
// caller, domain::PeerViaGateway(<browser>, <peer>), e.g.
// "ipv4:203.0.113.5 via ipv4:127.0.0.1:53412". Errors (a trusted gateway only):
// INVALID_ARGUMENT naming x-forwarded-for when the value is not exactly one IPv4 or IPv6
// address, or the header is sent more than once. `gateways` may be null (none trusted).
// Runs on gRPC's threads; never blocks.
absl::StatusOr<std::string> CallPeer(grpc::CallbackServerContext* ctx,
                                     const GatewayTrust* gateways);

}  // namespace smd::api
