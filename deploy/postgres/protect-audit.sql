-- Puts the audit trail out of reach of smd_owner, the role migrations run as. Idempotent.
-- Run as a superuser on the smd database after roles.sql and after every
-- `smd-server migrate`:
--   psql -X -v ON_ERROR_STOP=1 -d smd -f deploy/postgres/protect-audit.sql
-- Safe on a live system: one transaction that changes only what is not yet owned by
-- smd_audit (a re-run changes nothing and takes no table lock), and that gives up after 5 s
-- waiting for a lock (ALTER TABLE ... OWNER waits for running calls on that table, and every
-- call behind it would wait too); then nothing has changed, and it can simply be run again.
--
-- The audit tables (audit_*), the audit functions (smd_audit_*) and the schema public are
-- given to smd_audit, a NOLOGIN role nobody is a member of (roles.sql). smd_owner keeps
-- USAGE and CREATE on public, so migrations still create and change its own tables. It can no
-- longer: disable or drop the audit triggers, alter, truncate or drop the audit tables,
-- replace the audit functions (the append-only trigger, the sealer), grant rights on them,
-- or drop them as the schema's owner. What it can still do, as the database's owner, is
-- drop the whole database; verification against the anchor file then reports the missing
-- chain. A migration that must change an audit object needs a superuser (docs/security.md,
-- "Audit guarantees"); `smd-server serve` logs a warning while this script has not run.

BEGIN;
SET LOCAL lock_timeout = '5s';

DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'smd_audit') THEN
    RAISE EXCEPTION 'role smd_audit is missing: run deploy/postgres/roles.sql first';
  END IF;
  IF pg_catalog.to_regclass('public.audit_log') IS NULL THEN
    RAISE EXCEPTION 'no audit tables in this database: run smd-server migrate first';
  END IF;
END
$$;

DO $$
DECLARE
  obj record;
BEGIN
  -- Tables (with their indexes, triggers and the id sequence, which follow the table).
  FOR obj IN
    SELECT c.oid::regclass AS name FROM pg_catalog.pg_class c
     WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
       AND c.relname LIKE 'audit\_%' AND c.relowner <> 'smd_audit'::regrole
  LOOP
    EXECUTE pg_catalog.format('ALTER TABLE %s OWNER TO smd_audit', obj.name);
  END LOOP;
  -- Functions: the trigger functions, the canonical row, the sealer and the checkpoint.
  FOR obj IN
    SELECT p.oid::regprocedure AS name FROM pg_catalog.pg_proc p
     WHERE p.pronamespace = 'public'::regnamespace AND p.proname LIKE 'smd\_audit\_%'
       AND p.proowner <> 'smd_audit'::regrole
  LOOP
    EXECUTE pg_catalog.format('ALTER FUNCTION %s OWNER TO smd_audit', obj.name);
  END LOOP;
  -- The schema's owner may drop any object in it; smd_owner must not be that owner. It
  -- keeps USAGE and CREATE, so that migrations still create and change its own tables.
  IF (SELECT n.nspowner FROM pg_catalog.pg_namespace n WHERE n.nspname = 'public')
     <> 'smd_audit'::regrole THEN
    ALTER SCHEMA public OWNER TO smd_audit;
  END IF;
  IF (SELECT count(DISTINCT a.privilege_type)
        FROM pg_catalog.pg_namespace n, pg_catalog.aclexplode(n.nspacl) a
       WHERE n.nspname = 'public' AND a.grantee = 'smd_owner'::regrole
         AND a.privilege_type IN ('USAGE', 'CREATE')) < 2 THEN
    GRANT USAGE, CREATE ON SCHEMA public TO smd_owner;
  END IF;
END
$$;

COMMIT;
