#pragma once
// Reading an existing registry's CSV export for `smdctl patient import` (docs/import.md):
// UTF-8 (a byte-order mark is skipped), RFC 4180 quoting, a header row of Chinese column
// names (the national report card and supplementary form; the template is
// docs/import-template.csv). Pure: no I/O beyond the text given.

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "smd/v1/patients.pb.h"

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

// Maps the header to the columns it knows (unknown columns are an error: a misspelt
// header would silently drop data). Required: 姓名, 身份证号, 所属社区代码.
absl::StatusOr<std::vector<CsvRow>> RowsFromCsv(const std::vector<std::vector<std::string>>& csv);

// The header of docs/import-template.csv, in order.
const std::vector<std::string>& ImportColumns();

}  // namespace smdctl
