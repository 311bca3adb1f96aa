-- Cluster-wide roles for smd. Idempotent: run it on every deploy, as a superuser:
--   psql -X -v ON_ERROR_STOP=1 -d postgres -f deploy/postgres/roles.sql
--
-- Least privilege, three roles:
--   smd_owner  owns the database and every table except the audit trail's; runs
--              `smd-server migrate` (DDL). The server never connects as this role.
--   smd_audit  NOLOGIN. Owns the audit tables, their functions and the schema public once
--              deploy/postgres/protect-audit.sql has run (as a superuser, after each
--              migrate), so that smd_owner cannot disable the audit triggers, drop or alter
--              the audit tables, or replace their functions. Nobody logs in as it and no
--              role is a member of it; only a superuser can act as it.
--   smd_app    the server's runtime role (`smd-server serve`, `seed-demo`). It is NOT the
--              owner of anything and NOT BYPASSRLS, so every row-level-security policy
--              applies to it: a table owner (or a BYPASSRLS role) skips RLS, which is why
--              the runtime role must never own tables. It cannot create roles or
--              databases, and gets only the grants the migrations give it (no DDL).
-- No role is a superuser. No passwords are set here: the dev and test clusters use
-- trust over a private Unix socket; in production set a password (or use peer/cert auth)
-- out of band, never in this repository.

DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'smd_owner') THEN
    CREATE ROLE smd_owner LOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'smd_app') THEN
    CREATE ROLE smd_app LOGIN;
  END IF;
  IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'smd_audit') THEN
    CREATE ROLE smd_audit NOLOGIN;
  END IF;
  -- A member of smd_audit would hold the audit owner's powers: remove direct grants, and
  -- refuse indirect ones (through another role), which need a person to look at them.
  IF EXISTS (SELECT FROM pg_catalog.pg_auth_members m
              WHERE m.roleid = 'smd_audit'::regrole AND m.member = 'smd_owner'::regrole) THEN
    REVOKE smd_audit FROM smd_owner;
  END IF;
  IF EXISTS (SELECT FROM pg_catalog.pg_auth_members m
              WHERE m.roleid = 'smd_audit'::regrole AND m.member = 'smd_app'::regrole) THEN
    REVOKE smd_audit FROM smd_app;
  END IF;
  IF pg_catalog.pg_has_role('smd_owner', 'smd_audit', 'MEMBER')
     OR pg_catalog.pg_has_role('smd_app', 'smd_audit', 'MEMBER') THEN
    RAISE EXCEPTION 'smd_owner and smd_app must not be members of smd_audit';
  END IF;
  -- If smd_app could act as smd_owner it would own the tables and so bypass RLS.
  IF pg_catalog.pg_has_role('smd_app', 'smd_owner', 'MEMBER') THEN
    RAISE EXCEPTION 'smd_app must not be a member of smd_owner';
  END IF;
END
$$;

-- Enforce the attributes every time, also on roles that already existed.
ALTER ROLE smd_owner WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
ALTER ROLE smd_app   WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
ALTER ROLE smd_audit WITH NOLOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
  NOINHERIT;
