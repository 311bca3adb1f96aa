// Alerts reach the right people and only them (issue 11 items 1-3), over gRPC against a
// real PostgreSQL: an alert in a community without street-level police reaches the
// district's police; one that no account of a required role can take goes to the
// district's duty role, is listed for administrators, counted in the metrics and routed
// again when an account appears; a police officer moved to another street stops
// receiving, leaves the care team and hands on his open copies; a drug-reaction
// instability reaches the doctor and no police or grid worker; escalation never reaches a
// role that may not see the alert; a stream's cursor beyond the caller's newest alert is
// OUT_OF_RANGE.
//
// Demo accounts (app/demo_seed.cc): doctor, police, worker at street 320106001; grid at
// community 320106001001; psychiatrist, analyst, admin at the district 320106. Nobody else
// holds police or grid roles, so other streets start without them.

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "smd/v1/alerts.grpc.pb.h"
#include "smd/v1/followups.grpc.pb.h"
#include "smd/v1/metrics.grpc.pb.h"
#include "support/forms.h"
#include "support/synthetic.h"
#include "support/test_env.h"

namespace smd::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class AlertRoutingBase : public ::testing::Test {
 protected:
  static void Open(const std::string& db, int ack_critical_seconds) {
    env_ = new TestServer(db, 0, [=](runtime::Config& c) {
      c.alert_escalate_interval_ms = 200;  // hand-on and re-routing passes
      c.ack_critical_seconds = ack_critical_seconds;
      c.alert_overdue_interval_seconds = 1;  // the first pass runs 5 s after start
      c.alert_heartbeat_seconds = 1;
    });
    teams_ = v1::CareTeamService::NewStub(env_->channel()).release();
    followups_ = v1::FollowUpService::NewStub(env_->channel()).release();
    alerts_ = v1::AlertService::NewStub(env_->channel()).release();
    accounts_ = new std::map<std::string, Account>();
    for (auto [user, pw] : std::vector<std::pair<std::string, std::string>>{
             {"doctor", kDoctorPw},
             {"police", kPolicePw},
             {"grid", kGridPw},
             {"worker", "Demo-worker-2026"},
             {"psychiatrist", kPsychPw},
             {"analyst", kAnalystPw},
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

  // A new account made by the demo administrator, signed in.
  static const Account& NewUser(const std::string& name, v1::Role role,
                                const std::string& jurisdiction) {
    v1::CreateUserRequest req;
    req.set_username(name);
    req.set_display_name(absl::StrCat("测试用户", name));
    req.set_password("Synthetic-pass-2026");
    req.set_role(role);
    req.set_jurisdiction(jurisdiction);
    v1::User u;
    grpc::Status s = env_->admin->CreateUser(TestServer::Ctx(A("admin").token).get(), req, &u);
    EXPECT_TRUE(s.ok()) << name << ": " << s.error_message();
    (*accounts_)[name] = SignIn(name, "Synthetic-pass-2026");
    return A(name);
  }

  static void AssignRole(const std::string& user, v1::Role role, const std::string& jurisdiction) {
    v1::AssignRoleRequest req;
    req.set_user_id(A(user).user_id);
    req.set_role(role);
    req.set_jurisdiction(jurisdiction);
    v1::User u;
    grpc::Status s = env_->admin->AssignRole(TestServer::Ctx(A("admin").token).get(), req, &u);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  // A patient of `community`, registered by `registrar` (who must cover it).
  static std::string NewPatient(const std::string& registrar, const std::string& community,
                                int seq) {
    v1::RegisterPatientRequest req;
    *req.mutable_details() = ValidDetails(SyntheticIdNumber("19810203", seq),
                                          absl::StrCat("路由测试", seq), community);
    v1::Patient p;
    grpc::Status s =
        env_->patients->RegisterPatient(TestServer::Ctx(A(registrar).token).get(), req, &p);
    EXPECT_TRUE(s.ok()) << s.error_message();
    env_->BackdateRegistration(p.patient_id());  // visits dated in the past follow
    return p.patient_id();
  }

  static void AddMember(const std::string& by, const std::string& patient, v1::TeamRole role,
                        const std::string& user) {
    v1::AddMemberRequest add;
    add.set_patient_id(patient);
    add.set_team_role(role);
    add.set_user_id(A(user).user_id);
    v1::TeamMember m;
    grpc::Status s = teams_->AddMember(TestServer::Ctx(A(by).token).get(), add, &m);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  static void Record(const std::string& by, const std::string& patient,
                     const v1::FollowUpForm& form) {
    v1::RecordFollowUpRequest req;
    req.set_patient_id(patient);
    *req.mutable_form() = form;
    v1::FollowUp out;
    grpc::Status s = followups_->RecordFollowUp(TestServer::Ctx(A(by).token).get(), req, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  // The recipients of the patient's alerts of `kind` (user names), straight from the outbox.
  static std::set<std::string> RecipientsOf(const std::string& patient, int kind) {
    std::set<std::string> out;
    const std::string list = env_->db().QueryValue(absl::StrCat(
        "SELECT string_agg(u.username, ',' ORDER BY u.username) FROM alert a "
        "JOIN alert_recipient r ON r.alert_id = a.id JOIN app_user u ON u.id = r.user_id "
        "WHERE a.patient_id = '", patient, "' AND a.kind = ", kind));
    for (size_t start = 0; start < list.size();) {
      size_t comma = list.find(',', start);
      if (comma == std::string::npos) comma = list.size();
      out.insert(list.substr(start, comma - start));
      start = comma + 1;
    }
    return out;
  }

  // The user's inbox for the patient, waiting up to 5 s for `want` copies (copies are
  // listed once sequenced, just after commit).
  static std::vector<v1::AlertMessage> Inbox(const std::string& user, const std::string& patient,
                                             size_t want = 0) {
    std::vector<v1::AlertMessage> got;
    for (int i = 0; i < 50; ++i) {
      v1::ListAlertsRequest req;
      req.set_patient_id(patient);
      v1::ListAlertsResponse resp;
      grpc::Status s = alerts_->ListAlerts(TestServer::Ctx(A(user).token).get(), req, &resp);
      EXPECT_TRUE(s.ok()) << user << ": " << s.error_message();
      got.assign(resp.alerts().begin(), resp.alerts().end());
      if (got.size() >= want) break;
      absl::SleepFor(absl::Milliseconds(100));
    }
    return got;
  }

  static std::vector<v1::AlertGap> Gaps(const std::string& region, bool include_resolved) {
    v1::ListAlertGapsRequest req;
    req.set_region(region);
    req.set_include_resolved(include_resolved);
    v1::ListAlertGapsResponse resp;
    grpc::Status s = alerts_->ListAlertGaps(TestServer::Ctx(A("admin").token).get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return {resp.gaps().begin(), resp.gaps().end()};
  }

  static bool WaitUntil(const std::function<bool()>& done, absl::Duration timeout) {
    const absl::Time end = absl::Now() + timeout;
    while (absl::Now() < end) {
      if (done()) return true;
      absl::SleepFor(absl::Milliseconds(100));
    }
    return done();
  }

  static TestServer* env_;
  static v1::CareTeamService::Stub* teams_;
  static v1::FollowUpService::Stub* followups_;
  static v1::AlertService::Stub* alerts_;
  static std::map<std::string, Account>* accounts_;
};

TestServer* AlertRoutingBase::env_ = nullptr;
v1::CareTeamService::Stub* AlertRoutingBase::teams_ = nullptr;
v1::FollowUpService::Stub* AlertRoutingBase::followups_ = nullptr;
v1::AlertService::Stub* AlertRoutingBase::alerts_ = nullptr;
std::map<std::string, Account>* AlertRoutingBase::accounts_ = nullptr;

// Production deadlines (30 minutes for a critical alert): nothing escalates here.
class AlertRoutingTest : public AlertRoutingBase {
 protected:
  static void SetUpTestSuite() { Open("it_alert_routing", 30 * 60); }
};

// Critical alerts must be acknowledged within 3 s.
class AlertRoutingEscalationTest : public AlertRoutingBase {
 protected:
  static void SetUpTestSuite() { Open("it_alert_routing_esc", 3); }
};

constexpr int kHighRisk = 1;
constexpr int kBecameUnstable = 2;
constexpr int kOverdueUnstable = 6;

// Runs first (gtest keeps declaration order): no police or grid account exists outside
// street 320106001 yet.
TEST_F(AlertRoutingTest, AnAlertNobodyOfARequiredRoleCanTakeGoesToTheDutyRoleAndIsListed) {
  const std::string patient = NewPatient("psychiatrist", "320106010001", 1);
  Record("psychiatrist", patient, Form(D(TodayBeijing()), 4));

  // Nobody holds police or grid worker above the demo street: the district's duty role
  // (the demo psychiatrist, community_doctor/psychiatrist by default) takes it.
  EXPECT_EQ(RecipientsOf(patient, kHighRisk), std::set<std::string>({"psychiatrist"}));
  auto inbox = Inbox("psychiatrist", patient, 1);
  ASSERT_EQ(inbox.size(), 1u);
  EXPECT_EQ(inbox[0].reason(), v1::RECIPIENT_REASON_DUTY);
  EXPECT_EQ(inbox[0].audience(), v1::ALERT_AUDIENCE_FULL);
  EXPECT_TRUE(inbox[0].has_deadline());

  // The administrator's "no recipient" list: both roles, no patient identity.
  std::vector<v1::AlertGap> gaps = Gaps("320106010", false);
  ASSERT_EQ(gaps.size(), 2u);
  std::set<v1::Role> missing;
  for (const auto& g : gaps) {
    missing.insert(g.missing_role());
    EXPECT_EQ(g.alert_id(), inbox[0].alert_id());
    EXPECT_EQ(g.jurisdiction(), "320106010001");
    EXPECT_EQ(g.cause(), v1::ALERT_GAP_CAUSE_RAISED);
    EXPECT_EQ(g.duty_recipients(), 1);
    EXPECT_EQ(g.severity(), 4);
    EXPECT_FALSE(g.has_resolved_at());
    EXPECT_THAT(g.DebugString(), ::testing::Not(HasSubstr("路由测试")));
  }
  EXPECT_EQ(missing, std::set<v1::Role>({v1::ROLE_POLICE, v1::ROLE_GRID_WORKER}));
  // Only administrators read it.
  v1::ListAlertGapsRequest req;
  v1::ListAlertGapsResponse resp;
  for (const char* user : {"doctor", "police", "analyst"}) {
    EXPECT_EQ(alerts_->ListAlertGaps(TestServer::Ctx(A(user).token).get(), req, &resp).error_code(),
              grpc::StatusCode::PERMISSION_DENIED)
        << user;
  }

  // The manual alert's caller is told which roles nobody could take.
  v1::RaiseAlertRequest manual;
  manual.set_patient_id(patient);
  manual.set_severity(3);
  manual.set_cause("请派出所上门 (please visit)");
  v1::RaiseAlertResponse raised;
  ASSERT_TRUE(
      alerts_->RaiseAlert(TestServer::Ctx(A("psychiatrist").token).get(), manual, &raised).ok());
  EXPECT_THAT(raised.unrouted_roles(), ElementsAre(v1::ROLE_POLICE, v1::ROLE_GRID_WORKER));

  // The metric of alerts that missed a required role counts them (target 0).
  auto metrics = v1::MetricsService::NewStub(env_->channel());
  v1::GetMetricsRequest mreq;
  mreq.set_region("320106010001");
  mreq.mutable_period()->set_year(static_cast<int>(TodayBeijing().year()));
  mreq.mutable_period()->set_month(TodayBeijing().month());
  v1::MetricsReport rep;
  ASSERT_TRUE(metrics->GetMetrics(TestServer::Ctx(A("analyst").token).get(), mreq, &rep).ok());
  bool found = false;
  for (const auto& ind : rep.region().indicators()) {
    if (ind.code() != "alert_gap_rate") continue;
    found = true;
    EXPECT_EQ(ind.numerator(), 2) << "both alerts missed police and grid";
    EXPECT_EQ(ind.denominator(), 2);
    EXPECT_FALSE(ind.met());
  }
  EXPECT_TRUE(found);

  // An administrator creates the district's police and grid accounts: the open gaps are
  // routed to them within a pass, and resolved.
  NewUser("police_district", v1::ROLE_POLICE, "320106");
  NewUser("grid_district", v1::ROLE_GRID_WORKER, "320106");
  ASSERT_TRUE(WaitUntil([&] { return Gaps("320106010", false).empty(); }, absl::Seconds(10)));
  EXPECT_EQ(Inbox("police_district", patient, 2).size(), 2u);
  EXPECT_EQ(Inbox("grid_district", patient, 2).size(), 2u);
  EXPECT_EQ(Inbox("police_district", patient)[0].reason(), v1::RECIPIENT_REASON_REROUTED);
  gaps = Gaps("320106010", true);
  ASSERT_EQ(gaps.size(), 4u);
  for (const auto& g : gaps) {
    EXPECT_TRUE(g.has_resolved_at());
    EXPECT_EQ(g.resolved_recipients(), 1);
  }
}

// The probe's case: a risk-4 alert in 320106010001 got no recipient although district
// police and grid accounts existed.
TEST_F(AlertRoutingTest, ARiskFourVisitWithoutStreetPoliceReachesTheDistrictsPolice) {
  if (accounts_->count("police_district") == 0) NewUser("police_district", v1::ROLE_POLICE, "320106");
  if (accounts_->count("grid_district") == 0) NewUser("grid_district", v1::ROLE_GRID_WORKER, "320106");
  const std::string patient = NewPatient("psychiatrist", "320106010002", 2);
  Record("psychiatrist", patient, Form(D(TodayBeijing()), 4));
  EXPECT_EQ(RecipientsOf(patient, kHighRisk),
            std::set<std::string>({"grid_district", "police_district"}));
  auto inbox = Inbox("police_district", patient, 1);
  ASSERT_EQ(inbox.size(), 1u);
  EXPECT_EQ(inbox[0].kind(), v1::ALERT_KIND_HIGH_RISK);
  EXPECT_EQ(inbox[0].reason(), v1::RECIPIENT_REASON_JURISDICTION);
  EXPECT_TRUE(Gaps("320106010002", false).empty());
  // Where the street has its own police, the district's are not bothered.
  const std::string local = NewPatient("doctor", "320106001002", 3);
  Record("doctor", local, Form(D(TodayBeijing()), 4));
  const std::set<std::string> got = RecipientsOf(local, kHighRisk);
  EXPECT_EQ(got.count("police"), 1u);
  EXPECT_EQ(got.count("police_district"), 0u);
  // 320106001002 has no grid worker of its own (the demo one is at 320106001001): the
  // district's grid worker is the nearest.
  EXPECT_EQ(got.count("grid"), 0u);
  EXPECT_EQ(got.count("grid_district"), 1u);
}

// A patient who becomes 不稳定 because of a serious drug reaction at risk 0 is not
// announced to the police and grid workers: the clinical side of the team gets it.
TEST_F(AlertRoutingTest, ADrugReactionInstabilityReachesTheDoctorAndNoPoliceOrGridWorker) {
  const std::string patient = NewPatient("doctor", "320106001001", 4);
  AddMember("doctor", patient, v1::TEAM_ROLE_DOCTOR, "doctor");
  AddMember("doctor", patient, v1::TEAM_ROLE_POLICE, "police");
  AddMember("doctor", patient, v1::TEAM_ROLE_GRID_WORKER, "grid");
  AddMember("doctor", patient, v1::TEAM_ROLE_COMMUNITY_WORKER, "worker");
  v1::FollowUpForm f = Form(D(TodayBeijing()), 0);
  f.set_adr(v1::ADVERSE_REACTION_SERIOUS);
  f.set_adr_text("合成测试：严重药物不良反应 (synthetic)");
  Record("doctor", patient, f);

  EXPECT_EQ(RecipientsOf(patient, kBecameUnstable), std::set<std::string>({"doctor", "worker"}));
  auto mine = Inbox("doctor", patient, 1);
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].audience(), v1::ALERT_AUDIENCE_CLINICAL);
  EXPECT_EQ(mine[0].reason(), v1::RECIPIENT_REASON_CARE_TEAM);
  EXPECT_THAT(Inbox("police", patient), IsEmpty());
  EXPECT_THAT(Inbox("grid", patient), IsEmpty());

  // The doctor can still raise one to the police by hand.
  v1::RaiseAlertRequest manual;
  manual.set_patient_id(patient);
  manual.set_severity(2);
  manual.set_cause("请民警协助送医 (please help take the patient to hospital)");
  v1::RaiseAlertResponse raised;
  ASSERT_TRUE(alerts_->RaiseAlert(TestServer::Ctx(A("doctor").token).get(), manual, &raised).ok());
  EXPECT_THAT(raised.unrouted_roles(), IsEmpty());
  auto police = Inbox("police", patient, 1);
  ASSERT_EQ(police.size(), 1u);
  EXPECT_EQ(police[0].kind(), v1::ALERT_KIND_MANUAL);
}

// The overdue-unstable alert goes to the clinical side as well.
TEST_F(AlertRoutingTest, AnOverdueUnstablePatientIsTheDoctorsWorkNotThePolices) {
  const std::string patient = NewPatient("doctor", "320106001001", 5);
  AddMember("doctor", patient, v1::TEAM_ROLE_POLICE, "police");
  // A visit 40 days ago at risk 2 with marked symptoms: 不稳定, due again in 2 weeks.
  v1::FollowUpForm f = Form(D(TodayBeijing() - 40), 2);
  f.set_symptom_severity(v1::SYMPTOM_SEVERITY_MARKED);
  Record("doctor", patient, f);
  // The overdue pass runs every second here (every hour by default).
  ASSERT_TRUE(WaitUntil([&] { return !RecipientsOf(patient, kOverdueUnstable).empty(); },
                        absl::Seconds(10)));
  EXPECT_EQ(RecipientsOf(patient, kOverdueUnstable), std::set<std::string>({"doctor"}));
  EXPECT_EQ(RecipientsOf(patient, kBecameUnstable), std::set<std::string>({"doctor"}));
}

TEST_F(AlertRoutingTest, APoliceOfficerMovedToAnotherStreetStopsReceivingAndHandsOnHisCopies) {
  NewUser("police_hunan", v1::ROLE_POLICE, "320106003");
  NewUser("grid_hunan", v1::ROLE_GRID_WORKER, "320106003001");
  const std::string patient = NewPatient("psychiatrist", "320106003001", 6);
  AddMember("psychiatrist", patient, v1::TEAM_ROLE_POLICE, "police_hunan");
  // A notice (severity 1): no deadline, so only the move can hand it on.
  v1::RaiseAlertRequest manual;
  manual.set_patient_id(patient);
  manual.set_severity(1);
  manual.set_cause("请关注 (please keep an eye)");
  v1::RaiseAlertResponse raised;
  ASSERT_TRUE(
      alerts_->RaiseAlert(TestServer::Ctx(A("psychiatrist").token).get(), manual, &raised).ok());
  ASSERT_EQ(Inbox("police_hunan", patient, 1).size(), 1u);

  if (accounts_->count("police_district") == 0) NewUser("police_district", v1::ROLE_POLICE, "320106");
  // Moved to another street (中央门街道).
  AssignRole("police_hunan", v1::ROLE_POLICE, "320106004");
  (*accounts_)["police_hunan"] = SignIn("police_hunan", "Synthetic-pass-2026");
  // He leaves the patient's care team ...
  v1::ListTeamRequest lt;
  lt.set_patient_id(patient);
  lt.set_include_history(true);
  v1::ListTeamResponse team;
  ASSERT_TRUE(teams_->ListTeam(TestServer::Ctx(A("psychiatrist").token).get(), lt, &team).ok());
  ASSERT_EQ(team.members_size(), 1);
  EXPECT_TRUE(team.members(0).has_end_date());
  EXPECT_THAT(team.members(0).end_reason(), HasSubstr("辖区"));
  // ... no longer sees the old street's alert ...
  EXPECT_THAT(Inbox("police_hunan", patient), IsEmpty());
  // ... and his open copy is handed on to the police who now cover the patient (the
  // district's, the street having no other).
  ASSERT_TRUE(WaitUntil([&] { return Inbox("police_district", patient).size() == 1; },
                        absl::Seconds(10)));
  EXPECT_EQ(Inbox("police_district", patient)[0].reason(), v1::RECIPIENT_REASON_REROUTED);
  EXPECT_EQ(env_->db().QueryValue(absl::StrCat(
                "SELECT escalation_cause FROM alert_recipient r JOIN app_user u ON u.id = "
                "r.user_id WHERE u.username = 'police_hunan' AND r.alert_id = '",
                raised.alert_id(), "'")),
            "2");

  // A new risk-4 visit reaches the street's grid worker and the district's police, not him.
  Record("psychiatrist", patient, Form(D(TodayBeijing()), 4));
  const std::set<std::string> got = RecipientsOf(patient, kHighRisk);
  EXPECT_EQ(got.count("police_hunan"), 0u);
  EXPECT_EQ(got.count("police_district"), 1u);
  EXPECT_EQ(got.count("grid_hunan"), 1u);
}

TEST_F(AlertRoutingEscalationTest, EscalationNeverReachesARoleThatMayNotSeeTheAlert) {
  NewUser("police_district", v1::ROLE_POLICE, "320106");
  NewUser("grid_jiangdong", v1::ROLE_GRID_WORKER, "320106006001");
  NewUser("police_jiangdong", v1::ROLE_POLICE, "320106006");
  const std::string patient = NewPatient("psychiatrist", "320106006001", 7);
  // A critical alert (3 s to acknowledge here) that nobody acknowledges.
  Record("psychiatrist", patient, Form(D(TodayBeijing()), 4));
  ASSERT_EQ(Inbox("police_jiangdong", patient, 1).size(), 1u);
  // The street's police officer becomes a health-committee account before it escalates.
  AssignRole("police_jiangdong", v1::ROLE_HEALTH_COMMITTEE, "320106");
  ASSERT_TRUE(WaitUntil(
      [&] {
        return env_->db().QueryValue(absl::StrCat(
                   "SELECT count(*) FROM alert a JOIN alert_recipient r ON r.alert_id = a.id "
                   "WHERE a.patient_id = '", patient, "' AND r.escalated_at IS NULL "
                   "AND r.acked_at IS NULL")) != "0" &&
               env_->db().QueryValue(absl::StrCat(
                   "SELECT count(*) FROM alert a JOIN alert_recipient r ON r.alert_id = a.id "
                   "WHERE a.patient_id = '", patient, "' AND r.escalation_level >= 1")) != "0";
      },
      absl::Seconds(15)));
  // Every copy ever made of this patient's alerts went to a role that may see it.
  EXPECT_EQ(env_->db().QueryValue(absl::StrCat(
                "SELECT count(*) FROM alert a JOIN alert_recipient r ON r.alert_id = a.id "
                "JOIN app_user u ON u.id = r.user_id WHERE a.patient_id = '", patient,
                "' AND r.role NOT IN (1, 2, 3, 4, 5)")),
            "0");
  EXPECT_EQ(env_->db().QueryValue(
                "SELECT count(*) FROM alert_recipient r JOIN app_user u ON u.id = r.user_id "
                "WHERE u.role IN (6, 7, 8) AND r.role = u.role"),
            "0")
      << "no copy was ever routed to a health committee, auditor or administrator";
  // Escalation that finds nobody above the duty role is listed for administrators.
  ASSERT_TRUE(WaitUntil(
      [&] {
        for (const auto& g : Gaps("320106006", false)) {
          if (g.cause() == v1::ALERT_GAP_CAUSE_ESCALATION) return true;
        }
        return false;
      },
      absl::Seconds(15)));
  // The re-roled account sees none of it.
  (*accounts_)["police_jiangdong"] = SignIn("police_jiangdong", "Synthetic-pass-2026");
  v1::ListAlertsRequest req;
  v1::ListAlertsResponse resp;
  ASSERT_TRUE(
      alerts_->ListAlerts(TestServer::Ctx(A("police_jiangdong").token).get(), req, &resp).ok());
  EXPECT_EQ(resp.alerts_size(), 0);
}

// Item 8 for alerts: one damaged snapshot must not stop a recipient's stream or inbox (a
// stream that failed on it would fail again at every reconnect, and every later alert
// would be lost to that user).
TEST_F(AlertRoutingTest, AnUndecryptableAlertIsStillDeliveredAndTheOthersFlow) {
  const std::string patient = NewPatient("doctor", "320106001001", 8);
  auto raise = [&](const std::string& cause) {
    v1::RaiseAlertRequest req;
    req.set_patient_id(patient);
    req.set_severity(2);
    req.set_cause(cause);
    v1::RaiseAlertResponse resp;
    EXPECT_TRUE(alerts_->RaiseAlert(TestServer::Ctx(A("doctor").token).get(), req, &resp).ok());
    return resp.alert_id();
  };
  const std::string first = raise("第一条 (first)");
  std::vector<v1::AlertMessage> before = Inbox("police", patient, 1);
  ASSERT_EQ(before.size(), 1u);
  const int64_t cursor = before[0].seq() - 1;
  // One flipped byte of the encrypted snapshot (name, address, cause).
  env_->db().ExecSuper(absl::StrCat(
      "UPDATE alert SET snapshot_enc = set_byte(snapshot_enc, 20, get_byte(snapshot_enc, 20) # 1) "
      "WHERE id = '", first, "'"));
  const std::string second = raise("第二条 (second)");

  // The stream resumes from before the damaged alert: it delivers it, flagged, and the next.
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer " + A("police").token);
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  v1::SubscribeAlertsRequest sub;
  sub.set_after(cursor);
  auto reader = alerts_->SubscribeAlerts(&ctx, sub);
  std::vector<v1::AlertMessage> got;
  v1::AlertMessage m;
  while (got.size() < 2 && reader->Read(&m)) got.push_back(m);
  ctx.TryCancel();
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].alert_id(), first);
  EXPECT_TRUE(got[0].unreadable());
  EXPECT_EQ(got[0].patient_id(), patient);
  EXPECT_EQ(got[0].kind(), v1::ALERT_KIND_MANUAL);
  EXPECT_EQ(got[0].jurisdiction(), "320106001001");
  EXPECT_EQ(got[0].patient_name(), "");
  EXPECT_EQ(got[0].cause(), "");
  EXPECT_EQ(got[1].alert_id(), second);
  EXPECT_FALSE(got[1].unreadable());
  EXPECT_THAT(got[1].cause(), HasSubstr("second"));

  // The inbox serves both and counts the damaged one; it can be acknowledged.
  v1::ListAlertsRequest list;
  list.set_patient_id(patient);
  v1::ListAlertsResponse inbox;
  ASSERT_TRUE(alerts_->ListAlerts(TestServer::Ctx(A("police").token).get(), list, &inbox).ok());
  EXPECT_EQ(inbox.alerts_size(), 2);
  EXPECT_EQ(inbox.unreadable_count(), 1);
  v1::AcknowledgeAlertRequest ack;
  ack.set_seq(got[0].seq());
  v1::AlertMessage acked;
  EXPECT_TRUE(alerts_->AcknowledgeAlert(TestServer::Ctx(A("police").token).get(), ack, &acked).ok());

  // A damaged guardian contact does not fail the team's listing either.
  v1::AddMemberRequest add;
  add.set_patient_id(patient);
  add.set_team_role(v1::TEAM_ROLE_GUARDIAN);
  add.set_contact_name("合成监护人");
  add.set_contact_phone(UndiallablePhone(8));
  v1::TeamMember guardian;
  ASSERT_TRUE(teams_->AddMember(TestServer::Ctx(A("doctor").token).get(), add, &guardian).ok());
  env_->db().ExecSuper(absl::StrCat(
      "UPDATE care_team_member SET contact_enc = set_byte(contact_enc, 20, "
      "get_byte(contact_enc, 20) # 1) WHERE id = '", guardian.member_id(), "'"));
  v1::ListTeamRequest lt;
  lt.set_patient_id(patient);
  v1::ListTeamResponse team;
  ASSERT_TRUE(teams_->ListTeam(TestServer::Ctx(A("doctor").token).get(), lt, &team).ok());
  EXPECT_EQ(team.unreadable_count(), 1);
  bool found = false;
  for (const auto& member : team.members()) {
    if (member.member_id() != guardian.member_id()) continue;
    found = true;
    EXPECT_TRUE(member.unreadable());
    EXPECT_EQ(member.display_name(), "");
    EXPECT_EQ(member.phone(), "");
  }
  EXPECT_TRUE(found);
}

TEST_F(AlertRoutingTest, ACursorBeyondTheCallersNewestAlertIsOutOfRange) {
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer " + A("worker").token);
  v1::SubscribeAlertsRequest req;
  req.set_after(999999999);
  auto reader = alerts_->SubscribeAlerts(&ctx, req);
  v1::AlertMessage m;
  EXPECT_FALSE(reader->Read(&m));
  grpc::Status s = reader->Finish();
  EXPECT_EQ(s.error_code(), grpc::StatusCode::OUT_OF_RANGE);
  EXPECT_THAT(s.error_message(), HasSubstr("after"));
}

}  // namespace
}  // namespace smd::testing
