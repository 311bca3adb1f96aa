#include "api/rehab_service.h"

#include <algorithm>
#include <tuple>

#include "api/call_runner.h"
#include "api/convert.h"
#include "api/rehab_convert.h"
#include "common/status_macros.h"
#include "domain/errors.h"

namespace smd::api {

#define SMD_RH_METHOD(name) "/smd.v1.RehabService/" #name

using Reactor = grpc::ServerUnaryReactor;

Reactor* RehabService::RecordRehabSession(Ctx* ctx, const v1::RecordRehabSessionRequest* req,
                                          v1::RehabRecord* resp) {
  return RunUnary(ctx, ex_, SMD_RH_METHOD(RecordRehabSession), req, resp,
                  [=, this](const app::CallMeta& m) -> absl::Status {
                    domain::RehabSession s;
                    RETURN_IF_ERROR(RehabSessionFromProto(*req, &s));
                    return Fill(uc_.RecordSession(m, s), [&](const domain::RehabSession& x) {
                      RehabSessionToProto(x, resp);
                    });
                  });
}

Reactor* RehabService::RecordPsychSupport(Ctx* ctx, const v1::RecordPsychSupportRequest* req,
                                          v1::RehabRecord* resp) {
  return RunUnary(ctx, ex_, SMD_RH_METHOD(RecordPsychSupport), req, resp,
                  [=, this](const app::CallMeta& m) -> absl::Status {
                    domain::PsychSupport p;
                    RETURN_IF_ERROR(PsychSupportFromProto(*req, &p));
                    return Fill(uc_.RecordSupport(m, p), [&](const domain::PsychSupport& x) {
                      PsychSupportToProto(x, resp);
                    });
                  });
}

Reactor* RehabService::ListRehabRecords(Ctx* ctx, const v1::ListRehabRecordsRequest* req,
                                        v1::ListRehabRecordsResponse* resp) {
  return RunUnary(
      ctx, ex_, SMD_RH_METHOD(ListRehabRecords), req, resp,
      [=, this](const app::CallMeta& m) -> absl::Status {
        ASSIGN_OR_RETURN(auto from, DateFromProto(req->from(), "from"));
        ASSIGN_OR_RETURN(auto to, DateFromProto(req->to(), "to"));
        app::RehabKinds kinds = app::RehabKinds::kBoth;
        switch (req->kind()) {
          case v1::REHAB_RECORD_KIND_UNSPECIFIED:
            break;
          case v1::REHAB_RECORD_KIND_SESSION:
            kinds = app::RehabKinds::kSessions;
            break;
          case v1::REHAB_RECORD_KIND_SUPPORT:
            kinds = app::RehabKinds::kSupports;
            break;
          default:
            return domain::FieldError("kind", "取值无效", "unknown enum value");
        }
        return Fill(uc_.List(m, req->patient_id(), from, to, kinds),
                    [&](const app::RehabRecords& r) {
                      // One list in date order, then recording time (sessions first on a tie
                      // of both).
                      std::vector<v1::RehabRecord> all;
                      for (const auto& s : r.sessions) RehabSessionToProto(s, &all.emplace_back());
                      for (const auto& p : r.supports) PsychSupportToProto(p, &all.emplace_back());
                      std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) {
                        const auto ka = std::make_tuple(a.date().year(), a.date().month(),
                                                        a.date().day(), a.recorded_at().seconds(),
                                                        a.recorded_at().nanos());
                        const auto kb = std::make_tuple(b.date().year(), b.date().month(),
                                                        b.date().day(), b.recorded_at().seconds(),
                                                        b.recorded_at().nanos());
                        return ka < kb;
                      });
                      for (auto& x : all) *resp->add_records() = std::move(x);
                      resp->set_unreadable_count(r.unreadable);
                    });
      });
}

}  // namespace smd::api
