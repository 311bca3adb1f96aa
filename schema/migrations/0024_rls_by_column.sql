-- 0024: row-level security of the clinical tables by a column on the row (issue 17 item 1;
-- docs/adr/0017-rls-by-column.md, docs/security.md "Row-level security by column").
--
-- Until now a clinical row (follow-up, schedule, emergency, referral, discharge, health
-- check, care-team member, rehabilitation session, psychological support) was visible when
-- smd_patient_visible(patient_id) found its patient under the caller's scope: a function
-- call and a lookup of the patient per row, which the planner cannot see through (a
-- follow-up history cost 0.52 ms as the server's role against 0.05 ms without RLS).
--
-- Now each such row carries the two codes the patient's own policy (0001 patient_scope)
-- reads: patient_jurisdiction (the patient's community) and patient_transfer_to (the
-- jurisdiction of a pending 迁出, '' when none). The policy compares them with the session's
-- scope as a range of codes, which a btree index can serve and which costs two string
-- comparisons per row. The rule is unchanged: a row is visible and writable exactly when
-- its patient is (starts_with(code, scope) for either code).
--
-- The two columns are never trusted from the application:
--   * BEFORE INSERT (and BEFORE UPDATE of patient_id or of either column) a trigger copies
--     them from the patient row, read with the caller's own rights and scope: a patient the
--     caller cannot see gives '' and '', which no scope matches, so the WITH CHECK refuses
--     the row exactly as the old function did. The read takes FOR SHARE on the patient, so
--     a concurrent move of that patient waits for this transaction (or this insert waits
--     for the move and copies the new codes): the columns cannot go stale.
--   * AFTER UPDATE of the patient's jurisdiction or transfer_to (迁出, 迁入 accepted,
--     refused, cancelled; any future path alike) a definer trigger rewrites the patient's
--     rows in every clinical table in the same transaction.
--
-- The metric projection's tables (metric_patient_year, metric_patient_day) keep
-- smd_patient_visible: they belong to the metrics migrations (issue 15); the function stays.

-- The session's scope as the half-open range [smd_scope_start(), smd_scope_end()) of codes
-- that start with it, in byte order (COLLATE "C"). Unset or empty scope: NULL, no row.
-- (Single expressions, so that the planner inlines them into the policy and uses them as
-- index bounds.) The end is the scope with its last character incremented ('320106' ->
-- '320107', '320109' -> '32010:'), so every string starting with the scope is inside the
-- range and no other is (scopes are region codes: ASCII digits).
CREATE FUNCTION smd_scope_start() RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT NULLIF(current_setting('smd.scope', true), '') COLLATE "C" $$;

CREATE FUNCTION smd_scope_end() RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT (left(NULLIF(current_setting('smd.scope', true), ''), -1)
                 || chr(ascii(right(NULLIF(current_setting('smd.scope', true), ''), 1)) + 1))
                COLLATE "C" $$;

-- BEFORE INSERT OR UPDATE OF patient_id, patient_jurisdiction, patient_transfer_to.
-- SECURITY INVOKER on purpose: the patient is read under the caller's row-level scope.
CREATE FUNCTION smd_copy_patient_scope() RETURNS trigger
  LANGUAGE plpgsql SET search_path = public AS $$
BEGIN
  SELECT p.jurisdiction, p.transfer_to INTO NEW.patient_jurisdiction, NEW.patient_transfer_to
    FROM patient p WHERE p.id = NEW.patient_id FOR SHARE;
  IF NOT FOUND THEN
    NEW.patient_jurisdiction := '';
    NEW.patient_transfer_to := '';
  END IF;
  RETURN NEW;
END $$;

