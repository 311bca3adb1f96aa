-- 0019: the social-psychological service network (issue 14 point 5; docs/metrics.md
-- "Service network"; domain/network.h): service sites per region with their status
-- history, the per-region, per-year counts the coverage rates divide by, and the plan's
-- targets by indicator and year.
--
-- No patient data: institutions' names and public numbers. So no row-level security; the
-- server authorizes by jurisdiction (network.read / network.edit) before every statement.

-- A site: a counselling room, a school's room, a workplace's service, a care institution's
-- service, a street management group, the district crisis team or hotline. Numbers as
-- proto smd.v1.SiteKind, SchoolLevel, WorkplaceType, WorkplaceServiceMode,
-- CareInstitutionType. Kind-specific columns are 0 where they do not apply.
CREATE TABLE service_site (
  id                 uuid PRIMARY KEY,
  version            bigint NOT NULL DEFAULT 1 CHECK (version >= 1),
  region             text NOT NULL REFERENCES region (code),
  kind               smallint NOT NULL CHECK (kind BETWEEN 1 AND 7),
  name               text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 100),
  opened_on          date NOT NULL,
  school_level       smallint NOT NULL DEFAULT 0 CHECK (school_level BETWEEN 0 AND 6),
  full_time_teachers integer NOT NULL DEFAULT 0 CHECK (full_time_teachers >= 0),
  part_time_teachers integer NOT NULL DEFAULT 0 CHECK (part_time_teachers >= 0),
  students           integer NOT NULL DEFAULT 0 CHECK (students >= 0),
  workplace_type     smallint NOT NULL DEFAULT 0,
  workplace_mode     smallint NOT NULL DEFAULT 0,
  care_type          smallint NOT NULL DEFAULT 0,
  phone              text NOT NULL DEFAULT '',
  note               text NOT NULL DEFAULT '',
  created_at         timestamptz NOT NULL,
  created_by         uuid NOT NULL REFERENCES app_user (id),
  updated_at         timestamptz NOT NULL,
  updated_by         uuid NOT NULL REFERENCES app_user (id),
  -- One site per name and kind in a region: a re-run import finds it instead of doubling.
  UNIQUE (region, kind, name)
);
CREATE INDEX service_site_region ON service_site (region text_pattern_ops);

-- Status changes after the opening date (暂停 2, 撤销 3, 恢复运行 1), in date order: the
-- status on a day is the latest change dated on or before it (active when none).
CREATE TABLE service_site_status (
  site_id      uuid NOT NULL REFERENCES service_site (id),
  seq          integer NOT NULL CHECK (seq >= 1),
  effective_on date NOT NULL,
  status       smallint NOT NULL CHECK (status BETWEEN 1 AND 3),
  recorded_at  timestamptz NOT NULL,
  recorded_by  uuid NOT NULL REFERENCES app_user (id),
  PRIMARY KEY (site_id, seq)
);

-- How many primary/secondary schools (1), universities (2), agencies and enterprises (3),
-- care institutions (4) a region has in a year: the denominators, entered like 常住人口.
CREATE TABLE network_count (
  code  text NOT NULL REFERENCES region (code),
  year  integer NOT NULL CHECK (year BETWEEN 2000 AND 2200),
  kind  smallint NOT NULL CHECK (kind BETWEEN 1 AND 4),
  count integer NOT NULL CHECK (count >= 0),
  PRIMARY KEY (code, year, kind)
);

-- The plan's targets, in tenths of a percent, from `year` on until a later row of the
-- same indicator (domain::TargetFor). Seeded from the Gulou 2022-2024 plan (seeds/000):
-- the 2022 task table (deadline 2022-12) and the goals for the end of 2024 (主要工作指标);
-- the plan names no separate figure for 2023, so 2022's hold until 2024.
CREATE TABLE network_target (
  indicator text NOT NULL,
  year      integer NOT NULL CHECK (year BETWEEN 2000 AND 2200),
  tenths    integer NOT NULL CHECK (tenths BETWEEN 0 AND 1000),
  source    text NOT NULL,
  PRIMARY KEY (indicator, year)
);
INSERT INTO network_target (indicator, year, tenths, source) VALUES
  ('net_community_counselling', 2022, 200, '2022年重点任务表第8项：以社区为单位建成率达20%以上'),
  ('net_community_counselling', 2024, 800, '主要工作指标1：到2024年底以社区为单位建成率达80%以上'),
  ('net_street_counselling', 2024, 1000, '主要工作指标1：心理咨询室设置覆盖辖区所有街道'),
  ('net_school_counselling', 2022, 500, '2022年重点任务表第10项：中小学校心理辅导室建成率达50%以上'),
  ('net_school_counselling', 2024, 1000, '主要工作指标2：所有中小学均设立心理辅导室'),
  ('net_university_teachers', 2022, 1000, '2022年重点任务表第11项：所有高校按师生比不少于1:4000配备专职教师'),
  ('net_workplace_service', 2022, 300, '2022年重点任务表第12项：30%的党政机关、企事业单位提供心理健康服务'),
  ('net_care_institution_service', 2022, 500, '2022年重点任务表第17项：50%的养老院、残疾人福利院、康复机构开展心理健康服务'),
  ('net_street_management_group', 2022, 1000, '2022年重点任务表第22项：街道精神卫生综合管理小组建成率100%'),
  ('net_crisis_team', 2022, 1000, '2022年重点任务表第14项：建立心理危机干预队伍'),
  ('net_hotline', 2022, 1000, '2022年重点任务表第14项：开通心理援助热线');

GRANT SELECT, INSERT, UPDATE ON service_site TO smd_app;
GRANT SELECT, INSERT ON service_site_status TO smd_app;
GRANT SELECT, INSERT, UPDATE ON network_count TO smd_app;
GRANT SELECT ON network_target TO smd_app;
