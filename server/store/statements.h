#pragma once
// Named SQL statements. Each repository .cc defines its statements next to its row
// mapping and exposes them through one function listed in statements.cc; every
// connection prepares all of them when it opens, under their stable names
// (e.g. "patient.get"), which also label slow-query logs.

#include <vector>

namespace smd::store {

struct Statement {
  const char* name;
  const char* sql;
};

// Every statement of every repository. Thread-safe.
const std::vector<Statement>& AllStatements();

}  // namespace smd::store
