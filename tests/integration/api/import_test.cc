// Bulk import of an existing registry over gRPC (issue 6): each row validated like a
// registration, refused rows reported with their field and changing nothing, a second
// import of the same rows registering nothing twice, and the old registry's 建档日期 kept.

#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "support/test_env.h"

namespace smd::testing {
namespace {

using ::testing::HasSubstr;

class ImportTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env_ = new TestServer("it_import", 0);
    doctor_ = new std::string(env_->Login("doctor", kDoctorPw));
  }
  static void TearDownTestSuite() {
    delete doctor_;
    delete env_;
  }
  static v1::ImportRow Row(int row, const std::string& id, const std::string& name,
                           const std::string& community = "320106001001") {
    v1::ImportRow r;
    r.set_row(row);
    *r.mutable_details() = ValidDetails(id, name, community);
    return r;
  }
  static TestServer* env_;
  static std::string* doctor_;
};
TestServer* ImportTest::env_ = nullptr;
std::string* ImportTest::doctor_ = nullptr;

TEST_F(ImportTest, ValidRowsImportRefusedRowsReportAndReimportIsIdempotent) {
  v1::ImportPatientsRequest req;
  *req.add_rows() = Row(2, SyntheticIdNumber("19800101", 1), "导入甲");
  req.mutable_rows(0)->mutable_registered_on()->set_year(2024);
  req.mutable_rows(0)->mutable_registered_on()->set_month(3);
  req.mutable_rows(0)->mutable_registered_on()->set_day(1);
  *req.add_rows() = Row(3, SyntheticIdNumber("19800101", 2), "导入乙");
  std::string bad_id = SyntheticIdNumber("19800101", 3);
  bad_id.back() = bad_id.back() == '1' ? '2' : '1';  // wrong check character
  *req.add_rows() = Row(4, bad_id, "导入丙");
  *req.add_rows() = Row(5, SyntheticIdNumber("19800101", 4), "导入丁", "320106002001");
  *req.add_rows() = Row(6, SyntheticIdNumber("19800101", 1), "导入甲");  // repeats row 2
  *req.add_rows() = Row(7, SyntheticIdNumber("19800101", 5), "");          // no name

  const std::string before = env_->db().QueryValue("SELECT count(*) FROM patient");
  v1::ImportPatientsResponse resp;
  grpc::Status s = env_->patients->ImportPatients(TestServer::Ctx(*doctor_).get(), req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.imported(), 2);
  EXPECT_EQ(resp.already_registered(), 1);
  EXPECT_EQ(resp.refused(), 3);
  ASSERT_EQ(resp.results_size(), 6);
  EXPECT_EQ(resp.results(0).outcome(), v1::IMPORT_OUTCOME_IMPORTED);
  EXPECT_EQ(resp.results(2).row(), 4);
  EXPECT_EQ(resp.results(2).outcome(), v1::IMPORT_OUTCOME_REFUSED);
  EXPECT_EQ(resp.results(2).field(), "id_number");
  EXPECT_EQ(resp.results(3).outcome(), v1::IMPORT_OUTCOME_REFUSED);
  EXPECT_THAT(resp.results(3).reason(), HasSubstr("超出辖区"));
  EXPECT_EQ(resp.results(4).outcome(), v1::IMPORT_OUTCOME_ALREADY_REGISTERED);
  EXPECT_EQ(resp.results(5).field(), "name");
  // Only the two valid rows were written; the refused ones changed nothing.
  EXPECT_EQ(std::stoi(env_->db().QueryValue("SELECT count(*) FROM patient")),
            std::stoi(before) + 2);
  // The old registry's registration date is kept (the metrics count from it).
  EXPECT_EQ(env_->db().QueryValue(absl::StrCat(
                "SELECT ((registered_at AT TIME ZONE 'UTC') + interval '8 hours')::date FROM "
                "patient WHERE id = '", resp.results(0).patient_id(), "'")),
            "2024-03-01");
  // Audited with the imported patients.
  EXPECT_EQ(env_->db().QueryValue(
                "SELECT detail FROM audit_log WHERE method = '/smd.v1.PatientService/"
                "ImportPatients' AND outcome = 'OK' ORDER BY id DESC LIMIT 1"),
            "import rows=6 imported=2 already=1 refused=3");

  // The same file again: nothing registered twice.
  v1::ImportPatientsResponse again;
  ASSERT_TRUE(
      env_->patients->ImportPatients(TestServer::Ctx(*doctor_).get(), req, &again).ok());
  EXPECT_EQ(again.imported(), 0);
  EXPECT_EQ(again.already_registered(), 3);
  EXPECT_EQ(again.refused(), 3);
  EXPECT_EQ(std::stoi(env_->db().QueryValue("SELECT count(*) FROM patient")),
            std::stoi(before) + 2);
}

TEST_F(ImportTest, BatchesAreBoundedAndNeedTheRegisterAction) {
  v1::ImportPatientsRequest req;
  for (int i = 0; i < 1001; ++i) *req.add_rows() = Row(i, SyntheticIdNumber("19810101", i % 999), "x");
  v1::ImportPatientsResponse resp;
  grpc::Status s = env_->patients->ImportPatients(TestServer::Ctx(*doctor_).get(), req, &resp);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("rows"));
  v1::ImportPatientsRequest one;
  *one.add_rows() = Row(1, SyntheticIdNumber("19810101", 1), "x");
  const std::string police = env_->Login("police", kPolicePw);
  EXPECT_EQ(env_->patients->ImportPatients(TestServer::Ctx(police).get(), one, &resp).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

}  // namespace
}  // namespace smd::testing
