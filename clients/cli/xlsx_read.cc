// Reading .xlsx (xlsx.h ReadXlsx): libzip for the archive, expat for the XML parts.

#include "xlsx.h"

#include <expat.h>
#include <zip.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"

namespace smdctl {
namespace {

constexpr char kDamaged[] = "xlsx: 文件已损坏或不是 Excel 工作簿 (damaged file or not an Excel workbook)";
// No part of a workbook an office exports is near this; a larger one is refused rather
// than inflated into memory (a "zip bomb").
constexpr zip_uint64_t kMaxPartBytes = 256u << 20;
constexpr int kMaxColumns = 16384;  // Excel's XFD

// ---- zip ------------------------------------------------------------------------------

class ZipReader {
 public:
  static absl::StatusOr<std::unique_ptr<ZipReader>> Open(const std::string& bytes) {
    zip_error_t err;
    zip_error_init(&err);
    zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &err);
    if (src == nullptr) return absl::InvalidArgumentError(kDamaged);
    zip_t* z = zip_open_from_source(src, ZIP_RDONLY, &err);
    zip_error_fini(&err);
    if (z == nullptr) {
      zip_source_free(src);
      return absl::InvalidArgumentError(kDamaged);
    }
    return std::unique_ptr<ZipReader>(new ZipReader(z));
  }
  ~ZipReader() { zip_discard(z_); }

  // The part's content; NOT_FOUND when the archive has no such part.
  absl::StatusOr<std::string> Read(const std::string& name) {
    const zip_int64_t idx = zip_name_locate(z_, name.c_str(), ZIP_FL_NOCASE);
    if (idx < 0) return absl::NotFoundError(name);
    zip_stat_t st;
    zip_stat_init(&st);
    if (zip_stat_index(z_, static_cast<zip_uint64_t>(idx), 0, &st) != 0 ||
        !(st.valid & ZIP_STAT_SIZE)) {
      return absl::InvalidArgumentError(kDamaged);
    }
    if (st.size > kMaxPartBytes) {
      return absl::InvalidArgumentError(
          "xlsx: 工作表过大 (a part of the workbook is larger than 256 MiB)");
    }
    zip_file_t* f = zip_fopen_index(z_, static_cast<zip_uint64_t>(idx), 0);
    if (f == nullptr) {
      // An encrypted entry, or a compression method libzip does not have.
      return absl::InvalidArgumentError(kDamaged);
    }
    std::string out(static_cast<size_t>(st.size), '\0');
    const zip_int64_t n = zip_fread(f, out.data(), st.size);
    zip_fclose(f);
    if (n < 0 || static_cast<zip_uint64_t>(n) != st.size) return absl::InvalidArgumentError(kDamaged);
    return out;
  }

 private:
  explicit ZipReader(zip_t* z) : z_(z) {}
  zip_t* z_;
};

// ---- XML --------------------------------------------------------------------------------

// Element and attribute names without their namespace (expat gives "uri|local"): the
// parts use the main namespace with or without a prefix (x:c), and r:id is the only
// prefixed attribute read.
std::string_view Local(const char* name) {
  std::string_view n(name);
  const auto bar = n.rfind('|');
  return bar == std::string_view::npos ? n : n.substr(bar + 1);
}

std::string Attr(const char** attrs, std::string_view local) {
  for (int i = 0; attrs[i] != nullptr; i += 2) {
    if (Local(attrs[i]) == local) return attrs[i + 1];
  }
  return "";
}

struct XmlCallbacks {
  std::function<void(std::string_view, const char**)> start = [](std::string_view, const char**) {};
  std::function<void(std::string_view)> end = [](std::string_view) {};
  std::function<void(std::string_view)> text = [](std::string_view) {};
};

// Expat (2.4 and later) refuses entity-expansion attacks by itself; OOXML has no DTD.
absl::Status ParseXml(const std::string& doc, XmlCallbacks& cb, const std::string& part) {
  XML_Parser p = XML_ParserCreateNS(nullptr, '|');
  XML_SetUserData(p, &cb);
  XML_SetElementHandler(
      p,
      [](void* u, const XML_Char* name, const XML_Char** attrs) {
        static_cast<XmlCallbacks*>(u)->start(Local(name), attrs);
      },
      [](void* u, const XML_Char* name) { static_cast<XmlCallbacks*>(u)->end(Local(name)); });
  XML_SetCharacterDataHandler(p, [](void* u, const XML_Char* s, int len) {
    static_cast<XmlCallbacks*>(u)->text(std::string_view(s, static_cast<size_t>(len)));
  });
  const bool ok = XML_Parse(p, doc.data(), static_cast<int>(doc.size()), 1) == XML_STATUS_OK;
  XML_ParserFree(p);
  if (!ok) return absl::InvalidArgumentError(absl::StrCat(kDamaged, ": ", part));
  return absl::OkStatus();
}

// OOXML escapes characters XML cannot hold as _xHHHH_ (ECMA-376 §22.4.2.4).
std::string UnescapeOoxml(const std::string& s) {
  if (s.find("_x") == std::string::npos) return s;
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned v = 0;
    if (s[i] == '_' && i + 6 < s.size() && s[i + 1] == 'x' && s[i + 6] == '_' &&
        absl::SimpleHexAtoi(s.substr(i + 2, 4), &v)) {
      char32_t cp = v;
      if (cp < 0x80) {
        out += static_cast<char>(cp);
      } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
      } else {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
      }
      i += 6;
    } else {
      out += s[i];
    }
  }
  return out;
}

