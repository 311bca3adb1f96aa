-- 0012: what the runtime role may do to the audit trail (issue 11, item 7; amendment to
-- docs/adr/0003-audit-chain.md, docs/security.md "Audit guarantees").
--
-- Before: smd_app could INSERT any column of audit_log (an explicit `tx` or `id` placed a
-- row behind the sealer, an old `at` backdated it), INSERT into audit_seal and
-- audit_checkpoint, and UPDATE audit_seal_state (move the sealer's watermark and hash).
-- After:
--   * smd_app inserts only the content columns of audit_log; `id` and `tx` come from their
--     defaults, and a trigger refuses an `at` more than 5 minutes from the database's clock;
--   * the chain is extended only by smd_audit_seal(), a definer function that seals the next
--     committed rows in (tx, id) order, computes their links itself and advances the state
--     consistently; checkpoints are stored only by smd_audit_checkpoint(), which accepts
--     exactly the sealer's current position, hash and watermark;
--   * smd_app has no INSERT, UPDATE or DELETE on audit_seal, audit_checkpoint or
--     audit_seal_state.
-- deploy/postgres/protect-audit.sql (run by a superuser after `migrate`) then gives the audit
-- tables and these functions to the NOLOGIN role smd_audit, out of smd_owner's reach.

DO $$
BEGIN
  -- The chain hashes the UTF-8 bytes of each field; smd_audit_canonical takes them as
  -- stored, so the database must store UTF-8 (deploy/postgres/create-db.sql does).
  IF pg_catalog.getdatabaseencoding() <> 'UTF8' THEN
    RAISE EXCEPTION 'the smd database must use the UTF8 encoding';
  END IF;
END $$;

-- 1. Rows: content columns only.
REVOKE INSERT ON audit_log FROM smd_app;
GRANT INSERT (at, user_id, username, role, jurisdiction, method, patient_ids, outcome, peer,
              request_id, detail) ON audit_log TO smd_app;

-- No backdated (or postdated) rows: `at` comes from the server's injected clock, which
-- must agree with the database's clock within 5 minutes (NTP; the server refuses to start
-- beyond 4). clock_timestamp(), not now(): a long transaction's audit row is written at its
-- end. The refusal names the constraint audit_log_at_near_db_clock, also in its message
-- (libpqxx 6.4 passes on only the message), so that store/errors.cc can tell the client
-- that the clocks differ rather than that some constraint refused the change.
CREATE FUNCTION smd_audit_check_time() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
  IF NEW.at < clock_timestamp() - interval '5 minutes'
     OR NEW.at > clock_timestamp() + interval '5 minutes' THEN
    RAISE EXCEPTION 'audit_log_at_near_db_clock: audit_log.at is more than 5 minutes away '
                    'from the database clock'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'audit_log_at_near_db_clock',
            HINT = 'The smd server''s clock and the database server''s clock differ: check NTP.';
  END IF;
  RETURN NEW;
END $$;
CREATE TRIGGER audit_log_time_guard BEFORE INSERT ON audit_log
  FOR EACH ROW EXECUTE FUNCTION smd_audit_check_time();

-- The trigger functions resolve names through pg_catalog only, so an object created in
-- public cannot stand in for a built-in they call.
ALTER FUNCTION smd_audit_append_only() SET search_path = pg_catalog;

