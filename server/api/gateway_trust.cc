#include "api/gateway_trust.h"

#include <iterator>

#include "common/status_macros.h"
#include "domain/errors.h"
#include "domain/signin.h"

namespace smd::api {

GatewayTrust::GatewayTrust(std::vector<std::string> identities)
    : identities_(identities.begin(), identities.end()) {}

bool GatewayTrust::Trusts(const grpc::ServerContextBase& ctx) const {
  if (identities_.empty()) return false;
  const std::shared_ptr<const grpc::AuthContext> auth = ctx.auth_context();
  // A peer identity exists only when the TLS handshake verified a client certificate.
  if (auth == nullptr || !auth->IsPeerAuthenticated()) return false;
  const auto type = auth->FindPropertyValues(GRPC_TRANSPORT_SECURITY_TYPE_PROPERTY_NAME);
  if (type.size() != 1 || type[0] != GRPC_SSL_TRANSPORT_SECURITY_TYPE) return false;
  // DNS names only, not every subject alternative name (IP addresses, URIs, e-mail
  // addresses are in x509_subject_alternative_name too).
  for (const char* property : {GRPC_X509_CN_PROPERTY_NAME, GRPC_PEER_DNS_PROPERTY_NAME}) {
    for (const grpc::string_ref& value : auth->FindPropertyValues(property)) {
      if (identities_.count(std::string(value.data(), value.size())) > 0) return true;
    }
  }
  return false;
}

absl::StatusOr<std::string> CallPeer(grpc::CallbackServerContext* ctx,
                                     const GatewayTrust* gateways) {
  std::string peer = ctx->peer();
  if (gateways == nullptr || gateways->empty()) return peer;
  const auto [first, end] = ctx->client_metadata().equal_range(domain::kForwardedForHeader);
  // The auth context is read only for calls that carry the header.
  if (first == end || !gateways->Trusts(*ctx)) return peer;
  if (std::next(first) != end) {
    return domain::FieldError(domain::kForwardedForHeader, "只能发送一个", "sent more than once");
  }
  ASSIGN_OR_RETURN(std::string browser, domain::ParseForwardedFor(std::string_view(
                                            first->second.data(), first->second.size())));
  return domain::PeerViaGateway(browser, peer);
}

}  // namespace smd::api
