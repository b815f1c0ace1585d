#include "util/histogram.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

namespace timecast::util {
namespace {

TEST(Histogram, EmptyIsZero) {
  Histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.Percentile(0.99), Nanos(0));
  EXPECT_EQ(h.max(), Nanos(0));
}

TEST(Histogram, SmallValuesAreExact) {
  Histogram h;
  for (int v = 1; v <= 100; ++v) h.Record(Nanos(v));
  EXPECT_EQ(h.Percentile(0.5), Nanos(50));
  EXPECT_EQ(h.Percentile(0.99), Nanos(99));
  EXPECT_EQ(h.Percentile(1.0), Nanos(100));
  EXPECT_EQ(h.max(), Nanos(100));
  EXPECT_EQ(h.mean().count(), 50);
}

TEST(Histogram, PercentilesWithinOnePointSixPercent) {
  std::mt19937_64 random(42);
  std::lognormal_distribution<double> lateness(11.0, 2.0);  // ~60 us median, long tail
  Histogram h;
  std::vector<int64_t> values;
  for (int i = 0; i < 100000; ++i) {
    values.push_back(static_cast<int64_t>(lateness(random)));
    h.Record(Nanos(values.back()));
  }
  std::sort(values.begin(), values.end());
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    const auto exact = static_cast<double>(values[static_cast<size_t>(q * values.size()) - 1]);
    const auto approx = static_cast<double>(h.Percentile(q).count());
    EXPECT_GE(approx, exact) << q;
    EXPECT_LE(approx, exact * 1.016 + 1) << q;
  }
  EXPECT_EQ(h.max().count(), values.back());
}

TEST(Histogram, NegativeCountsAsZeroAndHugeValuesFit) {
  Histogram h;
  h.Record(Nanos(-5));
  h.Record(Nanos(int64_t{1} << 62));
  EXPECT_EQ(h.Percentile(0.5), Nanos(0));
  EXPECT_EQ(h.Percentile(1.0), Nanos(int64_t{1} << 62));
}

TEST(Histogram, MergeAddsCounts) {
  Histogram a, b;
  a.Record(Nanos(10));
  b.Record(Nanos(20));
  b.Record(Nanos(30));
  a.Merge(b);
  EXPECT_EQ(a.count(), 3u);
  EXPECT_EQ(a.max(), Nanos(30));
  EXPECT_EQ(a.Percentile(0.5), Nanos(20));
}

}  // namespace
}  // namespace timecast::util
