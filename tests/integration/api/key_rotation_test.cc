// Key rotation without downtime (issue 16 item 3; docs/adr/0016-key-rotation.md), over
// gRPC against a real PostgreSQL. For each of the field key, the blind-index key and the
// audit key: the key file is rotated, the servers restarted one after the other (a rolling
// restart: the next server starts before the previous one stops), and the rows rewritten
// online while writers keep registering and editing patients. Afterwards every patient
// reads back, a search by ID number finds each, the audit chain verifies, and a row
// re-encrypted under the new field key is refused by a server holding only the old one.
// An interrupted rewrite resumes from where it stopped; an old key is retired only when
// counting finds nothing under it.
//
// Key files are generated here, in the test's temporary directory; none is committed.

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "app/audit_use_cases.h"
#include "app/key_rotation.h"
#include "common/clock.h"
#include "crypto/audit_anchor.h"
#include "crypto/encoding.h"
#include "crypto/field_cipher.h"
#include "crypto/keys.h"
#include "crypto/signer.h"
#include "gtest/gtest.h"
#include "runtime/key_commands.h"
#include "runtime/wiring.h"
#include "store/key_rotation_repository.h"
#include "support/test_env.h"

namespace smd::testing {
namespace {

constexpr char kCommunity[] = "320106001077";  // this suite's own community
constexpr int kInitialPatients = 60;

struct Known {
  std::string id_number;
  std::string name;
};

class KeyRotationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    env_ = std::make_unique<TestServer>("it_key_rotation", 10);
    doctor_ = env_->Login("doctor", kDoctorPw);
    auditor_ = env_->Login("auditor", kAuditorPw);
    std::string admin = env_->Login("admin", kAdminPw);
    v1::UpsertRegionRequest up;
    up.set_code(kCommunity);
    up.set_name("密钥轮换测试社区");
    v1::Region r;
    ASSERT_TRUE(env_->regions->UpsertRegion(TestServer::Ctx(admin).get(), up, &r).ok());
    UseChannel(env_->channel());
    for (int i = 1; i <= kInitialPatients; ++i) {
      ASSERT_TRUE(Register(SyntheticIdNumber("19790303", i), absl::StrCat("轮换", i)).ok());
    }
  }

  void TearDown() override {
    StopWriters();
    for (auto& s : servers_) s->Shutdown(absl::Seconds(2));
    servers_.clear();
    patients_.reset();
    env_.reset();
  }

  void UseChannel(std::shared_ptr<grpc::Channel> ch) {
    patients_ = v1::PatientService::NewStub(ch);
    audit_ = v1::AuditService::NewStub(ch);
  }

  crypto::KeyRing Ring() {
    auto keys = crypto::LoadKeyFile(env_->config().key_file);
    EXPECT_TRUE(keys.ok()) << keys.status();
    return *keys;
  }

  // Writes `keys` to the key file and restarts "the servers" one at a time: a new server
  // on the new file starts, calls move to it, then the one before stops.
  void RollTo(const crypto::KeyRing& keys) {
    ASSERT_TRUE(runtime::ReplaceKeyFile(env_->config().key_file, keys).ok());
    std::unique_ptr<runtime::Server> next = env_->StartAnother();
    ASSERT_NE(next, nullptr);
    auto ch = grpc::CreateChannel(absl::StrFormat("127.0.0.1:%d", next->port()),
                                  grpc::InsecureChannelCredentials());
    {
      std::lock_guard<std::mutex> lock(stub_mu_);
      UseChannel(ch);
    }
    if (servers_.empty()) {
      env_->server().Shutdown(absl::Seconds(2));
    } else {
      servers_.back()->Shutdown(absl::Seconds(2));
    }
    servers_.push_back(std::move(next));
  }

  // A copy: a writer's call in flight keeps its stub while RollTo moves on.
  std::shared_ptr<v1::PatientService::Stub> Patients() {
    std::lock_guard<std::mutex> lock(stub_mu_);
    return patients_;
  }

