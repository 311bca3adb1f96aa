#include "api/careteam_convert.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "unit/domain/test_helpers.h"

namespace smd::api {
namespace {

using ::smd::domain::testing::IsFieldError;

TEST(TeamRoleFromProto, AcceptsZeroThroughFamily) {
  for (int n = 0; n <= 7; ++n) {
    auto r = TeamRoleFromProto(static_cast<smd::v1::TeamRole>(n), "team_role");
    ASSERT_TRUE(r.ok()) << n;
    EXPECT_EQ(static_cast<int>(*r), n);
    EXPECT_EQ(static_cast<int>(TeamRoleToProto(*r)), n);
  }
  EXPECT_THAT(TeamRoleFromProto(static_cast<smd::v1::TeamRole>(8), "team_role").status(),
              IsFieldError("team_role"));
  EXPECT_THAT(TeamRoleFromProto(static_cast<smd::v1::TeamRole>(-1), "team_role").status(),
              IsFieldError("team_role"));
}

TEST(TeamRoleToProto, NumbersMatchTheDomain) {
  EXPECT_EQ(TeamRoleToProto(domain::TeamRole::kDoctor), smd::v1::TEAM_ROLE_DOCTOR);
  EXPECT_EQ(TeamRoleToProto(domain::TeamRole::kPolice), smd::v1::TEAM_ROLE_POLICE);
  EXPECT_EQ(TeamRoleToProto(domain::TeamRole::kGridWorker), smd::v1::TEAM_ROLE_GRID_WORKER);
  EXPECT_EQ(TeamRoleToProto(domain::TeamRole::kCommunityWorker),
            smd::v1::TEAM_ROLE_COMMUNITY_WORKER);
  EXPECT_EQ(TeamRoleToProto(domain::TeamRole::kVolunteer), smd::v1::TEAM_ROLE_VOLUNTEER);
  EXPECT_EQ(TeamRoleToProto(domain::TeamRole::kGuardian), smd::v1::TEAM_ROLE_GUARDIAN);
  EXPECT_EQ(TeamRoleToProto(domain::TeamRole::kFamily), smd::v1::TEAM_ROLE_FAMILY);
}

TEST(TeamMemberToProto, ActiveUserMemberHasNoEndDate) {
  domain::TeamMember m;
  m.id = "00000000-0000-4000-8000-000000000001";
  m.patient_id = "00000000-0000-4000-8000-000000000002";
  m.role = domain::TeamRole::kPolice;
  m.user_id = "00000000-0000-4000-8000-000000000003";
  m.display_name = "张警官";
  m.start_date = absl::CivilDay(2024, 3, 1);
  smd::v1::TeamMember out;
  out.set_phone("stale");
  TeamMemberToProto(m, &out);
  EXPECT_EQ(out.member_id(), m.id);
  EXPECT_EQ(out.patient_id(), m.patient_id);
  EXPECT_EQ(out.team_role(), smd::v1::TEAM_ROLE_POLICE);
  EXPECT_EQ(out.user_id(), m.user_id);
  EXPECT_EQ(out.display_name(), "张警官");
  EXPECT_EQ(out.phone(), "");
  EXPECT_EQ(out.start_date().year(), 2024);
  EXPECT_EQ(out.start_date().month(), 3);
  EXPECT_EQ(out.start_date().day(), 1);
  EXPECT_FALSE(out.has_end_date());
}

TEST(TeamMemberToProto, EndedContact) {
  domain::TeamMember m;
  m.role = domain::TeamRole::kGuardian;
  m.display_name = "王母";
  m.phone = "0000-8371234";
  m.start_date = absl::CivilDay(2024, 1, 1);
  m.end_date = absl::CivilDay(2024, 2, 1);
  m.end_reason = "监护人变更";
  smd::v1::TeamMember out;
  TeamMemberToProto(m, &out);
  EXPECT_EQ(out.team_role(), smd::v1::TEAM_ROLE_GUARDIAN);
  EXPECT_EQ(out.user_id(), "");
  EXPECT_EQ(out.phone(), "0000-8371234");
  ASSERT_TRUE(out.has_end_date());
  EXPECT_EQ(out.end_date().month(), 2);
  EXPECT_EQ(out.end_reason(), "监护人变更");
}

}  // namespace
}  // namespace smd::api
