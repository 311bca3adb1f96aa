// Writing .xlsx (xlsx.h WriteXlsx): the minimal parts Excel, WPS and LibreOffice open,
// zipped with libzip.

#include "xlsx.h"

#include <zip.h>

#include <algorithm>
#include <string_view>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "output.h"

namespace smdctl {

namespace {

// Text for XML: escaped, and without the control characters XML 1.0 cannot hold.
std::string XmlText(const std::string& s) {
  std::string out;
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default:
        if (c < 0x20 && ch != '\t' && ch != '\n' && ch != '\r') break;
        out += ch;
    }
  }
  return out;
}

// A plain decimal number Excel reads back unchanged: no leading zeros (a code), at most
// 15 significant digits.
bool PlainNumber(const std::string& s) {
  size_t i = s[0] == '-' ? 1 : 0;
  if (i >= s.size()) return false;
  size_t digits = 0, dots = 0;
  for (size_t k = i; k < s.size(); ++k) {
    if (s[k] == '.') {
      ++dots;
    } else if (absl::ascii_isdigit(static_cast<unsigned char>(s[k]))) {
      ++digits;
    } else {
      return false;
    }
  }
  if (dots > 1 || digits == 0 || digits > 15 || s.back() == '.' || s[i] == '.') return false;
  return !(s[i] == '0' && i + 1 < s.size() && s[i + 1] != '.');
}

constexpr char kXmlHead[] = "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n";
constexpr char kMainNs[] = "http://schemas.openxmlformats.org/spreadsheetml/2006/main";
constexpr char kRelNs[] = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";

}  // namespace

