#include "crypto/keys.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace smd::crypto {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// absl::string_view is not std::string_view here, so gmock would print it char by char.
std::string Msg(const absl::Status& s) { return std::string(s.message()); }

const std::string kField(64, 'a');
const std::string kIndex(64, 'b');
const std::string kAudit(64, 'c');

std::string GoodFile() {
  return absl::StrCat("# comment\n\n", "field_key = ", kField, "\n", "field_key_id=7\n",
                      "  index_key=", kIndex, "  \r\n", "audit_key=", kAudit, "\n");
}

TEST(CryptoKeyFile, ParsesGoodFile) {
  auto keys = ParseKeyFile(GoodFile());
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(keys->field_key, std::string(32, '\xaa'));
  EXPECT_EQ(keys->field_key_id, 7);
  EXPECT_EQ(keys->index_key, std::string(32, '\xbb'));
  EXPECT_EQ(keys->audit_key, std::string(32, '\xcc'));
}

TEST(CryptoKeyFile, KeyIdDefaultsToOne) {
  auto keys = ParseKeyFile(
      absl::StrCat("field_key=", kField, "\nindex_key=", kIndex, "\naudit_key=", kAudit));
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(keys->field_key_id, 1);
}

TEST(CryptoKeyFile, RejectsMissingKey) {
  auto keys = ParseKeyFile(absl::StrCat("field_key=", kField, "\nindex_key=", kIndex, "\n"));
  EXPECT_EQ(keys.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Msg(keys.status()), HasSubstr("audit_key"));
}

TEST(CryptoKeyFile, RejectsBadHexWithoutEchoingIt) {
  std::string bad = std::string(63, 'a') + "x";
  auto keys =
      ParseKeyFile(absl::StrCat("field_key=", bad, "\nindex_key=", kIndex, "\naudit_key=", kAudit));
  EXPECT_EQ(keys.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Msg(keys.status()), HasSubstr("line 1"));
  EXPECT_THAT(Msg(keys.status()), Not(HasSubstr(bad)));
  // Right characters, wrong length.
  EXPECT_FALSE(ParseKeyFile(absl::StrCat("field_key=", std::string(62, 'a'), "\nindex_key=", kIndex,
                                         "\naudit_key=", kAudit))
                   .ok());
}

TEST(CryptoKeyFile, RejectsDuplicateName) {
  auto keys = ParseKeyFile(absl::StrCat(GoodFile(), "index_key=", std::string(64, 'd'), "\n"));
  EXPECT_EQ(keys.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Msg(keys.status()), HasSubstr("duplicate"));
  EXPECT_FALSE(ParseKeyFile(absl::StrCat(GoodFile(), "field_key_id=2\n")).ok());
}

TEST(CryptoKeyFile, RejectsUnknownNameNamingTheLine) {
  std::string secret = std::string(64, 'e');
  auto keys = ParseKeyFile(absl::StrCat(GoodFile(), "feild_key=", secret, "\n"));
  EXPECT_EQ(keys.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(Msg(keys.status()), HasSubstr("line 7"));
  EXPECT_THAT(Msg(keys.status()), Not(HasSubstr(secret)));
  // A line without '=' is also rejected, by line number.
  keys = ParseKeyFile(absl::StrCat(GoodFile(), secret, "\n"));
  EXPECT_THAT(Msg(keys.status()), HasSubstr("line 7"));
  EXPECT_THAT(Msg(keys.status()), Not(HasSubstr(secret)));
}

TEST(CryptoKeyFile, RejectsEqualKeys) {
  auto keys = ParseKeyFile(
      absl::StrCat("field_key=", kField, "\nindex_key=", kField, "\naudit_key=", kAudit));
  EXPECT_EQ(keys.status().code(), absl::StatusCode::kInvalidArgument);
  keys = ParseKeyFile(
      absl::StrCat("field_key=", kField, "\nindex_key=", kIndex, "\naudit_key=", kIndex));
  EXPECT_EQ(keys.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(CryptoKeyFile, RejectsBadKeyId) {
  for (const char* id : {"0", "256", "-1", "+1", "1x", "", "0001"}) {
    std::string contents = GoodFile();
    contents.replace(contents.find("field_key_id=7"), 14, absl::StrCat("field_key_id=", id));
    auto keys = ParseKeyFile(contents);
    EXPECT_EQ(keys.status().code(), absl::StatusCode::kInvalidArgument) << id;
  }
}

TEST(CryptoKeyFile, GeneratedContentsParseBack) {
  std::string contents = GenerateKeyFileContents();
  EXPECT_EQ(contents.front(), '#');
  auto keys = ParseKeyFile(contents);
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(keys->field_key.size(), 32u);
  EXPECT_EQ(keys->field_key_id, 1);
  EXPECT_NE(GenerateKeyFileContents(), contents);
}

class CryptoKeyFileLoad : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TMPDIR");
    path_ = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/smd_keys_test_XXXXXX");
    int fd = mkstemp(path_.data());
    ASSERT_GE(fd, 0);
    std::string contents = GoodFile();
    ASSERT_EQ(write(fd, contents.data(), contents.size()), static_cast<ssize_t>(contents.size()));
    close(fd);
  }
  void TearDown() override { unlink(path_.c_str()); }

  std::string path_;
};

TEST_F(CryptoKeyFileLoad, AcceptsMode0600) {
  ASSERT_EQ(chmod(path_.c_str(), 0600), 0);
  auto keys = LoadKeyFile(path_);
  ASSERT_TRUE(keys.ok()) << keys.status();
  EXPECT_EQ(keys->field_key_id, 7);
}

TEST_F(CryptoKeyFileLoad, RefusesMode0644) {
  ASSERT_EQ(chmod(path_.c_str(), 0644), 0);
  auto keys = LoadKeyFile(path_);
  EXPECT_EQ(keys.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(Msg(keys.status()), HasSubstr("chmod 600"));
  EXPECT_THAT(Msg(keys.status()), HasSubstr("0644"));
}

TEST_F(CryptoKeyFileLoad, MissingFileIsNotFound) {
  EXPECT_EQ(LoadKeyFile(path_ + ".missing").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace smd::crypto
