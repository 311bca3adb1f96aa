// smd_bench_audit: verifying the audit chain at scale (issue 11, item 7). Loads N synthetic
// audit rows (default 1,000,000) as smd_app with COPY, in transactions of --rows-per-tx rows,
// seals them with the server's own sealer (anchoring its checkpoints in a file), and times
// the verification VerifyAuditChain runs (app::AuditUseCases::VerifyAsOperator, the code of
// `smd-server audit-verify`: the chain walk, the checkpoints, the anchor file and the
// unsealed-row checks) beside what the machine can do with the same rows in the same run:
//
//   * floor: one COPY (SELECT ... ORDER BY chain position) TO STDOUT of the same columns
//     through libpq, and a SHA-256 chain over each received line: the cost of merely reading
//     and hashing the rows once, sequentially, on one core;
//   * hash only: the same SHA-256 chain over the lines already in memory.
//
// Run through tests/bench/run_audit_bench.sh. Not a test: never registered with ctest, and
// nothing asserts a time; the verdict line compares with the target (5 s at 1M rows).

#include <libpq-fe.h>
#include <sys/stat.h>

#include <pqxx/pqxx>

#include <cstdio>
#include <atomic>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "app/audit_use_cases.h"
#include "bench/bench_support.h"
#include "common/clock.h"
#include "crypto/audit_anchor.h"
#include "crypto/hash.h"
#include "runtime/wiring.h"
#include "store/audit_repository.h"

namespace smd::bench {
namespace {

struct Options {
  int rows = 1000000;
  int rows_per_tx = 100;  // one RPC writes one row; a batch keeps the load fast
  // Concurrent loaders: their transactions overlap, so ids interleave and the chain's
  // (tx, id) order differs from id order, as with concurrent RPCs.
  int writers = 2;
  int verify_reps = 3;
  int deadline_s = 1500;
  int keep = 0;  // 1: leave the database behind (for EXPLAIN and experiments)
  // 1: one more verification forced onto the chain-order read (what a transaction open
  // while more than 100,000 other audit rows were written, or tampering, costs).
  int fallback = 1;
};

// COPY through libpq (libpqxx 6.4 has no raw COPY line reader or writer).
class Pq {
 public:
  explicit Pq(const std::string& dsn) : conn_(PQconnectdb(dsn.c_str())) {
    if (PQstatus(conn_) != CONNECTION_OK) Die(std::string("connect: ") + PQerrorMessage(conn_));
  }
  ~Pq() { PQfinish(conn_); }
  Pq(const Pq&) = delete;
  Pq& operator=(const Pq&) = delete;

  void Exec(const std::string& sql) {
    PGresult* r = PQexec(conn_, sql.c_str());
    const auto st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      std::string err = PQresultErrorMessage(r);
      PQclear(r);
      Die(sql.substr(0, 60) + ": " + err);
    }
    PQclear(r);
  }

  void CopyIn(const std::string& target, const std::string& data) {
    PGresult* r = PQexec(conn_, ("COPY " + target + " FROM STDIN").c_str());
    if (PQresultStatus(r) != PGRES_COPY_IN) Die(std::string("COPY: ") + PQresultErrorMessage(r));
    PQclear(r);
    if (PQputCopyData(conn_, data.data(), static_cast<int>(data.size())) != 1 ||
        PQputCopyEnd(conn_, nullptr) != 1) {
      Die(std::string("COPY data: ") + PQerrorMessage(conn_));
    }
    while ((r = PQgetResult(conn_)) != nullptr) {
      if (PQresultStatus(r) != PGRES_COMMAND_OK) {
        Die(std::string("COPY: ") + PQresultErrorMessage(r));
      }
      PQclear(r);
    }
  }

