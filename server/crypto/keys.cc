#include "crypto/keys.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <algorithm>
#include <optional>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "common/status_macros.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "crypto/encoding.h"
#include "crypto/hash.h"
#include "crypto/random.h"
#include "crypto/signer.h"

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

absl::StatusOr<uint8_t> ParseKeyId(int line, absl::string_view name, absl::string_view value) {
  // Hand-parsed: SimpleAtoi would also accept signs and surrounding spaces.
  int id = 0;
  bool ok = !value.empty() && value.size() <= 3;
  for (char c : value) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) ok = false;
    id = id * 10 + (c - '0');
  }
  if (!ok || id < 1 || id > 255) return LineError(line, absl::StrCat(name, " must be in 1..255"));
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
  std::optional<uint8_t> field_key_id, index_key_id, audit_key_id;
  KeyRing keys;
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
    auto set_id = [&](std::optional<uint8_t>& slot) -> absl::Status {
      if (slot.has_value()) return LineError(line_no, absl::StrCat("duplicate ", name));
      auto id = ParseKeyId(line_no, name, value);
      if (!id.ok()) return id.status();
      slot = *id;
      return absl::OkStatus();
    };
    // "<prefix>.<id>": a key of a ring by id.
    auto set_ring = [&](absl::string_view prefix,
                        std::map<uint8_t, std::string>& ring) -> std::optional<absl::Status> {
      if (!absl::StartsWith(name, absl::StrCat(prefix, "."))) return std::nullopt;
      auto id = ParseKeyId(line_no, absl::StrCat(prefix, ".<id>"), name.substr(prefix.size() + 1));
      if (!id.ok()) return id.status();
      if (ring.count(*id) != 0) {
        return LineError(line_no, absl::StrCat("duplicate ", prefix, " id ", *id));
      }
      auto key = ParseKey(line_no, prefix, value);
      if (!key.ok()) return key.status();
      ring[*id] = *std::move(key);
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
      status = set_id(field_key_id);
    } else if (name == "index_key_id") {
      status = set_id(index_key_id);
    } else if (name == "audit_key_id") {
      status = set_id(audit_key_id);
    } else if (auto f = set_ring("field_key", keys.other_field_keys)) {
      status = *f;
    } else if (auto i = set_ring("index_key", keys.other_index_keys)) {
      status = *i;
    } else if (auto a = set_ring("audit_public_key", keys.audit_public_keys)) {
      status = *a;
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
  keys.field_key = *std::move(field_key);
  keys.field_key_id = field_key_id.value_or(1);
  keys.index_key = *std::move(index_key);
  keys.index_key_id = index_key_id.value_or(1);
  keys.audit_key = *std::move(audit_key);
  keys.audit_key_id = audit_key_id.value_or(1);
  if (keys.other_field_keys.count(keys.field_key_id) != 0) {
    return absl::InvalidArgumentError("key file: field_key.<id> repeats field_key_id");
  }
  if (keys.other_index_keys.count(keys.index_key_id) != 0) {
    return absl::InvalidArgumentError("key file: index_key.<id> repeats index_key_id");
  }
  if (keys.audit_public_keys.count(keys.audit_key_id) != 0) {
    return absl::InvalidArgumentError("key file: audit_public_key.<id> repeats audit_key_id");
  }
  // Reusing one key for two purposes (or two ids) would let, e.g., blind index values be
  // related to ciphertexts; a copy-paste slip is the likely cause.
  std::vector<const std::string*> secrets = {&keys.field_key, &keys.index_key, &keys.audit_key};
  for (const auto& [id, k] : keys.other_field_keys) secrets.push_back(&k);
  for (const auto& [id, k] : keys.other_index_keys) secrets.push_back(&k);
  for (size_t i = 0; i < secrets.size(); ++i) {
    for (size_t j = i + 1; j < secrets.size(); ++j) {
      if (ConstantTimeEquals(*secrets[i], *secrets[j])) {
        return absl::InvalidArgumentError(
            "key file: every key must differ (field_key, index_key, audit_key and the "
            "field_key.<id>/index_key.<id> keys)");
      }
    }
  }
  return keys;
}

namespace {

constexpr char kHeader[] =
    "# smd-server key file. Keep it secret: mode 0600, owned by the server user.\n"
    "# Back it up separately from the database (docs/operations.md \"Key files and their\n"
    "# backup\"); losing it makes encrypted fields unreadable. Change keys only with\n"
    "# `smd-server keys` (docs/operations.md \"Key rotation\"), never by hand.\n"
    "#   field_key     AES-256-GCM key for encrypted columns; field_key_id its id (1..255)\n"
    "#   index_key     HMAC-SHA256 key for blind (searchable) indexes; index_key_id its id\n"
    "#   audit_key     Ed25519 seed for audit checkpoint signatures; audit_key_id its id\n"
    "#   field_key.N / index_key.N  other keys that still decrypt / are still searched\n"
    "#   audit_public_key.N         public key of an earlier audit key (verification only)\n";

}  // namespace

