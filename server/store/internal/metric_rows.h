#pragma once
// Shared inside the metric store files (store/metric_facts.cc, store/metric_upkeep.cc):
// the set-wise read of patients' facts. Throws pqxx errors; callers Guard.

#include <string>
#include <vector>

#include "domain/metric_state.h"
#include "store/metric_repository.h"

namespace smd::store {

class Tx;

namespace metric_repo {

// The facts of the patients `ids` (in id order) whose jurisdiction starts with `prefix`
// ("" = any), in id order, with the dated records of `window`: one query per table (6 in
// all, whatever the number of ids). `dense`: read every patient between the first and the
// last id and keep those of `ids` (the same facts, fewer index reads when `ids` holds most
// of the patients in that range; many more when it does not).
std::vector<domain::PatientFacts> LoadFactsOf(Tx& tx, const std::string& prefix,
                                              const std::vector<std::string>& ids,
                                              const FactsWindow& window = FactsWindow::All(),
                                              bool dense = false);

}  // namespace metric_repo
}  // namespace smd::store
