// Who receives a risk alert (domain/alert_routing.h; rules.md decisions "Police
// notification" and "Care team", §8). The region codes are Gulou's (320106) with
// synthetic communities.
#include "domain/alert_routing.h"

#include "domain/alert_rules.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace smd::domain {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

constexpr char kCommunity[] = "320106010001";  // 幕府山街道, a synthetic community
constexpr char kStreet[] = "320106010";
constexpr char kDistrict[] = "320106";
constexpr char kCity[] = "3201";

const std::vector<Role> kDuty = {Role::kCommunityDoctor, Role::kPsychiatrist};

AlertAccount Acct(const std::string& id, Role role, const std::string& jurisdiction) {
  return {id, role, jurisdiction};
}

std::vector<std::string> Users(const RoutePlan& p) {
  std::vector<std::string> out;
  for (const auto& r : p.recipients) out.push_back(r.user_id);
  return out;
}

RecipientReason ReasonOf(const RoutePlan& p, const std::string& user) {
  for (const auto& r : p.recipients) {
    if (r.user_id == user) return r.reason;
  }
  return RecipientReason{0};
}

TEST(AlertRouting, WhoMayReceiveWhatNeverTheCommitteeAuditorOrAdmin) {
  for (Role r : {Role::kCommunityDoctor, Role::kPsychiatrist, Role::kCommunityWorker}) {
    EXPECT_TRUE(MayReceiveAlert(r, AlertAudience::kFull));
    EXPECT_TRUE(MayReceiveAlert(r, AlertAudience::kClinical));
  }
  for (Role r : {Role::kPolice, Role::kGridWorker}) {
    EXPECT_TRUE(MayReceiveAlert(r, AlertAudience::kFull));
    EXPECT_FALSE(MayReceiveAlert(r, AlertAudience::kClinical)) << "clinical-only notices";
  }
  for (Role r : {Role::kHealthCommittee, Role::kAuditor, Role::kAdmin, Role::kUnspecified}) {
    EXPECT_FALSE(MayReceiveAlert(r, AlertAudience::kFull));
    EXPECT_FALSE(MayReceiveAlert(r, AlertAudience::kClinical));
  }
  EXPECT_THAT(RequiredAlertRoles(AlertAudience::kFull),
              ElementsAre(Role::kPolice, Role::kGridWorker));
  EXPECT_THAT(RequiredAlertRoles(AlertAudience::kClinical), ElementsAre(Role::kCommunityDoctor));
}

TEST(AlertRouting, LevelsWalkUpToTheCity) {
  EXPECT_THAT(AlertLevels(kCommunity), ElementsAre(kCommunity, kStreet, kDistrict, kCity));
  EXPECT_THAT(AlertLevels(kDistrict), ElementsAre(kDistrict, kCity));
  EXPECT_THAT(AlertLevels("32"), IsEmpty());
  EXPECT_THAT(AlertLevels("not-a-code"), IsEmpty());
}

// The probe's case: a severity-4 alert in 320106010001 where only district-level police and
// grid accounts exist reached nobody. It must reach them.
TEST(AlertRouting, NoLocalPoliceOrGridTheDistrictsReceive) {
  const std::vector<AlertAccount> accounts = {Acct("p-dist", Role::kPolice, kDistrict),
                                              Acct("g-dist", Role::kGridWorker, kDistrict),
                                              Acct("p-city", Role::kPolice, kCity)};
  RoutePlan p = RouteAlert(AlertAudience::kFull, kCommunity, {}, accounts, kDuty);
  EXPECT_THAT(Users(p), ElementsAre("g-dist", "p-dist")) << "the nearest level only";
  EXPECT_THAT(p.gaps, IsEmpty());
  EXPECT_EQ(p.duty_recipients, 0);
  EXPECT_EQ(ReasonOf(p, "p-dist"), RecipientReason::kJurisdiction);
}

