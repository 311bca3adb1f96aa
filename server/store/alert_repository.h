#pragma once
// The alert outbox (schema 0004; docs/adr/0007-alert-outbox.md). Alerts and their
// recipient rows are inserted by the transaction that raises them; a sequencer assigns
// each committed recipient row a delivery sequence in (tx, id) order; streams read by
// sequence. Thread-safe (immutable after construction); the Tx is the caller's.

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "crypto/field_cipher.h"
#include "crypto/keys.h"
#include "domain/alert_rules.h"
#include "domain/alert_routing.h"
#include "domain/types.h"

namespace smd::store {

class Tx;

// A user an alert goes to, and why (domain/alert_routing.h).
struct Recipient {
  std::string user_id;
  domain::Role role = domain::Role::kUnspecified;  // the role the copy is routed for
  domain::RecipientReason reason = domain::RecipientReason::kJurisdiction;
};

struct NewAlert {
  std::string id;
  std::string patient_id;
  std::string jurisdiction;
  domain::AlertDraft draft;
  std::string patient_name;  // snapshot, encrypted at rest
  std::string address;       // snapshot, encrypted at rest
  std::string dedupe_key;    // "" for none
  std::string source;
  std::string raised_by;     // "" for the server itself
  absl::Time raised_at;
};

// One recipient's copy, as delivered and listed.
struct AlertCopy {
  int64_t seq = 0;
  std::string alert_id;
  std::string patient_id;
  std::string patient_name;
  std::string jurisdiction;
  std::string address;
  domain::AlertKind kind = domain::AlertKind::kUnspecified;
  int severity = 0;
  int risk_level = -1;
  std::string cause;
  absl::Time raised_at;
  std::optional<absl::Time> delivered_at;
  std::optional<absl::Time> acked_at;
  std::string ack_note;
  int escalation_level = 0;
  bool escalated = false;
  domain::AlertAudience audience = domain::AlertAudience::kFull;
  domain::RecipientReason reason = domain::RecipientReason::kJurisdiction;
  std::optional<absl::Time> deadline;
  // The encrypted snapshot (name, address, cause) did not decrypt: those are empty, the
  // rest is served (the listing and the stream go on).
  bool unreadable = false;
};

// Who reads copies: a copy is shown only while its holder may still act on it, i.e. their
// current jurisdiction covers the alert's and their role may receive its audience
// (domain::HolderStillFits; the role itself is checked by the hand-on step).
struct Viewer {
  std::string user_id;
  int role_number = 0;  // the viewer's current role: copies routed for another are hidden
  std::string jurisdiction;
  bool full = false;      // domain::MayReceiveAlert(role, kFull)
  bool clinical = false;  // domain::MayReceiveAlert(role, kClinical)
};

// A copy written to its recipient's stream at `at`.
struct Delivery {
  std::string user_id;
  int64_t seq = 0;
  absl::Time at;
};

// One stream's read in a batch (AlertRepository::AfterMany).
struct CursorRead {
  Viewer viewer;
  int64_t after = 0;
  int limit = 0;
};

// The origin of a "smd_alert_seq" payload (AlertRepository::Sequence): "" when it names
// none (a server before issue 17's batching), else the `origin` its sequencer passed. The
// other elements are user ids; the origin element is no user id (it starts with "~").
std::string SequenceOrigin(std::string_view payload);

struct InboxQuery {
  Viewer viewer;
  bool unacknowledged_only = false;
  bool escalated_only = false;  // escalated upward from this copy, or received by escalation
  std::string patient_id;
  std::optional<absl::Time> from;
  std::optional<absl::Time> to;
  int64_t before_seq = 0;  // keyset, newest first; 0 = from the newest
  int limit = 50;
};

// An open copy to hand on: its acknowledgement deadline has passed, or its holder's
// account no longer fits (disabled, another role, a jurisdiction that no longer covers the
// patient). The holder's current state is given so the caller can tell which.
struct HandOnCopy {
  int64_t recipient_id = 0;
  std::string alert_id;
  std::string patient_id;
  std::string alert_jurisdiction;
  domain::AlertAudience audience = domain::AlertAudience::kFull;
  int severity = 0;
  int escalation_level = 0;
  bool deadline_passed = false;
  std::string user_id;
  domain::Role routed_role = domain::Role::kUnspecified;
  domain::Role current_role = domain::Role::kUnspecified;
  std::string current_jurisdiction;
  bool disabled = false;
};

// A required role no account could take (the "no recipient" list).
struct AlertGap {
  int64_t id = 0;
  std::string alert_id;
  domain::Role role = domain::Role::kUnspecified;
  int cause = 1;  // 1 at raising, 2 on escalation, 3 when a recipient left
  std::string jurisdiction;
  int duty_recipients = 0;
  absl::Time created_at;
  std::optional<absl::Time> resolved_at;
  int resolved_recipients = 0;
  // Read side (ListGaps, OpenGaps): the alert's. The patient id is for the server's own
  // audit records; ListAlertGaps never returns it.
  std::string patient_id;
  domain::AlertKind kind = domain::AlertKind::kUnspecified;
  int severity = 0;
  domain::AlertAudience audience = domain::AlertAudience::kFull;
  absl::Time raised_at;
};

struct GapQuery {
  std::string region_prefix;  // gaps of alerts whose community starts with this
  bool include_resolved = false;
  int64_t before_id = 0;  // keyset, newest first; 0 = from the newest
  int limit = 50;
};

class AlertRepository {
 public:
  explicit AlertRepository(const crypto::KeyRing& keys);

