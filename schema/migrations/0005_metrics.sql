-- 0005: management-rate metrics (issue 5; docs/metrics.md "How the figures are kept").
--
-- metric_patient_year: per patient and year, the statuses held at each month-end cut-off
-- (bit s of masks[m] = domain::MetricStatus s at the end of month m) and the community the
-- patient counted in at that cut-off. Rewritten in the same transaction as any change to
-- the patient's records, registration, transfer or closure.
-- metric_rollup: per community, year and month, how many patients hold each status
-- (column sN = MetricStatus N). Changed by the difference between a patient's old and new
-- state, in the same transaction: the figures are current at commit.
-- metric_year: the years whose rows exist for every patient (built by the server).

CREATE TABLE metric_patient_year (
  patient_id   uuid NOT NULL REFERENCES patient (id),
  year         smallint NOT NULL CHECK (year BETWEEN 2000 AND 9999),
  masks        integer[] NOT NULL CHECK (cardinality(masks) = 12),
  communities  text[] NOT NULL CHECK (cardinality(communities) = 12),
  updated_at   timestamptz NOT NULL,
  PRIMARY KEY (patient_id, year)
);

CREATE TABLE metric_rollup (
  community  text NOT NULL,
  year       smallint NOT NULL,
  month      smallint NOT NULL CHECK (month BETWEEN 1 AND 12),
  s1 bigint NOT NULL DEFAULT 0,
  s2 bigint NOT NULL DEFAULT 0,
  s3 bigint NOT NULL DEFAULT 0,
  s4 bigint NOT NULL DEFAULT 0,
  s5 bigint NOT NULL DEFAULT 0,
  s6 bigint NOT NULL DEFAULT 0,
  s7 bigint NOT NULL DEFAULT 0,
  s8 bigint NOT NULL DEFAULT 0,
  s9 bigint NOT NULL DEFAULT 0,
  s10 bigint NOT NULL DEFAULT 0,
  s11 bigint NOT NULL DEFAULT 0,
  s12 bigint NOT NULL DEFAULT 0,
  s13 bigint NOT NULL DEFAULT 0,
  s14 bigint NOT NULL DEFAULT 0,
  s15 bigint NOT NULL DEFAULT 0,
  s16 bigint NOT NULL DEFAULT 0,
  s17 bigint NOT NULL DEFAULT 0,
  s18 bigint NOT NULL DEFAULT 0,
  s19 bigint NOT NULL DEFAULT 0,
  s20 bigint NOT NULL DEFAULT 0,
  s21 bigint NOT NULL DEFAULT 0,
  s22 bigint NOT NULL DEFAULT 0,
  s23 bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (year, month, community)
);

CREATE TABLE metric_year (
  year      smallint PRIMARY KEY,
  built_at  timestamptz NOT NULL
);

-- A patient's state is visible exactly when the patient is. The rollups hold counts only
-- and are read by region prefix after the application's authorization (docs/security.md
-- "Metrics"); a transfer changes the counts of a community outside the acceptor's scope,
-- so they carry no row-level policy.
ALTER TABLE metric_patient_year ENABLE ROW LEVEL SECURITY;
CREATE POLICY metric_patient_year_scope ON metric_patient_year
  USING (smd_patient_visible(patient_id)) WITH CHECK (smd_patient_visible(patient_id));

-- Derived data, rebuilt from the records (MetricUseCases::BuildYear): the server may
-- delete it, unlike the records themselves.
GRANT SELECT, INSERT, UPDATE, DELETE ON metric_patient_year TO smd_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON metric_rollup TO smd_app;
GRANT SELECT, INSERT, DELETE ON metric_year TO smd_app;
