#pragma once
// smdctl: the command-line client of the smd server (docs/cli.md).
//
// Exit codes (documented in docs/cli.md and `smdctl help`):
//   0 success
//   1 usage: unknown command, missing or bad argument (nothing was sent)
//   2 refused by the server: INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS,
//     FAILED_PRECONDITION, ABORTED, OUT_OF_RANGE
//   3 not signed in or not allowed: UNAUTHENTICATED, PERMISSION_DENIED
//   4 the server cannot be reached: UNAVAILABLE, DEADLINE_EXCEEDED
//   5 any other error (INTERNAL, DATA_LOSS, local I/O)
//   6 `audit verify`: the audit chain is broken

#include <iostream>
#include <string>
#include <vector>

namespace smdctl {

enum ExitCode { kOk = 0, kUsage = 1, kRefused = 2, kAuth = 3, kUnreachable = 4, kOther = 5,
                kTampered = 6 };

// Runs one command line (argv without the program name). Output to `out`, messages and
// errors to `err`, secrets (a password) from `in` when it is not a terminal.
int Run(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err,
        std::istream& in);

}  // namespace smdctl
