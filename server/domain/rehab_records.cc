#include "domain/rehab_records.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "domain/errors.h"
#include "domain/text.h"

namespace smd::domain {

std::string_view RehabActivityNameZh(RehabActivity a) {
  switch (a) {
    case RehabActivity::kSunshineGarden:
      return "阳光心园日间康复";
    case RehabActivity::kVocational:
      return "职业康复/工疗";
    case RehabActivity::kLivingSkills:
      return "生活技能训练";
    case RehabActivity::kSocialSkills:
      return "社交技能训练";
    case RehabActivity::kRecreation:
      return "文体娱乐活动";
    case RehabActivity::kPeerSupport:
      return "同伴支持";
    case RehabActivity::kOther:
      return "其他康复活动";
    case RehabActivity::kUnspecified:
      break;
  }
  return "";
}

std::string_view SupportRecipientsNameZh(SupportRecipients r) {
  switch (r) {
    case SupportRecipients::kPatient:
      return "患者本人";
    case SupportRecipients::kFamily:
      return "家属";
    case SupportRecipients::kBoth:
      return "患者及家属";
    case SupportRecipients::kUnspecified:
      break;
  }
  return "";
}

std::string_view SupportMethodNameZh(SupportMethod m) {
  switch (m) {
    case SupportMethod::kFaceToFace:
      return "面对面";
    case SupportMethod::kPhone:
      return "电话";
    case SupportMethod::kOnline:
      return "视频/网络";
    case SupportMethod::kUnspecified:
      break;
  }
  return "";
}

absl::Status CheckRecordDate(std::string_view field, absl::CivilDay date, absl::CivilDay today,
                             absl::CivilDay registered_on) {
  if (date > today) {
    return FieldError(field, "日期不能晚于今天", "must not be in the future");
  }
  if (date < registered_on) {
    return FieldError(field,
                      absl::StrCat("日期不能早于建档日期 ", absl::FormatCivilTime(registered_on)),
                      absl::StrCat("must not be before the registration date ",
                                   absl::FormatCivilTime(registered_on)));
  }
  return absl::OkStatus();
}

absl::Status ValidateRehabSession(const RehabSession& s, absl::CivilDay today,
                                  absl::CivilDay registered_on) {
  RETURN_IF_ERROR(CheckRecordDate("session_date", s.session_date, today, registered_on));
  if (RehabActivityNameZh(s.activity).empty()) {
    return FieldError("activity", "请选择康复活动类型", "required: a known activity kind");
  }
  RETURN_IF_ERROR(CheckText("place", s.place, true, 100));
  RETURN_IF_ERROR(CheckText("programme", s.programme, s.activity == RehabActivity::kOther, 100));
  if (s.duration_minutes && (*s.duration_minutes < 1 || *s.duration_minutes > 720)) {
    return FieldError("duration_minutes", "时长须在1-720分钟之间", "must be 1..720 minutes");
  }
  RETURN_IF_ERROR(CheckText("run_by", s.run_by, false, 100));
  RETURN_IF_ERROR(CheckText("note", s.note, false, 500, TextLines::kMulti));
  return absl::OkStatus();
}

absl::Status ValidatePsychSupport(const PsychSupport& p, absl::CivilDay today,
                                  absl::CivilDay registered_on) {
  RETURN_IF_ERROR(CheckRecordDate("support_date", p.support_date, today, registered_on));
  if (SupportRecipientsNameZh(p.recipients).empty()) {
    return FieldError("recipients", "请选择疏导对象", "required: patient, family or both");
  }
  if (!p.family_members.empty() && p.recipients == SupportRecipients::kPatient) {
    return FieldError("family_members", "疏导对象为患者本人时不填家属",
                      "only when the family received the support");
  }
  RETURN_IF_ERROR(CheckText("family_members", p.family_members, false, 100));
  if (SupportMethodNameZh(p.method).empty()) {
    return FieldError("method", "请选择疏导方式", "required: face to face, phone or online");
  }
  RETURN_IF_ERROR(CheckText("provider", p.provider, false, 100));
  RETURN_IF_ERROR(CheckText("note", p.note, false, 500, TextLines::kMulti));
  return absl::OkStatus();
}

}  // namespace smd::domain
