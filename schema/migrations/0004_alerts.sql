-- 0004: care-and-help teams (关爱帮扶小组) and risk alerts (rules.md decisions: police
-- notification, care team; docs/adr/0007-alert-outbox.md).

CREATE TABLE care_team_member (
  id           uuid PRIMARY KEY,
  patient_id   uuid NOT NULL REFERENCES patient (id),
  team_role    smallint NOT NULL CHECK (team_role BETWEEN 1 AND 7),
  user_id      uuid REFERENCES app_user (id),
  contact_enc  bytea,               -- name and phone of a contact who is not a user
  start_date   date NOT NULL,
  end_date     date,
  end_reason   text NOT NULL DEFAULT '',
  added_by     uuid NOT NULL REFERENCES app_user (id),
  added_at     timestamptz NOT NULL,
  ended_by     uuid REFERENCES app_user (id),
  -- Roles 1..5 are users; 6 (guardian) and 7 (family) are contacts.
  CHECK ((team_role <= 5) = (user_id IS NOT NULL)),
  CHECK ((team_role >= 6) = (contact_enc IS NOT NULL)),
  CHECK (end_date IS NULL OR end_date >= start_date)
);
CREATE UNIQUE INDEX care_team_one_active ON care_team_member (patient_id, user_id)
  WHERE end_date IS NULL AND user_id IS NOT NULL;
CREATE INDEX care_team_by_user ON care_team_member (user_id) WHERE end_date IS NULL;
CREATE INDEX care_team_by_patient ON care_team_member (patient_id);

ALTER TABLE care_team_member ENABLE ROW LEVEL SECURITY;
CREATE POLICY care_team_scope ON care_team_member
  USING (smd_patient_visible(patient_id)) WITH CHECK (smd_patient_visible(patient_id));

-- An alert and a snapshot of what its recipients need to act (name, address, place,
-- risk), so that delivering it never reads the patient row: recipients outside the
-- patient's jurisdiction (a care-team member, the district on escalation) get it too.
-- Nothing clinical: no diagnosis, no medication (rules.md §8, police view).
CREATE TABLE alert (
  id            uuid PRIMARY KEY,
  patient_id    uuid NOT NULL REFERENCES patient (id),
  jurisdiction  text NOT NULL,
  kind          smallint NOT NULL CHECK (kind BETWEEN 1 AND 8),
  severity      smallint NOT NULL CHECK (severity BETWEEN 1 AND 4),
  risk_level    smallint NOT NULL DEFAULT -1,
  snapshot_enc  bytea NOT NULL,     -- patient name, address and the cause text
  dedupe_key    text UNIQUE,        -- periodic alerts: at most one per key
  source        text NOT NULL DEFAULT '',
  raised_by     uuid REFERENCES app_user (id),
  raised_at     timestamptz NOT NULL
);
CREATE INDEX alert_patient ON alert (patient_id, raised_at);

-- The outbox, one row per recipient: the truth of delivery. `seq` is the delivery
-- sequence clients resume from; it is assigned after commit, in (tx, id) order, to rows
-- of transactions older than every running one, so a late commit can never get a
-- sequence number below one a client has already seen.
CREATE TABLE alert_recipient (
  id                bigserial PRIMARY KEY,
  tx                xid8 NOT NULL DEFAULT pg_current_xact_id(),
  seq               bigint UNIQUE,
  alert_id          uuid NOT NULL REFERENCES alert (id),
  user_id           uuid NOT NULL REFERENCES app_user (id),
  reason            smallint NOT NULL,   -- 1 care team, 2 jurisdiction, 3 escalation
  escalation_level  smallint NOT NULL DEFAULT 0,
  deadline          timestamptz,         -- acknowledge by; NULL: no escalation
  delivered_at      timestamptz,
  acked_at          timestamptz,
  ack_note          text NOT NULL DEFAULT '',
  escalated_at      timestamptz,
  UNIQUE (alert_id, user_id)
);
CREATE INDEX alert_recipient_unsequenced ON alert_recipient (tx, id) WHERE seq IS NULL;
CREATE INDEX alert_recipient_inbox ON alert_recipient (user_id, seq);
CREATE INDEX alert_recipient_deadline ON alert_recipient (deadline)
  WHERE acked_at IS NULL AND escalated_at IS NULL AND deadline IS NOT NULL;

GRANT SELECT, INSERT, UPDATE ON care_team_member TO smd_app;
GRANT SELECT, INSERT ON alert TO smd_app;
GRANT SELECT, INSERT, UPDATE ON alert_recipient TO smd_app;
GRANT USAGE ON SEQUENCE alert_recipient_id_seq TO smd_app;
