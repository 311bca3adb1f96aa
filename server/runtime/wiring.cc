#include "runtime/wiring.h"

#include "common/status_macros.h"

namespace smd::runtime {

absl::StatusOr<std::unique_ptr<Core>> Core::Open(const Config& config,
                                                 const common::Clock& clock) {
  ASSIGN_OR_RETURN(crypto::KeyRing keys, crypto::LoadKeyFile(config.key_file));
  store::DatabaseOptions opts;
  opts.dsn = config.database_url;
  opts.pool_size = config.db_pool;
  ASSIGN_OR_RETURN(std::unique_ptr<store::Database> db, store::Database::Open(opts));
  app::AppConfig app_config;
  app_config.session_ttl = absl::Minutes(config.session_ttl_minutes);
  app_config.session_idle = absl::Minutes(config.session_idle_minutes);
  app_config.password_params.log2_n = config.password_log2_n;
  auto core = std::make_unique<Core>(std::move(db), std::move(keys), clock, app_config);
  return core;
}

}  // namespace smd::runtime
