#include "table_file.h"

#include <fstream>
#include <sstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "xlsx.h"

namespace smdctl {
namespace {

// A CSV record of raw bytes and the line it starts on.
struct RawRecord {
  int line = 0;
  std::vector<std::string> fields;
};

// Splits CSV bytes (RFC 4180 quoting; CRLF, LF or CR line ends) into records before
// decoding: the bytes that structure CSV (, " CR LF) never occur inside a UTF-8 or a
// GB18030 character, so splitting first is safe and lets a decoding error name its cell.
absl::StatusOr<std::vector<RawRecord>> SplitCsv(std::string_view text) {
  std::vector<RawRecord> out;
  RawRecord rec;
  std::string field;
  bool quoted = false, any = false;
  int line = 1, quote_line = 0;
  rec.line = 1;
  auto end_record = [&](int next_line) {
    if (any || !field.empty()) {
      rec.fields.push_back(field);
      out.push_back(std::move(rec));
    }
    rec = RawRecord{};
    rec.line = next_line;
    field.clear();
    any = false;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"') {
        if (i + 1 < text.size() && text[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n' || (c == '\r' && !(i + 1 < text.size() && text[i + 1] == '\n'))) ++line;
        field += c;
      }
      continue;
    }
    if (c == '"') {
      quoted = true;
      quote_line = line;
      any = true;
    } else if (c == ',') {
      rec.fields.push_back(field);
      field.clear();
      any = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      ++line;
      end_record(line);
    } else {
      field += c;
      any = true;
    }
  }
  if (quoted) {
    return absl::InvalidArgumentError(
        absl::StrCat("第 ", quote_line, " 行: 引号未闭合 (unterminated quote)"));
  }
  end_record(line);
  return out;
}

absl::StatusOr<TableFile> ParseCsvTable(std::string_view bytes, TextEncoding enc) {
  TableFile t;
  // A byte-order mark says UTF-8 whatever the flag says (read as GB18030 it would be 3
  // characters of mojibake in the first column's name).
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF") {
    bytes.remove_prefix(3);
    enc = TextEncoding::kUtf8;
  } else if (bytes.substr(0, 4) == "\x84\x31\x95\x33") {  // GB18030's own mark
    bytes.remove_prefix(4);
    enc = TextEncoding::kGb18030;
  }
  if (enc == TextEncoding::kAuto) enc = DetectEncoding(bytes);
  t.encoding = enc;
  auto raw = SplitCsv(bytes);
  if (!raw.ok()) return raw.status();
  for (RawRecord& r : *raw) {
    TableRow row;
    row.number = r.line;
    for (size_t c = 0; c < r.fields.size(); ++c) {
      auto text = DecodeToUtf8(r.fields[c], enc);
      if (!text.ok()) {
        if (row.error.empty()) {
          row.error_column = static_cast<int>(c);
          row.error = std::string(text.status().message());
        }
        row.cells.emplace_back();
        continue;
      }
      row.cells.push_back(*std::move(text));
    }
    while (!row.cells.empty() && absl::StripAsciiWhitespace(row.cells.back()).empty() &&
           row.error_column != static_cast<int>(row.cells.size()) - 1) {
      row.cells.pop_back();
    }
    if (row.cells.empty() && row.error.empty()) continue;  // ",,,," — an empty row
    t.rows.push_back(std::move(row));
  }
  return t;
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\r\n") == std::string::npos &&
      (s.empty() || (s.front() != ' ' && s.back() != ' '))) {
    return s;
  }
  std::string q = "\"";
  for (char c : s) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

}  // namespace

absl::StatusOr<TableFile> ParseTable(const std::string& bytes, const ReadTableOptions& o) {
  if (bytes.rfind("PK\x03\x04", 0) == 0) {
    auto rows = ReadXlsx(bytes, o.sheet);
    if (!rows.ok()) return rows.status();
    TableFile t;
    t.xlsx = true;
    t.rows = *std::move(rows);
    return t;
  }
  if (bytes.rfind("\xD0\xCF\x11\xE0", 0) == 0) {
    return absl::InvalidArgumentError(
        "文件为旧版 Excel (.xls) 或已加密的工作簿，请在 Excel 中另存为 .xlsx 或 CSV (an old .xls "
        "or an encrypted workbook: save it as .xlsx or CSV)");
  }
  if (bytes.rfind("\xFF\xFE", 0) == 0 || bytes.rfind("\xFE\xFF", 0) == 0) {
    return absl::InvalidArgumentError(
        "文件为 UTF-16 编码（Excel 的“Unicode 文本”），请另存为“CSV UTF-8（逗号分隔）”或 .xlsx "
        "(UTF-16 text, Excel's \"Unicode Text\": save it as CSV UTF-8 or .xlsx)");
  }
  return ParseCsvTable(bytes, o.encoding);
}

absl::StatusOr<TableFile> ReadTable(const std::string& path, const ReadTableOptions& o,
                                    const std::string& stdin_content) {
  if (path == "-") return ParseTable(stdin_content, o);
  std::ifstream f(path, std::ios::binary);
  if (!f) return absl::InvalidArgumentError(absl::StrCat("无法读取文件 (cannot read) ", path));
  std::stringstream ss;
  ss << f.rdbuf();
  return ParseTable(ss.str(), o);
}

absl::StatusOr<TableFormat> ParseFormat(const std::string& name, const std::string& path) {
  const std::string n = absl::AsciiStrToLower(name);
  if (n == "csv") return TableFormat::kCsv;
  if (n == "xlsx") return TableFormat::kXlsx;
  if (n.empty()) {
    return absl::EndsWithIgnoreCase(path, ".xlsx") ? TableFormat::kXlsx : TableFormat::kCsv;
  }
  return absl::InvalidArgumentError("--format: 须为 csv 或 xlsx (must be csv or xlsx)");
}

absl::StatusOr<std::string> WriteTable(const std::vector<std::string>& header,
                                       const std::vector<std::vector<std::string>>& rows,
                                       const WriteTableOptions& o) {
  if (o.format == TableFormat::kXlsx) return WriteXlsx(header, rows, o);
  std::string csv;
  auto line = [&](const std::vector<std::string>& cells) {
    for (size_t c = 0; c < cells.size(); ++c) {
      if (c > 0) csv += ',';
      csv += CsvField(cells[c]);
    }
    csv += "\r\n";
  };
  line(header);
  for (const auto& r : rows) line(r);
  if (o.encoding == TextEncoding::kGb18030) return Utf8ToGb18030(csv);
  return "\xEF\xBB\xBF" + csv;
}

}  // namespace smdctl
