// The files offices really have (issue 14 point 7, docs/import.md "Files smdctl reads"):
// encoding detection, decoding errors that name the row and the column with the bytes in
// hex, .xlsx cell mapping (from hand-written workbook parts), and the writer. The GBK
// fixtures are made in the test from the UTF-8 template with iconv; ID numbers are
// synthetic (support/synthetic.h).

#include "table_file.h"

#include <iconv.h>
#include <zip.h>

#include <fstream>
#include <map>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "csv_import.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/synthetic.h"
#include "text_encoding.h"
#include "xlsx.h"

namespace smdctl {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// `utf8` in GB18030, by iconv independently of the code under test.
std::string ToGbk(const std::string& utf8) {
  iconv_t cd = iconv_open("GBK", "UTF-8");
  EXPECT_NE(cd, reinterpret_cast<iconv_t>(-1));
  std::string out(utf8.size() * 2 + 16, '\0');
  char* in = const_cast<char*>(utf8.data());
  size_t inleft = utf8.size();
  char* o = out.data();
  size_t oleft = out.size();
  EXPECT_NE(iconv(cd, &in, &inleft, &o, &oleft), static_cast<size_t>(-1));
  iconv_close(cd);
  out.resize(out.size() - oleft);
  return out;
}

// docs/import-template.csv without its byte-order mark, its placeholders filled in.
std::string Template() {
  std::ifstream f(std::string(SMD_SOURCE_DIR) + "/docs/import-template.csv", std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  std::string t = ss.str();
  EXPECT_EQ(t.substr(0, 3), "\xEF\xBB\xBF");
  return absl::StrReplaceAll(
      t.substr(3), {{"SYNTHETIC_ID_NUMBER_1", smd::testing::SyntheticIdNumber("19780601", 960)},
                    {"SYNTHETIC_ID_NUMBER_2", smd::testing::SyntheticIdNumber("19780601", 961)}});
}

// A zip archive of the given parts (the fixtures of hand-written workbook XML).
std::string Zip(const std::map<std::string, std::string>& parts) {
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* src = zip_source_buffer_create(nullptr, 0, 0, &err);
  zip_t* z = zip_open_from_source(src, ZIP_TRUNCATE, &err);
  zip_source_keep(src);
  for (const auto& [name, data] : parts) {
    zip_file_add(z, name.c_str(), zip_source_buffer(z, data.data(), data.size(), 0), 0);
  }
  EXPECT_EQ(zip_close(z), 0);
  zip_stat_t st;
  zip_source_stat(src, &st);
  zip_source_open(src);
  std::string out(st.size, '\0');
  zip_source_read(src, out.data(), st.size);
  zip_source_close(src);
  zip_source_free(src);
  zip_error_fini(&err);
  return out;
}

// One part of a zip archive.
std::string Unzip(const std::string& bytes, const std::string& name) {
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &err);
  zip_t* z = zip_open_from_source(src, ZIP_RDONLY, &err);
  std::string out;
  if (z != nullptr) {
    zip_stat_t st;
    if (zip_stat(z, name.c_str(), 0, &st) == 0) {
      zip_file_t* f = zip_fopen(z, name.c_str(), 0);
      out.resize(st.size);
      zip_fread(f, out.data(), st.size);
      zip_fclose(f);
    }
    zip_discard(z);
  }
  zip_error_fini(&err);
  return out;
}

std::vector<std::vector<std::string>> Cells(const TableFile& t) {
  std::vector<std::vector<std::string>> out;
  for (const auto& r : t.rows) out.push_back(r.cells);
  return out;
}

bool IsUtf8(const std::string& s) {
  size_t at = 0;
  return InvalidUtf8At(s, &at) == 0;
}

TEST(SmdctlEncoding, FlagNamesAndDetection) {
  EXPECT_EQ(*ParseEncoding(""), TextEncoding::kAuto);
  EXPECT_EQ(*ParseEncoding("UTF-8"), TextEncoding::kUtf8);
  EXPECT_EQ(*ParseEncoding("gbk"), TextEncoding::kGb18030);
  EXPECT_EQ(*ParseEncoding("GB18030"), TextEncoding::kGb18030);
  EXPECT_THAT(ParseEncoding("latin1").status().message(), HasSubstr("--encoding"));

  const std::string utf8 = Template();
  EXPECT_EQ(DetectEncoding(utf8), TextEncoding::kUtf8);
  EXPECT_EQ(DetectEncoding("\xEF\xBB\xBF" + utf8), TextEncoding::kUtf8);
  EXPECT_EQ(DetectEncoding(ToGbk(utf8)), TextEncoding::kGb18030);
  EXPECT_EQ(DetectEncoding("name,id\nabc,123\n"), TextEncoding::kUtf8) << "ASCII is UTF-8";
  // A UTF-8 file with one damaged byte stays UTF-8 (its bad byte is reported where it is),
  // rather than being read whole as GB18030 mojibake.
  std::string damaged = utf8;
  damaged[damaged.find("模板患者乙") + 1] = '\xFF';
  EXPECT_EQ(DetectEncoding(damaged), TextEncoding::kUtf8);
}

TEST(SmdctlEncoding, Utf8ValidationIsStrict) {
  size_t at = 0;
  EXPECT_EQ(InvalidUtf8At("精防", &at), 0u);
  EXPECT_EQ(InvalidUtf8At("a\xC0\xAF", &at), 1u) << "overlong";
  EXPECT_EQ(at, 1u);
  EXPECT_GT(InvalidUtf8At("\xED\xA0\x80", &at), 0u) << "surrogate";
  EXPECT_GT(InvalidUtf8At("ab\xE7\xB2", &at), 0u) << "cut short";
  EXPECT_EQ(at, 2u);
}

TEST(SmdctlTableFile, GbkTemplateReadsAsTheUtf8One) {
  const std::string utf8 = Template();
  auto a = ParseTable("\xEF\xBB\xBF" + utf8, {});
  auto b = ParseTable(ToGbk(utf8), {});
  auto c = ParseTable(ToGbk(utf8), {TextEncoding::kGb18030, ""});
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  EXPECT_EQ(a->encoding, TextEncoding::kUtf8);
  EXPECT_EQ(b->encoding, TextEncoding::kGb18030);
  ASSERT_EQ(a->rows.size(), 3u);
  EXPECT_EQ(a->rows[0].cells[0], "姓名");
  EXPECT_EQ(Cells(*a), Cells(*b));
  EXPECT_EQ(Cells(*a), Cells(*c));
  auto ra = RowsFromTable(*a);
  auto rb = RowsFromTable(*b);
  ASSERT_TRUE(ra.ok()) << ra.status();
  ASSERT_TRUE(rb.ok()) << rb.status();
  ASSERT_EQ(ra->size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    EXPECT_EQ((*ra)[i].error, "");
    EXPECT_EQ((*ra)[i].row.SerializeAsString(), (*rb)[i].row.SerializeAsString());
  }
  EXPECT_EQ((*rb)[1].row.details().diagnosis(), smd::v1::DIAGNOSIS_BIPOLAR);
}

TEST(SmdctlTableFile, UndecodableBytesNameRowAndColumnInHex) {
  const std::string utf8 = Template();
  // The GBK file read as UTF-8 (--encoding utf-8): the header cannot be read; the message
  // shows bytes in hex, never mojibake (the old import said 未知列 "����").
  auto as_utf8 = ParseTable(ToGbk(utf8), {TextEncoding::kUtf8, ""});
  ASSERT_TRUE(as_utf8.ok());
  auto rows = RowsFromTable(*as_utf8);
  ASSERT_FALSE(rows.ok());
  EXPECT_THAT(rows.status().message(), HasSubstr("第 1 行 第 1 列"));
  EXPECT_THAT(std::string(rows.status().message()), HasSubstr("0xD0 0xD5"));  // 姓 in GBK
  EXPECT_THAT(rows.status().message(), HasSubstr("--encoding gbk"));
  EXPECT_TRUE(IsUtf8(std::string(rows.status().message())));
  // The same through ParseCsv (the bytes undecoded): hex too, not 未知列 "����".
  auto raw = RowsFromCsv(*ParseCsv(ToGbk(utf8)));
  ASSERT_FALSE(raw.ok());
  EXPECT_THAT(std::string(raw.status().message()), HasSubstr("0xD0 0xD5"));
  EXPECT_TRUE(IsUtf8(std::string(raw.status().message())));

  // A GBK file with a byte that is no GB18030 in one ID number: that row is refused
  // naming 身份证号 and the byte; the other rows are read. A quoted address over two lines
  // and a blank line keep the line numbers those of the file.
  std::string gbk = ToGbk(utf8);
  const std::string id2 = smd::testing::SyntheticIdNumber("19780601", 961);
  gbk.replace(gbk.find(id2), 1, "\xFF");
  gbk.replace(gbk.find(ToGbk("南京市鼓楼区模板路1号")), ToGbk("南京市鼓楼区模板路1号").size(),
              "\"" + ToGbk("南京市鼓楼区\r\n模板路1号") + "\"");
  gbk += "\r\n\r\n,,,\r\n";  // trailing empty rows
  auto t = ParseTable(gbk, {});
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_EQ(t->rows.size(), 3u);
  EXPECT_EQ(t->rows[1].number, 2);
  EXPECT_EQ(t->rows[2].number, 4) << "the quoted address spans lines 2 and 3";
  EXPECT_EQ(t->rows[1].cells[3], "南京市鼓楼区\r\n模板路1号");
  auto read = RowsFromTable(*t);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ((*read)[0].error, "");
  EXPECT_EQ((*read)[1].line, 4);
  EXPECT_THAT((*read)[1].error, HasSubstr("身份证号: 无法按 GB18030 (GBK) 解码"));
  EXPECT_THAT((*read)[1].error, HasSubstr("0xFF"));
  EXPECT_TRUE(IsUtf8((*read)[1].error));

  auto quote = ParseTable("姓名,身份证号\n\n\"甲,1\n", {});
  EXPECT_THAT(quote.status().message(), HasSubstr("第 3 行: 引号未闭合"));
}

TEST(SmdctlTableFile, FilesThatAreNotCsvOrXlsxAreNamed) {
  EXPECT_THAT(ParseTable("\xFF\xFE\x53\x59", {}).status().message(), HasSubstr("UTF-16"));
  EXPECT_THAT(ParseTable(std::string("\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1", 8), {}).status().message(),
              HasSubstr(".xls"));
  EXPECT_THAT(ParseTable("PK\x03\x04garbage", {}).status().message(), HasSubstr("xlsx"));
}

TEST(SmdctlTableFile, HeaderProblemsNameTheirPlace) {
  auto t = ParseTable("姓名,身份证号,所属社区代码,,住址\n甲,1,2\n", {});
  ASSERT_TRUE(t.ok());
  EXPECT_THAT(RowsFromTable(*t).status().message(),
              HasSubstr("第 1 行 第 5 列: 未知列 (unknown column) \"住址\""));
  t = ParseTable("姓名,身份证号,所属社区代码,姓名\n", {});
  EXPECT_THAT(RowsFromTable(*t).status().message(), HasSubstr("第 1 行 第 4 列: 重复的列"));
  // An empty header cell is ignored while its column is empty, refused once it is not.
  t = ParseTable("姓名,,身份证号,所属社区代码\n甲,,1,2\n", {});
  EXPECT_TRUE(RowsFromTable(*t).ok());
  t = ParseTable("姓名,,身份证号,所属社区代码\n甲,x,1,2\n", {});
  EXPECT_THAT(RowsFromTable(*t).status().message(), HasSubstr("第 1 行 第 2 列: 列名为空"));
}

TEST(SmdctlTableFile, IdNumberCutByExcelInACsvIsRefused) {
  // Excel saves "3.20106E+17" in the CSV for an ID number typed into a numeric cell.
  auto t = ParseTable("姓名,身份证号,所属社区代码\n甲,3.20106E+17,320106001001\n乙,3.2e+17,320106001001\n", {});
  ASSERT_TRUE(t.ok());
  auto rows = RowsFromTable(*t);
  ASSERT_TRUE(rows.ok());
  EXPECT_THAT((*rows)[0].error, HasSubstr("身份证号: 为科学计数法"));
  EXPECT_THAT((*rows)[1].error, HasSubstr("身份证号: 为科学计数法")) << "read upper-cased";
}

TEST(SmdctlXlsx, SerialDatesAndDateFormats) {
  EXPECT_EQ(ExcelSerialDate(1, false), "1900-01-01");
  EXPECT_EQ(ExcelSerialDate(59, false), "1900-02-28");
  EXPECT_EQ(ExcelSerialDate(61, false), "1900-03-01");
  EXPECT_EQ(ExcelSerialDate(45000, false), "2023-03-15");
  EXPECT_EQ(ExcelSerialDate(45000.75, false), "2023-03-15") << "the time of day is dropped";
  EXPECT_EQ(ExcelSerialDate(0, true), "1904-01-01");
  EXPECT_EQ(ExcelSerialDate(0, false), "");
  EXPECT_EQ(DateFormatPrecision(14, ""), 3);
  EXPECT_EQ(DateFormatPrecision(27, ""), 2);  // yyyy"年"m"月"
  EXPECT_EQ(DateFormatPrecision(0, ""), 0);
  EXPECT_EQ(DateFormatPrecision(49, ""), 0);  // @ text
  EXPECT_EQ(DateFormatPrecision(32, ""), 0);  // h"时"mm"分"
  EXPECT_EQ(DateFormatPrecision(176, "yyyy\"年\"m\"月\"d\"日\""), 3);
  EXPECT_EQ(DateFormatPrecision(177, "yyyy-mm"), 2);
  EXPECT_EQ(DateFormatPrecision(178, "[$-F800]dddd\\,\\ mmmm\\ dd\\,\\ yyyy"), 3);
  EXPECT_EQ(DateFormatPrecision(179, "0.00_);[Red](0.00)"), 0);
  EXPECT_EQ(DateFormatPrecision(180, "\"day\"0"), 0) << "quoted text is not a date";
  EXPECT_EQ(ColumnLetters(0), "A");
  EXPECT_EQ(ColumnLetters(25), "Z");
  EXPECT_EQ(ColumnLetters(26), "AA");
  EXPECT_EQ(ColumnLetters(16383), "XFD");
}

// A workbook as offices send it: a merged title row, shared strings with rich-text and
// phonetic runs, an inline string, a code and a phone stored as numbers, an ID number
// stored as a number (digits lost), dates under a built-in, a Chinese and a year-month
// format, a boolean, an error value, gaps, a community code merged down over two rows, and
// empty rows at the end. The second sheet is chosen by name.
std::map<std::string, std::string> WorkbookParts(bool prefixed) {
  const std::string ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
  const std::string rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
  // Some producers write the main namespace with a prefix (x:c); both read the same.
  const std::string x = prefixed ? "x:" : "";
  const std::string xmlns = prefixed ? " xmlns:x=\"" + ns + "\"" : " xmlns=\"" + ns + "\"";
  auto el = [&](const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      out += s[i];
      if (s[i] != '<') continue;
      if (i + 1 < s.size() && s[i + 1] == '/') out += s[++i];
      out += x;
    }
    return out;
  };
  std::map<std::string, std::string> p;
  p["[Content_Types].xml"] = "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"/>";
  p["_rels/.rels"] = "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
                     "<Relationship Id=\"rId1\" Type=\"" + rel + "/officeDocument\" Target=\"xl/workbook.xml\"/>"
                     "</Relationships>";
  p["xl/workbook.xml"] = "<" + x + "workbook" + xmlns + " xmlns:r=\"" + rel + "\">" +
                         el("<sheets><sheet name=\"说明\" sheetId=\"1\" r:id=\"rId3\"/>"
                            "<sheet name=\"患者\" sheetId=\"2\" r:id=\"rId1\"/></sheets>") +
                         "</" + x + "workbook>";
  p["xl/_rels/workbook.xml.rels"] =
      "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
      "<Relationship Id=\"rId1\" Type=\"" + rel + "/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
      "<Relationship Id=\"rId3\" Type=\"" + rel + "/worksheet\" Target=\"/xl/worksheets/sheet2.xml\"/>"
      "<Relationship Id=\"rId2\" Type=\"" + rel + "/sharedStrings\" Target=\"sharedStrings.xml\"/>"
      "<Relationship Id=\"rId4\" Type=\"" + rel + "/styles\" Target=\"styles.xml\"/>"
      "</Relationships>";
  p["xl/sharedStrings.xml"] =
      "<" + x + "sst" + xmlns + ">" +
      el("<si><t>患者花名册</t></si>"                                        // 0
         "<si><t>姓名</t></si><si><t>所属社区代码</t></si><si><t>身份证号</t></si>"  // 1 2 3
         "<si><r><t>模板</t></r><r><rPr><b/></rPr><t>患者甲</t></r>"
         "<rPh sb=\"0\" eb=\"2\"><t>モハン</t></rPh></si>"                      // 4
         "<si><t>联系电话</t></si><si><t>确诊日期</t></si><si><t>初次发病时间</t></si>"  // 5 6 7
         "<si><t>知情同意</t></si><si><t xml:space=\"preserve\">a_x000D_b</t></si>") +  // 8 9
      "</" + x + "sst>";
  p["xl/styles.xml"] =
      "<" + x + "styleSheet" + xmlns + ">" +
      el("<numFmts count=\"2\"><numFmt numFmtId=\"176\" formatCode=\"yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;\"/>"
         "<numFmt numFmtId=\"177\" formatCode=\"yyyy-mm\"/></numFmts>"
         "<cellStyleXfs count=\"1\"><xf numFmtId=\"14\"/></cellStyleXfs>"
         "<cellXfs count=\"5\"><xf numFmtId=\"0\"/><xf numFmtId=\"14\"/><xf numFmtId=\"176\"/>"
         "<xf numFmtId=\"177\"/><xf numFmtId=\"49\"/></cellXfs>") +
      "</" + x + "styleSheet>";
  p["xl/worksheets/sheet1.xml"] =
      "<" + x + "worksheet" + xmlns + ">" +
      el("<sheetData>"
         "<row r=\"1\"><c r=\"A1\" t=\"s\"><v>0</v></c></row>"
         "<row r=\"2\"><c r=\"A2\" t=\"s\"><v>1</v></c><c r=\"B2\" t=\"s\"><v>2</v></c>"
         "<c r=\"C2\" t=\"s\"><v>3</v></c><c r=\"D2\" t=\"s\"><v>5</v></c><c r=\"E2\" t=\"s\"><v>6</v></c>"
         "<c r=\"F2\" t=\"s\"><v>7</v></c><c r=\"G2\" t=\"s\"><v>8</v></c></row>"
         "<row r=\"3\"><c r=\"A3\" t=\"s\"><v>4</v></c><c r=\"B3\"><v>320106001001</v></c>"
         "<c r=\"C3\" t=\"inlineStr\"><is><t>ID-TEXT</t></is></c><c r=\"D3\"><v>13800000000</v></c>"
         "<c r=\"E3\" s=\"1\"><v>43525</v></c><c r=\"F3\" s=\"3\"><v>43405</v></c>"
         "<c r=\"G3\" t=\"b\"><v>1</v></c><c r=\"H3\" t=\"s\"><v>9</v></c></row>"
         "<row r=\"4\"><c r=\"A4\" t=\"inlineStr\"><is><t>乙</t></is></c>"
         "<c r=\"C4\"><v>3.20106199001011E+17</v></c><c r=\"E4\" s=\"2\"><v>45000.5</v></c>"
         "<c r=\"F4\" t=\"str\"><f>\"2018\"</f><v>2018</v></c></row>"
         "<row r=\"5\"><c r=\"A5\" t=\"inlineStr\"><is><t>丙</t></is></c><c r=\"B5\"><v>320106001002</v></c>"
         "<c r=\"D5\" t=\"e\"><v>#N/A</v></c><c r=\"E5\" s=\"4\"><v>7</v></c><c r=\"G5\"><v>0.5</v></c></row>"
         "<row r=\"6\"><c r=\"A6\" s=\"4\"/><c r=\"B6\" t=\"inlineStr\"><is><t></t></is></c></row>"
         "<row r=\"7\" spans=\"1:7\"/>"
         "</sheetData>"
         "<mergeCells count=\"2\"><mergeCell ref=\"A1:G1\"/><mergeCell ref=\"B3:B4\"/></mergeCells>") +
      "</" + x + "worksheet>";
  p["xl/worksheets/sheet2.xml"] =
      "<" + x + "worksheet" + xmlns + ">" +
      el("<sheetData><row r=\"1\"><c t=\"inlineStr\"><is><t>说明</t></is></c>"
         "<c t=\"inlineStr\"><is><t>第二列</t></is></c></row></sheetData>") +
      "</" + x + "worksheet>";
  return p;
}