TEST(AlertRouting, StreetAndCommunityAccountsAlwaysReceiveNothingAboveThem) {
  const std::vector<AlertAccount> accounts = {
      Acct("p-street", Role::kPolice, kStreet), Acct("g-comm", Role::kGridWorker, kCommunity),
      Acct("g-street", Role::kGridWorker, kStreet), Acct("p-dist", Role::kPolice, kDistrict),
      Acct("g-other", Role::kGridWorker, "320106010002"),
      Acct("p-other-street", Role::kPolice, "320106011")};
  RoutePlan p = RouteAlert(AlertAudience::kFull, kCommunity, {}, accounts, kDuty);
  EXPECT_THAT(Users(p), ElementsAre("g-comm", "g-street", "p-street"));
  EXPECT_THAT(p.gaps, IsEmpty());
}

TEST(AlertRouting, CareTeamMembersWhoStillFitReceiveOthersDoNot) {
  const std::vector<TeamCandidate> team = {
      {"doc", TeamRole::kDoctor, Role::kCommunityDoctor, kStreet},
      // Moved to another street: no longer covers the patient.
      {"moved-police", TeamRole::kPolice, Role::kPolice, "320106011"},
      // Now a health-committee account: the role no longer fits the team role.
      {"re-roled", TeamRole::kGridWorker, Role::kHealthCommittee, kDistrict},
      {"worker", TeamRole::kCommunityWorker, Role::kCommunityWorker, kCommunity},
  };
  const std::vector<AlertAccount> accounts = {Acct("p-street", Role::kPolice, kStreet),
                                              Acct("g-comm", Role::kGridWorker, kCommunity)};
  RoutePlan p = RouteAlert(AlertAudience::kFull, kCommunity, team, accounts, kDuty);
  EXPECT_THAT(Users(p), ElementsAre("doc", "g-comm", "p-street", "worker"));
  EXPECT_EQ(ReasonOf(p, "doc"), RecipientReason::kCareTeam);
  EXPECT_EQ(ReasonOf(p, "p-street"), RecipientReason::kJurisdiction);
}

TEST(AlertRouting, ATeamMemberOfARequiredRoleAboveTheStreetMeansNoWalkUp) {
  const std::vector<TeamCandidate> team = {{"p-dist", TeamRole::kPolice, Role::kPolice, kDistrict}};
  const std::vector<AlertAccount> accounts = {Acct("p-dist", Role::kPolice, kDistrict),
                                              Acct("p-dist2", Role::kPolice, kDistrict),
                                              Acct("g-comm", Role::kGridWorker, kCommunity)};
  RoutePlan p = RouteAlert(AlertAudience::kFull, kCommunity, team, accounts, kDuty);
  EXPECT_THAT(Users(p), ElementsAre("g-comm", "p-dist"));
  EXPECT_EQ(ReasonOf(p, "p-dist"), RecipientReason::kCareTeam) << "care team wins the reason";
}

TEST(AlertRouting, ARoleNobodyHoldsIsAGapAndTheDistrictsDutyRoleTakesTheAlert) {
  const std::vector<AlertAccount> accounts = {
      Acct("g-comm", Role::kGridWorker, kCommunity),
      Acct("psy-dist", Role::kPsychiatrist, kDistrict),
      Acct("doc-city", Role::kCommunityDoctor, kCity),  // the city is only a fallback
  };
  RoutePlan p = RouteAlert(AlertAudience::kFull, kCommunity, {}, accounts, kDuty);
  EXPECT_THAT(p.gaps, ElementsAre(Role::kPolice));
  EXPECT_THAT(Users(p), ElementsAre("g-comm", "psy-dist"));
  EXPECT_EQ(ReasonOf(p, "psy-dist"), RecipientReason::kDuty);
  EXPECT_EQ(p.duty_recipients, 1);

  // Without a district duty account, the city's takes it; without that, nobody does.
  p = RouteAlert(AlertAudience::kFull, kCommunity, {},
                 {Acct("g-comm", Role::kGridWorker, kCommunity),
                  Acct("doc-city", Role::kCommunityDoctor, kCity)},
                 kDuty);
  EXPECT_THAT(Users(p), ElementsAre("doc-city", "g-comm"));
  p = RouteAlert(AlertAudience::kFull, kCommunity, {}, {}, kDuty);
  EXPECT_THAT(p.gaps, ElementsAre(Role::kPolice, Role::kGridWorker));
  EXPECT_THAT(p.recipients, IsEmpty());
  EXPECT_EQ(p.duty_recipients, 0);
}

