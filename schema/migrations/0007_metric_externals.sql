-- 0007: counts for the indicators that do not come from the per-patient state (issue 5;
-- docs/metrics.md "Care-team coverage and alert times").
--
-- 关爱帮扶小组 coverage is read from the register and the teams, which row-level security
-- hides from the health committee (aggregates only). This definer function returns counts
-- per region and nothing else: for the ACTIVE patients under `p_prefix` who need a team
-- (不稳定, classification 1, or risk >= 3: rules.md decision "care team"), how many there
-- are and how many have an active, enabled doctor (1), police officer (2) and grid
-- worker (3) on their team. Grouped by the first `p_len` characters of the community.
CREATE FUNCTION smd_team_coverage(p_prefix text, p_len integer)
  RETURNS TABLE (code text, needing bigint, covered bigint)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
  AS $$
    SELECT substr(p.jurisdiction, 1, p_len), count(*),
           count(*) FILTER (WHERE (SELECT count(DISTINCT m.team_role)
                                     FROM care_team_member m JOIN app_user u ON u.id = m.user_id
                                    WHERE m.patient_id = p.id AND m.end_date IS NULL
                                      AND NOT u.disabled AND m.team_role IN (1, 2, 3)) = 3)
      FROM patient p
     WHERE p.status = 1 AND starts_with(p.jurisdiction, p_prefix)
       AND (p.classification = 1 OR p.risk_level >= 3)
     GROUP BY 1
  $$;
REVOKE ALL ON FUNCTION smd_team_coverage(text, integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION smd_team_coverage(text, integer) TO smd_app;

-- Alert copies by the patient's community and raising time, for delivery and
-- acknowledgement times per region and period.
CREATE INDEX alert_jurisdiction_raised ON alert (jurisdiction text_pattern_ops, raised_at);
