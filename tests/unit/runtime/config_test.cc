#include "runtime/config.h"

#include <algorithm>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace smd::runtime {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

Config Serve(const std::string& listen, bool insecure) {
  Config c;
  c.command = "serve";
  c.database_url = "host=/nonexistent";
  c.key_file = "/nonexistent";
  c.listen = listen;
  c.insecure = insecure;
  if (!insecure) {
    c.tls_cert = "/nonexistent.crt";
    c.tls_key = "/nonexistent.key";
  }
  return c;
}

// A malformed --listen was never parsed on its own: with TLS it passed and only failed at
// the bind ("cannot listen on ..."), with --insecure it was called "not loopback". It is
// now refused first, with an error naming --listen and the value.
TEST(ValidateConfig, AMalformedListenAddressIsRefusedNamingTheFlag) {
  for (bool insecure : {false, true}) {
    for (const char* bad : {"localhost", "127.0.0.1", "127.0.0.1:", ":50051", "[::1]x:1",
                            "::1:50051", "[::1", "127.0.0.1:65536", "127.0.0.1:http", ""}) {
      absl::Status s = ValidateConfig(Serve(bad, insecure));
      EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad << " insecure=" << insecure;
      EXPECT_THAT(std::string(s.message()), HasSubstr("--listen: ")) << bad;
      EXPECT_THAT(std::string(s.message()), HasSubstr(std::string("\"") + bad + "\"")) << bad;
      EXPECT_THAT(std::string(s.message()), Not(HasSubstr("--insecure"))) << bad;
    }
  }
}

TEST(ValidateConfig, AWellFormedListenAddressPasses) {
  for (const char* ok : {"127.0.0.1:50051", "[::1]:0", "localhost:50051"}) {
    EXPECT_TRUE(ValidateConfig(Serve(ok, true)).ok()) << ok;
  }
  for (const char* ok : {"0.0.0.0:50051", "[::]:443", "smd.example:50051"}) {
    EXPECT_TRUE(ValidateConfig(Serve(ok, false)).ok()) << ok;
  }
  // Well formed but not loopback: the --insecure check still answers.
  absl::Status s = ValidateConfig(Serve("0.0.0.0:50051", true));
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("--insecure"));
}

// Other commands do not listen: --listen is not checked for them.
TEST(ValidateConfig, OnlyServeChecksTheListenAddress) {
  Config c = Serve("nonsense", false);
  c.command = "migrate";
  EXPECT_TRUE(ValidateConfig(c).ok());
}

// --trusted-gateway (docs/security.md "Behind the web gateway"): repeatable and
// comma-separated, from the environment as SMD_TRUSTED_GATEWAY, the command line replacing it.
TEST(ParseConfig, TrustedGatewaysAreRepeatableAndCommaSeparated) {
  ::unsetenv("SMD_TRUSTED_GATEWAY");
  auto c = ParseConfig({"smd-server", "serve", "--trusted-gateway", "smd-gateway",
                        "--trusted-gateway=gw2.smd.test, gw3.smd.test"});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_THAT(c->trusted_gateways,
              ::testing::ElementsAre("smd-gateway", "gw2.smd.test", "gw3.smd.test"));
  auto none = ParseConfig({"smd-server", "serve"});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->trusted_gateways.empty());
  for (const char* bad : {"", ",", "a,,b", "a,", "gw\x01"}) {
    auto r = ParseConfig({"smd-server", "serve", "--trusted-gateway", bad});
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(r.status().message()), HasSubstr("--trusted-gateway")) << bad;
  }
}

TEST(ParseConfig, TrustedGatewaysFromTheEnvironmentUnlessGivenAsFlags) {
  ::setenv("SMD_TRUSTED_GATEWAY", "env-gw-1,env-gw-2", 1);
  auto env = ParseConfig({"smd-server", "serve"});
  auto flags = ParseConfig({"smd-server", "serve", "--trusted-gateway", "flag-gw"});
  ::unsetenv("SMD_TRUSTED_GATEWAY");
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_THAT(env->trusted_gateways, ::testing::ElementsAre("env-gw-1", "env-gw-2"));
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_THAT(flags->trusted_gateways, ::testing::ElementsAre("flag-gw"));
}

