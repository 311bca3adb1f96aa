// Follow-up visits over gRPC against a real PostgreSQL (issue 3 "Done when"): the rules
// engine's results, failed visits, dose checks against the catalogue, jurisdiction,
// worklists, corrections, discharge, referral, emergency, health check, guidance, timeline.

#include <algorithm>

#include <pqxx/pqxx>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "smd/v1/followups.grpc.pb.h"
#include "support/forms.h"
#include "support/test_env.h"

namespace smd::testing {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;

v1::FollowUpForm Failed(v1::Date date) {
  v1::FollowUpForm f;
  *f.mutable_visit_date() = date;
  f.set_mode(v1::VISIT_MODE_HOME);
  f.add_subjects(v1::VISIT_SUBJECT_FAMILY);
  f.set_lost_reason(v1::LOST_REASON_WORKING_AWAY);
  return f;
}

class FollowUpTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env_ = new TestServer("it_followup", 10);
    stub_ = v1::FollowUpService::NewStub(env_->channel()).release();
    doctor_ = new std::string(env_->Login("doctor", kDoctorPw));
    // A community of our own, so worklist assertions see only this suite's patients.
    std::string admin = env_->Login("admin", kAdminPw);
    v1::UpsertRegionRequest up;
    up.set_code("320106001088");
    up.set_name("随访测试社区");
    v1::Region r;
    ASSERT_TRUE(env_->regions->UpsertRegion(TestServer::Ctx(admin).get(), up, &r).ok());
    // Another, for the paging test (it counts every patient of its community).
    up.set_code("320106001089");
    up.set_name("随访分页测试社区");
    ASSERT_TRUE(env_->regions->UpsertRegion(TestServer::Ctx(admin).get(), up, &r).ok());
  }
  static void TearDownTestSuite() {
    delete stub_;
    delete doctor_;
    delete env_;
  }

  std::string NewPatient(int seq, const std::string& community = "320106001088") {
    v1::RegisterPatientRequest req;
    *req.mutable_details() =
        ValidDetails(SyntheticIdNumber("19800101", seq), absl::StrCat("随访测试", seq), community);
    v1::Patient p;
    const std::string token = community.rfind("320106002", 0) == 0
                                  ? env_->Login("doctor2", kDoctor2Pw)
                                  : *doctor_;
    grpc::Status s = env_->patients->RegisterPatient(TestServer::Ctx(token).get(), req, &p);
    EXPECT_TRUE(s.ok()) << s.error_message();
    env_->BackdateRegistration(p.patient_id());  // the suite's visits are dated 2023-2025
    return p.patient_id();
  }

  grpc::Status Record(const std::string& patient, const v1::FollowUpForm& form, v1::FollowUp* out,
                      const std::string& token = "") {
    v1::RecordFollowUpRequest req;
    req.set_patient_id(patient);
    *req.mutable_form() = form;
    return stub_->RecordFollowUp(TestServer::Ctx(token.empty() ? *doctor_ : token).get(), req, out);
  }

  static TestServer* env_;
  static v1::FollowUpService::Stub* stub_;
  static std::string* doctor_;
};

TestServer* FollowUpTest::env_ = nullptr;
v1::FollowUpService::Stub* FollowUpTest::stub_ = nullptr;
std::string* FollowUpTest::doctor_ = nullptr;

