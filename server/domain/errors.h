#pragma once
// Input-error helper shared by every domain rule (docs/style.md error policy).
//
// An input error is INVALID_ARGUMENT with the message "<field>: <中文原因> (<English reason>)".
// The field is the proto field path below the request's details message, e.g. "id_number",
// "guardian.phone", "past_behaviour.self_harm". The message never contains the offending value:
// it may be patient data, and error messages reach logs and clients.

#include <string_view>

#include "absl/status/status.h"

namespace smd::domain {

// Returns INVALID_ARGUMENT "<field>: <zh> (<en>)". Thread-safe.
absl::Status FieldError(std::string_view field, std::string_view zh, std::string_view en);

}  // namespace smd::domain
