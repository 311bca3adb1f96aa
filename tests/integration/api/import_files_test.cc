// The files offices really have (issue 14 point 7, docs/import.md "Files smdctl reads"):
// `smdctl patient import` against the real server, with the import template
// (docs/import-template.csv) as UTF-8, saved as GBK (what Excel on Chinese Windows calls
// "CSV") and as .xlsx. Each imports the same rows; a GBK file named as UTF-8 is refused
// with the bytes in hex and changes nothing. The GBK file is made here with iconv, the
// workbook with smdctl's writer; ID numbers are synthetic.

#include <iconv.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "commands.h"
#include "csv_import.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/test_env.h"
#include "table_file.h"

namespace smd::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string ToGbk(const std::string& utf8) {
  iconv_t cd = iconv_open("GBK", "UTF-8");
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

class ImportFilesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { env_ = new TestServer("it_import_files", 0); }
  static void TearDownTestSuite() { delete env_; }

  void SetUp() override {
    char tmpl[] = "/tmp/smd-import-files-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    std::string out, err;
    ASSERT_EQ(Smdctl({"login", "--user", "doctor"}, &out, &err, kDoctorPw), smdctl::kOk) << err;
  }
  void TearDown() override {
    if (std::getenv("SMD_KEEP_EXPORTS") == nullptr) (void)std::system(("rm -rf '" + dir_ + "'").c_str());
  }

