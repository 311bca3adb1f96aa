// Which alert a stored visit raised, read from the visit and the server's documented rules
// (docs/api.md "AlertService": when the server raises an alert, and who receives it). The
// server raises it in the same transaction as the visit and chooses the recipients itself;
// RecordFollowUp's answer does not list them, so the result page says what the rules make
// certain and no more. Pure; unit-tested.
import { Classification, LostReason, type FollowUp } from '@/gen/smd/v1/followups_pb';
import { AlertKind, AlertAudience } from '@/gen/smd/v1/alerts_pb';

export interface RaisedAlert {
  kind: AlertKind;
  /** 1 notice .. 4 critical */
  severity: number;
  audience: AlertAudience;
  /** Each condition the visit met: [Chinese, English]. */
  causes: [string, string][];
}

/**
 * The alert the visit raised, or null. `previousClass` is the register's class before the
 * visit (Patient.classification as read when the form opened).
 */
export function raisedAlert(f: FollowUp, previousClass: number): RaisedAlert | null {
  const form = f.form;
  const a = f.assessment;
  if (!form || !a) return null;
  const conds: { kind: AlertKind; severity: number; full: boolean; cause: [string, string] }[] = [];
  const failed = a.effectiveLostReason !== LostReason.NONE || form.lostReason !== LostReason.NONE;
  if (failed) {
    if (a.effectiveLostReason === LostReason.MISSING) {
      conds.push({ kind: AlertKind.MISSING, severity: 4, full: true, cause: ['患者走失', 'the patient is missing'] });
    }
  } else if (form.riskLevel >= 3) {
    conds.push({
      kind: AlertKind.HIGH_RISK, severity: form.riskLevel >= 4 ? 4 : 3, full: true,
      cause: [`危险性评估${form.riskLevel}级（3级及以上）`, `risk level ${form.riskLevel} (3 or above)`],
    });
  }
  const b = form.behaviour;
  if (!failed && b) {
    if (b.accident > 0) conds.push({ kind: AlertKind.INCIDENT, severity: 4, full: true, cause: ['发生肇祸', 'an accident (肇祸) reported'] });
    else if (b.trouble > 0) conds.push({ kind: AlertKind.INCIDENT, severity: 3, full: true, cause: ['发生肇事', 'trouble (肇事) reported'] });
  }
  if (a.finalClass === Classification.UNSTABLE && previousClass !== Classification.UNSTABLE) {
    conds.push({ kind: AlertKind.BECAME_UNSTABLE, severity: 3, full: false, cause: ['本次分类转为不稳定', 'classified unstable (was not)'] });
  }
  if (!conds.length) return null;
  // One alert: the most severe condition gives the kind; the cause lists them all.
  const top = conds.reduce((x, y) => (y.severity > x.severity ? y : x));
  return {
    kind: top.kind,
    severity: top.severity,
    audience: conds.some((c) => c.full) ? AlertAudience.FULL : AlertAudience.CLINICAL,
    causes: conds.map((c) => c.cause),
  };
}
