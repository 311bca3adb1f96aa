// Care-and-help teams (关爱帮扶小组) over gRPC against a real PostgreSQL: building a team,
// the members' own lists, the team-gap work list (rules.md decision: 不稳定 or risk >= 3
// needs a doctor, a police officer and a grid worker), roles and jurisdiction, history,
// and the contact's encryption at rest.

#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "smd/v1/alerts.grpc.pb.h"
#include "smd/v1/followups.grpc.pb.h"
#include "support/forms.h"
#include "support/test_env.h"

namespace smd::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class CareTeamTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env_ = new TestServer("it_careteam", 0);
    teams_ = v1::CareTeamService::NewStub(env_->channel()).release();
    followups_ = v1::FollowUpService::NewStub(env_->channel()).release();
    doctor_ = new Account(SignIn("doctor", kDoctorPw));
    doctor2_ = new Account(SignIn("doctor2", kDoctor2Pw));
    police_ = new Account(SignIn("police", kPolicePw));
    grid_ = new Account(SignIn("grid", kGridPw));
    psych_ = new Account(SignIn("psychiatrist", kPsychPw));
  }
  static void TearDownTestSuite() {
    delete teams_;
    delete followups_;
    delete doctor_;
    delete doctor2_;
    delete police_;
    delete grid_;
    delete psych_;
    delete env_;
  }

  static Account SignIn(const std::string& user, const std::string& password) {
    return env_->SignIn(user, password);
  }

  // A patient of community 320106001001 (the demo grid worker's), optionally given a risk
  // level by a follow-up visit today.
  std::string NewPatient(int seq, int risk = -1, const std::string& community = "320106001001") {
    v1::RegisterPatientRequest req;
    *req.mutable_details() =
        ValidDetails(SyntheticIdNumber("19750101", seq), absl::StrCat("帮扶测试", seq), community);
    v1::Patient p;
    grpc::Status s =
        env_->patients->RegisterPatient(TestServer::Ctx(doctor_->token).get(), req, &p);
    EXPECT_TRUE(s.ok()) << s.error_message();
    if (risk >= 0) {
      v1::RecordFollowUpRequest fu;
      fu.set_patient_id(p.patient_id());
      *fu.mutable_form() = Form(D(TodayBeijing()), risk);
      v1::FollowUp out;
      s = followups_->RecordFollowUp(TestServer::Ctx(doctor_->token).get(), fu, &out);
      EXPECT_TRUE(s.ok()) << s.error_message();
    }
    return p.patient_id();
  }

  grpc::Status AddUser(const std::string& patient, v1::TeamRole role, const std::string& user_id,
                       v1::TeamMember* out = nullptr, const std::string& token = "") {
    v1::AddMemberRequest req;
    req.set_patient_id(patient);
    req.set_team_role(role);
    req.set_user_id(user_id);
    v1::TeamMember ignored;
    return teams_->AddMember(TestServer::Ctx(token.empty() ? doctor_->token : token).get(), req,
                             out ? out : &ignored);
  }

  grpc::Status AddContact(const std::string& patient, v1::TeamRole role, const std::string& name,
                          const std::string& phone, v1::TeamMember* out = nullptr) {
    v1::AddMemberRequest req;
    req.set_patient_id(patient);
    req.set_team_role(role);
    req.set_contact_name(name);
    req.set_contact_phone(phone);
    v1::TeamMember ignored;
    return teams_->AddMember(TestServer::Ctx(doctor_->token).get(), req, out ? out : &ignored);
  }

  v1::ListTeamResponse Team(const std::string& patient, bool history = false,
                            const std::string& token = "") {
    v1::ListTeamRequest req;
    req.set_patient_id(patient);
    req.set_include_history(history);
    v1::ListTeamResponse resp;
    grpc::Status s =
        teams_->ListTeam(TestServer::Ctx(token.empty() ? doctor_->token : token).get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  }

  // Every gap of street 320106001 (all pages), by patient id.
  std::map<std::string, v1::TeamGap> Gaps(const std::string& token = "") {
    std::map<std::string, v1::TeamGap> out;
    v1::ListTeamGapsRequest req;
    req.set_region("320106001");
    req.mutable_page()->set_page_size(2);
    for (int i = 0; i < 100; ++i) {
      v1::ListTeamGapsResponse resp;
      grpc::Status s = teams_->ListTeamGaps(
          TestServer::Ctx(token.empty() ? doctor_->token : token).get(), req, &resp);
      EXPECT_TRUE(s.ok()) << s.error_message();
      for (const auto& g : resp.gaps()) {
        EXPECT_EQ(out.count(g.patient_id()), 0u) << "listed twice across pages";
        out[g.patient_id()] = g;
      }
      if (resp.next_page_token().empty()) break;
      req.mutable_page()->set_page_token(resp.next_page_token());
    }
    return out;
  }

  std::vector<v1::MyPatient> MyPatients(const Account& who) {
    std::vector<v1::MyPatient> out;
    v1::ListMyPatientsRequest req;
    req.mutable_page()->set_page_size(1);
    for (int i = 0; i < 100; ++i) {
      v1::ListMyPatientsResponse resp;
      grpc::Status s = teams_->ListMyPatients(TestServer::Ctx(who.token).get(), req, &resp);
      EXPECT_TRUE(s.ok()) << s.error_message();
      for (const auto& p : resp.patients()) out.push_back(p);
      if (resp.next_page_token().empty()) break;
      req.mutable_page()->set_page_token(resp.next_page_token());
    }
    return out;
  }

  static TestServer* env_;
  static v1::CareTeamService::Stub* teams_;
  static v1::FollowUpService::Stub* followups_;
  static Account* doctor_;
  static Account* doctor2_;
  static Account* police_;
  static Account* grid_;
  static Account* psych_;
};

