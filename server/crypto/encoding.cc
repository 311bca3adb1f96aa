#include "crypto/encoding.h"

#include "absl/status/status.h"
#include "absl/strings/escaping.h"

namespace smd::crypto {
namespace {

// Debian's Abseil is built with its own absl::string_view (ABSL_OPTION_USE_STD_STRING_VIEW 0),
// which does not convert implicitly from std::string_view.
absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsBase64UrlChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

}  // namespace

std::string HexEncode(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) {
    out.push_back(kDigits[b >> 4]);
    out.push_back(kDigits[b & 0x0f]);
  }
  return out;
}

absl::StatusOr<std::string> HexDecode(std::string_view hex) {
  if (hex.size() % 2 != 0) return absl::InvalidArgumentError("hex: odd number of digits");
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = HexValue(hex[i]);
    int lo = HexValue(hex[i + 1]);
    if (hi < 0 || lo < 0) return absl::InvalidArgumentError("hex: invalid character");
    out.push_back(static_cast<char>((hi << 4) | lo));
  }
  return out;
}

std::string Base64UrlEncode(std::string_view bytes) { return absl::WebSafeBase64Escape(AV(bytes)); }

absl::StatusOr<std::string> Base64UrlDecode(std::string_view text) {
  // absl's decoder is lenient (padding, whitespace, stray trailing bits); checking the
  // alphabet first and re-encoding afterwards makes the accepted text canonical.
  if (text.size() % 4 == 1) return absl::InvalidArgumentError("base64url: invalid length");
  for (char c : text) {
    if (!IsBase64UrlChar(c)) return absl::InvalidArgumentError("base64url: invalid character");
  }
  std::string out;
  if (!absl::WebSafeBase64Unescape(AV(text), &out) || absl::WebSafeBase64Escape(out) != text) {
    return absl::InvalidArgumentError("base64url: malformed input");
  }
  return out;
}

}  // namespace smd::crypto
