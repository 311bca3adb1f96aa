#pragma once
// The alert outbox (schema 0004; docs/adr/0007-alert-outbox.md). Alerts and their
// recipient rows are inserted by the transaction that raises them; a sequencer assigns
// each committed recipient row a delivery sequence in (tx, id) order; streams read by
// sequence. Thread-safe (immutable after construction); the Tx is the caller's.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "crypto/field_cipher.h"
#include "crypto/keys.h"
#include "domain/alert_rules.h"
#include "domain/types.h"

namespace smd::store {

class Tx;

// A user an alert goes to, and why.
struct Recipient {
  std::string user_id;
  domain::Role role = domain::Role::kUnspecified;
  std::string jurisdiction;
  int reason = 0;  // 1 care team, 2 jurisdiction, 3 escalation
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
};

// A copy written to its recipient's stream at `at`.
struct Delivery {
  std::string user_id;
  int64_t seq = 0;
  absl::Time at;
};

struct InboxQuery {
  std::string user_id;
  bool unacknowledged_only = false;
  std::string patient_id;
  std::optional<absl::Time> from;
  std::optional<absl::Time> to;
  int64_t before_seq = 0;  // keyset, newest first; 0 = from the newest
  int limit = 50;
};

// A recipient copy whose acknowledgement deadline has passed.
struct OverdueCopy {
  int64_t recipient_id = 0;
  std::string alert_id;
  std::string patient_id;
  std::string user_id;
  domain::Role role = domain::Role::kUnspecified;
  std::string jurisdiction;
  int escalation_level = 0;
  int severity = 0;
};

class AlertRepository {
 public:
  explicit AlertRepository(const crypto::KeyRing& keys);

  // The patient's active care-team users and the police and grid workers responsible for
  // its jurisdiction (street or community level accounts containing it), not disabled.
  absl::StatusOr<std::vector<Recipient>> RecipientsFor(Tx& tx, const std::string& patient_id,
                                                       const std::string& jurisdiction);
  // Inserts the alert, then one outbox row per recipient with its acknowledgement
  // deadline, and wakes the sequencers (pg_notify, delivered at commit). Returns false
  // (nothing inserted) when `dedupe_key` was used before.
  absl::StatusOr<bool> Insert(Tx& tx, const NewAlert& alert,
                              const std::vector<Recipient>& recipients,
                              const std::vector<std::optional<absl::Time>>& deadlines,
                              int escalation_level);
  // Sequencer step: assigns delivery sequences to committed rows (advisory lock: one
  // sequencer at a time across servers). Returns the users who got new rows, and wakes
  // every server's streams (pg_notify "smd_alert_seq").
  absl::StatusOr<std::vector<std::string>> Sequence(Tx& tx);
  // The user's copies with seq > after, in sequence order.
  absl::StatusOr<std::vector<AlertCopy>> After(Tx& tx, const std::string& user_id, int64_t after,
                                               int limit);
  // Stores delivery times (first delivery wins). Returns the patients of the copies
  // marked, for the audit record.
  absl::StatusOr<std::vector<std::string>> MarkDelivered(Tx& tx,
                                                         const std::vector<Delivery>& batch);
  absl::StatusOr<std::vector<AlertCopy>> Inbox(Tx& tx, const InboxQuery& q);
  // NOT_FOUND (no such copy for the user), FAILED_PRECONDITION (already acknowledged).
  absl::StatusOr<AlertCopy> Acknowledge(Tx& tx, const std::string& user_id, int64_t seq,
                                        const std::string& note, absl::Time at);
  // Copies past their deadline, unacknowledged and not escalated (locked; SKIP LOCKED).
  absl::StatusOr<std::vector<OverdueCopy>> PastDeadline(Tx& tx, absl::Time now, int limit);
  // Active users with `role` whose jurisdiction is exactly `jurisdiction`.
  absl::StatusOr<std::vector<Recipient>> UsersAt(Tx& tx, domain::Role role,
                                                 const std::string& jurisdiction);
  absl::Status MarkEscalated(Tx& tx, int64_t recipient_id, absl::Time at);
  // The stored alert (for escalation copies): draft, snapshot.
  absl::StatusOr<NewAlert> Load(Tx& tx, const std::string& alert_id);
  // Inserts more recipient rows for an existing alert (escalation).
  absl::Status AddRecipients(Tx& tx, const std::string& alert_id,
                             const std::vector<Recipient>& recipients,
                             const std::vector<std::optional<absl::Time>>& deadlines,
                             int escalation_level);

 private:
  absl::StatusOr<AlertCopy> ReadCopy(const void* row) const;
  crypto::FieldCipher cipher_;
};

}  // namespace smd::store
