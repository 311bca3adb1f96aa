-- 0028: the metric facts' visits read from one covering index (issue 15; docs/metrics.md
-- "Recomputed dates", docs/performance.md "Metrics").
--
-- A recomputation (GetMetrics or ListMetricPatients for a date no kept set answers) reads
-- every patient's current visits (store/metric_facts.cc "metric.facts_visits"). A followup
-- row is wide (the sealed form, about 860 bytes) and a patient's visits lie on different
-- pages (rows are written by date), so the old read cost one heap page per visit: at
-- 400,000 patients and 7.66 million visits the province's recomputation took 104 s, most of
-- it those page reads. This index holds, in patient order, every column that read needs,
-- and the two columns the row-level policy (0024) compares, so the read is an index-only
-- scan: one or two index pages per patient, the heap only for pages not yet all-visible
-- (autovacuum marks an insert-mostly table's pages all-visible; PostgreSQL 13 and later
-- vacuum on inserts too).
--
-- It replaces followup_patient (0002: the same keys, the same predicate), which every
-- query by patient and date used: they are served by this one as they were, so a visit is
-- still written to one patient index, not two. Building it reads followup once (about a
-- minute at province size, during which followup takes no writes: the migration runs
-- before the server serves).
CREATE INDEX followup_patient_facts ON followup (patient_id, visit_date, recorded_at)
  INCLUDE (mode, lost_reason, reports_death, risk_level, final_class, adherence,
           hospitalization, trouble, accident, minor_trouble, patient_jurisdiction,
           patient_transfer_to)
  WHERE current;
DROP INDEX followup_patient;
