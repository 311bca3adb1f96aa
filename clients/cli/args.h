#pragma once
// Command-line arguments of smdctl: positional words and --flags (--name=value,
// --name value, or a bare --name for the boolean flags the caller names).

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace smdctl {

struct Args {
  std::vector<std::string> positional;
  std::map<std::string, std::string> flags;  // without the leading "--"

  bool Has(const std::string& name) const { return flags.count(name) > 0; }
  std::string Get(const std::string& name, const std::string& def = "") const;
  // INVALID_ARGUMENT naming the flag when it is not an integer.
  absl::StatusOr<long long> GetInt(const std::string& name, long long def) const;
};

// `boolean` lists the flags that take no value. INVALID_ARGUMENT on "--" alone, or on a
// value flag at the end without its value.
absl::StatusOr<Args> ParseArgs(const std::vector<std::string>& words,
                               const std::set<std::string>& boolean);

}  // namespace smdctl
