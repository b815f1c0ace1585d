// The timecast binary's command line: documented exit codes and messages for
// every way a user can get the invocation wrong. No broker needed.
#include <arrow/api.h>
#include <arrow/io/file.h>
#include <gtest/gtest.h>
#include <parquet/arrow/writer.h>

#include <filesystem>

#include <fstream>

#include "test_support.h"

namespace timecast {
namespace {

using timecast::testing::RunTimecast;

std::string SmallFile(bool sorted = true) {
  const std::string path = testing::TempDir() + "/small.parquet";
  auto schema = arrow::schema({arrow::field("Stream_Time", arrow::float64()),
                               arrow::field("ID", arrow::int32()), arrow::field("Event", arrow::utf8())});
  arrow::DoubleBuilder times;
  arrow::Int32Builder ids;
  arrow::StringBuilder events;
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(times.Append(sorted || i != 3 ? i * 0.01 : 0.0).ok());
    EXPECT_TRUE(ids.Append(i).ok());
    EXPECT_TRUE(events.Append("Start").ok());
  }
  auto table = arrow::Table::Make(schema, {times.Finish().ValueOrDie(), ids.Finish().ValueOrDie(),
                                           events.Finish().ValueOrDie()});
  auto out = arrow::io::FileOutputStream::Open(path).ValueOrDie();
  EXPECT_TRUE(parquet::arrow::WriteTable(*table, arrow::default_memory_pool(), out, 10).ok());
  EXPECT_TRUE(out->Close().ok());
  return path;
}

void ExpectUsageError(const std::vector<std::string>& args, const std::string& message) {
  const auto result = RunTimecast(args);
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_NE(result.err.find(message), std::string::npos) << "stderr: " << result.err;
  EXPECT_EQ(result.err.rfind("timecast: error: ", 0), 0u) << result.err;
}

TEST(Cli, VersionNamesOurAndTheLibrariesVersions) {
  const auto result = RunTimecast({"--version"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_NE(result.out.find("timecast 0."), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("Arrow 22.0.0"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find("librdkafka 2.0.2"), std::string::npos) << result.out;
}

TEST(Cli, HelpListsTheSubcommands) {
  const auto result = RunTimecast({"--help"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_NE(result.out.find("replay"), std::string::npos);
  EXPECT_NE(result.out.find("generate"), std::string::npos);
}

TEST(Cli, NoSubcommandIsAUsageError) {
  ExpectUsageError({}, "subcommand is required");
  ExpectUsageError({"frobnicate"}, "frobnicate");
}

TEST(Cli, ReplayFlagErrorsAreUsageErrors) {
  const std::string file = SmallFile();
  ExpectUsageError({"replay"}, "input is required");
  ExpectUsageError({"replay", file, "--speed", "2", "--fit", "1m"}, "excludes");
  ExpectUsageError({"replay", file, "--sink", "stdout", "--speed", "0"}, "--speed must be a positive");
  ExpectUsageError({"replay", file, "--sink", "stdout", "--fit", "soon"}, "invalid duration 'soon'");
  ExpectUsageError({"replay", file, "--sink", "stdout", "--when-late", "panic"},
                   "--when-late must be burst or shift");
  ExpectUsageError({"replay", file, "--sink", "stdout", "--header", "oops"},
                   "--header must be NAME=COLUMN");
  ExpectUsageError({"replay", file, "--sink", "carrier-pigeon"}, "--sink must be kafka, stdout");
  ExpectUsageError({"replay", file, "--sink", "stdout", "--format", "xml"},
                   "--format must be json or tick-array");
  ExpectUsageError({"replay", file, "--sink", "stdout", "--time-column", "Event"},
                   "time column 'Event' has type string");
  ExpectUsageError({"replay", file, "--sink", "stdout", "--time-column", "When"},
                   "time column 'When' not found in '" + file + "'; the columns are: Stream_Time, ID, Event");
  ExpectUsageError({"replay", file, "--sink", "stdout", "--time-unit", "fortnights"},
                   "--time-unit must be one of s, ms, us, ns");
  ExpectUsageError({"replay", file, "--sink", "stdout", "--key", "Nope"}, "key column 'Nope' not found");
  ExpectUsageError({"replay", file, "-b", "127.0.0.1:1", "-t", "x", "-X", "bogus.prop=1"},
                   "Kafka property 'bogus.prop'");
  ExpectUsageError({"replay", file, "--sink", "stdout", "--from", "next tuesday"},
                   "invalid time 'next tuesday'");
  ExpectUsageError({"replay", file, "--sink", "stdout", "--rt-priority", "100"}, "--rt-priority");
  ExpectUsageError({"replay", file, "--sink", "stdout", "--send-ahead", "soon"},
                   "invalid duration 'soon'");
  // Refused before the first row: the sink's file is never created.
  const std::string sent = testing::TempDir() + "/sent.jsonl";
  ExpectUsageError({"replay", file, "--sink", "file:" + sent, "--topspeed", "-q", "--stats-json",
                    "/nonexistent-dir/stats.json"},
                   "--stats-json '/nonexistent-dir/stats.json' cannot be written: directory "
                   "'/nonexistent-dir' does not exist");
  EXPECT_FALSE(std::filesystem::exists(sent));
  ExpectUsageError({"replay", file, "--sink", "stdout", "--timestamp", "event"},
                   "--timestamp event needs a timestamp or date time column");
}

TEST(Cli, ExactlyOnceOptionsThatCannotWorkAreRefusedUpFront) {
  const std::string file = SmallFile();
  ExpectUsageError({"replay", file, "-t", "x", "--guarantee", "exactly-once"},
                   "--guarantee exactly-once needs --job NAME");
  ExpectUsageError({"replay", file, "-t", "x", "--job", "j"},
                   "--job, --resume and --start-over name and continue an exactly-once replay");
  ExpectUsageError({"replay", file, "-t", "x", "--resume"}, "add --guarantee exactly-once");
  ExpectUsageError({"replay", file, "-t", "x", "--guarantee", "twice"},
                   "--guarantee must be exactly-once or at-least-once, got 'twice'");
  ExpectUsageError({"replay", file, "-t", "x", "--guarantee", "exactly-once", "--job", "j",
                    "--resume", "--start-over"},
                   "--resume and --start-over exclude each other");
  ExpectUsageError({"replay", file, "--sink", "stdout", "--guarantee", "exactly-once", "--job", "j"},
                   "--guarantee exactly-once needs the Kafka sink");
  ExpectUsageError({"replay", file, "-t", "x", "--guarantee", "exactly-once", "--job", "j",
                    "--max-disorder", "1s"},
                   "--max-disorder cannot be combined with --guarantee exactly-once");
  ExpectUsageError({"replay", file, "-t", "x", "--guarantee", "exactly-once", "--job", "j",
                    "--resume-clock", "later"},
                   "--resume-clock must be keep or shift, got 'later'");
  ExpectUsageError({"replay", file, "-t", "x", "--guarantee", "exactly-once", "--job", "j",
                    "--commit-interval", "0s"},
                   "--commit-interval must be positive");
  // librdkafka would refuse to produce outside a transaction: say what to do instead.
  ExpectUsageError({"replay", file, "-t", "x", "-X", "transactional.id=mine", "-b",
                    "127.0.0.1:1"},
                   "-X transactional.id is not for replay: --guarantee exactly-once --job NAME");
}

TEST(Cli, InputErrorsExitThree) {
  auto result = RunTimecast({"replay", "/nonexistent/a.parquet", "--sink", "stdout"});
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_NE(result.err.find("/nonexistent/a.parquet"), std::string::npos);
  const std::string text = testing::TempDir() + "/a.parquet";
  std::ofstream(text) << "not parquet at all";
  result = RunTimecast({"replay", text, "--sink", "stdout"});
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_NE(result.err.find("is not a readable Parquet file"), std::string::npos) << result.err;
}

TEST(Cli, UnsortedInputExitsThreeAfterSendingTheSortedPrefix) {
  const auto result = RunTimecast({"replay", SmallFile(/*sorted=*/false), "--sink", "stdout",
                                   "--topspeed"});
  EXPECT_EQ(result.exit_code, 3) << result.err;
  EXPECT_NE(result.err.find("row group 0, row 3: Stream_Time 0.000s is earlier than the previous "
                            "row's 0.020s"),
            std::string::npos)
      << result.err;
  EXPECT_EQ(std::count(result.out.begin(), result.out.end(), '\n'), 3);
}

TEST(Cli, MaxDisorderRepairsSlightlyUnsortedInput) {
  const auto result = RunTimecast({"replay", SmallFile(/*sorted=*/false), "--sink", "stdout",
                                   "--topspeed", "--max-disorder", "1s", "--columns", "ID"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(result.out, "{\"ID\":0}\n{\"ID\":3}\n{\"ID\":1}\n{\"ID\":2}\n{\"ID\":4}\n");
}

TEST(Cli, FileSinkWritesJsonLinesAndStatsJson) {
  const std::string dir = testing::TempDir();
  const auto result = RunTimecast({"replay", SmallFile(), "--sink", "file:" + dir + "/out.jsonl",
                                   "--rate", "1000", "--columns", "ID,Event", "--stats-json",
                                   dir + "/stats.json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::ifstream out(dir + "/out.jsonl");
  std::string first;
  std::getline(out, first);
  EXPECT_EQ(first, R"({"ID":0,"Event":"Start"})");
  std::ifstream stats(dir + "/stats.json");
  std::string json((std::istreambuf_iterator<char>(stats)), std::istreambuf_iterator<char>());
  EXPECT_NE(json.find("\"rows_sent\":5,"), std::string::npos) << json;
  EXPECT_NE(json.find("\"delivery_failures\":0,"), std::string::npos) << json;
}


TEST(Cli, IntervalReplayEqualsPrepareThenReplay) {
  const std::string dir = testing::TempDir();
  ASSERT_EQ(RunTimecast({"generate", "--rows", "2000", "--seed", "7", "--dirty", "-o", dir + "/raw.parquet"}).exit_code, 0);
  const auto prepared = RunTimecast({"prepare", dir + "/raw.parquet", "-o", dir + "/stream.parquet"});
  ASSERT_EQ(prepared.exit_code, 0) << prepared.err;
  const auto via_prepare = RunTimecast({"replay", dir + "/stream.parquet", "--topspeed", "--sink", "stdout", "-q"});
  const auto direct = RunTimecast({"replay", dir + "/raw.parquet", "--start-column", "Start_Time",
                                   "--end-column", "End_Time", "--topspeed", "--sink", "stdout", "-q"});
  ASSERT_EQ(via_prepare.exit_code, 0) << via_prepare.err;
  ASSERT_EQ(direct.exit_code, 0) << direct.err;
  EXPECT_GT(std::count(direct.out.begin(), direct.out.end(), '\n'), 3900);
  EXPECT_TRUE(direct.out == via_prepare.out) << "interval replay differs from prepare + replay";
  EXPECT_NE(direct.err.find("record(s) skipped as `prepare` rejects them"), std::string::npos) << direct.err;
}

TEST(Cli, StartColumnNeedsEndColumn) {
  ExpectUsageError({"replay", SmallFile(), "--sink", "stdout", "--start-column", "Stream_Time"},
                   "--start-column and --end-column go together");
}

}  // namespace
}  // namespace timecast
