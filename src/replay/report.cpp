#include "replay/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <vector>

#include "util/duration.h"
#include "util/status.h"
#include "util/text.h"

namespace timecast::replay {
namespace {

double Seconds(util::Nanos d) { return static_cast<double>(d.count()) / 1e9; }

}  // namespace

std::string FromRowText(const source::RowPosition& position) {
  if (position.row_group < 0) return std::to_string(position.row);
  return fmt::format("{}:{}:{}", position.file, position.row_group, position.row);
}

arrow::Result<source::RowPosition> ParseFromRow(std::string_view text) {
  std::vector<int64_t> numbers;
  bool ok = !text.empty();
  for (size_t begin = 0; ok && begin <= text.size();) {
    const size_t end = std::min(text.find(':', begin), text.size());
    int64_t number = -1;
    const auto [ptr, error] = std::from_chars(text.data() + begin, text.data() + end, number);
    ok = error == std::errc() && ptr == text.data() + end && number >= 0;
    numbers.push_back(number);
    begin = end + 1;
  }
  if (!ok || (numbers.size() != 1 && numbers.size() != 3) ||
      (numbers.size() == 3 && (numbers[0] > INT32_MAX || numbers[1] > INT32_MAX))) {
    return util::UsageError(
        "--from-row takes FILE:ROWGROUP:ROW (the file's index in the input, from 0), or ROW "
        "for SQLite input and raw intervals, as a stopped replay prints it; got '{}'",
        text);
  }
  if (numbers.size() == 1) return source::RowPosition{0, -1, numbers[0]};
  return source::RowPosition{static_cast<int>(numbers[0]), static_cast<int>(numbers[1]),
                             numbers[2]};
}

bool ContinuesExactly(const ReplaySummary& s) {
  return s.delivered_next && s.delivery.failed == 0 && s.delivery.delivered == s.messages_sent;
}

void TerminalProgress::OnProgress(const ReplayProgress& progress) {
  std::string line = fmt::format("replay: {}", progress.dataset_time
                                                   ? converter_.Format(*progress.dataset_time)
                                                   : std::string("-"));
  double fraction = -1;
  if (span_ && progress.dataset_time && span_->second > span_->first) {
    fraction = static_cast<double>(*progress.dataset_time - span_->first) /
               static_cast<double>(span_->second - span_->first);
    line += fmt::format("  {:5.1f}%", 100 * fraction);
  }
  const double elapsed = Seconds(progress.elapsed);
  line += fmt::format("  {} rows  {} rows/s", util::FormatCount(progress.rows_sent),
                      util::FormatCount(elapsed > 0 ? static_cast<uint64_t>(
                                                static_cast<double>(progress.rows_sent) / elapsed)
                                          : 0));
  line += fmt::format("  late p99 {}", util::FormatDuration(progress.lateness_p99));
  if (fraction > 0.001 && fraction < 1) {
    line += fmt::format("  ETA {}", util::FormatDuration(std::chrono::seconds(static_cast<int64_t>(
                                        elapsed * (1 - fraction) / fraction))));
  }
  if (progress.waiting_since_ns != 0) {
    line += fmt::format("  waiting for the brokers since {}",
                        util::FormatUtcTime(std::chrono::system_clock::time_point(
                            std::chrono::duration_cast<std::chrono::system_clock::duration>(
                                std::chrono::nanoseconds(progress.waiting_since_ns)))));
  }
  fmt::print(stderr, "\r\033[K{}", line);
  std::fflush(stderr);
  drawn_ = true;
}

void TerminalProgress::Clear() {
  if (!drawn_) return;
  fmt::print(stderr, "\r\033[K");
  std::fflush(stderr);
  drawn_ = false;
}

std::string FormatSummary(const ReplaySummary& s, const source::TimeConverter& converter,
                          const std::string& destination) {
  const double wall = Seconds(s.wall);
  std::string text = fmt::format(
      "replay: {} rows in {} messages ({:.1f} MB) to {} in {} ({} rows/s, {:.1f} MB/s); {}\n",
      util::FormatCount(s.rows_sent), util::FormatCount(s.messages_sent), static_cast<double>(s.bytes_sent) / 1e6,
      destination, util::FormatDuration(s.wall),
      util::FormatCount(wall > 0 ? static_cast<uint64_t>(static_cast<double>(s.rows_sent) / wall) : 0),
      wall > 0 ? static_cast<double>(s.bytes_sent) / 1e6 / wall : 0.0, s.stop_reason);
  if (s.committed) {
    text += fmt::format(
        "replay: exactly once: {} transaction(s) committed, {} aborted and replayed from their "
        "checkpoint; commit p50 {} p99 {}; the job has sent {} rows in {} messages\n",
        util::FormatCount(s.transactions_committed), util::FormatCount(s.transactions_aborted),
        util::FormatDuration(s.commit_time.Percentile(0.5)),
        util::FormatDuration(s.commit_time.Percentile(0.99)), util::FormatCount(s.committed->rows),
        util::FormatCount(s.committed->messages));
  } else {
    text += fmt::format("replay: delivered {}, failed {}{}\n", util::FormatCount(s.delivery.delivered),
                        util::FormatCount(s.delivery.failed),
                        s.delivery.failed ? " (" + s.delivery.first_error + ")" : "");
  }
  if (s.paced && s.lateness.count() > 0) {
    text += fmt::format(
        "replay: lateness p50 {}  p99 {}  p99.9 {}  max {} (at {}); {} message(s) over 1ms late\n",
                        util::FormatDuration(s.lateness.Percentile(0.5)),
                        util::FormatDuration(s.lateness.Percentile(0.99)),
                        util::FormatDuration(s.lateness.Percentile(0.999)),
                        util::FormatDuration(s.lateness.max()),
                        util::FormatDuration(s.worst_lateness_at),
                        util::FormatCount(s.late_over_1ms));
  }
  if (!s.scheduling_warning.empty()) {
    text += fmt::format(
        "replay: warning: {}: the sender ran at ordinary priority, so lateness suffers when "
        "other work keeps the cores busy (grant CAP_SYS_NICE or an RLIMIT_RTPRIO, or pass "
        "--rt-priority 0 not to ask)\n",
        s.scheduling_warning);
  }
  if (s.first_send) {
    text += fmt::format("replay: first record sent {} after start\n",
                        util::FormatDuration(*s.first_send));
  }
  if (s.committed) {
    if (s.committed->last_time) {
      text += fmt::format("replay: everything up to {} is committed; next row: {}\n",
                          converter.Format(*s.committed->last_time), s.committed_next_row);
    }
  } else {
    if (s.delivered_through_time) {
      text += fmt::format("replay: everything up to {} ({}) is delivered\n",
                          converter.FormatExact(*s.delivered_through_time),
                          s.delivered_through_position);
    }
    if (!s.continue_command.empty()) {
      text += fmt::format("replay: to continue{}:\n  {}\n",
                          ContinuesExactly(s) ? " exactly after it"
                                              : " (rows sent after it whose delivery was not "
                                                "reported are sent again)",
                          s.continue_command);
    }
  }
  if (s.encode.invalid_utf8_values || s.encode.non_finite_floats) {
    text += fmt::format(
        "replay: {} string value(s) had invalid UTF-8 replaced by U+FFFD; {} NaN/Inf value(s) "
        "written as null\n",
        util::FormatCount(s.encode.invalid_utf8_values), util::FormatCount(s.encode.non_finite_floats));
  }
  return text;
}

std::string SummaryJson(const ReplaySummary& s, const source::TimeConverter& converter,
                        const std::string& destination) {
  auto ms = [](util::Nanos d) { return static_cast<double>(d.count()) / 1e6; };
  std::string json = "{";
  json += fmt::format("\"destination\":{},\"stop_reason\":{},\"ok\":{},", util::JsonQuote(destination),
                      util::JsonQuote(s.stop_reason), s.status.ok() ? "true" : "false");
  if (!s.status.ok()) json += fmt::format("\"error\":{},", util::JsonQuote(s.status.message()));
  json += fmt::format(
      "\"rows_sent\":{},\"messages_sent\":{},\"bytes_sent\":{},\"delivered\":{},"
      "\"delivery_failures\":{},\"undelivered\":{},\"wall_seconds\":{:.6f},\"rows_per_second\":{:.1f},",
      s.rows_sent, s.messages_sent, s.bytes_sent, s.delivery.delivered, s.delivery.failed,
      s.messages_sent - std::min<uint64_t>(s.messages_sent, s.delivery.delivered), Seconds(s.wall),
      Seconds(s.wall) > 0 ? static_cast<double>(s.rows_sent) / Seconds(s.wall) : 0.0);
  json += fmt::format("\"first_send_ms\":{},",
                      s.first_send ? fmt::format("{:.3f}", ms(*s.first_send)) : "null");
  json += fmt::format("\"paced\":{},\"passes\":{},", s.paced ? "true" : "false", s.passes);
  json += fmt::format(
      "\"lateness_ms\":{{\"count\":{},\"p50\":{:.3f},\"p99\":{:.3f},\"p999\":{:.3f},\"max\":{:.3f},"
      "\"mean\":{:.3f},\"max_at_s\":{:.3f},\"over_1ms\":{}}},",
      s.lateness.count(), ms(s.lateness.Percentile(0.5)), ms(s.lateness.Percentile(0.99)),
      ms(s.lateness.Percentile(0.999)), ms(s.lateness.max()), ms(s.lateness.mean()),
      Seconds(s.worst_lateness_at), s.late_over_1ms);
  // The next row: where a continuation starts ("from_row" is what --from-row takes).
  std::string next = "null";
  if (s.delivered_next) {
    const NextRow& n = *s.delivered_next;
    next = fmt::format(
        "{{\"pass\":{},\"file\":{},\"row_group\":{},\"row\":{},\"from_row\":{},\"exact\":{}}}",
        n.pass, n.next.file, n.next.row_group, n.next.row,
        n.next.file < 0 ? "null" : util::JsonQuote(FromRowText(n.next)),
        ContinuesExactly(s) ? "true" : "false");
  }
  if (s.delivered_through_time) {
    json += fmt::format(
        "\"delivered_through\":{{\"time\":{},\"time_ns\":{},\"position\":{},\"next\":{}}},",
        util::JsonQuote(converter.FormatExact(*s.delivered_through_time)),
        *s.delivered_through_time, util::JsonQuote(s.delivered_through_position), next);
  } else {
    json += "\"delivered_through\":null,";
  }
  json += fmt::format("\"continue\":{},",
                      s.continue_command.empty()
                          ? std::string("null")
                          : fmt::format("{{\"next\":{},\"command\":{}}}", next,
                                        util::JsonQuote(s.continue_command)));
  if (s.committed) {
    json += fmt::format(
        "\"exactly_once\":{{\"transactions_committed\":{},\"transactions_aborted\":{},"
        "\"commit_ms\":{{\"p50\":{:.3f},\"p99\":{:.3f},\"max\":{:.3f}}},\"job_rows\":{},"
        "\"job_messages\":{},\"job_transactions\":{},\"finished\":{},\"committed_through\":{},"
        "\"committed_through_ns\":{},\"next_row\":{},\"next_position\":{{\"pass\":{},\"file\":{},"
        "\"row_group\":{},\"row\":{}}}}},",
        s.transactions_committed, s.transactions_aborted, ms(s.commit_time.Percentile(0.5)),
        ms(s.commit_time.Percentile(0.99)), ms(s.commit_time.max()), s.committed->rows,
        s.committed->messages, s.committed->transactions, s.committed->finished ? "true" : "false",
        s.committed->last_time ? util::JsonQuote(converter.Format(*s.committed->last_time)) : "null",
        s.committed->last_time ? std::to_string(*s.committed->last_time) : "null",
        util::JsonQuote(s.committed_next_row), s.committed->pass, s.committed->next.file,
        s.committed->next.row_group, s.committed->next.row);
  } else {
    json += "\"exactly_once\":null,";
  }
  json += fmt::format("\"scheduling_warning\":{},",
                      s.scheduling_warning.empty() ? "null" : util::JsonQuote(s.scheduling_warning));
  json += fmt::format("\"invalid_utf8_values\":{},\"non_finite_floats\":{}}}\n",
                      s.encode.invalid_utf8_values, s.encode.non_finite_floats);
  return json;
}

}  // namespace timecast::replay
