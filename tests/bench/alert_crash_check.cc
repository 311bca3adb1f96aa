// smd_bench_alert_crash: does every acknowledged alert reach a police officer
// and a grid worker while the server is killed with kill -9 again and again?
// (issue 11, item 1.)
//
// The probe behind issue 11 measured, in 20 kill -9 cycles, 214 of 1,563
// acknowledged risk >= 3 visits whose alert had no recipient. This program is
// the client side of the same loop; tests/bench/run_alert_crash_check.sh owns
// the cluster and the server, kills the server every 2-6 s and restarts it.
// Meanwhile this program, as the demo psychiatrist (district 320106):
//
//   * registers synthetic patients in every community of the 13 demo streets,
//   * records follow-up visits with risk level 3 or 4 on them (each must raise
//   a
//     HIGH_RISK alert, audience full: a police officer and a grid worker),
//   * raises some manual alerts (RaiseAlert, severity 4, audience full),
//
// at a fixed modest rate from a few threads. Every write carries an
// `idempotency-key` (docs/api.md, "Idempotency keys"); a call that gets
// UNAVAILABLE (the server is down or was killed mid-call) is retried with the
// same key, after a short backoff and waiting for the channel to reconnect,
// until the server answers, so a committed write whose reply was lost is
// replayed, not written twice. A write counts as acknowledged when its reply
// arrived OK.
//
// Before the loop it creates district-level police and grid accounts
// (jurisdiction 320106), as the probe's setup had; the demo itself has police
// only at street 320106001 and a grid worker only at community 320106001001, so
// every other street's alerts must walk up to the district
// (docs/adr/0010-alert-routing.md).
//
// When the script writes the stop file (its content: the number of kills done),
// the program lets its threads finish the writes in flight, then checks, as the
// PostgreSQL superuser, that every acknowledged write committed and that every
// acknowledged risk >= 3 visit and manual alert has its alert with at least one
// recipient, a police copy and a grid-worker copy; it also counts the same over
// every alert in the database, the alert_gap rows, and the writes that
// committed without ever being acknowledged.
//
// Verdict (bench/verdict.h): MET when 0 alerts without a recipient, 0 without a
// police or grid copy, 0 acknowledged writes lost, 0 acknowledged visits
// without their alert and 0 writes done twice; a call that failed with any code
// but UNAVAILABLE (the kills) makes it INVALID. Exit status: 0 MET, 1 NOT MET,
// 4 INVALID, 2 setup error, 3 deadline.
//
// Not a test: never registered with ctest. Run through
// tests/bench/run_alert_crash_check.sh.

#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <pqxx/pqxx>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "bench/bench_support.h"
#include "smd/v1/admin.grpc.pb.h"
#include "smd/v1/alerts.grpc.pb.h"
#include "smd/v1/auth.grpc.pb.h"
#include "smd/v1/followups.grpc.pb.h"
#include "smd/v1/patients.grpc.pb.h"
#include "support/forms.h"
#include "support/synthetic.h"

