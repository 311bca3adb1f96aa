// The standard gRPC health service (runtime/health_probe.h; docs/operations.md
// "Monitoring"): a load balancer asks grpc.health.v1.Health/Check and gets SERVING while the
// database answers, NOT_SERVING while it does not, and SERVING again once it is back,
// without a restart.

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_replace.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "support/test_env.h"

namespace smd::testing {
namespace {

// grpc.health.v1.HealthCheckResponse.status: 1 SERVING, 2 NOT_SERVING.
constexpr int kServing = 1;
constexpr int kNotServing = 2;

// Calls Check for the whole server (service "") without the health proto's generated code:
// the request is the empty message, the answer one varint field.
int HealthStatus(const std::shared_ptr<grpc::Channel>& channel) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  grpc::CompletionQueue cq;
  grpc::ByteBuffer request;  // HealthCheckRequest{service: ""} is empty on the wire
  grpc::Slice empty("");
  request = grpc::ByteBuffer(&empty, 1);
  auto call = stub.PrepareUnaryCall(&ctx, "/grpc.health.v1.Health/Check", request, &cq);
  call->StartCall();
  grpc::ByteBuffer response;
  grpc::Status status;
  call->Finish(&response, &status, reinterpret_cast<void*>(1));
  void* tag = nullptr;
  bool ok = false;
  EXPECT_TRUE(cq.Next(&tag, &ok));
  cq.Shutdown();
  while (cq.Next(&tag, &ok)) {
  }
  EXPECT_TRUE(status.ok()) << status.error_message();
  std::vector<grpc::Slice> slices;
  EXPECT_TRUE(response.Dump(&slices).ok());
  std::string bytes;
  for (const grpc::Slice& s : slices) {
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  if (bytes.size() != 2 || bytes[0] != 0x08) return -1;  // field 1, varint
  return bytes[1];
}

// Runs `sql` as the superuser from the maintenance database (a database cannot refuse
// connections to itself from a session inside it).
void FromPostgresDb(TestServer& env, const std::string& sql) {
  const std::string dsn = absl::StrReplaceAll(
      env.db().SuperDsn(), {{"dbname=" + env.db().name(), "dbname=postgres"}});
  pqxx::connection c(dsn);
  pqxx::nontransaction n(c);
  n.exec(sql);
}

TEST(HealthTest, NotServingWhileTheDatabaseIsGoneAndServingWhenItIsBack) {
  TestServer env("it_health", 2);
  EXPECT_EQ(HealthStatus(env.channel()), kServing);

  // The database refuses this server's connections (as during a failover): no new ones,
  // the open ones ended.
  const std::string db = env.db().name();
  FromPostgresDb(env, "ALTER DATABASE " + db + " ALLOW_CONNECTIONS false");
  FromPostgresDb(env,
      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + db + "'");
  EXPECT_FALSE(env.server().ProbeHealthNowForTest());
  EXPECT_EQ(HealthStatus(env.channel()), kNotServing);

  FromPostgresDb(env, "ALTER DATABASE " + db + " ALLOW_CONNECTIONS true");
  // The pool reconnects with a backoff (store/db.cc): probe until it does, as the probe's
  // thread would every 2 s.
  bool back = false;
  for (int i = 0; i < 100 && !back; ++i) {
    back = env.server().ProbeHealthNowForTest();
    if (!back) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(back);
  EXPECT_EQ(HealthStatus(env.channel()), kServing);
  // And it works again: a sign-in reaches the database.
  EXPECT_FALSE(env.Login("doctor", kDoctorPw).empty());
}

}  // namespace
}  // namespace smd::testing
