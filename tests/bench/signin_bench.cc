// smd_bench_signin: does a flood of sign-ins starve other calls? (issue 11, item 5.)
//
// Measures GetPatient latency (one call at a time, p50/p99) on its own, then while 16
// client threads flood Login with unknown user names (each costing a full scrypt
// derivation at the production cost, ln=15), and prints the ratio. Two servers are run on
// the same database:
//   * "defaults": the shipped configuration (per-source limit of failed sign-ins, sign-in
//     executor). From one address the flood soon meets the per-source limit and is refused
//     before any scrypt work.
//   * "no source limit": the per-source limit raised out of reach, as a flood from many
//     addresses would see it. Only the sign-in executor (--signin-threads, bounded queue)
//     keeps the flood's scrypt work away from other calls.
// Beside them, in the same run: an empty gRPC call (grpc.health.v1.Health/Check) and one
// scrypt derivation, the machine's own limits. It also counts the audit rows the flood
// wrote against the calls it made.
//
// Run through tests/bench/run_signin_bench.sh. Not a test: never registered with ctest.

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstdio>
#include <future>
#include <map>
#include <mutex>
#include <pqxx/pqxx>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/bench_support.h"
#include "common/clock.h"
#include "crypto/password.h"
#include "runtime/server.h"
#include "smd/v1/auth.grpc.pb.h"
#include "smd/v1/patients.grpc.pb.h"

namespace smd::bench {
namespace {

struct Options {
  int seconds = 15;  // per measured phase
  int warmup_s = 2;  // flood running before measuring
  int flood_threads = 16;
  int patients = 200;
  int db_pool = 0;  // 0: the server's default (runtime::DbPoolSize)
  int deadline_s = 400;
};

Options ParseOptions(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto eq = a.find('=');
    int* target = nullptr;
    if (a.rfind("--seconds=", 0) == 0) target = &o.seconds;
    if (a.rfind("--warmup-s=", 0) == 0) target = &o.warmup_s;
    if (a.rfind("--flood-threads=", 0) == 0) target = &o.flood_threads;
    if (a.rfind("--patients=", 0) == 0) target = &o.patients;
    if (a.rfind("--db-pool=", 0) == 0) target = &o.db_pool;
    if (a.rfind("--deadline-s=", 0) == 0) target = &o.deadline_s;
    if (target == nullptr || !absl::SimpleAtoi(a.substr(eq + 1), target)) Die("bad argument " + a);
  }
  return o;
}

struct Latency {
  std::vector<double> ms;
  int errors = 0;
  double p50() const { return Percentile(ms, 50); }
  double p99() const { return Percentile(ms, 99); }
};

// GetPatient one at a time for `seconds`, on random patients.
Latency MeasureGetPatient(v1::PatientService::Stub* stub, const std::string& token,
                          const std::vector<std::string>& ids, int seconds) {
  Latency out;
  std::mt19937 rng(7);
  const auto end = SteadyClock::now() + std::chrono::seconds(seconds);
  while (SteadyClock::now() < end) {
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + token);
    v1::GetPatientRequest req;
    req.set_patient_id(ids[rng() % ids.size()]);
    v1::Patient p;
    const auto t0 = SteadyClock::now();
    grpc::Status s = stub->GetPatient(&ctx, req, &p);
    out.ms.push_back(Ms(SteadyClock::now() - t0));
    if (!s.ok()) ++out.errors;
  }
  return out;
}

Latency MeasureEmptyCall(const std::shared_ptr<grpc::Channel>& channel, int seconds) {
  grpc::GenericStub generic(channel);
  Latency out;
  const auto end = SteadyClock::now() + std::chrono::seconds(seconds);
  grpc::ByteBuffer request;  // an empty HealthCheckRequest
  {
    grpc::Slice empty("");
    request = grpc::ByteBuffer(&empty, 1);
  }
  while (SteadyClock::now() < end) {
    grpc::ClientContext ctx;
    grpc::ByteBuffer response;
    std::promise<grpc::Status> done;
    const auto t0 = SteadyClock::now();
    generic.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &request,
                      &response, [&](grpc::Status s) { done.set_value(s); });
    grpc::Status s = done.get_future().get();
    out.ms.push_back(Ms(SteadyClock::now() - t0));
    if (!s.ok()) ++out.errors;
  }
  return out;
}

