#include "runtime/wiring.h"

#include "common/status_macros.h"
#include "domain/alert_routing.h"
#include "domain/rule_options.h"

namespace smd::runtime {

absl::StatusOr<std::unique_ptr<Core>> Core::Open(const Config& config,
                                                 const common::Clock& clock) {
  ASSIGN_OR_RETURN(crypto::KeyRing keys, crypto::LoadKeyFile(config.key_file));
  store::DatabaseOptions opts;
  opts.dsn = config.database_url;
  // The sign-in executor's workers have connections of their own, so that neither pool
  // of workers waits for the other's connections.
  opts.pool_size = DbPoolSize(config) + config.signin_threads;
  opts.failover_wait = std::chrono::milliseconds(config.db_failover_wait_ms);
  ASSIGN_OR_RETURN(std::unique_ptr<store::Database> db, store::Database::Open(opts));
  app::AppConfig app_config;
  app_config.session_ttl = absl::Minutes(config.session_ttl_minutes);
  app_config.session_idle = absl::Minutes(config.session_idle_minutes);
  app_config.password_params.log2_n = config.password_log2_n;
  app_config.signin_source_limit = config.signin_source_limit;
  app_config.signin_source_window = absl::Seconds(config.signin_source_window_seconds);
  app_config.server_version = SMD_VERSION;
  app_config.ack_deadlines.critical = absl::Seconds(config.ack_critical_seconds);
  app_config.ack_deadlines.high = absl::Seconds(config.ack_high_seconds);
  app_config.ack_deadlines.warning = absl::Seconds(config.ack_warning_seconds);
  app_config.designated_hospital = config.designated_hospital;
  ASSIGN_OR_RETURN(app_config.alert_duty_roles,
                   domain::ParseDutyRoles("--alert-duty-roles", config.alert_duty_roles));
  app_config.alert_reroute_window = absl::Hours(24 * config.alert_reroute_days);
  // Checked by ValidateConfig already; parsed again for callers that skip it (tests).
  ASSIGN_OR_RETURN(domain::RuleSet rules,
                   domain::ParseRuleSet(config.rule_set, config.rule_options));
  app_config.rule_set = rules.name;
  // The drug catalogue is reference data of migration 0003: loaded once.
  std::vector<domain::DrugInfo> drugs;
  {
    store::CareRepository loader(keys);
    RETURN_IF_ERROR(db->InTransaction([&](store::Tx& tx) -> absl::Status {
      ASSIGN_OR_RETURN(drugs, loader.LoadDrugs(tx));
      return absl::OkStatus();
    }));
  }
  auto core = std::make_unique<Core>(std::move(db), std::move(keys), std::move(drugs),
                                     std::move(rules),
                                     clock, app_config);
  return core;
}

}  // namespace smd::runtime
