#include "domain/signin.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "unit/domain/test_helpers.h"

namespace smd::domain {
namespace {

using ::smd::domain::testing::IsFieldError;
using ::smd::domain::testing::IsOk;

TEST(CheckSignInName, AcceptsNamesThatCouldExist) {
  EXPECT_THAT(CheckSignInName("doctor"), IsOk());
  EXPECT_THAT(CheckSignInName("a.b-c_9"), IsOk());
  EXPECT_THAT(CheckSignInName(std::string(64, 'a')), IsOk());
}

// The same rule as CreateUser's (and the schema's CHECK): a name that cannot exist is
// refused before any lookup or scrypt work.
TEST(CheckSignInName, RefusesNamesThatCannotExist) {
  EXPECT_THAT(CheckSignInName("张医生"), IsFieldError("username"));
  EXPECT_THAT(CheckSignInName("Doctor"), IsFieldError("username"));
  EXPECT_THAT(CheckSignInName("ab"), IsFieldError("username"));
  EXPECT_THAT(CheckUsername("doc tor"), IsFieldError("username"));
}

TEST(CheckSignInName, RefusesWhatLibpqOrTheAuditCouldNotTakeAsIs) {
  EXPECT_THAT(CheckSignInName(""), IsFieldError("username"));
  EXPECT_THAT(CheckSignInName("   "), IsFieldError("username"));
  EXPECT_THAT(CheckSignInName(std::string("doctor\0x", 8)), IsFieldError("username"));  // NUL
  EXPECT_THAT(CheckSignInName(std::string("\0", 1)), IsFieldError("username"));
  EXPECT_THAT(CheckSignInName("doc\xe5\xbc"), IsFieldError("username"));  // cut inside 张
  EXPECT_THAT(CheckSignInName("\xff"), IsFieldError("username"));
  EXPECT_THAT(CheckSignInName("doc\ttor"), IsFieldError("username"));
  EXPECT_THAT(CheckSignInName("doctor\x7f"), IsFieldError("username"));
  EXPECT_THAT(CheckSignInName("doctor\xc2\x85"), IsFieldError("username"));  // C1 NEL
  EXPECT_THAT(CheckSignInName(std::string(65, 'a')), IsFieldError("username"));
  // 22 CJK characters are 66 bytes: over the byte limit although only 22 characters.
  std::string cjk;
  for (int i = 0; i < 22; ++i) cjk += "张";
  EXPECT_THAT(CheckSignInName(cjk), IsFieldError("username"));
}

TEST(CheckSignInName, NeverEchoesTheValue) {
  absl::Status s = CheckSignInName(std::string("secret\0x", 8));
  EXPECT_THAT(std::string(s.message()), ::testing::Not(::testing::HasSubstr("secret")));
}

TEST(EscapeForAudit, KeepsPrintableUtf8AndEscapesEverythingElse) {
  EXPECT_EQ(EscapeForAudit("doctor"), "doctor");
  EXPECT_EQ(EscapeForAudit("张医生"), "张医生");
  EXPECT_EQ(EscapeForAudit(std::string("doctor\0x", 8)), "doctor\\x00x");
  EXPECT_EQ(EscapeForAudit("doc\xe5\xbc"), "doc\\xe5\\xbc");
  EXPECT_EQ(EscapeForAudit("a\\x00"), "a\\x5cx00");  // a typed backslash cannot pose as NUL
  EXPECT_EQ(EscapeForAudit("a\tb\x7f\xc2\x85"), "a\\x09b\\x7f\\xc2\\x85");
  EXPECT_EQ(EscapeForAudit(""), "");
}

TEST(EscapeForAudit, CutsAfter64BytesWithoutSplittingACharacter) {
  EXPECT_EQ(EscapeForAudit(std::string(70, 'a')), std::string(64, 'a') + "...(+6 bytes)");
  // 63 ASCII bytes then a 3-byte character: the character would cross the cut.
  std::string s = std::string(63, 'a') + "张b";
  EXPECT_EQ(EscapeForAudit(s), std::string(63, 'a') + "...(+4 bytes)");
}

TEST(SourceOf, AddressWithoutPort) {
  EXPECT_EQ(SourceOf("ipv4:203.0.113.5:41000"), "ipv4:203.0.113.5");
  EXPECT_EQ(SourceOf("ipv4:127.0.0.1:1"), "ipv4:127.0.0.1");
}

TEST(SourceOf, Ipv6ByItsSlash64) {
  EXPECT_EQ(SourceOf("ipv6:[2001:db8:1:2:aaaa::9]:443"), "ipv6:2001:db8:1:2::/64");
  EXPECT_EQ(SourceOf("ipv6:[2001:db8:1:2:bbbb::1]:80"), "ipv6:2001:db8:1:2::/64");
  EXPECT_EQ(SourceOf("ipv6:[::1]:50051"), "ipv6:::/64");
  EXPECT_EQ(SourceOf("ipv6:[::ffff:198.51.100.7]:5000"), "ipv4:198.51.100.7");
  EXPECT_EQ(SourceOf("ipv6:[fe80::1%25eth0]:5000"), "ipv6:fe80::/64");
}

TEST(SourceOf, OtherPeers) {
  EXPECT_EQ(SourceOf("unix:/run/smd.sock"), "unix");
  EXPECT_EQ(SourceOf("something"), "something");
  EXPECT_EQ(SourceOf(std::string(300, 'x')).size(), 100u);
}

// A browser's address as the trusted web gateway forwards it (x-forwarded-for).
TEST(ParseForwardedFor, OneAddressInPeerFormWithoutAPort) {
  EXPECT_EQ(ParseForwardedFor("203.0.113.5").value(), "ipv4:203.0.113.5");
  EXPECT_EQ(ParseForwardedFor(" 203.0.113.5\t").value(), "ipv4:203.0.113.5");
  EXPECT_EQ(ParseForwardedFor("0.0.0.0").value(), "ipv4:0.0.0.0");
  EXPECT_EQ(ParseForwardedFor("2001:DB8:0:0::5").value(), "ipv6:[2001:db8::5]");
  EXPECT_EQ(ParseForwardedFor("::1").value(), "ipv6:[::1]");
  // An IPv4 client seen through a dual-stack socket is the IPv4 client.
  EXPECT_EQ(ParseForwardedFor("::ffff:198.51.100.7").value(), "ipv4:198.51.100.7");
}

TEST(ParseForwardedFor, RefusesAnythingButExactlyOneAddress) {
  for (const std::string& bad : std::vector<std::string>{"",
                                                         " ",
                                                         "203.0.113.5, 10.0.0.1",
                                                         "203.0.113.5,10.0.0.1",
                                                         "203.0.113.5:443",
                                                         "[2001:db8::5]",
                                                         "[2001:db8::5]:443",
                                                         "2001:db8::5%eth0",
                                                         "browser.example",
                                                         "unknown",
                                                         "1.2.3",
                                                         "01.2.3.4",
                                                         "256.1.1.1",
                                                         "0x1.2.3.4",
                                                         "1.2.3.4.5",
                                                         "1::2::3",
                                                         "for=203.0.113.5",
                                                         "203.0.113.5 via ipv4:127.0.0.1:1",
                                                         std::string(100, '1'),
                                                         std::string("203.0.113.5\0junk", 16),
                                                         std::string("1.2.3.4\0", 8),
                                                         "１.２.３.４"}) {
    EXPECT_THAT(ParseForwardedFor(bad).status(), IsFieldError("x-forwarded-for")) << bad;
  }
}

TEST(ParseForwardedFor, NeverEchoesTheValue) {
  absl::Status s = ParseForwardedFor("secret.example").status();
  EXPECT_THAT(std::string(s.message()), ::testing::Not(::testing::HasSubstr("secret")));
}

TEST(PeerViaGateway, KeepsBothAddressesAndCountsTheClient) {
  const std::string peer = PeerViaGateway("ipv4:203.0.113.5", "ipv4:127.0.0.1:53412");
  EXPECT_EQ(peer, "ipv4:203.0.113.5 via ipv4:127.0.0.1:53412");
  EXPECT_EQ(SourceOf(peer), "ipv4:203.0.113.5");
  EXPECT_EQ(SourceOf(PeerViaGateway("ipv6:[2001:db8:1:2:aaaa::9]", "ipv6:[::1]:50000")),
            "ipv6:2001:db8:1:2::/64");
  EXPECT_EQ(SourceOf(PeerViaGateway("ipv4:198.51.100.7", "ipv6:[::1]:1")), "ipv4:198.51.100.7");
}

TEST(SourceBudget, RefusesAfterTheLimitUntilItRefills) {
  const absl::Time t0 = absl::FromUnixSeconds(1'800'000'000);
  SourceBudget b(3, absl::Minutes(10));
  EXPECT_TRUE(b.TryTake("a", t0));
  EXPECT_TRUE(b.TryTake("a", t0));
  EXPECT_TRUE(b.TryTake("a", t0));
  EXPECT_FALSE(b.TryTake("a", t0));
  EXPECT_TRUE(b.TryTake("b", t0));  // another source has its own budget
  // 3 per 10 minutes: one unit back after 200 s.
  EXPECT_FALSE(b.TryTake("a", t0 + absl::Seconds(199)));
  EXPECT_TRUE(b.TryTake("a", t0 + absl::Seconds(201)));
  EXPECT_FALSE(b.TryTake("a", t0 + absl::Seconds(202)));
  EXPECT_NEAR(b.Used("a", t0 + absl::Minutes(30)), 0.0, 1e-9);
}

TEST(SourceBudget, SuccessesGiveTheirUnitBack) {
  const absl::Time t0 = absl::FromUnixSeconds(1'800'000'000);
  SourceBudget b(2, absl::Minutes(10));
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(b.TryTake("a", t0));
    b.GiveBack("a", t0);
  }
  b.GiveBack("a", t0);  // never below zero
  EXPECT_TRUE(b.TryTake("a", t0));
  EXPECT_TRUE(b.TryTake("a", t0));
  EXPECT_FALSE(b.TryTake("a", t0));
}

TEST(SourceBudget, MemoryIsBoundedUnderManySources) {
  const absl::Time t0 = absl::FromUnixSeconds(1'800'000'000);
  SourceBudget b(1, absl::Minutes(10), /*max_sources=*/4);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(b.TryTake("s" + std::to_string(i), t0));
  // The map is full of sources with used budget: new sources share one bucket.
  EXPECT_TRUE(b.TryTake("new1", t0));
  EXPECT_FALSE(b.TryTake("new2", t0));
  // Once the old sources have refilled they are forgotten and new ones get their own.
  EXPECT_TRUE(b.TryTake("new3", t0 + absl::Minutes(11)));
  EXPECT_TRUE(b.TryTake("new4", t0 + absl::Minutes(11)));
}

}  // namespace
}  // namespace smd::domain
