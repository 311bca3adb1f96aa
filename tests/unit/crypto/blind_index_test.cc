#include "crypto/blind_index.h"

#include "gtest/gtest.h"
#include "support/synthetic.h"
#include "test_keys.h"

namespace smd::crypto {
namespace {

using test::TestKeys;

TEST(CryptoBlindIndex, IsStable32Bytes) {
  // Two synthetic ID numbers (made at run time) that differ in one digit.
  const std::string id = smd::testing::SyntheticIdNumber("19900307", 1);
  const std::string next = smd::testing::SyntheticIdNumber("19900307", 2);
  std::string a = BlindIndex(TestKeys(), "id_number", id);
  EXPECT_EQ(a.size(), 32u);
  EXPECT_EQ(a, BlindIndex(TestKeys(), "id_number", id));
  EXPECT_NE(a, BlindIndex(TestKeys(), "id_number", next));
}

TEST(CryptoBlindIndex, DiffersPerPurposeAndKey) {
  KeyRing other = TestKeys();
  other.index_key = std::string(32, '\x55');
  EXPECT_NE(BlindIndex(TestKeys(), "id_number", "ZHANG"), BlindIndex(TestKeys(), "name", "ZHANG"));
  EXPECT_NE(BlindIndex(TestKeys(), "name", "ZHANG"), BlindIndex(other, "name", "ZHANG"));
  // The separator keeps purpose and value apart.
  EXPECT_NE(BlindIndex(TestKeys(), "name", "x"), BlindIndex(TestKeys(), "namex", ""));
}

TEST(CryptoBlindIndex, NormalizeNameTrimsAndUppercasesAscii) {
  EXPECT_EQ(NormalizeName("  john smith\t"), "JOHN SMITH");
  EXPECT_EQ(NormalizeName("\xE3\x80\x80张三 \xE3\x80\x80"), "张三");
  EXPECT_EQ(NormalizeName("张\xE3\x80\x80三"), "张\xE3\x80\x80三");  // interior kept
  EXPECT_EQ(NormalizeName("Ma Li"), "MA LI");
  EXPECT_EQ(NormalizeName(" \xE3\x80\x80 "), "");
  EXPECT_EQ(NormalizeName(""), "");
  EXPECT_EQ(BlindIndex(TestKeys(), "name", NormalizeName(" zhang san ")),
            BlindIndex(TestKeys(), "name", NormalizeName("ZHANG SAN")));
}

}  // namespace
}  // namespace smd::crypto
