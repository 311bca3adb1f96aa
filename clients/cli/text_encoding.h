#pragma once
// The character encodings of the files offices really have (docs/import.md "Encodings"):
// UTF-8 (with or without a byte-order mark) and GB18030, the superset of the GBK (and
// GB2312) that Excel on Chinese Windows writes as "CSV". Conversions go through glibc's
// iconv. Pure apart from iconv: no files, no global state.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace smdctl {

enum class TextEncoding { kAuto, kUtf8, kGb18030 };

// The --encoding flag: "" or "auto" = kAuto; "utf-8"/"utf8" = kUtf8; "gbk", "gb18030",
// "gb2312", "cp936" (any case) = kGb18030 (GB18030 reads every GBK and GB2312 file the
// same way and writes every character GBK has with GBK's bytes). INVALID_ARGUMENT naming
// --encoding otherwise.
absl::StatusOr<TextEncoding> ParseEncoding(const std::string& name);

// "UTF-8" or "GB18030" (for messages).
const char* EncodingName(TextEncoding e);

// The length of the first byte sequence of `s` that is not well-formed UTF-8 (overlong
// forms, surrogates and code points above U+10FFFF are not), with its offset in *at;
// 0 when all of `s` is well-formed.
size_t InvalidUtf8At(std::string_view s, size_t* at);

// What a file without a declared encoding is: UTF-8 when it is well-formed UTF-8, or
// when it is mostly UTF-8 (at least 4 well-formed multi-byte characters for each bad
// sequence: a UTF-8 file with a damaged byte, whose bad bytes are then reported where they
// are rather than the whole file read as GB18030 mojibake); GB18030 otherwise. A leading
// UTF-8 byte-order mark means UTF-8.
TextEncoding DetectEncoding(std::string_view bytes);

// `bytes` as UTF-8. INVALID_ARGUMENT when they are not text in `from` (kUtf8 or kGb18030):
// "无法按 GB18030 解码的字节 (bytes that are not GB18030): 0xFF 0x41", the offending
// bytes in hex (never the text around them: it may be a name or an ID number).
absl::StatusOr<std::string> DecodeToUtf8(std::string_view bytes, TextEncoding from);

// UTF-8 text in GB18030 (GBK's bytes for every character GBK has). INVALID_ARGUMENT on
// text that is not well-formed UTF-8.
absl::StatusOr<std::string> Utf8ToGb18030(std::string_view utf8);

// "0xE5 0xA7": up to `max` bytes of `s` in hex.
std::string HexBytes(std::string_view s, size_t max = 4);

}  // namespace smdctl
