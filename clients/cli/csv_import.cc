#include "csv_import.h"

#include <algorithm>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "text_encoding.h"
#include "xlsx.h"

namespace smdctl {
namespace {

namespace v1 = smd::v1;

std::string Trim(const std::string& s) {
  return std::string(absl::StripAsciiWhitespace(s));
}

// "YYYY-MM-DD", "YYYY/MM/DD" or "YYYYMMDD"; partial dates "YYYY" and "YYYY-MM" when
// `partial`. Returns false when unreadable.
bool ParseDateParts(const std::string& in, int* y, int* m, int* d, bool partial) {
  std::string s = Trim(in);
  for (char& c : s) {
    if (c == '/' || c == '.') c = '-';
  }
  if (s.size() == 8 && s.find('-') == std::string::npos) {
    s = s.substr(0, 4) + "-" + s.substr(4, 2) + "-" + s.substr(6, 2);
  }
  std::vector<std::string> parts = absl::StrSplit(s, '-');
  *y = *m = *d = 0;
  if (parts.empty() || parts.size() > 3 || (!partial && parts.size() != 3)) return false;
  int* out[] = {y, m, d};
  for (size_t i = 0; i < parts.size(); ++i) {
    if (!absl::SimpleAtoi(parts[i], out[i])) return false;
  }
  return true;
}

bool SetDate(const std::string& v, v1::Date* out) {
  int y, m, d;
  if (!ParseDateParts(v, &y, &m, &d, false)) return false;
  out->set_year(y);
  out->set_month(m);
  out->set_day(d);
  return true;
}

bool YesNo(const std::string& v, bool* out) {
  static const std::set<std::string> kYes = {"是", "同意", "有", "Y", "y", "1", "true"};
  static const std::set<std::string> kNo = {"否", "不同意", "无", "N", "n", "0", "false", ""};
  const std::string t = Trim(v);
  if (kYes.count(t)) {
    *out = true;
    return true;
  }
  if (kNo.count(t)) {
    *out = false;
    return true;
  }
  return false;
}

template <typename E>
bool Choice(const std::string& v, const std::map<std::string, E>& names, E* out) {
  auto it = names.find(Trim(v));
  if (it == names.end()) return false;
  *out = it->second;
  return true;
}

// "3.20106E+17": what Excel shows, and saves in a CSV, for an 18-digit number typed into a
// numeric cell; the digits after the 15th are gone.
bool ExcelCutNumber(const std::string& s) {
  const auto e = s.find('E');
  if (e == std::string::npos || e == 0 || e + 2 > s.size() || s[e + 1] != '+') return false;
  for (size_t i = 0; i < s.size(); ++i) {
    if (i == e || i == e + 1) continue;
    if (!absl::ascii_isdigit(static_cast<unsigned char>(s[i])) && !(s[i] == '.' && i < e)) return false;
  }
  return true;
}

}  // namespace

const std::vector<std::string>& ImportColumns() {
  static const std::vector<std::string> kColumns = {
      "姓名",       "身份证号",     "联系电话",       "现住址",     "所属社区代码",
      "监护人姓名", "监护人关系",   "监护人地址",     "监护人电话", "知情同意",
      "知情同意日期", "知情同意签字人", "诊断",        "ICD-10编码", "确诊医院",
      "确诊日期",   "初次发病时间", "既往主要症状",   "既往关锁情况", "既往门诊治疗情况",
      "经济状况",   "参加社区康复", "建档日期"};
  return kColumns;
}

absl::StatusOr<std::vector<std::vector<std::string>>> ParseCsv(const std::string& text_in) {
  std::string text = text_in;
  if (text.rfind("\xEF\xBB\xBF", 0) == 0) text = text.substr(3);
  std::vector<std::vector<std::string>> rows;
  std::vector<std::string> row;
  std::string field;
  bool quoted = false, any = false;
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
        field += c;
      }
      continue;
    }
    if (c == '"') {
      quoted = true;
      any = true;
    } else if (c == ',') {
      row.push_back(field);
      field.clear();
      any = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      if (any || !field.empty()) {
        row.push_back(field);
        rows.push_back(row);
      }
      row.clear();
      field.clear();
      any = false;
    } else {
      field += c;
      any = true;
    }
  }
  if (quoted) return absl::InvalidArgumentError("CSV: 引号未闭合 (unterminated quote)");
  if (any || !field.empty()) {
    row.push_back(field);
    rows.push_back(row);
  }
  return rows;
}

absl::StatusOr<std::vector<CsvRow>> RowsFromCsv(const std::vector<std::vector<std::string>>& csv) {
  TableFile t;
  for (size_t r = 0; r < csv.size(); ++r) {
    TableRow row;
    row.number = static_cast<int>(r) + 1;
    row.cells = csv[r];
    t.rows.push_back(std::move(row));
  }
  return RowsFromTable(t);
}

