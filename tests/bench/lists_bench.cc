// smd_bench_lists: the lists a doctor opens every day, at province scale (issue 17 item 5).
// Generates a province's register (default 400,000 patients; SMD_BENCH_PATIENTS or
// --patients shrinks it) spread at random (evenly on average) over --districts districts of 13
// streets x 3 communities each (the demo district 320106 is one of them), each patient with the
// follow-up schedule its visits would have left (last class, next due date, last valid
// visit, discharges), then times the calls behind the worklists (ListWorklist: every kind,
// overdue, due within 7 days, unstable not seen, discharged not seen, 2-week reviews;
// ListTeamGaps), SearchPatients (by name, by ID number, and the plain register listing),
// ListTransfers (200,000 transfers over the province; the community doctor only, as the
// psychiatrist's role does not move patients) and ListMetricPatients (today's 管理率,
// missing, from the kept states: the demo district's built by the server's build step, the
// others copied) for the demo community doctor (street 320106001) and the demo
// district psychiatrist (320106): the first page and a page reached by following five
// next_page_tokens. Prints p50/p99 per list with MET / NOT MET against p99 <= 50 ms.
//
// The rows are what the server writes: patients encrypted and blind-indexed by
// PatientRepository::CopyValues, COPYed as the superuser (COPY, like the import's staging
// table, is not run under row-level security), schedules as ComputeSchedule would leave
// them after the visits (the lists read the schedule, not the visit forms). The server is
// started before the load, so its metric figures are those of an empty register (the lists
// do not read them).
//
// Run through tests/bench/run_lists_bench.sh. Not a test: never registered with ctest.

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <pqxx/pqxx>

#include <cstdio>
#include <cstdlib>
#include <future>
#include <map>
#include <random>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "bench/bench_support.h"
#include "bench/verdict.h"
#include "common/clock.h"
#include "common/parallel.h"
#include "common/status_macros.h"
#include "crypto/encoding.h"
#include "crypto/field_cipher.h"
#include "crypto/random.h"
#include "runtime/server.h"
#include "runtime/wiring.h"
#include "smd/v1/alerts.grpc.pb.h"
#include "smd/v1/auth.grpc.pb.h"
#include "smd/v1/followups.grpc.pb.h"
#include "smd/v1/metrics.grpc.pb.h"
#include "smd/v1/patients.grpc.pb.h"
#include "store/db.h"
#include "store/metric_repository.h"
#include "store/patient_repository.h"
#include "store/scope.h"
#include "store/statements.h"
#include "support/synthetic.h"

namespace smd::bench {
namespace {

struct Options {
  int patients = 400000;
  int districts = 100;
  int calls = 200;  // timed calls per list and user
  int deadline_s = 1500;
  int explain = 0;  // 1: print the plans of the list statements as the app role
};

constexpr double kTargetP99Ms = 50;
constexpr char kDemoDistrict[] = "320106";

template <size_t... I>
auto Tie(const std::vector<std::optional<std::string>>& v, std::index_sequence<I...>) {
  return std::tie(v[I]...);
}

// Surname x given name: 8,000 names, each held by about 50 patients across the province,
// as common names repeat.
std::string NameOf(int i) {
  static const char* kSur[] = {"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周",
                               "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗"};
  static const char* kGiven[] = {"伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋",
                                 "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞", "平"};
  const int k = static_cast<int>((static_cast<int64_t>(i) * 7919) % 8000);  // 8000 names
  return absl::StrCat(kSur[k % 20], kGiven[(k / 20) % 20], "合", k / 400);
}

std::string Login(v1::AuthService::Stub* auth, const std::string& user, const std::string& pw) {
  grpc::ClientContext ctx;
  v1::LoginRequest req;
  req.set_username(user);
  req.set_password(pw);
  v1::LoginResponse resp;
  grpc::Status s = auth->Login(&ctx, req, &resp);
  if (!s.ok()) Die("login " + user + ": " + s.error_message());
  return resp.token();
}

struct Timing {
  std::vector<double> ms;
  std::vector<double> floor_ms;  // an empty gRPC call after each timed call
  int64_t failures = 0;
  int rows = 0;  // rows on the last page
};

int Main(int argc, char** argv) {
  SetProgramName("smd_bench_lists");
  Options o;
  if (const char* env = std::getenv("SMD_BENCH_PATIENTS")) {
    if (!absl::SimpleAtoi(env, &o.patients) || o.patients < 1000) Die("bad SMD_BENCH_PATIENTS");
  }
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto eq = a.find('=');
    int* target = nullptr;
    if (a.rfind("--patients=", 0) == 0) target = &o.patients;
    if (a.rfind("--districts=", 0) == 0) target = &o.districts;
    if (a.rfind("--calls=", 0) == 0) target = &o.calls;
    if (a.rfind("--deadline-s=", 0) == 0) target = &o.deadline_s;
    if (a.rfind("--explain=", 0) == 0) target = &o.explain;
    if (target == nullptr || !absl::SimpleAtoi(a.substr(eq + 1), target)) Die("bad argument " + a);
  }
  if (o.districts < 1 || o.districts > 100) Die("--districts must be 1..100");
  const Env env = GetEnv();
  StartWatchdog(o.deadline_s);
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  std::printf("smd_bench_lists: %d patients over %d districts (13 streets x 3 communities each), "
              "%d timed calls per list\n",
              o.patients, o.districts, o.calls);
  std::printf("machine: %u CPUs (nproc), %s; load average at start %s\n",
              std::thread::hardware_concurrency(), CpuModel().c_str(), LoadAvg().c_str());
  char tmpl[] = "/tmp/smd-bench-XXXXXX";
  if (::mkdtemp(tmpl) == nullptr) Die("mkdtemp failed");
  const runtime::Config config = PrepareDatabase(env, tmpl, 0, 0, 500);  // the server's pool size
  const std::string super_db = env.Dsn(env.super, env.db);

