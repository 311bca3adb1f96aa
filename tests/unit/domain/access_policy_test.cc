#include "domain/access_policy.h"

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "domain/resident_id.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "unit/domain/test_helpers.h"

namespace smd::domain {
namespace {

using ::smd::domain::testing::HasCode;
using ::smd::domain::testing::IsFieldError;
using ::smd::domain::testing::IsOk;
using ::smd::domain::testing::ValidRegistration;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr Role kAllRoles[] = {
    Role::kCommunityDoctor, Role::kPsychiatrist,    Role::kPolice,  Role::kGridWorker,
    Role::kCommunityWorker, Role::kHealthCommittee, Role::kAuditor, Role::kAdmin};

// The expected policy, written out independently of kRolePolicies from the lead's brief and
// rules.md §8, by name so that a reader can check it against docs/security.md.
struct Expected {
  Role role;
  std::set<std::string> actions;
  std::set<std::string> fields;
  IdNumberDisplay id;
  PatientViewKind view;
};

const std::set<std::string> kAllFieldNames = {
    "identity",  "contact",    "guardian",         "community_contact", "jurisdiction",
    "status",    "risk_level", "classification",   "care_team",         "incidents",
    "diagnosis", "medication", "clinical_history", "consent",           "eligibility"};
const std::set<std::string> kCareTeam = {"identity",          "contact",        "guardian",
                                         "community_contact", "jurisdiction",   "status",
                                         "risk_level",        "classification", "care_team"};
std::set<std::string> PublicSafety() {
  std::set<std::string> s = kCareTeam;
  s.insert("incidents");
  return s;
}

std::vector<Expected> ExpectedPolicy() {
  return {
      {Role::kCommunityDoctor,
       {"patient.register", "patient.read", "patient.search", "patient.update", "patient.transfer",
        "patient.close", "region.read", "metrics.read", "followup.record", "followup.read",
        "worklist.read", "careteam.manage", "careteam.read", "network.read",
        "drugs.read"},
       kAllFieldNames,
       IdNumberDisplay::kWhole,
       PatientViewKind::kClinical},
      {Role::kPsychiatrist,
       {"patient.register", "patient.read", "patient.search", "patient.update", "region.read",
        "metrics.read", "followup.record", "followup.read", "followup.supervise",
        "worklist.read", "careteam.manage", "careteam.read", "network.read",
        "drugs.read"},
       kAllFieldNames,
       IdNumberDisplay::kMasked,
       PatientViewKind::kClinical},
      {Role::kPolice,
       {"patient.read", "patient.search", "region.read", "careteam.read"},
       PublicSafety(),
       IdNumberDisplay::kWhole,
       PatientViewKind::kPublicSafety},
      {Role::kGridWorker,
       {"patient.read", "patient.search", "region.read", "careteam.read"},
       kCareTeam,
       IdNumberDisplay::kMasked,
       PatientViewKind::kPublicSafety},
      {Role::kCommunityWorker,
       {"patient.read", "patient.search", "region.read", "careteam.read"},
       kCareTeam,
       IdNumberDisplay::kMasked,
       PatientViewKind::kPublicSafety},
      {Role::kHealthCommittee,
       {"metrics.read", "region.read", "network.read", "network.edit"},
       {},
       IdNumberDisplay::kNone,
       PatientViewKind::kNone},
      {Role::kAuditor,
       {"audit.read", "audit.verify", "region.read"},
       {},
       IdNumberDisplay::kNone,
       PatientViewKind::kNone},
      {Role::kAdmin,
       {"user.admin", "region.admin", "region.read", "alert.gaps", "network.read", "network.edit",
       "drugs.read", "rules.read"},
       {},
       IdNumberDisplay::kNone,
       PatientViewKind::kNone},
  };
}

Principal Who(Role role, std::string jurisdiction) {
  Principal p;
  p.user_id = "00000000-0000-0000-0000-000000000001";
  p.username = "test";
  p.role = role;
  p.jurisdiction = std::move(jurisdiction);
  return p;
}

bool IsPatientAction(Action a) { return (kPatientActions & Actions({a})) != 0; }

TEST(AccessPolicy, RoleByActionMatchesTheExpectedTable) {
  for (const Expected& e : ExpectedPolicy()) {
    for (int i = 0; i < kActionCount; ++i) {
      const Action a = static_cast<Action>(i);
      const bool expected = e.actions.count(std::string(ActionName(a))) == 1;
      EXPECT_EQ(RoleAllows(e.role, a), expected) << RoleName(e.role) << " " << ActionName(a);
    }
  }
}

TEST(AccessPolicy, RoleByFieldMatchesTheExpectedTable) {
  for (const Expected& e : ExpectedPolicy()) {
    for (int i = 0; i < kPatientFieldCount; ++i) {
      const PatientField f = static_cast<PatientField>(i);
      const bool expected = e.fields.count(std::string(PatientFieldName(f))) == 1;
      EXPECT_EQ(RoleSeesField(e.role, f), expected)
          << RoleName(e.role) << " " << PatientFieldName(f);
    }
    EXPECT_EQ(PolicyOf(e.role)->id_number, e.id) << RoleName(e.role);
    EXPECT_EQ(RoleSeesWholeIdNumber(e.role), e.id == IdNumberDisplay::kWhole);
    EXPECT_EQ(ViewFor(e.role), e.view) << RoleName(e.role);
  }
}

TEST(AccessPolicy, EveryRoleReadsRegions) {
  for (Role r : kAllRoles) {
    EXPECT_TRUE(RoleAllows(r, Action::kRegionRead)) << RoleName(r);
  }
}

TEST(AccessPolicy, NoClinicalFieldOutsideTheDoctors) {
  for (Role r : kAllRoles) {
    const bool doctor = r == Role::kCommunityDoctor || r == Role::kPsychiatrist;
    for (PatientField f :
         {PatientField::kDiagnosis, PatientField::kMedication, PatientField::kClinicalHistory,
          PatientField::kConsent, PatientField::kEligibility}) {
      EXPECT_EQ(RoleSeesField(r, f), doctor) << RoleName(r) << " " << PatientFieldName(f);
    }
  }
}

TEST(AccessPolicy, UnspecifiedAndUnknownRolesGetNothing) {
  for (Role r : {Role::kUnspecified, static_cast<Role>(9), static_cast<Role>(-1)}) {
    EXPECT_EQ(PolicyOf(r), nullptr);
    for (int i = 0; i < kActionCount; ++i) {
      EXPECT_FALSE(RoleAllows(r, static_cast<Action>(i)));
    }
    for (int i = 0; i < kPatientFieldCount; ++i) {
      EXPECT_FALSE(RoleSeesField(r, static_cast<PatientField>(i)));
    }
    EXPECT_FALSE(RoleSeesWholeIdNumber(r));
    EXPECT_FALSE(RoleNeedsPatientScope(r));
    EXPECT_EQ(ViewFor(r), PatientViewKind::kNone);
  }
  EXPECT_FALSE(RoleAllows(Role::kCommunityDoctor, static_cast<Action>(kActionCount)));
  EXPECT_FALSE(RoleSeesField(Role::kCommunityDoctor, static_cast<PatientField>(-1)));
}

TEST(AccessPolicy, PatientScopeIsTheRolesWithPatientActions) {
  for (Role r : kAllRoles) {
    const bool expected = r == Role::kCommunityDoctor || r == Role::kPsychiatrist ||
                          r == Role::kPolice || r == Role::kGridWorker ||
                          r == Role::kCommunityWorker;
    EXPECT_EQ(RoleNeedsPatientScope(r), expected) << RoleName(r);
  }
}

TEST(AccessPolicy, ViewNumbersMatchTheProto) {
  EXPECT_EQ(static_cast<int>(PatientViewKind::kNone), 0);
  EXPECT_EQ(static_cast<int>(PatientViewKind::kClinical), 1);
  EXPECT_EQ(static_cast<int>(PatientViewKind::kPublicSafety), 2);
}

TEST(Names, RolesRoundTrip) {
  const std::vector<std::pair<std::string, std::string>> kNames = {
      {"community_doctor", "精防医生"},
      {"psychiatrist", "精神科医师"},
      {"police", "公安民警"},
      {"grid_worker", "网格员"},
      {"community_worker", "社区工作者"},
      {"health_committee", "卫健委"},
      {"auditor", "审计员"},
      {"admin", "系统管理员"}};
  for (int i = 0; i < kMaxRole; ++i) {
    const Role r = kAllRoles[i];
    EXPECT_EQ(static_cast<int>(r), i + 1);
    EXPECT_EQ(RoleName(r), kNames[i].first);
    EXPECT_EQ(RoleNameZh(r), kNames[i].second);
    EXPECT_EQ(ParseRole(kNames[i].first), r);
  }
  EXPECT_EQ(RoleName(Role::kUnspecified), "unspecified");
  EXPECT_EQ(RoleNameZh(Role::kUnspecified), "未指定");
  EXPECT_EQ(ParseRole("unspecified"), std::nullopt);
  EXPECT_EQ(ParseRole("Admin"), std::nullopt);
  EXPECT_EQ(ParseRole(""), std::nullopt);
}

TEST(Names, ActionsAndFields) {
  const std::vector<std::string> kActions = {
      "patient.register", "patient.read",  "patient.search", "patient.update",
      "patient.transfer", "patient.close", "user.admin",     "region.read",
      "region.admin",     "audit.read",    "audit.verify",   "metrics.read",
      "followup.record",  "followup.read", "followup.supervise", "worklist.read",
      "careteam.manage",  "careteam.read", "alert.gaps",     "network.read",
      "network.edit", "drugs.read", "rules.read"};
  ASSERT_EQ(kActions.size(), static_cast<size_t>(kActionCount));
  for (int i = 0; i < kActionCount; ++i) {
    EXPECT_EQ(ActionName(static_cast<Action>(i)), kActions[i]);
  }
  EXPECT_EQ(ActionName(static_cast<Action>(kActionCount)), "unknown");
  std::set<std::string> fields;
  for (int i = 0; i < kPatientFieldCount; ++i) {
    fields.insert(std::string(PatientFieldName(static_cast<PatientField>(i))));
  }
  EXPECT_EQ(fields, kAllFieldNames);
  EXPECT_EQ(PatientFieldName(static_cast<PatientField>(kPatientFieldCount)), "unknown");
}

// --- Authorize ---------------------------------------------------------------------------

TEST(Authorize, HealthCommitteeIsDeniedEveryPatientAction) {
  const Principal who = Who(Role::kHealthCommittee, "320106");
  for (int i = 0; i < kActionCount; ++i) {
    const Action a = static_cast<Action>(i);
    if (!IsPatientAction(a)) {
      continue;
    }
    for (std::string_view target : {"", "320106001003"}) {
      absl::Status s = Authorize(who, a, target);
      EXPECT_THAT(s, HasCode(absl::StatusCode::kPermissionDenied)) << ActionName(a);
      EXPECT_EQ(std::string(s.message()),
                "权限不足 (permission denied): " + std::string(ActionName(a)));
    }
  }
  EXPECT_THAT(Authorize(who, Action::kMetricsRead, "320106"), IsOk());
}

TEST(Authorize, AuditorAndAdminTouchNoPatient) {
  for (Role r : {Role::kAuditor, Role::kAdmin}) {
    for (int i = 0; i < kActionCount; ++i) {
      const Action a = static_cast<Action>(i);
      if (IsPatientAction(a)) {
        EXPECT_THAT(Authorize(Who(r, "320106"), a, ""),
                    HasCode(absl::StatusCode::kPermissionDenied));
      }
    }
  }
}

TEST(Authorize, StreetDoctorStaysInsideTheStreet) {
  const Principal doctor = Who(Role::kCommunityDoctor, "320106001");
  EXPECT_THAT(Authorize(doctor, Action::kPatientRead, "320106001003"), IsOk());
  EXPECT_THAT(Authorize(doctor, Action::kPatientUpdate, "320106001"), IsOk());
  absl::Status s = Authorize(doctor, Action::kPatientRead, "320106002001");
  EXPECT_THAT(s, HasCode(absl::StatusCode::kPermissionDenied));
  EXPECT_EQ(std::string(s.message()), "超出辖区 (outside your jurisdiction)");
  // The district above the street is outside it too.
  EXPECT_THAT(Authorize(doctor, Action::kRegionRead, "320106"),
              HasCode(absl::StatusCode::kPermissionDenied));
}

TEST(Authorize, DistrictUserReachesEveryCommunity) {
  const Principal police = Who(Role::kPolice, "320106");
  for (const char* target : {"320106", "320106001", "320106001003", "320106013201"}) {
    EXPECT_THAT(Authorize(police, Action::kPatientRead, target), IsOk()) << target;
    EXPECT_THAT(Authorize(police, Action::kPatientSearch, target), IsOk()) << target;
  }
  EXPECT_THAT(Authorize(police, Action::kPatientRead, "320105001001"),
              HasCode(absl::StatusCode::kPermissionDenied));
}

TEST(Authorize, RoleIsCheckedBeforeJurisdiction) {
  absl::Status s =
      Authorize(Who(Role::kPolice, "320106001"), Action::kPatientUpdate, "320106002001");
  EXPECT_THAT(std::string(s.message()), HasSubstr("patient.update"));
}

TEST(Authorize, InvalidCodesAreOutside) {
  EXPECT_THAT(Authorize(Who(Role::kCommunityDoctor, ""), Action::kPatientRead, "320106001003"),
              HasCode(absl::StatusCode::kPermissionDenied));
  EXPECT_THAT(Authorize(Who(Role::kCommunityDoctor, "320106"), Action::kPatientRead, "3201060"),
              HasCode(absl::StatusCode::kPermissionDenied));
  // No target: only the role matters.
  EXPECT_THAT(Authorize(Who(Role::kCommunityDoctor, "320106001"), Action::kPatientSearch, ""),
              IsOk());
}

TEST(Authorize, UnspecifiedRoleIsDenied) {
  EXPECT_THAT(Authorize(Who(Role::kUnspecified, "320106"), Action::kRegionRead, ""),
              HasCode(absl::StatusCode::kPermissionDenied));
}

// --- CheckAssignable ---------------------------------------------------------------------

TEST(CheckAssignable, AdminInsideOwnJurisdiction) {
  const Principal admin = Who(Role::kAdmin, "320106001");
  EXPECT_THAT(CheckAssignable(admin, Role::kPolice, "320106001"), IsOk());
  EXPECT_THAT(CheckAssignable(admin, Role::kCommunityDoctor, "320106001003"), IsOk());
  EXPECT_THAT(CheckAssignable(admin, Role::kAdmin, "320106001003"), IsOk());
  EXPECT_THAT(CheckAssignable(Who(Role::kAdmin, "320106"), Role::kHealthCommittee, "320106"),
              IsOk());
}

TEST(CheckAssignable, OutsideOwnJurisdictionIsDenied) {
  const Principal admin = Who(Role::kAdmin, "320106001");
  for (const char* target : {"320106002", "320106002001", "320106", "320105001"}) {
    absl::Status s = CheckAssignable(admin, Role::kGridWorker, target);
    EXPECT_THAT(s, HasCode(absl::StatusCode::kPermissionDenied)) << target;
    EXPECT_EQ(std::string(s.message()), "超出辖区 (outside your jurisdiction)");
  }
}

TEST(CheckAssignable, OnlyAdmins) {
  for (Role r : kAllRoles) {
    if (r == Role::kAdmin) {
      continue;
    }
    absl::Status s = CheckAssignable(Who(r, "320106"), Role::kPolice, "320106001");
    EXPECT_THAT(s, HasCode(absl::StatusCode::kPermissionDenied)) << RoleName(r);
    EXPECT_THAT(std::string(s.message()), HasSubstr("user.admin"));
  }
}

TEST(CheckAssignable, RoleAndJurisdictionMustBeValid) {
  const Principal admin = Who(Role::kAdmin, "320106");
  EXPECT_THAT(CheckAssignable(admin, Role::kUnspecified, "320106001"), IsFieldError("role"));
  EXPECT_THAT(CheckAssignable(admin, static_cast<Role>(9), "320106001"), IsFieldError("role"));
  EXPECT_THAT(CheckAssignable(admin, Role::kPolice, ""), IsFieldError("jurisdiction"));
  EXPECT_THAT(CheckAssignable(admin, Role::kPolice, "3201060"), IsFieldError("jurisdiction"));
}

// --- ApplyView ---------------------------------------------------------------------------

// A patient with every group filled in.
Patient FullPatient() {
  Patient p = ValidRegistration();
  p.id = "00000000-0000-0000-0000-0000000000aa";
  p.sex = Sex::kMale;
  p.birth_date = absl::CivilDay(1990, 1, 1);
  p.status = PatientStatus::kTransferPending;
  p.transfer_to = "320106002001";
  p.closed_date = absl::CivilDay(2024, 1, 1);
  p.close_reason = "x";
  p.death_cause = 1;
  p.risk_level = 3;
  p.classification = 1;
  p.past_lockup = LockupStatus::kReleased;
  p.past_behaviour = {1, 2, 3, 4, 5, 6};
  p.poverty_relief = p.guardianship_subsidy = p.disability_certificate = p.community_rehab = true;
  p.economic = EconomicStatus::kPoor;
  p.version = 7;
  p.registered_at = absl::FromUnixSeconds(1700000000);
  p.updated_at = absl::FromUnixSeconds(1700000100);
  p.registered_by = "00000000-0000-0000-0000-0000000000bb";
  return p;
}

bool SameBehaviour(const DangerousBehaviour& a, const DangerousBehaviour& b) {
  return a.minor_trouble == b.minor_trouble && a.trouble == b.trouble && a.accident == b.accident &&
         a.other_harm == b.other_harm && a.self_harm == b.self_harm &&
         a.attempted_suicide == b.attempted_suicide;
}

// Whether group `f` of `a` equals that of `b` (id_number compared separately).
bool SameGroup(const Patient& a, const Patient& b, PatientField f) {
  switch (f) {
    case PatientField::kIdentity:
      return a.name == b.name && a.sex == b.sex && a.birth_date == b.birth_date;
    case PatientField::kContact:
      return a.phone == b.phone && a.address == b.address;
    case PatientField::kGuardian:
      return a.guardian.name == b.guardian.name &&
             a.guardian.relationship == b.guardian.relationship &&
             a.guardian.address == b.guardian.address && a.guardian.phone == b.guardian.phone;
    case PatientField::kCommunityContact:
      return a.community_contact_name == b.community_contact_name &&
             a.community_contact_phone == b.community_contact_phone;
    case PatientField::kJurisdiction:
      return a.jurisdiction == b.jurisdiction;
    case PatientField::kStatus:
      return a.status == b.status && a.closed_date == b.closed_date &&
             a.close_reason == b.close_reason && a.death_cause == b.death_cause &&
             a.transfer_to == b.transfer_to;
    case PatientField::kRiskLevel:
      return a.risk_level == b.risk_level;
    case PatientField::kClassification:
      return a.classification == b.classification;
    case PatientField::kIncidents:
      return SameBehaviour(a.past_behaviour, b.past_behaviour) && a.past_lockup == b.past_lockup;
    case PatientField::kDiagnosis:
      return a.diagnosis == b.diagnosis && a.icd10 == b.icd10 &&
             a.diagnosing_hospital == b.diagnosing_hospital && a.diagnosis_date == b.diagnosis_date;
    case PatientField::kClinicalHistory:
      return a.onset.year == b.onset.year && a.onset.month == b.onset.month &&
             a.onset.day == b.onset.day && a.past_symptoms == b.past_symptoms &&
             a.past_symptoms_other == b.past_symptoms_other && a.outpatient == b.outpatient &&
             a.first_antipsychotic_date == b.first_antipsychotic_date &&
             a.hospitalizations == b.hospitalizations &&
             a.last_treatment_effect == b.last_treatment_effect &&
             a.specialist_opinion == b.specialist_opinion;
    case PatientField::kConsent:
      return a.consent == b.consent && a.consent_date == b.consent_date &&
             a.consent_signer == b.consent_signer;
    case PatientField::kEligibility:
      return a.economic == b.economic && a.poverty_relief == b.poverty_relief &&
             a.guardianship_subsidy == b.guardianship_subsidy &&
             a.disability_certificate == b.disability_certificate &&
             a.community_rehab == b.community_rehab;
    case PatientField::kCareTeam:
    case PatientField::kMedication:
      return true;  // no Patient member yet
  }
  return false;
}

TEST(ApplyView, EachGroupIsKeptOrBlankedPerTheTable) {
  const Patient full = FullPatient();
  Patient blank;
  for (int i = 0; i < kPatientFieldCount; ++i) {
    const PatientField f = static_cast<PatientField>(i);
    if (f != PatientField::kCareTeam && f != PatientField::kMedication &&
        f != PatientField::kStatus) {
      ASSERT_FALSE(SameGroup(full, blank, f))
          << "test patient leaves group empty: " << PatientFieldName(f);
    }
  }
  blank.status = PatientStatus::kUnspecified;  // ApplyView blanks status to 0, not kActive
  ASSERT_FALSE(SameGroup(full, blank, PatientField::kStatus));

  for (Role r : {Role::kUnspecified, Role::kCommunityDoctor, Role::kPsychiatrist, Role::kPolice,
                 Role::kGridWorker, Role::kCommunityWorker, Role::kHealthCommittee, Role::kAuditor,
                 Role::kAdmin}) {
    const Patient v = ApplyView(full, r);
    for (int i = 0; i < kPatientFieldCount; ++i) {
      const PatientField f = static_cast<PatientField>(i);
      const Patient& expected = RoleSeesField(r, f) ? full : blank;
      EXPECT_TRUE(SameGroup(v, expected, f)) << RoleName(r) << " " << PatientFieldName(f);
    }
    // id_number: whole, masked, or gone.
    if (!RoleSeesField(r, PatientField::kIdentity)) {
      EXPECT_EQ(v.id_number, "") << RoleName(r);
    } else if (RoleSeesWholeIdNumber(r)) {
      EXPECT_EQ(v.id_number, full.id_number) << RoleName(r);
    } else {
      EXPECT_EQ(v.id_number, MaskIdNumber(full.id_number)) << RoleName(r);
    }
    // Record metadata is kept.
    EXPECT_EQ(v.id, full.id);
    EXPECT_EQ(v.version, full.version);
    EXPECT_EQ(v.registered_at, full.registered_at);
    EXPECT_EQ(v.updated_at, full.updated_at);
    EXPECT_EQ(v.registered_by, full.registered_by);
  }
}

TEST(ApplyView, PoliceSeeNoClinicalData) {
  const Patient v = ApplyView(FullPatient(), Role::kPolice);
  EXPECT_EQ(v.diagnosis, DiagnosisCategory::kUnspecified);
  EXPECT_EQ(v.icd10, "");
  EXPECT_EQ(v.diagnosing_hospital, "");
  EXPECT_EQ(v.diagnosis_date, std::nullopt);
  EXPECT_TRUE(v.onset.empty());
  EXPECT_TRUE(v.past_symptoms.empty());
  EXPECT_EQ(v.past_symptoms_other, "");
  EXPECT_EQ(v.outpatient, OutpatientHistory::kUnspecified);
  EXPECT_EQ(v.first_antipsychotic_date, std::nullopt);
  EXPECT_EQ(v.hospitalizations, 0);
  EXPECT_EQ(v.last_treatment_effect, TreatmentEffect::kUnspecified);
  EXPECT_EQ(v.specialist_opinion, "");
  EXPECT_FALSE(v.consent);
  EXPECT_EQ(v.consent_signer, "");
  EXPECT_EQ(v.economic, EconomicStatus::kUnspecified);
  EXPECT_FALSE(v.disability_certificate);
  // What the police do need.
  EXPECT_EQ(v.id_number, FullPatient().id_number);
  EXPECT_EQ(v.name, "张三");
  EXPECT_EQ(v.address, FullPatient().address);
  EXPECT_EQ(v.guardian.phone, FullPatient().guardian.phone);
  EXPECT_EQ(v.risk_level, 3);
  EXPECT_EQ(v.past_behaviour.accident, 3);
  EXPECT_EQ(v.past_lockup, LockupStatus::kReleased);
}

TEST(ApplyView, GridWorkerSeesMaskedIdAndNoIncidents) {
  const Patient full = FullPatient();
  const Patient v = ApplyView(full, Role::kGridWorker);
  EXPECT_EQ(v.id_number, full.id_number.substr(0, 6) + "********" + full.id_number.substr(14));
  EXPECT_EQ(v.past_behaviour.accident, 0);
  EXPECT_EQ(v.past_lockup, LockupStatus::kUnspecified);
  EXPECT_EQ(v.risk_level, 3);
  EXPECT_EQ(v.icd10, "");
}

TEST(ApplyView, PsychiatristSeesClinicalDataWithMaskedId) {
  const Patient full = FullPatient();
  const Patient v = ApplyView(full, Role::kPsychiatrist);
  EXPECT_EQ(v.icd10, "F20.0");
  EXPECT_EQ(v.specialist_opinion, full.specialist_opinion);
  EXPECT_THAT(v.id_number, HasSubstr("********"));
  EXPECT_THAT(v.id_number, Not(HasSubstr(full.id_number.substr(6, 8))));
}

TEST(ApplyView, HealthCommitteeGetsNoIdentifyingField) {
  const Patient v = ApplyView(FullPatient(), Role::kHealthCommittee);
  EXPECT_EQ(v.id_number, "");
  EXPECT_EQ(v.name, "");
  EXPECT_EQ(v.phone, "");
  EXPECT_EQ(v.address, "");
  EXPECT_EQ(v.guardian.name, "");
  EXPECT_EQ(v.jurisdiction, "");
  EXPECT_EQ(v.risk_level, -1);
}

// --- docs/security.md --------------------------------------------------------------------

// Golden copy of the tables in docs/security.md "Roles, actions and fields". Keep the two
// identical by hand; AccessPolicyMarkdown() renders kRolePolicies.
constexpr std::string_view kGoldenMarkdown = R"md(### Roles

| Role | 中文 | Patient view | ID number |
|---|---|---|---|
| community_doctor | 精防医生 | clinical | whole |
| psychiatrist | 精神科医师 | clinical | masked |
| police | 公安民警 | public_safety | whole |
| grid_worker | 网格员 | public_safety | masked |
| community_worker | 社区工作者 | public_safety | masked |
| health_committee | 卫健委 | none | none |
| auditor | 审计员 | none | none |
| admin | 系统管理员 | none | none |

### Actions by role

| Action | community_doctor | psychiatrist | police | grid_worker | community_worker | health_committee | auditor | admin |
|---|---|---|---|---|---|---|---|---|
| patient.register | ✓ | ✓ | · | · | · | · | · | · |
| patient.read | ✓ | ✓ | ✓ | ✓ | ✓ | · | · | · |
| patient.search | ✓ | ✓ | ✓ | ✓ | ✓ | · | · | · |
| patient.update | ✓ | ✓ | · | · | · | · | · | · |
| patient.transfer | ✓ | · | · | · | · | · | · | · |
| patient.close | ✓ | · | · | · | · | · | · | · |
| user.admin | · | · | · | · | · | · | · | ✓ |
| region.read | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ | ✓ |
| region.admin | · | · | · | · | · | · | · | ✓ |
| audit.read | · | · | · | · | · | · | ✓ | · |
| audit.verify | · | · | · | · | · | · | ✓ | · |
| metrics.read | ✓ | ✓ | · | · | · | ✓ | · | · |
| followup.record | ✓ | ✓ | · | · | · | · | · | · |
| followup.read | ✓ | ✓ | · | · | · | · | · | · |
| followup.supervise | · | ✓ | · | · | · | · | · | · |
| worklist.read | ✓ | ✓ | · | · | · | · | · | · |
| careteam.manage | ✓ | ✓ | · | · | · | · | · | · |
| careteam.read | ✓ | ✓ | ✓ | ✓ | ✓ | · | · | · |
| alert.gaps | · | · | · | · | · | · | · | ✓ |
| network.read | ✓ | ✓ | · | · | · | ✓ | · | ✓ |
| network.edit | · | · | · | · | · | ✓ | · | ✓ |
| drugs.read | ✓ | ✓ | · | · | · | · | · | ✓ |
| rules.read | · | · | · | · | · | · | · | ✓ |

### Patient field groups by role

| Field group | community_doctor | psychiatrist | police | grid_worker | community_worker | health_committee | auditor | admin |
|---|---|---|---|---|---|---|---|---|
| identity | ✓ | ✓ | ✓ | ✓ | ✓ | · | · | · |
| contact | ✓ | ✓ | ✓ | ✓ | ✓ | · | · | · |
| guardian | ✓ | ✓ | ✓ | ✓ | ✓ | · | · | · |
| community_contact | ✓ | ✓ | ✓ | ✓ | ✓ | · | · | · |
| jurisdiction | ✓ | ✓ | ✓ | ✓ | ✓ | · | · | · |
| status | ✓ | ✓ | ✓ | ✓ | ✓ | · | · | · |
| risk_level | ✓ | ✓ | ✓ | ✓ | ✓ | · | · | · |
| classification | ✓ | ✓ | ✓ | ✓ | ✓ | · | · | · |
| care_team | ✓ | ✓ | ✓ | ✓ | ✓ | · | · | · |
| incidents | ✓ | ✓ | ✓ | · | · | · | · | · |
| diagnosis | ✓ | ✓ | · | · | · | · | · | · |
| medication | ✓ | ✓ | · | · | · | · | · | · |
| clinical_history | ✓ | ✓ | · | · | · | · | · | · |
| consent | ✓ | ✓ | · | · | · | · | · | · |
| eligibility | ✓ | ✓ | · | · | · | · | · | · |
)md";

TEST(AccessPolicyDocs, MarkdownMatchesTheGolden) {
  EXPECT_EQ(AccessPolicyMarkdown(), kGoldenMarkdown) << AccessPolicyMarkdown();
}

// When the source tree is at hand (it is in every CMake build: __FILE__ is absolute), the
// docs must contain the golden tables verbatim.
TEST(AccessPolicyDocs, SecurityMdContainsTheGolden) {
  // The source tree is known to the build (tests/CMakeLists.txt), whatever the working
  // directory or compiler cache does to __FILE__.
  const std::string path = std::string(SMD_SOURCE_DIR) + "/docs/security.md";
  std::ifstream in(path);
  ASSERT_TRUE(in) << "cannot read " << path;
  std::stringstream content;
  content << in.rdbuf();
  EXPECT_THAT(content.str(), HasSubstr(std::string(kGoldenMarkdown)))
      << "docs/security.md is out of date with kRolePolicies";
}

}  // namespace
}  // namespace smd::domain
