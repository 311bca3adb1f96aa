#include "fields.h"

#include <algorithm>
#include <cctype>

#include <google/protobuf/descriptor.h>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/civil_time.h"

namespace smdctl {
namespace {

namespace pb = google::protobuf;

absl::Status Bad(const std::string& flag, const std::string& why_zh, const std::string& why_en) {
  return absl::InvalidArgumentError(absl::StrCat(flag, ": ", why_zh, " (", why_en, ")"));
}

// TEAM_ROLE_GRID_WORKER for "grid-worker" in enum TeamRole: the value whose name ends with
// "_" + the upper-cased word, or equals it.
const pb::EnumValueDescriptor* FindEnumValue(const pb::EnumDescriptor* e, const std::string& v) {
  std::string want = absl::AsciiStrToUpper(absl::StrReplaceAll(v, {{"-", "_"}}));
  int number = 0;
  if (absl::SimpleAtoi(v, &number)) return e->FindValueByNumber(number);
  if (const auto* exact = e->FindValueByName(want)) return exact;
  for (int i = 0; i < e->value_count(); ++i) {
    const std::string& name = e->value(i)->name();
    if (name.size() > want.size() + 1 &&
        name.compare(name.size() - want.size(), want.size(), want) == 0 &&
        name[name.size() - want.size() - 1] == '_') {
      return e->value(i);
    }
  }
  return nullptr;
}

absl::Status SetField(pb::Message* msg, const pb::FieldDescriptor* f, const std::string& flag,
                      const std::string& v) {
  const pb::Reflection* r = msg->GetReflection();
  if (f->is_repeated()) return Bad(flag, "该字段不能用参数设置", "not settable from a flag");
  switch (f->cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_STRING:
      r->SetString(msg, f, v);
      return absl::OkStatus();
    case pb::FieldDescriptor::CPPTYPE_INT32: {
      int32_t x = 0;
      if (!absl::SimpleAtoi(v, &x)) return Bad(flag, "须为整数", "must be an integer");
      r->SetInt32(msg, f, x);
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_INT64: {
      int64_t x = 0;
      if (!absl::SimpleAtoi(v, &x)) return Bad(flag, "须为整数", "must be an integer");
      r->SetInt64(msg, f, x);
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_BOOL: {
      bool x = false;
      if (v.empty()) {
        x = true;
      } else if (!absl::SimpleAtob(v, &x)) {
        return Bad(flag, "须为 true 或 false", "must be true or false");
      }
      r->SetBool(msg, f, x);
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_ENUM: {
      const pb::EnumValueDescriptor* ev = FindEnumValue(f->enum_type(), v);
      if (ev == nullptr || ev->number() == 0) {
        std::string names;
        for (int i = 1; i < f->enum_type()->value_count(); ++i) {
          absl::StrAppend(&names, i > 1 ? ", " : "", f->enum_type()->value(i)->name());
        }
        return Bad(flag, "取值无效，可选 " + names, "invalid value; one of " + names);
      }
      r->SetEnum(msg, f, ev);
      return absl::OkStatus();
    }
    case pb::FieldDescriptor::CPPTYPE_MESSAGE:
      if (f->message_type()->full_name() == "smd.v1.Date") {
        absl::CivilDay d;
        if (!absl::ParseCivilTime(v, &d)) {
          return Bad(flag, "日期格式须为 YYYY-MM-DD", "date must be YYYY-MM-DD");
        }
        pb::Message* date = r->MutableMessage(msg, f);
        const pb::Descriptor* dd = date->GetDescriptor();
        const pb::Reflection* dr = date->GetReflection();
        dr->SetInt32(date, dd->FindFieldByName("year"), static_cast<int32_t>(d.year()));
        dr->SetInt32(date, dd->FindFieldByName("month"), d.month());
        dr->SetInt32(date, dd->FindFieldByName("day"), d.day());
        return absl::OkStatus();
      }
      return Bad(flag, "该字段不能用参数设置", "not settable from a flag");
    default:
      return Bad(flag, "该字段不能用参数设置", "not settable from a flag");
  }
}

}  // namespace

absl::Status FillFromArgs(const Args& args, size_t first_positional,
                          const std::vector<std::string>& positional_fields,
                          const std::set<std::string>& ignore,
                          const std::set<std::string>& required, pb::Message* msg) {
  const pb::Descriptor* d = msg->GetDescriptor();
  std::set<std::string> set;
  for (size_t i = 0; i < positional_fields.size(); ++i) {
    const size_t at = first_positional + i;
    if (at >= args.positional.size()) break;
    const pb::FieldDescriptor* f = d->FindFieldByName(positional_fields[i]);
    if (f == nullptr) return absl::InternalError("no field " + positional_fields[i]);
    if (auto s = SetField(msg, f, "<" + positional_fields[i] + ">", args.positional[at]); !s.ok()) {
      return s;
    }
    set.insert(f->name());
  }
  if (args.positional.size() > first_positional + positional_fields.size()) {
    return Bad(args.positional[first_positional + positional_fields.size()], "多余的参数",
               "unexpected argument");
  }
  for (const auto& [name, value] : args.flags) {
    if (ignore.count(name)) continue;
    const std::string field = absl::StrReplaceAll(name, {{"-", "_"}});
    const pb::FieldDescriptor* f = d->FindFieldByName(field);
    if (f == nullptr) return Bad("--" + name, "未知参数", "unknown flag");
    if (auto s = SetField(msg, f, "--" + name, value); !s.ok()) return s;
    set.insert(field);
  }
  for (const std::string& r : required) {
    if (!set.count(r)) {
      return Bad("--" + absl::StrReplaceAll(r, {{"_", "-"}}), "必填", "required");
    }
  }
  return absl::OkStatus();
}

}  // namespace smdctl