  // Calls `line` for every line of COPY (query) TO STDOUT.
  template <typename F>
  void CopyOut(const std::string& query, F&& line) {
    PGresult* r = PQexec(conn_, ("COPY (" + query + ") TO STDOUT").c_str());
    if (PQresultStatus(r) != PGRES_COPY_OUT) {
      Die(std::string("COPY OUT: ") + PQresultErrorMessage(r));
    }
    PQclear(r);
    char* buf = nullptr;
    int n;
    while ((n = PQgetCopyData(conn_, &buf, 0)) > 0) {
      line(std::string_view(buf, static_cast<size_t>(n)));
      PQfreemem(buf);
    }
    if (n == -2) Die(std::string("COPY OUT: ") + PQerrorMessage(conn_));
    while ((r = PQgetResult(conn_)) != nullptr) PQclear(r);
  }

 private:
  PGconn* conn_;
};

std::string Uuid(std::mt19937_64& rng) {
  const uint64_t a = rng(), b = rng();
  return absl::StrFormat("%08x-%04x-4%03x-8%03x-%012x", a >> 32, (a >> 16) & 0xffff, a & 0xfff,
                         b >> 52, b & 0xffffffffffffULL);
}

// One audit row as the server writes it for a patient read or write: a signed-in user, the
// method, one or two patient ids, a peer, a request id and a short detail. COPY text format.
std::string MakeRows(int from, int n, const std::vector<std::string>& users,
                     const std::string& at) {
  static const char* kMethods[] = {"/smd.v1.PatientService/GetPatient",
                                   "/smd.v1.PatientService/SearchPatients",
                                   "/smd.v1.FollowUpService/RecordFollowUp",
                                   "/smd.v1.FollowUpService/ListFollowUps",
                                   "/smd.v1.AlertService/SubscribeAlerts"};
  std::mt19937_64 rng(static_cast<uint64_t>(from) * 7919 + 1);
  std::string out;
  out.reserve(static_cast<size_t>(n) * 320);
  for (int i = 0; i < n; ++i) {
    const int k = from + i;
    const std::string& user = users[static_cast<size_t>(k) % users.size()];
    std::string patients = "{" + Uuid(rng);
    if (k % 3 == 0) absl::StrAppend(&patients, ",", Uuid(rng));
    patients += "}";
    absl::StrAppend(&out, at, "\t", user, "\tdoctor", k % 40, "\t1\t32010600", 1 + k % 9, "\t",
                    kMethods[k % 5], "\t", patients, "\t", k % 50 == 0 ? "PERMISSION_DENIED" : "OK",
                    "\tipv4:10.1.", k % 250, ".", 7 + k % 200, ":", 40000 + k % 20000, "\t",
                    Uuid(rng), "\treturned=", k % 20, "\n");
  }
  return out;
}

double Seconds(SteadyClock::time_point t0) { return Ms(SteadyClock::now() - t0) / 1000; }

int Main(int argc, char** argv) {
  SetProgramName("smd_bench_audit");
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto eq = a.find('=');
    int* target = nullptr;
    if (a.rfind("--rows=", 0) == 0) target = &o.rows;
    if (a.rfind("--rows-per-tx=", 0) == 0) target = &o.rows_per_tx;
    if (a.rfind("--writers=", 0) == 0) target = &o.writers;
    if (a.rfind("--verify-reps=", 0) == 0) target = &o.verify_reps;
    if (a.rfind("--deadline-s=", 0) == 0) target = &o.deadline_s;
    if (a.rfind("--keep=", 0) == 0) target = &o.keep;
    if (a.rfind("--fallback=", 0) == 0) target = &o.fallback;
    if (target == nullptr || !absl::SimpleAtoi(a.substr(eq + 1), target) || *target < 0) {
      Die("bad argument " + a);
    }
  }
  const Env env = GetEnv();
  StartWatchdog(o.deadline_s);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  std::printf("smd_bench_audit: %d audit rows in transactions of %d from %d concurrent writers, "
              "%d verify runs\n",
              o.rows, o.rows_per_tx, o.writers, o.verify_reps);
  std::printf("machine: %u CPUs (nproc), %s; load average at start %s\n",
              std::thread::hardware_concurrency(), CpuModel().c_str(), LoadAvg().c_str());
  char tmpl[] = "/tmp/smd-bench-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) Die("mkdtemp failed");
  runtime::Config config = PrepareDatabase(env, tmpl, 0, 2, 500);
  const std::string super_db = env.Dsn(env.super, env.db);
  const std::string app_db = env.Dsn("smd_app", env.db);

