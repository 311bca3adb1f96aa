#pragma once
// `smd-server keys ...` (docs/operations.md "Key rotation", docs/adr/0016-key-rotation.md):
// status, stage, rotate, rewrite and retire, on the key file (--key-file) and, for status,
// rewrite and retire, the database (--database-url, the server's role suffices).

#include <string>

#include "absl/status/status.h"
#include "crypto/keys.h"
#include "runtime/config.h"

namespace smd::runtime {

// Runs the keys command of `config` (ValidateConfig checked it), printing to stdout.
// Returns the process exit status (0 done; 1 error, message on stderr; 2 bad input).
int RunKeysCommand(const Config& config);

// Replaces the key file at `path` with FormatKeyFile(keys) atomically: a new file (mode
// 0600, the old file's owner when permitted) written and fsynced beside it, then renamed
// over it, then the directory fsynced. A crash leaves the old file or the new one, never a
// mix. UNAVAILABLE naming the path on I/O errors.
absl::Status ReplaceKeyFile(const std::string& path, const crypto::KeyRing& keys);

}  // namespace smd::runtime