absl::StatusOr<std::vector<CsvRow>> RowsFromTable(const TableFile& table) {
  if (table.rows.empty()) return absl::InvalidArgumentError("文件为空 (empty file)");
  const TableRow& header = table.rows[0];
  auto place = [&](size_t i) {
    return absl::StrCat("第 ", header.number, " 行 第 ", i + 1, " 列", table.xlsx ? " (" : "",
                        table.xlsx ? ColumnLetters(i) : "", table.xlsx ? ")" : "", ": ");
  };
  if (!header.error.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat(place(static_cast<size_t>(header.error_column)), header.error));
  }
  std::map<std::string, size_t> col;
  size_t width = header.cells.size();
  for (const TableRow& r : table.rows) width = std::max(width, r.cells.size());
  std::vector<std::string> names(width);  // by column, for cell errors
  const std::set<std::string> known(ImportColumns().begin(), ImportColumns().end());
  for (size_t i = 0; i < width; ++i) {
    const std::string h = i < header.cells.size() ? Trim(header.cells[i]) : "";
    names[i] = h;
    if (h.empty()) {
      // A column without a name (a stray cell beside the table) is an error only when
      // something is written in it.
      for (size_t r = 1; r < table.rows.size(); ++r) {
        const auto& cells = table.rows[r].cells;
        if (i < cells.size() && !Trim(cells[i]).empty()) {
          return absl::InvalidArgumentError(
              absl::StrCat(place(i), "列名为空，但第 ", table.rows[r].number,
                           " 行在此列有内容 (a column without a name holds data)"));
        }
      }
      continue;
    }
    if (!known.count(h)) {
      // Text that did not come through table_file.h's decoding (ParseCsv of GBK bytes) is
      // shown in hex, never as mojibake.
      auto text = DecodeToUtf8(h, TextEncoding::kUtf8);
      if (!text.ok()) return absl::InvalidArgumentError(absl::StrCat(place(i), text.status().message()));
      return absl::InvalidArgumentError(
          absl::StrCat(place(i), "未知列 (unknown column) \"", h, "\""));
    }
    if (col.count(h)) {
      return absl::InvalidArgumentError(
          absl::StrCat(place(i), "重复的列 (repeated column) \"", h, "\""));
    }
    col[h] = i;
  }
  for (const char* need : {"姓名", "身份证号", "所属社区代码"}) {
    if (!col.count(need)) {
      return absl::InvalidArgumentError(absl::StrCat("缺少列 (missing column) ", need));
    }
  }
  static const std::map<std::string, v1::DiagnosisCategory> kDiagnoses = {
      {"精神分裂症", v1::DIAGNOSIS_SCHIZOPHRENIA},
      {"分裂情感性障碍", v1::DIAGNOSIS_SCHIZOAFFECTIVE},
      {"偏执性精神病", v1::DIAGNOSIS_PERSISTENT_DELUSIONAL},
      {"持久的妄想性障碍", v1::DIAGNOSIS_PERSISTENT_DELUSIONAL},
      {"双相情感障碍", v1::DIAGNOSIS_BIPOLAR},
      {"双相（情感）障碍", v1::DIAGNOSIS_BIPOLAR},
      {"癫痫所致精神障碍", v1::DIAGNOSIS_EPILEPSY_RELATED},
      {"精神发育迟滞伴发精神障碍", v1::DIAGNOSIS_INTELLECTUAL_DISABILITY_RELATED}};
  static const std::map<std::string, v1::LockupStatus> kLockup = {
      {"无关锁", v1::LOCKUP_NONE}, {"关锁", v1::LOCKUP_LOCKED}, {"关锁已解除", v1::LOCKUP_RELEASED},
      {"", v1::LOCKUP_UNSPECIFIED}};
  static const std::map<std::string, v1::OutpatientHistory> kOutpatient = {
      {"未治", v1::OUTPATIENT_NEVER}, {"间断门诊治疗", v1::OUTPATIENT_INTERMITTENT},
      {"连续门诊治疗", v1::OUTPATIENT_CONTINUOUS}, {"", v1::OUTPATIENT_UNSPECIFIED}};
  static const std::map<std::string, v1::EconomicStatus> kEconomic = {
      {"贫困", v1::ECONOMIC_POOR}, {"非贫困", v1::ECONOMIC_NOT_POOR}, {"不详", v1::ECONOMIC_UNKNOWN},
      {"", v1::ECONOMIC_UNSPECIFIED}};

  std::vector<CsvRow> out;
  for (size_t r = 1; r < table.rows.size(); ++r) {
    const TableRow& in = table.rows[r];
    CsvRow cr;
    cr.line = in.number;
    cr.row.set_row(cr.line);
    if (!in.error.empty()) {
      const size_t c = static_cast<size_t>(in.error_column);
      cr.error = absl::StrCat(c < names.size() && !names[c].empty()
                                  ? names[c]
                                  : absl::StrCat("第 ", c + 1, " 列"),
                              ": ", in.error);
      out.push_back(std::move(cr));
      continue;
    }
    auto get = [&](const std::string& name) -> std::string {
      auto it = col.find(name);
      if (it == col.end() || it->second >= in.cells.size()) return "";
      return Trim(in.cells[it->second]);
    };
    auto bad = [&](const std::string& column, const std::string& why) {
      if (cr.error.empty()) cr.error = absl::StrCat(column, ": ", why);
    };
    v1::PatientDetails& d = *cr.row.mutable_details();
    d.set_name(get("姓名"));
    d.set_id_number(absl::AsciiStrToUpper(get("身份证号")));
    if (ExcelCutNumber(d.id_number())) {
      bad("身份证号",
          "为科学计数法，Excel 已丢失其末尾数字；请将此列设为“文本”格式后重新输入 (in "
          "scientific notation: Excel has already lost its last digits; format the column as "
          "Text and enter the values again)");
    }
    d.set_phone(get("联系电话"));
    d.set_address(get("现住址"));
    d.set_jurisdiction(get("所属社区代码"));
    d.mutable_guardian()->set_name(get("监护人姓名"));
    d.mutable_guardian()->set_relationship(get("监护人关系"));
    d.mutable_guardian()->set_address(get("监护人地址"));
    d.mutable_guardian()->set_phone(get("监护人电话"));
    bool yes = false;
    if (!YesNo(get("知情同意"), &yes)) bad("知情同意", "须为 是/否 (yes or no)");
    d.set_consent(yes);
    if (!get("知情同意日期").empty() && !SetDate(get("知情同意日期"), d.mutable_consent_date())) {
      bad("知情同意日期", "日期格式须为 YYYY-MM-DD (date as YYYY-MM-DD)");
    }
    d.set_consent_signer(get("知情同意签字人"));
    v1::DiagnosisCategory dx = v1::DIAGNOSIS_UNSPECIFIED;
    if (!get("诊断").empty() && !Choice(get("诊断"), kDiagnoses, &dx)) {
      bad("诊断", "须为六类严重精神障碍之一 (one of the six disorders)");
    }
    d.set_diagnosis(dx);
    d.set_icd10(get("ICD-10编码"));
    d.set_diagnosing_hospital(get("确诊医院"));
    if (!get("确诊日期").empty() && !SetDate(get("确诊日期"), d.mutable_diagnosis_date())) {
      bad("确诊日期", "日期格式须为 YYYY-MM-DD (date as YYYY-MM-DD)");
    }
    if (!get("初次发病时间").empty()) {
      int y, m, dd;
      if (!ParseDateParts(get("初次发病时间"), &y, &m, &dd, true)) {
        bad("初次发病时间", "须为 YYYY、YYYY-MM 或 YYYY-MM-DD (partial date)");
      } else {
        d.mutable_onset()->set_year(y);
        d.mutable_onset()->set_month(m);
        d.mutable_onset()->set_day(dd);
      }
    }
    for (absl::string_view s : absl::StrSplit(get("既往主要症状"), absl::ByAnyChar(";；、 "),
                                              absl::SkipEmpty())) {
      int code = 0;
      if (!absl::SimpleAtoi(s, &code)) {
        bad("既往主要症状", "须为症状编号，以分号分隔 (symptom codes separated by ;)");
      } else {
        d.add_past_symptoms(code);
      }
    }
    v1::LockupStatus lock = v1::LOCKUP_UNSPECIFIED;
    if (!Choice(get("既往关锁情况"), kLockup, &lock)) bad("既往关锁情况", "无关锁/关锁/关锁已解除");
    d.set_past_lockup(lock);
    v1::OutpatientHistory op = v1::OUTPATIENT_UNSPECIFIED;
    if (!Choice(get("既往门诊治疗情况"), kOutpatient, &op)) {
      bad("既往门诊治疗情况", "未治/间断门诊治疗/连续门诊治疗");
    }
    d.set_outpatient(op);
    v1::EconomicStatus ec = v1::ECONOMIC_UNSPECIFIED;
    if (!Choice(get("经济状况"), kEconomic, &ec)) bad("经济状况", "贫困/非贫困/不详");
    d.set_economic(ec);
    if (!YesNo(get("参加社区康复"), &yes)) bad("参加社区康复", "须为 是/否 (yes or no)");
    d.set_community_rehab(yes);
    if (!get("建档日期").empty() && !SetDate(get("建档日期"), cr.row.mutable_registered_on())) {
      bad("建档日期", "日期格式须为 YYYY-MM-DD (date as YYYY-MM-DD)");
    }
    out.push_back(std::move(cr));
  }
  return out;
}

}  // namespace smdctl
