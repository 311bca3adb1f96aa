#include "runtime/key_commands.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>

#include "absl/strings/str_cat.h"
#include "app/key_rotation.h"
#include "common/clock.h"
#include "common/status_macros.h"
#include "crypto/encoding.h"
#include "crypto/signer.h"
#include "runtime/wiring.h"

namespace smd::runtime {
namespace {

int Fail(const absl::Status& s) {
  std::fprintf(stderr, "smd-server: %s\n", std::string(s.message()).c_str());
  return absl::IsInvalidArgument(s) ? 2 : 1;
}

absl::Status IoError(const std::string& path, const char* what) {
  return absl::UnavailableError(absl::StrCat("key file ", path, ": ", what, ": ",
                                             std::strerror(errno)));
}

std::string Dir(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string IdList(const std::map<uint8_t, std::string>& ring) {
  std::string out;
  for (const auto& [id, k] : ring) absl::StrAppend(&out, out.empty() ? "" : ", ", id);
  return out.empty() ? "none" : out;
}

int Status(const Config& c, const crypto::KeyRing& keys) {
  auto core = Core::Open(c, common::SystemClock::Get());
  if (!core.ok()) return Fail(core.status());
  app::KeyRotation rotation((*core)->deps);
  absl::StatusOr<app::KeyRotation::Usage> u = rotation.CountUsage();
  if (!u.ok()) return Fail(u.status());

  std::printf("key file %s\n", c.key_file.c_str());
  std::printf("\nfield keys: active %d; also decrypt: %s\n", keys.field_key_id,
              IdList(keys.other_field_keys).c_str());
  std::map<int, int64_t> cells;
  for (const auto& f : u->field) cells[f.key_id] += f.cells;
  for (const auto& [id, n] : cells) {
    const bool held = id == keys.field_key_id || keys.other_field_keys.count(id) != 0;
    std::printf("  key %d: %lld cells%s\n", id, static_cast<long long>(n),
                held ? "" : "  (NOT in this key file: these cells cannot be read)");
    for (const auto& f : u->field) {
      if (f.key_id == id) {
        std::printf("    %s.%s %lld\n", f.table.c_str(), f.column.c_str(),
                    static_cast<long long>(f.cells));
      }
    }
  }
  std::printf("\nblind-index keys: active %d; also searched: %s\n", keys.index_key_id,
              IdList(keys.other_index_keys).c_str());
  for (const auto& i : u->index) {
    const bool held = i.key_id == keys.index_key_id || keys.other_index_keys.count(i.key_id);
    std::printf("  key %d: %lld patients%s\n", i.key_id, static_cast<long long>(i.patients),
                held ? "" : "  (NOT in this key file: search by ID number misses them)");
  }
  const crypto::Signer signer(keys);
  std::printf("\naudit keys: active %d (public key %s); earlier kept: %s\n", keys.audit_key_id,
              crypto::HexEncode(signer.PublicKey()).c_str(),
              IdList(keys.audit_public_keys).c_str());
  for (const auto& a : u->audit) {
    std::string name = "a key NOT in this key file (audit-verify fails)";
    if (a.public_key == signer.PublicKey()) name = absl::StrCat("key ", keys.audit_key_id);
    for (const auto& [id, pk] : keys.audit_public_keys) {
      if (pk == a.public_key) name = absl::StrCat("key ", id);
    }
    std::printf("  %s: %lld checkpoints, newest at position %lld\n", name.c_str(),
                static_cast<long long>(a.checkpoints), static_cast<long long>(a.newest_position));
  }
  if (!u->cursors.empty()) {
    std::printf("\npasses not finished (run `smd-server keys rewrite KIND` to resume):\n");
    for (const auto& r : u->cursors) {
      std::printf("  %s %s scope %s: target key %d, %lld rows done\n", r.kind.c_str(),
                  r.table.c_str(), r.scope.c_str(), r.target_key_id,
                  static_cast<long long>(r.rows_done));
    }
  }
  return 0;
}

int Rewrite(const Config& c, crypto::KeyKind kind) {
  if (kind == crypto::KeyKind::kAudit) {
    return Fail(absl::InvalidArgumentError(
        "keys rewrite audit: nothing to rewrite; checkpoints keep the key that signed them"));
  }
  auto core = Core::Open(c, common::SystemClock::Get());
  if (!core.ok()) return Fail(core.status());
  app::KeyRotation rotation((*core)->deps);
  app::KeyRotation::Options o;
  o.batch_rows = c.key_batch_rows;
  o.max_batches = c.key_max_batches;
  int64_t last_print = 0;
  o.progress = [&](const std::string& table, int64_t rows, int64_t) {
    if (rows - last_print >= 1000) {
      std::printf("  %s ... %lld rows so far\n", table.c_str(), static_cast<long long>(rows));
      std::fflush(stdout);
      last_print = rows;
    }
  };
  const absl::Time start = absl::Now();
  absl::StatusOr<app::KeyRotation::Counts> n =
      kind == crypto::KeyKind::kField ? rotation.Reencrypt(o) : rotation.Reindex(o);
  if (!n.ok()) return Fail(n.status());
  const double secs = absl::ToDoubleSeconds(absl::Now() - start);
  std::printf("%s: %lld rows %s under key %d (%lld cells) in %.1f s; %lld unreadable; %s\n",
              crypto::KeyKindName(kind), static_cast<long long>(n->rows),
              kind == crypto::KeyKind::kField ? "re-encrypted" : "re-indexed",
              kind == crypto::KeyKind::kField ? (*core)->keys.field_key_id
                                              : (*core)->keys.index_key_id,
              static_cast<long long>(n->cells), secs, static_cast<long long>(n->unreadable),
              n->complete ? "pass complete" : "stopped early; run again to resume");
  // Counted, not assumed: rows a call held (passed over) or written meanwhile by a server
  // still writing under an older key are left for another run.
  absl::StatusOr<app::KeyRotation::Usage> u = rotation.CountUsage();
  if (!u.ok()) return Fail(u.status());
  int64_t left = 0;
  if (kind == crypto::KeyKind::kField) {
    for (const auto& f : u->field) left += f.key_id == (*core)->keys.field_key_id ? 0 : f.cells;
  } else {
    for (const auto& i : u->index) left += i.key_id == (*core)->keys.index_key_id ? 0 : i.patients;
  }
  if (left > 0) {
    std::printf("%lld %s still under other keys: run `smd-server keys rewrite %s` again (a "
                "server still writing under an old key? see `keys status`)\n",
                static_cast<long long>(left),
                kind == crypto::KeyKind::kField ? "cells are" : "patients are",
                crypto::KeyKindName(kind));
  }
  return n->unreadable > 0 || left > 0 ? 1 : 0;
}

int Retire(const Config& c, const crypto::KeyRing& keys, crypto::KeyKind kind) {
  // The file change is checked first (it is refused for the active key or an absent id)...
  absl::StatusOr<crypto::KeyRing> next = crypto::RemoveKey(keys, kind, c.key_id);
  if (!next.ok()) return Fail(next.status());
  // ...then the database counted: only a key nothing uses goes.
  auto core = Core::Open(c, common::SystemClock::Get());
  if (!core.ok()) return Fail(core.status());
  app::KeyRotation rotation((*core)->deps);
  if (absl::Status s = rotation.CheckRetirable(kind, c.key_id); !s.ok()) return Fail(s);
  if (absl::Status s = ReplaceKeyFile(c.key_file, *next); !s.ok()) return Fail(s);
  std::printf("%s key %d retired: removed from %s (nothing uses it). Copy the key file to "
              "every server and restart them; back it up (docs/operations.md).\n",
              crypto::KeyKindName(kind), c.key_id, c.key_file.c_str());
  return 0;
}

}  // namespace

absl::Status ReplaceKeyFile(const std::string& path, const crypto::KeyRing& keys) {
  struct stat old_st;
  const bool had_old = ::stat(path.c_str(), &old_st) == 0;
  const std::string tmp = path + ".new";
  ::unlink(tmp.c_str());  // a leftover of a crashed run: never a live key file
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) return IoError(tmp, "create");
  const std::string contents = crypto::FormatKeyFile(keys);
  bool ok = ::write(fd, contents.data(), contents.size()) ==
            static_cast<ssize_t>(contents.size());
  if (ok && had_old) (void)::fchown(fd, old_st.st_uid, old_st.st_gid);  // best effort
  ok = ok && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) {
    ::unlink(tmp.c_str());
    return IoError(tmp, "write");
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    ::unlink(tmp.c_str());
    return IoError(path, "rename");
  }
  int dfd = ::open(Dir(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  return absl::OkStatus();
}

int RunKeysCommand(const Config& c) {
  absl::StatusOr<crypto::KeyRing> keys = crypto::LoadKeyFile(c.key_file);
  if (!keys.ok()) return Fail(keys.status());
  if (c.key_action == "status") return Status(c, *keys);
  absl::StatusOr<crypto::KeyKind> kind = crypto::ParseKeyKind(c.key_kind);
  if (!kind.ok()) return Fail(kind.status());
  if (c.key_action == "rewrite") return Rewrite(c, *kind);
  if (c.key_action == "retire") return Retire(c, *keys, *kind);
  const bool stage = c.key_action == "stage";
  absl::StatusOr<crypto::KeyRing> next =
      stage ? crypto::StageKey(*keys, *kind) : crypto::RotateKey(*keys, *kind);
  if (!next.ok()) return Fail(next.status());
  if (absl::Status s = ReplaceKeyFile(c.key_file, *next); !s.ok()) return Fail(s);
  const char* name = crypto::KeyKindName(*kind);
  if (stage) {
    const auto& ring =
        *kind == crypto::KeyKind::kField ? next->other_field_keys : next->other_index_keys;
    std::printf(
        "%s key %d staged in %s (decrypts/searches only). Next: copy the key file to every "
        "server and restart them one by one; then `smd-server keys rotate %s`.\n",
        name, ring.rbegin()->first, c.key_file.c_str(), name);
    return 0;
  }
  const int id = *kind == crypto::KeyKind::kField   ? next->field_key_id
                 : *kind == crypto::KeyKind::kIndex ? next->index_key_id
                                                    : next->audit_key_id;
  std::printf("%s key %d is now the active key in %s.\n", name, id, c.key_file.c_str());
  if (*kind == crypto::KeyKind::kAudit) {
    std::printf("The old audit key's seed is gone; its public key is kept, so its checkpoints "
                "stay verifiable. Copy the key file to every server, restart them, and back "
                "it up.\n");
  } else {
    std::printf("Next: copy the key file to every server and restart them one by one; then "
                "`smd-server keys rewrite %s`, then `smd-server keys retire %s OLD_ID`.\n",
                name, name);
  }
  return 0;
}

}  // namespace smd::runtime
