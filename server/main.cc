// smd-server: serve | migrate | seed-demo | bootstrap | keygen | audit-verify | keys
// (runtime/config.h).

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fcntl.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "app/audit_use_cases.h"
#include "app/demo_seed.h"
#include "common/clock.h"
#include "common/log.h"
#include "crypto/audit_anchor.h"
#include "crypto/keys.h"
#include "runtime/config.h"
#include "runtime/key_commands.h"
#include "runtime/server.h"
#include "runtime/wiring.h"
#include "store/migrator.h"

namespace {

using smd::runtime::Config;

int Fail(const absl::Status& s) {
  std::fprintf(stderr, "smd-server: %s\n", std::string(s.message()).c_str());
  return absl::IsInvalidArgument(s) ? 2 : 1;
}

int Keygen(const Config& c) {
  // O_EXCL: never overwrite keys (that would make every encrypted field unreadable).
  int fd = ::open(c.out.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0600);
  if (fd < 0) {
    std::fprintf(stderr, "smd-server: cannot create %s (exists already?)\n", c.out.c_str());
    return 1;
  }
  const std::string contents = smd::crypto::GenerateKeyFileContents();
  const bool ok = ::write(fd, contents.data(), contents.size()) ==
                  static_cast<ssize_t>(contents.size());
  ::close(fd);
  if (!ok) return Fail(absl::InternalError("write failed"));
  std::printf("wrote %s (mode 0600); keep it outside the database and back it up\n",
              c.out.c_str());
  return 0;
}

int Migrate(const Config& c) {
  auto report = smd::store::Migrate(c.database_url);
  if (!report.ok()) return Fail(report.status());
  std::printf("schema at version %d (%d applied now, %d already)\n", report->latest_version,
              report->applied, report->already);
  return 0;
}

int SeedDemo(const Config& c) {
  auto core = smd::runtime::Core::Open(c, smd::common::SystemClock::Get());
  if (!core.ok()) return Fail(core.status());
  auto report = smd::app::SeedDemo((*core)->deps, c.demo_patients);
  if (!report.ok()) return Fail(report.status());
  if (report->already_present) {
    std::printf("demo data already present; nothing changed\n");
  } else {
    std::printf("loaded %d regions and %d synthetic patients\n", report->regions,
                report->patients);
  }
  std::printf("\nDemo users (synthetic; for local demos only):\n");
  std::printf("  %-14s %-20s %-18s %s\n", "user", "password", "role", "jurisdiction");
  for (const auto& u : report->users) {
    std::printf("  %-14s %-20s %-18s %s\n", u.username.c_str(), u.password.c_str(),
                u.role.c_str(), u.jurisdiction.c_str());
  }
  return 0;
}

int Bootstrap(const Config& c) {
  const char* pw = std::getenv("SMD_ADMIN_PASSWORD");
  if (pw == nullptr) {
    return Fail(absl::InvalidArgumentError("set SMD_ADMIN_PASSWORD to the first admin's password"));
  }
  auto core = smd::runtime::Core::Open(c, smd::common::SystemClock::Get());
  if (!core.ok()) return Fail(core.status());
  absl::Status s =
      smd::app::BootstrapAdmin((*core)->deps, c.district, c.district_name, c.username, pw);
  if (!s.ok()) return Fail(s);
  std::printf("created admin %s for district %s\n", c.username.c_str(), c.district.c_str());
  return 0;
}

// Verifies the audit chain from the server host, against the anchor file given (a copy
// fetched from a log server will do). Needs the database (smd_app suffices) and the key
// file (for the public key). Audited as "smd-server audit-verify".
int AuditVerify(const Config& c) {
  auto core = smd::runtime::Core::Open(c, smd::common::SystemClock::Get());
  if (!core.ok()) return Fail(core.status());
  const std::string path = smd::runtime::AuditAnchorPath(c);
  std::unique_ptr<smd::crypto::AnchorFile> anchor;
  if (!path.empty()) anchor = std::make_unique<smd::crypto::AnchorFile>(path);
  smd::app::AuditUseCases audit((*core)->deps, anchor.get());
  auto r = audit.VerifyAsOperator();
  if (!r.ok()) return Fail(r.status());
  std::printf("%s: %lld records, %lld checkpoints (newest at position %lld), %lld unsealed\n",
              r->intact ? "audit chain intact" : "audit chain BROKEN",
              static_cast<long long>(r->records_checked),
              static_cast<long long>(r->checkpoints_checked),
              static_cast<long long>(r->newest_checkpoint_position),
              static_cast<long long>(r->unsealed));
  if (r->anchored) {
    std::printf("anchor %s: %lld checkpoints found unchanged (newest at position %lld)\n",
                path.c_str(), static_cast<long long>(r->anchored_checkpoints_checked),
                static_cast<long long>(r->newest_anchored_position));
  } else {
    std::printf("no anchor file (--audit-anchor-file): a rewrite of the chain's end by a "
                "database superuser would not be seen\n");
  }
  if (!r->intact) {
    std::printf("first break: position %lld, audit id %lld: %s\n",
                static_cast<long long>(r->first_break_position),
                static_cast<long long>(r->first_break_audit_id), r->problem.c_str());
    return 6;
  }
  return 0;
}

int Serve(const Config& c) {
  // Block the stop signals in every thread; one thread waits for them.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  auto server = smd::runtime::Server::Start(c, smd::common::SystemClock::Get());
  if (!server.ok()) return Fail(server.status());
  std::thread waiter([&] {
    int sig = 0;
    sigwait(&set, &sig);
    smd::common::LogInfo("signal %d: shutting down", sig);
    (*server)->Shutdown();
  });
  (*server)->Wait();
  waiter.join();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv, argv + argc);
  if (argc >= 2 && (args[1] == "-h" || args[1] == "--help" || args[1] == "help")) {
    std::fputs(smd::runtime::Usage().c_str(), stdout);
    return 0;
  }
  // The package's tests and operators ask which build runs (docs/operations.md).
  if (argc >= 2 && (args[1] == "--version" || args[1] == "version")) {
    std::printf("smd-server %s\n", SMD_VERSION);
    return 0;
  }
  auto config = smd::runtime::ParseConfig(args);
  if (!config.ok()) return Fail(config.status());
  if (absl::Status s = smd::runtime::ValidateConfig(*config); !s.ok()) return Fail(s);
  const std::string& cmd = config->command;
  if (cmd == "keygen") return Keygen(*config);
  if (cmd == "migrate") return Migrate(*config);
  if (cmd == "seed-demo") return SeedDemo(*config);
  if (cmd == "bootstrap") return Bootstrap(*config);
  if (cmd == "audit-verify") return AuditVerify(*config);
  if (cmd == "keys") return smd::runtime::RunKeysCommand(*config);
  return Serve(*config);
}
