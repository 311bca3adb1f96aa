#pragma once
// Checks on free text and phone numbers typed into forms (rules.md §7 registration form;
// also usable for user display names). Pure functions, thread-safe.

#include <cstddef>
#include <optional>
#include <string_view>

#include "absl/status/status.h"

namespace smd::domain {

// Number of Unicode code points in `text`, or nullopt when `text` is not valid UTF-8
// (overlong forms, surrogates and code points above U+10FFFF are invalid).
std::optional<std::size_t> Utf8Length(std::string_view text);

// True when `text` is empty or consists only of ASCII whitespace and U+3000 (ideographic
// space, common in Chinese input). Assumes valid UTF-8.
bool IsBlank(std::string_view text);

enum class TextLines { kSingle, kMulti };

// Checks a text field. OK when the text is empty and not required. Otherwise it must be
// valid UTF-8, not blank when required, at most `max_chars` code points, and free of control
// characters (C0, DEL, C1); kMulti also allows tab, CR and LF.
// Errors: INVALID_ARGUMENT naming `field` (required / invalid UTF-8 / too long / control
// characters), never the value.
absl::Status CheckText(std::string_view field, std::string_view value, bool required,
                       std::size_t max_chars, TextLines lines = TextLines::kSingle);

// Checks a phone number (rules.md §7 电话 fields): an optional leading '+', then 7 to 20
// digits; a single '-' or space may separate two digits. OK when empty and not required.
// Errors: INVALID_ARGUMENT naming `field` (required / format).
absl::Status CheckPhone(std::string_view field, std::string_view value, bool required);

}  // namespace smd::domain
