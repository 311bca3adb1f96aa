// smdctl requests built from positional words and --flags (clients/cli/fields.h).

#include "fields.h"

#include "gtest/gtest.h"
#include "smd/v1/alerts.pb.h"
#include "smd/v1/patients.pb.h"

namespace smdctl {
namespace {

namespace v1 = smd::v1;

Args Parse(const std::vector<std::string>& words) {
  auto a = ParseArgs(words, {"json", "accept"});
  EXPECT_TRUE(a.ok());
  return *a;
}

TEST(SmdctlFields, PositionalsFlagsEnumsDatesAndIntegers) {
  v1::ClosePatientRequest req;
  const Args a = Parse({"patient", "close", "p-1", "--version", "3", "--kind", "death",
                        "--date", "2026-11-02", "--death-cause", "2", "--json"});
  ASSERT_TRUE(FillFromArgs(a, 2, {"patient_id"}, {"json"}, {"patient_id", "kind"}, &req).ok());
  EXPECT_EQ(req.patient_id(), "p-1");
  EXPECT_EQ(req.version(), 3);
  EXPECT_EQ(req.kind(), v1::CLOSE_KIND_DEATH);
  EXPECT_EQ(req.date().year(), 2026);
  EXPECT_EQ(req.date().month(), 11);
  EXPECT_EQ(req.date().day(), 2);
  EXPECT_EQ(req.death_cause(), 2);
}

TEST(SmdctlFields, EnumNamesInAnyFormAndBareBooleans) {
  v1::AddMemberRequest add;
  ASSERT_TRUE(FillFromArgs(Parse({"team", "add", "p", "--team-role", "grid-worker"}), 2,
                           {"patient_id"}, {}, {}, &add)
                  .ok());
  EXPECT_EQ(add.team_role(), v1::TEAM_ROLE_GRID_WORKER);
  ASSERT_TRUE(FillFromArgs(Parse({"team", "add", "p", "--team-role", "TEAM_ROLE_POLICE"}), 2,
                           {"patient_id"}, {}, {}, &add)
                  .ok());
  EXPECT_EQ(add.team_role(), v1::TEAM_ROLE_POLICE);
  v1::TransferInRequest in;
  ASSERT_TRUE(
      FillFromArgs(Parse({"patient", "transfer-in", "t", "--accept"}), 2, {"transfer_id"}, {}, {}, &in)
          .ok());
  EXPECT_TRUE(in.accept());
}

TEST(SmdctlFields, RefusalsNameTheFlag) {
  v1::ClosePatientRequest req;
  auto unknown = FillFromArgs(Parse({"patient", "close", "p", "--colour", "red"}), 2,
                              {"patient_id"}, {}, {}, &req);
  EXPECT_EQ(unknown.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.message().find("--colour"), std::string::npos);
  auto bad_enum = FillFromArgs(Parse({"patient", "close", "p", "--kind", "vanished"}), 2,
                               {"patient_id"}, {}, {}, &req);
  EXPECT_NE(bad_enum.message().find("CLOSE_KIND_DEATH"), std::string::npos) << bad_enum;
  auto bad_date = FillFromArgs(Parse({"patient", "close", "p", "--date", "2026-13-01"}), 2,
                               {"patient_id"}, {}, {}, &req);
  EXPECT_NE(bad_date.message().find("--date"), std::string::npos);
  auto bad_int = FillFromArgs(Parse({"patient", "close", "p", "--version", "three"}), 2,
                              {"patient_id"}, {}, {}, &req);
  EXPECT_NE(bad_int.message().find("--version"), std::string::npos);
  auto missing = FillFromArgs(Parse({"patient", "close", "p"}), 2, {"patient_id"}, {},
                              {"patient_id", "kind"}, &req);
  EXPECT_NE(missing.message().find("--kind"), std::string::npos);
  auto extra = FillFromArgs(Parse({"patient", "close", "p", "q"}), 2, {"patient_id"}, {}, {}, &req);
  EXPECT_EQ(extra.code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace smdctl
