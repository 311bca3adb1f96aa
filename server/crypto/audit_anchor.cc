#include "crypto/audit_anchor.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace smd::crypto {

AnchorFile::~AnchorFile() {
  if (fd_ >= 0) ::close(fd_);
}

absl::Status AnchorFile::Open() {
  std::lock_guard<std::mutex> lock(mu_);
  if (fd_ >= 0) return absl::OkStatus();
  const int fd = ::open(path_.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::UnavailableError(absl::StrCat(
        "audit anchor file ", path_, ": cannot open for appending: ", std::strerror(errno)));
  }
  fd_ = fd;
  return absl::OkStatus();
}

absl::Status AnchorFile::Append(const Checkpoint& cp, std::string_view note) {
  {
    // A file removed or renamed (rotated) since it was opened: write to the path again,
    // not to the old file.
    std::lock_guard<std::mutex> lock(mu_);
    struct stat open_st {
    }, path_st{};
    if (fd_ >= 0 && (::fstat(fd_, &open_st) != 0 || ::stat(path_.c_str(), &path_st) != 0 ||
                     open_st.st_dev != path_st.st_dev || open_st.st_ino != path_st.st_ino)) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  if (absl::Status s = Open(); !s.ok()) return s;
  const std::string line = AnchorLine(cp, note) + "\n";
  std::lock_guard<std::mutex> lock(mu_);
  const ssize_t n = ::write(fd_, line.data(), line.size());
  if (n != static_cast<ssize_t>(line.size())) {
    const int err = n < 0 ? errno : EIO;
    // A short write leaves a partial line; the next line starts after a newline so that
    // only the partial one is unreadable (ReadAll reports it).
    if (n > 0) (void)!::write(fd_, "\n", 1);
    return absl::UnavailableError(
        absl::StrCat("audit anchor file ", path_, ": write failed: ", std::strerror(err)));
  }
  if (::fdatasync(fd_) != 0) {
    return absl::UnavailableError(
        absl::StrCat("audit anchor file ", path_, ": fdatasync failed: ", std::strerror(errno)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Checkpoint>> AnchorFile::ReadAll() const {
  const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      return absl::NotFoundError(absl::StrCat("audit anchor file ", path_, " does not exist"));
    }
    return absl::UnavailableError(
        absl::StrCat("audit anchor file ", path_, ": cannot read: ", std::strerror(errno)));
  }
  std::string data;
  char buf[1 << 16];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return absl::UnavailableError(
          absl::StrCat("audit anchor file ", path_, ": read failed: ", std::strerror(err)));
    }
    if (n == 0) break;
    data.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  std::vector<Checkpoint> out;
  size_t start = 0;
  int64_t line_no = 0;
  while (start < data.size()) {
    const size_t nl = data.find('\n', start);
    if (nl == std::string::npos) break;  // a line cut short by a crash
    ++line_no;
    std::string_view line(data.data() + start, nl - start);
    start = nl + 1;
    auto cp = ParseAnchorLine(line);
    if (!cp.ok()) {
      return absl::DataLossError(absl::StrCat("audit anchor file ", path_, " line ", line_no, ": ",
                                              cp.status().message()));
    }
    out.push_back(std::move(*cp));
  }
  return out;
}

absl::StatusOr<int64_t> AnchorFile::NewestPosition() const {
  auto all = ReadAll();
  if (absl::IsNotFound(all.status())) return 0;
  if (!all.ok()) return all.status();
  int64_t newest = 0;
  for (const Checkpoint& cp : *all) newest = std::max(newest, cp.position);
  return newest;
}

}  // namespace smd::crypto
