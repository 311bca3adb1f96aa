#pragma once
// The monitoring endpoint's HTTP side: GET /metrics answers the text `render` returns, in the
// Prometheus text exposition format (0.0.4). libmicrohttpd serves it on its own thread (one
// request at a time: a scrape that reads the database never runs twice at once), with a
// small connection limit and timeout. Any other path is 404, any other method 405. Which
// addresses are allowed is the configuration's business (runtime/config.h); this binds
// what it is given. docs/adr/0015-monitoring-endpoint.md.

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"

struct MHD_Daemon;

namespace smd::runtime {

class MonitoringEndpoint {
 public:
  using Render = std::function<std::string()>;

  // Binds `listen` ("host:port"; port 0 = any free port; a name is resolved) and starts
  // serving. UNAVAILABLE when the address cannot be bound (in use, not of this host),
  // INVALID_ARGUMENT when it does not parse or resolve.
  static absl::StatusOr<std::unique_ptr<MonitoringEndpoint>> Start(const std::string& listen,
                                                                   Render render);
  // Stops serving (waits for a scrape in progress). Idempotent.
  void Stop();
  ~MonitoringEndpoint() { Stop(); }
  MonitoringEndpoint(const MonitoringEndpoint&) = delete;
  MonitoringEndpoint& operator=(const MonitoringEndpoint&) = delete;

  int port() const { return port_; }
  // Called on the endpoint's thread (exposed for the request handler).
  std::string RenderNow() const { return render_(); }

 private:
  explicit MonitoringEndpoint(Render render) : render_(std::move(render)) {}
  Render render_;
  MHD_Daemon* daemon_ = nullptr;
  int port_ = 0;
};

}  // namespace smd::runtime
