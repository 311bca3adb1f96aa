-- 0021: row-level security of the kept metric states by a column on the row (issue 17 item
-- 1; docs/adr/0017-rls-by-column.md "The metric states").
--
-- metric_state (0020) was the last table whose policy called smd_patient_visible(patient_id)
-- per row: a function call and a lookup of the patient for every state read or written,
-- the largest row-level security cost left in RecordFollowUp (it reads and upserts the
-- patient's state of every kept set). It now gets 0024's shape: the patient's community
-- (patient_jurisdiction) and pending 迁出 destination (patient_transfer_to, '' when none)
-- copied onto the row, and a policy comparing them with the session's scope as a byte range.
-- The rule is unchanged: a state is visible and writable exactly when its patient is.
--
-- Numbering: this file is numbered 0021 but written after 0024 and 0026. The migrator
-- applies every embedded migration it has not recorded, in file order, so a new database
-- runs it between 0020 and 0023 and an existing one runs it after 0026. It therefore uses
-- nothing that 0023..0026 create (in particular not 0024's smd_scope_start/smd_scope_end or
-- its triggers: the range is written out below, and its triggers are its own) and touches
-- nothing they touch, so both orders give the same schema.
--
-- Why not 0024's copy trigger as is: that one reads the patient FOR SHARE to wait for a
-- concurrent move. A state is written by the metric upkeep while it holds the per-patient
-- advisory lock of store/metric_upkeep.cc (class kPatientLockClass = 0x736d6466, key
-- hashtext(patient id)): a build step holds it exclusively and would then wait on the row
-- lock of a writer (RecordFollowUp, 迁出) that itself waits for that advisory lock before its
-- own upkeep: a deadlock. So the two sides meet on that advisory lock instead:
--   * the copy trigger takes it shared (a no-op for the upkeep, which holds it already) and
--     then reads the patient's committed codes, in a snapshot taken after the lock;
--   * the move trigger takes it exclusively before rewriting the patient's states, so it
--     waits for every transaction writing a state of that patient and then sees its row,
--     and a state written after it waits for the move to commit and copies the new codes.
-- The move keeps the order every writer already has (patient row, then the advisory lock),
-- and a build step holds the advisory lock without waiting on a patient row: no cycle.
-- The key matches only when the id is the database's text form (lower case), which is what
-- the upkeep writes and what uuid::text gives; the lock class must stay equal to
-- kPatientLockClass.

ALTER TABLE metric_state
  ADD COLUMN patient_jurisdiction text COLLATE "C" NOT NULL DEFAULT '',
  ADD COLUMN patient_transfer_to text COLLATE "C" NOT NULL DEFAULT '';
UPDATE metric_state s SET patient_jurisdiction = p.jurisdiction, patient_transfer_to = p.transfer_to
  FROM patient p WHERE p.id = s.patient_id;

-- BEFORE INSERT OR UPDATE OF patient_id, patient_jurisdiction, patient_transfer_to.
-- SECURITY INVOKER on purpose: the patient is read under the caller's row-level scope, so a
-- patient the caller cannot see gives '' and '', which no scope matches (WITH CHECK refuses
-- the row, as the old function did), and a code the caller writes is overwritten.
CREATE FUNCTION smd_metric_state_copy_scope() RETURNS trigger
  LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
  PERFORM pg_advisory_xact_lock_shared(x'736d6466'::integer, hashtext(NEW.patient_id::text));
  SELECT p.jurisdiction, p.transfer_to INTO NEW.patient_jurisdiction, NEW.patient_transfer_to
    FROM patient p WHERE p.id = NEW.patient_id;
  IF NOT FOUND THEN
    NEW.patient_jurisdiction := '';
    NEW.patient_transfer_to := '';
  END IF;
  RETURN NEW;
END $$;

CREATE TRIGGER metric_state_patient_scope
  BEFORE INSERT OR UPDATE OF patient_id, patient_jurisdiction, patient_transfer_to
  ON metric_state FOR EACH ROW EXECUTE FUNCTION smd_metric_state_copy_scope();

-- AFTER UPDATE OF jurisdiction, transfer_to ON patient (迁出, 迁入 accepted, refused,
-- cancelled, any future path). A definer for the reason 0024 gives (the accepting side
-- writes states its scope reaches only through the new codes); it only mirrors a patient
-- row the caller has already been allowed to change.
CREATE FUNCTION smd_metric_state_moved() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(x'736d6466'::integer, hashtext(NEW.id::text));
  UPDATE metric_state SET patient_jurisdiction = NEW.jurisdiction,
                          patient_transfer_to = NEW.transfer_to WHERE patient_id = NEW.id;
  RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION smd_metric_state_moved() FROM PUBLIC;

CREATE TRIGGER patient_metric_state_moved AFTER UPDATE OF jurisdiction, transfer_to ON patient
  FOR EACH ROW
  WHEN (OLD.jurisdiction IS DISTINCT FROM NEW.jurisdiction
        OR OLD.transfer_to IS DISTINCT FROM NEW.transfer_to)
  EXECUTE FUNCTION smd_metric_state_moved();

-- The range a btree can serve, with the set first: the listing of a set's patients
-- (ListMetricPatients) under a district doctor's scope reads only that district's states.
-- Upserts change neither column, so they stay HOT updates.
CREATE INDEX metric_state_by_jurisdiction ON metric_state (set_key, patient_jurisdiction);
CREATE INDEX metric_state_by_transfer_to ON metric_state (set_key, patient_transfer_to)
  WHERE patient_transfer_to <> '';

-- The scope as the half-open range [start, end) of codes that start with it, in byte order:
-- start = the scope, end = the scope with its last character incremented ('320106' ->
-- '320107'); unset or empty scope: NULL, no row. These are 0024's smd_scope_start() and
-- smd_scope_end() written out (see "Numbering" above); stable expressions, so index bounds.
-- The old policy is dropped in the same transaction: never a moment without one.
DROP POLICY metric_state_scope ON metric_state;
CREATE POLICY metric_state_scope_by_column ON metric_state
  USING (
    (patient_jurisdiction >= (NULLIF(current_setting('smd.scope', true), '') COLLATE "C")
     AND patient_jurisdiction < ((left(NULLIF(current_setting('smd.scope', true), ''), -1)
         || chr(ascii(right(NULLIF(current_setting('smd.scope', true), ''), 1)) + 1)) COLLATE "C"))
    OR (patient_transfer_to <> ''
        AND patient_transfer_to >= (NULLIF(current_setting('smd.scope', true), '') COLLATE "C")
        AND patient_transfer_to < ((left(NULLIF(current_setting('smd.scope', true), ''), -1)
            || chr(ascii(right(NULLIF(current_setting('smd.scope', true), ''), 1)) + 1))
            COLLATE "C")))
  WITH CHECK (
    (patient_jurisdiction >= (NULLIF(current_setting('smd.scope', true), '') COLLATE "C")
     AND patient_jurisdiction < ((left(NULLIF(current_setting('smd.scope', true), ''), -1)
         || chr(ascii(right(NULLIF(current_setting('smd.scope', true), ''), 1)) + 1)) COLLATE "C"))
    OR (patient_transfer_to <> ''
        AND patient_transfer_to >= (NULLIF(current_setting('smd.scope', true), '') COLLATE "C")
        AND patient_transfer_to < ((left(NULLIF(current_setting('smd.scope', true), ''), -1)
            || chr(ascii(right(NULLIF(current_setting('smd.scope', true), ''), 1)) + 1))
            COLLATE "C")));

-- Grants are unchanged: smd_app keeps exactly its table privileges on metric_state (the new
-- columns fall under them, and the trigger overwrites whatever is written into them).
-- smd_patient_visible (0002) stays defined but no policy calls it any more.
