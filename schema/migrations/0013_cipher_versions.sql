-- 0013: encrypted cells bound to a version; transfer texts encrypted (issue 11 item 8;
-- docs/security.md "Identifiers at rest", ADR 0004 amendment).
--
-- A migration cannot encrypt: the field key lives only in the server's key file. So this
-- file only adds columns and rules; the server converts existing rows itself, online, in
-- small batches (app::CipherUpgrade, started with the server). Until a row is converted it
-- is read the old way.

-- Version counters of rows whose encrypted cells are rewritten in place. The associated
-- data of every encrypted cell of the row includes the counter, and each rewrite bumps it,
-- so an older ciphertext of the same cell (a replay) no longer decrypts. 0 = written
-- before this migration (legacy associated data without a version); the server writes 1
-- and up, and converts 0 rows to 1.
ALTER TABLE patient ADD COLUMN enc_version bigint NOT NULL DEFAULT 0
  CONSTRAINT patient_enc_version_nonnegative CHECK (enc_version >= 0);
ALTER TABLE referral ADD COLUMN enc_version bigint NOT NULL DEFAULT 0
  CONSTRAINT referral_enc_version_nonnegative CHECK (enc_version >= 0);
-- The conversion pass finds the remaining legacy rows without a full scan.
CREATE INDEX patient_legacy_cipher ON patient (id) WHERE enc_version = 0;
CREATE INDEX referral_legacy_cipher ON referral (id) WHERE enc_version = 0;

-- Transfer reason and decision note: free text a doctor types, encrypted like the other
-- free text. A transfer written before this migration keeps its plaintext until the
-- server converts it (encrypts both texts and clears the plaintext columns).
ALTER TABLE patient_transfer ADD COLUMN reason_enc bytea;
ALTER TABLE patient_transfer ADD COLUMN decision_note_enc bytea;
-- NOT VALID: existing rows are not checked, but every row inserted or updated from now on
-- must carry the encrypted reason and no plaintext. So nothing (no server, no stray
-- UPDATE) can write a plaintext reason or note again, and a legacy row can only be
-- changed by converting it. A later migration can VALIDATE the constraint once every row
-- is converted.
ALTER TABLE patient_transfer ADD CONSTRAINT patient_transfer_texts_encrypted
  CHECK (reason = '' AND decision_note = '' AND reason_enc IS NOT NULL) NOT VALID;
CREATE INDEX patient_transfer_legacy_text ON patient_transfer (id) WHERE reason_enc IS NULL;

-- The refusal writes the note encrypted: the old text signature is dropped, so no caller
-- can store a plaintext note through it.
DROP FUNCTION smd_refuse_transfer(uuid, uuid, timestamptz, text);
CREATE FUNCTION smd_refuse_transfer(p_transfer uuid, p_user uuid, p_at timestamptz,
                                    p_note_enc bytea)
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
     SET status = 3, decided_by = p_user, decided_at = p_at, decision_note = '',
         decision_note_enc = p_note_enc
   WHERE id = p_transfer;
  UPDATE patient
     SET status = 1, transfer_to = '', version = version + 1, updated_at = p_at
   WHERE id = t.patient_id;
  RETURN true;
END $$;
REVOKE ALL ON FUNCTION smd_refuse_transfer(uuid, uuid, timestamptz, bytea) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION smd_refuse_transfer(uuid, uuid, timestamptz, bytea) TO smd_app;
