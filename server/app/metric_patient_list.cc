// MetricUseCases::Patients: the patients behind an indicator (app/metric_use_cases.h).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "app/admin_use_cases.h"
#include "app/metric_query.h"
#include "app/metric_use_cases.h"
#include "app/patient_access.h"
#include "common/status_macros.h"
#include "domain/access_policy.h"
#include "domain/errors.h"
#include "domain/metric_reasons.h"
#include "store/metric_repository.h"
#include "store/patient_repository.h"

namespace smd::app {

using domain::FieldError;
using metric_query::Resolved;
using metric_query::SetState;

absl::StatusOr<MetricPatientsPage> MetricUseCases::Patients(const CallMeta& meta,
                                                            const MetricsQuery& q,
                                                            const std::string& code, bool missing,
                                                            int page_size,
                                                            const std::string& page_token) {
  MetricPatientsPage out;
  RETURN_IF_ERROR(RunCall(
      deps_, meta,
      [&](store::Tx& tx, const domain::Principal& who, AuditNote& note) -> absl::Status {
        out = MetricPatientsPage{};
        ASSIGN_OR_RETURN(std::string region,
                         metric_query::CheckRegion(who, q.region, domain::Action::kMetricsRead));
        // The health committee sees aggregates only (rules.md §8): names need patient.read.
        RETURN_IF_ERROR(domain::Authorize(who, domain::Action::kPatientRead, region));
        const domain::IndicatorDef* def = domain::FindIndicatorByCode(code);
        if (def == nullptr) return FieldError("indicator", "未知指标", "unknown indicator");
        if (def->denominator_kind != domain::DenominatorKind::kPatients &&
            def->id != domain::Indicator::kReportedPrevalence) {
          return FieldError("indicator", "该指标没有患者名单",
                            "this indicator has no patient list");
        }
        ASSIGN_OR_RETURN(int limit, PageSize(page_size));
        if (!page_token.empty()) RETURN_IF_ERROR(CheckUuid("page.page_token", page_token));
        ASSIGN_OR_RETURN(Resolved r,
                         metric_query::ResolvePeriod(q, metric_query::TodayBeijing(deps_)));
        out.rules = metric_query::CallRules(deps_, q);
        ASSIGN_OR_RETURN(SetState st, metric_query::KeptSetFor(deps_, tx, r));
        const domain::MetricStatus num = domain::NumeratorStatus(*def, out.rules);
        const domain::MetricStatus den = def->denominator == domain::MetricStatus::kUnspecified
                                             ? domain::MetricStatus::kRegistered
                                             : def->denominator;
        // The page's ids in id order (one more than the page: whether a next page exists),
        // and the evaluation of each (with its notes), made for the page alone.
        std::vector<std::string> ids;
        std::map<std::string, domain::PatientMetrics> evaluated;
        if (st.kept) {
          ASSIGN_OR_RETURN(
              ids, store::metric_repo::PatientsWith(tx, st.kept->first, st.kept->second, region,
                                                    den, num, !missing, page_token, limit + 1));
        } else {
          // No built set for the period (any other date, a set building): the patients now in
          // the region, evaluated at the cut-off and placed where they count then, as Count's
          // recomputation does (so the list is the one behind the recomputed figure), in id
          // order from the page token, stopping once the page is full. The caller's scope
          // covers the region (patient.read above).
          out.recomputed = true;
          out.building = st.building;
          // The pick reads the flags only (the records of the period, no notes:
          // FactsWindow::FlagsAt); the page's patients are evaluated again below with all
          // their records, for the notes behind each reason.
          RETURN_IF_ERROR(store::metric_repo::ForEachFacts(
              tx, region,
              [&](domain::PatientFacts& f) -> absl::StatusOr<bool> {
                if (!page_token.empty() && f.patient_id <= page_token) return true;
                const domain::PatientMetrics pm =
                    domain::EvaluatePatient(f.input, r.period, domain::Notes::kWithout);
                if (!pm.Has(den) || pm.Has(num) == missing) return true;
                if (domain::CommunityAt(f, r.period.cutoff).rfind(region, 0) != 0) return true;
                ids.push_back(f.patient_id);
                return static_cast<int>(ids.size()) <= limit;
              },
              page_token, store::metric_repo::FactsWindow::FlagsAt(r.period.cutoff)));
        }
        if (static_cast<int>(ids.size()) > limit) {
          ids.resize(limit);
          out.next_page_token = ids.back();
        }
        // The page's rows in one read each: the register rows (only these are decrypted) and
        // all the records of its patients, for the facts behind each reason.
        ASSIGN_OR_RETURN(std::vector<store::ListedPatient> rows, deps_.patients.GetMany(tx, ids));
        if (!ids.empty()) {
          ASSIGN_OR_RETURN(std::vector<domain::PatientFacts> facts,
                           store::metric_repo::LoadFacts(tx, ids));
          for (const auto& f : facts)
            evaluated[f.patient_id] = domain::EvaluatePatient(f.input, r.period);
        }
        for (store::ListedPatient& lp : rows) {
          const std::string& id = lp.patient.id;
          auto pm = evaluated.find(id);
          if (pm == evaluated.end()) continue;  // not visible: moved out since it was listed
          MetricPatientRow row{id, "", lp.patient.jurisdiction, ""};
          if (lp.state == store::ListedPatient::State::kUnreadable) {
            // A record that does not decrypt does not fail the list: the row is kept with its
            // plaintext jurisdiction and reason, without the name (docs/api.md "Unreadable
            // records").
            LogUnreadableRow(meta, "patient", id);
            row.name_unreadable = true;
            ++out.unreadable;
          } else {
            row.name = lp.patient.name;
          }
          if (missing) {
            row.reason = domain::MissingReason(pm->second, num);
          } else if (const domain::StatusNote* n = pm->second.NoteFor(num)) {
            row.reason = n->text;  // 失访, 肇事肇祸, 轻度滋事: what was recorded
          }
          out.patients.push_back(std::move(row));
          note.patient_ids.push_back(id);
        }
        note.detail =
            absl::StrCat("region=", region, " indicator=", code, missing ? " missing" : " counted",
                         " returned=", out.patients.size(),
                         out.recomputed ? " recomputed" : " rollup", " rule_set=", out.rules.name);
        if (out.unreadable > 0) absl::StrAppend(&note.detail, " unreadable=", out.unreadable);
        return absl::OkStatus();
      }));
  return out;
}

}  // namespace smd::app
