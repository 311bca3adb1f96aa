-- 0030: the register's own policies read the session's scope once per statement, and the
-- transfer list is index-served (issue 17 item 5; docs/performance.md "Lists at province
-- scale", docs/adr/0017-rls-by-column.md "The register's own tables").
--
-- patient and patient_transfer keep the rule of 0001 exactly: a row is visible and
-- writable when a code on it starts with the scope (jurisdiction, or the destination of a
-- pending 迁出; from_jurisdiction or to_jurisdiction). What changes is when the scope is
-- read. 0001 wrote it as smd_in_scope(code), inlined to
-- starts_with(code, NULLIF(current_setting('smd.scope', true), '')): a policy is a filter
-- on every candidate row, so current_setting ran once per row (a district's register
-- filters about 4,000 index entries: 2.9 ms against 1.4 ms without the policy on a copy
-- of the table, measured). Here the scope is an uncorrelated scalar subquery, which the
-- planner turns into an InitPlan: evaluated once when the statement starts, then each row
-- compares its code with that value (1.7 ms on the same copy). starts_with is already
-- the byte-wise prefix test; the value is the same one current_setting would give on every
-- row, since nothing sets smd.scope inside a statement (and a stable function may already
-- be evaluated once per statement by the planner: 0024's range bounds are).
--
-- Why not 0024's range form for these two tables: their lists always bound the rows by
-- the caller's region themselves (patient_register, patient_needs_team and the transfer
-- indexes below, each led by the code), so the policy is a filter whatever its form, and
-- the range form costs three current_setting calls per row instead of one (4.1 ms on the
-- same copy); with the range bounds as InitPlan values the planner loses the scope's
-- selectivity and chose a bitmap scan of the heap for the district register (14 ms
-- against 10). Point reads (by id) filter one row either way.

DROP POLICY patient_scope ON patient;
CREATE POLICY patient_scope_per_statement ON patient
  USING (starts_with(jurisdiction, (SELECT smd_scope_start()))
         OR (transfer_to <> '' AND starts_with(transfer_to, (SELECT smd_scope_start()))))
  WITH CHECK (starts_with(jurisdiction, (SELECT smd_scope_start()))
              OR (transfer_to <> '' AND starts_with(transfer_to, (SELECT smd_scope_start()))));

DROP POLICY patient_transfer_scope ON patient_transfer;
CREATE POLICY patient_transfer_scope_per_statement ON patient_transfer
  USING (starts_with(from_jurisdiction, (SELECT smd_scope_start()))
         OR starts_with(to_jurisdiction, (SELECT smd_scope_start())))
  WITH CHECK (starts_with(from_jurisdiction, (SELECT smd_scope_start()))
              OR starts_with(to_jurisdiction, (SELECT smd_scope_start())));

-- ---- ListTransfers (PatientRepository::ListTransfers, statement transfer.list) ----------
-- The list was every visible transfer, newest first: under the policy alone, a sequential
-- read of the province's transfers filtered row by row, then a sort. It now names the
-- caller's region and takes each side's candidates from an index led by that side's code
-- (the region as the range [$5, smd_prefix_end($5))), with the order and what the filters
-- and the policy read included, so that the page's ids come from the indexes and only
-- the page's rows (and texts) are read. Same leading column as 0001's
-- patient_transfer_from / patient_transfer_to, which they replace.
CREATE INDEX patient_transfer_from_page ON patient_transfer
  (from_jurisdiction text_pattern_ops, requested_at, id) INCLUDE (status, to_jurisdiction);
CREATE INDEX patient_transfer_to_page ON patient_transfer
  (to_jurisdiction text_pattern_ops, requested_at, id) INCLUDE (status, from_jurisdiction);
DROP INDEX patient_transfer_from;
DROP INDEX patient_transfer_to;

-- Grants are unchanged. smd_in_scope (0001) stays defined; no policy calls it any more.
