#include "app/patient_use_cases.h"

#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "app/admin_use_cases.h"
#include "app/patient_access.h"
#include "app/team_upkeep.h"
#include "common/log.h"
#include "common/parallel.h"
#include "common/status_macros.h"
#include "crypto/encoding.h"
#include "crypto/random.h"
#include "domain/access_policy.h"
#include "domain/dates.h"
#include "domain/errors.h"
#include "domain/region.h"
#include "domain/resident_id.h"
#include "domain/schedule.h"
#include "domain/text.h"
#include "store/region_repository.h"

namespace smd::app {
namespace {

// Copies the form fields a caller may edit onto the stored record.
void CopyEditable(const domain::Patient& in, domain::Patient& p) {
  const domain::Patient keep = p;
  p = in;
  // Identity (from the ID number), place in the register and record metadata stay.
  p.id = keep.id;
  p.id_number = keep.id_number;
  p.sex = keep.sex;
  p.birth_date = keep.birth_date;
  p.jurisdiction = keep.jurisdiction;
  p.status = keep.status;
  p.risk_level = keep.risk_level;
  p.classification = keep.classification;
  p.closed_date = keep.closed_date;
  p.close_reason = keep.close_reason;
  p.death_cause = keep.death_cause;
  p.transfer_to = keep.transfer_to;
  p.version = keep.version;
  p.enc_version = keep.enc_version;
  p.registered_at = keep.registered_at;
  p.registered_by = keep.registered_by;
}

ViewedPatient View(const domain::Patient& p, domain::Role role) {
  return {domain::ApplyView(p, role), static_cast<int>(domain::ViewFor(role))};
}

absl::Status CheckVersion(const domain::Patient& p, int64_t version) {
  if (version != p.version) {
    return absl::AbortedError(
        "记录已被他人修改，请重新读取后再提交 (version is stale: re-read and retry)");
  }
  return absl::OkStatus();
}

std::string KeysetToken(absl::Time at, const std::string& id) {
  return crypto::Base64UrlEncode(absl::StrCat(absl::ToUnixMicros(at), "|", id));
}

absl::Status ParseKeyset(const std::string& token, std::optional<absl::Time>* at,
                         std::string* id) {
  if (token.empty()) return absl::OkStatus();
  auto bad = [] { return domain::FieldError("page.page_token", "分页标记无效", "invalid page token"); };
  auto decoded = crypto::Base64UrlDecode(token);
  if (!decoded.ok()) return bad();
  std::vector<std::string> parts = absl::StrSplit(*decoded, '|');
  int64_t micros = 0;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &micros) || !CheckUuid("", parts[1]).ok()) {
    return bad();
  }
  *at = absl::FromUnixMicros(micros);
  *id = parts[1];
  return absl::OkStatus();
}

}  // namespace

absl::CivilDay PatientUseCases::Today() const { return app::Today(deps_); }

absl::StatusOr<ViewedPatient> PatientUseCases::Register(const CallMeta& meta,
                                                        domain::Patient in) {
  ViewedPatient out;
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    RETURN_IF_ERROR(domain::Authorize(who, domain::Action::kPatientRegister, ""));
    domain::Patient p = in;
    const absl::CivilDay today = Today();
    RETURN_IF_ERROR(domain::DeriveIdentity(p, today));
    RETURN_IF_ERROR(domain::ValidatePatientDetails(p, today, /*is_registration=*/true));
    RETURN_IF_ERROR(domain::Authorize(who, domain::Action::kPatientRegister, p.jurisdiction));
    ASSIGN_OR_RETURN(auto region, store::GetRegion(tx, p.jurisdiction));
    if (!region) {
      return absl::NotFoundError("jurisdiction: 社区不存在 (no such community)");
    }
    ASSIGN_OR_RETURN(auto holder, deps_.patients.HolderOf(tx, p.id_number));
    if (holder) {
      return absl::AlreadyExistsError(absl::StrCat(
          "id_number: 该身份证号已在辖区 ", *holder, " 登记 (already registered in jurisdiction ",
          *holder, ")"));
    }
    p.id = crypto::NewUuid();
    p.status = domain::PatientStatus::kActive;
    p.risk_level = -1;
    p.classification = 0;
    p.closed_date.reset();
    p.close_reason.clear();
    p.death_cause = 0;
    p.transfer_to.clear();
    p.version = 1;
    p.registered_at = p.updated_at = deps_.clock.Now();
    p.registered_by = who.user_id;
    absl::Status inserted = deps_.patients.Insert(tx, p);
    if (absl::IsAlreadyExists(inserted)) {
      // Lost a race with a concurrent registration of the same number.
      return absl::AlreadyExistsError("id_number: 该身份证号已登记 (already registered)");
    }
    RETURN_IF_ERROR(inserted);
    // rules.md §4.2: a new patient is visited within 2 weeks.
    store::Schedule first;
    first.patient_id = p.id;
    first.next_due = today + 14;
    first.due_kind = static_cast<int>(domain::DueKind::kFirstVisit);
    first.first_due = first.next_due;
    RETURN_IF_ERROR(deps_.care.PutSchedule(tx, first, p.registered_at));
    note.patient_ids = {p.id};
    out = View(p, who.role);
    return absl::OkStatus();
  }));
  return out;
}

