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

// At least once, continued exactly: a stopped replay prints the row after
// the last one delivered and a command that goes on from there.

// `files` Parquet files of `rows` rows each in a fresh directory, row groups
// of 4 rows; ID counts rows over all files, and Stream_Time ties in runs of
// 7 rows (1 ms apart) that straddle row groups and files.
std::string TiedFiles(int files, int rows) {
  const std::string dir = testing::TempDir() + "/in";
  std::filesystem::create_directories(dir);
  auto schema = arrow::schema({arrow::field("Stream_Time", arrow::float64()),
                               arrow::field("ID", arrow::int32())});
  for (int f = 0; f < files; ++f) {
    arrow::DoubleBuilder times;
    arrow::Int32Builder ids;
    for (int i = f * rows; i < (f + 1) * rows; ++i) {
      EXPECT_TRUE(times.Append((i / 7) * 0.001).ok());
      EXPECT_TRUE(ids.Append(i).ok());
    }
    auto table =
        arrow::Table::Make(schema, {times.Finish().ValueOrDie(), ids.Finish().ValueOrDie()});
    auto out = arrow::io::FileOutputStream::Open(dir + "/part-" + std::to_string(f) + ".parquet")
                   .ValueOrDie();
    EXPECT_TRUE(parquet::arrow::WriteTable(*table, arrow::default_memory_pool(), out, 4).ok());
    EXPECT_TRUE(out->Close().ok());
  }
  return dir;
}

std::string ExpectedIds(int rows, int passes = 1) {
  std::string lines;
  for (int pass = 0; pass < passes; ++pass) {
    for (int i = 0; i < rows; ++i) lines += "{\"ID\":" + std::to_string(i) + "}\n";
  }
  return lines;
}

// The command a stopped replay printed to continue exactly, or "" when none.
std::string ContinueCommand(const std::string& err) {
  const std::string intro = "replay: to continue exactly after it:\n  ";
  const size_t at = err.find(intro);
  if (at == std::string::npos) return "";
  const size_t begin = at + intro.size();
  return err.substr(begin, err.find('\n', begin) - begin);
}

// Runs `args` (10 rows a run: --rate 1000 --runtime 9ms), then every command
// it prints to continue, as a user would paste it, until the data is done.
// Returns how many runs it took.
int RunToTheEnd(std::vector<std::string> args) {
  for (const char* arg : {"--rate", "1000", "--runtime", "9ms", "--columns", "ID"}) {
    args.push_back(arg);
  }
  auto result = testing::RunTimecast(args);
  int runs = 1;
  for (;;) {
    EXPECT_EQ(result.exit_code, 0) << result.err;
    const std::string command = ContinueCommand(result.err);
    if (command.empty()) {
      EXPECT_NE(result.err.find("end of data"), std::string::npos) << result.err;
      return runs;
    }
    EXPECT_NE(result.err.find("runtime reached"), std::string::npos) << result.err;
    if (++runs > 50) {
      ADD_FAILURE() << "does not end: " << command;
      return runs;
    }
    result = testing::RunShell(command);
  }
}

