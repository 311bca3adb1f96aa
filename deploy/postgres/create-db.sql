-- Creates the smd database owned by smd_owner, if missing. Idempotent. Run as a superuser
-- after roles.sql:
--   psql -X -v ON_ERROR_STOP=1 -d postgres -f deploy/postgres/create-db.sql
-- The tables themselves come from `smd-server migrate`, run as smd_owner.

SELECT 'CREATE DATABASE smd OWNER smd_owner ENCODING ''UTF8'' TEMPLATE template0'
WHERE NOT EXISTS (SELECT FROM pg_catalog.pg_database WHERE datname = 'smd')
\gexec

-- Only smd_owner (the database's owner) and smd_app may connect; PUBLIC gets CONNECT and
-- TEMP by default. smd_audit is NOLOGIN (roles.sql).
REVOKE ALL ON DATABASE smd FROM PUBLIC;
GRANT CONNECT ON DATABASE smd TO smd_app;

\connect smd
-- PostgreSQL 15 already does this for new databases; say it anyway. In a new database the
-- public schema is owned by pg_database_owner, i.e. smd_owner, so the first `migrate` can
-- create in it; deploy/postgres/protect-audit.sql (run after every migrate) then gives it
-- to smd_audit and grants smd_owner USAGE and CREATE on it instead.
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