namespace {

// "field: 中文 (English)" -> field, message.
void SplitFieldError(const absl::Status& s, ImportRowOut& out) {
  const std::string msg(s.message());
  const auto colon = msg.find(": ");
  if (s.code() == absl::StatusCode::kInvalidArgument && colon != std::string::npos &&
      msg.find(' ') > colon) {
    out.field = msg.substr(0, colon);
    out.reason = msg.substr(colon + 2);
  } else {
    out.reason = msg;
  }
}

}  // namespace

absl::StatusOr<std::vector<ImportRowOut>> PatientUseCases::Import(const CallMeta& meta,
                                                                  std::vector<ImportRowIn> rows) {
  std::vector<ImportRowOut> out;
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    out.clear();
    note.patient_ids.clear();
    RETURN_IF_ERROR(domain::Authorize(who, domain::Action::kPatientRegister, ""));
    if (rows.empty() || static_cast<int>(rows.size()) > kMaxImportRows) {
      return domain::FieldError("rows", "每批须有1-1000行", "a batch has 1..1000 rows");
    }
    const absl::CivilDay today = Today();
    const size_t n = rows.size();
    // ADR 0018: the same checks as a registration, row by row, but the per-row CPU work
    // (validation, blind index, encryption) runs in parallel workers and the database
    // sees a few set-based statements per batch instead of three per row.
    std::vector<absl::Status> verdict(n);
    std::vector<std::string> id_index(n);
    // 1. Every check of Register that needs no database, in its order (parallel).
    common::ParallelFor(n, common::CpuWorkers(), 64, [&](size_t b, size_t e) {
      for (size_t i = b; i < e; ++i) {
        domain::Patient& p = rows[i].patient;
        absl::Status s = rows[i].parse_error;
        if (s.ok()) s = domain::DeriveIdentity(p, today);
        if (s.ok()) s = domain::ValidatePatientDetails(p, today, /*is_registration=*/true);
        if (s.ok()) s = domain::Authorize(who, domain::Action::kPatientRegister, p.jurisdiction);
        if (s.ok()) id_index[i] = deps_.patients.IdIndexOf(p.id_number);
        verdict[i] = std::move(s);
      }
    });
    // 2. Then the community must exist, and the import's own check of the 建档日期; the
    // first failure refuses the row and nothing of it is written.
    std::map<std::string, bool> region_known;
    for (size_t i = 0; i < n; ++i) {
      absl::Status& s = verdict[i];
      const domain::Patient& p = rows[i].patient;
      if (s.ok()) {
        auto known = region_known.find(p.jurisdiction);
        if (known == region_known.end()) {
          ASSIGN_OR_RETURN(auto region, store::GetRegion(tx, p.jurisdiction));
          known = region_known.emplace(p.jurisdiction, region.has_value()).first;
        }
        if (!known->second) {
          s = domain::FieldError("jurisdiction", "社区不存在", "no such community");
        }
      }
      const absl::CivilDay registered = rows[i].registered_on.value_or(today);
      if (s.ok() && (registered > today || registered < domain::kEarliestRecordDate ||
                     registered < p.birth_date)) {
        s = domain::FieldError("registered_on", "建档日期须在出生日期、2000-01-01之后且不晚于今天",
                               "must be after the birth date and 2000-01-01, and not in the future");
      }
    }
    // 3. Already on the register (an earlier import of the same file, or a registration),
    // or repeated in the batch: skipped, so importing twice registers nothing twice. One
    // lookup for the batch.
    std::vector<std::string> lookup;
    for (size_t i = 0; i < n; ++i) {
      if (verdict[i].ok()) lookup.push_back(id_index[i]);
    }
    ASSIGN_OR_RETURN(std::vector<std::optional<std::string>> holders,
                     deps_.patients.HoldersOf(tx, lookup));
    out.resize(n);
    std::set<std::string> seen_ids;
    std::vector<size_t> fresh;  // rows to register, in row order
    int already = 0, refused = 0;
    const absl::Time now = deps_.clock.Now();
    for (size_t i = 0, k = 0; i < n; ++i) {
      ImportRowOut& r = out[i];
      r.row = rows[i].row;
      if (!verdict[i].ok()) {
        r.outcome = ImportOutcome::kRefused;
        SplitFieldError(verdict[i], r);
        ++refused;
        continue;
      }
      domain::Patient& p = rows[i].patient;
      const std::optional<std::string>& holder = holders[k++];
      if (holder || !seen_ids.insert(p.id_number).second) {
        r.outcome = ImportOutcome::kAlreadyRegistered;
        r.reason = holder ? absl::StrCat("已在辖区 ", *holder, " 登记 (already registered in ", *holder, ")")
                          : "与本批前一行重复 (repeats an earlier row of the batch)";
        ++already;
        continue;
      }
      const absl::CivilDay registered = rows[i].registered_on.value_or(today);
      p.id = crypto::NewUuid();
      p.status = domain::PatientStatus::kActive;
      p.risk_level = -1;
      p.classification = 0;
      p.closed_date.reset();
      p.close_reason.clear();
      p.death_cause = 0;
      p.transfer_to.clear();
      p.version = 1;
      // The old registry's 建档日期 is the registration date (the metrics count from it);
      // noon in Beijing, so that the day is the same in every time zone of China.
      p.registered_at = absl::FromCivil(absl::CivilSecond(registered.year(), registered.month(),
                                                          registered.day(), 12, 0, 0),
                                        absl::FixedTimeZone(8 * 3600));
      p.updated_at = now;
      p.registered_by = who.user_id;
      fresh.push_back(i);
    }
    // 4. Encrypt and index the new rows as Insert does (parallel), then write them with
    // one COPY and one INSERT.
    std::vector<store::PatientRepository::RowValues> values(fresh.size());
    std::vector<absl::Status> sealed(fresh.size());
    common::ParallelFor(fresh.size(), common::CpuWorkers(), 64, [&](size_t b, size_t e) {
      for (size_t j = b; j < e; ++j) {
        auto v = deps_.patients.CopyValues(rows[fresh[j]].patient);
        if (v.ok()) {
          values[j] = std::move(*v);
        } else {
          sealed[j] = v.status();
        }
      }
    });
    for (const absl::Status& s : sealed) RETURN_IF_ERROR(s);
    ASSIGN_OR_RETURN(std::vector<std::string> inserted_ids, deps_.patients.InsertMany(tx, values));
    const std::set<std::string> inserted(inserted_ids.begin(), inserted_ids.end());
    std::vector<domain::Patient> imported;
    imported.reserve(inserted.size());
    for (size_t i : fresh) {
      ImportRowOut& r = out[i];
      const domain::Patient& p = rows[i].patient;
      if (inserted.count(p.id) == 0) {
        // Registered by a concurrent call since the lookup above.
        r.outcome = ImportOutcome::kAlreadyRegistered;
        r.reason = "该身份证号已登记 (already registered)";
        ++already;
        continue;
      }
      r.outcome = ImportOutcome::kImported;
      r.patient_id = p.id;
      note.patient_ids.push_back(p.id);
      imported.push_back(p);
    }
    // The first visit under this system within 2 weeks (rules.md §4.2), as for a
    // registration.
    RETURN_IF_ERROR(deps_.care.PutFirstSchedules(tx, note.patient_ids, today + 14,
                                                 static_cast<int>(domain::DueKind::kFirstVisit),
                                                 now));
    note.detail = absl::StrCat("import rows=", rows.size(), " imported=", imported.size(),
                               " already=", already, " refused=", refused);
    return absl::OkStatus();
  }));
  return out;
}

