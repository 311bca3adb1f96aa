#pragma once
// Excel .xlsx workbooks (Office Open XML, ECMA-376): a zip archive (libzip) of XML parts
// (expat). Reading maps one worksheet's cells to text rows; writing makes a one-sheet
// workbook with the minimal parts Excel, WPS and LibreOffice open. Used through
// table_file.h; the pieces are here for the unit tests. Why these libraries: docs/adr/0012.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "table_file.h"

namespace smdctl {

// The rows of worksheet `sheet` ("" = the first) of the workbook `bytes`, as
// table_file.h describes them. Cell mapping:
//   shared strings, inline strings and formula results: their text (phonetic runs left out);
//   numbers: the decimal text Excel shows under "General" (12, 0.5, 320106001001); a
//     number of 1e15 or more is a cell error: Excel keeps 15 significant digits, so an ID
//     number typed as a number has already lost its last ones (3.20106199001011E+17);
//   numbers under a date format (built-in or custom, e.g. yyyy"年"m"月"d"日"): the date as
//     YYYY-MM-DD, or YYYY-MM / YYYY under a format without the day / month
//     (DateFormatPrecision; 1900 or 1904 date system; the time of day dropped);
//   booleans: 1 or 0; error values (#N/A, #REF!): a cell error; empty cells: "".
// Merged cells: the value of a merged range fills every cell of the range (a community
// code merged down over its patients' rows reads on every row), except that rows above
// the header that hold only one merged cell (a title such as "某社区患者花名册" across the
// sheet) are left out.
absl::StatusOr<std::vector<TableRow>> ReadXlsx(const std::string& bytes, const std::string& sheet);

// Day `serial` of Excel's 1900 date system (1 = 1900-01-01, with Excel's nonexistent
// 1900-02-29 as 60) or, when `date1904`, of the 1904 system (0 = 1904-01-01), as
// YYYY-MM-DD; "" for a serial before the system's first day or after 9999-12-31.
std::string ExcelSerialDate(double serial, bool date1904);

// What number format `code` (or built-in format `id` when `code` is empty) shows of a
// date: 0 not a date, 1 the year, 2 year and month (yyyy"年"m"月", mmm-yy), 3 the day.
// A custom format is a date when it has y or d outside quoted text, brackets and escapes.
// A cell under a year-and-month format reads YYYY-MM, as 初次发病时间 is written.
int DateFormatPrecision(int id, const std::string& code);

// The column letters of 0-based column `index` (0 = A, 26 = AA).
std::string ColumnLetters(size_t index);

// A workbook of one worksheet named `options.sheet_name` (table_file.h WriteTable).
absl::StatusOr<std::string> WriteXlsx(const std::vector<std::string>& header,
                                      const std::vector<std::vector<std::string>>& rows,
                                      const WriteTableOptions& options);

}  // namespace smdctl