-- 2. The canonical row in SQL: byte for byte crypto::CanonicalAuditRow
-- (server/crypto/audit_chain.cc). The bodies are SQL-standard (RETURN ...), so every name in
-- them is bound when the function is created, not looked up when it runs.
CREATE FUNCTION smd_audit_field(v text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  RETURN pg_catalog.octet_length(v)::text || ':' || v || ';';

CREATE FUNCTION smd_audit_canonical(p_id bigint, p_tx xid8, p_at timestamptz, p_user_id uuid,
                                    p_username text, p_role smallint, p_jurisdiction text,
                                    p_method text, p_patient_ids uuid[], p_outcome text,
                                    p_peer text, p_request_id text, p_detail text)
  RETURNS bytea LANGUAGE sql STABLE PARALLEL SAFE
  RETURN pg_catalog.convert_to(
    'smd-audit-v1;'
    || smd_audit_field(p_id::text)
    || smd_audit_field(p_tx::text)
    || smd_audit_field(((extract(epoch FROM p_at) * 1000000)::bigint)::text)
    || smd_audit_field(coalesce(p_user_id::text, ''))
    || smd_audit_field(p_username)
    || smd_audit_field(p_role::text)
    || smd_audit_field(p_jurisdiction)
    || smd_audit_field(p_method)
    || smd_audit_field(pg_catalog.array_to_string(p_patient_ids, ','))
    || smd_audit_field(p_outcome)
    || smd_audit_field(p_peer)
    || smd_audit_field(p_request_id)
    || smd_audit_field(p_detail),
    'UTF8');

-- 3. Sealing. One pass: lock the state, take the snapshot's xmin (every transaction below it
-- has finished, so the committed rows with tx < xmin are final), seal up to p_max of them
-- after the last sealed row in (tx, id) order, and advance the watermark to xmin only when
-- none is left below it. The caller (store::SealPending) holds the advisory lock
-- 'smd_seal'; the row lock on the state serialises any other caller as well.
-- Returns the state after the pass and the newest checkpoint (all NULL when there is none):
-- its position and time for the caller's decision to sign one, the rest for the anchor file,
-- so the sealer needs no second query.
CREATE FUNCTION smd_audit_seal(p_max integer)
  RETURNS TABLE (sealed integer, last_position bigint, last_hash bytea, watermark xid8,
                 checkpoint_position bigint, checkpoint_at timestamptz, checkpoint_hash bytea,
                 checkpoint_watermark xid8, checkpoint_signature bytea)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
  st public.audit_seal_state%ROWTYPE;
  v_xmin xid8;
  v_tx xid8;
  v_id bigint;
  v_pos bigint;
  v_hash bytea;
  n integer := 0;
  r record;
  positions bigint[] := '{}';
  ids bigint[] := '{}';
  hashes bytea[] := '{}';
BEGIN
  IF p_max IS NULL OR p_max < 1 OR p_max > 10000 THEN
    RAISE EXCEPTION 'p_max must be between 1 and 10000' USING ERRCODE = 'invalid_parameter_value';
  END IF;
  SELECT * INTO STRICT st FROM public.audit_seal_state FOR UPDATE;
  v_xmin := pg_snapshot_xmin(pg_current_snapshot());
  -- The cursor: the last sealed row. Rows of finished transactions are sealed in (tx, id)
  -- order, so nothing unsealed and final lies before it.
  SELECT a.tx, a.id INTO v_tx, v_id
    FROM public.audit_seal s JOIN public.audit_log a ON a.id = s.audit_id
   WHERE s.position = st.last_position;
  IF NOT FOUND THEN
    v_tx := '0'::xid8;
    v_id := 0;
  END IF;
  v_pos := st.last_position;
  v_hash := st.last_hash;
  FOR r IN
    SELECT a.* FROM public.audit_log a
     WHERE (a.tx, a.id) > (v_tx, v_id) AND a.tx >= st.watermark AND a.tx < v_xmin
     ORDER BY a.tx, a.id
     LIMIT p_max
  LOOP
    v_hash := sha256(v_hash || public.smd_audit_canonical(
      r.id, r.tx, r.at, r.user_id, r.username, r.role, r.jurisdiction, r.method,
      r.patient_ids, r.outcome, r.peer, r.request_id, r.detail));
    v_pos := v_pos + 1;
    n := n + 1;
    positions := positions || v_pos;
    ids := ids || r.id;
    hashes := hashes || v_hash;
  END LOOP;
  IF n > 0 THEN
    INSERT INTO public.audit_seal (position, audit_id, hash)
      SELECT * FROM unnest(positions, ids, hashes);
  END IF;
  UPDATE public.audit_seal_state
     SET watermark = CASE WHEN n < p_max THEN greatest(st.watermark, v_xmin) ELSE st.watermark END,
         last_position = v_pos,
         last_hash = v_hash;
  RETURN QUERY
    SELECT n, v_pos, v_hash, s.watermark, c.position, c.signed_at, c.hash, c.watermark,
           c.signature
      FROM public.audit_seal_state s
      LEFT JOIN LATERAL (SELECT k.position, k.signed_at, k.hash, k.watermark, k.signature
                           FROM public.audit_checkpoint k
                          ORDER BY k.position DESC LIMIT 1) c ON true;
