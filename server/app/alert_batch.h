#pragma once
// The alert streams' batched fetch (issue 17 item 4): one transaction for a whole batch of
// woken streams instead of one RunCall per stream. For the streams it serves it does what
// AlertUseCases::Fetch does for one, set-based and in one transaction:
//   1. resolves every stream's bearer token to its live session and user (one statement;
//      a revoked session or disabled account is not served, see below),
//   2. refreshes the sessions due for it (one statement, at most once a minute each),
//   3. reads each stream's copies after its cursor with the same need-to-know filter as
//      AlertRepository::After (store::Viewer: the holder's current role, jurisdiction and
//      audience; police and grid workers never get clinical copies), one statement,
//   4. appends one audit record per stream, the very record RunCall writes for Fetch
//      (method, user, patients, "fetched seq a..b"), one statement,
// and commits only if all four succeed: every copy returned is audited in the transaction
// that read it. Copies carry no patient data beyond the alert's snapshot.
//
// A stream is left unserved (nullopt), for the caller to fetch alone through
// AlertUseCases::Fetch with its exact outcome and failure audit, when its token does not
// resolve to a live session (UNAUTHENTICATED), its user must change the password
// (FAILED_PRECONDITION), its cursor is negative (INVALID_ARGUMENT), or its first fetch
// resumes from a cursor beyond the newest copy its user was ever given (OUT_OF_RANGE).
// Thread-safe.

#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "app/alert_use_cases.h"
#include "app/context.h"

namespace smd::app {

// out[i] is fetches[i]'s page, or nullopt when it is left to AlertUseCases::Fetch (above).
// A database failure fails the whole batch (nothing is returned, nothing audited): the
// caller then fetches each stream alone. The transaction may run more than once.
absl::StatusOr<std::vector<std::optional<DeliveryPage>>> FetchBatch(
    const Deps& deps, const std::vector<StreamFetch>& fetches);

}  // namespace smd::app
