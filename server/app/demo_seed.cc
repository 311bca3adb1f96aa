#include "app/demo_seed.h"

#include <random>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "crypto/password.h"
#include "crypto/random.h"
#include "domain/access_policy.h"
#include "domain/errors.h"
#include "domain/region.h"
#include "domain/followup_rules.h"
#include "domain/followup_validation.h"
#include "domain/resident_id.h"
#include "domain/schedule.h"
#include "store/audit_repository.h"
#include "store/region_repository.h"
#include "store/scope.h"
#include "store/user_repository.h"

namespace smd::app {
namespace {

constexpr char kDistrict[] = "320106";

struct Street {
  const char* code;
  const char* name;
  int64_t residents;  // synthetic split of the district's ~940k
};

// rules.md §9 (codes confirmed; 320106008 listed as 下关街道, now called 阅江楼街道).
constexpr Street kStreets[] = {
    {"320106001", "宁海路街道", 71000},   {"320106002", "华侨路街道", 68000},
    {"320106003", "湖南路街道", 75000},   {"320106004", "中央门街道", 82000},
    {"320106005", "挹江门街道", 69000},   {"320106006", "江东街道", 90000},
    {"320106007", "凤凰街道", 78000},     {"320106008", "阅江楼街道", 72000},
    {"320106009", "热河南路街道", 64000}, {"320106010", "幕府山街道", 70000},
    {"320106011", "建宁路街道", 66000},   {"320106012", "宝塔桥街道", 68000},
    {"320106013", "小市街道", 67000},
};

const std::vector<DemoUser>& Users() {
  static const std::vector<DemoUser> users = {
      {"admin", "Demo-admin-2026", "admin", "320106"},
      {"doctor", "Demo-doctor-2026", "community_doctor", "320106001"},
      {"doctor2", "Demo-doctor2-2026", "community_doctor", "320106002"},
      {"psychiatrist", "Demo-psych-2026", "psychiatrist", "320106"},
      {"police", "Demo-police-2026", "police", "320106001"},
      {"grid", "Demo-grid-2026", "grid_worker", "320106001001"},
      {"worker", "Demo-worker-2026", "community_worker", "320106001"},
      {"analyst", "Demo-analyst-2026", "health_committee", "320106"},
      {"auditor", "Demo-auditor-2026", "auditor", "320106"},
  };
  return users;
}

std::string CommunityName(const Street& s, int i) {
  static const char* kOrdinal[] = {"一", "二", "三"};
  return absl::StrCat(s.name, "演示第", kOrdinal[i], "社区");
}

// A synthetic resident ID: Gulou prefix, a birth date, a sequence, a valid check char.
std::string SyntheticId(std::mt19937& rng, int seq) {
  std::uniform_int_distribution<int> year(1950, 2003), month(1, 12), day(1, 28);
  std::string first17 = absl::StrFormat("%s%04d%02d%02d%03d", kDistrict, year(rng), month(rng),
                                        day(rng), seq % 1000);
  return first17 + domain::ComputeCheckChar(first17);
}

// A plausible visit for a patient whose current risk level is `risk`.
domain::FollowUpForm DemoVisit(absl::CivilDay date, int risk, int i) {
  domain::FollowUpForm f;
  f.visit_date = date;
  f.mode = (i % 3 == 0) ? domain::VisitMode::kClinic : domain::VisitMode::kHome;
  f.subjects = {1, 2};
  f.risk_level = risk;
  f.symptom_severity = risk >= 3   ? domain::SymptomSeverity::kMarked
                       : risk >= 1 ? domain::SymptomSeverity::kResidual
                                   : domain::SymptomSeverity::kNone;
  if (risk >= 1) f.symptoms = {3, 4};
  f.insight = risk == 0 ? domain::Insight::kComplete : domain::Insight::kPartial;
  f.sleep = domain::kGood;
  f.diet = domain::kGood;
  f.social = {domain::kGood, domain::kGood, domain::kNotApplicable, domain::kGood, domain::kFair};
  f.lockup = domain::LockupStatus::kNone;
  f.hospitalization = domain::Hospitalization::kNever;
  f.adherence = (i % 7 == 0) ? domain::Adherence::kIntermittent : domain::Adherence::kRegular;
  f.adr = domain::AdverseReaction::kNone;
  f.physical = domain::PhysicalIllness::kNone;
  f.effect = domain::TreatmentEffect::kImproved;
  domain::MedicationLine m;
  m.drug_code = (i % 2 == 0) ? "risperidone" : "olanzapine";
  m.morning_mg = (i % 2 == 0) ? 2 : 5;
  m.evening_mg = (i % 2 == 0) ? 2 : 5;
  f.medications = {m};
  f.guidance = {m};
  f.rehab = {1, 4};
  return f;
}

}  // namespace

absl::StatusOr<DemoReport> SeedDemo(const Deps& deps, int patient_count) {
  DemoReport report;
  report.users = Users();
  RETURN_IF_ERROR(deps.db.InTransaction([&](store::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(bool any, store::AnyUserExists(tx));
    if (any) {
      report.already_present = true;
      return absl::OkStatus();
    }
    const absl::Time now = deps.clock.Now();
    const int year = absl::ToCivilYear(now, absl::UTCTimeZone()).year();
    static const absl::TimeZone kBeijing = absl::FixedTimeZone(8 * 3600);
    const absl::CivilDay today = absl::ToCivilDay(now, kBeijing);
    RETURN_IF_ERROR(store::UpsertRegion(tx, {kDistrict, "鼓楼区", 1, "", {}}, now));
    RETURN_IF_ERROR(store::SetPopulation(tx, kDistrict, year, 940000));
    RETURN_IF_ERROR(store::SetPopulation(tx, kDistrict, year - 1, 938000));
    report.regions = 1;
    std::vector<std::string> communities;
    for (const Street& s : kStreets) {
      RETURN_IF_ERROR(store::UpsertRegion(tx, {s.code, s.name, 2, kDistrict, {}}, now));
      RETURN_IF_ERROR(store::SetPopulation(tx, s.code, year, s.residents));
      ++report.regions;
      for (int i = 0; i < 3; ++i) {
        std::string code = absl::StrFormat("%s%03d", s.code, i + 1);
        RETURN_IF_ERROR(store::UpsertRegion(tx, {code, CommunityName(s, i), 3, s.code, {}}, now));
        RETURN_IF_ERROR(store::SetPopulation(tx, code, year, s.residents / 3));
        communities.push_back(code);
        ++report.regions;
      }
    }
    // Demo users hash with the configured parameters, like real ones.
    std::string admin_id, doctor_id;
    for (const DemoUser& d : Users()) {
      store::UserRow u;
      u.id = crypto::NewUuid();
      u.username = d.username;
      u.display_name = "演示" + std::string(domain::RoleNameZh(*domain::ParseRole(d.role)));
      ASSIGN_OR_RETURN(u.password_hash, crypto::HashPassword(d.password, deps.config.password_params));
      u.role = *domain::ParseRole(d.role);
      u.jurisdiction = d.jurisdiction;
      // The demo's passwords are printed for everyone: no forced change, or the demo (and
      // every test built on it) could not be used as it is.
      u.must_change_password = false;
      RETURN_IF_ERROR(store::InsertUser(tx, u, admin_id, now));
      if (admin_id.empty()) admin_id = u.id;
      if (d.username == "doctor") doctor_id = u.id;
    }
    // Patients: deterministic (seeded) so every quickstart shows the same register.
    RETURN_IF_ERROR(store::SetScope(tx, kDistrict));
    std::mt19937 rng(20261123);
    std::uniform_int_distribution<int> pick_community(0, static_cast<int>(communities.size()) - 1);
    std::discrete_distribution<int> diagnosis({60, 5, 5, 15, 8, 7});
    std::discrete_distribution<int> risk({55, 20, 12, 7, 4, 2});
    for (int i = 1; i <= patient_count; ++i) {
      domain::Patient p;
      p.id = crypto::NewUuid();
      p.id_number = SyntheticId(rng, i);
      absl::CivilDay birth;
      absl::ParseCivilTime(absl::StrCat(p.id_number.substr(6, 4), "-", p.id_number.substr(10, 2),
                                        "-", p.id_number.substr(12, 2)),
                           &birth);
      p.birth_date = birth;
      p.sex = ((p.id_number[16] - '0') % 2 == 1) ? domain::Sex::kMale : domain::Sex::kFemale;
      p.name = absl::StrFormat("演示患者%04d", i);
      p.phone = absl::StrFormat("0000-%07d", i);
      p.address = absl::StrFormat("南京市鼓楼区演示路%d号", i);
      p.jurisdiction = communities[pick_community(rng)];
      p.guardian = {absl::StrFormat("演示监护人%04d", i), "父母",
                    absl::StrFormat("南京市鼓楼区演示路%d号", i), absl::StrFormat("0000-%07d", 5000000 + i)};
      p.consent = true;
      p.consent_date = absl::CivilDay(2024, 1, 1) + (i % 300);
      p.consent_signer = "监护人";
      const int dx = diagnosis(rng) + 1;
      p.diagnosis = static_cast<domain::DiagnosisCategory>(dx);
      static const char* kIcd[] = {"", "F20.0", "F25.0", "F22.0", "F31.2", "F06.2", "F71"};
      p.icd10 = kIcd[dx];
      p.diagnosing_hospital = "南京市脑科医院";
      p.diagnosis_date = absl::CivilDay(2015, 1, 1) + (i * 7) % 3000;
      p.onset = {2014 - (i % 10), 0, 0};
      p.past_lockup = domain::LockupStatus::kNone;
      p.outpatient = domain::OutpatientHistory::kContinuous;
      p.economic = (i % 5 == 0) ? domain::EconomicStatus::kPoor : domain::EconomicStatus::kNotPoor;
      p.status = domain::PatientStatus::kActive;
      p.version = 1;
      // Registered before the oldest visit below (at most 150 + 3 x 100 days ago): a visit
      // may not predate the 建档日期 (docs/rules.md "Dates of records").
      p.registered_at = p.updated_at = now - absl::Hours(24 * (500 + patient_count - i));
      p.registered_by = admin_id;
      RETURN_IF_ERROR(deps.patients.Insert(tx, p));
      ++report.patients;
      // A visit history: up to four visits about a quarter apart, the last one 5 to 150
      // days ago, each assessed by the configured rule set like a real one.
      const int current_risk = risk(rng);
      const int visits = i % 5;
      std::uniform_int_distribution<int> last_ago(5, 150), gap(80, 100);
      absl::CivilDay date = today - last_ago(rng);
      std::vector<absl::CivilDay> dates;
      for (int v = 0; v < visits; ++v) {
        dates.insert(dates.begin(), date);
        date -= gap(rng);
      }
      std::vector<domain::VisitPoint> points;
      for (size_t v = 0; v < dates.size(); ++v) {
        const bool last = v + 1 == dates.size();
        domain::FollowUpForm form = DemoVisit(dates[v], last ? current_risk : 0, i);
        RETURN_IF_ERROR(domain::ValidateFollowUpForm(
            form, p.birth_date, absl::ToCivilDay(p.registered_at, kBeijing), today));
        RETURN_IF_ERROR(domain::CheckMedications(form.medications, deps.drugs.Lookup(),
                                                 "medications"));
        domain::FollowUp f;
        f.id = crypto::NewUuid();
        f.visit_id = crypto::NewUuid();
        f.patient_id = p.id;
        f.form = form;
        f.assessment = domain::Assess(form, domain::PriorBefore(points, dates[v]), deps.rules);
        f.author_id = doctor_id;
        f.recorded_at = now;
        RETURN_IF_ERROR(deps.care.InsertFollowUp(tx, f));
        points.push_back({dates[v], false, false, f.assessment.final_class, form.risk_level,
                          f.assessment.next_due, f.assessment.next_is_two_week_review});
      }
      domain::ScheduleState s =
          domain::ComputeSchedule(points, absl::ToCivilDay(p.registered_at, kBeijing) + 14,
                                  std::nullopt);
      store::Schedule row;
      row.patient_id = p.id;
      row.next_due = s.next_due;
      row.due_kind = static_cast<int>(s.due_kind);
      row.last_visit = s.last_visit;
      row.last_valid_visit = s.last_valid_visit;
      row.last_class = s.last_class;
      row.first_due = absl::ToCivilDay(p.registered_at, kBeijing) + 14;
      RETURN_IF_ERROR(deps.care.PutSchedule(tx, row, now));
      RETURN_IF_ERROR(
          deps.patients.SetAssessment(tx, p.id, s.last_risk, static_cast<int>(s.last_class)));
    }
    store::AuditEntry e;
    // The time of the write, not of the start: a large seed outlasts the 5 minutes the
    // database allows between audit_log.at and its own clock (schema 0012).
    e.at = deps.clock.Now();
    e.method = "smd-server seed-demo";
    e.outcome = "OK";
    e.detail = absl::StrCat("regions=", report.regions, " patients=", report.patients);
    return store::AppendAudit(tx, e);
  }));
  return report;
}

absl::Status BootstrapAdmin(const Deps& deps, const std::string& district_code,
                            const std::string& district_name, const std::string& username,
                            const std::string& password) {
  // The top of the deployment's tree: a district (one district's server), or a city or a
  // province (a larger deployment; its districts are added by the admin).
  RETURN_IF_ERROR(domain::CheckRegionCode("district", district_code, domain::RegionLevel::kInvalid));
  const domain::RegionLevel top = domain::LevelOf(district_code);
  if (top != domain::RegionLevel::kDistrict && top != domain::RegionLevel::kCity &&
      top != domain::RegionLevel::kProvince) {
    return domain::FieldError("district", "须为区、市或省级代码（6、4或2位）",
                              "must be a district, city or province code (6, 4 or 2 digits)");
  }
  RETURN_IF_ERROR(crypto::CheckPasswordStrength(password));
  return deps.db.InTransaction([&](store::Tx& tx) -> absl::Status {
    ASSIGN_OR_RETURN(bool any, store::AnyUserExists(tx));
    if (any) return absl::FailedPreconditionError("users exist already; nothing bootstrapped");
    const absl::Time now = deps.clock.Now();
    RETURN_IF_ERROR(store::UpsertRegion(
        tx, {district_code, district_name, static_cast<int>(top), "", {}}, now));
    store::UserRow u;
    u.id = crypto::NewUuid();
    u.username = username;
    u.display_name = "系统管理员";
    ASSIGN_OR_RETURN(u.password_hash, crypto::HashPassword(password, deps.config.password_params));
    u.role = domain::Role::kAdmin;
    u.jurisdiction = district_code;
    RETURN_IF_ERROR(store::InsertUser(tx, u, "", now));
    store::AuditEntry e;
    e.at = now;
    e.method = "smd-server bootstrap";
    e.outcome = "OK";
    e.user_id = u.id;
    e.username = username;
    e.role = static_cast<int>(u.role);
    e.jurisdiction = district_code;
    return store::AppendAudit(tx, e);
  });
}

}  // namespace smd::app
