-- 0016: indexes for the audit list's method and outcome filters (AuditService.
-- ListAuditRecords, issue 13; store/audit_repository.cc audit.list).
--
-- The list is newest first by id with keyset pages (id < the page token). A filter on one
-- method (or one user name) walks that method's rows backwards by (method, id) instead of
-- every row by id; a filter on failures ("NOT_OK", or one failure code) walks the small
-- partial index of the rows whose outcome is not OK. Rows with outcome OK are the great majority, so the primary
-- key serves "OK" without an index of its own.
--
-- audit_log belongs to smd_audit once deploy/postgres/protect-audit.sql has run, and only
-- its owner can index it: on such a database run this migration as docs/security.md "Audit
-- guarantees" says for a migration that changes an audit object (grant smd_audit to the
-- migration role for the migration, then run roles.sql and protect-audit.sql again). The
-- indexes follow the table's owner. CREATE INDEX blocks inserts into audit_log while it
-- builds, so run it with the server stopped, as `migrate` is.
CREATE INDEX audit_log_method ON audit_log (method, id);
CREATE INDEX audit_log_username ON audit_log (username, id);
CREATE INDEX audit_log_not_ok ON audit_log (id) WHERE outcome <> 'OK';