TEST(SmdctlXlsx, CellsMapToTheTextExcelShows) {
  for (bool prefixed : {false, true}) {
    SCOPED_TRACE(prefixed ? "x: prefix" : "default namespace");
    const std::string book = Zip(WorkbookParts(prefixed));
    auto t = ParseTable(book, {TextEncoding::kAuto, "患者"});
    ASSERT_TRUE(t.ok()) << t.status();
    EXPECT_TRUE(t->xlsx);
    ASSERT_EQ(t->rows.size(), 4u) << "the title, the empty rows left out";
    EXPECT_EQ(t->rows[0].number, 2);
    EXPECT_EQ(t->rows[0].cells,
              (std::vector<std::string>{"姓名", "所属社区代码", "身份证号", "联系电话", "确诊日期",
                                        "初次发病时间", "知情同意"}));
    EXPECT_EQ(t->rows[1].number, 3);
    EXPECT_EQ(t->rows[1].cells,
              (std::vector<std::string>{"模板患者甲", "320106001001", "ID-TEXT", "13800000000",
                                        "2019-03-01", "2018-11", "1", "a\rb"}));
    EXPECT_EQ(t->rows[1].error, "");
    // Row 4: the merged community code filled down; the ID number stored as a number is a
    // cell error naming no digits; a date under yyyy"年"m"月"d"日"; a formula's text.
    const TableRow& r4 = t->rows[2];
    EXPECT_EQ(r4.number, 4);
    EXPECT_EQ(r4.cells[1], "320106001001");
    EXPECT_EQ(r4.cells[2], "");
    EXPECT_EQ(r4.cells[4], "2023-03-15");
    EXPECT_EQ(r4.cells[5], "2018");
    EXPECT_EQ(r4.error_column, 2);
    EXPECT_THAT(r4.error, HasSubstr("超过15位"));
    EXPECT_THAT(r4.error, Not(HasSubstr("320106")));
    // Row 5: a gap (C5 absent) reads empty; an error value; a number under "@"; 0.5.
    const TableRow& r5 = t->rows[3];
    EXPECT_EQ(r5.cells, (std::vector<std::string>{"丙", "320106001002", "", "", "7", "", "0.5"}));
    EXPECT_EQ(r5.error_column, 3);
    EXPECT_THAT(r5.error, HasSubstr("#N/A"));
  }
}

