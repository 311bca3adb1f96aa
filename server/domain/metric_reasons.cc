#include "domain/metric_reasons.h"

#include "absl/strings/str_cat.h"

namespace smd::domain {
namespace {

std::string ZhEn(const char* zh, const char* en) { return absl::StrCat(zh, " (", en, ")"); }

}  // namespace

std::string MissingReason(const PatientMetrics& p, MetricStatus numerator) {
  if (p.Has(numerator)) return "";
  if (const StatusNote* n = p.NoteFor(numerator)) return n->text;
  using S = MetricStatus;
  if (!p.registered) {
    if (const StatusNote* n = p.NoteFor(S::kRegistered)) return n->text;
  }
  switch (numerator) {
    case S::kSchizophreniaOnMedicationLast:
      if (const StatusNote* n = p.NoteFor(S::kOnMedicationLast)) return n->text;
      break;
    case S::kSchizophreniaOnMedicationAny:
      if (const StatusNote* n = p.NoteFor(S::kOnMedicationAny)) return n->text;
      break;
    case S::kLost:
      // Not 失访: the latest record in the period is a valid follow-up, or there is none
      // (a patient with only failed visits is 失访).
      return p.managed ? ZhEn("本期末次随访已访到患者",
                              "the latest follow-up in the period reached the patient")
                       : ZhEn("本期无随访记录", "no follow-up record in the period");
    case S::kIncident:
      return ZhEn("本期随访未报告肇事或肇祸",
                  "no 肇事 or 肇祸 reported by the follow-ups in the period");
    case S::kMinorTrouble:
      return ZhEn("本期随访未报告轻度滋事", "no 轻度滋事 reported by the follow-ups in the period");
    case S::kSchizophreniaRegistered:
    case S::kSchizophreniaManaged:
      if (p.registered && !p.schizophrenia_registered) {
        return ZhEn("诊断不是精神分裂症", "the diagnosis is not schizophrenia (F20)");
      }
      if (const StatusNote* n = p.NoteFor(S::kManaged)) return n->text;
      break;
    case S::kAtHome:
      if (const StatusNote* n = p.NoteFor(S::kManaged)) return n->text;
      return ZhEn("末次有效随访记录为目前正在住院",
                  "the last valid follow-up records a current hospital stay");
    default:
      break;
  }
  const std::string zh(MetricStatusNameZh(numerator));
  const std::string en(MetricStatusName(numerator));
  return absl::StrCat("不符合", zh.empty() ? "该指标" : zh, "的条件 (does not meet ",
                      en.empty() ? "the indicator" : en, ")");
}

}  // namespace smd::domain
