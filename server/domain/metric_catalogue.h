#pragma once
// Management-rate metrics, part 2 of 4: the catalogue of indicators (rules.md
// §5.2, and the plan's targets from seeds 004), each a numerator and
// denominator over the statuses of domain/metric_status.h or over counts kept
// elsewhere. Pure, immutable, thread-safe. Only NumeratorStatus picks a
// variant, from the RuleSet (domain/followup_rules.h: standardized_r2,
// medication_any_record).

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "domain/followup_rules.h"
#include "domain/metric_status.h"

namespace smd::domain {

// ---------------------------------------------------------------------------------------
// The indicator catalogue
// ---------------------------------------------------------------------------------------

// Every indicator of rules.md §5.2, plus four whose counts come from other
// tables (care team coverage, alert delivery and acknowledgement times, alerts
// that missed a required recipient). Stable numbers; 0 unspecified.
enum class Indicator : int {
  kUnspecified = 0,
  kReportedPrevalence = 1,           // 报告患病率
  kManagementRate = 2,               // 在册患者管理率 (在管率)
  kStandardizedManagementRate = 3,   // 规范管理率
  kMedicationRate = 4,               // 服药率
  kSchizophreniaMedicationRate = 5,  // 精神分裂症服药率
  kSchizophreniaTreatmentRate = 6,   // 精神分裂症治疗率
  kRegularMedicationRate = 7,        // 规律服药率
  kHomeStableRate = 8,               // 居家稳定率 (病情稳定率)
  kFaceToFaceRate = 9,               // 面访率
  kHealthCheckRate = 10,             // 体检率
  kLostRate = 11,                    // 失访率
  kIncidentRate = 12,                // 肇事肇祸率
  kMinorTroubleRate = 13,            // 轻度滋事率
  kAssessmentCoverage = 14,          // 综合评估及分级分类管理覆盖率
  kCommunityRehabRate = 15,          // 社区康复参与率
  kCareTeamCoverage = 16,            // 关爱帮扶小组覆盖率 (external counts)
  kAlertDeliveryTime = 17,           // 预警送达时长 (external counts)
  kAlertAckTime = 18,                // 预警确认时长 (external counts)
  kAlertGapRate = 19,                // 预警接收缺口率 (external counts; target 0)
  kPsychSupportCoverage = 20,        // 居家患者及家属心理疏导覆盖率
};
inline constexpr int kMaxIndicator = 20;

// What a rate is expressed in: value = numerator * scale / denominator, with
// scale 100
// (%), 1000 (‰) or 1 (minutes: a mean, total minutes / number of events).
enum class RateUnit : int { kPercent = 1, kPerMille = 2, kMinutes = 3 };
// The unit as shown in answers and exports: "%", "‰", "min".
const char* UnitSymbol(RateUnit u);

// Where the denominator comes from.
enum class DenominatorKind : int {
  kPatients = 1,            // a MetricStatus count: EvaluatePatient + StatusCounts
  kResidentPopulation = 2,  // 常住人口 of the region and year, entered by an administrator
  kExternal = 3,            // counted by another component; numerator too (see definition)
};

// Which RuleSet option (domain/followup_rules.h) chooses the numerator.
enum class MetricVariant : int {
  kNone = 0,          // the same in every rule set
  kStandardized = 1,  // RuleSet::standardized_r2: R1 (jiangsu-2018) or R2 (national-2018)
  kMedication = 2,    // RuleSet::medication_any_record: last visit (jiangsu) or any record
};

// A target as a lower bound in tenths of the indicator's unit: 970 is ">= 97.0
// %", 45 is ">= 4.5 ‰". Integers, so that "met" is exact arithmetic, not
// floating point.
struct Target {
  int64_t tenths = 0;
  double value() const { return static_cast<double>(tenths) / 10.0; }
  bool operator==(const Target&) const = default;
};

struct IndicatorDef {
  Indicator id = Indicator::kUnspecified;
  std::string_view code;     // stable ASCII id, e.g. "management_rate"
  std::string_view name_zh;  // e.g. "在册患者管理率"
  std::string_view name_en;  // e.g. "management rate"
  DenominatorKind denominator_kind = DenominatorKind::kPatients;
  // The numerator status when the variant's option is off (jiangsu-2018) and
  // when it is on (national-2018); equal when variant is kNone. kUnspecified
  // for kExternal indicators.
  MetricStatus numerator = MetricStatus::kUnspecified;
  MetricStatus numerator_variant = MetricStatus::kUnspecified;
  // kUnspecified unless denominator_kind is kPatients.
  MetricStatus denominator = MetricStatus::kUnspecified;
  RateUnit unit = RateUnit::kPercent;
  std::optional<Target> target;  // the plan's target (Gulou / Shanghai), if any
  bool lower_is_better = false;  // 失访, 肇事肇祸, 轻度滋事, and the alert times
  MetricVariant variant = MetricVariant::kNone;
  std::string_view source;      // e.g. "rules.md §5.2"
  std::string_view definition;  // one English sentence: numerator ÷ denominator
};

// Every indicator, in Indicator order (kReportedPrevalence first). Immutable
// static.
const std::vector<IndicatorDef>& IndicatorCatalogue();

// The definition of `id`; nullptr for kUnspecified or an unknown value.
const IndicatorDef* FindIndicator(Indicator id);
// The definition whose code is `code` ("management_rate"); nullptr when
// unknown.
const IndicatorDef* FindIndicatorByCode(std::string_view code);

// The numerator status of `def` under `rules`: numerator_variant when the
// option named by def.variant is on in `rules`, numerator otherwise.
MetricStatus NumeratorStatus(const IndicatorDef& def, const RuleSet& rules);

}  // namespace smd::domain