std::string FormatKeyFile(const KeyRing& keys) {
  std::string out = kHeader;
  absl::StrAppend(&out, "field_key=", HexEncode(keys.field_key), "\n",
                  "field_key_id=", static_cast<int>(keys.field_key_id), "\n");
  for (const auto& [id, k] : keys.other_field_keys) {
    absl::StrAppend(&out, "field_key.", static_cast<int>(id), "=", HexEncode(k), "\n");
  }
  absl::StrAppend(&out, "index_key=", HexEncode(keys.index_key), "\n",
                  "index_key_id=", static_cast<int>(keys.index_key_id), "\n");
  for (const auto& [id, k] : keys.other_index_keys) {
    absl::StrAppend(&out, "index_key.", static_cast<int>(id), "=", HexEncode(k), "\n");
  }
  absl::StrAppend(&out, "audit_key=", HexEncode(keys.audit_key), "\n",
                  "audit_key_id=", static_cast<int>(keys.audit_key_id), "\n");
  for (const auto& [id, k] : keys.audit_public_keys) {
    absl::StrAppend(&out, "audit_public_key.", static_cast<int>(id), "=", HexEncode(k), "\n");
  }
  return out;
}

std::string GenerateKeyFileContents() {
  KeyRing keys;
  keys.field_key = RandomBytes(kKeyBytes);
  keys.index_key = RandomBytes(kKeyBytes);
  keys.audit_key = RandomBytes(kKeyBytes);
  return FormatKeyFile(keys);
}

absl::StatusOr<KeyKind> ParseKeyKind(std::string_view name) {
  if (name == "field") return KeyKind::kField;
  if (name == "blind-index") return KeyKind::kIndex;
  if (name == "audit") return KeyKind::kAudit;
  return absl::InvalidArgumentError(
      "key kind: 应为 field、blind-index 或 audit (expected field, blind-index or audit)");
}

const char* KeyKindName(KeyKind kind) {
  switch (kind) {
    case KeyKind::kField:
      return "field";
    case KeyKind::kIndex:
      return "blind-index";
    case KeyKind::kAudit:
      return "audit";
  }
  return "?";
}

namespace {

// The highest id of `kind` in use (active or not).
int HighestId(const KeyRing& keys, KeyKind kind) {
  switch (kind) {
    case KeyKind::kField:
      return std::max<int>(keys.field_key_id, keys.other_field_keys.empty()
                                                  ? 0
                                                  : keys.other_field_keys.rbegin()->first);
    case KeyKind::kIndex:
      return std::max<int>(keys.index_key_id, keys.other_index_keys.empty()
                                                  ? 0
                                                  : keys.other_index_keys.rbegin()->first);
    case KeyKind::kAudit:
      return std::max<int>(keys.audit_key_id, keys.audit_public_keys.empty()
                                                  ? 0
                                                  : keys.audit_public_keys.rbegin()->first);
  }
  return 255;
}

absl::StatusOr<uint8_t> NextId(const KeyRing& keys, KeyKind kind) {
  int next = HighestId(keys, kind) + 1;
  if (next > 255) {
    return absl::FailedPreconditionError(absl::StrCat(
        KeyKindName(kind), " key ids are exhausted (255): retire old ids, then rotate"));
  }
  return static_cast<uint8_t>(next);
}

}  // namespace

absl::StatusOr<KeyRing> StageKey(const KeyRing& keys, KeyKind kind) {
  if (kind == KeyKind::kAudit) {
    return absl::FailedPreconditionError(
        "an audit key is not staged: rotate it (checkpoints name the key that signed them)");
  }
  ASSIGN_OR_RETURN(uint8_t id, NextId(keys, kind));
  KeyRing out = keys;
  (kind == KeyKind::kField ? out.other_field_keys : out.other_index_keys)[id] =
      RandomBytes(kKeyBytes);
  return out;
}

absl::StatusOr<KeyRing> RotateKey(const KeyRing& keys, KeyKind kind) {
  KeyRing out = keys;
  if (kind == KeyKind::kAudit) {
    ASSIGN_OR_RETURN(uint8_t id, NextId(keys, kind));
    out.audit_public_keys[keys.audit_key_id] = Signer(keys).PublicKey();
    OPENSSL_cleanse(out.audit_key.data(), out.audit_key.size());
    out.audit_key = RandomBytes(kKeyBytes);
    out.audit_key_id = id;
    return out;
  }
  const bool field = kind == KeyKind::kField;
  std::map<uint8_t, std::string>& others = field ? out.other_field_keys : out.other_index_keys;
  std::string& active = field ? out.field_key : out.index_key;
  uint8_t& active_id = field ? out.field_key_id : out.index_key_id;
  uint8_t id;
  std::string key;
  if (!others.empty() && others.rbegin()->first > active_id) {
    id = others.rbegin()->first;  // the staged key
    key = others.rbegin()->second;
    others.erase(id);
  } else {
    ASSIGN_OR_RETURN(id, NextId(keys, kind));
    key = RandomBytes(kKeyBytes);
  }
  others[active_id] = active;
  active = std::move(key);
  active_id = id;
  return out;
}

absl::StatusOr<KeyRing> RemoveKey(const KeyRing& keys, KeyKind kind, uint8_t id) {
  KeyRing out = keys;
  const uint8_t active = kind == KeyKind::kField   ? keys.field_key_id
                         : kind == KeyKind::kIndex ? keys.index_key_id
                                                   : keys.audit_key_id;
  if (id == active) {
    return absl::FailedPreconditionError(
        absl::StrCat(KeyKindName(kind), " key ", id, " is the active key: rotate first"));
  }
  std::map<uint8_t, std::string>& ring = kind == KeyKind::kField   ? out.other_field_keys
                                         : kind == KeyKind::kIndex ? out.other_index_keys
                                                                   : out.audit_public_keys;
  auto it = ring.find(id);
  if (it == ring.end()) {
    return absl::NotFoundError(absl::StrCat("no ", KeyKindName(kind), " key ", id, " in the file"));
  }
  OPENSSL_cleanse(it->second.data(), it->second.size());
  ring.erase(it);
  return out;
}

}  // namespace smd::crypto