TEST(SmdctlXlsx, SheetChoiceAndImportErrors) {
  const std::string book = Zip(WorkbookParts(false));
  auto first = ParseTable(book, {});
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->rows[0].cells, (std::vector<std::string>{"说明", "第二列"}))
      << "the first sheet of the workbook, whatever its part is called";
  auto missing = ParseTable(book, {TextEncoding::kAuto, "Sheet9"});
  EXPECT_THAT(missing.status().message(), HasSubstr("工作表不存在 (no such worksheet) \"Sheet9\""));
  EXPECT_THAT(missing.status().message(), HasSubstr("说明、患者"));

  // Through the import: H3 holds something under no header, named with Excel's letter.
  auto t = ParseTable(book, {TextEncoding::kAuto, "患者"});
  ASSERT_TRUE(t.ok());
  EXPECT_THAT(RowsFromTable(*t).status().message(),
              HasSubstr("第 2 行 第 8 列 (H): 列名为空，但第 3 行在此列有内容"));
  // Without it, the ID-number-as-number row and the error-value row are refused naming
  // their column; the others are read.
  t->rows[1].cells.pop_back();
  auto rows = RowsFromTable(*t);
  ASSERT_TRUE(rows.ok()) << rows.status();
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[0].error, "");
  EXPECT_EQ((*rows)[0].row.details().jurisdiction(), "320106001001");
  EXPECT_EQ((*rows)[0].row.details().diagnosis_date().year(), 2019);
  EXPECT_EQ((*rows)[0].row.details().onset().month(), 11);
  EXPECT_EQ((*rows)[0].row.details().onset().day(), 0);
  EXPECT_TRUE((*rows)[0].row.details().consent());
  EXPECT_EQ((*rows)[1].line, 4);
  EXPECT_THAT((*rows)[1].error, HasSubstr("身份证号: 数字超过15位"));
  EXPECT_EQ((*rows)[2].line, 5);
  EXPECT_THAT((*rows)[2].error, HasSubstr("联系电话: 单元格为错误值"));
}

