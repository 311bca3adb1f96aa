#include "crypto/blind_index.h"

#include "absl/strings/ascii.h"
#include "crypto/hash.h"

namespace smd::crypto {
namespace {

constexpr std::string_view kIdeographicSpace = "\xE3\x80\x80";  // U+3000 in UTF-8

}  // namespace

namespace {

std::string IndexUnder(const std::string& key, std::string_view purpose,
                       std::string_view normalized_value) {
  // The NUL separator keeps ("ab", "c") and ("a", "bc") apart; purposes contain no NUL.
  std::string message;
  message.reserve(purpose.size() + 1 + normalized_value.size());
  message.append(purpose).push_back('\0');
  message.append(normalized_value);
  return HmacSha256(key, message);
}

}  // namespace

std::string BlindIndex(const KeyRing& keys, std::string_view purpose,
                       std::string_view normalized_value) {
  return IndexUnder(keys.index_key, purpose, normalized_value);
}

std::vector<std::string> BlindIndexes(const KeyRing& keys, std::string_view purpose,
                                      std::string_view normalized_value) {
  std::vector<std::string> out = {IndexUnder(keys.index_key, purpose, normalized_value)};
  for (const auto& [id, key] : keys.other_index_keys) {
    out.push_back(IndexUnder(key, purpose, normalized_value));
  }
  return out;
}

std::string NormalizeName(std::string_view utf8_name) {
  std::string_view s = utf8_name;
  for (bool changed = true; changed;) {
    changed = false;
    if (!s.empty() && absl::ascii_isspace(static_cast<unsigned char>(s.front()))) {
      s.remove_prefix(1);
      changed = true;
    } else if (s.substr(0, kIdeographicSpace.size()) == kIdeographicSpace) {
      s.remove_prefix(kIdeographicSpace.size());
      changed = true;
    }
    if (!s.empty() && absl::ascii_isspace(static_cast<unsigned char>(s.back()))) {
      s.remove_suffix(1);
      changed = true;
    } else if (s.size() >= kIdeographicSpace.size() &&
               s.substr(s.size() - kIdeographicSpace.size()) == kIdeographicSpace) {
      s.remove_suffix(kIdeographicSpace.size());
      changed = true;
    }
  }
  std::string out(s);
  absl::AsciiStrToUpper(&out);
  return out;
}

}  // namespace smd::crypto
