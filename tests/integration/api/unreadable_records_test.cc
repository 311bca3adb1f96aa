// Follow-up records that do not decrypt (issue 11 item 8: "one undecryptable row does not
// fail a whole listing"), over gRPC against a real PostgreSQL, damaging one encrypted cell
// as the superuser (one flipped byte: the GCM tag no longer matches):
//   * ListFollowUps and GetTimeline serve the other visits whole and the damaged one marked,
//     with the facts kept in plaintext columns, count it and audit `unreadable=<n>`;
//   * the same for a damaged failed visit and a damaged death report (their flags come from
//     the plaintext columns);
//   * emergencies, referrals, discharge notices and health checks on the timeline;
//   * recording goes on: the schedule never reads an encrypted part;
//   * a call that needs the one damaged record whole still answers DATA_LOSS;
//   * the metrics' patient list serves around a patient whose record does not decrypt.

#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "smd/v1/followups.grpc.pb.h"
#include "smd/v1/metrics.grpc.pb.h"
#include "support/forms.h"
#include "support/synthetic.h"
#include "support/test_env.h"

namespace smd::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr char kCommunity[] = "320106001055";  // this suite's own community

class UnreadableRecordsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env_ = new TestServer("it_unreadable", 2);
    stub_ = v1::FollowUpService::NewStub(env_->channel()).release();
    doctor_ = new std::string(env_->Login("doctor", kDoctorPw));
    std::string admin = env_->Login("admin", kAdminPw);
    v1::UpsertRegionRequest up;
    up.set_code(kCommunity);
    up.set_name("解密失败测试社区");
    v1::Region r;
    ASSERT_TRUE(env_->regions->UpsertRegion(TestServer::Ctx(admin).get(), up, &r).ok());
  }
  static void TearDownTestSuite() {
    delete stub_;
    delete doctor_;
    delete env_;
  }

  static std::string Register(int seq, const std::string& name,
                              const std::string& community = kCommunity) {
    v1::RegisterPatientRequest req;
    *req.mutable_details() = ValidDetails(SyntheticIdNumber("19850303", seq), name, community);
    v1::Patient p;
    grpc::Status s = env_->patients->RegisterPatient(TestServer::Ctx(*doctor_).get(), req, &p);
    EXPECT_TRUE(s.ok()) << s.error_message();
    env_->BackdateRegistration(p.patient_id());  // visits dated days ago follow
    return p.patient_id();
  }

  static v1::FollowUp Record(const std::string& patient, const v1::FollowUpForm& form) {
    v1::RecordFollowUpRequest req;
    req.set_patient_id(patient);
    *req.mutable_form() = form;
    v1::FollowUp out;
    grpc::Status s = stub_->RecordFollowUp(TestServer::Ctx(*doctor_).get(), req, &out);
    EXPECT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
    return out;
  }

  static grpc::Status List(const std::string& patient, v1::ListFollowUpsResponse* out) {
    v1::ListFollowUpsRequest req;
    req.set_patient_id(patient);
    return stub_->ListFollowUps(TestServer::Ctx(*doctor_).get(), req, out);
  }

  static grpc::Status Timeline(const std::string& patient, v1::Timeline* out) {
    v1::GetTimelineRequest req;
    req.set_patient_id(patient);
    return stub_->GetTimeline(TestServer::Ctx(*doctor_).get(), req, out);
  }

  // Flips one byte inside the ciphertext of `column` of row `id` in `table`.
  static void Damage(const std::string& table, const std::string& column, const std::string& id) {
    env_->db().ExecSuper(absl::StrCat("UPDATE ", table, " SET ", column, " = set_byte(", column,
                                      ", 20, get_byte(", column, ", 20) # 1) WHERE id = '", id,
                                      "'"));
  }

  // The detail of the latest audit record of `method` ("FollowUpService/GetTimeline", or
  // a FollowUpService method alone) that lists `patient`.
  static std::string AuditDetail(std::string method, const std::string& patient) {
    if (method.find('/') == std::string::npos) method = "FollowUpService/" + method;
    return env_->db().QueryValue(
        absl::StrCat("SELECT detail FROM audit_log WHERE method = '/smd.v1.", method,
                     "' AND patient_ids @> ARRAY['", patient, "'::uuid] ORDER BY id DESC LIMIT 1"));
  }

  static v1::Date DaysAgo(int n) { return D(TodayBeijing() - n); }

  static TestServer* env_;
  static v1::FollowUpService::Stub* stub_;
  static std::string* doctor_;
};

