// Encryption at rest under a hostile database (issue 11 item 8), over gRPC against a real
// PostgreSQL, tampering as the superuser:
//   * a blind index copied to another row does not make that row a search hit;
//   * an older ciphertext of a cell put back after an update is refused;
//   * one undecryptable row does not fail a listing: it is reported, the rest is served;
//   * transfer reasons and decision notes are not in plaintext in the database;
//   * rows written before migration 0013 are read, then converted online, also when a call
//     held them during the first pass.

#include <memory>
#include <string>
#include <vector>

#include <pqxx/pqxx>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "crypto/encoding.h"
#include "crypto/field_cipher.h"
#include "crypto/keys.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "smd/v1/alerts.grpc.pb.h"
#include "smd/v1/followups.grpc.pb.h"
#include "support/test_env.h"

namespace smd::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kCommunity[] = "320106001066";  // this suite's own community

class EncryptionTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env_ = new TestServer("it_encryption", 4);
    followups_ = v1::FollowUpService::NewStub(env_->channel()).release();
    doctor_ = new std::string(env_->Login("doctor", kDoctorPw));
    doctor2_ = new std::string(env_->Login("doctor2", kDoctor2Pw));
    std::string admin = env_->Login("admin", kAdminPw);
    v1::UpsertRegionRequest up;
    up.set_code(kCommunity);
    up.set_name("加密测试社区");
    v1::Region r;
    ASSERT_TRUE(env_->regions->UpsertRegion(TestServer::Ctx(admin).get(), up, &r).ok());
  }
  static void TearDownTestSuite() {
    delete followups_;
    delete doctor_;
    delete doctor2_;
    delete env_;
  }

  static v1::Patient Register(int seq, const std::string& name,
                              const std::string& community = kCommunity) {
    v1::RegisterPatientRequest req;
    *req.mutable_details() = ValidDetails(SyntheticIdNumber("19790202", seq), name, community);
    v1::Patient p;
    grpc::Status s = env_->patients->RegisterPatient(TestServer::Ctx(*doctor_).get(), req, &p);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return p;
  }

  static grpc::Status Get(const std::string& id, v1::Patient* out) {
    v1::GetPatientRequest req;
    req.set_patient_id(id);
    return env_->patients->GetPatient(TestServer::Ctx(*doctor_).get(), req, out);
  }

  static v1::SearchPatientsResponse Search(const std::string& id_number, const std::string& name,
                                           const std::string& region = "") {
    v1::SearchPatientsRequest req;
    req.set_id_number(id_number);
    req.set_name(name);
    req.set_region(region);
    v1::SearchPatientsResponse resp;
    grpc::Status s = env_->patients->SearchPatients(TestServer::Ctx(*doctor_).get(), req, &resp);
    EXPECT_TRUE(s.ok()) << s.error_code() << " " << s.error_message();
    return resp;
  }

  // The detail of the latest audit record of `method`.
  static std::string LastAuditDetail(const std::string& method) {
    return env_->db().QueryValue(absl::StrCat(
        "SELECT detail FROM audit_log WHERE method = '/smd.v1.", method,
        "' ORDER BY id DESC LIMIT 1"));
  }

  static std::string Hex(const std::string& sql) { return env_->db().QueryValue(sql); }

  // The key file of the running server: what an attacker does not have, and what the test
  // needs to forge rows as an older server version wrote them.
  static crypto::KeyRing Keys() {
    auto keys = crypto::LoadKeyFile(env_->config().key_file);
    EXPECT_TRUE(keys.ok()) << keys.status();
    return *keys;
  }

  // Rewrites patient `p` (registered by Register(seq, name)) as a server from before
  // migration 0013 wrote it: every cell encrypted with the old associated data
  // "patient.<column>:<id>", enc_version 0. Returns the SQL assignment of its legacy
  // name_enc, to put it back later.
  static std::string MakeLegacy(const v1::Patient& p, int seq, const std::string& name) {
    const crypto::FieldCipher cipher(Keys());
    auto legacy = [&](const std::string& column, const std::string& value) {
      auto blob = cipher.Encrypt(value, absl::StrCat("patient.", column, ":", p.patient_id()));
      EXPECT_TRUE(blob.ok());
      return absl::StrCat(column, " = decode('", crypto::HexEncode(*blob), "', 'hex')");
    };
    const std::string legacy_name = legacy("name_enc", name);
    env_->db().ExecSuper(absl::StrCat(
        "UPDATE patient SET enc_version = 0, ",
        legacy("id_number_enc", SyntheticIdNumber("19790202", seq)), ", ", legacy_name, ", ",
        legacy("phone_enc", "0000-7654321"), ", ",
        legacy("address_enc", "南京市鼓楼区测试路1号"), ", ",
        legacy("guardian_name_enc", "测试监护人"), ", ",
        legacy("guardian_address_enc", "南京市鼓楼区测试路1号"), ", ",
        legacy("guardian_phone_enc", "0000-1234567"), " WHERE id = '", p.patient_id(), "'"));
    return legacy_name;
  }

  static TestServer* env_;
  static v1::FollowUpService::Stub* followups_;
  static std::string* doctor_;
  static std::string* doctor2_;
};

