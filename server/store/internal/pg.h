#pragma once
// Private to store/: conversions between PostgreSQL text/binary values and C++ types.
// Every connection runs with TIME ZONE 'UTC' (db.cc), so timestamptz text is "+00".

#include <pqxx/pqxx>

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace smd::store::pg {

inline std::string Time(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M:%E6S+00", t, absl::UTCTimeZone());
}

inline absl::Time ParseTime(const std::string& s) {
  absl::Time t;
  std::string err;
  // "2026-11-23 08:00:00.123456+00": complete the offset for %Ez.
  std::string full = s;
  if (full.size() >= 3 && (full[full.size() - 3] == '+' || full[full.size() - 3] == '-')) {
    full += ":00";
  }
  if (!absl::ParseTime("%Y-%m-%d %H:%M:%E*S%Ez", full, &t, &err)) return absl::InfinitePast();
  return t;
}

inline absl::Time TimeField(const pqxx::field& f) {
  return f.is_null() ? absl::InfinitePast() : ParseTime(f.as<std::string>());
}

inline std::optional<absl::Time> OptTimeField(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return ParseTime(f.as<std::string>());
}

inline std::string Day(absl::CivilDay d) { return absl::FormatCivilTime(d); }

inline std::optional<std::string> OptDay(const std::optional<absl::CivilDay>& d) {
  if (!d) return std::nullopt;
  return Day(*d);
}

inline std::optional<std::string> OptTime(const std::optional<absl::Time>& t) {
  if (!t) return std::nullopt;
  return Time(*t);
}

inline absl::CivilDay DayField(const pqxx::field& f) {
  absl::CivilDay d;
  if (!f.is_null()) absl::ParseCivilTime(f.as<std::string>(), &d);
  return d;
}

inline std::optional<absl::CivilDay> OptDayField(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return DayField(f);
}

inline pqxx::binarystring Bytes(const std::string& s) { return pqxx::binarystring(s); }

inline std::string BytesField(const pqxx::field& f) {
  if (f.is_null()) return {};
  return pqxx::binarystring(f).str();
}

inline std::string Str(const pqxx::field& f) { return f.is_null() ? std::string() : f.as<std::string>(); }

// PostgreSQL array literals of ints ("{1,2,3}") and of plain tokens such as UUIDs.
inline std::string IntArray(const std::vector<int>& v) {
  return absl::StrCat("{", absl::StrJoin(v, ","), "}");
}

inline std::string TextArray(const std::vector<std::string>& v) {
  return absl::StrCat("{", absl::StrJoin(v, ","), "}");
}

// A PostgreSQL array literal of arbitrary text (every element quoted and escaped), for the
// set-based statements that take one element per row (unnest). Elements may hold commas,
// quotes, braces or backslashes; none may be NULL.
inline std::string QuotedArray(const std::vector<std::string>& v) {
  std::string out = "{";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out += ',';
    out += '"';
    for (char c : v[i]) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '}';
  return out;
}

inline std::vector<std::string> ParseArray(const std::string& s) {
  std::vector<std::string> out;
  absl::string_view body(s);
  if (body.size() >= 2) body = body.substr(1, body.size() - 2);
  for (absl::string_view part : absl::StrSplit(body, ',', absl::SkipEmpty())) {
    out.emplace_back(part);
  }
  return out;
}

inline std::vector<int> ParseIntArray(const std::string& s) {
  std::vector<int> out;
  for (const std::string& part : ParseArray(s)) {
    int v = 0;
    if (absl::SimpleAtoi(part, &v)) out.push_back(v);
  }
  return out;
}

// Optional text parameter: empty string -> NULL.
inline std::optional<std::string> NullIfEmpty(const std::string& s) {
  if (s.empty()) return std::nullopt;
  return s;
}

}  // namespace smd::store::pg
