#pragma once
// A fixed KeyRing for crypto unit tests.

#include <string>

#include "crypto/keys.h"

namespace smd::crypto::test {

inline KeyRing TestKeys() {
  KeyRing keys;
  keys.field_key = std::string(32, '\x11');
  keys.field_key_id = 1;
  keys.index_key = std::string(32, '\x22');
  keys.audit_key = std::string(32, '\x33');
  return keys;
}

}  // namespace smd::crypto::test
