#include "domain/metric_catalogue.h"

#include <optional>
#include <string_view>
#include <vector>

namespace smd::domain {
namespace {

std::vector<IndicatorDef> MakeCatalogue() {
  using S = MetricStatus;
  using I = Indicator;
  using U = RateUnit;
  using D = DenominatorKind;
  using V = MetricVariant;
  constexpr std::string_view k52 = "rules.md §5.2";
  auto patients = [](I id, std::string_view code, std::string_view zh, std::string_view en, S num,
                     S num_variant, S den, std::optional<Target> target, V variant,
                     std::string_view source, std::string_view definition) {
    IndicatorDef d;
    d.id = id;
    d.code = code;
    d.name_zh = zh;
    d.name_en = en;
    d.denominator_kind = D::kPatients;
    d.numerator = num;
    d.numerator_variant = num_variant;
    d.denominator = den;
    d.unit = U::kPercent;
    d.target = target;
    d.variant = variant;
    d.source = source;
    d.definition = definition;
    return d;
  };
  auto external = [](I id, std::string_view code, std::string_view zh, std::string_view en, U unit,
                     bool lower_is_better, std::string_view source, std::string_view definition) {
    IndicatorDef d;
    d.id = id;
    d.code = code;
    d.name_zh = zh;
    d.name_en = en;
    d.denominator_kind = D::kExternal;
    d.unit = unit;
    d.lower_is_better = lower_is_better;
    d.source = source;
    d.definition = definition;
    return d;
  };

  std::vector<IndicatorDef> c;
  {
    IndicatorDef d;
    d.id = I::kReportedPrevalence;
    d.code = "reported_prevalence";
    d.name_zh = "报告患病率";
    d.name_en = "reported prevalence";
    d.denominator_kind = D::kResidentPopulation;
    d.numerator = S::kRegistered;
    d.numerator_variant = S::kRegistered;
    d.unit = U::kPerMille;
    d.target = Target{45};  // Gulou >= 4.5‰
    d.source = "rules.md §5.2; decisions \"Resident population\"";
    d.definition =
        "registered patients / resident population x 1000; "
        "unavailable when the "
        "population is not entered";
    c.push_back(d);
  }
  c.push_back(patients(I::kManagementRate, "management_rate", "在册患者管理率", "management rate",
                       S::kManaged, S::kManaged, S::kRegistered, Target{970}, V::kNone, k52,
                       "managed patients (a valid follow-up in the period) / registered"));
  c.push_back(patients(I::kStandardizedManagementRate, "standardized_management_rate", "规范管理率",
                       "standardized management rate", S::kStandardR1, S::kStandardR2,
                       S::kRegistered, Target{950}, V::kStandardized,
                       "rules.md §5.1, §5.2; decisions \"规范管理\"",
                       "patients managed to standard (R1: no gap over 3 months with anchors; "
                       "R2: >= 4 valid follow-ups) / registered"));
  c.push_back(patients(I::kMedicationRate, "medication_rate", "服药率", "medication rate",
                       S::kOnMedicationLast, S::kOnMedicationAny, S::kRegistered, std::nullopt,
                       V::kMedication, "rules.md §5.1, §5.2; decisions \"服药\"",
                       "patients on medication (last valid follow-up, or any record) / "
                       "registered"));
  c.push_back(patients(I::kSchizophreniaMedicationRate, "schizophrenia_medication_rate",
                       "精神分裂症服药率", "schizophrenia medication rate",
                       S::kSchizophreniaOnMedicationLast, S::kSchizophreniaOnMedicationAny,
                       S::kSchizophreniaManaged, std::nullopt, V::kMedication, k52,
                       "F20 patients on medication / F20 patients managed in the year"));
  c.push_back(patients(I::kSchizophreniaTreatmentRate, "schizophrenia_treatment_rate",
                       "精神分裂症治疗率", "schizophrenia treatment rate",
                       S::kSchizophreniaTreatedLast, S::kSchizophreniaTreatedAny,
                       S::kSchizophreniaRegistered, Target{850}, V::kMedication, k52,
                       "F20 patients on medication or hospitalised in the period / F20 "
                       "registered"));
  c.push_back(patients(I::kRegularMedicationRate, "regular_medication_rate", "规律服药率",
                       "regular medication rate", S::kRegularMedication, S::kRegularMedication,
                       S::kRegistered, std::nullopt, V::kNone, "rules.md §5.1, §5.2",
                       "patients with 规律/住院 in every quarter and no 间断/不服药 record / "
                       "registered"));
  c.push_back(patients(I::kHomeStableRate, "home_stable_rate", "居家稳定率", "stable-at-home rate",
                       S::kHomeStable, S::kHomeStable, S::kAtHome, std::nullopt, V::kNone, k52,
                       "home patients whose last follow-up, within 3 months of the cut-off, was "
                       "稳定 / patients at home"));
  c.push_back(patients(I::kFaceToFaceRate, "face_to_face_rate", "面访率", "face-to-face rate",
                       S::kFaceToFace, S::kFaceToFace, S::kRegistered, std::nullopt, V::kNone, k52,
                       "patients with a clinic or home follow-up in the period / registered"));
  c.push_back(patients(I::kHealthCheckRate, "health_check_rate", "体检率", "health check rate",
                       S::kHealthChecked, S::kHealthChecked, S::kRegistered, std::nullopt, V::kNone,
                       "rules.md §4.2, §5.2",
                       "patients with a completed health check in the period / registered"));
  c.push_back(patients(I::kLostRate, "lost_rate", "失访率", "lost-to-follow-up rate", S::kLost,
                       S::kLost, S::kRegistered, std::nullopt, V::kNone, "rules.md §5.1, §5.2",
                       "patients whose latest record in the period is a failed visit / "
                       "registered"));
  c.back().lower_is_better = true;
  c.push_back(patients(I::kIncidentRate, "incident_rate", "肇事肇祸率", "incident rate",
                       S::kIncident, S::kIncident, S::kRegistered, std::nullopt, V::kNone,
                       "rules.md §3, §5.2",
                       "patients with a 肇事 or 肇祸 reported in the period / registered"));
  c.back().lower_is_better = true;
  c.push_back(patients(I::kMinorTroubleRate, "minor_trouble_rate", "轻度滋事率",
                       "minor disturbance rate", S::kMinorTrouble, S::kMinorTrouble, S::kRegistered,
                       std::nullopt, V::kNone, "rules.md §3, §5.2",
                       "patients with a 轻度滋事 reported in the period / registered"));
  c.back().lower_is_better = true;
  c.push_back(patients(I::kAssessmentCoverage, "assessment_coverage",
                       "综合评估及分级分类管理覆盖率", "assessment and classification coverage",
                       S::kAssessedClassified, S::kAssessedClassified, S::kRegistered, Target{950},
                       V::kNone, "rules.md §4, §5.2",
                       "patients with a risk assessment and classification in the period / "
                       "registered"));
  c.push_back(patients(I::kCommunityRehabRate, "community_rehab_rate", "社区康复参与率",
                       "community rehabilitation participation rate", S::kCommunityRehab,
                       S::kCommunityRehab, S::kAtHome, Target{700}, V::kNone,
                       "rules.md §5.2; plan (seeds 004) 在社区参与康复率达70%以上",
                       "home patients with a dated community-rehab record (e.g. a 阳光心园 "
                       "session) in the period / patients at home"));
  c.push_back(external(I::kCareTeamCoverage, "care_team_coverage", "关爱帮扶小组覆盖率",
                       "care team coverage", U::kPercent, false, "rules.md decisions \"Care team\"",
                       "patients needing a team (不稳定 or risk >= 3) whose team has a "
                       "doctor, a "
                       "police officer and a grid worker / patients needing a team"));
  c.push_back(external(I::kAlertDeliveryTime, "alert_delivery_time", "预警送达时长",
                       "alert delivery time", U::kMinutes, true,
                       "rules.md decisions \"Police notification\"",
                       "mean minutes from an alert being raised to its delivery: total minutes "
                       "/ delivered recipients"));
  c.push_back(external(I::kAlertAckTime, "alert_ack_time", "预警确认时长",
                       "alert acknowledgement time", U::kMinutes, true,
                       "rules.md decisions \"Police notification\"",
                       "mean minutes from an alert being raised to its acknowledgement: total "
                       "minutes / acknowledged recipients"));
  // Issue 11: no alert may reach nobody of a role the rules require; target 0.
  c.push_back(external(I::kAlertGapRate, "alert_gap_rate", "预警接收缺口率",
                       "alerts missing a required recipient", U::kPercent, true,
                       "rules.md decisions \"Police notification\"; docs/adr/0010",
                       "alerts raised in the period for which no account of a role the rules "
                       "require (police and grid worker; the community doctor for clinical "
                       "alerts) could be found / alerts raised in the period"));
  c.back().target = Target{0};
  // Issue 14: the plan's
  // "对70%以上的居家严重精神障碍患者及家属提供心理疏导服务" (seeds 004);
  // rules.md §4.2 "psychological support for the family".
  c.push_back(patients(I::kPsychSupportCoverage, "psych_support_coverage",
                       "居家患者及家属心理疏导覆盖率",
                       "psychological support coverage of home patients and families",
                       S::kPsychSupport, S::kPsychSupport, S::kAtHome, Target{700}, V::kNone,
                       "rules.md §4.2, §5.2; plan (seeds 004) "
                       "对70%以上的居家患者及家属提供心理疏导",
                       "home patients who, or whose family, received a dated psychological-"
                       "support record in the period / patients at home"));
  return c;
}

}  // namespace

const std::vector<IndicatorDef>& IndicatorCatalogue() {
  static const std::vector<IndicatorDef>* const kCatalogue =
      new std::vector<IndicatorDef>(MakeCatalogue());
  return *kCatalogue;
}

const IndicatorDef* FindIndicator(Indicator id) {
  for (const IndicatorDef& d : IndicatorCatalogue()) {
    if (d.id == id) return &d;
  }
  return nullptr;
}

const IndicatorDef* FindIndicatorByCode(std::string_view code) {
  for (const IndicatorDef& d : IndicatorCatalogue()) {
    if (d.code == code) return &d;
  }
  return nullptr;
}

MetricStatus NumeratorStatus(const IndicatorDef& def, const RuleSet& rules) {
  switch (def.variant) {
    case MetricVariant::kStandardized:
      return rules.standardized_r2 ? def.numerator_variant : def.numerator;
    case MetricVariant::kMedication:
      return rules.medication_any_record ? def.numerator_variant : def.numerator;
    case MetricVariant::kNone:
      break;
  }
  return def.numerator;
}

const char* UnitSymbol(RateUnit u) {
  switch (u) {
    case RateUnit::kPercent:
      return "%";
    case RateUnit::kPerMille:
      return "‰";
    case RateUnit::kMinutes:
      return "min";
  }
  return "";
}

}  // namespace smd::domain
