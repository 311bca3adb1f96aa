-- 0018: community rehabilitation and psychological support as dated records (issue 14
-- point 4; docs/rules.md "Rehabilitation and family support", docs/metrics.md).
--
-- rehab_session: one 社区康复 participation (e.g. a 阳光心园 day) of a patient: its date, the
--   kind of activity (proto RehabActivity), an optional duration, and the texts (place,
--   programme, who ran it, note) encrypted (AES-256-GCM, associated data
--   "rehab_session:<id>").
-- psych_support: one 心理疏导 to the patient and/or the family: its date, recipients
--   (1 patient, 2 family, 3 both), method (1 face to face, 2 phone, 3 online) and the texts
--   (family members, provider, note) encrypted ("psych_support:<id>").
-- The metrics read the typed columns only (dates), so a damaged text never changes a rate.
CREATE TABLE rehab_session (
  id                uuid PRIMARY KEY,
  patient_id        uuid NOT NULL REFERENCES patient (id),
  session_date      date NOT NULL,
  activity          smallint NOT NULL CHECK (activity BETWEEN 1 AND 9),
  duration_minutes  smallint CHECK (duration_minutes BETWEEN 1 AND 720),
  details_enc       bytea NOT NULL,
  recorded_by       uuid NOT NULL REFERENCES app_user (id),
  recorded_at       timestamptz NOT NULL
);
CREATE INDEX rehab_session_patient ON rehab_session (patient_id, session_date);

CREATE TABLE psych_support (
  id            uuid PRIMARY KEY,
  patient_id    uuid NOT NULL REFERENCES patient (id),
  support_date  date NOT NULL,
  recipients    smallint NOT NULL CHECK (recipients BETWEEN 1 AND 3),
  method        smallint NOT NULL CHECK (method BETWEEN 1 AND 3),
  details_enc   bytea NOT NULL,
  recorded_by   uuid NOT NULL REFERENCES app_user (id),
  recorded_at   timestamptz NOT NULL
);
CREATE INDEX psych_support_patient ON psych_support (patient_id, support_date);

-- A row is visible and writable exactly when its patient is (as every clinical record, 0002).
ALTER TABLE rehab_session ENABLE ROW LEVEL SECURITY;
CREATE POLICY rehab_session_scope ON rehab_session
  USING (smd_patient_visible(patient_id)) WITH CHECK (smd_patient_visible(patient_id));
ALTER TABLE psych_support ENABLE ROW LEVEL SECURITY;
CREATE POLICY psych_support_scope ON psych_support
  USING (smd_patient_visible(patient_id)) WITH CHECK (smd_patient_visible(patient_id));

-- Records, not derived data: the server adds them and never changes or deletes them.
GRANT SELECT, INSERT ON rehab_session, psych_support TO smd_app;

-- MetricStatus 24 (domain/metrics.h kPsychSupport: 居家 and a 心理疏导 record in the period)
-- in every rollup table.
ALTER TABLE metric_rollup ADD COLUMN s24 bigint NOT NULL DEFAULT 0;
ALTER TABLE metric_rollup_street ADD COLUMN s24 bigint NOT NULL DEFAULT 0;
ALTER TABLE metric_rollup_day ADD COLUMN s24 bigint NOT NULL DEFAULT 0;

-- The kept figures were computed with the register's undated flag as 社区康复 in every year
-- and without status 24: they are dropped. The server builds the current year and today
-- again at start (MetricUseCases::EnsureCurrentYear, EnsureToday); another year is
-- recomputed from the records when asked until it is built again (Server::BuildMetricsYear).
DELETE FROM metric_year;
DELETE FROM metric_day;
DELETE FROM metric_rollup;
DELETE FROM metric_rollup_street;
DELETE FROM metric_rollup_day;
DELETE FROM metric_patient_year;
DELETE FROM metric_patient_day;
