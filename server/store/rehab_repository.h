#pragma once
// Community-rehabilitation sessions (社区康复) and psychological support (心理疏导) of a
// patient (schema 0018; domain/rehab_records.h). Dates and codes are typed columns (what
// the metrics and the timeline read); the texts are one JSON object encrypted with
// AES-256-GCM, associated data "rehab_session:<id>" / "psych_support:<id>". Row-level
// security applies through the patient (the caller has set the scope). Thread-safe
// (immutable after construction); the Tx is the caller's.
//
// A listing keeps a record whose texts do not decrypt or decode, with `unreadable` set and
// the texts empty (docs/api.md "Unreadable records").

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "crypto/field_cipher.h"
#include "crypto/keys.h"
#include "domain/rehab_records.h"

namespace smd::store {

class Tx;

// A patient's records in [from, to] (either bound may be absent), in date order, then
// recording time and id.
struct RehabQuery {
  std::string patient_id;
  std::optional<absl::CivilDay> from;
  std::optional<absl::CivilDay> to;
};

class RehabRepository {
 public:
  explicit RehabRepository(const crypto::KeyRing& keys);

  absl::Status InsertSession(Tx& tx, const domain::RehabSession& s);
  absl::Status InsertSupport(Tx& tx, const domain::PsychSupport& p);
  absl::StatusOr<std::vector<domain::RehabSession>> ListSessions(Tx& tx, const RehabQuery& q);
  absl::StatusOr<std::vector<domain::PsychSupport>> ListSupports(Tx& tx, const RehabQuery& q);

 private:
  crypto::FieldCipher cipher_;
};

}  // namespace smd::store