namespace smd::bench {
namespace {

struct Options {
  std::string target;  // host:port of the server the script runs (and restarts)
  std::string db = "smd_crash";
  std::string stop_file;   // the script writes it (the number of kills) to end the loop
  std::string ready_file;  // written here once the accounts exist and the loop starts
  int rate = 25;           // writes started per second, over all threads
  int threads = 4;
  int register_pct = 10;  // share of the writes that register a patient
  int manual_pct = 10;    // share that raise a manual alert; the rest are visits
  int call_timeout_ms = 10000;
  int drain_s = 60;  // after the stop file, at most, to finish the writes in flight
  int setup_s = 60;  // at most, for the server to come up the first time
  int deadline_s = 1800;
};

Options ParseOptions(int argc, char** argv) {
  Options o;
  std::map<std::string, std::string*> strings = {{"target", &o.target},
                                                 {"db", &o.db},
                                                 {"stop-file", &o.stop_file},
                                                 {"ready-file", &o.ready_file}};
  std::map<std::string, int*> ints = {{"rate", &o.rate},
                                      {"threads", &o.threads},
                                      {"register-pct", &o.register_pct},
                                      {"manual-pct", &o.manual_pct},
                                      {"call-timeout-ms", &o.call_timeout_ms},
                                      {"drain-s", &o.drain_s},
                                      {"setup-s", &o.setup_s},
                                      {"deadline-s", &o.deadline_s}};
  ParseFlags(argc, argv, strings, ints);
  if (o.target.empty() || o.stop_file.empty() || o.ready_file.empty()) {
    Die("--target, --stop-file and --ready-file are required "
        "(run_alert_crash_check.sh)");
  }
  if (o.rate < 1 || o.threads < 1 || o.register_pct + o.manual_pct > 90) Die("bad options");
  return o;
}

const char* CodeName(grpc::StatusCode c) {
  static constexpr const char* kNames[] = {"OK",
                                           "CANCELLED",
                                           "UNKNOWN",
                                           "INVALID_ARGUMENT",
                                           "DEADLINE_EXCEEDED",
                                           "NOT_FOUND",
                                           "ALREADY_EXISTS",
                                           "PERMISSION_DENIED",
                                           "RESOURCE_EXHAUSTED",
                                           "FAILED_PRECONDITION",
                                           "ABORTED",
                                           "OUT_OF_RANGE",
                                           "UNIMPLEMENTED",
                                           "INTERNAL",
                                           "UNAVAILABLE",
                                           "DATA_LOSS",
                                           "UNAUTHENTICATED"};
  const int i = static_cast<int>(c);
  return i >= 0 && i < static_cast<int>(std::size(kNames)) ? kNames[i] : "?";
}

// Codes docs/api.md says to retry with the same key. Only UNAVAILABLE is
// expected here (the kills); the others are retried too, so the write still
// completes, but each such reply is counted as a failed call.
bool Retryable(grpc::StatusCode c) {
  return c == grpc::StatusCode::UNAVAILABLE || c == grpc::StatusCode::DEADLINE_EXCEEDED ||
         c == grpc::StatusCode::CANCELLED || c == grpc::StatusCode::RESOURCE_EXHAUSTED;
}

// 32 random characters of [0-9a-f]: a fresh idempotency key per write.
std::string NewKey(std::mt19937_64& rng) { return absl::StrFormat("%016x%016x", rng(), rng()); }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::string s((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return s;
}

bool FileExists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }

// A synthetic patient of `community`: the n-th of this run. Birth years
// 2004-2007 are outside the demo seed's 1950-2003, so the ID numbers never
// clash with the demo's.
v1::PatientDetails Details(int n, const std::string& community) {
  return testing::SyntheticDetails(n, community, 2004, "崩溃测试", 5000000);
}

// What the server acknowledged, and how the calls went.
struct Ledger {
  std::mutex mu;
  std::vector<std::string> patients;  // acknowledged RegisterPatient: patient ids
  std::vector<std::string> visits;    // acknowledged risk >= 3 RecordFollowUp: visit ids
  std::vector<std::string> manual;    // acknowledged RaiseAlert: alert ids
  int64_t visits_risk4 = 0;
  int64_t manual_unrouted = 0;                // RaiseAlert replies naming a role nobody could take
  int64_t manual_zero_recipients = 0;         // RaiseAlert replies with recipients == 0
  std::map<grpc::StatusCode, int64_t> codes;  // every reply, by code
  int64_t writes_retried = 0;                 // writes that needed more than one call
  int64_t replayed = 0;                       // OK replies marked idempotency-replayed: true
  int64_t abandoned = 0;      // writes given up (a non-retryable code, or the drain ran out)
  std::string first_error;    // first reply with neither OK nor UNAVAILABLE
  std::vector<double> ok_ms;  // latency of the OK calls
};

class Driver {
 public:
  Driver(const Options& o, std::shared_ptr<grpc::Channel> channel, std::string token,
         std::vector<std::string> communities)
      : o_(o),
        token_(std::move(token)),
        communities_(std::move(communities)),
        patients_stub_(v1::PatientService::NewStub(channel)),
        followups_stub_(v1::FollowUpService::NewStub(channel)),
        alerts_stub_(v1::AlertService::NewStub(channel)),
        period_(std::chrono::nanoseconds(1'000'000'000LL / o.rate)) {}

  void Start() {
    next_slot_ = SteadyClock::now();
    for (int i = 0; i < o_.threads; ++i) {
      threads_.emplace_back([this, i] { Work(i); });
    }
  }
  // Stops starting writes; those in flight are retried until `drain_until`.
  void Stop(SteadyClock::time_point drain_until) {
    drain_until_ns_ = drain_until.time_since_epoch().count();
    stopping_ = true;
    for (auto& t : threads_) t.join();
  }
  Ledger& ledger() { return ledger_; }
  int64_t started() const { return started_.load(); }

 private:
  // Waits for this thread's next slot: one write per period over all threads. A
  // slot is never earlier than now, so writes held up by a kill do not burst
  // afterwards.
  bool WaitSlot() {
    SteadyClock::time_point slot;
    {
      std::lock_guard<std::mutex> lock(slot_mu_);
      slot = std::max(next_slot_, SteadyClock::now());
      next_slot_ = slot + period_;
    }
    while (!stopping_) {
      const auto now = SteadyClock::now();
      if (now >= slot) return true;
      std::this_thread::sleep_for(
          std::min<SteadyClock::duration>(slot - now, std::chrono::milliseconds(50)));
    }
    return false;
  }

  bool DrainOver() const {
    return stopping_ && SteadyClock::now().time_since_epoch().count() > drain_until_ns_.load();
  }

  // Runs one write until the server acknowledges it: the same idempotency key
  // on every call. Returns false when it was given up.
  bool Write(std::mt19937_64& rng, const std::function<grpc::Status(grpc::ClientContext*)>& call) {
    const std::string key = NewKey(rng);
    auto backoff = std::chrono::milliseconds(100);
    for (int attempt = 0;; ++attempt) {
      grpc::ClientContext ctx;
      ctx.AddMetadata("authorization", "Bearer " + token_);
      ctx.AddMetadata("idempotency-key", key);
      ctx.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(o_.call_timeout_ms));
      // A retry waits for the channel to reconnect (up to the deadline) instead
      // of failing fast: with fail-fast calls the channel was seen refusing for
      // a second or more after the server was back, and the kills took half of
      // the run.
      if (attempt > 0) ctx.set_wait_for_ready(true);
      const auto t0 = SteadyClock::now();
      const grpc::Status s = call(&ctx);
      const double ms = Ms(SteadyClock::now() - t0);
      bool replayed = false;
      if (s.ok()) {
        const auto& trailers = ctx.GetServerTrailingMetadata();
        auto it = trailers.find("idempotency-replayed");
        replayed = it != trailers.end() && it->second == "true";
      }
      {
        std::lock_guard<std::mutex> lock(ledger_.mu);
        ++ledger_.codes[s.error_code()];
        if (s.ok()) {
          ledger_.ok_ms.push_back(ms);
          if (replayed) ++ledger_.replayed;
          if (attempt > 0) ++ledger_.writes_retried;
        } else if (s.error_code() != grpc::StatusCode::UNAVAILABLE && ledger_.first_error.empty()) {
          ledger_.first_error = absl::StrCat(CodeName(s.error_code()), ": ", s.error_message());
        }
      }
      if (s.ok()) return true;
      if (!Retryable(s.error_code()) || DrainOver()) {
        std::lock_guard<std::mutex> lock(ledger_.mu);
        ++ledger_.abandoned;
        return false;
      }
      // The server is back within a fraction of a second (the script prints how
      // long): 0.1 s doubling to 0.8 s, plus up to half of it as jitter
      // (docs/api.md suggests 0.25 s to 4 s for real clients; shorter here so
      // that the kills take less of the run).
      std::uniform_int_distribution<int> jitter(0, static_cast<int>(backoff.count() / 2));
      std::this_thread::sleep_for(backoff + std::chrono::milliseconds(jitter(rng)));
      backoff = std::min(backoff * 2, std::chrono::milliseconds(800));
    }
  }

  std::string PickPatient(std::mt19937_64& rng) {
    std::lock_guard<std::mutex> lock(ledger_.mu);
    if (ledger_.patients.empty()) return "";
    return ledger_.patients[rng() % ledger_.patients.size()];
  }

  void Work(int index) {
    std::mt19937_64 rng(std::random_device{}() ^ (static_cast<uint64_t>(index) << 32));
    std::uniform_int_distribution<int> pct(0, 99);
    while (WaitSlot()) {
      started_.fetch_add(1);
      // Until every community has a patient, register; then the mix of the
      // options.
      const int n = registered_.load();
      const int p = pct(rng);
      std::string patient = PickPatient(rng);
      if (n < static_cast<int>(communities_.size()) || patient.empty() || p < o_.register_pct) {
        const int seq = registered_.fetch_add(1);
        v1::RegisterPatientRequest req;
        *req.mutable_details() = Details(seq, communities_[seq % communities_.size()]);
        v1::Patient resp;
        if (Write(rng, [&](grpc::ClientContext* ctx) {
              return patients_stub_->RegisterPatient(ctx, req, &resp);
            })) {
          std::lock_guard<std::mutex> lock(ledger_.mu);
          ledger_.patients.push_back(resp.patient_id());
        }
      } else if (p < o_.register_pct + o_.manual_pct) {
        v1::RaiseAlertRequest req;
        req.set_patient_id(patient);
        req.set_severity(4);
        req.set_cause(absl::StrCat("崩溃测试预警 ", started_.load(), " (crash check alert)"));
        v1::RaiseAlertResponse resp;
        if (Write(rng, [&](grpc::ClientContext* ctx) {
              return alerts_stub_->RaiseAlert(ctx, req, &resp);
            })) {
          std::lock_guard<std::mutex> lock(ledger_.mu);
          ledger_.manual.push_back(resp.alert_id());
          if (resp.unrouted_roles_size() > 0) ++ledger_.manual_unrouted;
          if (resp.recipients() == 0) ++ledger_.manual_zero_recipients;
        }
      } else {
        const int risk = 3 + static_cast<int>(rng() % 2);
        v1::RecordFollowUpRequest req;
        req.set_patient_id(patient);
        *req.mutable_form() = testing::Form(testing::D(testing::TodayBeijing()), risk);
        v1::FollowUp resp;
        if (Write(rng, [&](grpc::ClientContext* ctx) {
              return followups_stub_->RecordFollowUp(ctx, req, &resp);
            })) {
          std::lock_guard<std::mutex> lock(ledger_.mu);
          ledger_.visits.push_back(resp.visit_id());
          if (risk == 4) ++ledger_.visits_risk4;
        }
      }
    }
  }

  const Options& o_;
  const std::string token_;
  const std::vector<std::string> communities_;
  std::unique_ptr<v1::PatientService::Stub> patients_stub_;
  std::unique_ptr<v1::FollowUpService::Stub> followups_stub_;
  std::unique_ptr<v1::AlertService::Stub> alerts_stub_;
  const SteadyClock::duration period_;
  std::mutex slot_mu_;
  SteadyClock::time_point next_slot_;
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> drain_until_ns_{0};
  std::atomic<int> registered_{0};
  std::atomic<int64_t> started_{0};
  std::vector<std::thread> threads_;
  Ledger ledger_;
};

// A PostgreSQL array literal of ids (uuids: no quoting needed).
std::string ArrayLiteral(const std::vector<std::string>& ids) {
  return "{" + absl::StrJoin(ids, ",") + "}";
}

// Copies of alert `alert` (an SQL expression) held by an active account of one
// of `roles`. The holder's role, not alert_recipient.role (added by migration
// 0010), so that the same check runs against a server from before ADR 0010
// (SMD_BENCH_SERVER).
std::string CopiesHeldBy(const std::string& alert, const std::string& roles) {
  return absl::StrCat(
      "(SELECT count(*) FROM alert_recipient r JOIN app_user u ON u.id = "
      "r.user_id WHERE r.alert_id = ",
      alert, " AND u.role IN (", roles, ") AND NOT u.disabled)");
}

// Per acknowledged write that raised an alert, from the database.
struct AlertCheck {
  int64_t writes = 0;         // acknowledged writes
  int64_t without_alert = 0;  // no alert of the expected kind and source
  int64_t extra_alerts = 0;   // more than one alert for one write
  int64_t no_recipient = 0;   // alert with zero copies
  int64_t no_police = 0;      // alert without a copy held by a police officer
  int64_t no_grid = 0;        // alert without a copy held by a grid worker
  int64_t copies = 0;
};

// `alerts` is a query giving (k text, alert_id uuid or NULL), one row per
// acknowledged write and matching alert; $1 is `array`.
AlertCheck CheckAlerts(pqxx::nontransaction& n, const std::string& alerts,
                       const std::string& array) {
  const pqxx::row r = n.exec_params1(
      "WITH wa AS (" + alerts +
          "), "
          "c AS (SELECT wa.k, wa.alert_id, "
          "  (SELECT count(*) FROM alert_recipient r WHERE r.alert_id = "
          "wa.alert_id) AS n, " +
          CopiesHeldBy("wa.alert_id", "3") + " AS police, " + CopiesHeldBy("wa.alert_id", "4") +
          " AS grid FROM wa) "
          "SELECT count(DISTINCT k), count(*) FILTER (WHERE alert_id IS NULL), "
          "  count(alert_id) - count(DISTINCT k) FILTER (WHERE alert_id IS NOT "
          "NULL), "
          "  count(*) FILTER (WHERE alert_id IS NOT NULL AND n = 0), "
          "  count(*) FILTER (WHERE alert_id IS NOT NULL AND police = 0), "
          "  count(*) FILTER (WHERE alert_id IS NOT NULL AND grid = 0), "
          "  coalesce(sum(n), 0) FROM c",
      array);
  AlertCheck a;
  a.writes = r[0].as<int64_t>();
  a.without_alert = r[1].as<int64_t>();
  a.extra_alerts = r[2].as<int64_t>();
  a.no_recipient = r[3].as<int64_t>();
  a.no_police = r[4].as<int64_t>();
  a.no_grid = r[5].as<int64_t>();
  a.copies = r[6].as<int64_t>();
  return a;
}

int64_t Count(pqxx::nontransaction& n, const std::string& sql) {
  return n.exec1(sql)[0].as<int64_t>();
}
int64_t Count(pqxx::nontransaction& n, const std::string& sql, const std::string& p1) {
  return n.exec_params1(sql, p1)[0].as<int64_t>();
}
int64_t Count(pqxx::nontransaction& n, const std::string& sql, const std::string& p1,
              const std::string& p2) {
  return n.exec_params1(sql, p1, p2)[0].as<int64_t>();
}

std::string Login(v1::AuthService::Stub* auth, const std::string& user, const std::string& pw) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::LoginRequest req;
  req.set_username(user);
  req.set_password(pw);
  v1::LoginResponse resp;
  const grpc::Status s = auth->Login(&ctx, req, &resp);
  if (!s.ok()) Die("login " + user + ": " + s.error_message());
  return resp.token();
}

int Main(int argc, char** argv) {
  SetProgramName("smd_bench_alert_crash");
  const Options o = ParseOptions(argc, argv);
  Env env = GetEnv();
  env.db = o.db;
  StartWatchdog(o.deadline_s);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  const auto t_start = SteadyClock::now();
  const std::string super_db = env.Dsn(env.super, env.db);
  std::printf(
      "smd_bench_alert_crash: %d writes/s from %d threads (%d%% "
      "RegisterPatient, %d%% "
      "RaiseAlert severity 4, the rest RecordFollowUp at risk 3 or 4) "
      "as the demo "
      "psychiatrist, against %s, which the script kills with kill -9 "
      "and restarts\n",
      o.rate, o.threads, o.register_pct, o.manual_pct, o.target.c_str());
  std::printf("machine: %u CPUs (nproc), %s; load average at start %s\n",
              std::thread::hardware_concurrency(), CpuModel().c_str(), LoadAvg().c_str());

  // Quick reconnects: the server is back within a fraction of a second of each
  // kill, and gRPC's default reconnect backoff (1 s growing to 120 s) would
  // keep the channel failing (calls fail fast with UNAVAILABLE while it waits)
  // long after that.
  grpc::ChannelArguments ca;
  // (Not GRPC_ARG_MIN_RECONNECT_BACKOFF_MS: gRPC core uses it as the minimum
  // connect timeout, and a small value cuts off connection attempts: "tcp
  // handshaker shutdown".)
  ca.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 50);
  ca.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 250);
  auto channel = grpc::CreateCustomChannel(o.target, grpc::InsecureChannelCredentials(), ca);
  if (!channel->WaitForConnected(std::chrono::system_clock::now() +
                                 std::chrono::seconds(o.setup_s))) {
    Die("server did not come up at " + o.target);
  }
  auto auth = v1::AuthService::NewStub(channel);
  auto admin = v1::AdminService::NewStub(channel);
  const std::string admin_token = Login(auth.get(), "admin", "Demo-admin-2026");
  // District-level police and grid accounts, as the probe's setup had; none at
  // the streets.
  for (const auto& [name, role, zh] : std::vector<std::tuple<std::string, v1::Role, std::string>>{
           {"crash_police_district", v1::ROLE_POLICE, "区公安"},
           {"crash_grid_district", v1::ROLE_GRID_WORKER, "区网格员"}}) {
    v1::CreateUserRequest req;
    req.set_username(name);
    req.set_display_name(absl::StrCat("演示", zh));
    req.set_password("Synthetic-crash-2026");
    req.set_role(role);
    req.set_jurisdiction("320106");
    v1::User u;
    grpc::ClientContext ctx;
    ctx.AddMetadata("authorization", "Bearer " + admin_token);
    const grpc::Status s = admin->CreateUser(&ctx, req, &u);
    if (!s.ok()) Die("create " + name + ": " + s.error_message());
  }
  const std::string psych_token = Login(auth.get(), "psychiatrist", "Demo-psych-2026");
  std::vector<std::string> communities;
  std::string psych_id;
  std::string accounts;
  {
    pqxx::connection c(super_db);
    pqxx::nontransaction n(c);
    for (const auto& r : n.exec("SELECT code FROM region WHERE "
                                "char_length(code) = 12 ORDER BY code")) {
      communities.push_back(r[0].as<std::string>());
    }
    psych_id = n.exec1("SELECT id::text FROM app_user WHERE username = 'psychiatrist'")[0]
                   .as<std::string>();
    for (const auto& r : n.exec("SELECT role, username, jurisdiction FROM app_user "
                                "WHERE role IN (3, 4) AND NOT disabled ORDER BY role, "
                                "jurisdiction")) {
      absl::StrAppend(&accounts, accounts.empty() ? "" : ", ",
                      r[0].as<int>() == 3 ? "police " : "grid ", r[1].as<std::string>(), " at ",
                      r[2].as<std::string>());
    }
  }
  if (communities.empty()) Die("no communities: was the demo seeded?");
  std::printf("setup: %zu communities in %zu streets; police and grid accounts: %s\n",
              communities.size(), communities.size() / 3, accounts.c_str());

