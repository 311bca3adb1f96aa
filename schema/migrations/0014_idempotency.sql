-- 0014: idempotency keys (issue 11 item 10; docs/adr/0009-idempotency-keys.md).
--
-- A write that carries an `idempotency-key` records its reply here in the SAME transaction
-- as the write, so either both exist or neither. A retry with the same key by the same
-- user gets the stored reply instead of writing again. Rows are scoped per user (another
-- user's same key is another row) and purged after the retention (--idempotency-retention-
-- hours) by the server's housekeeping.
CREATE TABLE request_key (
  user_id        uuid NOT NULL REFERENCES app_user (id),
  key            text NOT NULL CHECK (key ~ '^[A-Za-z0-9._-]{16,128}$'),
  -- "/smd.v1.Service/Method" and SHA-256 of the method and the serialized request: the same
  -- key with another request is refused.
  method         text NOT NULL,
  request_hash   bytea NOT NULL CHECK (octet_length(request_hash) = 32),
  -- The caller's role and jurisdiction at the first call: a replay after either changed is
  -- refused rather than handing back data the caller may no longer see.
  role           smallint NOT NULL,
  jurisdiction   text NOT NULL,
  request_id     text NOT NULL,              -- the first call's x-request-id (audit link)
  patient_ids    uuid[] NOT NULL DEFAULT '{}',  -- named again by the replay's audit record
  -- The serialized reply, AES-256-GCM with associated data "request_key:<user_id>:<key>".
  -- NULL only inside the first call's own transaction (claimed, body still running).
  response_enc   bytea,
  created_at     timestamptz NOT NULL,
  PRIMARY KEY (user_id, key)
);
CREATE INDEX request_key_created ON request_key (created_at);

GRANT SELECT, INSERT, UPDATE, DELETE ON request_key TO smd_app;
