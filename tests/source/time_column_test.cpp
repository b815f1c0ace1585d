#include "source/time_column.h"

#include <arrow/api.h>
#include <arrow/json/from_string.h>
#include <gtest/gtest.h>

#include "util/status.h"

namespace timecast::source {
namespace {

std::shared_ptr<arrow::Array> Array(const std::shared_ptr<arrow::DataType>& type,
                                    const std::string& json) {
  return arrow::json::ArrayFromJSONString(type, json).ValueOrDie();
}

std::vector<int64_t> Convert(const std::shared_ptr<arrow::DataType>& type, const std::string& json,
                             TimeColumnSpec spec = {}) {
  auto converter = TimeConverter::Make(*type, spec);
  EXPECT_TRUE(converter.ok()) << converter.status().ToString();
  std::vector<int64_t> out;
  auto bad = converter->Convert(*Array(type, json), &out);
  EXPECT_FALSE(bad.has_value()) << bad->reason;
  return out;
}

TEST(TimeConverter, FloatSecondsBecomeNanos) {
  EXPECT_EQ(Convert(arrow::float64(), "[0, 1.5, 3600.000000001]"),
            (std::vector<int64_t>{0, 1'500'000'000, 3'600'000'000'001}));
  EXPECT_EQ(Convert(arrow::float32(), "[0.5]"), (std::vector<int64_t>{500'000'000}));
}

TEST(TimeConverter, IntegersUseTheTimeUnit) {
  EXPECT_EQ(Convert(arrow::int64(), "[2]"), (std::vector<int64_t>{2'000'000'000}));
  EXPECT_EQ(Convert(arrow::int64(), "[2]", {"t", "ms"}), (std::vector<int64_t>{2'000'000}));
  EXPECT_EQ(Convert(arrow::int32(), "[2]", {"t", "us"}), (std::vector<int64_t>{2'000}));
  EXPECT_EQ(Convert(arrow::uint64(), "[2]", {"t", "ns"}), (std::vector<int64_t>{2}));
}

TEST(TimeConverter, TimestampsOfAnyUnitAndZone) {
  const int64_t t = 1454910360'000'000'000;  // 2016-02-08 05:46:00
  for (auto unit : {arrow::TimeUnit::SECOND, arrow::TimeUnit::MILLI, arrow::TimeUnit::MICRO,
                    arrow::TimeUnit::NANO}) {
    EXPECT_EQ(Convert(arrow::timestamp(unit), R"(["2016-02-08 05:46:00"])"),
              (std::vector<int64_t>{t}));
    EXPECT_EQ(Convert(arrow::timestamp(unit, "America/New_York"), R"(["2016-02-08 05:46:00"])"),
              (std::vector<int64_t>{t}));
  }
  EXPECT_EQ(Convert(arrow::date32(), "[1]"), (std::vector<int64_t>{86'400'000'000'000}));
}

TEST(TimeConverter, NullNanAndOverflowNameTheRow) {
  auto converter = *TimeConverter::Make(*arrow::float64(), {});
  std::vector<int64_t> out;
  auto bad = converter.Convert(*Array(arrow::float64(), "[1, 2, null]"), &out);
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->row, 2);
  EXPECT_EQ(bad->reason, "null time");
  out.clear();
  bad = converter.Convert(*Array(arrow::float64(), "[1, NaN]"), &out);
  ASSERT_TRUE(bad.has_value());
  EXPECT_EQ(bad->reason, "NaN time");
  auto seconds = *TimeConverter::Make(*arrow::int64(), {});
  bad = seconds.Convert(*Array(arrow::int64(), "[9223372036854775807]"), &out);
  ASSERT_TRUE(bad.has_value());
  EXPECT_NE(bad->reason.find("out of range"), std::string::npos);
  out.clear();
  EXPECT_FALSE(converter.Convert(*Array(arrow::float64(), "[1, null]"), &out, 0).has_value());
  EXPECT_EQ(out, (std::vector<int64_t>{1'000'000'000, 0}));
}

TEST(TimeConverter, RejectsTypesThatCannotBeTime) {
  auto converter = TimeConverter::Make(*arrow::utf8(), {"Event", std::nullopt});
  ASSERT_FALSE(converter.ok());
  EXPECT_EQ(util::ExitCodeOf(converter.status()), util::ExitCode::kUsage);
  EXPECT_NE(converter.status().message().find("time column 'Event' has type string"),
            std::string::npos);
  EXPECT_FALSE(TimeConverter::Make(*arrow::float64(), {"t", "minutes"}).ok());
}

TEST(TimeConverter, BoundsAreNumbersInTheColumnUnitOrIsoText) {
  auto seconds = *TimeConverter::Make(*arrow::float64(), {});
  EXPECT_EQ(*seconds.ParseBound("90.5"), 90'500'000'000);
  auto stamps = *TimeConverter::Make(*arrow::timestamp(arrow::TimeUnit::NANO), {});
  EXPECT_EQ(*stamps.ParseBound("2016-02-08T05:46:00"), 1454910360'000'000'000);
  EXPECT_EQ(*stamps.ParseBound("2016-02-08 05:46:00"), 1454910360'000'000'000);
  EXPECT_EQ(*stamps.ParseBound("2016-02-08"), 1454889600'000'000'000);
  EXPECT_EQ(*stamps.ParseBound("2016-02-08T06:46:00.25+01:00"), 1454910360'250'000'000);
  EXPECT_EQ(*stamps.ParseBound("2016-02-08T05:46:00Z"), 1454910360'000'000'000);
  EXPECT_FALSE(stamps.ParseBound("1454910360").ok());  // ambiguous: ask for a date
  EXPECT_FALSE(stamps.ParseBound("2016-13-01").ok());
  EXPECT_FALSE(stamps.ParseBound("yesterday").ok());
}

TEST(TimeConverter, BoundsWithAUnitAreReadExactly) {
  auto seconds = *TimeConverter::Make(*arrow::float64(), {});
  EXPECT_EQ(*seconds.ParseBound("2294.109s"), 2294'109'000'000);
  EXPECT_EQ(*seconds.ParseBound("2294.109000001s"), 2294'109'000'001);
  EXPECT_EQ(*seconds.ParseBound("-0.5s"), -500'000'000);
  EXPECT_EQ(*seconds.ParseBound("1500ms"), 1'500'000'000);
  EXPECT_EQ(*seconds.ParseBound("2.5us"), 2'500);
  EXPECT_EQ(*seconds.ParseBound("7ns"), 7);
  EXPECT_EQ(*seconds.ParseBound("1.000000000000s"), 1'000'000'000);  // zeros past ns are fine
  // Seconds whatever the column's unit: the unit says what the number means.
  auto millis = *TimeConverter::Make(*arrow::int64(), {"t", "ms"});
  EXPECT_EQ(*millis.ParseBound("2294.109s"), 2294'109'000'000);
  EXPECT_EQ(*millis.ParseBound("2294109"), 2294'109'000'000);
  for (const char* bad : {"1.0000000001s", "1.s", ".5s", "s", "1e3s", "99999999999s", "1 s"}) {
    EXPECT_FALSE(seconds.ParseBound(bad).ok()) << bad;
  }
  auto stamps = *TimeConverter::Make(*arrow::timestamp(arrow::TimeUnit::NANO), {});
  const auto ambiguous = stamps.ParseBound("2294.109s");
  ASSERT_FALSE(ambiguous.ok());
  EXPECT_NE(ambiguous.status().message().find("give a date/time"), std::string::npos);
}

TEST(TimeConverter, WhatFormatAndFormatExactPrintIsReadBack) {
  auto seconds = *TimeConverter::Make(*arrow::float64(), {});
  auto stamps = *TimeConverter::Make(*arrow::timestamp(arrow::TimeUnit::NANO, "UTC"), {});
  auto dates = *TimeConverter::Make(*arrow::date32(), {});
  EXPECT_EQ(seconds.FormatExact(2294'109'000'000), "2294.109s");
  EXPECT_EQ(seconds.FormatExact(2294'109'123'000), "2294.109123s");
  EXPECT_EQ(seconds.FormatExact(2294'109'123'456), "2294.109123456s");
  EXPECT_EQ(seconds.FormatExact(-1), "-0.000000001s");
  EXPECT_EQ(seconds.FormatExact(0), "0.000s");
  EXPECT_EQ(stamps.FormatExact(1454910360'000'250'000), "2016-02-08T05:46:00.000250");
  for (const int64_t nanos : {int64_t{0}, int64_t{1}, int64_t{-1}, int64_t{2294'109'123'456},
                              int64_t{1454910360'000'250'001}, int64_t{-86'400'000'000'123}}) {
    EXPECT_EQ(*seconds.ParseBound(seconds.FormatExact(nanos)), nanos) << nanos;
    EXPECT_EQ(*stamps.ParseBound(stamps.FormatExact(nanos)), nanos) << nanos;
    // Format rounds to the millisecond, but what it prints is still a bound.
    EXPECT_TRUE(seconds.ParseBound(seconds.Format(nanos)).ok()) << seconds.Format(nanos);
    EXPECT_TRUE(stamps.ParseBound(stamps.Format(nanos)).ok()) << stamps.Format(nanos);
  }
  EXPECT_EQ(*seconds.ParseBound(seconds.Format(2294'109'000'000)), 2294'109'000'000);
  EXPECT_EQ(*dates.ParseBound(dates.Format(86'400'000'000'000)), 86'400'000'000'000);
  EXPECT_EQ(*dates.ParseBound(dates.FormatExact(86'400'000'000'000)), 86'400'000'000'000);
}

TEST(FormatIsoTime, FormatsAroundTheEpoch) {
  EXPECT_EQ(FormatIsoTime(1454910360'000'000'000), "2016-02-08T05:46:00");
  EXPECT_EQ(FormatIsoTime(1454910360'250'000'000), "2016-02-08T05:46:00.250");
  EXPECT_EQ(FormatIsoTime(-1'000'000'000), "1969-12-31T23:59:59");
}

}  // namespace
}  // namespace timecast::source