  std::vector<std::string> users;
  {
    pqxx::connection c(super_db);
    pqxx::nontransaction n(c);
    for (const auto& r : n.exec("SELECT id::text FROM app_user ORDER BY username")) {
      users.push_back(r[0].as<std::string>());
    }
  }
  if (users.empty()) Die("no users");

  // ---- load --------------------------------------------------------------------------------
  {
    const auto t0 = SteadyClock::now();
    const std::string at =
        absl::FormatTime("%Y-%m-%d %H:%M:%E6S+00", absl::Now(), absl::UTCTimeZone());
    constexpr char kCols[] =
        "audit_log (at, user_id, username, role, jurisdiction, method, patient_ids, outcome, "
        "peer, request_id, detail)";
    std::atomic<int> next{0};
    std::vector<std::thread> writers;
    for (int w = 0; w < o.writers; ++w) {
      writers.emplace_back([&] {
        Pq pq(app_db);
        for (int from = next.fetch_add(o.rows_per_tx); from < o.rows;
             from = next.fetch_add(o.rows_per_tx)) {
          pq.CopyIn(kCols, MakeRows(from, std::min(o.rows_per_tx, o.rows - from), users, at));
        }
      });
    }
    for (auto& t : writers) t.join();
    std::printf("load: %d rows COPYed as smd_app in %.1f s\n", o.rows, Seconds(t0));
  }
  auto core = runtime::Core::Open(config, common::SystemClock::Get());
  if (!core.ok()) Die("core: " + core.status().ToString());
  const app::Deps& deps = (*core)->deps;
  crypto::AnchorFile anchor(config.audit_anchor_file);

  // ---- seal --------------------------------------------------------------------------------
  {
    app::AuditSealer sealer(deps, absl::Hours(1), &anchor);
    const auto t0 = SteadyClock::now();
    int64_t sealed = 0;
    for (;;) {
      absl::StatusOr<int> n = sealer.SealOnce(/*force_checkpoint=*/true);
      if (!n.ok()) Die("seal: " + n.status().ToString());
      if (*n == 0) break;
      sealed += *n;
    }
    const double s = Seconds(t0);
    std::printf("seal: %lld rows sealed by the server's sealer in %.1f s = %.0f rows/s; %s "
                "checkpoints\n",
                static_cast<long long>(sealed), s, sealed / s,
                Value(super_db, "SELECT count(*) FROM audit_checkpoint").c_str());
  }
  std::printf("chain order vs id order: %s rows follow a row with a higher id\n",
              Value(super_db,
                    "SELECT count(*) FROM (SELECT a.id < lag(a.id) OVER (ORDER BY s.position) "
                    "AS back FROM audit_seal s JOIN audit_log a ON a.id = s.audit_id) x "
                    "WHERE back").c_str());
  std::printf("table sizes: audit_log %s, audit_seal %s, audit_checkpoint %s\n",
              Value(super_db, "SELECT pg_size_pretty(pg_total_relation_size('audit_log'))").c_str(),
              Value(super_db,
                    "SELECT pg_size_pretty(pg_total_relation_size('audit_seal'))").c_str(),
              Value(super_db,
                    "SELECT pg_size_pretty(pg_total_relation_size('audit_checkpoint'))").c_str());

