// Reading a service-site CSV for `smdctl site import` (clients/cli/site_import.h).

#include "site_import.h"

#include "csv_import.h"
#include "gtest/gtest.h"

namespace smdctl {
namespace {

TEST(SmdctlSiteCsv, MapsKindsAndKindSpecificColumns) {
  auto csv = ParseCsv(
      "\xEF\xBB\xBF所属区划代码,类型,名称,建成日期,学校类别,专职教师数,在校学生数,单位类型,服务形式\r\n"
      "320106001001,社会工作室,一社区社工室,2022/06/01,,,,,\r\n"
      "320106003,学校心理辅导室,某大学中心,20190901,高校,6,24000,,\r\n"
      ",,,,,,,,\r\n"
      "320106002,机关企事业单位,某企业,2023-01-10,,,,企业,购买服务\r\n"
      "320106002,机关企事业单位,某机关,2023-01-10,,,,机关,上门\r\n");
  ASSERT_TRUE(csv.ok());
  auto rows = SiteRowsFromCsv(*csv);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 4u);  // the blank row is skipped
  EXPECT_EQ((*rows)[0].request.kind(), smd::v1::SITE_KIND_COUNSELLING_ROOM);
  EXPECT_EQ((*rows)[0].request.opened_on().month(), 6);
  const auto& uni = (*rows)[1].request;
  EXPECT_EQ(uni.school().level(), smd::v1::SCHOOL_LEVEL_UNIVERSITY);
  EXPECT_EQ(uni.school().students(), 24000);
  EXPECT_EQ(uni.school().full_time_teachers(), 6);
  EXPECT_EQ((*rows)[2].request.workplace().mode(), smd::v1::WORKPLACE_SERVICE_MODE_PURCHASED);
  EXPECT_EQ((*rows)[2].line, 5);
  EXPECT_EQ((*rows)[3].error.substr(0, 14), "服务形式: ");
}

TEST(SmdctlSiteCsv, HeaderErrorsNameTheColumn) {
  auto unknown = SiteRowsFromCsv(*ParseCsv("所属区划代码,类型,名称,建成日期,床位数\n"));
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(std::string(unknown.status().message()).find("床位数"), std::string::npos);
  auto missing = SiteRowsFromCsv(*ParseCsv("所属区划代码,类型,名称\n"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(std::string(missing.status().message()).find("建成日期"), std::string::npos);
  EXPECT_EQ(SiteColumnForField("school.students"), "在校学生数");
  EXPECT_EQ(SiteColumnForField("opened_on"), "建成日期");
}

}  // namespace
}  // namespace smdctl