  grpc::Status Register(const std::string& id_number, const std::string& name,
                        v1::Patient* out = nullptr) {
    v1::RegisterPatientRequest req;
    *req.mutable_details() = ValidDetails(id_number, name, kCommunity);
    v1::Patient p;
    grpc::Status s = Patients()->RegisterPatient(TestServer::Ctx(doctor_).get(), req, &p);
    if (s.ok()) {
      std::lock_guard<std::mutex> lock(known_mu_);
      known_[p.patient_id()] = {id_number, name};
      if (out != nullptr) *out = p;
    }
    return s;
  }

  // Writers: each registers patients and edits them (a rewrite of every encrypted cell and
  // of the name's index) until stopped. Counts acknowledged writes.
  void StartWriters(int n) {
    stop_ = false;
    for (int w = 0; w < n; ++w) {
      writers_.emplace_back([this, w] {
        for (int i = 1; !stop_; ++i) {
          v1::Patient p;
          const std::string birth = absl::StrFormat("1981%02d%02d", 1 + w, 1 + (++round_ % 28));
          const std::string number = SyntheticIdNumber(birth, i % 900 + 1);
          grpc::Status s = Register(number, absl::StrCat("写者", w, "-", i), &p);
          if (!s.ok()) continue;  // a duplicate synthetic number: try the next
          ++writes_;
          v1::UpdatePatientRequest up;
          up.set_patient_id(p.patient_id());
          up.set_version(p.version());
          const std::string renamed = absl::StrCat("写者", w, "-", i, "改");
          *up.mutable_details() = ValidDetails(number, renamed, kCommunity);
          v1::Patient q;
          if (Patients()->UpdatePatient(TestServer::Ctx(doctor_).get(), up, &q).ok()) {
            std::lock_guard<std::mutex> lock(known_mu_);
            known_[p.patient_id()].name = renamed;
            ++writes_;
          }
        }
      });
    }
  }

  void StopWriters() {
    stop_ = true;
    for (auto& t : writers_) t.join();
    writers_.clear();
  }

  // Every known patient reads back with its ID number and name, and a search by its ID
  // number finds it (and only it).
  void ExpectEveryPatientReadsAndIsFound() {
    std::map<std::string, Known> known;
    {
      std::lock_guard<std::mutex> lock(known_mu_);
      known = known_;
    }
    ASSERT_GT(known.size(), static_cast<size_t>(kInitialPatients) - 1);
    int checked = 0;
    for (const auto& [id, k] : known) {
      v1::GetPatientRequest get;
      get.set_patient_id(id);
      v1::Patient p;
      grpc::Status s = Patients()->GetPatient(TestServer::Ctx(doctor_).get(), get, &p);
      ASSERT_TRUE(s.ok()) << id << ": " << s.error_code() << " " << s.error_message();
      EXPECT_EQ(p.id_number(), k.id_number);
      EXPECT_EQ(p.details().name(), k.name);
      v1::SearchPatientsRequest q;
      q.set_id_number(k.id_number);
      v1::SearchPatientsResponse found;
      s = Patients()->SearchPatients(TestServer::Ctx(doctor_).get(), q, &found);
      ASSERT_TRUE(s.ok()) << s.error_message();
      ASSERT_EQ(found.patients_size(), 1) << "search by ID number of " << id;
      EXPECT_EQ(found.patients(0).patient_id(), id);
      ++checked;
    }
    EXPECT_EQ(checked, static_cast<int>(known.size()));
  }

  void ExpectAuditChainVerifies() {
    WaitForCheckpointBy(crypto::Signer(Ring()).PublicKey());
    // Through the running server (its ring) and as `smd-server audit-verify` does, against
    // the anchor file.
    v1::VerifyAuditChainResponse v;
    grpc::Status s;
    {
      std::lock_guard<std::mutex> lock(stub_mu_);
      s = audit_->VerifyAuditChain(TestServer::Ctx(auditor_).get(), {}, &v);
    }
    ASSERT_TRUE(s.ok()) << s.error_message();
    EXPECT_TRUE(v.intact()) << v.problem();
    auto core = runtime::Core::Open(env_->config(), common::SystemClock::Get());
    ASSERT_TRUE(core.ok()) << core.status();
    crypto::AnchorFile anchor(env_->anchor_file());
    app::AuditUseCases audit((*core)->deps, &anchor);
    auto r = audit.VerifyAsOperator();
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_TRUE(r->intact) << r->problem;
    EXPECT_GT(r->checkpoints_checked, 0);
  }

