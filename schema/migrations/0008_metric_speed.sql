-- 0008: metrics at province scale (issue 5; docs/performance.md "Metrics").
--
-- 关爱帮扶小组 coverage, kept instead of counted. smd_team_coverage (0007) counted the
-- register on every call: at 400,000 patients the province's answer read every patient who
-- needs a team and probed each one's team (about 150 ms). Now triggers keep, in the same
-- transaction as any change to a patient's status, classification, risk or jurisdiction,
-- to a team member, or to a user's disabled flag:
--   team_coverage_patient: one row per ACTIVE patient who needs a team (不稳定,
--     classification 1, or risk >= 3: rules.md decision "care team"), with the community
--     and whether the team has an active, enabled doctor (1), police officer (2) and grid
--     worker (3);
--   team_coverage_count: the same counted per community.
-- Neither is granted to smd_app: only the definer functions below read or write them.
CREATE TABLE team_coverage_patient (
  patient_id  uuid PRIMARY KEY REFERENCES patient (id),
  community   text NOT NULL,
  covered     boolean NOT NULL
);
CREATE TABLE team_coverage_count (
  community  text NOT NULL,
  needing    bigint NOT NULL DEFAULT 0 CHECK (needing >= 0),
  covered    bigint NOT NULL DEFAULT 0 CHECK (covered >= 0 AND covered <= needing)
);
CREATE UNIQUE INDEX team_coverage_count_key ON team_coverage_count (community text_pattern_ops);

-- Re-derives one patient's row and moves the counts by the difference.
CREATE FUNCTION smd_team_refresh(p uuid) RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public
  AS $$
DECLARE
  old_comm text;
  old_cov boolean;
  new_comm text;
  new_cov boolean;
  needs boolean;
BEGIN
  SELECT community, covered INTO old_comm, old_cov
    FROM team_coverage_patient WHERE patient_id = p FOR UPDATE;
  SELECT jurisdiction,
         coalesce(status = 1 AND (classification = 1 OR risk_level >= 3), false)
    INTO new_comm, needs FROM patient WHERE id = p;
  IF NOT FOUND OR NOT needs THEN
    new_comm := NULL;
  ELSE
    new_cov := (SELECT count(DISTINCT m.team_role)
                  FROM care_team_member m JOIN app_user u ON u.id = m.user_id
                 WHERE m.patient_id = p AND m.end_date IS NULL AND NOT u.disabled
                   AND m.team_role IN (1, 2, 3)) = 3;
  END IF;
  IF old_comm IS NOT DISTINCT FROM new_comm AND old_cov IS NOT DISTINCT FROM new_cov THEN
    RETURN;
  END IF;
  IF old_comm IS NOT NULL THEN
    UPDATE team_coverage_count
       SET needing = needing - 1, covered = covered - old_cov::int
     WHERE community = old_comm;
    DELETE FROM team_coverage_patient WHERE patient_id = p;
  END IF;
  IF new_comm IS NOT NULL THEN
    INSERT INTO team_coverage_count AS c (community, needing, covered)
      VALUES (new_comm, 1, new_cov::int)
      ON CONFLICT (community) DO UPDATE
      SET needing = c.needing + 1, covered = c.covered + EXCLUDED.covered;
    INSERT INTO team_coverage_patient (patient_id, community, covered)
      VALUES (p, new_comm, new_cov);
  END IF;
END
$$;
REVOKE ALL ON FUNCTION smd_team_refresh(uuid) FROM PUBLIC;

CREATE FUNCTION smd_team_patient_changed() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public
  AS $$ BEGIN PERFORM smd_team_refresh(NEW.id); RETURN NULL; END $$;
CREATE TRIGGER patient_team_coverage_insert AFTER INSERT ON patient
  FOR EACH ROW EXECUTE FUNCTION smd_team_patient_changed();
CREATE TRIGGER patient_team_coverage_update AFTER UPDATE ON patient
  FOR EACH ROW
  WHEN (OLD.status IS DISTINCT FROM NEW.status
        OR OLD.classification IS DISTINCT FROM NEW.classification
        OR OLD.risk_level IS DISTINCT FROM NEW.risk_level
        OR OLD.jurisdiction IS DISTINCT FROM NEW.jurisdiction)
  EXECUTE FUNCTION smd_team_patient_changed();

CREATE FUNCTION smd_team_member_changed() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public
  AS $$
BEGIN
  IF TG_OP <> 'INSERT' THEN PERFORM smd_team_refresh(OLD.patient_id); END IF;
  IF TG_OP <> 'DELETE' AND (TG_OP = 'INSERT' OR NEW.patient_id <> OLD.patient_id) THEN
    PERFORM smd_team_refresh(NEW.patient_id);
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER care_team_coverage AFTER INSERT OR UPDATE OR DELETE ON care_team_member
  FOR EACH ROW EXECUTE FUNCTION smd_team_member_changed();

CREATE FUNCTION smd_team_user_changed() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public
  AS $$
BEGIN
  PERFORM smd_team_refresh(m.patient_id)
     FROM (SELECT DISTINCT patient_id FROM care_team_member
            WHERE user_id = NEW.id AND end_date IS NULL ORDER BY patient_id) m;
  RETURN NULL;
END
$$;
CREATE TRIGGER app_user_team_coverage AFTER UPDATE ON app_user
  FOR EACH ROW WHEN (OLD.disabled IS DISTINCT FROM NEW.disabled)
  EXECUTE FUNCTION smd_team_user_changed();

