#include "args.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace smdctl {

std::string Args::Get(const std::string& name, const std::string& def) const {
  auto it = flags.find(name);
  return it == flags.end() ? def : it->second;
}

absl::StatusOr<long long> Args::GetInt(const std::string& name, long long def) const {
  auto it = flags.find(name);
  if (it == flags.end()) return def;
  long long v = 0;
  if (!absl::SimpleAtoi(it->second, &v)) {
    return absl::InvalidArgumentError(absl::StrCat("--", name, ": 须为整数 (must be an integer)"));
  }
  return v;
}

absl::StatusOr<Args> ParseArgs(const std::vector<std::string>& words,
                               const std::set<std::string>& boolean) {
  Args a;
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (w.size() > 2 && w.rfind("--", 0) == 0) {
      std::string name = w.substr(2), value;
      const auto eq = name.find('=');
      if (eq != std::string::npos) {
        value = name.substr(eq + 1);
        name = name.substr(0, eq);
      } else if (boolean.count(name) == 0) {
        if (i + 1 >= words.size()) {
          return absl::InvalidArgumentError(absl::StrCat("--", name, ": 缺少值 (needs a value)"));
        }
        value = words[++i];
      }
      a.flags[name] = value;
    } else if (w == "--") {
      for (++i; i < words.size(); ++i) a.positional.push_back(words[i]);
    } else {
      a.positional.push_back(w);
    }
  }
  return a;
}

}  // namespace smdctl
