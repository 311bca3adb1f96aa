#include "app/alert_batch.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "app/alert_router.h"
#include "app/call.h"
#include "common/status_macros.h"
#include "crypto/token.h"
#include "store/audit_repository.h"
#include "store/user_repository.h"

namespace smd::app {

absl::StatusOr<std::vector<std::optional<DeliveryPage>>> FetchBatch(
    const Deps& deps, const std::vector<StreamFetch>& fetches) {
  std::vector<std::optional<DeliveryPage>> out;
  // The streams the batch may serve (their index in `fetches`) and their token hashes.
  std::vector<size_t> candidates;
  std::vector<std::string> hashes;
  for (size_t i = 0; i < fetches.size(); ++i) {
    const StreamFetch& f = fetches[i];
    const std::string& token = f.meta->token;
    if (f.after < 0) continue;  // Fetch alone: INVALID_ARGUMENT, audited
    if (token.empty() || !crypto::LooksLikeToken(token)) continue;
    candidates.push_back(i);
    hashes.push_back(crypto::TokenHash(token));
  }
  // Each session is read once, however many of its streams are in the batch.
  std::vector<std::string> distinct_hashes = hashes;
  std::sort(distinct_hashes.begin(), distinct_hashes.end());
  distinct_hashes.erase(std::unique(distinct_hashes.begin(), distinct_hashes.end()),
                        distinct_hashes.end());
  RETURN_IF_ERROR(deps.db.InTransaction([&](store::Tx& tx) -> absl::Status {
    out.assign(fetches.size(), std::nullopt);
    const absl::Time now = deps.clock.Now();
    ASSIGN_OR_RETURN(auto found,
                     store::FindLiveSessions(tx, distinct_hashes, now, deps.config.session_idle));
    std::vector<const std::optional<std::pair<store::SessionRow, store::UserRow>>*> live;
    for (const std::string& h : hashes) {
      const size_t d = std::lower_bound(distinct_hashes.begin(), distinct_hashes.end(), h) -
                       distinct_hashes.begin();
      live.push_back(&found[d]);
    }
    std::vector<size_t> served;  // indexes into `fetches`
    std::vector<domain::Principal> who;
    std::vector<std::string> touch;
    std::vector<store::CursorRead> reads;
    for (size_t k = 0; k < candidates.size(); ++k) {
      if (!*live[k]) continue;  // Fetch alone: UNAUTHENTICATED, audited
      const auto& [session, user] = **live[k];
      // Fetch alone: FAILED_PRECONDITION "password change required", audited.
      if (user.must_change_password) continue;
      domain::Principal p = PrincipalOf(session, user);
      if (now - session.last_seen_at >= kSessionTouchEvery) touch.push_back(session.id);
      const StreamFetch& f = fetches[candidates[k]];
      reads.push_back({ViewerOf(p), f.after, f.limit});
      served.push_back(candidates[k]);
      who.push_back(std::move(p));
    }
    // A resumed stream's first fetch: its cursor must not be beyond the newest copy its
    // user was ever given (AlertUseCases::Fetch); one beyond is left to Fetch alone, which
    // refuses it (OUT_OF_RANGE) and audits the refusal.
    std::vector<size_t> checked;  // indexes into `served`
    std::vector<std::string> checked_users;
    for (size_t k = 0; k < served.size(); ++k) {
      const StreamFetch& f = fetches[served[k]];
      if (f.check_cursor && f.after > 0) {
        checked.push_back(k);
        checked_users.push_back(who[k].user_id);
      }
    }
    if (!checked.empty()) {
      ASSIGN_OR_RETURN(std::vector<int64_t> newest, deps.alerts.MaxSeqMany(tx, checked_users));
      std::vector<bool> drop(served.size(), false);
      for (size_t c = 0; c < checked.size(); ++c) {
        drop[checked[c]] = fetches[served[checked[c]]].after > newest[c];
      }
      size_t kept = 0;
      for (size_t k = 0; k < served.size(); ++k) {
        if (drop[k]) continue;
        if (kept != k) {  // (a self-move would empty the strings)
          served[kept] = served[k];
          reads[kept] = std::move(reads[k]);
          who[kept] = std::move(who[k]);
        }
        ++kept;
      }
      served.resize(kept);
      reads.resize(kept);
      who.resize(kept);
    }
    std::sort(touch.begin(), touch.end());
    touch.erase(std::unique(touch.begin(), touch.end()), touch.end());
    RETURN_IF_ERROR(store::TouchSessions(tx, touch, now));
    ASSIGN_OR_RETURN(std::vector<std::vector<store::AlertCopy>> copies,
                     deps.alerts.AfterMany(tx, reads));
    std::vector<store::AuditEntry> audit;
    audit.reserve(served.size());
    for (size_t k = 0; k < served.size(); ++k) {
      // The record AlertUseCases::Fetch writes for the same fetch.
      AuditNote note;
      int unreadable = 0;
      for (const auto& c : copies[k]) {
        note.patient_ids.push_back(c.patient_id);
        unreadable += c.unreadable ? 1 : 0;
      }
      if (!copies[k].empty()) {
        note.detail =
            absl::StrCat("fetched seq ", copies[k].front().seq, "..", copies[k].back().seq);
        if (unreadable > 0) absl::StrAppend(&note.detail, " unreadable=", unreadable);
      }
      audit.push_back(
          CallAuditEntry(deps, *fetches[served[k]].meta, who[k], absl::StatusCode::kOk, note));
      DeliveryPage page;
      page.user_id = who[k].user_id;
      page.copies = std::move(copies[k]);
      out[served[k]] = std::move(page);
    }
    return store::AppendAudits(tx, audit);
  }));
  return out;
}

}  // namespace smd::app
