// Risk alerts over gRPC against a real PostgreSQL (issue 4 "done when"): a risk-4
// follow-up reaches each intended recipient once, on an open stream, within 1 s; a
// subscriber that reconnects with its cursor gets what it missed, once; alerts raised by
// another server while the subscriber's server was down arrive after; police see no
// diagnosis or medication; an unacknowledged alert escalates after its (shortened)
// deadline; a doctor of another street receives nothing.

#include <algorithm>
#include <atomic>
#include <memory>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "smd/v1/alerts.grpc.pb.h"
#include "smd/v1/followups.grpc.pb.h"
#include "smd/v1/metrics.grpc.pb.h"
#include "support/alert_subscriber.h"
#include "support/forms.h"
#include "support/test_env.h"

namespace smd::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

class AlertTestBase : public ::testing::Test {
 protected:
  static void Open(const std::string& db, std::function<void(runtime::Config&)> tweak) {
    env_ = new TestServer(db, 0, std::move(tweak));
    teams_ = v1::CareTeamService::NewStub(env_->channel()).release();
    followups_ = v1::FollowUpService::NewStub(env_->channel()).release();
    alerts_ = v1::AlertService::NewStub(env_->channel()).release();
    accounts_ = new std::map<std::string, Account>();
    for (auto [user, pw] : std::vector<std::pair<std::string, std::string>>{
             {"doctor", kDoctorPw},
             {"doctor2", kDoctor2Pw},
             {"police", kPolicePw},
             {"grid", kGridPw},
             {"worker", "Demo-worker-2026"},
             {"admin", kAdminPw}}) {
      (*accounts_)[user] = SignIn(user, pw);
    }
  }
  static void TearDownTestSuite() {
    delete teams_;
    delete followups_;
    delete alerts_;
    delete accounts_;
    delete env_;
  }

  static Account SignIn(const std::string& user, const std::string& password) {
    return env_->SignIn(user, password);
  }
  static const Account& A(const std::string& user) { return accounts_->at(user); }

  // A patient of community 320106001001 (the demo grid worker's, in the demo police
  // officer's street) with the demo doctor on its care team.
  static std::string NewPatient(int seq) {
    v1::RegisterPatientRequest req;
    *req.mutable_details() = ValidDetails(SyntheticIdNumber("19800101", seq),
                                          absl::StrCat("预警测试", seq), "320106001001");
    v1::Patient p;
    grpc::Status s =
        env_->patients->RegisterPatient(TestServer::Ctx(A("doctor").token).get(), req, &p);
    EXPECT_TRUE(s.ok()) << s.error_message();
    v1::AddMemberRequest add;
    add.set_patient_id(p.patient_id());
    add.set_team_role(v1::TEAM_ROLE_DOCTOR);
    add.set_user_id(A("doctor").user_id);
    v1::TeamMember m;
    s = teams_->AddMember(TestServer::Ctx(A("doctor").token).get(), add, &m);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return p.patient_id();
  }

