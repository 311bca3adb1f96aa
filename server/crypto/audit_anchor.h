#pragma once
// The external anchor of the audit chain (docs/adr/0003-audit-chain.md): an append-only
// text file outside PostgreSQL holding a copy of the signed checkpoints, one
// AnchorLine per line. A database superuser who rewrites or truncates the chain can drop
// the checkpoints stored in the database, but not these copies, as long as the file is out
// of their reach (another host, another OS account; ship it to a log server as well).

#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "crypto/audit_chain.h"

namespace smd::crypto {

class AnchorFile {
 public:
  explicit AnchorFile(std::string path) : path_(std::move(path)) {}
  ~AnchorFile();
  AnchorFile(const AnchorFile&) = delete;
  AnchorFile& operator=(const AnchorFile&) = delete;

  const std::string& path() const { return path_; }

  // Creates the file (mode 0600) if it does not exist; the file is never truncated.
  // UNAVAILABLE naming the path (never its contents) when it cannot be opened for appending.
  absl::Status Open();

  // Appends one line with a single write(2) on an O_APPEND descriptor, then fdatasync, so
  // lines of several processes sharing the file never interleave and an acknowledged line
  // survives a crash. Opens the file first if needed, and again when the path no longer
  // names the open file (removed, or renamed by log rotation). UNAVAILABLE on I/O errors.
  // Thread-safe.
  absl::Status Append(const Checkpoint& cp, std::string_view note);

  // Every checkpoint in the file, in file order. NOT_FOUND if the file does not exist;
  // DATA_LOSS naming the line number if a line is malformed. A last line without its
  // newline (a write cut short by a crash) is ignored. Thread-safe.
  absl::StatusOr<std::vector<Checkpoint>> ReadAll() const;

  // The highest position in the file (0 when empty or missing). Errors as ReadAll.
  absl::StatusOr<int64_t> NewestPosition() const;

 private:
  const std::string path_;
  std::mutex mu_;
  int fd_ = -1;
};

}  // namespace smd::crypto
