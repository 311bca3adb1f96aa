// smdctl's idempotency keys and retries (docs/cli.md "Retries and idempotency keys"): a
// write carries one key per invocation and is retried on UNAVAILABLE with the same key; a
// read carries none; a failed write prints the key to rerun with. Checked on the wire
// against a stand-in PatientService on 127.0.0.1:0 that records what it receives (no
// database: the server's side is tests/integration/api/idempotency_test.cc).

#include <grpcpp/grpcpp.h>

#include <fstream>
#include <mutex>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "commands.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "smd/v1/patients.grpc.pb.h"

namespace smdctl {
namespace {

namespace v1 = smd::v1;
using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string KeyOf(const grpc::ServerContext* ctx) {
  auto it = ctx->client_metadata().find("idempotency-key");
  if (it == ctx->client_metadata().end()) return "";
  return std::string(it->second.data(), it->second.size());
}

// Answers `unavailable` calls with UNAVAILABLE, then the rest with `then`.
class StandIn final : public v1::PatientService::Service {
 public:
  grpc::Status RegisterPatient(grpc::ServerContext* ctx, const v1::RegisterPatientRequest*,
                               v1::Patient* resp) override {
    resp->set_patient_id("00000000-0000-4000-8000-000000000001");
    return Answer(ctx);
  }
  grpc::Status GetPatient(grpc::ServerContext* ctx, const v1::GetPatientRequest* req,
                          v1::Patient* resp) override {
    resp->set_patient_id(req->patient_id());
    return Answer(ctx);
  }
  grpc::Status ImportPatients(grpc::ServerContext* ctx, const v1::ImportPatientsRequest* req,
                              v1::ImportPatientsResponse* resp) override {
    resp->set_imported(req->rows_size());
    return Answer(ctx);
  }

  void Script(int unavailable, grpc::Status then = grpc::Status::OK, bool replay = false) {
    std::lock_guard<std::mutex> lock(mu_);
    unavailable_ = unavailable;
    then_ = then;
    replay_ = replay;
    keys_.clear();
  }
  std::vector<std::string> keys() {
    std::lock_guard<std::mutex> lock(mu_);
    return keys_;
  }

 private:
  grpc::Status Answer(grpc::ServerContext* ctx) {
    std::lock_guard<std::mutex> lock(mu_);
    keys_.push_back(KeyOf(ctx));
    if (unavailable_ > 0) {
      --unavailable_;
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "reply lost");
    }
    if (replay_) ctx->AddTrailingMetadata("idempotency-replayed", "true");
    return then_;
  }

  std::mutex mu_;
  int unavailable_ = 0;
  grpc::Status then_;
  bool replay_ = false;
  std::vector<std::string> keys_;
};

class SmdctlIdempotency : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    service_ = new StandIn;
    grpc::ServerBuilder b;
    b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    b.RegisterService(service_);
    server_ = b.BuildAndStart().release();
  }
  static void TearDownTestSuite() {
    server_->Shutdown();
    delete server_;
    delete service_;
  }

  // Runs smdctl against the stand-in; stdin is `input`.
  int Smdctl(std::vector<std::string> args, const std::string& input = "{}") {
    for (std::string extra : {"--insecure", "--server", "", "--config-dir", ""}) {
      args.push_back(extra);
    }
    args[args.size() - 3] = absl::StrCat("127.0.0.1:", port_);
    args[args.size() - 1] = ::testing::TempDir() + "/smdctl-idempotency";
    out_.str("");
    err_.str("");
    std::istringstream in(input);
    return smdctl::Run(args, out_, err_, in);
  }

  static StandIn* service_;
  static grpc::Server* server_;
  static int port_;
  std::ostringstream out_, err_;
};

StandIn* SmdctlIdempotency::service_ = nullptr;
grpc::Server* SmdctlIdempotency::server_ = nullptr;
int SmdctlIdempotency::port_ = 0;

