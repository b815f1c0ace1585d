#include "util/histogram.h"

#include <algorithm>
#include <cmath>

namespace timecast::util {

int Histogram::Index(uint64_t value) {
  if (value < 128) return static_cast<int>(value);
  const int shift = (63 - __builtin_clzll(value)) - 6;  // value >> shift is in [64, 128)
  return 128 + (shift - 1) * 64 + static_cast<int>((value >> shift) - 64);
}

uint64_t Histogram::HighestEquivalent(int index) {
  if (index < 128) return static_cast<uint64_t>(index);
  const int shift = (index - 128) / 64 + 1;
  const uint64_t sub = static_cast<uint64_t>((index - 128) % 64 + 64);
  return ((sub + 1) << shift) - 1;
}

void Histogram::Record(Nanos value) {
  const uint64_t v = value.count() > 0 ? static_cast<uint64_t>(value.count()) : 0;
  ++counts_[static_cast<size_t>(Index(v))];
  ++count_;
  max_ = std::max(max_, v);
  sum_ += static_cast<long double>(v);
}

void Histogram::Merge(const Histogram& other) {
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  max_ = std::max(max_, other.max_);
  sum_ += other.sum_;
}

Nanos Histogram::Percentile(double q) const {
  if (count_ == 0) return Nanos(0);
  const uint64_t rank = std::max<uint64_t>(
      1, static_cast<uint64_t>(std::ceil(std::clamp(q, 0.0, 1.0) * static_cast<double>(count_))));
  uint64_t seen = 0;
  for (int i = 0; i < kBuckets; ++i) {
    seen += counts_[static_cast<size_t>(i)];
    if (seen >= rank) {
      return Nanos(static_cast<int64_t>(std::min(HighestEquivalent(i), max_)));
    }
  }
  return Nanos(static_cast<int64_t>(max_));
}

}  // namespace timecast::util
