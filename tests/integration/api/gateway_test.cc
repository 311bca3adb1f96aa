// The web gateway's forwarded browser address (issue 12; docs/security.md "Behind the web
// gateway"), over mutual TLS with the certificates of deploy/tls/make-dev-certs.sh:
//
//   * a call from the trusted gateway (client certificate CN=smd-gateway, or its DNS name
//     gateway.smd.test) with `x-forwarded-for` is audited as "<browser> via <gateway>", and
//     the audit chain still verifies;
//   * from another client (CN=smd-dev-client) the header is ignored, however it looks;
//   * a malformed or repeated header from the gateway is INVALID_ARGUMENT naming it;
//   * the sign-in limit counts each browser behind the gateway on its own, and the
//     unauthenticated-call audit keeps them apart.

#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "smd/v1/alerts.grpc.pb.h"
#include "support/test_env.h"

namespace smd::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The development certificates, made once per process.
const std::string& CertDir() {
  static const std::string* dir = [] {
    auto* d = new std::string(std::string(::testing::TempDir()) + "/smd_gateway_test");
    const std::string script = std::string(SMD_SOURCE_DIR) + "/deploy/tls/make-dev-certs.sh";
    const int rc = std::system(
        absl::StrCat("rm -rf '", *d, "' && '", script, "' '", *d, "' >/dev/null 2>&1").c_str());
    if (rc != 0) {
      ADD_FAILURE() << "make-dev-certs.sh failed";
      std::abort();
    }
    return d;
  }();
  return *dir;
}

// Mutual TLS, the gateways trusted by `identities`, and the sign-in limit `source_limit`.
std::function<void(runtime::Config&)> GatewayConfig(std::vector<std::string> identities,
                                                    int source_limit) {
  return [identities, source_limit](runtime::Config& c) {
    c.insecure = false;
    c.tls_cert = CertDir() + "/server.pem";
    c.tls_key = CertDir() + "/server.key";
    c.tls_client_ca = CertDir() + "/ca.pem";
    c.trusted_gateways = identities;
    c.signin_source_limit = source_limit;
    c.signin_source_window_seconds = 3600;
  };
}

// A client of the server presenting the certificate `name` (gateway or client).
struct Caller {
  Caller(int port, const std::string& name) {
    grpc::SslCredentialsOptions o;
    o.pem_root_certs = Slurp(CertDir() + "/ca.pem");
    o.pem_private_key = Slurp(CertDir() + "/" + name + ".key");
    o.pem_cert_chain = Slurp(CertDir() + "/" + name + ".pem");
    channel = grpc::CreateChannel(absl::StrCat("localhost:", port), grpc::SslCredentials(o));
    auth = v1::AuthService::NewStub(channel);
    patients = v1::PatientService::NewStub(channel);
    audit = v1::AuditService::NewStub(channel);
    alerts = v1::AlertService::NewStub(channel);
  }
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::AuthService::Stub> auth;
  std::unique_ptr<v1::PatientService::Stub> patients;
  std::unique_ptr<v1::AuditService::Stub> audit;
  std::unique_ptr<v1::AlertService::Stub> alerts;
};

// A context with the token (if any), each of `forwarded` as an x-forwarded-for entry, and
// the request id `request_id` (if any).
std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token,
                                         const std::vector<std::string>& forwarded,
                                         const std::string& request_id = "") {
  auto ctx = std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  if (!token.empty()) ctx->AddMetadata("authorization", "Bearer " + token);
  for (const auto& f : forwarded) ctx->AddMetadata("x-forwarded-for", f);
  if (!request_id.empty()) ctx->AddMetadata("x-request-id", request_id);
  return ctx;
}

grpc::Status Login(Caller& c, const std::string& user, const std::string& password,
                   const std::vector<std::string>& forwarded, const std::string& request_id = "",
                   std::string* token = nullptr) {
  v1::LoginRequest req;
  req.set_username(user);
  req.set_password(password);
  v1::LoginResponse resp;
  grpc::Status s = c.auth->Login(Ctx("", forwarded, request_id).get(), req, &resp);
  if (token != nullptr) *token = resp.token();
  return s;
}

class GatewayTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    env_ = new TestServer("it_gateway", 0, GatewayConfig({"smd-gateway"}, 1000));
    gateway_ = new Caller(env_->server().port(), "gateway");
    other_ = new Caller(env_->server().port(), "client");
  }
  static void TearDownTestSuite() {
    delete gateway_;
    delete other_;
    delete env_;
  }

  // The peer of the audit record of request `request_id`.
  static std::string PeerOf(const std::string& request_id) {
    return env_->db().QueryValue(absl::StrCat(
        "SELECT string_agg(peer, ' | ') FROM audit_log WHERE request_id = '", request_id, "'"));
  }
  // Whether `peer` matches the POSIX regular expression `re` (in PostgreSQL).
  static bool Matches(const std::string& peer, const std::string& re) {
    return env_->db().QueryValue(absl::StrCat("SELECT '", peer, "' ~ '", re, "'")) == "t";
  }

  static TestServer* env_;
  static Caller* gateway_;
  static Caller* other_;
};

