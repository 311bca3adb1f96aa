-- Cluster-wide roles for smd. Idempotent: run it on every deploy, as a superuser:
--   psql -X -v ON_ERROR_STOP=1 -d postgres -f deploy/postgres/roles.sql
--
-- Least privilege, two roles:
--   smd_owner  owns the database, the schema and every table; runs `smd-server migrate`
--              (DDL). The server never connects as this role.
--   smd_app    the server's runtime role (`smd-server serve`, `seed-demo`). It is NOT the
--              owner of anything and NOT BYPASSRLS, so every row-level-security policy
--              applies to it: a table owner (or a BYPASSRLS role) skips RLS, which is why
--              the runtime role must never own tables. It cannot create roles or
--              databases, and gets only the grants the migrations give it (no DDL).
-- Neither role is a superuser. No passwords are set here: the dev and test clusters use
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
  -- If smd_app could act as smd_owner it would own the tables and so bypass RLS.
  IF pg_catalog.pg_has_role('smd_app', 'smd_owner', 'MEMBER') THEN
    RAISE EXCEPTION 'smd_app must not be a member of smd_owner';
  END IF;
END
$$;

-- Enforce the attributes every time, also on roles that already existed.
ALTER ROLE smd_owner WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
ALTER ROLE smd_app   WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
