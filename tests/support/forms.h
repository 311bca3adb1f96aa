#pragma once
// Follow-up forms and dates shared by the integration suites.

#include "absl/time/civil_time.h"
#include "smd/v1/followups.pb.h"

namespace smd::testing {

v1::Date D(int y, int m, int d);
v1::Date D(absl::CivilDay day);
// Today in Beijing (the server's calendar).
absl::CivilDay TodayBeijing();

// A complete visit form (national form, risperidone 2+2 mg, home visit). Risk 0 with
// everything good is fully stable (rules.md C01); risk >= 3 marks symptoms and partial
// insight, as a real form would.
v1::FollowUpForm Form(v1::Date date, int risk);

}  // namespace smd::testing
