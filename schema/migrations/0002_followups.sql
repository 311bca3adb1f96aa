-- 0002: follow-up visits (随访服务记录表, rules.md §3) with their assessments (rules.md §4),
-- each patient's follow-up schedule, emergencies (表12), referrals (表10), discharge
-- notices (表4) and annual health checks.
--
-- Typed columns hold what queries, worklists and metrics need; the full form and every
-- free-text field are in an AES-256-GCM blob (form_enc / details_enc) bound to the row,
-- because free text written about a patient can identify the patient.
--
-- Row-level security: a row is visible exactly when its patient is (EXISTS on patient,
-- which is itself under the patient_scope policy), so records follow the patient on a
-- transfer without a jurisdiction copy to keep in sync.

CREATE TABLE followup (
  id               uuid PRIMARY KEY,
  visit_id         uuid NOT NULL,
  version          integer NOT NULL CHECK (version >= 1),
  current          boolean NOT NULL,
  patient_id       uuid NOT NULL REFERENCES patient (id),
  visit_date       date NOT NULL,
  mode             smallint NOT NULL CHECK (mode BETWEEN 1 AND 3),
  failed           boolean NOT NULL,
  lost_reason      smallint NOT NULL DEFAULT 0 CHECK (lost_reason BETWEEN 0 AND 5),
  reports_death    boolean NOT NULL DEFAULT false,
  risk_level       smallint NOT NULL DEFAULT -1 CHECK (risk_level BETWEEN -1 AND 5),
  computed_class   smallint NOT NULL DEFAULT 0 CHECK (computed_class BETWEEN 0 AND 3),
  final_class      smallint NOT NULL DEFAULT 0 CHECK (final_class BETWEEN 0 AND 3),
  adherence        smallint NOT NULL DEFAULT 0 CHECK (adherence BETWEEN 0 AND 4),
  hospitalization  smallint NOT NULL DEFAULT 0 CHECK (hospitalization BETWEEN 0 AND 3),
  trouble          integer NOT NULL DEFAULT 0,   -- 肇事 count since the last visit
  accident         integer NOT NULL DEFAULT 0,   -- 肇祸 count since the last visit
  minor_trouble    integer NOT NULL DEFAULT 0,   -- 轻度滋事
  rehab            boolean NOT NULL DEFAULT false,  -- any 康复措施 recorded
  actions          smallint[] NOT NULL DEFAULT '{}',
  next_due         date,
  next_is_review   boolean NOT NULL DEFAULT false,
  rule_set         text NOT NULL,
  form_enc         bytea NOT NULL,
  author_id        uuid NOT NULL REFERENCES app_user (id),
  correction_reason text NOT NULL DEFAULT '',
  recorded_at      timestamptz NOT NULL,
  UNIQUE (visit_id, version)
);
CREATE UNIQUE INDEX followup_one_current ON followup (visit_id) WHERE current;
CREATE INDEX followup_patient ON followup (patient_id, visit_date, recorded_at) WHERE current;

-- Each patient's follow-up schedule, derived from the current versions of its visits and
-- from discharge notices; rewritten in the same transaction as every change to them.
CREATE TABLE patient_schedule (
  patient_id        uuid PRIMARY KEY REFERENCES patient (id),
  next_due          date,
  due_kind          smallint NOT NULL DEFAULT 0,  -- 0 none, 1 regular, 2 two-week review,
                                                  -- 3 first after discharge, 4 first visit
  last_visit        date,
  last_valid_visit  date,
  last_class        smallint NOT NULL DEFAULT 0,
  trailing_failed   smallint NOT NULL DEFAULT 0,
  discharged_on     date,                         -- a discharge not yet followed up
  first_due         date,                         -- registration or transfer-in + 14 days
  updated_at        timestamptz NOT NULL
);
CREATE INDEX patient_schedule_due ON patient_schedule (next_due);

CREATE TABLE emergency (
  id           uuid PRIMARY KEY,
  patient_id   uuid NOT NULL REFERENCES patient (id),
  started_at   timestamptz NOT NULL,
  ended_at     timestamptz,
  trigger      smallint NOT NULL CHECK (trigger BETWEEN 1 AND 4),
  registered   boolean NOT NULL,
  details_enc  bytea NOT NULL,
  recorded_by  uuid NOT NULL REFERENCES app_user (id),
  recorded_at  timestamptz NOT NULL
);
CREATE INDEX emergency_patient ON emergency (patient_id, started_at);

