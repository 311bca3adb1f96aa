#include "common/status_macros.h"

#include <cstdio>
#include <cstdlib>

namespace smd::common {
void CheckFailed(const char* file, int line, const char* cond) {
  std::fprintf(stderr, "CHECK failed at %s:%d: %s\n", file, line, cond);
  std::abort();
}
}  // namespace smd::common
