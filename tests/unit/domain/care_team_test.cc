#include "domain/care_team.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "unit/domain/test_helpers.h"

namespace smd::domain {
namespace {

using ::smd::domain::testing::IsFieldError;
using ::smd::domain::testing::IsOk;
using ::smd::domain::testing::kToday;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr Role kAllRoles[] = {
    Role::kCommunityDoctor, Role::kPsychiatrist,    Role::kPolice,  Role::kGridWorker,
    Role::kCommunityWorker, Role::kHealthCommittee, Role::kAuditor, Role::kAdmin};

TEST(TeamRole, NumbersEqualTheProtoAndTheColumn) {
  EXPECT_EQ(static_cast<int>(TeamRole::kDoctor), 1);
  EXPECT_EQ(static_cast<int>(TeamRole::kPolice), 2);
  EXPECT_EQ(static_cast<int>(TeamRole::kGridWorker), 3);
  EXPECT_EQ(static_cast<int>(TeamRole::kCommunityWorker), 4);
  EXPECT_EQ(static_cast<int>(TeamRole::kVolunteer), 5);
  EXPECT_EQ(static_cast<int>(TeamRole::kGuardian), 6);
  EXPECT_EQ(static_cast<int>(TeamRole::kFamily), 7);
}

TEST(TeamRole, UsersAreOneToFiveContactsSixAndSeven) {
  for (int n = 0; n <= 8; ++n) {
    const TeamRole r = static_cast<TeamRole>(n);
    EXPECT_EQ(IsUserTeamRole(r), n >= 1 && n <= 5) << n;
    EXPECT_EQ(IsContactTeamRole(r), n == 6 || n == 7) << n;
  }
  EXPECT_EQ(TeamRoleNameZh(TeamRole::kPolice), "民警");
  EXPECT_EQ(TeamRoleNameZh(TeamRole::kGuardian), "监护人");
  EXPECT_EQ(TeamRoleNameZh(static_cast<TeamRole>(9)), "未指定");
}

// The accepted account roles of each user team role, written out independently.
TEST(CheckMemberFits, EachUserTeamRoleTakesExactlyItsAccountRoles) {
  const std::vector<std::pair<TeamRole, std::vector<Role>>> kFits = {
      {TeamRole::kDoctor, {Role::kCommunityDoctor, Role::kPsychiatrist}},
      {TeamRole::kPolice, {Role::kPolice}},
      {TeamRole::kGridWorker, {Role::kGridWorker}},
      {TeamRole::kCommunityWorker, {Role::kCommunityWorker}},
      {TeamRole::kVolunteer, {Role::kGridWorker, Role::kCommunityWorker}},
  };
  for (const auto& [team_role, accepted] : kFits) {
    for (Role r : kAllRoles) {
      const bool expected = std::find(accepted.begin(), accepted.end(), r) != accepted.end();
      const absl::Status s = CheckMemberFits(team_role, r);
      if (expected) {
        EXPECT_THAT(s, IsOk()) << static_cast<int>(team_role) << " " << static_cast<int>(r);
      } else {
        EXPECT_THAT(s, IsFieldError("user_id"))
            << static_cast<int>(team_role) << " " << static_cast<int>(r);
      }
    }
  }
}

TEST(CheckMemberFits, UserTeamRolesNeedAUser) {
  for (int n = 1; n <= 5; ++n) {
    EXPECT_THAT(CheckMemberFits(static_cast<TeamRole>(n), std::nullopt), IsFieldError("user_id"));
  }
}

TEST(CheckMemberFits, ContactsAreNotUsers) {
  for (TeamRole r : {TeamRole::kGuardian, TeamRole::kFamily}) {
    EXPECT_THAT(CheckMemberFits(r, std::nullopt), IsOk());
    EXPECT_THAT(CheckMemberFits(r, Role::kCommunityWorker), IsFieldError("user_id"));
  }
}

TEST(CheckMemberFits, UnspecifiedOrUnknownTeamRoleIsRejected) {
  EXPECT_THAT(CheckMemberFits(TeamRole::kUnspecified, Role::kPolice), IsFieldError("team_role"));
  EXPECT_THAT(CheckMemberFits(static_cast<TeamRole>(8), std::nullopt), IsFieldError("team_role"));
  EXPECT_THAT(CheckMemberFits(static_cast<TeamRole>(-1), Role::kPolice), IsFieldError("team_role"));
}

TEST(CheckContact, NameOneToFiftyAndAPhone) {
  EXPECT_THAT(CheckContact("王母", "0000-837 1234"), IsOk());
  EXPECT_THAT(CheckContact("", "00008371234"), IsFieldError("contact_name"));
  EXPECT_THAT(CheckContact("　", "00008371234"), IsFieldError("contact_name"));
  EXPECT_THAT(CheckContact(std::string(50, 'a'), "00008371234"), IsOk());
  std::string fifty_one;
  for (int i = 0; i < 51; ++i) fifty_one += "张";
  EXPECT_THAT(CheckContact(fifty_one, "00008371234"), IsFieldError("contact_name"));
  EXPECT_THAT(CheckContact("王母\n", "00008371234"), IsFieldError("contact_name"));
  EXPECT_THAT(CheckContact("王母", ""), IsFieldError("contact_phone"));
  EXPECT_THAT(CheckContact("王母", "12ab"), IsFieldError("contact_phone"));
}

TEST(CheckMemberReach, TheUserMustSeeThePatientsCommunity) {
  EXPECT_THAT(CheckMemberReach("320106", "320106001001"), IsOk());
  EXPECT_THAT(CheckMemberReach("320106001", "320106001001"), IsOk());
  EXPECT_THAT(CheckMemberReach("320106001001", "320106001001"), IsOk());
  EXPECT_THAT(CheckMemberReach("320106002", "320106001001"), IsFieldError("user_id"));
  EXPECT_THAT(CheckMemberReach("320106001002", "320106001001"), IsFieldError("user_id"));
  EXPECT_THAT(CheckMemberReach("", "320106001001"), IsFieldError("user_id"));
}

TEST(MemberDates, StartNotInTheFutureEndBetweenStartAndToday) {
  EXPECT_THAT(CheckStartDate(kToday, kToday), IsOk());
  EXPECT_THAT(CheckStartDate(kToday - 400, kToday), IsOk());
  EXPECT_THAT(CheckStartDate(kToday + 1, kToday), IsFieldError("start_date"));
  EXPECT_THAT(CheckEndDate(kToday - 10, kToday - 10, kToday), IsOk());
  EXPECT_THAT(CheckEndDate(kToday - 10, kToday, kToday), IsOk());
  EXPECT_THAT(CheckEndDate(kToday - 10, kToday - 11, kToday), IsFieldError("end_date"));
  EXPECT_THAT(CheckEndDate(kToday - 10, kToday + 1, kToday), IsFieldError("end_date"));
}

TEST(NeedsTeam, UnstableOrRiskThreeAndAbove) {
  EXPECT_TRUE(NeedsTeam(0, 1));  // 不稳定 at any risk
  EXPECT_TRUE(NeedsTeam(-1, 1));
  EXPECT_TRUE(NeedsTeam(3, 2));  // risk 3 even if 基本稳定
  EXPECT_TRUE(NeedsTeam(5, 0));
  EXPECT_FALSE(NeedsTeam(2, 2));
  EXPECT_FALSE(NeedsTeam(2, 3));
  EXPECT_FALSE(NeedsTeam(-1, 0));  // never assessed
  EXPECT_FALSE(NeedsTeam(1, 3));
}

TeamMember Member(TeamRole role, bool active = true) {
  TeamMember m;
  m.role = role;
  m.start_date = kToday - 30;
  if (!active) m.end_date = kToday;
  return m;
}

TEST(MissingRoles, DoctorPoliceAndGridWorkerAreRequired) {
  EXPECT_THAT(MissingRoles({}),
              ElementsAre(TeamRole::kDoctor, TeamRole::kPolice, TeamRole::kGridWorker));
  EXPECT_THAT(MissingRoles({Member(TeamRole::kPolice), Member(TeamRole::kGuardian),
                            Member(TeamRole::kVolunteer)}),
              ElementsAre(TeamRole::kDoctor, TeamRole::kGridWorker));
  EXPECT_THAT(MissingRoles({Member(TeamRole::kGridWorker), Member(TeamRole::kDoctor),
                            Member(TeamRole::kPolice), Member(TeamRole::kPolice)}),
              IsEmpty());
}

TEST(MissingRoles, EndedMembershipsDoNotCount) {
  EXPECT_THAT(MissingRoles({Member(TeamRole::kDoctor), Member(TeamRole::kPolice, false),
                            Member(TeamRole::kGridWorker)}),
              ElementsAre(TeamRole::kPolice));
  EXPECT_THAT(MissingRolesOf({TeamRole::kDoctor, TeamRole::kGridWorker}),
              ElementsAre(TeamRole::kPolice));
}

}  // namespace
}  // namespace smd::domain