  // Records today's visit at `risk` (the national form, with medication); returns the answer.
  static v1::FollowUp RecordVisit(const std::string& patient, int risk) {
    v1::RecordFollowUpRequest req;
    req.set_patient_id(patient);
    *req.mutable_form() = Form(D(TodayBeijing()), risk);
    v1::FollowUp out;
    grpc::Status s = followups_->RecordFollowUp(TestServer::Ctx(A("doctor").token).get(), req,
                                                &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  }

  // A doctor's manual alert; returns its id.
  static std::string Manual(const std::string& patient, const std::string& cause,
                            int severity = 2) {
    v1::RaiseAlertRequest req;
    req.set_patient_id(patient);
    req.set_severity(severity);
    req.set_cause(cause);
    v1::RaiseAlertResponse resp;
    grpc::Status s = alerts_->RaiseAlert(TestServer::Ctx(A("doctor").token).get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp.alert_id();
  }

  // The newest sequence in the user's inbox (0 if none): where a fresh client starts.
  static int64_t Cursor(const std::string& user) {
    v1::ListAlertsRequest req;
    req.mutable_page()->set_page_size(1);
    v1::ListAlertsResponse resp;
    grpc::Status s = alerts_->ListAlerts(TestServer::Ctx(A(user).token).get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp.alerts().empty() ? 0 : resp.alerts(0).seq();
  }

  static std::vector<v1::AlertMessage> Inbox(const std::string& user, const std::string& patient,
                                             bool unacked_only = false) {
    v1::ListAlertsRequest req;
    req.set_patient_id(patient);
    req.set_unacknowledged_only(unacked_only);
    v1::ListAlertsResponse resp;
    grpc::Status s = alerts_->ListAlerts(TestServer::Ctx(A(user).token).get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {resp.alerts().begin(), resp.alerts().end()};
  }

  static TestServer* env_;
  static v1::CareTeamService::Stub* teams_;
  static v1::FollowUpService::Stub* followups_;
  static v1::AlertService::Stub* alerts_;
  static std::map<std::string, Account>* accounts_;
};

TestServer* AlertTestBase::env_ = nullptr;
v1::CareTeamService::Stub* AlertTestBase::teams_ = nullptr;
v1::FollowUpService::Stub* AlertTestBase::followups_ = nullptr;
v1::AlertService::Stub* AlertTestBase::alerts_ = nullptr;
std::map<std::string, Account>* AlertTestBase::accounts_ = nullptr;

// Deadlines as in production (30 min for critical): nothing escalates during these tests.
class AlertTest : public AlertTestBase {
 protected:
  static void SetUpTestSuite() {
    Open("it_alerts", [](runtime::Config& c) { c.alert_heartbeat_seconds = 1; });
  }
};

TEST_F(AlertTest, RiskFourFollowUpReachesEachRecipientOnceWithinOneSecond) {
  const std::string patient = NewPatient(1);
  std::map<std::string, std::unique_ptr<Subscriber>> subs;
  for (const char* user : {"doctor", "police", "grid", "doctor2", "worker"}) {
    subs[user] = std::make_unique<Subscriber>(env_->channel(), A(user).token, Cursor(user));
  }
  absl::SleepFor(absl::Milliseconds(200));  // let the streams open (not needed for safety)

  RecordVisit(patient, 4);
  const absl::Time committed = absl::Now();

  // The care team's doctor, the street's police officer and the community's grid worker.
  std::set<std::string> alert_ids;
  for (const char* user : {"doctor", "police", "grid"}) {
    ASSERT_TRUE(subs[user]->WaitFor(1, absl::Seconds(1) - (absl::Now() - committed)))
        << user << " got nothing within 1 s of the commit";
    const v1::AlertMessage m = subs[user]->messages()[0];
    EXPECT_EQ(m.patient_id(), patient);
    EXPECT_EQ(m.kind(), v1::ALERT_KIND_HIGH_RISK) << user;
    EXPECT_EQ(m.severity(), 4);
    EXPECT_EQ(m.risk_level(), 4);
    EXPECT_EQ(m.patient_name(), "预警测试1");
    EXPECT_EQ(m.jurisdiction(), "320106001001");
    EXPECT_THAT(m.cause(), HasSubstr("4级"));
    EXPECT_TRUE(m.has_raised_at());
    alert_ids.insert(m.alert_id());
    std::cout << user << ": commit-to-delivery "
              << absl::ToDoubleMilliseconds(subs[user]->arrival_times()[0] - committed) << " ms\n";
  }
  EXPECT_EQ(alert_ids.size(), 1u) << "one alert, one copy per recipient";

  // Nothing more arrives (one copy each), and nothing for those it is not addressed to.
  absl::SleepFor(absl::Milliseconds(700));
  for (const char* user : {"doctor", "police", "grid"}) {
    EXPECT_EQ(subs[user]->messages().size(), 1u) << user;
  }
  EXPECT_TRUE(subs["doctor2"]->messages().empty()) << "a doctor of another street";
  EXPECT_TRUE(subs["worker"]->messages().empty()) << "not on the team, not police or grid";
  EXPECT_EQ(env_->db().QueryValue(absl::StrCat(
                "SELECT count(*) FROM alert_recipient WHERE alert_id = '", *alert_ids.begin(),
                "'")),
            "3");

  // Delivery times are stored (for the metrics) and show in the inbox.
  for (int i = 0; i < 50; ++i) {
    if (env_->db().QueryValue(absl::StrCat("SELECT count(*) FROM alert_recipient WHERE alert_id = '",
                                           *alert_ids.begin(),
                                           "' AND delivered_at IS NOT NULL")) == "3") {
      break;
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  auto inbox = Inbox("police", patient);
  ASSERT_EQ(inbox.size(), 1u);
  EXPECT_TRUE(inbox[0].has_delivered_at());
  // ... and count in the metrics' mean delivery time of the community (issue 4 item 5).
  auto metrics = v1::MetricsService::NewStub(env_->channel());
  v1::GetMetricsRequest mreq;
  mreq.set_region("320106001001");
  mreq.mutable_period()->set_year(static_cast<int>(TodayBeijing().year()));
  mreq.mutable_period()->set_month(TodayBeijing().month());
  v1::MetricsReport rep;
  ASSERT_TRUE(metrics->GetMetrics(TestServer::Ctx(A("doctor").token).get(), mreq, &rep).ok());
  bool found = false;
  for (const auto& ind : rep.region().indicators()) {
    if (ind.code() != "alert_delivery_time") continue;
    found = true;
    EXPECT_GE(ind.denominator(), 3) << "delivered copies";
    EXPECT_TRUE(ind.available());
  }
  EXPECT_TRUE(found);
  EXPECT_FALSE(inbox[0].has_acknowledged_at());
  EXPECT_TRUE(Inbox("doctor2", patient).empty());
}

// The doctor who records the visit is told in the answer what it raised and to how many,
// so the form's result page shows the server's word, not a guess.
TEST_F(AlertTest, TheVisitsAnswerNamesTheAlertItRaised) {
  const std::string patient = NewPatient(7);
  const v1::FollowUp calm = RecordVisit(patient, 0);
  // A first visit at risk 0 that leaves the patient not 不稳定 raises nothing.
  if (calm.assessment().final_class() != v1::CLASSIFICATION_UNSTABLE) {
    EXPECT_FALSE(calm.has_alert());
  }
  const v1::FollowUp risky = RecordVisit(patient, 4);
  ASSERT_TRUE(risky.has_alert());
  EXPECT_EQ(risky.alert().kind(), v1::ALERT_KIND_HIGH_RISK);
  EXPECT_EQ(risky.alert().audience(), v1::ALERT_AUDIENCE_FULL);
  EXPECT_EQ(risky.alert().severity(), 4);
  EXPECT_THAT(risky.alert().cause(), HasSubstr("4级"));
  EXPECT_TRUE(risky.alert().unrouted_roles().empty());
  EXPECT_EQ(risky.alert().recipients(),
            std::stoi(env_->db().QueryValue(absl::StrCat(
                "SELECT count(*) FROM alert_recipient WHERE alert_id = '",
                risky.alert().alert_id(), "'"))));
  EXPECT_GE(risky.alert().recipients(), 3) << "team doctor, police, grid worker";
  // The alert takes its place in the sequence when the pump publishes it (ADR 0007), a
  // moment after the visit commits: under load that moment can come after the answer.
  std::vector<v1::AlertMessage> inbox;
  for (int i = 0; i < 100 && inbox.empty(); ++i) {
    inbox = Inbox("police", patient);
    if (inbox.empty()) absl::SleepFor(absl::Milliseconds(50));
  }
  ASSERT_FALSE(inbox.empty());
  EXPECT_EQ(inbox[0].alert_id(), risky.alert().alert_id());
}

TEST_F(AlertTest, PoliceAndGridCopiesCarryNoDiagnosisOrMedication) {
  const std::string patient = NewPatient(2);
  Subscriber police(env_->channel(), A("police").token, Cursor("police"));
  Subscriber grid(env_->channel(), A("grid").token, Cursor("grid"));
  RecordVisit(patient, 4);
  ASSERT_TRUE(police.WaitFor(1, absl::Seconds(5)));
  ASSERT_TRUE(grid.WaitFor(1, absl::Seconds(5)));
  for (const v1::AlertMessage& m :
       {police.messages()[0], grid.messages()[0], Inbox("police", patient).at(0)}) {
    const std::string all = m.DebugString() + m.cause();
    for (const char* secret : {"精神分裂", "schizophrenia", "SCHIZOPHRENIA", "利培酮",
                               "risperidone", "mg", "诊断", "diagnosis"}) {
      EXPECT_THAT(all, Not(HasSubstr(secret))) << "police/grid copy shows " << secret;
    }
  }
}

TEST_F(AlertTest, ReconnectWithCursorReceivesWhatWasMissedOnceEach) {
  const std::string patient = NewPatient(3);
  int64_t cursor = 0;
  {
    Subscriber police(env_->channel(), A("police").token, Cursor("police"));
    Manual(patient, "第一条 (first)");
    ASSERT_TRUE(police.WaitFor(1, absl::Seconds(5)));
    cursor = police.last_seq();
  }  // disconnected

  std::set<std::string> missed;
  for (int i = 0; i < 3; ++i) missed.insert(Manual(patient, absl::StrCat("断线期间 ", i)));

  Subscriber again(env_->channel(), A("police").token, cursor);
  ASSERT_TRUE(again.WaitFor(3, absl::Seconds(5)));
  absl::SleepFor(absl::Milliseconds(700));
  const auto got = again.messages();
  ASSERT_EQ(got.size(), 3u) << "each missed alert once, nothing seen before the cursor";
  std::set<std::string> ids;
  for (size_t i = 0; i < got.size(); ++i) {
    ids.insert(got[i].alert_id());
    EXPECT_GT(got[i].seq(), cursor);
    if (i > 0) {
      EXPECT_GT(got[i].seq(), got[i - 1].seq());
    }
  }
  EXPECT_EQ(ids, missed);

  // Resuming from the newest cursor replays nothing.
  Subscriber caught_up(env_->channel(), A("police").token, again.last_seq());
  absl::SleepFor(absl::Milliseconds(700));
  EXPECT_TRUE(caught_up.messages().empty());
}

TEST_F(AlertTest, AlertsRaisedByAnotherServerWhileTheSubscribersServerWasDownArriveAfter) {
  const std::string patient = NewPatient(4);
  std::unique_ptr<runtime::Server> b = env_->StartAnother();
  ASSERT_NE(b, nullptr);
  auto channel_b = grpc::CreateChannel(absl::StrCat("127.0.0.1:", b->port()),
                                       grpc::InsecureChannelCredentials());
  int64_t cursor = 0;
  {
    // Raised through server A, delivered by server B: the outbox is shared.
    Subscriber on_b(channel_b, A("police").token, Cursor("police"));
    const std::string id = Manual(patient, "跨服务器 (across servers)");
    ASSERT_TRUE(on_b.WaitFor(1, absl::Seconds(5)));
    EXPECT_EQ(on_b.messages()[0].alert_id(), id);
    cursor = on_b.last_seq();

    b->Shutdown(absl::Seconds(2));  // the subscriber's server goes away
    ASSERT_TRUE(on_b.WaitEnded(absl::Seconds(5)));
    EXPECT_EQ(on_b.status().error_code(), grpc::StatusCode::UNAVAILABLE);
  }
  b.reset();

  // Meanwhile server A raises more: a risk-4 visit and a manual alert.
  RecordVisit(patient, 4);
  const std::string manual = Manual(patient, "服务器停机期间 (while it was down)");

  // The subscriber's server comes back (a new process on the same database).
  std::unique_ptr<runtime::Server> c = env_->StartAnother();
  ASSERT_NE(c, nullptr);
  auto channel_c = grpc::CreateChannel(absl::StrCat("127.0.0.1:", c->port()),
                                       grpc::InsecureChannelCredentials());
  Subscriber on_c(channel_c, A("police").token, cursor);
  ASSERT_TRUE(on_c.WaitFor(2, absl::Seconds(5)));
  absl::SleepFor(absl::Milliseconds(500));
  const auto got = on_c.messages();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].kind(), v1::ALERT_KIND_HIGH_RISK);
  EXPECT_EQ(got[1].alert_id(), manual);
  on_c.Cancel();
  c->Shutdown(absl::Seconds(2));
}

TEST_F(AlertTest, AcknowledgeWithNoteIsPerRecipientAndOnce) {
  const std::string patient = NewPatient(5);
  const std::string id = Manual(patient, "请上门查看 (please visit)", 3);
  std::vector<v1::AlertMessage> mine;
  for (int i = 0; i < 50 && mine.empty(); ++i) {
    mine = Inbox("police", patient, true);
    if (mine.empty()) absl::SleepFor(absl::Milliseconds(100));  // sequenced after commit
  }
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].alert_id(), id);

  v1::AcknowledgeAlertRequest ack;
  ack.set_seq(mine[0].seq());
  ack.set_note("已上门，患者情绪平稳");
  v1::AlertMessage acked;
  grpc::Status s = alerts_->AcknowledgeAlert(TestServer::Ctx(A("police").token).get(), ack, &acked);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_TRUE(acked.has_acknowledged_at());
  EXPECT_EQ(acked.ack_note(), "已上门，患者情绪平稳");
  EXPECT_TRUE(Inbox("police", patient, true).empty());
  EXPECT_EQ(Inbox("police", patient).size(), 1u);
  // The grid worker's copy of the same alert is still waiting.
  ASSERT_EQ(Inbox("grid", patient, true).size(), 1u);

  // Twice: refused; someone else's copy: not found (and not revealed).
  s = alerts_->AcknowledgeAlert(TestServer::Ctx(A("police").token).get(), ack, &acked);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  s = alerts_->AcknowledgeAlert(TestServer::Ctx(A("doctor2").token).get(), ack, &acked);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);

  // Stored for the metrics, and audited.
  EXPECT_EQ(env_->db().QueryValue(absl::StrCat(
                "SELECT count(*) FROM alert_recipient r JOIN app_user u ON u.id = r.user_id "
                "WHERE r.alert_id = '", id, "' AND u.username = 'police' AND r.acked_at IS NOT NULL")),
            "1");
  EXPECT_EQ(env_->db().QueryValue("SELECT count(*) > 0 FROM audit_log WHERE method = "
                                  "'/smd.v1.AlertService/AcknowledgeAlert' AND outcome = 'OK' "
                                  "AND username = 'police'"),
            "t");
}

TEST_F(AlertTest, ManualAlertsNeedTheDoctorsJurisdictionAndACause) {
  const std::string patient = NewPatient(6);
  v1::RaiseAlertRequest req;
  req.set_patient_id(patient);
  req.set_severity(2);
  req.set_cause("测试");
  v1::RaiseAlertResponse resp;
  EXPECT_EQ(alerts_->RaiseAlert(TestServer::Ctx(A("doctor2").token).get(), req, &resp).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(alerts_->RaiseAlert(TestServer::Ctx(A("police").token).get(), req, &resp).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  req.set_severity(9);
  grpc::Status s = alerts_->RaiseAlert(TestServer::Ctx(A("doctor").token).get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("severity"));
  req.set_severity(2);
  req.set_cause("");
  s = alerts_->RaiseAlert(TestServer::Ctx(A("doctor").token).get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("cause"));
  EXPECT_TRUE(Inbox("police", patient).empty()) << "refused calls raise nothing";
}

TEST_F(AlertTest, SigningOutEndsTheUsersStreamsEvenWithoutAlerts) {
  const Account worker = SignIn("worker", "Demo-worker-2026");  // a session of its own
  Subscriber stream(env_->channel(), worker.token, 0);
  absl::SleepFor(absl::Milliseconds(300));
  v1::LogoutRequest req;
  v1::LogoutResponse resp;
  ASSERT_TRUE(env_->auth->Logout(TestServer::Ctx(worker.token).get(), req, &resp).ok());
  // The heartbeat (1 s here, 5 min by default) re-checks the session of every open stream.
  ASSERT_TRUE(stream.WaitEnded(absl::Seconds(5)));
  EXPECT_EQ(stream.status().error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

// Issue 17: many streams opening at once. Their first fetches used to go straight to the
// executor, whose queue (1,024) refused the excess; a refused first fetch was never
// retried and its stream never registered, so it received nothing, ever. The hub now
// admits a bounded number of fetches and starts the others as slots free up.
class CountingReader final : public grpc::ClientReadReactor<v1::AlertMessage> {
 public:
  CountingReader(v1::AlertService::Stub* stub, const std::string& token, int64_t after,
                 std::atomic<int>* received)
      : received_(received) {
    ctx_.AddMetadata("authorization", "Bearer " + token);
    req_.set_after(after);
    stub->async()->SubscribeAlerts(&ctx_, &req_, this);
    StartRead(&msg_);
    StartCall();
  }
  void OnReadDone(bool ok) override {
    if (!ok) return;
    if (++count_ == 1) received_->fetch_add(1);
    StartRead(&msg_);
  }
  void OnDone(const grpc::Status&) override {
    std::lock_guard<std::mutex> lock(mu_);
    done_ = true;
    cv_.notify_all();
  }
  void CancelAndWait() {
    ctx_.TryCancel();
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return done_; });
  }

 private:
  grpc::ClientContext ctx_;
  v1::SubscribeAlertsRequest req_;
  v1::AlertMessage msg_;
  std::atomic<int>* received_;
  int count_ = 0;  // OnReadDone calls of one stream never overlap
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
};

TEST_F(AlertTest, ThreeThousandStreamsOpenedAtOnceEachReceiveTheNextAlert) {
  const std::string patient = NewPatient(9);
  const int64_t after = Cursor("grid");
  constexpr int kStreams = 3000;
  std::atomic<int> received{0};
  std::vector<std::unique_ptr<CountingReader>> streams;
  for (int i = 0; i < kStreams; ++i) {
    streams.push_back(std::make_unique<CountingReader>(alerts_, A("grid").token, after, &received));
  }
  // Raised while the streams' first fetches are still queued: neither refused as busy nor
  // missed by the streams still waiting for their first fetch.
  Manual(patient, "多路订阅测试 (many streams)");
  const absl::Time until = absl::Now() + absl::Seconds(90);
  while (received.load() < kStreams && absl::Now() < until) absl::SleepFor(absl::Milliseconds(100));
  EXPECT_EQ(received.load(), kStreams);
  for (auto& s : streams) s->CancelAndWait();
}

TEST_F(AlertTest, SubscribingNeedsASignedInUser) {
  Subscriber anonymous(env_->channel(), "not-a-token", 0);
  ASSERT_TRUE(anonymous.WaitEnded(absl::Seconds(5)));
  EXPECT_EQ(anonymous.status().error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

// Critical alerts must be acknowledged within 2 s here; the escalation pass runs every
// 200 ms.
class AlertEscalationTest : public AlertTestBase {
 protected:
  static void SetUpTestSuite() {
    Open("it_alert_escalation", [](runtime::Config& c) {
      c.ack_critical_seconds = 2;
      c.alert_escalate_interval_ms = 200;
    });
    // The district's police duty officer: one level above the street's police officer.
    v1::CreateUserRequest req;
    req.set_username("police_duty");
    req.set_display_name("区分局值班民警");
    req.set_password("Duty-officer-2026");
    req.set_role(v1::ROLE_POLICE);
    req.set_jurisdiction("320106");
    v1::User u;
    grpc::Status s = env_->admin->CreateUser(TestServer::Ctx(A("admin").token).get(), req, &u);
    ASSERT_TRUE(s.ok()) << s.error_message();
    (*accounts_)["police_duty"] = SignIn("police_duty", "Duty-officer-2026");
  }
};

TEST_F(AlertEscalationTest, UnacknowledgedAlertEscalatesToTheNextLevelAfterItsDeadline) {
  const std::string patient = NewPatient(11);
  Subscriber duty(env_->channel(), A("police_duty").token, Cursor("police_duty"));
  Subscriber grid(env_->channel(), A("grid").token, Cursor("grid"));
  RecordVisit(patient, 4);

  // The grid worker acknowledges in time; the street's police officer does not.
  ASSERT_TRUE(grid.WaitFor(1, absl::Seconds(5)));
  v1::AcknowledgeAlertRequest ack;
  ack.set_seq(grid.messages()[0].seq());
  ack.set_note("已联系监护人");
  v1::AlertMessage acked;
  ASSERT_TRUE(
      alerts_->AcknowledgeAlert(TestServer::Ctx(A("grid").token).get(), ack, &acked).ok());

  // Not to the district officer at first (the original recipients are street-level).
  absl::SleepFor(absl::Milliseconds(500));
  EXPECT_TRUE(duty.messages().empty());

  ASSERT_TRUE(duty.WaitFor(1, absl::Seconds(10))) << "not escalated";
  const v1::AlertMessage up = duty.messages()[0];
  EXPECT_EQ(up.patient_id(), patient);
  EXPECT_EQ(up.escalation_level(), 1);
  EXPECT_EQ(up.kind(), v1::ALERT_KIND_HIGH_RISK);
  EXPECT_THAT(up.DebugString(), Not(HasSubstr("risperidone")));

  // The street officer's copy is marked escalated; the acknowledged grid copy is not.
  auto police = Inbox("police", patient);
  ASSERT_EQ(police.size(), 1u);
  EXPECT_TRUE(police[0].escalated());
  auto grid_inbox = Inbox("grid", patient);
  ASSERT_EQ(grid_inbox.size(), 1u);
  EXPECT_FALSE(grid_inbox[0].escalated());
  // The escalated-only inbox: the street officer's escalated copy and the duty officer's
  // escalated-to copy; not the grid worker's acknowledged one.
  auto escalated = [&](const std::string& user) {
    v1::ListAlertsRequest req;
    req.set_patient_id(patient);
    req.set_escalated_only(true);
    v1::ListAlertsResponse resp;
    grpc::Status s = alerts_->ListAlerts(TestServer::Ctx(A(user).token).get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp.alerts_size();
  };
  EXPECT_EQ(escalated("police"), 1);
  EXPECT_EQ(escalated("police_duty"), 1);
  EXPECT_EQ(escalated("grid"), 0);
  // Stored and audited.
  EXPECT_EQ(env_->db().QueryValue(absl::StrCat(
                "SELECT count(*) FROM alert_recipient r JOIN alert a ON a.id = r.alert_id "
                "WHERE a.patient_id = '", patient, "' AND r.escalation_level = 0 AND r.escalated_at IS NOT NULL")),
            "2")
      << "the police copy escalated to the district; the doctor's copy too (no one above)";
  EXPECT_EQ(env_->db().QueryValue(absl::StrCat(
                "SELECT count(*) > 0 FROM audit_log WHERE method = 'smd-server alert.escalate' "
                "AND '", patient, "' = ANY(patient_ids)")),
            "t");
  // One escalation per copy: it does not escalate again and again.
  absl::SleepFor(absl::Milliseconds(1000));
  EXPECT_EQ(duty.messages().size(), 1u);
}

}  // namespace
}  // namespace smd::testing
