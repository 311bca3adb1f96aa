#pragma once
// Thin gRPC adapters for the smd.v1 services: proto -> domain/app types, run the use case
// on the executor, app result -> proto, status mapped once (grpc_status.h). No SQL and no
// rules here. Each handler returns at once; the work runs on the executor.

#include <memory>

#include "api/executor.h"
#include "app/admin_use_cases.h"
#include "app/audit_use_cases.h"
#include "app/auth_use_cases.h"
#include "app/patient_use_cases.h"
#include "smd/v1/admin.grpc.pb.h"
#include "smd/v1/audit.grpc.pb.h"
#include "smd/v1/auth.grpc.pb.h"
#include "smd/v1/patients.grpc.pb.h"
#include "smd/v1/regions.grpc.pb.h"

namespace smd::api {

// Login and ChangePassword are raw methods (api/raw_message.h: a password or user name
// that is not valid UTF-8 must reach the use case, to be refused and audited there), and
// run on `signin_ex`, the sign-in executor: their scrypt work cannot starve other calls.
class AuthService final
    : public smd::v1::AuthService::WithRawCallbackMethod_Login<
          smd::v1::AuthService::WithRawCallbackMethod_ChangePassword<
              smd::v1::AuthService::WithCallbackMethod_Logout<
                  smd::v1::AuthService::WithCallbackMethod_WhoAmI<
                      smd::v1::AuthService::Service>>>> {
 public:
  AuthService(app::AuthUseCases& uc, Executor& ex, Executor& signin_ex)
      : uc_(uc), ex_(ex), signin_ex_(signin_ex) {}
  grpc::ServerUnaryReactor* Login(grpc::CallbackServerContext* ctx, const grpc::ByteBuffer* req,
                                  grpc::ByteBuffer* resp) override;
  grpc::ServerUnaryReactor* Logout(grpc::CallbackServerContext* ctx, const v1::LogoutRequest* req,
                                   v1::LogoutResponse* resp) override;
  grpc::ServerUnaryReactor* WhoAmI(grpc::CallbackServerContext* ctx, const v1::WhoAmIRequest* req,
                                   v1::WhoAmIResponse* resp) override;
  grpc::ServerUnaryReactor* ChangePassword(grpc::CallbackServerContext* ctx,
                                           const grpc::ByteBuffer* req,
                                           grpc::ByteBuffer* resp) override;

 private:
  app::AuthUseCases& uc_;
  Executor& ex_;
  Executor& signin_ex_;
};

class AdminService final : public smd::v1::AdminService::CallbackService {
 public:
  AdminService(app::AdminUseCases& uc, Executor& ex) : uc_(uc), ex_(ex) {}
  grpc::ServerUnaryReactor* CreateUser(grpc::CallbackServerContext* ctx,
                                       const v1::CreateUserRequest* req, v1::User* resp) override;
  grpc::ServerUnaryReactor* DisableUser(grpc::CallbackServerContext* ctx,
                                        const v1::DisableUserRequest* req, v1::User* resp) override;
  grpc::ServerUnaryReactor* EnableUser(grpc::CallbackServerContext* ctx,
                                       const v1::EnableUserRequest* req, v1::User* resp) override;
  grpc::ServerUnaryReactor* ResetPassword(grpc::CallbackServerContext* ctx,
                                          const v1::ResetPasswordRequest* req,
                                          v1::User* resp) override;
  grpc::ServerUnaryReactor* AssignRole(grpc::CallbackServerContext* ctx,
                                       const v1::AssignRoleRequest* req, v1::User* resp) override;
  grpc::ServerUnaryReactor* ListUsers(grpc::CallbackServerContext* ctx,
                                      const v1::ListUsersRequest* req,
                                      v1::ListUsersResponse* resp) override;
  grpc::ServerUnaryReactor* GetRuleSet(grpc::CallbackServerContext* ctx,
                                       const v1::GetRuleSetRequest* req,
                                       v1::RuleSetInfo* resp) override;