END $$;

-- Stores a signed checkpoint of exactly the current state. The signature itself cannot be
-- checked here (the database has no Ed25519); verification does that.
CREATE FUNCTION smd_audit_checkpoint(p_position bigint, p_hash bytea, p_watermark xid8,
                                     p_signed_at timestamptz, p_public_key bytea,
                                     p_signature bytea) RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE
  st public.audit_seal_state%ROWTYPE;
BEGIN
  SELECT * INTO STRICT st FROM public.audit_seal_state FOR UPDATE;
  IF p_position IS DISTINCT FROM st.last_position OR p_hash IS DISTINCT FROM st.last_hash
     OR p_watermark IS DISTINCT FROM st.watermark OR p_position < 1 THEN
    RAISE EXCEPTION 'checkpoint does not match the sealer state' USING ERRCODE = 'check_violation';
  END IF;
  IF EXISTS (SELECT 1 FROM public.audit_checkpoint k WHERE k.position >= p_position) THEN
    RAISE EXCEPTION 'checkpoint is not newer than the last one' USING ERRCODE = 'check_violation';
  END IF;
  IF octet_length(p_public_key) IS DISTINCT FROM 32 OR octet_length(p_signature) IS DISTINCT FROM 64
     OR p_signed_at IS NULL THEN
    RAISE EXCEPTION 'malformed checkpoint' USING ERRCODE = 'check_violation';
  END IF;
  -- The same clock guard as smd_audit_check_time, with the same name.
  IF p_signed_at < clock_timestamp() - interval '5 minutes'
     OR p_signed_at > clock_timestamp() + interval '5 minutes' THEN
    RAISE EXCEPTION 'audit_log_at_near_db_clock: the checkpoint''s time is more than 5 minutes '
                    'away from the database clock'
      USING ERRCODE = 'check_violation', CONSTRAINT = 'audit_log_at_near_db_clock',
            HINT = 'The smd server''s clock and the database server''s clock differ: check NTP.';
  END IF;
  INSERT INTO public.audit_checkpoint (position, hash, watermark, signed_at, public_key, signature)
    VALUES (p_position, p_hash, p_watermark, p_signed_at, p_public_key, p_signature);
END $$;

-- 4. Grants: the chain and the sealer state change only through the two functions.
REVOKE INSERT ON audit_seal, audit_checkpoint FROM smd_app;
REVOKE UPDATE ON audit_seal_state FROM smd_app;
REVOKE ALL ON FUNCTION smd_audit_seal(integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION smd_audit_checkpoint(bigint, bytea, xid8, timestamptz, bytea, bytea)
  FROM PUBLIC;
GRANT EXECUTE ON FUNCTION smd_audit_seal(integer) TO smd_app;
GRANT EXECUTE ON FUNCTION smd_audit_checkpoint(bigint, bytea, xid8, timestamptz, bytea, bytea)
  TO smd_app;

-- Sealing finds the next rows by (tx, id) from the last sealed one (audit_log_tx), and
-- verification reads the newest checkpoint by position (the primary key): no new index.