  // ---- the province's regions: the demo district and synthetic ones -----------------------
  // Synthetic districts 3299NN (no city row needed: a district may stand without a parent),
  // each with 13 streets of 3 communities, as the demo district has.
  Exec(super_db, absl::StrFormat(
                     "INSERT INTO region (code, name, level, parent_code, updated_at) "
                     "SELECT '3299' || lpad(d::text, 2, '0'), '合成区' || d, 1, NULL, now() "
                     "FROM generate_series(1, %d) d", o.districts - 1));
  Exec(super_db,
       "INSERT INTO region (code, name, level, parent_code, updated_at) "
       "SELECT r.code || lpad(s::text, 3, '0'), '合成街道' || s, 2, r.code, now() "
       "FROM region r, generate_series(1, 13) s WHERE r.code LIKE '3299%' AND r.level = 1");
  Exec(super_db,
       "INSERT INTO region (code, name, level, parent_code, updated_at) "
       "SELECT r.code || lpad(c::text, 3, '0'), '合成社区' || c, 3, r.code, now() "
       "FROM region r, generate_series(1, 3) c WHERE r.code LIKE '3299%' AND r.level = 2");
  std::vector<std::string> communities;
  std::string doctor_id;
  {
    pqxx::connection c(super_db);
    pqxx::nontransaction n(c);
    for (const auto& r : n.exec("SELECT code FROM region WHERE char_length(code) = 12 AND "
                                "(code LIKE '3299%' OR code LIKE '320106%') ORDER BY code")) {
      communities.push_back(r[0].as<std::string>());
    }
    doctor_id = n.exec1("SELECT id::text FROM app_user WHERE username = 'doctor'")[0]
                    .as<std::string>();
  }

  // ---- the server first (its metric figures are built on the empty register) --------------
  auto started = runtime::Server::Start(config, common::SystemClock::Get());
  if (!started.ok()) Die("server: " + started.status().ToString());
  std::unique_ptr<runtime::Server> server = std::move(*started);

