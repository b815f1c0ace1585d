// `timecast replay`: stream a dataset into Kafka (or stdout/a file) paced by
// its own time column.
#include <arrow/type.h>
#include <unistd.h>

#include <csignal>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "clock/clock.h"
#include "clock/schedule.h"
#include "replay/batch_encoder.h"
#include "replay/kafka_sink.h"
#include "replay/pipeline.h"
#include "replay/report.h"
#include "replay/stream_sink.h"
#include "dataset/events.h"
#include "source/parquet_source.h"
#include "source/sqlite_source.h"
#include "util/duration.h"
#include "util/output_file.h"
#include "util/signals.h"
#include "util/status.h"

namespace timecast::cli {
namespace {

struct ReplayOptions {
  std::string input;
  std::string time_column = "Stream_Time";
  std::optional<std::string> time_unit;
  std::vector<std::string> columns;
  std::optional<std::string> start_column;
  std::optional<std::string> end_column;
  std::string stream_runtime = "1h";

  std::optional<double> speed;
  std::optional<std::string> fit;
  bool topspeed = false;
  std::optional<double> rate;
  std::optional<std::string> from;
  std::optional<std::string> until;
  std::optional<std::string> runtime;
  std::optional<std::string> max_gap;
  std::optional<std::string> max_disorder;
  int loop = 1;
  std::string when_late = "burst";
  std::string spin = "0";
  std::string send_ahead = "1ms";
  int rt_priority = 0;

  std::string format = "json";
  std::string tick = "100ms";
  std::optional<std::string> key;
  std::vector<std::string> headers;
  std::string timestamp = "due";
  bool trace_headers = false;

  std::string sink = "kafka";
  std::string brokers = "localhost:9092";
  std::string topic;
  std::vector<std::string> properties;
  std::vector<std::string> property_files;
  bool create_topic = false;
  int partitions = 1;
  int replication_factor = -1;
  std::string connect_timeout = "10s";
  std::string flush_timeout = "30s";

