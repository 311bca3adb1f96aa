#include "domain/audit_filter.h"

#include <algorithm>

#include "absl/strings/ascii.h"
#include "domain/errors.h"

namespace smd::domain {

const std::vector<std::string>& AuditOutcomes() {
  static const std::vector<std::string> all = [] {
    // absl's codes 0..16 are gRPC's; app::OutcomeName upper-cases absl's names.
    std::vector<std::string> v = {"OK"};
    for (int c = 1; c <= 16; ++c) {
      v.push_back(absl::AsciiStrToUpper(absl::StatusCodeToString(static_cast<absl::StatusCode>(c))));
    }
    return v;
  }();
  return all;
}

const std::vector<std::string>& ServerRecordMethods() {
  // Written in app/ (alert_use_cases, audit_use_cases, cipher_upgrade, demo_seed,
  // key_rotation, unauth_audit); keep this list with them.
  static const std::vector<std::string> all = {
      "smd-server alert.delivered",    "smd-server alert.escalate",
      "smd-server alert.overdue",      "smd-server alert.reroute",
      "smd-server audit-verify",       "smd-server audit.unauthenticated",
      "smd-server bootstrap",          "smd-server cipher.upgrade",
      "smd-server keys.reencrypt",     "smd-server keys.reindex",
      "smd-server seed-demo",
  };
  return all;
}

absl::Status CheckAuditOutcomeFilter(std::string_view field, std::string_view outcome) {
  if (outcome.empty() || outcome == kAuditOutcomeNotOk) return absl::OkStatus();
  const auto& all = AuditOutcomes();
  if (std::find(all.begin(), all.end(), outcome) != all.end()) return absl::OkStatus();
  return FieldError(field, "结果值无效", "unknown outcome");
}

absl::Status CheckAuditMethodFilter(std::string_view field, std::string_view method,
                                    const std::vector<std::string>& rpc_methods) {
  if (method.empty() ||
      std::find(rpc_methods.begin(), rpc_methods.end(), method) != rpc_methods.end()) {
    return absl::OkStatus();
  }
  const auto& own = ServerRecordMethods();
  if (std::find(own.begin(), own.end(), method) != own.end()) return absl::OkStatus();
  return FieldError(field, "未知的方法", "unknown method");
}

}  // namespace smd::domain
