#pragma once
// The long-lived core every command needs: database pool, keys, signer, repositories,
// app::Deps built from the config. serve, seed-demo and bootstrap share it.

#include <memory>

#include "absl/status/statusor.h"
#include "app/context.h"
#include "domain/followup_rules.h"
#include "common/clock.h"
#include "crypto/keys.h"
#include "crypto/signer.h"
#include "runtime/config.h"
#include "store/db.h"
#include "store/patient_repository.h"

namespace smd::runtime {

struct Core {
  Core(std::unique_ptr<store::Database> db_in, crypto::KeyRing keys_in,
       std::vector<domain::DrugInfo> drug_list, domain::RuleSet rule_set,
       const common::Clock& clock, app::AppConfig app_config)
      : rules(std::move(rule_set)),
        db(std::move(db_in)),
        keys(std::move(keys_in)),
        signer(keys),
        patients(keys),
        care(keys),
        alerts(keys),
        drugs(std::move(drug_list)),
        deps{*db, clock, keys, signer, patients, care, alerts, drugs, rules, app_config} {}
  Core(const Core&) = delete;
  Core& operator=(const Core&) = delete;

  // The deployment's rule set, parsed from --rule-set and --rule-option (its name is the
  // canonical one every assessment and metrics answer records).
  const domain::RuleSet rules;
  std::unique_ptr<store::Database> db;
  const crypto::KeyRing keys;
  const crypto::Signer signer;
  store::PatientRepository patients;
  store::CareRepository care;
  store::AlertRepository alerts;
  const app::DrugCatalogue drugs;
  app::Deps deps;  // refers to the members above

  static absl::StatusOr<std::unique_ptr<Core>> Open(const Config& config,
                                                    const common::Clock& clock);
};

}  // namespace smd::runtime