TEST(SmdctlXlsx, TemplateAsXlsxImportsTheSameRows) {
  auto csv = ParseTable(Template(), {});
  ASSERT_TRUE(csv.ok());
  const auto all = Cells(*csv);
  const std::vector<std::vector<std::string>> body(all.begin() + 1, all.end());
  WriteTableOptions w;
  w.format = TableFormat::kXlsx;
  auto book = WriteTable(csv->rows[0].cells, body, w);
  ASSERT_TRUE(book.ok()) << book.status();
  auto x = ParseTable(*book, {});
  ASSERT_TRUE(x.ok()) << x.status();
  EXPECT_EQ(Cells(*x), Cells(*csv));
  auto a = RowsFromTable(*csv);
  auto b = RowsFromTable(*x);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->size(), b->size());
  for (size_t i = 0; i < a->size(); ++i) {
    EXPECT_EQ((*a)[i].row.SerializeAsString(), (*b)[i].row.SerializeAsString());
  }
}

TEST(SmdctlWriter, CsvInUtf8OrGbk) {
  const std::vector<std::string> header = {"地区代码", "指标", "备注"};
  const std::vector<std::vector<std::string>> rows = {{"320106001001", "在管率", "a,\"b\""},
                                                      {"320106", "规范管理率", "两行\n文字"}};
  auto utf8 = WriteTable(header, rows, {});
  ASSERT_TRUE(utf8.ok());
  const std::string text =
      "地区代码,指标,备注\r\n320106001001,在管率,\"a,\"\"b\"\"\"\r\n320106,规范管理率,\"两行\n文字\"\r\n";
  EXPECT_EQ(*utf8, "\xEF\xBB\xBF" + text);
  WriteTableOptions g;
  g.encoding = TextEncoding::kGb18030;
  auto gbk = WriteTable(header, rows, g);
  ASSERT_TRUE(gbk.ok());
  EXPECT_EQ(*gbk, ToGbk(text));
  // And back through the reader.
  auto back = ParseTable(*gbk, {});
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->rows[2].cells, rows[1]);
}

