// smd_ha_client: the client side of the high-availability test
// (tests/ha/ha_failover.sh, ctest label `ha`; docs/operations.md "High
// availability and failover").
//
// The script owns the pg_auto_failover monitor, the two data nodes, the
// smd-server processes and haproxy; it kills the primary with kill -9 and later
// runs a planned switchover. Meanwhile this program, through haproxy:
//
//   * writes as the demo psychiatrist from a few threads: RegisterPatient (a
//   share) and
//     RecordFollowUp at risk level 4 (the rest; each raises a HIGH_RISK alert
//     whose copies go to the street's police officer and the community's grid
//     worker). Every write carries an `idempotency-key` and is retried with the
//     same key until it is acknowledged (docs/api.md "Idempotency keys"); every
//     call attempt is logged with its wall-clock start and end and its code;
//   * subscribes to alerts as the demo grid worker (SubscribeAlerts), resuming
//   after the
//     last sequence received whenever the stream ends, and records every
//     message.
//
// The script writes files into --control-dir: `kill` (the wall-clock second of
// the kill -9), `switchover` and `switchover-done` (around `pg_autoctl perform
// switchover`), and `stop`. On `stop` the writers finish the writes in flight,
// the subscriber catches up, and the program checks, as the PostgreSQL
// superuser through the multi-host URI:
//
//   * lost: acknowledged writes whose row is not in the database;
//   * duplicated: rows written by the psychiatrist that no acknowledgement
//   names (a retry
//     that wrote a second time);
//   * alerts: the grid worker's sequenced copies in the database, in order,
//   must be exactly
//     the sequences the subscriber received, in order, each once (a sequence
//     lost or reordered in the failover would make a resuming client skip an
//     alert); every acknowledged risk-4 visit has its alert;
//   * figures: after the kill, the time to the first acknowledged call sent
//   after it
//     ("service back", limit 15 s); around the switchover, the span from the
//     first refused call to the last (limit 2 s), and the longest time without
//     an acknowledgement.
//
// Exit status: 0 every check met, 1 a check failed, 2 setup error, 3 deadline.

#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <algorithm>
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
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "bench/bench_support.h"
#include "smd/v1/alerts.grpc.pb.h"
#include "smd/v1/auth.grpc.pb.h"
#include "smd/v1/followups.grpc.pb.h"
#include "smd/v1/patients.grpc.pb.h"
#include "support/forms.h"
#include "support/synthetic.h"

