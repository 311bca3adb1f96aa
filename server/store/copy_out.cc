#include "store/internal/copy_out.h"

#include <libpq-fe.h>

#include <cstring>
#include <exception>

namespace smd::store::internal {
namespace {

// libpqxx 6.4 keeps the connection's PGconn to itself; its largeobject class hands it to
// subclasses (a protected static), which is the one supported way to reach it.
class RawConnection : public pqxx::largeobject {
 public:
  static PGconn* Of(const pqxx::dbtransaction& t) { return raw_connection(t); }
};

uint32_t BigEndian32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) | uint32_t{u[3]};
}

uint64_t BigEndian64(const char* p) {
  return (uint64_t{BigEndian32(p)} << 32) | BigEndian32(p + 4);
}

[[noreturn]] void ThrowResult(PGresult* r, const std::string& what) {
  const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
  const std::string sqlstate = state != nullptr ? state : "";
  PQclear(r);
  // Only the SQLSTATE travels on (store/errors.cc): the message could quote values.
  throw pqxx::sql_error(what, "COPY", sqlstate.empty() ? nullptr : sqlstate.c_str());
}

// Reads what is left of the COPY and its results, so the connection is usable again.
void Drain(PGconn* c) {
  char* buf = nullptr;
  while (PQgetCopyData(c, &buf, 0) > 0) PQfreemem(buf);
  while (PGresult* r = PQgetResult(c)) PQclear(r);
}

constexpr char kSignature[] = "PGCOPY\n\377\r\n";  // 11 bytes with its NUL

}  // namespace

void CopyOutBinary(pqxx::dbtransaction& t, const std::string& query,
                   const std::function<void(const std::vector<BinaryField>&)>& row) {
  PGconn* c = RawConnection::Of(t);
  PGresult* r = PQexec(c, ("COPY (" + query + ") TO STDOUT (FORMAT binary)").c_str());
  if (PQresultStatus(r) != PGRES_COPY_OUT) ThrowResult(r, "COPY failed");
  PQclear(r);
  std::vector<BinaryField> fields;
  bool header = true;
  std::exception_ptr failure;
  char* buf = nullptr;
  int n = 0;
  while ((n = PQgetCopyData(c, &buf, 0)) > 0) {
    std::string_view msg(buf, static_cast<size_t>(n));
    try {
      if (header) {
        // Signature, flags, header extension length and extension (PostgreSQL sends the
        // header in front of the first row).
        if (msg.size() < 19 || std::memcmp(msg.data(), kSignature, 11) != 0) {
          throw pqxx::failure("binary COPY: bad header");
        }
        const uint32_t ext = BigEndian32(msg.data() + 15);
        if (msg.size() < 19 + ext) throw pqxx::failure("binary COPY: bad header");
        msg.remove_prefix(19 + ext);
        header = false;
        if (msg.empty()) {
          PQfreemem(buf);
          continue;
        }
      }
      if (msg.size() < 2) throw pqxx::failure("binary COPY: short row");
      const auto count = static_cast<int16_t>((uint16_t{static_cast<unsigned char>(msg[0])} << 8) |
                                              static_cast<unsigned char>(msg[1]));
      msg.remove_prefix(2);
      if (count >= 0) {
        fields.clear();
        for (int i = 0; i < count; ++i) {
          if (msg.size() < 4) throw pqxx::failure("binary COPY: short field");
          const auto len = static_cast<int32_t>(BigEndian32(msg.data()));
          msg.remove_prefix(4);
          if (len < 0) {
            fields.emplace_back(std::nullopt);
            continue;
          }
          if (msg.size() < static_cast<size_t>(len))
            throw pqxx::failure("binary COPY: short field");
          fields.emplace_back(msg.substr(0, static_cast<size_t>(len)));
          msg.remove_prefix(static_cast<size_t>(len));
        }
        row(fields);
      }  // count -1: the trailer
    } catch (...) {
      failure = std::current_exception();
    }
    PQfreemem(buf);
    if (failure) break;
  }
  if (failure) {
    Drain(c);
    std::rethrow_exception(failure);
  }
  if (n == -2) {
    Drain(c);
    throw pqxx::broken_connection("binary COPY: connection failed");
  }
  while (PGresult* res = PQgetResult(c)) {
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
      Drain(c);
      ThrowResult(res, "COPY failed");
    }
    PQclear(res);
  }
}

bool Int16(std::string_view f, int16_t* out) {
  if (f.size() != 2) return false;
  *out = static_cast<int16_t>((uint16_t{static_cast<unsigned char>(f[0])} << 8) |
                              static_cast<unsigned char>(f[1]));
  return true;
}

bool Int64(std::string_view f, int64_t* out) {
  if (f.size() != 8) return false;
  *out = static_cast<int64_t>(BigEndian64(f.data()));
  return true;
}

bool UInt64(std::string_view f, uint64_t* out) {
  if (f.size() != 8) return false;
  *out = BigEndian64(f.data());
  return true;
}

bool TimestampMicros(std::string_view f, int64_t* out) {
  int64_t since_2000 = 0;
  if (!Int64(f, &since_2000)) return false;
  constexpr int64_t kUnixTo2000 = 946684800LL * 1000000LL;
  *out = since_2000 + kUnixTo2000;
  return true;
}

bool UuidText(std::string_view f, std::string* out) {
  if (f.size() != 16) return false;
  static const char kHex[] = "0123456789abcdef";
  out->clear();
  for (size_t i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out->push_back('-');
    const auto b = static_cast<unsigned char>(f[i]);
    out->push_back(kHex[b >> 4]);
    out->push_back(kHex[b & 15]);
  }
  return true;
}

bool UuidArrayText(std::string_view f, std::string* out) {
  out->clear();
  if (f.size() < 12) return false;
  const uint32_t ndim = BigEndian32(f.data());
  if (ndim > 6) return false;
  f.remove_prefix(12);  // ndim, has-nulls flag, element type
  if (f.size() < 8 * ndim) return false;
  f.remove_prefix(8 * ndim);  // each dimension's size and lower bound
  std::string one;
  while (!f.empty()) {
    if (f.size() < 4) return false;
    const auto len = static_cast<int32_t>(BigEndian32(f.data()));
    f.remove_prefix(4);
    if (len < 0) continue;  // NULL element: array_to_string skips it
    if (f.size() < static_cast<size_t>(len) ||
        !UuidText(f.substr(0, static_cast<size_t>(len)), &one)) {
      return false;
    }
    f.remove_prefix(static_cast<size_t>(len));
    if (!out->empty()) out->push_back(',');
    out->append(one);
  }
  return true;
}

}  // namespace smd::store::internal