TestServer* EncryptionTest::env_ = nullptr;
v1::FollowUpService::Stub* EncryptionTest::followups_ = nullptr;
std::string* EncryptionTest::doctor_ = nullptr;
std::string* EncryptionTest::doctor2_ = nullptr;

// The probe swapped index values between two rows; a search by one patient's ID number then
// returned the other patient. The index is only a hint now: the hit is checked against the
// decrypted value.
TEST_F(EncryptionTest, ASwappedBlindIndexDoesNotReturnTheWrongPatient) {
  const std::string id_a = SyntheticIdNumber("19790202", 11);
  const std::string id_b = SyntheticIdNumber("19790202", 13);
  v1::Patient a = Register(11, "索引甲");
  v1::Patient b = Register(13, "索引乙");
  ASSERT_EQ(Search(id_a, "").patients_size(), 1);

  // Swap both blind indexes of the two rows (through a free value: the ID index is UNIQUE).
  auto swap = [&](const std::string& column) {
    env_->db().ExecSuper(absl::StrCat(
        "CREATE TEMP TABLE s AS SELECT id, ", column, " AS v FROM patient WHERE id IN ('",
        a.patient_id(), "', '", b.patient_id(), "'); "
        "UPDATE patient SET ", column, " = '\\x00' WHERE id = '", a.patient_id(), "'; "
        "UPDATE patient SET ", column, " = (SELECT v FROM s WHERE id = '", a.patient_id(),
        "') WHERE id = '", b.patient_id(), "'; "
        "UPDATE patient SET ", column, " = (SELECT v FROM s WHERE id = '", b.patient_id(),
        "') WHERE id = '", a.patient_id(), "';"));
  };
  swap("id_number_index");
  swap("name_index");

  // Patient B's row now carries A's indexes: searching for A must not return B.
  v1::SearchPatientsResponse by_id = Search(id_a, "");
  for (const auto& p : by_id.patients()) {
    EXPECT_NE(p.patient_id(), b.patient_id()) << "the search for A's ID number returned B";
    EXPECT_EQ(p.id_number(), id_a);
  }
  EXPECT_EQ(by_id.patients_size(), 0);
  EXPECT_THAT(LastAuditDetail("PatientService/SearchPatients"), HasSubstr("index_mismatch=1"));
  v1::SearchPatientsResponse by_name = Search("", "索引甲");
  for (const auto& p : by_name.patients()) EXPECT_EQ(p.details().name(), "索引甲");
  EXPECT_EQ(by_name.patients_size(), 0);
  // Both together, and B's own values: never the other row either.
  EXPECT_EQ(Search(id_b, "索引乙").patients_size(), 0);

  // The rows themselves are intact: each still reads as itself.
  v1::Patient seen;
  ASSERT_TRUE(Get(b.patient_id(), &seen).ok());
  EXPECT_EQ(seen.id_number(), id_b);
  EXPECT_EQ(seen.details().name(), "索引乙");
  // Writing such a row is refused as what it is, not as a stale version to retry forever.
  v1::UpdatePatientRequest up;
  up.set_patient_id(b.patient_id());
  up.set_version(seen.version());
  *up.mutable_details() = ValidDetails(id_b, "索引乙", kCommunity);
  v1::Patient updated;
  grpc::Status s = env_->patients->UpdatePatient(TestServer::Ctx(*doctor_).get(), up, &updated);
  EXPECT_EQ(s.error_code(), grpc::StatusCode::DATA_LOSS) << s.error_message();
}

