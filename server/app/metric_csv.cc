// MetricUseCases::ExportCsv: the GetMetrics table as CSV (app/metric_use_cases.h).
#include <string>
#include <string_view>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "app/metric_use_cases.h"
#include "common/status_macros.h"

namespace smd::app {
namespace {

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string FormatValue(const domain::Rate& r, const domain::IndicatorDef& def) {
  if (!r.value) return "";
  return absl::StrFormat(def.unit == domain::RateUnit::kMinutes ? "%.1f" : "%.2f", *r.value);
}

}  // namespace

absl::StatusOr<std::string> MetricUseCases::ExportCsv(const CallMeta& meta, const MetricsQuery& q,
                                                      std::string* filename,
                                                      std::string* rule_set) {
  ASSIGN_OR_RETURN(MetricsResult res, Get(meta, q));
  if (rule_set != nullptr) *rule_set = res.rules.name;
  std::string csv = "\xEF\xBB\xBF";  // BOM: Excel reads the file as UTF-8
  csv += "地区代码,地区名称,指标代码,指标,分子,分母,值,单位,目标,是否达标,统计截止,规则集\r\n";
  const std::string cutoff = absl::FormatCivilTime(res.period.cutoff);
  auto emit = [&](const RegionMetricsRow& row) {
    for (const auto& ir : row.report.rates) {
      const domain::IndicatorDef* def = domain::FindIndicator(ir.indicator);
      if (def == nullptr) continue;
      const domain::Rate& rt = ir.rate;
      csv += absl::StrCat(
          CsvField(row.code), ",", CsvField(row.name), ",", std::string(def->code), ",",
          std::string(def->name_zh), ",", rt.numerator, ",", rt.denominator, ",",
          FormatValue(rt, *def), ",", std::string(domain::UnitSymbol(def->unit)), ",",
          rt.target
              ? absl::StrFormat("%s%.1f", def->lower_is_better ? "<=" : ">=", rt.target->value())
              : "",
          ",", rt.met ? (*rt.met ? "达标" : "未达标") : "", ",", cutoff, ",", res.rules.name,
          "\r\n");
    }
    // The service network's rates (percent; targets by plan year).
    for (const auto& nr : row.network) {
      const domain::Rate& rt = nr.rate;
      csv += absl::StrCat(
          CsvField(row.code), ",", CsvField(row.name), ",", std::string(nr.def->code), ",",
          CsvField(std::string(nr.def->name_zh)), ",", rt.numerator, ",", rt.denominator, ",",
          rt.value ? absl::StrFormat("%.2f", *rt.value) : "", ",%,",
          rt.target ? absl::StrFormat(">=%.1f", rt.target->value()) : "", ",",
          rt.met ? (*rt.met ? "达标" : "未达标") : "", ",", cutoff, ",", res.rules.name, "\r\n");
    }
  };
  emit(res.region);
  for (const auto& c : res.children) emit(c);
  *filename = absl::StrCat("metrics-", res.region.code, "-", cutoff, ".csv");
  return csv;
}

}  // namespace smd::app
