#pragma once
// The external anchor of the audit chain (docs/adr/0003-audit-chain.md): an append-only
// text file outside PostgreSQL holding a copy of the signed checkpoints, one
// AnchorLine per line. A database superuser who rewrites or truncates the chain can drop
// the checkpoints stored in the database, but not these copies, as long as the file is out
// of their reach (another host, another OS account; ship it to a log server as well).
//
// A torn line (a write cut short by a crash, a power loss or a full disk) is never left in
// the middle of the file: it is always the last line, without its newline, and the next
// writer cuts it off before appending. Only bytes of a line that was never acknowledged are
// removed; complete lines are never truncated.

#include <cstdint>
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

  // Creates the file (mode 0600) if it does not exist, and cuts off a torn last line (one
  // without its newline). UNAVAILABLE naming the path (never its contents) when it cannot
  // be opened for appending or repaired. Thread-safe.
  absl::Status Open();

  // Appends one line with a single write(2) on an O_APPEND descriptor, then fdatasync, so an
  // acknowledged line survives a crash. Writers, also in other processes on this host,
  // take an exclusive flock(2) on the file for the append: before writing, a torn last line
  // left by any of them is cut off, and a write of this call that comes out short is cut
  // back off, so every line starts on a line of its own. Opens the file first if needed,
  // and again when the path no longer names the open file (removed, or renamed by log
  // rotation). UNAVAILABLE on I/O errors (nothing of the line is then left in the file,
  // unless even the cut failed; the next Append or Open removes it). Thread-safe.
  absl::Status Append(const Checkpoint& cp, std::string_view note);

  // Every checkpoint in the file, in file order. NOT_FOUND if the file does not exist;
  // DATA_LOSS naming the line number if a complete line (one ending in a newline) is
  // malformed. A last line without its newline (a torn write not yet cut off) is ignored.
  // Thread-safe.
  absl::StatusOr<std::vector<Checkpoint>> ReadAll() const;

  // The highest position among the complete lines in the file's last 64 KiB (about 250
  // lines; 0 when the file is empty or missing). Lines are appended in rising position
  // order, up to writers of several processes interleaving, so that is the file's highest.
  // Reads the whole file (as ReadAll, with its errors) only when that tail holds no
  // complete line or a malformed one. Thread-safe.
  absl::StatusOr<int64_t> NewestPosition() const;

 private:
  // Opens the file into fd_ if it is not open. Requires mu_.
  absl::Status OpenLocked();
  // Cuts off a last line without its newline. Requires mu_ and the flock on fd_.
  absl::Status CutTornTailLocked();

  const std::string path_;
  std::mutex mu_;
  int fd_ = -1;  // guarded by mu_
};

}  // namespace smd::crypto
