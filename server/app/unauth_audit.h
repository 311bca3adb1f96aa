#pragma once
// The audit of calls made without a valid identity, kept bounded under a flood
// (docs/security.md "Unauthenticated calls in the audit trail").
//
// Which calls go through here ("unauthenticated attempts"):
//   * failed sign-ins that change no account: a bad user name or malformed request, an
//     unknown user, a disabled or a locked account, a refusal by the per-source limit or
//     because the sign-in queue is full;
//   * calls of any other RPC refused with UNAUTHENTICATED because the token is missing,
//     malformed, unknown, revoked or expired (AuditSeparately without a principal).
// Not through here (always a row of their own): successful sign-ins, wrong passwords that
// count toward an account's lock-out (bounded by the lock-out itself), and every call
// with a valid token.
//
// How: time is cut into windows of `window`, aligned to the Unix epoch. In each window a
// source (domain::SourceOf(peer)) has its first `rows_per_source` attempts written as rows
// of their own, as before; every later attempt is only counted. When the window has ended,
// one summary row per source that had counted attempts is written:
//   method "smd-server audit.unauthenticated", outcome "OK", peer = the source,
//   detail "count=N window=<start>/<end> calls: <method> <OUTCOME> <detail>=n, ...;
//           user names: <escaped>, ..."
// At most `max_sources` sources are kept apart per window; the others share the source
// "other". So each window writes at most (max_sources + 1) * (rows_per_source + 1) rows,
// however many calls arrive, and every attempt is either a row or inside a count.
// Counts not yet written are lost if the process is killed; Stop() writes them.

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "store/audit_repository.h"
#include "store/db.h"

namespace smd::app {

struct Deps;

class UnauthenticatedAudit {
 public:
  struct Options {
    absl::Duration window = absl::Seconds(60);
    int rows_per_source = 10;
    int max_sources = 100;
  };
  UnauthenticatedAudit(store::Database& db, const common::Clock& clock, Options options);
  ~UnauthenticatedAudit();
  UnauthenticatedAudit(const UnauthenticatedAudit&) = delete;
  UnauthenticatedAudit& operator=(const UnauthenticatedAudit&) = delete;

  // Accounts for one unauthenticated attempt `e` (e.peer is the caller's peer string).
  // While its source's row budget for the window lasts, writes `e` as its own row, in its
  // own transaction (blocks on the database); otherwise counts it. A row that cannot be
  // written is counted instead. Thread-safe.
  void Record(store::AuditEntry e);
  // Counts `e` without writing a row. Never waits for the database: for decisions made on
  // gRPC's threads (per-source refusals, a full sign-in queue). Thread-safe.
  void Count(const store::AuditEntry& e);

  // A background thread writes each window's summaries when it ends.
  void Start();
  // Stops the thread and writes every pending summary, the current window's too.
  // Idempotent.
  void Stop();
  // Ends the current window now and writes every pending summary (tests). Returns the
  // number of summary rows written.
  absl::StatusOr<int> FlushForTest();

 private:
  struct Tally {
    int64_t count = 0;
    std::map<std::string, int64_t> calls;  // "<method> <OUTCOME> <detail>" -> count
    std::vector<std::string> names;        // first distinct escaped user names
  };
  struct SourceState {
    int rows = 0;  // own rows written in this window
    Tally tally;
  };
  struct Window {
    absl::Time start, end;
    std::map<std::string, SourceState> sources;
  };

  // mu_ held. Moves the current window to ended_ when `now` is past its end (or `force`).
  void RotateLocked(absl::Time now, bool force);
  SourceState& StateLocked(const std::string& peer);
  void CountLocked(SourceState& st, const store::AuditEntry& e);
  absl::StatusOr<int> WriteEnded(bool force);
  void Loop();

  store::Database& db_;
  const common::Clock& clock_;
  const Options options_;
  std::mutex mu_;
  std::condition_variable cv_;
  Window current_;
  std::vector<Window> ended_;  // not yet written
  bool stop_ = false;
  bool started_ = false;
  std::thread thread_;
  std::mutex write_mu_;  // one writer at a time
};

// Audits an unauthenticated attempt: through deps.unauth_audit when the server has one,
// else (tools, seed) as its own row. Logs, never returns, a failed write.
void AuditUnauthenticated(const Deps& deps, store::AuditEntry e);

}  // namespace smd::app
