#pragma once
// Rows of a service-site CSV for `smdctl site import` (docs/import.md "Service sites";
// template docs/site-import-template.csv): a header of Chinese column names, one site per
// row, each turned into an UpsertSiteRequest. Only the mapping from already-decoded rows
// (ParseCsv, or any other reader that yields rows of UTF-8 fields) to requests lives here,
// so a shared file reader (GBK, .xlsx) can feed it unchanged. Pure.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "smd/v1/network.pb.h"
#include "table_file.h"

namespace smdctl {

struct SiteCsvRow {
  int line = 0;  // 1-based line of the file (the header is line 1)
  smd::v1::UpsertSiteRequest request;
  std::string error;  // "<列名>: 原因 (reason)" when the row cannot be read; "" otherwise
};

// Maps the header (unknown columns are an error naming the column; required: 所属区划代码,
// 类型, 名称, 建成日期) and every data row. Blank rows are skipped.
absl::StatusOr<std::vector<SiteCsvRow>> SiteRowsFromCsv(
    const std::vector<std::vector<std::string>>& csv);

// SiteRowsFromCsv of a file read by ReadTable (UTF-8, GBK/GB18030, .xlsx: table_file.h):
// each row's line is the file's line (CSV) or Excel's row number, and a row with a cell the
// reader could not read is refused naming that cell's column.
absl::StatusOr<std::vector<SiteCsvRow>> SiteRowsFromTable(const TableFile& table);

// The columns of the template, in order.
const std::vector<std::string>& SiteImportColumns();

// The column a server error's field path belongs to ("school.students" -> 在校学生数);
// the field itself when no column matches.
std::string SiteColumnForField(const std::string& field);

}  // namespace smdctl
