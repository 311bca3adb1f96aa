// The monitoring endpoint (issue 16 item 5; docs/operations.md "Monitoring"): over HTTP on
// loopback, against the real server and PostgreSQL, its figures move as they should: a call
// is counted under its method and status code and its latency recorded; an alert's
// raise-to-delivery lag is recorded once a subscriber has it; a metrics build is counted;
// the database's own figures (audit sealing, the alert outbox) are read; and while the
// database refuses the server (as when it is stopped or fails over) the gRPC health
// service says NOT_SERVING and the endpoint says the database is unreachable, both
// recovering without a restart.

#include <arpa/inet.h>
#include <grpcpp/generic/generic_stub.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "pqxx/pqxx"
#include "smd/v1/alerts.grpc.pb.h"
#include "support/test_env.h"

namespace smd::testing {
namespace {

using ::testing::HasSubstr;

struct HttpReply {
  int status = 0;
  std::string headers;
  std::string body;
};

// One HTTP/1.0 request to 127.0.0.1:`port` (the connection closes after the reply).
HttpReply Http(int port, const std::string& method, const std::string& path) {
  HttpReply reply;
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return reply;
  }
  const std::string request =
      absl::StrCat(method, " ", path, " HTTP/1.0\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n\r\n");
  (void)!::write(fd, request.data(), request.size());
  std::string raw;
  char buf[8192];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) raw.append(buf, static_cast<size_t>(n));
  ::close(fd);
  const size_t split = raw.find("\r\n\r\n");
  if (split == std::string::npos) return reply;
  reply.headers = raw.substr(0, split);
  reply.body = raw.substr(split + 4);
  std::vector<std::string> first = absl::StrSplit(reply.headers.substr(0, reply.headers.find('\r')), ' ');
  if (first.size() >= 2) (void)absl::SimpleAtoi(first[1], &reply.status);
  return reply;
}

// The samples of a scrape: "name{labels}" -> value.
using Scrape = std::map<std::string, double>;

Scrape Parse(const std::string& text) {
  Scrape out;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (line.empty() || line[0] == '#') continue;
    const size_t space = line.rfind(' ');
    double v = 0;
    if (space == absl::string_view::npos) continue;
    if (line.substr(space + 1) == "+Inf") {
      v = 1.0 / 0.0;
    } else if (!absl::SimpleAtod(line.substr(space + 1), &v)) {
      continue;
    }
    out[std::string(line.substr(0, space))] = v;
  }
  return out;
}

// grpc.health.v1.Health/Check for the whole server: 1 SERVING, 2 NOT_SERVING.
int HealthStatus(const std::shared_ptr<grpc::Channel>& channel) {
  grpc::GenericStub stub(channel);
  grpc::ClientContext ctx;
  grpc::CompletionQueue cq;
  grpc::Slice empty("");
  grpc::ByteBuffer request(&empty, 1);
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
  std::vector<grpc::Slice> slices;
  if (!status.ok() || !response.Dump(&slices).ok()) return -1;
  std::string bytes;
  for (const grpc::Slice& s : slices) {
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  }
  if (bytes.size() != 2 || bytes[0] != 0x08) return -1;
  return bytes[1];
}

class MonitoringTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env_ = new TestServer("it_monitoring", 0, [](runtime::Config& c) {
      c.monitoring_listen = "127.0.0.1:0";
    });
  }
  static void TearDownTestSuite() { delete env_; }

  static Scrape Get() {
    HttpReply r = Http(env_->server().monitoring_port(), "GET", "/metrics");
    EXPECT_EQ(r.status, 200) << r.headers;
    return Parse(r.body);
  }
  // Scrapes until `pred` holds (up to ~10 s; the machine may be loaded); the last scrape.
  static Scrape GetUntil(const std::function<bool(Scrape&)>& pred) {
    Scrape s;
    for (int i = 0; i < 100; ++i) {
      s = Get();
      if (pred(s)) break;
      absl::SleepFor(absl::Milliseconds(100));
    }
    return s;
  }
  // Runs `sql` from the maintenance database (a database cannot refuse connections to
  // itself from a session inside it).
  static void FromPostgresDb(const std::string& sql) {
    const std::string dsn = absl::StrReplaceAll(
        env_->db().SuperDsn(), {{"dbname=" + env_->db().name(), "dbname=postgres"}});
    pqxx::connection c(dsn);
    pqxx::nontransaction n(c);
    n.exec(sql);
  }

  static TestServer* env_;
};

TestServer* MonitoringTest::env_ = nullptr;

constexpr char kWhoAmIOk[] = "smd_grpc_calls_total{method=\"smd.v1.AuthService/WhoAmI\",code=\"OK\"}";
constexpr char kWhoAmIUnauth[] =
    "smd_grpc_calls_total{method=\"smd.v1.AuthService/WhoAmI\",code=\"UNAUTHENTICATED\"}";
constexpr char kWhoAmICount[] =
    "smd_grpc_call_duration_seconds_count{method=\"smd.v1.AuthService/WhoAmI\"}";

