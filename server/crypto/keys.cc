#include "crypto/keys.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <optional>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "crypto/encoding.h"
#include "crypto/hash.h"
#include "crypto/random.h"

namespace smd::crypto {
namespace {

constexpr size_t kKeyBytes = 32;

// Debian's Abseil is built with its own absl::string_view (ABSL_OPTION_USE_STD_STRING_VIEW 0),
// which does not convert implicitly from std::string_view.
absl::string_view AV(std::string_view s) { return absl::string_view(s.data(), s.size()); }

absl::Status LineError(int line, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("key file line ", line, ": ", what));
}

absl::StatusOr<std::string> ParseKey(int line, absl::string_view name, absl::string_view value) {
  auto bytes = HexDecode(std::string_view(value.data(), value.size()));
  if (!bytes.ok() || bytes->size() != kKeyBytes) {
    return LineError(line, absl::StrCat(name, " must be ", 2 * kKeyBytes, " hex digits"));
  }
  return *std::move(bytes);
}

absl::StatusOr<uint8_t> ParseKeyId(int line, absl::string_view value) {
  // Hand-parsed: SimpleAtoi would also accept signs and surrounding spaces.
  int id = 0;
  bool ok = !value.empty() && value.size() <= 3;
  for (char c : value) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) ok = false;
    id = id * 10 + (c - '0');
  }
  if (!ok || id < 1 || id > 255) return LineError(line, "field_key_id must be in 1..255");
  return static_cast<uint8_t>(id);
}

absl::StatusOr<std::string> ReadAll(int fd, const std::string& path) {
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n == 0) return out;
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::UnavailableError(
          absl::StrCat("key file ", path, ": read failed: ", std::strerror(errno)));
    }
    out.append(buf, static_cast<size_t>(n));
    if (out.size() > (1 << 20)) {
      return absl::FailedPreconditionError(absl::StrCat("key file ", path, " is too large"));
    }
  }
}

}  // namespace

absl::StatusOr<KeyRing> LoadKeyFile(const std::string& path) {
  // open + fstat (not stat + open) so the checked file is the one that is read.
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    std::string msg = absl::StrCat("key file ", path, ": ", std::strerror(err));
    if (err == ENOENT) return absl::NotFoundError(msg);
    if (err == EACCES) return absl::PermissionDeniedError(msg);
    return absl::UnavailableError(msg);
  }
  struct FdCloser {
    int fd;
    ~FdCloser() { close(fd); }
  } closer{fd};

  struct stat st;
  if (fstat(fd, &st) != 0) {
    return absl::UnavailableError(
        absl::StrCat("key file ", path, ": stat failed: ", std::strerror(errno)));
  }
  if (!S_ISREG(st.st_mode)) {
    return absl::FailedPreconditionError(absl::StrCat("key file ", path, " is not a regular file"));
  }
  if ((st.st_mode & 077) != 0) {
    return absl::FailedPreconditionError(absl::StrFormat(
        "key file %s is accessible by group or others (mode %04o); run: chmod 600 %s", path,
        st.st_mode & 0777, path));
  }
  auto contents = ReadAll(fd, path);
  if (!contents.ok()) return contents.status();
  auto keys = ParseKeyFile(*contents);
  OPENSSL_cleanse(contents->data(), contents->size());
  return keys;
}

absl::StatusOr<KeyRing> ParseKeyFile(std::string_view contents) {
  std::optional<std::string> field_key, index_key, audit_key;
  std::optional<uint8_t> field_key_id;
  int line_no = 0;
  for (absl::string_view raw : absl::StrSplit(AV(contents), '\n')) {
    ++line_no;
    absl::string_view line = absl::StripAsciiWhitespace(raw);
    if (line.empty() || line.front() == '#') continue;
    size_t eq = line.find('=');
    if (eq == absl::string_view::npos) return LineError(line_no, "expected name=value");
    absl::string_view name = absl::StripAsciiWhitespace(line.substr(0, eq));
    absl::string_view value = absl::StripAsciiWhitespace(line.substr(eq + 1));

    auto set_key = [&](std::optional<std::string>& slot) -> absl::Status {
      if (slot.has_value()) return LineError(line_no, absl::StrCat("duplicate ", name));
      auto key = ParseKey(line_no, name, value);
      if (!key.ok()) return key.status();
      slot = *std::move(key);
      return absl::OkStatus();
    };
    absl::Status status;
    if (name == "field_key") {
      status = set_key(field_key);
    } else if (name == "index_key") {
      status = set_key(index_key);
    } else if (name == "audit_key") {
      status = set_key(audit_key);
    } else if (name == "field_key_id") {
      if (field_key_id.has_value()) return LineError(line_no, "duplicate field_key_id");
      auto id = ParseKeyId(line_no, value);
      if (!id.ok()) return id.status();
      field_key_id = *id;
    } else {
      // The name is not echoed: a mangled line may well be a key value.
      return LineError(line_no, "unknown name");
    }
    if (!status.ok()) return status;
  }

  for (auto [slot, name] : {std::pair{&field_key, "field_key"}, std::pair{&index_key, "index_key"},
                            std::pair{&audit_key, "audit_key"}}) {
    if (!slot->has_value()) {
      return absl::InvalidArgumentError(absl::StrCat("key file: missing ", name));
    }
  }
  // Reusing one key for two purposes would let, e.g., blind index values be related to
  // ciphertexts; a copy-paste slip is the likely cause.
  if (ConstantTimeEquals(*field_key, *index_key) || ConstantTimeEquals(*field_key, *audit_key) ||
      ConstantTimeEquals(*index_key, *audit_key)) {
    return absl::InvalidArgumentError("key file: field_key, index_key and audit_key must differ");
  }
  KeyRing keys;
  keys.field_key = *std::move(field_key);
  keys.field_key_id = field_key_id.value_or(1);
  keys.index_key = *std::move(index_key);
  keys.audit_key = *std::move(audit_key);
  return keys;
}

std::string GenerateKeyFileContents() {
  return absl::StrCat(
      "# smd-server key file. Keep it secret: mode 0600, owned by the server user.\n"
      "# Back it up separately from the database; losing it makes encrypted fields\n"
      "# unreadable. Do not edit the keys once data has been written with them.\n"
      "#   field_key     AES-256-GCM key for encrypted columns\n"
      "#   field_key_id  id (1..255) stamped into each ciphertext\n"
      "#   index_key     HMAC-SHA256 key for blind (searchable) indexes\n"
      "#   audit_key     Ed25519 seed for audit checkpoint signatures\n",
      "field_key=", HexEncode(RandomBytes(kKeyBytes)), "\n",  //
      "field_key_id=1\n",                                     //
      "index_key=", HexEncode(RandomBytes(kKeyBytes)), "\n",  //
      "audit_key=", HexEncode(RandomBytes(kKeyBytes)), "\n");
}

}  // namespace smd::crypto