// High availability (docs/operations.md "High availability and failover"): off unless set,
// from the flag or SMD_DB_FAILOVER_WAIT_MS, and bounded.
TEST(ParseConfig, DbFailoverWaitDefaultsToOffAndIsBounded) {
  ::unsetenv("SMD_DB_FAILOVER_WAIT_MS");
  auto none = ParseConfig({"smd-server", "serve"});
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(none->db_failover_wait_ms, 0);
  auto set = ParseConfig({"smd-server", "serve", "--db-failover-wait-ms=10000"});
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(set->db_failover_wait_ms, 10000);
  ::setenv("SMD_DB_FAILOVER_WAIT_MS", "2500", 1);
  auto env = ParseConfig({"smd-server", "serve"});
  ::unsetenv("SMD_DB_FAILOVER_WAIT_MS");
  ASSERT_TRUE(env.ok()) << env.status();
  EXPECT_EQ(env->db_failover_wait_ms, 2500);
  for (const char* bad : {"-1", "60001", "soon"}) {
    auto r = ParseConfig({"smd-server", "serve", "--db-failover-wait-ms", bad});
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

// A forwarded address is trusted only from a verified client certificate: without
// The pool is sized for the machine unless --db-pool says otherwise: twice the CPUs, never
// fewer than 4 (a sign-in flood or a metrics build must not take the last connection).
TEST(ParseConfig, DbPoolDefaultsToTwiceTheCpusAndHonoursTheFlag) {
  ::unsetenv("SMD_DB_POOL");
  auto none = ParseConfig({"smd-server", "serve"});
  ASSERT_TRUE(none.ok()) << none.status();
  const int cpus = static_cast<int>(std::thread::hardware_concurrency());
  EXPECT_EQ(DbPoolSize(*none), std::clamp(2 * cpus, 4, 64));
  auto set = ParseConfig({"smd-server", "serve", "--db-pool=3"});
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_EQ(DbPoolSize(*set), 3);
  for (const char* bad : {"0", "257", "many"}) {
    auto r = ParseConfig({"smd-server", "serve", "--db-pool", bad});
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << bad;
  }
}

// --tls-client-ca (or with --insecure) the server refuses to start, saying so.
TEST(ValidateConfig, TrustedGatewaysNeedMutualTls) {
  Config c = Serve("0.0.0.0:50051", false);
  c.trusted_gateways = {"smd-gateway"};
  absl::Status s = ValidateConfig(c);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(s.message()), HasSubstr("--trusted-gateway needs mutual TLS"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("--tls-client-ca"));

  Config insecure = Serve("127.0.0.1:50051", true);
  insecure.trusted_gateways = {"smd-gateway"};
  insecure.tls_client_ca = "/nonexistent-ca.pem";
  EXPECT_THAT(std::string(ValidateConfig(insecure).message()),
              HasSubstr("--trusted-gateway needs mutual TLS"));

  c.tls_client_ca = "/nonexistent-ca.pem";
  EXPECT_TRUE(ValidateConfig(c).ok());
}

// The deployment's rule set (docs/rules.md "Rule sets and their options", ADR 0014):
// --rule-set BASE[+OPTION...] and --rule-option NAME=VALUE, repeatable and comma-separated,
// from the environment as SMD_RULE_SET / SMD_RULE_OPTION, the command line replacing it.
TEST(ParseConfig, RuleOptionsAreRepeatableAndCommaSeparated) {
  ::unsetenv("SMD_RULE_OPTION");
  ::unsetenv("SMD_RULE_SET");
  auto c = ParseConfig({"smd-server", "serve", "--rule-set", "jiangsu-2018+partial-insight-stable",
                        "--rule-option", "any-adr-unstable=true",
                        "--rule-option=first-visit-days=7, standardized=r2"});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->rule_set, "jiangsu-2018+partial-insight-stable");
  EXPECT_THAT(c->rule_options, ::testing::ElementsAre("any-adr-unstable=true",
                                                      "first-visit-days=7", "standardized=r2"));
  for (const char* bad : {"", ",", "a,,b"}) {
    auto r = ParseConfig({"smd-server", "serve", "--rule-option", bad});
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(r.status().message()), HasSubstr("--rule-option")) << bad;
  }
  ::setenv("SMD_RULE_OPTION", "medication=any-record", 1);
  auto env = ParseConfig({"smd-server", "serve"});
  auto flags = ParseConfig({"smd-server", "serve", "--rule-option", "any-adr-unstable"});
  ::unsetenv("SMD_RULE_OPTION");
  ASSERT_TRUE(env.ok() && flags.ok());
  EXPECT_THAT(env->rule_options, ::testing::ElementsAre("medication=any-record"));
  EXPECT_THAT(flags->rule_options, ::testing::ElementsAre("any-adr-unstable"));
}

// Validated at start: an unknown base, option or value stops every command that opens the
// core, with a message naming the flag and the item.
TEST(ValidateConfig, RuleSetIsValidatedAtStart) {
  Config c = Serve("127.0.0.1:50051", true);
  EXPECT_TRUE(ValidateConfig(c).ok());
  c.rule_set = "jiangsu-2018+any-adr-unstable";
  c.rule_options = {"first-visit-days=7"};
  EXPECT_TRUE(ValidateConfig(c).ok());
  struct Bad {
    std::string rule_set;
    std::vector<std::string> options;
    std::string says;
  };
  for (const Bad& b : std::vector<Bad>{
           {"jiangsu-2011", {}, "--rule-set: 未知的规则集 jiangsu-2011"},
           {"jiangsu-2018+mild-adr", {}, "--rule-set: 未知的规则选项 mild-adr"},
           {"jiangsu-2018", {"any-adr-unstable=yes"}, "--rule-option: 规则选项 any-adr-unstable"},
           {"jiangsu-2018", {"first-visit-days=0"}, "expected 1..90"},
       }) {
    for (const char* command : {"serve", "seed-demo", "bootstrap", "audit-verify"}) {
      Config bad = Serve("127.0.0.1:50051", true);
      bad.command = command;
      bad.username = "admin";
      bad.district = "320106";
      bad.district_name = "鼓楼区";
      bad.rule_set = b.rule_set;
      bad.rule_options = b.options;
      absl::Status s = ValidateConfig(bad);
      EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << b.rule_set << " " << command;
      EXPECT_THAT(std::string(s.message()), HasSubstr(b.says)) << command;
    }
  }
  // migrate and keygen never read the rules.
  Config migrate = Serve("127.0.0.1:50051", true);
  migrate.command = "migrate";
  migrate.rule_set = "nonsense";
  EXPECT_TRUE(ValidateConfig(migrate).ok());
}