  // ---- the floor: read every row once and hash it --------------------------------------------
  std::vector<std::string> lines;
  double floor_s = 0, hash_s = 0;
  {
    Pq pq(super_db);
    lines.reserve(static_cast<size_t>(o.rows));
    std::string h(32, '\0');
    const auto t0 = SteadyClock::now();
    pq.CopyOut(
        "SELECT s.position, s.hash, a.id, a.tx, a.at, a.user_id, a.username, a.role, "
        "a.jurisdiction, a.method, a.patient_ids, a.outcome, a.peer, a.request_id, a.detail "
        "FROM audit_seal s JOIN audit_log a ON a.id = s.audit_id ORDER BY s.position",
        [&](std::string_view line) {
          h = crypto::Sha256(h + std::string(line));
          lines.emplace_back(line);
        });
    floor_s = Seconds(t0);
    const auto t1 = SteadyClock::now();
    std::string h2(32, '\0');
    for (const auto& l : lines) h2 = crypto::Sha256(h2 + l);
    hash_s = Seconds(t1);
    std::printf("floor: COPY of the %zu sealed rows (chain order) + a SHA-256 chain over the "
                "lines: %.2f s; the SHA-256 chain alone: %.2f s\n",
                lines.size(), floor_s, hash_s);
  }
  lines.clear();
  lines.shrink_to_fit();

  // ---- verify ------------------------------------------------------------------------------
  std::vector<double> runs;
  for (int rep = 0; rep < o.verify_reps; ++rep) {
    const auto t0 = SteadyClock::now();
    const double cpu0 = ProcessCpuMs();
    absl::StatusOr<store::ChainReport> r = app::AuditUseCases(deps, &anchor).VerifyAsOperator();
    const double s = Seconds(t0);
    const double cpu = (ProcessCpuMs() - cpu0) / 1000;
    if (!r.ok()) Die("verify: " + r.status().ToString());
    runs.push_back(s);
    std::printf("verify run %d: %.2f s (%.2f s CPU in this process), intact=%s, %lld records, "
                "%lld checkpoints, %lld anchored checkpoints%s%s\n",
                rep + 1, s, cpu, r->intact ? "yes" : "NO",
                static_cast<long long>(r->records_checked),
                static_cast<long long>(r->checkpoints_checked),
                static_cast<long long>(r->anchored_checkpoints_checked),
                r->problem.empty() ? "" : "; ", r->problem.c_str());
    if (!r->intact) Die("the chain did not verify");
  }
  double fallback_s = 0;
  if (o.fallback != 0) {
    store::SetVerifyReorderWindowForTest(1);
    const auto t0 = SteadyClock::now();
    absl::StatusOr<store::ChainReport> r = app::AuditUseCases(deps, &anchor).VerifyAsOperator();
    fallback_s = Seconds(t0);
    store::SetVerifyReorderWindowForTest(0);
    if (!r.ok() || !r->intact) Die("fallback verify failed");
    std::printf("verify read in chain order (the fallback): %.2f s\n", fallback_s);
  }
  const double best = *std::min_element(runs.begin(), runs.end());
  const double median = Percentile(runs, 50);
  std::printf("\nsummary (%d rows, load average now %s)\n", o.rows, LoadAvg().c_str());
  std::printf("  floor (COPY + SHA-256 chain)   %6.2f s\n", floor_s);
  std::printf("  SHA-256 chain alone            %6.2f s\n", hash_s);
  std::printf("  verify, median of %d            %6.2f s  (%.2f x the floor; best %.2f s)\n",
              o.verify_reps, median, median / floor_s, best);
  if (o.fallback != 0) {
    std::printf("  verify in chain order (fallback) %5.2f s  (%.2f x the floor)\n", fallback_s,
                fallback_s / floor_s);
  }
  const double target = 5.0 * o.rows / 1000000.0;
  std::printf("  target: verify <= %.1f s at %d rows: %s\n", target, o.rows,
              median <= target ? "MET" : "NOT MET");
  if (o.keep == 0) {
    try {
      Exec(env.Dsn(env.super, "postgres"), "DROP DATABASE IF EXISTS " + env.db + " WITH (FORCE)");
    } catch (...) {
    }
  }
  return 0;
}

}  // namespace
}  // namespace smd::bench

int main(int argc, char** argv) { return smd::bench::Main(argc, argv); }
