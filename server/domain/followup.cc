#include "domain/followup.h"

namespace smd::domain {

FollowUpForm FormFromFacts(const VisitFacts& facts) {
  FollowUpForm f;
  f.visit_date = facts.visit_date;
  f.mode = facts.mode;
  // `failed` is the authority (the schedule counts it): a failed row always carries a
  // reason here, and a valid one never does.
  if (facts.failed) {
    f.lost_reason = facts.lost_reason == LostReason::kNone ? LostReason::kOther : facts.lost_reason;
  }
  f.risk_level = facts.risk_level;
  f.adherence = facts.adherence;
  f.hospitalization = facts.hospitalization;
  f.behaviour.minor_trouble = facts.minor_trouble;
  f.behaviour.trouble = facts.trouble;
  f.behaviour.accident = facts.accident;
  return f;
}

}  // namespace smd::domain