TestServer* GatewayTest::env_ = nullptr;
Caller* GatewayTest::gateway_ = nullptr;
Caller* GatewayTest::other_ = nullptr;

TEST_F(GatewayTest, TheTrustedGatewaysForwardedAddressIsAuditedBesideItsOwn) {
  std::string token;
  ASSERT_TRUE(Login(*gateway_, "doctor", kDoctorPw, {"203.0.113.5"}, "it-gw-login-1", &token).ok());
  const std::string login_peer = PeerOf("it-gw-login-1");
  EXPECT_TRUE(Matches(login_peer, "^ipv4:203\\.0\\.113\\.5 via ipv4:127\\.0\\.0\\.1:[0-9]+$"))
      << login_peer;

  v1::WhoAmIResponse me;
  ASSERT_TRUE(
      gateway_->auth->WhoAmI(Ctx(token, {" 2001:DB8::5 "}, "it-gw-whoami-1").get(), {}, &me).ok());
  const std::string whoami_peer = PeerOf("it-gw-whoami-1");
  EXPECT_TRUE(Matches(whoami_peer, "^ipv6:\\[2001:db8::5\\] via ipv4:127\\.0\\.0\\.1:[0-9]+$"))
      << whoami_peer;

  // A refused call (here: no such patient) is audited separately, with both addresses too.
  v1::GetPatientRequest get;
  get.set_patient_id("00000000-0000-4000-8000-000000000000");
  v1::Patient p;
  EXPECT_EQ(
      gateway_->patients->GetPatient(Ctx(token, {"203.0.113.5"}, "it-gw-get-1").get(), get, &p)
          .error_code(),
      grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(Matches(PeerOf("it-gw-get-1"), "^ipv4:203\\.0\\.113\\.5 via ipv4:127\\.0\\.0\\.1:"));

  // Without the header, the gateway's calls are its own.
  ASSERT_TRUE(gateway_->auth->WhoAmI(Ctx(token, {}, "it-gw-whoami-2").get(), {}, &me).ok());
  EXPECT_TRUE(Matches(PeerOf("it-gw-whoami-2"), "^ipv4:127\\.0\\.0\\.1:[0-9]+$"));

  // The hash chain covers the peer as text: sealed, it verifies.
  ASSERT_TRUE(env_->server().SealAuditNow().ok());
  std::string auditor;
  ASSERT_TRUE(Login(*gateway_, "auditor", kAuditorPw, {"203.0.113.6"}, "", &auditor).ok());
  v1::VerifyAuditChainResponse v;
  ASSERT_TRUE(gateway_->audit->VerifyAuditChain(Ctx(auditor, {"203.0.113.6"}).get(), {}, &v).ok());
  EXPECT_TRUE(v.intact()) << v.problem();
  // What is still unsealed depends on the background sealer (every 100 ms here): at most the
  // auditor's sign-in and the verification's own record.
  EXPECT_LE(v.unsealed_records(), 2);
  // ... and ListAuditRecords shows the auditor both addresses.
  v1::ListAuditRecordsRequest list;
  list.set_user_id(me.user_id());
  v1::ListAuditRecordsResponse records;
  ASSERT_TRUE(gateway_->audit->ListAuditRecords(Ctx(auditor, {}).get(), list, &records).ok());
  bool shown = false;
  for (const auto& r : records.records()) {
    shown = shown || absl::StartsWith(r.peer(), "ipv6:[2001:db8::5] via ipv4:127.0.0.1:");
  }
  EXPECT_TRUE(shown);
}

TEST_F(GatewayTest, AnotherClientsHeaderIsIgnored) {
  std::string token;
  // A verified client certificate, but not a gateway's: whatever it claims is not believed.
  ASSERT_TRUE(
      Login(*other_, "doctor", kDoctorPw, {"203.0.113.9"}, "it-other-login-1", &token).ok());
  const std::string peer = PeerOf("it-other-login-1");
  EXPECT_TRUE(Matches(peer, "^ipv4:127\\.0\\.0\\.1:[0-9]+$")) << peer;
  // Nor is it checked: a header that would be refused from the gateway changes nothing.
  v1::WhoAmIResponse me;
  ASSERT_TRUE(
      other_->auth
          ->WhoAmI(
              Ctx(token, {"not an address", "203.0.113.9, 10.0.0.1"}, "it-other-whoami-1").get(),
              {}, &me)
          .ok());
  EXPECT_TRUE(Matches(PeerOf("it-other-whoami-1"), "^ipv4:127\\.0\\.0\\.1:[0-9]+$"));
}

TEST_F(GatewayTest, AMalformedOrRepeatedHeaderFromTheGatewayIsRefusedNamingIt) {
  std::string token;
  ASSERT_TRUE(Login(*gateway_, "doctor", kDoctorPw, {"203.0.113.5"}, "", &token).ok());
  v1::WhoAmIResponse me;
  for (const std::vector<std::string>& bad :
       std::vector<std::vector<std::string>>{{"203.0.113.5, 10.0.0.1"},
                                             {"203.0.113.5:443"},
                                             {"[2001:db8::5]"},
                                             {"browser.example"},
                                             {""},
                                             {"203.0.113.5", "203.0.113.6"}}) {
    grpc::Status s = gateway_->auth->WhoAmI(Ctx(token, bad).get(), {}, &me);
    EXPECT_EQ(s.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << bad[0];
    EXPECT_THAT(s.error_message(), StartsWith("x-forwarded-for: ")) << bad[0];
    EXPECT_THAT(s.error_message(), Not(HasSubstr("browser.example")));
  }
  // Sign-in and the alert stream take the same check.
  grpc::Status login = Login(*gateway_, "doctor", kDoctorPw, {"203.0.113.5:443"});
  EXPECT_EQ(login.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(login.error_message(), StartsWith("x-forwarded-for: "));
  auto ctx = Ctx(token, {"nonsense"});
  auto reader = gateway_->alerts->SubscribeAlerts(ctx.get(), {});
  v1::AlertMessage m;
  EXPECT_FALSE(reader->Read(&m));
  grpc::Status stream = reader->Finish();
  EXPECT_EQ(stream.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(stream.error_message(), StartsWith("x-forwarded-for: "));
}

int64_t Count(TestServer& env, const std::string& sql) {
  return std::stoll(env.db().QueryValue(sql));
}

// One gateway serves a whole district: were its own address the source, 20 failures (here
// 3) would lock every browser out. Here the gateway is trusted by its DNS name.
TEST(GatewaySignIn, TheSignInLimitCountsEachBrowserBehindTheGateway) {
  TestServer env("it_gateway_signin", 0, GatewayConfig({"gateway.smd.test"}, 3));
  Caller gateway(env.server().port(), "gateway");
  Caller other(env.server().port(), "client");
  const std::string a = "198.51.100.7", b = "198.51.100.8";
  const int64_t before = Count(env, "SELECT coalesce(max(id), 0) FROM audit_log");

  // Browser A fails three times, then is refused even with the right password.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Login(gateway, absl::StrCat("nobody-", i), "x-password-1", {a}).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  grpc::Status refused = Login(gateway, "doctor", kDoctorPw, {a});
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(refused.error_message(), HasSubstr("too many failed sign-ins from this address"));
  // Browser B, behind the same gateway, is not: its failures are its own.
  EXPECT_TRUE(Login(gateway, "doctor", kDoctorPw, {b}).ok());

  // Another client's header is not believed: its failures count against its own address,
  // not against browser B's, which it claims.
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Login(other, absl::StrCat("nobody-other-", i), "x-password-1", {b}).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  EXPECT_EQ(Login(other, "doctor", kDoctorPw, {b}).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_TRUE(Login(gateway, "doctor", kDoctorPw, {b}).ok());
  // The gateway without the header is that same local address, now used up: what every
  // browser would share without forwarding.
  EXPECT_EQ(Login(gateway, "doctor", kDoctorPw, {}).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);

  // The unauthenticated-call audit keeps the browsers apart too: A's failures are rows of
  // their own with both addresses, its refusal is counted under A's address.
  EXPECT_EQ(Count(env, absl::StrCat("SELECT count(*) FROM audit_log WHERE id > ", before,
                                    " AND method = '/smd.v1.AuthService/Login' AND outcome = "
                                    "'UNAUTHENTICATED' AND peer LIKE 'ipv4:",
                                    a, " via ipv4:127.0.0.1:%'")),
            3);
  ASSERT_TRUE(env.server().FlushUnauthenticatedAuditForTest().ok());
  EXPECT_EQ(Count(env, absl::StrCat("SELECT count(*) FROM audit_log WHERE id > ", before,
                                    " AND method = 'smd-server audit.unauthenticated' AND peer = "
                                    "'ipv4:",
                                    a,
                                    "' AND detail LIKE '%/smd.v1.AuthService/Login "
                                    "RESOURCE_EXHAUSTED source limit=1%'")),
            1);
  EXPECT_EQ(Count(env, absl::StrCat("SELECT count(*) FROM audit_log WHERE id > ", before,
                                    " AND peer LIKE 'ipv4:", b, "%' AND outcome <> 'OK'")),
            0);
}

}  // namespace
}  // namespace smd::testing