namespace smd::ha {
namespace {

using bench::Die;
using bench::Ms;
using bench::SteadyClock;

struct Options {
  std::string target;       // haproxy's frontend (host:port)
  std::string super_dsn;    // the multi-host URI, as the superuser, for the reckoning
  std::string control_dir;  // kill, switchover, switchover-done, stop (the script's)
  std::string ca;           // the CA of the servers' certificate (TLS end to end)
  std::string community = "320106001001";
  int threads = 3;
  int rate = 30;          // logical writes started per second, over all threads
  int register_pct = 15;  // share of RegisterPatient; the rest risk-4 visits
  // Above the servers' --db-failover-wait-ms (10 s), as a real client's
  // deadline would be: a call held through a failover completes instead of
  // timing out.
  int call_timeout_ms = 15000;
  int drain_s = 60;
  int deadline_s = 900;
  int service_back_limit_ms = 15000;
  int switchover_refused_limit_ms = 2000;
};

Options ParseOptions(int argc, char** argv) {
  Options o;
  std::map<std::string, std::string*> strings = {{"target", &o.target},
                                                 {"super-dsn", &o.super_dsn},
                                                 {"control-dir", &o.control_dir},
                                                 {"community", &o.community},
                                                 {"ca", &o.ca}};
  std::map<std::string, int*> ints = {
      {"threads", &o.threads},
      {"rate", &o.rate},
      {"register-pct", &o.register_pct},
      {"call-timeout-ms", &o.call_timeout_ms},
      {"drain-s", &o.drain_s},
      {"deadline-s", &o.deadline_s},
      {"service-back-limit-ms", &o.service_back_limit_ms},
      {"switchover-refused-limit-ms", &o.switchover_refused_limit_ms}};
  bench::ParseFlags(argc, argv, strings, ints);
  if (o.target.empty() || o.super_dsn.empty() || o.control_dir.empty() || o.ca.empty()) {
    Die("--target, --super-dsn, --control-dir and --ca are required "
        "(tests/ha/ha_failover.sh)");
  }
  if (o.threads < 1 || o.rate < 1 || o.register_pct > 100) Die("bad options");
  return o;
}

double WallNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string Path(const Options& o, const char* name) { return o.control_dir + "/" + name; }
bool Exists(const std::string& path) { return ::access(path.c_str(), F_OK) == 0; }
// The wall-clock second (with fraction) the script wrote into a control file; 0
// if none.
double ReadTime(const std::string& path) {
  std::ifstream in(path);
  double t = 0;
  if (!(in >> t)) return 0;
  return t;
}

std::string NewKey(std::mt19937_64& rng) { return absl::StrFormat("%016x%016x", rng(), rng()); }

// A synthetic patient of `community`, the n-th of this run. Birth years
// 2008-2011: outside the demo seed's 1950-2003 and the crash check's 2004-2007.
v1::PatientDetails Details(int n, const std::string& community) {
  return testing::SyntheticDetails(n, community, 2008, "切换测试", 6000000);
}

struct Attempt {
  double start, end;  // wall-clock seconds
  grpc::StatusCode code;
};

struct Ledger {
  std::mutex mu;
  std::vector<std::string> patients;  // acknowledged RegisterPatient: patient ids
  std::vector<std::string> visits;    // acknowledged risk-4 RecordFollowUp: visit ids
  std::vector<Attempt> attempts;
  std::map<grpc::StatusCode, int64_t> codes;
  std::map<std::string, int64_t> refusals;  // message of each non-OK reply, counted
  int64_t retried = 0, replayed = 0, abandoned = 0;
  std::string first_unexpected;  // first reply that is neither OK nor a retryable code
};

bool Retryable(grpc::StatusCode c) {
  return c == grpc::StatusCode::UNAVAILABLE || c == grpc::StatusCode::DEADLINE_EXCEEDED ||
         c == grpc::StatusCode::CANCELLED || c == grpc::StatusCode::RESOURCE_EXHAUSTED;
}

std::string g_ca_pem;  // read once in Main

std::shared_ptr<grpc::Channel> Channel(const std::string& target) {
  grpc::ChannelArguments ca;
  // Reconnect quickly: haproxy is always there, but a server behind it may not
  // be.
  ca.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 50);
  ca.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 250);
  grpc::SslCredentialsOptions tls;
  tls.pem_root_certs = g_ca_pem;
  return grpc::CreateCustomChannel(target, grpc::SslCredentials(tls), ca);
}

std::string Login(const std::string& target, const std::string& user, const std::string& pw) {
  auto stub = v1::AuthService::NewStub(Channel(target));
  for (int i = 0; i < 60; ++i) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    ctx.set_wait_for_ready(true);
    v1::LoginRequest req;
    req.set_username(user);
    req.set_password(pw);
    v1::LoginResponse resp;
    const grpc::Status s = stub->Login(&ctx, req, &resp);
    if (s.ok()) return resp.token();
    if (!Retryable(s.error_code())) Die("login " + user + ": " + s.error_message());
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
  }
  Die("login " + user + ": the service did not answer");
}