  // ---- the register ---------------------------------------------------------------------
  auto core = runtime::Core::Open(config, common::SystemClock::Get());
  if (!core.ok()) Die("core: " + core.status().ToString());
  store::PatientRepository& repo = (*core)->patients;
  const absl::TimeZone beijing = absl::FixedTimeZone(8 * 3600);
  const absl::CivilDay today = absl::ToCivilDay(absl::Now(), beijing);
  auto t_gen = SteadyClock::now();
  std::vector<store::PatientRepository::RowValues> rows(o.patients);
  std::vector<std::string> ids(o.patients), id_numbers(o.patients), names(o.patients);
  std::vector<std::string> jurisdictions(o.patients);
  for (int i = 0; i < o.patients; ++i) ids[i] = crypto::NewUuid();
  common::ParallelFor(o.patients, common::CpuWorkers(), 1000, [&](size_t b, size_t e) {
    for (size_t k = b; k < e; ++k) {
      const int i = static_cast<int>(k);
      domain::Patient p;
      p.id = ids[i];
      // Mixed, so that a community's patients are not all of one class or status (the
      // class and status below go by i).
      uint64_t x = static_cast<uint64_t>(i) + 0x9e3779b97f4a7c15ULL;
      x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
      x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
      p.jurisdiction = communities[(x ^ (x >> 31)) % communities.size()];
      const absl::CivilDay birth = absl::CivilDay(1950, 1, 1) + (i / 1000) * 30;
      p.id_number = testing::SyntheticIdNumber(birth, i % 1000, p.jurisdiction.substr(0, 6));
      p.birth_date = birth;
      p.sex = ((p.id_number[16] - '0') % 2 == 1) ? domain::Sex::kMale : domain::Sex::kFemale;
      p.name = NameOf(i);
      p.phone = testing::UndiallablePhone(i);
      p.address = absl::StrFormat("合成路%d号", i % 999 + 1);
      p.guardian = {absl::StrFormat("监护人%06d", i), "父母", p.address,
                    testing::UndiallablePhone(i * 7)};
      p.consent = true;
      const absl::CivilDay reg = absl::CivilDay(2012, 1, 1) + static_cast<int>((i * 37) % 5000);
      p.consent_date = reg;
      p.consent_signer = "监护人";
      p.diagnosis = domain::DiagnosisCategory::kSchizophrenia;
      p.icd10 = "F20.0";
      p.past_lockup = domain::LockupStatus::kNone;
      p.outpatient = domain::OutpatientHistory::kContinuous;
      p.economic = domain::EconomicStatus::kNotPoor;
      // 4% closed (deceased): they are on no worklist but are still found by a search.
      p.status = i % 25 == 0 ? domain::PatientStatus::kDeceased : domain::PatientStatus::kActive;
      if (i % 25 == 0) {
        p.closed_date = today - (i % 300);
        p.death_cause = 1;
      }
      p.risk_level = i % 10 < 7 ? 0 : i % 10 - 6;
      p.classification = i % 20 == 0 ? 1 : (i % 5 == 0 ? 2 : 3);
      p.version = 1;
      p.registered_by = doctor_id;
      p.registered_at = absl::FromCivil(absl::CivilSecond(reg.year(), reg.month(), reg.day(), 12),
                                        beijing);
      p.updated_at = p.registered_at;
      auto v = repo.CopyValues(p);
      if (!v.ok()) Die("patient row: " + v.status().ToString());
      rows[i] = std::move(*v);
      id_numbers[i] = p.id_number;
      names[i] = p.name;
      jurisdictions[i] = p.jurisdiction;
    }
  });
  std::printf("generated %d patients (encrypted and indexed) in %.1f s\n", o.patients,
              Ms(SteadyClock::now() - t_gen) / 1000);
  auto t_load = SteadyClock::now();
  {
    pqxx::connection c(super_db);
    pqxx::work w(c);
    static const std::vector<std::string> cols = {
        "id", "id_number_enc", "id_number_index", "name_enc", "name_index", "phone_enc",
        "address_enc", "guardian_name_enc", "guardian_address_enc", "guardian_phone_enc",
        "guardian_relationship", "sex", "birth_date", "jurisdiction", "community_contact_name",
        "community_contact_phone", "consent", "consent_date", "consent_signer", "diagnosis",
        "icd10", "diagnosing_hospital", "diagnosis_date", "onset_year", "onset_month",
        "onset_day", "past_symptoms", "past_symptoms_other", "past_lockup", "outpatient",
        "first_antipsychotic_date", "hospitalizations", "last_treatment_effect",
        "past_minor_trouble", "past_trouble", "past_accident", "past_other_harm",
        "past_self_harm", "past_attempted_suicide", "economic", "specialist_opinion",
        "poverty_relief", "guardianship_subsidy", "disability_certificate", "community_rehab",
        "status", "risk_level", "classification", "closed_date", "close_reason", "death_cause",
        "transfer_to", "version", "registered_at", "registered_by", "updated_at", "enc_version",
        "index_key_id"};
    constexpr size_t kWidth = 58;
    if (cols.size() != kWidth) Die("column list");
    {
      pqxx::stream_to copy(w, "patient", cols);
      for (const auto& r : rows) {
        if (r.size() != kWidth) Die("row width");
        copy << Tie(r, std::make_index_sequence<kWidth>());
      }
      copy.complete();
    }
    rows.clear();
    rows.shrink_to_fit();
    // The schedule the visits would have left (domain::ComputeSchedule): stable patients
    // every 3 months, basically stable every month (some on a 2-week review), unstable every
    // 2 weeks; one in ten not yet seen under this system (first visit due); 1% discharged
    // and not seen since. Due dates spread around today, so each list has its share.
    {
      pqxx::stream_to copy(w, "patient_schedule",
                           std::vector<std::string>{"patient_id", "next_due", "due_kind",
                                                    "last_visit", "last_valid_visit",
                                                    "last_class", "trailing_failed",
                                                    "discharged_on", "first_due", "updated_at"});
      std::mt19937_64 rng(20261207);
      const std::string stamp = absl::FormatTime("%Y-%m-%d %H:%M:%S+00", absl::Now(),
                                                 absl::UTCTimeZone());
      for (int i = 0; i < o.patients; ++i) {
        const int cls = i % 20 == 0 ? 1 : (i % 5 == 0 ? 2 : 3);
        const bool fresh = i % 10 == 3;
        const int period = cls == 1 ? 14 : cls == 2 ? 30 : 90;
        const int since = static_cast<int>(rng() % (period + period / 2));  // days since visit
        const absl::CivilDay last = today - since;
        const absl::CivilDay due = fresh ? today + static_cast<int>(rng() % 28) - 14
                                         : last + period;
        const int kind = fresh ? 4 : (cls == 2 && i % 3 == 0 ? 2 : 1);
        auto day = [](absl::CivilDay d) { return absl::FormatCivilTime(d); };
        std::optional<std::string> last_s, discharged, first;
        if (!fresh) last_s = day(last);
        if (i % 100 == 7) discharged = day(today - static_cast<int>(rng() % 30));
        if (fresh) first = day(due);
        copy << std::make_tuple(ids[i], day(due), kind, last_s, last_s, fresh ? 0 : cls, 0,
                                discharged, first, stamp);
      }
      copy.complete();
    }
    // The transfers of about ten years (ListTransfers): one per two patients, between random
    // communities of the province, requested at random times, 2% still pending, the rest
    // accepted (the patient kept where the register put it: the lists read the transfer
    // rows, not the patients). Texts sealed as PatientRepository seals them (AAD
    // "patient_transfer.<column>:<transfer id>"), so that every row decrypts.
    {
      crypto::FieldCipher cipher((*core)->keys);
      pqxx::stream_to copy(
          w, "patient_transfer",
          std::vector<std::string>{"id", "patient_id", "from_jurisdiction", "to_jurisdiction",
                                   "status", "reason_enc", "decision_note_enc", "requested_by",
                                   "requested_at", "decided_by", "decided_at"});
      std::mt19937_64 rng(20261208);
      auto seal = [&](const std::string& id, const char* column, const std::string& text) {
        auto b = cipher.Encrypt(text, absl::StrCat("patient_transfer.", column, ":", id));
        if (!b.ok()) Die("seal transfer");
        return absl::StrCat("\\x", crypto::HexEncode(*b));
      };
      const absl::Time now = absl::Now();
      for (int k = 0; k < o.patients / 2; ++k) {
        const std::string id = crypto::NewUuid();
        const bool pending = k % 50 == 0;
        const absl::Time at = now - absl::Seconds(static_cast<int64_t>(rng() % (3650LL * 86400)));
        const auto fmt = [](absl::Time t) {
          return absl::FormatTime("%Y-%m-%d %H:%M:%E6S+00", t, absl::UTCTimeZone());
        };
        std::optional<std::string> note, decided_by, decided_at;
        if (!pending) {
          note = seal(id, "decision_note_enc", "已接收");
          decided_by = doctor_id;
          decided_at = fmt(at + absl::Hours(24));
        }
        copy << std::make_tuple(
            id, ids[rng() % ids.size()], communities[rng() % communities.size()],
            communities[rng() % communities.size()], pending ? 1 : 2,
            seal(id, "reason_enc", "随家属迁居"), note, doctor_id, fmt(at), decided_by, decided_at);
      }
      copy.complete();
    }
    w.commit();
  }
  // VACUUM as well as ANALYZE: a register loaded long ago has been vacuumed by autovacuum
  // (which would otherwise start on the freshly COPYed tables in the middle of the
  // timings), so its visibility map is set and index-only scans skip the heap where no
  // row changed since. Rows changed since the last vacuum are read from the heap, which
  // the lists handle too (the plans are the same).
  // Today's kept figures (ListMetricPatients reads them): the server built the set on the
  // empty register at its start; the demo district's states are now built by the server's
  // own build step (store::metric_repo::BuildPatients, as MetricUseCases::BuildSet runs it),
  // and every other district's patients get a copy of one of those states (the same
  // statuses: no patient here has a visit record), written as the superuser without the
  // per-row triggers, so that the table holds the province's 400,000 states.
  const domain::FigureSet today_set = domain::FigureSet::Day(today);
  {
    auto t_states = SteadyClock::now();
    for (int tries = 0;; ++tries) {
      if (Value(super_db, absl::StrCat("SELECT count(*) FROM metric_set WHERE set_key = ",
                                       today_set.Key(), " AND built_at IS NOT NULL")) == "1") {
        break;
      }
      if (tries > 600) Die("today's figures were not built");
      absl::SleepFor(absl::Milliseconds(100));
    }
    std::vector<std::string> demo;
    absl::Status st = (*core)->db->InTransaction([&](store::Tx& tx) -> absl::Status {
      RETURN_IF_ERROR(store::SetScope(tx, kDemoDistrict));
      ASSIGN_OR_RETURN(demo, store::metric_repo::PatientsIn(tx, kDemoDistrict));
      return absl::OkStatus();
    });
    if (!st.ok()) Die("demo patients: " + st.ToString());
    for (size_t b = 0; b < demo.size(); b += 100) {
      const std::vector<std::string> step(
          demo.begin() + static_cast<std::ptrdiff_t>(b),
          demo.begin() + static_cast<std::ptrdiff_t>(std::min(demo.size(), b + 100)));
      st = (*core)->db->InTransaction([&](store::Tx& tx) -> absl::Status {
        RETURN_IF_ERROR(store::SetScope(tx, kDemoDistrict));
        return store::metric_repo::BuildPatients(tx, today_set, kDemoDistrict, step).status();
      });
      if (!st.ok()) Die("build step: " + st.ToString());
    }
    Exec(super_db,
         absl::StrCat(
             "SET session_replication_role = replica; "
             "INSERT INTO metric_state (patient_id, set_key, masks, communities, "
             "patient_jurisdiction, patient_transfer_to) SELECT p.id, s.set_key, s.masks, "
             "ARRAY[CASE WHEN s.masks[1] = 0 THEN '' ELSE p.jurisdiction END], p.jurisdiction, "
             "p.transfer_to FROM patient p, (SELECT set_key, masks FROM metric_state WHERE "
             "set_key = ",
             today_set.Key(),
             " AND patient_jurisdiction LIKE '320106%' "
             "ORDER BY masks[1] DESC LIMIT 1) s WHERE p.jurisdiction NOT LIKE '320106%'"));
    std::printf(
        "today's metric states: the demo district's %zu built, the others copied, in "
        "%.1f s\n",
        demo.size(), Ms(SteadyClock::now() - t_states) / 1000);
  }
  Exec(super_db, "VACUUM ANALYZE");
  std::printf("loaded by COPY and vacuumed in %.1f s: %s patients, %s schedules\n",
              Ms(SteadyClock::now() - t_load) / 1000,
              Value(super_db, "SELECT count(*) FROM patient").c_str(),
              Value(super_db, "SELECT count(*) FROM patient_schedule").c_str());