absl::Status PatientUseCases::OnePatient(const CallMeta& meta, const std::string& patient_id,
                                         domain::Action action, bool for_update,
                                         const PatientBody& body) {
  return RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                  AuditNote& note) -> absl::Status {
    if (CheckUuid("", patient_id).ok()) note.patient_ids = {patient_id};
    RETURN_IF_ERROR(domain::Authorize(who, action, ""));
    ASSIGN_OR_RETURN(domain::Patient p, LoadPatient(deps_, tx, who, patient_id, action, for_update));
    return body(tx, who, p, note);
  });
}

absl::StatusOr<ViewedPatient> PatientUseCases::ChangePatient(
    const CallMeta& meta, const std::string& patient_id, int64_t version, domain::Action action,
    const std::function<absl::Status(store::Tx&, domain::Patient&)>& change) {
  ViewedPatient out;
  RETURN_IF_ERROR(OnePatient(meta, patient_id, action, /*for_update=*/true,
                             [&](store::Tx& tx, const domain::Principal& who,
                                 domain::Patient& p, AuditNote&) -> absl::Status {
                               RETURN_IF_ERROR(CheckVersion(p, version));
                               const domain::PatientStatus status_before = p.status;
                               RETURN_IF_ERROR(change(tx, p));
                               p.updated_at = deps_.clock.Now();
                               RETURN_IF_ERROR(deps_.patients.Update(tx, p));
                               // A closed case's team ends with it (an edit of the
                               // details leaves the team alone).
                               if (p.status != status_before) {
                                 RETURN_IF_ERROR(
                                     EndTeamAfterPatientChange(deps_, tx, p, who.user_id)
                                         .status());
                               }
                               ++p.version;
                               out = View(p, who.role);
                               return absl::OkStatus();
                             }));
  return out;
}

