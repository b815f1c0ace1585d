#include "replay/checkpoint.h"

#include <gtest/gtest.h>

#include "replay/job.h"
#include "util/status.h"

namespace timecast::replay {
namespace {

Checkpoint Sample() {
  Checkpoint c;
  c.job = "fleet \"7\"";
  c.timecast_version = "0.1.0";
  c.written_at_ns = 1'796'000'000'123'456'789;
  c.input = {{"data/a.parquet", 123456, "0011223344556677"}, {"data/b.parquet", 9, "8899aabbccddeeff"}};
  c.shape = {{"--topic", "accidents"}, {"--speed", "60"}, {"--key", ""}};
  c.next_row = "data/b.parquet, row group 1, row 32325";
  c.last_time = "2294.109s";
  c.state.pass = 2;
  c.state.next = {1, 1, 32325};
  c.state.last_time = 2'294'109'000'123;
  c.state.schedule.origin = -5;
  c.state.schedule.pass_start = std::chrono::nanoseconds(11);
  c.state.schedule.previous_raw = std::chrono::nanoseconds(12);
  c.state.schedule.gap_savings = std::chrono::nanoseconds(13);
  c.state.schedule.rows_in_pass = 14;
  c.state.schedule.shift = std::chrono::nanoseconds(-15);
  c.state.schedule.last_due = std::chrono::nanoseconds(16);
  c.state.anchor_epoch_ns = 1'796'000'000'000'000'000;
  c.state.rows = 1'000'001;
  c.state.messages = 1'000'000;
  c.state.bytes = 1ull << 40;
  c.state.transactions = 77;
  return c;
}

TEST(Checkpoint, EncodesAndDecodesEveryField) {
  const Checkpoint c = Sample();
  auto decoded = DecodeCheckpoint(EncodeCheckpoint(c), "here");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->job, c.job);
  EXPECT_EQ(decoded->timecast_version, c.timecast_version);
  EXPECT_EQ(decoded->written_at_ns, c.written_at_ns);
  EXPECT_EQ(decoded->input, c.input);
  EXPECT_EQ(decoded->shape, c.shape);
  EXPECT_EQ(decoded->next_row, c.next_row);
  EXPECT_EQ(decoded->last_time, c.last_time);
  EXPECT_EQ(decoded->state, c.state);
}

TEST(Checkpoint, AtTheStartThereIsNoLastTimeAndNoOrigin) {
  Checkpoint c;
  c.job = "j";
  auto decoded = DecodeCheckpoint(EncodeCheckpoint(c), "here");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->state, c.state);
  EXPECT_FALSE(decoded->state.last_time);
  EXPECT_EQ(decoded->state.next.file, -1);
}

TEST(Checkpoint, MalformedOnesAreInputErrorsNamingWhereAndWhat) {
  const std::string good = EncodeCheckpoint(Sample());
  auto not_json = DecodeCheckpoint("{nope", "topic t [0] at offset 5");
  ASSERT_FALSE(not_json.ok());
  EXPECT_EQ(util::ExitCodeOf(not_json.status()), util::ExitCode::kInput);
  EXPECT_NE(not_json.status().message().find("topic t [0] at offset 5"), std::string::npos);

  std::string missing = good;
  missing.replace(missing.find("\"rows_in_pass\""), 14, "\"rows_in_pasz\"");
  auto no_field = DecodeCheckpoint(missing, "x");
  ASSERT_FALSE(no_field.ok());
  EXPECT_NE(no_field.status().message().find("field 'schedule.rows_in_pass' is missing"),
            std::string::npos)
      << no_field.status().message();

  std::string newer = good;
  newer.replace(newer.find("\"format\":1"), 10, "\"format\":9");
  auto future = DecodeCheckpoint(newer, "x");
  ASSERT_FALSE(future.ok());
  EXPECT_NE(future.status().message().find("format 9, this timecast reads format 1"),
            std::string::npos)
      << future.status().message();
}

