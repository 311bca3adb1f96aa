#pragma once
// Tables from and to the files offices really have (docs/import.md "Files smdctl reads",
// docs/cli.md "Exporting tables"): CSV in UTF-8 (with or without a byte-order mark) or
// GB18030/GBK, and Excel .xlsx workbooks. Every import reads through ReadTable and every
// export writes through WriteTable, so the rules below hold for all of them.
//
// Using it for an import (as `patient import` does, csv_import.h RowsFromTable):
//   auto t = ReadTable(path, options);        // file-level problems: INVALID_ARGUMENT
//   t->rows[0] is the header; for each later row, report problems as
//   "第 <row.number> 行 <header[column]>: ..." and refuse a row whose `error` is set
//   (naming header[row.error_column]) without sending it.

#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "text_encoding.h"

namespace smdctl {

struct ReadTableOptions {
  // CSV only: kAuto detects (text_encoding.h DetectEncoding).
  TextEncoding encoding = TextEncoding::kAuto;
  // .xlsx only: the worksheet by name; "" = the first worksheet of the workbook.
  std::string sheet;
};

// One row of the file with something in it (empty rows, such as the trailing rows Excel
// keeps, are left out). Cells are UTF-8, surrounding spaces kept, trailing empty cells
// dropped: a short row reads as empty cells to the right.
struct TableRow {
  // CSV: the line the record starts on (1-based; a quoted field may span lines);
  // .xlsx: the row number Excel shows.
  int number = 0;
  std::vector<std::string> cells;
  // The first cell of the row that could not be read, and why (Chinese first, English in
  // brackets, without the cell's value: it may be a name or an ID number): bytes that are
  // not text in the file's encoding (shown in hex), a number of more than 15 digits
  // (Excel has already dropped its last digits), an Excel error value. -1 and "" otherwise.
  int error_column = -1;
  std::string error;
};

struct TableFile {
  std::vector<TableRow> rows;  // the header (the first non-empty row) first
  bool xlsx = false;
  TextEncoding encoding = TextEncoding::kUtf8;  // CSV: what the file was read as
};

// The content of a file as a table: .xlsx when it is a zip archive ("PK\3\4"), CSV
// otherwise. INVALID_ARGUMENT, naming the row when there is one, for what makes the whole
// file unreadable: an unterminated quote, an undecodable header, UTF-16 text, an old .xls
// or an encrypted workbook, a missing worksheet, a damaged archive.
absl::StatusOr<TableFile> ParseTable(const std::string& bytes, const ReadTableOptions& options);

// ParseTable of the file at `path` ("-" = `stdin`, given as its content).
absl::StatusOr<TableFile> ReadTable(const std::string& path, const ReadTableOptions& options,
                                    const std::string& stdin_content = "");

enum class TableFormat { kCsv, kXlsx };

// "csv" or "xlsx"; "" = by the extension of `path` (.xlsx, else CSV). INVALID_ARGUMENT
// naming --format otherwise.
absl::StatusOr<TableFormat> ParseFormat(const std::string& name, const std::string& path);

struct WriteTableOptions {
  TableFormat format = TableFormat::kCsv;
  // CSV only: kUtf8 (with a byte-order mark, so that Excel reads it as UTF-8) or kGb18030
  // (no mark: what Excel on Chinese Windows reads by default). .xlsx is always UTF-8.
  TextEncoding encoding = TextEncoding::kUtf8;
  // .xlsx only: columns (0-based) whose cells are written as numbers when they read as a
  // plain decimal number; every other cell is a text cell (format "@"), so that Excel keeps
  // ID numbers, codes and phone numbers exactly as written.
  std::set<size_t> numeric_columns;
  std::string sheet_name = "Sheet1";
};

// The header row and the rows as a file's content. CSV: RFC 4180 quoting, CRLF lines.
// .xlsx: one worksheet, a bold frozen header row, column widths fitted to the text.
absl::StatusOr<std::string> WriteTable(const std::vector<std::string>& header,
                                       const std::vector<std::vector<std::string>>& rows,
                                       const WriteTableOptions& options);

}  // namespace smdctl