  std::optional<std::string> stats_json;
  bool quiet = false;
};

arrow::Result<clock::PaceOptions> PaceFrom(const ReplayOptions& o) {
  clock::PaceOptions pace;
  if (o.topspeed) {
    pace.mode = clock::PaceMode::kTopSpeed;
  } else if (o.fit) {
    pace.mode = clock::PaceMode::kFit;
    ARROW_ASSIGN_OR_RAISE(pace.fit, util::ParseDuration(*o.fit));
  } else if (o.rate) {
    pace.mode = clock::PaceMode::kRate;
    pace.rate = *o.rate;
  } else {
    pace.mode = clock::PaceMode::kSpeed;
    pace.speed = o.speed.value_or(1.0);
  }
  if (o.max_gap) {
    ARROW_ASSIGN_OR_RAISE(pace.max_gap, util::ParseDuration(*o.max_gap));
  }
  if (o.when_late == "shift") {
    pace.when_late = clock::LatePolicy::kShift;
  } else if (o.when_late != "burst") {
    return util::UsageError("--when-late must be burst or shift, got '{}'", o.when_late);
  }
  return pace;
}

arrow::Result<replay::RowFormat> RowFormatFrom(const ReplayOptions& o) {
  replay::RowFormat row;
  row.time = {o.time_column, o.time_unit};
  row.value_columns = o.columns;
  row.key_column = o.key;
  for (const std::string& header : o.headers) {
    const auto eq = header.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == header.size()) {
      return util::UsageError("--header must be NAME=COLUMN, got '{}'", header);
    }
    row.headers.emplace_back(header.substr(0, eq), header.substr(eq + 1));
  }
  if (o.timestamp == "due") {
    row.timestamp = replay::TimestampMode::kDue;
  } else if (o.timestamp == "send") {
    row.timestamp = replay::TimestampMode::kSend;
  } else if (o.timestamp == "event") {
    row.timestamp = replay::TimestampMode::kEvent;
  } else {
    row.timestamp = replay::TimestampMode::kColumn;
    row.timestamp_column = o.timestamp;
  }
  return row;
}

// The span of dataset time the replay covers: from the row-group statistics
// when every file has them, else by reading the time column alone.
arrow::Result<std::optional<std::pair<int64_t, int64_t>>> DatasetSpan(
    const std::vector<std::string>& files, const source::ParquetSource& source,
    const source::TimeColumnSpec& time, bool must_know) {
  ARROW_ASSIGN_OR_RAISE(auto range, source.TimeRangeFromStatistics(time));
  if (range || !must_know) return range;
  ARROW_ASSIGN_OR_RAISE(auto time_only,
                        source::ParquetSource::Open(files, {.columns = {time.name}, .batch_rows = 65536}));
  ARROW_ASSIGN_OR_RAISE(auto converter,
                        source::TimeConverter::Make(*time_only->schema()->field(0)->type(), time));
  std::vector<int64_t> nanos;
  for (;;) {
    ARROW_ASSIGN_OR_RAISE(auto batch, time_only->Next());
    if (!batch) break;
    nanos.clear();
    if (auto bad = converter.Convert(*batch->batch->column(0), &nanos)) {
      return util::InputError("{}: {} in column '{}'", source::DescribePosition(*batch, bad->row),
                              bad->reason, time.name);
    }
    for (int64_t t : nanos) {
      if (!range) range.emplace(t, t);
      range->first = std::min(range->first, t);
      range->second = std::max(range->second, t);
    }
  }
  return range;
}

struct OpenedInput {
  std::unique_ptr<source::BatchSource> source;
  source::TimeConverter converter;
  // Dataset time range of the --timestamp column, when known (retention warning).
  std::optional<std::pair<int64_t, int64_t>> timestamp_range;
};

// Opens the Parquet or SQLite input, parses --from/--until against its time
// column and sets plan.window and plan.span (the replayed dataset-time range).
arrow::Result<OpenedInput> OpenInput(const ReplayOptions& o, const replay::RowFormat& row,
                                     replay::ReplayPlan& plan, bool span_required) {
  OpenedInput opened;
  const std::vector<std::string> columns =
      o.columns.empty() ? std::vector<std::string>{} : replay::ColumnsToRead(row, {});
  auto parse_window = [&](const arrow::Schema& schema, const std::string& where) -> arrow::Status {
    const auto time_field = schema.GetFieldByName(row.time.name);
    if (!time_field) {
      return util::UsageError("time column '{}' not found in '{}'; the columns are: {}",
                              row.time.name, where, source::ColumnNames(schema));
    }
    ARROW_ASSIGN_OR_RAISE(opened.converter, source::TimeConverter::Make(*time_field->type(), row.time));
    if (o.from) {
      ARROW_ASSIGN_OR_RAISE(plan.window.from, opened.converter.ParseBound(*o.from));
    }
    if (o.until) {
      ARROW_ASSIGN_OR_RAISE(plan.window.until, opened.converter.ParseBound(*o.until));
    }
    return arrow::Status::OK();
  };

  if (o.start_column || o.end_column) {
    if (!o.start_column || !o.end_column || source::IsSqliteInput(o.input)) {
      return util::UsageError("--start-column and --end-column go together, with Parquet input");
    }
    // Raw intervals become Start and End events with Stream_Time computed as
    // `timecast prepare --runtime` would, so the result equals prepare + replay.
    ARROW_ASSIGN_OR_RAISE(std::vector<std::string> files, source::ExpandParquetInputs(o.input));
    dataset::IntervalOptions intervals;
    intervals.start_column = *o.start_column;
    intervals.end_column = *o.end_column;
    ARROW_ASSIGN_OR_RAISE(util::Nanos runtime, util::ParseDuration(o.stream_runtime));
    intervals.runtime = runtime;
    ARROW_ASSIGN_OR_RAISE(auto raw, source::ParquetSource::Open(files, {}));
    std::vector<std::string> scan_columns = {intervals.start_column, intervals.end_column};
    if (raw->schema()->GetFieldIndex(intervals.id_column) >= 0) scan_columns.push_back(intervals.id_column);
    ARROW_ASSIGN_OR_RAISE(auto scan, source::ParquetSource::Open(files, {.columns = scan_columns, .batch_rows = 65536}));
    ARROW_ASSIGN_OR_RAISE(auto range, dataset::ComputeIntervalRange(*scan, intervals));
    intervals.range = {range.earliest, range.latest};
    if (range.rejected > 0) {
      fmt::print(stderr,
                 "timecast: warning: {} record(s) skipped as `prepare` rejects them (missing or "
                 "unparseable times or ID, or End before Start); `timecast prepare` writes them "
                 "to a reject file\n",
                 range.rejected);
    }
    ARROW_ASSIGN_OR_RAISE(opened.source, dataset::MakeIntervalSource(std::move(raw), intervals));
    ARROW_RETURN_NOT_OK(parse_window(*opened.source->schema(), files[0]));
    plan.span = std::make_pair(int64_t{0}, runtime.count());
  } else if (source::IsSqliteInput(o.input)) {
    ARROW_ASSIGN_OR_RAISE(auto spec, source::ParseSqliteSpec(o.input));
    ARROW_ASSIGN_OR_RAISE(auto sqlite, source::SqliteSource::Open(
                                           spec, {.columns = columns, .order_by = row.time.name}));
    ARROW_RETURN_NOT_OK(parse_window(*sqlite->schema(), spec.path));
    ARROW_ASSIGN_OR_RAISE(plan.span, sqlite->TimeRange(row.time));
    opened.source = std::move(sqlite);
  } else {
    ARROW_ASSIGN_OR_RAISE(std::vector<std::string> files, source::ExpandParquetInputs(o.input));
    source::ParquetSourceOptions options;
    options.time = row.time;
    options.columns = columns;
    options.read_dictionaries = true;
    ARROW_ASSIGN_OR_RAISE(auto parquet, source::ParquetSource::Open(files, options));
    ARROW_RETURN_NOT_OK(parse_window(*parquet->schema(), files[0]));
    if (plan.window.from) parquet->SkipBefore(*plan.window.from);
    ARROW_ASSIGN_OR_RAISE(plan.span, DatasetSpan(files, *parquet, row.time, span_required));
    if (row.timestamp == replay::TimestampMode::kColumn) {
      ARROW_ASSIGN_OR_RAISE(opened.timestamp_range,
                            parquet->TimeRangeFromStatistics({row.timestamp_column, std::nullopt}));
    }
    opened.source = std::move(parquet);
  }
  if (plan.span) {
    if (plan.window.from) plan.span->first = std::max(plan.span->first, *plan.window.from);
    if (plan.window.until) plan.span->second = std::min(plan.span->second, *plan.window.until);
    if (plan.span->second < plan.span->first) plan.span->second = plan.span->first;
  }
  return opened;
}

arrow::Status RunReplayCommand(const ReplayOptions& o) {
  util::InstallStopSignalHandlers();
  std::signal(SIGPIPE, SIG_IGN);  // a closed stdout is an error we report, not a silent death

  ARROW_ASSIGN_OR_RAISE(clock::PaceOptions pace, PaceFrom(o));
  ARROW_ASSIGN_OR_RAISE(replay::RowFormat row, RowFormatFrom(o));
  replay::ReplayPlan plan;
  plan.row = row;
  plan.loops = o.loop;
  plan.trace_headers = o.trace_headers;
  plan.realtime_priority = o.rt_priority;
  ARROW_ASSIGN_OR_RAISE(plan.send_ahead, util::ParseDuration(o.send_ahead));
  if (o.loop < 0) return util::UsageError("--loop must be 0 (forever) or more");
  if (o.runtime) {
    ARROW_ASSIGN_OR_RAISE(plan.runtime, util::ParseDuration(*o.runtime));
  }
  ARROW_ASSIGN_OR_RAISE(plan.tick, util::ParseDuration(o.tick));
  if (plan.tick <= util::Nanos(0)) return util::UsageError("--tick must be positive");
  ARROW_ASSIGN_OR_RAISE(util::Nanos flush_timeout, util::ParseDuration(o.flush_timeout));
  plan.flush_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(flush_timeout);
  if (o.format == "tick-array") {
    plan.format = replay::OutputFormat::kTickArray;
    if (o.key || !o.headers.empty()) {
      return util::UsageError("--format tick-array sends arrays of rows: --key and --header do not apply");
    }
  } else if (o.format != "json") {
    return util::UsageError("--format must be json or tick-array, got '{}'", o.format);
  }
  for (const auto& header : row.headers) plan.header_names.push_back(header.first);
  if (o.max_disorder) {
    ARROW_ASSIGN_OR_RAISE(plan.max_disorder, util::ParseDuration(*o.max_disorder));
  }

  ARROW_ASSIGN_OR_RAISE(OpenedInput input, OpenInput(o, row, plan,
                                                     pace.mode == clock::PaceMode::kFit));
  const source::TimeConverter& converter = input.converter;
  const util::Nanos span(plan.span ? plan.span->second - plan.span->first : 0);
  ARROW_ASSIGN_OR_RAISE(clock::Schedule schedule, clock::Schedule::Make(pace, span));
  ARROW_ASSIGN_OR_RAISE(auto encoder,
                        replay::BatchEncoder::Make(input.source->schema(), row, plan.window,
                                                   /*allow_disorder=*/plan.max_disorder.has_value()));

  std::unique_ptr<replay::RecordSink> sink;
  if (o.sink == "kafka") {
    replay::KafkaSinkOptions kafka;
    kafka.topic = o.topic;
    kafka.config.Set("bootstrap.servers", o.brokers);
    kafka.config.Set("enable.idempotence", "true");
    kafka.config.Set("acks", "all");
    kafka.config.Set("linger.ms", "5");
    kafka.config.Set("message.timeout.ms", "60000");
    // Values are not copied into librdkafka, so its queue holds our batches:
    // 64 MB of them keeps the producer saturated and memory bounded.
    kafka.config.Set("queue.buffering.max.kbytes", "65536");
    for (const auto& file : o.property_files) ARROW_RETURN_NOT_OK(kafka.config.LoadFile(file));
    for (const auto& pair : o.properties) ARROW_RETURN_NOT_OK(kafka.config.SetPair(pair));
    ARROW_ASSIGN_OR_RAISE(util::Nanos connect, util::ParseDuration(o.connect_timeout));
    kafka.connect_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(connect);
    kafka.create_topic = o.create_topic;
    kafka.partitions = o.partitions;
    kafka.replication_factor = o.replication_factor;
    if (row.timestamp == replay::TimestampMode::kEvent && plan.span && converter.absolute()) {
      kafka.earliest_timestamp_ms = plan.span->first / 1'000'000;
    } else if (row.timestamp == replay::TimestampMode::kColumn && input.timestamp_range) {
      kafka.earliest_timestamp_ms = input.timestamp_range->first / 1'000'000;
    }
    ARROW_ASSIGN_OR_RAISE(sink, replay::KafkaSink::Open(kafka));
  } else {
    ARROW_ASSIGN_OR_RAISE(sink, replay::StreamSink::Open(o.sink));
  }

  ARROW_ASSIGN_OR_RAISE(util::Nanos spin, util::ParseDuration(o.spin));
  clock::MonotonicClock wall_clock(spin);
  std::optional<replay::TerminalProgress> progress;
  if (!o.quiet && isatty(STDERR_FILENO)) progress.emplace(converter, plan.span);
  replay::ReplayContext context;
  context.source = input.source.get();
  context.encoder = encoder.get();
  context.schedule = &schedule;
  context.clock = &wall_clock;
  context.sink = sink.get();
  context.stop_requested = util::StopRequested;
  context.progress = progress ? &*progress : nullptr;
  context.start = clock::ProcessStart();

  replay::ReplaySummary summary = replay::RunReplay(plan, context);
  if (progress) progress->Clear();
  if (summary.status.code() == arrow::StatusCode::Cancelled) {
    summary.status = util::Interrupted(fmt::format(
        "interrupted by {}; everything sent before was flushed",
        util::StopSignal() == SIGTERM ? "SIGTERM" : "SIGINT"));
  }
  const std::string destination = sink->Describe();
  if (!o.quiet) fmt::print(stderr, "{}", replay::FormatSummary(summary, converter, destination));
  if (o.stats_json) {
    ARROW_RETURN_NOT_OK(
        util::WriteTextFile(*o.stats_json, replay::SummaryJson(summary, converter, destination)));
  }
  return summary.status;
}

}  // namespace

