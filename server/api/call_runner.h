#pragma once
// Glue every unary handler uses: extract CallMeta from the gRPC context, run the use case
// on the executor, map the status, Finish. Keeps handlers one expression long.

#include <google/protobuf/message.h>
#include <grpcpp/grpcpp.h>

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "api/executor.h"
#include "app/context.h"

namespace smd::api {

// Bearer token, peer and request id (x-request-id metadata, or a new UUID) of a call.
app::CallMeta MetaFrom(grpc::CallbackServerContext* ctx, const char* method);

// Runs `work(meta)` on `executor` and finishes the call with its status. When the
// executor's queue is full the call finishes at once with RESOURCE_EXHAUSTED.
//
// `req` and `resp` are the handler's own messages. When the method takes an idempotency
// key (api/idempotency_key.h) and the client sent one, the work runs in the executor's
// idempotency frame (app/idempotency.h): the request is digested, the reply `work` fills
// is stored with the write, and a replay is decoded into `resp` (with the trailing
// metadata idempotency-replayed: true). A malformed or repeated key finishes the call at
// once with INVALID_ARGUMENT, before any work. Handlers need nothing else for it.
grpc::ServerUnaryReactor* RunUnary(grpc::CallbackServerContext* ctx, Executor& executor,
                                   const char* method, const google::protobuf::Message* req,
                                   google::protobuf::Message* resp,
                                   std::function<absl::Status(const app::CallMeta&)> work);

// For handlers: on success of a StatusOr-returning use case, `fill` writes the response.
template <typename T, typename F>
absl::Status Fill(absl::StatusOr<T> r, F&& fill) {
  if (!r.ok()) return r.status();
  fill(*r);
  return absl::OkStatus();
}

}  // namespace smd::api
