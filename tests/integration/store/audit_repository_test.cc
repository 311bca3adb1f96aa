// The audit repository's sealing and verification against a real PostgreSQL, below the
// gRPC layer (the tampering cases are in tests/integration/api/audit_test.cc):
//
//   * verification's planner settings (merge join, no sort, no parallel workers) hold for
//     its chain COPY only: the rest of the transaction (the checkpoint join, the unsealed
//     counts, the call's own audit row) runs with the session's settings again, whichever
//     order the chain was read in;
//   * a sealing pass returns the newest checkpoint only to a caller that anchors
//     (want_newest), whether it sealed, merely looked, or found another sealer at work.

#include <pqxx/pqxx>

#include <memory>
#include <string>

#include "absl/time/clock.h"
#include "crypto/signer.h"
#include "gtest/gtest.h"
#include "store/audit_repository.h"
#include "store/db.h"
#include "store/internal/tx.h"
#include "support/test_env.h"

namespace smd::testing {
namespace {

// The sealer's advisory lock key ("smd_seal", store/audit_repository.cc).
constexpr char kSealLock[] = "SELECT pg_advisory_xact_lock(8317414447943868780)";
// The settings verification changes for its chain COPY.
constexpr char kPlannerSettings[] =
    "SELECT string_agg(name || '=' || setting, ',' ORDER BY name) FROM pg_settings WHERE name "
    "IN ('enable_hashjoin', 'enable_nestloop', 'enable_sort', "
    "'max_parallel_workers_per_gather', 'jit')";

crypto::KeyRing Keys() {
  crypto::KeyRing keys;
  keys.field_key = std::string(32, '\x11');
  keys.field_key_id = 1;
  keys.index_key = std::string(32, '\x22');
  keys.audit_key = std::string(32, '\x33');
  return keys;
}

class AuditRepositoryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::make_unique<TestDatabase>("it_audit_repository");
    store::DatabaseOptions o;
    o.dsn = db_->AppDsn();
    o.pool_size = 2;
    auto pool = store::Database::Open(o);
    ASSERT_TRUE(pool.ok()) << pool.status();
    pool_ = std::move(*pool);
  }
  void TearDown() override {
    store::SetVerifyReorderWindowForTest(0);
    pool_.reset();
    db_.reset();
  }

  // Rows of two overlapping transactions: ids alternate between them, the chain takes the
  // older one's rows first, so reading by id needs a reorder window of more than 1.
  void WriteOverlappingRows() {
    pqxx::connection a(db_->AppDsn()), b(db_->AppDsn());
    pqxx::work wa(a), wb(b);
    const std::string insert =
        "INSERT INTO audit_log (at, method, outcome, detail) VALUES (now(), 'm', 'OK', ";
    for (int i = 0; i < 3; ++i) {
      wa.exec(insert + "'a" + std::to_string(i) + "')");
      wb.exec(insert + "'b" + std::to_string(i) + "')");
    }
    wb.commit();
    wa.commit();
  }

  absl::StatusOr<store::SealResult> Seal(bool force, bool want_newest) {
    store::SealResult r;
    absl::Status s = pool_->InTransaction([&](store::Tx& tx) -> absl::Status {
      auto sealed = store::SealPending(tx, signer_, absl::Now(), 100, force, want_newest);
      if (!sealed.ok()) return sealed.status();
      r = std::move(*sealed);
      return absl::OkStatus();
    });
    if (!s.ok()) return s;
    return r;
  }

  std::string NewestCheckpointPosition() {
    return db_->QueryValue("SELECT max(position) FROM audit_checkpoint");
  }

  std::unique_ptr<TestDatabase> db_;
  std::unique_ptr<store::Database> pool_;
  crypto::Signer signer_{Keys()};
};

TEST_F(AuditRepositoryTest, VerificationsPlannerSettingsEndWithItsChainRead) {
  WriteOverlappingRows();
  ASSERT_TRUE(Seal(/*force=*/true, /*want_newest=*/false).ok());
  for (int64_t window : {0, 1}) {  // by audit id, then the fallback in chain order
    SCOPED_TRACE(window == 0 ? "read by audit id" : "read in chain order");
    store::SetVerifyReorderWindowForTest(window);
    std::string before, after;
    absl::Status s = pool_->InTransaction([&](store::Tx& tx) -> absl::Status {
      before = tx.w().exec(kPlannerSettings)[0][0].as<std::string>();
      auto report = store::VerifyChain(tx, signer_.PublicKey(), std::nullopt);
      if (!report.ok()) return report.status();
      EXPECT_TRUE(report->intact) << report->problem;
      EXPECT_EQ(report->records_checked, 6);
      after = tx.w().exec(kPlannerSettings)[0][0].as<std::string>();
      return absl::OkStatus();
    });
    ASSERT_TRUE(s.ok()) << s;
    EXPECT_EQ(after, before);
  }
}

TEST_F(AuditRepositoryTest, ASealingPassReturnsTheNewestCheckpointOnlyToAnAnchoringCaller) {
  WriteOverlappingRows();
  // Signed by this pass: always returned (the caller anchors what it signed).
  auto signed_here = Seal(/*force=*/true, /*want_newest=*/false);
  ASSERT_TRUE(signed_here.ok()) << signed_here.status();
  EXPECT_EQ(signed_here->sealed, 6);
  EXPECT_TRUE(signed_here->signed_checkpoint);
  ASSERT_TRUE(signed_here->newest.has_value());
  EXPECT_EQ(std::to_string(signed_here->newest->position), NewestCheckpointPosition());
  EXPECT_TRUE(crypto::CheckpointSignatureValid(signer_.PublicKey(), *signed_here->newest));

  // Nothing new: the pass signs nothing; the newest comes from smd_audit_seal itself,
  // unchanged and still valid, for an anchoring caller only.
  auto looked = Seal(/*force=*/true, /*want_newest=*/true);
  ASSERT_TRUE(looked.ok()) << looked.status();
  EXPECT_EQ(looked->sealed, 0);
  EXPECT_FALSE(looked->signed_checkpoint);
  ASSERT_TRUE(looked->newest.has_value());
  EXPECT_EQ(*looked->newest, *signed_here->newest);
  auto not_anchoring = Seal(/*force=*/true, /*want_newest=*/false);
  ASSERT_TRUE(not_anchoring.ok()) << not_anchoring.status();
  EXPECT_FALSE(not_anchoring->newest.has_value());

  // Another process holds the sealer's lock: nothing sealed, the newest read for an
  // anchoring caller only.
  pqxx::connection other(db_->SuperDsn());
  pqxx::work holding(other);
  holding.exec(kSealLock);
  auto locked_out = Seal(/*force=*/true, /*want_newest=*/true);
  ASSERT_TRUE(locked_out.ok()) << locked_out.status();
  EXPECT_EQ(locked_out->sealed, 0);
  EXPECT_FALSE(locked_out->signed_checkpoint);
  ASSERT_TRUE(locked_out->newest.has_value());
  EXPECT_EQ(*locked_out->newest, *signed_here->newest);
  auto locked_out_quiet = Seal(/*force=*/true, /*want_newest=*/false);
  ASSERT_TRUE(locked_out_quiet.ok()) << locked_out_quiet.status();
  EXPECT_FALSE(locked_out_quiet->newest.has_value());
}

}  // namespace
}  // namespace smd::testing
