// Calls per method and code (api/call_telemetry.h), as the monitoring endpoint shows them.

#include "api/call_telemetry.h"

#include <chrono>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace smd::api {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(CallTelemetryTest, CountsByMethodAndCodeWithOkListedFromTheStart) {
  CallTelemetry t({"/smd.v1.A/Get", "/smd.v1.A/Put"});
  t.Record("/smd.v1.A/Get", grpc::StatusCode::OK, std::chrono::milliseconds(3));
  t.Record("/smd.v1.A/Get", grpc::StatusCode::OK, std::chrono::milliseconds(30));
  t.Record("/smd.v1.A/Get", grpc::StatusCode::NOT_FOUND, std::chrono::milliseconds(1));
  common::telemetry::Exposition out;
  t.Render(out);
  const std::string& text = out.text();
  EXPECT_THAT(text, HasSubstr("smd_grpc_calls_total{method=\"smd.v1.A/Get\",code=\"OK\"} 2\n"));
  EXPECT_THAT(text,
              HasSubstr("smd_grpc_calls_total{method=\"smd.v1.A/Get\",code=\"NOT_FOUND\"} 1\n"));
  // A method never called: its OK count is 0 (a rate needs the zero), no other code, and
  // no latency histogram yet.
  EXPECT_THAT(text, HasSubstr("smd_grpc_calls_total{method=\"smd.v1.A/Put\",code=\"OK\"} 0\n"));
  EXPECT_THAT(text, Not(HasSubstr("method=\"smd.v1.A/Put\",code=\"NOT_FOUND\"")));
  EXPECT_THAT(text, Not(HasSubstr("smd_grpc_call_duration_seconds_count{method=\"smd.v1.A/Put\"}")));
  EXPECT_THAT(text, HasSubstr("smd_grpc_call_duration_seconds_count{method=\"smd.v1.A/Get\"} 3\n"));
  EXPECT_THAT(text, HasSubstr("smd_grpc_call_duration_seconds_bucket{method=\"smd.v1.A/Get\","
                              "le=\"0.005\"} 2\n"));
}

TEST(CallTelemetryTest, AnUnknownMethodCountsAsOther) {
  CallTelemetry t({"/smd.v1.A/Get"});
  t.Record("/smd.v1.B/Nope", grpc::StatusCode::UNAUTHENTICATED, std::chrono::milliseconds(1));
  common::telemetry::Exposition out;
  t.Render(out);
  EXPECT_THAT(out.text(),
              HasSubstr("smd_grpc_calls_total{method=\"other\",code=\"UNAUTHENTICATED\"} 1\n"));
}

TEST(CallTelemetryTest, CodeNamesAreGrpcs) {
  EXPECT_EQ(CallTelemetry::CodeName(0), "OK");
  EXPECT_EQ(CallTelemetry::CodeName(3), "INVALID_ARGUMENT");
  EXPECT_EQ(CallTelemetry::CodeName(14), "UNAVAILABLE");
  EXPECT_EQ(CallTelemetry::CodeName(16), "UNAUTHENTICATED");
  EXPECT_EQ(CallTelemetry::CodeName(99), "UNKNOWN");
}

}  // namespace
}  // namespace smd::api
