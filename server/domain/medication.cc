#include "domain/medication.h"

#include <cmath>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/status_macros.h"
#include "domain/errors.h"
#include "domain/text.h"

namespace smd::domain {
namespace {

// Debian's absl has its own absl::string_view, so std::string_view does not convert to
// absl::AlphaNum (see errors.cc): string_views go through std::string.
std::string S(std::string_view v) { return std::string(v); }

std::string LineField(std::string_view field, std::size_t i) {
  return absl::StrCat(S(field), "[", i, "]");
}

std::string SubField(std::string_view field, std::size_t i, std::string_view name) {
  return absl::StrCat(LineField(field, i), ".", S(name));
}

constexpr int kMaxIntervalWeeks = 52;       // same bound as drug_catalogue
constexpr std::size_t kMaxReasonChars = 200;

// "1–6 mg", "≥1 mg", "≤6 mg". absl::StrCat prints 12.5 as "12.5" and 6.0 as "6".
std::string RangeText(const std::optional<double>& lo, const std::optional<double>& hi) {
  if (lo && hi) return absl::StrCat(*lo, "–", *hi, " mg");
  if (lo) return absl::StrCat("≥", *lo, " mg");
  return absl::StrCat("≤", *hi, " mg");
}

// {"每2–4周", "every 2–4 weeks"}, {"每4周", "every 4 weeks"}, ...
std::pair<std::string, std::string> IntervalText(const std::optional<int>& lo,
                                                 const std::optional<int>& hi) {
  if (lo && hi) {
    if (*lo == *hi) return {absl::StrCat("每", *lo, "周"), absl::StrCat("every ", *lo, " weeks")};
    return {absl::StrCat("每", *lo, "–", *hi, "周"),
            absl::StrCat("every ", *lo, "–", *hi, " weeks")};
  }
  if (lo) return {absl::StrCat("间隔不少于", *lo, "周"), absl::StrCat("at least ", *lo, " weeks")};
  return {absl::StrCat("间隔不超过", *hi, "周"), absl::StrCat("at most ", *hi, " weeks")};
}

template <typename T>
bool Outside(T value, const std::optional<T>& lo, const std::optional<T>& hi) {
  return (lo && value < *lo) || (hi && value > *hi);
}

// The out-of-range message; names the drug (catalogue data), never the entered dose.
absl::Status OutOfRange(std::string_view field, std::size_t i, const DrugInfo& d,
                        std::string_view what_zh, std::string_view range_zh,
                        std::string_view en) {
  return absl::InvalidArgumentError(
      absl::StrCat(LineField(field, i), ": ", d.name_zh, " (", d.name_en, ") ", S(what_zh),
                   "超出常用范围 ", S(range_zh), " (", S(en),
                   "); 如确需使用请确认并填写理由 (confirm with a reason)"));
}

absl::Status CheckOralDose(std::string_view field, std::size_t i, std::string_view name,
                           double mg) {
  if (!std::isfinite(mg) || mg < 0) {
    return FieldError(SubField(field, i, name), "剂量必须为不小于0的数值",
                      "the dose must be a number of at least 0");
  }
  return absl::OkStatus();
}

// Shape of the line (oral vs long-acting) and the plausibility of its numbers.
absl::Status CheckShape(std::string_view field, std::size_t i, const MedicationLine& line,
                        const DrugInfo& d) {
  if (line.long_acting != d.long_acting) {
    if (d.long_acting) {
      return FieldError(SubField(field, i, "long_acting"),
                        absl::StrCat(d.name_zh, "是长效针剂，应填写“每N周一次、每次剂量”"),
                        absl::StrCat(d.name_en,
                                     " is a long-acting injectable: enter a dose every N weeks"));
    }
    return FieldError(SubField(field, i, "long_acting"),
                      absl::StrCat(d.name_zh, "是口服药，应填写早/中/晚剂量"),
                      absl::StrCat(d.name_en, " is an oral drug: enter morning/noon/evening doses"));
  }
  if (!line.long_acting) {
    RETURN_IF_ERROR(CheckOralDose(field, i, "morning_mg", line.morning_mg));
    RETURN_IF_ERROR(CheckOralDose(field, i, "noon_mg", line.noon_mg));
    RETURN_IF_ERROR(CheckOralDose(field, i, "evening_mg", line.evening_mg));
    if (line.morning_mg + line.noon_mg + line.evening_mg <= 0) {
      return FieldError(SubField(field, i, "morning_mg"), "日剂量必须大于0",
                        "the daily dose must be more than 0");
    }
    if (line.interval_weeks != 0 || line.dose_mg != 0) {
      return FieldError(SubField(field, i, "interval_weeks"), "口服药不填写长效用法",
                        "an oral drug has no injection interval or dose");
    }
    return absl::OkStatus();
  }
  if (line.interval_weeks < 1 || line.interval_weeks > kMaxIntervalWeeks) {
    return FieldError(SubField(field, i, "interval_weeks"), "注射间隔必须为1至52周",
                      "the injection interval must be 1 to 52 weeks");
  }
  if (!std::isfinite(line.dose_mg) || line.dose_mg <= 0) {
    return FieldError(SubField(field, i, "dose_mg"), "每次剂量必须大于0",
                      "the dose per injection must be more than 0");
  }
  if (line.morning_mg != 0 || line.noon_mg != 0 || line.evening_mg != 0) {
    return FieldError(SubField(field, i, "morning_mg"), "长效针剂不填写早/中/晚剂量",
                      "a long-acting injectable has no morning/noon/evening doses");
  }
  return absl::OkStatus();
}

// The range check, or OK when the prescriber confirmed the line with a reason.
absl::Status CheckRange(std::string_view field, std::size_t i, const MedicationLine& line,
                        const DrugInfo& d) {
  absl::Status out = absl::OkStatus();
  if (!line.long_acting) {
    const double daily = line.morning_mg + line.noon_mg + line.evening_mg;
    if (Outside(daily, d.min_daily_mg, d.max_daily_mg)) {
      out = OutOfRange(field, i, d, "日剂量", RangeText(d.min_daily_mg, d.max_daily_mg),
                       "daily dose outside the usual range");
    }
  } else if (Outside(line.dose_mg, d.min_dose_mg, d.max_dose_mg)) {
    out = OutOfRange(field, i, d, "每次剂量", RangeText(d.min_dose_mg, d.max_dose_mg),
                     "dose per injection outside the usual range");
  } else if (Outside(line.interval_weeks, d.min_interval_weeks, d.max_interval_weeks)) {
    const auto [zh, en] = IntervalText(d.min_interval_weeks, d.max_interval_weeks);
    out = OutOfRange(field, i, d, "注射间隔", zh,
                     absl::StrCat("injection interval outside the usual range of ", en));
  }
  if (out.ok()) return out;
  if (!line.out_of_range_confirmed) return out;
  if (IsBlank(line.confirm_reason)) {
    return FieldError(SubField(field, i, "confirm_reason"), "确认超出常用范围时必须填写理由",
                      "a reason is required to confirm a dose outside the usual range");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckMedications(const std::vector<MedicationLine>& lines, const DrugLookup& lookup,
                              std::string_view field) {
  std::set<std::string> seen;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const MedicationLine& line = lines[i];
    const std::string code_field = SubField(field, i, "drug_code");
    if (line.drug_code.empty()) {
      return FieldError(code_field, "必须选择药品", "a drug is required");
    }
    const DrugInfo* d = lookup ? lookup(line.drug_code) : nullptr;
    if (d == nullptr) {
      return FieldError(code_field, "药品不在目录中", "not in the drug catalogue");
    }
    if (!seen.insert(line.drug_code).second) {
      return FieldError(code_field, "同一药品重复填写，请合并为一行",
                        "the same drug is listed twice; use one line");
    }
    RETURN_IF_ERROR(CheckShape(field, i, line, *d));
    RETURN_IF_ERROR(CheckText(SubField(field, i, "confirm_reason"), line.confirm_reason,
                              /*required=*/false, kMaxReasonChars));
    RETURN_IF_ERROR(CheckRange(field, i, line, *d));
  }
  return absl::OkStatus();
}

namespace {

// Guidance texts. Plain words a family can follow; the English says the same.
struct Item {
  std::string_view key;
  std::string_view zh;
  std::string_view en;
};

constexpr Item kReferAdr{
    "adr_serious",
    "立即转诊至精神专科医院处理药物不良反应。在医生处理之前，不要自行加药、换药。",
    "Refer now to a psychiatric hospital for the adverse reaction. Until a doctor has seen "
    "the patient, do not add or change medication on your own."};

constexpr Item kRegular{
    "adherence",
    "患者能按医嘱规律服药，做得很好，请继续坚持。病情好转后也不要自行减药或停药，"
    "减药、停药要由医生决定。",
    "The patient takes the medication regularly as prescribed: well done, please keep going. "
    "Do not reduce or stop it when the patient feels better; only the doctor decides that."};

constexpr Item kIntermittent{
    "adherence",
    "患者没有按医嘱按时按量服药。规律服药是预防复发最有效的办法：漏服、少服或自行停药，"
    "病情容易复发，而且每复发一次，治疗都会更难。",
    "The patient does not take the medication as prescribed. Regular medication is the most "
    "effective way to prevent relapse: missed or smaller doses, or stopping, make relapse "
    "likely, and each relapse makes treatment harder."};

constexpr Item kNotTaking{
    "adherence",
    "患者目前没有服药，病情复发的风险很高。规律服药是预防复发最有效的办法，"
    "请尽快联系医生，在医生指导下恢复用药。",
    "The patient is not taking the medication now, so the risk of relapse is high. Regular "
    "medication is the most effective way to prevent relapse: contact the doctor soon and "
    "restart it under the doctor's guidance."};

constexpr Item kGuardian{
    "guardian",
    "家属（监护人）请每天督促并看着患者按时服药，按时带患者复诊、接受随访"
    "（《精神卫生法》第四十九条：监护人应当按照医嘱督促患者按时服药、接受随访或者治疗）。",
    "Family members (the guardian) should see to it every day that the patient takes each "
    "dose, and bring the patient to check-ups and follow-up visits (Mental Health Law, "
    "Art. 49: the guardian shall supervise medication as prescribed and follow-up or "
    "treatment)."};

constexpr Item kReminders{
    "reminders",
    "可以用分格药盒（按早、中、晚分好）、手机闹钟或在日历上打勾的办法，避免漏服。",
    "Use a pill box with morning, noon and evening compartments, a phone alarm, or tick off "
    "each dose on a calendar, so that no dose is missed."};

constexpr Item kNoSelfStop{
    "no_self_stop",
    "不要自行停药或减量。如果有副作用或其他顾虑，请先联系医生，由医生调整药物或剂量。",
    "Do not stop or reduce the medication on your own. If there are side effects or other "
    "worries, contact the doctor first; the doctor will adjust the drug or the dose."};

constexpr Item kNotNeeded{
    "adherence",
    "医生目前认为不需要服药，但仍要按时随访。请留意下面的复发信号，一旦出现，及时就诊；"
    "不要自行用药。",
    "The doctor currently judges that no medication is needed, but follow-up visits go on. "
    "Watch for the relapse signs below and see the doctor promptly if they appear; do not "
    "take medication on your own."};

constexpr Item kAsPrescribed{
    "adherence", "请按医嘱按时按量服药，不要自行减药或停药。",
    "Take the medication as prescribed, on time and in full; do not reduce or stop it on "
    "your own."};

constexpr Item kInjectionUnknown{
    "injection", "请与医生确认下次长效针剂的注射日期，并按时注射。",
    "Confirm the date of the next long-acting injection with the doctor, and keep it."};

constexpr Item kMildAdr{
    "adr_mild",
    "患者出现了药物副作用。请在下次就诊时告诉开药的医生；不要因为副作用自行停药。"
    "如果副作用加重，请及时联系医生。",
    "The patient has a side effect. Tell the prescribing doctor at the next visit; do not stop "
    "the medication because of it. If it gets worse, contact the doctor promptly."};

constexpr Item kRelapseSigns{
    "relapse_signs",
    "留意复发的早期信号：睡不好觉、容易发脾气、疑神疑鬼、自言自语或自笑、不肯吃药。"
    "出现这些情况，请尽快联系医生或社区精防医生。",
    "Watch for early signs of relapse: poor sleep, irritability, suspiciousness, talking or "
    "laughing to oneself, refusing medication. If they appear, contact the doctor or the "
    "community mental-health doctor soon."};

constexpr Item kDanger{
    "danger",
    "如果患者有伤人、毁物、自伤或自杀的言行，请立即拨打110或120，并通知社区医生。",
    "If the patient threatens or tries to hurt others, damage property, or harm themself, "
    "call 110 or 120 at once and tell the community doctor."};

constexpr Item kAntipsychotic{
    "class_antipsychotic",
    "抗精神病药可能引起手抖、肌肉发僵、坐立不安、白天犯困、体重增加，出现时请告诉医生，"
    "不要自行停药；定期称体重，按医生要求查血糖、血脂。如果出现高烧伴全身发僵、大量出汗、"
    "神志不清，立即送医院。",
    "Antipsychotics can cause tremor, stiff muscles, restlessness, daytime sleepiness and "
    "weight gain: tell the doctor, and do not stop the drug on your own; weigh the patient "
    "regularly and have blood sugar and lipids checked as the doctor asks. High fever with a "
    "stiff body, heavy sweating or confusion: go to hospital at once."};

constexpr Item kMoodStabiliser{
    "class_mood_stabiliser",
    "心境稳定剂需要按医生要求定期抽血检查（血药浓度、肝功能、血常规等），请按时复查。",
    "Mood stabilisers need regular blood tests as the doctor asks (drug level, liver "
    "function, blood count): keep these appointments."};

constexpr Item kAntiEpileptic{
    "class_anti_epileptic",
    "抗癫痫药不能突然停用，否则可能引起癫痫发作；请按医生要求定期复查。",
    "Do not stop anti-epileptic drugs suddenly, as this can bring on seizures; have check-ups "
    "as the doctor asks."};

constexpr Item kClozapine{
    "drug_clozapine",
    "服用氯氮平期间，如果出现发烧、咽喉痛、口腔溃疡等感染表现，请立即就医查血常规"
    "（可能是粒细胞缺乏，很危险），并按医生要求定期查血常规。流口水、便秘、心慌也要告诉医生。",
    "On clozapine: fever, a sore throat or mouth ulcers need an urgent blood count (possible "
    "agranulocytosis, which is dangerous); have regular blood counts as the doctor asks. Also "
    "tell the doctor about drooling, constipation or a racing heart."};

constexpr Item kLithium{
    "drug_lithium",
    "服用碳酸锂期间，如果出现手抖加重、呕吐、腹泻、走路不稳、说话含糊或神志不清，"
    "可能是锂中毒，请立即就医查血锂浓度。平时要喝足够的水，不要自行服用止痛药或利尿药。",
    "On lithium: worse tremor, vomiting, diarrhoea, unsteady walking, slurred speech or "
    "confusion may mean lithium poisoning: see a doctor at once and have the blood lithium "
    "level checked. Drink enough water; do not take painkillers or water tablets without "
    "asking the doctor."};

constexpr Item kValproate{
    "drug_valproate",
    "服用丙戊酸盐期间，如果出现皮疹、皮肤或眼睛发黄、尿色变深、持续恶心呕吐或肚子痛、"
    "明显乏力，请立即就医查肝功能。育龄女性服药期间要避孕，打算怀孕前先问医生。",
    "On valproate: a rash, yellow skin or eyes, dark urine, persistent nausea, vomiting or "
    "stomach pain, or marked tiredness: see a doctor at once for liver tests. Women who could "
    "become pregnant should use contraception and ask the doctor before planning a "
    "pregnancy."};

constexpr Item kCarbamazepine{
    "drug_carbamazepine",
    "服用卡马西平期间，如果出现皮疹（尤其伴发烧、口腔或眼睛溃烂）、皮肤或眼睛发黄、"
    "发烧咽喉痛，请立即就医。",
    "On carbamazepine: a rash (especially with fever or sores in the mouth or eyes), yellow "
    "skin or eyes, or fever with a sore throat: see a doctor at once."};

constexpr Item kOxcarbazepine{
    "drug_oxcarbazepine",
    "服用奥卡西平期间，如果出现皮疹、皮肤或眼睛发黄，或者明显犯困、头痛、神志不清，"
    "请立即就医。",
    "On oxcarbazepine: a rash, yellow skin or eyes, or marked drowsiness, headache or "
    "confusion: see a doctor at once."};

constexpr Item kLamotrigine{
    "drug_lamotrigine",
    "服用拉莫三嗪期间，出现任何皮疹都要立即就医（少数皮疹会很严重）；漏服几天以后，"
    "不要自己按原剂量重新开始，先问医生。",
    "On lamotrigine: see a doctor at once about any rash (a few rashes become serious); after "
    "missing several days, ask the doctor before restarting at the old dose."};

constexpr Item kBenzodiazepine{
    "drug_benzodiazepine",
    "劳拉西泮、氯硝西泮这类安定类药物会让人犯困，服药期间不要开车、不要喝酒；"
    "不要自行加量，也不要突然停药，须在医生指导下慢慢减量。",
    "Benzodiazepines such as lorazepam and clonazepam cause drowsiness: do not drive or drink "
    "alcohol while taking them; do not raise the dose or stop suddenly; reduce slowly and "
    "only under the doctor's guidance."};

constexpr Item kTrihexyphenidyl{
    "drug_trihexyphenidyl",
    "服用苯海索期间，如果出现明显口干、便秘、排尿困难、看东西模糊或糊涂（老年人更容易出现），"
    "请告诉医生。",
    "On trihexyphenidyl: tell the doctor about marked dry mouth, constipation, difficulty "
    "passing urine, blurred vision or confusion (more likely in older people)."};

const Item* ClassItem(DrugKind kind) {
  switch (kind) {
    case DrugKind::kOralAntipsychotic:
    case DrugKind::kLongActingInjectable:
      return &kAntipsychotic;
    case DrugKind::kMoodStabiliser:
      return &kMoodStabiliser;
    case DrugKind::kAntiEpileptic:
      return &kAntiEpileptic;
    case DrugKind::kAdjunct:
      return nullptr;
  }
  return nullptr;
}

// Drug-specific warnings, by catalogue code (migration 0003).
const Item* DrugItem(std::string_view code) {
  if (code == "clozapine") return &kClozapine;
  if (code == "lithium_carbonate") return &kLithium;
  if (code == "sodium_valproate" || code == "magnesium_valproate") return &kValproate;
  if (code == "carbamazepine") return &kCarbamazepine;
  if (code == "oxcarbazepine") return &kOxcarbazepine;
  if (code == "lamotrigine") return &kLamotrigine;
  if (code == "lorazepam" || code == "clonazepam") return &kBenzodiazepine;
  if (code == "trihexyphenidyl") return &kTrihexyphenidyl;
  return nullptr;
}

class Builder {
 public:
  explicit Builder(Guidance& g) : g_(g) {}

  void Add(const Item& item) {
    if (!keys_.insert(std::string(item.key)).second) return;
    g_.items_zh.emplace_back(item.zh);
    g_.items_en.emplace_back(item.en);
  }
  void Add(std::string_view key, std::string zh, std::string en) {
    if (!keys_.insert(std::string(key)).second) return;
    g_.items_zh.push_back(std::move(zh));
    g_.items_en.push_back(std::move(en));
  }

 private:
  Guidance& g_;
  std::set<std::string> keys_;
};

}  // namespace

Guidance MedicationGuidance(const GuidanceInput& in, const DrugLookup& lookup) {
  Guidance g;
  Builder b(g);

  // 1. A serious ADR makes the patient 不稳定: refer now (rules.md §4.1, §4.2).
  if (in.adr == AdverseReaction::kSerious) {
    g.refer_for_adverse_reaction = true;
    b.Add(kReferAdr);
  }

  // 2. Adherence (rules.md §3 definitions).
  switch (in.adherence) {
    case Adherence::kRegular:
      b.Add(kRegular);
      break;
    case Adherence::kIntermittent:
    case Adherence::kNotTaking:
      b.Add(in.adherence == Adherence::kNotTaking ? kNotTaking : kIntermittent);
      b.Add(kGuardian);  // 精神卫生法 Art. 49 (rules.md §8)
      b.Add(kReminders);
      b.Add(kNoSelfStop);
      break;
    case Adherence::kNotNeeded:
      b.Add(kNotNeeded);
      break;
    case Adherence::kUnspecified:
      if (!in.regimen.empty()) b.Add(kAsPrescribed);
      break;
  }

  // 3. Long-acting injections: the earliest next date over the long-acting lines.
  bool has_long_acting = false;
  bool interval_unknown = false;
  const std::optional<absl::CivilDay> base =
      in.last_injection.has_value() ? in.last_injection : in.last_visit;
  for (const MedicationLine& line : in.regimen) {
    if (!line.long_acting) continue;
    has_long_acting = true;
    if (line.interval_weeks <= 0 || !base.has_value()) {
      interval_unknown = true;
      continue;
    }
    const absl::CivilDay next = *base + 7 * static_cast<absl::civil_diff_t>(line.interval_weeks);
    if (!g.next_injection.has_value() || next < *g.next_injection) g.next_injection = next;
  }
  if (g.next_injection.has_value()) {
    const absl::CivilDay d = *g.next_injection;
    b.Add("injection",
          absl::StrFormat("下次长效针剂注射日期：%d年%d月%d日。请按时到医院或社区卫生服务中心注射，"
                          "不要错过；如果不能按时去，请提前联系医生。",
                          d.year(), d.month(), d.day()),
          absl::StrFormat("Next long-acting injection due on %04d-%02d-%02d. Go to the hospital "
                          "or community health centre on time; if you cannot, contact the "
                          "doctor beforehand.",
                          d.year(), d.month(), d.day()));
  } else if (has_long_acting && interval_unknown) {
    b.Add(kInjectionUnknown);
  }

  // 4. A mild ADR does not change the class by itself (rules.md decisions): report it.
  if (in.adr == AdverseReaction::kMild) b.Add(kMildAdr);

  // 5. Always.
  b.Add(kRelapseSigns);
  b.Add(kDanger);

  // 6. Per class, then per drug, in regimen order.
  for (const MedicationLine& line : in.regimen) {
    const DrugInfo* d = lookup ? lookup(line.drug_code) : nullptr;
    if (d == nullptr) continue;
    if (const Item* item = ClassItem(d->kind)) b.Add(*item);
    if (const Item* item = DrugItem(d->code)) b.Add(*item);
  }
  return g;
}

}  // namespace smd::domain
