-- 0003: the drug catalogue (药品目录) behind 用药情况 and 用药指导 (rules.md §3). Every
-- medication line of a follow-up names a catalogue code; domain/medication.h checks the
-- line against the row (docs/medication.md).
--
-- THE RANGES ARE DECISION SUPPORT, NOT PRESCRIPTIONS. They are the usual ADULT ranges in
-- standard references (the Chinese package insert 说明书, 《中国精神分裂症防治指南（第二版）》
-- 2015, 《中国双相障碍防治指南（第二版）》 2015, the BNF), each row naming its sources. A
-- dose outside the range is not forbidden: the server only asks the prescriber to confirm
-- it with a reason. Children, the elderly, organic illness and blood levels (lithium,
-- valproate) need individual doses that no table can give.
--
-- Oral drugs carry a total daily range in mg (早 + 中 + 晚). Long-acting injectables
-- (长效针剂, kind 4) carry a per-injection range in mg and an interval range in weeks;
-- initiation regimens (e.g. paliperidone palmitate day 1 / day 8) fall outside the
-- maintenance interval on purpose and are confirmed with a reason.
--
-- Left out on purpose: 五氟利多 (penfluridol), an ORAL drug taken once a WEEK. The form
-- knows only oral 早/中/晚 doses or long-acting injections, and a weekly tablet fits
-- neither without a per-week range. Add it with a new kind when the form supports it.
--
-- Runs as smd_owner. Rows are maintained by migrations only: smd_app may read them.

CREATE TABLE drug_catalogue (
  code               text PRIMARY KEY CHECK (code ~ '^[a-z0-9_]{2,40}$'),
  name_zh            text NOT NULL CHECK (char_length(name_zh) BETWEEN 1 AND 50),
  name_en            text NOT NULL CHECK (char_length(name_en) BETWEEN 1 AND 80),
  -- 1 oral antipsychotic · 2 mood stabiliser · 3 anti-epileptic ·
  -- 4 long-acting injectable antipsychotic (长效针剂) · 5 adjunct (anticholinergic,
  -- benzodiazepine). Same numbers as domain::DrugKind.
  kind               smallint NOT NULL CHECK (kind BETWEEN 1 AND 5),
  long_acting        boolean NOT NULL,
  min_daily_mg       numeric CHECK (min_daily_mg > 0),       -- oral: usual adult daily range
  max_daily_mg       numeric CHECK (max_daily_mg > 0),
  min_dose_mg        numeric CHECK (min_dose_mg > 0),        -- long-acting: per injection
  max_dose_mg        numeric CHECK (max_dose_mg > 0),
  min_interval_weeks smallint CHECK (min_interval_weeks BETWEEN 1 AND 52),
  max_interval_weeks smallint CHECK (max_interval_weeks BETWEEN 1 AND 52),
  source             text NOT NULL CHECK (char_length(source) BETWEEN 1 AND 500),
  active             boolean NOT NULL DEFAULT true,
  CHECK (long_acting = (kind = 4)),
  -- An oral drug has only a daily range; a long-acting one only dose and interval ranges.
  CHECK (long_acting OR (min_dose_mg IS NULL AND max_dose_mg IS NULL
                         AND min_interval_weeks IS NULL AND max_interval_weeks IS NULL)),
  CHECK (NOT long_acting OR (min_daily_mg IS NULL AND max_daily_mg IS NULL)),
  CHECK (min_daily_mg <= max_daily_mg),
  CHECK (min_dose_mg <= max_dose_mg),
  CHECK (min_interval_weeks <= max_interval_weeks)
);

INSERT INTO drug_catalogue
  (code, name_zh, name_en, kind, long_acting, min_daily_mg, max_daily_mg,
   min_dose_mg, max_dose_mg, min_interval_weeks, max_interval_weeks, source)
