// The audit anchor file (crypto/audit_anchor.h): append-only lines, read back whole.

#include "crypto/audit_anchor.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "test_keys.h"

namespace smd::crypto {
namespace {

using ::testing::HasSubstr;

class AnchorFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TMPDIR");
    dir_ = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/smd_anchor_test_XXXXXX");
    ASSERT_NE(::mkdtemp(dir_.data()), nullptr);
    path_ = dir_ + "/audit-anchor.log";
  }
  void TearDown() override {
    std::remove(path_.c_str());
    ::rmdir(dir_.c_str());
  }
  Checkpoint Cp(int64_t position) {
    return SignCheckpoint(signer_, position, std::string(32, static_cast<char>(position)),
                          static_cast<uint64_t>(position) * 10);
  }
  std::string Contents() {
    std::ifstream in(path_);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

  Signer signer_{test::TestKeys()};
  std::string dir_, path_;
};

TEST_F(AnchorFileTest, AppendsAndReadsBack) {
  AnchorFile a(path_);
  EXPECT_TRUE(absl::IsNotFound(a.ReadAll().status()));
  auto none = a.NewestPosition();
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, 0);
  ASSERT_TRUE(a.Open().ok());
  struct stat st {};
  ASSERT_EQ(::stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_TRUE(a.Append(Cp(10), "t1").ok());
  ASSERT_TRUE(a.Append(Cp(20), "t2").ok());
  // A second writer on the same file (another server process on this host) appends too.
  AnchorFile b(path_);
  ASSERT_TRUE(b.Append(Cp(15), "").ok());
  auto all = a.ReadAll();
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0], Cp(10));
  EXPECT_EQ((*all)[1], Cp(20));
  EXPECT_EQ((*all)[2], Cp(15));
  EXPECT_EQ(*a.NewestPosition(), 20);
}

TEST_F(AnchorFileTest, OpeningNeverTruncates) {
  {
    AnchorFile a(path_);
    ASSERT_TRUE(a.Append(Cp(1), "x").ok());
  }
  AnchorFile again(path_);
  ASSERT_TRUE(again.Open().ok());
  EXPECT_EQ(again.ReadAll()->size(), 1u);
}

TEST_F(AnchorFileTest, ALineCutShortByACrashIsIgnored) {
  {
    AnchorFile a(path_);
    ASSERT_TRUE(a.Append(Cp(1), "x").ok());
  }
  std::ofstream(path_, std::ios::app) << "smd-audit-anchor-v1 2 abcd";  // no newline
  auto all = AnchorFile(path_).ReadAll();
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_EQ(all->size(), 1u);
}

TEST_F(AnchorFileTest, ADamagedLineIsDataLossNamingTheLine) {
  {
    AnchorFile a(path_);
    ASSERT_TRUE(a.Append(Cp(1), "x").ok());
  }
  std::ofstream(path_, std::ios::app) << "garbage\n";
  auto all = AnchorFile(path_).ReadAll();
  EXPECT_TRUE(absl::IsDataLoss(all.status())) << all.status();
  EXPECT_THAT(all.status().message(), HasSubstr("line 2"));
  EXPECT_THAT(std::string(all.status().message()), ::testing::Not(HasSubstr("garbage")));
}

TEST_F(AnchorFileTest, ARemovedOrRotatedFileIsWrittenAtItsPathAgain) {
  AnchorFile a(path_);
  ASSERT_TRUE(a.Append(Cp(1), "x").ok());
  // Rotated: the old file renamed away; the next line goes to a new file at the path.
  const std::string rotated = path_ + ".1";
  ASSERT_EQ(std::rename(path_.c_str(), rotated.c_str()), 0);
  ASSERT_TRUE(a.Append(Cp(2), "x").ok());
  auto now = a.ReadAll();
  ASSERT_TRUE(now.ok()) << now.status();
  ASSERT_EQ(now->size(), 1u);
  EXPECT_EQ((*now)[0], Cp(2));
  EXPECT_EQ(AnchorFile(rotated).ReadAll()->size(), 1u);
  std::remove(rotated.c_str());
  // Removed: recreated.
  ASSERT_EQ(std::remove(path_.c_str()), 0);
  ASSERT_TRUE(a.Append(Cp(3), "x").ok());
  EXPECT_EQ(*a.NewestPosition(), 3);
}

TEST_F(AnchorFileTest, AnUnwritablePathIsUnavailable) {
  AnchorFile a(dir_ + "/no/such/dir/anchor.log");
  EXPECT_TRUE(absl::IsUnavailable(a.Open()));
  EXPECT_TRUE(absl::IsUnavailable(a.Append(Cp(1), "x")));
}

}  // namespace
}  // namespace smd::crypto