TestServer* UnreadableRecordsTest::env_ = nullptr;
v1::FollowUpService::Stub* UnreadableRecordsTest::stub_ = nullptr;
std::string* UnreadableRecordsTest::doctor_ = nullptr;

// Before: one visit whose form_enc did not decrypt failed ListFollowUps and GetTimeline
// as a whole with DATA_LOSS, so the patient's whole history was out of reach.
TEST_F(UnreadableRecordsTest, ADamagedVisitIsListedMarkedWithItsPlaintextFacts) {
  const std::string p = Register(1, "随访损坏甲");
  const v1::FollowUp v1 = Record(p, Form(DaysAgo(60), 1));
  v1::FollowUpForm risky = Form(DaysAgo(40), 3);
  risky.set_adherence(v1::ADHERENCE_INTERMITTENT);
  risky.mutable_behaviour()->set_trouble(1);
  risky.set_notes("家属反映夜间吵闹");
  const v1::FollowUp bad = Record(p, risky);
  const v1::FollowUp v3 = Record(p, Form(DaysAgo(20), 0));
  ASSERT_FALSE(bad.visit_id().empty());
  Damage("followup", "form_enc", bad.followup_id());

  v1::ListFollowUpsResponse list;
  grpc::Status s = List(p, &list);
  ASSERT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
  ASSERT_EQ(list.followups_size(), 3);
  EXPECT_EQ(list.unreadable_count(), 1);
  std::map<std::string, v1::FollowUp> by_id;
  for (const auto& f : list.followups()) by_id[f.visit_id()] = f;
  // The others are whole.
  for (const auto* good : {&v1, &v3}) {
    const v1::FollowUp& f = by_id[good->visit_id()];
    EXPECT_FALSE(f.unreadable());
    EXPECT_EQ(f.form().SerializeAsString(), good->form().SerializeAsString());
    EXPECT_EQ(f.form().medications_size(), 1);
  }
  // The damaged one: marked, with what the plaintext columns keep, and nothing else.
  const v1::FollowUp& f = by_id[bad.visit_id()];
  EXPECT_TRUE(f.unreadable());
  EXPECT_FALSE(f.reports_death());
  EXPECT_EQ(f.followup_id(), bad.followup_id());
  EXPECT_EQ(f.version(), 1);
  EXPECT_TRUE(f.current());
  EXPECT_EQ(f.patient_id(), p);
  EXPECT_EQ(f.author_id(), bad.author_id());
  EXPECT_EQ(f.recorded_at().seconds(), bad.recorded_at().seconds());
  EXPECT_EQ(f.form().visit_date().SerializeAsString(), risky.visit_date().SerializeAsString());
  EXPECT_EQ(f.form().mode(), v1::VISIT_MODE_HOME);
  EXPECT_EQ(f.form().risk_level(), 3);
  EXPECT_EQ(f.form().lost_reason(), v1::LOST_REASON_NONE);
  EXPECT_EQ(f.form().adherence(), v1::ADHERENCE_INTERMITTENT);
  EXPECT_EQ(f.form().hospitalization(), v1::HOSPITALIZATION_NEVER);
  EXPECT_EQ(f.form().behaviour().trouble(), 1);
  EXPECT_EQ(f.assessment().SerializeAsString(), bad.assessment().SerializeAsString());
  EXPECT_EQ(f.assessment().final_class(), v1::CLASSIFICATION_UNSTABLE);
  EXPECT_TRUE(f.assessment().has_next_due());
  EXPECT_EQ(f.form().medications_size(), 0);
  EXPECT_EQ(f.form().subjects_size(), 0);
  EXPECT_EQ(f.form().notes(), "");
  EXPECT_EQ(f.form().insight(), v1::INSIGHT_UNSPECIFIED);
  EXPECT_THAT(AuditDetail("ListFollowUps", p), HasSubstr("unreadable=1"));

  // The timeline: every entry, the damaged visit from its plaintext facts.
  v1::Timeline t;
  s = Timeline(p, &t);
  ASSERT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
  EXPECT_EQ(t.unreadable_count(), 1);
  int visits = 0;
  for (const auto& e : t.entries()) {
    if (e.kind() != "followup") continue;
    ++visits;
    if (e.ref_id() == bad.visit_id()) {
      EXPECT_TRUE(e.unreadable());
      EXPECT_THAT(e.summary(), HasSubstr("危险性3级"));
      EXPECT_THAT(e.summary(), HasSubstr("不稳定"));
      EXPECT_THAT(e.summary(), HasSubstr("记录无法解密"));
      EXPECT_THAT(e.summary(), Not(HasSubstr("用药")));
      EXPECT_EQ(e.date().SerializeAsString(), risky.visit_date().SerializeAsString());
    } else {
      EXPECT_FALSE(e.unreadable());
      EXPECT_THAT(e.summary(), HasSubstr("用药：利培酮"));
    }
  }
  EXPECT_EQ(visits, 3);
  EXPECT_THAT(AuditDetail("GetTimeline", p), HasSubstr("unreadable=1"));

  // Recording goes on: the assessment and the schedule read plaintext columns only, and
  // take the damaged visit into account (it was the last unstable one before v3).
  const v1::FollowUp v4 = Record(p, Form(DaysAgo(5), 0));
  EXPECT_FALSE(v4.visit_id().empty());
  ASSERT_TRUE(List(p, &list).ok());
  EXPECT_EQ(list.followups_size(), 4);
  EXPECT_EQ(list.unreadable_count(), 1);
  // The guidance reads the last valid visit, which is whole.
  v1::GetMedicationGuidanceRequest g;
  g.set_patient_id(p);
  v1::MedicationGuidance guidance;
  EXPECT_TRUE(stub_->GetMedicationGuidance(TestServer::Ctx(*doctor_).get(), g, &guidance).ok());

  // Correcting the damaged visit needs it whole: DATA_LOSS, naming no content.
  v1::CorrectFollowUpRequest c;
  c.set_visit_id(bad.visit_id());
  c.set_base_version(1);
  *c.mutable_form() = risky;
  c.set_reason("补录");
  v1::FollowUp corrected;
  s = stub_->CorrectFollowUp(TestServer::Ctx(*doctor_).get(), c, &corrected);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DATA_LOSS) << s.error_message();
  EXPECT_THAT(s.error_message(), HasSubstr("记录无法解密"));
  EXPECT_THAT(s.error_message(), Not(HasSubstr("吵闹")));
}

