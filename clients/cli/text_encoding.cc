#include "text_encoding.h"

#include <iconv.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace smdctl {
namespace {

// One iconv conversion of the whole of `in`. On a bad sequence, *bad_at is its offset.
absl::StatusOr<std::string> Iconv(const char* to, const char* from, std::string_view in,
                                  size_t* bad_at, bool* bad) {
  *bad = false;
  // One descriptor per direction and thread, kept for the process: a file is decoded cell
  // by cell, and opening a descriptor per cell would cost more than the conversion.
  thread_local std::map<std::pair<std::string, std::string>, iconv_t> open;
  iconv_t& cd = open[{to, from}];
  if (cd == nullptr) cd = iconv_open(to, from);
  if (cd == reinterpret_cast<iconv_t>(-1)) {
    return absl::InternalError(absl::StrCat("iconv: 不支持 (unsupported) ", from, " -> ", to));
  }
  iconv(cd, nullptr, nullptr, nullptr, nullptr);  // back to the initial state
  std::string out;
  char buf[4096];
  char* inp = const_cast<char*>(in.data());
  size_t inleft = in.size();
  while (inleft > 0) {
    char* outp = buf;
    size_t outleft = sizeof buf;
    const size_t r = iconv(cd, &inp, &inleft, &outp, &outleft);
    out.append(buf, static_cast<size_t>(outp - buf));
    if (r == static_cast<size_t>(-1)) {
      if (errno == E2BIG) continue;
      // EILSEQ: an invalid sequence; EINVAL: an incomplete one at the end.
      *bad = true;
      *bad_at = static_cast<size_t>(inp - in.data());
      break;
    }
  }
  return out;
}

// The bad sequence at `at` as a reader would want to see it: the first byte and the
// non-ASCII bytes after it, at most 4.
std::string BadBytes(std::string_view s, size_t at) {
  size_t n = 1;
  while (n < 4 && at + n < s.size() && static_cast<unsigned char>(s[at + n]) >= 0x80) ++n;
  return HexBytes(s.substr(at, n));
}

}  // namespace

absl::StatusOr<TextEncoding> ParseEncoding(const std::string& name) {
  const std::string n = absl::AsciiStrToLower(name);
  if (n.empty() || n == "auto") return TextEncoding::kAuto;
  if (n == "utf-8" || n == "utf8") return TextEncoding::kUtf8;
  if (n == "gbk" || n == "gb18030" || n == "gb2312" || n == "cp936") return TextEncoding::kGb18030;
  return absl::InvalidArgumentError(
      "--encoding: 须为 utf-8、gbk 或 gb18030 (must be utf-8, gbk or gb18030)");
}

const char* EncodingName(TextEncoding e) {
  return e == TextEncoding::kGb18030 ? "GB18030" : "UTF-8";
}

size_t InvalidUtf8At(std::string_view s, size_t* at) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len = 0;
    char32_t cp = 0, min = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2, cp = c & 0x1F, min = 0x80;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3, cp = c & 0x0F, min = 0x800;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4, cp = c & 0x07, min = 0x10000;
    }
    size_t k = 1;
    for (; len > 0 && k < len && i + k < s.size(); ++k) {
      const unsigned char t = static_cast<unsigned char>(s[i + k]);
      if ((t & 0xC0) != 0x80) break;
      cp = (cp << 6) | (t & 0x3F);
    }
    if (len == 0 || k < len || cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      *at = i;
      return std::max<size_t>(k, 1);
    }
    i += len;
  }
  *at = s.size();
  return 0;
}

TextEncoding DetectEncoding(std::string_view s) {
  if (s.substr(0, 3) == "\xEF\xBB\xBF") return TextEncoding::kUtf8;
  size_t good = 0, bad = 0;
  for (size_t i = 0; i < s.size();) {
    size_t at = 0;
    const size_t n = InvalidUtf8At(s.substr(i), &at);
    // Count the well-formed multi-byte characters before the bad sequence.
    for (size_t k = i; k < i + at; ++k) {
      const unsigned char c = static_cast<unsigned char>(s[k]);
      if (c >= 0xC0) ++good;
    }
    if (n == 0) break;
    ++bad;
    i += at + n;
  }
  if (bad == 0 || good >= 4 * bad) return TextEncoding::kUtf8;
  return TextEncoding::kGb18030;
}

absl::StatusOr<std::string> DecodeToUtf8(std::string_view bytes, TextEncoding from) {
  if (std::all_of(bytes.begin(), bytes.end(), [](char c) { return (c & 0x80) == 0; })) {
    return std::string(bytes);  // ASCII reads the same in both
  }
  if (from == TextEncoding::kGb18030) {
    size_t at = 0;
    bool bad = false;
    auto out = Iconv("UTF-8", "GB18030", bytes, &at, &bad);
    if (!out.ok()) return out.status();
    if (bad) {
      return absl::InvalidArgumentError(absl::StrCat(
          "无法按 GB18030 (GBK) 解码的字节 (bytes that are not GB18030/GBK text): ",
          BadBytes(bytes, at)));
    }
    return out;
  }
  size_t at = 0;
  if (InvalidUtf8At(bytes, &at) > 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "无法按 UTF-8 解码的字节 (bytes that are not UTF-8 text): ",
        BadBytes(bytes, at),
        "；如文件为 GBK 编码，请加 --encoding gbk (if the file is GBK, add --encoding gbk)"));
  }
  return std::string(bytes);
}

absl::StatusOr<std::string> Utf8ToGb18030(std::string_view utf8) {
  size_t at = 0;
  if (InvalidUtf8At(utf8, &at) > 0) {
    return absl::InvalidArgumentError("GB18030: 文本不是有效的 UTF-8 (text is not UTF-8)");
  }
  bool bad = false;
  auto out = Iconv("GB18030", "UTF-8", utf8, &at, &bad);
  if (!out.ok()) return out.status();
  if (bad) {
    return absl::InvalidArgumentError(absl::StrCat(
        "GB18030: 无法编码的字符 (a character GB18030 cannot hold): ", BadBytes(utf8, at)));
  }
  return out;
}

std::string HexBytes(std::string_view s, size_t max) {
  std::string out;
  for (size_t i = 0; i < s.size() && i < max; ++i) {
    if (i > 0) out += ' ';
    absl::StrAppend(&out, "0x", absl::Hex(static_cast<unsigned char>(s[i]), absl::kZeroPad2));
  }
  for (char& c : out) {
    if (c != 'x') c = absl::ascii_toupper(static_cast<unsigned char>(c));
  }
  return out;
}

}  // namespace smdctl