// 16 threads signing in as unknown users, each on its own connection, until stopped.
class Flood {
 public:
  Flood(int port, int threads) {
    for (int i = 0; i < threads; ++i) {
      grpc::ChannelArguments args;
      args.SetInt("smd.bench.flood_client", i);  // a connection of its own
      auto channel = grpc::CreateCustomChannel(absl::StrFormat("127.0.0.1:%d", port),
                                               grpc::InsecureChannelCredentials(), args);
      workers_.emplace_back([this, channel, i] {
        auto stub = v1::AuthService::NewStub(channel);
        for (int n = 0; !stop_.load(); ++n) {
          grpc::ClientContext ctx;
          v1::LoginRequest req;
          req.set_username(absl::StrFormat("flood-%d-%d", i, n));
          req.set_password("Flood-password-2026");
          v1::LoginResponse resp;
          grpc::Status s = stub->Login(&ctx, req, &resp);
          std::lock_guard<std::mutex> lock(mu_);
          ++codes_[s.error_code()];
        }
      });
    }
  }
  // Calls by status code since the last Reset.
  std::map<grpc::StatusCode, int64_t> Codes() {
    std::lock_guard<std::mutex> lock(mu_);
    return codes_;
  }
  void Reset() {
    std::lock_guard<std::mutex> lock(mu_);
    codes_.clear();
  }
  ~Flood() {
    stop_ = true;
    for (auto& t : workers_) t.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::map<grpc::StatusCode, int64_t> codes_;
  std::vector<std::thread> workers_;
};

std::string CodesText(const std::map<grpc::StatusCode, int64_t>& codes, double seconds) {
  std::string out;
  int64_t total = 0;
  for (const auto& [code, n] : codes) {
    total += n;
    const char* name = code == grpc::StatusCode::UNAUTHENTICATED      ? "UNAUTHENTICATED"
                       : code == grpc::StatusCode::RESOURCE_EXHAUSTED ? "RESOURCE_EXHAUSTED"
                       : code == grpc::StatusCode::OK                 ? "OK"
                                                                      : nullptr;
    absl::StrAppend(&out, out.empty() ? "" : ", ",
                    name ? name : absl::StrCat("code ", static_cast<int>(code)), " ", n);
  }
  return absl::StrFormat("%lld sign-ins (%.0f/s): %s", static_cast<long long>(total),
                         total / seconds, out);
}

struct Scenario {
  std::string name;
  Latency quiet, flooded;
  std::string flood_codes;
  int64_t flood_calls = 0;
  int64_t audit_rows = 0;  // rows the flood's window wrote (own rows and summaries)
};

Scenario RunScenario(const std::string& name, runtime::Config config, const Options& o,
                     const std::string& super_db) {
  Scenario sc;
  sc.name = name;
  auto started = runtime::Server::Start(config, common::SystemClock::Get());
  if (!started.ok()) Die("server: " + started.status().ToString());
  std::unique_ptr<runtime::Server> server = std::move(*started);
  auto channel = grpc::CreateChannel(absl::StrFormat("127.0.0.1:%d", server->port()),
                                     grpc::InsecureChannelCredentials());
  auto auth = v1::AuthService::NewStub(channel);
  auto patients = v1::PatientService::NewStub(channel);
  std::string token;
  {
    grpc::ClientContext ctx;
    v1::LoginRequest req;
    req.set_username("psychiatrist");  // district-wide: every demo patient is in scope
    req.set_password("Demo-psych-2026");
    v1::LoginResponse resp;
    grpc::Status s = auth->Login(&ctx, req, &resp);
    if (!s.ok()) Die("login: " + s.error_message());
    token = resp.token();
  }
  std::vector<std::string> ids;
  {
    pqxx::connection c(super_db);
    pqxx::nontransaction n(c);
    for (const auto& r : n.exec("SELECT id FROM patient ORDER BY id")) {
      ids.push_back(r[0].as<std::string>());
    }
  }
  if (ids.empty()) Die("no patients");
  MeasureGetPatient(patients.get(), token, ids, 1);  // warm the connections
  sc.quiet = MeasureGetPatient(patients.get(), token, ids, o.seconds);
  std::printf("[%s] GetPatient alone: %zu calls, p50 %.2f ms, p99 %.2f ms, %d errors\n",
              name.c_str(), sc.quiet.ms.size(), sc.quiet.p50(), sc.quiet.p99(), sc.quiet.errors);
  const int64_t audit_before =
      std::stoll(Value(super_db, "SELECT coalesce(max(id), 0) FROM audit_log"));
  {
    Flood flood(server->port(), o.flood_threads);
    std::this_thread::sleep_for(std::chrono::seconds(o.warmup_s));
    flood.Reset();
    const auto t0 = SteadyClock::now();
    sc.flooded = MeasureGetPatient(patients.get(), token, ids, o.seconds);
    const double secs = Ms(SteadyClock::now() - t0) / 1000;
    const auto codes = flood.Codes();
    sc.flood_codes = CodesText(codes, secs);
    std::printf(
        "[%s] GetPatient during a flood of %d threads: %zu calls, p50 %.2f ms, p99 "
        "%.2f ms, %d errors; the flood: %s\n",
        name.c_str(), o.flood_threads, sc.flooded.ms.size(), sc.flooded.p50(), sc.flooded.p99(),
        sc.flooded.errors, sc.flood_codes.c_str());
  }
  server->Shutdown(absl::Seconds(5));  // writes the pending audit summaries
  // The flood's rows: sign-ins and summaries (each GetPatient has its own row as well).
  sc.audit_rows = std::stoll(
      Value(super_db, absl::StrCat("SELECT count(*) FROM audit_log WHERE id > ", audit_before,
                                   " AND method IN ('/smd.v1.AuthService/Login', "
                                   "'smd-server audit.unauthenticated')")));
  sc.flood_calls = std::stoll(
      Value(super_db,
            absl::StrCat("SELECT count(*) FILTER (WHERE method LIKE '/smd.v1.AuthService/Login') + "
                         "coalesce(sum(substring(detail from '^count=([0-9]+) ')::bigint) FILTER "
                         "(WHERE method = 'smd-server audit.unauthenticated'), 0) FROM audit_log "
                         "WHERE id > ",
                         audit_before)));
  std::printf("[%s] audit: %lld rows written for the flood's %lld sign-ins accounted in them\n",
              name.c_str(), static_cast<long long>(sc.audit_rows),
              static_cast<long long>(sc.flood_calls));
  return sc;
}

int Main(int argc, char** argv) {
  SetProgramName("smd_bench_signin");
  const Options o = ParseOptions(argc, argv);
  const Env env = GetEnv();
  StartWatchdog(o.deadline_s);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  std::printf(
      "smd_bench_signin: GetPatient p50/p99 alone and during a flood of %d threads of "
      "unknown-user sign-ins\n",
      o.flood_threads);
  std::printf("machine: %u CPUs (nproc), %s; load average at start %s\n",
              std::thread::hardware_concurrency(), CpuModel().c_str(), LoadAvg().c_str());
  char tmpl[] = "/tmp/smd-bench-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) Die("mkdtemp failed");
  runtime::Config config = PrepareDatabase(env, tmpl, o.patients, o.db_pool, 500);
  // The demo users were hashed cheaply (ln=4) by PrepareDatabase; unknown users cost what
  // the configured parameters cost: the production default.
  config.password_log2_n = 15;
  const std::string super_db = env.Dsn(env.super, env.db);

  // ---- the machine's own limits ----------------------------------------------------------
  {
    std::vector<double> ms;
    for (int i = 0; i < 10; ++i) {
      const auto t0 = SteadyClock::now();
      crypto::DummyVerify("Flood-password-2026", crypto::PasswordParams{});
      ms.push_back(Ms(SteadyClock::now() - t0));
    }
    std::printf(
        "[limits] one scrypt derivation (ln=15, r=8, p=1, 32 MiB): p50 %.1f ms; so "
        "%u cores can do at most %.0f sign-ins/s\n",
        Percentile(ms, 50), std::thread::hardware_concurrency(),
        std::thread::hardware_concurrency() * 1000.0 / Percentile(ms, 50));
  }
  Latency empty;
  {
    auto started = runtime::Server::Start(config, common::SystemClock::Get());
    if (!started.ok()) Die("server: " + started.status().ToString());
    auto channel = grpc::CreateChannel(absl::StrFormat("127.0.0.1:%d", (*started)->port()),
                                       grpc::InsecureChannelCredentials());
    empty = MeasureEmptyCall(channel, 3);
    (*started)->Shutdown(absl::Seconds(2));
  }
  std::printf(
      "[limits] empty gRPC call (Health/Check), one at a time: p50 %.3f ms, p99 %.3f "
      "ms\n",
      empty.p50(), empty.p99());

  std::vector<Scenario> scenarios;
  scenarios.push_back(RunScenario("defaults", config, o, super_db));
  runtime::Config open = config;
  open.signin_source_limit = 1000000;
  scenarios.push_back(RunScenario("no source limit", open, o, super_db));

  std::printf(
      "\nsummary (GetPatient one at a time; flood: %d threads of unknown-user "
      "sign-ins; empty gRPC call p50 %.3f ms)\n",
      o.flood_threads, empty.p50());
  std::printf(
      "| server | alone p50 | alone p99 | flooded p50 | flooded p99 | p50 ratio | p99 "
      "ratio | flood | audit rows / sign-ins |\n|---|---:|---:|---:|---:|---:|---:|---|---:|\n");
  for (const Scenario& sc : scenarios) {
    std::printf(
        "| %s | %.2f ms | %.2f ms | %.2f ms | %.2f ms | %.1f× | %.1f× | %s | %lld / %lld |\n",
        sc.name.c_str(), sc.quiet.p50(), sc.quiet.p99(), sc.flooded.p50(), sc.flooded.p99(),
        sc.flooded.p50() / sc.quiet.p50(), sc.flooded.p99() / sc.quiet.p99(),
        sc.flood_codes.c_str(), static_cast<long long>(sc.audit_rows),
        static_cast<long long>(sc.flood_calls));
  }
  int errors = 0;
  for (const Scenario& sc : scenarios) errors += sc.quiet.errors + sc.flooded.errors;
  try {
    Exec(env.Dsn(env.super, "postgres"), "DROP DATABASE IF EXISTS " + env.db + " WITH (FORCE)");
  } catch (...) {
  }
  if (errors > 0) {
    std::printf("FAILED: %d GetPatient calls failed (the figures above are not valid)\n", errors);
    return 1;
  }
  return 0;
}

}  // namespace
}  // namespace smd::bench

int main(int argc, char** argv) { return smd::bench::Main(argc, argv); }