TestServer* CareTeamTest::env_ = nullptr;
v1::CareTeamService::Stub* CareTeamTest::teams_ = nullptr;
v1::FollowUpService::Stub* CareTeamTest::followups_ = nullptr;
Account* CareTeamTest::doctor_ = nullptr;
Account* CareTeamTest::doctor2_ = nullptr;
Account* CareTeamTest::police_ = nullptr;
Account* CareTeamTest::grid_ = nullptr;
Account* CareTeamTest::psych_ = nullptr;

TEST_F(CareTeamTest, DoctorBuildsATeamThatClosesTheGap) {
  const std::string p = NewPatient(301, /*risk=*/3);
  // Risk 3 without a team: a gap missing all three required roles.
  auto gaps = Gaps();
  ASSERT_EQ(gaps.count(p), 1u);
  EXPECT_EQ(gaps[p].name(), "帮扶测试301");
  EXPECT_EQ(gaps[p].jurisdiction(), "320106001001");
  EXPECT_EQ(gaps[p].risk_level(), 3);
  EXPECT_THAT(gaps[p].missing(),
              ElementsAre(v1::TEAM_ROLE_DOCTOR, v1::TEAM_ROLE_POLICE, v1::TEAM_ROLE_GRID_WORKER));

  v1::TeamMember police;
  ASSERT_TRUE(AddUser(p, v1::TEAM_ROLE_POLICE, police_->user_id, &police).ok());
  EXPECT_EQ(police.patient_id(), p);
  EXPECT_EQ(police.team_role(), v1::TEAM_ROLE_POLICE);
  EXPECT_EQ(police.user_id(), police_->user_id);
  EXPECT_FALSE(police.display_name().empty());
  EXPECT_FALSE(police.has_end_date());
  const absl::CivilDay today = TodayBeijing();
  EXPECT_EQ(police.start_date().year(), today.year());
  EXPECT_EQ(police.start_date().day(), today.day());

  v1::TeamMember guardian;
  ASSERT_TRUE(
      AddContact(p, v1::TEAM_ROLE_GUARDIAN, "帮扶监护人甲", "0000-8371234", &guardian).ok());
  EXPECT_EQ(guardian.user_id(), "");
  EXPECT_EQ(guardian.display_name(), "帮扶监护人甲");
  EXPECT_EQ(guardian.phone(), "0000-8371234");

  ASSERT_TRUE(AddUser(p, v1::TEAM_ROLE_DOCTOR, doctor_->user_id).ok());
  gaps = Gaps();
  ASSERT_EQ(gaps.count(p), 1u);
  EXPECT_THAT(gaps[p].missing(), ElementsAre(v1::TEAM_ROLE_GRID_WORKER));

  ASSERT_TRUE(AddUser(p, v1::TEAM_ROLE_GRID_WORKER, grid_->user_id).ok());
  EXPECT_EQ(Gaps().count(p), 0u);

  // Active members by role: doctor, police, grid worker, guardian.
  const auto team = Team(p);
  ASSERT_EQ(team.members_size(), 4);
  EXPECT_EQ(team.members(0).team_role(), v1::TEAM_ROLE_DOCTOR);
  EXPECT_EQ(team.members(1).team_role(), v1::TEAM_ROLE_POLICE);
  EXPECT_EQ(team.members(2).team_role(), v1::TEAM_ROLE_GRID_WORKER);
  EXPECT_EQ(team.members(3).team_role(), v1::TEAM_ROLE_GUARDIAN);
  EXPECT_EQ(team.members(3).display_name(), "帮扶监护人甲");
  EXPECT_EQ(team.members(3).phone(), "0000-8371234");

  // The police officer and the grid worker see the patient on their own lists, and may
  // read the team.
  const auto mine = MyPatients(*police_);
  auto it = std::find_if(mine.begin(), mine.end(),
                         [&](const v1::MyPatient& x) { return x.patient_id() == p; });
  ASSERT_NE(it, mine.end());
  EXPECT_EQ(it->name(), "帮扶测试301");
  EXPECT_EQ(it->jurisdiction(), "320106001001");
  EXPECT_EQ(it->risk_level(), 3);
  EXPECT_EQ(it->my_role(), v1::TEAM_ROLE_POLICE);
  const auto grid_list = MyPatients(*grid_);
  EXPECT_TRUE(std::any_of(grid_list.begin(), grid_list.end(),
                          [&](const v1::MyPatient& x) { return x.patient_id() == p; }));
  EXPECT_EQ(Team(p, false, grid_->token).members_size(), 4);
  EXPECT_EQ(Team(p, false, police_->token).members_size(), 4);
}

