#pragma once
// The values AuditService.ListAuditRecords accepts in its method and outcome filters
// (docs/api.md "AuditService"). Pure and thread-safe.

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace smd::domain {

// The outcome filter that matches every outcome but "OK".
inline constexpr std::string_view kAuditOutcomeNotOk = "NOT_OK";

// The outcomes audit records carry: "OK" and the names of the other gRPC status codes as
// app::OutcomeName writes them ("CANCELLED", ..., "UNAUTHENTICATED"), in code order.
const std::vector<std::string>& AuditOutcomes();

// The `method` of the records the server writes by itself, not for an RPC (escalation,
// delivery, sealing tools, start-up commands): "smd-server alert.escalate" etc.
const std::vector<std::string>& ServerRecordMethods();

// OK for "", an AuditOutcomes() value or kAuditOutcomeNotOk. Errors: INVALID_ARGUMENT
// "<field>: 结果值无效 (unknown outcome)".
absl::Status CheckAuditOutcomeFilter(std::string_view field, std::string_view outcome);

// OK for "", a member of `rpc_methods` (full names "/smd.v1.Service/Method") or a
// ServerRecordMethods() value. Errors: INVALID_ARGUMENT "<field>: 未知的方法 (unknown
// method)"; the message does not repeat the value.
absl::Status CheckAuditMethodFilter(std::string_view field, std::string_view method,
                                    const std::vector<std::string>& rpc_methods);

}  // namespace smd::domain