 private:
  app::AdminUseCases& uc_;
  Executor& ex_;
};

class RegionService final : public smd::v1::RegionService::CallbackService {
 public:
  RegionService(app::AdminUseCases& uc, Executor& ex) : uc_(uc), ex_(ex) {}
  grpc::ServerUnaryReactor* UpsertRegion(grpc::CallbackServerContext* ctx,
                                         const v1::UpsertRegionRequest* req,
                                         v1::Region* resp) override;
  grpc::ServerUnaryReactor* GetRegion(grpc::CallbackServerContext* ctx,
                                      const v1::GetRegionRequest* req, v1::Region* resp) override;
  grpc::ServerUnaryReactor* ListRegions(grpc::CallbackServerContext* ctx,
                                        const v1::ListRegionsRequest* req,
                                        v1::ListRegionsResponse* resp) override;
  grpc::ServerUnaryReactor* SetPopulation(grpc::CallbackServerContext* ctx,
                                          const v1::SetPopulationRequest* req,
                                          v1::Region* resp) override;

 private:
  app::AdminUseCases& uc_;
  Executor& ex_;
};

class PatientService final : public smd::v1::PatientService::CallbackService {
 public:
  PatientService(app::PatientUseCases& uc, Executor& ex) : uc_(uc), ex_(ex) {}
  grpc::ServerUnaryReactor* RegisterPatient(grpc::CallbackServerContext* ctx,
                                            const v1::RegisterPatientRequest* req,
                                            v1::Patient* resp) override;
  grpc::ServerUnaryReactor* ImportPatients(grpc::CallbackServerContext* ctx,
                                           const v1::ImportPatientsRequest* req,
                                           v1::ImportPatientsResponse* resp) override;
  grpc::ServerUnaryReactor* GetPatient(grpc::CallbackServerContext* ctx,
                                       const v1::GetPatientRequest* req,
                                       v1::Patient* resp) override;
  grpc::ServerUnaryReactor* UpdatePatient(grpc::CallbackServerContext* ctx,
                                          const v1::UpdatePatientRequest* req,
                                          v1::Patient* resp) override;
  grpc::ServerUnaryReactor* SearchPatients(grpc::CallbackServerContext* ctx,
                                           const v1::SearchPatientsRequest* req,
                                           v1::SearchPatientsResponse* resp) override;
  grpc::ServerUnaryReactor* TransferOut(grpc::CallbackServerContext* ctx,
                                        const v1::TransferOutRequest* req,
                                        v1::Transfer* resp) override;
  grpc::ServerUnaryReactor* TransferIn(grpc::CallbackServerContext* ctx,
                                       const v1::TransferInRequest* req,
                                       v1::Transfer* resp) override;
  grpc::ServerUnaryReactor* ListTransfers(grpc::CallbackServerContext* ctx,
                                          const v1::ListTransfersRequest* req,
                                          v1::ListTransfersResponse* resp) override;
  grpc::ServerUnaryReactor* ClosePatient(grpc::CallbackServerContext* ctx,
                                         const v1::ClosePatientRequest* req,
                                         v1::Patient* resp) override;

 private:
  app::PatientUseCases& uc_;
  Executor& ex_;
};

class AuditService final : public smd::v1::AuditService::CallbackService {
 public:
  AuditService(app::AuditUseCases& uc, Executor& ex) : uc_(uc), ex_(ex) {}
  grpc::ServerUnaryReactor* ListAuditRecords(grpc::CallbackServerContext* ctx,
                                             const v1::ListAuditRecordsRequest* req,
                                             v1::ListAuditRecordsResponse* resp) override;
  grpc::ServerUnaryReactor* VerifyAuditChain(grpc::CallbackServerContext* ctx,
                                             const v1::VerifyAuditChainRequest* req,
                                             v1::VerifyAuditChainResponse* resp) override;

 private:
  app::AuditUseCases& uc_;
  Executor& ex_;
};

}  // namespace smd::api