TEST(Checkpoint, DifferencesNameEachChangedOptionAndFile) {
  const Checkpoint saved = Sample();
  EXPECT_TRUE(CheckpointDifferences(saved, saved.input, saved.shape).empty());
  auto input = saved.input;
  input[1].fingerprint = "ffffffffffffffff";
  auto shape = saved.shape;
  shape[1].second = "30";
  shape.push_back({"--from", "10"});
  const auto differences = CheckpointDifferences(saved, input, shape);
  ASSERT_EQ(differences.size(), 3u);
  EXPECT_EQ(differences[0], "--from was not given, is now \"10\"");
  EXPECT_EQ(differences[1], "--speed was \"60\", is now \"30\"");
  EXPECT_NE(differences[2].find("'data/b.parquet' changed"), std::string::npos) << differences[2];
  input.pop_back();
  EXPECT_EQ(CheckpointDifferences(saved, input, saved.shape).back(),
            "the input had 2 file(s), has 1 now");
}

TEST(JobStart, ANewJobNeedsNoCheckpointAndAResumeNeedsOne) {
  const Checkpoint saved = Sample();
  auto fresh = DecideStart("j", StartMode::kNew, std::nullopt, saved.input, saved.shape, "t [0]");
  ASSERT_TRUE(fresh.ok());
  EXPECT_FALSE(fresh->resume);

  auto taken = DecideStart("j", StartMode::kNew, saved, saved.input, saved.shape, "t [0]");
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(util::ExitCodeOf(taken.status()), util::ExitCode::kCheckpoint);
  EXPECT_NE(taken.status().message().find("already has a checkpoint in t [0]"), std::string::npos);
  EXPECT_NE(taken.status().message().find("--resume"), std::string::npos);
  EXPECT_NE(taken.status().message().find("--start-over"), std::string::npos);

  auto nothing = DecideStart("j", StartMode::kResume, std::nullopt, saved.input, saved.shape, "t [0]");
  ASSERT_FALSE(nothing.ok());
  EXPECT_EQ(util::ExitCodeOf(nothing.status()), util::ExitCode::kCheckpoint);
  EXPECT_NE(nothing.status().message().find("has no checkpoint in t [0]: nothing to resume"),
            std::string::npos);

  auto resumed = DecideStart("j", StartMode::kResume, saved, saved.input, saved.shape, "t [0]");
  ASSERT_TRUE(resumed.ok());
  EXPECT_EQ(resumed->resume, saved.state);
  EXPECT_FALSE(resumed->already_finished);

  auto over = DecideStart("j", StartMode::kStartOver, saved, saved.input, saved.shape, "t [0]");
  ASSERT_TRUE(over.ok());
  EXPECT_FALSE(over->resume);
}

TEST(JobStart, AResumeWithAnotherInputOrOptionsIsRefusedNamingThem) {
  const Checkpoint saved = Sample();
  auto shape = saved.shape;
  shape[0].second = "other";
  auto changed = DecideStart("j", StartMode::kResume, saved, saved.input, shape, "t [0]");
  ASSERT_FALSE(changed.ok());
  EXPECT_EQ(util::ExitCodeOf(changed.status()), util::ExitCode::kCheckpoint);
  EXPECT_NE(changed.status().message().find("--topic was \"accidents\", is now \"other\""),
            std::string::npos)
      << changed.status().message();
}

TEST(JobStart, AFinishedJobHasNothingToResume) {
  Checkpoint saved = Sample();
  saved.state.finished = true;
  auto decided = DecideStart("j", StartMode::kResume, saved, saved.input, saved.shape, "t [0]");
  ASSERT_TRUE(decided.ok());
  EXPECT_TRUE(decided->already_finished);
}

TEST(JobStart, JobNamesAreCheckedAndGiveTheTransactionalId) {
  EXPECT_EQ(TransactionalIdFor("fleet"), "timecast-replay-fleet");
  EXPECT_FALSE(CheckJobName("").ok());
  EXPECT_FALSE(CheckJobName("a\nb").ok());
  EXPECT_TRUE(CheckJobName("fleet-2026/12").ok());
}

}  // namespace
}  // namespace timecast::replay