  // smdctl against the test server, with this test's session directory.
  int Smdctl(std::vector<std::string> args, std::string* out, std::string* err,
             const std::string& input = "") {
    std::vector<std::string> argv = {"--insecure", "--server",
                                     absl::StrCat("127.0.0.1:", env_->server().port()),
                                     "--config-dir", dir_ + "/cfg", "--retries", "0"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::ostringstream o, e;
    std::istringstream in(input);
    const int rc = smdctl::Run(argv, o, e, in);
    *out = o.str();
    *err = e.str();
    return rc;
  }

  // The template (UTF-8 without its byte-order mark) with the synthetic ID numbers seq, seq+1.
  static std::string Template(int seq) {
    std::ifstream f(std::string(SMD_SOURCE_DIR) + "/docs/import-template.csv", std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return absl::StrReplaceAll(
        ss.str().substr(3), {{"SYNTHETIC_ID_NUMBER_1", SyntheticIdNumber("19780601", seq)},
                             {"SYNTHETIC_ID_NUMBER_2", SyntheticIdNumber("19780601", seq + 1)}});
  }

  std::string Write(const std::string& name, const std::string& bytes) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  // The patient registered with `id_number`, as GetPatient gives it to the doctor, with
  // what depends on the ID number itself (the number, sex, birth date) and the ids cleared.
  v1::Patient Imported(const std::string& id_number) {
    const std::string token = env_->Login("doctor", kDoctorPw);
    v1::SearchPatientsRequest req;
    req.set_id_number(id_number);
    v1::SearchPatientsResponse found;
    EXPECT_TRUE(env_->patients->SearchPatients(TestServer::Ctx(token).get(), req, &found).ok());
    if (found.patients_size() != 1) {
      ADD_FAILURE() << "not registered: one of the imported rows";
      return {};
    }
    v1::GetPatientRequest get;
    get.set_patient_id(found.patients(0).patient_id());
    v1::Patient p;
    EXPECT_TRUE(env_->patients->GetPatient(TestServer::Ctx(token).get(), get, &p).ok());
    p.clear_patient_id();
    p.clear_id_number();
    p.clear_sex();
    p.clear_birth_date();
    p.clear_updated_at();
    p.mutable_details()->clear_id_number();
    return p;
  }

  static TestServer* env_;
  std::string dir_;
};
TestServer* ImportFilesTest::env_ = nullptr;

TEST_F(ImportFilesTest, TemplateAsGbkAndAsXlsxImportsTheSameRowsAsUtf8) {
  // UTF-8 with the byte-order mark, as the template is.
  const std::string utf8 = Write("登记表-utf8.csv", "\xEF\xBB\xBF" + Template(970));
  // The same table saved by Excel on Chinese Windows as "CSV (逗号分隔)": GBK.
  const std::string gbk = Write("登记表-gbk.csv", ToGbk(Template(972)));
  // And as a workbook.
  auto table = smdctl::ParseTable(Template(974), {});
  ASSERT_TRUE(table.ok());
  std::vector<std::vector<std::string>> body;
  for (size_t r = 1; r < table->rows.size(); ++r) body.push_back(table->rows[r].cells);
  smdctl::WriteTableOptions w;
  w.format = smdctl::TableFormat::kXlsx;
  auto book = smdctl::WriteTable(table->rows[0].cells, body, w);
  ASSERT_TRUE(book.ok());
  const std::string xlsx = Write("登记表.xlsx", *book);

  for (const std::string& file : {utf8, gbk, xlsx}) {
    SCOPED_TRACE(file);
    std::string out, err;
    EXPECT_EQ(Smdctl({"patient", "import", "--file", file}, &out, &err), smdctl::kOk) << out << err;
    EXPECT_THAT(out, HasSubstr("共 2 行：导入 2，已登记跳过 0，拒绝 0"));
    EXPECT_THAT(out + err, Not(HasSubstr("未知列")));
  }
  // The same patients, field by field, whichever file they came from.
  for (int row = 0; row < 2; ++row) {
    const v1::Patient from_utf8 = Imported(SyntheticIdNumber("19780601", 970 + row));
    const v1::Patient from_gbk = Imported(SyntheticIdNumber("19780601", 972 + row));
    const v1::Patient from_xlsx = Imported(SyntheticIdNumber("19780601", 974 + row));
    EXPECT_EQ(from_utf8.details().name(), row == 0 ? "模板患者甲" : "模板患者乙");
    EXPECT_EQ(from_utf8.SerializeAsString(), from_gbk.SerializeAsString())
        << from_utf8.DebugString() << from_gbk.DebugString();
    EXPECT_EQ(from_utf8.SerializeAsString(), from_xlsx.SerializeAsString())
        << from_utf8.DebugString() << from_xlsx.DebugString();
  }

  // The GBK template with the UTF-8 file's ID numbers: both already registered, so the ID
  // numbers were read identically.
  std::string out, err;
  const std::string again = Write("again-gbk.csv", ToGbk(Template(970)));
  EXPECT_EQ(Smdctl({"patient", "import", "--file", again}, &out, &err), smdctl::kOk) << err;
  EXPECT_THAT(out, HasSubstr("导入 0，已登记跳过 2"));
  EXPECT_THAT(err, HasSubstr("GB18030"));
}

TEST_F(ImportFilesTest, GbkNamedAsUtf8IsRefusedInHexAndChangesNothing) {
  const std::string gbk = Write("gbk.csv", ToGbk(Template(980)));
  const std::string before = env_->db().QueryValue("SELECT count(*) FROM patient");
  std::string out, err;
  EXPECT_EQ(Smdctl({"patient", "import", "--file", gbk, "--encoding", "utf-8"}, &out, &err),
            smdctl::kUsage);
  EXPECT_THAT(err, HasSubstr("第 1 行 第 1 列: 无法按 UTF-8 解码的字节"));
  EXPECT_THAT(err, HasSubstr("0xD0 0xD5"));  // 姓 in GBK, never mojibake
  EXPECT_THAT(err, HasSubstr("--encoding gbk"));
  EXPECT_EQ(env_->db().QueryValue("SELECT count(*) FROM patient"), before);
  // Named as GBK it imports.
  EXPECT_EQ(Smdctl({"patient", "import", "--file", gbk, "--encoding", "gbk"}, &out, &err),
            smdctl::kOk)
      << err;
  EXPECT_THAT(out, HasSubstr("导入 2"));
}

// Exports (docs/cli.md "Exporting tables"): a table command's --out writes .xlsx or CSV
// (GBK on request) holding what it prints, every page of it, readable by its owner only;
// metrics csv re-written as .xlsx holds the server's CSV cell for cell.
TEST_F(ImportFilesTest, TableCommandsExportXlsxAndGbkCsv) {
  std::string out, err;
  ASSERT_EQ(Smdctl({"patient", "import", "--file", Write("t.csv", Template(990))}, &out, &err),
            smdctl::kOk)
      << err;

  const std::string book = dir_ + "/患者.xlsx";
  ASSERT_EQ(Smdctl({"patient", "search", "--region", "320106001001", "--limit", "1", "--out", book},
                   &out, &err),
            smdctl::kOk)
      << err;
  EXPECT_THAT(out, HasSubstr("已保存"));
  struct stat st {};
  ASSERT_EQ(::stat(book.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u) << "an export holds patient data";
  std::ifstream f(book, std::ios::binary);
  std::stringstream bytes;
  bytes << f.rdbuf();
  auto t = smdctl::ParseTable(bytes.str(), {});
  ASSERT_TRUE(t.ok()) << t.status();
  ASSERT_TRUE(t->xlsx);
  EXPECT_EQ(t->rows[0].cells[0], "患者ID");
  // --limit 1 is the page size: the export fetched every page.
  EXPECT_GE(t->rows.size(), 3u);
  bool found = false;
  for (const auto& r : t->rows) found |= r.cells.size() > 1 && r.cells[1] == "模板患者乙";
  EXPECT_TRUE(found);

  const std::string gbk = dir_ + "/worklist.csv";
  ASSERT_EQ(Smdctl({"worklist", "due-soon", "--out", gbk, "--encoding", "gbk"}, &out, &err),
            smdctl::kOk)
      << err;
  std::ifstream g(gbk, std::ios::binary);
  std::stringstream gbytes;
  gbytes << g.rdbuf();
  EXPECT_EQ(smdctl::DetectEncoding(gbytes.str()), smdctl::TextEncoding::kGb18030);
  auto w = smdctl::ParseTable(gbytes.str(), {});
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(w->rows[0].cells[0], "患者ID");
  EXPECT_EQ(Smdctl({"worklist", "--out", dir_ + "/w.xlsx", "--encoding", "gbk"}, &out, &err),
            smdctl::kUsage)
      << "an .xlsx is always UTF-8";

  // The import template as a workbook: the import's header, read back by the import.
  ASSERT_EQ(Smdctl({"patient", "template", "--out", dir_ + "/模板.xlsx"}, &out, &err), smdctl::kOk)
      << err;
  std::ifstream tf(dir_ + "/模板.xlsx", std::ios::binary);
  std::stringstream tbytes;
  tbytes << tf.rdbuf();
  auto tmpl = smdctl::ParseTable(tbytes.str(), {});
  ASSERT_TRUE(tmpl.ok());
  ASSERT_EQ(tmpl->rows.size(), 1u);
  EXPECT_EQ(tmpl->rows[0].cells, smdctl::ImportColumns());

  // metrics csv as the health committee: the server's CSV, and the same as .xlsx.
  auto as_analyst = [&](std::vector<std::string> args) {
    std::vector<std::string> argv = {"--insecure", "--server",
                                     absl::StrCat("127.0.0.1:", env_->server().port()),
                                     "--config-dir", dir_ + "/analyst", "--retries", "0"};
    argv.insert(argv.end(), args.begin(), args.end());
    std::ostringstream o, e;
    std::istringstream in(kAnalystPw);
    const int rc = smdctl::Run(argv, o, e, in);
    EXPECT_EQ(rc, smdctl::kOk) << e.str();
  };
  as_analyst({"login", "--user", "analyst"});
  as_analyst({"metrics", "csv", "--out", dir_ + "/m.csv"});
  as_analyst({"metrics", "csv", "--out", dir_ + "/m.xlsx"});
  auto read = [](const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return smdctl::ParseTable(ss.str(), {});
  };
  auto csv = read(dir_ + "/m.csv");
  auto xlsx = read(dir_ + "/m.xlsx");
  ASSERT_TRUE(csv.ok() && xlsx.ok());
  EXPECT_FALSE(csv->xlsx);
  EXPECT_TRUE(xlsx->xlsx);
  ASSERT_GT(csv->rows.size(), 1u);
  ASSERT_EQ(csv->rows.size(), xlsx->rows.size());
  // Cell for cell; the count and value columns are numbers in the workbook, so "97.50"
  // reads back as the number 97.5.
  for (size_t r = 0; r < csv->rows.size(); ++r) {
    ASSERT_EQ(csv->rows[r].cells.size(), xlsx->rows[r].cells.size()) << r;
    for (size_t c = 0; c < csv->rows[r].cells.size(); ++c) {
      const std::string& a = csv->rows[r].cells[c];
      const std::string& b = xlsx->rows[r].cells[c];
      if (a == b) continue;
      double x = 0, y = 0;
      EXPECT_TRUE(absl::SimpleAtod(a, &x) && absl::SimpleAtod(b, &y) && x == y)
          << "row " << r << " column " << c << ": " << a << " vs " << b;
    }
  }
}

}  // namespace
}  // namespace smd::testing
