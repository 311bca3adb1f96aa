-- 0001: the server spine. Regions, users and sessions, the patient register with its
-- transfers, and the audit trail with its hash chain.
--
-- Runs as the schema owner (smd_owner). The server runs as smd_app, which owns nothing,
-- is not BYPASSRLS, and gets only the grants at the end of this file
-- (docs/security.md "Database privileges").

-- Regions (rules.md §9): district (6 digits) > street (9) > community (12).
CREATE TABLE region (
  code        text PRIMARY KEY CHECK (code ~ '^[0-9]{6}([0-9]{3}){0,2}$'),
  name        text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 50),
  level       smallint NOT NULL CHECK (level IN (1, 2, 3)),
  parent_code text REFERENCES region (code),
  updated_at  timestamptz NOT NULL,
  CHECK ((level = 1) = (parent_code IS NULL)),
  CHECK (level = 1 OR left(code, char_length(code) - 3) = parent_code),
  CHECK (char_length(code) = 3 + 3 * level)
);
CREATE INDEX region_parent ON region (parent_code);

-- 常住人口 per region and year, entered by administrators (rules.md decisions).
CREATE TABLE region_population (
  code      text NOT NULL REFERENCES region (code),
  year      integer NOT NULL CHECK (year BETWEEN 1990 AND 2200),
  residents bigint NOT NULL CHECK (residents >= 0),
  PRIMARY KEY (code, year)
);

CREATE TABLE app_user (
  id             uuid PRIMARY KEY,
  username       text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9_.-]{3,64}$'),
  display_name   text NOT NULL CHECK (char_length(display_name) BETWEEN 1 AND 50),
  password_hash  text NOT NULL,
  role           smallint NOT NULL CHECK (role BETWEEN 1 AND 8),
  jurisdiction   text NOT NULL REFERENCES region (code),
  disabled       boolean NOT NULL DEFAULT false,
  failed_logins  integer NOT NULL DEFAULT 0,
  locked_until   timestamptz,
  created_at     timestamptz NOT NULL,
  created_by     uuid REFERENCES app_user (id),
  updated_at     timestamptz NOT NULL
);
CREATE INDEX app_user_jurisdiction ON app_user (jurisdiction, username);

-- Sessions: the token itself is never stored, only its SHA-256 (docs/adr/0002).
CREATE TABLE session (
  id           uuid PRIMARY KEY,
  token_hash   bytea NOT NULL UNIQUE,
  user_id      uuid NOT NULL REFERENCES app_user (id),
  created_at   timestamptz NOT NULL,
  expires_at   timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  revoked_at   timestamptz
);
CREATE INDEX session_by_user ON session (user_id) WHERE revoked_at IS NULL;

