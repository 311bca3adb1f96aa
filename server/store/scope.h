#pragma once
// Row-level security scope of the current transaction (schema 0001, smd_in_scope).

#include <string_view>

#include "absl/status/status.h"

namespace smd::store {

class Tx;

// SET LOCAL smd.scope: rows of patient tables are visible only when their jurisdiction
// starts with `region_code`. An empty code clears the scope (no rows visible).
absl::Status SetScope(Tx& tx, std::string_view region_code);

}  // namespace smd::store
