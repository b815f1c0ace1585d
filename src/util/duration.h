// Durations as users write them everywhere in timecast: "90s", "15m",
// "1h30m", "250ms", "2d", or a plain number of seconds ("1.5").
#pragma once

#include <arrow/result.h>

#include <chrono>
#include <string>
#include <string_view>

namespace timecast::util {

using Nanos = std::chrono::nanoseconds;

// Parses a non-negative duration. Units: d, h, m, s, ms, us, ns; components
// may be combined largest first ("1h30m"); a number without unit is seconds.
// Fails with a usage error naming the text and what was expected.
arrow::Result<Nanos> ParseDuration(std::string_view text);

// Formats for humans: "1h02m03s", "4.250s", "12.3ms", "850us", "0s".
std::string FormatDuration(Nanos duration);

// A wall-clock instant for people: "2026-12-05 09:30:12 UTC".
std::string FormatUtcTime(std::chrono::system_clock::time_point time);

}  // namespace timecast::util