absl::StatusOr<ViewedPatient> PatientUseCases::Get(const CallMeta& meta,
                                                   const std::string& patient_id) {
  ViewedPatient out;
  RETURN_IF_ERROR(OnePatient(meta, patient_id, domain::Action::kPatientRead, false,
                             [&](store::Tx&, const domain::Principal& who, domain::Patient& p,
                                 AuditNote&) {
                               out = View(p, who.role);
                               return absl::OkStatus();
                             }));
  return out;
}

absl::StatusOr<ViewedPatient> PatientUseCases::Update(const CallMeta& meta,
                                                      const std::string& patient_id,
                                                      int64_t version,
                                                      const domain::Patient& details) {
  return ChangePatient(meta, patient_id, version, domain::Action::kPatientUpdate,
                       [&](store::Tx&, domain::Patient& p) -> absl::Status {
                         RETURN_IF_ERROR(
                             domain::CheckPatientOpen(p.status, domain::Action::kPatientUpdate));
                         CopyEditable(details, p);
                         return domain::ValidatePatientDetails(p, Today(),
                                                               /*is_registration=*/false);
                       });
}

absl::StatusOr<PatientPage> PatientUseCases::Search(const CallMeta& meta, const PatientSearch& q) {
  PatientPage page;
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    page = PatientPage{};
    RETURN_IF_ERROR(domain::Authorize(who, domain::Action::kPatientSearch, ""));
    store::PatientQuery sq;
    sq.region_prefix = q.region.empty() ? who.jurisdiction : q.region;
    RETURN_IF_ERROR(
        domain::CheckRegionCode("region", sq.region_prefix, domain::RegionLevel::kInvalid));
    RETURN_IF_ERROR(domain::Authorize(who, domain::Action::kPatientSearch, sq.region_prefix));
    if (!q.name.empty()) {
      RETURN_IF_ERROR(domain::CheckText("name", q.name, true, 50));
      sq.name = q.name;
    }
    if (!q.id_number.empty()) {
      ASSIGN_OR_RETURN(domain::ResidentId rid, domain::ParseResidentId(q.id_number, Today()));
      sq.id_number = rid.number;
    }
    if (q.status < 0 || q.status > 5) {
      return domain::FieldError("status", "状态无效", "unknown status");
    }
    if (q.min_risk < 0 || q.min_risk > 5) {
      return domain::FieldError("min_risk", "危险性等级须为0-5", "must be 0..5");
    }
    sq.status = q.status;
    sq.min_risk = q.min_risk;
    ASSIGN_OR_RETURN(int limit, PageSize(q.page_size));
    RETURN_IF_ERROR(ParseKeyset(q.page_token, &sq.after_registered_at, &sq.after_id));
    sq.limit = limit + 1;
    ASSIGN_OR_RETURN(std::vector<store::ListedPatient> rows, deps_.patients.Search(tx, sq));
    // Paging goes by the rows fetched, whatever their state, so a dropped row does not end
    // the listing early.
    if (static_cast<int>(rows.size()) > limit) {
      rows.resize(limit);
      page.next_page_token =
          KeysetToken(rows.back().patient.registered_at, rows.back().patient.id);
    }
    int mismatches = 0;
    for (const auto& row : rows) {
      const domain::Patient& p = row.patient;
      switch (row.state) {
        case store::ListedPatient::State::kReadable:
          note.patient_ids.push_back(p.id);
          page.patients.push_back(View(p, who.role));
          break;
        case store::ListedPatient::State::kUnreadable: {
          note.patient_ids.push_back(p.id);
          LogUnreadableRow(meta, "patient", p.id);
          ViewedPatient v = View(p, who.role);
          v.unreadable = true;
          page.patients.push_back(std::move(v));
          ++page.unreadable;
          break;
        }
        case store::ListedPatient::State::kIndexMismatch:
          // Not what was asked for: never returned. Evidence of tampering, so logged.
          common::LogWarning("%s request %s: patient %s matched the blind index but not the "
                             "decrypted value; not returned",
                             meta.method, meta.request_id, p.id);
          ++mismatches;
          break;
      }
    }
    note.detail = absl::StrCat("returned=", page.patients.size());
    if (page.unreadable > 0) absl::StrAppend(&note.detail, " unreadable=", page.unreadable);
    if (mismatches > 0) absl::StrAppend(&note.detail, " index_mismatch=", mismatches);
    return absl::OkStatus();
  }));
  return page;
}

