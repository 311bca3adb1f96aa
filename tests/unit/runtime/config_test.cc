#include "runtime/config.h"

#include <cstdlib>
#include <string>

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

// A forwarded address is trusted only from a verified client certificate: without
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

}  // namespace
}  // namespace smd::runtime
