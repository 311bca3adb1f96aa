#pragma once
// smdctl's own words in Chinese (the default) and English (--lang en): column labels,
// prompts and messages. Server error messages arrive already bilingual.

#include <string>

namespace smdctl {

enum class Lang { kZh, kEn };

// The text of `key` in `lang`; the key itself when unknown (a missing translation shows
// up in review instead of printing nothing).
std::string T(Lang lang, const std::string& key);

}  // namespace smdctl
