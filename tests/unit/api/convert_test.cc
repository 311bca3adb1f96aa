#include "api/convert.h"

#include <string>
#include <string_view>
#include <vector>

#include "absl/strings/match.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "domain/resident_id.h"
#include "domain/types.h"
#include "gmock/gmock.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "gtest/gtest.h"
#include "support/synthetic.h"
#include "unit/domain/test_helpers.h"

namespace smd::api {
namespace {

using ::smd::domain::testing::IsFieldError;
using ::smd::domain::testing::IsOk;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// ISO 7064 MOD 11-2, written out here independently of domain::ComputeCheckChar.
std::string CheckChar(std::string_view first17) {
  static constexpr int kWeights[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  static constexpr std::string_view kChars = "10X98765432";
  int sum = 0;
  for (int i = 0; i < 17; ++i) {
    sum += (first17[i] - '0') * kWeights[i];
  }
  return std::string(1, kChars[sum % 11]);
}

// Synthetic resident ID (never a real person's), made at run time: 320106 + 19900101 + 123
// + check char.
std::string SyntheticIdNumber() {
  return ::smd::testing::SyntheticIdNumber(absl::CivilDay(1990, 1, 1), 123);
}

smd::v1::Date MakeDate(int y, int m, int d) {
  smd::v1::Date out;
  out.set_year(y);
  out.set_month(m);
  out.set_day(d);
  return out;
}

// A patient with every member set to a non-default value (synthetic data only).
domain::Patient FullPatient() {
  domain::Patient p;
  p.id = "0b7f6f3e-5d0c-4c1e-9a53-6d2f4a1b2c3d";
  p.id_number = SyntheticIdNumber();
  p.name = "演示患者0001";
  p.sex = domain::Sex::kMale;
  p.birth_date = absl::CivilDay(1990, 1, 1);
  p.phone = ::smd::testing::UndiallablePhone(1);
  p.address = "演示市演示区演示路1号";
  p.jurisdiction = "320106001003";
  p.guardian.name = "演示监护人0001";
  p.guardian.relationship = "母亲";
  p.guardian.address = "演示市演示区演示路2号";
  p.guardian.phone = ::smd::testing::UndiallablePhone(2);
  p.community_contact_name = "演示联系人";
  p.community_contact_phone = ::smd::testing::UndiallablePhone(3);
  p.consent = true;
  p.consent_date = absl::CivilDay(2024, 2, 1);
  p.consent_signer = "监护人";
  p.diagnosis = domain::DiagnosisCategory::kBipolar;
  p.icd10 = "F31.1";
  p.diagnosing_hospital = "演示医院";
  p.diagnosis_date = absl::CivilDay(2015, 6, 1);
  p.onset = domain::PartialDate{2014, 3, 15};
  p.past_symptoms = {1, 3, 12};
  p.past_symptoms_other = "失眠";
  p.past_lockup = domain::LockupStatus::kReleased;
  p.outpatient = domain::OutpatientHistory::kIntermittent;
  p.first_antipsychotic_date = absl::CivilDay(2015, 6, 2);
  p.hospitalizations = 2;
  p.last_treatment_effect = domain::TreatmentEffect::kImproved;
  p.past_behaviour = domain::DangerousBehaviour{1, 2, 3, 4, 5, 6};
  p.economic = domain::EconomicStatus::kNotPoor;
  p.specialist_opinion = "规律服药。\n定期随访。";
  p.poverty_relief = true;
  p.guardianship_subsidy = true;
  p.disability_certificate = true;
  p.community_rehab = true;
  p.status = domain::PatientStatus::kDeceased;
  p.risk_level = 3;
  p.classification = 2;
  p.closed_date = absl::CivilDay(2024, 2, 20);
  p.close_reason = "演示原因";
  p.death_cause = 2;
  p.transfer_to = "320106001004";
  p.version = 7;
  p.registered_at = absl::FromUnixSeconds(1700000000) + absl::Nanoseconds(123456789);
  p.updated_at = absl::FromUnixSeconds(1700003600) + absl::Nanoseconds(1);
  p.registered_by = "1e2d3c4b-0000-4000-8000-000000000001";
  return p;
}

// Collects the paths of fields of `m` (recursively) that hold their default value.
void DefaultFields(const google::protobuf::Message& m, const std::string& prefix,
                   std::vector<std::string>* out) {
  const google::protobuf::Descriptor* desc = m.GetDescriptor();
  const google::protobuf::Reflection* refl = m.GetReflection();
  for (int i = 0; i < desc->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* f = desc->field(i);
    const std::string path = prefix + f->name();
    const bool set = f->is_repeated() ? refl->FieldSize(m, f) > 0 : refl->HasField(m, f);
    if (!set) {
      out->push_back(path);
    } else if (!f->is_repeated() &&
               f->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
      DefaultFields(refl->GetMessage(m, f), path + ".", out);
    }
  }
}

// ---- Dates --------------------------------------------------------------------------------

TEST(ConvertDate, EmptyMessageIsNullopt) {
  const absl::StatusOr<std::optional<absl::CivilDay>> d =
      DateFromProto(smd::v1::Date(), "consent_date");
  ASSERT_THAT(d.status(), IsOk());
  EXPECT_FALSE(d->has_value());
}

TEST(ConvertDate, RealDateConverts) {
  const auto d = DateFromProto(MakeDate(2024, 2, 29), "diagnosis_date");
  ASSERT_THAT(d.status(), IsOk());
  ASSERT_TRUE(d->has_value());
  EXPECT_EQ(**d, absl::CivilDay(2024, 2, 29));
  EXPECT_EQ(*DateFromProto(MakeDate(1900, 1, 1), "x"), absl::CivilDay(1900, 1, 1));
  EXPECT_EQ(*DateFromProto(MakeDate(2200, 12, 31), "x"), absl::CivilDay(2200, 12, 31));
}

TEST(ConvertDate, InvalidDateNamesTheField) {
  const std::vector<smd::v1::Date> bad = {
      MakeDate(2023, 2, 29),  // not a leap year
      MakeDate(2024, 13, 1), MakeDate(2024, 4, 31),  MakeDate(2024, 0, 1),
      MakeDate(2024, 1, 0),  MakeDate(2024, 0, 0),  // year only: a Date must be complete
      MakeDate(0, 1, 1),     MakeDate(1899, 12, 31), MakeDate(2201, 1, 1),
      MakeDate(-1, 1, 1),    MakeDate(2024, -1, 1),
  };
  for (const smd::v1::Date& d : bad) {
    const auto r = DateFromProto(d, "first_antipsychotic_date");
    EXPECT_THAT(r.status(), IsFieldError("first_antipsychotic_date")) << d.ShortDebugString();
    EXPECT_THAT(std::string(r.status().message()), HasSubstr("日期无效"));
  }
}

TEST(ConvertDate, ToProto) {
  smd::v1::Date d;
  DateToProto(absl::CivilDay(2024, 3, 1), &d);
  EXPECT_EQ(d.year(), 2024);
  EXPECT_EQ(d.month(), 3);
  EXPECT_EQ(d.day(), 1);
  DateToProto(std::optional<absl::CivilDay>(), &d);
  EXPECT_EQ(d.year(), 0);
  EXPECT_EQ(d.month(), 0);
  EXPECT_EQ(d.day(), 0);
  DateToProto(std::optional<absl::CivilDay>(absl::CivilDay(1990, 12, 31)), &d);
  EXPECT_EQ(*DateFromProto(d, "x"), absl::CivilDay(1990, 12, 31));
}

TEST(ConvertDate, PartialDateIsCopiedWithoutValidation) {
  smd::v1::PartialDate in;
  in.set_year(2014);
  in.set_month(13);  // invalid on purpose: the domain layer validates
  const domain::PartialDate d = PartialDateFromProto(in);
  EXPECT_EQ(d.year, 2014);
  EXPECT_EQ(d.month, 13);
  EXPECT_EQ(d.day, 0);
  smd::v1::PartialDate out;
  PartialDateToProto(domain::PartialDate{2014, 3, 0}, &out);
  EXPECT_EQ(out.year(), 2014);
  EXPECT_EQ(out.month(), 3);
  EXPECT_EQ(out.day(), 0);
  EXPECT_TRUE(PartialDateFromProto(smd::v1::PartialDate()).empty());
}

// ---- Timestamps ---------------------------------------------------------------------------

TEST(ConvertTime, RoundTripKeepsNanoseconds) {
  const absl::Time t = absl::FromUnixSeconds(1700000000) + absl::Nanoseconds(987654321);
  google::protobuf::Timestamp ts;
  TimeToProto(t, &ts);
  EXPECT_EQ(ts.seconds(), 1700000000);
  EXPECT_EQ(ts.nanos(), 987654321);
  EXPECT_EQ(*TimeFromProto(ts, "t"), t);
}

TEST(ConvertTime, BeforeEpochHasNonNegativeNanos) {
  const absl::Time t = absl::FromUnixSeconds(-10) + absl::Milliseconds(250);  // -9.75 s
  google::protobuf::Timestamp ts;
  TimeToProto(t, &ts);
  EXPECT_EQ(ts.seconds(), -10);
  EXPECT_EQ(ts.nanos(), 250000000);
  EXPECT_EQ(*TimeFromProto(ts, "t"), t);
}

TEST(ConvertTime, UnsetAndInfinities) {
  EXPECT_EQ(*TimeFromProto(google::protobuf::Timestamp(), "t"), std::nullopt);

  google::protobuf::Timestamp ts;
  ts.set_seconds(5);
  TimeToProto(absl::InfinitePast(), &ts);
  EXPECT_EQ(ts.seconds(), 0);
  EXPECT_EQ(ts.nanos(), 0);
  EXPECT_EQ(*TimeFromProto(ts, "t"), std::nullopt);

  TimeToProto(absl::InfiniteFuture(), &ts);
  EXPECT_EQ(ts.seconds(), 253402300799);  // 9999-12-31T23:59:59Z
  EXPECT_EQ(ts.nanos(), 999999999);
}

// A Timestamp outside what google.protobuf.Timestamp allows is refused, naming the field.
TEST(ConvertTime, OutOfRangeTimestampsAreInvalidArgumentNamingTheField) {
  const std::pair<int64_t, int32_t> bad[] = {
      {253402300800, 0},          // 10000-01-01T00:00:00Z
      {INT64_MAX, 0},             //
      {-62135596801, 0},          // one second before 0001-01-01
      {INT64_MIN, 0},             //
      {1700000000, -1},           // negative nanos
      {1700000000, 1000000000},   // nanos of a whole second
      {0, -5},                    // not "unset": nanos alone
  };
  for (const auto& [seconds, nanos] : bad) {
    google::protobuf::Timestamp ts;
    ts.set_seconds(seconds);
    ts.set_nanos(nanos);
    auto t = TimeFromProto(ts, "started_at");
    ASSERT_FALSE(t.ok()) << seconds << "s " << nanos << "ns";
    EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_TRUE(absl::StartsWith(t.status().message(), "started_at: ")) << t.status();
  }
  // The ends themselves are valid.
  google::protobuf::Timestamp ts;
  ts.set_seconds(253402300799);
  ts.set_nanos(999999999);
  EXPECT_TRUE(TimeFromProto(ts, "t").ok());
  ts.set_seconds(-62135596800);
  ts.set_nanos(0);
  EXPECT_TRUE(TimeFromProto(ts, "t").ok());
}

// ---- Enums --------------------------------------------------------------------------------

TEST(ConvertEnum, InRangeValuesPassThrough) {
  EXPECT_EQ(*RoleFromProto(smd::v1::ROLE_ADMIN, "role"), domain::Role::kAdmin);
  EXPECT_EQ(*RoleFromProto(smd::v1::ROLE_UNSPECIFIED, "role"), domain::Role::kUnspecified);
  EXPECT_EQ(*DiagnosisCategoryFromProto(smd::v1::DIAGNOSIS_INTELLECTUAL_DISABILITY_RELATED, "d"),
            domain::DiagnosisCategory::kIntellectualDisabilityRelated);
  EXPECT_EQ(*LockupStatusFromProto(smd::v1::LOCKUP_RELEASED, "l"), domain::LockupStatus::kReleased);
  EXPECT_EQ(*OutpatientHistoryFromProto(smd::v1::OUTPATIENT_CONTINUOUS, "o"),
            domain::OutpatientHistory::kContinuous);
  EXPECT_EQ(*EconomicStatusFromProto(smd::v1::ECONOMIC_UNKNOWN, "e"),
            domain::EconomicStatus::kUnknown);
  EXPECT_EQ(*TreatmentEffectFromProto(smd::v1::TREATMENT_EFFECT_WORSE, "t"),
            domain::TreatmentEffect::kWorse);
  EXPECT_EQ(*PatientStatusFromProto(smd::v1::PATIENT_STATUS_CANCELLED, "status"),
            domain::PatientStatus::kCancelled);
}

TEST(ConvertEnum, OutOfRangeNamesTheField) {
  EXPECT_THAT(RoleFromProto(static_cast<smd::v1::Role>(99), "role").status(), IsFieldError("role"));
  EXPECT_THAT(RoleFromProto(static_cast<smd::v1::Role>(-1), "role").status(), IsFieldError("role"));
  EXPECT_THAT(
      DiagnosisCategoryFromProto(static_cast<smd::v1::DiagnosisCategory>(7), "diagnosis").status(),
      IsFieldError("diagnosis"));
  EXPECT_THAT(LockupStatusFromProto(static_cast<smd::v1::LockupStatus>(4), "past_lockup").status(),
              IsFieldError("past_lockup"));
  EXPECT_THAT(
      OutpatientHistoryFromProto(static_cast<smd::v1::OutpatientHistory>(4), "outpatient").status(),
      IsFieldError("outpatient"));
  EXPECT_THAT(EconomicStatusFromProto(static_cast<smd::v1::EconomicStatus>(4), "economic").status(),
              IsFieldError("economic"));
  EXPECT_THAT(
      TreatmentEffectFromProto(static_cast<smd::v1::TreatmentEffect>(5), "last_treatment_effect")
          .status(),
      IsFieldError("last_treatment_effect"));
  EXPECT_THAT(PatientStatusFromProto(static_cast<smd::v1::PatientStatus>(6), "status").status(),
              IsFieldError("status"));
}

// The domain enums must stay in step with the proto enums (domain/types.h).
TEST(ConvertEnum, ProtoMaximaEqualDomainMaxima) {
  EXPECT_EQ(smd::v1::Role_MAX, domain::kMaxRole);
  EXPECT_EQ(smd::v1::DiagnosisCategory_MAX,
            static_cast<int>(domain::DiagnosisCategory::kIntellectualDisabilityRelated));
  EXPECT_EQ(smd::v1::LockupStatus_MAX, static_cast<int>(domain::LockupStatus::kReleased));
  EXPECT_EQ(smd::v1::OutpatientHistory_MAX,
            static_cast<int>(domain::OutpatientHistory::kContinuous));
  EXPECT_EQ(smd::v1::EconomicStatus_MAX, static_cast<int>(domain::EconomicStatus::kUnknown));
  EXPECT_EQ(smd::v1::TreatmentEffect_MAX, static_cast<int>(domain::TreatmentEffect::kWorse));
  EXPECT_EQ(smd::v1::PatientStatus_MAX, static_cast<int>(domain::PatientStatus::kCancelled));
  EXPECT_EQ(smd::v1::Sex_MAX, static_cast<int>(domain::Sex::kFemale));
  EXPECT_EQ(smd::v1::PatientView_MAX, static_cast<int>(domain::PatientViewKind::kPublicSafety));
  EXPECT_EQ(RoleToProto(domain::Role::kPolice), smd::v1::ROLE_POLICE);
  EXPECT_EQ(SexToProto(domain::Sex::kFemale), smd::v1::SEX_FEMALE);
  EXPECT_EQ(PatientViewToProto(domain::PatientViewKind::kClinical), smd::v1::PATIENT_VIEW_CLINICAL);
}

// ---- Patients -----------------------------------------------------------------------------

TEST(ConvertPatient, SyntheticIdNumberIsValid) {
  // Cross-check of the test's own MOD 11-2 against the domain's, over a thousand generated
  // numbers (every check character occurs).
  std::string seen;
  for (int seq = 0; seq < 1000; ++seq) {
    const std::string first17 =
        ::smd::testing::SyntheticIdFirst17(absl::CivilDay(1990, 1, 1), seq);
    ASSERT_EQ(CheckChar(first17), domain::ComputeCheckChar(first17)) << first17;
    if (seen.find(CheckChar(first17)) == std::string::npos) seen += CheckChar(first17);
  }
  EXPECT_EQ(seen.size(), 11u);
  EXPECT_TRUE(domain::ParseResidentId(SyntheticIdNumber(), absl::CivilDay(2024, 3, 1)).ok());
}

TEST(ConvertPatient, ToProtoSetsEveryField) {
  smd::v1::Patient proto;
  PatientToProto(FullPatient(), domain::PatientViewKind::kClinical, &proto);
  std::vector<std::string> unset;
  DefaultFields(proto, "", &unset);
  // details.id_number is input-only (the number is the top-level id_number); unreadable
  // marks a listing's placeholder row, set by the handler (api/services.cc), never by a
  // patient that was read.
  EXPECT_THAT(unset, ElementsAre("details.id_number", "unreadable"));
}

TEST(ConvertPatient, ToProtoCopiesValues) {
  const domain::Patient p = FullPatient();
  smd::v1::Patient proto;
  PatientToProto(p, /*view_kind=*/1, &proto);
  EXPECT_EQ(proto.patient_id(), p.id);
  EXPECT_EQ(proto.id_number(), SyntheticIdNumber());
  EXPECT_EQ(proto.sex(), smd::v1::SEX_MALE);
  EXPECT_EQ(*DateFromProto(proto.birth_date(), "birth_date"), absl::CivilDay(1990, 1, 1));
  EXPECT_EQ(proto.details().name(), "演示患者0001");
  EXPECT_EQ(proto.details().guardian().relationship(), "母亲");
  EXPECT_EQ(proto.details().diagnosis(), smd::v1::DIAGNOSIS_BIPOLAR);
  EXPECT_EQ(proto.details().onset().year(), 2014);
  EXPECT_EQ(proto.details().onset().month(), 3);
  EXPECT_THAT(proto.details().past_symptoms(), ElementsAre(1, 3, 12));
  EXPECT_EQ(proto.details().past_behaviour().attempted_suicide(), 6);
  EXPECT_EQ(proto.status(), smd::v1::PATIENT_STATUS_DECEASED);
  EXPECT_EQ(proto.risk_level(), 3);
  EXPECT_EQ(proto.classification(), 2);
  EXPECT_EQ(*DateFromProto(proto.closed_date(), "closed_date"), absl::CivilDay(2024, 2, 20));
  EXPECT_EQ(proto.close_reason(), "演示原因");
  EXPECT_EQ(proto.death_cause(), 2);
  EXPECT_EQ(proto.transfer_to(), "320106001004");
  EXPECT_EQ(proto.version(), 7);
  EXPECT_EQ(proto.registered_at().seconds(), 1700000000);
  EXPECT_EQ(proto.registered_at().nanos(), 123456789);
  EXPECT_EQ(*TimeFromProto(proto.updated_at(), "t"), p.updated_at);
  EXPECT_EQ(proto.view(), smd::v1::PATIENT_VIEW_CLINICAL);
}

TEST(ConvertPatient, RoundTripOfFullPatient) {
  const domain::Patient p = FullPatient();
  smd::v1::Patient proto;
  PatientToProto(p, domain::PatientViewKind::kClinical, &proto);

  // What a client sends back when it edits the record: the details, plus the id number on
  // registration.
  smd::v1::PatientDetails details = proto.details();
  details.set_id_number(proto.id_number());
  domain::Patient q;
  ASSERT_THAT(PatientDetailsFromProto(details, &q), IsOk());

  EXPECT_EQ(q.id_number, p.id_number);
  EXPECT_EQ(q.name, p.name);
  EXPECT_EQ(q.phone, p.phone);
  EXPECT_EQ(q.address, p.address);
  EXPECT_EQ(q.jurisdiction, p.jurisdiction);
  EXPECT_EQ(q.guardian.name, p.guardian.name);
  EXPECT_EQ(q.guardian.relationship, p.guardian.relationship);
  EXPECT_EQ(q.guardian.address, p.guardian.address);
  EXPECT_EQ(q.guardian.phone, p.guardian.phone);
  EXPECT_EQ(q.community_contact_name, p.community_contact_name);
  EXPECT_EQ(q.community_contact_phone, p.community_contact_phone);
  EXPECT_EQ(q.consent, p.consent);
  EXPECT_EQ(q.consent_date, p.consent_date);
  EXPECT_EQ(q.consent_signer, p.consent_signer);
  EXPECT_EQ(q.diagnosis, p.diagnosis);
  EXPECT_EQ(q.icd10, p.icd10);
  EXPECT_EQ(q.diagnosing_hospital, p.diagnosing_hospital);
  EXPECT_EQ(q.diagnosis_date, p.diagnosis_date);
  EXPECT_EQ(q.onset.year, p.onset.year);
  EXPECT_EQ(q.onset.month, p.onset.month);
  EXPECT_EQ(q.onset.day, p.onset.day);
  EXPECT_EQ(q.past_symptoms, p.past_symptoms);
  EXPECT_EQ(q.past_symptoms_other, p.past_symptoms_other);
  EXPECT_EQ(q.past_lockup, p.past_lockup);
  EXPECT_EQ(q.outpatient, p.outpatient);
  EXPECT_EQ(q.first_antipsychotic_date, p.first_antipsychotic_date);
  EXPECT_EQ(q.hospitalizations, p.hospitalizations);
  EXPECT_EQ(q.last_treatment_effect, p.last_treatment_effect);
  EXPECT_EQ(q.past_behaviour.minor_trouble, 1);
  EXPECT_EQ(q.past_behaviour.trouble, 2);
  EXPECT_EQ(q.past_behaviour.accident, 3);
  EXPECT_EQ(q.past_behaviour.other_harm, 4);
  EXPECT_EQ(q.past_behaviour.self_harm, 5);
  EXPECT_EQ(q.past_behaviour.attempted_suicide, 6);
  EXPECT_EQ(q.economic, p.economic);
  EXPECT_EQ(q.specialist_opinion, p.specialist_opinion);
  EXPECT_EQ(q.poverty_relief, p.poverty_relief);
  EXPECT_EQ(q.guardianship_subsidy, p.guardianship_subsidy);
  EXPECT_EQ(q.disability_certificate, p.disability_certificate);
  EXPECT_EQ(q.community_rehab, p.community_rehab);

  // The server-maintained members come back through the top-level fields.
  EXPECT_EQ(*TimeFromProto(proto.registered_at(), "t"), p.registered_at);
  EXPECT_EQ(*DateFromProto(proto.closed_date(), "closed_date"), p.closed_date);

  // And a second pass yields the same message.
  q.id = p.id;
  q.sex = p.sex;
  q.birth_date = p.birth_date;
  q.status = p.status;
  q.risk_level = p.risk_level;
  q.classification = p.classification;
  q.closed_date = p.closed_date;
  q.close_reason = p.close_reason;
  q.death_cause = p.death_cause;
  q.transfer_to = p.transfer_to;
  q.version = p.version;
  q.registered_at = **TimeFromProto(proto.registered_at(), "t");
  q.updated_at = **TimeFromProto(proto.updated_at(), "t");
  smd::v1::Patient again;
  PatientToProto(q, domain::PatientViewKind::kClinical, &again);
  EXPECT_EQ(again.SerializeAsString(), proto.SerializeAsString());
}

TEST(ConvertPatient, DetailsFromProtoLeavesOtherMembers) {
  domain::Patient p = FullPatient();
  smd::v1::PatientDetails in;
  in.set_name("演示患者0002");
  ASSERT_THAT(PatientDetailsFromProto(in, &p), IsOk());
  EXPECT_EQ(p.name, "演示患者0002");
  EXPECT_EQ(p.consent_date, std::nullopt);  // a form field: replaced by the empty Date
  EXPECT_TRUE(p.past_symptoms.empty());
  EXPECT_EQ(p.id, "0b7f6f3e-5d0c-4c1e-9a53-6d2f4a1b2c3d");  // not a form field: kept
  EXPECT_EQ(p.birth_date, absl::CivilDay(1990, 1, 1));
  EXPECT_EQ(p.status, domain::PatientStatus::kDeceased);
  EXPECT_EQ(p.version, 7);
}

TEST(ConvertPatient, BadDateNamesTheFieldAndLeavesOutUnchanged) {
  smd::v1::Patient proto;
  PatientToProto(FullPatient(), domain::PatientViewKind::kClinical, &proto);

  struct Case {
    std::string field;
    void (*breaker)(smd::v1::PatientDetails*);
  };
  const std::vector<Case> cases = {
      {"consent_date", [](smd::v1::PatientDetails* d) { d->mutable_consent_date()->set_day(30); }},
      {"diagnosis_date",
       [](smd::v1::PatientDetails* d) { *d->mutable_diagnosis_date() = MakeDate(2023, 2, 29); }},
      {"first_antipsychotic_date",
       [](smd::v1::PatientDetails* d) { d->mutable_first_antipsychotic_date()->set_month(13); }},
  };
  for (const Case& c : cases) {
    smd::v1::PatientDetails details = proto.details();
    c.breaker(&details);
    domain::Patient out;
    out.name = "unchanged";
    EXPECT_THAT(PatientDetailsFromProto(details, &out), IsFieldError(c.field));
    EXPECT_EQ(out.name, "unchanged");
  }
}

TEST(ConvertPatient, OutOfRangeEnumNamesTheField) {
  smd::v1::Patient proto;
  PatientToProto(FullPatient(), domain::PatientViewKind::kClinical, &proto);
  const smd::v1::PatientDetails base = proto.details();
  domain::Patient out;

  smd::v1::PatientDetails d = base;
  d.set_diagnosis(static_cast<smd::v1::DiagnosisCategory>(99));
  EXPECT_THAT(PatientDetailsFromProto(d, &out), IsFieldError("diagnosis"));
  d = base;
  d.set_past_lockup(static_cast<smd::v1::LockupStatus>(99));
  EXPECT_THAT(PatientDetailsFromProto(d, &out), IsFieldError("past_lockup"));
  d = base;
  d.set_outpatient(static_cast<smd::v1::OutpatientHistory>(99));
  EXPECT_THAT(PatientDetailsFromProto(d, &out), IsFieldError("outpatient"));
  d = base;
  d.set_last_treatment_effect(static_cast<smd::v1::TreatmentEffect>(99));
  EXPECT_THAT(PatientDetailsFromProto(d, &out), IsFieldError("last_treatment_effect"));
  d = base;
  d.set_economic(static_cast<smd::v1::EconomicStatus>(-3));
  EXPECT_THAT(PatientDetailsFromProto(d, &out), IsFieldError("economic"));

  // The first bad field in proto field order is reported.
  d = base;
  d.set_economic(static_cast<smd::v1::EconomicStatus>(99));
  d.mutable_consent_date()->set_month(0);
  EXPECT_THAT(PatientDetailsFromProto(d, &out), IsFieldError("consent_date"));
  EXPECT_THAT(PatientDetailsFromProto(base, &out), IsOk());
}

TEST(ConvertPatient, EmptyDomainMembersStayUnset) {
  domain::Patient p;  // every member default, as ApplyView leaves hidden groups
  p.id = "0b7f6f3e-5d0c-4c1e-9a53-6d2f4a1b2c3d";
  smd::v1::Patient proto;
  PatientToProto(p, domain::PatientViewKind::kPublicSafety, &proto);
  EXPECT_FALSE(proto.has_birth_date());
  EXPECT_FALSE(proto.has_closed_date());
  EXPECT_FALSE(proto.has_registered_at());
  EXPECT_FALSE(proto.has_updated_at());
  EXPECT_FALSE(proto.details().has_guardian());
  EXPECT_FALSE(proto.details().has_consent_date());
  EXPECT_FALSE(proto.details().has_diagnosis_date());
  EXPECT_FALSE(proto.details().has_first_antipsychotic_date());
  EXPECT_FALSE(proto.details().has_onset());
  EXPECT_FALSE(proto.details().has_past_behaviour());
  EXPECT_EQ(proto.details().past_symptoms_size(), 0);
  EXPECT_EQ(proto.risk_level(), -1);
  EXPECT_EQ(proto.view(), smd::v1::PATIENT_VIEW_PUBLIC_SAFETY);

  // A patient really born on 1970-01-01 keeps the birth date: the identity group is visible.
  p.id_number = "320106********1234";
  p.birth_date = absl::CivilDay(1970, 1, 1);
  PatientToProto(p, domain::PatientViewKind::kClinical, &proto);
  ASSERT_TRUE(proto.has_birth_date());
  EXPECT_EQ(proto.birth_date().year(), 1970);
}

TEST(ConvertPatient, ToProtoClearsTheOutputFirst) {
  smd::v1::Patient proto;
  PatientToProto(FullPatient(), domain::PatientViewKind::kClinical, &proto);
  PatientToProto(domain::Patient(), domain::PatientViewKind::kNone, &proto);
  EXPECT_EQ(proto.details().name(), "");
  EXPECT_FALSE(proto.has_closed_date());
  EXPECT_EQ(proto.death_cause(), 0);
}

}  // namespace
}  // namespace smd::api
