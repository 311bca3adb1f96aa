#pragma once
// Private to store/: COPY (query) TO STDOUT in PostgreSQL's binary format, read through libpq
// on the transaction's own connection. libpqxx 6.4 can only stream text COPY of a table;
// audit verification reads every row of the trail, and the binary output functions
// (a uuid as 16 bytes, a timestamp as 8) cost PostgreSQL a fraction of the text ones.

#include <pqxx/pqxx>

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace smd::store::internal {

// One field of a binary COPY row: nullopt for NULL, else the value's binary send format.
using BinaryField = std::optional<std::string_view>;

// Runs COPY (query) TO STDOUT (FORMAT binary) on t's connection and calls `row` with the
// fields of every row, in order; the views are valid during the call only. Throws
// pqxx::sql_error (with the SQLSTATE) on a database error and pqxx::failure on a malformed
// stream; the COPY is always drained first, so the transaction stays usable for the rollback.
// An exception thrown by `row` is passed on the same way.
void CopyOutBinary(pqxx::dbtransaction& t, const std::string& query,
                   const std::function<void(const std::vector<BinaryField>&)>& row);

// Decoders of the binary send formats used by the audit chain. Each returns false on a
// wrong size.
bool Int16(std::string_view f, int16_t* out);
bool Int64(std::string_view f, int64_t* out);
bool UInt64(std::string_view f, uint64_t* out);
// timestamptz: microseconds since 2000-01-01 UTC -> Unix microseconds.
bool TimestampMicros(std::string_view f, int64_t* out);
// uuid: 16 bytes -> "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (lowercase, as uuid_out).
bool UuidText(std::string_view f, std::string* out);
// uuid[] (any dimensions): the elements in storage order as text joined with ",", NULL
// elements skipped: what array_to_string(a, ',') gives.
bool UuidArrayText(std::string_view f, std::string* out);

}  // namespace smd::store::internal
