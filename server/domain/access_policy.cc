#include "domain/access_policy.h"

#include "domain/region.h"
#include "domain/resident_id.h"

namespace smd::domain {
namespace {

constexpr std::array<std::string_view, kActionCount> kActionNames = {
    "patient.register", "patient.read",  "patient.search", "patient.update",
    "patient.transfer", "patient.close", "user.admin",     "region.read",
    "region.admin",     "audit.read",    "audit.verify",   "metrics.read",
    "followup.record",  "followup.read", "followup.supervise", "worklist.read",
    "careteam.manage",  "careteam.read", "alert.gaps",     "network.read",
    "network.edit",     "drugs.read",    "rules.read",
};

constexpr std::array<std::string_view, kPatientFieldCount> kPatientFieldNames = {
    "identity",  "contact",    "guardian",         "community_contact", "jurisdiction",
    "status",    "risk_level", "classification",   "care_team",         "incidents",
    "diagnosis", "medication", "clinical_history", "consent",           "eligibility",
};

// Appends the pieces to *out. (absl::StrAppend does not take std::string_view on Debian,
// whose absl has its own string_view.)
void Append(std::string* out, std::initializer_list<std::string_view> pieces) {
  for (std::string_view piece : pieces) {
    out->append(piece);
  }
}

absl::Status OutsideJurisdiction() {
  return absl::PermissionDeniedError("超出辖区 (outside your jurisdiction)");
}

absl::Status NotPermitted(Action action) {
  std::string message = "权限不足 (permission denied): ";
  message.append(ActionName(action));
  return absl::PermissionDeniedError(message);
}

}  // namespace

const RolePolicy* PolicyOf(Role role) {
  const int n = static_cast<int>(role);
  if (n < 1 || n > kMaxRole) {
    return nullptr;
  }
  return &kRolePolicies[n - 1];
}

std::string_view ActionName(Action action) {
  const int n = static_cast<int>(action);
  return n >= 0 && n < kActionCount ? kActionNames[n] : "unknown";
}

std::string_view PatientFieldName(PatientField field) {
  const int n = static_cast<int>(field);
  return n >= 0 && n < kPatientFieldCount ? kPatientFieldNames[n] : "unknown";
}

std::string_view RoleName(Role role) {
  const RolePolicy* policy = PolicyOf(role);
  return policy != nullptr ? policy->name : "unspecified";
}

std::string_view RoleNameZh(Role role) {
  const RolePolicy* policy = PolicyOf(role);
  return policy != nullptr ? policy->name_zh : "未指定";
}

std::optional<Role> ParseRole(std::string_view name) {
  for (const RolePolicy& policy : kRolePolicies) {
    if (policy.name == name) {
      return policy.role;
    }
  }
  return std::nullopt;
}

bool RoleAllows(Role role, Action action) {
  const RolePolicy* policy = PolicyOf(role);
  const int n = static_cast<int>(action);
  return policy != nullptr && n >= 0 && n < kActionCount &&
         (policy->actions & (ActionSet{1} << n)) != 0;
}

bool RoleSeesField(Role role, PatientField field) {
  const RolePolicy* policy = PolicyOf(role);
  const int n = static_cast<int>(field);
  return policy != nullptr && n >= 0 && n < kPatientFieldCount &&
         (policy->fields & (FieldSet{1} << n)) != 0;
}

bool RoleSeesWholeIdNumber(Role role) {
  const RolePolicy* policy = PolicyOf(role);
  return policy != nullptr && policy->id_number == IdNumberDisplay::kWhole;
}

bool RoleNeedsPatientScope(Role role) {
  const RolePolicy* policy = PolicyOf(role);
  return policy != nullptr && (policy->actions & kPatientActions) != 0;
}

PatientViewKind ViewFor(Role role) {
  if (RoleSeesField(role, PatientField::kDiagnosis)) {
    return PatientViewKind::kClinical;
  }
  if (RoleSeesField(role, PatientField::kIdentity)) {
    return PatientViewKind::kPublicSafety;
  }
  return PatientViewKind::kNone;
}

absl::Status Authorize(const Principal& who, Action action, std::string_view target_jurisdiction) {
  // rules.md §8: role decides the action; 分级负责、属地管理 decides the territory.
  if (!RoleAllows(who.role, action)) {
    return NotPermitted(action);
  }
  if (!target_jurisdiction.empty() && !RegionContains(who.jurisdiction, target_jurisdiction)) {
    return OutsideJurisdiction();
  }
  return absl::OkStatus();
}

absl::Status CheckAssignable(const Principal& admin, Role target_role,
                             std::string_view target_jurisdiction) {
  // rules.md §8 (Jiangsu system S17): the 业务管理员 creates accounts and assigns roles, here
  // only inside its own jurisdiction.
  if (!RoleAllows(admin.role, Action::kUserAdmin)) {
    return NotPermitted(Action::kUserAdmin);
  }
  if (PolicyOf(target_role) == nullptr) {
    return absl::InvalidArgumentError("role: 必须指定角色 (must be one of the eight roles)");
  }
  if (LevelOf(target_jurisdiction) == RegionLevel::kInvalid) {
    return CheckRegionCode("jurisdiction", target_jurisdiction, RegionLevel::kInvalid);
  }
  if (!RegionContains(admin.jurisdiction, target_jurisdiction)) {
    return OutsideJurisdiction();
  }
  return absl::OkStatus();
}

Patient ApplyView(const Patient& p, Role role) {
  // rules.md §8 need-to-know matrix; 精神卫生法 Art. 4(3).
  Patient v = p;
  const Patient blank;
  const auto sees = [role](PatientField f) { return RoleSeesField(role, f); };
  if (!sees(PatientField::kIdentity)) {
    v.id_number.clear();
    v.name.clear();
    v.sex = blank.sex;
    v.birth_date = blank.birth_date;
  } else if (!RoleSeesWholeIdNumber(role)) {
    v.id_number = MaskIdNumber(p.id_number);
  }
  if (!sees(PatientField::kContact)) {
    v.phone.clear();
    v.address.clear();
  }
  if (!sees(PatientField::kGuardian)) {
    v.guardian = blank.guardian;
  }
  if (!sees(PatientField::kCommunityContact)) {
    v.community_contact_name.clear();
    v.community_contact_phone.clear();
  }
  if (!sees(PatientField::kJurisdiction)) {
    v.jurisdiction.clear();
  }
  if (!sees(PatientField::kStatus)) {
    v.status = PatientStatus::kUnspecified;
    v.closed_date = std::nullopt;
    v.close_reason.clear();
    v.death_cause = blank.death_cause;
    v.transfer_to.clear();
  }
  if (!sees(PatientField::kRiskLevel)) {
    v.risk_level = blank.risk_level;
  }
  if (!sees(PatientField::kClassification)) {
    v.classification = blank.classification;
  }
  if (!sees(PatientField::kIncidents)) {
    v.past_behaviour = blank.past_behaviour;
    v.past_lockup = blank.past_lockup;
  }
  if (!sees(PatientField::kDiagnosis)) {
    v.diagnosis = blank.diagnosis;
    v.icd10.clear();
    v.diagnosing_hospital.clear();
    v.diagnosis_date = std::nullopt;
  }
  if (!sees(PatientField::kClinicalHistory)) {
    v.onset = blank.onset;
    v.past_symptoms.clear();
    v.past_symptoms_other.clear();
    v.outpatient = blank.outpatient;
    v.first_antipsychotic_date = std::nullopt;
    v.hospitalizations = blank.hospitalizations;
    v.last_treatment_effect = blank.last_treatment_effect;
    v.specialist_opinion.clear();
  }
  if (!sees(PatientField::kConsent)) {
    v.consent = blank.consent;
    v.consent_date = std::nullopt;
    v.consent_signer.clear();
  }
  if (!sees(PatientField::kEligibility)) {
    v.economic = blank.economic;
    v.poverty_relief = blank.poverty_relief;
    v.guardianship_subsidy = blank.guardianship_subsidy;
    v.disability_certificate = blank.disability_certificate;
    v.community_rehab = blank.community_rehab;
  }
  return v;
}

std::string AccessPolicyMarkdown() {
  constexpr std::string_view kYes = "✓";
  constexpr std::string_view kNo = "·";
  // Columns are the roles, so each table stays readable at 8 + 1 columns.
  std::string role_header;
  std::string rule = "\n|---|";
  for (const RolePolicy& p : kRolePolicies) {
    Append(&role_header, {" ", p.name, " |"});
    rule += "---|";
  }
  rule += "\n";

  std::string md =
      "### Roles\n\n"
      "| Role | 中文 | Patient view | ID number |\n"
      "|---|---|---|---|\n";
  for (const RolePolicy& p : kRolePolicies) {
    std::string_view view = "none";
    switch (ViewFor(p.role)) {
      case PatientViewKind::kClinical:
        view = "clinical";
        break;
      case PatientViewKind::kPublicSafety:
        view = "public_safety";
        break;
      case PatientViewKind::kNone:
        break;
    }
    std::string_view id = "none";
    if (p.id_number == IdNumberDisplay::kWhole) {
      id = "whole";
    } else if (p.id_number == IdNumberDisplay::kMasked) {
      id = "masked";
    }
    Append(&md, {"| ", p.name, " | ", p.name_zh, " | ", view, " | ", id, " |\n"});
  }

  Append(&md, {"\n### Actions by role\n\n| Action |", role_header, rule});
  for (int i = 0; i < kActionCount; ++i) {
    Append(&md, {"| ", kActionNames[i], " |"});
    for (const RolePolicy& p : kRolePolicies) {
      Append(&md, {" ", RoleAllows(p.role, static_cast<Action>(i)) ? kYes : kNo, " |"});
    }
    md += "\n";
  }

  Append(&md, {"\n### Patient field groups by role\n\n| Field group |", role_header, rule});
  for (int i = 0; i < kPatientFieldCount; ++i) {
    Append(&md, {"| ", kPatientFieldNames[i], " |"});
    for (const RolePolicy& p : kRolePolicies) {
      Append(&md, {" ", RoleSeesField(p.role, static_cast<PatientField>(i)) ? kYes : kNo, " |"});
    }
    md += "\n";
  }
  return md;
}

}  // namespace smd::domain
