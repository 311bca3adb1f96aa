#include "domain/diagnosis.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "unit/domain/test_helpers.h"

namespace smd::domain {
namespace {

using ::smd::domain::testing::IsFieldError;
using ::smd::domain::testing::IsOk;
using ::testing::HasSubstr;

struct Case {
  DiagnosisCategory category;
  const char* code;
  bool ok;
};

// Readable test names in ctest: "category 1, F20.0, accepted".
void PrintTo(const Case& c, std::ostream* os) {
  *os << "category " << static_cast<int>(c.category) << ", " << c.code << ", "
      << (c.ok ? "accepted" : "refused");
}

class CheckIcd10Test : public ::testing::TestWithParam<Case> {};

TEST_P(CheckIcd10Test, AcceptsOnlyTheCategoryBlock) {
  const Case& c = GetParam();
  absl::Status s = CheckIcd10(c.category, c.code);
  if (c.ok) {
    EXPECT_THAT(s, IsOk());
  } else {
    EXPECT_THAT(s, IsFieldError("icd10"));
    EXPECT_THAT(std::string(s.message()), HasSubstr("does not belong to the chosen"));
  }
}

INSTANTIATE_TEST_SUITE_P(
    Rules1, CheckIcd10Test,
    ::testing::Values(Case{DiagnosisCategory::kSchizophrenia, "F20", true},
                      Case{DiagnosisCategory::kSchizophrenia, "F20.0", true},
                      Case{DiagnosisCategory::kSchizophrenia, "F20.01", true},
                      Case{DiagnosisCategory::kSchizophrenia, "F25.0", false},
                      Case{DiagnosisCategory::kSchizoaffective, "F25.1", true},
                      Case{DiagnosisCategory::kSchizoaffective, "F20.1", false},
                      Case{DiagnosisCategory::kPersistentDelusional, "F22.0", true},
                      Case{DiagnosisCategory::kPersistentDelusional, "F23.0", false},
                      Case{DiagnosisCategory::kBipolar, "F31.2", true},
                      Case{DiagnosisCategory::kBipolar, "F32.2", false},
                      Case{DiagnosisCategory::kEpilepsyRelated, "F06.8", true},
                      Case{DiagnosisCategory::kEpilepsyRelated, "G40.9", false},
                      Case{DiagnosisCategory::kIntellectualDisabilityRelated, "F70", true},
                      Case{DiagnosisCategory::kIntellectualDisabilityRelated, "F79.1", true},
                      Case{DiagnosisCategory::kIntellectualDisabilityRelated, "F72.1X", true},
                      Case{DiagnosisCategory::kIntellectualDisabilityRelated, "F80.0", false},
                      Case{DiagnosisCategory::kIntellectualDisabilityRelated, "F69", false},
                      Case{DiagnosisCategory::kIntellectualDisabilityRelated, "G70", false}));

TEST(CheckIcd10, CategoryIsRequired) {
  EXPECT_THAT(CheckIcd10(DiagnosisCategory::kUnspecified, "F20.0"), IsFieldError("diagnosis"));
  EXPECT_THAT(CheckIcd10(static_cast<DiagnosisCategory>(7), "F20.0"), IsFieldError("diagnosis"));
  EXPECT_THAT(CheckIcd10(static_cast<DiagnosisCategory>(-1), "F20.0"), IsFieldError("diagnosis"));
}

TEST(CheckIcd10, CodeIsRequired) {
  absl::Status s = CheckIcd10(DiagnosisCategory::kSchizophrenia, "");
  EXPECT_THAT(s, IsFieldError("icd10"));
  EXPECT_THAT(std::string(s.message()), HasSubstr("required"));
}

TEST(CheckIcd10, LowercaseHasItsOwnReason) {
  for (const char* code : {"f20.0", "f20", "F20.x", "F72.1x"}) {
    absl::Status s = CheckIcd10(DiagnosisCategory::kSchizophrenia, code);
    EXPECT_THAT(s, IsFieldError("icd10"));
    EXPECT_THAT(std::string(s.message()), HasSubstr("uppercase")) << code;
  }
}

TEST(CheckIcd10, RejectsMalformedCodes) {
  for (const char* code : {"F2", "F200", "F20.", "F20.123", "F20-0", "20.0", "FF0.0", " F20.0",
                           "F20.0 ", "F2O.0", "F20..", "F20.0.", "Ｆ20"}) {
    absl::Status s = CheckIcd10(DiagnosisCategory::kSchizophrenia, code);
    EXPECT_THAT(s, IsFieldError("icd10"));
    EXPECT_THAT(std::string(s.message()), HasSubstr("must look like")) << code;
  }
}

TEST(DiagnosisNameZh, NamesTheSixDisorders) {
  EXPECT_EQ(DiagnosisNameZh(DiagnosisCategory::kSchizophrenia), "精神分裂症");
  EXPECT_EQ(DiagnosisNameZh(DiagnosisCategory::kSchizoaffective), "分裂情感性障碍");
  EXPECT_EQ(DiagnosisNameZh(DiagnosisCategory::kPersistentDelusional), "偏执性精神病");
  EXPECT_EQ(DiagnosisNameZh(DiagnosisCategory::kBipolar), "双相情感障碍");
  EXPECT_EQ(DiagnosisNameZh(DiagnosisCategory::kEpilepsyRelated), "癫痫所致精神障碍");
  EXPECT_EQ(DiagnosisNameZh(DiagnosisCategory::kIntellectualDisabilityRelated),
            "精神发育迟滞伴发精神障碍");
  EXPECT_EQ(DiagnosisNameZh(DiagnosisCategory::kUnspecified), "");
  EXPECT_EQ(DiagnosisNameZh(static_cast<DiagnosisCategory>(9)), "");
}

}  // namespace
}  // namespace smd::domain
