#pragma once
// The row-level-security scopes that together cover every row of the database:
// the roots of the region tree, less a root whose code starts with another
// root's (a district without a parent beside its city is inside that city's
// scope already). For background passes that must visit every row as the app
// role (the encryption upgrade, key rotation), one scope at a time. One short
// transaction of its own.

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "app/context.h"

namespace smd::app {

// The scopes in code order. Roots have at most 6 digits: a region of 9 or 12
// always has its parent (schema 0006).
absl::StatusOr<std::vector<std::string>> RootScopes(const Deps& deps);

}  // namespace smd::app
