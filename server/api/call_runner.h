#pragma once
// Glue every unary handler uses: extract CallMeta from the gRPC context, run the use case
// on the executor, map the status, Finish. Keeps handlers one expression long.

#include <google/protobuf/message.h>
#include <grpcpp/grpcpp.h>

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "api/executor.h"
#include "api/gateway_trust.h"
#include "app/context.h"

namespace smd::api {

// Bearer token, peer and request id (x-request-id metadata, or a new UUID) of a call. The
// peer is gRPC's, or "<browser> via <gateway>" for a call a trusted gateway forwarded
// (api/gateway_trust.h CallPeer, with `gateways`, which may be null). Errors:
// INVALID_ARGUMENT naming x-forwarded-for (a trusted gateway's malformed or repeated header);
// the call is then refused before any work, unaudited.
absl::StatusOr<app::CallMeta> MetaFrom(grpc::CallbackServerContext* ctx, const char* method,
                                       const GatewayTrust* gateways);

// Runs `work(meta)` on `executor` and finishes the call with its status. When the
// executor's queue is full the call finishes at once with RESOURCE_EXHAUSTED; when MetaFrom
// (with the executor's gateways) refuses the call, at once with its status.
//
// `req` and `resp` are the handler's own messages. When the method takes an idempotency
// key (api/idempotency_key.h) and the client sent one, the work runs in the executor's
// idempotency frame (app/idempotency.h): the request is digested, the reply `work` fills
// is stored with the write, and a replay is decoded into `resp` (with the trailing
// metadata idempotency-replayed: true). A malformed or repeated key finishes the call at
// once with INVALID_ARGUMENT, before any work. Handlers need nothing else for it.
// `req` and `resp` may be null only for methods that take no key (AuthService, whose
// sign-in handlers read raw bytes: api/raw_message.h).
grpc::ServerUnaryReactor* RunUnary(grpc::CallbackServerContext* ctx, Executor& executor,
                                   const char* method, const google::protobuf::Message* req,
                                   google::protobuf::Message* resp,
                                   std::function<absl::Status(const app::CallMeta&)> work);

// RunUnary for sign-in calls, which have their own executor (a flood of sign-ins must not
// starve other calls). `admit(meta)` runs first, on gRPC's thread (it must not block): a
// non-OK status finishes the call with that status after a pause of 1 s (no thread
// waits). When the executor's queue is full, `busy(meta)` (which must not block either)
// returns the status to finish the call with.
grpc::ServerUnaryReactor* RunGated(grpc::CallbackServerContext* ctx, Executor& executor,
                                   const char* method,
                                   std::function<absl::Status(const app::CallMeta&)> admit,
                                   std::function<absl::Status(const app::CallMeta&)> work,
                                   std::function<absl::Status(const app::CallMeta&)> busy);

// For handlers: on success of a StatusOr-returning use case, `fill` writes the response.
template <typename T, typename F>
absl::Status Fill(absl::StatusOr<T> r, F&& fill) {
  if (!r.ok()) return r.status();
  fill(*r);
  return absl::OkStatus();
}

}  // namespace smd::api