  Driver driver(o, channel, psych_token, communities);
  driver.Start();
  { std::ofstream(o.ready_file) << "ready\n"; }
  const auto t_loop = SteadyClock::now();
  while (!FileExists(o.stop_file)) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const std::string kills = ReadFile(o.stop_file);
  const double loop_s = Ms(SteadyClock::now() - t_loop) / 1000;
  driver.Stop(SteadyClock::now() + std::chrono::seconds(o.drain_s));
  const double drain_s = Ms(SteadyClock::now() - t_loop) / 1000 - loop_s;
  Ledger& l = driver.ledger();

  // ---- the reckoning, as the superuser
  // ------------------------------------------------------
  pqxx::connection c(super_db);
  pqxx::nontransaction n(c);
  const std::string patients_arr = ArrayLiteral(l.patients);
  const std::string visits_arr = ArrayLiteral(l.visits);
  const std::string manual_arr = ArrayLiteral(l.manual);
  const int64_t lost_patients =
      Count(n,
            "SELECT count(*) FROM unnest($1::uuid[]) k(id) "
            "WHERE NOT EXISTS (SELECT 1 FROM patient p WHERE p.id = k.id)",
            patients_arr);
  const int64_t lost_visits =
      Count(n,
            "SELECT count(*) FROM unnest($1::uuid[]) k(id) "
            "WHERE NOT EXISTS (SELECT 1 FROM followup f WHERE f.visit_id = k.id)",
            visits_arr);
  const int64_t lost_manual = Count(n,
                                    "SELECT count(*) FROM unnest($1::uuid[]) k(id) "
                                    "WHERE NOT EXISTS (SELECT 1 FROM alert a WHERE a.id = k.id)",
                                    manual_arr);
  // Committed but never acknowledged: a write done twice (a retry that wrote
  // again), or one given up whose first call had committed. The seed's rows are
  // the admin's and the doctor's, so every row by the psychiatrist is this
  // run's.
  const int64_t extra_patients =
      Count(n,
            "SELECT count(*) FROM patient p WHERE p.registered_by = $2::uuid "
            "AND NOT p.id = ANY($1::uuid[])",
            patients_arr, psych_id);
  const int64_t extra_visits = Count(n,
                                     "SELECT count(*) FROM followup f WHERE "
                                     "f.author_id = $2::uuid AND f.version = 1 "
                                     "AND NOT f.visit_id = ANY($1::uuid[])",
                                     visits_arr, psych_id);
  const int64_t extra_manual = Count(n,
                                     "SELECT count(*) FROM alert a WHERE "
                                     "a.kind = 7 AND a.raised_by = $2::uuid "
                                     "AND NOT a.id = ANY($1::uuid[])",
                                     manual_arr, psych_id);
  const AlertCheck visits =
      CheckAlerts(n,
                  "SELECT k.id::text AS k, a.id AS alert_id FROM unnest($1::uuid[]) k(id) "
                  "LEFT JOIN alert a ON a.source = 'followup:' || k.id::text AND a.kind = "
                  "1",
                  visits_arr);
  const AlertCheck manual =
      CheckAlerts(n,
                  "SELECT k.id::text AS k, a.id AS alert_id FROM unnest($1::uuid[]) k(id) "
                  "LEFT JOIN alert a ON a.id = k.id AND a.kind = 7",
                  manual_arr);
  // Before migration 0010 (a server older than ADR 0010) there is no audience
  // (every alert then went to the police and grid workers: full) and no
  // alert_gap table.
  const bool routing_schema = !n.exec1("SELECT to_regclass('alert_gap')")[0].is_null();
  const std::string audience = routing_schema ? "a.audience" : "1";
  // Every alert in the database (also those the server raised itself, e.g.
  // overdue unstable demo patients: audience clinical, which needs a doctor and
  // no police).
  const pqxx::row all =
      n.exec1("SELECT count(*), count(*) FILTER (WHERE " + audience +
              " = 1), "
              "  count(*) FILTER (WHERE NOT EXISTS (SELECT 1 FROM alert_recipient r "
              "    WHERE r.alert_id = a.id)), "
              "  count(*) FILTER (WHERE " +
              audience + " = 1 AND " + CopiesHeldBy("a.id", "3") +
              " = 0), "
              "  count(*) FILTER (WHERE " +
              audience + " = 1 AND " + CopiesHeldBy("a.id", "4") +
              " = 0), "
              "  count(*) FILTER (WHERE " +
              audience + " = 2 AND " + CopiesHeldBy("a.id", "1, 2") + " = 0) FROM alert a");
  const int64_t all_alerts = all[0].as<int64_t>(), all_full = all[1].as<int64_t>(),
                all_no_recipient = all[2].as<int64_t>(), all_no_police = all[3].as<int64_t>(),
                all_no_grid = all[4].as<int64_t>(), all_clinical_no_doctor = all[5].as<int64_t>();
  std::string kinds;
  for (const auto& r : n.exec("SELECT kind, count(*) FROM alert GROUP BY kind ORDER BY kind")) {
    absl::StrAppend(&kinds, kinds.empty() ? "" : ", ", "kind ", r[0].as<int>(), ": ",
                    r[1].as<int64_t>());
  }
  // Gaps (a required role nobody could take when the alert was raised), by the
  // alert's origin: this run's writes (raised by the psychiatrist) or the
  // server's own checks.
  std::string gap_line = "no alert_gap table (a server from before ADR 0010)";
  if (routing_schema) {
    const pqxx::row gaps = n.exec_params1(
        "SELECT count(*), count(*) FILTER (WHERE g.resolved_at IS NULL), "
        "  count(*) FILTER (WHERE a.raised_by = $1::uuid), "
        "  count(*) FILTER (WHERE a.raised_by = $1::uuid AND g.role = 3), "
        "  count(*) FILTER (WHERE a.raised_by = $1::uuid AND g.role = 4) "
        "FROM alert_gap g JOIN alert a ON a.id = g.alert_id",
        psych_id);
    std::string other_gaps;
    for (const auto& r :
         n.exec_params("SELECT a.kind, a.audience, g.role, count(*) FROM alert_gap g "
                       "JOIN alert a ON a.id = g.alert_id WHERE a.raised_by IS DISTINCT "
                       "FROM $1::uuid "
                       "GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
                       psych_id)) {
      absl::StrAppend(&other_gaps, other_gaps.empty() ? "" : ", ", r[3].as<int64_t>(), " on kind ",
                      r[0].as<int>(), r[1].as<int>() == 1 ? " (full)" : " (clinical)", " for role ",
                      r[2].as<int>());
    }
    gap_line = absl::StrFormat(
        "%lld (%lld open); on this run's alerts %lld (police "
        "%lld, grid worker %lld); on the "
        "server's own alerts: %s",
        static_cast<long long>(gaps[0].as<int64_t>()),
        static_cast<long long>(gaps[1].as<int64_t>()),
        static_cast<long long>(gaps[2].as<int64_t>()),
        static_cast<long long>(gaps[3].as<int64_t>()),
        static_cast<long long>(gaps[4].as<int64_t>()),
        other_gaps.empty() ? "none" : other_gaps.c_str());
  }
  // Where the police and grid copies went: the demo's street officer and
  // community grid worker, or the district accounts (the walk up). By
  // "nearest", a patient of street 320106001 never needs the district's police,
  // nor one of community 320106001001 the district's grid worker (escalated
  // copies aside).
  std::string routed;
  for (const auto& r : n.exec("SELECT u.username, u.jurisdiction, count(*) FROM alert_recipient r "
                              "JOIN app_user u ON u.id = r.user_id WHERE u.role IN (3, 4) "
                              "GROUP BY u.username, u.jurisdiction ORDER BY u.username")) {
    absl::StrAppend(&routed, routed.empty() ? "" : ", ", r[0].as<std::string>(), " (",
                    r[1].as<std::string>(), ") ", r[2].as<int64_t>());
  }
  const int64_t walked_past_nearest =
      Count(n,
            "SELECT count(*) FROM alert_recipient r JOIN alert a ON a.id = "
            "r.alert_id "
            "JOIN app_user u ON u.id = r.user_id WHERE r.reason <> 3 AND "
            "u.jurisdiction = '320106' "
            "AND ((u.role = 3 AND a.jurisdiction LIKE '320106001%') "
            "  OR (u.role = 4 AND a.jurisdiction = '320106001001'))");

