// TLS by default and mutual TLS when a client CA is configured, with the certificates of
// deploy/tls/make-dev-certs.sh (the ones the quickstart uses).

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/clock.h"
#include "crypto/keys.h"
#include "gtest/gtest.h"
#include "support/test_env.h"

namespace smd::testing {
namespace {

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::string(::testing::TempDir()) + "/smd_tls_test";
    const std::string script = std::string(SMD_SOURCE_DIR) + "/deploy/tls/make-dev-certs.sh";
    ASSERT_EQ(std::system(absl::StrCat("rm -rf '", dir_, "' && '", script, "' '", dir_,
                                       "' >/dev/null 2>&1")
                              .c_str()),
              0);
    db_ = std::make_unique<TestDatabase>("it_tls");
    key_file_ = dir_ + "/smd.keys";
    std::ofstream(key_file_) << crypto::GenerateKeyFileContents();
    ::chmod(key_file_.c_str(), 0600);
  }

  std::unique_ptr<runtime::Server> Start(bool mutual) {
    runtime::Config c;
    c.command = "serve";
    c.listen = "127.0.0.1:0";
    c.database_url = db_->AppDsn();
    c.key_file = key_file_;
    c.db_pool = 2;
    c.tls_cert = dir_ + "/server.pem";
    c.tls_key = dir_ + "/server.key";
    if (mutual) c.tls_client_ca = dir_ + "/ca.pem";
    auto s = runtime::Server::Start(c, common::SystemClock::Get());
    EXPECT_TRUE(s.ok()) << s.status();
    return s.ok() ? std::move(*s) : nullptr;
  }

  grpc::StatusCode WhoAmI(int port, bool with_client_cert, bool tls = true) {
    std::shared_ptr<grpc::ChannelCredentials> creds;
    if (tls) {
      grpc::SslCredentialsOptions o;
      o.pem_root_certs = Slurp(dir_ + "/ca.pem");
      if (with_client_cert) {
        o.pem_private_key = Slurp(dir_ + "/client.key");
        o.pem_cert_chain = Slurp(dir_ + "/client.pem");
      }
      creds = grpc::SslCredentials(o);
    } else {
      creds = grpc::InsecureChannelCredentials();
    }
    auto channel = grpc::CreateChannel(absl::StrCat("localhost:", port), creds);
    auto stub = v1::AuthService::NewStub(channel);
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
    v1::WhoAmIResponse me;
    return stub->WhoAmI(&ctx, {}, &me).error_code();
  }

  std::string dir_, key_file_;
  std::unique_ptr<TestDatabase> db_;
};

TEST_F(TlsTest, ServerTlsAcceptsTlsClientsAndRefusesPlaintext) {
  auto server = Start(/*mutual=*/false);
  ASSERT_NE(server, nullptr);
  // The handshake succeeds; the call itself then needs a token.
  EXPECT_EQ(WhoAmI(server->port(), false), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(WhoAmI(server->port(), false, /*tls=*/false), grpc::StatusCode::UNAVAILABLE);
  server->Shutdown(absl::Seconds(1));
}

TEST_F(TlsTest, MutualTlsRequiresAClientCertificate) {
  auto server = Start(/*mutual=*/true);
  ASSERT_NE(server, nullptr);
  EXPECT_EQ(WhoAmI(server->port(), true), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(WhoAmI(server->port(), false), grpc::StatusCode::UNAVAILABLE);
  server->Shutdown(absl::Seconds(1));
}

}  // namespace
}  // namespace smd::testing