-- The patient register (个人信息补充表, rules.md §7). Columns ending in _enc are
-- AES-256-GCM ciphertexts with the row id as associated data; _index columns are keyed
-- HMAC blind indexes for exact lookup (docs/security.md "Identifiers at rest").
CREATE TABLE patient (
  id                       uuid PRIMARY KEY,
  id_number_enc            bytea NOT NULL,
  id_number_index          bytea NOT NULL,
  name_enc                 bytea NOT NULL,
  name_index               bytea NOT NULL,
  phone_enc                bytea NOT NULL,
  address_enc              bytea NOT NULL,
  guardian_name_enc        bytea NOT NULL,
  guardian_address_enc     bytea NOT NULL,
  guardian_phone_enc       bytea NOT NULL,
  guardian_relationship    text NOT NULL,
  sex                      smallint NOT NULL CHECK (sex BETWEEN 0 AND 2),
  birth_date               date NOT NULL,
  jurisdiction             text NOT NULL REFERENCES region (code)
                             CHECK (char_length(jurisdiction) = 12),
  community_contact_name   text NOT NULL DEFAULT '',
  community_contact_phone  text NOT NULL DEFAULT '',
  consent                  boolean NOT NULL,
  consent_date             date,
  consent_signer           text NOT NULL DEFAULT '',
  diagnosis                smallint NOT NULL CHECK (diagnosis BETWEEN 1 AND 6),
  icd10                    text NOT NULL,
  diagnosing_hospital      text NOT NULL DEFAULT '',
  diagnosis_date           date,
  onset_year               smallint NOT NULL DEFAULT 0,
  onset_month              smallint NOT NULL DEFAULT 0,
  onset_day                smallint NOT NULL DEFAULT 0,
  past_symptoms            smallint[] NOT NULL DEFAULT '{}',
  past_symptoms_other      text NOT NULL DEFAULT '',
  past_lockup              smallint NOT NULL DEFAULT 0,
  outpatient               smallint NOT NULL DEFAULT 0,
  first_antipsychotic_date date,
  hospitalizations         integer NOT NULL DEFAULT 0,
  last_treatment_effect    smallint NOT NULL DEFAULT 0,
  past_minor_trouble       integer NOT NULL DEFAULT 0,
  past_trouble             integer NOT NULL DEFAULT 0,
  past_accident            integer NOT NULL DEFAULT 0,
  past_other_harm          integer NOT NULL DEFAULT 0,
  past_self_harm           integer NOT NULL DEFAULT 0,
  past_attempted_suicide   integer NOT NULL DEFAULT 0,
  economic                 smallint NOT NULL DEFAULT 0,
  specialist_opinion       text NOT NULL DEFAULT '',
  poverty_relief           boolean NOT NULL DEFAULT false,
  guardianship_subsidy     boolean NOT NULL DEFAULT false,
  disability_certificate   boolean NOT NULL DEFAULT false,
  community_rehab          boolean NOT NULL DEFAULT false,
  status                   smallint NOT NULL DEFAULT 1 CHECK (status BETWEEN 1 AND 5),
  risk_level               smallint NOT NULL DEFAULT -1 CHECK (risk_level BETWEEN -1 AND 5),
  classification           smallint NOT NULL DEFAULT 0 CHECK (classification BETWEEN 0 AND 3),
  closed_date              date,
  close_reason             text NOT NULL DEFAULT '',
  death_cause              smallint NOT NULL DEFAULT 0,
  transfer_to              text NOT NULL DEFAULT '',
  version                  bigint NOT NULL DEFAULT 1,
  registered_at            timestamptz NOT NULL,
  registered_by            uuid NOT NULL REFERENCES app_user (id),
  updated_at               timestamptz NOT NULL,
  -- The same person cannot be registered twice anywhere (GB 11643 number, via its index).
  CONSTRAINT patient_id_number_unique UNIQUE (id_number_index)
);
-- Keyset pagination of searches: (jurisdiction prefix, registered_at, id).
CREATE INDEX patient_jurisdiction ON patient (jurisdiction text_pattern_ops, registered_at, id);
CREATE INDEX patient_name_index ON patient (name_index);
CREATE INDEX patient_pending_transfer ON patient (transfer_to text_pattern_ops) WHERE transfer_to <> '';

-- 迁出/迁入 history (rules.md §5.1 迁出).
CREATE TABLE patient_transfer (
  id                uuid PRIMARY KEY,
  patient_id        uuid NOT NULL REFERENCES patient (id),
  from_jurisdiction text NOT NULL,
  to_jurisdiction   text NOT NULL,
  status            smallint NOT NULL CHECK (status BETWEEN 1 AND 4),
  reason            text NOT NULL DEFAULT '',
  requested_by      uuid NOT NULL REFERENCES app_user (id),
  requested_at      timestamptz NOT NULL,
  decided_by        uuid REFERENCES app_user (id),
  decided_at        timestamptz,
  decision_note     text NOT NULL DEFAULT ''
);
CREATE INDEX patient_transfer_patient ON patient_transfer (patient_id, requested_at);
CREATE INDEX patient_transfer_from ON patient_transfer (from_jurisdiction text_pattern_ops);
CREATE INDEX patient_transfer_to ON patient_transfer (to_jurisdiction text_pattern_ops);

