#pragma once
// Synthetic identifiers for tests and benchmarks, made at run time: resident ID numbers
// (GB 11643) from a seed, and phone numbers that cannot be dialled. No test, fixture or
// example writes a checksum-valid ID number or a diallable phone number by hand: such a
// number may be a real person's. Header-only (needs only domain/resident_id.h), so unit
// tests, integration tests and benches share it. Pure functions, thread-safe.

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "absl/time/civil_time.h"
#include "domain/resident_id.h"

namespace smd::testing {

// The first 17 characters of a synthetic ID: the 6-digit region prefix (default 320106,
// 鼓楼区, the demo district), the birth date (YYYYMMDD) and a 3-digit sequence (`seq` mod
// 1000; its parity gives the sex: odd male, even female).
inline std::string SyntheticIdFirst17(absl::CivilDay birth, int seq,
                                      std::string_view region = "320106") {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d%02d%02d%03d", static_cast<int>(birth.year()),
                birth.month(), birth.day(), ((seq % 1000) + 1000) % 1000);
  return std::string(region) + buf;
}

// A synthetic, checksum-valid resident ID: SyntheticIdFirst17 + the ISO 7064 MOD 11-2 check
// character (domain::ComputeCheckChar). The same seed gives the same number.
inline std::string SyntheticIdNumber(absl::CivilDay birth, int seq,
                                     std::string_view region = "320106") {
  const std::string first17 = SyntheticIdFirst17(birth, seq, region);
  return first17 + domain::ComputeCheckChar(first17);
}

// The same with the birth date as "YYYYMMDD" (e.g. "19850315"); dies on a malformed date.
inline std::string SyntheticIdNumber(const std::string& birth_yyyymmdd, int seq) {
  int y = 0, m = 0, d = 0;
  if (birth_yyyymmdd.size() != 8 ||
      std::sscanf(birth_yyyymmdd.c_str(), "%4d%2d%2d", &y, &m, &d) != 3) {
    std::fprintf(stderr, "SyntheticIdNumber: bad birth date %s\n", birth_yyyymmdd.c_str());
    std::abort();
  }
  return SyntheticIdNumber(absl::CivilDay(y, m, d), seq);
}

// The same 17 digits with a wrong check character (the valid one's successor in
// "0123456789X"): an ID number that fails only its checksum.
inline std::string SyntheticIdNumberBadCheck(absl::CivilDay birth, int seq,
                                             std::string_view region = "320106") {
  static constexpr std::string_view kChars = "0123456789X";
  const std::string first17 = SyntheticIdFirst17(birth, seq, region);
  const std::size_t at = kChars.find(domain::ComputeCheckChar(first17));
  return first17 + kChars[(at + 1) % kChars.size()];
}

// A phone number that cannot be dialled from mainland China, "0000-nnnnnnn" (n: `n` mod 10^7,
// zero-padded). Mainland numbering (MIIT 电信网编号计划 (2017年版)): "0" is the domestic
// trunk prefix and "00" the international prefix, so "0000..." dials abroad to a country
// code beginning with 0, and no such code exists: ITU-T E.164 country codes begin with a
// world-zone digit 1-9 (ITU-T E.164 and its annex, the list of assigned country codes). For
// the same reason "+0..." (international form, country code 0) is used where a test needs
// the "+" form. It passes domain::CheckPhone (7 to 20 digits, one '-' between digits).
inline std::string UndiallablePhone(int n) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0000-%07d", ((n % 10000000) + 10000000) % 10000000);
  return buf;
}

}  // namespace smd::testing
