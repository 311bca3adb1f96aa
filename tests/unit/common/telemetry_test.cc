// The Prometheus text exposition (common/telemetry.h): what a scraper parses must be exact,
// so escaping, histogram buckets (cumulative, +Inf last), _sum and _count are pinned here.

#include "common/telemetry.h"

#include "absl/time/clock.h"

#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace smd::common::telemetry {
namespace {

using ::testing::HasSubstr;

TEST(ExpositionTest, FamilyHeaderAndPlainSamples) {
  Exposition out;
  out.Family("smd_up", "gauge", "1 while up.");
  out.Sample("smd_up", {}, int64_t{1});
  out.Sample("smd_calls_total", {{"method", "a/B"}, {"code", "OK"}}, uint64_t{42});
  out.Sample("smd_ratio", {}, 0.25);
  EXPECT_EQ(out.text(),
            "# HELP smd_up 1 while up.\n"
            "# TYPE smd_up gauge\n"
            "smd_up 1\n"
            "smd_calls_total{method=\"a/B\",code=\"OK\"} 42\n"
            "smd_ratio 0.25\n");
}

TEST(ExpositionTest, LabelValuesEscapeBackslashQuoteAndNewline) {
  EXPECT_EQ(Exposition::EscapeLabelValue("a\\b\"c\nd"), "a\\\\b\\\"c\\nd");
  Exposition out;
  out.Sample("x", {{"v", "say \"hi\"\n"}}, int64_t{1});
  EXPECT_EQ(out.text(), "x{v=\"say \\\"hi\\\"\\n\"} 1\n");
  // UTF-8 passes unchanged (label values are UTF-8).
  EXPECT_EQ(Exposition::EscapeLabelValue("预警"), "预警");
}

TEST(ExpositionTest, HelpTextEscapesBackslashAndNewlineButNotQuotes) {
  Exposition out;
  out.Family("x", "counter", "a \\ b\n\"c\"");
  EXPECT_EQ(out.text(), "# HELP x a \\\\ b\\n\"c\"\n# TYPE x counter\n");
}

TEST(ExpositionTest, NumbersInTheirShortestExactForm) {
  EXPECT_EQ(Exposition::FormatDouble(0.005), "0.005");
  EXPECT_EQ(Exposition::FormatDouble(2.5), "2.5");
  EXPECT_EQ(Exposition::FormatDouble(10), "10");
  EXPECT_EQ(Exposition::FormatDouble(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(Exposition::FormatDouble(1.0 / 0.0), "+Inf");
  EXPECT_EQ(Exposition::FormatDouble(-1.0 / 0.0), "-Inf");
  EXPECT_EQ(Exposition::FormatDouble(0.0 / 0.0), "NaN");
}

TEST(HistogramTest, BucketsAreCumulativeWithInfLastAndSumAndCount) {
  Histogram h({0.25, 1, 10});
  h.Observe(0.125);  // <= 0.25
  h.Observe(0.25);   // <= 0.25 (a bound is inclusive)
  h.Observe(0.5);    // <= 1
  h.Observe(20);    // +Inf only
  Exposition out;
  out.Buckets("lat_seconds", {{"method", "m"}}, h.Read());
  EXPECT_EQ(out.text(),
            "lat_seconds_bucket{method=\"m\",le=\"0.25\"} 2\n"
            "lat_seconds_bucket{method=\"m\",le=\"1\"} 3\n"
            "lat_seconds_bucket{method=\"m\",le=\"10\"} 3\n"
            "lat_seconds_bucket{method=\"m\",le=\"+Inf\"} 4\n"
            "lat_seconds_sum{method=\"m\"} 20.875\n"
            "lat_seconds_count{method=\"m\"} 4\n");
  // The _sum and _count lines carry the same labels as the buckets.
  EXPECT_THAT(out.text(), HasSubstr("lat_seconds_sum{method=\"m\"} 20.875\n"));
  EXPECT_THAT(out.text(), HasSubstr("lat_seconds_count{method=\"m\"} 4\n"));
}

TEST(HistogramTest, WithoutLabelsOnlyLe) {
  Histogram h({1});
  Exposition out;
  out.Buckets("w", {}, h.Read());
  EXPECT_EQ(out.text(),
            "w_bucket{le=\"1\"} 0\n"
            "w_bucket{le=\"+Inf\"} 0\n"
            "w_sum 0\n"
            "w_count 0\n");
}

TEST(HistogramTest, ConcurrentObservationsAreAllCounted) {
  Histogram h(Histogram::LatencyBounds());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&h] {
      for (int i = 0; i < 10000; ++i) h.Observe(0.001 * (i % 50));
    });
  }
  for (auto& t : threads) t.join();
  Histogram::Snapshot s = h.Read();
  EXPECT_EQ(s.count, 40000u);
  EXPECT_EQ(s.cumulative.back(), 40000u);
  EXPECT_EQ(s.cumulative.size(), Histogram::LatencyBounds().size() + 1);
}

TEST(InFlightTest, ScopesCountRunningWorkAndItsEnd) {
  InFlight f;
  {
    InFlight::Scope a = InFlight::Begin(&f, "year");
    InFlight::Scope b = InFlight::Begin(&f, "year");
    auto figures = f.Read(absl::Now() + absl::Seconds(5));
    EXPECT_EQ(figures["year"].running, 2);
    EXPECT_GE(figures["year"].oldest_running, absl::Seconds(5));
    a.Succeeded();
  }  // a ok, b failed
  auto figures = f.Read(absl::Now());
  EXPECT_EQ(figures["year"].running, 0);
  EXPECT_EQ(figures["year"].oldest_running, absl::ZeroDuration());
  EXPECT_EQ(figures["year"].succeeded, 1u);
  EXPECT_EQ(figures["year"].failed, 1u);
  EXPECT_EQ(f.durations("year").Read().count, 2u);
}

TEST(InFlightTest, NullRecordsNothing) {
  InFlight::Scope s = InFlight::Begin(nullptr, "day");
  s.Succeeded();  // no crash, nothing to record
}

}  // namespace
}  // namespace smd::common::telemetry