// A patient who becomes 不稳定 without a mandatory cause (a drug reaction at risk 0) is not
// announced to the police and grid workers.
TEST(AlertRouting, ClinicalAlertsReachTheClinicalSideOnly) {
  const std::vector<TeamCandidate> team = {
      {"doc", TeamRole::kDoctor, Role::kCommunityDoctor, kStreet},
      {"team-police", TeamRole::kPolice, Role::kPolice, kStreet},
      {"team-grid", TeamRole::kGridWorker, Role::kGridWorker, kCommunity},
      {"volunteer", TeamRole::kVolunteer, Role::kGridWorker, kCommunity},
      {"worker", TeamRole::kCommunityWorker, Role::kCommunityWorker, kCommunity},
  };
  const std::vector<AlertAccount> accounts = {Acct("p-street", Role::kPolice, kStreet),
                                              Acct("g-comm", Role::kGridWorker, kCommunity),
                                              Acct("doc2", Role::kCommunityDoctor, kCommunity)};
  RoutePlan p = RouteAlert(AlertAudience::kClinical, kCommunity, team, accounts, kDuty);
  EXPECT_THAT(Users(p), ElementsAre("doc", "doc2", "worker"));
  EXPECT_THAT(p.gaps, IsEmpty());

  // No community doctor anywhere below the district, but a psychiatrist on the team: the
  // team's doctor is the doctor the alert needs.
  p = RouteAlert(AlertAudience::kClinical, kCommunity,
                 {{"psy", TeamRole::kDoctor, Role::kPsychiatrist, kDistrict}}, {}, kDuty);
  EXPECT_THAT(Users(p), ElementsAre("psy"));
  EXPECT_THAT(p.gaps, IsEmpty());
  // Nobody: the district's duty role, never a police officer.
  p = RouteAlert(AlertAudience::kClinical, kCommunity, {},
                 {Acct("p-dist", Role::kPolice, kDistrict), Acct("psy", Role::kPsychiatrist, kDistrict)},
                 {Role::kPolice, Role::kPsychiatrist});
  EXPECT_THAT(Users(p), ElementsAre("psy"));
  EXPECT_THAT(p.gaps, ElementsAre(Role::kCommunityDoctor));
}

TEST(AlertRouting, DraftsCarryTheirAudience) {
  FollowUpForm f;
  f.visit_date = absl::CivilDay(2024, 3, 1);
  f.risk_level = 0;
  Assessment unstable;
  unstable.final_class = Classification::kUnstable;
  auto a = AlertForFollowUp(f, unstable, Classification::kStable);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->audience, AlertAudience::kClinical) << "a drug reaction at risk 0";
  f.risk_level = 3;
  a = AlertForFollowUp(f, unstable, Classification::kStable);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->audience, AlertAudience::kFull);
  f.risk_level = 1;
  f.behaviour.trouble = 1;
  a = AlertForFollowUp(f, unstable, Classification::kStable);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->audience, AlertAudience::kFull) << "肇事 is mandatory";
  FollowUpForm missing;
  missing.visit_date = absl::CivilDay(2024, 3, 1);
  missing.risk_level.reset();
  missing.lost_reason = LostReason::kMissing;
  a = AlertForFollowUp(missing, Assessment{}, Classification::kUnstable);
  ASSERT_TRUE(a);
  EXPECT_EQ(a->audience, AlertAudience::kFull) << "走失 is mandatory";
  EXPECT_EQ(AlertForOverdueUnstable(10, 4).audience, AlertAudience::kClinical);
  EXPECT_EQ(AlertForEmergency(Emergency{}).audience, AlertAudience::kFull);
  auto manual = ManualAlert(2, "请民警协助 (please assist)", 1);
  ASSERT_TRUE(manual.ok());
  EXPECT_EQ(manual->audience, AlertAudience::kFull) << "the doctor may raise one to the police";
}