  // ---- the plans, as the app role under each user's scope ---------------------------------
  // The server's own named statements (store::AllStatements: the worklists and the team
  // gaps), planned generically as a prepared statement is after its first executions, and
  // the register's two-step shape of PatientRepository::Search (sent unnamed, so planned
  // with its values), with the values the calls below send. Printed with --explain.
  if (o.explain != 0) {
    std::map<std::string, std::string> named;
    for (const store::Statement& st : store::AllStatements()) named[st.name] = st.sql;
    for (const std::string& scope : {std::string("320106001"), std::string(kDemoDistrict)}) {
      pqxx::connection c(super_db);
      pqxx::work w(c);
      w.exec("SET LOCAL ROLE smd_app");
      w.exec("SET LOCAL search_path = pg_catalog, public");
      w.exec("SET LOCAL plan_cache_mode = force_generic_plan");
      w.exec_params("SELECT set_config('smd.scope', $1, true)", scope);
      const std::string today_s = absl::FormatCivilTime(today);
      w.exec("PREPARE wl AS " + named.at("worklist.overdue"));
      w.exec("PREPARE gaps AS " + named.at("careteam.gaps"));
      w.exec("PREPARE soon AS " + named.at("worklist.due_soon"));
      w.exec("PREPARE tl AS " + named.at("transfer.list"));
      const std::vector<std::pair<std::string, std::string>> statements = {
          {"worklist overdue (worklist.overdue, generic plan)",
           "EXECUTE wl('" + scope + "', '" + today_s + "', 7, NULL, NULL, NULL, 51)"},
          {"worklist due within 7 days (worklist.due_soon, generic plan)",
           "EXECUTE soon('" + scope + "', '" + today_s + "', 7, NULL, NULL, NULL, 51)"},
          {"transfers (transfer.list, generic plan)",
           "EXECUTE tl(false, NULL, NULL, 51, '" + scope + "')"},
          {"team gaps (careteam.gaps, generic plan)",
           "EXECUTE gaps('" + scope + "', '{1,2,3}', NULL, 51)"},
          {"search, the register (PatientRepository::Search's shape)",
           "SELECT * FROM patient JOIN (SELECT id AS k_id, registered_at AS k_at FROM patient "
           "WHERE starts_with(jurisdiction, '" +
               scope +
               "') ORDER BY registered_at, id "
               "LIMIT 51) k ON k.k_id = patient.id ORDER BY k.k_at, k.k_id"},
      };
      for (const auto& [label, sql] : statements) {
        std::printf("\n[explain] %s, scope %s, as smd_app:\n", label.c_str(), scope.c_str());
        for (const auto& r : w.exec("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF) " + sql)) {
          std::printf("  %s\n", r[0].c_str());
        }
        // The same statement without row-level security (the superuser).
        w.exec("SET LOCAL ROLE NONE");
        for (const auto& r : w.exec("EXPLAIN (ANALYZE, COSTS OFF) " + sql)) {
          const std::string line = r[0].c_str();
          if (line.find("Execution Time") != std::string::npos) {
            std::printf("  the same as the superuser (no row-level security): %s\n",
                        line.c_str());
          }
        }
        w.exec("SET LOCAL ROLE smd_app");
      }
    }
  }