CommandAction AddReplayCommand(CLI::App& app) {
  auto o = std::make_shared<ReplayOptions>();
  app.add_option("input", o->input,
                 "Parquet file, directory of Parquet files, glob (quote it), or "
                 "sqlite:PATH?table=NAME")
      ->required();
  app.add_option("--time-column", o->time_column, "Column that paces the replay")
      ->capture_default_str();
  app.add_option("--time-unit", o->time_unit,
                 "Unit of a numeric time column: s, ms, us or ns (default s)");
  app.add_option("--start-column", o->start_column,
                 "With --end-column: replay raw intervals as Start and End events (in time order)");
  app.add_option("--end-column", o->end_column, "See --start-column");
  app.add_option("--stream-runtime", o->stream_runtime,
                 "With --start-column: the RUNTIME Stream_Time spans, as `prepare --runtime`")
      ->capture_default_str();
  app.add_option("--columns", o->columns, "Columns of the JSON value, in order (default: all)")
      ->delimiter(',')
      ->allow_extra_args(false);

  auto* pacing = app.add_option_group("pacing", "How dataset time maps to wall time");
  auto* speed = pacing->add_option("--speed", o->speed, "Speed factor: 1 = real time (default)");
  auto* fit = pacing->add_option("--fit", o->fit,
                                 "Squeeze the dataset's (or window's) span into this wall time");
  auto* top = pacing->add_flag("--topspeed", o->topspeed, "No pacing: send as fast as possible");
  auto* rate = pacing->add_option("--rate", o->rate, "A fixed number of rows per second");
  speed->excludes(fit, top, rate);
  fit->excludes(top, rate);
  top->excludes(rate);
  pacing->add_option("--from", o->from, "Start at this dataset time (number or ISO date/time)");
  pacing->add_option("--until", o->until, "Stop before this dataset time");
  pacing->add_option("--runtime", o->runtime, "Stop after this much wall time (e.g. 90s, 15m)");
  pacing->add_option("--max-gap", o->max_gap, "Never wait longer than this between rows");
  pacing->add_option("--max-disorder", o->max_disorder,
                     "Reorder rows out of time order by up to this much dataset time");
  pacing->add_option("--loop", o->loop, "Replay the data this many times (0: until stopped)")
      ->capture_default_str();
  pacing->add_option("--spin", o->spin,
                     "Busy-wait this long before each deadline instead of sleeping (e.g. 50us): "
                     "less lateness, more CPU")
      ->capture_default_str();
  pacing->add_option("--send-ahead", o->send_ahead,
                     "Send rows due within this much of now at once, sharing one wake-up "
                     "(0: a wake-up per row)")
      ->capture_default_str();
  pacing->add_option("--rt-priority", o->rt_priority,
                     "SCHED_FIFO priority of the sending thread when paced (1-99; 0: ordinary "
                     "scheduling): keeps deadlines against other busy processes; needs "
                     "CAP_SYS_NICE or RLIMIT_RTPRIO (best with the default --send-ahead)")
      ->check(CLI::Range(0, 99))
      ->capture_default_str();
  pacing->add_option("--when-late", o->when_late,
                     "When behind: burst (catch up) or shift (slide the clock)")
      ->capture_default_str();

  auto* output = app.add_option_group("output", "What is sent");
  output->add_option("--format", o->format, "json (a message per row) or tick-array")
      ->capture_default_str();
  output->add_option("--tick", o->tick, "Tick length for --format tick-array")->capture_default_str();
  output->add_option("--key", o->key, "Column whose value is the message key");
  output->add_option("--header", o->headers, "NAME=COLUMN: a message header (repeatable)")
      ->allow_extra_args(false);
  output->add_option("--timestamp", o->timestamp,
                     "Record timestamp: due, send, event or a timestamp COLUMN")
      ->capture_default_str();

  output->add_flag("--trace-headers", o->trace_headers,
                   "Add headers timecast.due and timecast.sent (epoch ns) for `verify`");

  auto* kafka = app.add_option_group("destination", "Where records go");
  kafka->add_option("--sink", o->sink, "kafka, stdout or file:PATH (JSON Lines)")
      ->capture_default_str();
  kafka->add_option("--brokers,-b", o->brokers, "Kafka bootstrap servers")->capture_default_str();
  kafka->add_option("--topic,-t", o->topic, "Kafka topic");
  kafka->add_option("-X", o->properties, "librdkafka property key=value (repeatable)")
      ->allow_extra_args(false);
  kafka->add_option("-F", o->property_files, "File of librdkafka properties (repeatable)")
      ->allow_extra_args(false);
  kafka->add_flag("--create-topic", o->create_topic, "Create the topic if it does not exist");
  kafka->add_option("--partitions", o->partitions, "Partitions for --create-topic")
      ->capture_default_str();
  kafka->add_option("--replication-factor", o->replication_factor,
                    "Replication factor for --create-topic (default: the broker's)");
  kafka->add_option("--connect-timeout", o->connect_timeout, "How long to wait for the brokers")
      ->capture_default_str();
  kafka->add_option("--flush-timeout", o->flush_timeout,
                    "How long to wait for deliveries at the end")
      ->capture_default_str();

  app.add_option("--stats-json", o->stats_json, "Write the final summary as JSON to this file");
  app.add_flag("--quiet,-q", o->quiet, "No progress line and no summary");
  return [o] { return RunReplayCommand(*o); };
}

}  // namespace timecast::cli
