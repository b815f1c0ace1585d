// `timecast replay`: stream a dataset into Kafka (or stdout/a file) paced by
// its own time column.
#include <arrow/type.h>
#include <unistd.h>

#include <csignal>
#include <fstream>
#include <iterator>
#include <type_traits>
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
#include "replay/job.h"
#include "util/duration.h"
#include "util/output_file.h"
#include "util/signals.h"
#include "util/status.h"
#include "util/text.h"
#include "version.h"

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
  std::optional<std::string> from_row;
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

  std::string guarantee = "at-least-once";
  std::optional<std::string> job;
  bool resume = false;
  bool start_over = false;
  std::string resume_clock = "keep";
  std::string commit_interval = "100ms";
  std::string checkpoint_topic = replay::kDefaultCheckpointTopic;

  std::optional<std::string> stats_json;
  bool quiet = false;
};

bool ExactlyOnce(const ReplayOptions& o) { return o.guarantee == "exactly-once"; }

// Refuses combinations of the exactly-once options that cannot work, before
// anything is opened.
arrow::Status CheckGuaranteeOptions(const ReplayOptions& o) {
  if (o.guarantee != "exactly-once" && o.guarantee != "at-least-once") {
    return util::UsageError("--guarantee must be exactly-once or at-least-once, got '{}'",
                            o.guarantee);
  }
  if (o.resume_clock != "keep" && o.resume_clock != "shift") {
    return util::UsageError("--resume-clock must be keep or shift, got '{}'", o.resume_clock);
  }
  if (o.from_row && ExactlyOnce(o)) {
    return util::UsageError(
        "--from-row continues an at-least-once replay; an exactly-once job continues from its "
        "checkpoint with --resume");
  }
  if (o.from_row && o.max_disorder) {
    return util::UsageError(
        "--from-row cannot be combined with --max-disorder: rows reordered on the way out leave "
        "no row before which everything was sent");
  }
  if (!ExactlyOnce(o)) {
    if (o.job || o.resume || o.start_over) {
      return util::UsageError(
          "--job, --resume and --start-over name and continue an exactly-once replay: add "
          "--guarantee exactly-once");
    }
    return arrow::Status::OK();
  }
  if (!o.job) {
    return util::UsageError(
        "--guarantee exactly-once needs --job NAME: the name its checkpoints and transactions "
        "go by, so a later run can --resume it");
  }
  ARROW_RETURN_NOT_OK(replay::CheckJobName(*o.job));
  if (o.resume && o.start_over) return util::UsageError("--resume and --start-over exclude each other");
  if (o.sink != "kafka") {
    return util::UsageError("--guarantee exactly-once needs the Kafka sink (its transactions), not '{}'",
                            o.sink);
  }
  if (o.max_disorder) {
    return util::UsageError(
        "--max-disorder cannot be combined with --guarantee exactly-once: a checkpoint needs "
        "the rows sent in input order");
  }
  return arrow::Status::OK();
}

// The options that shape what a replay sends (and so must not change when a
// job resumes), as given.
std::vector<replay::ShapeOption> ShapeOf(const ReplayOptions& o) {
  auto join = [](const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
    return out;
  };
  auto text = [](const auto& value) -> std::string {
    if constexpr (std::is_same_v<std::decay_t<decltype(value)>, std::optional<double>>) {
      return value ? fmt::format("{}", *value) : "";
    } else {
      return value ? *value : "";
    }
  };
  return {
      {"input", o.input},
      {"--topic", o.topic},
      {"--time-column", o.time_column},
      {"--time-unit", text(o.time_unit)},
      {"--columns", join(o.columns)},
      {"--start-column", text(o.start_column)},
      {"--end-column", text(o.end_column)},
      {"--stream-runtime", o.start_column ? o.stream_runtime : ""},
      {"--speed", text(o.speed)},
      {"--fit", text(o.fit)},
      {"--topspeed", o.topspeed ? "yes" : ""},
      {"--rate", text(o.rate)},
      {"--from", text(o.from)},
      {"--until", text(o.until)},
      {"--runtime", text(o.runtime)},
      {"--max-gap", text(o.max_gap)},
      {"--loop", std::to_string(o.loop)},
      {"--when-late", o.when_late},
      {"--format", o.format},
      {"--tick", o.format == "tick-array" ? o.tick : ""},
      {"--key", text(o.key)},
      {"--header", join(o.headers)},
      {"--timestamp", o.timestamp},
      {"--trace-headers", o.trace_headers ? "yes" : ""},
  };
}