  // ---- the calls --------------------------------------------------------------------------
  auto channel = grpc::CreateChannel(absl::StrFormat("127.0.0.1:%d", server->port()),
                                     grpc::InsecureChannelCredentials());
  auto auth = v1::AuthService::NewStub(channel);
  auto patients = v1::PatientService::NewStub(channel);
  auto followups = v1::FollowUpService::NewStub(channel);
  auto teams = v1::CareTeamService::NewStub(channel);
  auto metrics = v1::MetricsService::NewStub(channel);
  struct User {
    const char* label;
    const char* name;
    const char* password;
    std::string scope;
    std::string token;
  };
  std::vector<User> users = {
      {"community doctor (street 320106001)", "doctor", "Demo-doctor-2026", "320106001", ""},
      {"district psychiatrist (district 320106)", "psychiatrist", "Demo-psych-2026", kDemoDistrict,
       ""},
  };
  for (User& u : users) u.token = Login(auth.get(), u.name, u.password);

  // Patients inside each user's scope, to search for (names held there; ID numbers there).
  std::map<std::string, std::vector<int>> in_scope;
  for (const User& u : users) {
    for (int i = 0; i < o.patients; ++i) {
      if (jurisdictions[i].rfind(u.scope, 0) == 0) in_scope[u.scope].push_back(i);
    }
  }

