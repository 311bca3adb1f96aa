#include "domain/region.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "unit/domain/test_helpers.h"

namespace smd::domain {
namespace {

using ::smd::domain::testing::IsFieldError;
using ::smd::domain::testing::IsOk;
using ::testing::HasSubstr;

TEST(LevelOf, ByLengthOfDigits) {
  EXPECT_EQ(LevelOf("32"), RegionLevel::kProvince);
  EXPECT_EQ(LevelOf("3201"), RegionLevel::kCity);
  EXPECT_EQ(LevelOf("320106"), RegionLevel::kDistrict);
  EXPECT_EQ(LevelOf("320106001"), RegionLevel::kStreet);
  EXPECT_EQ(LevelOf("320106001003"), RegionLevel::kCommunity);
  for (const char* bad : {"", "3", "320", "32010", "3201060", "32010600", "3201060010", "32010600100",
                          "3201060010031", "32010a", "320106 001", " 320106", "３２０１０６"}) {
    EXPECT_EQ(LevelOf(bad), RegionLevel::kInvalid) << bad;
  }
}

TEST(LevelOf, NumbersMatchTheProto) {
  EXPECT_EQ(static_cast<int>(RegionLevel::kInvalid), 0);
  EXPECT_EQ(static_cast<int>(RegionLevel::kDistrict), 1);
  EXPECT_EQ(static_cast<int>(RegionLevel::kStreet), 2);
  EXPECT_EQ(static_cast<int>(RegionLevel::kCommunity), 3);
  EXPECT_EQ(static_cast<int>(RegionLevel::kProvince), 4);
  EXPECT_EQ(static_cast<int>(RegionLevel::kCity), 5);
}

TEST(RegionContains, PrefixOfValidCodes) {
  EXPECT_TRUE(RegionContains("320106", "320106"));
  EXPECT_TRUE(RegionContains("320106", "320106001"));
  EXPECT_TRUE(RegionContains("320106", "320106013002"));
  EXPECT_TRUE(RegionContains("320106001", "320106001003"));
  EXPECT_TRUE(RegionContains("320106001003", "320106001003"));
  EXPECT_FALSE(RegionContains("320106001", "320106002001"));
  EXPECT_FALSE(RegionContains("320106001003", "320106001"));  // the child does not contain
  EXPECT_FALSE(RegionContains("320106", "320105001001"));
  EXPECT_FALSE(RegionContains("320106001",
                              "320106001"
                              "0"));                 // 10 digits: invalid
  EXPECT_FALSE(RegionContains("", "320106001003"));  // empty scope is not "all"
  EXPECT_TRUE(RegionContains("3201", "320106001003"));  // a city contains its communities
  EXPECT_TRUE(RegionContains("32", "320106"));
  EXPECT_FALSE(RegionContains("3202", "320106001003"));
  EXPECT_FALSE(RegionContains("320", "320106001003"));  // 3 digits: invalid
  EXPECT_FALSE(RegionContains("320106", ""));
  EXPECT_FALSE(RegionContains("320106", "320106x01003"));
}

TEST(ParentOf, DropsTheLastSegment) {
  EXPECT_EQ(ParentOf("320106001003"), "320106001");
  EXPECT_EQ(ParentOf("320106001"), "320106");
  EXPECT_EQ(ParentOf("320106"), "3201");
  EXPECT_EQ(ParentOf("3201"), "32");
  EXPECT_EQ(ParentOf("32"), "");
  EXPECT_EQ(ParentOf("3201060"), "");
  EXPECT_EQ(ParentOf(""), "");
}

TEST(CheckRegionCode, AnyLevel) {
  EXPECT_THAT(CheckRegionCode("jurisdiction", "320106", RegionLevel::kInvalid), IsOk());
  EXPECT_THAT(CheckRegionCode("jurisdiction", "320106001", RegionLevel::kInvalid), IsOk());
  EXPECT_THAT(CheckRegionCode("jurisdiction", "320106001003", RegionLevel::kInvalid), IsOk());
  absl::Status s = CheckRegionCode("jurisdiction", "", RegionLevel::kInvalid);
  EXPECT_THAT(s, IsFieldError("jurisdiction"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("required"));
  s = CheckRegionCode("region", "32010", RegionLevel::kInvalid);
  EXPECT_THAT(s, IsFieldError("region"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("2, 4, 6, 9 or 12 digits"));
}

TEST(ChildCodeLength, OneLevelDown) {
  EXPECT_EQ(ChildCodeLength("32"), 4);
  EXPECT_EQ(ChildCodeLength("3201"), 6);
  EXPECT_EQ(ChildCodeLength("320106"), 9);
  EXPECT_EQ(ChildCodeLength("320106001"), 12);
  EXPECT_EQ(ChildCodeLength("320106001001"), 0);
  EXPECT_EQ(ChildCodeLength("320"), 0);
}

TEST(CheckRegionCode, RequiredLevel) {
  EXPECT_THAT(CheckRegionCode("j", "320106001003", RegionLevel::kCommunity), IsOk());
  EXPECT_THAT(CheckRegionCode("j", "320106001", RegionLevel::kStreet), IsOk());
  EXPECT_THAT(CheckRegionCode("j", "320106", RegionLevel::kDistrict), IsOk());
  const struct {
    const char* code;
    RegionLevel level;
    const char* reason;
  } kBad[] = {{"320106001", RegionLevel::kCommunity, "community code"},
              {"320106", RegionLevel::kCommunity, "community code"},
              {"320106001003", RegionLevel::kStreet, "street code"},
              {"320106001003", RegionLevel::kDistrict, "district code"}};
  for (const auto& c : kBad) {
    absl::Status s = CheckRegionCode("jurisdiction", c.code, c.level);
    EXPECT_THAT(s, IsFieldError("jurisdiction"));
    EXPECT_THAT(std::string(s.message()), HasSubstr(c.reason)) << c.code;
  }
}

}  // namespace
}  // namespace smd::domain
