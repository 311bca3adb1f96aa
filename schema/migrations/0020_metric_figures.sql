-- 0020: one model of kept figures (issue 15; docs/metrics.md "How the figures are kept").
--
-- Replaces the year tables (0005, 0008: metric_patient_year, metric_rollup,
-- metric_rollup_street, metric_year) and their day twins (0009: metric_patient_day,
-- metric_rollup_day, metric_day) with one state table and one rollup table keyed by a
-- figure set (domain::FigureSet::Key(): a year 2000..9999, or the current Beijing day as
-- yyyymmdd). All of it is derived from the records: the server rebuilds it online, district
-- by district (MetricUseCases::BuildSet), so nothing is carried over.
DROP TABLE metric_patient_year, metric_rollup, metric_rollup_street, metric_year,
  metric_patient_day, metric_rollup_day, metric_day;

-- The kept sets. built_at is NULL while the set is building: its figures are then not
-- complete and reads recompute (and say so). A set is kept current by every write from the
-- moment its row exists, built or not.
CREATE TABLE metric_set (
  set_key     integer PRIMARY KEY
              CHECK (set_key BETWEEN 2000 AND 9999 OR set_key BETWEEN 20000101 AND 99991231),
  started_at  timestamptz NOT NULL,
  built_at    timestamptz
);

-- The districts a building set has done (a build resumes after a restart from here).
CREATE TABLE metric_set_district (
  set_key   integer NOT NULL REFERENCES metric_set (set_key) ON DELETE CASCADE,
  district  text NOT NULL,
  PRIMARY KEY (set_key, district)
);

-- Per patient and set: bit s of masks[k] = domain::MetricStatus s held at the set's k-th
-- cut-off (12 month ends of a year, or the one day), and the community counted in then.
CREATE TABLE metric_state (
  patient_id   uuid NOT NULL REFERENCES patient (id),
  set_key      integer NOT NULL,
  masks        integer[] NOT NULL CHECK (cardinality(masks) BETWEEN 1 AND 12),
  communities  text[] NOT NULL CHECK (cardinality(communities) = cardinality(masks)),
  PRIMARY KEY (patient_id, set_key)
);
-- The listing of a set's patients (ListMetricPatients) and the sweep of a dropped day.
CREATE INDEX metric_state_set ON metric_state (set_key, patient_id);

-- Per set, cut-off (slot) and region: how many patients hold each status (counts[s] =
-- MetricStatus s). Rows for every community (12-digit code) and, summed, for every street
-- (9 digits): a district or above reads the street rows, about a tenth as many. Counts as
-- one array rather than a column per status: the status list is written in one place
-- (domain::kMaxMetricStatus), not in every statement and migration.
CREATE TABLE metric_rollup (
  set_key  integer NOT NULL,
  slot     smallint NOT NULL CHECK (slot BETWEEN 1 AND 12),
  code     text NOT NULL,
  counts   bigint[] NOT NULL
);
-- Reads by (set, slot, code length, prefix range); text_pattern_ops serves ~>=~ / ~<~
-- with a parameter (0008).
CREATE UNIQUE INDEX metric_rollup_key
  ON metric_rollup (set_key, slot, char_length(code), code text_pattern_ops);

-- A patient's state is visible exactly when the patient is. The rollups hold counts only
-- and are read by region prefix after the application's authorization (docs/security.md
-- "Metrics"); a transfer changes the counts of a community outside the acceptor's scope,
-- so they carry no row-level policy (as 0005).
ALTER TABLE metric_state ENABLE ROW LEVEL SECURITY;
CREATE POLICY metric_state_scope ON metric_state
  USING (smd_patient_visible(patient_id)) WITH CHECK (smd_patient_visible(patient_id));

-- The states of a set that is dropped (a day that is over), whatever the caller's scope:
-- they are derived and the caller only names the set.
CREATE FUNCTION smd_metric_drop_states(p_key integer) RETURNS void
  LANGUAGE sql SECURITY DEFINER SET search_path = public
  AS $$ DELETE FROM metric_state WHERE set_key = p_key $$;
REVOKE ALL ON FUNCTION smd_metric_drop_states(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION smd_metric_drop_states(integer) TO smd_app;

-- Derived data, rebuilt from the records: the server may delete it, unlike the records.
GRANT SELECT, INSERT, UPDATE, DELETE ON metric_state TO smd_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON metric_rollup TO smd_app;
GRANT SELECT, INSERT, UPDATE, DELETE ON metric_set TO smd_app;
GRANT SELECT, INSERT, DELETE ON metric_set_district TO smd_app;
