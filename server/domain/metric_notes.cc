#include "domain/metric_notes.h"

#include <array>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "domain/metric_catalogue.h"

namespace smd::domain {
namespace {

std::string Day(absl::CivilDay d) { return absl::FormatCivilTime(d); }
std::string Month(absl::CivilDay d) { return absl::FormatCivilTime(absl::CivilMonth(d)); }

std::string ZhEn(std::string_view zh, std::string_view en) {
  return absl::StrCat(std::string(zh), " (", std::string(en), ")");
}

// C strings, not std::string_view: Debian's absl::StrCat takes no
// std::string_view.
struct Label {
  const char* zh;
  const char* en;
};

Label AdherenceLabel(Adherence a) {
  switch (a) {
    case Adherence::kRegular:
      return {"规律服药", "regular medication"};
    case Adherence::kIntermittent:
      return {"间断服药", "intermittent medication"};
    case Adherence::kNotTaking:
      return {"不服药", "not taking medication"};
    case Adherence::kNotNeeded:
      return {"医嘱勿需服药", "no medication needed"};
    case Adherence::kUnspecified:
      break;
  }
  return {"未填写服药情况", "no adherence recorded"};
}

Label ClassLabel(Classification c) {
  switch (c) {
    case Classification::kUnstable:
      return {"不稳定", "unstable"};
    case Classification::kBasicallyStable:
      return {"基本稳定", "basically stable"};
    case Classification::kStable:
      return {"稳定", "stable"};
    case Classification::kNone:
      break;
  }
  return {"未分类", "not classified"};
}

Label LostLabel(LostReason r) {
  switch (r) {
    case LostReason::kWorkingAway:
      return {"外出打工", "working away"};
    case LostReason::kMovedAway:
      return {"迁居他处", "moved elsewhere"};
    case LostReason::kMissing:
      return {"走失", "missing"};
    case LostReason::kThreeFailures:
      return {"连续3次未访到", "3 consecutive failed visits"};
    case LostReason::kOther:
    case LostReason::kNone:
      break;
  }
  return {"其他", "other"};
}

// The note of a home patient without a dated record (社区康复, 心理疏导) in the
// period, naming the latest one before the period when there is one, so the
// worker sees whether participation lapsed or never started.
std::string NoRecordNote(const std::vector<absl::CivilDay>& dates, const ReportingPeriod& p,
                         const char* zh, const char* en) {
  std::optional<absl::CivilDay> before;
  for (absl::CivilDay d : dates) {
    if (d < p.start() && (!before || d > *before)) before = d;
  }
  if (before) {
    return ZhEn(absl::StrCat("本期无", zh, "记录，末次为", Day(*before)),
                absl::StrCat("no ", en, " record in the period; the last was on ", Day(*before)));
  }
  return ZhEn(absl::StrCat("本期无", zh, "记录"), absl::StrCat("no ", en, " record in the period"));
}

// The note of R1 (rules.md §5.2): the earliest failing gap, and how many more
// there are.
std::string R1Note(const R1Gap& r) {
  std::string zh;
  std::string en;
  switch (r.kind) {
    case R1Gap::Kind::kFirstLate: {
      const std::string due = absl::FormatCivilTime(r.due);
      zh = absl::StrCat("首次随访应不晚于", due, "，实际在", Month(r.to));
      en = absl::StrCat("the first follow-up was due by ", due, " but came in ", Month(r.to));
      break;
    }
    case R1Gap::Kind::kBetweenVisits:
      zh = absl::StrCat(Month(r.from), "至", Month(r.to), "间隔", r.months, "个月");
      en = absl::StrCat(r.months, " months between the ", Month(r.from), " and ", Month(r.to),
                        " visits");
      break;
    case R1Gap::Kind::kSinceLast:
      zh = absl::StrCat("自", Day(r.from), "起无有效随访");
      en = absl::StrCat("no valid follow-up since ", Day(r.from));
      break;
    case R1Gap::Kind::kNoVisit:
      // Valid visits exist only before the registration date (a late registration
      // entry).
      zh = "建档后无有效随访";
      en = "no valid follow-up since registration";
      break;
    case R1Gap::Kind::kNone:
      break;
  }
  if (r.failures <= 1) return ZhEn(zh, en);
  const int more = r.failures - 1;
  return ZhEn(absl::StrCat(zh, "，另有", more, "处间隔超过3个月"),
              absl::StrCat(en, "; ", more, " more gap", more > 1 ? "s" : "", " over 3 months"));
}

// The note of 规律服药 (rules.md §5.1, S11).
std::string RegularNote(const RegularGap& g) {
  switch (g.kind) {
    case RegularGap::Kind::kBroken: {
      const Label l = AdherenceLabel(g.adherence);
      return ZhEn(absl::StrCat(Day(g.date), "随访记录为", l.zh),
                  absl::StrCat("the ", Day(g.date), " follow-up recorded ", l.en));
    }
    case RegularGap::Kind::kNoEvidence:
      return ZhEn("本期无规律服药或住院记录",
                  "no regular-medication or hospital record in the period");
    case RegularGap::Kind::kQuarterMissing:
      return ZhEn(
          absl::StrCat(g.year, "年第", g.quarter, "季度无规律服药或住院记录"),
          absl::StrCat("no regular-medication or hospital record in ", g.year, " Q", g.quarter));
    case RegularGap::Kind::kNone:
      break;
  }
  return "";
}

void AddNote(PatientMetrics& m, MetricStatus s, std::string text) {
  m.notes.push_back(StatusNote{s, std::move(text)});
}

}  // namespace

std::string NotRegisteredNote(const PatientPeriodInput& in, const ReportingPeriod& period) {
  if (in.registered_on > period.cutoff) {
    return ZhEn(absl::StrCat("截止日", Day(period.cutoff), "时尚未建档"),
                absl::StrCat("not yet registered at the cut-off ", Day(period.cutoff)));
  }
  struct Exit {
    std::optional<absl::CivilDay> date;
    const char* zh;
    const char* en;
  };
  const std::array<Exit, 3> exits = {{{in.died_on, "死亡", "died on "},
                                      {in.moved_out_on, "迁出", "moved out on "},
                                      {in.deregistered_on, "注销", "deregistered on "}}};
  const Exit* first = nullptr;  // the earliest exit wins
  for (const Exit& e : exits) {
    if (e.date && *e.date <= period.cutoff && (first == nullptr || *e.date < *first->date)) {
      first = &e;
    }
  }
  if (first == nullptr) return "";
  return ZhEn(absl::StrCat(Day(*first->date), first->zh),
              absl::StrCat(first->en, Day(*first->date)));
}

void AddStatusNotes(const PatientPeriodInput& in, const ReportingPeriod& period, const NoteFacts& f,
                    PatientMetrics& m) {
  using S = MetricStatus;
  const VisitFact* last_valid = f.last_valid;
  // The note of every status that needs a valid follow-up, when there is none.
  std::string no_valid;
  if (!m.managed) {
    if (f.failed_in_period > 0) {
      no_valid = ZhEn(
          absl::StrCat("本期仅有", f.failed_in_period, "次失访记录，无有效随访"),
          absl::StrCat("only ", f.failed_in_period, " failed visit",
                       f.failed_in_period > 1 ? "s" : "", " and no valid follow-up in the period"));
    } else if (f.valid_before) {
      no_valid = ZhEn(absl::StrCat("自", Day(*f.valid_before), "起无有效随访"),
                      absl::StrCat("no valid follow-up since ", Day(*f.valid_before)));
    } else {
      no_valid = ZhEn("本期无有效随访", "no valid follow-up in the period");
    }
  }

  if (!m.managed) AddNote(m, S::kManaged, no_valid);
  if (!m.standard_r1) AddNote(m, S::kStandardR1, m.managed ? R1Note(f.r1) : no_valid);
  if (!m.standard_r2) {
    AddNote(m, S::kStandardR2,
            m.managed
                ? ZhEn(absl::StrCat("本期有效随访", f.valid_count, "次，少于4次"),
                       absl::StrCat(f.valid_count, " valid follow-up", f.valid_count > 1 ? "s" : "",
                                    " in the period, fewer than 4"))
                : no_valid);
  }
  if (!m.on_medication_last) {
    std::string text = no_valid;
    if (m.managed) {
      const Label l = AdherenceLabel(last_valid->adherence);
      text = ZhEn(absl::StrCat("末次随访", Day(last_valid->date), "记录为", l.zh),
                  absl::StrCat("the last follow-up, ", Day(last_valid->date), ", recorded ", l.en));
    }
    AddNote(m, S::kOnMedicationLast, std::move(text));
  }
  if (!m.on_medication_any) {
    AddNote(m, S::kOnMedicationAny,
            m.managed ? ZhEn("本期随访无规律服药、间断服药或住院记录",
                             "no follow-up in the period recorded regular or intermittent "
                             "medication or a current hospital stay")
                      : no_valid);
  }
  if (!m.regular_medication) {
    AddNote(m, S::kRegularMedication, m.managed ? RegularNote(f.regular) : no_valid);
  }
  if (m.at_home && !m.home_stable) {
    const Label l = ClassLabel(last_valid->final_class);
    AddNote(m, S::kHomeStable,
            !f.last_valid_recent
                ? ZhEn(absl::StrCat("末次随访", Day(last_valid->date), "距截止日超过3个月"),
                       absl::StrCat("the last follow-up, ", Day(last_valid->date),
                                    ", is more than 3 months before the cut-off"))
                : ZhEn(absl::StrCat("末次随访", Day(last_valid->date), "分类为", l.zh),
                       absl::StrCat("the last follow-up, ", Day(last_valid->date),
                                    ", was classified ", l.en)));
  }
  if (!m.face_to_face) {
    AddNote(m, S::kFaceToFace,
            m.managed ? ZhEn("本期无门诊或家庭访视", "no clinic or home visit in the period")
                      : no_valid);
  }
  if (!m.health_checked) {
    AddNote(m, S::kHealthChecked,
            f.check_before ? ZhEn(absl::StrCat("本期无体检，末次体检在", Day(*f.check_before)),
                                  absl::StrCat("no health check in the period; the last was on ",
                                               Day(*f.check_before)))
                           : ZhEn("本期无体检", "no health check in the period"));
  }
  if (m.lost) {
    const Label l = LostLabel(f.last_record->lost_reason);
    AddNote(m, S::kLost,
            ZhEn(absl::StrCat("末次记录", Day(f.last_record->date), "为失访，原因：", l.zh),
                 absl::StrCat("the last record, ", Day(f.last_record->date),
                              ", is a failed visit: ", l.en)));
  }
  if (m.incident) {
    AddNote(m, S::kIncident,
            ZhEn(absl::StrCat("本期报告肇事", f.trouble, "次、肇祸", f.accident, "次"),
                 absl::StrCat(f.trouble, " public-order and ", f.accident,
                              " criminal incidents reported in the period")));
  }
  if (m.minor_trouble) {
    AddNote(m, S::kMinorTrouble,
            ZhEn(absl::StrCat("本期报告轻度滋事", f.minor_trouble, "次"),
                 absl::StrCat(f.minor_trouble, " minor disturbance", f.minor_trouble > 1 ? "s" : "",
                              " reported in the period")));
  }
  if (!m.assessed_classified) {
    AddNote(m, S::kAssessedClassified,
            m.managed ? ZhEn("本期无危险性评估和分类",
                             "no risk assessment and classification in the period")
                      : no_valid);
  }
  if (m.at_home && !m.community_rehab) {
    AddNote(m, S::kCommunityRehab, NoRecordNote(in.rehab, period, "社区康复", "community-rehab"));
  }
  const bool f20 = m.schizophrenia_registered;
  if (f20 && !m.schizophrenia_treated_last) {
    std::string text = no_valid;
    if (m.managed) {
      const Label l = AdherenceLabel(last_valid->adherence);
      text = ZhEn(absl::StrCat("末次随访", Day(last_valid->date), "记录为", l.zh, "，本期无住院"),
                  absl::StrCat("the last follow-up, ", Day(last_valid->date), ", recorded ", l.en,
                               ", and no hospital stay in the period"));
    }
    AddNote(m, S::kSchizophreniaTreatedLast, std::move(text));
  }
  if (f20 && !m.schizophrenia_treated_any) {
    AddNote(m, S::kSchizophreniaTreatedAny,
            m.managed ? ZhEn("本期无服药或住院记录",
                             "no medication or hospital stay recorded in the period")
                      : no_valid);
  }
  if (m.at_home && !m.psych_support) {
    AddNote(m, S::kPsychSupport,
            NoRecordNote(in.psych_support, period, "对患者或家属的心理疏导",
                         "psychological-support (patient or family)"));
  }
}

std::vector<const StatusNote*> NotesUnder(const PatientMetrics& p, const RuleSet& rules) {
  std::array<bool, kMaxMetricStatus + 1> wanted{};
  wanted[static_cast<int>(MetricStatus::kRegistered)] = true;
  wanted[static_cast<int>(MetricStatus::kLost)] = true;
  wanted[static_cast<int>(MetricStatus::kIncident)] = true;
  wanted[static_cast<int>(MetricStatus::kMinorTrouble)] = true;
  for (const IndicatorDef& def : IndicatorCatalogue()) {
    if (def.denominator_kind == DenominatorKind::kExternal) continue;
    wanted[static_cast<int>(NumeratorStatus(def, rules))] = true;
    wanted[static_cast<int>(def.denominator)] = true;  // [0] for the population: harmless
  }
  std::vector<const StatusNote*> out;
  for (const StatusNote& n : p.notes) {
    if (IsKnownMetricStatus(n.status) && wanted[static_cast<int>(n.status)]) out.push_back(&n);
  }
  return out;
}

}  // namespace smd::domain