  // The patient's active care-team memberships of enabled users, with each account's
  // current role and jurisdiction. Row-level security applies (the caller's scope must
  // cover the patient).
  absl::StatusOr<std::vector<domain::TeamCandidate>> TeamCandidates(Tx& tx,
                                                                   const std::string& patient_id);
  // The enabled accounts whose jurisdiction is one of `levels` and whose role is one of
  // `roles`.
  absl::StatusOr<std::vector<domain::AlertAccount>> Accounts(Tx& tx,
                                                           const std::vector<std::string>& levels,
                                                           const std::vector<domain::Role>& roles);
  // The users who already hold a copy of the alert (any state).
  absl::StatusOr<std::set<std::string>> UsersOn(Tx& tx, const std::string& alert_id);
  // Inserts the alert, then one outbox row per recipient with its acknowledgement
  // deadline, and wakes the sequencers (pg_notify, delivered at commit). Returns false
  // (nothing inserted) when `dedupe_key` was used before.
  absl::StatusOr<bool> Insert(Tx& tx, const NewAlert& alert,
                              const std::vector<Recipient>& recipients,
                              const std::vector<std::optional<absl::Time>>& deadlines,
                              int escalation_level);
  // Sequencer step: assigns delivery sequences to committed rows (advisory lock: one
  // sequencer at a time across servers). Returns the users who got new rows, and wakes
  // every server's streams (pg_notify "smd_alert_seq": comma-separated user ids, in as
  // many notifications as it takes, each led by "~" + `origin` so that the sequencing
  // server, which wakes its own streams from the returned list, can skip its own; see
  // SequenceOrigin).
  absl::StatusOr<std::vector<std::string>> Sequence(Tx& tx, const std::string& origin = "");
  // The viewer's copies with seq > after, in sequence order (only those the viewer may
  // still act on, see Viewer).
  absl::StatusOr<std::vector<AlertCopy>> After(Tx& tx, const Viewer& viewer, int64_t after,
                                               int limit);
  // The copies of every read in `reads` in one statement (issue 17: one fetch transaction
  // per woken batch of streams, not one per stream): out[i] is exactly what After(tx,
  // reads[i].viewer, reads[i].after, reads[i].limit) returns (the same viewer filter,
  // sequence order and limit per read). Reads may name the same user twice. Each alert's
  // snapshot is decrypted once per call however many reads hold a copy of it.
  absl::StatusOr<std::vector<std::vector<AlertCopy>>> AfterMany(
      Tx& tx, const std::vector<CursorRead>& reads);
  // The highest delivery sequence of any copy the user was ever given (0 if none).
  absl::StatusOr<int64_t> MaxSeq(Tx& tx, const std::string& user_id);
  // MaxSeq of every user in `user_ids`, in one statement: out[i] for user_ids[i].
  absl::StatusOr<std::vector<int64_t>> MaxSeqMany(Tx& tx, const std::vector<std::string>& user_ids);
  // Stores delivery times (first delivery wins). Returns the patients of the copies
  // marked, for the audit record.
  absl::StatusOr<std::vector<std::string>> MarkDelivered(Tx& tx,
                                                         const std::vector<Delivery>& batch);
  absl::StatusOr<std::vector<AlertCopy>> Inbox(Tx& tx, const InboxQuery& q);
  // NOT_FOUND (no such copy for the user), FAILED_PRECONDITION (already acknowledged).
  absl::StatusOr<AlertCopy> Acknowledge(Tx& tx, const Viewer& viewer, int64_t seq,
                                        const std::string& note, absl::Time at);
  // Open copies (unacknowledged, not handed on) whose deadline is before `now`, or whose
  // holder no longer fits and whose alert was raised at or after `refit_since` (locked;
  // SKIP LOCKED, so several servers share the work).
  absl::StatusOr<std::vector<HandOnCopy>> ToHandOn(Tx& tx, absl::Time now, absl::Time refit_since,
                                                   int limit);
  // cause: 1 the deadline passed, 2 the holder no longer fits.
  absl::Status MarkEscalated(Tx& tx, int64_t recipient_id, absl::Time at, int cause);
  // Inserts more recipient rows for an existing alert (escalation, re-routing); users who
  // already hold a copy are skipped. Returns the number of rows inserted.
  absl::StatusOr<int> AddRecipients(Tx& tx, const std::string& alert_id,
                                    const std::vector<Recipient>& recipients,
                                    const std::vector<std::optional<absl::Time>>& deadlines,
                                    int escalation_level);

  // The "no recipient" list (schema 0010 alert_gap).
  absl::Status InsertGap(Tx& tx, const AlertGap& gap);
  // Open gaps of alerts raised at or after `since`, oldest first, locked (SKIP LOCKED).
  absl::StatusOr<std::vector<AlertGap>> OpenGaps(Tx& tx, absl::Time since, int limit);
  absl::Status ResolveGap(Tx& tx, int64_t gap_id, absl::Time at, int recipients);
  absl::StatusOr<std::vector<AlertGap>> ListGaps(Tx& tx, const GapQuery& q);

 private:
  struct SnapshotText {
    std::string name, address, cause;
    bool unreadable = false;
  };
  // The copy in the row's columns from `first` on (kCopyColumns). `snapshots` (may be
  // null) keeps decrypted snapshots by alert id, so a batch decrypts each alert once.
  absl::StatusOr<AlertCopy> ReadCopy(const void* row, int first = 0,
                                     std::unordered_map<std::string, SnapshotText>* snapshots =
                                         nullptr) const;
  SnapshotText OpenSnapshot(const std::string& alert_id, const std::string& cell) const;
  crypto::FieldCipher cipher_;
};

}  // namespace smd::store