// The doctor picks members from a list instead of typing user ids: the accounts whose role
// fits and whose jurisdiction covers the patient, nearest first, members marked.
TEST_F(CareTeamTest, EligibleMembersAreTheAccountsThatFitAndReach) {
  const std::string p = NewPatient(312, 3);
  auto eligible = [&](v1::TeamRole role, const std::string& token = "") {
    v1::ListEligibleMembersRequest req;
    req.set_patient_id(p);
    req.set_team_role(role);
    v1::ListEligibleMembersResponse resp;
    grpc::Status s = teams_->ListEligibleMembers(
        TestServer::Ctx(token.empty() ? doctor_->token : token).get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return resp;
  };
  v1::ListEligibleMembersResponse police = eligible(v1::TEAM_ROLE_POLICE);
  std::vector<std::string> ids;
  for (const auto& u : police.users()) {
    EXPECT_EQ(u.role(), v1::ROLE_POLICE);
    EXPECT_TRUE(absl::StartsWith("320106001001", u.jurisdiction())) << u.jurisdiction();
    EXPECT_FALSE(u.already_member());
    ids.push_back(u.user_id());
  }
  ASSERT_THAT(ids, ::testing::Contains(police_->user_id));
  for (int i = 1; i < police.users_size(); ++i) {
    EXPECT_GE(police.users(i - 1).jurisdiction().size(), police.users(i).jurisdiction().size())
        << "nearest jurisdiction first";
  }
  // Doctors: community doctors and psychiatrists; the other street's doctor is not there.
  v1::ListEligibleMembersResponse doctors = eligible(v1::TEAM_ROLE_DOCTOR);
  bool has_doctor = false;
  for (const auto& u : doctors.users()) {
    EXPECT_TRUE(u.role() == v1::ROLE_COMMUNITY_DOCTOR || u.role() == v1::ROLE_PSYCHIATRIST);
    EXPECT_NE(u.user_id(), doctor2_->user_id) << "another street's doctor cannot reach";
    has_doctor |= u.user_id() == doctor_->user_id;
  }
  EXPECT_TRUE(has_doctor);
  // Once added, the account is marked.
  ASSERT_TRUE(AddUser(p, v1::TEAM_ROLE_POLICE, police_->user_id, nullptr).ok());
  const v1::ListEligibleMembersResponse after = eligible(v1::TEAM_ROLE_POLICE);
  for (const auto& u : after.users()) {
    EXPECT_EQ(u.already_member(), u.user_id() == police_->user_id);
  }
  // A contact role has no accounts; the police may not ask; another street's doctor
  // cannot see the patient.
  v1::ListEligibleMembersRequest bad;
  bad.set_patient_id(p);
  bad.set_team_role(v1::TEAM_ROLE_GUARDIAN);
  v1::ListEligibleMembersResponse out;
  grpc::Status s = teams_->ListEligibleMembers(TestServer::Ctx(doctor_->token).get(), bad, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), ::testing::StartsWith("team_role:"));
  bad.set_team_role(v1::TEAM_ROLE_POLICE);
  s = teams_->ListEligibleMembers(TestServer::Ctx(police_->token).get(), bad, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  s = teams_->ListEligibleMembers(TestServer::Ctx(doctor2_->token).get(), bad, &out);
  EXPECT_NE(s.error_code(), grpc::StatusCode::OK);
}

TEST_F(CareTeamTest, ALowRiskPatientIsNoGap) {
  const std::string stable = NewPatient(302, /*risk=*/1);
  const std::string unassessed = NewPatient(303);
  auto gaps = Gaps();
  EXPECT_EQ(gaps.count(stable), 0u);
  EXPECT_EQ(gaps.count(unassessed), 0u);
}

TEST_F(CareTeamTest, PoliceMayReadButNotChangeATeam) {
  const std::string p = NewPatient(304, 3);
  grpc::Status s = AddUser(p, v1::TEAM_ROLE_POLICE, police_->user_id, nullptr, police_->token);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED) << s.error_message();
  v1::ListTeamGapsRequest req;
  v1::ListTeamGapsResponse resp;
  s = teams_->ListTeamGaps(TestServer::Ctx(police_->token).get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Team(p, false, police_->token).members_size(), 0);
}

