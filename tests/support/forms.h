#pragma once
// Follow-up forms, registrations and dates shared by the integration suites,
// the benches and the HA client.

#include <string>

#include "absl/time/civil_time.h"
#include "smd/v1/followups.pb.h"
#include "smd/v1/patients.pb.h"

namespace smd::testing {

v1::Date D(int y, int m, int d);
v1::Date D(absl::CivilDay day);
// Today in Beijing (the server's calendar).
absl::CivilDay TodayBeijing();

// A complete visit form (national form, risperidone 2+2 mg, home visit). Risk 0
// with everything good is fully stable (rules.md C01); risk >= 3 marks symptoms
// and partial insight, as a real form would.
v1::FollowUpForm Form(v1::Date date, int risk);

// A complete synthetic registration of the n-th patient of a run (F20, consent
// by the guardian), in `community`. ID numbers are born from Jan 1 of
// `first_birth_year` on (one day per 1,000 patients): keep each program's years
// apart from the others' and from the demo seed's 1950-2003 so their ID numbers
// never clash. Names are "<name_prefix>NNNNN"; phones are undiallable, the
// guardian's offset by `guardian_phone_base`.
v1::PatientDetails SyntheticDetails(int n, const std::string& community, int first_birth_year,
                                    const std::string& name_prefix, int guardian_phone_base);

}  // namespace smd::testing