  // Runs a rewrite pass with the key file's ring, as `smd-server keys rewrite` does.
  absl::StatusOr<app::KeyRotation::Counts> Rewrite(crypto::KeyKind kind, int64_t max_batches = -1,
                                                   int batch_rows = 25) {
    auto core = runtime::Core::Open(env_->config(), common::SystemClock::Get());
    if (!core.ok()) return core.status();
    app::KeyRotation rotation((*core)->deps);
    app::KeyRotation::Options o;
    o.batch_rows = batch_rows;
    o.max_batches = max_batches;
    return kind == crypto::KeyKind::kField ? rotation.Reencrypt(o) : rotation.Reindex(o);
  }

  absl::Status Retirable(crypto::KeyKind kind, int id) {
    auto core = runtime::Core::Open(env_->config(), common::SystemClock::Get());
    if (!core.ok()) return core.status();
    return app::KeyRotation((*core)->deps).CheckRetirable(kind, id);
  }

  int64_t Count(const std::string& sql) { return std::stoll(env_->db().QueryValue(sql)); }

  int64_t CheckpointsBy(const std::string& public_key) {
    return Count(absl::StrCat("SELECT count(*) FROM audit_checkpoint WHERE public_key = decode('",
                              crypto::HexEncode(public_key), "', 'hex')"));
  }

  // Waits (without a fixed sleep) for the sealer to sign a checkpoint with `public_key`.
  void WaitForCheckpointBy(const std::string& public_key) {
    const absl::Time deadline = absl::Now() + absl::Seconds(60);
    while (CheckpointsBy(public_key) == 0 && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(50));
    }
    ASSERT_GT(CheckpointsBy(public_key), 0);
  }

  std::unique_ptr<TestServer> env_;
  std::vector<std::unique_ptr<runtime::Server>> servers_;
  std::string doctor_, auditor_;
  std::mutex stub_mu_;
  std::shared_ptr<v1::PatientService::Stub> patients_;
  std::shared_ptr<v1::AuditService::Stub> audit_;
  std::mutex known_mu_;
  std::map<std::string, Known> known_;
  std::vector<std::thread> writers_;
  std::atomic<bool> stop_{false};
  std::atomic<int> round_{0};
  std::atomic<int64_t> writes_{0};
};