class Writers {
 public:
  Writers(const Options& o, std::string token)
      : o_(o),
        token_(std::move(token)),
        channel_(Channel(o.target)),
        patients_(v1::PatientService::NewStub(channel_)),
        followups_(v1::FollowUpService::NewStub(channel_)),
        period_(std::chrono::nanoseconds(1'000'000'000LL / o.rate)) {}

  void Start() {
    next_slot_ = SteadyClock::now();
    for (int i = 0; i < o_.threads; ++i) threads_.emplace_back([this, i] { Work(i); });
  }
  void Stop() {
    drain_until_ = SteadyClock::now() + std::chrono::seconds(o_.drain_s);
    stopping_ = true;
    for (auto& t : threads_) t.join();
  }
  Ledger& ledger() { return ledger_; }

 private:
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

  // One logical write, retried with the same key until acknowledged. Retries
  // come every 50 ms (plus jitter), so the refused windows are measured to
  // about that.
  bool Write(std::mt19937_64& rng, const std::function<grpc::Status(grpc::ClientContext*)>& call) {
    const std::string key = NewKey(rng);
    for (int attempt = 0;; ++attempt) {
      grpc::ClientContext ctx;
      ctx.AddMetadata("authorization", "Bearer " + token_);
      ctx.AddMetadata("idempotency-key", key);
      ctx.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::milliseconds(o_.call_timeout_ms));
      const double t0 = WallNow();
      const grpc::Status s = call(&ctx);
      const double t1 = WallNow();
      bool replayed = false;
      if (s.ok()) {
        const auto& tr = ctx.GetServerTrailingMetadata();
        auto it = tr.find("idempotency-replayed");
        replayed = it != tr.end() && it->second == "true";
      }
      {
        std::lock_guard<std::mutex> lock(ledger_.mu);
        ledger_.attempts.push_back({t0, t1, s.error_code()});
        ++ledger_.codes[s.error_code()];
        if (s.ok() && replayed) ++ledger_.replayed;
        if (s.ok() && attempt > 0) ++ledger_.retried;
        if (!s.ok()) {
          ++ledger_.refusals[absl::StrCat("code ", static_cast<int>(s.error_code()), " \"",
                                          s.error_message(), "\"")];
        }
        if (!s.ok() && !Retryable(s.error_code()) && ledger_.first_unexpected.empty()) {
          ledger_.first_unexpected =
              absl::StrCat("code ", static_cast<int>(s.error_code()), ": ", s.error_message());
        }
      }
      if (s.ok()) return true;
      if (!Retryable(s.error_code()) || (stopping_ && SteadyClock::now() > drain_until_)) {
        std::lock_guard<std::mutex> lock(ledger_.mu);
        ++ledger_.abandoned;
        return false;
      }
      std::uniform_int_distribution<int> jitter(0, 25);
      std::this_thread::sleep_for(std::chrono::milliseconds(50 + jitter(rng)));
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
      const std::string patient = PickPatient(rng);
      if (patient.empty() || pct(rng) < o_.register_pct) {
        v1::RegisterPatientRequest req;
        *req.mutable_details() = Details(registered_.fetch_add(1), o_.community);
        v1::Patient resp;
        if (Write(rng, [&](grpc::ClientContext* ctx) {
              return patients_->RegisterPatient(ctx, req, &resp);
            })) {
          std::lock_guard<std::mutex> lock(ledger_.mu);
          ledger_.patients.push_back(resp.patient_id());
        }
      } else {
        v1::RecordFollowUpRequest req;
        req.set_patient_id(patient);
        *req.mutable_form() = testing::Form(testing::D(testing::TodayBeijing()), 4);
        v1::FollowUp resp;
        if (Write(rng, [&](grpc::ClientContext* ctx) {
              return followups_->RecordFollowUp(ctx, req, &resp);
            })) {
          std::lock_guard<std::mutex> lock(ledger_.mu);
          ledger_.visits.push_back(resp.visit_id());
        }
      }
    }
  }

  const Options& o_;
  const std::string token_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::PatientService::Stub> patients_;
  std::unique_ptr<v1::FollowUpService::Stub> followups_;
  const SteadyClock::duration period_;
  std::mutex slot_mu_;
  SteadyClock::time_point next_slot_;
  std::atomic<bool> stopping_{false};
  SteadyClock::time_point drain_until_;
  std::atomic<int> registered_{0};
  std::vector<std::thread> threads_;
  Ledger ledger_;
};

// The grid worker's alert stream, resumed after the last sequence on every
// break.
class Subscriber {
 public:
  Subscriber(const Options& o, std::string token)
      : o_(o), token_(std::move(token)), stub_(v1::AlertService::NewStub(Channel(o.target))) {}

