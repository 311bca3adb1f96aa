// CSV for the worklist export. Excel on Chinese Windows reads a CSV without a byte-order
// mark as GBK and garbles the names, so the file starts with a UTF-8 BOM. Fields are quoted
// as RFC 4180 asks; a field that starts with = + - @ (or a tab/CR) is prefixed with ' so
// Excel does not run it as a formula (CSV injection). Pure; tests/unit/worklist-csv.test.ts.

export const BOM = '\uFEFF';

function field(v: string | number): string {
  let s = String(v);
  if (/^[=+\-@\t\r]/.test(s) && !/^-?\d+(\.\d+)?$/.test(s)) s = "'" + s;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The rows (the first is the header) as CSV text with a BOM and CRLF line ends. */
export function toCsv(rows: (string | number)[][]): string {
  return BOM + rows.map((r) => r.map(field).join(',')).join('\r\n') + '\r\n';
}

/** "工作清单-逾期未随访-2026-12-06.csv": the list's name and the day it was taken. */
export function csvFileName(listName: string, today: string): string {
  return `${listName.replace(/[\\/:*?"<>|\s]+/g, '_')}-${today}.csv`;
}
