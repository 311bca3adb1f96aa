-- Issue 14: a move-out (迁出) has an effective date, the day the patient left, given by
-- TransferOut (default: the day of the request). The metrics count the move from that day
-- (docs/rules.md "Dates of records"), not from the day the receiving side accepted it, so
-- a past move-out counts in the right period. Rows written before this migration keep NULL
-- and are read as the day of their decision (as before).
ALTER TABLE patient_transfer ADD COLUMN effective_date date;
-- The server's role already has SELECT, INSERT, UPDATE on the table (0001); the column is
-- written only on insert. Row-level security (0001) applies to the new column unchanged.