TEST_F(KeyRotationTest, FieldKeyRotatesWhileWritesGoOn) {
  const crypto::KeyRing old_ring = Ring();
  // Stage the new key on every server first, then make it the active one: no server ever
  // meets a cell under a key it does not hold.
  auto staged = crypto::StageKey(old_ring, crypto::KeyKind::kField);
  ASSERT_TRUE(staged.ok());
  RollTo(*staged);
  auto rotated = crypto::RotateKey(*staged, crypto::KeyKind::kField);
  ASSERT_TRUE(rotated.ok());
  ASSERT_EQ(rotated->field_key_id, 2);
  RollTo(*rotated);

  // Nothing re-encrypted yet: key 1 is counted in use and cannot be retired.
  absl::Status early = Retirable(crypto::KeyKind::kField, 1);
  EXPECT_EQ(early.code(), absl::StatusCode::kFailedPrecondition) << early;
  EXPECT_NE(std::string(early.message()).find("patient.name_enc"), std::string::npos) << early;

  StartWriters(2);
  // A pass cut short (as by a crash) leaves its cursor; the next run resumes from it.
  auto first = Rewrite(crypto::KeyKind::kField, /*max_batches=*/1);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_FALSE(first->complete);
  EXPECT_GT(first->rows, 0);
  EXPECT_EQ(Count("SELECT count(*) FROM key_rotation_cursor WHERE kind = 'field'"), 1);
  const absl::Time start = absl::Now();
  const int64_t writes_before = writes_;
  auto rest = Rewrite(crypto::KeyKind::kField);
  const double secs = absl::ToDoubleSeconds(absl::Now() - start);
  const int64_t writes_during = writes_ - writes_before;
  ASSERT_TRUE(rest.ok()) << rest.status();
  EXPECT_TRUE(rest->complete);
  EXPECT_EQ(rest->unreadable, 0);
  StopWriters();
  // The resumed run did not redo the first batch's rows.
  EXPECT_GE(rest->rows, 1);
  std::printf("[ figures ] field rewrite: %lld rows (%lld cells) in %.2f s = %.0f rows/s, "
              "with %lld acknowledged writes alongside\n",
              static_cast<long long>(rest->rows), static_cast<long long>(rest->cells), secs,
              rest->rows / std::max(secs, 1e-3), static_cast<long long>(writes_during));
  EXPECT_GT(writes_.load(), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM key_rotation_cursor"), 0);

  // Counting, not assuming: no cell anywhere is left under key 1.
  EXPECT_EQ(Count("SELECT coalesce(sum(cells), 0) FROM smd_field_key_usage() WHERE key_id = 1"),
            0);
  EXPECT_TRUE(Retirable(crypto::KeyKind::kField, 1).ok());
  ExpectEveryPatientReadsAndIsFound();
  ExpectAuditChainVerifies();

  // A row re-encrypted under the new key is refused under the old key alone: by the cipher,
  // and by a server started with the old key file.
  const std::string some_id = known_.begin()->first;
  auto blob = crypto::HexDecode(env_->db().QueryValue(absl::StrCat(
      "SELECT encode(name_enc, 'hex') FROM patient WHERE id = '", some_id, "'")));
  ASSERT_TRUE(blob.ok());
  EXPECT_EQ(crypto::FieldCipher::BlobKeyId(*blob), 2);
  EXPECT_EQ(crypto::FieldCipher(old_ring).Decrypt(*blob, "any").status().code(),
            absl::StatusCode::kFailedPrecondition);
  {
    const std::string old_file = env_->config().key_file + ".old";
    ASSERT_TRUE(runtime::ReplaceKeyFile(old_file, old_ring).ok());
    runtime::Config c = env_->config();
    c.key_file = old_file;
    auto stale = runtime::Server::Start(c, common::SystemClock::Get());
    ASSERT_TRUE(stale.ok()) << stale.status();
    auto stub = v1::PatientService::NewStub(grpc::CreateChannel(
        absl::StrFormat("127.0.0.1:%d", (*stale)->port()), grpc::InsecureChannelCredentials()));
    v1::GetPatientRequest get;
    get.set_patient_id(some_id);
    v1::Patient p;
    grpc::Status s = stub->GetPatient(TestServer::Ctx(doctor_).get(), get, &p);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::DATA_LOSS) << s.error_message();
    (*stale)->Shutdown(absl::Seconds(2));
    std::remove(old_file.c_str());
  }

  // Retire key 1: the file loses it, and the servers still read everything.
  auto retired = crypto::RemoveKey(*rotated, crypto::KeyKind::kField, 1);
  ASSERT_TRUE(retired.ok());
  RollTo(*retired);
  ExpectEveryPatientReadsAndIsFound();
}