// This process's arguments, argv[0] first.
std::vector<std::string> OwnArguments() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::string all((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::vector<std::string> args;
  for (size_t begin = 0; begin < all.size();) {
    const size_t end = all.find('\0', begin);
    args.push_back(all.substr(begin, end - begin));
    if (end == std::string::npos) break;
    begin = end + 1;
  }
  return args;
}

// Takes every `name` out of `args`: a flag alone, or with `takes_value` also
// its value (the next word, or the "=VALUE" part). Returns the last value.
std::optional<std::string> RemoveOption(std::vector<std::string>& args, std::string_view name,
                                        bool takes_value) {
  std::optional<std::string> value;
  std::vector<std::string> kept;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == name) {
      if (takes_value && i + 1 < args.size()) value = args[++i];
      continue;
    }
    if (takes_value && arg.size() > name.size() && arg.starts_with(name) &&
        arg[name.size()] == '=') {
      value = arg.substr(name.size() + 1);
      continue;
    }
    kept.push_back(arg);
  }
  args = std::move(kept);
  return value;
}

// `args` as one command for a POSIX shell.
std::string ShellCommand(const std::vector<std::string>& args) {
  std::string command;
  for (const std::string& arg : args) {
    command += (command.empty() ? "" : " ") + util::ShellQuote(arg);
  }
  return command;
}

// This process's command line with --resume in place of --start-over: what
// continues the job after a stop.
std::string ResumeCommand() {
  std::vector<std::string> args = OwnArguments();
  RemoveOption(args, "--start-over", /*takes_value=*/false);
  RemoveOption(args, "--resume", /*takes_value=*/false);
  args.push_back("--resume");
  return ShellCommand(args);
}

// This process's command line changed to continue an at-least-once replay at
// `next`: --from-row the next row (none when it is a pass's first), --loop the
// passes left, and a file sink appended to (append:PATH) rather than written
// anew. --from
// and --until stay: they are the window of every pass, and --from the start
// of the span that --fit squeezes, so the rest keeps its pace.
std::string ContinueCommand(const ReplayOptions& o, const replay::NextRow& next) {
  std::vector<std::string> args = OwnArguments();
  RemoveOption(args, "--from-row", /*takes_value=*/true);
  RemoveOption(args, "--loop", /*takes_value=*/true);
  if (o.loop != 1) {
    args.push_back("--loop");
    args.push_back(std::to_string(o.loop == 0 ? 0 : o.loop - next.pass));
  }
  if (next.next.file >= 0) {
    args.push_back("--from-row");
    args.push_back(replay::FromRowText(next.next));
  }
  if (o.sink.starts_with("file:")) {
    RemoveOption(args, "--sink", /*takes_value=*/true);
    args.push_back("--sink");
    args.push_back("append:" + o.sink.substr(5));
  }
  return ShellCommand(args);
}

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

// Refuses a --from-row position of the wrong form for the input, or (for
// Parquet, where seeking reads nothing) one the input does not have.
arrow::Status CheckStartRow(const ReplayOptions& o, const source::RowPosition& position,
                            source::BatchSource& source) {
  const bool parquet = !o.start_column && !source::IsSqliteInput(o.input);
  if (parquet && position.row_group < 0) {
    return util::UsageError(
        "--from-row {}: a row of Parquet input is FILE:ROWGROUP:ROW (the file's index in the "
        "input, from 0), as a stopped replay prints it",
        *o.from_row);
  }
  if (!parquet && position.row_group >= 0) {
    return util::UsageError(
        "--from-row {}: {} has no files or row groups: give the row's number from the start "
        "(ROW), as a stopped replay prints it",
        *o.from_row, o.start_column ? "a replay of raw intervals" : "SQLite input");
  }
  if (parquet) {
    if (auto sought = source.Seek(position); !sought.ok()) {
      return util::UsageError("--from-row {} is not a row of this input: {}", *o.from_row,
                              sought.status().message());
    }
  }
  return arrow::Status::OK();
}