// "xl/" + "worksheets/sheet1.xml", "/xl/worksheets/sheet1.xml", "../x.xml" resolved.
std::string ResolvePart(const std::string& base_dir, const std::string& target) {
  std::vector<std::string> parts;
  const std::string full = target.rfind('/', 0) == 0 ? target.substr(1) : base_dir + target;
  for (absl::string_view p : absl::StrSplit(full, '/', absl::SkipEmpty())) {
    if (p == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (p != ".") {
      parts.emplace_back(p);
    }
  }
  return absl::StrJoin(parts, "/");
}

std::string DirOf(const std::string& part) {
  const auto slash = part.rfind('/');
  return slash == std::string::npos ? "" : part.substr(0, slash + 1);
}

// Relationship id -> (type, resolved target) of a part's .rels.
std::map<std::string, std::pair<std::string, std::string>> ReadRels(ZipReader& zip,
                                                                    const std::string& part) {
  std::map<std::string, std::pair<std::string, std::string>> out;
  const std::string rels = DirOf(part) + "_rels/" + part.substr(DirOf(part).size()) + ".rels";
  auto doc = zip.Read(rels);
  if (!doc.ok()) return out;
  XmlCallbacks cb;
  cb.start = [&](std::string_view name, const char** a) {
    if (name == "Relationship") {
      out[Attr(a, "Id")] = {Attr(a, "Type"), ResolvePart(DirOf(part), Attr(a, "Target"))};
    }
  };
  (void)ParseXml(*doc, cb, rels);
  return out;
}

// Text of <si> or <is>: the <t> elements, leaving out phonetic runs (<rPh>).
struct RichText {
  int depth_rph = 0;
  bool in_t = false;
  std::string text;
  void Start(std::string_view name) {
    if (name == "rPh") ++depth_rph;
    if (name == "t" && depth_rph == 0) in_t = true;
  }
  void End(std::string_view name) {
    if (name == "rPh") --depth_rph;
    if (name == "t") in_t = false;
  }
  void Text(std::string_view s) {
    if (in_t) text.append(s);
  }
};

// ---- cells --------------------------------------------------------------------------------

struct Cell {
  std::string text;
  std::string error;
};

// "B5" -> column 1 (row ignored: the <row r> says it). -1 when unreadable.
int ColumnOf(const std::string& ref) {
  int col = 0;
  size_t i = 0;
  for (; i < ref.size() && absl::ascii_isalpha(static_cast<unsigned char>(ref[i])); ++i) {
    col = col * 26 + (absl::ascii_toupper(static_cast<unsigned char>(ref[i])) - 'A' + 1);
    if (col > kMaxColumns) return -1;
  }
  return i == 0 ? -1 : col - 1;
}

int RowOf(const std::string& ref) {
  size_t i = 0;
  while (i < ref.size() && absl::ascii_isalpha(static_cast<unsigned char>(ref[i]))) ++i;
  int row = 0;
  return absl::SimpleAtoi(ref.substr(i), &row) ? row : -1;
}

// The text Excel shows for number `v` under "General" (up to 15 significant digits).
std::string NumberText(const std::string& raw, Cell* cell) {
  double v = 0;
  if (!absl::SimpleAtod(raw, &v)) {
    cell->error = "xlsx: 数字无法读取 (unreadable number)";
    return "";
  }
  if (std::fabs(v) >= 1e15) {
    cell->error =
        "数字超过15位，Excel 已丢失其末尾数字；请将此列设为“文本”格式后重新输入 (a number "
        "of more than 15 digits: Excel has already lost its last digits; format the column "
        "as Text and enter the values again)";
    return "";
  }
  if (v == std::floor(v)) return absl::StrFormat("%.0f", v);
  std::string s = absl::StrFormat("%.15g", v);
  return s;
}

}  // namespace