-- Recounts everything from the register (here, and after a bulk load that bypassed the
-- triggers, e.g. tests/bench/metrics_bench.cc). Not granted to smd_app.
CREATE FUNCTION smd_team_coverage_rebuild() RETURNS void
  LANGUAGE sql SECURITY DEFINER SET search_path = public
  AS $$
    DELETE FROM team_coverage_patient;
    DELETE FROM team_coverage_count;
    INSERT INTO team_coverage_patient (patient_id, community, covered)
      SELECT p.id, p.jurisdiction,
             (SELECT count(DISTINCT m.team_role)
                FROM care_team_member m JOIN app_user u ON u.id = m.user_id
               WHERE m.patient_id = p.id AND m.end_date IS NULL AND NOT u.disabled
                 AND m.team_role IN (1, 2, 3)) = 3
        FROM patient p
       WHERE p.status = 1 AND (p.classification = 1 OR p.risk_level >= 3);
    INSERT INTO team_coverage_count (community, needing, covered)
      SELECT community, count(*), count(*) FILTER (WHERE covered)
        FROM team_coverage_patient GROUP BY community;
  $$;
REVOKE ALL ON FUNCTION smd_team_coverage_rebuild() FROM PUBLIC;
SELECT smd_team_coverage_rebuild();

-- The counts per region, read by the rollup's prefix range (region codes are digits; ':'
-- sorts right after '9', and the text_pattern_ops index serves ~>=~ / ~<~ with a
-- parameter, which starts_with() in a never-inlined definer function cannot).
CREATE OR REPLACE FUNCTION smd_team_coverage(p_prefix text, p_len integer)
  RETURNS TABLE (code text, needing bigint, covered bigint)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
  AS $$
    SELECT substr(c.community, 1, p_len), sum(c.needing)::bigint, sum(c.covered)::bigint
      FROM team_coverage_count c
     WHERE c.community ~>=~ p_prefix AND c.community ~<~ (p_prefix || ':')
     GROUP BY 1
    HAVING sum(c.needing) > 0
  $$;

-- Rollup reads by region prefix. The database's collation (e.g. C.UTF-8) keeps a plain
-- btree from serving starts_with(); text_pattern_ops indexes do, so a community's figures
-- read its own rows instead of every community of the month (7 ms at 11,000 communities).
ALTER TABLE metric_rollup DROP CONSTRAINT metric_rollup_pkey;
CREATE UNIQUE INDEX metric_rollup_key ON metric_rollup (year, month, community text_pattern_ops);
CREATE INDEX region_code_prefix ON region (code text_pattern_ops);

-- The same counts summed by street (街道, the first 9 digits of the community code), kept in
-- the same transactions as metric_rollup (store/metric_repository.cc ApplyDeltas). A
-- district, a city or the province reads about a tenth as many rows as from the community
-- rollups (docs/metrics.md "How the figures are kept").
CREATE TABLE metric_rollup_street (
  street  text NOT NULL,
  year    smallint NOT NULL,
  month   smallint NOT NULL CHECK (month BETWEEN 1 AND 12),
  s1 bigint NOT NULL DEFAULT 0,
  s2 bigint NOT NULL DEFAULT 0,
  s3 bigint NOT NULL DEFAULT 0,
  s4 bigint NOT NULL DEFAULT 0,
  s5 bigint NOT NULL DEFAULT 0,
  s6 bigint NOT NULL DEFAULT 0,
  s7 bigint NOT NULL DEFAULT 0,
  s8 bigint NOT NULL DEFAULT 0,
  s9 bigint NOT NULL DEFAULT 0,
  s10 bigint NOT NULL DEFAULT 0,
  s11 bigint NOT NULL DEFAULT 0,
  s12 bigint NOT NULL DEFAULT 0,
  s13 bigint NOT NULL DEFAULT 0,
  s14 bigint NOT NULL DEFAULT 0,
  s15 bigint NOT NULL DEFAULT 0,
  s16 bigint NOT NULL DEFAULT 0,
  s17 bigint NOT NULL DEFAULT 0,
  s18 bigint NOT NULL DEFAULT 0,
  s19 bigint NOT NULL DEFAULT 0,
  s20 bigint NOT NULL DEFAULT 0,
  s21 bigint NOT NULL DEFAULT 0,
  s22 bigint NOT NULL DEFAULT 0,
  s23 bigint NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX metric_rollup_street_key
  ON metric_rollup_street (year, month, street text_pattern_ops);
INSERT INTO metric_rollup_street (street, year, month, s1, s2, s3, s4, s5, s6, s7, s8, s9, s10, s11, s12, s13, s14, s15, s16, s17, s18, s19, s20, s21, s22, s23)
  SELECT substr(community, 1, 9), year, month, sum(s1), sum(s2), sum(s3), sum(s4), sum(s5), sum(s6), sum(s7), sum(s8), sum(s9), sum(s10), sum(s11), sum(s12), sum(s13), sum(s14), sum(s15), sum(s16), sum(s17), sum(s18), sum(s19), sum(s20), sum(s21), sum(s22), sum(s23)
    FROM metric_rollup GROUP BY 1, 2, 3;
GRANT SELECT, INSERT, UPDATE, DELETE ON metric_rollup_street TO smd_app;
