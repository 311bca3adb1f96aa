#include "api/followup_service.h"

#include "api/call_runner.h"
#include "api/convert.h"
#include "api/followup_convert.h"
#include "common/status_macros.h"

namespace smd::api {
namespace {

#define SMD_FU_METHOD(name) "/smd.v1.FollowUpService/" #name

}  // namespace

using Reactor = grpc::ServerUnaryReactor;

namespace {

// The alert a recorded visit raised, as its author is told (app::VisitAlert).
void VisitAlertToProto(const app::VisitAlert& a, v1::VisitAlert* out) {
  out->set_alert_id(a.alert_id);
  out->set_kind(static_cast<v1::AlertKind>(a.draft.kind));
  out->set_audience(static_cast<v1::AlertAudience>(a.draft.audience));
  out->set_severity(a.draft.severity);
  out->set_cause(a.draft.cause);
  out->set_recipients(a.recipients);
  for (domain::Role role : a.unrouted) out->add_unrouted_roles(static_cast<v1::Role>(role));
}

}  // namespace

Reactor* FollowUpService::RecordFollowUp(Ctx* ctx, const v1::RecordFollowUpRequest* req,
                                         v1::FollowUp* resp) {
  return RunUnary(ctx, ex_, SMD_FU_METHOD(RecordFollowUp), req, resp,
                  [=, this](const app::CallMeta& m) -> absl::Status {
                    domain::FollowUpForm form;
                    RETURN_IF_ERROR(FollowUpFormFromProto(req->form(), &form));
                    return Fill(uc_.Record(m, req->patient_id(), form),
                                [&](const app::RecordedVisit& r) {
                                  FollowUpToProto(r.visit, resp);
                                  if (r.alert) VisitAlertToProto(*r.alert, resp->mutable_alert());
                                });
                  });
}

Reactor* FollowUpService::CorrectFollowUp(Ctx* ctx, const v1::CorrectFollowUpRequest* req,
                                          v1::FollowUp* resp) {
  return RunUnary(ctx, ex_, SMD_FU_METHOD(CorrectFollowUp), req, resp,
                  [=, this](const app::CallMeta& m) -> absl::Status {
                    domain::FollowUpForm form;
                    RETURN_IF_ERROR(FollowUpFormFromProto(req->form(), &form));
                    return Fill(uc_.Correct(m, req->visit_id(), req->base_version(), form,
                                            req->reason()),
                                [&](const domain::FollowUp& f) { FollowUpToProto(f, resp); });
                  });
}

Reactor* FollowUpService::ListFollowUps(Ctx* ctx, const v1::ListFollowUpsRequest* req,
                                        v1::ListFollowUpsResponse* resp) {
  return RunUnary(ctx, ex_, SMD_FU_METHOD(ListFollowUps), req, resp,
                  [=, this](const app::CallMeta& m) {
                    return Fill(uc_.List(m, req->patient_id(), req->include_history(),
                                         req->page().page_size(), req->page().page_token()),
                                [&](const app::FollowUpPage& p) {
                                  for (const auto& f : p.followups)
                                    FollowUpToProto(f, resp->add_followups());
                                  resp->set_next_page_token(p.next_page_token);
                                  resp->set_unreadable_count(p.unreadable);
                                });
                  });
}

Reactor* FollowUpService::GetMedicationGuidance(Ctx* ctx,
                                                const v1::GetMedicationGuidanceRequest* req,
                                                v1::MedicationGuidance* resp) {
  return RunUnary(ctx, ex_, SMD_FU_METHOD(GetMedicationGuidance), req, resp,
                  [=, this](const app::CallMeta& m) {
                    return Fill(uc_.Guidance(m, req->patient_id()),
                                [&](const app::GuidanceResult& g) {
                                  for (const auto& s : g.guidance.items_zh) resp->add_items_zh(s);
                                  for (const auto& s : g.guidance.items_en) resp->add_items_en(s);
                                  DateToProto(g.guidance.next_injection,
                                              resp->mutable_next_injection());
                                  resp->set_refer_for_adverse_reaction(
                                      g.guidance.refer_for_adverse_reaction);
                                  MedicationLinesToProto(g.regimen, resp->mutable_regimen());
                                  DateToProto(g.based_on_visit, resp->mutable_based_on_visit());
                                });
                  });
}

Reactor* FollowUpService::ListDrugs(Ctx* ctx, const v1::ListDrugsRequest* req,
                                    v1::ListDrugsResponse* resp) {
  return RunUnary(ctx, ex_, SMD_FU_METHOD(ListDrugs), req, resp, [=, this](const app::CallMeta& m) {
    return Fill(uc_.ListDrugs(m), [&](const std::vector<domain::DrugInfo>& drugs) {
      for (const auto& d : drugs) DrugToProto(d, resp->add_drugs());
    });
  });
}

Reactor* FollowUpService::RecordEmergency(Ctx* ctx, const v1::RecordEmergencyRequest* req,
                                          v1::Emergency* resp) {
  return RunUnary(ctx, ex_, SMD_FU_METHOD(RecordEmergency), req, resp,
                  [=, this](const app::CallMeta& m) -> absl::Status {
                    domain::Emergency e;
                    RETURN_IF_ERROR(EmergencyFromProto(*req, &e));
                    return Fill(uc_.RecordEmergency(m, e),
                                [&](const domain::Emergency& x) { EmergencyToProto(x, resp); });
                  });
}

Reactor* FollowUpService::RequestReferral(Ctx* ctx, const v1::RequestReferralRequest* req,
                                          v1::Referral* resp) {
  return RunUnary(ctx, ex_, SMD_FU_METHOD(RequestReferral), req, resp,
                  [=, this](const app::CallMeta& m) {
                    domain::ReferralRecord r;
                    r.patient_id = req->patient_id();
                    r.reason = req->reason();
                    r.hospital = req->hospital();
                    r.department = req->department();
                    r.urgent = req->urgent();
                    return Fill(uc_.RequestReferral(m, r),
                                [&](const domain::ReferralRecord& x) { ReferralToProto(x, resp); });
                  });
}

Reactor* FollowUpService::UpdateReferral(Ctx* ctx, const v1::UpdateReferralRequest* req,
                                         v1::Referral* resp) {
  return RunUnary(ctx, ex_, SMD_FU_METHOD(UpdateReferral), req, resp,
                  [=, this](const app::CallMeta& m) -> absl::Status {
                    ASSIGN_OR_RETURN(domain::ReferralStatus status,
                                     ReferralStatusFromProto(req->status(), "status"));
                    return Fill(uc_.UpdateReferral(m, req->referral_id(), status, req->note()),
                                [&](const domain::ReferralRecord& x) { ReferralToProto(x, resp); });
                  });
}

Reactor* FollowUpService::RecordDischarge(Ctx* ctx, const v1::RecordDischargeRequest* req,
                                          v1::Discharge* resp) {
  return RunUnary(ctx, ex_, SMD_FU_METHOD(RecordDischarge), req, resp,
                  [=, this](const app::CallMeta& m) -> absl::Status {
                    domain::Discharge d;
                    bool received_given = false;
                    RETURN_IF_ERROR(DischargeFromProto(*req, &d, &received_given));
                    return Fill(uc_.RecordDischarge(m, d, received_given),
                                [&](const domain::Discharge& x) { DischargeToProto(x, resp); });
                  });
}

Reactor* FollowUpService::RecordHealthCheck(Ctx* ctx, const v1::RecordHealthCheckRequest* req,
                                            v1::HealthCheck* resp) {
  return RunUnary(ctx, ex_, SMD_FU_METHOD(RecordHealthCheck), req, resp,
                  [=, this](const app::CallMeta& m) -> absl::Status {
                    domain::HealthCheckRecord h;
                    RETURN_IF_ERROR(HealthCheckFromProto(*req, &h));
                    return Fill(uc_.RecordHealthCheck(m, h), [&](const domain::HealthCheckRecord& x) {
                      HealthCheckToProto(x, resp);
                    });
                  });
}

Reactor* FollowUpService::ListWorklist(Ctx* ctx, const v1::ListWorklistRequest* req,
                                       v1::ListWorklistResponse* resp) {
  return RunUnary(
      ctx, ex_, SMD_FU_METHOD(ListWorklist), req, resp,
      [=, this](const app::CallMeta& m) -> absl::Status {
        const int kind = req->kind();
        if (kind < 1 || kind > 5) {
          return absl::InvalidArgumentError("kind: 请选择工作清单类型 (worklist kind required)");
        }
        return Fill(
            uc_.Worklist(m, static_cast<store::WorklistKind>(kind), req->days(), req->region(),
                         req->page().page_size(), req->page().page_token()),
            [&](const app::WorklistPage& page) {
              const absl::CivilDay today = page.today;
              for (const auto& r : page.rows) {
                auto* item = resp->add_items();
                item->set_patient_id(r.patient_id);
                item->set_name(r.name);
                item->set_jurisdiction(r.jurisdiction);
                item->set_risk_level(r.risk_level);
                item->set_classification(ClassificationToProto(r.last_class));
                DateToProto(r.next_due, item->mutable_next_due());
                if (r.next_due) item->set_days_overdue(static_cast<int>(today - *r.next_due));
                DateToProto(r.last_valid_visit, item->mutable_last_visit());
                item->set_reason(app::WorklistReason(r, today));
                item->set_name_unreadable(r.name_unreadable);
              }
              resp->set_next_page_token(page.next_page_token);
              resp->set_unreadable_count(page.unreadable);
            });
      });
}

Reactor* FollowUpService::GetTimeline(Ctx* ctx, const v1::GetTimelineRequest* req,
                                      v1::Timeline* resp) {
  return RunUnary(ctx, ex_, SMD_FU_METHOD(GetTimeline), req, resp,
                  [=, this](const app::CallMeta& m) {
                    return Fill(uc_.Timeline(m, req->patient_id()),
                                [&](const app::TimelinePage& t) {
                                  resp->set_patient_id(req->patient_id());
                                  for (const auto& e : t.entries) {
                                    auto* x = resp->add_entries();
                                    DateToProto(e.date, x->mutable_date());
                                    x->set_kind(e.kind);
                                    x->set_summary(e.summary);
                                    x->set_ref_id(e.ref_id);
                                    x->set_unreadable(e.unreadable);
                                  }
                                  resp->set_unreadable_count(t.unreadable);
                                });
                  });
}

}  // namespace smd::api
