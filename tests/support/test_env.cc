#include "support/test_env.h"

#include <pqxx/pqxx>

#include <cstdlib>
#include <fstream>
#include <mutex>

#include "absl/strings/str_format.h"
#include "app/demo_seed.h"
#include "common/clock.h"
#include "crypto/keys.h"
#include "gtest/gtest.h"
#include "runtime/wiring.h"
#include "store/migrator.h"
#include "support/protect_audit.h"

namespace smd::testing {
namespace {

std::string Host() {
  const char* h = std::getenv("SMD_TEST_PGHOST");
  if (h == nullptr) {
    std::fprintf(stderr, "SMD_TEST_PGHOST unset: run through tests/support/with_postgres.sh\n");
    std::abort();
  }
  return h;
}

std::string Super() {
  const char* u = std::getenv("SMD_TEST_SUPERUSER");
  return u ? u : "postgres";
}

std::string Dsn(const std::string& user, const std::string& db) {
  return "host=" + Host() + " user=" + user + " dbname=" + db;
}

// Migrates the template once per process (as smd_owner, like `smd-server migrate`), then
// hands the audit trail to smd_audit as deploy/postgres/protect-audit.sql does in
// production (as the superuser), so every suite runs under the production ownership.
void EnsureTemplate() {
  static std::once_flag once;
  std::call_once(once, [] {
    pqxx::connection c(Dsn(Super(), "postgres"));
    pqxx::nontransaction n(c);
    n.exec("DROP DATABASE IF EXISTS smd_template");
    n.exec("CREATE DATABASE smd_template OWNER smd_owner");
    auto report = store::Migrate(Dsn("smd_owner", "smd_template"));
    if (!report.ok()) {
      std::fprintf(stderr, "migrate failed: %s\n", report.status().ToString().c_str());
      std::abort();
    }
    if (absl::Status s = RunProtectAuditSql(Dsn(Super(), "smd_template")); !s.ok()) {
      std::fprintf(stderr, "%s\n", s.ToString().c_str());
      std::abort();
    }
  });
}

}  // namespace

TestDatabase::TestDatabase(const std::string& name) : name_(name) {
  EnsureTemplate();
  pqxx::connection c(Dsn(Super(), "postgres"));
  pqxx::nontransaction n(c);
  n.exec("DROP DATABASE IF EXISTS " + n.quote_name(name_));
  n.exec("CREATE DATABASE " + n.quote_name(name_) + " TEMPLATE smd_template OWNER smd_owner");
}

TestDatabase::~TestDatabase() {
  try {
    pqxx::connection c(Dsn(Super(), "postgres"));
    pqxx::nontransaction n(c);
    n.exec("DROP DATABASE IF EXISTS " + n.quote_name(name_) + " WITH (FORCE)");
  } catch (...) {
  }
}

std::string TestDatabase::AppDsn() const { return Dsn("smd_app", name_); }
std::string TestDatabase::OwnerDsn() const { return Dsn("smd_owner", name_); }
std::string TestDatabase::SuperDsn() const { return Dsn(Super(), name_); }

std::string TestDatabase::QueryValue(const std::string& sql) const {
  pqxx::connection c(SuperDsn());
  pqxx::nontransaction n(c);
  pqxx::result r = n.exec(sql);
  if (r.empty() || r[0][0].is_null()) return "";
  return r[0][0].as<std::string>();
}

void TestDatabase::ExecSuper(const std::string& sql) const {
  pqxx::connection c(SuperDsn());
  pqxx::nontransaction n(c);
  n.exec(sql);
}

TestServer::TestServer(const std::string& db_name, int demo_patients,
                       std::function<void(runtime::Config&)> tweak) {
  db_ = std::make_unique<TestDatabase>(db_name);
  key_file_ = std::string(::testing::TempDir()) + "/" + db_name + ".keys";
  std::remove(key_file_.c_str());
  anchor_file_ = std::string(::testing::TempDir()) + "/" + db_name + ".audit-anchor.log";
  std::remove(anchor_file_.c_str());
  {
    std::ofstream out(key_file_);
    out << crypto::GenerateKeyFileContents();
  }
  ::chmod(key_file_.c_str(), 0600);
  runtime::Config& config = config_;
  config.command = "serve";
  config.listen = "127.0.0.1:0";
  config.insecure = true;
  config.database_url = db_->AppDsn();
  config.key_file = key_file_;
  config.audit_anchor_file = anchor_file_;
  config.db_pool = 4;
  config.audit_seal_interval_ms = 100;
  config.password_log2_n = 4;  // fast hashing in tests; the format records the cost
  config.demo_patients = demo_patients;
  if (tweak) tweak(config);
  {
    auto core = runtime::Core::Open(config, common::SystemClock::Get());
    if (!core.ok()) ADD_FAILURE() << core.status();
    auto seeded = app::SeedDemo((*core)->deps, demo_patients);
    if (!seeded.ok()) ADD_FAILURE() << seeded.status();
  }
  auto server = runtime::Server::Start(config, common::SystemClock::Get());
  if (!server.ok()) {
    ADD_FAILURE() << server.status();
    std::abort();
  }
  server_ = std::move(*server);
  channel_ = grpc::CreateChannel(absl::StrFormat("127.0.0.1:%d", server_->port()),
                                 grpc::InsecureChannelCredentials());
  auth = v1::AuthService::NewStub(channel_);
  admin = v1::AdminService::NewStub(channel_);
  regions = v1::RegionService::NewStub(channel_);
  patients = v1::PatientService::NewStub(channel_);
  audit = v1::AuditService::NewStub(channel_);
}

std::unique_ptr<runtime::Server> TestServer::StartAnother() {
  auto server = runtime::Server::Start(config_, common::SystemClock::Get());
  if (!server.ok()) {
    ADD_FAILURE() << server.status();
    return nullptr;
  }
  return std::move(*server);
}

TestServer::~TestServer() {
  server_->Shutdown(absl::Seconds(2));
  server_.reset();
  db_.reset();
  std::remove(key_file_.c_str());
  std::remove(anchor_file_.c_str());
}

std::string TestServer::Login(const std::string& user, const std::string& password) {
  grpc::ClientContext ctx;
  v1::LoginRequest req;
  req.set_username(user);
  req.set_password(password);
  v1::LoginResponse resp;
  grpc::Status s = auth->Login(&ctx, req, &resp);
  EXPECT_TRUE(s.ok()) << user << ": " << s.error_message();
  return resp.token();
}

Account TestServer::SignIn(const std::string& user, const std::string& password) {
  grpc::ClientContext ctx;
  v1::LoginRequest req;
  req.set_username(user);
  req.set_password(password);
  v1::LoginResponse resp;
  grpc::Status s = auth->Login(&ctx, req, &resp);
  EXPECT_TRUE(s.ok()) << user << ": " << s.error_message();
  return {resp.token(), resp.user().user_id()};
}

void TestServer::BackdateRegistration(const std::string& patient_id, const std::string& day) {
  db_->ExecSuper("UPDATE patient SET registered_at = '" + day + " 08:00+08' WHERE id = '" +
                 patient_id + "'");
}

std::unique_ptr<grpc::ClientContext> TestServer::Ctx(const std::string& token) {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->AddMetadata("authorization", "Bearer " + token);
  return ctx;
}

v1::PatientDetails ValidDetails(const std::string& id_number, const std::string& name,
                                const std::string& jurisdiction) {
  v1::PatientDetails d;
  d.set_id_number(id_number);
  d.set_name(name);
  d.set_phone("0000-7654321");
  d.set_address("南京市鼓楼区测试路1号");
  d.set_jurisdiction(jurisdiction);
  auto* g = d.mutable_guardian();
  g->set_name("测试监护人");
  g->set_relationship("母亲");
  g->set_address("南京市鼓楼区测试路1号");
  g->set_phone("0000-1234567");
  d.set_consent(true);
  d.mutable_consent_date()->set_year(2024);
  d.mutable_consent_date()->set_month(1);
  d.mutable_consent_date()->set_day(15);
  d.set_consent_signer("监护人");
  d.set_diagnosis(v1::DIAGNOSIS_SCHIZOPHRENIA);
  d.set_icd10("F20.0");
  d.set_diagnosing_hospital("南京市脑科医院");
  d.mutable_diagnosis_date()->set_year(2020);
  d.mutable_diagnosis_date()->set_month(5);
  d.mutable_diagnosis_date()->set_day(1);
  d.mutable_onset()->set_year(2019);
  d.add_past_symptoms(1);
  d.add_past_symptoms(3);
  d.set_past_lockup(v1::LOCKUP_NONE);
  d.set_outpatient(v1::OUTPATIENT_CONTINUOUS);
  d.set_economic(v1::ECONOMIC_NOT_POOR);
  return d;
}

}  // namespace smd::testing
