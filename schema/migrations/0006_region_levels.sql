-- 0006: regions above the district (rules.md §9): a province (2 digits, level 4) and a
-- city (4 digits, level 5), so that a city's or a province's health committee can hold a
-- jurisdiction and read its districts' figures (issue 5). Levels 1..3 keep their numbers.
-- A district or a city may be the top of a deployment's tree (parent NULL); streets and
-- communities always have their parent.

DO $$
DECLARE c record;
BEGIN
  FOR c IN SELECT conname FROM pg_constraint
            WHERE conrelid = 'region'::regclass AND contype = 'c' LOOP
    EXECUTE format('ALTER TABLE region DROP CONSTRAINT %I', c.conname);
  END LOOP;
END $$;

ALTER TABLE region
  ADD CONSTRAINT region_code_shape
    CHECK (code ~ '^([0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{9}|[0-9]{12})$'),
  ADD CONSTRAINT region_name_length CHECK (char_length(name) BETWEEN 1 AND 50),
  ADD CONSTRAINT region_level_of_code CHECK (level = CASE char_length(code)
    WHEN 2 THEN 4 WHEN 4 THEN 5 WHEN 6 THEN 1 WHEN 9 THEN 2 WHEN 12 THEN 3 END),
  ADD CONSTRAINT region_parent_is_prefix CHECK (parent_code IS NULL OR parent_code = left(code,
    CASE char_length(code) WHEN 4 THEN 2 WHEN 6 THEN 4 WHEN 9 THEN 6 WHEN 12 THEN 9 ELSE 0 END)),
  ADD CONSTRAINT region_parent_required
    CHECK (char_length(code) < 9 OR parent_code IS NOT NULL),
  ADD CONSTRAINT region_province_is_top CHECK (char_length(code) <> 2 OR parent_code IS NULL);
