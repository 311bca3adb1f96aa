#pragma once
// Why a patient is not in an indicator's numerator (ListMetricPatients with missing = true,
// rules.md §5; docs/metrics.md "The patients behind a number"). Pure, thread-safe.

#include <string>

#include "domain/metrics.h"

namespace smd::domain {

// The reason `p` does not hold `numerator`, Chinese first with English in brackets; never
// empty for a status `p` lacks:
//  * the status's own note (PatientMetrics::NoteFor) when EvaluatePatient wrote one;
//  * for the F20 medication statuses (精神分裂症服药率), which have no note of their own,
//    the note of the matching 服药 status (last visit or any record): the F20 patient in
//    the denominator is 在管, so that note names the last visit or the missing record;
//  * for the adverse statuses (失访, 肇事肇祸, 轻度滋事), which are "missing" when the patient
//    is fine, what was recorded instead (e.g. the latest record reached the patient);
//  * otherwise, the 在册 note when the patient is not 在册, or a plain "does not meet" text
//    naming the status (MetricStatusNameZh), so that an indicator added later still gets
//    a reason.
// "" when `p` holds `numerator`.
std::string MissingReason(const PatientMetrics& p, MetricStatus numerator);

}  // namespace smd::domain
