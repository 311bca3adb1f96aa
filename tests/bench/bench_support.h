#pragma once
// Shared pieces of the benchmark programs in tests/bench/ (never run by ctest):
// the throwaway cluster's address (exported by tests/support/with_postgres.sh),
// a watchdog so a bench always ends, machine facts for the report, statistics,
// and a fresh migrated database with a key file and demo data, ready for a
// server.

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "bench/verdict.h"
#include "runtime/config.h"

namespace smd::bench {

using SteadyClock = std::chrono::steady_clock;

// The program name used in messages (set once by main).
void SetProgramName(const std::string& name);
[[noreturn]] void Die(const std::string& what);

// Parses `--name=value` arguments into the named strings and non-negative ints;
// dies with "bad argument" on anything else (a flag without "=", an unknown
// name, a bad number).
void ParseFlags(int argc, char** argv, const std::map<std::string, std::string*>& strings,
                const std::map<std::string, int*>& ints);

struct Env {
  std::string host, port, super;
  std::string db = "smd_bench";
  std::string Dsn(const std::string& user, const std::string& dbname) const;
};
// From SMD_TEST_PGHOST / SMD_TEST_PGPORT / SMD_TEST_SUPERUSER; dies when unset.
Env GetEnv();

// A child process the watchdog kills before exiting (0: none).
extern std::atomic<pid_t> g_child;
// Aborts the whole program (exit 3) after `seconds`.
void StartWatchdog(int seconds);

std::string LoadAvg();
std::string CpuModel();

double Percentile(std::vector<double> v, double p);
double Mean(const std::vector<double>& v);
// CPU time of this process, in ms.
double ProcessCpuMs();
double Ms(SteadyClock::duration d);

// Exit status of a bench whose run had failures (its verdicts are INVALID).
// Die() exits 2, the watchdog 3.
inline constexpr int kExitInvalid = 4;

// As the given DSN's user, in autocommit.
void Exec(const std::string& dsn, const std::string& sql);
std::string Value(const std::string& dsn, const std::string& sql);

// Drops and recreates env.db owned by smd_owner, migrates it, runs
// deploy/postgres/protect-audit.sql (as production does), prints the PostgreSQL
// settings line, writes a fresh key file under `workdir`, seeds `demo_patients`
// demo patients, and returns a serve configuration (insecure, 127.0.0.1:0, as
// smd_app, audit anchor file `workdir`/audit-anchor.log).
runtime::Config PrepareDatabase(const Env& env, const std::string& workdir, int demo_patients,
                                int db_pool, int audit_seal_ms);

}  // namespace smd::bench