VALUES
  -- 1: oral antipsychotics, mg per day.
  ('clozapine', '氯氮平', 'clozapine', 1, false, 25, 600, NULL, NULL, NULL, NULL,
   '说明书（常用200–400 mg/日，最高600 mg/日；维持量可低至25–100 mg/日）; 中国精神分裂症防治指南(第二版)2015'),
  ('risperidone', '利培酮', 'risperidone', 1, false, 1, 6, NULL, NULL, NULL, NULL,
   '说明书; 中国精神分裂症防治指南(第二版)2015; BNF'),
  ('olanzapine', '奥氮平', 'olanzapine', 1, false, 5, 20, NULL, NULL, NULL, NULL,
   '说明书; 中国精神分裂症防治指南(第二版)2015; BNF'),
  ('quetiapine', '喹硫平', 'quetiapine', 1, false, 50, 800, NULL, NULL, NULL, NULL,
   '说明书（精神分裂症150–750 mg/日，躁狂最高800 mg/日，起始50 mg）; 中国精神分裂症防治指南(第二版)2015; BNF'),
  ('aripiprazole', '阿立哌唑', 'aripiprazole', 1, false, 5, 30, NULL, NULL, NULL, NULL,
   '说明书（10–30 mg/日）; 中国精神分裂症防治指南(第二版)2015; BNF'),
  ('ziprasidone', '齐拉西酮', 'ziprasidone', 1, false, 40, 160, NULL, NULL, NULL, NULL,
   '说明书（20 mg每日2次起，最高80 mg每日2次）; 中国精神分裂症防治指南(第二版)2015; BNF'),
  ('paliperidone_er', '帕利哌酮缓释片', 'paliperidone extended-release', 1, false, 3, 12,
   NULL, NULL, NULL, NULL, '说明书; 中国精神分裂症防治指南(第二版)2015; BNF'),
  ('amisulpride', '氨磺必利', 'amisulpride', 1, false, 50, 1200, NULL, NULL, NULL, NULL,
   '说明书（阴性症状50–300 mg/日，阳性症状400–800 mg/日，最高1200 mg/日）; BNF'),
  ('chlorpromazine', '氯丙嗪', 'chlorpromazine', 1, false, 25, 600, NULL, NULL, NULL, NULL,
   '说明书（治疗量300–450 mg/日，维持100–150 mg/日）; 中国精神分裂症防治指南(第二版)2015'),
  ('perphenazine', '奋乃静', 'perphenazine', 1, false, 4, 60, NULL, NULL, NULL, NULL,
   '说明书（治疗量20–60 mg/日，维持10–20 mg/日）; 中国精神分裂症防治指南(第二版)2015'),
  ('haloperidol', '氟哌啶醇', 'haloperidol', 1, false, 2, 20, NULL, NULL, NULL, NULL,
   '说明书（维持4–20 mg/日）; 中国精神分裂症防治指南(第二版)2015; BNF'),
  ('sulpiride', '舒必利', 'sulpiride', 1, false, 100, 1200, NULL, NULL, NULL, NULL,
   '说明书（治疗量600–1200 mg/日）; BNF'),
  ('lurasidone', '鲁拉西酮', 'lurasidone', 1, false, 40, 80, NULL, NULL, NULL, NULL,
   '国内说明书（40–80 mg/日，随餐）'),
  ('blonanserin', '布南色林', 'blonanserin', 1, false, 8, 24, NULL, NULL, NULL, NULL,
   '说明书（4 mg每日2次起，维持8–16 mg/日，最高24 mg/日）'),
  -- 2: mood stabilisers, mg per day (lithium and valproate are dosed by blood level).
  ('lithium_carbonate', '碳酸锂', 'lithium carbonate', 2, false, 250, 2000, NULL, NULL, NULL, NULL,
   '说明书（治疗量600–2000 mg/日，维持500–1000 mg/日，以血锂浓度为准）; 中国双相障碍防治指南(第二版)2015'),
  ('sodium_valproate', '丙戊酸钠', 'sodium valproate', 2, false, 500, 2000, NULL, NULL, NULL, NULL,
   '说明书; 中国双相障碍防治指南(第二版)2015（以血药浓度为准）; BNF'),
  ('lamotrigine', '拉莫三嗪', 'lamotrigine', 2, false, 25, 400, NULL, NULL, NULL, NULL,
   '说明书（25 mg起缓慢加量，双相维持100–200 mg/日）; 中国双相障碍防治指南(第二版)2015; BNF'),
  -- 3: anti-epileptics, mg per day.
  ('carbamazepine', '卡马西平', 'carbamazepine', 3, false, 200, 1600, NULL, NULL, NULL, NULL,
   '说明书（维持400–1200 mg/日）; BNF'),
  ('oxcarbazepine', '奥卡西平', 'oxcarbazepine', 3, false, 600, 2400, NULL, NULL, NULL, NULL,
   '说明书; BNF'),
  ('levetiracetam', '左乙拉西坦', 'levetiracetam', 3, false, 1000, 3000, NULL, NULL, NULL, NULL,
   '说明书; BNF'),
  ('magnesium_valproate', '丙戊酸镁', 'magnesium valproate', 3, false, 400, 1600, NULL, NULL,
   NULL, NULL, '说明书（200 mg每日2–3次起，最高1.6 g/日）'),
  ('topiramate', '托吡酯', 'topiramate', 3, false, 25, 400, NULL, NULL, NULL, NULL,
   '说明书（25 mg起，维持200–400 mg/日）; BNF'),
  -- 4: long-acting injectable antipsychotics (长效针剂), mg per injection, every N weeks.
  ('paliperidone_palmitate_1m', '棕榈酸帕利哌酮注射液（1月）',
   'paliperidone palmitate (monthly)', 4, true, NULL, NULL, 25, 150, 4, 4,
   '说明书（维持25–150 mg每4周；起始第1天150 mg、第8天100 mg需确认）; 中国精神分裂症防治指南(第二版)2015'),
  ('paliperidone_palmitate_3m', '棕榈酸帕利哌酮注射液（3月）',
   'paliperidone palmitate (3-monthly)', 4, true, NULL, NULL, 175, 525, 12, 12, '说明书; BNF'),
  ('fluphenazine_decanoate', '癸氟奋乃静注射液', 'fluphenazine decanoate', 4, true,
   NULL, NULL, 12.5, 100, 2, 4, '说明书; 中国精神分裂症防治指南(第二版)2015; BNF'),
  ('pipotiazine_palmitate', '哌泊噻嗪棕榈酸酯注射液', 'pipotiazine palmitate', 4, true,
   NULL, NULL, 25, 200, 2, 4, '说明书; 中国精神分裂症防治指南(第二版)2015'),
  ('haloperidol_decanoate', '氟哌啶醇癸酸酯注射液', 'haloperidol decanoate', 4, true,
   NULL, NULL, 50, 300, 4, 4, '说明书; 中国精神分裂症防治指南(第二版)2015; BNF'),
  ('aripiprazole_lai_1m', '注射用阿立哌唑（长效，1月）', 'aripiprazole monohydrate (monthly)',
   4, true, NULL, NULL, 300, 400, 4, 4, '说明书; BNF'),
  ('risperidone_microspheres', '注射用利培酮微球', 'risperidone microspheres', 4, true,
   NULL, NULL, 25, 50, 2, 2, '说明书; 中国精神分裂症防治指南(第二版)2015; BNF'),
  -- 5: adjuncts, mg per day.
  ('trihexyphenidyl', '苯海索', 'trihexyphenidyl', 5, false, 2, 10, NULL, NULL, NULL, NULL,
   '说明书（药物所致锥体外系反应2–10 mg/日）; BNF'),
  ('lorazepam', '劳拉西泮', 'lorazepam', 5, false, 0.5, 6, NULL, NULL, NULL, NULL,
   '说明书（2–6 mg/日）; BNF'),
  ('clonazepam', '氯硝西泮', 'clonazepam', 5, false, 0.5, 8, NULL, NULL, NULL, NULL,
   '说明书; BNF（维持4–8 mg/日）');

GRANT SELECT ON drug_catalogue TO smd_app;