-- AFTER UPDATE OF jurisdiction, transfer_to ON patient. A definer: the accepting side of a
-- 迁入 writes rows its scope reaches only through the new codes, and a refusal returns the
-- patient to a jurisdiction the refusing side cannot write (as smd_refuse_transfer, 0013).
-- It only mirrors a patient row the caller has already been allowed to change.
CREATE FUNCTION smd_patient_scope_moved() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
  UPDATE followup SET patient_jurisdiction = NEW.jurisdiction,
                      patient_transfer_to = NEW.transfer_to WHERE patient_id = NEW.id;
  UPDATE patient_schedule SET patient_jurisdiction = NEW.jurisdiction,
                              patient_transfer_to = NEW.transfer_to WHERE patient_id = NEW.id;
  UPDATE emergency SET patient_jurisdiction = NEW.jurisdiction,
                       patient_transfer_to = NEW.transfer_to WHERE patient_id = NEW.id;
  UPDATE referral SET patient_jurisdiction = NEW.jurisdiction,
                      patient_transfer_to = NEW.transfer_to WHERE patient_id = NEW.id;
  UPDATE discharge SET patient_jurisdiction = NEW.jurisdiction,
                       patient_transfer_to = NEW.transfer_to WHERE patient_id = NEW.id;
  UPDATE health_check SET patient_jurisdiction = NEW.jurisdiction,
                          patient_transfer_to = NEW.transfer_to WHERE patient_id = NEW.id;
  UPDATE care_team_member SET patient_jurisdiction = NEW.jurisdiction,
                              patient_transfer_to = NEW.transfer_to WHERE patient_id = NEW.id;
  UPDATE rehab_session SET patient_jurisdiction = NEW.jurisdiction,
                           patient_transfer_to = NEW.transfer_to WHERE patient_id = NEW.id;
  UPDATE psych_support SET patient_jurisdiction = NEW.jurisdiction,
                           patient_transfer_to = NEW.transfer_to WHERE patient_id = NEW.id;
  RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION smd_patient_scope_moved() FROM PUBLIC;

CREATE TRIGGER patient_scope_moved AFTER UPDATE OF jurisdiction, transfer_to ON patient
  FOR EACH ROW
  WHEN (OLD.jurisdiction IS DISTINCT FROM NEW.jurisdiction
        OR OLD.transfer_to IS DISTINCT FROM NEW.transfer_to)
  EXECUTE FUNCTION smd_patient_scope_moved();

-- Per clinical table: the two columns, backfilled from the patient, the copy trigger, the
-- indexes the range can use, and the policy (its `patient_transfer_to <> ''` lets the
-- planner use the partial index of pending moves for that arm of the OR). The old policy
-- is dropped in the same transaction (the migration runs in one): never a moment without.
DO $$
DECLARE
  t text;
  rule constant text :=
    '(patient_jurisdiction >= smd_scope_start() AND patient_jurisdiction < smd_scope_end()) '
    'OR (patient_transfer_to <> '''' AND patient_transfer_to >= smd_scope_start() '
    '    AND patient_transfer_to < smd_scope_end())';
BEGIN
  FOREACH t IN ARRAY ARRAY['followup', 'patient_schedule', 'emergency', 'referral',
                           'discharge', 'health_check', 'care_team_member', 'rehab_session',
                           'psych_support'] LOOP
    EXECUTE format('ALTER TABLE %I ADD COLUMN patient_jurisdiction text COLLATE "C" '
                   'NOT NULL DEFAULT '''', ADD COLUMN patient_transfer_to text COLLATE "C" '
                   'NOT NULL DEFAULT ''''', t);
    EXECUTE format('UPDATE %I x SET patient_jurisdiction = p.jurisdiction, '
                   'patient_transfer_to = p.transfer_to FROM patient p WHERE p.id = x.patient_id',
                   t);
    EXECUTE format('CREATE TRIGGER %I BEFORE INSERT OR UPDATE OF patient_id, '
                   'patient_jurisdiction, patient_transfer_to ON %I FOR EACH ROW '
                   'EXECUTE FUNCTION smd_copy_patient_scope()', t || '_patient_scope', t);
    EXECUTE format('CREATE INDEX %I ON %I (patient_jurisdiction)', t || '_by_jurisdiction', t);
    EXECUTE format('CREATE INDEX %I ON %I (patient_transfer_to) WHERE patient_transfer_to <> ''''',
                   t || '_by_transfer_to', t);
    EXECUTE format('DROP POLICY %I ON %I',
                   CASE t WHEN 'care_team_member' THEN 'care_team_scope' ELSE t || '_scope' END, t);
    EXECUTE format('CREATE POLICY %I ON %I USING (%s) WITH CHECK (%s)',
                   t || '_scope_by_column', t, rule, rule);
  END LOOP;
END $$;

-- Grants are unchanged: the server's role keeps exactly the table privileges it had (the new
-- columns fall under them, and the trigger overwrites whatever it writes into them).
-- smd_scope_start/smd_scope_end/smd_copy_patient_scope run with the caller's rights and
-- reveal nothing; EXECUTE on functions is PUBLIC by default, as for smd_in_scope (0001).
