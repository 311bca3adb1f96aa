#include "api/call_runner.h"

#include <grpcpp/alarm.h>

#include <iterator>
#include <string_view>

#include "absl/strings/match.h"
#include "api/call_telemetry.h"
#include "api/grpc_status.h"
#include "api/idempotency_key.h"
#include "app/idempotency.h"
#include "common/log.h"
#include "common/status_macros.h"
#include "crypto/random.h"
#include "domain/errors.h"

namespace smd::api {
namespace {

static_assert(std::string_view(app::kIdempotencyKeyField) == kIdempotencyKeyHeader,
              "app names the key as the api receives it");

std::string Metadata(grpc::CallbackServerContext* ctx, const char* key) {
  const auto& md = ctx->client_metadata();
  auto it = md.find(key);
  if (it == md.end()) return {};
  return std::string(it->second.data(), it->second.size());
}

bool SafeRequestId(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) {
      return false;
    }
  }
  return true;
}

// Finishes a unary call and counts it (api/call_telemetry.h), whatever finished it.
class Finisher {
 public:
  Finisher(grpc::ServerUnaryReactor* reactor, CallTelemetry* telemetry, const char* method)
      : reactor_(reactor),
        telemetry_(telemetry),
        method_(method),
        started_(telemetry != nullptr ? std::chrono::steady_clock::now()
                                      : std::chrono::steady_clock::time_point{}) {}
  void operator()(const grpc::Status& status) const {
    if (telemetry_ != nullptr) {
      telemetry_->Record(method_, status.error_code(),
                         std::chrono::steady_clock::now() - started_);
    }
    reactor_->Finish(status);
  }

 private:
  grpc::ServerUnaryReactor* reactor_;
  CallTelemetry* telemetry_;
  const char* method_;  // the handlers' SMD_METHOD literals: static storage
  std::chrono::steady_clock::time_point started_;
};

}  // namespace

absl::StatusOr<app::CallMeta> MetaFrom(grpc::CallbackServerContext* ctx, const char* method,
                                       const GatewayTrust* gateways) {
  app::CallMeta meta;
  meta.method = method;
  std::string auth = Metadata(ctx, "authorization");
  if (absl::StartsWithIgnoreCase(auth, "bearer ")) meta.token = auth.substr(7);
  ASSIGN_OR_RETURN(meta.peer, CallPeer(ctx, gateways));
  meta.request_id = Metadata(ctx, "x-request-id");
  if (!SafeRequestId(meta.request_id)) meta.request_id = crypto::NewUuid();
  return meta;
}

grpc::ServerUnaryReactor* RunUnary(grpc::CallbackServerContext* ctx, Executor& executor,
                                   const char* method, const google::protobuf::Message* req,
                                   google::protobuf::Message* resp,
                                   std::function<absl::Status(const app::CallMeta&)> work) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  const Finisher finish(reactor, executor.telemetry(), method);
  absl::StatusOr<app::CallMeta> parsed = MetaFrom(ctx, method, executor.gateways());
  if (!parsed.ok()) {
    finish(ToGrpcStatus(parsed.status()));
    return reactor;
  }
  app::CallMeta meta = *std::move(parsed);
  ctx->AddInitialMetadata("x-request-id", meta.request_id);
  // Idempotency key (docs/adr/0009): writes only; reads and sign-in ignore it.
  std::string key;
  const app::IdempotentCalls* keyed_calls = nullptr;
  // The method's descriptor is looked up only when a key was sent (most calls send none).
  const auto [first, end] = ctx->client_metadata().equal_range(kIdempotencyKeyHeader);
  if (first != end && executor.idempotency() != nullptr && TakesIdempotencyKey(method)) {
    key.assign(first->second.data(), first->second.size());
    absl::Status bad = CheckIdempotencyKey(key);
    if (bad.ok() && std::next(first) != end) {
      bad = domain::FieldError(kIdempotencyKeyHeader, "只能发送一个", "sent more than once");
    }
    if (!bad.ok()) {
      finish(ToGrpcStatus(bad));
      return reactor;
    }
    keyed_calls = executor.idempotency();
  }
  const bool queued = executor.Submit([finish, ctx, req, resp, keyed_calls, key = std::move(key),
                                       meta = std::move(meta), work = std::move(work)] {
    absl::Status s;
    bool replayed = false;
    try {
      if (keyed_calls == nullptr) {
        s = work(meta);
      } else {
        app::KeyedRequest keyed;
        keyed.key = key;
        // Digested here, not on the gRPC thread: a request may be megabytes (an import).
        // Only AuthService's raw handlers pass no messages, and they take no key.
        SMD_CHECK(req != nullptr && resp != nullptr);
        keyed.request_digest = RequestDigest(meta.method, *req);
        keyed.clear_reply = [resp] { resp->Clear(); };
        keyed.encode_reply = [resp] { return resp->SerializeAsString(); };
        keyed.decode_reply = [resp](const std::string& bytes) {
          return resp->ParseFromString(bytes);
        };
        s = keyed_calls->Run(meta, keyed, work, &replayed);
      }
    } catch (const std::exception& e) {
      // Nothing may escape into gRPC; log the type only (what() may quote data).
      common::LogError("exception in %s: %s", meta.method, typeid(e).name());
      s = absl::InternalError("exception");
    }
    if (replayed) ctx->AddTrailingMetadata(kIdempotencyReplayedTrailer, "true");
    finish(ToGrpcStatus(s));
  });
  if (!queued) {
    finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                        "服务器繁忙，请稍后重试 (server busy; retry later)"));
  }
  return reactor;
}

grpc::ServerUnaryReactor* RunGated(grpc::CallbackServerContext* ctx, Executor& executor,
                                   const char* method,
                                   std::function<absl::Status(const app::CallMeta&)> admit,
                                   std::function<absl::Status(const app::CallMeta&)> work,
                                   std::function<absl::Status(const app::CallMeta&)> busy) {
  grpc::ServerUnaryReactor* reactor = ctx->DefaultReactor();
  const Finisher finish(reactor, executor.telemetry(), method);
  absl::StatusOr<app::CallMeta> parsed = MetaFrom(ctx, method, executor.gateways());
  if (!parsed.ok()) {
    // A trusted gateway's malformed header: its fault, not the browser's, so neither
    // counted against a source nor paused.
    finish(ToGrpcStatus(parsed.status()));
    return reactor;
  }
  app::CallMeta meta = *std::move(parsed);
  ctx->AddInitialMetadata("x-request-id", meta.request_id);
  if (absl::Status refused = admit(meta); !refused.ok()) {
    // The refusal is answered after a pause that holds no thread (a gRPC alarm): a client
    // retrying at once, as a guessing script does, is slowed to one attempt per pause per
    // call in flight, and no longer costs the server a full call's CPU each time.
    auto* alarm = new grpc::Alarm;
    alarm->Set(std::chrono::system_clock::now() + std::chrono::seconds(1),
               [alarm, finish, status = ToGrpcStatus(refused)](bool) {
                 finish(status);
                 delete alarm;  // the alarm has fired: deleting it here is allowed
               });
    return reactor;
  }
  app::CallMeta kept = meta;
  const bool queued = executor.Submit([finish, meta = std::move(meta), work = std::move(work)] {
    absl::Status s;
    try {
      s = work(meta);
    } catch (const std::exception& e) {
      common::LogError("exception in %s: %s", meta.method, typeid(e).name());
      s = absl::InternalError("exception");
    }
    finish(ToGrpcStatus(s));
  });
  if (!queued) finish(ToGrpcStatus(busy(kept)));
  return reactor;
}

}  // namespace smd::api
