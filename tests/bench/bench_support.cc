#include "bench/bench_support.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <pqxx/pqxx>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "app/demo_seed.h"
#include "common/clock.h"
#include "crypto/keys.h"
#include "runtime/wiring.h"
#include "store/migrator.h"
#include "support/protect_audit.h"

namespace smd::bench {
namespace {
std::string& ProgramName() {
  static std::string name = "smd_bench";
  return name;
}
}  // namespace

void SetProgramName(const std::string& name) { ProgramName() = name; }

void Die(const std::string& what) {
  std::fprintf(stderr, "%s: %s\n", ProgramName().c_str(), what.c_str());
  std::fflush(stderr);
  std::_Exit(2);
}

void ParseFlags(int argc, char** argv, const std::map<std::string, std::string*>& strings,
                const std::map<std::string, int*>& ints) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const auto eq = a.find('=');
    if (a.rfind("--", 0) != 0 || eq == std::string::npos) Die("bad argument " + a);
    const std::string name = a.substr(2, eq - 2), value = a.substr(eq + 1);
    if (auto s = strings.find(name); s != strings.end()) {
      *s->second = value;
    } else if (auto n = ints.find(name);
               n == ints.end() || !absl::SimpleAtoi(value, n->second) || *n->second < 0) {
      Die("bad argument " + a);
    }
  }
}

std::string Env::Dsn(const std::string& user, const std::string& dbname) const {
  return absl::StrCat("host=", host, " port=", port, " user=", user, " dbname=", dbname);
}

Env GetEnv() {
  Env e;
  const char* h = std::getenv("SMD_TEST_PGHOST");
  if (h == nullptr) Die("SMD_TEST_PGHOST unset: run through the bench's run_*.sh script");
  e.host = h;
  const char* p = std::getenv("SMD_TEST_PGPORT");
  e.port = p ? p : "5432";
  const char* s = std::getenv("SMD_TEST_SUPERUSER");
  e.super = s ? s : "postgres";
  return e;
}

std::atomic<pid_t> g_child{0};

void StartWatchdog(int seconds) {
  std::thread([seconds] {
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
    std::fprintf(stderr, "%s: deadline of %d s reached; aborting\n", ProgramName().c_str(),
                 seconds);
    const pid_t c = g_child.load();
    if (c > 0) ::kill(c, SIGKILL);
    std::fflush(stdout);
    std::_Exit(3);
  }).detach();
}

std::string LoadAvg() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  in >> a >> b >> c;
  return absl::StrCat(a, " ", b, " ", c);
}

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("model name", 0) == 0) {
      auto c = line.find(':');
      if (c != std::string::npos) return line.substr(c + 2);
    }
  }
  return "unknown CPU";
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  size_t idx = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(v.size())));
  if (idx > 0) --idx;
  return v[std::min(idx, v.size() - 1)];
}

double Mean(const std::vector<double>& v) {
  if (v.empty()) return NAN;
  double s = 0;
  for (double x : v) s += x;
  return s / static_cast<double>(v.size());
}

double ProcessCpuMs() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 +
         (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3;
}

double Ms(SteadyClock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

void Exec(const std::string& dsn, const std::string& sql) {
  pqxx::connection c(dsn);
  pqxx::nontransaction n(c);
  n.exec(sql);
}

std::string Value(const std::string& dsn, const std::string& sql) {
  pqxx::connection c(dsn);
  pqxx::nontransaction n(c);
  pqxx::result r = n.exec(sql);
  if (r.empty() || r[0][0].is_null()) return "";
  return r[0][0].as<std::string>();
}

runtime::Config PrepareDatabase(const Env& env, const std::string& workdir, int demo_patients,
                                int db_pool, int audit_seal_ms) {
  const std::string super_pg = env.Dsn(env.super, "postgres");
  Exec(super_pg, "DROP DATABASE IF EXISTS " + env.db + " WITH (FORCE)");
  Exec(super_pg, "CREATE DATABASE " + env.db + " OWNER smd_owner");
  if (auto m = store::Migrate(env.Dsn("smd_owner", env.db)); !m.ok()) {
    Die("migrate: " + m.status().ToString());
  }
  // The production ownership of the audit trail
  // (deploy/postgres/protect-audit.sql).
  if (absl::Status s = testing::RunProtectAuditSql(env.Dsn(env.super, env.db)); !s.ok()) {
    Die(s.ToString());
  }
  {
    pqxx::connection c(env.Dsn(env.super, env.db));
    pqxx::nontransaction n(c);
    std::printf(
        "postgres: %s; fsync=%s synchronous_commit=%s full_page_writes=%s "
        "shared_buffers=%s (the test settings of "
        "tests/support/with_postgres.sh: "
        "durability off, the same for both sides)\n",
        n.exec("SHOW server_version")[0][0].c_str(), n.exec("SHOW fsync")[0][0].c_str(),
        n.exec("SHOW synchronous_commit")[0][0].c_str(),
        n.exec("SHOW full_page_writes")[0][0].c_str(), n.exec("SHOW shared_buffers")[0][0].c_str());
  }
  const std::string key_file = workdir + "/bench.keys";
  {
    std::ofstream out(key_file);
    out << crypto::GenerateKeyFileContents();
  }
  ::chmod(key_file.c_str(), 0600);
  runtime::Config config;
  config.command = "serve";
  config.listen = "127.0.0.1:0";
  config.insecure = true;
  config.database_url = env.Dsn("smd_app", env.db);
  config.key_file = key_file;
  config.audit_anchor_file = workdir + "/audit-anchor.log";
  config.db_pool = db_pool;
  config.audit_seal_interval_ms = audit_seal_ms;
  config.password_log2_n = 4;
  config.demo_patients = demo_patients;
  auto core = runtime::Core::Open(config, common::SystemClock::Get());
  if (!core.ok()) Die("core: " + core.status().ToString());
  auto seeded = app::SeedDemo((*core)->deps, demo_patients);
  if (!seeded.ok()) Die("seed: " + seeded.status().ToString());
  return config;
}

}  // namespace smd::bench