arrow::Status RunReplayCommand(const ReplayOptions& o) {
  util::InstallStopSignalHandlers();
  std::signal(SIGPIPE, SIG_IGN);  // a closed stdout is an error we report, not a silent death

  ARROW_RETURN_NOT_OK(CheckGuaranteeOptions(o));
  if (o.stats_json) ARROW_RETURN_NOT_OK(util::CheckWritable(*o.stats_json, "--stats-json"));
  ARROW_ASSIGN_OR_RAISE(clock::PaceOptions pace, PaceFrom(o));
  ARROW_ASSIGN_OR_RAISE(replay::RowFormat row, RowFormatFrom(o));
  replay::ReplayPlan plan;
  ARROW_ASSIGN_OR_RAISE(plan.commit_interval, util::ParseDuration(o.commit_interval));
  if (plan.commit_interval <= util::Nanos(0)) return util::UsageError("--commit-interval must be positive");
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
  std::optional<source::RowPosition> start_row;
  if (o.from_row) {
    ARROW_ASSIGN_OR_RAISE(start_row, replay::ParseFromRow(*o.from_row));
  }

  ARROW_ASSIGN_OR_RAISE(OpenedInput input, OpenInput(o, row, plan,
                                                     pace.mode == clock::PaceMode::kFit));
  if (start_row) ARROW_RETURN_NOT_OK(CheckStartRow(o, *start_row, *input.source));
  const source::TimeConverter& converter = input.converter;
  const util::Nanos span(plan.span ? plan.span->second - plan.span->first : 0);
  ARROW_ASSIGN_OR_RAISE(clock::Schedule schedule, clock::Schedule::Make(pace, span));
  ARROW_ASSIGN_OR_RAISE(auto encoder,
                        replay::BatchEncoder::Make(input.source->schema(), row, plan.window,
                                                   /*allow_disorder=*/plan.max_disorder.has_value()));

  std::unique_ptr<replay::RecordSink> sink;
  replay::Checkpoint identity;  // exactly-once: what every checkpoint of this run says
  std::optional<replay::ReplayState> resume;
  std::string checkpoint_where;
  if (o.sink == "kafka") {
    replay::KafkaSinkOptions kafka;
    kafka.topic = o.topic;
    kafka.stop_requested = util::StopRequested;
    kafka.config.Set("bootstrap.servers", o.brokers);
    kafka.config.Set("enable.idempotence", "true");
    kafka.config.Set("acks", "all");
    kafka.config.Set("linger.ms", "5");
    // Nothing is dropped because a timeout ran out: an at-least-once replay
    // waits for the brokers as long as they are away (until the user stops).
    // A transactional producer's messages time out with the transaction
    // (transaction.timeout.ms), which aborts it; the replay then goes on from
    // the last checkpoint.
    if (!ExactlyOnce(o)) kafka.config.Set("message.timeout.ms", "0");
    // Values are not copied into librdkafka, so its queue holds our batches:
    // 64 MB of them keeps the producer saturated and memory bounded.
    kafka.config.Set("queue.buffering.max.kbytes", "65536");
    for (const auto& file : o.property_files) ARROW_RETURN_NOT_OK(kafka.config.LoadFile(file));
    for (const auto& pair : o.properties) ARROW_RETURN_NOT_OK(kafka.config.SetPair(pair));
    if (kafka.config.Get("transactional.id")) {
      return util::UsageError(
          "-X transactional.id is not for replay: --guarantee exactly-once --job NAME makes the "
          "replay transactional, with transactional.id {}",
          replay::TransactionalIdFor(o.job.value_or("NAME")));
    }
    if (ExactlyOnce(o)) {
      kafka.config.Set("transactional.id", replay::TransactionalIdFor(*o.job));
      identity.job = *o.job;
      identity.timecast_version = kTimecastVersion;
      ARROW_ASSIGN_OR_RAISE(identity.input, input.source->Identity());
      identity.shape = ShapeOf(o);
      kafka.exactly_once = replay::KafkaSinkOptions::ExactlyOnce{
          *o.job, o.checkpoint_topic, [&identity, &converter](const replay::ReplayState& state) {
            replay::Checkpoint checkpoint = identity;
            checkpoint.state = state;
            checkpoint.written_at_ns = clock::RealtimeNow().count();
            checkpoint.next_row =
                state.next.file < 0
                    ? "the first row"
                    : source::DescribePosition({nullptr,
                                                std::make_shared<const std::string>(
                                                    state.next.file < static_cast<int>(identity.input.size())
                                                        ? identity.input[static_cast<size_t>(state.next.file)].path
                                                        : std::string("<input>")),
                                                state.next.row_group, 0},
                                               state.next.row);
            checkpoint.last_time = state.last_time ? converter.Format(*state.last_time) : "";
            return replay::EncodeCheckpoint(checkpoint);
          }};
    }
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
    ARROW_ASSIGN_OR_RAISE(auto kafka_sink, replay::KafkaSink::Open(kafka));
    if (ExactlyOnce(o)) {
      // After Open: initialising transactions fenced any earlier run of the
      // job and aborted its open transaction, so what is read is final.
      const replay::CheckpointLocation& location = kafka_sink->checkpoint_location();
      checkpoint_where = fmt::format("{} [{}] at {}", location.topic, location.partition, o.brokers);
      // The sink's config (brokers, -F, -X): a reader ignores the producer's keys.
      ARROW_ASSIGN_OR_RAISE(auto found, replay::ReadCheckpoint(kafka.config, location.topic,
                                                               location.partition, *o.job,
                                                               kafka.connect_timeout));
      const replay::StartMode mode = o.resume       ? replay::StartMode::kResume
                                     : o.start_over ? replay::StartMode::kStartOver
                                                    : replay::StartMode::kNew;
      ARROW_ASSIGN_OR_RAISE(auto decision,
                            replay::DecideStart(*o.job, mode, found, identity.input,
                                                identity.shape, checkpoint_where));
      if (decision.already_finished) {
        if (!o.quiet) {
          fmt::print(stderr, "timecast: job '{}' has finished, nothing to resume: {}\n", *o.job,
                     replay::DescribeCheckpoint(*found));
        }
        return arrow::Status::OK();
      }
      resume = decision.resume;
      if (resume && !o.quiet) {
        fmt::print(stderr, "timecast: resuming job '{}': {}\n", *o.job,
                   replay::DescribeCheckpoint(*found));
      }
    }
    sink = std::move(kafka_sink);
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
  context.resume = resume;
  context.resume_shifts_clock = o.resume_clock == "shift";
  context.start_row = start_row;

  replay::ReplaySummary summary = replay::RunReplay(plan, context);
  if (progress) progress->Clear();
  // An at-least-once replay that did not deliver all of its data says how to
  // go on from the row after the last one delivered.
  if (!ExactlyOnce(o) && summary.delivered_next &&
      !(summary.stop_reason == "end of data" && replay::ContinuesExactly(summary))) {
    summary.continue_command = ContinueCommand(o, *summary.delivered_next);
  }
  if (summary.status.code() == arrow::StatusCode::Cancelled) {
    const char* signal_name = util::StopSignal() == SIGTERM ? "SIGTERM" : "SIGINT";
    summary.status = util::Interrupted(
        ExactlyOnce(o)
            ? fmt::format("interrupted by {}; what was sent is committed with its checkpoint. "
                          "Continue with:\n  {}",
                          signal_name, ResumeCommand())
        : o.quiet && !summary.continue_command.empty()
            ? fmt::format("interrupted by {}; everything sent before was flushed. Continue "
                          "with:\n  {}",
                          signal_name, summary.continue_command)
            : fmt::format("interrupted by {}; everything sent before was flushed", signal_name));
  } else if (ExactlyOnce(o) && !summary.status.ok() && summary.committed &&
             summary.committed->transactions > 0) {
    summary.status = util::WithContext(
        summary.status, fmt::format("job '{}' (everything up to its last checkpoint is committed; "
                                    "`--resume` goes on from there)",
                                    *o.job));
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
  pacing->add_option("--from", o->from,
                     "Start at this dataset time (a number in the column's unit, one with a unit "
                     "such as 2294.109s, or an ISO date/time)");
  pacing->add_option("--from-row", o->from_row,
                     "Start at this row: FILE:ROWGROUP:ROW (ROW for SQLite), as a stopped "
                     "at-least-once replay prints it to continue exactly after its last "
                     "delivered row");
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
  kafka->add_option("--sink", o->sink, "kafka, stdout, file:PATH or append:PATH (JSON Lines)")
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

  auto* guarantee = app.add_option_group("guarantee", "Delivery guarantee and crash recovery");
  guarantee
      ->add_option("--guarantee", o->guarantee,
                   "at-least-once (idempotent producer) or exactly-once (Kafka transactions, "
                   "each with a checkpoint; needs --job)")
      ->capture_default_str();
  guarantee->add_option("--job", o->job,
                        "Name of an exactly-once replay: its checkpoint's key and its "
                        "transactional.id (timecast-replay-NAME)");
  guarantee->add_flag("--resume", o->resume,
                      "Continue the job from its last committed checkpoint (same input and "
                      "options); fences any other run of it");
  guarantee->add_flag("--start-over", o->start_over,
                      "Replay the job from the first row although it has a checkpoint (sends "
                      "again what it sent before)");
  guarantee
      ->add_option("--resume-clock", o->resume_clock,
                   "On --resume: keep the original schedule (rows already due follow "
                   "--when-late) or shift it so the rest keeps its spacing from now")
      ->capture_default_str();
  guarantee->add_option("--commit-interval", o->commit_interval, "Exactly-once: how often rows commit")
      ->capture_default_str();
  guarantee
      ->add_option("--checkpoint-topic", o->checkpoint_topic,
                   "Compacted topic of the jobs' checkpoints (created when missing)")
      ->capture_default_str();

  app.add_option("--stats-json", o->stats_json, "Write the final summary as JSON to this file");
  app.add_flag("--quiet,-q", o->quiet, "No progress line and no summary");
  return [o] { return RunReplayCommand(*o); };
}

}  // namespace timecast::cli