  void Start() {
    thread_ = std::thread([this] { Run(); });
  }
  void Stop() {
    stopping_ = true;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (ctx_ != nullptr) ctx_->TryCancel();
    }
    thread_.join();
  }
  int64_t last() const { return last_.load(); }
  int resumes() const { return resumes_.load(); }
  // (seq, alert id, wall-clock arrival), in arrival order.
  struct Got {
    int64_t seq;
    std::string alert_id;
    double at;
  };
  std::vector<Got> got() {
    std::lock_guard<std::mutex> lock(mu_);
    return got_;
  }

 private:
  void Run() {
    while (!stopping_) {
      grpc::ClientContext ctx;
      ctx.AddMetadata("authorization", "Bearer " + token_);
      ctx.set_wait_for_ready(true);
      {
        std::lock_guard<std::mutex> lock(mu_);
        ctx_ = &ctx;
      }
      v1::SubscribeAlertsRequest req;
      req.set_after(last_.load());
      auto reader = stub_->SubscribeAlerts(&ctx, req);
      v1::AlertMessage m;
      while (reader->Read(&m)) {
        std::lock_guard<std::mutex> lock(mu_);
        got_.push_back({m.seq(), m.alert_id(), WallNow()});
        last_ = std::max(last_.load(), m.seq());
      }
      const grpc::Status s = reader->Finish();
      {
        std::lock_guard<std::mutex> lock(mu_);
        ctx_ = nullptr;
      }
      if (stopping_) break;
      ++resumes_;
      if (s.error_code() == grpc::StatusCode::UNAUTHENTICATED ||
          s.error_code() == grpc::StatusCode::OUT_OF_RANGE) {
        Die("alert stream ended with code " + std::to_string(s.error_code()) + ": " +
            s.error_message());
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  const Options& o_;
  const std::string token_;
  std::unique_ptr<v1::AlertService::Stub> stub_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> last_{0};
  std::atomic<int> resumes_{0};
  std::mutex mu_;
  grpc::ClientContext* ctx_ = nullptr;
  std::vector<Got> got_;
};

std::string ArrayLiteral(const std::vector<std::string>& ids) {
  return "{" + absl::StrJoin(ids, ",") + "}";
}

int64_t Count(pqxx::nontransaction& n, const std::string& sql, const std::string& p1,
              const std::string& p2 = "") {
  if (p2.empty()) return n.exec_params1(sql, p1)[0].as<int64_t>();
  return n.exec_params1(sql, p1, p2)[0].as<int64_t>();
}

// Failed attempts within [from, to] (by their end): the span from the first
// one's start to the last one's end, in ms; and how many there were.
std::pair<double, int> RefusedSpan(const std::vector<Attempt>& all, double from, double to) {
  double first = 0, last = 0;
  int n = 0;
  for (const Attempt& a : all) {
    if (a.code == grpc::StatusCode::OK || a.end < from || a.start > to) continue;
    if (n == 0 || a.start < first) first = a.start;
    last = std::max(last, a.end);
    ++n;
  }
  return {n == 0 ? 0.0 : (last - first) * 1000, n};
}

// The longest time without an acknowledgement within [from, to], in ms.
double LongestAckGap(const std::vector<Attempt>& all, double from, double to) {
  std::vector<double> oks;
  for (const Attempt& a : all) {
    if (a.code == grpc::StatusCode::OK && a.end >= from && a.end <= to) oks.push_back(a.end);
  }
  std::sort(oks.begin(), oks.end());
  double gap = 0;
  double prev = from;
  for (double t : oks) {
    gap = std::max(gap, t - prev);
    prev = t;
  }
  gap = std::max(gap, to - prev);
  return gap * 1000;
}

int Main(int argc, char** argv) {
  bench::SetProgramName("smd_ha_client");
  const Options o = ParseOptions(argc, argv);
  bench::StartWatchdog(o.deadline_s);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  {
    std::ifstream in(o.ca);
    g_ca_pem.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (g_ca_pem.empty()) Die("cannot read --ca " + o.ca);
  }

  const std::string writer_token = Login(o.target, "psychiatrist", "Demo-psych-2026");
  const std::string grid_token = Login(o.target, "grid", "Demo-grid-2026");
  std::string psych_id, grid_id;
  {
    pqxx::connection c(o.super_dsn);
    pqxx::nontransaction n(c);
    psych_id = n.exec1("SELECT id::text FROM app_user WHERE username = 'psychiatrist'")[0]
                   .as<std::string>();
    grid_id = n.exec1("SELECT id::text FROM app_user WHERE username = 'grid'")[0].as<std::string>();
  }
  Subscriber sub(o, grid_token);
  sub.Start();
  Writers writers(o, writer_token);
  writers.Start();
  std::printf(
      "smd_ha_client: %d writes/s from %d threads through %s (%d%% "
      "RegisterPatient, the "
      "rest RecordFollowUp at risk 4 in community %s); alert "
      "subscriber: grid\n",
      o.rate, o.threads, o.target.c_str(), o.register_pct, o.community.c_str());
  { std::ofstream(Path(o, "ready")) << "ready\n"; }
  while (!Exists(Path(o, "stop"))) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  const double stop_at = WallNow();
  writers.Stop();
  Ledger& l = writers.ledger();

  // ---- the reckoning
  // -------------------------------------------------------------------------
  pqxx::connection c(o.super_dsn);
  pqxx::nontransaction n(c);
  // The subscriber catches up with what the database holds for the grid worker.
  const auto db_copies = [&] {
    std::vector<std::pair<int64_t, std::string>> v;
    for (const auto& r : n.exec_params("SELECT seq, alert_id::text FROM alert_recipient WHERE "
                                       "user_id = $1::uuid "
                                       "AND seq IS NOT NULL ORDER BY seq",
                                       grid_id)) {
      v.emplace_back(r[0].as<int64_t>(), r[1].as<std::string>());
    }
    return v;
  };
  const auto unsequenced_now = [&] {
    return Count(n,
                 "SELECT count(*) FROM alert_recipient WHERE user_id = "
                 "$1::uuid AND seq IS NULL",
                 grid_id);
  };
  // Until the sequencer has numbered every copy committed (the last writes'
  // copies are numbered by its next pass) and the subscriber has received up to
  // the last number.
  std::vector<std::pair<int64_t, std::string>> expected = db_copies();
  int64_t unsequenced = unsequenced_now();
  const auto catch_up_until = SteadyClock::now() + std::chrono::seconds(30);
  while (SteadyClock::now() < catch_up_until &&
         (unsequenced > 0 || expected.empty() || sub.last() < expected.back().first)) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    unsequenced = unsequenced_now();
    expected = db_copies();
  }
  sub.Stop();
  const std::vector<Subscriber::Got> got = sub.got();

  const std::string patients_arr = ArrayLiteral(l.patients);
  const std::string visits_arr = ArrayLiteral(l.visits);
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
  // Which ones, to read against both nodes' logs (synthetic test data: ids only).
  std::vector<std::string> lost_ids;
  if (lost_patients + lost_visits > 0) {
    for (const auto& r : n.exec_params(
             "SELECT k.id::text FROM unnest($1::uuid[]) k(id) WHERE NOT EXISTS (SELECT 1 FROM "
             "patient p WHERE p.id = k.id) UNION ALL SELECT k.id::text FROM unnest($2::uuid[]) "
             "k(id) WHERE NOT EXISTS (SELECT 1 FROM followup f WHERE f.visit_id = k.id) LIMIT 10",
             patients_arr, visits_arr)) {
      lost_ids.push_back(r[0].as<std::string>());
    }
  }
  const int64_t dup_patients = Count(n,
                                     "SELECT count(*) FROM patient p WHERE p.registered_by = "
                                     "$2::uuid AND NOT p.id = ANY($1::uuid[])",
                                     patients_arr, psych_id);
  const int64_t dup_visits = Count(n,
                                   "SELECT count(*) FROM followup f WHERE f.author_id = $2::uuid "
                                   "AND f.version = 1 AND NOT f.visit_id = ANY($1::uuid[])",
                                   visits_arr, psych_id);
  const int64_t visits_without_alert =
      Count(n,
            "SELECT count(*) FROM unnest($1::uuid[]) k(id) WHERE NOT EXISTS (SELECT "
            "1 FROM alert "
            "a JOIN alert_recipient r ON r.alert_id = a.id AND r.user_id = $2::uuid "
            "WHERE a.source = 'followup:' || k.id::text AND a.kind = 1)",
            visits_arr, grid_id);

  // Alerts: the received sequence against the database's, exactly.
  int64_t dup_received = 0, out_of_order = 0;
  std::set<int64_t> seen;
  int64_t prev = 0;
  for (const auto& g : got) {
    if (!seen.insert(g.seq).second) ++dup_received;
    if (g.seq <= prev) ++out_of_order;
    prev = std::max(prev, g.seq);
  }
  int64_t missing = 0, wrong_alert = 0;
  std::map<int64_t, std::string> received;
  for (const auto& g : got) received.emplace(g.seq, g.alert_id);
  for (const auto& [seq, alert] : expected) {
    auto it = received.find(seq);
    if (it == received.end()) {
      ++missing;
    } else if (it->second != alert) {
      ++wrong_alert;
    }
  }
  const int64_t unknown =
      static_cast<int64_t>(received.size()) - (static_cast<int64_t>(expected.size()) - missing);

  const double kill_at = ReadTime(Path(o, "kill"));
  const double sw_at = ReadTime(Path(o, "switchover"));
  const double sw_done = ReadTime(Path(o, "switchover-done"));
  bool ok = true;
  auto check = [&ok](bool met, const std::string& what) {
    std::printf("  %-4s %s\n", met ? "ok" : "FAIL", what.c_str());
    if (!met) ok = false;
  };
  std::printf("---- figures\n");
  std::string codes;
  for (const auto& [code, count] : l.codes) {
    absl::StrAppend(&codes, codes.empty() ? "" : ", ", "code ", static_cast<int>(code), ": ",
                    count);
  }
  std::printf(
      "calls: %zu (%s); %lld writes needed a retry; %lld OK replies were "
      "idempotent "
      "replays; %lld writes given up\n",
      l.attempts.size(), codes.c_str(), static_cast<long long>(l.retried),
      static_cast<long long>(l.replayed), static_cast<long long>(l.abandoned));
  if (!l.first_unexpected.empty()) {
    std::printf("first unexpected reply: %s\n", l.first_unexpected.c_str());
  }
  for (const auto& [what, count] : l.refusals) {
    std::printf("refused: %lld x %s\n", static_cast<long long>(count), what.c_str());
  }
  const int64_t acked = static_cast<int64_t>(l.patients.size() + l.visits.size());
  check(l.first_unexpected.empty() && l.abandoned == 0,
        "every write acknowledged in the end, no reply other than OK or a "
        "retryable code");
  check(lost_patients + lost_visits == 0,
        absl::StrFormat("acknowledged writes lost: %d of %d (%d RegisterPatient, %d "
                        "RecordFollowUp)",
                        lost_patients + lost_visits, acked, l.patients.size(), l.visits.size()));
  if (!lost_ids.empty()) std::printf("       lost: %s\n", absl::StrJoin(lost_ids, " ").c_str());
  check(dup_patients + dup_visits == 0,
        absl::StrFormat("writes committed twice or never acknowledged: %d",
                        dup_patients + dup_visits));
  check(visits_without_alert == 0,
        absl::StrFormat("acknowledged risk-4 visits without the grid worker's alert: %d",
                        visits_without_alert));
  int64_t after_kill = 0;
  for (const auto& g : got) after_kill += kill_at > 0 && g.at > kill_at ? 1 : 0;
  check(missing == 0 && dup_received == 0 && out_of_order == 0 && wrong_alert == 0 &&
            unknown == 0 && unsequenced == 0 && !expected.empty(),
        absl::StrFormat("alerts: the grid worker's %d sequenced copies "
                        "received exactly once, in "
                        "order (%d of them after the kill; missing %d, twice "
                        "%d, out of order "
                        "%d, other alert %d, not in the database %d, left "
                        "unsequenced %d; the "
                        "stream resumed %d times)",
                        expected.size(), after_kill, missing, dup_received, out_of_order,
                        wrong_alert, unknown, unsequenced, sub.resumes()));
  if (kill_at > 0) {
    // Until the switchover (or the stop): the failover's window.
    const double window_end = sw_at > 0 ? sw_at : stop_at;
    double first_ok = -1;
    for (const Attempt& a : l.attempts) {
      if (a.code == grpc::StatusCode::OK && a.start >= kill_at &&
          (first_ok < 0 || a.end - kill_at < first_ok)) {
        first_ok = a.end - kill_at;
      }
    }
    const auto [span, refused] = RefusedSpan(l.attempts, kill_at, window_end);
    double last_refused = 0;
    for (const Attempt& a : l.attempts) {
      if (a.code != grpc::StatusCode::OK && a.end >= kill_at && a.start <= window_end) {
        last_refused = std::max(last_refused, a.end - kill_at);
      }
    }
    // Back = the first acknowledgement of a call sent after the kill, and no
    // refusal after it.
    const double back = first_ok < 0 ? -1 : std::max(first_ok, last_refused);
    const double gap = LongestAckGap(l.attempts, kill_at, window_end);
    check(
        back >= 0 && back * 1000 <= o.service_back_limit_ms,
        absl::StrFormat("failover (kill -9 of the primary): service back after %.2f s "
                        "(limit "
                        "%.0f s: the first acknowledgement of a call sent after the kill, "
                        "and "
                        "no refusal after it); %d calls refused over %.2f s; longest time "
                        "without an acknowledged write %.2f s",
                        back, o.service_back_limit_ms / 1000.0, refused, span / 1000, gap / 1000));
  } else {
    check(false, "no kill recorded by the script");
  }
  if (sw_at > 0 && sw_done > 0) {
    const auto [span, refused] = RefusedSpan(l.attempts, sw_at, sw_done + 5);
    const double gap = LongestAckGap(l.attempts, sw_at, sw_done + 5);
    check(span <= o.switchover_refused_limit_ms,
          absl::StrFormat("planned switchover (%.2f s for pg_autoctl perform "
                          "switchover): writes "
                          "refused over %.2f s (%d calls; limit %.1f s); "
                          "longest time without an "
                          "acknowledged write %.2f s",
                          sw_done - sw_at, span / 1000, refused,
                          o.switchover_refused_limit_ms / 1000.0, gap / 1000));
  } else {
    std::printf("  --   no switchover in this run\n");
  }
  std::vector<double> lat;
  for (const Attempt& a : l.attempts) {
    if (a.code == grpc::StatusCode::OK) lat.push_back((a.end - a.start) * 1000);
  }
  std::printf(
      "OK call latency p50 %.1f ms, p99 %.1f ms (n=%zu); run %.0f s; load "
      "average %s\n",
      bench::Percentile(lat, 50), bench::Percentile(lat, 99), lat.size(),
      stop_at - (l.attempts.empty() ? stop_at : l.attempts.front().start),
      bench::LoadAvg().c_str());
  std::printf("%s\n", ok ? "PASS" : "FAILED");
  return ok ? 0 : 1;
}

}  // namespace
}  // namespace smd::ha

int main(int argc, char** argv) { return smd::ha::Main(argc, argv); }