TEST_F(CareTeamTest, ADoctorOfAnotherStreetCannotSeeOrChangeTheTeam) {
  const std::string p = NewPatient(305, 3);
  v1::TeamMember police;
  ASSERT_TRUE(AddUser(p, v1::TEAM_ROLE_POLICE, police_->user_id, &police).ok());

  v1::ListTeamRequest list;
  list.set_patient_id(p);
  v1::ListTeamResponse team;
  grpc::Status s = teams_->ListTeam(TestServer::Ctx(doctor2_->token).get(), list, &team);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(team.members_size(), 0);

  s = AddUser(p, v1::TEAM_ROLE_DOCTOR, doctor2_->user_id, nullptr, doctor2_->token);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);

  // Row-level security hides the member row itself: it is "not found" for them.
  v1::EndMemberRequest end;
  end.set_member_id(police.member_id());
  v1::TeamMember ended;
  s = teams_->EndMember(TestServer::Ctx(doctor2_->token).get(), end, &ended);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);

  v1::ListTeamGapsRequest gaps;
  gaps.set_region("320106001");
  v1::ListTeamGapsResponse gresp;
  s = teams_->ListTeamGaps(TestServer::Ctx(doctor2_->token).get(), gaps, &gresp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  // Their own street's list does not show it.
  gaps.set_region("");
  ASSERT_TRUE(teams_->ListTeamGaps(TestServer::Ctx(doctor2_->token).get(), gaps, &gresp).ok());
  for (const auto& g : gresp.gaps()) EXPECT_NE(g.patient_id(), p);

  EXPECT_EQ(Team(p).members_size(), 1);  // unchanged
}

