#include "replay/pipeline.h"

#include <gtest/gtest.h>
#include <sched.h>
#include <simdjson.h>

#include "replay/fakes.h"
#include "replay/kafka_sink.h"

namespace timecast::replay {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::MakeBatch;
using testing::MemorySink;
using testing::VectorSource;

std::shared_ptr<arrow::Schema> SmallSchema() {
  return arrow::schema({arrow::field("Stream_Time", arrow::float64()),
                        arrow::field("ID", arrow::int32()),
                        arrow::field("Event", arrow::utf8())});
}

// One replay, wired with fakes. Tests adjust `plan` and `pace` before Run().
struct Harness {
  std::shared_ptr<arrow::Schema> schema = SmallSchema();
  std::vector<std::shared_ptr<arrow::RecordBatch>> batches;
  ReplayPlan plan;
  clock::PaceOptions pace;
  clock::FakeClock clock;
  MemorySink sink{&clock};
  std::function<bool()> stop = [] { return false; };
  std::unique_ptr<VectorSource> source;
  util::Nanos first_read_cost{0};
  std::optional<ReplayState> resume;
  bool resume_shifts_clock = false;
  std::optional<source::RowPosition> start_row;
  // Epoch ns of fake time 0: the wall clock follows the fake clock.
  static constexpr int64_t kEpoch = 1'700'000'000'000'000'000;

  Harness() { plan.row.time = {"Stream_Time", std::nullopt}; }

  void Add(const std::string& times, const std::string& ids, const std::string& events) {
    batches.push_back(MakeBatch(schema, {times, ids, events}));
  }

  ReplaySummary Run(util::Nanos span = util::Nanos(0)) {
    source = std::make_unique<VectorSource>(schema, batches);
    if (first_read_cost.count() > 0) source->SlowFirstRead(&clock, first_read_cost);
    auto schedule = clock::Schedule::Make(pace, span);
    EXPECT_TRUE(schedule.ok()) << schedule.status().ToString();
    auto encoder = BatchEncoder::Make(schema, plan.row, plan.window, plan.max_disorder.has_value());
    EXPECT_TRUE(encoder.ok()) << encoder.status().ToString();
    ReplayContext context;
    context.source = source.get();
    context.encoder = encoder->get();
    context.schedule = &*schedule;
    context.clock = &clock;
    context.sink = &sink;
    context.stop_requested = stop;
    context.realtime_now_ns = [this] { return kEpoch + clock.Now().count(); };
    context.resume = resume;
    context.resume_shifts_clock = resume_shifts_clock;
    context.start_row = start_row;
    return RunReplay(plan, context);
  }

