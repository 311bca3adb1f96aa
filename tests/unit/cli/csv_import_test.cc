// Reading a registry export for `smdctl patient import`: CSV quoting, the byte-order
// mark, the Chinese header, and rows that cannot be read.

#include "csv_import.h"

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "support/synthetic.h"

namespace smdctl {
namespace {

TEST(SmdctlCsv, QuotesBomAndLineEnds) {
  auto rows = ParseCsv("\xEF\xBB\xBF" "a,\"b,c\",\"d \"\"e\"\"\"\r\n1,2,3\n\n4,,\r\n");
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0], (std::vector<std::string>{"a", "b,c", "d \"e\""}));
  EXPECT_EQ((*rows)[2], (std::vector<std::string>{"4", "", ""}));
  EXPECT_FALSE(ParseCsv("a,\"b\n").ok());
}

TEST(SmdctlCsv, HeaderMapsToTheRegistrationForm) {
  // Synthetic ID numbers, made at run time (support/synthetic.h).
  const std::string id_a = smd::testing::SyntheticIdNumber("19780601", 950);
  const std::string id_b = smd::testing::SyntheticIdNumber("19780601", 951);
  auto csv = ParseCsv(absl::StrCat(
      "姓名,身份证号,所属社区代码,诊断,知情同意,初次发病时间,既往主要症状,建档日期\n",
      "某甲,", id_a, ",320106001001,精神分裂症,是,2018-11,1;3,2019/04/15\n",
      "某乙,", id_b, ",320106001001,抑郁症,是,,,\n"));
  ASSERT_TRUE(csv.ok());
  auto rows = RowsFromCsv(*csv);
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 2u);
  const auto& a = (*rows)[0];
  EXPECT_EQ(a.line, 2);
  EXPECT_TRUE(a.error.empty()) << a.error;
  EXPECT_EQ(a.row.details().name(), "某甲");
  EXPECT_EQ(a.row.details().id_number(), id_a);
  EXPECT_EQ(a.row.details().diagnosis(), smd::v1::DIAGNOSIS_SCHIZOPHRENIA);
  EXPECT_TRUE(a.row.details().consent());
  EXPECT_EQ(a.row.details().onset().month(), 11);
  EXPECT_EQ(a.row.details().past_symptoms_size(), 2);
  EXPECT_EQ(a.row.registered_on().day(), 15);
  // Depression is not one of the six disorders: the row is refused before sending.
  EXPECT_NE((*rows)[1].error.find("诊断"), std::string::npos);
}

TEST(SmdctlCsv, UnknownOrMissingColumnsAreRefused) {
  EXPECT_FALSE(RowsFromCsv(*ParseCsv("姓名,身份证号,所属社区,x\n")).ok());
  EXPECT_FALSE(RowsFromCsv(*ParseCsv("姓名,身份证号\n")).ok());
}

}  // namespace
}  // namespace smdctl