CREATE TABLE referral (
  id            uuid PRIMARY KEY,
  patient_id    uuid NOT NULL REFERENCES patient (id),
  hospital      text NOT NULL,
  department    text NOT NULL DEFAULT '',
  urgent        boolean NOT NULL,
  status        smallint NOT NULL CHECK (status BETWEEN 1 AND 5),
  details_enc   bytea NOT NULL,   -- reason and the latest note
  requested_by  uuid NOT NULL REFERENCES app_user (id),
  requested_at  timestamptz NOT NULL,
  updated_at    timestamptz NOT NULL
);
CREATE INDEX referral_patient ON referral (patient_id, requested_at);

CREATE TABLE discharge (
  id             uuid PRIMARY KEY,
  patient_id     uuid NOT NULL REFERENCES patient (id),
  hospital       text NOT NULL,
  admitted_on    date,
  discharged_on  date NOT NULL,
  received_on    date NOT NULL,
  first_due      date NOT NULL,
  details_enc    bytea NOT NULL,
  recorded_by    uuid NOT NULL REFERENCES app_user (id),
  recorded_at    timestamptz NOT NULL
);
CREATE INDEX discharge_patient ON discharge (patient_id, discharged_on);

CREATE TABLE health_check (
  id           uuid PRIMARY KEY,
  patient_id   uuid NOT NULL REFERENCES patient (id),
  check_date   date NOT NULL,
  consent      boolean NOT NULL CHECK (consent),
  details_enc  bytea NOT NULL,
  recorded_by  uuid NOT NULL REFERENCES app_user (id),
  recorded_at  timestamptz NOT NULL
);
CREATE INDEX health_check_patient ON health_check (patient_id, check_date);

-- A row is visible and writable exactly when its patient is.
CREATE FUNCTION smd_patient_visible(p uuid) RETURNS boolean
  LANGUAGE sql STABLE
  AS $$ SELECT EXISTS (SELECT 1 FROM patient WHERE id = p) $$;

ALTER TABLE followup ENABLE ROW LEVEL SECURITY;
CREATE POLICY followup_scope ON followup
  USING (smd_patient_visible(patient_id)) WITH CHECK (smd_patient_visible(patient_id));
ALTER TABLE patient_schedule ENABLE ROW LEVEL SECURITY;
CREATE POLICY patient_schedule_scope ON patient_schedule
  USING (smd_patient_visible(patient_id)) WITH CHECK (smd_patient_visible(patient_id));
ALTER TABLE emergency ENABLE ROW LEVEL SECURITY;
CREATE POLICY emergency_scope ON emergency
  USING (smd_patient_visible(patient_id)) WITH CHECK (smd_patient_visible(patient_id));
ALTER TABLE referral ENABLE ROW LEVEL SECURITY;
CREATE POLICY referral_scope ON referral
  USING (smd_patient_visible(patient_id)) WITH CHECK (smd_patient_visible(patient_id));
ALTER TABLE discharge ENABLE ROW LEVEL SECURITY;
CREATE POLICY discharge_scope ON discharge
  USING (smd_patient_visible(patient_id)) WITH CHECK (smd_patient_visible(patient_id));
ALTER TABLE health_check ENABLE ROW LEVEL SECURITY;
CREATE POLICY health_check_scope ON health_check
  USING (smd_patient_visible(patient_id)) WITH CHECK (smd_patient_visible(patient_id));

-- Patients registered before this migration get a schedule row (first visit due now).
INSERT INTO patient_schedule (patient_id, next_due, due_kind, first_due, updated_at)
  SELECT id, (registered_at AT TIME ZONE 'Asia/Shanghai')::date + 14, 4,
         (registered_at AT TIME ZONE 'Asia/Shanghai')::date + 14, now()
    FROM patient;

GRANT SELECT, INSERT, UPDATE ON followup, patient_schedule TO smd_app;
GRANT SELECT, INSERT ON emergency, discharge, health_check TO smd_app;
GRANT SELECT, INSERT, UPDATE ON referral TO smd_app;