TEST_F(MonitoringTest, ServesTheTextFormatOnlyAtMetrics) {
  ASSERT_GT(env_->server().monitoring_port(), 0);
  HttpReply ok = Http(env_->server().monitoring_port(), "GET", "/metrics");
  EXPECT_EQ(ok.status, 200);
  EXPECT_THAT(ok.headers, HasSubstr("text/plain; version=0.0.4"));
  EXPECT_THAT(ok.body, HasSubstr("# TYPE smd_grpc_calls_total counter\n"));
  EXPECT_THAT(ok.body, HasSubstr("# TYPE smd_alert_delivery_lag_seconds histogram\n"));
  const Scrape s = Parse(ok.body);
  EXPECT_EQ(s.at("smd_database_reachable"), 1);
  EXPECT_EQ(s.at("smd_serving"), 1);
  EXPECT_EQ(s.at("smd_monitoring_database_read_ok"), 1);
  EXPECT_GE(s.at("smd_db_pool_connections"), 4);
  EXPECT_GT(s.at("smd_process_start_time_seconds"), 1.7e9);
  // Every method is listed from the start, with its OK count (a rate needs the zero).
  EXPECT_EQ(s.count("smd_grpc_calls_total{method=\"smd.v1.RehabService/ListRehabRecords\","
                    "code=\"OK\"}") +
                s.count("smd_grpc_calls_total{method=\"smd.v1.PatientService/GetPatient\","
                        "code=\"OK\"}"),
            2u);
  EXPECT_EQ(Http(env_->server().monitoring_port(), "GET", "/").status, 404);
  EXPECT_EQ(Http(env_->server().monitoring_port(), "POST", "/metrics").status, 405);
}