absl::StatusOr<absl::CivilDay> PatientUseCases::LastRecordDay(store::Tx& tx,
                                                              const domain::Patient& p) {
  // domain::CheckEffectiveDate: the later of the 建档日期 and the last valid follow-up.
  static const absl::TimeZone kBeijing = absl::FixedTimeZone(8 * 3600);
  absl::CivilDay last = absl::ToCivilDay(p.registered_at, kBeijing);
  ASSIGN_OR_RETURN(auto schedule, deps_.care.GetSchedule(tx, p.id));
  if (schedule && schedule->last_valid_visit && *schedule->last_valid_visit > last) {
    last = *schedule->last_valid_visit;
  }
  return last;
}

absl::StatusOr<store::TransferRow> PatientUseCases::TransferOut(
    const CallMeta& meta, const std::string& patient_id, int64_t version,
    const std::string& to_jurisdiction, const std::string& reason,
    std::optional<absl::CivilDay> effective_date) {
  store::TransferRow out;
  RETURN_IF_ERROR(OnePatient(meta, patient_id, domain::Action::kPatientTransfer, true,
                             [&](store::Tx& tx, const domain::Principal& who, domain::Patient& p,
                                 AuditNote& note) -> absl::Status {
    RETURN_IF_ERROR(domain::CheckRegionCode("to_jurisdiction", to_jurisdiction,
                                            domain::RegionLevel::kInvalid));
    RETURN_IF_ERROR(domain::CheckText("reason", reason, false, 200));
    RETURN_IF_ERROR(domain::CheckPatientOpen(p.status, domain::Action::kPatientTransfer));
    RETURN_IF_ERROR(CheckVersion(p, version));
    // docs/rules.md "Dates of records": the day the patient left, default today.
    const absl::CivilDay left_on = effective_date.value_or(Today());
    ASSIGN_OR_RETURN(const absl::CivilDay last_record, LastRecordDay(tx, p));
    RETURN_IF_ERROR(domain::CheckEffectiveDate("effective_date", left_on, Today(), last_record));
    if (domain::RegionContains(to_jurisdiction, p.jurisdiction) ||
        domain::RegionContains(p.jurisdiction, to_jurisdiction)) {
      return domain::FieldError("to_jurisdiction", "迁入地不能是当前辖区",
                                "must differ from the current jurisdiction");
    }
    ASSIGN_OR_RETURN(auto target, store::GetRegion(tx, to_jurisdiction));
    ASSIGN_OR_RETURN(auto target_district, store::GetRegion(tx, to_jurisdiction.substr(0, 6)));
    const absl::Time now = deps_.clock.Now();
    out.id = crypto::NewUuid();
    out.patient_id = p.id;
    out.from_jurisdiction = p.jurisdiction;
    out.to_jurisdiction = to_jurisdiction;
    out.reason = reason;
    out.requested_by = who.user_id;
    out.requested_at = now;
    out.effective_date = left_on;
    if (target) {
      if (target->level != 3) {
        return domain::FieldError("to_jurisdiction", "迁入地须为社区",
                                  "must be a community (12 digits)");
      }
      out.status = 1;  // pending until the receiving side decides
      p.status = domain::PatientStatus::kTransferPending;
    } else if (target_district) {
      return absl::NotFoundError("to_jurisdiction: 社区不存在 (no such community)");
    } else {
      // Outside every district this server knows: the patient leaves the register.
      out.status = 4;
      out.decided_by = who.user_id;
      out.decided_at = now;
      p.status = domain::PatientStatus::kMovedOut;
      p.closed_date = left_on;  // 迁出 counts from this day (metrics: moved_out_on)
    }
    p.transfer_to = to_jurisdiction;
    p.updated_at = now;
    RETURN_IF_ERROR(deps_.patients.Update(tx, p));
    RETURN_IF_ERROR(deps_.patients.InsertTransfer(tx, out));
    if (out.status == 4) {
      RETURN_IF_ERROR(deps_.patients.DecideTransfer(tx, out));
      // Moved out of every district this server knows: the team ends.
      RETURN_IF_ERROR(EndTeamAfterPatientChange(deps_, tx, p, who.user_id).status());
    }
    note.detail = "transfer=" + out.id;
    return absl::OkStatus();
                             }));
  return out;
}

