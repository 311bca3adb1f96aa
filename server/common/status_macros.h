#pragma once
// RETURN_IF_ERROR / ASSIGN_OR_RETURN: early return on a non-OK absl::Status(Or).

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define SMD_CONCAT_INNER(a, b) a##b
#define SMD_CONCAT(a, b) SMD_CONCAT_INNER(a, b)

#define RETURN_IF_ERROR(expr)                  \
  do {                                         \
    ::absl::Status smd_status_ = (expr);       \
    if (!smd_status_.ok()) return smd_status_; \
  } while (0)

#define SMD_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return std::move(tmp).status();  \
  lhs = std::move(tmp).value()

#define ASSIGN_OR_RETURN(lhs, expr) \
  SMD_ASSIGN_OR_RETURN_IMPL(SMD_CONCAT(smd_statusor_, __LINE__), lhs, expr)

// Invariant check: aborts with a message. For programming errors only, never for input.
#define SMD_CHECK(cond)                                                              \
  do {                                                                               \
    if (!(cond)) ::smd::common::CheckFailed(__FILE__, __LINE__, #cond);              \
  } while (0)

namespace smd::common {
[[noreturn]] void CheckFailed(const char* file, int line, const char* cond);
}  // namespace smd::common
