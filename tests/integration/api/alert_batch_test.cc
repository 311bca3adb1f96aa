// The alert streams' batched fetch (issue 17 item 4), over gRPC against a real PostgreSQL:
// streams of users of different roles and jurisdictions, two streams of one user at
// different cursors, and a stream whose session was signed out, all woken together, are
// fetched by one transaction per woken batch (app/alert_batch.h), and still each stream
// gets exactly its own user's copies that the user may act on (the inbox's need-to-know
// filter: a police officer moved away sees nothing of his old street, police and grid
// workers nothing clinical), each once, in sequence order, from its own cursor; every
// fetch that delivered is audited with its user and patients as before; the signed-out
// stream ends UNAUTHENTICATED without disturbing the others.
//
// Demo accounts (app/demo_seed.cc): doctor, police, worker at street 320106001; grid at
// community 320106001001; psychiatrist and admin at the district 320106.

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "smd/v1/alerts.grpc.pb.h"
#include "smd/v1/followups.grpc.pb.h"
#include "support/alert_subscriber.h"
#include "support/forms.h"
#include "support/test_env.h"

namespace smd::testing {
namespace {

constexpr char kFetchMethod[] = "/smd.v1.AlertService/SubscribeAlerts";

bool WaitUntil(const std::function<bool()>& done, absl::Duration timeout) {
  const absl::Time end = absl::Now() + timeout;
  while (absl::Now() < end) {
    if (done()) return true;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return done();
}

class AlertBatchTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    // A heartbeat every second also wakes (and so re-checks the session of) every stream,
    // the signed-out one included, all together.
    env_ = new TestServer("it_alert_batch", 0,
                          [](runtime::Config& c) { c.alert_heartbeat_seconds = 1; });
    teams_ = v1::CareTeamService::NewStub(env_->channel()).release();
    followups_ = v1::FollowUpService::NewStub(env_->channel()).release();
    alerts_ = v1::AlertService::NewStub(env_->channel()).release();
    accounts_ = new std::map<std::string, Account>();
    for (auto [user, pw] :
         std::vector<std::pair<std::string, std::string>>{{"doctor", kDoctorPw},
                                                          {"police", kPolicePw},
                                                          {"grid", kGridPw},
                                                          {"worker", "Demo-worker-2026"},
                                                          {"psychiatrist", kPsychPw},
                                                          {"admin", kAdminPw}}) {
      (*accounts_)[user] = env_->SignIn(user, pw);
    }
  }
  static void TearDownTestSuite() {
    delete teams_;
    delete followups_;
    delete alerts_;
    delete accounts_;
    delete env_;
  }

  static const Account& A(const std::string& user) { return accounts_->at(user); }

  static void NewUser(const std::string& name, v1::Role role, const std::string& jurisdiction) {
    v1::CreateUserRequest req;
    req.set_username(name);
    req.set_display_name(absl::StrCat("批量测试", name));
    req.set_password("Synthetic-pass-2026");
    req.set_role(role);
    req.set_jurisdiction(jurisdiction);
    v1::User u;
    grpc::Status s = env_->admin->CreateUser(TestServer::Ctx(A("admin").token).get(), req, &u);
    ASSERT_TRUE(s.ok()) << name << ": " << s.error_message();
    (*accounts_)[name] = env_->SignIn(name, "Synthetic-pass-2026");
  }

  // A patient of `community`, registered by the district's psychiatrist, with the demo
  // doctor on its care team.
  static std::string NewPatient(const std::string& community, int seq) {
    v1::RegisterPatientRequest req;
    *req.mutable_details() =
        ValidDetails(SyntheticIdNumber("19820304", seq), absl::StrCat("批量预警", seq), community);
    v1::Patient p;
    grpc::Status s =
        env_->patients->RegisterPatient(TestServer::Ctx(A("psychiatrist").token).get(), req, &p);
    EXPECT_TRUE(s.ok()) << s.error_message();
    env_->BackdateRegistration(p.patient_id());
    return p.patient_id();
  }

