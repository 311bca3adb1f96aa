#pragma once
// proto <-> domain for smd.v1.RehabService (proto/smd/v1/rehab.proto). Enum values are
// copied as given: the domain validation refuses unknown ones naming the field, inside the
// audited call. A date that is not a real date is refused here (api/convert.h
// DateFromProto), before any work.

#include "absl/status/status.h"
#include "domain/rehab_records.h"
#include "smd/v1/rehab.pb.h"

namespace smd::api {

[[nodiscard]] absl::Status RehabSessionFromProto(const smd::v1::RecordRehabSessionRequest& in,
                                                 domain::RehabSession* out);
[[nodiscard]] absl::Status PsychSupportFromProto(const smd::v1::RecordPsychSupportRequest& in,
                                                 domain::PsychSupport* out);
void RehabSessionToProto(const domain::RehabSession& s, smd::v1::RehabRecord* out);
void PsychSupportToProto(const domain::PsychSupport& p, smd::v1::RehabRecord* out);

}  // namespace smd::api
