#include "store/record_codec.h"

#include <nlohmann/json.hpp>

namespace smd::store {
namespace {

using json = nlohmann::json;

std::string Day(const std::optional<absl::CivilDay>& d) {
  return d ? absl::FormatCivilTime(*d) : std::string();
}

std::optional<absl::CivilDay> ParseDay(const json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_string()) return std::nullopt;
  absl::CivilDay d;
  if (!absl::ParseCivilTime(j[key].get<std::string>(), &d)) return std::nullopt;
  return d;
}

template <typename T>
T Get(const json& j, const char* key, T fallback) {
  if (!j.contains(key)) return fallback;
  try {
    return j[key].get<T>();
  } catch (const json::exception&) {
    return fallback;
  }
}

template <typename E>
E Enum(const json& j, const char* key) {
  return static_cast<E>(Get<int>(j, key, 0));
}

json Lines(const std::vector<domain::MedicationLine>& lines) {
  json a = json::array();
  for (const auto& m : lines) {
    a.push_back({{"drug", m.drug_code},          {"am", m.morning_mg},
                 {"noon", m.noon_mg},            {"pm", m.evening_mg},
                 {"lai", m.long_acting},         {"weeks", m.interval_weeks},
                 {"dose", m.dose_mg},            {"confirmed", m.out_of_range_confirmed},
                 {"confirm_reason", m.confirm_reason}});
  }
  return a;
}

std::vector<domain::MedicationLine> ParseLines(const json& j, const char* key) {
  std::vector<domain::MedicationLine> out;
  if (!j.contains(key) || !j[key].is_array()) return out;
  for (const auto& x : j[key]) {
    domain::MedicationLine m;
    m.drug_code = Get<std::string>(x, "drug", "");
    m.morning_mg = Get<double>(x, "am", 0);
    m.noon_mg = Get<double>(x, "noon", 0);
    m.evening_mg = Get<double>(x, "pm", 0);
    m.long_acting = Get<bool>(x, "lai", false);
    m.interval_weeks = Get<int>(x, "weeks", 0);
    m.dose_mg = Get<double>(x, "dose", 0);
    m.out_of_range_confirmed = Get<bool>(x, "confirmed", false);
    m.confirm_reason = Get<std::string>(x, "confirm_reason", "");
    out.push_back(std::move(m));
  }
  return out;
}

absl::StatusOr<json> Parse(const std::string& text) {
  json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) return absl::DataLossError("stored record is not a JSON object");
  return j;
}

}  // namespace

std::string EncodeForm(const domain::FollowUpForm& f) {
  const auto& b = f.behaviour;
  json j = {
      {"v", 1},
      {"visit_date", absl::FormatCivilTime(f.visit_date)},
      {"mode", static_cast<int>(f.mode)},
      {"subjects", f.subjects},
      {"lost_reason", static_cast<int>(f.lost_reason)},
      {"lost_reason_other", f.lost_reason_other},
      {"death_date", Day(f.death_date)},
      {"death_cause", f.death_cause},
      {"symptom_severity", static_cast<int>(f.symptom_severity)},
      {"symptoms", f.symptoms},
      {"symptoms_other", f.symptoms_other},
      {"insight", static_cast<int>(f.insight)},
      {"sleep", f.sleep},
      {"diet", f.diet},
      {"social",
       {f.social.self_care, f.social.housework, f.social.work, f.social.study, f.social.social}},
      {"behaviour",
       {b.minor_trouble, b.trouble, b.accident, b.other_harm, b.self_harm, b.attempted_suicide}},
      {"lockup", static_cast<int>(f.lockup)},
      {"hospitalization", static_cast<int>(f.hospitalization)},
      {"last_discharge", Day(f.last_discharge_date)},
      {"lab_done", f.lab_done},
      {"lab_text", f.lab_text},
      {"adherence", static_cast<int>(f.adherence)},
      {"adr", static_cast<int>(f.adr)},
      {"adr_text", f.adr_text},
      {"physical", static_cast<int>(f.physical)},
      {"effect", static_cast<int>(f.effect)},
      {"referral",
       {{"referred", f.referral.referred},
        {"reason", f.referral.reason},
        {"hospital", f.referral.hospital},
        {"department", f.referral.department}}},
      {"medications", Lines(f.medications)},
      {"guidance", Lines(f.guidance)},
      {"rehab", f.rehab},
      {"rehab_other", f.rehab_other},
      {"other_abnormality", f.other_abnormality},
      {"recorded_class", static_cast<int>(f.recorded_class)},
      {"override_reason", f.override_reason},
      {"notes", f.notes},
  };
  if (f.risk_level.has_value()) j["risk"] = *f.risk_level;
  return j.dump();
}