std::string ColumnLetters(size_t index) {
  std::string s;
  for (size_t n = index + 1; n > 0; n = (n - 1) / 26) {
    s.insert(s.begin(), static_cast<char>('A' + (n - 1) % 26));
  }
  return s;
}

std::string ExcelSerialDate(double serial, bool date1904) {
  const long long days = static_cast<long long>(std::floor(serial));
  absl::CivilDay d;
  if (date1904) {
    if (days < 0) return "";
    d = absl::CivilDay(1904, 1, 1) + days;
  } else {
    if (days < 1) return "";
    // Excel counts 1900-02-29, which did not exist, as day 60 (Lotus 1-2-3's leap-year
    // bug): from day 61 on, one day less.
    d = absl::CivilDay(1899, 12, 31) + (days >= 61 ? days - 1 : days);
  }
  if (d.year() > 9999) return "";
  return absl::StrFormat("%04d-%02d-%02d", d.year(), d.month(), d.day());
}

int DateFormatPrecision(int id, const std::string& code) {
  if (code.empty()) {
    // ECMA-376 §18.8.30 built-in date formats, and the zh-CN ones Excel writes by number
    // (27 yyyy"年"m"月", 31 yyyy"年"m"月"d"日", ...; 32-35, 55, 56 are times of day).
    switch (id) {
      case 17: case 27: case 36: case 50: case 52: case 57:
        return 2;
      case 14: case 15: case 16: case 22: case 28: case 29: case 30: case 31: case 51:
      case 53: case 54: case 58:
        return 3;
      default:
        return 0;
    }
  }
  bool quoted = false, y = false, m = false, d = false;
  int bracket = 0;
  for (size_t i = 0; i < code.size(); ++i) {
    const char c = code[i];
    if (quoted) {
      if (c == '"') quoted = false;
      continue;
    }
    if (c == '"') {
      quoted = true;
    } else if (c == '\\' || c == '_' || c == '*') {
      ++i;  // the next character is literal (or padding)
    } else if (c == '[') {
      ++bracket;
    } else if (c == ']') {
      if (bracket > 0) --bracket;
    } else if (bracket == 0) {
      const char l = absl::ascii_tolower(static_cast<unsigned char>(c));
      y |= l == 'y';
      m |= l == 'm';
      d |= l == 'd';
    }
  }
  if (d) return 3;
  if (y) return m ? 2 : 1;
  return 0;
}
namespace {

// The parts of the chosen worksheet (ECMA-376 part 1, §12.3): found through the package's
// and the workbook's relationships, not by their usual names.
struct SheetParts {
  std::string sheet, shared_strings, styles;
  bool date1904 = false;
};

absl::StatusOr<SheetParts> FindSheet(ZipReader& zip, const std::string& sheet) {
  // The workbook part, from the package relationships (xl/workbook.xml by convention).
  std::string workbook = "xl/workbook.xml";
  for (const auto& [id, rel] : ReadRels(zip, "")) {
    if (absl::EndsWith(rel.first, "/officeDocument")) workbook = rel.second;
  }
  auto wb = zip.Read(workbook);
  if (!wb.ok()) {
    return absl::IsNotFound(wb.status()) ? absl::InvalidArgumentError(kDamaged) : wb.status();
  }
  std::vector<std::pair<std::string, std::string>> sheets;  // name, relationship id
  SheetParts parts;
  {
    XmlCallbacks cb;
    cb.start = [&](std::string_view name, const char** a) {
      if (name == "sheet") sheets.emplace_back(Attr(a, "name"), Attr(a, "id"));
      if (name == "workbookPr") {
        const std::string v = Attr(a, "date1904");
        parts.date1904 = v == "1" || v == "true";
      }
    };
    if (auto s = ParseXml(*wb, cb, workbook); !s.ok()) return s;
  }
  auto rels = ReadRels(zip, workbook);
  std::string& sheet_part = parts.sheet;
  std::string& strings_part = parts.shared_strings;
  std::string& styles_part = parts.styles;
  for (const auto& [id, rel] : rels) {
    if (absl::EndsWith(rel.first, "/sharedStrings")) strings_part = rel.second;
    if (absl::EndsWith(rel.first, "/styles")) styles_part = rel.second;
  }
  std::vector<std::string> names;
  for (const auto& [name, id] : sheets) {
    names.push_back(name);
    if (sheet_part.empty() && (sheet.empty() || name == sheet)) {
      auto it = rels.find(id);
      if (it == rels.end()) return absl::InvalidArgumentError(kDamaged);
      sheet_part = it->second.second;
    }
  }
  if (sheet_part.empty()) {
    if (sheets.empty()) return absl::InvalidArgumentError("xlsx: 工作簿中没有工作表 (the workbook has no worksheet)");
    return absl::InvalidArgumentError(absl::StrCat(
        "--sheet: 工作表不存在 (no such worksheet) \"", sheet, "\"；本工作簿有 (the workbook has): ",
        absl::StrJoin(names, "、")));
  }
  return parts;
}

// The shared-string table (§18.4), empty when the workbook has none.
absl::StatusOr<std::vector<std::string>> ReadSharedStrings(ZipReader& zip, const std::string& strings_part) {
  std::vector<std::string> shared;
  if (!strings_part.empty()) {
    auto doc = zip.Read(strings_part);
    if (doc.ok()) {
      RichText rt;
      XmlCallbacks cb;
      cb.start = [&](std::string_view name, const char**) {
        if (name == "si") rt = RichText{};
        rt.Start(name);
      };
      cb.end = [&](std::string_view name) {
        rt.End(name);
        if (name == "si") shared.push_back(UnescapeOoxml(rt.text));
      };
      cb.text = [&](std::string_view s) { rt.Text(s); };
      if (auto s = ParseXml(*doc, cb, strings_part); !s.ok()) return s;
    } else if (!absl::IsNotFound(doc.status())) {
      return doc.status();
    }
  }

  return shared;
}

// DateFormatPrecision of each cell format (cellXfs, §18.8.10), by index.
absl::StatusOr<std::vector<int>> ReadDateStyles(ZipReader& zip, const std::string& styles_part) {
  std::vector<int> date_style;  // DateFormatPrecision by cellXfs index
  if (!styles_part.empty()) {
    auto doc = zip.Read(styles_part);
    if (doc.ok()) {
      std::map<int, std::string> codes;
      bool in_xfs = false;
      XmlCallbacks cb;
      cb.start = [&](std::string_view name, const char** a) {
        if (name == "numFmt") {
          int id = 0;
          if (absl::SimpleAtoi(Attr(a, "numFmtId"), &id)) codes[id] = Attr(a, "formatCode");
        } else if (name == "cellXfs") {
          in_xfs = true;
        } else if (name == "xf" && in_xfs) {
          int id = 0;
          (void)absl::SimpleAtoi(Attr(a, "numFmtId"), &id);
          auto it = codes.find(id);
          date_style.push_back(DateFormatPrecision(id, it == codes.end() ? "" : it->second));
        }
      };
      cb.end = [&](std::string_view name) {
        if (name == "cellXfs") in_xfs = false;
      };
      if (auto s = ParseXml(*doc, cb, styles_part); !s.ok()) return s;
    } else if (!absl::IsNotFound(doc.status())) {
      return doc.status();
    }
  }

  return date_style;
}

using Grid = std::map<int, std::map<int, Cell>>;  // row -> column -> cell

// The cells of worksheet `doc` (§18.3) mapped to text (xlsx.h ReadXlsx), and its merged ranges.
absl::Status ReadCells(const std::string& doc, const std::string& sheet_part,
                       const std::vector<std::string>& shared, const std::vector<int>& date_style,
                       bool date1904, Grid* grid_out, std::vector<std::string>* merges_out) {
  Grid& grid = *grid_out;
  std::vector<std::string>& merges = *merges_out;
  {
    int row = 0, col = -1, style = 0;
    std::string type, value;
    bool in_v = false, in_cell = false, bad_ref = false;
    RichText inline_text;
    XmlCallbacks cb;
    cb.start = [&](std::string_view name, const char** a) {
      if (name == "row") {
        int r = 0;
        row = absl::SimpleAtoi(Attr(a, "r"), &r) ? r : row + 1;
        col = -1;
      } else if (name == "c") {
        in_cell = true;
        const std::string ref = Attr(a, "r");
        const int c = ref.empty() ? col + 1 : ColumnOf(ref);
        if (c < 0) bad_ref = true;
        col = c;
        if (!ref.empty() && RowOf(ref) > 0) row = RowOf(ref);
        type = Attr(a, "t");
        style = 0;
        (void)absl::SimpleAtoi(Attr(a, "s"), &style);
        value.clear();
        inline_text = RichText{};
      } else if (name == "v" && in_cell) {
        in_v = true;
      } else if (name == "mergeCell") {
        merges.push_back(Attr(a, "ref"));
      }
      if (in_cell) inline_text.Start(name);
    };
    cb.text = [&](std::string_view s) {
      if (in_v) value.append(s);
      if (in_cell && type == "inlineStr") inline_text.Text(s);
    };
    cb.end = [&](std::string_view name) {
      if (in_cell) inline_text.End(name);
      if (name == "v") in_v = false;
      if (name != "c" || col < 0) {
        if (name == "c") in_cell = false;
        return;
      }
      in_cell = false;
      Cell cell;
      if (type == "s") {
        size_t i = 0;
        if (absl::SimpleAtoi(value, &i) && i < shared.size()) {
          cell.text = shared[i];
        } else {
          cell.error = "xlsx: 共享字符串缺失 (missing shared string)";
        }
      } else if (type == "inlineStr") {
        cell.text = UnescapeOoxml(inline_text.text);
      } else if (type == "str") {
        cell.text = UnescapeOoxml(value);
      } else if (type == "b") {
        cell.text = value == "1" || value == "true" ? "1" : "0";
      } else if (type == "e") {
        cell.error = absl::StrCat("单元格为错误值 (the cell holds an error value) ", value);
      } else if (type == "d") {
        cell.text = value.substr(0, 10);  // ISO 8601 (strict workbooks)
      } else if (!value.empty()) {
        const int precision = style >= 0 && static_cast<size_t>(style) < date_style.size()
                                  ? date_style[static_cast<size_t>(style)]
                                  : 0;
        double v = 0;
        if (precision > 0 && absl::SimpleAtod(value, &v)) {
          cell.text = ExcelSerialDate(v, date1904);
          if (cell.text.empty()) cell.error = "日期超出范围 (a date out of range)";
          cell.text = cell.text.substr(0, precision == 1 ? 4 : precision == 2 ? 7 : 10);
        } else {
          cell.text = NumberText(value, &cell);
        }
      }
      if (!cell.text.empty() || !cell.error.empty()) grid[row][col] = std::move(cell);
    };
    if (auto s = ParseXml(doc, cb, sheet_part); !s.ok()) return s;
    if (bad_ref) return absl::InvalidArgumentError(absl::StrCat(kDamaged, ": ", sheet_part));
  }

  return absl::OkStatus();
}

void ApplyMerges(const std::vector<std::string>& merges, Grid* grid_out) {
  Grid& grid = *grid_out;
  // Merged ranges: a title row above the header is dropped; otherwise the top-left value
  // fills the range.
  struct Range {
    int r1, c1, r2, c2;
  };
  std::vector<Range> ranges;
  for (const std::string& m : merges) {
    std::vector<std::string> ends = absl::StrSplit(m, ':');
    if (ends.size() != 2) continue;
    Range g{RowOf(ends[0]), ColumnOf(ends[0]), RowOf(ends[1]), ColumnOf(ends[1])};
    if (g.r1 < 1 || g.c1 < 0 || g.r2 < g.r1 || g.c2 < g.c1) continue;
    ranges.push_back(g);
  }
  for (auto it = grid.begin(); it != grid.end();) {
    const auto& cells = it->second;
    bool title = false;
    if (cells.size() == 1) {
      for (const Range& g : ranges) {
        if (g.r1 == it->first && g.c1 == cells.begin()->first && g.c2 > g.c1) title = true;
      }
    }
    if (!title) break;
    it = grid.erase(it);
  }
  // Filling stays within the cells that hold something (a merge may reach row 1048576).
  const int max_row = grid.empty() ? 0 : grid.rbegin()->first;
  int max_col = 0;
  for (const auto& [r, cells] : grid) {
    if (!cells.empty()) max_col = std::max(max_col, cells.rbegin()->first);
  }
  for (const Range& g : ranges) {
    auto row_it = grid.find(g.r1);
    if (row_it == grid.end()) continue;
    auto cell_it = row_it->second.find(g.c1);
    if (cell_it == row_it->second.end()) continue;
    const Cell top_left = cell_it->second;
    for (int r = g.r1; r <= std::min(g.r2, max_row); ++r) {
      for (int c = g.c1; c <= std::min(g.c2, max_col); ++c) {
        if (r == g.r1 && c == g.c1) continue;
        grid[r].emplace(c, top_left);
      }
    }
  }

}

// The rows with something in them, trailing empty cells dropped.
std::vector<TableRow> RowsOf(Grid& grid) {
  std::vector<TableRow> out;
  for (auto& [r, cells] : grid) {
    TableRow row;
    row.number = r;
    bool any = false;
    for (auto& [c, cell] : cells) {
      if (!cell.text.empty() || !cell.error.empty()) any = true;
    }
    if (!any) continue;
    const int last = cells.rbegin()->first;
    row.cells.assign(static_cast<size_t>(last) + 1, "");
    for (auto& [c, cell] : cells) {
      row.cells[static_cast<size_t>(c)] = std::move(cell.text);
      if (!cell.error.empty() && row.error.empty()) {
        row.error_column = c;
        row.error = cell.error;
      }
    }
    while (!row.cells.empty() && absl::StripAsciiWhitespace(row.cells.back()).empty() &&
           row.error_column != static_cast<int>(row.cells.size()) - 1) {
      row.cells.pop_back();
    }
    if (row.cells.empty() && row.error.empty()) continue;
    out.push_back(std::move(row));
  }
  return out;  return out;
}

}  // namespace