// A failed visit and a death report whose forms are damaged: what makes them what they are
// is kept in plaintext columns (failed, lost_reason, reports_death), so they still read as
// a failed visit and a death report.
TEST_F(UnreadableRecordsTest, ADamagedFailedVisitAndDeathReportKeepTheirFlags) {
  const std::string p = Register(3, "随访损坏乙");
  const v1::FollowUp good = Record(p, Form(DaysAgo(50), 0));
  v1::FollowUpForm failed;
  *failed.mutable_visit_date() = DaysAgo(30);
  failed.set_mode(v1::VISIT_MODE_HOME);
  failed.add_subjects(v1::VISIT_SUBJECT_FAMILY);
  failed.set_lost_reason(v1::LOST_REASON_MISSING);
  const v1::FollowUp lost = Record(p, failed);
  v1::FollowUpForm death;
  *death.mutable_visit_date() = DaysAgo(10);
  death.set_mode(v1::VISIT_MODE_PHONE);
  death.add_subjects(v1::VISIT_SUBJECT_FAMILY);
  *death.mutable_death_date() = DaysAgo(12);
  death.set_death_cause(v1::DEATH_CAUSE_PHYSICAL_ILLNESS);
  const v1::FollowUp died = Record(p, death);
  ASSERT_FALSE(died.visit_id().empty());
  Damage("followup", "form_enc", lost.followup_id());
  Damage("followup", "form_enc", died.followup_id());

  v1::ListFollowUpsResponse list;
  grpc::Status s = List(p, &list);
  ASSERT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
  ASSERT_EQ(list.followups_size(), 3);
  EXPECT_EQ(list.unreadable_count(), 2);
  for (const auto& f : list.followups()) {
    if (f.visit_id() == good.visit_id()) {
      EXPECT_FALSE(f.unreadable());
      EXPECT_FALSE(f.reports_death());
      EXPECT_EQ(f.form().SerializeAsString(), good.form().SerializeAsString());
    } else if (f.visit_id() == lost.visit_id()) {
      EXPECT_TRUE(f.unreadable());
      EXPECT_FALSE(f.reports_death());
      EXPECT_EQ(f.form().lost_reason(), v1::LOST_REASON_MISSING);
      EXPECT_EQ(f.assessment().effective_lost_reason(), v1::LOST_REASON_MISSING);
      EXPECT_FALSE(f.form().has_risk_level());
      EXPECT_FALSE(f.assessment().has_next_due());
    } else {
      EXPECT_EQ(f.visit_id(), died.visit_id());
      EXPECT_TRUE(f.unreadable());
      EXPECT_TRUE(f.reports_death());
      EXPECT_FALSE(f.form().has_death_date());  // in the damaged part
      EXPECT_EQ(f.form().mode(), v1::VISIT_MODE_PHONE);
      EXPECT_EQ(f.form().lost_reason(), v1::LOST_REASON_NONE);
    }
  }
  EXPECT_THAT(AuditDetail("ListFollowUps", p), HasSubstr("unreadable=2"));

  v1::Timeline t;
  s = Timeline(p, &t);
  ASSERT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
  EXPECT_EQ(t.unreadable_count(), 2);
  bool saw_lost = false, saw_death = false;
  for (const auto& e : t.entries()) {
    if (e.ref_id() == lost.visit_id()) {
      saw_lost = true;
      EXPECT_EQ(e.kind(), "failed_visit");
      EXPECT_TRUE(e.unreadable());
      EXPECT_THAT(e.summary(), HasSubstr("reason 3"));
    }
    if (e.ref_id() == died.visit_id()) {
      saw_death = true;
      EXPECT_TRUE(e.unreadable());
      EXPECT_THAT(e.summary(), HasSubstr("随访报告死亡"));
    }
    if (e.ref_id() == good.visit_id() || e.kind() == "close") {
      EXPECT_FALSE(e.unreadable()) << e.kind();
    }
  }
  EXPECT_TRUE(saw_lost);
  EXPECT_TRUE(saw_death);
  EXPECT_THAT(AuditDetail("GetTimeline", p), HasSubstr("unreadable=2"));
}

