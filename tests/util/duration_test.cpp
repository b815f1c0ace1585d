#include "util/duration.h"

#include <gtest/gtest.h>

#include "util/status.h"

namespace timecast::util {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

TEST(ParseDuration, AcceptsUnitsAndCombinations) {
  EXPECT_EQ(*ParseDuration("90s"), seconds(90));
  EXPECT_EQ(*ParseDuration("15m"), minutes(15));
  EXPECT_EQ(*ParseDuration("1h30m"), minutes(90));
  EXPECT_EQ(*ParseDuration("250ms"), milliseconds(250));
  EXPECT_EQ(*ParseDuration("2d"), hours(48));
  EXPECT_EQ(*ParseDuration("1m30s500ms"), milliseconds(90500));
  EXPECT_EQ(*ParseDuration("10us"), std::chrono::microseconds(10));
  EXPECT_EQ(*ParseDuration("7ns"), std::chrono::nanoseconds(7));
}

TEST(ParseDuration, PlainNumberIsSeconds) {
  EXPECT_EQ(*ParseDuration("60"), seconds(60));
  EXPECT_EQ(*ParseDuration("1.5"), milliseconds(1500));
  EXPECT_EQ(*ParseDuration("0"), seconds(0));
}

TEST(ParseDuration, RejectsMalformedTextWithUsageError) {
  for (const char* text : {"", "s", "abc", "1x", "-5s", "1s1h", "5m5m", "1.2.3s", "1s 2m", "60 ",
                           "1e3", "."}) {
    auto result = ParseDuration(text);
    ASSERT_FALSE(result.ok()) << text;
    EXPECT_EQ(ExitCodeOf(result.status()), ExitCode::kUsage) << text;
    EXPECT_NE(result.status().message().find("invalid duration"), std::string::npos);
  }
}

TEST(FormatDuration, ChoosesReadableUnits) {
  EXPECT_EQ(FormatDuration(Nanos(0)), "0s");
  EXPECT_EQ(FormatDuration(Nanos(850)), "850ns");
  EXPECT_EQ(FormatDuration(std::chrono::microseconds(12)), "12us");
  EXPECT_EQ(FormatDuration(std::chrono::microseconds(12300)), "12.3ms");
  EXPECT_EQ(FormatDuration(milliseconds(4250)), "4.250s");
  EXPECT_EQ(FormatDuration(seconds(3723)), "1h02m03s");
  EXPECT_EQ(FormatDuration(seconds(125)), "2m05s");
  EXPECT_EQ(FormatDuration(-milliseconds(3)), "-3.0ms");
}

}  // namespace
}  // namespace timecast::util
