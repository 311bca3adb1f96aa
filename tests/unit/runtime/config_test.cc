#include "runtime/config.h"

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

}  // namespace
}  // namespace smd::runtime
