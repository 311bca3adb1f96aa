// smdctl's pure pieces: argument parsing, display width of Chinese text, table alignment,
// and the exit code of a command that never reaches a server.

#include <sstream>

#include "args.h"
#include "commands.h"
#include "gtest/gtest.h"
#include "output.h"

namespace smdctl {
namespace {

TEST(SmdctlArgs, FlagsValuesBooleansAndPositionals) {
  auto a = ParseArgs({"metrics", "show", "--region", "320106001", "--children", "--year=2025",
                      "--", "--not-a-flag"},
                     {"children"});
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->positional, (std::vector<std::string>{"metrics", "show", "--not-a-flag"}));
  EXPECT_EQ(a->Get("region"), "320106001");
  EXPECT_TRUE(a->Has("children"));
  EXPECT_EQ(*a->GetInt("year", 0), 2025);
  EXPECT_EQ(*a->GetInt("absent", 7), 7);
  EXPECT_FALSE(ParseArgs({"--region"}, {}).ok()) << "a value flag needs its value";
  auto bad = ParseArgs({"--year", "二〇二五"}, {});
  ASSERT_TRUE(bad.ok());
  EXPECT_FALSE(bad->GetInt("year", 0).ok());
}

TEST(SmdctlOutput, ChineseCountsTwoColumns) {
  EXPECT_EQ(DisplayWidth("abc"), 3);
  EXPECT_EQ(DisplayWidth("宁海路街道"), 10);
  EXPECT_EQ(DisplayWidth("在管率97%"), 9);
  EXPECT_EQ(DisplayWidth("（全角）"), 8);
}

TEST(SmdctlOutput, TableColumnsLineUp) {
  Table t{{"地区", "值"}, {{"宁海路街道", "1"}, {"x", "22"}}};
  std::ostringstream out;
  t.Print(out);
  EXPECT_EQ(out.str(),
            "地区        值\n"
            "----------  --\n"
            "宁海路街道  1\n"
            "x           22\n");
}

TEST(SmdctlExitCodes, UsageErrorsSendNothing) {
  std::ostringstream out, err;
  std::istringstream in;
  EXPECT_EQ(smdctl::Run({}, out, err, in), kUsage);
  EXPECT_EQ(smdctl::Run({"no-such-command", "--insecure"}, out, err, in), kUsage);
  EXPECT_NE(err.str().find("unknown command"), std::string::npos);
  EXPECT_EQ(smdctl::Run({"help"}, out, err, in), kOk);
  EXPECT_NE(out.str().find("exit codes"), std::string::npos);
}

}  // namespace
}  // namespace smdctl
