// The alert a recorded visit raised, as the server says in RecordFollowUp's answer
// (FollowUp.alert: raised in the same transaction as the visit, docs/adr/0010-alert-routing.md).
// The page shows the server's word, never its own reading of the rules. A correction raises
// no new alert, so its answer has none. Pure; unit-tested.
import { AlertAudience, type AlertKind } from '@/gen/smd/v1/alerts_pb';
import type { FollowUp } from '@/gen/smd/v1/followups_pb';
import type { Role } from '@/gen/smd/v1/common_pb';
import { splitMessage } from '@/api/errors';

export interface RaisedAlert {
  kind: AlertKind;
  /** 1 notice .. 4 critical */
  severity: number;
  audience: AlertAudience;
  /** The server's cause, split into [Chinese, English]. */
  cause: [string, string];
  /** Copies delivered. */
  recipients: number;
  /** Roles the rules require that nobody could take: the doctor should phone them. */
  unrouted: Role[];
}

/** The alert the visit raised, or null when the answer names none. */
export function raisedAlert(f: FollowUp): RaisedAlert | null {
  const a = f.alert;
  if (!a || !a.alertId) return null;
  const c = splitMessage(a.cause);
  return {
    kind: a.kind,
    severity: a.severity,
    audience: a.audience === AlertAudience.UNSPECIFIED ? AlertAudience.FULL : a.audience,
    cause: [c.zh, c.en],
    recipients: a.recipients,
    unrouted: [...a.unroutedRoles],
  };
}