TEST_F(CareTeamTest, TheSameUserTwiceIsAlreadyExists) {
  const std::string p = NewPatient(306, 3);
  ASSERT_TRUE(AddUser(p, v1::TEAM_ROLE_POLICE, police_->user_id).ok());
  grpc::Status s = AddUser(p, v1::TEAM_ROLE_POLICE, police_->user_id);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("user_id"));
  // Also in another team role.
  s = AddUser(p, v1::TEAM_ROLE_VOLUNTEER, grid_->user_id);
  ASSERT_TRUE(s.ok()) << s.error_message();
  s = AddUser(p, v1::TEAM_ROLE_GRID_WORKER, grid_->user_id);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_EQ(Team(p).members_size(), 2);
}

TEST_F(CareTeamTest, EndingAMemberKeepsHistoryAndReopensTheGap) {
  const std::string p = NewPatient(307, 4);
  v1::TeamMember police;
  ASSERT_TRUE(AddUser(p, v1::TEAM_ROLE_POLICE, police_->user_id, &police).ok());
  ASSERT_TRUE(AddUser(p, v1::TEAM_ROLE_DOCTOR, doctor_->user_id).ok());
  ASSERT_TRUE(AddUser(p, v1::TEAM_ROLE_GRID_WORKER, grid_->user_id).ok());
  EXPECT_EQ(Gaps().count(p), 0u);

  v1::EndMemberRequest end;
  end.set_member_id(police.member_id());
  end.set_reason("民警调岗");
  v1::TeamMember ended;
  grpc::Status s = teams_->EndMember(TestServer::Ctx(doctor_->token).get(), end, &ended);
  ASSERT_TRUE(s.ok()) << s.error_message();
  ASSERT_TRUE(ended.has_end_date());
  EXPECT_EQ(ended.end_date().day(), TodayBeijing().day());
  EXPECT_EQ(ended.end_reason(), "民警调岗");

  // Ending it again is refused.
  s = teams_->EndMember(TestServer::Ctx(doctor_->token).get(), end, &ended);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::FAILED_PRECONDITION);

  // The active team no longer has the officer; the history does, after the active ones.
  EXPECT_EQ(Team(p).members_size(), 2);
  const auto history = Team(p, true);
  ASSERT_EQ(history.members_size(), 3);
  const auto& last = history.members(2);
  EXPECT_EQ(last.member_id(), police.member_id());
  EXPECT_TRUE(last.has_end_date());
  EXPECT_EQ(last.end_reason(), "民警调岗");

  // The gap is back, and the officer's list no longer shows the patient.
  auto gaps = Gaps();
  ASSERT_EQ(gaps.count(p), 1u);
  EXPECT_THAT(gaps[p].missing(), ElementsAre(v1::TEAM_ROLE_POLICE));
  const auto mine = MyPatients(*police_);
  EXPECT_FALSE(std::any_of(mine.begin(), mine.end(),
                           [&](const v1::MyPatient& x) { return x.patient_id() == p; }));

  // The same officer may join again later.
  ASSERT_TRUE(AddUser(p, v1::TEAM_ROLE_POLICE, police_->user_id).ok());
  EXPECT_EQ(Gaps().count(p), 0u);
}

