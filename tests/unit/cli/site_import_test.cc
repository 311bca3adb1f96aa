// Reading a service-site CSV for `smdctl site import` (clients/cli/site_import.h).

#include "site_import.h"

#include <iconv.h>

#include <fstream>
#include <iterator>
#include <string>

#include "csv_import.h"
#include "table_file.h"
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

namespace smdctl {
namespace {

// docs/site-import-template.csv, as Excel on Chinese Windows saves it (GBK) and as a
// workbook, reads into the same requests as the UTF-8 file (issue 14 point 7).
std::string Template() {
  std::ifstream in(std::string(SMD_SOURCE_DIR) + "/docs/site-import-template.csv",
                   std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

std::string ToGbk(const std::string& utf8) {
  iconv_t cd = iconv_open("GBK", "UTF-8");
  EXPECT_NE(cd, reinterpret_cast<iconv_t>(-1));
  std::string out(utf8.size() * 2 + 16, '\0');
  char* in = const_cast<char*>(utf8.data());
  size_t inleft = utf8.size(), oleft = out.size();
  char* o = out.data();
  EXPECT_NE(iconv(cd, &in, &inleft, &o, &oleft), static_cast<size_t>(-1));
  iconv_close(cd);
  out.resize(out.size() - oleft);
  return out;
}

TEST(SmdctlSiteTable, TheTemplateAsGbkAndAsXlsxGivesTheSameRowsAsUtf8) {
  std::string utf8 = Template();
  ASSERT_FALSE(utf8.empty());
  if (utf8.rfind("\xEF\xBB\xBF", 0) == 0) utf8 = utf8.substr(3);
  auto plain = ParseTable(utf8, {});
  ASSERT_TRUE(plain.ok()) << plain.status();
  auto gbk = ParseTable(ToGbk(utf8), {});
  ASSERT_TRUE(gbk.ok()) << gbk.status();
  std::vector<std::vector<std::string>> body;
  for (size_t i = 1; i < plain->rows.size(); ++i) body.push_back(plain->rows[i].cells);
  WriteTableOptions xo;
  xo.format = TableFormat::kXlsx;
  auto xlsx_bytes = WriteTable(plain->rows[0].cells, body, xo);
  ASSERT_TRUE(xlsx_bytes.ok()) << xlsx_bytes.status();
  auto xlsx = ParseTable(*xlsx_bytes, {});
  ASSERT_TRUE(xlsx.ok()) << xlsx.status();

  auto a = SiteRowsFromTable(*plain);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_GT(a->size(), 0u);
  for (const auto* other : {&*gbk, &*xlsx}) {
    auto b = SiteRowsFromTable(*other);
    ASSERT_TRUE(b.ok()) << b.status();
    ASSERT_EQ(b->size(), a->size());
    for (size_t i = 0; i < a->size(); ++i) {
      EXPECT_EQ((*b)[i].error, (*a)[i].error);
      EXPECT_EQ((*b)[i].request.SerializeAsString(), (*a)[i].request.SerializeAsString())
          << "row " << i;
    }
  }
}

TEST(SmdctlSiteTable, ARowWithUndecodableBytesIsRefusedNamingItsColumnAndLine) {
  // A GBK file with a byte sequence that is not GB18030 in the name column of line 3.
  const std::string header = ToGbk("所属区划代码,类型,名称,建成日期\r\n");
  const std::string ok_row = ToGbk("320106001001,心理咨询室,一社区咨询室,2022-06-01\r\n");
  const std::string bad_row = "320106001002," + ToGbk("心理咨询室") + ",\xFF\xFF,2022-06-01\r\n";
  auto t = ParseTable(header + ok_row + bad_row, {});
  ASSERT_TRUE(t.ok()) << t.status();
  auto rows = SiteRowsFromTable(*t);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 2u);
  EXPECT_EQ((*rows)[0].error, "");
  EXPECT_EQ((*rows)[1].line, 3);
  EXPECT_EQ((*rows)[1].error.rfind("名称: ", 0), 0u) << (*rows)[1].error;
}

}  // namespace
}  // namespace smdctl
