-- 0026: bulk import at the database's pace, and province-scale lists (issue 17 items 3
-- and 5; docs/performance.md "Bulk import" and "Lists at province scale"; ADR 0018).

-- The duplicate check of an import batch in one statement instead of one
-- smd_patient_holder call per row: for each blind index of the batch that is registered
-- anywhere, the holding jurisdiction, which the caller's row-level scope cannot see
-- (the same and only thing smd_patient_holder reveals).
CREATE FUNCTION smd_patient_holders(index_values bytea[])
  RETURNS TABLE (index_value bytea, jurisdiction text)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
  AS $$ SELECT p.id_number_index, p.jurisdiction FROM patient p
         WHERE p.id_number_index = ANY (index_values) $$;
REVOKE ALL ON FUNCTION smd_patient_holders(bytea[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION smd_patient_holders(bytea[]) TO smd_app;

-- Team coverage (0008) on insert: a new row's smd_team_refresh finds no earlier coverage
-- row (the id is new) and, unless the patient needs a team (ACTIVE and unstable or risk
-- >= 3), has nothing to do. The WHEN clause skips that call for such rows, so a batch of
-- imported patients (ACTIVE, risk unknown, class 0) no longer runs a PL/pgSQL function per
-- row; a row that needs a team is refreshed exactly as before.
DROP TRIGGER patient_team_coverage_insert ON patient;
CREATE TRIGGER patient_team_coverage_insert AFTER INSERT ON patient
  FOR EACH ROW
  WHEN (NEW.status = 1 AND (NEW.classification = 1 OR NEW.risk_level >= 3))
  EXECUTE FUNCTION smd_team_patient_changed();

-- The import's staging table (PatientRepository::InsertMany): COPY cannot write a table
-- under row-level security, so a batch is COPYed into a temporary table of the connection
-- and moved into `patient` by one INSERT ... SELECT under the policy. The deployment revokes
-- TEMP on the database from PUBLIC (deploy/postgres/create-db.sql); the app role gets it
-- back here. A temporary table is private to its session and gone with it; a shared
-- staging table would keep every batch's deleted rows until a vacuum (each batch's DELETE
-- scanning all of them: 929 against 1,360 rows/s over 100 batches, measured on a loaded
-- machine) and would be a table of
-- encrypted patient rows without a row-level policy. The migration runs as the database's
-- owner, who may grant this.
DO $$
BEGIN
  EXECUTE format('GRANT TEMPORARY ON DATABASE %I TO smd_app', current_database());
END $$;
