#include "api/network_service.h"

#include "api/call_runner.h"
#include "api/convert.h"
#include "common/status_macros.h"
#include "domain/errors.h"

namespace smd::api {

#define SMD_NETWORK_METHOD(name) "/smd.v1.ServiceNetworkService/" #name

namespace {

// A required date: INVALID_ARGUMENT naming `field` when absent or invalid.
absl::StatusOr<absl::CivilDay> RequiredDate(const v1::Date& d, std::string_view field) {
  ASSIGN_OR_RETURN(std::optional<absl::CivilDay> day, DateFromProto(d, field));
  if (!day) return domain::FieldError(field, "必填", "required");
  return *day;
}

void SiteToProto(const app::SiteView& v, v1::ServiceSite* out) {
  const domain::SiteFacts& f = v.row.facts;
  out->set_id(v.row.id);
  out->set_version(v.row.version);
  out->set_region(f.region);
  out->set_region_name(v.row.region_name);
  out->set_kind(static_cast<v1::SiteKind>(f.kind));
  out->set_name(f.name);
  DateToProto(f.opened_on, out->mutable_opened_on());
  out->set_status(static_cast<v1::SiteStatus>(v.status));
  DateToProto(v.status_since, out->mutable_status_since());
  switch (f.kind) {
    case domain::SiteKind::kSchoolRoom: {
      auto* s = out->mutable_school();
      s->set_level(static_cast<v1::SchoolLevel>(f.school_level));
      s->set_full_time_teachers(f.full_time_teachers);
      s->set_part_time_teachers(f.part_time_teachers);
      s->set_students(f.students);
      break;
    }
    case domain::SiteKind::kWorkplace:
      out->mutable_workplace()->set_type(static_cast<v1::WorkplaceType>(f.workplace_type));
      out->mutable_workplace()->set_mode(static_cast<v1::WorkplaceServiceMode>(f.workplace_mode));
      break;
    case domain::SiteKind::kCareInstitution:
      out->mutable_care()->set_type(static_cast<v1::CareInstitutionType>(f.care_type));
      break;
    default:
      break;
  }
  out->set_phone(f.phone);
  out->set_note(f.note);
  for (const auto& c : f.history) {
    auto* h = out->add_history();
    h->set_status(static_cast<v1::SiteStatus>(c.status));
    DateToProto(c.effective_on, h->mutable_effective_on());
  }
}

void CountToProto(const domain::NetworkCountRow& c, v1::NetworkCount* out) {
  out->set_region(c.region);
  out->set_year(c.year);
  out->set_kind(static_cast<v1::NetworkCountKind>(c.kind));
  out->set_count(static_cast<int32_t>(c.count));
}

}  // namespace

grpc::ServerUnaryReactor* ServiceNetworkService::UpsertSite(Ctx* ctx,
                                                            const v1::UpsertSiteRequest* req,
                                                            v1::ServiceSite* resp) {
  return RunUnary(ctx, ex_, SMD_NETWORK_METHOD(UpsertSite), req, resp,
                  [=, this](const app::CallMeta& m) -> absl::Status {
                    app::SiteInput in;
                    in.id = req->id();
                    in.expected_version = req->expected_version();
                    domain::SiteFacts& f = in.facts;
                    f.region = req->region();
                    f.kind = static_cast<domain::SiteKind>(req->kind());
                    f.name = req->name();
                    ASSIGN_OR_RETURN(f.opened_on, RequiredDate(req->opened_on(), "opened_on"));
                    in.has_school = req->has_school();
                    f.school_level = req->school().level();
                    f.full_time_teachers = req->school().full_time_teachers();
                    f.part_time_teachers = req->school().part_time_teachers();
                    f.students = req->school().students();
                    in.has_workplace = req->has_workplace();
                    f.workplace_type = req->workplace().type();
                    f.workplace_mode = req->workplace().mode();
                    in.has_care = req->has_care();
                    f.care_type = req->care().type();
                    f.phone = req->phone();
                    f.note = req->note();
                    return Fill(uc_.UpsertSite(m, in),
                                [&](const app::SiteView& v) { SiteToProto(v, resp); });
                  });
}

grpc::ServerUnaryReactor* ServiceNetworkService::SetSiteStatus(
    Ctx* ctx, const v1::SetSiteStatusRequest* req, v1::ServiceSite* resp) {
  return RunUnary(ctx, ex_, SMD_NETWORK_METHOD(SetSiteStatus), req, resp,
                  [=, this](const app::CallMeta& m) -> absl::Status {
                    domain::SiteStatusChange change;
                    change.status = static_cast<domain::SiteStatus>(req->status());
                    ASSIGN_OR_RETURN(change.effective_on,
                                     RequiredDate(req->effective_on(), "effective_on"));
                    return Fill(uc_.SetStatus(m, req->id(), req->expected_version(), change),
                                [&](const app::SiteView& v) { SiteToProto(v, resp); });
                  });
}

grpc::ServerUnaryReactor* ServiceNetworkService::ListSites(Ctx* ctx,
                                                           const v1::ListSitesRequest* req,
                                                           v1::ListSitesResponse* resp) {
  return RunUnary(ctx, ex_, SMD_NETWORK_METHOD(ListSites), req, resp,
                  [=, this](const app::CallMeta& m) -> absl::Status {
                    return Fill(uc_.ListSites(m, req->region(), req->kind(), req->active_only()),
                                [&](const std::vector<app::SiteView>& sites) {
                                  for (const auto& s : sites) SiteToProto(s, resp->add_sites());
                                });
                  });
}

grpc::ServerUnaryReactor* ServiceNetworkService::SetNetworkCount(
    Ctx* ctx, const v1::SetNetworkCountRequest* req, v1::NetworkCount* resp) {
  return RunUnary(ctx, ex_, SMD_NETWORK_METHOD(SetNetworkCount), req, resp,
                  [=, this](const app::CallMeta& m) -> absl::Status {
                    domain::NetworkCountRow row;
                    row.region = req->region();
                    row.year = req->year();
                    row.kind = static_cast<domain::NetworkCountKind>(req->kind());
                    row.count = req->count();
                    return Fill(uc_.SetCount(m, row), [&](const domain::NetworkCountRow& c) {
                      CountToProto(c, resp);
                    });
                  });
}

grpc::ServerUnaryReactor* ServiceNetworkService::ListNetworkCounts(
    Ctx* ctx, const v1::ListNetworkCountsRequest* req, v1::ListNetworkCountsResponse* resp) {
  return RunUnary(ctx, ex_, SMD_NETWORK_METHOD(ListNetworkCounts), req, resp,
                  [=, this](const app::CallMeta& m) -> absl::Status {
                    return Fill(uc_.ListCounts(m, req->region(), req->year()),
                                [&](const std::vector<domain::NetworkCountRow>& counts) {
                                  for (const auto& c : counts) CountToProto(c, resp->add_counts());
                                });
                  });
}

grpc::ServerUnaryReactor* ServiceNetworkService::ListNetworkTargets(
    Ctx* ctx, const v1::ListNetworkTargetsRequest* req, v1::ListNetworkTargetsResponse* resp) {
  return RunUnary(ctx, ex_, SMD_NETWORK_METHOD(ListNetworkTargets), req, resp,
                  [=, this](const app::CallMeta& m) -> absl::Status {
                    return Fill(uc_.ListTargets(m), [&](const std::vector<store::TargetRow>& ts) {
                      for (const auto& t : ts) {
                        auto* out = resp->add_targets();
                        out->set_indicator(t.target.indicator);
                        out->set_year(t.target.year);
                        out->set_target(static_cast<double>(t.target.tenths) / 10.0);
                        out->set_source(t.source);
                      }
                    });
                  });
}

}  // namespace smd::api
