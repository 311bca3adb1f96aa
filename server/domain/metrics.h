#pragma once
// Management-rate metrics (rules.md §5, the "Product decisions" table, §11.2),
// in four parts by concern; include the part you need, or this header for all
// of them:
//   domain/metric_status.h     which statuses one patient holds in a reporting
//   period domain/metric_catalogue.h  the indicators built on those statuses,
//   with the plan's targets domain/metric_rates.h      the plain sums that turn
//   per-patient statuses into rates domain/metric_notes.h      the bilingual
//   notes saying why a status is missing
//
// How the layers above use them: a caller builds one PatientPeriodInput per
// patient from the register and the typed record columns (followup,
// health_check, rehab), calls EvaluatePatient, and either keeps the
// PatientMetrics (for a worker's list of gaps) or adds them into StatusCounts;
// ComputeRates turns counts into the rates of one rule set. docs/metrics.md
// explains every indicator and decision in prose.

#include "domain/metric_catalogue.h"  // IWYU pragma: export
#include "domain/metric_notes.h"      // IWYU pragma: export
#include "domain/metric_rates.h"      // IWYU pragma: export
#include "domain/metric_status.h"     // IWYU pragma: export
