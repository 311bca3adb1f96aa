// The audit anchor file (crypto/audit_anchor.h): append-only lines, read back whole, and
// never a torn line in the middle.

#include "crypto/audit_anchor.h"

#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>

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
  void AppendRaw(const std::string& bytes) {
    std::ofstream(path_, std::ios::app | std::ios::binary) << bytes;
  }
  // The part of Cp(2)'s line that a crash in the middle of its write leaves.
  std::string TornLine() { return AnchorLine(Cp(2), "x").substr(0, 90); }

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

TEST_F(AnchorFileTest, OpeningCutsOffATornLineSoTheNextLineStartsOnItsOwn) {
  {
    AnchorFile a(path_);
    ASSERT_TRUE(a.Append(Cp(1), "x").ok());
  }
  const std::string before = Contents();
  AppendRaw(TornLine());  // the power went out in the middle of the next line
  AnchorFile again(path_);
  ASSERT_TRUE(again.Open().ok());
  EXPECT_EQ(Contents(), before);
  ASSERT_TRUE(again.Append(Cp(3), "x").ok());
  auto all = again.ReadAll();
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0], Cp(1));
  EXPECT_EQ((*all)[1], Cp(3));
}

TEST_F(AnchorFileTest, AppendingAfterAnotherWritersTornLineKeepsTheFileReadable) {
  AnchorFile a(path_);
  ASSERT_TRUE(a.Open().ok());
  ASSERT_TRUE(a.Append(Cp(1), "x").ok());
  AppendRaw(TornLine());  // another process on this host crashed while appending
  ASSERT_TRUE(a.Append(Cp(3), "x").ok());
  auto all = a.ReadAll();
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[1], Cp(3));
  // Blocks of zeros (a file system that grew the file but never wrote its data) too.
  AppendRaw(std::string(300, '\0'));
  ASSERT_TRUE(a.Append(Cp(4), "x").ok());
  all = a.ReadAll();
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[2], Cp(4));
}

TEST_F(AnchorFileTest, AShortWriteIsTakenBack) {
  AnchorFile a(path_);
  ASSERT_TRUE(a.Append(Cp(1), "x").ok());
  const std::string before = Contents();
  // The file may grow by 40 more bytes only: the next line's write(2) comes out short, as on
  // a full disk.
  rlimit old{};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit small = old;
  small.rlim_cur = before.size() + 40;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  const absl::Status s = a.Append(Cp(2), "x");
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &old), 0);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_TRUE(absl::IsUnavailable(s)) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("only 40 of"));
  EXPECT_EQ(Contents(), before);
  ASSERT_TRUE(a.Append(Cp(3), "x").ok());
  auto all = a.ReadAll();
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[1], Cp(3));
}

TEST_F(AnchorFileTest, AnEndThatIsNoAnchorLineIsLeftAlone) {
  // A path naming some other file by mistake: its end is not cut off.
  AppendRaw("an operator's notes\nthat do not end in a newline");
  const std::string before = Contents();
  AnchorFile a(path_);
  const absl::Status s = a.Open();
  EXPECT_TRUE(absl::IsUnavailable(s)) << s;
  EXPECT_THAT(std::string(s.message()), HasSubstr("not part of an anchor line"));
  EXPECT_TRUE(absl::IsUnavailable(a.Append(Cp(1), "x")));
  EXPECT_EQ(Contents(), before);
}

TEST_F(AnchorFileTest, NewestPositionReadsOnlyTheEndOfTheFile) {
  // A damaged line near the start (reported by ReadAll) does not stop the sealer from
  // learning where the file ends; 400 lines are more than the 64 KiB read.
  AppendRaw("garbage\n");
  std::string lines;
  for (int p = 1; p <= 400; ++p) lines += AnchorLine(Cp(p), "x") + "\n";
  AppendRaw(lines);
  ASSERT_GT(Contents().size(), 64u * 1024);
  AnchorFile a(path_);
  EXPECT_TRUE(absl::IsDataLoss(a.ReadAll().status()));
  auto newest = a.NewestPosition();
  ASSERT_TRUE(newest.ok()) << newest.status();
  EXPECT_EQ(*newest, 400);
}

TEST_F(AnchorFileTest, NewestPositionReadsTheWholeFileWhenItsEndHoldsNoCompleteLine) {
  {
    AnchorFile a(path_);
    ASSERT_TRUE(a.Append(Cp(7), "x").ok());
  }
  AppendRaw(std::string(70 * 1024, 'x'));  // no newline
  auto newest = AnchorFile(path_).NewestPosition();
  ASSERT_TRUE(newest.ok()) << newest.status();
  EXPECT_EQ(*newest, 7);
  // A malformed line in the end: the whole file is read, and its line named.
  std::remove(path_.c_str());
  AppendRaw("garbage\n");
  newest = AnchorFile(path_).NewestPosition();
  EXPECT_TRUE(absl::IsDataLoss(newest.status())) << newest.status();
  EXPECT_THAT(std::string(newest.status().message()), HasSubstr("line 1"));
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
