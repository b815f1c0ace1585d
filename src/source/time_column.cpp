#include "source/time_column.h"

#include <arrow/array.h>
#include <arrow/type.h>
#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>

#include "util/calendar.h"
#include "util/status.h"

namespace timecast::source {
namespace {

constexpr int64_t kNanosPerDay = 86'400'000'000'000;

arrow::Result<int64_t> NanosPerUnit(std::string_view unit) {
  if (unit == "s") return 1'000'000'000;
  if (unit == "ms") return 1'000'000;
  if (unit == "us") return 1'000;
  if (unit == "ns") return 1;
  return util::UsageError("--time-unit must be one of s, ms, us, ns; got '{}'", unit);
}


template <typename ArrayType, typename ToNanos>
std::optional<TimeConverter::BadValue> ConvertEach(const arrow::Array& column, ToNanos to_nanos,
                                                   std::vector<int64_t>* out,
                                                   std::optional<int64_t> null_as) {
  const auto& typed = static_cast<const ArrayType&>(column);
  const int64_t n = typed.length();
  out->reserve(out->size() + static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    if (typed.IsNull(i)) {
      if (!null_as) return TimeConverter::BadValue{i, "null time"};
      out->push_back(*null_as);
      continue;
    }
    std::optional<TimeConverter::BadValue> bad;
    const int64_t nanos = to_nanos(typed.Value(i), i, &bad);
    if (bad) return bad;
    out->push_back(nanos);
  }
  return std::nullopt;
}

}  // namespace

int64_t NanosPerUnit(arrow::TimeUnit::type unit) {
  switch (unit) {
    case arrow::TimeUnit::SECOND: return 1'000'000'000;
    case arrow::TimeUnit::MILLI: return 1'000'000;
    case arrow::TimeUnit::MICRO: return 1'000;
    case arrow::TimeUnit::NANO: return 1;
  }
  return 1;
}

arrow::Result<TimeConverter> TimeConverter::Make(const arrow::DataType& type,
                                                 const TimeColumnSpec& spec) {
  TimeConverter converter;
  int64_t numeric_unit = 1'000'000'000;
  if (spec.unit) {
    ARROW_ASSIGN_OR_RAISE(numeric_unit, NanosPerUnit(*spec.unit));
  }
  switch (type.id()) {
    case arrow::Type::FLOAT:
    case arrow::Type::DOUBLE:
      converter.kind_ = Kind::kFloating;
      converter.nanos_per_unit_ = numeric_unit;
      return converter;
    case arrow::Type::INT8:
    case arrow::Type::INT16:
    case arrow::Type::INT32:
    case arrow::Type::INT64:
    case arrow::Type::UINT8:
    case arrow::Type::UINT16:
    case arrow::Type::UINT32:
    case arrow::Type::UINT64:
      converter.kind_ = Kind::kInteger;
      converter.nanos_per_unit_ = numeric_unit;
      return converter;
    case arrow::Type::TIMESTAMP:
      converter.kind_ = Kind::kTimestamp;
      converter.nanos_per_unit_ =
          NanosPerUnit(static_cast<const arrow::TimestampType&>(type).unit());
      return converter;
    case arrow::Type::DATE32:
      converter.kind_ = Kind::kDate;
      converter.nanos_per_unit_ = kNanosPerDay;
      return converter;
    case arrow::Type::DATE64:
      converter.kind_ = Kind::kDate;
      converter.nanos_per_unit_ = 1'000'000;
      return converter;
    default:
      break;
  }
  return util::UsageError(
      "time column '{}' has type {}; it must be numeric (seconds, or --time-unit), a timestamp "
      "or a date",
      spec.name,
      // A string column may be read as a dictionary; the user knows it as its values' type.
      type.id() == arrow::Type::DICTIONARY
          ? static_cast<const arrow::DictionaryType&>(type).value_type()->ToString()
          : type.ToString());
}

std::optional<TimeConverter::BadValue> TimeConverter::Convert(
    const arrow::Array& column, std::vector<int64_t>* out, std::optional<int64_t> null_as) const {
  const int64_t unit = nanos_per_unit_;
  auto from_integer = [unit](auto value, int64_t row, std::optional<BadValue>* bad) -> int64_t {
    int64_t nanos = 0;
    if constexpr (std::is_unsigned_v<decltype(value)>) {
      if (value > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        *bad = BadValue{row, fmt::format("time {} out of range", value)};
        return 0;
      }
    }
    if (__builtin_mul_overflow(static_cast<int64_t>(value), unit, &nanos)) {
      *bad = BadValue{row, fmt::format("time {} out of range (beyond year 2262 in ns)", value)};
    }
    return nanos;
  };
  auto from_floating = [unit](auto value, int64_t row, std::optional<BadValue>* bad) -> int64_t {
    if (std::isnan(value)) {
      *bad = BadValue{row, "NaN time"};
      return 0;
    }
    const double nanos = static_cast<double>(value) * static_cast<double>(unit);
    if (!(std::fabs(nanos) < 9.2e18)) {
      *bad = BadValue{row, fmt::format("time {} out of range", value)};
      return 0;
    }
    return static_cast<int64_t>(std::llround(nanos));
  };
  switch (column.type_id()) {
    case arrow::Type::FLOAT: return ConvertEach<arrow::FloatArray>(column, from_floating, out, null_as);
    case arrow::Type::DOUBLE: return ConvertEach<arrow::DoubleArray>(column, from_floating, out, null_as);
    case arrow::Type::INT8: return ConvertEach<arrow::Int8Array>(column, from_integer, out, null_as);
    case arrow::Type::INT16: return ConvertEach<arrow::Int16Array>(column, from_integer, out, null_as);
    case arrow::Type::INT32: return ConvertEach<arrow::Int32Array>(column, from_integer, out, null_as);
    case arrow::Type::INT64: return ConvertEach<arrow::Int64Array>(column, from_integer, out, null_as);
    case arrow::Type::UINT8: return ConvertEach<arrow::UInt8Array>(column, from_integer, out, null_as);
    case arrow::Type::UINT16: return ConvertEach<arrow::UInt16Array>(column, from_integer, out, null_as);
    case arrow::Type::UINT32: return ConvertEach<arrow::UInt32Array>(column, from_integer, out, null_as);
    case arrow::Type::UINT64: return ConvertEach<arrow::UInt64Array>(column, from_integer, out, null_as);
    case arrow::Type::TIMESTAMP:
      return ConvertEach<arrow::TimestampArray>(column, from_integer, out, null_as);
    case arrow::Type::DATE32: return ConvertEach<arrow::Date32Array>(column, from_integer, out, null_as);
    case arrow::Type::DATE64: return ConvertEach<arrow::Date64Array>(column, from_integer, out, null_as);
    default:
      return BadValue{0, "unsupported time type " + column.type()->ToString()};
  }
}

namespace {

// `text` as a decimal number with a unit suffix ("2294.109s", "-1500ms"),
// exactly in nanoseconds; nullopt when it is not of that form.
std::optional<arrow::Result<int64_t>> ParseNumberWithUnit(std::string_view text) {
  struct Unit {
    std::string_view suffix;
    int64_t nanos;
    size_t digits;  // fraction digits down to a nanosecond
  };
  // Longest suffix first: "ms" also ends in "s".
  static constexpr Unit kUnits[] = {
      {"ms", 1'000'000, 6}, {"us", 1'000, 3}, {"ns", 1, 0}, {"s", 1'000'000'000, 9}};
  for (const Unit& unit : kUnits) {
    if (text.size() <= unit.suffix.size() || !text.ends_with(unit.suffix)) continue;
    std::string_view number = text.substr(0, text.size() - unit.suffix.size());
    const bool negative = number.starts_with('-');
    if (negative || number.starts_with('+')) number.remove_prefix(1);
    const size_t dot = number.find('.');
    const std::string_view whole = number.substr(0, dot);
    const std::string_view fraction =
        dot == std::string_view::npos ? std::string_view() : number.substr(dot + 1);
    auto all_digits = [](std::string_view part) {
      return std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    if (whole.empty() || !all_digits(whole) || !all_digits(fraction) ||
        (dot != std::string_view::npos && fraction.empty())) {
      return std::nullopt;
    }
    const auto out_of_range = [&] {
      return arrow::Result<int64_t>(util::UsageError("time '{}' out of range", text));
    };
    int64_t nanos = 0;
    for (char c : whole) {
      if (__builtin_mul_overflow(nanos, 10, &nanos) ||
          __builtin_add_overflow(nanos, c - '0', &nanos)) {
        return out_of_range();
      }
    }
    if (__builtin_mul_overflow(nanos, unit.nanos, &nanos)) return out_of_range();
    if (fraction.size() > unit.digits &&
        fraction.find_first_not_of('0', unit.digits) != std::string_view::npos) {
      return arrow::Result<int64_t>(util::UsageError(
          "time '{}' is finer than a nanosecond, the finest time replay knows", text));
    }
    int64_t part = 0;
    for (size_t i = 0; i < unit.digits; ++i) {
      part = part * 10 + (i < fraction.size() ? fraction[i] - '0' : 0);
    }
    if (__builtin_add_overflow(nanos, part, &nanos)) return out_of_range();
    return arrow::Result<int64_t>(negative ? -nanos : nanos);
  }
  return std::nullopt;
}

}  // namespace

arrow::Result<int64_t> TimeConverter::ParseBound(std::string_view text) const {
  if (auto with_unit = ParseNumberWithUnit(text)) {
    if (absolute()) {
      return util::UsageError(
          "'{}' is a duration, but the time column holds timestamps: give a date/time such as "
          "2016-03-01T00:00:00",
          text);
    }
    return *with_unit;
  }
  double number = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (error == std::errc() && end == text.data() + text.size()) {
    if (absolute()) {
      // A bare number for a timestamp column is ambiguous: ask for a date.
      return util::UsageError(
          "'{}' is a number, but the time column holds timestamps: give a date/time such as "
          "2016-03-01T00:00:00",
          text);
    }
    const double nanos = number * static_cast<double>(nanos_per_unit_);
    if (!(std::fabs(nanos) < 9.2e18)) return util::UsageError("time '{}' out of range", text);
    return static_cast<int64_t>(std::llround(nanos));
  }
  return ParseIsoTime(text);
}

std::string TimeConverter::Format(int64_t nanos) const {
  if (absolute()) return FormatIsoTime(nanos);
  return fmt::format("{:.3f}s", static_cast<double>(nanos) / 1e9);
}

std::string TimeConverter::FormatExact(int64_t nanos) const {
  if (absolute()) return FormatIsoTime(nanos, 'T', /*exact=*/true);
  // In integers: a double has too few digits for nanoseconds beyond ~100 days.
  const uint64_t magnitude =
      nanos < 0 ? uint64_t{0} - static_cast<uint64_t>(nanos) : static_cast<uint64_t>(nanos);
  const uint64_t fraction = magnitude % 1'000'000'000;
  const char* sign = nanos < 0 ? "-" : "";
  if (fraction % 1'000'000 == 0) {
    return fmt::format("{}{}.{:03}s", sign, magnitude / 1'000'000'000, fraction / 1'000'000);
  }
  if (fraction % 1'000 == 0) {
    return fmt::format("{}{}.{:06}s", sign, magnitude / 1'000'000'000, fraction / 1'000);
  }
  return fmt::format("{}{}.{:09}s", sign, magnitude / 1'000'000'000, fraction);
}

arrow::Result<int64_t> ParseIsoTime(std::string_view text) {
  auto invalid = [&] {
    return util::UsageError(
        "invalid time '{}': expected a number or an ISO-8601 date/time such as 2016-03-01, "
        "2016-03-01T12:00:00 or 2016-03-01 12:00:00.250+01:00",
        text);
  };
  size_t pos = 0;
  auto digits = [&](size_t count, int64_t* value) {
    if (pos + count > text.size()) return false;
    int64_t v = 0;
    for (size_t i = 0; i < count; ++i) {
      const char c = text[pos + i];
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    *value = v;
    pos += count;
    return true;
  };
  auto expect = [&](char c) {
    if (pos < text.size() && text[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  };
  int64_t year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0, fraction = 0;
  if (!digits(4, &year) || !expect('-') || !digits(2, &month) || !expect('-') ||
      !digits(2, &day)) {
    return invalid();
  }
  if (month < 1 || month > 12 || day < 1 || day > 31) return invalid();
  int64_t offset_minutes = 0;
  if (pos < text.size()) {
    if (!expect('T') && !expect(' ')) return invalid();
    if (!digits(2, &hour) || !expect(':') || !digits(2, &minute)) return invalid();
    if (expect(':')) {
      if (!digits(2, &second)) return invalid();
      if (expect('.')) {
        int fraction_digits = 0;
        while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
          if (fraction_digits < 9) {
            fraction = fraction * 10 + (text[pos] - '0');
            ++fraction_digits;
          }
          ++pos;
        }
        if (fraction_digits == 0) return invalid();
        for (int i = fraction_digits; i < 9; ++i) fraction *= 10;
      }
    }
    if (hour > 23 || minute > 59 || second > 60) return invalid();
    if (expect('Z')) {
    } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
      const int sign = text[pos++] == '-' ? -1 : 1;
      int64_t oh = 0, om = 0;
      if (!digits(2, &oh)) return invalid();
      expect(':');
      if (!digits(2, &om)) return invalid();
      offset_minutes = sign * (oh * 60 + om);
    }
  }
  if (pos != text.size()) return invalid();
  const int64_t days =
      util::DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const int64_t seconds = days * 86400 + hour * 3600 + minute * 60 + second - offset_minutes * 60;
  return seconds * 1'000'000'000 + fraction;
}

size_t FormatIsoTimeTo(char* out, int64_t nanos, char separator, bool exact) {
  int64_t days = nanos / kNanosPerDay;
  int64_t rest = nanos % kNanosPerDay;
  if (rest < 0) {
    rest += kNanosPerDay;
    --days;
  }
  const auto [year, month, day] = util::CivilFromDays(days);
  const int64_t seconds = rest / 1'000'000'000;
  int64_t fraction = rest % 1'000'000'000;
  char* p = out;
  auto digits = [&p](int64_t value, int width) {
    for (int i = width - 1; i >= 0; --i) {
      p[i] = static_cast<char>('0' + value % 10);
      value /= 10;
    }
    p += width;
  };
  if (year >= 0 && year <= 9999) {
    digits(year, 4);
  } else {
    p = std::to_chars(p, p + 24, year).ptr;
  }
  *p++ = '-';
  digits(month, 2);
  *p++ = '-';
  digits(day, 2);
  *p++ = separator;
  digits(seconds / 3600, 2);
  *p++ = ':';
  digits(seconds / 60 % 60, 2);
  *p++ = ':';
  digits(seconds % 60, 2);
  int width = 0;
  if (!exact) {
    fraction /= 1'000'000;
    width = fraction != 0 ? 3 : 0;
  } else if (fraction % 1'000 != 0) {
    width = 9;
  } else if (fraction % 1'000'000 != 0) {
    fraction /= 1'000;
    width = 6;
  } else if (fraction != 0) {
    fraction /= 1'000'000;
    width = 3;
  }
  if (width > 0) {
    *p++ = '.';
    digits(fraction, width);
  }
  return static_cast<size_t>(p - out);
}

std::string FormatIsoTime(int64_t nanos, char separator, bool exact) {
  char buffer[48];
  return std::string(buffer, FormatIsoTimeTo(buffer, nanos, separator, exact));
}

}  // namespace timecast::source
