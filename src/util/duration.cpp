#include "util/duration.h"

#include <fmt/chrono.h>

#include <cmath>
#include <limits>

#include "util/status.h"

namespace timecast::util {
namespace {

struct Unit {
  std::string_view name;
  double nanos;
};

// Longest names first so "ms" is not read as "m" followed by "s".
constexpr Unit kUnits[] = {
    {"ns", 1.0}, {"us", 1e3}, {"ms", 1e6}, {"d", 86400e9}, {"h", 3600e9}, {"m", 60e9}, {"s", 1e9},
};

}  // namespace

arrow::Result<Nanos> ParseDuration(std::string_view text) {
  auto invalid = [&] {
    return UsageError("invalid duration '{}': expected e.g. 90s, 15m, 1h30m, 250ms or seconds",
                      text);
  };
  if (text.empty()) return invalid();
  double total = 0;
  std::string_view rest = text;
  double last_unit = std::numeric_limits<double>::infinity();
  while (!rest.empty()) {
    size_t digits = 0;
    bool seen_dot = false;
    while (digits < rest.size() &&
           ((rest[digits] >= '0' && rest[digits] <= '9') || (rest[digits] == '.' && !seen_dot))) {
      seen_dot |= rest[digits] == '.';
      ++digits;
    }
    if (digits == 0 || (digits == 1 && rest[0] == '.')) return invalid();
    const double number = std::stod(std::string(rest.substr(0, digits)));
    rest.remove_prefix(digits);
    if (rest.empty()) {
      // A bare number is seconds, and only allowed alone.
      if (total != 0 || last_unit != std::numeric_limits<double>::infinity()) return invalid();
      total = number * 1e9;
      break;
    }
    const Unit* unit = nullptr;
    for (const Unit& candidate : kUnits) {
      if (rest.substr(0, candidate.name.size()) == candidate.name) {
        unit = &candidate;
        break;
      }
    }
    if (unit == nullptr || unit->nanos >= last_unit) return invalid();
    last_unit = unit->nanos;
    total += number * unit->nanos;
    rest.remove_prefix(unit->name.size());
  }
  if (!(total < 9.2e18)) return invalid();
  return Nanos(static_cast<int64_t>(std::llround(total)));
}

std::string FormatDuration(Nanos duration) {
  const int64_t ns = duration.count();
  const int64_t abs_ns = ns < 0 ? -ns : ns;
  const char* sign = ns < 0 ? "-" : "";
  if (abs_ns == 0) return "0s";
  if (abs_ns < 1'000) return fmt::format("{}{}ns", sign, abs_ns);
  if (abs_ns < 1'000'000) return fmt::format("{}{:.0f}us", sign, abs_ns / 1e3);
  if (abs_ns < 1'000'000'000) return fmt::format("{}{:.1f}ms", sign, abs_ns / 1e6);
  if (abs_ns < 60'000'000'000) return fmt::format("{}{:.3f}s", sign, abs_ns / 1e9);
  const int64_t total_s = abs_ns / 1'000'000'000;
  const int64_t h = total_s / 3600, m = total_s / 60 % 60, s = total_s % 60;
  if (h >= 24) return fmt::format("{}{}d{:02}h{:02}m", sign, h / 24, h % 24, m);
  if (h > 0) return fmt::format("{}{}h{:02}m{:02}s", sign, h, m, s);
  return fmt::format("{}{}m{:02}s", sign, m, s);
}

std::string FormatUtcTime(std::chrono::system_clock::time_point time) {
  return fmt::format("{:%Y-%m-%d %H:%M:%S} UTC",
                     fmt::gmtime(std::chrono::system_clock::to_time_t(time)));
}

}  // namespace timecast::util
