#include "api/metrics_service.h"

#include "api/call_runner.h"
#include "api/convert.h"
#include "common/status_macros.h"
#include "domain/errors.h"

namespace smd::api {

#define SMD_METRICS_METHOD(name) "/smd.v1.MetricsService/" #name

namespace {

// The call's metric variant (docs/metrics.md "Variants per call"); UNSPECIFIED keeps the
// deployment's rule. INVALID_ARGUMENT on an enum value this server does not know.
absl::StatusOr<domain::MetricRuleChoice> VariantFromProto(const v1::MetricVariant& v) {
  domain::MetricRuleChoice c;
  switch (v.standardized()) {
    case v1::STANDARDIZED_RULE_UNSPECIFIED:
      break;
    case v1::STANDARDIZED_RULE_R1:
      c.standardized_r2 = false;
      break;
    case v1::STANDARDIZED_RULE_R2:
      c.standardized_r2 = true;
      break;
    default:
      return domain::FieldError("variant.standardized", "未知的规范管理口径",
                                "unknown 规范管理 rule");
  }
  switch (v.medication()) {
    case v1::MEDICATION_RULE_UNSPECIFIED:
      break;
    case v1::MEDICATION_RULE_LAST_VISIT:
      c.medication_any_record = false;
      break;
    case v1::MEDICATION_RULE_ANY_RECORD:
      c.medication_any_record = true;
      break;
    default:
      return domain::FieldError("variant.medication", "未知的服药口径", "unknown 服药 rule");
  }
  return c;
}

void VariantToProto(const domain::RuleSet& rules, v1::MetricVariant* out) {
  out->set_standardized(rules.standardized_r2 ? v1::STANDARDIZED_RULE_R2
                                              : v1::STANDARDIZED_RULE_R1);
  out->set_medication(rules.medication_any_record ? v1::MEDICATION_RULE_ANY_RECORD
                                                  : v1::MEDICATION_RULE_LAST_VISIT);
}

absl::StatusOr<app::MetricsQuery> QueryFromProto(const std::string& region,
                                                 const v1::MetricPeriod& p,
                                                 const v1::MetricVariant& variant) {
  app::MetricsQuery q;
  q.region = region;
  q.year = p.year();
  q.month = p.month();
  ASSIGN_OR_RETURN(q.as_of, DateFromProto(p.as_of(), "period.as_of"));
  ASSIGN_OR_RETURN(q.variant, VariantFromProto(variant));
  return q;
}

void RegionToProto(const app::RegionMetricsRow& row, v1::RegionMetrics* out) {
  out->set_region(row.code);
  out->set_name(row.name);
  out->set_resident_population(row.population.value_or(0));
  for (const auto& r : row.report.rates) IndicatorToProto(r, out->add_indicators());
  for (const auto& r : row.network) NetworkIndicatorToProto(r, out->add_indicators());
}

}  // namespace

void NetworkIndicatorToProto(const domain::NetworkRate& r, v1::IndicatorValue* out) {
  // The service network (docs/metrics.md "Service network"): codes "net_*", percent, the
  // target of the plan year; numerator_status names what was counted.
  out->set_code(std::string(r.def->code));
  out->set_name(std::string(r.def->name_zh));
  out->set_name_en(std::string(r.def->name_en));
  out->set_numerator(r.rate.numerator);
  out->set_denominator(r.rate.denominator);
  out->set_available(r.rate.value.has_value());
  out->set_value(r.rate.value.value_or(0));
  out->set_unit("%");
  out->set_has_target(r.rate.target.has_value());
  if (r.rate.target) out->set_target(r.rate.target->value());
  out->set_met(r.rate.met.value_or(false));
  out->set_numerator_status("active_sites");
}

void IndicatorToProto(const domain::IndicatorRate& r, v1::IndicatorValue* out) {
  const domain::IndicatorDef* def = domain::FindIndicator(r.indicator);
  if (def == nullptr) return;
  out->set_code(std::string(def->code));
  out->set_name(std::string(def->name_zh));
  out->set_name_en(std::string(def->name_en));
  out->set_numerator(r.rate.numerator);
  out->set_denominator(r.rate.denominator);
  out->set_available(r.rate.value.has_value());
  out->set_value(r.rate.value.value_or(0));
  out->set_unit(domain::UnitSymbol(def->unit));
  out->set_has_target(r.rate.target.has_value());
  if (r.rate.target) out->set_target(r.rate.target->value());
  out->set_lower_is_better(def->lower_is_better);
  out->set_met(r.rate.met.value_or(false));
  out->set_numerator_status(std::string(domain::MetricStatusName(r.numerator)));
  out->set_denominator_status(std::string(domain::MetricStatusName(r.denominator)));
}

grpc::ServerUnaryReactor* MetricsService::GetMetrics(Ctx* ctx, const v1::GetMetricsRequest* req,
                                                     v1::MetricsReport* resp) {
  return RunUnary(ctx, ex_, SMD_METRICS_METHOD(GetMetrics), req, resp,
                  [=, this](const app::CallMeta& m) -> absl::Status {
                    ASSIGN_OR_RETURN(
                        app::MetricsQuery q,
                        QueryFromProto(req->region(), req->period(), req->variant()));
                    return Fill(uc_.Get(m, q), [&](const app::MetricsResult& r) {
                      RegionToProto(r.region, resp->mutable_region());
                      for (const auto& c : r.children) RegionToProto(c, resp->add_children());
                      DateToProto(r.period.start(), resp->mutable_period_start());
                      DateToProto(r.period.cutoff, resp->mutable_period_end());
                      resp->set_rule_set(r.rules.name);
                      VariantToProto(r.rules, resp->mutable_variant());
                      resp->set_source(r.recomputed ? "recomputed" : "rollup");
                      resp->set_figures_building(r.building);
                    });
                  });
}

grpc::ServerUnaryReactor* MetricsService::GetMetricTrend(Ctx* ctx,
                                                         const v1::GetMetricTrendRequest* req,
                                                         v1::MetricTrend* resp) {
  return RunUnary(ctx, ex_, SMD_METRICS_METHOD(GetMetricTrend), req, resp,
                  [=, this](const app::CallMeta& m) -> absl::Status {
                    ASSIGN_OR_RETURN(
                        app::MetricsQuery q,
                        QueryFromProto(req->region(), req->period(), req->variant()));
                    return Fill(uc_.Trend(m, q, req->indicator()), [&](const app::TrendResult& t) {
                      resp->set_region(t.region);
                      resp->set_indicator(std::string(t.indicator->code));
                      resp->set_rule_set(t.rules.name);
                      VariantToProto(t.rules, resp->mutable_variant());
                      for (const auto& [month, rate] : t.points) {
                        auto* p = resp->add_points();
                        p->set_month(month);
                        IndicatorToProto(rate, p->mutable_value());
                      }
                    });
                  });
}

grpc::ServerUnaryReactor* MetricsService::ListMetricPatients(
    Ctx* ctx, const v1::ListMetricPatientsRequest* req, v1::ListMetricPatientsResponse* resp) {
  return RunUnary(ctx, ex_, SMD_METRICS_METHOD(ListMetricPatients), req, resp,
                  [=, this](const app::CallMeta& m) -> absl::Status {
                    ASSIGN_OR_RETURN(
                        app::MetricsQuery q,
                        QueryFromProto(req->region(), req->period(), req->variant()));
                    return Fill(uc_.Patients(m, q, req->indicator(), req->missing(),
                                             req->page().page_size(), req->page().page_token()),
                                [&](const app::MetricPatientsPage& page) {
                                  for (const auto& p : page.patients) {
                                    auto* out = resp->add_patients();
                                    out->set_patient_id(p.patient_id);
                                    out->set_name(p.name);
                                    out->set_jurisdiction(p.jurisdiction);
                                    out->set_reason(p.reason);
                                    out->set_name_unreadable(p.name_unreadable);
                                  }
                                  resp->set_next_page_token(page.next_page_token);
                                  resp->set_unreadable_count(page.unreadable);
                                  resp->set_rule_set(page.rules.name);
                                  VariantToProto(page.rules, resp->mutable_variant());
                                  resp->set_source(page.recomputed ? "recomputed" : "rollup");
                                  resp->set_figures_building(page.building);
                                });
                  });
}

grpc::ServerUnaryReactor* MetricsService::ExportMetrics(Ctx* ctx,
                                                        const v1::GetMetricsRequest* req,
                                                        v1::MetricsExport* resp) {
  return RunUnary(ctx, ex_, SMD_METRICS_METHOD(ExportMetrics), req, resp,
                  [=, this](const app::CallMeta& m) -> absl::Status {
                    ASSIGN_OR_RETURN(
                        app::MetricsQuery q,
                        QueryFromProto(req->region(), req->period(), req->variant()));
                    std::string filename;
                    std::string rule_set;
                    return Fill(uc_.ExportCsv(m, q, &filename, &rule_set),
                                [&](const std::string& csv) {
                      resp->set_csv(csv);
                      resp->set_filename(filename);
                      resp->set_rule_set(rule_set);
                    });
                  });
}

}  // namespace smd::api