absl::StatusOr<store::TransferRow> PatientUseCases::TransferIn(const CallMeta& meta,
                                                               const std::string& transfer_id,
                                                               bool accept,
                                                               const std::string& decision) {
  store::TransferRow out;
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    RETURN_IF_ERROR(domain::Authorize(who, domain::Action::kPatientTransfer, ""));
    RETURN_IF_ERROR(CheckUuid("transfer_id", transfer_id));
    RETURN_IF_ERROR(domain::CheckText("note", decision, false, 200));
    ASSIGN_OR_RETURN(auto t, deps_.patients.GetTransfer(tx, transfer_id, true));
    if (!t) return absl::NotFoundError("transfer_id: 迁移记录不存在 (no such transfer)");
    note.patient_ids = {t->patient_id};
    RETURN_IF_ERROR(domain::Authorize(who, domain::Action::kPatientTransfer, t->to_jurisdiction));
    if (t->status != 1) {
      return absl::FailedPreconditionError("迁移已处理 (the transfer was already decided)");
    }
    // A transfer requested before migration 0013 still has its reason in plaintext: the
    // decision encrypts it (the table refuses any other change to such a row).
    RETURN_IF_ERROR(deps_.patients.ConvertLegacyTransfer(tx, *t));
    t->legacy_plaintext = false;
    const absl::Time now = deps_.clock.Now();
    if (accept) {
      ASSIGN_OR_RETURN(auto p, deps_.patients.Get(tx, t->patient_id, true));
      if (!p) return absl::NotFoundError("patient: 患者不存在 (no such patient)");
      p->jurisdiction = t->to_jurisdiction;
      p->status = domain::PatientStatus::kActive;
      p->transfer_to.clear();
      p->updated_at = now;
      RETURN_IF_ERROR(deps_.patients.Update(tx, *p));
      // Members whose jurisdiction does not cover the new community leave the team (the
      // receiving side builds its own: ListTeamGaps shows what is missing).
      RETURN_IF_ERROR(EndTeamAfterPatientChange(deps_, tx, *p, who.user_id).status());
      // Decisions table: the first follow-up after a transfer-in is due within 14 days.
      ASSIGN_OR_RETURN(auto schedule, deps_.care.GetSchedule(tx, p->id));
      store::Schedule s = schedule.value_or(store::Schedule{});
      s.patient_id = p->id;
      const absl::CivilDay due = Today() + deps_.rules.first_visit_after_discharge_days;
      if (!s.next_due || due < *s.next_due) {
        s.next_due = due;
        s.due_kind = static_cast<int>(domain::DueKind::kFirstVisit);
      }
      s.first_due = due;
      RETURN_IF_ERROR(deps_.care.PutSchedule(tx, s, now));
      t->status = 2;
      t->decided_by = who.user_id;
      t->decided_at = now;
      t->decision_note = decision;
      RETURN_IF_ERROR(deps_.patients.DecideTransfer(tx, *t));
    } else {
      ASSIGN_OR_RETURN(bool refused,
                       deps_.patients.RefuseTransfer(tx, transfer_id, who.user_id, now, decision));
      if (!refused) return absl::FailedPreconditionError("迁移已处理 (already decided)");
      ASSIGN_OR_RETURN(t, deps_.patients.GetTransfer(tx, transfer_id, false));
    }
    note.detail = accept ? "accepted" : "refused";
    out = *t;
    return absl::OkStatus();
  }));
  return out;
}