absl::StatusOr<domain::FollowUpForm> DecodeForm(const std::string& text) {
  auto parsed = Parse(text);
  if (!parsed.ok()) return parsed.status();
  const json& j = *parsed;
  domain::FollowUpForm f;
  if (auto d = ParseDay(j, "visit_date")) f.visit_date = *d;
  f.mode = Enum<domain::VisitMode>(j, "mode");
  f.subjects = Get<std::vector<int>>(j, "subjects", {});
  f.lost_reason = Enum<domain::LostReason>(j, "lost_reason");
  f.lost_reason_other = Get<std::string>(j, "lost_reason_other", "");
  f.death_date = ParseDay(j, "death_date");
  f.death_cause = Get<int>(j, "death_cause", 0);
  f.risk_level = RiskFromColumn(Get<int>(j, "risk", -1));
  f.symptom_severity = Enum<domain::SymptomSeverity>(j, "symptom_severity");
  f.symptoms = Get<std::vector<int>>(j, "symptoms", {});
  f.symptoms_other = Get<std::string>(j, "symptoms_other", "");
  f.insight = Enum<domain::Insight>(j, "insight");
  f.sleep = Get<int>(j, "sleep", 0);
  f.diet = Get<int>(j, "diet", 0);
  auto s = Get<std::vector<int>>(j, "social", {});
  if (s.size() == 5) f.social = {s[0], s[1], s[2], s[3], s[4]};
  auto b = Get<std::vector<int>>(j, "behaviour", {});
  if (b.size() == 6) f.behaviour = {b[0], b[1], b[2], b[3], b[4], b[5]};
  f.lockup = Enum<domain::LockupStatus>(j, "lockup");
  f.hospitalization = Enum<domain::Hospitalization>(j, "hospitalization");
  f.last_discharge_date = ParseDay(j, "last_discharge");
  f.lab_done = Get<bool>(j, "lab_done", false);
  f.lab_text = Get<std::string>(j, "lab_text", "");
  f.adherence = Enum<domain::Adherence>(j, "adherence");
  f.adr = Enum<domain::AdverseReaction>(j, "adr");
  f.adr_text = Get<std::string>(j, "adr_text", "");
  f.physical = Enum<domain::PhysicalIllness>(j, "physical");
  f.effect = Enum<domain::TreatmentEffect>(j, "effect");
  if (j.contains("referral") && j["referral"].is_object()) {
    const json& r = j["referral"];
    f.referral = {Get<bool>(r, "referred", false), Get<std::string>(r, "reason", ""),
                  Get<std::string>(r, "hospital", ""), Get<std::string>(r, "department", "")};
  }
  f.medications = ParseLines(j, "medications");
  f.guidance = ParseLines(j, "guidance");
  f.rehab = Get<std::vector<int>>(j, "rehab", {});
  f.rehab_other = Get<std::string>(j, "rehab_other", "");
  f.other_abnormality = Get<bool>(j, "other_abnormality", false);
  f.recorded_class = Enum<domain::Classification>(j, "recorded_class");
  f.override_reason = Get<std::string>(j, "override_reason", "");
  f.notes = Get<std::string>(j, "notes", "");
  return f;
}

std::string EncodeEmergencyText(const domain::Emergency& e) {
  return json{{"place", e.place},
              {"description", e.description},
              {"measures", e.measures},
              {"outcome", e.outcome},
              {"people", e.people_involved}}
      .dump();
}

absl::Status DecodeEmergencyText(const std::string& text, domain::Emergency* e) {
  auto j = Parse(text);
  if (!j.ok()) return j.status();
  e->place = Get<std::string>(*j, "place", "");
  e->description = Get<std::string>(*j, "description", "");
  e->measures = Get<std::string>(*j, "measures", "");
  e->outcome = Get<std::string>(*j, "outcome", "");
  e->people_involved = Get<std::string>(*j, "people", "");
  return absl::OkStatus();
}

std::string EncodeReferralText(const domain::ReferralRecord& r) {
  return json{{"reason", r.reason}, {"note", r.note}}.dump();
}

absl::Status DecodeReferralText(const std::string& text, domain::ReferralRecord* r) {
  auto j = Parse(text);
  if (!j.ok()) return j.status();
  r->reason = Get<std::string>(*j, "reason", "");
  r->note = Get<std::string>(*j, "note", "");
  return absl::OkStatus();
}

std::string EncodeDischargeText(const domain::Discharge& d) {
  return json{{"summary", d.summary}}.dump();
}

absl::Status DecodeDischargeText(const std::string& text, domain::Discharge* d) {
  auto j = Parse(text);
  if (!j.ok()) return j.status();
  d->summary = Get<std::string>(*j, "summary", "");
  return absl::OkStatus();
}

std::string EncodeHealthCheck(const domain::HealthCheckRecord& h) {
  return json{{"consent_by", h.consent_by},
              {"physical_exam", static_cast<int>(h.physical_exam)},
              {"bp", {h.bp_systolic, h.bp_diastolic}},
              {"weight_kg", h.weight_kg},
              {"blood_count", static_cast<int>(h.blood_count)},
              {"liver_function", static_cast<int>(h.liver_function)},
              {"blood_glucose", static_cast<int>(h.blood_glucose)},
              {"ecg", static_cast<int>(h.ecg)},
              {"notes", h.notes}}
      .dump();
}

absl::Status DecodeHealthCheck(const std::string& text, domain::HealthCheckRecord* h) {
  auto j = Parse(text);
  if (!j.ok()) return j.status();
  h->consent_by = Get<std::string>(*j, "consent_by", "");
  h->physical_exam = Enum<domain::CheckResult>(*j, "physical_exam");
  auto bp = Get<std::vector<int>>(*j, "bp", {});
  if (bp.size() == 2) {
    h->bp_systolic = bp[0];
    h->bp_diastolic = bp[1];
  }
  h->weight_kg = Get<double>(*j, "weight_kg", 0);
  h->blood_count = Enum<domain::CheckResult>(*j, "blood_count");
  h->liver_function = Enum<domain::CheckResult>(*j, "liver_function");
  h->blood_glucose = Enum<domain::CheckResult>(*j, "blood_glucose");
  h->ecg = Enum<domain::CheckResult>(*j, "ecg");
  h->notes = Get<std::string>(*j, "notes", "");
  return absl::OkStatus();
}

}  // namespace smd::store