// The probe put back an earlier ciphertext of the same cell after an update, and it
// decrypted. The associated data now carries the row's enc_version, bumped on every write.
TEST_F(EncryptionTest, AReplayedOlderCiphertextOfTheSameCellIsRefused) {
  v1::Patient p = Register(15, "重放甲");
  const std::string where = absl::StrCat(" FROM patient WHERE id = '", p.patient_id(), "'");
  const std::string old_name = Hex("SELECT encode(name_enc, 'hex')" + where);
  const std::string old_phone = Hex("SELECT encode(phone_enc, 'hex')" + where);
  const std::string old_id = Hex("SELECT encode(id_number_enc, 'hex')" + where);

  v1::UpdatePatientRequest up;
  up.set_patient_id(p.patient_id());
  up.set_version(p.version());
  *up.mutable_details() = ValidDetails(SyntheticIdNumber("19790202", 15), "重放乙", kCommunity);
  up.mutable_details()->set_phone("0000-7650000");
  v1::Patient updated;
  grpc::Status s =
      env_->patients->UpdatePatient(TestServer::Ctx(*doctor_).get(), up, &updated);
  ASSERT_TRUE(s.ok()) << s.error_message();
  // Every cell was re-encrypted, the ID number too (its value unchanged).
  EXPECT_NE(Hex("SELECT encode(id_number_enc, 'hex')" + where), old_id);

  // Each older cell put back alone is refused; the row reads again once it is restored.
  for (const auto& [column, old] :
       std::vector<std::pair<std::string, std::string>>{{"name_enc", old_name},
                                                        {"phone_enc", old_phone},
                                                        {"id_number_enc", old_id}}) {
    const std::string now = Hex("SELECT encode(" + column + ", 'hex')" + where);
    env_->db().ExecSuper(absl::StrCat("UPDATE patient SET ", column, " = decode('", old,
                                      "', 'hex') WHERE id = '", p.patient_id(), "'"));
    v1::Patient seen;
    grpc::Status g = Get(p.patient_id(), &seen);
    EXPECT_EQ(g.error_code(), grpc::StatusCode::DATA_LOSS) << column << ": " << g.error_message();
    EXPECT_THAT(g.error_message(), HasSubstr("记录无法解密"));
    EXPECT_THAT(g.error_message(), ::testing::Not(HasSubstr("重放")));
    env_->db().ExecSuper(absl::StrCat("UPDATE patient SET ", column, " = decode('", now,
                                      "', 'hex') WHERE id = '", p.patient_id(), "'"));
    ASSERT_TRUE(Get(p.patient_id(), &seen).ok()) << column;
    EXPECT_EQ(seen.details().name(), "重放乙");
    EXPECT_EQ(seen.details().phone(), "0000-7650000");
  }

  // Referrals: their encrypted details are rewritten on every status change.
  v1::RequestReferralRequest rr;
  rr.set_patient_id(p.patient_id());
  rr.set_reason("复发，需住院");
  v1::Referral ref;
  ASSERT_TRUE(followups_->RequestReferral(TestServer::Ctx(*doctor_).get(), rr, &ref).ok());
  const std::string rwhere = absl::StrCat(" FROM referral WHERE id = '", ref.referral_id(), "'");
  const std::string old_details = Hex("SELECT encode(details_enc, 'hex')" + rwhere);
  v1::UpdateReferralRequest ur;
  ur.set_referral_id(ref.referral_id());
  ur.set_status(v1::REFERRAL_STATUS_ACCEPTED);
  ur.set_note("医院已接收");
  ASSERT_TRUE(followups_->UpdateReferral(TestServer::Ctx(*doctor_).get(), ur, &ref).ok());
  env_->db().ExecSuper(absl::StrCat("UPDATE referral SET details_enc = decode('", old_details,
                                    "', 'hex') WHERE id = '", ref.referral_id(), "'"));
  ur.set_status(v1::REFERRAL_STATUS_ADMITTED);
  ur.set_note("已住院");
  grpc::Status rs = followups_->UpdateReferral(TestServer::Ctx(*doctor_).get(), ur, &ref);
  EXPECT_EQ(rs.error_code(), grpc::StatusCode::DATA_LOSS) << rs.error_message();

  // The counters behind it: one per write of the row.
  EXPECT_EQ(Hex("SELECT enc_version" + where), "2");
  EXPECT_EQ(Hex("SELECT enc_version" + rwhere), "2");
}