-- Row-level security, the second line of defence behind the application's own checks.
-- Each transaction that touches patient rows runs SET LOCAL smd.scope = '<caller's region
-- code>'. Unset or empty scope sees nothing (NULLIF turns '' into NULL, and
-- starts_with(x, NULL) is NULL, i.e. false).
CREATE FUNCTION smd_in_scope(code text) RETURNS boolean
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$ SELECT starts_with(code, NULLIF(current_setting('smd.scope', true), '')) $$;

ALTER TABLE patient ENABLE ROW LEVEL SECURITY;
CREATE POLICY patient_scope ON patient
  USING (smd_in_scope(jurisdiction) OR (transfer_to <> '' AND smd_in_scope(transfer_to)))
  WITH CHECK (smd_in_scope(jurisdiction) OR (transfer_to <> '' AND smd_in_scope(transfer_to)));

ALTER TABLE patient_transfer ENABLE ROW LEVEL SECURITY;
CREATE POLICY patient_transfer_scope ON patient_transfer
  USING (smd_in_scope(from_jurisdiction) OR smd_in_scope(to_jurisdiction))
  WITH CHECK (smd_in_scope(from_jurisdiction) OR smd_in_scope(to_jurisdiction));

-- Duplicate registration anywhere must name the holding jurisdiction, which the caller's
-- row-level scope cannot see. This definer function reveals only that code.
CREATE FUNCTION smd_patient_holder(index_value bytea) RETURNS text
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
  AS $$ SELECT jurisdiction FROM patient WHERE id_number_index = index_value $$;
REVOKE ALL ON FUNCTION smd_patient_holder(bytea) FROM PUBLIC;

-- Tells a denied caller apart from a wrong id (PERMISSION_DENIED, audited, vs NOT_FOUND)
-- by revealing only the jurisdiction code of an existing patient id.
CREATE FUNCTION smd_patient_jurisdiction(p_id uuid) RETURNS text
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
  AS $$ SELECT jurisdiction FROM patient WHERE id = p_id $$;
REVOKE ALL ON FUNCTION smd_patient_jurisdiction(uuid) FROM PUBLIC;

