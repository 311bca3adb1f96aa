#pragma once
// Validation of a follow-up record (随访服务记录表, 2018 表8; rules.md §3) before the rules
// engine (domain/followup_rules.h) sees it. Pure, thread-safe.

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "domain/followup.h"

namespace smd::domain {

// Validates every field of `f` and returns the first error, in form order. `birth_date` is
// the patient's stored birth date, `registered_on` its 建档日期 (Beijing date of
// registration); `today` is the current date in Asia/Shanghai (the injected clock). The drug
// catalogue's dose ranges are checked elsewhere (domain/medication); here only the shape of
// each drug line.
//
// Every record (rules.md §3):
//  * visit_date not in the future ("visit_date: 随访日期不能晚于今天 ..."), not before the
//    birth date, not before registered_on ("visit_date: 随访日期不能早于建档日期 ..."), not
//    before 2000-01-01;
//  * mode 1..3; subjects each 1..3 without duplicates, at least one unless failed.
// A failed visit (失访, lost_reason != kNone): lost_reason 1..5 (4 may come from the
// client); lost_reason_other required for 5 (≤200); no death; and no assessment field at
// all (risk_level absent, enums 0, no lists, no texts, no flags): "<field>: 失访记录不填写评估
// (a failed visit carries no assessment)".
// A death (死亡, death_date set): death_date not after visit_date or today, not before
// birth; death_cause 1..6; no assessment field ("<field>: 死亡记录不填写评估 ...").
// A hospital-only visit (IsHospitalOnlyVisit: hospitalization 目前正在住院 and no risk_level;
// docs/rules.md "Hospital-only visits"): no other assessment field except
// last_discharge_date (checked as below); one filled in means the patient was assessed and
// is "risk_level: 已填写评估项时必须填写危险性评估 ...".
// Otherwise the assessment is required:
//  * risk_level present ("risk_level: 必填（仅失访、死亡或目前正在住院的记录可不填） ...")
//    and 0..5 (§2); symptom_severity 1..3; symptoms each 1..12, unique, 12 其他
//    requires symptoms_other (≤200); insight 1..3; sleep, diet 1..3;
//  * social.self_care/housework/study/social 1..3, social.work 1..3 or 9;
//  * behaviour.* counts 0..999; lockup 1..3; hospitalization 1..3; last_discharge_date
//    optional, not before birth nor after visit_date; lab_text required when lab_done
//    (≤500); adherence 1..4; adr 1..3, adr_text required when kMild/kSerious (≤500);
//    physical 1..4; effect 0..4 (0 = not filled);
//  * referral: when referred, reason (≤100) and hospital (≤200) required, department ≤50;
//  * medications, guidance: at most 5 lines each; drug_code 1..40; oral doses each 0..10000
//    mg and at least one > 0 unless long_acting; long_acting: interval_weeks 1..12 and
//    dose_mg in (0, 2000]; not long_acting: interval_weeks and dose_mg 0; confirm_reason
//    required when out_of_range_confirmed (≤200);
//  * rehab each 1..5, unique, 5 其他 requires rehab_other (≤200);
//  * recorded_class 0..3; override_reason required (1..200) when recorded_class is set.
// Detail texts are length-checked even when their trigger is not set. notes ≤1000
// (multi-line) on every record. Text is valid UTF-8 counted in code points, without control
// characters (CheckText).
// Field names are the proto field paths: "social.work", "medications[1].interval_weeks",
// "referral.hospital".
// Errors: INVALID_ARGUMENT "<field>: <中文> (<English>)" (errors.h); never the value.
absl::Status ValidateFollowUpForm(const FollowUpForm& f, absl::CivilDay birth_date,
                                  absl::CivilDay registered_on, absl::CivilDay today);

}  // namespace smd::domain
