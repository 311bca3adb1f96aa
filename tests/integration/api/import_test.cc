// Bulk import of an existing registry over gRPC (issue 6): each row validated like a
// registration, refused rows reported with their field and changing nothing, a second
// import of the same rows registering nothing twice, and the old registry's 建档日期 kept.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
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

// A full batch (the import's per-row work runs in parallel workers and the rows are
// written by one COPY and one INSERT, ADR 0018): every outcome is reported against its own
// row, and every imported patient reads back with its own identifiers (each cell encrypted
// for its own row id), its 建档日期, its first-visit schedule, its metric state and the
// batch's audit record.
TEST_F(ImportTest, FullBatchReadsBackRowByRow) {
  // Already registered before the import, in another community of the district.
  const std::string registered_id = SyntheticIdNumber("19830101", 7);
  {
    v1::RegisterPatientRequest reg;
    *reg.mutable_details() = ValidDetails(registered_id, "已登记者", "320106001001");
    v1::Patient p;
    grpc::Status s = env_->patients->RegisterPatient(TestServer::Ctx(*doctor_).get(), reg, &p);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  constexpr int kRows = 1000;
  const absl::CivilDay birth(1983, 2, 1);
  v1::ImportPatientsRequest req;
  std::vector<std::string> ids(kRows), names(kRows);
  for (int i = 0; i < kRows; ++i) {
    // Two birth days, so that every row has its own number (the sequence has 999 values).
    ids[i] = SyntheticIdNumber(birth + i / 500, i % 500);
    names[i] = absl::StrCat("批量", i);
    if (i % 100 == 37) ids[i] = SyntheticIdNumberBadCheck(birth + i / 500, i % 500);  // refused
    if (i == 500) ids[i] = registered_id;                                            // holder
    if (i == 700) ids[i] = ids[10];                                                  // repeat
    v1::ImportRow r = Row(i + 2, ids[i], names[i]);
    r.mutable_details()->set_address(absl::StrCat("合成路", i, "号"));
    r.mutable_details()->mutable_guardian()->set_name(absl::StrCat("监护", i));
    r.mutable_registered_on()->set_year(2015 + i % 10);
    r.mutable_registered_on()->set_month(1 + i % 12);
    r.mutable_registered_on()->set_day(1 + i % 28);
    *req.add_rows() = std::move(r);
  }
  v1::ImportPatientsResponse resp;
  grpc::Status s = env_->patients->ImportPatients(TestServer::Ctx(*doctor_).get(), req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(resp.refused(), 10);
  EXPECT_EQ(resp.already_registered(), 2);
  EXPECT_EQ(resp.imported(), kRows - 12);
  ASSERT_EQ(resp.results_size(), kRows);
  std::vector<std::string> imported_ids;
  for (int i = 0; i < kRows; ++i) {
    const v1::ImportRowResult& r = resp.results(i);
    ASSERT_EQ(r.row(), i + 2);
    if (i % 100 == 37) {
      EXPECT_EQ(r.outcome(), v1::IMPORT_OUTCOME_REFUSED) << i;
      EXPECT_EQ(r.field(), "id_number") << i;
    } else if (i == 500) {
      EXPECT_EQ(r.outcome(), v1::IMPORT_OUTCOME_ALREADY_REGISTERED);
      EXPECT_THAT(r.reason(), HasSubstr("320106001001"));
    } else if (i == 700) {
      EXPECT_EQ(r.outcome(), v1::IMPORT_OUTCOME_ALREADY_REGISTERED);
      EXPECT_THAT(r.reason(), HasSubstr("repeats an earlier row"));
    } else {
      ASSERT_EQ(r.outcome(), v1::IMPORT_OUTCOME_IMPORTED) << i << " " << r.reason();
      imported_ids.push_back(r.patient_id());
      v1::GetPatientRequest get;
      get.set_patient_id(r.patient_id());
      v1::Patient p;
      grpc::Status g = env_->patients->GetPatient(TestServer::Ctx(*doctor_).get(), get, &p);
      ASSERT_TRUE(g.ok()) << g.error_message();
      EXPECT_EQ(p.id_number(), ids[i]);
      EXPECT_EQ(p.details().name(), names[i]);
      EXPECT_EQ(p.details().address(), absl::StrCat("合成路", i, "号"));
      EXPECT_EQ(p.details().guardian().name(), absl::StrCat("监护", i));
      EXPECT_EQ(p.details().jurisdiction(), "320106001001");
      EXPECT_EQ(p.version(), 1);
    }
  }
  ASSERT_EQ(static_cast<int>(imported_ids.size()), kRows - 12);
  const std::string in_batch = absl::StrCat("ARRAY['", absl::StrJoin(imported_ids, "','"),
                                            "']::uuid[]");
  // 建档日期 kept row by row (row 1 = i 1: 2016-02-02).
  EXPECT_EQ(env_->db().QueryValue(absl::StrCat(
                "SELECT ((registered_at AT TIME ZONE 'UTC') + interval '8 hours')::date FROM "
                "patient WHERE id = '", resp.results(1).patient_id(), "'")),
            "2016-02-02");
  // A first visit within 2 weeks for each, as a registration gets.
  EXPECT_EQ(env_->db().QueryValue(absl::StrCat(
                "SELECT count(*) || ' ' || count(DISTINCT next_due) || ' ' || "
                "bool_and(next_due - 14 BETWEEN current_date - 1 AND current_date + 1) FROM "
                "patient_schedule WHERE patient_id = ANY(", in_batch,
                ") AND due_kind = 4 AND next_due = first_due")),
            absl::StrCat(kRows - 12, " 1 true"));
  // Counted in the metrics at once: a state per patient in each year built (set_key a year).
  EXPECT_EQ(env_->db().QueryValue(absl::StrCat(
                "SELECT count(DISTINCT patient_id) FROM metric_state WHERE set_key < 10000 AND patient_id = "
                "ANY(", in_batch, ")")),
            std::to_string(kRows - 12));
  // One audit record naming every imported patient.
  EXPECT_EQ(env_->db().QueryValue(
                "SELECT detail || ' ' || cardinality(patient_ids) FROM audit_log WHERE method = "
                "'/smd.v1.PatientService/ImportPatients' AND outcome = 'OK' ORDER BY id DESC "
                "LIMIT 1"),
            absl::StrCat("import rows=1000 imported=988 already=2 refused=10 ", kRows - 12));
  // Searchable by the blind indexes written in the batch.
  v1::SearchPatientsRequest q;
  q.set_id_number(ids[999]);
  v1::SearchPatientsResponse found;
  ASSERT_TRUE(env_->patients->SearchPatients(TestServer::Ctx(*doctor_).get(), q, &found).ok());
  ASSERT_EQ(found.patients_size(), 1);
  EXPECT_EQ(found.patients(0).details().name(), names[999]);
  q.Clear();
  q.set_name(names[998]);
  ASSERT_TRUE(env_->patients->SearchPatients(TestServer::Ctx(*doctor_).get(), q, &found).ok());
  ASSERT_EQ(found.patients_size(), 1);
  EXPECT_EQ(found.patients(0).id_number(), ids[998]);
}

}  // namespace
}  // namespace smd::testing
