-- 0022: the region tree's version, for the metrics' read of the tree (issue 15;
-- docs/metrics.md "The region tree"; docs/performance.md "Metrics").
--
-- A version of the region tree (region and region_population), bumped in the same
-- transaction as any change to either, so that a server may keep the tree in memory and
-- list it again only when the version it reads differs from the one it listed
-- (app/region_tree_cache.h): a province's GetMetrics listed ~12,000 region rows per call,
-- most of its database time. One row; a statement trigger, so a bulk change bumps it
-- once. (A load with session_replication_role = replica fires no trigger: such a load
-- runs before the servers start, or is followed by `SELECT smd_region_changed()`.)
CREATE TABLE region_version (
  one     boolean PRIMARY KEY DEFAULT true CHECK (one),
  version bigint NOT NULL
);
INSERT INTO region_version (version) VALUES (1);

-- Definer: the server's role may read the version, not write it.
CREATE FUNCTION smd_region_changed() RETURNS void
  LANGUAGE sql SECURITY DEFINER SET search_path = public
  AS $$ UPDATE region_version SET version = version + 1 $$;
REVOKE ALL ON FUNCTION smd_region_changed() FROM PUBLIC;

CREATE FUNCTION smd_region_version_bump() RETURNS trigger
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = public AS $$
BEGIN
  PERFORM smd_region_changed();
  RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION smd_region_version_bump() FROM PUBLIC;

CREATE TRIGGER region_version_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON region
  FOR EACH STATEMENT EXECUTE FUNCTION smd_region_version_bump();
CREATE TRIGGER region_population_version_bump
  AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON region_population
  FOR EACH STATEMENT EXECUTE FUNCTION smd_region_version_bump();

GRANT SELECT ON region_version TO smd_app;
