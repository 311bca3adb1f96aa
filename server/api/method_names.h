#pragma once
// The full names of every RPC of the smd.v1 API ("/smd.v1.AdminService/ListUsers"), from the
// generated descriptors: what AuditService.ListAuditRecords accepts as a method filter.

#include <string>
#include <vector>

namespace smd::api {

// Sorted. Thread-safe.
std::vector<std::string> RpcMethodNames();

}  // namespace smd::api