TEST_F(SmdctlIdempotency, AWriteIsRetriedOnUnavailableWithTheSameKey) {
  service_->Script(2);
  ASSERT_EQ(Smdctl({"patient", "register", "--file", "-"}), kOk) << err_.str();
  const auto keys = service_->keys();
  ASSERT_EQ(keys.size(), 3u);
  EXPECT_THAT(keys[0], StartsWith("smdctl-"));
  EXPECT_GE(keys[0].size(), 16u);
  EXPECT_EQ(keys[1], keys[0]);
  EXPECT_EQ(keys[2], keys[0]);
  EXPECT_THAT(err_.str(), HasSubstr("same idempotency key"));
  EXPECT_THAT(out_.str(), HasSubstr("00000000-0000-4000-8000-000000000001"));
}

TEST_F(SmdctlIdempotency, EachInvocationHasItsOwnKey) {
  service_->Script(0);
  ASSERT_EQ(Smdctl({"patient", "register", "--file", "-"}), kOk);
  ASSERT_EQ(Smdctl({"call", "PatientService.RegisterPatient", "{}"}), kOk);
  const auto keys = service_->keys();
  ASSERT_EQ(keys.size(), 2u);
  EXPECT_FALSE(keys[0].empty());
  EXPECT_FALSE(keys[1].empty());
  EXPECT_NE(keys[0], keys[1]);
}

TEST_F(SmdctlIdempotency, ReadsCarryNoKeyAndAreRetriedToo) {
  service_->Script(1);
  ASSERT_EQ(Smdctl({"patient", "show", "00000000-0000-4000-8000-000000000002"}), kOk) << err_.str();
  EXPECT_EQ(service_->keys(), (std::vector<std::string>{"", ""}));
}

TEST_F(SmdctlIdempotency, AFailedWritePrintsTheKeyToRerunWith) {
  service_->Script(100);
  EXPECT_EQ(Smdctl({"patient", "register", "--file", "-", "--retries", "1"}), kUnreachable);
  const auto keys = service_->keys();
  ASSERT_EQ(keys.size(), 2u) << "the first attempt and one retry";
  EXPECT_THAT(err_.str(), HasSubstr("--idempotency-key " + keys[0]));
  // The rerun the message suggests sends that key, and the server's replay is reported.
  service_->Script(0, grpc::Status::OK, /*replay=*/true);
  ASSERT_EQ(Smdctl({"patient", "register", "--file", "-", "--idempotency-key", keys[0]}), kOk);
  EXPECT_EQ(service_->keys(), (std::vector<std::string>{keys[0]}));
  EXPECT_THAT(err_.str(), HasSubstr("original reply"));
}

TEST_F(SmdctlIdempotency, RefusalsAreNotRetried) {
  service_->Script(0, grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "name: 必填 (required)"));
  EXPECT_EQ(Smdctl({"patient", "register", "--file", "-"}), kRefused);
  EXPECT_EQ(service_->keys().size(), 1u);
}

TEST_F(SmdctlIdempotency, LaterWritesOfOneInvocationGetNumberedKeys) {
  service_->Script(0);
  const std::string csv =
      "姓名,身份证号,所属社区代码,诊断,知情同意\n"
      "合成甲,synthetic-1,320106001001,精神分裂症,是\n"
      "合成乙,synthetic-2,320106001001,精神分裂症,是\n"
      "合成丙,synthetic-3,320106001001,精神分裂症,是\n";
  const std::string file = ::testing::TempDir() + "/smdctl-idempotency.csv";
  std::ofstream(file) << csv;
  ASSERT_EQ(Smdctl({"patient", "import", "--file", file, "--batch", "1", "--idempotency-key",
                    "rerun-key-0123456789"}),
            kOk)
      << err_.str();
  EXPECT_EQ(service_->keys(),
            (std::vector<std::string>{"rerun-key-0123456789", "rerun-key-0123456789.2",
                                      "rerun-key-0123456789.3"}));
}

TEST_F(SmdctlIdempotency, AMalformedKeyIsAUsageErrorAndSendsNothing) {
  service_->Script(0);
  EXPECT_EQ(Smdctl({"patient", "register", "--file", "-", "--idempotency-key", "short"}), kUsage);
  EXPECT_EQ(Smdctl({"patient", "register", "--file", "-", "--retries", "99"}), kUsage);
  EXPECT_TRUE(service_->keys().empty());
}

}  // namespace
}  // namespace smdctl
