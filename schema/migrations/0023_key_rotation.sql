-- 0023: key rotation without downtime (issue 16 item 3; docs/adr/0016-key-rotation.md,
-- docs/operations.md "Key rotation").
--
-- The keys live only in the server's key file, so the database cannot re-encrypt; the
-- server does (`smd-server keys reencrypt`), online, in small batches. Every ciphertext
-- already names its field key (byte 1 of the blob, crypto/field_cipher.h), so rows still
-- under an older key are found by reading that byte; nothing is added to the encrypted
-- tables. This file adds what the blobs do not carry and what the server's role may not do
-- itself.

-- 1. The blind-index key of each patient's two indexes (id_number_index, name_index). An
--    HMAC does not say which key made it. Rows before this migration were all made with the
--    only key there was, id 1 (the key file's index_key_id defaults to 1).
ALTER TABLE patient ADD COLUMN index_key_id smallint NOT NULL DEFAULT 1
  CONSTRAINT patient_index_key_id_range CHECK (index_key_id BETWEEN 1 AND 255);

-- 2. Where an interrupted pass resumes: per kind ('field', 'blind-index'), table and scope
--    (a region root, as for app::CipherUpgrade), the last row id done for a target key.
--    A pass for another target key starts over. Only a shortcut: a pass that starts from
--    the beginning finds the same rows (those not under the target key) anyway.
CREATE TABLE key_rotation_cursor (
  kind           text NOT NULL CHECK (kind IN ('field', 'blind-index')),
  table_name     text NOT NULL,
  scope          text NOT NULL,
  target_key_id  smallint NOT NULL CHECK (target_key_id BETWEEN 1 AND 255),
  after_id       text NOT NULL,
  rows_done      bigint NOT NULL DEFAULT 0,
  updated_at     timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (kind, table_name, scope)
);
GRANT SELECT, INSERT, UPDATE, DELETE ON key_rotation_cursor TO smd_app;

-- 3. Re-encryption of one cell of a table the server's role may not update (emergency,
--    discharge, health_check, alert, rehab_session, psych_support are append-only for
--    smd_app) or should not update wholesale. Replaces the cell only if it still holds
--    p_old (a concurrent write wins) and only with a blob under ANOTHER key id (byte 1),
--    so this cannot be used to put back an older ciphertext under the same key. The
--    table and column come from a fixed list. p_key is the second key column of
--    request_key (NULL elsewhere). True when the cell was replaced.
CREATE FUNCTION smd_rewrap_cell(p_table text, p_column text, p_id uuid, p_key text,
                                p_old bytea, p_new bytea) RETURNS boolean
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
DECLARE
  n integer;
BEGIN
  IF (p_table, p_column) NOT IN (
       ('patient', 'id_number_enc'), ('patient', 'name_enc'), ('patient', 'phone_enc'),
       ('patient', 'address_enc'), ('patient', 'guardian_name_enc'),
       ('patient', 'guardian_address_enc'), ('patient', 'guardian_phone_enc'),
       ('patient_transfer', 'reason_enc'), ('patient_transfer', 'decision_note_enc'),
       ('followup', 'form_enc'), ('emergency', 'details_enc'), ('referral', 'details_enc'),
       ('discharge', 'details_enc'), ('health_check', 'details_enc'),
       ('care_team_member', 'contact_enc'), ('alert', 'snapshot_enc'),
       ('rehab_session', 'details_enc'), ('psych_support', 'details_enc'),
       ('request_key', 'response_enc')) THEN
    RAISE EXCEPTION 'not an encrypted cell: %.%', p_table, p_column
      USING ERRCODE = 'invalid_parameter_value';
  END IF;
  IF p_old IS NULL OR p_new IS NULL OR octet_length(p_new) < 30
     OR get_byte(p_new, 0) <> get_byte(p_old, 0) OR get_byte(p_new, 1) = get_byte(p_old, 1) THEN
    RAISE EXCEPTION 'a re-encrypted cell must be a blob under another key id'
      USING ERRCODE = 'check_violation';
  END IF;
  IF p_table = 'request_key' THEN
    UPDATE request_key SET response_enc = p_new
     WHERE user_id = p_id AND key = p_key AND response_enc = p_old;
  ELSE
    EXECUTE format('UPDATE %I SET %I = $1 WHERE id = $2 AND %I = $3', p_table, p_column,
                   p_column)
      USING p_new, p_id, p_old;
  END IF;
  GET DIAGNOSTICS n = ROW_COUNT;
  RETURN n = 1;
END $$;
REVOKE ALL ON FUNCTION smd_rewrap_cell(text, text, uuid, text, bytea, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION smd_rewrap_cell(text, text, uuid, text, bytea, bytea) TO smd_app;

-- 4. Usage counts, across every jurisdiction (a definer, so row-level security does not
--    hide rows): how many cells each field key id encrypts, and how many patients' indexes
--    each index key id made. A key is retired only when its count is 0. Counts only: no
--    value, no id leaves the function.
CREATE FUNCTION smd_field_key_usage()
  RETURNS TABLE (table_name text, column_name text, key_id integer, cells bigint)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT t, c, get_byte(v, 1), count(*) FROM (
    SELECT 'patient' AS t, x.c, x.v FROM patient,
      LATERAL (VALUES ('id_number_enc', id_number_enc), ('name_enc', name_enc),
                      ('phone_enc', phone_enc), ('address_enc', address_enc),
                      ('guardian_name_enc', guardian_name_enc),
                      ('guardian_address_enc', guardian_address_enc),
                      ('guardian_phone_enc', guardian_phone_enc)) AS x(c, v)
    UNION ALL SELECT 'patient_transfer', x.c, x.v FROM patient_transfer,
      LATERAL (VALUES ('reason_enc', reason_enc),
                      ('decision_note_enc', decision_note_enc)) AS x(c, v)
    UNION ALL SELECT 'followup', 'form_enc', form_enc FROM followup
    UNION ALL SELECT 'emergency', 'details_enc', details_enc FROM emergency
    UNION ALL SELECT 'referral', 'details_enc', details_enc FROM referral
    UNION ALL SELECT 'discharge', 'details_enc', details_enc FROM discharge
    UNION ALL SELECT 'health_check', 'details_enc', details_enc FROM health_check
    UNION ALL SELECT 'care_team_member', 'contact_enc', contact_enc FROM care_team_member
    UNION ALL SELECT 'alert', 'snapshot_enc', snapshot_enc FROM alert
    UNION ALL SELECT 'rehab_session', 'details_enc', details_enc FROM rehab_session
    UNION ALL SELECT 'psych_support', 'details_enc', details_enc FROM psych_support
    UNION ALL SELECT 'request_key', 'response_enc', response_enc FROM request_key
  ) cells(t, c, v)
  WHERE v IS NOT NULL AND octet_length(v) >= 2
  GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
$$;
REVOKE ALL ON FUNCTION smd_field_key_usage() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION smd_field_key_usage() TO smd_app;

CREATE FUNCTION smd_index_key_usage() RETURNS TABLE (key_id integer, patients bigint)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public AS $$
  SELECT index_key_id::integer, count(*) FROM patient GROUP BY 1 ORDER BY 1
$$;
REVOKE ALL ON FUNCTION smd_index_key_usage() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION smd_index_key_usage() TO smd_app;