  static void AddDoctor(const std::string& patient) {
    v1::AddMemberRequest add;
    add.set_patient_id(patient);
    add.set_team_role(v1::TEAM_ROLE_DOCTOR);
    add.set_user_id(A("doctor").user_id);
    v1::TeamMember m;
    grpc::Status s = teams_->AddMember(TestServer::Ctx(A("psychiatrist").token).get(), add, &m);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  static void Manual(const std::string& patient, const std::string& cause) {
    v1::RaiseAlertRequest req;
    req.set_patient_id(patient);
    req.set_severity(2);
    req.set_cause(cause);
    v1::RaiseAlertResponse resp;
    grpc::Status s =
        alerts_->RaiseAlert(TestServer::Ctx(A("psychiatrist").token).get(), req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }

  // What the user may act on after `after`, oldest first: the inbox (ListAlerts applies
  // the same need-to-know filter as the stream).
  static std::vector<v1::AlertMessage> InboxAfter(const std::string& user, int64_t after) {
    v1::ListAlertsRequest req;
    req.mutable_page()->set_page_size(100);
    v1::ListAlertsResponse resp;
    grpc::Status s = alerts_->ListAlerts(TestServer::Ctx(A(user).token).get(), req, &resp);
    EXPECT_TRUE(s.ok()) << user << ": " << s.error_message();
    std::vector<v1::AlertMessage> out;
    for (const auto& m : resp.alerts()) {
      if (m.seq() > after) out.push_back(m);
    }
    std::reverse(out.begin(), out.end());
    return out;
  }

  static int64_t NewestSeq(const std::string& user) {
    auto all = InboxAfter(user, 0);
    return all.empty() ? 0 : all.back().seq();
  }

  static TestServer* env_;
  static v1::CareTeamService::Stub* teams_;
  static v1::FollowUpService::Stub* followups_;
  static v1::AlertService::Stub* alerts_;
  static std::map<std::string, Account>* accounts_;
};

TestServer* AlertBatchTest::env_ = nullptr;
v1::CareTeamService::Stub* AlertBatchTest::teams_ = nullptr;
v1::FollowUpService::Stub* AlertBatchTest::followups_ = nullptr;
v1::AlertService::Stub* AlertBatchTest::alerts_ = nullptr;
std::map<std::string, Account>* AlertBatchTest::accounts_ = nullptr;

TEST_F(AlertBatchTest, StreamsWokenTogetherEachGetTheirOwnCopiesOnceInOrderAndAudited) {
  // Users of different roles and jurisdictions besides the demo ones.
  NewUser("grid2", v1::ROLE_GRID_WORKER, "320106001002");
  NewUser("police2", v1::ROLE_POLICE, "320106002");
  NewUser("grid3", v1::ROLE_GRID_WORKER, "320106002001");
  NewUser("mover", v1::ROLE_POLICE, "320106003");
  const std::string p1 = NewPatient("320106001001", 1);  // police, grid, doctor (team)
  const std::string p2 = NewPatient("320106001002", 2);  // police, grid2, doctor (team)
  const std::string p3 = NewPatient("320106002001", 3);  // police2, grid3
  const std::string p4 = NewPatient("320106003001", 4);  // mover, before he moves
  AddDoctor(p1);
  AddDoctor(p2);

  // The mover's copy of his old street: hidden once he is moved (he may no longer act on
  // it), so none of his streams may ever deliver it.
  Manual(p4, "调动前 (before the move)");
  {
    v1::AssignRoleRequest req;
    req.set_user_id(A("mover").user_id);
    req.set_role(v1::ROLE_POLICE);
    req.set_jurisdiction("320106004");
    v1::User u;
    ASSERT_TRUE(env_->admin->AssignRole(TestServer::Ctx(A("admin").token).get(), req, &u).ok());
    // A new role or jurisdiction ends the user's sessions: he signs in again.
    (*accounts_)["mover"] = env_->SignIn("mover", "Synthetic-pass-2026");
  }
  // History the police officer's second stream (cursor 0) replays.
  Manual(p1, "历史 (history)");
  Manual(p3, "历史 (history)");

  // A session that signs out while its stream is open.
  const Account leaver = env_->SignIn("worker", "Demo-worker-2026");

  struct Opened {
    std::string user;
    int64_t after = 0;
    std::unique_ptr<Subscriber> stream;
  };
  std::vector<Opened> streams;
  auto open = [&](const std::string& user, int64_t after) {
    streams.push_back({user, after, nullptr});
    streams.back().stream = std::make_unique<Subscriber>(env_->channel(), A(user).token, after);
  };
  // The audit rows of this test's fetches: after the newest row so far.
  const std::string since = env_->db().QueryValue("SELECT coalesce(max(id), 0) FROM audit_log");
  for (const char* user :
       {"doctor", "police", "grid", "worker", "grid2", "police2", "grid3", "mover"}) {
    open(user, NewestSeq(user));
  }
  open("police", 0);  // the same user, another cursor
  open("mover", 0);   // from the start: still nothing of his old street
  Subscriber leaving(env_->channel(), leaver.token, 0);
  // Every stream's first fetch is done (audited) before the alerts are raised.
  const size_t first_fetches = streams.size() + 1;
  ASSERT_TRUE(WaitUntil(
      [&] {
        return std::stoul(env_->db().QueryValue(
                   absl::StrCat("SELECT count(*) FROM audit_log WHERE method = '", kFetchMethod,
                                "' AND id > ", since))) >= first_fetches;
      },
      absl::Seconds(20)));
  v1::LogoutRequest logout;
  v1::LogoutResponse out;
  ASSERT_TRUE(env_->auth->Logout(TestServer::Ctx(leaver.token).get(), logout, &out).ok());

  // Alerts in quick succession for every community: each wakes several streams at once.
  for (int round = 0; round < 3; ++round) {
    for (const std::string& p : {p1, p2, p3, p4}) {
      Manual(p, absl::StrCat("批量唤醒 ", round, " (woken together)"));
    }
  }
  // A clinical alert (a serious drug reaction): the doctor's and worker's, never the
  // police officers' or grid workers'.
  {
    v1::RecordFollowUpRequest req;
    req.set_patient_id(p1);
    v1::FollowUpForm f = Form(D(TodayBeijing()), 0);
    f.set_adr(v1::ADVERSE_REACTION_SERIOUS);
    f.set_adr_text("合成测试：严重药物不良反应 (synthetic)");
    *req.mutable_form() = f;
    v1::FollowUp answer;
    grpc::Status s =
        followups_->RecordFollowUp(TestServer::Ctx(A("doctor").token).get(), req, &answer);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  // Every copy is sequenced (the inbox lists only sequenced copies).
  ASSERT_TRUE(WaitUntil(
      [&] {
        return env_->db().QueryValue("SELECT count(*) FROM alert_recipient WHERE seq IS NULL") ==
               "0";
      },
      absl::Seconds(10)));

  for (Opened& o : streams) {
    const std::vector<v1::AlertMessage> want = InboxAfter(o.user, o.after);
    ASSERT_TRUE(o.stream->WaitFor(want.size(), absl::Seconds(20)))
        << o.user << " from " << o.after << ": " << o.stream->messages().size() << " of "
        << want.size();
  }
  ASSERT_TRUE(leaving.WaitEnded(absl::Seconds(20)));
  EXPECT_EQ(leaving.status().error_code(), grpc::StatusCode::UNAUTHENTICATED);
  // Anything extra (a duplicate, another user's copy) would arrive with the rest.
  absl::SleepFor(absl::Milliseconds(500));

  std::set<std::string> stream_users;
  for (Opened& o : streams) {
    SCOPED_TRACE(absl::StrCat(o.user, " from cursor ", o.after));
    stream_users.insert(A(o.user).user_id);
    const std::vector<v1::AlertMessage> want = InboxAfter(o.user, o.after);
    const std::vector<v1::AlertMessage> got = o.stream->messages();
    std::vector<int64_t> want_seqs, got_seqs;
    for (const auto& m : want) want_seqs.push_back(m.seq());
    for (const auto& m : got) got_seqs.push_back(m.seq());
    EXPECT_EQ(got_seqs, want_seqs) << "exactly the user's own copies, once, in order";
    for (size_t i = 0; i < got.size() && i < want.size(); ++i) {
      EXPECT_EQ(got[i].alert_id(), want[i].alert_id());
      EXPECT_EQ(got[i].patient_id(), want[i].patient_id());
      EXPECT_EQ(got[i].cause(), want[i].cause());
      EXPECT_EQ(got[i].audience(), want[i].audience());
    }
    const bool non_clinical =
        o.user.rfind("police", 0) == 0 || o.user.rfind("grid", 0) == 0 || o.user == "mover";
    for (const auto& m : got) {
      if (non_clinical) {
        EXPECT_NE(m.audience(), v1::ALERT_AUDIENCE_CLINICAL) << m.seq();
      }
      if (o.user == "mover") {
        EXPECT_NE(m.patient_id(), p4) << "his old street's alert";
      }
    }
    // Every copy the stream delivered is the user's (by the outbox) and was audited by a
    // fetch of that user naming its patient and its sequence (as Fetch audits it).
    if (got_seqs.empty()) continue;
    const std::string seqs = absl::StrCat("'{", absl::StrJoin(got_seqs, ","), "}'::bigint[]");
    EXPECT_EQ(
        env_->db().QueryValue(absl::StrCat("SELECT count(*) FROM alert_recipient WHERE seq = ANY(",
                                           seqs, ") AND user_id = '", A(o.user).user_id, "'")),
        std::to_string(got_seqs.size()));
    EXPECT_EQ(env_->db().QueryValue(absl::StrCat(
                  "SELECT count(*) FROM alert_recipient r JOIN alert a ON a.id = r.alert_id "
                  "WHERE r.seq = ANY(",
                  seqs,
                  ") AND NOT EXISTS (SELECT 1 FROM audit_log l "
                  "WHERE l.user_id = r.user_id AND l.method = '",
                  kFetchMethod,
                  "' AND l.outcome = 'OK' AND a.patient_id = ANY(l.patient_ids) "
                  "AND l.detail LIKE 'fetched seq %' AND r.seq BETWEEN "
                  "split_part(substr(l.detail, 13), '..', 1)::bigint AND "
                  "split_part(split_part(l.detail, '..', 2), ' ', 1)::bigint)")),
              "0")
        << "a delivered copy without its audited fetch";
  }

  // The fetches were batched: one transaction read (and audited) the copies of streams of
  // different users. One fetch transaction per stream, as before, never does.
  EXPECT_NE(env_->db().QueryValue(
                absl::StrCat("SELECT count(*) FROM (SELECT tx FROM audit_log WHERE method = '",
                             kFetchMethod, "' AND outcome = 'OK' AND id > ", since,
                             " GROUP BY tx HAVING count(DISTINCT user_id) > 1) t")),
            "0");
  // The signed-out stream's refusal is audited, as a refused fetch always was.
  EXPECT_NE(env_->db().QueryValue(
                absl::StrCat("SELECT count(*) FROM audit_log WHERE method = '", kFetchMethod,
                             "' AND outcome = 'UNAUTHENTICATED' AND id > ", since)),
            "0");
}

}  // namespace
}  // namespace smd::testing
