#pragma once
// Community rehabilitation (社区康复) and psychological support (心理疏导) as dated records of
// a patient (issue 14 point 4; docs/rules.md "Rehabilitation and family support").
//
// Sources: rules.md §5.2 (Shanghai 社区康复参与率 >= 70% of home patients: "居家 patients with
// a community-rehab record ÷ 居家"), §4.2 ("Every visit: ... rehabilitation guidance ...;
// psychological support for the family"), §7 (the 2018 表7 addition 参加社区康复, an undated
// flag); the plan in seeds 004 ("进一步提升阳光心园康复服务，居家严重精神障碍患者在社区参与康复率
// 达70%以上。社区卫生服务中心结合家属护理教育培训，对70%以上的居家严重精神障碍患者及家属提供心理
// 疏导服务") and Gulou's plan, seeds 000 task 22 ("心理支持和疏导、康复指导").
//
// Plain value types and pure validation; enum numbers equal proto/smd/v1/rehab.proto.

#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace smd::domain {

// The kind of community-rehabilitation activity (proto RehabActivity).
enum class RehabActivity : int {
  kUnspecified = 0,
  kSunshineGarden = 1,  // 阳光心园日间康复
  kVocational = 2,      // 职业康复/工疗
  kLivingSkills = 3,    // 生活技能训练
  kSocialSkills = 4,    // 社交技能训练
  kRecreation = 5,      // 文体娱乐活动
  kPeerSupport = 6,     // 同伴支持/病友互助
  kOther = 9,           // 其他 (the programme says which)
};

// "阳光心园日间康复", ...; "" for an unknown value.
std::string_view RehabActivityNameZh(RehabActivity a);

// One 社区康复 participation of a patient.
struct RehabSession {
  std::string id;
  std::string patient_id;
  absl::CivilDay session_date;
  RehabActivity activity = RehabActivity::kUnspecified;
  std::optional<int> duration_minutes;  // 1..720
  std::string place;      // encrypted at rest
  std::string programme;  // encrypted at rest
  std::string run_by;     // encrypted at rest
  std::string note;       // encrypted at rest
  std::string recorded_by;
  absl::Time recorded_at;
  // In a listing only: the texts did not decrypt or decode; they are empty.
  bool unreadable = false;
};

enum class SupportRecipients : int { kUnspecified = 0, kPatient = 1, kFamily = 2, kBoth = 3 };
enum class SupportMethod : int { kUnspecified = 0, kFaceToFace = 1, kPhone = 2, kOnline = 3 };

// "患者本人", "家属", "患者及家属"; "" for an unknown value.
std::string_view SupportRecipientsNameZh(SupportRecipients r);
// "面对面", "电话", "视频/网络"; "" for an unknown value.
std::string_view SupportMethodNameZh(SupportMethod m);

// One 心理疏导 to the patient and/or the family.
struct PsychSupport {
  std::string id;
  std::string patient_id;
  absl::CivilDay support_date;
  SupportRecipients recipients = SupportRecipients::kUnspecified;
  SupportMethod method = SupportMethod::kUnspecified;
  std::string family_members;  // encrypted at rest
  std::string provider;        // encrypted at rest; the recording user's name when not given
  std::string note;            // encrypted at rest
  std::string recorded_by;
  absl::Time recorded_at;
  bool unreadable = false;  // as RehabSession::unreadable
};

// The date rule both records share: `date` is a Beijing date, not after `today` and not
// before `registered_on` (the patient's 建档日期): a participation before the patient was on
// the register is not this system's record, and would count in a period the patient was
// not in. Errors: INVALID_ARGUMENT "<field>: ...".
absl::Status CheckRecordDate(std::string_view field, absl::CivilDay date, absl::CivilDay today,
                             absl::CivilDay registered_on);

// Validates a session in the request's field order; the first error wins. Pure,
// thread-safe.
//  * session_date: CheckRecordDate;
//  * activity: one of the enumerators (not kUnspecified);
//  * place: required, one line, <= 100;
//  * programme: one line, <= 100; required when activity is kOther;
//  * duration_minutes: absent or 1..720;
//  * run_by: one line, <= 100; note: <= 500, multi-line.
// Errors: INVALID_ARGUMENT "<field>: <中文> (<English>)".
absl::Status ValidateRehabSession(const RehabSession& s, absl::CivilDay today,
                                  absl::CivilDay registered_on);

// Validates a psychological-support record in field order:
//  * support_date: CheckRecordDate;
//  * recipients: 1..3;
//  * family_members: one line, <= 100; only when the family received it (kFamily, kBoth);
//  * method: 1..3;
//  * provider: one line, <= 100 (empty: the caller fills the recording user);
//  * note: <= 500, multi-line.
absl::Status ValidatePsychSupport(const PsychSupport& p, absl::CivilDay today,
                                  absl::CivilDay registered_on);

}  // namespace smd::domain
