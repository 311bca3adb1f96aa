#include "runtime/monitoring_endpoint.h"

#include <microhttpd.h>
#include <netdb.h>
#include <sys/socket.h>

#include <cstring>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/net_address.h"

namespace smd::runtime {
namespace {

constexpr char kContentType[] = "text/plain; version=0.0.4; charset=utf-8";

MHD_Result Reply(MHD_Connection* connection, unsigned int code, const std::string& body,
                 const char* content_type) {
  MHD_Response* response = MHD_create_response_from_buffer(
      body.size(), const_cast<char*>(body.data()), MHD_RESPMEM_MUST_COPY);
  if (response == nullptr) return MHD_NO;
  MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, content_type);
  MHD_add_response_header(response, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
  if (code == MHD_HTTP_METHOD_NOT_ALLOWED) {
    MHD_add_response_header(response, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
  }
  const MHD_Result r = MHD_queue_response(connection, code, response);
  MHD_destroy_response(response);
  return r;
}

MHD_Result Handle(void* cls, MHD_Connection* connection, const char* url, const char* method,
                  const char* /*version*/, const char* /*upload_data*/,
                  size_t* upload_data_size, void** /*con_cls*/) {
  const auto* endpoint = static_cast<const MonitoringEndpoint*>(cls);
  const std::string_view m(method);
  if (m != MHD_HTTP_METHOD_GET && m != MHD_HTTP_METHOD_HEAD) {
    // A body (POST ...) is not read: answering at once is allowed, and the connection is
    // closed after the reply.
    *upload_data_size = 0;
    return Reply(connection, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n",
                 "text/plain; charset=utf-8");
  }
  if (std::string_view(url) != "/metrics") {
    return Reply(connection, MHD_HTTP_NOT_FOUND, "not found; the figures are at /metrics\n",
                 "text/plain; charset=utf-8");
  }
  std::string body;
  try {
    body = endpoint->RenderNow();
  } catch (const std::exception& e) {
    common::LogError("monitoring: rendering failed: %s", typeid(e).name());
    return Reply(connection, MHD_HTTP_INTERNAL_SERVER_ERROR, "internal error\n",
                 "text/plain; charset=utf-8");
  }
  return Reply(connection, MHD_HTTP_OK, body, kContentType);
}

}  // namespace

absl::StatusOr<std::unique_ptr<MonitoringEndpoint>> MonitoringEndpoint::Start(
    const std::string& listen, Render render) {
  absl::StatusOr<common::HostPort> hp = common::ParseListenAddress(listen);
  if (!hp.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("--monitoring-listen: ", hp.status().message()));
  }
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  const std::string port_text = std::to_string(hp->port);
  if (int rc = getaddrinfo(hp->host.c_str(), port_text.c_str(), &hints, &found);
      rc != 0 || found == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("--monitoring-listen: cannot resolve ", hp->host, ": ", gai_strerror(rc)));
  }
  sockaddr_storage address{};
  std::memcpy(&address, found->ai_addr, found->ai_addrlen);
  const bool ipv6 = found->ai_family == AF_INET6;
  freeaddrinfo(found);

  std::unique_ptr<MonitoringEndpoint> endpoint(new MonitoringEndpoint(std::move(render)));
  unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD;
  if (ipv6) flags |= MHD_USE_IPv6;
  endpoint->daemon_ = MHD_start_daemon(
      flags, static_cast<uint16_t>(hp->port), nullptr, nullptr, &Handle, endpoint.get(),
      MHD_OPTION_SOCK_ADDR, reinterpret_cast<sockaddr*>(&address),
      // A scraper or two and an operator's curl: a few connections, none idle for long.
      MHD_OPTION_CONNECTION_LIMIT, static_cast<unsigned int>(8),
      MHD_OPTION_CONNECTION_TIMEOUT, static_cast<unsigned int>(10), MHD_OPTION_END);
  if (endpoint->daemon_ == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on --monitoring-listen ", listen,
                     " (address in use, or not an address of this host)"));
  }
  const MHD_DaemonInfo* info = MHD_get_daemon_info(endpoint->daemon_, MHD_DAEMON_INFO_BIND_PORT);
  endpoint->port_ = info != nullptr ? info->port : hp->port;
  return endpoint;
}

void MonitoringEndpoint::Stop() {
  if (daemon_ != nullptr) {
    MHD_stop_daemon(daemon_);
    daemon_ = nullptr;
  }
}

}  // namespace smd::runtime
