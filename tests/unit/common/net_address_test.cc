#include "common/net_address.h"

#include "gtest/gtest.h"

namespace smd::common {
namespace {

TEST(ParseListenAddress, HostAndPort) {
  auto a = ParseListenAddress("127.0.0.1:50051");
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 50051);
  auto b = ParseListenAddress("[::1]:0");
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(b->host, "::1");
  EXPECT_EQ(b->port, 0);
  auto c = ParseListenAddress("0.0.0.0:65535");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->port, 65535);
}

TEST(ParseListenAddress, RefusesMalformedAddresses) {
  for (const char* bad : {"", "127.0.0.1", "127.0.0.1:", ":50051", "127.0.0.1:65536",
                          "127.0.0.1:5005x", "127.0.0.1:-1", "127.0.0.1:+80", "::1:50051",
                          "[::1]50051", "[::1", "[]:1", "a]:1", "127.0.0.1:123456"}) {
    auto a = ParseListenAddress(bad);
    EXPECT_FALSE(a.ok()) << bad;
    if (!a.ok()) {
      EXPECT_EQ(a.status().code(), absl::StatusCode::kInvalidArgument) << bad;
    }
  }
}

TEST(IsLoopbackListenAddress, AcceptsOnlyRealLoopbackAddresses) {
  for (const char* ok : {"127.0.0.1:50051", "127.0.0.1:0", "127.255.255.254:1", "127.1.2.3:80",
                         "[::1]:50051", "localhost:50051", "LocalHost:1"}) {
    EXPECT_TRUE(IsLoopbackListenAddress(ok)) << ok;
  }
}

// The old prefix test let these through: names that merely start like a loopback address
// resolve to wherever their owner wants.
TEST(IsLoopbackListenAddress, RefusesLookalikes) {
  for (const char* bad :
       {"127.evil.example:1", "127.0.0.1.evil.example:1", "localhost.evil:1", "localhost:",
        "localhost", "localhost.:1", "127.1:1", "0x7f.0.0.1:1", "0177.0.0.1:1", "127.0.0.256:1",
        "[::1]x:1", "[::1]:", "[::1]:1:2", "[::2]:1", "[::ffff:127.0.0.1]:1", "[0:0:0:0:0:0:0:2]:1",
        "0.0.0.0:1", "[::]:1", "10.0.0.1:1", "128.0.0.1:1", "evil127.0.0.1:1", " 127.0.0.1:1",
        "127.0.0.1 :1", "127.0.0.1:1 ", "ipv4:127.0.0.1:1", "unix:/tmp/x", "[localhost]:1"}) {
    EXPECT_FALSE(IsLoopbackListenAddress(bad)) << bad;
  }
}

}  // namespace
}  // namespace smd::common