absl::StatusOr<std::vector<TableRow>> ReadXlsx(const std::string& bytes, const std::string& sheet) {
  auto zip = ZipReader::Open(bytes);
  if (!zip.ok()) return zip.status();
  auto parts = FindSheet(**zip, sheet);
  if (!parts.ok()) return parts.status();
  std::vector<std::string> shared;
  if (!parts->shared_strings.empty()) {
    auto s = ReadSharedStrings(**zip, parts->shared_strings);
    if (!s.ok()) return s.status();
    shared = *std::move(s);
  }
  std::vector<int> date_style;
  if (!parts->styles.empty()) {
    auto d = ReadDateStyles(**zip, parts->styles);
    if (!d.ok()) return d.status();
    date_style = *std::move(d);
  }
  auto doc = (*zip)->Read(parts->sheet);
  if (!doc.ok()) {
    return absl::IsNotFound(doc.status()) ? absl::InvalidArgumentError(kDamaged) : doc.status();
  }
  Grid grid;
  std::vector<std::string> merges;
  if (auto s = ReadCells(*doc, parts->sheet, shared, date_style, parts->date1904, &grid, &merges);
      !s.ok()) {
    return s;
  }
  ApplyMerges(merges, &grid);
  return RowsOf(grid);
}

}  // namespace smdctl