TEST(Cli, StoppedReplaysOfManyFilesContinueExactlyWhateverTheTies) {
  const std::string input = TiedFiles(3, 25);
  const std::string out = testing::TempDir() + "/out.jsonl";
  const std::string stats = testing::TempDir() + "/stats.json";
  // The first run's summary: the exact position, the next row, the command.
  auto first = RunTimecast({"replay", input, "--sink", "file:" + out, "--rate", "1000",
                            "--runtime", "9ms", "--columns", "ID", "--stats-json", stats});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.err.find("replay: everything up to 0.001s (" + input +
                           "/part-0.parquet, row group 2, row 1) is delivered\n"),
            std::string::npos)
      << first.err;
  EXPECT_NE(ContinueCommand(first.err).find(" --from-row 0:2:2 --sink append:" + out),
            std::string::npos)
      << first.err;
  std::ifstream stats_in(stats);
  const std::string json((std::istreambuf_iterator<char>(stats_in)),
                         std::istreambuf_iterator<char>());
  EXPECT_NE(json.find("\"next\":{\"pass\":0,\"file\":0,\"row_group\":2,\"row\":2,"
                      "\"from_row\":\"0:2:2\",\"exact\":true}"),
            std::string::npos)
      << json;
  std::filesystem::remove(out);
  // From the start, run after run: every row once, in order, across files.
  EXPECT_EQ(RunToTheEnd({"replay", input, "--sink", "file:" + out}), 8);
  std::ifstream in(out);
  const std::string sent((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(sent, ExpectedIds(75));
}

TEST(Cli, StoppedLoopsContinueWithThePassesLeft) {
  const std::string input = TiedFiles(1, 25);
  const std::string out = testing::TempDir() + "/out.jsonl";
  EXPECT_EQ(RunToTheEnd({"replay", input, "--sink", "file:" + out, "--loop", "2"}), 5);
  std::ifstream in(out);
  const std::string sent((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(sent, ExpectedIds(25, 2));
}

TEST(Cli, StoppedSqliteReplaysContinueExactlyByRowNumber) {
  const std::string input = TiedFiles(1, 33);
  const std::string db = testing::TempDir() + "/stream.db";
  const auto load = RunTimecast({"load", input + "/part-0.parquet", "-o", db});
  ASSERT_EQ(load.exit_code, 0) << load.err;
  const std::string out = testing::TempDir() + "/out.jsonl";
  auto first = RunTimecast({"replay", "sqlite:" + db + "?table=stream", "--sink", "stdout",
                            "--rate", "1000", "--runtime", "9ms", "--columns", "ID"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(ContinueCommand(first.err).find(" --from-row 10"), std::string::npos) << first.err;
  EXPECT_EQ(RunToTheEnd({"replay", "sqlite:" + db + "?table=stream", "--sink", "file:" + out}), 4);
  std::ifstream in(out);
  const std::string sent((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(sent, ExpectedIds(33));
}

TEST(Cli, FromTakesTheTimeAsAStopPrintsIt) {
  const std::string file = SmallFile();  // Stream_Time 0, 0.01, ... 0.04
  const auto stopped = RunTimecast({"replay", file, "--sink", "stdout", "--rate", "1000",
                                    "--runtime", "2ms", "--columns", "ID"});
  ASSERT_EQ(stopped.exit_code, 0) << stopped.err;
  const std::string intro = "replay: everything up to ";
  const size_t at = stopped.err.find(intro);
  ASSERT_NE(at, std::string::npos) << stopped.err;
  const size_t begin = at + intro.size();
  const std::string printed = stopped.err.substr(begin, stopped.err.find(' ', begin) - begin);
  EXPECT_EQ(printed, "0.020s");
  // --from includes rows at the time, so it repeats the last delivered row: --from-row does not.
  const auto from = RunTimecast({"replay", file, "--sink", "stdout", "--topspeed", "--columns",
                                 "ID", "--from", printed});
  ASSERT_EQ(from.exit_code, 0) << from.err;
  EXPECT_EQ(from.out, "{\"ID\":2}\n{\"ID\":3}\n{\"ID\":4}\n");
}

TEST(Cli, FromRowThatCannotWorkIsRefusedNamingIt) {
  const std::string file = SmallFile();
  ExpectUsageError({"replay", file, "-t", "x", "--guarantee", "exactly-once", "--job", "j",
                    "--from-row", "0:0:1"},
                   "--from-row continues an at-least-once replay; an exactly-once job continues "
                   "from its checkpoint with --resume");
  ExpectUsageError({"replay", file, "--sink", "stdout", "--max-disorder", "1s", "--from-row",
                    "0:0:1"},
                   "--from-row cannot be combined with --max-disorder");
  ExpectUsageError({"replay", file, "--sink", "stdout", "--from-row", "row 5"},
                   "--from-row takes FILE:ROWGROUP:ROW");
  ExpectUsageError({"replay", file, "--sink", "stdout", "--from-row", "3"},
                   "--from-row 3: a row of Parquet input is FILE:ROWGROUP:ROW");
  ExpectUsageError({"replay", file, "--sink", "stdout", "--from-row", "1:0:0"},
                   "--from-row 1:0:0 is not a row of this input: cannot seek to file 1, row group "
                   "0, row 0: the input has 1 file(s)");
  ExpectUsageError({"replay", file, "--sink", "stdout", "--from-row", "0:0:6"},
                   "--from-row 0:0:6 is not a row of this input");
  const std::string db = testing::TempDir() + "/small.db";
  ASSERT_EQ(RunTimecast({"load", file, "-o", db}).exit_code, 0);
  ExpectUsageError({"replay", "sqlite:" + db + "?table=stream", "--sink", "stdout", "--from-row",
                    "0:0:1"},
                   "--from-row 0:0:1: SQLite input has no files or row groups");
  // The row after the last of a group is where the next group starts.
  const auto last = RunTimecast({"replay", file, "--sink", "stdout", "--topspeed", "--columns",
                                 "ID", "--from-row", "0:0:5"});
  EXPECT_EQ(last.exit_code, 0) << last.err;
  EXPECT_EQ(last.out, "");
}

}  // namespace
}  // namespace timecast