  struct List {
    const char* label;
    bool street_only;  // a call the district psychiatrist's role may not make
    // Issues the call for the page_token; returns the next token; false on failure.
    std::function<bool(const User&, int call, const std::string& token, std::string* next,
                       int* rows)>
        call;
  };
  auto ctx_for = [](const User& u, grpc::ClientContext& ctx) {
    ctx.AddMetadata("authorization", "Bearer " + u.token);
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  };
  auto worklist = [&](v1::WorklistKind kind) {
    return [&, kind](const User& u, int, const std::string& token, std::string* next,
                     int* n) {
      grpc::ClientContext ctx;
      ctx_for(u, ctx);
      v1::ListWorklistRequest req;
      req.set_kind(kind);
      req.mutable_page()->set_page_token(token);
      v1::ListWorklistResponse resp;
      if (!followups->ListWorklist(&ctx, req, &resp).ok()) return false;
      *next = resp.next_page_token();
      *n = resp.items_size();
      return true;
    };
  };
  auto team_gaps = [&](const User& u, int, const std::string& token, std::string* next,
                       int* n) {
    grpc::ClientContext ctx;
    ctx_for(u, ctx);
    v1::ListTeamGapsRequest req;
    req.mutable_page()->set_page_token(token);
    v1::ListTeamGapsResponse resp;
    if (!teams->ListTeamGaps(&ctx, req, &resp).ok()) return false;
    *next = resp.next_page_token();
    *n = resp.gaps_size();
    return true;
  };
  auto search = [&](int what) {
    return [&, what](const User& u, int call, const std::string& token, std::string* next,
                     int* n) {
      grpc::ClientContext ctx;
      ctx_for(u, ctx);
      v1::SearchPatientsRequest req;
      const std::vector<int>& mine = in_scope[u.scope];
      const int i = mine[(static_cast<size_t>(call) * 104729) % mine.size()];
      if (what == 1) req.set_name(names[i]);
      if (what == 2) req.set_id_number(id_numbers[i]);
      req.mutable_page()->set_page_token(token);
      v1::SearchPatientsResponse resp;
      if (!patients->SearchPatients(&ctx, req, &resp).ok()) return false;
      *next = resp.next_page_token();
      *n = resp.patients_size();
      return what == 0 || resp.patients_size() >= 1;
    };
  };
  // ListTransfers (the community doctor's: the psychiatrist's role does not move patients).
  auto transfers = [&](const User& u, int, const std::string& token, std::string* next, int* n) {
    grpc::ClientContext ctx;
    ctx_for(u, ctx);
    v1::ListTransfersRequest req;
    req.mutable_page()->set_page_token(token);
    v1::ListTransfersResponse resp;
    if (!patients->ListTransfers(&ctx, req, &resp).ok()) return false;
    *next = resp.next_page_token();
    *n = resp.transfers_size();
    return resp.unreadable_count() == 0;
  };
  // ListMetricPatients: the patients missing from today's 管理率 in the user's jurisdiction,
  // from the kept states.
  auto metric_patients = [&](const User& u, int, const std::string& token, std::string* next,
                             int* n) {
    grpc::ClientContext ctx;
    ctx_for(u, ctx);
    v1::ListMetricPatientsRequest req;
    req.set_region(u.scope);
    req.mutable_period()->set_year(static_cast<int>(today.year()));
    req.mutable_period()->mutable_as_of()->set_year(static_cast<int>(today.year()));
    req.mutable_period()->mutable_as_of()->set_month(today.month());
    req.mutable_period()->mutable_as_of()->set_day(today.day());
    req.set_indicator("management_rate");
    req.set_missing(true);
    req.mutable_page()->set_page_token(token);
    v1::ListMetricPatientsResponse resp;
    if (!metrics->ListMetricPatients(&ctx, req, &resp).ok()) return false;
    *next = resp.next_page_token();
    *n = resp.patients_size();
    return resp.source() == "rollup";  // from the kept states, not recomputed
  };
  std::vector<List> lists = {
      {"ListWorklist overdue", false, worklist(v1::WORKLIST_OVERDUE)},
      {"ListWorklist due within 7 days", false, worklist(v1::WORKLIST_DUE_SOON)},
      {"ListWorklist unstable not seen", false, worklist(v1::WORKLIST_UNSTABLE_NOT_SEEN)},
      {"ListWorklist discharged not seen", false, worklist(v1::WORKLIST_DISCHARGED_NOT_SEEN)},
      {"ListWorklist 2-week reviews", false, worklist(v1::WORKLIST_TWO_WEEK_REVIEW)},
      {"ListTeamGaps", false, team_gaps},
      {"SearchPatients by name", false, search(1)},
      {"SearchPatients by ID number", false, search(2)},
      {"SearchPatients, the register (no filter)", false, search(0)},
      {"ListTransfers", true, transfers},
      {"ListMetricPatients, management_rate missing", false, metric_patients},
  };