  // ---- the report
  // -----------------------------------------------------------------------------
  int64_t unavailable = 0, other_failed = 0, ok_calls = 0;
  std::string codes;
  for (const auto& [code, count] : l.codes) {
    absl::StrAppend(&codes, codes.empty() ? "" : ", ", CodeName(code), " ", count);
    if (code == grpc::StatusCode::OK) {
      ok_calls += count;
    } else if (code == grpc::StatusCode::UNAVAILABLE) {
      unavailable += count;
    } else {
      other_failed += count;
    }
  }
  RunFailures failures;
  failures.calls = other_failed + l.abandoned;
  const int64_t acked = static_cast<int64_t>(l.patients.size() + l.visits.size() + l.manual.size());
  const int64_t lost = lost_patients + lost_visits + lost_manual;
  const int64_t extra = extra_patients + extra_visits + extra_manual;
  const int64_t no_recipient = visits.no_recipient + manual.no_recipient + all_no_recipient;
  const int64_t no_police = visits.no_police + manual.no_police + all_no_police;
  const int64_t no_grid = visits.no_grid + manual.no_grid + all_no_grid;
  const bool met = no_recipient == 0 && no_police == 0 && no_grid == 0 && lost == 0 && extra == 0 &&
                   visits.without_alert == 0 && manual.without_alert == 0 &&
                   visits.extra_alerts == 0 && manual.extra_alerts == 0;