TEST(AlertRouting, EscalationGoesToTheSameRoleAboveSkippingThoseAlreadyOnTheAlert) {
  const std::vector<AlertAccount> accounts = {
      Acct("p-street", Role::kPolice, kStreet), Acct("p-dist", Role::kPolice, kDistrict),
      Acct("p-city", Role::kPolice, kCity), Acct("hc-dist", Role::kHealthCommittee, kDistrict)};
  EXPECT_THAT(Users(RoutePlan{}), IsEmpty());
  auto t = EscalationTargets(Role::kPolice, kStreet, accounts, {"p-street"});
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].user_id, "p-dist");
  t = EscalationTargets(Role::kPolice, kStreet, accounts, {"p-street", "p-dist"});
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].user_id, "p-city");
  EXPECT_THAT(EscalationTargets(Role::kPolice, kCity, accounts, {}), IsEmpty());
  // Never another role, whatever sits above.
  EXPECT_THAT(EscalationTargets(Role::kGridWorker, kStreet, accounts, {}), IsEmpty());
}

TEST(AlertRouting, NearestOfRoleForATakeOverSkipsThoseAlreadyOnTheAlert) {
  const std::vector<AlertAccount> accounts = {Acct("p-street", Role::kPolice, kStreet),
                                              Acct("p-dist", Role::kPolice, kDistrict)};
  auto t = NearestOfRole(Role::kPolice, kCommunity, accounts, {});
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].user_id, "p-street");
  t = NearestOfRole(Role::kPolice, kCommunity, accounts, {"p-street"});
  ASSERT_EQ(t.size(), 1u);
  EXPECT_EQ(t[0].user_id, "p-dist");
}

TEST(AlertRouting, DutyAccountsAreAtTheDistrictThenTheCityAndMayReceiveTheAudience) {
  const std::vector<AlertAccount> accounts = {Acct("psy-dist", Role::kPsychiatrist, kDistrict),
                                              Acct("doc-street", Role::kCommunityDoctor, kStreet),
                                              Acct("p-dist", Role::kPolice, kDistrict)};
  auto d = DutyAccounts(kCommunity, AlertAudience::kFull, accounts, kDuty, {});
  ASSERT_EQ(d.size(), 1u) << "a street doctor is not the district's duty desk";
  EXPECT_EQ(d[0].user_id, "psy-dist");
  EXPECT_THAT(DutyAccounts(kCommunity, AlertAudience::kFull, accounts, kDuty, {"psy-dist"}),
              IsEmpty());
}

TEST(AlertRouting, AHolderStillFitsOnlyWithTheSameRoleAndAJurisdictionCoveringTheAlert) {
  EXPECT_TRUE(HolderStillFits(Role::kPolice, AlertAudience::kFull, kCommunity, Role::kPolice,
                              kStreet, false));
  EXPECT_FALSE(HolderStillFits(Role::kPolice, AlertAudience::kFull, kCommunity, Role::kPolice,
                               "320106011", false))
      << "moved to another street";
  EXPECT_FALSE(HolderStillFits(Role::kPolice, AlertAudience::kFull, kCommunity,
                               Role::kHealthCommittee, kDistrict, false))
      << "given another role";
  EXPECT_FALSE(HolderStillFits(Role::kPolice, AlertAudience::kFull, kCommunity, Role::kPolice,
                               kStreet, true))
      << "disabled";
  EXPECT_FALSE(HolderStillFits(Role::kPolice, AlertAudience::kClinical, kCommunity, Role::kPolice,
                               kStreet, false));
}

TEST(AlertRouting, DutyRolesAreParsedAndMustBeRolesThatReceiveAlerts) {
  auto r = ParseDutyRoles("--alert-duty-roles", "community_doctor, psychiatrist");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_THAT(*r, ElementsAre(Role::kCommunityDoctor, Role::kPsychiatrist));
  for (const char* bad : {"", "health_committee", "auditor", "admin", "doctor", ","}) {
    auto s = ParseDutyRoles("--alert-duty-roles", bad);
    EXPECT_FALSE(s.ok()) << bad;
    EXPECT_THAT(std::string(s.status().message()), ::testing::HasSubstr("--alert-duty-roles"));
  }
  EXPECT_THAT(*ParseDutyRoles("f", "police,police"), UnorderedElementsAre(Role::kPolice));
}

}  // namespace
}  // namespace smd::domain
