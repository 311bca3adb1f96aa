#include "domain/text.h"

#include <cstdint>

#include "absl/strings/str_cat.h"
#include "domain/errors.h"

namespace smd::domain {
namespace {

// Decodes the code point at text[*pos] and advances *pos; nullopt on invalid UTF-8.
std::optional<char32_t> NextCodePoint(std::string_view text, std::size_t* pos) {
  const auto byte = [&](std::size_t i) { return static_cast<std::uint8_t>(text[i]); };
  const std::uint8_t lead = byte(*pos);
  std::size_t extra = 0;
  char32_t cp = 0;
  char32_t min = 0;
  if (lead < 0x80) {
    ++*pos;
    return lead;
  } else if ((lead & 0xE0) == 0xC0) {
    extra = 1;
    cp = lead & 0x1F;
    min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    extra = 2;
    cp = lead & 0x0F;
    min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    extra = 3;
    cp = lead & 0x07;
    min = 0x10000;
  } else {
    return std::nullopt;
  }
  if (*pos + extra >= text.size()) {  // truncated sequence
    return std::nullopt;
  }
  for (std::size_t i = 1; i <= extra; ++i) {
    const std::uint8_t b = byte(*pos + i);
    if ((b & 0xC0) != 0x80) {
      return std::nullopt;
    }
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
    return std::nullopt;
  }
  *pos += extra + 1;
  return cp;
}

bool IsControl(char32_t cp, TextLines lines) {
  if (lines == TextLines::kMulti && (cp == '\t' || cp == '\n' || cp == '\r')) {
    return false;
  }
  return cp < 0x20 || (cp >= 0x7F && cp <= 0x9F);
}

bool IsAsciiDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::optional<std::size_t> Utf8Length(std::string_view text) {
  std::size_t pos = 0;
  std::size_t count = 0;
  while (pos < text.size()) {
    if (!NextCodePoint(text, &pos).has_value()) {
      return std::nullopt;
    }
    ++count;
  }
  return count;
}

bool IsBlank(std::string_view text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    const std::optional<char32_t> cp = NextCodePoint(text, &pos);
    if (!cp.has_value()) {
      return false;
    }
    const bool space = *cp == ' ' || *cp == '\t' || *cp == '\n' || *cp == '\r' || *cp == '\v' ||
                       *cp == '\f' || *cp == 0x3000;
    if (!space) {
      return false;
    }
  }
  return true;
}

absl::Status CheckText(std::string_view field, std::string_view value, bool required,
                       std::size_t max_chars, TextLines lines) {
  if (value.empty()) {
    return required ? FieldError(field, "必填", "required") : absl::OkStatus();
  }
  std::size_t pos = 0;
  std::size_t count = 0;
  bool control = false;
  while (pos < value.size()) {
    const std::optional<char32_t> cp = NextCodePoint(value, &pos);
    if (!cp.has_value()) {
      return FieldError(field, "不是有效的UTF-8文本", "not valid UTF-8 text");
    }
    control = control || IsControl(*cp, lines);
    ++count;
  }
  if (required && IsBlank(value)) {
    return FieldError(field, "必填", "required");
  }
  if (count > max_chars) {
    return FieldError(field, absl::StrCat("不能超过", max_chars, "个字符"),
                      absl::StrCat("must be at most ", max_chars, " characters"));
  }
  if (control) {
    return FieldError(field, "含有控制字符", "contains control characters");
  }
  return absl::OkStatus();
}

absl::Status CheckPhone(std::string_view field, std::string_view value, bool required) {
  if (value.empty()) {
    return required ? FieldError(field, "必填", "required") : absl::OkStatus();
  }
  std::string_view rest = value;
  if (rest.front() == '+') {
    rest.remove_prefix(1);
  }
  int digits = 0;
  bool ok = !rest.empty() && IsAsciiDigit(rest.front()) && IsAsciiDigit(rest.back());
  for (std::size_t i = 0; ok && i < rest.size(); ++i) {
    const char c = rest[i];
    if (IsAsciiDigit(c)) {
      ++digits;
    } else if (c == '-' || c == ' ') {
      // Separators only between two digits: the ends are digits (checked above), and a
      // separator may not follow another one.
      ok = IsAsciiDigit(rest[i - 1]);
    } else {
      ok = false;
    }
  }
  if (!ok || digits < 7 || digits > 20) {
    return FieldError(field, "电话号码格式错误",
                      "must be 7 to 20 digits, optionally with a leading + and single - or "
                      "spaces between digits");
  }
  return absl::OkStatus();
}

}  // namespace smd::domain
