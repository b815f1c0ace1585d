// The replay's clock column: its values as int64 nanoseconds of dataset time.
//
// Accepted types: float/double (seconds, or --time-unit), integers (epochs in
// --time-unit, default seconds), timestamps of any unit and zone (instants),
// date32 and date64. Zoned and naive timestamps are both taken as stored:
// Arrow keeps zoned values as UTC instants and naive ones as wall times.
#pragma once

#include <arrow/result.h>
#include <arrow/type.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace timecast::source {

struct TimeColumnSpec {
  std::string name = "Stream_Time";
  // Unit of numeric columns ("s", "ms", "us", "ns"); nullopt means seconds.
  // Timestamp and date columns carry their own unit and ignore it.
  std::optional<std::string> unit;
};

class TimeConverter {
 public:
  // Fails with a usage error when `type` cannot be a time column, or the unit is unknown.
  static arrow::Result<TimeConverter> Make(const arrow::DataType& type, const TimeColumnSpec& spec);

  // Appends each value of `column` in nanoseconds. A null, NaN, infinite or
  // out-of-range value stops the conversion: the result names its row index
  // (within `column`) and what is wrong with it.
  struct BadValue {
    int64_t row;
    std::string reason;  // e.g. "null time", "NaN time", "time 1e300 out of range"
  };
  // With `null_as`, nulls become that value instead of stopping the conversion.
  std::optional<BadValue> Convert(const arrow::Array& column, std::vector<int64_t>* out,
                                  std::optional<int64_t> null_as = std::nullopt) const;

  // A bound given on the command line (--from/--until): a number in the
  // column's own unit; for numeric columns a number with a unit ("2294.109s",
  // "1500ms", "12us", "7ns"), read exactly in decimal, so whatever Format or
  // FormatExact printed comes back as the same nanoseconds; or an ISO-8601
  // date/time ("2016-03-01", "2016-03-01T12:00:00", "2016-03-01
  // 12:00:00.5Z", "...+01:00"). Text without zone is taken as stored, like
  // naive timestamps.
  arrow::Result<int64_t> ParseBound(std::string_view text) const;

  // Renders dataset time for humans: ISO-8601 for absolute columns, seconds
  // ("1234.500s") for relative numeric ones such as Stream_Time; both to the
  // millisecond.
  std::string Format(int64_t nanos) const;

  // As Format, but to the nanosecond where the value needs it ("1234.500s",
  // "1234.500000001s", "2016-03-01T12:00:00.000250"): what ParseBound reads
  // back as exactly `nanos`. For positions a replay may be continued from.
  std::string FormatExact(int64_t nanos) const;

  // True for timestamp and date columns (their values are instants).
  bool absolute() const { return kind_ == Kind::kTimestamp || kind_ == Kind::kDate; }

 private:
  enum class Kind { kFloating, kInteger, kTimestamp, kDate };
  Kind kind_ = Kind::kFloating;
  int64_t nanos_per_unit_ = 1'000'000'000;
};

// Nanoseconds in one unit of an Arrow timestamp.
int64_t NanosPerUnit(arrow::TimeUnit::type unit);

// Parses ISO-8601 date or date-time text to nanoseconds since the epoch (UTC
// when the text has no offset). Fails with a usage error naming the text.
arrow::Result<int64_t> ParseIsoTime(std::string_view text);

// Formats nanoseconds since the epoch as "YYYY-MM-DDTHH:MM:SS[.fff]"
// (milliseconds, for humans), or with `exact` the fraction in as many digits
// of 3, 6 or 9 as the value needs. `separator` goes between date and time.
std::string FormatIsoTime(int64_t nanos, char separator = 'T', bool exact = false);

// The same into `out` (at least 40 bytes), without allocating; returns the length.
size_t FormatIsoTimeTo(char* out, int64_t nanos, char separator = 'T', bool exact = false);

}  // namespace timecast::source