  std::vector<int64_t> SentIds() const {
    std::vector<int64_t> ids;
    simdjson::dom::parser parser;
    for (const auto& record : sink.records) {
      simdjson::dom::element doc = parser.parse(record.value);
      ids.push_back(int64_t(doc["ID"]));
    }
    return ids;
  }
};

TEST(Replay, PacesRowsAtTheirDueTimesWithoutDrift) {
  Harness h;
  h.pace.speed = 2;
  h.Add("[10, 11, 12]", "[1, 2, 3]", R"(["Start", "Start", "End"])");
  h.Add("[14.5]", "[4]", R"(["End"])");
  const ReplaySummary summary = h.Run();
  ASSERT_TRUE(summary.status.ok()) << summary.status.ToString();
  ASSERT_EQ(h.sink.records.size(), 4u);
  EXPECT_EQ(h.sink.records[0].sent_at, util::Nanos(0));
  EXPECT_EQ(h.sink.records[1].sent_at, milliseconds(500));
  EXPECT_EQ(h.sink.records[2].sent_at, seconds(1));
  EXPECT_EQ(h.sink.records[3].sent_at, milliseconds(2250));
  EXPECT_EQ(summary.rows_sent, 4u);
  EXPECT_EQ(summary.delivery.delivered, 4u);
  EXPECT_EQ(summary.lateness.max(), util::Nanos(0));
  EXPECT_EQ(summary.stop_reason, "end of data");
  ASSERT_TRUE(summary.delivered_through_time.has_value());
  EXPECT_EQ(*summary.delivered_through_time, 14'500'000'000);
  EXPECT_EQ(h.sink.records[0].value, R"({"Stream_Time":10,"ID":1,"Event":"Start"})");
}

// The clock is anchored when the first batch is in hand, so opening and
// decoding the input does not make the first rows late.
TEST(Replay, SlowFirstReadDoesNotMakeTheFirstRowsLate) {
  Harness h;
  h.pace.speed = 1;
  h.first_read_cost = milliseconds(80);
  h.Add("[0, 0.01, 0.5]", "[1, 2, 3]", R"(["a", "b", "c"])");
  const ReplaySummary summary = h.Run();
  ASSERT_TRUE(summary.status.ok()) << summary.status.ToString();
  ASSERT_EQ(h.sink.records.size(), 3u);
  EXPECT_EQ(h.sink.records[0].sent_at, milliseconds(80));
  EXPECT_EQ(h.sink.records[1].sent_at, milliseconds(90));
  EXPECT_EQ(h.sink.records[2].sent_at, milliseconds(580));
  EXPECT_EQ(summary.lateness.max(), util::Nanos(0));
}

TEST(Replay, TopSpeedSendsEverythingInOrderWithoutSleeping) {
  Harness h;
  h.pace.mode = clock::PaceMode::kTopSpeed;
  h.Add("[0, 100, 200]", "[1, 2, 3]", R"(["a", "b", "c"])");
  h.Add("[300, 400]", "[4, 5]", R"(["d", "e"])");
  const ReplaySummary summary = h.Run();
  ASSERT_TRUE(summary.status.ok());
  EXPECT_EQ(h.SentIds(), (std::vector<int64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(h.clock.sleeps(), 0);
  EXPECT_FALSE(summary.paced);
}

TEST(Replay, LatenessIsMeasuredWhenTheSinkIsSlow) {
  Harness h;
  h.pace.speed = 1;
  h.sink.send_cost = milliseconds(300);  // each send takes 0.3 s of wall time
  h.Add("[0, 0.1, 1.0]", "[1, 2, 3]", R"(["a", "b", "c"])");
  const ReplaySummary summary = h.Run();
  ASSERT_TRUE(summary.status.ok());
  // Row 2 is due at 0.1 s but the sink is busy until 0.3 s (burst: no shift).
  EXPECT_EQ(h.sink.records[1].sent_at, milliseconds(300));
  EXPECT_EQ(h.sink.records[2].sent_at, seconds(1));
  EXPECT_EQ(summary.lateness.max(), milliseconds(200));
  EXPECT_EQ(summary.worst_lateness_at, milliseconds(300));  // when row 2 was handed over
  EXPECT_EQ(summary.late_over_1ms, 1u);
}

// One wake-up serves every row due within send_ahead of it: rows go at most
// that early, never later, and early counts as no lateness.
TEST(Replay, SendAheadSharesOneWakeUpAmongRowsDueSoon) {
  Harness h;
  h.pace.speed = 1;
  h.plan.send_ahead = util::Nanos(std::chrono::microseconds(1000));
  h.Add("[0.010, 0.0105, 0.0109, 0.0111, 0.030]", "[1, 2, 3, 4, 5]", R"(["a", "b", "c", "d", "e"])");
  const ReplaySummary summary = h.Run();
  ASSERT_TRUE(summary.status.ok());
  std::vector<util::Nanos> sent;
  for (const auto& record : h.sink.records) sent.push_back(record.sent_at);
  // Rows are due 0, 0.5, 0.9, 1.1 and 20 ms after the first.
  EXPECT_EQ(sent, (std::vector<util::Nanos>{util::Nanos(0), util::Nanos(0), util::Nanos(0),
                                            util::Nanos(std::chrono::microseconds(1100)),
                                            util::Nanos(std::chrono::milliseconds(19))}));
  EXPECT_EQ(summary.lateness.max(), util::Nanos(0));
}

// A replay run with the sending thread's scheduling policy recorded at each
// send; `before` is that thread's policy before the run.
struct PolicyRun {
  ReplaySummary summary;
  std::vector<int> policies;
  int before = 0;
};

PolicyRun RunRecordingPolicies(Harness& h) {
  PolicyRun run;
  h.sink.on_send = [&run](size_t) { run.policies.push_back(sched_getscheduler(0)); };
  run.before = sched_getscheduler(0);
  run.summary = h.Run();
  h.sink.on_send = nullptr;
  return run;
}

// The sender thread runs under SCHED_FIFO while a paced replay sends, and
// goes back to its old policy after; where the kernel refuses (no
// CAP_SYS_NICE), the summary says so and the replay still runs.
TEST(Replay, PacedSenderRunsRealtimeAndRestoresItsPolicy) {
  Harness h;
  h.pace.speed = 1;
  h.plan.realtime_priority = 3;
  h.Add("[0, 0.1, 0.2]", "[1, 2, 3]", R"(["a", "b", "c"])");
  const auto [summary, policies, before] = RunRecordingPolicies(h);
  ASSERT_TRUE(summary.status.ok());
  EXPECT_EQ(sched_getscheduler(0), before);
  ASSERT_EQ(policies.size(), 3u);
  if (summary.scheduling_warning.empty()) {
    EXPECT_EQ(policies, (std::vector<int>{SCHED_FIFO, SCHED_FIFO, SCHED_FIFO}));
  } else {
    EXPECT_NE(summary.scheduling_warning.find("SCHED_FIFO priority 3 refused"), std::string::npos)
        << summary.scheduling_warning;
    EXPECT_EQ(policies, (std::vector<int>{before, before, before}));
  }
}

// A priority the kernel refuses (here one outside 1-99, refused even for
// root) leaves the sender as it was, says why, and the replay still runs.
TEST(Replay, RefusedRealtimePriorityIsReportedAndTheReplayRuns) {
  Harness h;
  h.pace.speed = 1;
  h.plan.realtime_priority = 100;
  h.Add("[0, 0.1]", "[1, 2]", R"(["a", "b"])");
  const auto [summary, policies, before] = RunRecordingPolicies(h);
  ASSERT_TRUE(summary.status.ok());
  EXPECT_NE(summary.scheduling_warning.find("SCHED_FIFO priority 100 refused: Invalid argument"),
            std::string::npos)
      << summary.scheduling_warning;
  EXPECT_EQ(policies, (std::vector<int>{before, before}));
  EXPECT_EQ(h.SentIds(), (std::vector<int64_t>{1, 2}));
}

TEST(Replay, TopSpeedSenderKeepsOrdinaryScheduling) {
  Harness h;
  h.pace.mode = clock::PaceMode::kTopSpeed;
  h.plan.realtime_priority = 3;
  h.Add("[0, 0.1]", "[1, 2]", R"(["a", "b"])");
  const auto [summary, policies, before] = RunRecordingPolicies(h);
  ASSERT_TRUE(summary.status.ok());
  EXPECT_TRUE(summary.scheduling_warning.empty());
  EXPECT_EQ(policies, (std::vector<int>{before, before}));
}

TEST(Replay, ShiftSlidesTheClockInsteadOfBursting) {
  Harness h;
  h.pace.speed = 1;
  h.pace.when_late = clock::LatePolicy::kShift;
  h.sink.send_cost = milliseconds(300);
  h.Add("[0, 0.1, 1.0]", "[1, 2, 3]", R"(["a", "b", "c"])");
  ASSERT_TRUE(h.Run().status.ok());
  EXPECT_EQ(h.sink.records[1].sent_at, milliseconds(300));
  EXPECT_EQ(h.sink.records[2].sent_at, milliseconds(1200));  // 1.0 s + 0.2 s of lateness
}

TEST(Replay, WindowSkipsRowsBeforeFromAndEndsAtUntil) {
  Harness h;
  h.pace.mode = clock::PaceMode::kTopSpeed;
  h.plan.window = {.from = 1'000'000'000, .until = 3'000'000'000};
  h.Add("[0, 1, 2]", "[1, 2, 3]", R"(["a", "b", "c"])");
  h.Add("[3, 4]", "[4, 5]", R"(["d", "e"])");
  ASSERT_TRUE(h.Run().status.ok());
  EXPECT_EQ(h.SentIds(), (std::vector<int64_t>{2, 3}));
}

TEST(Replay, RuntimeStopsBeforeTheFirstRowDueAfterIt) {
  Harness h;
  h.pace.speed = 1;
  h.plan.runtime = seconds(2);
  h.Add("[0, 1, 2, 3, 4]", "[1, 2, 3, 4, 5]", R"(["a", "b", "c", "d", "e"])");
  const ReplaySummary summary = h.Run();
  ASSERT_TRUE(summary.status.ok());
  EXPECT_EQ(h.SentIds(), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(summary.stop_reason, "runtime reached");
}

TEST(Replay, LoopReplaysFromTheStartContinuingTheClock) {
  Harness h;
  h.pace.speed = 1;
  h.plan.loops = 2;
  h.Add("[5, 6]", "[1, 2]", R"(["a", "b"])");
  const ReplaySummary summary = h.Run();
  ASSERT_TRUE(summary.status.ok());
  EXPECT_EQ(h.SentIds(), (std::vector<int64_t>{1, 2, 1, 2}));
  EXPECT_EQ(h.sink.records[2].sent_at, seconds(1));
  EXPECT_EQ(h.sink.records[3].sent_at, seconds(2));
  EXPECT_EQ(h.source->rewinds, 1);
  EXPECT_EQ(summary.passes, 2);
}

TEST(Replay, KeysHeadersAndDueTimestamps) {
  Harness h;
  h.pace.speed = 1;
  h.plan.row.key_column = "ID";
  h.plan.row.headers = {{"event", "Event"}, {"t", "Stream_Time"}};
  h.plan.header_names = {"event", "t"};
  h.Add("[0, 1.5]", "[7, null]", R"(["Start", null])");
  ASSERT_TRUE(h.Run().status.ok());
  ASSERT_EQ(h.sink.records.size(), 2u);
  EXPECT_EQ(h.sink.records[0].key, "7");
  EXPECT_EQ(h.sink.records[1].key, std::nullopt);
  EXPECT_EQ(h.sink.records[0].headers,
            (std::vector<std::pair<std::string, std::string>>{{"event", "Start"}, {"t", "0"}}));
  EXPECT_EQ(h.sink.records[1].headers,
            (std::vector<std::pair<std::string, std::string>>{{"t", "1.5"}}));
  EXPECT_EQ(h.sink.records[0].timestamp_ms, 1'700'000'000'000);
  EXPECT_EQ(h.sink.records[1].timestamp_ms, 1'700'000'000'000 + 1500);
}

TEST(Replay, TraceHeadersCarryDueAndSendTimes) {
  Harness h;
  h.pace.speed = 1;
  h.plan.trace_headers = true;
  h.plan.row.headers = {{"event", "Event"}};
  h.plan.header_names = {"event"};
  h.sink.send_cost = milliseconds(300);
  h.Add("[0, 0.1]", "[1, 2]", R"(["Start", "End"])");
  ASSERT_TRUE(h.Run().status.ok());
  const int64_t epoch = 1'700'000'000'000'000'000;
  EXPECT_EQ(h.sink.records[0].headers,
            (std::vector<std::pair<std::string, std::string>>{
                {"event", "Start"}, {"timecast.due", std::to_string(epoch)}, {"timecast.sent", std::to_string(epoch)}}));
  // The second row was due at 0.1 s and sent at 0.3 s.
  EXPECT_EQ(h.sink.records[1].headers[1].second, std::to_string(epoch + 100'000'000));
  EXPECT_EQ(h.sink.records[1].headers[2].second, std::to_string(epoch + 300'000'000));
}

TEST(Replay, EventTimestampsComeFromATimestampColumn) {
  Harness h;
  h.schema = arrow::schema({arrow::field("Stream_Time", arrow::float64()),
                            arrow::field("ID", arrow::int32()),
                            arrow::field("Start_Time", arrow::timestamp(arrow::TimeUnit::NANO))});
  h.pace.mode = clock::PaceMode::kTopSpeed;
  h.plan.row.timestamp = TimestampMode::kColumn;
  h.plan.row.timestamp_column = "Start_Time";
  h.Add("[0, 1]", "[1, 2]", R"(["2016-02-08 05:46:00", null])");
  ASSERT_TRUE(h.Run().status.ok());
  EXPECT_EQ(h.sink.records[0].timestamp_ms, 1454910360000);
  EXPECT_EQ(h.sink.records[1].timestamp_ms, 0);  // null: the sink stamps send time
}

TEST(Replay, TickArrayGroupsRowsDueInOneTick) {
  Harness h;
  h.pace.speed = 1;
  h.plan.format = OutputFormat::kTickArray;
  h.plan.tick = milliseconds(100);
  h.Add("[0, 0.05, 0.099, 0.1, 0.35]", "[1, 2, 3, 4, 5]", R"(["a", "b", "c", "d", "e"])");
  const ReplaySummary summary = h.Run();
  ASSERT_TRUE(summary.status.ok()) << summary.status.ToString();
  ASSERT_EQ(h.sink.records.size(), 3u);
  simdjson::dom::parser parser;
  std::vector<size_t> sizes;
  for (const auto& record : h.sink.records) {
    simdjson::dom::array array = parser.parse(record.value).get_array();
    sizes.push_back(array.size());
  }
  EXPECT_EQ(sizes, (std::vector<size_t>{3, 1, 1}));
  EXPECT_EQ(h.sink.records[0].sent_at, milliseconds(100));  // when its tick closes
  EXPECT_EQ(h.sink.records[2].sent_at, milliseconds(400));
  EXPECT_EQ(summary.rows_sent, 5u);
  EXPECT_EQ(summary.messages_sent, 3u);
  EXPECT_EQ(*summary.delivered_through_time, 350'000'000);
}

TEST(Replay, TickArraySplitsBelowTheMessageSizeLimit) {
  Harness h;
  h.pace.mode = clock::PaceMode::kTopSpeed;
  h.plan.format = OutputFormat::kTickArray;
  h.plan.max_message_bytes = 100;
  h.Add("[0, 0, 0, 0, 0, 0]", "[1, 2, 3, 4, 5, 6]", R"(["a", "b", "c", "d", "e", "f"])");
  ASSERT_TRUE(h.Run().status.ok());
  size_t rows = 0;
  simdjson::dom::parser parser;
  for (const auto& record : h.sink.records) {
    EXPECT_LE(record.value.size(), 100u);
    rows += simdjson::dom::array(parser.parse(record.value).get_array()).size();
  }
  EXPECT_GT(h.sink.records.size(), 1u);
  EXPECT_EQ(rows, 6u);
}

TEST(Replay, StopRequestFlushesAndReportsWhatWasDelivered) {
  Harness h;
  h.pace.speed = 1;
  bool stop = false;
  h.stop = [&] { return stop; };
  h.sink.on_send = [&](size_t sent) { stop = sent == 2; };
  h.Add("[0, 1, 2, 3]", "[1, 2, 3, 4]", R"(["a", "b", "c", "d"])");
  const ReplaySummary summary = h.Run();
  EXPECT_EQ(util::ExitCodeOf(summary.status), util::ExitCode::kInterrupted);
  EXPECT_EQ(summary.stop_reason, "interrupted");
  EXPECT_EQ(summary.rows_sent, 2u);
  EXPECT_EQ(summary.delivery.delivered, 2u);
  EXPECT_EQ(*summary.delivered_through_time, 1'000'000'000);
}

TEST(Replay, FailedDeliveryMakesTheRunFailAndStopsTheDeliveredMark) {
  Harness h;
  h.pace.mode = clock::PaceMode::kTopSpeed;
  h.sink.fail_messages = {2};
  h.Add("[0, 1]", "[1, 2]", R"(["a", "b"])");
  h.Add("[2, 3]", "[3, 4]", R"(["c", "d"])");
  h.Add("[4]", "[5]", R"(["e"])");
  const ReplaySummary summary = h.Run();
  EXPECT_EQ(util::ExitCodeOf(summary.status), util::ExitCode::kUndelivered);
  EXPECT_EQ(summary.delivery.failed, 1u);
  EXPECT_EQ(summary.delivery.delivered, 4u);
  EXPECT_EQ(*summary.delivered_through_time, 1'000'000'000);
}

TEST(Replay, NothingDeliveredWhenTheBrokerNeverAnswers) {
  Harness h;
  h.pace.mode = clock::PaceMode::kTopSpeed;
  h.sink.hold_deliveries = true;
  h.Add("[0, 1]", "[1, 2]", R"(["a", "b"])");
  const ReplaySummary summary = h.Run();
  EXPECT_EQ(util::ExitCodeOf(summary.status), util::ExitCode::kUndelivered);
  EXPECT_FALSE(summary.delivered_through_time.has_value());
}

TEST(Replay, TopSpeedWaitsForRoomInTheSinkAndLosesNothing) {
  Harness h;
  h.pace.mode = clock::PaceMode::kTopSpeed;
  h.sink.room = 2;
  h.Add("[0, 1, 2]", "[1, 2, 3]", R"(["a", "b", "c"])");
  h.Add("[3, 4]", "[4, 5]", R"(["d", "e"])");
  const ReplaySummary summary = h.Run();
  ASSERT_TRUE(summary.status.ok()) << summary.status.ToString();
  EXPECT_EQ(h.SentIds(), (std::vector<int64_t>{1, 2, 3, 4, 5}));
  EXPECT_EQ(h.sink.max_pending, 2u);
  EXPECT_GT(h.sink.room_waits, 0);
  EXPECT_EQ(summary.delivery.delivered, 5u);
}

// The window is for top speed: a paced row goes when it is due, even while
// the broker has not reported the rows before it.
TEST(Replay, PacedRowsAreNeverHeldBackForRoomInTheSink) {
  Harness h;
  h.pace.speed = 1;
  h.sink.room = 1;
  h.Add("[0, 0.0005, 0.001]", "[1, 2, 3]", R"(["a", "b", "c"])");
  const ReplaySummary summary = h.Run();
  ASSERT_TRUE(summary.status.ok()) << summary.status.ToString();
  EXPECT_EQ(h.SentIds(), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(h.sink.room_waits, 0);
  EXPECT_EQ(h.sink.max_pending, 3u);
  EXPECT_EQ(summary.lateness.max(), util::Nanos(0));
}

TEST(Replay, StopRequestEndsAWaitForRoom) {
  Harness h;
  h.pace.mode = clock::PaceMode::kTopSpeed;
  h.sink.room = 1;
  h.sink.hold_deliveries = true;  // the broker went away: room never comes
  h.stop = [&] { return h.sink.room_waits >= 3; };
  h.Add("[0, 1, 2]", "[1, 2, 3]", R"(["a", "b", "c"])");
  const ReplaySummary summary = h.Run();
  EXPECT_EQ(util::ExitCodeOf(summary.status), util::ExitCode::kInterrupted);
  EXPECT_EQ(summary.rows_sent, 1u);
  EXPECT_EQ(h.sink.room_waits, 3);
}

TEST(InFlightWindow, JustUnderTwoBatchesPerPartitionForIdempotentProducers) {
  kafka::Config config;
  config.Set("enable.idempotence", "true");
  EXPECT_EQ(InFlightWindowBytes(config, 1), 1'900'000);
  EXPECT_EQ(InFlightWindowBytes(config, 3), 5'700'000);
  config.Set("batch.size", "100000");
  EXPECT_EQ(InFlightWindowBytes(config, 2), 380'000);
  config.Set("enable.idempotence", "false");  // requests are pipelined: no limit
  EXPECT_EQ(InFlightWindowBytes(config, 2), 0);
  config.Set("transactional.id", "t");  // implies idempotence
  EXPECT_EQ(InFlightWindowBytes(config, 2), 380'000);
}

TEST(Replay, NullTimeFailsNamingThePositionAfterSendingEarlierRows) {
  Harness h;
  h.pace.mode = clock::PaceMode::kTopSpeed;
  h.Add("[0, 1]", "[1, 2]", R"(["a", "b"])");
  h.Add("[2, null]", "[3, 4]", R"(["c", "d"])");
  const ReplaySummary summary = h.Run();
  EXPECT_EQ(util::ExitCodeOf(summary.status), util::ExitCode::kInput);
  EXPECT_NE(summary.status.message().find("mem.parquet, row group 1, row 1: null time"),
            std::string::npos)
      << summary.status.message();
  // Every good row before the bad one is sent, including those in its batch.
  EXPECT_EQ(h.SentIds(), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(summary.delivery.delivered, 3u);
  EXPECT_EQ(*summary.delivered_through_time, 2'000'000'000);
  EXPECT_EQ(summary.stop_reason, "input error");
}

TEST(Replay, NaNTimeIsAnInputError) {
  Harness h;
  h.schema = arrow::schema({arrow::field("Stream_Time", arrow::float64()),
                            arrow::field("ID", arrow::int32()), arrow::field("Event", arrow::utf8())});
  h.pace.mode = clock::PaceMode::kTopSpeed;
  h.Add("[0, NaN]", "[1, 2]", R"(["a", "b"])");
  const ReplaySummary summary = h.Run();
  EXPECT_NE(summary.status.message().find("row 1: NaN time"), std::string::npos)
      << summary.status.message();
}

TEST(Replay, UnsortedInputFailsNamingBothRowsAndTheFix) {
  Harness h;
  h.pace.mode = clock::PaceMode::kTopSpeed;
  h.Add("[0, 5]", "[1, 2]", R"(["a", "b"])");
  h.Add("[6, 4]", "[3, 4]", R"(["c", "d"])");
  const ReplaySummary summary = h.Run();
  EXPECT_EQ(util::ExitCodeOf(summary.status), util::ExitCode::kInput);
  const std::string& message = summary.status.message();
  EXPECT_NE(message.find("mem.parquet, row group 1, row 1: Stream_Time 4.000s is earlier than "
                         "the previous row's 6.000s (mem.parquet, row group 1, row 0)"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("timecast prepare --sort"), std::string::npos);
  EXPECT_NE(message.find("--max-disorder"), std::string::npos);
}

// The first source batch is split so the first record waits for only a few
// rows to be encoded; nothing is lost or reordered, and positions still name
// the rows of the source batch.
TEST(Replay, FirstBatchIsSplitWithoutLosingRowsOrPositions) {
  Harness h;
  h.pace.mode = clock::PaceMode::kTopSpeed;
  h.plan.first_batch_rows = 2;
  h.Add("[0, 1, 2, 3, 2.5]", "[1, 2, 3, 4, 5]", R"(["a", "b", "c", "d", "e"])");
  const ReplaySummary summary = h.Run();
  EXPECT_EQ(h.SentIds(), (std::vector<int64_t>{1, 2, 3, 4}));
  ASSERT_EQ(h.sink.records.size(), 4u);
  EXPECT_EQ(h.sink.records[0].flight, h.sink.records[1].flight);
  EXPECT_NE(h.sink.records[1].flight, h.sink.records[2].flight);  // the first two went alone
  EXPECT_EQ(h.sink.records[2].flight, h.sink.records[3].flight);
  const std::string& message = summary.status.message();
  EXPECT_NE(message.find("mem.parquet, row group 0, row 4: Stream_Time 2.500s is earlier than "
                         "the previous row's 3.000s (mem.parquet, row group 0, row 3)"),
            std::string::npos)
      << message;
  EXPECT_EQ(summary.delivered_through_position, "mem.parquet, row group 0, row 3");
}

TEST(Replay, SourceErrorEndsTheReplayAfterEarlierBatches) {
  Harness h;
  h.pace.mode = clock::PaceMode::kTopSpeed;
  h.Add("[0]", "[1]", R"(["a"])");
  h.Add("[1]", "[2]", R"(["b"])");
  h.source = nullptr;
  auto run = [&] {
    h.source = std::make_unique<VectorSource>(h.schema, h.batches);
    h.source->fail_at_ = 1;
    auto schedule = clock::Schedule::Make(h.pace, util::Nanos(0));
    auto encoder = BatchEncoder::Make(h.schema, h.plan.row, h.plan.window, false);
    ReplayContext context;
    context.source = h.source.get();
    context.encoder = encoder->get();
    context.schedule = &*schedule;
    context.clock = &h.clock;
    context.sink = &h.sink;
    return RunReplay(h.plan, context);
  };
  const ReplaySummary summary = run();
  EXPECT_NE(summary.status.message().find("disk on fire"), std::string::npos);
  EXPECT_EQ(h.SentIds(), (std::vector<int64_t>{1}));
}

TEST(Replay, MaxDisorderReordersWithinTheBoundStably) {
  Harness h;
  h.pace.speed = 1;
  h.plan.max_disorder = seconds(1);
  h.Add("[0, 2, 1, 3]", "[1, 2, 3, 4]", R"(["a", "b", "c", "d"])");
  h.Add("[2.5, 3, 2.5]", "[5, 6, 7]", R"(["e", "f", "g"])");
  const ReplaySummary summary = h.Run();
  ASSERT_TRUE(summary.status.ok()) << summary.status.ToString();
  EXPECT_EQ(h.SentIds(), (std::vector<int64_t>{1, 3, 2, 5, 7, 4, 6}));
  EXPECT_EQ(h.sink.records[1].sent_at, seconds(1));
  EXPECT_EQ(h.sink.records[3].sent_at, milliseconds(2500));
  EXPECT_EQ(*summary.delivered_through_time, 3'000'000'000);
}

TEST(Replay, DisorderBeyondTheBoundFailsNamingBothRows) {
  Harness h;
  h.pace.mode = clock::PaceMode::kTopSpeed;
  h.plan.max_disorder = seconds(1);
  h.Add("[0, 5]", "[1, 2]", R"(["a", "b"])");
  h.Add("[3]", "[3]", R"(["c"])");
  const ReplaySummary summary = h.Run();
  EXPECT_EQ(util::ExitCodeOf(summary.status), util::ExitCode::kInput);
  EXPECT_NE(summary.status.message().find(
                "mem.parquet, row group 1, row 0: Stream_Time 3.000s is 2.000s earlier than "
                "5.000s (mem.parquet, row group 0, row 1), more than --max-disorder 1.000s allows"),
            std::string::npos)
      << summary.status.message();
  EXPECT_EQ(h.SentIds(), (std::vector<int64_t>{1}));
}

TEST(Replay, MaxDisorderRestartsOnEveryLoopPass) {
  Harness h;
  h.pace.mode = clock::PaceMode::kTopSpeed;
  h.plan.max_disorder = seconds(1);
  h.plan.loops = 2;
  h.Add("[1, 0.5, 2]", "[1, 2, 3]", R"(["a", "b", "c"])");
  ASSERT_TRUE(h.Run().status.ok());
  EXPECT_EQ(h.SentIds(), (std::vector<int64_t>{2, 1, 3, 2, 1, 3}));
}

TEST(BatchEncoder, MissingColumnsListWhatThereIs) {
  RowFormat row;
  row.time = {"Start_Time", std::nullopt};
  auto encoder = BatchEncoder::Make(SmallSchema(), row, {}, false);
  ASSERT_FALSE(encoder.ok());
  EXPECT_EQ(util::ExitCodeOf(encoder.status()), util::ExitCode::kUsage);
  EXPECT_NE(encoder.status().message().find("time column 'Start_Time' not found; the columns are: "
                                            "Stream_Time, ID, Event"),
            std::string::npos)
      << encoder.status().message();
  row.time.name = "Stream_Time";
  row.key_column = "Nope";
  EXPECT_FALSE(BatchEncoder::Make(SmallSchema(), row, {}, false).ok());
}

TEST(BatchEncoder, UnsupportedTimeTypeIsAUsageError) {
  RowFormat row;
  row.time = {"Event", std::nullopt};
  auto encoder = BatchEncoder::Make(SmallSchema(), row, {}, false);
  ASSERT_FALSE(encoder.ok());
  EXPECT_NE(encoder.status().message().find("time column 'Event' has type string"),
            std::string::npos)
      << encoder.status().message();
}

TEST(BatchEncoder, EventTimestampNeedsAnAbsoluteTimeColumn) {
  RowFormat row;
  row.time = {"Stream_Time", std::nullopt};
  row.timestamp = TimestampMode::kEvent;
  auto encoder = BatchEncoder::Make(SmallSchema(), row, {}, false);
  ASSERT_FALSE(encoder.ok());
  EXPECT_NE(encoder.status().message().find("--timestamp event needs a timestamp"),
            std::string::npos);
}

TEST(ColumnsToRead, AddsTimeKeyHeaderAndTimestampColumnsOnce) {
  RowFormat row;
  row.time = {"Stream_Time", std::nullopt};
  row.value_columns = {"ID", "Event"};
  row.key_column = "ID";
  row.headers = {{"h", "Severity"}};
  row.timestamp = TimestampMode::kColumn;
  row.timestamp_column = "Start_Time";
  EXPECT_EQ(ColumnsToRead(row, {}),
            (std::vector<std::string>{"ID", "Event", "Stream_Time", "Severity", "Start_Time"}));
}

// Exactly-once: a transactional sink commits the rows with a checkpoint of
// where the replay is after them; an abort rewinds to the last checkpoint; a
// resume from a checkpoint sends exactly the rest.

// Ten rows, 100 ms apart at --rate 10, two "row groups" of five.
void AddTenRows(Harness& h) {
  h.Add("[0, 1, 2, 3, 4]", "[0, 1, 2, 3, 4]", R"(["Start", "Start", "Start", "Start", "Start"])");
  h.Add("[5, 6, 7, 8, 9]", "[5, 6, 7, 8, 9]", R"(["End", "End", "End", "End", "End"])");
}

Harness ExactlyOnceHarness() {
  Harness h;
  h.sink.transactional_ = true;
  h.pace.mode = clock::PaceMode::kRate;
  h.pace.rate = 10;
  h.plan.commit_interval = milliseconds(250);
  AddTenRows(h);
  return h;
}

std::vector<std::string> AllValues(const Harness& h) {
  std::vector<std::string> values;
  for (const auto& record : h.sink.records) values.push_back(record.value);
  return values;
}

TEST(ExactlyOnce, CommitsEachIntervalWithThePositionOfTheNextRow) {
  Harness h = ExactlyOnceHarness();
  const ReplaySummary summary = h.Run();
  ASSERT_TRUE(summary.status.ok()) << summary.status.ToString();
  EXPECT_EQ(h.sink.visible, AllValues(h));
  ASSERT_GE(h.sink.commits.size(), 3u);
  // Rows go at 0, 100, ... 900 ms; the first commit comes at 250 ms, while
  // the sender waits for row 3: rows 0-2 are in it, row 3 of group 0 is next.
  const ReplayState& first = h.sink.commits[0];
  EXPECT_EQ(h.sink.commit_times[0], milliseconds(250));
  EXPECT_EQ(first.rows, 3u);
  EXPECT_EQ(first.next, (source::RowPosition{0, 0, 3}));
  EXPECT_EQ(first.last_time, 2'000'000'000);
  EXPECT_EQ(first.transactions, 1u);
  EXPECT_EQ(first.anchor_epoch_ns, Harness::kEpoch);
  EXPECT_FALSE(first.finished);
  // The schedule as it stands after row 2: a restored one puts row 3 at 300 ms.
  clock::Schedule restored = clock::Schedule::Make(h.pace, util::Nanos(0)).ValueOrDie();
  restored.Restore(first.schedule);
  EXPECT_EQ(restored.Next(3'000'000'000), milliseconds(300));
  const ReplayState& last = h.sink.commits.back();
  EXPECT_TRUE(last.finished);
  EXPECT_EQ(last.rows, 10u);
  EXPECT_EQ(last.messages, 10u);
  EXPECT_EQ(last.next, (source::RowPosition{0, 1, 5}));
  EXPECT_EQ(summary.committed, last);
  EXPECT_EQ(summary.transactions_committed, h.sink.commits.size());
}

TEST(ExactlyOnce, RowsBeforeALullCommitWithoutWaitingForTheNextRow) {
  Harness h;
  h.sink.transactional_ = true;
  h.plan.commit_interval = milliseconds(100);
  h.Add("[0, 0.01, 60]", "[1, 2, 3]", R"(["Start", "Start", "End"])");
  ASSERT_TRUE(h.Run().status.ok());
  ASSERT_GE(h.sink.commit_times.size(), 2u);
  EXPECT_LE(h.sink.commit_times[0], milliseconds(160));  // not at 60 s, with row 3
  EXPECT_EQ(h.sink.commits[0].rows, 2u);
}

TEST(ExactlyOnce, AnAbortedCommitRewindsToTheLastCheckpointAndLosesNothing) {
  Harness h = ExactlyOnceHarness();
  h.sink.abort_commits = {1};
  const ReplaySummary summary = h.Run();
  ASSERT_TRUE(summary.status.ok()) << summary.status.ToString();
  EXPECT_EQ(summary.transactions_aborted, 1u);
  EXPECT_EQ(h.source->seeks, 1);
  // Every row visible exactly once, in order, although some were sent twice.
  ASSERT_EQ(h.sink.visible.size(), 10u);
  Harness full = ExactlyOnceHarness();
  ASSERT_TRUE(full.Run().status.ok());
  EXPECT_EQ(h.sink.visible, full.sink.visible);
  EXPECT_GT(h.sink.records.size(), 10u);
  EXPECT_EQ(summary.committed->rows, 10u);
  EXPECT_EQ(summary.rows_sent, 10u);
}

TEST(ExactlyOnce, RowsGoOnTimeWhileACommitIsUnderWayAndJoinTheNextOne) {
  Harness h = ExactlyOnceHarness();
  h.sink.commit_cost = milliseconds(150);  // rows 3 and 4 are due during the first commit
  const ReplaySummary summary = h.Run();
  ASSERT_TRUE(summary.status.ok()) << summary.status.ToString();
  EXPECT_EQ(summary.lateness.max(), util::Nanos(0));
  EXPECT_EQ(h.sink.visible, AllValues(h));
  ASSERT_GE(h.sink.commits.size(), 2u);
  // Begun at 250 ms after row 2, committed at 400 ms.
  EXPECT_EQ(h.sink.commits[0].rows, 3u);
  EXPECT_EQ(h.sink.commit_times[0], milliseconds(400));
  EXPECT_GT(h.sink.commits[1].rows, 4u);
  EXPECT_TRUE(h.sink.commits.back().finished);
  EXPECT_EQ(summary.committed->rows, 10u);
}

TEST(ExactlyOnce, AnAbortWhileRowsWentOnDiscardsThemWithTheTransaction) {
  Harness full = ExactlyOnceHarness();
  ASSERT_TRUE(full.Run().status.ok());
  for (size_t abort : {0u, 1u, 2u}) {
    SCOPED_TRACE(abort);
    Harness h = ExactlyOnceHarness();
    h.sink.commit_cost = milliseconds(150);
    h.sink.abort_commits = {abort};
    const ReplaySummary summary = h.Run();
    ASSERT_TRUE(summary.status.ok()) << summary.status.ToString();
    EXPECT_EQ(summary.transactions_aborted, 1u);
    EXPECT_EQ(h.sink.visible, full.sink.visible);
    EXPECT_EQ(summary.committed->rows, 10u);
  }
}

TEST(ExactlyOnce, AnAbortedFinalCommitIsRedone) {
  Harness h = ExactlyOnceHarness();
  h.plan.commit_interval = seconds(60);  // one commit, at the end
  h.sink.abort_commits = {0};
  const ReplaySummary summary = h.Run();
  ASSERT_TRUE(summary.status.ok()) << summary.status.ToString();
  ASSERT_EQ(h.sink.commits.size(), 1u);
  EXPECT_TRUE(h.sink.commits[0].finished);
  EXPECT_EQ(h.sink.visible.size(), 10u);
  EXPECT_EQ(h.sink.records.size(), 20u);
}

// Stops `h`'s replay (as a signal would) once `rows` were handed over.
void StopAfter(Harness& h, size_t rows) {
  auto stopped = std::make_shared<bool>(false);
  h.stop = [stopped] { return *stopped; };
  h.sink.on_send = [stopped, rows](size_t sent) { *stopped |= sent == rows; };
}

// The last commit of a replay stopped after `rows` rows.
ReplayState CommittedAfterAStop(size_t rows) {
  Harness first = ExactlyOnceHarness();
  StopAfter(first, rows);
  const ReplaySummary stopped = first.Run();
  EXPECT_EQ(stopped.status.code(), arrow::StatusCode::Cancelled);
  EXPECT_FALSE(first.sink.commits.back().finished);
  return first.sink.commits.back();
}

TEST(ExactlyOnce, AResumeSendsExactlyTheRestOnTheOriginalClock) {
  Harness full = ExactlyOnceHarness();
  ASSERT_TRUE(full.Run().status.ok());
  for (size_t stop_after : {1u, 4u, 5u, 6u, 9u}) {
    SCOPED_TRACE(stop_after);
    const ReplayState checkpoint = CommittedAfterAStop(stop_after);
    EXPECT_EQ(checkpoint.rows, stop_after);  // a stop commits what was sent
    Harness resumed = ExactlyOnceHarness();
    resumed.resume = checkpoint;
    resumed.clock.Advance(milliseconds(300));  // the restart took this long
    const ReplaySummary summary = resumed.Run();
    ASSERT_TRUE(summary.status.ok()) << summary.status.ToString();
    std::vector<std::string> together(full.sink.visible.begin(),
                                      full.sink.visible.begin() + static_cast<long>(stop_after));
    together.insert(together.end(), resumed.sink.visible.begin(), resumed.sink.visible.end());
    EXPECT_EQ(together, full.sink.visible);
    EXPECT_EQ(summary.committed->rows, 10u);
    EXPECT_EQ(summary.rows_sent, 10u - stop_after);
    // Kept clock: each row's due timestamp is the uninterrupted run's.
    for (size_t i = 0; i < resumed.sink.records.size(); ++i) {
      EXPECT_EQ(resumed.sink.records[i].timestamp_ms,
                full.sink.records[stop_after + i].timestamp_ms);
    }
  }
}

TEST(ExactlyOnce, AResumeThatShiftsTheClockKeepsTheSpacingFromNow) {
  const ReplayState checkpoint = CommittedAfterAStop(4);
  Harness resumed = ExactlyOnceHarness();
  resumed.resume = checkpoint;
  resumed.resume_shifts_clock = true;
  resumed.clock.Advance(seconds(30));
  ASSERT_TRUE(resumed.Run().status.ok());
  ASSERT_EQ(resumed.sink.records.size(), 6u);
  // Row 4 is due 100 ms after row 3 was, counted from the resume.
  EXPECT_EQ(resumed.sink.records[0].sent_at, seconds(30) + milliseconds(100));
  EXPECT_EQ(resumed.sink.records[5].sent_at, seconds(30) + milliseconds(600));
}

TEST(ExactlyOnce, AResumeInALaterLoopPassGoesOnInThatPass) {
  Harness full = ExactlyOnceHarness();
  full.plan.loops = 2;
  ASSERT_TRUE(full.Run().status.ok());
  ASSERT_EQ(full.sink.visible.size(), 20u);
  Harness first = ExactlyOnceHarness();
  first.plan.loops = 2;
  StopAfter(first, 13);
  first.Run();
  const ReplayState checkpoint = first.sink.commits.back();
  EXPECT_EQ(checkpoint.pass, 1);
  EXPECT_EQ(checkpoint.rows, 13u);
  Harness resumed = ExactlyOnceHarness();
  resumed.plan.loops = 2;
  resumed.resume = checkpoint;
  ASSERT_TRUE(resumed.Run().status.ok());
  std::vector<std::string> together = first.sink.visible;
  together.insert(together.end(), resumed.sink.visible.begin(), resumed.sink.visible.end());
  EXPECT_EQ(together, full.sink.visible);
}

TEST(ExactlyOnce, TickArraysResumeWithTheSameArrays) {
  auto tick_harness = [] {
    Harness h = ExactlyOnceHarness();
    h.plan.format = OutputFormat::kTickArray;
    h.plan.tick = milliseconds(300);
    return h;
  };
  Harness full = tick_harness();
  ASSERT_TRUE(full.Run().status.ok());
  Harness first = tick_harness();
  StopAfter(first, 2);
  first.Run();
  ASSERT_FALSE(first.sink.commits.empty());
  Harness resumed = tick_harness();
  resumed.resume = first.sink.commits.back();
  ASSERT_TRUE(resumed.Run().status.ok());
  std::vector<std::string> together = first.sink.visible;
  together.insert(together.end(), resumed.sink.visible.begin(), resumed.sink.visible.end());
  EXPECT_EQ(together, full.sink.visible);
}

// At least once: a stopped replay's delivered_next is the row after the
// last one delivered, and a replay started there (--from-row) sends exactly
// the rest, however many rows share a time.

// Twelve rows in three "row groups" of four; most share a time with others,
// and ties straddle the groups.
void AddTiedRows(Harness& h) {
  h.Add("[0, 0, 0, 1]", "[0, 1, 2, 3]", R"(["a", "a", "a", "a"])");
  h.Add("[1, 1, 1, 1]", "[4, 5, 6, 7]", R"(["b", "b", "b", "b"])");
  h.Add("[1, 2, 2, 2]", "[8, 9, 10, 11]", R"(["c", "c", "c", "c"])");
}

std::vector<int64_t> Iota(int64_t n) {
  std::vector<int64_t> ids;
  for (int64_t i = 0; i < n; ++i) ids.push_back(i);
  return ids;
}

// Replays `make()`'s harness from `start` until it is stopped after `rows`
// messages; returns the ids sent and the summary.
std::pair<std::vector<int64_t>, ReplaySummary> RunStoppedAfter(
    const std::function<Harness()>& make, std::optional<source::RowPosition> start, size_t rows) {
  Harness h = make();
  h.start_row = start;
  if (rows > 0) StopAfter(h, rows);
  ReplaySummary summary = h.Run();
  return {h.SentIds(), std::move(summary)};
}

TEST(AtLeastOnce, AStopThenTheNextRowSendsEveryRowOnceDespiteTies) {
  auto make = [] {
    Harness h;
    h.pace.mode = clock::PaceMode::kTopSpeed;
    AddTiedRows(h);
    return h;
  };
  for (size_t chunk : {1u, 2u, 3u, 4u, 5u, 7u, 11u}) {
    SCOPED_TRACE(chunk);
    std::vector<int64_t> together;
    std::optional<source::RowPosition> start;
    for (int run = 0; run < 20; ++run) {
      auto [ids, summary] = RunStoppedAfter(make, start, chunk);
      together.insert(together.end(), ids.begin(), ids.end());
      ASSERT_TRUE(summary.delivered_next.has_value());
      EXPECT_EQ(summary.delivered_next->pass, 0);
      if (summary.stop_reason == "end of data") break;
      EXPECT_EQ(summary.status.code(), arrow::StatusCode::Cancelled);
      EXPECT_EQ(ids.size(), chunk);
      start = summary.delivered_next->next;
    }
    EXPECT_EQ(together, Iota(12));
  }
}

TEST(AtLeastOnce, TheNextRowNamesTheRowAfterTheDeliveredOne) {
  Harness h;
  h.pace.mode = clock::PaceMode::kTopSpeed;
  AddTiedRows(h);
  StopAfter(h, 6);
  const ReplaySummary summary = h.Run();
  EXPECT_EQ(summary.delivered_through_position, "mem.parquet, row group 1, row 1");
  EXPECT_EQ(summary.delivered_next, (NextRow{0, {0, 1, 2}}));
  // The last row of a group: the next is one past it, which Seek takes.
  Harness at_end;
  at_end.pace.mode = clock::PaceMode::kTopSpeed;
  AddTiedRows(at_end);
  StopAfter(at_end, 8);
  EXPECT_EQ(at_end.Run().delivered_next, (NextRow{0, {0, 1, 4}}));
}

TEST(AtLeastOnce, BeforeAnythingIsDeliveredTheNextRowIsWhereTheRunStarted) {
  Harness fresh;
  fresh.pace.mode = clock::PaceMode::kTopSpeed;
  fresh.sink.hold_deliveries = true;
  AddTiedRows(fresh);
  const ReplaySummary first = fresh.Run();
  EXPECT_FALSE(first.delivered_through_time.has_value());
  EXPECT_EQ(first.delivered_next, (NextRow{0, {-1, -1, 0}}));
  Harness started;
  started.pace.mode = clock::PaceMode::kTopSpeed;
  started.sink.hold_deliveries = true;
  started.start_row = source::RowPosition{0, 2, 1};
  AddTiedRows(started);
  EXPECT_EQ(started.Run().delivered_next, (NextRow{0, {0, 2, 1}}));
}

TEST(AtLeastOnce, AStartRowIsSoughtAndDueAtOnceOnAFreshClock) {
  Harness h;
  h.pace.speed = 1;
  h.clock.Advance(seconds(100));
  h.Add("[0, 1, 2]", "[0, 1, 2]", R"(["a", "a", "a"])");
  h.Add("[5, 6, 8]", "[3, 4, 5]", R"(["b", "b", "b"])");
  h.start_row = source::RowPosition{0, 1, 1};
  const ReplaySummary summary = h.Run();
  ASSERT_TRUE(summary.status.ok()) << summary.status.ToString();
  EXPECT_EQ(h.SentIds(), (std::vector<int64_t>{4, 5}));
  EXPECT_EQ(h.source->seeks, 1);
  EXPECT_EQ(h.sink.records[0].sent_at, seconds(100));  // like --from: the first row at once
  EXPECT_EQ(h.sink.records[1].sent_at, seconds(102));
  EXPECT_EQ(h.sink.records[0].timestamp_ms, (Harness::kEpoch / 1'000'000) + 100'000);
}

TEST(AtLeastOnce, AStartRowPositionsTheFirstLoopPassOnly) {
  auto make = [] {
    Harness h;
    h.pace.mode = clock::PaceMode::kTopSpeed;
    h.plan.loops = 3;
    AddTiedRows(h);
    return h;
  };
  // Stopped in the second pass: the rest of it, then one more pass.
  auto [first_ids, stopped] = RunStoppedAfter(make, std::nullopt, 17);
  ASSERT_TRUE(stopped.delivered_next.has_value());
  EXPECT_EQ(stopped.delivered_next->pass, 1);
  EXPECT_EQ(stopped.delivered_next->next, (source::RowPosition{0, 1, 1}));
  const int loops_left = 3 - stopped.delivered_next->pass;
  auto rest = [&make, loops_left] {
    Harness h = make();
    h.plan.loops = loops_left;
    return h;
  };
  auto [rest_ids, finished] = RunStoppedAfter(rest, stopped.delivered_next->next, 0);
  ASSERT_TRUE(finished.status.ok()) << finished.status.ToString();
  std::vector<int64_t> together = first_ids;
  together.insert(together.end(), rest_ids.begin(), rest_ids.end());
  std::vector<int64_t> expected;
  for (int pass = 0; pass < 3; ++pass) {
    for (int64_t id : Iota(12)) expected.push_back(id);
  }
  EXPECT_EQ(together, expected);
}

TEST(AtLeastOnce, TickArraysContinueAfterTheLastArrayDelivered) {
  auto make = [] {
    Harness h;
    h.pace.mode = clock::PaceMode::kRate;
    h.pace.rate = 10;
    h.plan.format = OutputFormat::kTickArray;
    h.plan.tick = milliseconds(300);
    AddTiedRows(h);
    return h;
  };
  auto rows_of = [](const Harness& h) {
    std::vector<int64_t> ids;
    simdjson::dom::parser parser;
    for (const auto& record : h.sink.records) {
      for (simdjson::dom::element row : parser.parse(record.value).get_array()) {
        ids.push_back(int64_t(row["ID"]));
      }
    }
    return ids;
  };
  Harness first = make();
  StopAfter(first, 2);
  const ReplaySummary stopped = first.Run();
  ASSERT_TRUE(stopped.delivered_next.has_value());
  Harness rest = make();
  rest.start_row = stopped.delivered_next->next;
  ASSERT_TRUE(rest.Run().status.ok());
  std::vector<int64_t> together = rows_of(first);
  const std::vector<int64_t> more = rows_of(rest);
  together.insert(together.end(), more.begin(), more.end());
  EXPECT_EQ(together, Iota(12));
}

TEST(AtLeastOnce, ReorderedRowsHaveNoNextRow) {
  Harness h;
  h.pace.mode = clock::PaceMode::kTopSpeed;
  h.plan.max_disorder = seconds(1);
  AddTiedRows(h);
  const ReplaySummary summary = h.Run();
  ASSERT_TRUE(summary.status.ok());
  EXPECT_FALSE(summary.delivered_next.has_value());
}

TEST(AtLeastOnce, AFailedDeliveryKeepsTheNextRowBeforeIt) {
  Harness h;
  h.pace.mode = clock::PaceMode::kTopSpeed;
  h.sink.fail_messages = {5};
  AddTiedRows(h);
  const ReplaySummary summary = h.Run();
  // Rows 0-3 (group 0) are delivered; group 1 holds the failure.
  EXPECT_EQ(summary.delivered_next, (NextRow{0, {0, 0, 4}}));
}

}  // namespace
}  // namespace timecast::replay