absl::StatusOr<std::string> WriteXlsx(const std::vector<std::string>& header,
                                      const std::vector<std::vector<std::string>>& rows,
                                      const WriteTableOptions& o) {
  // Column widths from the display width of the text (Chinese characters count two).
  size_t ncols = header.size();
  for (const auto& r : rows) ncols = std::max(ncols, r.size());
  std::vector<int> width(ncols, 8);
  auto measure = [&](const std::vector<std::string>& r) {
    for (size_t c = 0; c < r.size(); ++c) width[c] = std::max(width[c], DisplayWidth(r[c]) + 2);
  };
  measure(header);
  for (const auto& r : rows) measure(r);

  std::string sheet = absl::StrCat(kXmlHead, "<worksheet xmlns=\"", kMainNs, "\" xmlns:r=\"", kRelNs,
                                   "\"><sheetViews><sheetView workbookViewId=\"0\">"
                                   "<pane ySplit=\"1\" topLeftCell=\"A2\" activePane=\"bottomLeft\" "
                                   "state=\"frozen\"/></sheetView></sheetViews>");
  if (ncols > 0) {
    sheet += "<cols>";
    for (size_t c = 0; c < ncols; ++c) {
      // Text columns are formatted as text (style 2) below the table too, so that what a
      // user types there later (an ID number in an import template) stays as typed.
      absl::StrAppend(&sheet, "<col min=\"", c + 1, "\" max=\"", c + 1, "\" width=\"",
                      std::min(width[c], 60), "\"",
                      o.numeric_columns.count(c) ? "" : " style=\"2\"", " customWidth=\"1\"/>");
    }
    sheet += "</cols>";
  }
  sheet += "<sheetData>";
  // Styles (styles.xml below): 0 General, 1 bold text (the header), 2 text "@".
  auto add_row = [&](size_t r, const std::vector<std::string>& cells, bool head) {
    absl::StrAppend(&sheet, "<row r=\"", r, "\">");
    for (size_t c = 0; c < cells.size(); ++c) {
      if (cells[c].empty()) continue;
      const std::string ref = absl::StrCat(ColumnLetters(c), r);
      if (!head && o.numeric_columns.count(c) && PlainNumber(cells[c])) {
        absl::StrAppend(&sheet, "<c r=\"", ref, "\"><v>", cells[c], "</v></c>");
      } else {
        const std::string& t = cells[c];
        const bool keep_space = !t.empty() && (t.front() == ' ' || t.back() == ' ');
        absl::StrAppend(&sheet, "<c r=\"", ref, "\" s=\"", head ? 1 : 2, "\" t=\"inlineStr\"><is><t",
                        keep_space ? " xml:space=\"preserve\"" : "", ">", XmlText(t), "</t></is></c>");
      }
    }
    sheet += "</row>";
  };
  add_row(1, header, true);
  for (size_t i = 0; i < rows.size(); ++i) add_row(i + 2, rows[i], false);
  sheet += "</sheetData></worksheet>";

  const std::string content_types = absl::StrCat(
      kXmlHead,
      "<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\">"
      "<Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/>"
      "<Default Extension=\"xml\" ContentType=\"application/xml\"/>"
      "<Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/>"
      "<Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/>"
      "<Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/>"
      "</Types>");
  const std::string root_rels = absl::StrCat(
      kXmlHead,
      "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
      "<Relationship Id=\"rId1\" Type=\"", kRelNs, "/officeDocument\" Target=\"xl/workbook.xml\"/>"
      "</Relationships>");
  // A sheet name: at most 31 characters, none of : \ / ? * [ ].
  std::string name;
  for (char c : o.sheet_name) {
    if (std::string_view(":\\/?*[]").find(c) == std::string_view::npos) name += c;
  }
  if (name.empty()) name = "Sheet1";
  const std::string workbook = absl::StrCat(
      kXmlHead, "<workbook xmlns=\"", kMainNs, "\" xmlns:r=\"", kRelNs, "\"><sheets><sheet name=\"",
      XmlText(name), "\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>");
  const std::string workbook_rels = absl::StrCat(
      kXmlHead,
      "<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\">"
      "<Relationship Id=\"rId1\" Type=\"", kRelNs, "/worksheet\" Target=\"worksheets/sheet1.xml\"/>"
      "<Relationship Id=\"rId2\" Type=\"", kRelNs, "/styles\" Target=\"styles.xml\"/>"
      "</Relationships>");
  const std::string styles = absl::StrCat(
      kXmlHead, "<styleSheet xmlns=\"", kMainNs, "\">",
      "<fonts count=\"2\"><font><sz val=\"11\"/><name val=\"宋体\"/><charset val=\"134\"/></font>"
      "<font><b/><sz val=\"11\"/><name val=\"宋体\"/><charset val=\"134\"/></font></fonts>"
      "<fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill>"
      "<fill><patternFill patternType=\"gray125\"/></fill></fills>"
      "<borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders>"
      "<cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs>"
      "<cellXfs count=\"3\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/>"
      "<xf numFmtId=\"49\" fontId=\"1\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyFont=\"1\" applyNumberFormat=\"1\"/>"
      "<xf numFmtId=\"49\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/></cellXfs>"
      "<cellStyles count=\"1\"><cellStyle name=\"Normal\" xfId=\"0\" builtinId=\"0\"/></cellStyles>"
      "</styleSheet>");

  const std::vector<std::pair<const char*, const std::string*>> parts = {
      {"[Content_Types].xml", &content_types}, {"_rels/.rels", &root_rels},
      {"xl/workbook.xml", &workbook},          {"xl/_rels/workbook.xml.rels", &workbook_rels},
      {"xl/styles.xml", &styles},              {"xl/worksheets/sheet1.xml", &sheet}};

  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* src = zip_source_buffer_create(nullptr, 0, 0, &err);
  const absl::Status failed = absl::InternalError("xlsx: 无法生成工作簿 (cannot build the workbook)");
  if (src == nullptr) return failed;
  zip_t* z = zip_open_from_source(src, ZIP_TRUNCATE, &err);
  zip_error_fini(&err);
  if (z == nullptr) {
    zip_source_free(src);
    return failed;
  }
  zip_source_keep(src);  // read the archive back from it after zip_close
  for (const auto& [path, data] : parts) {
    zip_source_t* part = zip_source_buffer(z, data->data(), data->size(), 0);
    const zip_int64_t idx = part == nullptr ? -1 : zip_file_add(z, path, part, ZIP_FL_ENC_UTF_8);
    // zlib's default level 6: libzip's default (9) takes 3 times as long on a large sheet
    // for a file a few percent smaller.
    if (idx < 0 || zip_set_file_compression(z, static_cast<zip_uint64_t>(idx), ZIP_CM_DEFLATE, 6) != 0) {
      if (part != nullptr && idx < 0) zip_source_free(part);
      zip_discard(z);
      zip_source_free(src);
      return failed;
    }
  }
  if (zip_close(z) != 0) {
    zip_discard(z);
    zip_source_free(src);
    return failed;
  }
  std::string out;
  zip_stat_t st;
  zip_stat_init(&st);
  if (zip_source_stat(src, &st) == 0 && zip_source_open(src) == 0) {
    out.resize(static_cast<size_t>(st.size));
    const zip_int64_t n = zip_source_read(src, out.data(), st.size);
    zip_source_close(src);
    if (n < 0 || static_cast<zip_uint64_t>(n) != st.size) out.clear();
  }
  zip_source_free(src);
  if (out.empty()) return failed;
  return out;
}

}  // namespace smdctl