TEST_F(CareTeamTest, MembersAreValidated) {
  const std::string p = NewPatient(308, 3);
  // A grid worker's account cannot fill the police place.
  grpc::Status s = AddUser(p, v1::TEAM_ROLE_POLICE, grid_->user_id);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("user_id"));
  // A psychiatrist may be the team's doctor.
  EXPECT_TRUE(AddUser(p, v1::TEAM_ROLE_DOCTOR, psych_->user_id).ok());
  // A user role needs a user; an unknown user is not found.
  s = AddUser(p, v1::TEAM_ROLE_GRID_WORKER, "");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  s = AddUser(p, v1::TEAM_ROLE_GRID_WORKER, "00000000-0000-4000-8000-000000000000");
  EXPECT_EQ(s.error_code(), grpc::StatusCode::NOT_FOUND);
  // A contact needs a name and a valid phone, and is not a user.
  s = AddContact(p, v1::TEAM_ROLE_FAMILY, "", "0000-8371234");
  EXPECT_THAT(s.error_message(), HasSubstr("contact_name"));
  s = AddContact(p, v1::TEAM_ROLE_FAMILY, "家属乙", "abc");
  EXPECT_THAT(s.error_message(), HasSubstr("contact_phone"));
  s = AddUser(p, v1::TEAM_ROLE_GUARDIAN, police_->user_id);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  // Unknown and unspecified team roles.
  s = AddUser(p, static_cast<v1::TeamRole>(9), police_->user_id);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  s = AddUser(p, v1::TEAM_ROLE_UNSPECIFIED, police_->user_id);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  // Not in the future.
  v1::AddMemberRequest req;
  req.set_patient_id(p);
  req.set_team_role(v1::TEAM_ROLE_POLICE);
  req.set_user_id(police_->user_id);
  *req.mutable_start_date() = D(TodayBeijing() + 2);
  v1::TeamMember out;
  s = teams_->AddMember(TestServer::Ctx(doctor_->token).get(), req, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("start_date"));
  // A member must be able to see the patient: the grid worker of 320106001001 cannot join
  // the team of a patient of 320106001002.
  const std::string elsewhere = NewPatient(309, 3, "320106001002");
  s = AddUser(elsewhere, v1::TEAM_ROLE_GRID_WORKER, grid_->user_id);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("user_id"));
  // An end date before the start is refused.
  req.clear_start_date();
  *req.mutable_start_date() = D(TodayBeijing() - 10);
  ASSERT_TRUE(teams_->AddMember(TestServer::Ctx(doctor_->token).get(), req, &out).ok());
  v1::EndMemberRequest end;
  end.set_member_id(out.member_id());
  *end.mutable_end_date() = D(TodayBeijing() - 11);
  v1::TeamMember ended;
  s = teams_->EndMember(TestServer::Ctx(doctor_->token).get(), end, &ended);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("end_date"));
  *end.mutable_end_date() = D(TodayBeijing() - 10);
  EXPECT_TRUE(teams_->EndMember(TestServer::Ctx(doctor_->token).get(), end, &ended).ok());
}

TEST_F(CareTeamTest, TheContactIsEncryptedAtRest) {
  const std::string p = NewPatient(310, 3);
  v1::TeamMember m;
  ASSERT_TRUE(AddContact(p, v1::TEAM_ROLE_FAMILY, "帮扶家属丙丁", "00009001111", &m).ok());
  EXPECT_EQ(env_->db().QueryValue(
                absl::StrCat("SELECT count(*) FROM care_team_member WHERE id = '", m.member_id(),
                             "' AND contact_enc IS NOT NULL AND user_id IS NULL")),
            "1");
  EXPECT_EQ(
      env_->db().QueryValue("SELECT count(*) FROM care_team_member WHERE "
                            "position(convert_to('帮扶家属丙丁', 'UTF8') IN contact_enc) > 0 OR "
                            "position(convert_to('00009001111', 'UTF8') IN contact_enc) > 0 OR "
                            "end_reason LIKE '%帮扶家属丙丁%'"),
      "0");
  // The server decrypts it for the team list.
  const auto team = Team(p);
  ASSERT_EQ(team.members_size(), 1);
  EXPECT_EQ(team.members(0).display_name(), "帮扶家属丙丁");
  EXPECT_EQ(team.members(0).phone(), "00009001111");
}

TEST_F(CareTeamTest, CallsAreAudited) {
  const std::string p = NewPatient(311, 3);
  ASSERT_TRUE(AddUser(p, v1::TEAM_ROLE_POLICE, police_->user_id).ok());
  EXPECT_EQ(env_->db().QueryValue(absl::StrCat(
                "SELECT count(*) FROM audit_log WHERE method = "
                "'/smd.v1.CareTeamService/AddMember' AND outcome = 'OK' AND patient_ids @> "
                "ARRAY['",
                p, "']::uuid[]")),
            "1");
}

}  // namespace
}  // namespace smd::testing
