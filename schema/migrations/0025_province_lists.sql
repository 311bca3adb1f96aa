-- 0025: the lists a doctor opens every day at province scale (issue 17 item 5;
-- docs/performance.md "Lists at province scale").
--
-- At 400,000 patients a district holds about 4,000 of them, spread over the whole patient
-- table. Every slow page read one wide patient row per candidate (4,000 random heap
-- fetches for a district's register or overdue list) only to filter and sort, then kept
-- 51. The changes below let each list pick its page from a narrow table or an index, and
-- read patient rows (and decrypt names) for the page only. Nothing here changes who sees
-- what: the policies are untouched, and every new column is kept by a trigger in the
-- transaction that changes the patient.

-- The prefix range of codes that start with `prefix`: [prefix, smd_prefix_end(prefix)),
-- in byte order, as smd_scope_end (0024) does for the session's scope. A single
-- expression, inlined by the planner, so that a list's region ($1 of a prepared statement)
-- bounds an index scan even in a generic plan (starts_with(col, $1) does only when $1 is
-- a constant). Region codes are ASCII digits (domain::CheckRegionCode).
CREATE FUNCTION smd_prefix_end(prefix text) RETURNS text
  LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
  AS $$ SELECT (left(prefix, -1) || chr(ascii(right(prefix, 1)) + 1)) COLLATE "C" $$;

-- ---- Worklists (CareRepository::Worklist) ----------------------------------------------
-- The worklists filter on the patient's status (ACTIVE only) and jurisdiction and sort on
-- the schedule. The schedule already carries the jurisdiction (0024); it now carries the
-- status too, so a list is chosen and ordered from patient_schedule alone (a narrow table
-- that stays in memory) and only the page's patient rows are read.
ALTER TABLE patient_schedule ADD COLUMN patient_status smallint NOT NULL DEFAULT 0;
UPDATE patient_schedule s SET patient_status = p.status FROM patient p WHERE p.id = s.patient_id;

-- BEFORE INSERT or UPDATE OF patient_id, patient_status: the column is never taken from the
-- writer, always read from the patient (as smd_copy_patient_scope does for the codes; its
-- trigger, named ..._scope, runs first and has already locked the patient FOR SHARE).
-- A patient the caller cannot see gives 0, which no list selects (the row is refused by
-- the schedule's policy anyway).
CREATE FUNCTION smd_copy_patient_status() RETURNS trigger
  LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
  SELECT p.status INTO NEW.patient_status FROM patient p WHERE p.id = NEW.patient_id;
  IF NOT FOUND THEN
    NEW.patient_status := 0;
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER patient_schedule_patient_status
  BEFORE INSERT OR UPDATE OF patient_id, patient_status ON patient_schedule
  FOR EACH ROW EXECUTE FUNCTION smd_copy_patient_status();

-- AFTER UPDATE OF status ON patient (closing, reopening, any future path): the schedule
-- follows in the same transaction. A definer for the same reason as smd_patient_scope_moved
-- (0024): it only mirrors a patient row the caller was allowed to change. The UPDATE
-- fires the BEFORE trigger above, which reads the new status back from the patient.
CREATE FUNCTION smd_patient_status_changed() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
  UPDATE patient_schedule SET patient_status = NEW.status WHERE patient_id = NEW.id;
  RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION smd_patient_status_changed() FROM PUBLIC;
CREATE TRIGGER patient_status_changed AFTER UPDATE OF status ON patient
  FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status)
  EXECUTE FUNCTION smd_patient_status_changed();

-- A worklist's candidates: the region's range and the due date in the index (the overdue,
-- due-soon and 2-week lists filter on next_due inside it), and what the filters, the order
-- and the row-level policy read, so that a page is chosen from the index where the
-- visibility map allows. It replaces 0024's index of the same name (its leading column is
-- the same, so the policy's range is served as before) and 0002's patient_schedule_due,
-- which only the worklists read: a follow-up, which rewrites its patient's schedule row,
-- updates one index fewer than before this migration, not one more.
DROP INDEX patient_schedule_by_jurisdiction;
DROP INDEX patient_schedule_due;
CREATE INDEX patient_schedule_by_jurisdiction ON patient_schedule (patient_jurisdiction, next_due)
  INCLUDE (patient_id, patient_status, last_class, due_kind, last_valid_visit, discharged_on,
           patient_transfer_to);

-- ---- The register (PatientRepository::Search) -------------------------------------------
-- Same keys as patient_jurisdiction (0001), plus what the patient policy reads and the
-- status (rarely changed): the page's ids are chosen by an index-only scan where the
-- visibility map allows, and only the page's rows are read and decrypted. Not the risk
-- level: a follow-up rewrites it, and an update that changes no indexed column stays a
-- cheap HOT update (a listing filtered by risk reads the heap for its candidates).
CREATE INDEX patient_register ON patient (jurisdiction text_pattern_ops, registered_at, id)
  INCLUDE (transfer_to, status);
DROP INDEX patient_jurisdiction;

-- ---- Team gaps (CareTeamRepository::ListGaps) -------------------------------------------
-- The patients who need a team (domain::NeedsTeam: ACTIVE, and 不稳定 or risk >= 3; the
-- constants are domain::kUnstableClassification and kTeamRiskThreshold, which the
-- statement writes literally so that this predicate is implied), by region then id. Its
-- predicate reads the class and risk level, so a follow-up that changes either is no
-- longer a HOT update of the patient row (one that leaves both as they were still is);
-- the team-coverage trigger (0008) already does more work on such a change.
CREATE INDEX patient_needs_team ON patient (jurisdiction text_pattern_ops, id)
  INCLUDE (transfer_to)
  WHERE status = 1 AND (classification = 1 OR risk_level >= 3);