// The monitoring endpoint (docs/operations.md "Monitoring"): off unless asked for, on
// loopback only unless a remote address is explicitly allowed.
TEST(ParseConfig, MonitoringIsOffByDefaultAndTakesAnAddress) {
  absl::StatusOr<Config> c = ParseConfig({"smd-server", "serve"});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->monitoring_listen, "");
  EXPECT_FALSE(c->monitoring_allow_remote);
  c = ParseConfig({"smd-server", "serve", "--monitoring-listen=127.0.0.1:9464",
                   "--monitoring-allow-remote"});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->monitoring_listen, "127.0.0.1:9464");
  EXPECT_TRUE(c->monitoring_allow_remote);
  EXPECT_FALSE(ParseConfig({"smd-server", "serve", "--monitoring-allow-remote=perhaps"}).ok());
}

TEST(ValidateConfig, MonitoringListensOnLoopbackOnlyUnlessRemoteIsAllowed) {
  for (const char* ok : {"127.0.0.1:9464", "[::1]:9464", "localhost:9464", "127.0.0.1:0"}) {
    Config c = Serve("127.0.0.1:50051", true);
    c.monitoring_listen = ok;
    EXPECT_TRUE(ValidateConfig(c).ok()) << ok;
  }
  for (const char* remote : {"0.0.0.0:9464", "10.1.2.3:9464", "[::]:9464",
                             "127.evil.example:9464", "localhost.evil:9464"}) {
    Config c = Serve("127.0.0.1:50051", true);
    c.monitoring_listen = remote;
    absl::Status s = ValidateConfig(c);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << remote;
    EXPECT_THAT(std::string(s.message()), HasSubstr("--monitoring-allow-remote")) << remote;
    c.monitoring_allow_remote = true;
    EXPECT_TRUE(ValidateConfig(c).ok()) << remote;
  }
  for (const char* bad : {"9464", "127.0.0.1:", "127.0.0.1:http", "[::1:9464"}) {
    Config c = Serve("127.0.0.1:50051", true);
    c.monitoring_listen = bad;
    c.monitoring_allow_remote = true;
    absl::Status s = ValidateConfig(c);
    EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(std::string(s.message()), HasSubstr("--monitoring-listen: ")) << bad;
    EXPECT_THAT(std::string(s.message()), HasSubstr(std::string("\"") + bad + "\"")) << bad;
  }
}

// `smd-server keys ACTION [KIND [ID]]` (docs/operations.md "Key rotation").
TEST(ParseConfig, KeysTakesItsWordsBeforeTheFlags) {
  auto c = ParseConfig({"smd-server", "keys", "retire", "field", "3", "--key-file", "k",
                        "--database-url", "db", "--batch-rows", "50"});
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_EQ(c->key_action, "retire");
  EXPECT_EQ(c->key_kind, "field");
  EXPECT_EQ(c->key_id, 3);
  EXPECT_EQ(c->key_batch_rows, 50);
  EXPECT_TRUE(ValidateConfig(*c).ok());
  // The file-only steps need no database; the others do.
  auto rotate = ParseConfig({"smd-server", "keys", "rotate", "audit", "--key-file", "k"});
  ASSERT_TRUE(rotate.ok());
  EXPECT_TRUE(ValidateConfig(*rotate).ok());
  auto rewrite = ParseConfig({"smd-server", "keys", "rewrite", "field", "--key-file", "k"});
  ASSERT_TRUE(rewrite.ok());
  EXPECT_EQ(ValidateConfig(*rewrite).code(), absl::StatusCode::kInvalidArgument);
  // Bad words are refused.
  for (std::vector<std::string> bad :
       {std::vector<std::string>{"smd-server", "keys", "rotate", "index", "--key-file", "k"},
        {"smd-server", "keys", "retire", "field", "--key-file", "k", "--database-url", "d"},
        {"smd-server", "keys", "spin", "field", "--key-file", "k"}}) {
    auto r = ParseConfig(bad);
    EXPECT_TRUE(!r.ok() || !ValidateConfig(*r).ok()) << bad[2];
  }
  EXPECT_FALSE(ParseConfig({"smd-server", "keys", "retire", "field", "0"}).ok());
  EXPECT_FALSE(ParseConfig({"smd-server", "keys"}).ok());
}

}  // namespace
}  // namespace smd::runtime