  std::printf(
      "loop: %.1f s with %s kill -9 cycles (the script's count), then "
      "%.1f s to finish "
      "the writes in flight; %lld writes started, %.1f/s acknowledged "
      "over the loop\n",
      loop_s, kills.empty() ? "?" : std::string(kills.substr(0, kills.find('\n'))).c_str(), drain_s,
      static_cast<long long>(driver.started()),
      static_cast<double>(l.patients.size() + l.visits.size() + l.manual.size()) / loop_s);
  std::printf(
      "calls: %lld (%s); %lld writes needed a retry, %lld OK replies were "
      "idempotent replays (committed before the kill, reply lost), %lld writes "
      "given up\n",
      static_cast<long long>(ok_calls + unavailable + other_failed), codes.c_str(),
      static_cast<long long>(l.writes_retried), static_cast<long long>(l.replayed),
      static_cast<long long>(l.abandoned));
  if (!l.first_error.empty()) std::printf("first unexpected reply: %s\n", l.first_error.c_str());
  std::printf("OK call latency (incl. replays): p50 %.1f ms, p99 %.1f ms (n=%zu)\n",
              Percentile(l.ok_ms, 50), Percentile(l.ok_ms, 99), l.ok_ms.size());
  std::printf(
      "acknowledged: %zu RegisterPatient, %zu RecordFollowUp at risk "
      ">= 3 (%lld at risk "
      "4), %zu RaiseAlert severity 4 (%lld replies with unrouted "
      "roles, %lld with 0 "
      "recipients)\n",
      l.patients.size(), l.visits.size(), static_cast<long long>(l.visits_risk4), l.manual.size(),
      static_cast<long long>(l.manual_unrouted), static_cast<long long>(l.manual_zero_recipients));
  std::printf(
      "lost acknowledged writes: %lld of %lld (patients %lld, visits %lld, "
      "manual alerts "
      "%lld); committed but never acknowledged (done twice or given up): %lld "
      "(patients "
      "%lld, visits %lld, manual alerts %lld)\n",
      static_cast<long long>(lost), static_cast<long long>(acked),
      static_cast<long long>(lost_patients), static_cast<long long>(lost_visits),
      static_cast<long long>(lost_manual), static_cast<long long>(extra),
      static_cast<long long>(extra_patients), static_cast<long long>(extra_visits),
      static_cast<long long>(extra_manual));
  auto print_check = [](const char* what, const AlertCheck& a) {
    std::printf(
        "%s: %lld acknowledged; without their alert %lld, with more "
        "than one %lld; "
        "alerts with no recipient %lld, without a police copy %lld, "
        "without a grid "
        "worker copy %lld; %lld copies (%.2f per alert)\n",
        what, static_cast<long long>(a.writes), static_cast<long long>(a.without_alert),
        static_cast<long long>(a.extra_alerts), static_cast<long long>(a.no_recipient),
        static_cast<long long>(a.no_police), static_cast<long long>(a.no_grid),
        static_cast<long long>(a.copies),
        a.writes > a.without_alert
            ? static_cast<double>(a.copies) / static_cast<double>(a.writes - a.without_alert)
            : 0.0);
  };
  print_check("risk >= 3 visits (alert kind 1, source followup:<visit id>)", visits);
  print_check("manual alerts (kind 7)", manual);
  std::printf(
      "all alerts in the database: %lld (%s), %lld of audience full; "
      "with no recipient "
      "%lld; full without a police copy %lld, without a grid worker "
      "copy %lld; clinical "
      "without a doctor %lld\n",
      static_cast<long long>(all_alerts), kinds.c_str(), static_cast<long long>(all_full),
      static_cast<long long>(all_no_recipient), static_cast<long long>(all_no_police),
      static_cast<long long>(all_no_grid), static_cast<long long>(all_clinical_no_doctor));
  std::printf("alert_gap rows: %s\n", gap_line.c_str());
  std::printf(
      "police and grid copies by account: %s; district copies where a "
      "nearer account "
      "existed: %lld\n",
      routed.c_str(), static_cast<long long>(walked_past_nearest));
  std::printf(
      "target: every acknowledged alert reaches a police officer and a grid "
      "worker, no "
      "acknowledged write lost, none done twice, across the kills: %s\n",
      Verdict(met, failures).c_str());
  std::printf("total run time %.0f s\n", Ms(SteadyClock::now() - t_start) / 1000);
  if (failures.any()) return kExitInvalid;
  return met ? 0 : 1;
}

}  // namespace
}  // namespace smd::bench

int main(int argc, char** argv) { return smd::bench::Main(argc, argv); }