TEST_F(FollowUpTest, RiskFourIsUnstableWithReferralPoliceAndCareTeamWithinTwoWeeks) {
  const std::string p = NewPatient(201);
  v1::FollowUpForm f = Form(D(2024, 3, 1), 4);
  f.mutable_behaviour()->set_self_harm(1);
  v1::FollowUp out;
  ASSERT_TRUE(Record(p, f, &out).ok());
  const auto& a = out.assessment();
  EXPECT_EQ(a.computed(), v1::CLASSIFICATION_UNSTABLE);
  EXPECT_EQ(a.final_class(), v1::CLASSIFICATION_UNSTABLE);
  EXPECT_THAT(a.actions(), Contains(v1::REQUIRED_ACTION_REFER_NOW));
  EXPECT_THAT(a.actions(), Contains(v1::REQUIRED_ACTION_NOTIFY_POLICE));
  EXPECT_THAT(a.actions(), Contains(v1::REQUIRED_ACTION_ASSIGN_CARE_TEAM));
  const auto& due = a.next_due();
  EXPECT_LE(due.year() * 10000 + due.month() * 100 + due.day(), 20240315);
  EXPECT_EQ(a.rule_set(), "jiangsu-2018");
  // The register shows the latest assessment.
  v1::GetPatientRequest get;
  get.set_patient_id(p);
  v1::Patient seen;
  ASSERT_TRUE(env_->patients->GetPatient(TestServer::Ctx(*doctor_).get(), get, &seen).ok());
  EXPECT_EQ(seen.risk_level(), 4);
  EXPECT_EQ(seen.classification(), 1);
}

TEST_F(FollowUpTest, FullyStableVisitIsDueThreeMonthsLater) {
  const std::string p = NewPatient(202);
  v1::FollowUp out;
  ASSERT_TRUE(Record(p, Form(D(2024, 3, 1), 0), &out).ok());
  EXPECT_EQ(out.assessment().final_class(), v1::CLASSIFICATION_STABLE);
  EXPECT_EQ(out.assessment().next_due().year(), 2024);
  EXPECT_EQ(out.assessment().next_due().month(), 6);
  EXPECT_EQ(out.assessment().next_due().day(), 1);
}

TEST_F(FollowUpTest, BasicallyStableGetsATwoWeekReview) {
  const std::string p = NewPatient(203);
  v1::FollowUp out;
  ASSERT_TRUE(Record(p, Form(D(2024, 3, 1), 1), &out).ok());
  EXPECT_EQ(out.assessment().final_class(), v1::CLASSIFICATION_BASICALLY_STABLE);
  EXPECT_TRUE(out.assessment().next_is_two_week_review());
  EXPECT_EQ(out.assessment().next_due().day(), 15);
  // At the review, still basically stable: default rule set refers and reviews in 2 weeks.
  ASSERT_TRUE(Record(p, Form(D(2024, 3, 15), 1), &out).ok());
  EXPECT_THAT(out.assessment().actions(), Contains(v1::REQUIRED_ACTION_REFER_NOW));
  EXPECT_EQ(out.assessment().next_due().month(), 3);
  EXPECT_EQ(out.assessment().next_due().day(), 29);
}

TEST_F(FollowUpTest, ThreeFailedVisitsBecomeReasonFour) {
  const std::string p = NewPatient(204);
  v1::FollowUp out;
  ASSERT_TRUE(Record(p, Form(D(2024, 1, 5), 0), &out).ok());
  ASSERT_TRUE(Record(p, Failed(D(2024, 4, 5)), &out).ok());
  EXPECT_EQ(out.assessment().effective_lost_reason(), v1::LOST_REASON_WORKING_AWAY);
  ASSERT_TRUE(Record(p, Failed(D(2024, 4, 20)), &out).ok());
  EXPECT_EQ(out.assessment().effective_lost_reason(), v1::LOST_REASON_WORKING_AWAY);
  ASSERT_TRUE(Record(p, Failed(D(2024, 5, 5)), &out).ok());
  EXPECT_EQ(out.assessment().effective_lost_reason(), v1::LOST_REASON_THREE_FAILURES);
  EXPECT_EQ(out.form().lost_reason(), v1::LOST_REASON_WORKING_AWAY);  // as filled
  // A failed visit is not a follow-up: the patient stays due from the last valid visit.
  v1::ListWorklistRequest wl;
  wl.set_kind(v1::WORKLIST_OVERDUE);
  wl.set_region("320106001088");
  wl.mutable_page()->set_page_size(200);
  v1::ListWorklistResponse items;
  ASSERT_TRUE(stub_->ListWorklist(TestServer::Ctx(*doctor_).get(), wl, &items).ok());
  bool found = false;
  for (const auto& it : items.items()) {
    if (it.patient_id() == p) {
      found = true;
      EXPECT_EQ(it.next_due().month(), 4);  // 2024-01-05 + 3 months
    }
  }
  EXPECT_TRUE(found);
  // A failed visit carrying an assessment is refused, naming the field.
  v1::FollowUpForm bad = Failed(D(2024, 5, 6));
  bad.set_risk_level(2);
  grpc::Status s = Record(p, bad, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("risk_level"));
}

