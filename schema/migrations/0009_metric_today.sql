-- 0009: the "as of today" figures (issue 5; docs/metrics.md "As of today").
--
-- The month-end rollups (0005, 0008) serve years and months. An as-of date inside a month
-- was recomputed from the records (seconds for a district, minutes for a province). The
-- most asked of those dates is today, so the server also keeps the statuses at the end of
-- one day, the current Beijing day: built for every patient once the day starts
-- (MetricUseCases::EnsureToday, at start and by the hourly housekeeping) and then kept by
-- every write, exactly like a month end. Other days stay recomputed.
CREATE TABLE metric_patient_day (
  patient_id  uuid PRIMARY KEY REFERENCES patient (id),
  day         date NOT NULL,
  mask        integer NOT NULL,
  community   text NOT NULL,
  updated_at  timestamptz NOT NULL
);
ALTER TABLE metric_patient_day ENABLE ROW LEVEL SECURITY;
CREATE POLICY metric_patient_day_scope ON metric_patient_day
  USING (smd_patient_visible(patient_id)) WITH CHECK (smd_patient_visible(patient_id));

-- Rows by community (12-digit code) and by street (9 digits), like metric_rollup and
-- metric_rollup_street together.
CREATE TABLE metric_rollup_day (
  day        date NOT NULL,
  code       text NOT NULL,
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
  s23 bigint NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX metric_rollup_day_key ON metric_rollup_day (day, code text_pattern_ops);

-- The day whose rows exist for every patient (at most one).
CREATE TABLE metric_day (
  day       date PRIMARY KEY,
  built_at  timestamptz NOT NULL
);

GRANT SELECT, INSERT, UPDATE, DELETE ON metric_patient_day TO smd_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON metric_rollup_day TO smd_app;
GRANT SELECT, INSERT, DELETE ON metric_day TO smd_app;
