#include "store/patient_repository.h"

#include <map>
#include <tuple>
#include <utility>

#include <pqxx/pqxx>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/status_macros.h"
#include "crypto/blind_index.h"
#include "crypto/encoding.h"
#include "store/cipher_cells.h"
#include "store/errors.h"
#include "store/internal/pg.h"
#include "store/internal/tx.h"
#include "store/metric_repository.h"
#include "store/statements.h"

namespace smd::store {
namespace {

// One column order for SELECT, INSERT and UPDATE, so the three cannot drift apart.
constexpr const char* kColumns[] = {
    "id",                        // 0
    "id_number_enc",             // 1
    "id_number_index",           // 2
    "name_enc",                  // 3
    "name_index",                // 4
    "phone_enc",                 // 5
    "address_enc",               // 6
    "guardian_name_enc",         // 7
    "guardian_address_enc",      // 8
    "guardian_phone_enc",        // 9
    "guardian_relationship",     // 10
    "sex",                       // 11
    "birth_date",                // 12
    "jurisdiction",              // 13
    "community_contact_name",    // 14
    "community_contact_phone",   // 15
    "consent",                   // 16
    "consent_date",              // 17
    "consent_signer",            // 18
    "diagnosis",                 // 19
    "icd10",                     // 20
    "diagnosing_hospital",       // 21
    "diagnosis_date",            // 22
    "onset_year",                // 23
    "onset_month",               // 24
    "onset_day",                 // 25
    "past_symptoms",             // 26
    "past_symptoms_other",       // 27
    "past_lockup",               // 28
    "outpatient",                // 29
    "first_antipsychotic_date",  // 30
    "hospitalizations",          // 31
    "last_treatment_effect",     // 32
    "past_minor_trouble",        // 33
    "past_trouble",              // 34
    "past_accident",             // 35
    "past_other_harm",           // 36
    "past_self_harm",            // 37
    "past_attempted_suicide",    // 38
    "economic",                  // 39
    "specialist_opinion",        // 40
    "poverty_relief",            // 41
    "guardianship_subsidy",      // 42
    "disability_certificate",    // 43
    "community_rehab",           // 44
    "status",                    // 45
    "risk_level",                // 46
    "classification",            // 47
    "closed_date",               // 48
    "close_reason",              // 49
    "death_cause",               // 50
    "transfer_to",               // 51
    "version",                   // 52
    "registered_at",             // 53
    "registered_by",             // 54
    "updated_at",                // 55
    "enc_version",               // 56 (migration 0013; table order: COPY relies on it)
    "index_key_id",              // 57 (migration 0023): the key of both blind indexes
};
constexpr int kColumnCount = sizeof(kColumns) / sizeof(kColumns[0]);
constexpr size_t kColumnWidth = sizeof(kColumns) / sizeof(kColumns[0]);

// Casts for parameters sent as text.
std::string Cast(int i) {
  switch (i) {
    case 0:
    case 54:
      return "::uuid";
    case 12:
    case 17:
    case 22:
    case 30:
    case 48:
      return "::date";
    case 26:
      return "::smallint[]";
    case 53:
    case 55:
      return "::timestamptz";
    default:
      return "";
  }
}

std::string SelectList() {
  std::vector<std::string> cols;
  for (int i = 0; i < kColumnCount; ++i) {
    std::string c = kColumns[i];
    if (i == 0 || i == 54) c += "::text";
    cols.push_back(c);
  }
  return absl::StrJoin(cols, ", ");
}

std::string InsertSql() {
  std::vector<std::string> vals;
  for (int i = 0; i < kColumnCount; ++i) vals.push_back(absl::StrCat("$", i + 1, Cast(i)));
  return absl::StrCat("INSERT INTO patient (", absl::StrJoin(kColumns, ", "), ") VALUES (",
                      absl::StrJoin(vals, ", "), ")");
}

// Every column except id, id_number_index, registered_* and the follow-up state
// (risk_level, classification: written by follow-ups through SetAssessment, so an edit of
// the form with an older version cannot undo a newer assessment), numbered from $2 in
// column order. The ID number's ciphertext is rewritten (its associated data carries the
// row's enc_version), never its value: the blind index must still match (last parameter).
// The version is checked and bumped; enc_version is set to the next one ($n+1) only if it
// is still the one the cells were encrypted after.
bool UpdateSkips(int i) {
  return i == 0 || i == 2 || i == 46 || i == 47 || (i >= 52 && i <= 54) || i >= 56;
}

std::string UpdateSql() {
  std::vector<std::string> sets;
  int n = 2;
  for (int i = 0; i < kColumnCount; ++i) {
    if (UpdateSkips(i)) continue;
    sets.push_back(absl::StrCat(kColumns[i], " = $", n++, Cast(i)));
  }
  sets.push_back("version = version + 1");
  sets.push_back(absl::StrCat("enc_version = $", n + 1, "::bigint"));
  // The ID number's index is rewritten under the active index key ($n+3, id $n+4), but only
  // over one that matches the number under some key of the ring ($n+2, hex digests): a row
  // not rebuilt yet after a blind-index key rotation is still the number's own.
  sets.push_back(absl::StrCat("id_number_index = $", n + 3));
  sets.push_back(absl::StrCat("index_key_id = $", n + 4, "::smallint"));
  return absl::StrCat("UPDATE patient SET ", absl::StrJoin(sets, ", "),
                      " WHERE id = $1::uuid AND version = $", n, " AND enc_version = $", n + 1,
                      "::bigint - 1 AND encode(id_number_index, 'hex') = ANY($", n + 2,
                      "::text[])");
}

// The enc_version of rows the server writes (0 is "before migration 0013").
constexpr int64_t kFirstEncVersion = 1;

// Associated data of an encrypted column: the row id, the column name and the row's
// enc_version, so that a ciphertext copied to another row or another column, or an older
// ciphertext of the same cell, fails authentication.
std::string Aad(const std::string& row_id, int column, int64_t enc_version) {
  return PatientCellAad(kColumns[column], row_id, enc_version);
}

// A row of CopyValues as the tuple pqxx::stream_to takes (libpqxx 6.4 streams tuples
// only), by reference.
template <size_t... I>
auto RowTuple(const std::vector<std::optional<std::string>>& v, std::index_sequence<I...>) {
  return std::tie(v[I]...);
}

// Transfer texts are written once each (the reason at the request, the note at the
// decision), so their cells need no version: the only older state of a note is "none".
std::string TransferAad(const std::string& transfer_id, const char* column) {
  return absl::StrCat("patient_transfer.", column, ":", transfer_id);
}

const std::string& PatientSelect() {
  static const std::string s = "SELECT " + SelectList() + " FROM patient";
  return s;
}

constexpr char kTransferColumns[] =
    "id::text, patient_id::text, from_jurisdiction, to_jurisdiction, status, reason, "
    "requested_by::text, requested_at, decided_by::text, decided_at, decision_note, "
    "reason_enc, decision_note_enc, effective_date";

}  // namespace

std::vector<Statement> PatientStatements() {
  static const std::string insert = InsertSql();
  static const std::string update = UpdateSql();
  static const std::string get = PatientSelect() + " WHERE id = $1::uuid";
  // NO KEY UPDATE: the id never changes, and a plain FOR UPDATE would also block every
  // concurrent foreign-key check on the patient (e.g. a metric year being built inserting
  // the patient's state row), turning the wait on the build lock into a deadlock.
  static const std::string get_lock = get + " FOR NO KEY UPDATE";
  static const std::string t_get =
      std::string("SELECT ") + kTransferColumns + " FROM patient_transfer WHERE id = $1::uuid";
  static const std::string t_get_lock = t_get + " FOR UPDATE";
  // The caller's region ($5) bounds each side: the page's ids come from the two indexes
  // led by the codes (migration 0030: patient_transfer_from_page, patient_transfer_to_page;
  // the region as the range [$5, smd_prefix_end($5)), which a generic plan can use), each
  // side's newest `limit` after the keyset, merged and cut to `limit`; then only the page's
  // rows are read. A transfer inside the region is on both sides once (UNION). The
  // row-level policy still applies to every row read.
  auto t_side = [](const char* code) {
    return absl::StrCat(
        "(SELECT id, requested_at AS k_at FROM patient_transfer WHERE ", code, " ~>=~ $5 AND ",
        code,
        " ~<~ smd_prefix_end($5) AND (NOT $1 OR status = 1) AND ($2::timestamptz IS NULL OR "
        "(requested_at, id) < ($2::timestamptz, $3::uuid)) ORDER BY requested_at DESC, id DESC "
        "LIMIT $4)");
  };
  static const std::string t_list = absl::StrCat(
      "SELECT ", kTransferColumns, " FROM patient_transfer t JOIN (", t_side("from_jurisdiction"),
      " UNION ", t_side("to_jurisdiction"),
      " ORDER BY k_at DESC, id DESC LIMIT $4) k USING (id) ORDER BY k.k_at DESC, t.id DESC");
  // SKIP LOCKED: a row a call holds is passed over instead of waited for (the last batch
  // counts what is left: UpgradeBatch::left).
  static const std::string legacy_batch =
      PatientSelect() +
      " WHERE enc_version = 0 AND ($1::uuid IS NULL OR id > $1::uuid) ORDER BY id LIMIT $2 "
      "FOR NO KEY UPDATE SKIP LOCKED";
  static const std::string t_legacy_batch =
      std::string("SELECT ") + kTransferColumns +
      " FROM patient_transfer WHERE reason_enc IS NULL AND ($1::uuid IS NULL OR id > $1::uuid) "
      "ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED";
  // A page of rows by id (GetMany: the metric patient list).
  static const std::string get_many = PatientSelect() + " WHERE id = ANY($1::uuid[]) ORDER BY id";
  return {
      {"patient.insert", insert.c_str()},
      {"patient.update", update.c_str()},
      {"patient.get", get.c_str()},
      {"patient.get_lock", get_lock.c_str()},
      {"patient.get_many", get_many.c_str()},
      {"patient.holder", "SELECT smd_patient_holder($1)"},
      // Blind indexes travel as hex text (libpqxx 6.4 has no bytea[] parameter).
      {"patient.holders",
       "SELECT encode(index_value, 'hex'), jurisdiction FROM smd_patient_holders(ARRAY("
       "SELECT decode(h, 'hex') FROM unnest($1::text[]) AS h))"},
      {"patient.set_assessment",
       "UPDATE patient SET risk_level = $2, classification = $3 WHERE id = $1::uuid"},
      {"patient.jurisdiction_of", "SELECT smd_patient_jurisdiction($1::uuid)"},
      {"patient.index_matches",
       "SELECT encode(id_number_index, 'hex') = ANY($2::text[]) FROM patient WHERE id = $1::uuid"},
      {"patient.legacy_batch", legacy_batch.c_str()},
      {"patient.legacy_left", "SELECT count(*) FROM patient WHERE enc_version = 0"},
      {"patient.reencrypt",
       "UPDATE patient SET id_number_enc = $2, name_enc = $3, phone_enc = $4, address_enc = $5, "
       "guardian_name_enc = $6, guardian_address_enc = $7, guardian_phone_enc = $8, "
       "enc_version = $9 WHERE id = $1::uuid AND enc_version = 0"},
      {"transfer.insert",
       "INSERT INTO patient_transfer (id, patient_id, from_jurisdiction, to_jurisdiction, "
       "status, reason_enc, requested_by, requested_at, effective_date) VALUES ($1::uuid, "
       "$2::uuid, $3, $4, $5, $6, $7::uuid, $8::timestamptz, $9::date)"},
      {"transfer.get", t_get.c_str()},
      {"transfer.get_lock", t_get_lock.c_str()},
      {"transfer.decide",
       "UPDATE patient_transfer SET status = $2, decided_by = $3::uuid, "
       "decided_at = $4::timestamptz, decision_note_enc = $5 WHERE id = $1::uuid"},
      {"transfer.convert",
       "UPDATE patient_transfer SET reason_enc = $2, decision_note_enc = $3, reason = '', "
       "decision_note = '' WHERE id = $1::uuid AND reason_enc IS NULL"},
      {"transfer.refuse", "SELECT smd_refuse_transfer($1::uuid, $2::uuid, $3::timestamptz, $4)"},
      {"transfer.list", t_list.c_str()},
      {"transfer.legacy_batch", t_legacy_batch.c_str()},
      {"transfer.legacy_left", "SELECT count(*) FROM patient_transfer WHERE reason_enc IS NULL"},
  };
}

PatientRepository::PatientRepository(const crypto::KeyRing& keys)
    : keys_(keys), cipher_(keys) {}

std::string PatientRepository::IdIndex(const std::string& number) const {
  return crypto::BlindIndex(keys_, "id_number", number);
}

std::vector<std::string> PatientRepository::IdIndexes(const std::string& number) const {
  return crypto::BlindIndexes(keys_, "id_number", number);
}

std::string PatientRepository::HexArray(const std::vector<std::string>& digests) {
  std::vector<std::string> hex;
  for (const auto& d : digests) hex.push_back(crypto::HexEncode(d));
  return absl::StrCat("{", absl::StrJoin(hex, ","), "}");
}

std::string PatientRepository::NameIndex(const std::string& name) const {
  return crypto::BlindIndex(keys_, "name", crypto::NormalizeName(name));
}

absl::StatusOr<PatientRepository::SealedCells> PatientRepository::SealCells(
    const domain::Patient& p, int64_t enc_version) const {
  auto enc = [&](int col, const std::string& v) {
    return cipher_.Encrypt(v, Aad(p.id, col, enc_version));
  };
  SealedCells c;
  ASSIGN_OR_RETURN(c.id_number, enc(1, p.id_number));
  ASSIGN_OR_RETURN(c.name, enc(3, p.name));
  ASSIGN_OR_RETURN(c.phone, enc(5, p.phone));
  ASSIGN_OR_RETURN(c.address, enc(6, p.address));
  ASSIGN_OR_RETURN(c.guardian_name, enc(7, p.guardian.name));
  ASSIGN_OR_RETURN(c.guardian_address, enc(8, p.guardian.address));
  ASSIGN_OR_RETURN(c.guardian_phone, enc(9, p.guardian.phone));
  return c;
}

absl::Status PatientRepository::Insert(Tx& tx, const domain::Patient& p) {
  ASSIGN_OR_RETURN(const SealedCells c, SealCells(p, kFirstEncVersion));
  return Guard([&]() -> absl::Status {
    const auto& b = p.past_behaviour;
    tx.w().exec_prepared(
        "patient.insert", p.id, pg::Bytes(c.id_number), pg::Bytes(IdIndex(p.id_number)),
        pg::Bytes(c.name), pg::Bytes(NameIndex(p.name)), pg::Bytes(c.phone),
        pg::Bytes(c.address), pg::Bytes(c.guardian_name), pg::Bytes(c.guardian_address),
        pg::Bytes(c.guardian_phone),
        p.guardian.relationship, static_cast<int>(p.sex), pg::Day(p.birth_date), p.jurisdiction,
        p.community_contact_name, p.community_contact_phone, p.consent,
        pg::OptDay(p.consent_date), p.consent_signer, static_cast<int>(p.diagnosis), p.icd10,
        p.diagnosing_hospital, pg::OptDay(p.diagnosis_date), p.onset.year, p.onset.month,
        p.onset.day, pg::IntArray(p.past_symptoms), p.past_symptoms_other,
        static_cast<int>(p.past_lockup), static_cast<int>(p.outpatient),
        pg::OptDay(p.first_antipsychotic_date), p.hospitalizations,
        static_cast<int>(p.last_treatment_effect), b.minor_trouble, b.trouble, b.accident,
        b.other_harm, b.self_harm, b.attempted_suicide, static_cast<int>(p.economic),
        p.specialist_opinion, p.poverty_relief, p.guardianship_subsidy, p.disability_certificate,
        p.community_rehab, static_cast<int>(p.status), p.risk_level, p.classification,
        pg::OptDay(p.closed_date), p.close_reason, p.death_cause, p.transfer_to, p.version,
        pg::Time(p.registered_at), p.registered_by, pg::Time(p.updated_at), kFirstEncVersion,
        static_cast<int>(keys_.index_key_id));
    metric_repo::MarkPatient(tx, p.id);  // a metric input (store/metric_repository.h)
    return absl::OkStatus();
  });
}

absl::StatusOr<PatientRepository::RowValues> PatientRepository::CopyValues(
    const domain::Patient& p) const {
  auto bytes = [](const std::string& b) { return absl::StrCat("\\x", crypto::HexEncode(b)); };
  ASSIGN_OR_RETURN(const SealedCells c, SealCells(p, kFirstEncVersion));
  auto num = [](int64_t v) { return std::optional<std::string>(std::to_string(v)); };
  auto flag = [](bool v) { return std::optional<std::string>(v ? "t" : "f"); };
  const auto& b = p.past_behaviour;
  // Insert's parameters, in the same order (kColumns).
  std::vector<std::optional<std::string>> v = {
      p.id, bytes(c.id_number), bytes(IdIndex(p.id_number)), bytes(c.name),
      bytes(NameIndex(p.name)), bytes(c.phone), bytes(c.address), bytes(c.guardian_name),
      bytes(c.guardian_address), bytes(c.guardian_phone), p.guardian.relationship,
      num(static_cast<int>(p.sex)), pg::Day(p.birth_date), p.jurisdiction, p.community_contact_name,
      p.community_contact_phone, flag(p.consent), pg::OptDay(p.consent_date),
      p.consent_signer, num(static_cast<int>(p.diagnosis)), p.icd10, p.diagnosing_hospital,
      pg::OptDay(p.diagnosis_date), num(p.onset.year), num(p.onset.month), num(p.onset.day),
      pg::IntArray(p.past_symptoms), p.past_symptoms_other,
      num(static_cast<int>(p.past_lockup)), num(static_cast<int>(p.outpatient)),
      pg::OptDay(p.first_antipsychotic_date), num(p.hospitalizations),
      num(static_cast<int>(p.last_treatment_effect)), num(b.minor_trouble), num(b.trouble),
      num(b.accident), num(b.other_harm), num(b.self_harm), num(b.attempted_suicide),
      num(static_cast<int>(p.economic)), p.specialist_opinion, flag(p.poverty_relief),
      flag(p.guardianship_subsidy), flag(p.disability_certificate), flag(p.community_rehab),
      num(static_cast<int>(p.status)), num(p.risk_level), num(p.classification),
      pg::OptDay(p.closed_date), p.close_reason, num(p.death_cause), p.transfer_to,
      num(p.version), pg::Time(p.registered_at), p.registered_by, pg::Time(p.updated_at),
      num(kFirstEncVersion), num(keys_.index_key_id)};
  if (static_cast<int>(v.size()) != kColumnCount) {
    return absl::InternalError("patient copy values do not match the column list");
  }
  return v;
}

absl::StatusOr<std::vector<std::string>> PatientRepository::InsertMany(
    Tx& tx, const std::vector<RowValues>& rows) {
  if (rows.empty()) return std::vector<std::string>();
  return Guard([&]() -> absl::StatusOr<std::vector<std::string>> {
    pqxx::work& w = tx.w();
    // COPY cannot write a table under row-level security, so the rows go into a temporary
    // table of the connection first (kept for the connection's next imports, emptied at
    // every commit; created again if the transaction that created it rolled back), and one
    // INSERT ... SELECT moves them under the policy's WITH CHECK. Fixed SQL, no values.
    // Temporary rather than a shared table: a shared one keeps every batch's deleted rows
    // until a vacuum, and each batch's DELETE would scan them all (migration 0026 grants
    // the app role TEMPORARY on the database for this).
    if (w.exec1("SELECT to_regclass('pg_temp.patient_import') IS NULL")[0].as<bool>()) {
      w.exec0("CREATE TEMP TABLE patient_import (LIKE patient) ON COMMIT DELETE ROWS");
    }
    static const std::vector<std::string> columns(std::begin(kColumns), std::end(kColumns));
    {
      pqxx::stream_to copy(w, "pg_temp.patient_import", columns);
      for (const RowValues& r : rows) {
        if (r.size() != kColumnWidth) throw pqxx::usage_error("patient row of the wrong width");
        copy << RowTuple(r, std::make_index_sequence<kColumnWidth>());
      }
      copy.complete();
    }
    // Emptied by the same statement, so the staging table never holds a row past it.
    static const std::string move_sql = absl::StrCat(
        "WITH staged AS (DELETE FROM pg_temp.patient_import RETURNING *) INSERT INTO patient (",
        absl::StrJoin(kColumns, ", "), ") SELECT ", absl::StrJoin(kColumns, ", "),
        " FROM staged ON CONFLICT (id_number_index) DO NOTHING RETURNING id::text");
    std::vector<std::string> ids;
    ids.reserve(rows.size());
    for (const auto& r : w.exec(move_sql)) ids.push_back(r[0].as<std::string>());
    // Each new patient is a metric input, refreshed once by the call frame (the many-patients
    // case of the same path; store/metric_repository.h).
    for (const std::string& id : ids) metric_repo::MarkPatient(tx, id);
    return ids;
  });
}

absl::StatusOr<std::vector<std::optional<std::string>>> PatientRepository::HoldersOf(
    Tx& tx, const std::vector<std::string>& id_indexes) {
  using Out = std::vector<std::optional<std::string>>;
  if (id_indexes.empty()) return Out();
  std::vector<std::string> hex;
  hex.reserve(id_indexes.size());
  for (const auto& i : id_indexes) hex.push_back(crypto::HexEncode(i));
  return Guard([&]() -> absl::StatusOr<Out> {
    std::map<std::string, std::string> found;  // hex index -> jurisdiction
    for (const auto& r : tx.w().exec_prepared("patient.holders", pg::TextArray(hex))) {
      found.emplace(r[0].as<std::string>(), r[1].as<std::string>());
    }
    Out out(id_indexes.size());
    for (size_t i = 0; i < hex.size(); ++i) {
      auto it = found.find(hex[i]);
      if (it != found.end()) out[i] = it->second;
    }
    return out;
  });
}

absl::Status PatientRepository::Update(Tx& tx, const domain::Patient& p) {
  const std::string stale =
      "记录已被他人修改，请重新读取后再提交 (version is stale: re-read and retry)";
  // The cells are encrypted for the counter after the one read (p.enc_version, from the
  // caller's locked read), each with a fresh nonce (the ID number's value never changes);
  // the UPDATE stores it only if the row still has the one read.
  const int64_t next = p.enc_version + 1;
  ASSIGN_OR_RETURN(const SealedCells c, SealCells(p, next));
  return Guard([&]() -> absl::Status {
    const auto& b = p.past_behaviour;
    pqxx::result r = tx.w().exec_prepared(
        "patient.update", p.id, pg::Bytes(c.id_number), pg::Bytes(c.name),
        pg::Bytes(NameIndex(p.name)), pg::Bytes(c.phone), pg::Bytes(c.address),
        pg::Bytes(c.guardian_name), pg::Bytes(c.guardian_address), pg::Bytes(c.guardian_phone),
        p.guardian.relationship,
        static_cast<int>(p.sex), pg::Day(p.birth_date), p.jurisdiction,
        p.community_contact_name, p.community_contact_phone, p.consent,
        pg::OptDay(p.consent_date), p.consent_signer, static_cast<int>(p.diagnosis), p.icd10,
        p.diagnosing_hospital, pg::OptDay(p.diagnosis_date), p.onset.year, p.onset.month,
        p.onset.day, pg::IntArray(p.past_symptoms), p.past_symptoms_other,
        static_cast<int>(p.past_lockup), static_cast<int>(p.outpatient),
        pg::OptDay(p.first_antipsychotic_date), p.hospitalizations,
        static_cast<int>(p.last_treatment_effect), b.minor_trouble, b.trouble, b.accident,
        b.other_harm, b.self_harm, b.attempted_suicide, static_cast<int>(p.economic),
        p.specialist_opinion, p.poverty_relief, p.guardianship_subsidy, p.disability_certificate,
        p.community_rehab, static_cast<int>(p.status), pg::OptDay(p.closed_date),
        p.close_reason, p.death_cause, p.transfer_to, pg::Time(p.updated_at), p.version, next,
        HexArray(IdIndexes(p.id_number)), pg::Bytes(IdIndex(p.id_number)),
        static_cast<int>(keys_.index_key_id));
    if (r.affected_rows() == 1) {
      metric_repo::MarkPatient(tx, p.id);  // a metric input (store/metric_repository.h)
      return absl::OkStatus();
    }
    // Not a stale version but a row whose ID index is not its own number's (copied from
    // another row): retrying would never succeed, so say what it is.
    pqxx::result idx =
        tx.w().exec_prepared("patient.index_matches", p.id, HexArray(IdIndexes(p.id_number)));
    if (!idx.empty() && !idx[0][0].as<bool>()) {
      return absl::DataLossError(
          "patient: 记录的索引与内容不符 (the record's blind index does not match its content: "
          "it was altered)");
    }
    return absl::AbortedError(stale);
  });
}

domain::Patient PatientRepository::ReadPlain(const void* row_ptr) {
  const pqxx::row& r = *static_cast<const pqxx::row*>(row_ptr);
  domain::Patient p;
  p.id = r[0].as<std::string>();
  p.guardian.relationship = r[10].as<std::string>();
  p.sex = static_cast<domain::Sex>(r[11].as<int>());
  p.birth_date = pg::DayField(r[12]);
  p.jurisdiction = r[13].as<std::string>();
  p.community_contact_name = r[14].as<std::string>();
  p.community_contact_phone = r[15].as<std::string>();
  p.consent = r[16].as<bool>();
  p.consent_date = pg::OptDayField(r[17]);
  p.consent_signer = r[18].as<std::string>();
  p.diagnosis = static_cast<domain::DiagnosisCategory>(r[19].as<int>());
  p.icd10 = r[20].as<std::string>();
  p.diagnosing_hospital = r[21].as<std::string>();
  p.diagnosis_date = pg::OptDayField(r[22]);
  p.onset = {r[23].as<int>(), r[24].as<int>(), r[25].as<int>()};
  p.past_symptoms = pg::ParseIntArray(r[26].as<std::string>());
  p.past_symptoms_other = r[27].as<std::string>();
  p.past_lockup = static_cast<domain::LockupStatus>(r[28].as<int>());
  p.outpatient = static_cast<domain::OutpatientHistory>(r[29].as<int>());
  p.first_antipsychotic_date = pg::OptDayField(r[30]);
  p.hospitalizations = r[31].as<int>();
  p.last_treatment_effect = static_cast<domain::TreatmentEffect>(r[32].as<int>());
  p.past_behaviour = {r[33].as<int>(), r[34].as<int>(), r[35].as<int>(),
                      r[36].as<int>(), r[37].as<int>(), r[38].as<int>()};
  p.economic = static_cast<domain::EconomicStatus>(r[39].as<int>());
  p.specialist_opinion = r[40].as<std::string>();
  p.poverty_relief = r[41].as<bool>();
  p.guardianship_subsidy = r[42].as<bool>();
  p.disability_certificate = r[43].as<bool>();
  p.community_rehab = r[44].as<bool>();
  p.status = static_cast<domain::PatientStatus>(r[45].as<int>());
  p.risk_level = r[46].as<int>();
  p.classification = r[47].as<int>();
  p.closed_date = pg::OptDayField(r[48]);
  p.close_reason = r[49].as<std::string>();
  p.death_cause = r[50].as<int>();
  p.transfer_to = r[51].as<std::string>();
  p.version = r[52].as<int64_t>();
  p.registered_at = pg::TimeField(r[53]);
  p.registered_by = r[54].as<std::string>();
  p.updated_at = pg::TimeField(r[55]);
  p.enc_version = r[56].as<int64_t>();
  return p;
}

absl::Status PatientRepository::DecryptCells(const void* row_ptr, domain::Patient& p) const {
  const pqxx::row& r = *static_cast<const pqxx::row*>(row_ptr);
  auto dec = [&](int col) {
    return cipher_.Decrypt(pg::BytesField(r[col]), Aad(p.id, col, p.enc_version));
  };
  ASSIGN_OR_RETURN(p.id_number, dec(1));
  ASSIGN_OR_RETURN(p.name, dec(3));
  ASSIGN_OR_RETURN(p.phone, dec(5));
  ASSIGN_OR_RETURN(p.address, dec(6));
  ASSIGN_OR_RETURN(p.guardian.name, dec(7));
  ASSIGN_OR_RETURN(p.guardian.address, dec(8));
  ASSIGN_OR_RETURN(p.guardian.phone, dec(9));
  return absl::OkStatus();
}

absl::StatusOr<domain::Patient> PatientRepository::Read(const void* row_ptr) const {
  domain::Patient p = ReadPlain(row_ptr);
  if (!DecryptCells(row_ptr, p).ok()) return UnreadableError("patient");
  return p;
}

absl::StatusOr<std::optional<domain::Patient>> PatientRepository::Get(Tx& tx,
                                                                       const std::string& id,
                                                                       bool for_update) {
  using Out = std::optional<domain::Patient>;
  return Guard([&]() -> absl::StatusOr<Out> {
    pqxx::result r = tx.w().exec_prepared(for_update ? "patient.get_lock" : "patient.get", id);
    if (r.empty()) return Out();
    const pqxx::row row = r[0];
    ASSIGN_OR_RETURN(domain::Patient p, Read(&row));
    return Out(std::move(p));
  });
}

absl::StatusOr<std::vector<ListedPatient>> PatientRepository::GetMany(
    Tx& tx, const std::vector<std::string>& ids) {
  return Guard([&]() -> absl::StatusOr<std::vector<ListedPatient>> {
    std::vector<ListedPatient> out;
    for (const auto& row : tx.w().exec_prepared("patient.get_many", pg::TextArray(ids))) {
      ListedPatient lp;
      lp.patient = ReadPlain(&row);
      if (!DecryptCells(&row, lp.patient).ok()) {
        // Nothing that identifies or describes the person: the id and where the record is.
        domain::Patient placeholder;
        placeholder.id = lp.patient.id;
        placeholder.jurisdiction = lp.patient.jurisdiction;
        lp.patient = std::move(placeholder);
        lp.state = ListedPatient::State::kUnreadable;
      }
      out.push_back(std::move(lp));
    }
    return out;
  });
}

absl::StatusOr<std::vector<ListedPatient>> PatientRepository::Search(Tx& tx,
                                                                     const PatientQuery& q) {
  return Guard([&]() -> absl::StatusOr<std::vector<ListedPatient>> {
    // Built from fixed fragments; every value is a parameter. Sent unnamed, so each call
    // is planned with its own values: the region's starts_with becomes an index range, and
    // a name or ID number search uses its blind index rather than one generic plan.
    //
    // The page's ids are chosen first (patient_register, migration 0025, holds the region,
    // the order, the status and what the row-level policy reads, so the unfiltered register
    // is an index-only scan where the visibility map allows), then only those rows are
    // read and decrypted: a district's register no longer reads its 4,000 patient rows to
    // keep 51. A name or ID number search takes its candidates from the blind index.
    std::string sql = "SELECT id AS k_id, registered_at AS k_at FROM patient "
                      "WHERE starts_with(jurisdiction, $1)";
    // Blind indexes travel as hex: libpqxx 6.4 cannot send an optional binary parameter.
    // Each under every index key of the ring, as a text[] of hex digests: while the indexes
    // are rebuilt after a blind-index key rotation, a row carries one or the other.
    std::optional<std::string> name_idx, id_idx;
    if (q.name) {
      name_idx = HexArray(crypto::BlindIndexes(keys_, "name", crypto::NormalizeName(*q.name)));
    }
    if (q.id_number) id_idx = HexArray(IdIndexes(*q.id_number));
    sql += " AND ($2::text[] IS NULL OR name_index = ANY(ARRAY(SELECT decode(x, 'hex') "
           "FROM unnest($2::text[]) x)))";
    sql += " AND ($3::text[] IS NULL OR id_number_index = ANY(ARRAY(SELECT decode(x, 'hex') "
           "FROM unnest($3::text[]) x)))";
    sql += " AND ($4 = 0 OR status = $4) AND ($5 = 0 OR risk_level >= $5)";
    sql += " AND ($6::timestamptz IS NULL OR (registered_at, id) > ($6::timestamptz, $7::uuid))";
    sql += " ORDER BY registered_at, id LIMIT $8";
    sql = absl::StrCat(PatientSelect(), " JOIN (", sql, ") k ON k.k_id = patient.id",
                       " ORDER BY k.k_at, k.k_id");
    pqxx::result r = tx.w().exec_params(
        sql, q.region_prefix, name_idx, id_idx, q.status, q.min_risk,
        pg::OptTime(q.after_registered_at),
        q.after_id.empty() ? std::optional<std::string>() : std::optional<std::string>(q.after_id),
        q.limit);
    const std::string wanted_name = q.name ? crypto::NormalizeName(*q.name) : "";
    const std::string wanted_id = q.id_number ? absl::AsciiStrToUpper(*q.id_number) : "";
    std::vector<ListedPatient> out;
    out.reserve(r.size());
    for (const auto& row : r) {
      ListedPatient lp;
      lp.patient = ReadPlain(&row);
      if (!DecryptCells(&row, lp.patient).ok()) {
        // Only what lets a user find the record and see how urgent it is (the register's
        // risk level and class stay visible: a high-risk patient must not vanish from a
        // list); nothing that identifies or describes the person.
        domain::Patient placeholder;
        placeholder.id = lp.patient.id;
        placeholder.jurisdiction = lp.patient.jurisdiction;
        placeholder.status = lp.patient.status;
        placeholder.risk_level = lp.patient.risk_level;
        placeholder.classification = lp.patient.classification;
        placeholder.version = lp.patient.version;
        placeholder.registered_at = lp.patient.registered_at;
        placeholder.updated_at = lp.patient.updated_at;
        lp.patient = std::move(placeholder);
        lp.state = ListedPatient::State::kUnreadable;
      } else if ((q.name && crypto::NormalizeName(lp.patient.name) != wanted_name) ||
                 (q.id_number && absl::AsciiStrToUpper(lp.patient.id_number) != wanted_id)) {
        // The index is only a hint: an index value copied from another row must not make
        // this row a hit.
        lp.state = ListedPatient::State::kIndexMismatch;
      }
      out.push_back(std::move(lp));
    }
    return out;
  });
}

absl::StatusOr<std::optional<std::string>> PatientRepository::HolderOf(
    Tx& tx, const std::string& id_number) {
  return Guard([&]() -> absl::StatusOr<std::optional<std::string>> {
    // Under every index key of the ring: a patient whose index was not rebuilt yet after a
    // blind-index key rotation is still a duplicate.
    for (const std::string& index : IdIndexes(id_number)) {
      pqxx::row r = tx.w().exec_prepared1("patient.holder", pg::Bytes(index));
      if (!r[0].is_null()) return std::optional<std::string>(r[0].as<std::string>());
    }
    return std::optional<std::string>();
  });
}

absl::Status PatientRepository::SetAssessment(Tx& tx, const std::string& id, int risk_level,
                                             int classification) {
  return Guard([&]() -> absl::Status {
    tx.w().exec_prepared("patient.set_assessment", id, risk_level, classification);
    return absl::OkStatus();
  });
}

absl::StatusOr<std::optional<std::string>> PatientRepository::JurisdictionOf(
    Tx& tx, const std::string& id) {
  return Guard([&]() -> absl::StatusOr<std::optional<std::string>> {
    pqxx::row r = tx.w().exec_prepared1("patient.jurisdiction_of", id);
    if (r[0].is_null()) return std::optional<std::string>();
    return std::optional<std::string>(r[0].as<std::string>());
  });
}

absl::StatusOr<std::string> PatientRepository::SealTransferText(const std::string& transfer_id,
                                                                const char* column,
                                                                const std::string& text) const {
  return cipher_.Encrypt(text, TransferAad(transfer_id, column));
}

TransferRow PatientRepository::ReadTransferPlain(const void* row_ptr) {
  const pqxx::row& r = *static_cast<const pqxx::row*>(row_ptr);
  TransferRow t;
  t.id = r[0].as<std::string>();
  t.patient_id = r[1].as<std::string>();
  t.from_jurisdiction = r[2].as<std::string>();
  t.to_jurisdiction = r[3].as<std::string>();
  t.status = r[4].as<int>();
  t.requested_by = r[6].as<std::string>();
  t.requested_at = pg::TimeField(r[7]);
  t.decided_by = pg::Str(r[8]);
  t.decided_at = pg::OptTimeField(r[9]);
  t.effective_date = pg::OptDayField(r[13]);
  return t;
}

absl::Status PatientRepository::OpenTransferTexts(const void* row_ptr, TransferRow& t) const {
  const pqxx::row& r = *static_cast<const pqxx::row*>(row_ptr);
  if (r[11].is_null()) {
    // Written before migration 0013 and not converted yet.
    t.legacy_plaintext = true;
    t.reason = r[5].as<std::string>();
    t.decision_note = r[10].as<std::string>();
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(std::string reason,
                   cipher_.Decrypt(pg::BytesField(r[11]), TransferAad(t.id, "reason_enc")));
  std::string note;
  if (!r[12].is_null()) {
    ASSIGN_OR_RETURN(note, cipher_.Decrypt(pg::BytesField(r[12]),
                                           TransferAad(t.id, "decision_note_enc")));
  } else if (t.status != 1) {
    // Every decision stores a note cell (possibly of an empty note); a decided transfer
    // without one had it removed.
    return UnreadableError("transfer");
  }
  t.reason = std::move(reason);
  t.decision_note = std::move(note);
  return absl::OkStatus();
}

absl::StatusOr<TransferRow> PatientRepository::ReadTransfer(const void* row_ptr) const {
  TransferRow t = ReadTransferPlain(row_ptr);
  RETURN_IF_ERROR(OpenTransferTexts(row_ptr, t));
  return t;
}

absl::Status PatientRepository::InsertTransfer(Tx& tx, const TransferRow& t) {
  ASSIGN_OR_RETURN(std::string reason_enc, SealTransferText(t.id, "reason_enc", t.reason));
  return Guard([&]() -> absl::Status {
    tx.w().exec_prepared("transfer.insert", t.id, t.patient_id, t.from_jurisdiction,
                         t.to_jurisdiction, t.status, pg::Bytes(reason_enc), t.requested_by,
                         pg::Time(t.requested_at), pg::OptDay(t.effective_date));
    return absl::OkStatus();
  });
}

absl::StatusOr<std::optional<TransferRow>> PatientRepository::GetTransfer(Tx& tx,
                                                                          const std::string& id,
                                                                          bool for_update) {
  return Guard([&]() -> absl::StatusOr<std::optional<TransferRow>> {
    pqxx::result r =
        tx.w().exec_prepared(for_update ? "transfer.get_lock" : "transfer.get", id);
    if (r.empty()) return std::optional<TransferRow>();
    const pqxx::row row = r[0];
    absl::StatusOr<TransferRow> t = ReadTransfer(&row);
    if (!t.ok()) return UnreadableError("transfer");
    return std::optional<TransferRow>(std::move(*t));
  });
}

absl::Status PatientRepository::ConvertLegacyTransfer(Tx& tx, const TransferRow& t) {
  if (!t.legacy_plaintext) return absl::OkStatus();
  ASSIGN_OR_RETURN(std::string reason_enc, SealTransferText(t.id, "reason_enc", t.reason));
  // A pending transfer has no decision yet, hence no note cell (see ReadTransfer).
  std::string note_blob;
  if (t.status != 1) {
    ASSIGN_OR_RETURN(note_blob, SealTransferText(t.id, "decision_note_enc", t.decision_note));
  }
  return Guard([&]() -> absl::Status {
    // No optional binary parameters in libpqxx 6.4 (docs/style.md): the pending case
    // sends NULL through the text form.
    if (t.status != 1) {
      tx.w().exec_prepared("transfer.convert", t.id, pg::Bytes(reason_enc),
                           pg::Bytes(note_blob));
    } else {
      tx.w().exec_prepared("transfer.convert", t.id, pg::Bytes(reason_enc),
                           std::optional<std::string>());
    }
    return absl::OkStatus();
  });
}

absl::Status PatientRepository::DecideTransfer(Tx& tx, const TransferRow& t) {
  RETURN_IF_ERROR(ConvertLegacyTransfer(tx, t));
  ASSIGN_OR_RETURN(std::string note_enc,
                   SealTransferText(t.id, "decision_note_enc", t.decision_note));
  return Guard([&]() -> absl::Status {
    tx.w().exec_prepared("transfer.decide", t.id, t.status, t.decided_by,
                         pg::OptTime(t.decided_at), pg::Bytes(note_enc));
    metric_repo::MarkPatient(tx, t.patient_id);  // a metric input (store/metric_repository.h)
    return absl::OkStatus();
  });
}

absl::StatusOr<bool> PatientRepository::RefuseTransfer(Tx& tx, const std::string& transfer_id,
                                                       const std::string& user_id, absl::Time at,
                                                       const std::string& note) {
  ASSIGN_OR_RETURN(std::string note_enc, SealTransferText(transfer_id, "decision_note_enc", note));
  return Guard([&]() -> absl::StatusOr<bool> {
    return tx.w()
        .exec_prepared1("transfer.refuse", transfer_id, user_id, pg::Time(at),
                        pg::Bytes(note_enc))[0]
        .as<bool>();
  });
}

absl::StatusOr<std::vector<TransferRow>> PatientRepository::ListTransfers(
    Tx& tx, const std::string& region, bool pending_only, std::optional<absl::Time> before_at,
    const std::string& before_id, int limit) {
  return Guard([&]() -> absl::StatusOr<std::vector<TransferRow>> {
    std::vector<TransferRow> out;
    for (const auto& r : tx.w().exec_prepared("transfer.list", pending_only, pg::OptTime(before_at),
                                              pg::NullIfEmpty(before_id), limit, region)) {
      TransferRow t = ReadTransferPlain(&r);
      // The listing goes on past a row whose texts do not decrypt: it is marked, and its
      // texts stay empty.
      if (!OpenTransferTexts(&r, t).ok()) t.unreadable = true;
      out.push_back(std::move(t));
    }
    return out;
  });
}

absl::StatusOr<UpgradeBatch> PatientRepository::UpgradePatients(Tx& tx,
                                                                const std::string& after_id,
                                                                int limit) {
  return Guard([&]() -> absl::StatusOr<UpgradeBatch> {
    UpgradeBatch b;
    for (const auto& row :
         tx.w().exec_prepared("patient.legacy_batch", pg::NullIfEmpty(after_id), limit)) {
      ++b.visited;
      domain::Patient p = ReadPlain(&row);
      b.last_id = p.id;
      if (!DecryptCells(&row, p).ok()) {
        b.unreadable.push_back(p.id);
        continue;
      }
      ASSIGN_OR_RETURN(const SealedCells c, SealCells(p, kFirstEncVersion));
      pqxx::result u = tx.w().exec_prepared(
          "patient.reencrypt", p.id, pg::Bytes(c.id_number), pg::Bytes(c.name),
          pg::Bytes(c.phone), pg::Bytes(c.address), pg::Bytes(c.guardian_name),
          pg::Bytes(c.guardian_address), pg::Bytes(c.guardian_phone), kFirstEncVersion);
      if (u.affected_rows() == 1) {
        ++b.converted;
        b.converted_ids.push_back(p.id);
      }
    }
    if (b.visited < limit) {
      b.left = tx.w().exec_prepared1("patient.legacy_left")[0].as<int64_t>();
    }
    return b;
  });
}

absl::StatusOr<UpgradeBatch> PatientRepository::UpgradeTransfers(Tx& tx,
                                                                 const std::string& after_id,
                                                                 int limit) {
  return Guard([&]() -> absl::StatusOr<UpgradeBatch> {
    UpgradeBatch b;
    for (const auto& row :
         tx.w().exec_prepared("transfer.legacy_batch", pg::NullIfEmpty(after_id), limit)) {
      ++b.visited;
      ASSIGN_OR_RETURN(TransferRow t, ReadTransfer(&row));  // plaintext: always readable
      b.last_id = t.id;
      RETURN_IF_ERROR(ConvertLegacyTransfer(tx, t));
      ++b.converted;
      b.converted_ids.push_back(t.patient_id);
    }
    if (b.visited < limit) {
      b.left = tx.w().exec_prepared1("transfer.legacy_left")[0].as<int64_t>();
    }
    return b;
  });
}

}  // namespace smd::store
