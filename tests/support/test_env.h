#pragma once
// Integration-test support: a real PostgreSQL (started by tests/support/with_postgres.sh,
// which exports SMD_TEST_PGHOST), a migrated template database cloned per suite, and the
// real server started in-process on 127.0.0.1:0 with demo data, reached over gRPC.

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>

#include "runtime/server.h"
#include "smd/v1/admin.grpc.pb.h"
#include "smd/v1/audit.grpc.pb.h"
#include "smd/v1/auth.grpc.pb.h"
#include "smd/v1/patients.grpc.pb.h"
#include "smd/v1/regions.grpc.pb.h"
#include "support/synthetic.h"  // SyntheticIdNumber, UndiallablePhone

namespace smd::testing {

// A database cloned from the migrated template. Dropped on destruction.
class TestDatabase {
 public:
  explicit TestDatabase(const std::string& name);
  ~TestDatabase();
  std::string AppDsn() const;    // as smd_app (the server's role)
  std::string OwnerDsn() const;  // as smd_owner
  std::string SuperDsn() const;  // as the cluster superuser (for tampering and checks)
  const std::string& name() const { return name_; }
  // Runs SQL as the superuser and returns the first column of the first row ("" if none).
  std::string QueryValue(const std::string& sql) const;
  void ExecSuper(const std::string& sql) const;

 private:
  std::string name_;
};

// A signed-in user: the session token and the user's id.
struct Account {
  std::string token;
  std::string user_id;
};

// The server with demo data (app::SeedDemo) on its own database.
class TestServer {
 public:
  // `tweak` may change the configuration before the server starts (e.g. shorter alert
  // deadlines); the database, key file and listen address are set by the fixture.
  explicit TestServer(const std::string& db_name, int demo_patients = 20,
                      std::function<void(runtime::Config&)> tweak = {});
  ~TestServer();

  // Another server on the same database and keys (as a second process would be), on its
  // own port. Shut it down, or destroy it, to simulate that process going away.
  std::unique_ptr<runtime::Server> StartAnother();
  const runtime::Config& config() const { return config_; }
  // The server's audit anchor file (config().audit_anchor_file).
  const std::string& anchor_file() const { return anchor_file_; }

  TestDatabase& db() { return *db_; }
  runtime::Server& server() { return *server_; }
  std::shared_ptr<grpc::Channel> channel() { return channel_; }

  // Signs in and returns the token (fails the test on error).
  std::string Login(const std::string& user, const std::string& password);
  // Signs in and returns the token and the user's id (fails the test on error).
  Account SignIn(const std::string& user, const std::string& password);
  // A context carrying the token.
  static std::unique_ptr<grpc::ClientContext> Ctx(const std::string& token);
  // Sets the patient's registration (建档日期) to `day` ("YYYY-MM-DD", Beijing), as an import
  // of an older register would, so that visits dated before today's registration are
  // accepted (a visit may not predate the 建档日期; issue 14). The metrics see it at the
  // patient's next change.
  void BackdateRegistration(const std::string& patient_id, const std::string& day = "2020-01-01");

  std::unique_ptr<v1::AuthService::Stub> auth;
  std::unique_ptr<v1::AdminService::Stub> admin;
  std::unique_ptr<v1::RegionService::Stub> regions;
  std::unique_ptr<v1::PatientService::Stub> patients;
  std::unique_ptr<v1::AuditService::Stub> audit;

 private:
  std::unique_ptr<TestDatabase> db_;
  std::string key_file_;
  std::string anchor_file_;
  runtime::Config config_;
  std::unique_ptr<runtime::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

// Demo passwords (app/demo_seed.cc).
inline constexpr char kDoctorPw[] = "Demo-doctor-2026";
inline constexpr char kDoctor2Pw[] = "Demo-doctor2-2026";
inline constexpr char kPolicePw[] = "Demo-police-2026";
inline constexpr char kGridPw[] = "Demo-grid-2026";
inline constexpr char kAnalystPw[] = "Demo-analyst-2026";
inline constexpr char kAuditorPw[] = "Demo-auditor-2026";
inline constexpr char kAdminPw[] = "Demo-admin-2026";
inline constexpr char kPsychPw[] = "Demo-psych-2026";

// A complete, valid registration form for community `jurisdiction`. Its phones are
// undiallable (support/synthetic.h): the patient's 0000-7654321, the guardian's 0000-1234567.
v1::PatientDetails ValidDetails(const std::string& id_number, const std::string& name,
                                const std::string& jurisdiction);

}  // namespace smd::testing