absl::StatusOr<TransferPage> PatientUseCases::ListTransfers(const CallMeta& meta,
                                                            bool pending_only, int page_size,
                                                            const std::string& page_token) {
  TransferPage page;
  RETURN_IF_ERROR(RunCall(deps_, meta, [&](store::Tx& tx, const domain::Principal& who,
                                          AuditNote& note) -> absl::Status {
    page = TransferPage{};
    RETURN_IF_ERROR(domain::Authorize(who, domain::Action::kPatientTransfer, ""));
    ASSIGN_OR_RETURN(int limit, PageSize(page_size));
    std::optional<absl::Time> before_at;
    std::string before_id;
    RETURN_IF_ERROR(ParseKeyset(page_token, &before_at, &before_id));
    // The caller's jurisdiction is its row-level scope (RunCall): naming it lets the list
    // be served by the indexes of each side's code (store/patient_repository.h).
    ASSIGN_OR_RETURN(page.transfers,
                     deps_.patients.ListTransfers(tx, who.jurisdiction, pending_only, before_at,
                                                  before_id, limit + 1));
    if (static_cast<int>(page.transfers.size()) > limit) {
      page.transfers.resize(limit);
      page.next_page_token =
          KeysetToken(page.transfers.back().requested_at, page.transfers.back().id);
    }
    for (const auto& t : page.transfers) {
      note.patient_ids.push_back(t.patient_id);
      if (t.unreadable) {
        LogUnreadableRow(meta, "transfer", t.id);
        ++page.unreadable;
      }
    }
    note.detail = absl::StrCat("returned=", page.transfers.size());
    if (page.unreadable > 0) absl::StrAppend(&note.detail, " unreadable=", page.unreadable);
    return absl::OkStatus();
  }));
  return page;
}

absl::StatusOr<ViewedPatient> PatientUseCases::Close(const CallMeta& meta,
                                                     const std::string& patient_id,
                                                     int64_t version,
                                                     const domain::CloseRequest& request) {
  return ChangePatient(meta, patient_id, version, domain::Action::kPatientClose,
                       [&](store::Tx& tx, domain::Patient& p) -> absl::Status {
                         ASSIGN_OR_RETURN(const absl::CivilDay last, LastRecordDay(tx, p));
                         return domain::ApplyClose(p, request, Today(), last);
                       });
}

}  // namespace smd::app