TEST_F(MonitoringTest, ACallIsCountedUnderItsMethodAndStatusWithItsLatency) {
  const std::string token = env_->Login("doctor", kDoctorPw);
  const Scrape before = Get();
  auto auth = v1::AuthService::NewStub(env_->channel());
  v1::WhoAmIRequest req;
  v1::WhoAmIResponse resp;
  ASSERT_TRUE(auth->WhoAmI(TestServer::Ctx(token).get(), req, &resp).ok());
  ASSERT_TRUE(auth->WhoAmI(TestServer::Ctx(token).get(), req, &resp).ok());
  EXPECT_EQ(auth->WhoAmI(TestServer::Ctx("not-a-token").get(), req, &resp).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  const Scrape after = Get();
  EXPECT_EQ(after.at(kWhoAmIOk) - before.at(kWhoAmIOk), 2);
  const double unauth_before = before.count(kWhoAmIUnauth) ? before.at(kWhoAmIUnauth) : 0;
  EXPECT_EQ(after.at(kWhoAmIUnauth) - unauth_before, 1);
  const double count_before = before.count(kWhoAmICount) ? before.at(kWhoAmICount) : 0;
  EXPECT_EQ(after.at(kWhoAmICount) - count_before, 3);
  // Cumulative buckets: +Inf holds every call.
  EXPECT_EQ(after.at("smd_grpc_call_duration_seconds_bucket{method=\"smd.v1.AuthService/WhoAmI\","
                     "le=\"+Inf\"}"),
            after.at(kWhoAmICount));
  // The pool lent connections and recorded how long each call waited for one.
  EXPECT_GT(after.at("smd_db_pool_wait_seconds_count"), before.at("smd_db_pool_wait_seconds_count"));
}

TEST_F(MonitoringTest, AnAlertsLagIsRecordedOnceItsSubscriberHasIt) {
  const Account doctor = env_->SignIn("doctor", kDoctorPw);
  const Account police = env_->SignIn("police", kPolicePw);
  auto alerts = v1::AlertService::NewStub(env_->channel());
  auto teams = v1::CareTeamService::NewStub(env_->channel());
  // A patient of the police officer's street, on the doctor's care team.
  v1::RegisterPatientRequest reg;
  *reg.mutable_details() =
      ValidDetails(SyntheticIdNumber("19800101", 901), "监测测试", "320106001001");
  v1::Patient p;
  ASSERT_TRUE(env_->patients->RegisterPatient(TestServer::Ctx(doctor.token).get(), reg, &p).ok());
  v1::AddMemberRequest add;
  add.set_patient_id(p.patient_id());
  add.set_team_role(v1::TEAM_ROLE_DOCTOR);
  add.set_user_id(doctor.user_id);
  v1::TeamMember member;
  ASSERT_TRUE(teams->AddMember(TestServer::Ctx(doctor.token).get(), add, &member).ok());

  // The officer's stream opens (from the newest copy), and the endpoint sees it.
  const Scrape before = Get();
  grpc::ClientContext sub_ctx;
  sub_ctx.AddMetadata("authorization", "Bearer " + police.token);
  v1::SubscribeAlertsRequest sub;
  v1::ListAlertsRequest list;
  list.mutable_page()->set_page_size(1);
  v1::ListAlertsResponse listed;
  ASSERT_TRUE(alerts->ListAlerts(TestServer::Ctx(police.token).get(), list, &listed).ok());
  sub.set_after(listed.alerts().empty() ? 0 : listed.alerts(0).seq());
  auto reader = alerts->SubscribeAlerts(&sub_ctx, sub);
  GetUntil([&](Scrape& s) { return s.at("smd_alert_streams_open") >= 1; });

  v1::RaiseAlertRequest raise;
  raise.set_patient_id(p.patient_id());
  raise.set_severity(3);
  raise.set_cause("监测测试：家属报告情绪激动");
  v1::RaiseAlertResponse raised;
  ASSERT_TRUE(alerts->RaiseAlert(TestServer::Ctx(doctor.token).get(), raise, &raised).ok());
  v1::AlertMessage got;
  ASSERT_TRUE(reader->Read(&got));
  EXPECT_EQ(got.alert_id(), raised.alert_id());

  const char* kLagCount = "smd_alert_delivery_lag_seconds_count";
  const char* kLive = "smd_alert_copies_delivered_total{kind=\"live\"}";
  const Scrape after =
      GetUntil([&](Scrape& s) { return s.at(kLagCount) > before.at(kLagCount); });
  EXPECT_EQ(after.at(kLagCount) - before.at(kLagCount), 1);
  EXPECT_EQ(after.at(kLive) - before.at(kLive), 1);
  EXPECT_GT(after.at("smd_alert_delivery_lag_seconds_sum"),
            before.at("smd_alert_delivery_lag_seconds_sum"));
  EXPECT_EQ(after.at("smd_alert_delivery_lag_seconds_bucket{le=\"+Inf\"}"), after.at(kLagCount));

  sub_ctx.TryCancel();
  (void)reader->Finish();
}

TEST_F(MonitoringTest, MetricsBuildsAndTheDatabaseFiguresAreReported) {
  const char* kDayOk = "smd_metrics_builds_total{kind=\"day\",result=\"ok\"}";
  const Scrape before = Get();
  ASSERT_TRUE(env_->server().BuildMetricsToday().ok());
  ASSERT_TRUE(env_->server().SealAuditNow().ok());
  const Scrape after = Get();
  EXPECT_EQ(after.at(kDayOk) - before.at(kDayOk), 1);
  EXPECT_EQ(after.at("smd_metrics_builds_running{kind=\"day\"}"), 0);
  EXPECT_EQ(after.at("smd_metrics_build_duration_seconds_count{kind=\"day\"}") -
                before.at("smd_metrics_build_duration_seconds_count{kind=\"day\"}"),
            1);
  // Sealed and checkpointed just now: a recent checkpoint, nothing old left unsealed.
  EXPECT_EQ(after.at("smd_monitoring_database_read_ok"), 1);
  ASSERT_EQ(after.count("smd_audit_checkpoint_age_seconds"), 1u);
  EXPECT_LT(after.at("smd_audit_checkpoint_age_seconds"), 60);
  EXPECT_LT(after.at("smd_audit_unsealed_oldest_seconds"), 60);
  EXPECT_EQ(after.count("smd_audit_unsealed_rows"), 1u);
  EXPECT_EQ(after.count("smd_alert_copies_unsequenced"), 1u);
  EXPECT_EQ(after.count("smd_alert_gaps_open"), 1u);
}

TEST_F(MonitoringTest, WhileTheDatabaseIsGoneHealthIsNotServingAndTheEndpointSaysSo) {
  EXPECT_EQ(HealthStatus(env_->channel()), 1);
  // The database refuses this server's connections (as when it is stopped, or fails
  // over): no new ones, the open ones ended.
  const std::string db = env_->db().name();
  FromPostgresDb("ALTER DATABASE " + db + " ALLOW_CONNECTIONS false");
  FromPostgresDb("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" +
                 db + "'");
  EXPECT_FALSE(env_->server().ProbeHealthNowForTest());
  EXPECT_EQ(HealthStatus(env_->channel()), 2) << "NOT_SERVING";
  const Scrape down = Get();  // the endpoint itself still answers
  EXPECT_EQ(down.at("smd_database_reachable"), 0);
  EXPECT_EQ(down.at("smd_serving"), 0);
  EXPECT_EQ(down.at("smd_monitoring_database_read_ok"), 0);
  EXPECT_EQ(down.count("smd_audit_unsealed_rows"), 0u) << "no stale database figures";

  FromPostgresDb("ALTER DATABASE " + db + " ALLOW_CONNECTIONS true");
  bool back = false;
  for (int i = 0; i < 100 && !back; ++i) {
    back = env_->server().ProbeHealthNowForTest();
    if (!back) absl::SleepFor(absl::Milliseconds(100));
  }
  ASSERT_TRUE(back);
  EXPECT_EQ(HealthStatus(env_->channel()), 1) << "SERVING";
  // The scrape's own connection reconnects too (with its backoff).
  const Scrape up = GetUntil([](Scrape& s) { return s.at("smd_monitoring_database_read_ok") == 1; });
  EXPECT_EQ(up.at("smd_database_reachable"), 1);
  EXPECT_EQ(up.at("smd_serving"), 1);
  EXPECT_EQ(up.at("smd_monitoring_database_read_ok"), 1);
}

}  // namespace
}  // namespace smd::testing
