#pragma once
// Reading an existing registry's export for `smdctl patient import` (docs/import.md): a
// table (table_file.h: CSV in UTF-8 or GB18030/GBK, or .xlsx) with a header row of Chinese
// column names (the national report card and supplementary form; the template is
// docs/import-template.csv). Pure: no I/O beyond the text given.

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "smd/v1/patients.pb.h"
#include "table_file.h"

namespace smdctl {

// Splits CSV text into rows of fields. INVALID_ARGUMENT on an unterminated quote.
absl::StatusOr<std::vector<std::vector<std::string>>> ParseCsv(const std::string& text);

// One data row turned into an import row, or why it cannot be read (the row is then
// reported as refused without being sent).
struct CsvRow {
  int line = 0;  // 1-based line of the file (the header is line 1)
  smd::v1::ImportRow row;
  std::string error;  // "" when readable
};

// Maps the header (the table's first row) to the columns it knows: an unknown or repeated
// column is an error naming its place ("第 1 行 第 3 列: 未知列 (unknown column) ...": a
// misspelt header would silently drop data); a column without a name is ignored when it
// holds nothing. Required: 姓名, 身份证号, 所属社区代码. Each later row keeps its number
// in the file (table_file.h TableRow); a row the reader could not decode is refused with
// the column's name ("身份证号: 无法按 UTF-8 解码的字节 ... 0xB2 0xE2").
absl::StatusOr<std::vector<CsvRow>> RowsFromTable(const TableFile& table);

// RowsFromTable of ParseCsv's rows, numbered 1, 2, ... (as if every record were one line).
absl::StatusOr<std::vector<CsvRow>> RowsFromCsv(const std::vector<std::vector<std::string>>& csv);

// The header of docs/import-template.csv, in order.
const std::vector<std::string>& ImportColumns();

}  // namespace smdctl
