-- 0010: alert routing that never reaches nobody and only the right people (issue 11 items
-- 1-2; docs/adr/0010-alert-routing.md).
--
-- * alert.audience: 1 full (police, grid worker and the care team: a mandatory cause,
--   rules.md decisions "Police notification"), 2 clinical (the clinical side only: a patient
--   who became 不稳定 without a mandatory cause, an overdue unstable patient). Alerts
--   raised before this migration were all sent to the police and grid workers: 1.
-- * alert_recipient.role: the account role the copy was routed for. Escalation moves the
--   copy to the same role (never to a role that may not see the alert), and a copy whose
--   recipient's current role, jurisdiction or account no longer fits is handed on.
-- * alert_recipient.escalation_cause: why a copy was handed on (1 deadline passed,
--   2 the recipient no longer fits).
-- * alert_gap: a role the rules ask for that no account could receive (the "no recipient"
--   list for administrators). Re-routed when an account appears; resolved then.

ALTER TABLE alert ADD COLUMN audience smallint NOT NULL DEFAULT 1 CHECK (audience IN (1, 2));

ALTER TABLE alert_recipient ADD COLUMN role smallint CHECK (role BETWEEN 1 AND 8);
UPDATE alert_recipient r SET role = u.role FROM app_user u WHERE u.id = r.user_id;
ALTER TABLE alert_recipient ALTER COLUMN role SET NOT NULL;
ALTER TABLE alert_recipient ADD COLUMN escalation_cause smallint
  CHECK (escalation_cause IN (1, 2));
UPDATE alert_recipient SET escalation_cause = 1 WHERE escalated_at IS NOT NULL;
-- reason: 1 care team, 2 jurisdiction, 3 escalation, 4 duty (no account of a required
-- role), 5 re-routed (a gap filled, or a copy handed on from a recipient who left).
ALTER TABLE alert_recipient ADD CONSTRAINT alert_recipient_reason CHECK (reason BETWEEN 1 AND 5);

-- Copies to hand on because their recipient no longer fits: found by the user.
CREATE INDEX alert_recipient_open_by_user ON alert_recipient (user_id)
  WHERE acked_at IS NULL AND escalated_at IS NULL;

CREATE TABLE alert_gap (
  id               bigserial PRIMARY KEY,
  alert_id         uuid NOT NULL REFERENCES alert (id),
  role             smallint NOT NULL CHECK (role BETWEEN 1 AND 8),
  -- 1 when the alert was raised, 2 on escalation (no account above), 3 when a copy's
  -- recipient left and nobody could take it over.
  cause            smallint NOT NULL CHECK (cause BETWEEN 1 AND 3),
  jurisdiction     text NOT NULL,       -- the patient's community (copied from the alert)
  duty_recipients  integer NOT NULL,    -- copies sent to the district's duty role instead
  created_at       timestamptz NOT NULL,
  resolved_at      timestamptz,
  resolved_recipients integer NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX alert_gap_one_open ON alert_gap (alert_id, role) WHERE resolved_at IS NULL;
CREATE INDEX alert_gap_open ON alert_gap (created_at) WHERE resolved_at IS NULL;
CREATE INDEX alert_gap_region ON alert_gap (jurisdiction text_pattern_ops, created_at);
CREATE INDEX alert_gap_alert ON alert_gap (alert_id);

-- Routing reads the active accounts of a few roles at the patient's community and each of
-- its ancestors (jurisdiction = ANY(...)).
CREATE INDEX app_user_role_jurisdiction ON app_user (jurisdiction, role) WHERE NOT disabled;

GRANT SELECT, INSERT, UPDATE ON alert_gap TO smd_app;
GRANT USAGE ON SEQUENCE alert_gap_id_seq TO smd_app;

-- The hand-on pass looks for open copies among recent alerts only.
CREATE INDEX alert_raised_at ON alert (raised_at);