TEST_F(KeyRotationTest, BlindIndexKeyRotatesAndSearchFindsPatientsThroughout) {
  auto rotated = crypto::RotateKey(Ring(), crypto::KeyKind::kIndex);
  ASSERT_TRUE(rotated.ok());
  RollTo(*rotated);
  // Before any rebuild every index is under key 1: found through the old index version.
  EXPECT_EQ(Count("SELECT count(*) FROM patient WHERE index_key_id = 2"), 0);
  ExpectEveryPatientReadsAndIsFound();
  EXPECT_EQ(Retirable(crypto::KeyKind::kIndex, 1).code(), absl::StatusCode::kFailedPrecondition);

  StartWriters(2);
  auto first = Rewrite(crypto::KeyKind::kIndex, /*max_batches=*/1);
  ASSERT_TRUE(first.ok()) << first.status();
  // Half-way: some rows under each key; both are found. (Writers paused, so that the names
  // compared are the ones acknowledged.)
  StopWriters();
  EXPECT_GT(Count("SELECT count(*) FROM patient WHERE index_key_id = 1"), 0);
  EXPECT_GT(Count("SELECT count(*) FROM patient WHERE index_key_id = 2"), 0);
  ExpectEveryPatientReadsAndIsFound();
  StartWriters(2);
  auto rest = Rewrite(crypto::KeyKind::kIndex);
  ASSERT_TRUE(rest.ok()) << rest.status();
  EXPECT_TRUE(rest->complete);
  StopWriters();
  EXPECT_GT(writes_.load(), 0);
  EXPECT_EQ(Count("SELECT count(*) FROM patient WHERE index_key_id <> 2"), 0);
  EXPECT_TRUE(Retirable(crypto::KeyKind::kIndex, 1).ok());

  // Key 1 retired: searches run under key 2 alone and still find everyone.
  auto retired = crypto::RemoveKey(*rotated, crypto::KeyKind::kIndex, 1);
  ASSERT_TRUE(retired.ok());
  RollTo(*retired);
  ExpectEveryPatientReadsAndIsFound();
  // A duplicate registration is still refused.
  v1::Patient dup;
  EXPECT_EQ(Register(SyntheticIdNumber("19790303", 7), "重复").error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
  ExpectAuditChainVerifies();
}

TEST_F(KeyRotationTest, AuditKeyRotatesAndTheChainVerifiesAcrossTheChange) {
  const crypto::KeyRing old_ring = Ring();
  const std::string old_pk = crypto::Signer(old_ring).PublicKey();
  // Checkpoints under the old key first.
  WaitForCheckpointBy(old_pk);
  ExpectAuditChainVerifies();
  auto rotated = crypto::RotateKey(old_ring, crypto::KeyKind::kAudit);
  ASSERT_TRUE(rotated.ok());
  const std::string new_pk = crypto::Signer(*rotated).PublicKey();
  RollTo(*rotated);
  StartWriters(1);
  // The new server seals the writers' audit rows with the new key.
  WaitForCheckpointBy(new_pk);
  StopWriters();
  ExpectAuditChainVerifies();
  // The old key's checkpoints are counted: its public key is not retirable.
  EXPECT_EQ(Retirable(crypto::KeyKind::kAudit, 1).code(), absl::StatusCode::kFailedPrecondition);
  ExpectEveryPatientReadsAndIsFound();
}

// Every encrypted column of the schema is rewritten by the pass: a column added later
// without its entry in store/key_rotation_repository.cc (and schema 0023's successors) fails
// here rather than leaving cells under a key that is then retired.
TEST_F(KeyRotationTest, ThePassCoversEveryEncryptedColumnOfTheSchema) {
  const std::string schema = env_->db().QueryValue(
      "SELECT string_agg(table_name || '.' || column_name, ',' ORDER BY table_name || '.' || "
      "column_name COLLATE \"C\") FROM "
      "information_schema.columns WHERE table_schema = 'public' AND data_type = 'bytea' AND "
      "column_name LIKE '%\\_enc'");
  std::vector<std::string> cells = store::EncryptedCells();
  std::sort(cells.begin(), cells.end());
  std::string listed;
  for (const auto& c : cells) listed += (listed.empty() ? "" : ",") + c;
  EXPECT_EQ(listed, schema);
  // And the usage count and the rewrap function know each of them.
  for (const auto& c : cells) {
    const std::string table = c.substr(0, c.find('.'));
    const std::string column = c.substr(c.find('.') + 1);
    // No such row: false, but only for a listed cell; an unlisted one raises.
    EXPECT_EQ(env_->db().QueryValue(absl::StrCat(
                  "SELECT smd_rewrap_cell('", table, "', '", column,
                  "', gen_random_uuid(), 'k', decode('0101' || repeat('00', 30), 'hex'), "
                  "decode('0102' || repeat('00', 30), 'hex'))")),
              "f")
        << c;
  }
}

}  // namespace
}  // namespace smd::testing