-- The audit trail (docs/adr/0003-audit-chain.md). Rows are written by the transaction
-- that does the access. `tx` is that transaction's id: the sealer chains rows in
-- (tx, id) order once every transaction below its watermark has finished, so sealing
-- never serialises the RPCs that write audit rows.
CREATE TABLE audit_log (
  id           bigserial PRIMARY KEY,
  tx           xid8 NOT NULL DEFAULT pg_current_xact_id(),
  at           timestamptz NOT NULL,
  user_id      uuid,
  username     text NOT NULL DEFAULT '',
  role         smallint NOT NULL DEFAULT 0,
  jurisdiction text NOT NULL DEFAULT '',
  method       text NOT NULL,
  patient_ids  uuid[] NOT NULL DEFAULT '{}',
  outcome      text NOT NULL,
  peer         text NOT NULL DEFAULT '',
  request_id   text NOT NULL DEFAULT '',
  detail       text NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_tx ON audit_log (tx, id);
CREATE INDEX audit_log_patients ON audit_log USING gin (patient_ids);
CREATE INDEX audit_log_user ON audit_log (user_id, id);
CREATE INDEX audit_log_at ON audit_log (at, id);

-- Chain links: position 1, 2, ... in (tx, id) order; hash = SHA-256(prev || row).
CREATE TABLE audit_seal (
  position bigint PRIMARY KEY CHECK (position > 0),
  audit_id bigint NOT NULL UNIQUE REFERENCES audit_log (id),
  hash     bytea NOT NULL
);

-- Signed checkpoints (Ed25519 over position, hash and watermark).
CREATE TABLE audit_checkpoint (
  position   bigint PRIMARY KEY REFERENCES audit_seal (position),
  hash       bytea NOT NULL,
  watermark  xid8 NOT NULL,
  signed_at  timestamptz NOT NULL,
  public_key bytea NOT NULL,
  signature  bytea NOT NULL
);

-- The sealer's progress: every audit row with tx < watermark is sealed.
CREATE TABLE audit_seal_state (
  singleton     boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  watermark     xid8 NOT NULL,
  last_position bigint NOT NULL,
  last_hash     bytea NOT NULL
);
INSERT INTO audit_seal_state VALUES (true, '0'::xid8, 0, '\x0000000000000000000000000000000000000000000000000000000000000000');

-- Append-only, also against the owner: updates and deletes raise. A superuser can still
-- bypass triggers; that is what the hash chain and signed checkpoints are for.
CREATE FUNCTION smd_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'audit tables are append-only' USING ERRCODE = 'insufficient_privilege';
END $$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
  FOR EACH ROW EXECUTE FUNCTION smd_audit_append_only();
CREATE TRIGGER audit_seal_append_only BEFORE UPDATE OR DELETE ON audit_seal
  FOR EACH ROW EXECUTE FUNCTION smd_audit_append_only();
CREATE TRIGGER audit_checkpoint_append_only BEFORE UPDATE OR DELETE ON audit_checkpoint
  FOR EACH ROW EXECUTE FUNCTION smd_audit_append_only();
CREATE TRIGGER audit_truncate_guard BEFORE TRUNCATE ON audit_log
  FOR EACH STATEMENT EXECUTE FUNCTION smd_audit_append_only();

-- Least privilege for the runtime role.
REVOKE ALL ON ALL TABLES IN SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO smd_app;
GRANT SELECT, INSERT, UPDATE ON region, region_population TO smd_app;
GRANT SELECT, INSERT, UPDATE ON app_user TO smd_app;
GRANT SELECT, INSERT, UPDATE ON session TO smd_app;
GRANT SELECT, INSERT, UPDATE ON patient, patient_transfer TO smd_app;
GRANT SELECT, INSERT ON audit_log, audit_seal, audit_checkpoint TO smd_app;
GRANT SELECT, UPDATE ON audit_seal_state TO smd_app;
GRANT USAGE ON SEQUENCE audit_log_id_seq TO smd_app;
GRANT EXECUTE ON FUNCTION smd_patient_holder(bytea) TO smd_app;
GRANT EXECUTE ON FUNCTION smd_patient_jurisdiction(uuid) TO smd_app;

-- A refused 迁入 returns the patient to the sending jurisdiction, a row the refusing
-- side may not write under its row-level scope. This definer function does exactly that
-- one change, and only for a pending transfer addressed to the caller's scope.
CREATE FUNCTION smd_refuse_transfer(p_transfer uuid, p_user uuid, p_at timestamptz, p_note text)
  RETURNS boolean
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
  t patient_transfer%ROWTYPE;
BEGIN
  SELECT * INTO t FROM patient_transfer WHERE id = p_transfer AND status = 1 FOR UPDATE;
  IF NOT FOUND OR NOT smd_in_scope(t.to_jurisdiction) THEN
    RETURN false;
  END IF;
  UPDATE patient_transfer
     SET status = 3, decided_by = p_user, decided_at = p_at, decision_note = p_note
   WHERE id = p_transfer;
  UPDATE patient
     SET status = 1, transfer_to = '', version = version + 1, updated_at = p_at
   WHERE id = t.patient_id;
  RETURN true;
END $$;
REVOKE ALL ON FUNCTION smd_refuse_transfer(uuid, uuid, timestamptz, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION smd_refuse_transfer(uuid, uuid, timestamptz, text) TO smd_app;