TEST(SmdctlWriter, XlsxKeepsCodesAsTextAndNumbersAsNumbers) {
  WriteTableOptions w;
  w.format = TableFormat::kXlsx;
  w.numeric_columns = {2, 3};
  w.sheet_name = "指标";
  const std::string id = smd::testing::SyntheticIdNumber("19780601", 962);
  auto book = WriteTable({"地区代码", "身份证号", "分子", "分母"},
                         {{"320106001001", id, "12", "0012"}, {"012", "", "-3.5", "1e5"}}, w);
  ASSERT_TRUE(book.ok()) << book.status();
  const std::string sheet = Unzip(*book, "xl/worksheets/sheet1.xml");
  // Codes and ID numbers are text cells (style 2: "@"), the header bold (style 1).
  EXPECT_THAT(sheet, HasSubstr("<c r=\"A1\" s=\"1\" t=\"inlineStr\"><is><t>地区代码</t>"));
  EXPECT_THAT(sheet, HasSubstr("<c r=\"A2\" s=\"2\" t=\"inlineStr\"><is><t>320106001001</t>"));
  EXPECT_THAT(sheet, HasSubstr(absl::StrCat("<c r=\"B2\" s=\"2\" t=\"inlineStr\"><is><t>", id, "</t>")));
  EXPECT_THAT(sheet, HasSubstr("<c r=\"C2\"><v>12</v></c>"));
  EXPECT_THAT(sheet, HasSubstr("<c r=\"C3\"><v>-3.5</v></c>"));
  // A number column's value that is not a plain number stays text (leading zero, exponent).
  EXPECT_THAT(sheet, HasSubstr("<c r=\"D2\" s=\"2\" t=\"inlineStr\"><is><t>0012</t>"));
  EXPECT_THAT(sheet, HasSubstr("<c r=\"D3\" s=\"2\" t=\"inlineStr\"><is><t>1e5</t>"));
  EXPECT_THAT(sheet, HasSubstr("state=\"frozen\""));
  // Text columns stay text below the table (what is typed there later), number columns not.
  EXPECT_THAT(sheet, HasSubstr("<col min=\"1\" max=\"1\" width=\"14\" style=\"2\""));
  EXPECT_THAT(sheet, HasSubstr("<col min=\"3\" max=\"3\" width=\"8\" customWidth"));
  EXPECT_THAT(Unzip(*book, "xl/workbook.xml"), HasSubstr("<sheet name=\"指标\""));
  // Read back, every cell is what was written.
  auto back = ParseTable(*book, {});
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->rows[1].cells, (std::vector<std::string>{"320106001001", id, "12", "0012"}));
  EXPECT_EQ(back->rows[2].cells, (std::vector<std::string>{"012", "", "-3.5", "1e5"}));
}

}  // namespace
}  // namespace smdctl
