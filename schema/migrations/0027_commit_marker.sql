-- 0027: commit markers, to tell after a failover whether a cut-off COMMIT committed
-- (docs/adr/0013-ha-pg-auto-failover.md "Commits cut off by a failover";
-- store/internal/commit_marker.h).
--
-- With --db-failover-wait-ms (high availability) every transaction that wrote inserts one
-- row here just before its COMMIT: a random token the server keeps. When the COMMIT is cut
-- off (the primary dies or a switchover stops it while the commit waits for the standby),
-- the server asks the database its next connection reaches whether the token is there.
-- The transaction id alone cannot tell: a transaction whose WAL never reached the standby
-- leaves its id unused on the promoted node, which hands the same id to the next
-- transaction there, so pg_xact_status(id) can answer "committed" for another
-- transaction's commit (an acknowledged write was lost that way in the ha_failover test).
-- A row holding the token exists only if that very transaction committed.
--
-- The rows are needed for seconds; the server's housekeeping deletes those older than an
-- hour. No patient data; no row-level security (the token is random and says nothing).
CREATE TABLE commit_marker (
  token      uuid PRIMARY KEY,
  written_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX commit_marker_written_at ON commit_marker (written_at);

GRANT SELECT, INSERT, DELETE ON commit_marker TO smd_app;