// One row that does not decrypt used to fail the whole listing with DATA_LOSS. Now it is
// listed as unreadable (id and plaintext status only), counted, audited, and the others are
// served complete.
TEST_F(EncryptionTest, AListingWithOneCorruptedRowServesTheOthersAndReportsIt) {
  const std::string community = "320106001067";
  {
    std::string admin = env_->Login("admin", kAdminPw);
    v1::UpsertRegionRequest up;
    up.set_code(community);
    up.set_name("损坏测试社区");
    v1::Region r;
    ASSERT_TRUE(env_->regions->UpsertRegion(TestServer::Ctx(admin).get(), up, &r).ok());
  }
  v1::Patient good1 = Register(21, "完好甲", community);
  v1::Patient bad = Register(23, "损坏乙", community);
  v1::Patient good2 = Register(25, "完好丙", community);
  // One flipped byte in one cell of one row (the GCM tag no longer matches).
  env_->db().ExecSuper(absl::StrCat(
      "UPDATE patient SET phone_enc = set_byte(phone_enc, 20, get_byte(phone_enc, 20) # 1), "
      "name_enc = set_byte(name_enc, 20, get_byte(name_enc, 20) # 1) WHERE id = '",
      bad.patient_id(), "'"));

  v1::SearchPatientsResponse found = Search("", "", community);
  ASSERT_EQ(found.patients_size(), 3);
  EXPECT_EQ(found.unreadable_count(), 1);
  int unreadable = 0;
  for (const auto& p : found.patients()) {
    if (p.patient_id() == bad.patient_id()) {
      ++unreadable;
      EXPECT_TRUE(p.unreadable());
      EXPECT_EQ(p.id_number(), "");
      EXPECT_EQ(p.details().name(), "");
      EXPECT_EQ(p.details().phone(), "");
      EXPECT_EQ(p.details().diagnosis(), v1::DIAGNOSIS_UNSPECIFIED);  // nothing clinical
      EXPECT_EQ(p.status(), v1::PATIENT_STATUS_ACTIVE);
    } else {
      EXPECT_FALSE(p.unreadable());
      EXPECT_FALSE(p.details().name().empty());
      EXPECT_EQ(p.details().phone(), "0000-7654321");
      EXPECT_EQ(p.id_number().size(), 18u);
    }
  }
  EXPECT_EQ(unreadable, 1);
  const std::string detail = LastAuditDetail("PatientService/SearchPatients");
  EXPECT_THAT(detail, HasSubstr("returned=3"));
  EXPECT_THAT(detail, HasSubstr("unreadable=1"));
  EXPECT_EQ(env_->db().QueryValue(absl::StrCat(
                "SELECT count(*) FROM audit_log WHERE method = '/smd.v1.PatientService/"
                "SearchPatients' AND patient_ids @> ARRAY['",
                bad.patient_id(), "'::uuid, '", good1.patient_id(), "'::uuid]")),
            "1");

  // The single read of that patient says so; the others read normally.
  v1::Patient seen;
  EXPECT_EQ(Get(bad.patient_id(), &seen).error_code(), grpc::StatusCode::DATA_LOSS);
  EXPECT_TRUE(Get(good2.patient_id(), &seen).ok());

  // The worklist (new patients are due for a first visit within 14 days).
  v1::ListWorklistRequest wl;
  wl.set_kind(v1::WORKLIST_DUE_SOON);
  wl.set_days(30);
  wl.set_region(community);
  v1::ListWorklistResponse items;
  grpc::Status ws = followups_->ListWorklist(TestServer::Ctx(*doctor_).get(), wl, &items);
  ASSERT_TRUE(ws.ok()) << ws.error_message();
  ASSERT_EQ(items.items_size(), 3);
  EXPECT_EQ(items.unreadable_count(), 1);
  for (const auto& item : items.items()) {
    EXPECT_EQ(item.name_unreadable(), item.patient_id() == bad.patient_id());
    EXPECT_EQ(item.name().empty(), item.patient_id() == bad.patient_id());
  }
  EXPECT_THAT(LastAuditDetail("FollowUpService/ListWorklist"), HasSubstr("unreadable=1"));

  // Transfers: one with a corrupted reason among others.
  auto transfer = [&](const v1::Patient& p, const std::string& reason) {
    v1::TransferOutRequest t;
    t.set_patient_id(p.patient_id());
    t.set_version(p.version());
    t.set_to_jurisdiction("320106002001");
    t.set_reason(reason);
    v1::Transfer out;
    grpc::Status s = env_->patients->TransferOut(TestServer::Ctx(*doctor_).get(), t, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return out;
  };
  v1::Transfer t1 = transfer(good1, "随家属迁居");
  v1::Transfer t2 = transfer(good2, "工作调动");
  env_->db().ExecSuper(absl::StrCat(
      "UPDATE patient_transfer SET reason_enc = set_byte(reason_enc, 20, "
      "get_byte(reason_enc, 20) # 1) WHERE id = '",
      t2.transfer_id(), "'"));
  v1::ListTransfersRequest lt;
  lt.set_pending_only(true);
  v1::ListTransfersResponse transfers;
  grpc::Status ts = env_->patients->ListTransfers(TestServer::Ctx(*doctor_).get(), lt, &transfers);
  ASSERT_TRUE(ts.ok()) << ts.error_message();
  EXPECT_EQ(transfers.unreadable_count(), 1);
  bool saw_t1 = false, saw_t2 = false;
  for (const auto& t : transfers.transfers()) {
    if (t.transfer_id() == t1.transfer_id()) {
      saw_t1 = true;
      EXPECT_FALSE(t.unreadable());
      EXPECT_EQ(t.reason(), "随家属迁居");
    }
    if (t.transfer_id() == t2.transfer_id()) {
      saw_t2 = true;
      EXPECT_TRUE(t.unreadable());
      EXPECT_EQ(t.reason(), "");
      EXPECT_EQ(t.status(), v1::TRANSFER_STATUS_PENDING);
    }
  }
  EXPECT_TRUE(saw_t1);
  EXPECT_TRUE(saw_t2);
  EXPECT_THAT(LastAuditDetail("PatientService/ListTransfers"), HasSubstr("unreadable=1"));
}

// Transfer reasons and decision notes were plaintext columns. They are encrypted now, and
// read back through the API.
TEST_F(EncryptionTest, TransferReasonAndDecisionNoteAreNotPlaintextInTheDatabase) {
  const std::string reason = "迁出原因甲乙丙XQZ";
  const std::string note = "接收说明丁戊己XQZ";
  const std::string refusal = "拒收说明庚辛XQZ";
  auto transfer = [&](int seq, const std::string& name) {
    v1::Patient p = Register(seq, name, "320106001001");
    v1::TransferOutRequest t;
    t.set_patient_id(p.patient_id());
    t.set_version(p.version());
    t.set_to_jurisdiction("320106002001");
    t.set_reason(reason);
    v1::Transfer out;
    grpc::Status s = env_->patients->TransferOut(TestServer::Ctx(*doctor_).get(), t, &out);
    EXPECT_TRUE(s.ok()) << s.error_message();
    EXPECT_EQ(out.reason(), reason);
    return out;
  };
  v1::Transfer accepted = transfer(31, "迁移甲");
  v1::Transfer refused = transfer(33, "迁移乙");
  v1::TransferInRequest in;
  in.set_transfer_id(accepted.transfer_id());
  in.set_accept(true);
  in.set_note(note);
  v1::Transfer out;
  grpc::Status s = env_->patients->TransferIn(TestServer::Ctx(*doctor2_).get(), in, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(out.decision_note(), note);
  EXPECT_EQ(out.reason(), reason);
  in.set_transfer_id(refused.transfer_id());
  in.set_accept(false);
  in.set_note(refusal);
  s = env_->patients->TransferIn(TestServer::Ctx(*doctor2_).get(), in, &out);
  ASSERT_TRUE(s.ok()) << s.error_message();
  EXPECT_EQ(out.decision_note(), refusal);
  EXPECT_EQ(out.status(), v1::TRANSFER_STATUS_REFUSED);

  // As the superuser: no column of any transfer row holds the texts (the row's text form
  // shows every column, bytea as hex)...
  EXPECT_EQ(env_->db().QueryValue(
                "SELECT count(*) FROM patient_transfer t WHERE position('XQZ' in t::text) > 0"),
            "0");
  // ... nor do the encrypted columns hold them in the clear; and both are there.
  const std::string ids = absl::StrCat("('", accepted.transfer_id(), "', '",
                                       refused.transfer_id(), "')");
  EXPECT_EQ(env_->db().QueryValue(
                "SELECT count(*) FROM patient_transfer t WHERE position('\\x58515a'::bytea in "
                "coalesce(t.reason_enc, '') || coalesce(t.decision_note_enc, '')) > 0"),
            "0");
  EXPECT_EQ(env_->db().QueryValue(absl::StrCat(
                "SELECT count(*) FROM patient_transfer t WHERE id IN ", ids,
                " AND (t.reason <> '' OR t.decision_note <> '' OR t.reason_enc IS NULL "
                "OR t.decision_note_enc IS NULL)")),
            "0");

  // Read back by both sides.
  v1::ListTransfersRequest lt;
  v1::ListTransfersResponse list;
  ASSERT_TRUE(env_->patients->ListTransfers(TestServer::Ctx(*doctor2_).get(), lt, &list).ok());
  int matched = 0;
  for (const auto& t : list.transfers()) {
    if (t.transfer_id() == accepted.transfer_id()) {
      ++matched;
      EXPECT_EQ(t.reason(), reason);
      EXPECT_EQ(t.decision_note(), note);
    } else if (t.transfer_id() == refused.transfer_id()) {
      ++matched;
      EXPECT_EQ(t.reason(), reason);
      EXPECT_EQ(t.decision_note(), refusal);
    }
  }
  EXPECT_EQ(matched, 2);

  // Nothing, not even a stray statement, can store a plaintext reason again.
  EXPECT_ANY_THROW(env_->db().ExecSuper(absl::StrCat(
      "UPDATE patient_transfer SET reason = 'x' WHERE id = '", accepted.transfer_id(), "'")));
}

// Rows written before migration 0013: patient cells bound without a version, transfers
// with plaintext texts, referral details without a version. They are read as they are,
// then converted online by the server, after which the old forms are refused.
TEST_F(EncryptionTest, RowsFromBeforeTheMigrationAreReadThenConvertedOnline) {
  const crypto::KeyRing keys = Keys();
  const crypto::FieldCipher cipher(keys);
  v1::Patient p = Register(41, "旧行甲");
  const std::string where = absl::StrCat(" WHERE id = '", p.patient_id(), "'");
  const std::string legacy_name = MakeLegacy(p, 41, "旧行甲");
  v1::Patient seen;
  ASSERT_TRUE(Get(p.patient_id(), &seen).ok());
  EXPECT_EQ(seen.details().name(), "旧行甲");

  // A transfer as the old server wrote it (the constraint of migration 0013 is lifted for
  // the insert, as if the row had been there before it).
  v1::Patient q = Register(43, "旧行乙", "320106001001");
  const std::string tid = "7b0f3a56-2d7e-4c8e-9a51-0e6f9c1d2b33";
  env_->db().ExecSuper(absl::StrCat(
      "ALTER TABLE patient_transfer DROP CONSTRAINT patient_transfer_texts_encrypted; "
      "UPDATE patient SET status = 2, transfer_to = '320106002001' WHERE id = '",
      q.patient_id(), "'; "
      "INSERT INTO patient_transfer (id, patient_id, from_jurisdiction, to_jurisdiction, "
      "status, reason, requested_by, requested_at) SELECT '", tid, "', '", q.patient_id(),
      "', '320106001001', '320106002001', 1, '旧的迁出原因', registered_by, now() "
      "FROM patient WHERE id = '", q.patient_id(), "'; "
      "ALTER TABLE patient_transfer ADD CONSTRAINT patient_transfer_texts_encrypted "
      "CHECK (reason = '' AND decision_note = '' AND reason_enc IS NOT NULL) NOT VALID;"));
  v1::ListTransfersRequest lt;
  lt.set_pending_only(true);
  v1::ListTransfersResponse list;
  ASSERT_TRUE(env_->patients->ListTransfers(TestServer::Ctx(*doctor_).get(), lt, &list).ok());
  bool found = false;
  for (const auto& t : list.transfers()) {
    if (t.transfer_id() == tid) {
      found = true;
      EXPECT_EQ(t.reason(), "旧的迁出原因");
    }
  }
  EXPECT_TRUE(found);

  // A referral as the old server wrote it.
  v1::RequestReferralRequest rr;
  rr.set_patient_id(p.patient_id());
  rr.set_reason("旧的转诊原因");
  v1::Referral ref;
  ASSERT_TRUE(followups_->RequestReferral(TestServer::Ctx(*doctor_).get(), rr, &ref).ok());
  {
    auto blob = cipher.Encrypt(R"({"reason":"旧的转诊原因","note":""})",
                               absl::StrCat("referral:", ref.referral_id()));
    ASSERT_TRUE(blob.ok());
    env_->db().ExecSuper(absl::StrCat("UPDATE referral SET enc_version = 0, details_enc = decode('",
                                      crypto::HexEncode(*blob), "', 'hex') WHERE id = '",
                                      ref.referral_id(), "'"));
  }
  const std::string version_before = env_->db().QueryValue("SELECT version FROM patient" + where);
  const std::string updated_before =
      env_->db().QueryValue("SELECT updated_at FROM patient" + where);

  // The online conversion.
  auto converted = env_->server().UpgradeCiphertextsNow();
  ASSERT_TRUE(converted.ok()) << converted.status();
  EXPECT_EQ(env_->db().QueryValue("SELECT count(*) FROM patient WHERE enc_version = 0"), "0");
  EXPECT_EQ(env_->db().QueryValue("SELECT count(*) FROM referral WHERE enc_version = 0"), "0");
  EXPECT_EQ(env_->db().QueryValue(
                "SELECT count(*) FROM patient_transfer WHERE reason_enc IS NULL OR reason <> '' "
                "OR decision_note <> ''"),
            "0");
  // Not an edit: neither the version clients see nor the time moved.
  EXPECT_EQ(env_->db().QueryValue("SELECT version FROM patient" + where), version_before);
  EXPECT_EQ(env_->db().QueryValue("SELECT updated_at FROM patient" + where), updated_before);
  EXPECT_NE(env_->db().QueryValue(
                "SELECT count(*) FROM audit_log WHERE method = 'smd-server cipher.upgrade'"),
            "0");

  // Everything still reads the same.
  ASSERT_TRUE(Get(p.patient_id(), &seen).ok());
  EXPECT_EQ(seen.details().name(), "旧行甲");
  EXPECT_EQ(seen.details().guardian().phone(), "0000-1234567");
  list.Clear();
  ASSERT_TRUE(env_->patients->ListTransfers(TestServer::Ctx(*doctor_).get(), lt, &list).ok());
  for (const auto& t : list.transfers()) {
    if (t.transfer_id() == tid) {
      EXPECT_EQ(t.reason(), "旧的迁出原因");
    }
  }
  v1::UpdateReferralRequest ur;
  ur.set_referral_id(ref.referral_id());
  ur.set_status(v1::REFERRAL_STATUS_ACCEPTED);
  grpc::Status us = followups_->UpdateReferral(TestServer::Ctx(*doctor_).get(), ur, &ref);
  ASSERT_TRUE(us.ok()) << us.error_message();
  EXPECT_EQ(ref.reason(), "旧的转诊原因");

  // The legacy form of a cell is refused once the row is converted.
  env_->db().ExecSuper("UPDATE patient SET " + legacy_name + where);
  EXPECT_EQ(Get(p.patient_id(), &seen).error_code(), grpc::StatusCode::DATA_LOSS);
}

// A legacy row that a call holds when the conversion comes by is passed over (SKIP LOCKED,
// so the call is not held up). It used to stay legacy until the server restarted; now the
// pass sees it left over and the server runs another pass shortly after.
TEST_F(EncryptionTest, ALegacyRowHeldByACallIsConvertedByALaterPassWithoutARestart) {
  v1::Patient held = Register(47, "旧行丁");
  v1::Patient free = Register(48, "旧行戊");
  MakeLegacy(held, 47, "旧行丁");
  MakeLegacy(free, 48, "旧行戊");
  auto enc_version = [&](const v1::Patient& p) {
    return env_->db().QueryValue(
        absl::StrCat("SELECT enc_version FROM patient WHERE id = '", p.patient_id(), "'"));
  };
  // Waits (up to a minute: the server's delays are seconds) for the row to be converted.
  auto converted = [&](const v1::Patient& p) {
    for (int i = 0; i < 600 && enc_version(p) == "0"; ++i) absl::SleepFor(absl::Milliseconds(100));
    return enc_version(p) != "0";
  };

  // A call's transaction holding the row, as UpdatePatient's does between read and write.
  pqxx::connection c(env_->db().SuperDsn());
  auto lock = std::make_unique<pqxx::work>(c);
  lock->exec(absl::StrCat("SELECT 1 FROM patient WHERE id = '", held.patient_id(),
                          "' FOR NO KEY UPDATE"));

  // A start runs the conversion (the suite's server has made its pass already).
  std::unique_ptr<runtime::Server> restarted = env_->StartAnother();
  ASSERT_NE(restarted, nullptr);
  // Both rows are in the first batch of the same walk: once the free one is converted, that
  // batch has passed the held one over.
  ASSERT_TRUE(converted(free));
  EXPECT_EQ(enc_version(held), "0");

  lock->abort();
  EXPECT_TRUE(converted(held)) << "the row held during the pass is still legacy";
  v1::Patient seen;
  ASSERT_TRUE(Get(held.patient_id(), &seen).ok());
  EXPECT_EQ(seen.details().name(), "旧行丁");
  restarted->Shutdown(absl::Seconds(2));
}

// A pending transfer from before the migration can still be decided: the decision
// encrypts its reason (the table accepts no other change to such a row).
TEST_F(EncryptionTest, DecidingALegacyTransferEncryptsIt) {
  v1::Patient q = Register(45, "旧行丙", "320106001001");
  for (bool accept : {true, false}) {
    const std::string tid = accept ? "5c2d9e1a-8b3f-4a6d-9e07-1f2a3b4c5d6e"
                                   : "6d3e0f2b-9c4a-4b7e-8f18-2a3b4c5d6e7f";
    env_->db().ExecSuper(absl::StrCat(
        "ALTER TABLE patient_transfer DROP CONSTRAINT patient_transfer_texts_encrypted; "
        "UPDATE patient SET status = 2, transfer_to = '320106002001' WHERE id = '",
        q.patient_id(), "'; "
        "INSERT INTO patient_transfer (id, patient_id, from_jurisdiction, to_jurisdiction, "
        "status, reason, requested_by, requested_at) SELECT '", tid, "', '", q.patient_id(),
        "', '320106001001', '320106002001', 1, '旧的原因', registered_by, now() "
        "FROM patient WHERE id = '", q.patient_id(), "'; "
        "ALTER TABLE patient_transfer ADD CONSTRAINT patient_transfer_texts_encrypted "
        "CHECK (reason = '' AND decision_note = '' AND reason_enc IS NOT NULL) NOT VALID;"));
    v1::TransferInRequest in;
    in.set_transfer_id(tid);
    in.set_accept(accept);
    in.set_note("决定说明");
    v1::Transfer out;
    grpc::Status s = env_->patients->TransferIn(TestServer::Ctx(*doctor2_).get(), in, &out);
    ASSERT_TRUE(s.ok()) << accept << ": " << s.error_message();
    EXPECT_EQ(out.reason(), "旧的原因");
    EXPECT_EQ(out.decision_note(), "决定说明");
    EXPECT_EQ(env_->db().QueryValue(absl::StrCat(
                  "SELECT reason || decision_note || (reason_enc IS NULL)::text FROM "
                  "patient_transfer WHERE id = '",
                  tid, "'")),
              "false");
    if (accept) {
      // Back to the sending community for the refusal round.
      env_->db().ExecSuper(absl::StrCat("UPDATE patient SET jurisdiction = '320106001001' "
                                        "WHERE id = '", q.patient_id(), "'"));
    }
  }
}

}  // namespace
}  // namespace smd::testing
