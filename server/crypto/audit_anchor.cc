#include "crypto/audit_anchor.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/log.h"
#include "common/status_macros.h"

namespace smd::crypto {
namespace {

constexpr std::string_view kLineTag = "smd-audit-anchor-v1 ";
// NewestPosition reads this much of the file's end.
constexpr size_t kTailBytes = 64 * 1024;
// No line of the file is longer: 20 + 1 + 20 + 1 + 64 + 1 + 20 + 1 + 128 + 1 + a short note.
// A torn last line is cut off only when it is shorter, so that a path naming some other file
// (a configuration mistake) never loses more than a line's worth of it.
constexpr size_t kMaxLineBytes = 4096;

absl::Status Io(const std::string& path, const char* what, int err) {
  return absl::UnavailableError(
      absl::StrCat("audit anchor file ", path, ": ", what, ": ", std::strerror(err)));
}

// Reads up to `max` bytes at `offset` into `out` (fewer only at the end of the file).
absl::Status ReadAt(int fd, const std::string& path, off_t offset, size_t max, std::string* out) {
  out->resize(max);
  size_t got = 0;
  while (got < max) {
    const ssize_t n = ::pread(fd, out->data() + got, max - got, offset + static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Io(path, "read failed", errno);
    if (n == 0) break;
    got += static_cast<size_t>(n);
  }
  out->resize(got);
  return absl::OkStatus();
}

// Parses the complete lines of `data` (a last line without its newline is ignored) into
// `out`. `first_line_no`: the number of the first line, for the DATA_LOSS message.
absl::Status ParseLines(std::string_view data, const std::string& path, int64_t first_line_no,
                        std::vector<Checkpoint>* out) {
  size_t start = 0;
  int64_t line_no = first_line_no;
  while (start < data.size()) {
    const size_t nl = data.find('\n', start);
    if (nl == std::string_view::npos) break;  // torn: cut off by the next writer
    const std::string_view line = data.substr(start, nl - start);
    start = nl + 1;
    auto cp = ParseAnchorLine(line);
    if (!cp.ok()) {
      return absl::DataLossError(
          absl::StrCat("audit anchor file ", path, " line ", line_no, ": ", cp.status().message()));
    }
    out->push_back(std::move(*cp));
    ++line_no;
  }
  return absl::OkStatus();
}

// True when `tail` (the bytes after the last newline) can be what a crash leaves of a line
// of this file: the start of a line, or the zeros some file systems show for blocks whose
// data never reached the disk.
bool LooksLikeATornLine(std::string_view tail) {
  if (tail.size() >= kMaxLineBytes) return false;
  if (std::all_of(tail.begin(), tail.end(), [](char c) { return c == '\0'; })) return true;
  const size_t n = std::min(tail.size(), kLineTag.size());
  return tail.substr(0, n) == kLineTag.substr(0, n);
}

// flock(2) for the duration of a scope: writers in other processes on this host append
// and cut torn lines one at a time.
class FileLock {
 public:
  explicit FileLock(int fd) : fd_(fd) {
    int r = 0;
    do {
      r = ::flock(fd_, LOCK_EX);
    } while (r != 0 && errno == EINTR);
    err_ = r == 0 ? 0 : errno;
  }
  ~FileLock() {
    if (err_ == 0) ::flock(fd_, LOCK_UN);
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  int error() const { return err_; }

 private:
  int fd_;
  int err_ = 0;
};

}  // namespace

AnchorFile::~AnchorFile() {
  if (fd_ >= 0) ::close(fd_);
}

absl::Status AnchorFile::OpenLocked() {
  if (fd_ >= 0) return absl::OkStatus();
  // Read and write: cutting a torn line reads the file's end.
  const int fd = ::open(path_.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return Io(path_, "cannot open for appending", errno);
  fd_ = fd;
  return absl::OkStatus();
}

absl::Status AnchorFile::CutTornTailLocked() {
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return Io(path_, "cannot stat", errno);
  if (st.st_size == 0) return absl::OkStatus();
  const off_t from = std::max<off_t>(0, st.st_size - static_cast<off_t>(kMaxLineBytes));
  std::string end;
  RETURN_IF_ERROR(ReadAt(fd_, path_, from, static_cast<size_t>(st.st_size - from), &end));
  if (!end.empty() && end.back() == '\n') return absl::OkStatus();
  const size_t nl = end.rfind('\n');
  const size_t keep = nl == std::string::npos ? 0 : nl + 1;
  if ((nl == std::string::npos && from > 0) ||
      !LooksLikeATornLine(std::string_view(end).substr(keep))) {
    return absl::UnavailableError(absl::StrCat(
        "audit anchor file ", path_,
        ": ends in bytes that are not part of an anchor line (is it the anchor file?)"));
  }
  const off_t size = from + static_cast<off_t>(keep);
  if (::ftruncate(fd_, size) != 0) return Io(path_, "cannot cut off a torn last line", errno);
  common::LogWarning(
      "audit anchor file %s: cut off a torn last line of %d bytes (a write cut short by a "
      "crash or a full disk; it was never acknowledged)",
      path_, static_cast<int64_t>(st.st_size - size));
  return absl::OkStatus();
}

absl::Status AnchorFile::Open() {
  std::lock_guard<std::mutex> lock(mu_);
  RETURN_IF_ERROR(OpenLocked());
  FileLock file_lock(fd_);
  if (file_lock.error() != 0) return Io(path_, "cannot lock", file_lock.error());
  return CutTornTailLocked();
}

absl::Status AnchorFile::Append(const Checkpoint& cp, std::string_view note) {
  const std::string line = AnchorLine(cp, note) + "\n";
  std::lock_guard<std::mutex> lock(mu_);
  // A file removed or renamed (rotated) since it was opened: write to the path again, not to
  // the old file.
  struct stat open_st {}, path_st{};
  if (fd_ >= 0 && (::fstat(fd_, &open_st) != 0 || ::stat(path_.c_str(), &path_st) != 0 ||
                   open_st.st_dev != path_st.st_dev || open_st.st_ino != path_st.st_ino)) {
    ::close(fd_);
    fd_ = -1;
  }
  RETURN_IF_ERROR(OpenLocked());
  FileLock file_lock(fd_);
  if (file_lock.error() != 0) return Io(path_, "cannot lock", file_lock.error());
  // Another process may have crashed in the middle of its line since.
  RETURN_IF_ERROR(CutTornTailLocked());
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return Io(path_, "cannot stat", errno);
  const ssize_t n = ::write(fd_, line.data(), line.size());
  if (n != static_cast<ssize_t>(line.size())) {
    if (n < 0) return Io(path_, "write failed", errno);
    // A short write (a full disk, a file size limit) leaves part of the line: take it back,
    // so that the next line does not continue it.
    if (::ftruncate(fd_, st.st_size) != 0) {
      common::LogError("audit anchor file %s: cannot cut off a partly written line: %s", path_,
                       std::strerror(errno));
    }
    return absl::UnavailableError(absl::StrCat("audit anchor file ", path_, ": write failed: only ",
                                               n, " of ", line.size(),
                                               " bytes written (disk full?)"));
  }
  if (::fdatasync(fd_) != 0) return Io(path_, "fdatasync failed", errno);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Checkpoint>> AnchorFile::ReadAll() const {
  const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      return absl::NotFoundError(absl::StrCat("audit anchor file ", path_, " does not exist"));
    }
    return Io(path_, "cannot read", errno);
  }
  std::string data;
  char buf[1 << 16];
  absl::Status read_status;
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      read_status = Io(path_, "read failed", errno);
      break;
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  RETURN_IF_ERROR(read_status);
  std::vector<Checkpoint> out;
  RETURN_IF_ERROR(ParseLines(data, path_, 1, &out));
  return out;
}

absl::StatusOr<int64_t> AnchorFile::NewestPosition() const {
  const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return 0;
    return Io(path_, "cannot read", errno);
  }
  struct stat st {};
  std::string tail;
  absl::Status s;
  off_t from = 0;
  if (::fstat(fd, &st) != 0) {
    s = Io(path_, "cannot stat", errno);
  } else {
    from = std::max<off_t>(0, st.st_size - static_cast<off_t>(kTailBytes));
    s = ReadAt(fd, path_, from, static_cast<size_t>(st.st_size - from), &tail);
  }
  ::close(fd);
  RETURN_IF_ERROR(s);
  std::string_view lines(tail);
  if (from > 0) {
    // The tail starts inside a line: skip to the next.
    const size_t nl = lines.find('\n');
    lines.remove_prefix(nl == std::string_view::npos ? lines.size() : nl + 1);
  }
  std::vector<Checkpoint> cps;
  const bool tail_read = (from == 0 || lines.find('\n') != std::string_view::npos) &&
                         ParseLines(lines, path_, 0, &cps).ok();
  if (!tail_read) {
    // No complete line in the tail, or a malformed one (ReadAll names it).
    ASSIGN_OR_RETURN(cps, ReadAll());
  }
  int64_t newest = 0;
  for (const Checkpoint& cp : cps) newest = std::max(newest, cp.position);
  return newest;
}

}  // namespace smd::crypto
