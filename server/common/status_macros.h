#pragma once
// RETURN_IF_ERROR / ASSIGN_OR_RETURN: early return on a non-OK absl::Status(Or).

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define SMD_CONCAT_INNER(a, b) a##b
#define SMD_CONCAT(a, b) SMD_CONCAT_INNER(a, b)

// The variable is named after the line so that a RETURN_IF_ERROR inside a lambda passed
// to another RETURN_IF_ERROR does not shadow the outer one.
#define RETURN_IF_ERROR(expr) SMD_RETURN_IF_ERROR_IMPL(SMD_CONCAT(smd_status_, __LINE__), expr)
#define SMD_RETURN_IF_ERROR_IMPL(var, expr) \
  do {                                      \
    ::absl::Status var = (expr);            \
    if (!var.ok()) return var;              \
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