  // The floor, measured beside each timed call (the machine's load changes from minute to
  // minute, so a floor measured once would not describe a list timed ten minutes later):
  // an empty gRPC call (grpc.health.v1.Health/Check: no session, no database) to the same
  // server over the same channel.
  grpc::GenericStub generic(channel);
  auto empty_call_ms = [&generic]() {
    grpc::Slice empty("");
    const grpc::ByteBuffer req(&empty, 1);
    grpc::ClientContext ctx;
    grpc::ByteBuffer resp;
    std::promise<grpc::Status> done;
    const auto t0 = SteadyClock::now();
    generic.UnaryCall(&ctx, "/grpc.health.v1.Health/Check", grpc::StubOptions(), &req, &resp,
                      [&](grpc::Status s) { done.set_value(s); });
    grpc::Status s = done.get_future().get();
    if (!s.ok()) Die("health: " + s.error_message());
    return Ms(SteadyClock::now() - t0);
  };

  RunFailures failures;
  bool all_met = true;
  std::printf("\n%-44s %-42s %8s %9s %9s %6s %-13s %s\n", "list", "user", "page", "p50 ms",
              "p99 ms", "rows", "p99 <= 50 ms", "empty call p50/p99 ms (load)");
  for (const List& l : lists) {
    for (const User& u : users) {
      if (l.street_only && &u != &users.front()) continue;
      for (int depth : {1, 6}) {
        Timing t;
        for (int c = -5; c < o.calls; ++c) {  // 5 warm-up calls
          std::string token, next;
          int n = 0;
          // Pages before the one timed (keyset: each page starts after the last row).
          bool ok = true;
          for (int d = 1; d < depth && ok; ++d) {
            ok = l.call(u, c, token, &next, &n);
            token = next;
            if (token.empty()) break;
          }
          if (depth > 1 && token.empty()) break;  // fewer pages than that
          const auto t0 = SteadyClock::now();
          ok = ok && l.call(u, c, token, &next, &n);
          const double ms = Ms(SteadyClock::now() - t0);
          if (c < 0) continue;
          t.floor_ms.push_back(empty_call_ms());
          if (!ok) ++t.failures;
          t.ms.push_back(ms);
          t.rows = n;
        }
        if (t.ms.empty()) continue;  // a search's single page has no page 6
        failures.calls += t.failures;
        const double p99 = Percentile(t.ms, 99);
        const bool met = p99 <= kTargetP99Ms;
        all_met = all_met && met;
        std::printf("%-44s %-42s %8s %9.2f %9.2f %6d %-13s %.2f/%.2f (%s)\n", l.label, u.label,
                    depth == 1 ? "first" : "6th", Percentile(t.ms, 50), p99, t.rows,
                    Verdict(met, RunFailures{t.failures, 0, 0}).c_str(),
                    Percentile(t.floor_ms, 50), Percentile(t.floor_ms, 99),
                    LoadAvg().substr(0, LoadAvg().find(' ')).c_str());
      }
    }
  }
  std::printf("\nper user: community doctor's street holds %zu patients, the district %zu "
              "(of %d); load average at end %s\n",
              in_scope["320106001"].size(), in_scope[kDemoDistrict].size(), o.patients,
              LoadAvg().c_str());
  std::printf("lists at province scale: %s\n", Verdict(all_met, failures).c_str());
  core->reset();
  server->Shutdown(absl::Seconds(5));
  server.reset();
  try {
    Exec(env.Dsn(env.super, "postgres"), "DROP DATABASE IF EXISTS " + env.db + " WITH (FORCE)");
  } catch (...) {
  }
  return failures.any() ? kExitInvalid : 0;
}

}  // namespace
}  // namespace smd::bench

int main(int argc, char** argv) { return smd::bench::Main(argc, argv); }