TEST_F(FollowUpTest, OutOfRangeDoseNeedsConfirmationAndNamesTheDrug) {
  const std::string p = NewPatient(205);
  const std::string count_before = env_->db().QueryValue("SELECT count(*) FROM followup");
  v1::FollowUpForm f = Form(D(2024, 3, 1), 0);
  f.mutable_medications(0)->set_morning_mg(10);
  f.mutable_medications(0)->set_evening_mg(10);  // 20 mg/day risperidone
  v1::FollowUp out;
  grpc::Status s = Record(p, f, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("利培酮"));
  EXPECT_THAT(s.error_message(), HasSubstr("risperidone"));
  EXPECT_EQ(env_->db().QueryValue("SELECT count(*) FROM followup"), count_before);
  f.mutable_medications(0)->set_out_of_range_confirmed(true);
  s = Record(p, f, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);  // no reason given
  f.mutable_medications(0)->set_confirm_reason("难治性病例，上级医院会诊意见");
  EXPECT_TRUE(Record(p, f, &out).ok());
  f.mutable_medications(0)->set_drug_code("no_such_drug");
  s = Record(p, f, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("drug_code"));
}

TEST_F(FollowUpTest, AVisitOutsideTheJurisdictionIsDeniedAndWritesNothing) {
  const std::string p = NewPatient(206, "320106002001");  // street 002's patient
  const std::string before = env_->db().QueryValue("SELECT count(*) FROM followup");
  const std::string audit_before = env_->db().QueryValue(
      "SELECT count(*) FROM audit_log WHERE outcome = 'PERMISSION_DENIED'");
  v1::FollowUp out;
  grpc::Status s = Record(p, Form(D(2024, 3, 1), 4), &out);  // by street 001's doctor
  EXPECT_EQ(s.error_code(), grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(env_->db().QueryValue("SELECT count(*) FROM followup"), before);
  EXPECT_EQ(std::stoi(env_->db().QueryValue(
                "SELECT count(*) FROM audit_log WHERE outcome = 'PERMISSION_DENIED'")),
            std::stoi(audit_before) + 1);
  // Police never read clinical records.
  std::string police = env_->Login("police", kPolicePw);
  v1::ListFollowUpsRequest list;
  list.set_patient_id(NewPatient(207));
  v1::ListFollowUpsResponse visits;
  EXPECT_EQ(stub_->ListFollowUps(TestServer::Ctx(police).get(), list, &visits).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
}

TEST_F(FollowUpTest, WorklistPutsTheMostOverdueUnstablePatientFirst) {
  const std::string a = NewPatient(208);
  const std::string b = NewPatient(209);
  const std::string c = NewPatient(210);
  v1::FollowUp out;
  ASSERT_TRUE(Record(b, Form(D(2025, 1, 1), 3), &out).ok());   // unstable, due 2025-01-15
  ASSERT_TRUE(Record(a, Form(D(2024, 3, 1), 4), &out).ok());   // unstable, due 2024-03-15
  ASSERT_TRUE(Record(c, Form(D(2023, 1, 1), 0), &out).ok());   // stable, due 2023-04-01
  v1::ListWorklistRequest wl;
  wl.set_kind(v1::WORKLIST_OVERDUE);
  wl.set_region("320106001088");
  wl.mutable_page()->set_page_size(2);
  std::vector<std::string> order;
  std::vector<v1::WorklistItem> all;
  for (int pages = 0; pages < 50; ++pages) {
    v1::ListWorklistResponse items;
    ASSERT_TRUE(stub_->ListWorklist(TestServer::Ctx(*doctor_).get(), wl, &items).ok());
    for (const auto& it : items.items()) {
      order.push_back(it.patient_id());
      all.push_back(it);
    }
    if (items.next_page_token().empty()) break;
    wl.mutable_page()->set_page_token(items.next_page_token());
  }
  // Unstable first, and within a classification the most overdue first.
  ASSERT_FALSE(all.empty());
  EXPECT_EQ(all[0].classification(), v1::CLASSIFICATION_UNSTABLE);
  for (size_t i = 1; i < all.size(); ++i) {
    if (all[i].classification() == all[i - 1].classification()) {
      EXPECT_LE(all[i].days_overdue(), all[i - 1].days_overdue()) << i;
    } else {
      EXPECT_NE(all[i - 1].classification(), v1::CLASSIFICATION_STABLE) << i;
    }
  }
  // Each of the three is on the list exactly once; the most overdue unstable one (a) with
  // its name, reason and days overdue.
  for (const std::string& id : {a, b, c}) {
    EXPECT_EQ(std::count(order.begin(), order.end(), id), 1) << id;
  }
  auto item_a = std::find_if(all.begin(), all.end(),
                             [&](const v1::WorklistItem& it) { return it.patient_id() == a; });
  ASSERT_NE(item_a, all.end()) << "the most overdue unstable patient is not on the worklist";
  EXPECT_EQ(item_a->name(), "随访测试208");
  EXPECT_GT(item_a->days_overdue(), 600);
  EXPECT_THAT(item_a->reason(), HasSubstr("逾期"));
  EXPECT_EQ(item_a->days_overdue(), all[0].days_overdue());  // as overdue as the first
  auto pos = [&](const std::string& id) {
    return std::find(order.begin(), order.end(), id) - order.begin();
  };
  EXPECT_LT(pos(a), pos(b));
  EXPECT_LT(pos(b), pos(c));  // unstable before stable, even when the stable one is later due
  // The unstable-not-seen list has both unstable patients.
  wl.set_kind(v1::WORKLIST_UNSTABLE_NOT_SEEN);
  wl.clear_page();
  v1::ListWorklistResponse unstable;
  ASSERT_TRUE(stub_->ListWorklist(TestServer::Ctx(*doctor_).get(), wl, &unstable).ok());
  std::vector<std::string> ids;
  for (const auto& it : unstable.items()) ids.push_back(it.patient_id());
  EXPECT_THAT(ids, Contains(a));
  EXPECT_THAT(ids, Contains(b));
  EXPECT_THAT(ids, Not(Contains(c)));
}

TEST_F(FollowUpTest, ACorrectionKeepsTheOldVersionAndTheScheduleFollowsIt) {
  const std::string p = NewPatient(211);
  v1::FollowUp first;
  ASSERT_TRUE(Record(p, Form(D(2024, 3, 1), 0), &first).ok());
  EXPECT_EQ(first.assessment().final_class(), v1::CLASSIFICATION_STABLE);
  v1::CorrectFollowUpRequest corr;
  corr.set_visit_id(first.visit_id());
  corr.set_base_version(1);
  *corr.mutable_form() = Form(D(2024, 3, 1), 3);
  corr.set_reason("危险性评估录入错误");
  v1::FollowUp second;
  ASSERT_TRUE(stub_->CorrectFollowUp(TestServer::Ctx(*doctor_).get(), corr, &second).ok());
  EXPECT_EQ(second.version(), 2);
  EXPECT_EQ(second.visit_id(), first.visit_id());
  EXPECT_EQ(second.assessment().final_class(), v1::CLASSIFICATION_UNSTABLE);
  EXPECT_EQ(second.correction_reason(), "危险性评估录入错误");
  // A second correction from the stale base is refused.
  EXPECT_EQ(stub_->CorrectFollowUp(TestServer::Ctx(*doctor_).get(), corr, &second).error_code(),
            grpc::StatusCode::ABORTED);
  v1::ListFollowUpsRequest list;
  list.set_patient_id(p);
  list.set_include_history(true);
  v1::ListFollowUpsResponse visits;
  ASSERT_TRUE(stub_->ListFollowUps(TestServer::Ctx(*doctor_).get(), list, &visits).ok());
  ASSERT_EQ(visits.followups_size(), 2);
  EXPECT_TRUE(visits.followups(0).current());
  EXPECT_EQ(visits.followups(0).version(), 2);
  EXPECT_FALSE(visits.followups(1).current());
  EXPECT_EQ(visits.followups(1).assessment().final_class(), v1::CLASSIFICATION_STABLE);
  list.set_include_history(false);
  ASSERT_TRUE(stub_->ListFollowUps(TestServer::Ctx(*doctor_).get(), list, &visits).ok());
  EXPECT_EQ(visits.followups_size(), 1);
  // The register and the schedule follow the corrected version.
  EXPECT_EQ(env_->db().QueryValue("SELECT classification FROM patient WHERE id = '" + p + "'"),
            "1");
  EXPECT_EQ(env_->db().QueryValue("SELECT next_due FROM patient_schedule WHERE patient_id = '" +
                                  p + "'"),
            "2024-03-15");
  // Another doctor (not the author, not a supervisor) may not correct it.
  corr.set_base_version(2);
  std::string doctor2 = env_->Login("doctor2", kDoctor2Pw);
  EXPECT_NE(stub_->CorrectFollowUp(TestServer::Ctx(doctor2).get(), corr, &second).error_code(),
            grpc::StatusCode::OK);
  // A supervisor (psychiatrist) may.
  std::string psych = env_->Login("psychiatrist", kPsychPw);
  EXPECT_TRUE(stub_->CorrectFollowUp(TestServer::Ctx(psych).get(), corr, &second).ok());
  EXPECT_EQ(second.version(), 3);
}

TEST_F(FollowUpTest, DoctorsOverrideNeedsAReasonAndKeepsBoth) {
  const std::string p = NewPatient(212);
  v1::FollowUpForm f = Form(D(2024, 3, 1), 1);
  f.set_recorded_class(v1::CLASSIFICATION_STABLE);
  v1::FollowUp out;
  grpc::Status s = Record(p, f, &out);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(s.error_message(), HasSubstr("override_reason"));
  f.set_override_reason("家属反映近期情况良好，评估偏保守");
  ASSERT_TRUE(Record(p, f, &out).ok());
  EXPECT_EQ(out.assessment().computed(), v1::CLASSIFICATION_BASICALLY_STABLE);
  EXPECT_EQ(out.assessment().final_class(), v1::CLASSIFICATION_STABLE);
}

TEST_F(FollowUpTest, DischargeNoticeSchedulesTheFirstFollowUpWithinFourteenDays) {
  const std::string p = NewPatient(213);
  v1::FollowUp out;
  ASSERT_TRUE(Record(p, Form(D(2024, 1, 10), 0), &out).ok());
  v1::RecordDischargeRequest req;
  req.set_patient_id(p);
  req.set_hospital("南京市脑科医院");
  *req.mutable_admitted_on() = D(2024, 1, 20);
  *req.mutable_discharged_on() = D(2024, 2, 1);
  *req.mutable_received_on() = D(2024, 2, 2);
  v1::Discharge d;
  ASSERT_TRUE(stub_->RecordDischarge(TestServer::Ctx(*doctor_).get(), req, &d).ok());
  EXPECT_EQ(d.first_followup_due().month(), 2);
  EXPECT_EQ(d.first_followup_due().day(), 16);
  v1::ListWorklistRequest wl;
  wl.set_kind(v1::WORKLIST_DISCHARGED_NOT_SEEN);
  wl.set_region("320106001088");
  v1::ListWorklistResponse items;
  ASSERT_TRUE(stub_->ListWorklist(TestServer::Ctx(*doctor_).get(), wl, &items).ok());
  bool listed = false;
  for (const auto& it : items.items()) listed |= it.patient_id() == p;
  EXPECT_TRUE(listed);
  // The first follow-up after discharge takes it off the list.
  ASSERT_TRUE(Record(p, Form(D(2024, 2, 10), 0), &out).ok());
  ASSERT_TRUE(stub_->ListWorklist(TestServer::Ctx(*doctor_).get(), wl, &items).ok());
  for (const auto& it : items.items()) EXPECT_NE(it.patient_id(), p);
}

TEST_F(FollowUpTest, ReferralFollowsItsStatusFlow) {
  const std::string p = NewPatient(214);
  v1::RequestReferralRequest req;
  req.set_patient_id(p);
  req.set_reason("病情复发，需住院治疗");
  req.set_urgent(true);
  v1::Referral r;
  ASSERT_TRUE(stub_->RequestReferral(TestServer::Ctx(*doctor_).get(), req, &r).ok());
  EXPECT_EQ(r.hospital(), "南京市脑科医院");  // the designated hospital by default
  EXPECT_EQ(r.status(), v1::REFERRAL_STATUS_REQUESTED);
  v1::UpdateReferralRequest up;
  up.set_referral_id(r.referral_id());
  up.set_status(v1::REFERRAL_STATUS_ADMITTED);  // cannot skip acceptance
  EXPECT_EQ(stub_->UpdateReferral(TestServer::Ctx(*doctor_).get(), up, &r).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
  up.set_status(v1::REFERRAL_STATUS_ACCEPTED);
  ASSERT_TRUE(stub_->UpdateReferral(TestServer::Ctx(*doctor_).get(), up, &r).ok());
  up.set_status(v1::REFERRAL_STATUS_ADMITTED);
  ASSERT_TRUE(stub_->UpdateReferral(TestServer::Ctx(*doctor_).get(), up, &r).ok());
  EXPECT_EQ(r.status(), v1::REFERRAL_STATUS_ADMITTED);
}

TEST_F(FollowUpTest, EmergencyHealthCheckGuidanceAndTimeline) {
  const std::string p = NewPatient(215);
  v1::FollowUp out;
  v1::FollowUpForm f = Form(D(2024, 3, 1), 0);
  f.set_adherence(v1::ADHERENCE_INTERMITTENT);
  ASSERT_TRUE(Record(p, f, &out).ok());

  v1::RecordEmergencyRequest em;
  em.set_patient_id(p);
  em.mutable_started_at()->set_seconds(1709280000);  // 2024-03-01 08:00 UTC
  em.mutable_ended_at()->set_seconds(1709283600);
  em.set_place("患者家中");
  em.set_trigger(2);
  em.set_measures("民警与精防医生到场劝说，送医");
  em.set_registered_patient(true);
  v1::Emergency e;
  ASSERT_TRUE(stub_->RecordEmergency(TestServer::Ctx(*doctor_).get(), em, &e).ok());

  v1::RecordHealthCheckRequest hc;
  hc.set_patient_id(p);
  *hc.mutable_check_date() = D(2024, 4, 1);
  hc.set_consent_by("监护人");
  v1::HealthCheck h;
  grpc::Status s = stub_->RecordHealthCheck(TestServer::Ctx(*doctor_).get(), hc, &h);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT);  // no consent
  EXPECT_THAT(s.error_message(), HasSubstr("consent"));
  hc.set_consent(true);
  hc.set_bp_systolic(120);
  hc.set_bp_diastolic(80);
  hc.set_ecg(v1::CHECK_RESULT_NORMAL);
  ASSERT_TRUE(stub_->RecordHealthCheck(TestServer::Ctx(*doctor_).get(), hc, &h).ok());

  v1::GetMedicationGuidanceRequest gr;
  gr.set_patient_id(p);
  v1::MedicationGuidance g;
  ASSERT_TRUE(stub_->GetMedicationGuidance(TestServer::Ctx(*doctor_).get(), gr, &g).ok());
  ASSERT_GT(g.items_zh_size(), 0);
  std::string all;
  for (const auto& item : g.items_zh()) all += item;
  EXPECT_THAT(all, HasSubstr("监护"));  // adherence counselling for 间断服药
  EXPECT_EQ(g.regimen_size(), 1);

  v1::GetTimelineRequest tr;
  tr.set_patient_id(p);
  v1::Timeline t;
  ASSERT_TRUE(stub_->GetTimeline(TestServer::Ctx(*doctor_).get(), tr, &t).ok());
  std::vector<std::string> kinds;
  for (const auto& entry : t.entries()) kinds.push_back(entry.kind());
  EXPECT_THAT(kinds, Contains("followup"));
  EXPECT_THAT(kinds, Contains("emergency"));
  EXPECT_THAT(kinds, Contains("health_check"));
  // In date order.
  for (int i = 1; i < t.entries_size(); ++i) {
    const auto& a = t.entries(i - 1).date();
    const auto& b = t.entries(i).date();
    EXPECT_LE(a.year() * 10000 + a.month() * 100 + a.day(),
              b.year() * 10000 + b.month() * 100 + b.day());
  }
  // Free text is encrypted at rest.
  EXPECT_EQ(env_->db().QueryValue(
                "SELECT count(*) FROM emergency WHERE position(convert_to('患者家中', 'UTF8') in "
                "details_enc) > 0"),
            "0");
}

// The worklists page on (urgency, due date, patient id) (issue 17 item 5 chose the page
// from the schedule's own copy of the patient's community and status, migration 0025): a
// page boundary falls between patients due the same day; patients who leave the community
// between two pages (moved to another street and accepted there, moved out of the system,
// which closes them) are not listed after they left, every other patient exactly once, in
// id order; the moved patient is on the receiving community's list under its new code.
TEST_F(FollowUpTest, WorklistPagesThroughEqualDueDatesWhilePatientsMoveAway) {
  const std::string community = "320106001089";
  std::vector<std::string> ids;
  for (int seq = 230; seq < 237; ++seq) {
    ids.push_back(NewPatient(seq, community));
    v1::FollowUp out;
    ASSERT_TRUE(Record(ids.back(), Form(D(2024, 6, 1), 0), &out).ok());  // all due 2024-09-01
  }
  std::sort(ids.begin(), ids.end());
  v1::ListWorklistRequest wl;
  wl.set_kind(v1::WORKLIST_OVERDUE);
  wl.set_region(community);
  wl.mutable_page()->set_page_size(2);
  v1::ListWorklistResponse first;
  ASSERT_TRUE(stub_->ListWorklist(TestServer::Ctx(*doctor_).get(), wl, &first).ok());
  ASSERT_EQ(first.items_size(), 2);
  EXPECT_EQ(first.items(0).patient_id(), ids[0]);
  EXPECT_EQ(first.items(1).patient_id(), ids[1]);
  EXPECT_EQ(first.items(0).next_due().month(), 9);
  EXPECT_EQ(first.items(1).next_due().month(), 9);
  ASSERT_FALSE(first.next_page_token().empty());

  // Between the pages: ids[3] moves to another street (accepted there), ids[5] moves out of
  // the system (closed: 迁出 outside the tree).
  auto move = [&](const std::string& id, const std::string& to) {
    v1::GetPatientRequest get;
    get.set_patient_id(id);
    v1::Patient p;
    EXPECT_TRUE(env_->patients->GetPatient(TestServer::Ctx(*doctor_).get(), get, &p).ok());
    v1::TransferOutRequest out;
    out.set_patient_id(id);
    out.set_version(p.version());
    out.set_to_jurisdiction(to);
    out.set_reason("迁居");
    v1::Transfer t;
    grpc::Status s = env_->patients->TransferOut(TestServer::Ctx(*doctor_).get(), out, &t);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return t;
  };
  v1::Transfer moved = move(ids[3], "320106002001");
  v1::TransferInRequest in;
  in.set_transfer_id(moved.transfer_id());
  in.set_accept(true);
  v1::Transfer accepted;
  const std::string doctor2 = env_->Login("doctor2", kDoctor2Pw);
  ASSERT_TRUE(env_->patients->TransferIn(TestServer::Ctx(doctor2).get(), in, &accepted).ok());
  EXPECT_EQ(move(ids[5], "320102").status(), v1::TRANSFER_STATUS_COMPLETED_OUTSIDE);

  std::vector<std::string> listed = {ids[0], ids[1]};
  wl.mutable_page()->set_page_token(first.next_page_token());
  for (int pages = 0; pages < 10; ++pages) {
    v1::ListWorklistResponse page;
    ASSERT_TRUE(stub_->ListWorklist(TestServer::Ctx(*doctor_).get(), wl, &page).ok());
    for (const auto& it : page.items()) {
      listed.push_back(it.patient_id());
      EXPECT_EQ(it.jurisdiction(), community);
    }
    if (page.next_page_token().empty()) break;
    wl.mutable_page()->set_page_token(page.next_page_token());
  }
  EXPECT_EQ(listed, (std::vector<std::string>{ids[0], ids[1], ids[2], ids[4], ids[6]}));

  // The moved patient is on the receiving street's list, under its new community (its
  // first visit there is due in 14 days, but the old due date, earlier, stays).
  v1::ListWorklistRequest there;
  there.set_kind(v1::WORKLIST_OVERDUE);
  there.set_region("320106002001");
  there.mutable_page()->set_page_size(100);
  bool found = false;
  for (int pages = 0; pages < 50 && !found; ++pages) {
    v1::ListWorklistResponse page;
    ASSERT_TRUE(stub_->ListWorklist(TestServer::Ctx(doctor2).get(), there, &page).ok());
    for (const auto& it : page.items()) {
      if (it.patient_id() != ids[3]) continue;
      found = true;
      EXPECT_EQ(it.jurisdiction(), "320106002001");
    }
    if (page.next_page_token().empty()) break;
    there.mutable_page()->set_page_token(page.next_page_token());
  }
  EXPECT_TRUE(found) << "the moved patient is not on the receiving community's worklist";
  // The schedule's copy of the status followed the patient in the same transaction, and a
  // direct write of it is overwritten with the patient's own (migration 0025).
  const std::string status_of =
      "SELECT patient_status FROM patient_schedule WHERE patient_id = '" + ids[5] + "'";
  EXPECT_EQ(env_->db().QueryValue(status_of), "3");  // PATIENT_STATUS_MOVED_OUT
  env_->db().ExecSuper("UPDATE patient_schedule SET patient_status = 1 WHERE patient_id = '" +
                       ids[5] + "'");
  EXPECT_EQ(env_->db().QueryValue(status_of), "3");
  // Nor does the patient moved out of the system come back on the whole street's list.
  wl.set_region("320106001");
  wl.mutable_page()->set_page_size(100);
  wl.mutable_page()->clear_page_token();
  for (int pages = 0; pages < 50; ++pages) {
    v1::ListWorklistResponse page;
    ASSERT_TRUE(stub_->ListWorklist(TestServer::Ctx(*doctor_).get(), wl, &page).ok());
    for (const auto& it : page.items()) {
      EXPECT_NE(it.patient_id(), ids[5]);
      EXPECT_NE(it.patient_id(), ids[3]);
    }
    if (page.next_page_token().empty()) break;
    wl.mutable_page()->set_page_token(page.next_page_token());
  }
}

TEST_F(FollowUpTest, DeathReportedOnAVisitClosesTheCase) {
  const std::string p = NewPatient(216);
  v1::FollowUpForm f;
  *f.mutable_visit_date() = D(2024, 6, 1);
  f.set_mode(v1::VISIT_MODE_PHONE);
  f.add_subjects(v1::VISIT_SUBJECT_FAMILY);
  *f.mutable_death_date() = D(2024, 5, 20);
  f.set_death_cause(v1::DEATH_CAUSE_PHYSICAL_ILLNESS);
  v1::FollowUp out;
  ASSERT_TRUE(Record(p, f, &out).ok()) << Record(p, f, &out).error_message();
  v1::GetPatientRequest get;
  get.set_patient_id(p);
  v1::Patient seen;
  ASSERT_TRUE(env_->patients->GetPatient(TestServer::Ctx(*doctor_).get(), get, &seen).ok());
  EXPECT_EQ(seen.status(), v1::PATIENT_STATUS_DECEASED);
  EXPECT_EQ(Record(p, Form(D(2024, 6, 2), 0), &out).error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

}  // namespace
}  // namespace smd::testing
