-- 0031: the metric facts' health checks and register rows read from covering indexes
-- (issue 15: an arbitrary date for a district; docs/metrics.md "Recomputed dates",
-- docs/performance.md "Metrics").
--
-- After 0028 (visits from followup_patient_facts) a district's recomputation at 400,000
-- patients spent most of its PostgreSQL time in two heap reads: the health checks
-- (store/metric_facts.cc "metric.facts_checks": one heap page per check, rows written by
-- date) and the register rows ("metric.facts_patients": one page of a wide, encrypted
-- patient row per patient). Both become index-only scans here: the indexes hold every
-- column the reads and the row-level policies (0024 for health_check, 0030 for patient)
-- compare; the heap is read only for pages not yet all-visible.
--
-- health_check_patient_facts replaces health_check_patient (0002: the same keys, no
-- predicate), which every query of a patient's checks used; they are served by this one as
-- they were, so a health check is still written to one patient index, not two (the entry
-- grows by the two codes, a few bytes each).
CREATE INDEX health_check_patient_facts ON health_check (patient_id, check_date)
  INCLUDE (patient_jurisdiction, patient_transfer_to);
DROP INDEX health_check_patient;

-- The register columns the facts read, by id. A new index (the primary key cannot carry
-- INCLUDE columns without replacing the constraint the clinical tables' foreign keys
-- reference): RegisterPatient writes one more index entry. Updates keep HOT where they had
-- it: jurisdiction, transfer_to, status and registered_at are already in patient_register
-- (0025), closed_date changes only with the status, and diagnosis is a rare correction; the
-- risk level and the other often-updated columns stay out (0025's reason).
CREATE INDEX patient_facts ON patient (id)
  INCLUDE (jurisdiction, transfer_to, diagnosis, status, closed_date, registered_at);