// Emergencies, referrals, discharge notices and health checks, two of each with one
// damaged: the timeline lists them all, the damaged ones marked. Before, any of them
// failed the timeline; a damaged discharge notice also failed every later visit of the
// patient, because the schedule decrypted the notices to find the latest one.
TEST_F(UnreadableRecordsTest, TheTimelineServesAroundDamagedRecordsOfEveryKind) {
  const std::string p = Register(5, "记录损坏丙");
  auto ctx = [] { return TestServer::Ctx(*doctor_); };

  std::vector<std::string> emergencies;
  for (int i = 0; i < 2; ++i) {
    v1::RecordEmergencyRequest e;
    e.set_patient_id(p);
    e.mutable_started_at()->set_seconds(absl::ToUnixSeconds(absl::Now() - absl::Hours(30 - i)));
    e.set_place("患者家中");
    e.set_trigger(i == 0 ? 3 : 1);
    e.set_measures("劝说，送医");
    v1::Emergency out;
    grpc::Status s = stub_->RecordEmergency(ctx().get(), e, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
    emergencies.push_back(out.emergency_id());
  }
  std::vector<std::string> referrals;
  for (int i = 0; i < 2; ++i) {
    v1::RequestReferralRequest r;
    r.set_patient_id(p);
    r.set_reason(i == 0 ? "复发" : "药物调整");
    r.set_hospital(i == 0 ? "演示医院甲" : "演示医院乙");
    v1::Referral out;
    grpc::Status s = stub_->RequestReferral(ctx().get(), r, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
    referrals.push_back(out.referral_id());
  }
  std::vector<std::string> discharges;
  for (int i = 0; i < 2; ++i) {
    v1::RecordDischargeRequest d;
    d.set_patient_id(p);
    d.set_hospital("演示医院甲");
    *d.mutable_discharged_on() = DaysAgo(40 - 20 * i);
    *d.mutable_received_on() = DaysAgo(39 - 20 * i);
    d.set_summary("病情好转出院");
    v1::Discharge out;
    grpc::Status s = stub_->RecordDischarge(ctx().get(), d, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
    discharges.push_back(out.discharge_id());
  }
  std::vector<std::string> checks;
  for (int i = 0; i < 2; ++i) {
    v1::RecordHealthCheckRequest h;
    h.set_patient_id(p);
    *h.mutable_check_date() = DaysAgo(100 - 50 * i);
    h.set_consent(true);
    h.set_consent_by("监护人");
    h.set_notes("血压偏高");
    v1::HealthCheck out;
    grpc::Status s = stub_->RecordHealthCheck(ctx().get(), h, &out);
    ASSERT_TRUE(s.ok()) << s.error_message();
    checks.push_back(out.health_check_id());
  }
  // The second of each: the latest discharge notice is the one the schedule uses.
  Damage("emergency", "details_enc", emergencies[1]);
  Damage("referral", "details_enc", referrals[1]);
  Damage("discharge", "details_enc", discharges[1]);
  Damage("health_check", "details_enc", checks[1]);
  const std::vector<std::string> damaged = {emergencies[1], referrals[1], discharges[1], checks[1]};
  const std::vector<std::string> whole = {emergencies[0], referrals[0], discharges[0], checks[0]};

  // Visits and notices are still recorded: the schedule reads the notices' plaintext dates.
  const v1::FollowUp visit = Record(p, Form(DaysAgo(2), 0));
  EXPECT_FALSE(visit.visit_id().empty());
  v1::RecordDischargeRequest d;
  d.set_patient_id(p);
  d.set_hospital("演示医院甲");
  *d.mutable_discharged_on() = DaysAgo(1);
  v1::Discharge out;
  grpc::Status s = stub_->RecordDischarge(ctx().get(), d, &out);
  EXPECT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();

  v1::Timeline t;
  s = Timeline(p, &t);
  ASSERT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
  EXPECT_EQ(t.unreadable_count(), 4);
  std::map<std::string, v1::TimelineEntry> by_ref;
  for (const auto& e : t.entries()) by_ref[e.ref_id()] = e;
  for (const auto& id : whole) {
    ASSERT_TRUE(by_ref.count(id)) << id;
    EXPECT_FALSE(by_ref[id].unreadable()) << by_ref[id].kind();
  }
  for (const auto& id : damaged) {
    ASSERT_TRUE(by_ref.count(id)) << id;
    EXPECT_TRUE(by_ref[id].unreadable()) << by_ref[id].kind();
    EXPECT_THAT(by_ref[id].summary(), HasSubstr("记录无法解密"));
  }
  // Their plaintext facts are still there.
  EXPECT_THAT(by_ref[emergencies[1]].summary(), HasSubstr("trigger 1"));
  EXPECT_THAT(by_ref[referrals[1]].summary(), HasSubstr("演示医院乙"));
  EXPECT_THAT(by_ref[discharges[1]].summary(), HasSubstr("出院 演示医院甲"));
  EXPECT_EQ(by_ref[discharges[1]].date().SerializeAsString(), DaysAgo(20).SerializeAsString());
  EXPECT_EQ(by_ref[checks[1]].kind(), "health_check");
  EXPECT_EQ(by_ref[checks[1]].date().SerializeAsString(), DaysAgo(50).SerializeAsString());
  EXPECT_THAT(AuditDetail("GetTimeline", p), HasSubstr("unreadable=4"));

  // Updating the damaged referral needs it whole: DATA_LOSS, as before.
  v1::UpdateReferralRequest ur;
  ur.set_referral_id(referrals[1]);
  ur.set_status(v1::REFERRAL_STATUS_ACCEPTED);
  v1::Referral ref;
  s = stub_->UpdateReferral(ctx().get(), ur, &ref);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DATA_LOSS) << s.error_message();
  ur.set_referral_id(referrals[0]);
  EXPECT_TRUE(stub_->UpdateReferral(ctx().get(), ur, &ref).ok());
}

// The management-rate drill-down loaded each patient whole: one patient whose record did
// not decrypt failed the list with DATA_LOSS.
TEST_F(UnreadableRecordsTest, TheMetricsPatientListServesAroundAnUnreadablePatient) {
  const std::string community = "320106001056";
  {
    std::string admin = env_->Login("admin", kAdminPw);
    v1::UpsertRegionRequest up;
    up.set_code(community);
    up.set_name("指标损坏测试社区");
    v1::Region r;
    ASSERT_TRUE(env_->regions->UpsertRegion(TestServer::Ctx(admin).get(), up, &r).ok());
  }
  // Registered, never visited: outside 在管 (management_rate), so on its "missing" list.
  const std::string a = Register(11, "指标完好甲", community);
  const std::string bad = Register(13, "指标损坏乙", community);
  const std::string c = Register(15, "指标完好丙", community);
  const absl::CivilDay today = TodayBeijing();
  ASSERT_TRUE(env_->server().BuildMetricsYear(static_cast<int>(today.year())).ok());
  env_->db().ExecSuper(absl::StrCat(
      "UPDATE patient SET name_enc = set_byte(name_enc, 20, get_byte(name_enc, 20) # 1) "
      "WHERE id = '",
      bad, "'"));

  auto metrics = v1::MetricsService::NewStub(env_->channel());
  v1::ListMetricPatientsRequest req;
  req.set_region(community);
  req.mutable_period()->set_year(static_cast<int>(today.year()));
  req.mutable_period()->set_month(today.month());
  req.set_indicator("management_rate");
  req.set_missing(true);
  v1::ListMetricPatientsResponse resp;
  grpc::Status s = metrics->ListMetricPatients(TestServer::Ctx(*doctor_).get(), req, &resp);
  ASSERT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
  ASSERT_EQ(resp.patients_size(), 3);
  EXPECT_EQ(resp.unreadable_count(), 1);
  for (const auto& p : resp.patients()) {
    EXPECT_EQ(p.jurisdiction(), community);
    EXPECT_FALSE(p.reason().empty());
    if (p.patient_id() == bad) {
      EXPECT_TRUE(p.name_unreadable());
      EXPECT_EQ(p.name(), "");
    } else {
      EXPECT_FALSE(p.name_unreadable());
      EXPECT_EQ(p.name(), p.patient_id() == a ? "指标完好甲" : "指标完好丙");
      EXPECT_TRUE(p.patient_id() == a || p.patient_id() == c);
    }
  }
  const std::string detail = AuditDetail("MetricsService/ListMetricPatients", bad);
  EXPECT_THAT(detail, HasSubstr("returned=3"));
  EXPECT_THAT(detail, HasSubstr("unreadable=1"));
}

}  // namespace
}  // namespace smd::testing
