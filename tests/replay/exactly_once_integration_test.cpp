// Exactly-once replay against the real broker, checked by a reader that is not
// timecast (kcat, read_committed): kill -9 at random moments and --resume,
// a zombie fenced by its successor, and the refusals a job's checkpoint makes.
#include <arrow/api.h>
#include <arrow/io/file.h>
#include <gtest/gtest.h>
#include <parquet/arrow/writer.h>
#include <simdjson.h>

#include <csignal>
#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "test_support.h"

namespace timecast {
namespace {

using std::chrono::milliseconds;
using timecast::testing::Brokers;
using timecast::testing::RunTimecast;
using timecast::testing::TimecastProcess;
using timecast::testing::UniqueName;

// `rows` rows in input order: Seq = i, Stream_Time = i ms, ID = i / 2 and
// Event Start/End, so (ID, Event) is unique and Seq tells the input order.
std::string WriteSequence(int rows, const std::string& name = "seq.parquet") {
  const std::string path = testing::TempDir() + "/" + name;
  arrow::Int64Builder seqs, ids;
  arrow::DoubleBuilder times;
  arrow::StringBuilder events;
  for (int i = 0; i < rows; ++i) {
    EXPECT_TRUE(seqs.Append(i).ok());
    EXPECT_TRUE(times.Append(i / 1000.0).ok());
    EXPECT_TRUE(ids.Append(i / 2).ok());
    EXPECT_TRUE(events.Append(i % 2 ? "End" : "Start").ok());
  }
  auto schema = arrow::schema({arrow::field("Seq", arrow::int64()),
                               arrow::field("Stream_Time", arrow::float64()),
                               arrow::field("ID", arrow::int64()), arrow::field("Event", arrow::utf8())});
  auto table = arrow::Table::Make(schema, {seqs.Finish().ValueOrDie(), times.Finish().ValueOrDie(),
                                           ids.Finish().ValueOrDie(), events.Finish().ValueOrDie()});
  auto out = arrow::io::FileOutputStream::Open(path).ValueOrDie();
  EXPECT_TRUE(parquet::arrow::WriteTable(*table, arrow::default_memory_pool(), out, 10'000).ok());
  EXPECT_TRUE(out->Close().ok());
  return path;
}

struct Committed {
  // Seq of each record, per partition, in offset order.
  std::map<int, std::vector<int64_t>> by_partition;
  std::map<std::pair<int64_t, std::string>, int> per_id_event;  // (ID, Event) -> count
  size_t total = 0;
};

// What a read_committed consumer that is not timecast sees in `topic`: kcat
// reads every partition to its end.
Committed ReadCommitted(const std::string& topic) {
  const std::string command = "kcat -C -q -e -b " + Brokers() + " -t " + topic +
                              " -X isolation.level=read_committed -f '%p %s\\n' 2>&1";
  Committed committed;
  FILE* pipe = popen(command.c_str(), "r");
  EXPECT_NE(pipe, nullptr);
  if (pipe == nullptr) return committed;
  simdjson::dom::parser parser;
  char* line = nullptr;
  size_t capacity = 0;
  ssize_t length;
  while ((length = getline(&line, &capacity, pipe)) > 0) {
    std::string text(line, static_cast<size_t>(length));
    if (!text.empty() && text.back() == '\n') text.pop_back();
    const size_t space = text.find(' ');
    if (space == std::string::npos) {
      ADD_FAILURE() << "kcat: " << text;
      continue;
    }
    const int partition = std::stoi(text.substr(0, space));
    simdjson::dom::element row;
    if (parser.parse(text.substr(space + 1)).get(row) != simdjson::SUCCESS) {
      ADD_FAILURE() << "not JSON: " << text;
      continue;
    }
    committed.by_partition[partition].push_back(int64_t(row["Seq"]));
    ++committed.per_id_event[{int64_t(row["ID"]), std::string(std::string_view(row["Event"]))}];
    ++committed.total;
  }
  free(line);
  EXPECT_EQ(pclose(pipe), 0) << command;
  return committed;
}

// The committed output is exactly the first `n` rows of the input, each once,
// each partition in input order (Flink's KafkaSinkITCase check, made exact).
// Returns n.
size_t ExpectUnbrokenPrefix(const Committed& committed) {
  std::set<int64_t> seen;
  for (const auto& [partition, seqs] : committed.by_partition) {
    for (size_t i = 0; i < seqs.size(); ++i) {
      EXPECT_TRUE(seen.insert(seqs[i]).second) << "Seq " << seqs[i] << " twice";
      if (i > 0) {
        EXPECT_LT(seqs[i - 1], seqs[i]) << "partition " << partition << " out of input order";
      }
    }
  }
  if (!seen.empty()) {
    EXPECT_EQ(*seen.begin(), 0);
    EXPECT_EQ(static_cast<size_t>(*seen.rbegin()) + 1, seen.size()) << "a gap: not a prefix";
  }
  for (const auto& [id_event, count] : committed.per_id_event) {
    EXPECT_EQ(count, 1) << "ID " << id_event.first << " " << id_event.second;
  }
  return seen.size();
}

struct KillCase {
  const char* name;
  int partitions;
  bool paced;
};

class KillAndResume : public ::testing::TestWithParam<KillCase> {};

// kill -9 at random moments (during sends and commits alike), then --resume,
// five times, then a resume that runs to the end: every row lands exactly
// once, in order per partition, and after each kill what is committed is an
// unbroken prefix of the input that only grows.
TEST_P(KillAndResume, LosesNothingAndRepeatsNothing) {
  const KillCase& c = GetParam();
  const int rows = c.paced ? 20'000 : 400'000;
  const std::string input = WriteSequence(rows);
  const std::string topic = UniqueName(std::string("eos-kill-") + c.name);
  const std::string job = UniqueName("job");
  std::vector<std::string> args = {"replay", input, "-b", Brokers(), "-t", topic,
                                   "--create-topic", "--partitions", std::to_string(c.partitions),
                                   "--key", "ID", "--guarantee", "exactly-once", "--job", job,
                                   "--commit-interval", "50ms", "-q"};
  if (c.paced) {
    args.insert(args.end(), {"--rate", "4000"});
  } else {
    args.push_back("--topspeed");
  }
  std::mt19937 random(std::random_device{}());
  // Startup (connecting, fencing, reading the checkpoint) takes about half a
  // second; kills land before, during and after the first commits.
  std::uniform_int_distribution<int> delay_ms(400, 1600);
  size_t committed_before = 0;
  bool has_checkpoint = false;
  for (int kill = 0; kill < 5; ++kill) {
    std::vector<std::string> run = args;
    if (has_checkpoint) run.push_back("--resume");
    TimecastProcess process(run);
    std::this_thread::sleep_for(milliseconds(delay_ms(random)));
    process.Signal(SIGKILL);
    const auto result = process.Wait();
    const size_t committed = ExpectUnbrokenPrefix(ReadCommitted(topic));
    SCOPED_TRACE(result.err);
    EXPECT_GE(committed, committed_before) << "kill " << kill;
    committed_before = committed;
    // A run killed before its first commit left no checkpoint: start anew.
    has_checkpoint |= committed > 0 || result.exit_code == 0;
    if (result.exit_code == 0) break;  // it finished before the kill
    EXPECT_EQ(result.exit_code, 128 + SIGKILL) << "kill " << kill;
  }
  std::vector<std::string> run = args;
  if (has_checkpoint) run.push_back("--resume");
  const auto finished = RunTimecast(run);
  ASSERT_EQ(finished.exit_code, 0) << finished.err;
  const Committed all = ReadCommitted(topic);
  EXPECT_EQ(ExpectUnbrokenPrefix(all), static_cast<size_t>(rows));
  EXPECT_EQ(all.total, static_cast<size_t>(rows));
  EXPECT_EQ(all.by_partition.size(), static_cast<size_t>(c.partitions));
  // Once finished, there is nothing left to resume.
  const auto again = RunTimecast(run);
  EXPECT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(ReadCommitted(topic).total, static_cast<size_t>(rows));
}

INSTANTIATE_TEST_SUITE_P(Replay, KillAndResume,
                         ::testing::Values(KillCase{"paced-1", 1, true},
                                           KillCase{"paced-3", 3, true},
                                           KillCase{"topspeed-1", 1, false},
                                           KillCase{"topspeed-3", 3, false}),
                         [](const auto& param_info) {
                           std::string name = param_info.param.name;
                           for (char& ch : name) ch = ch == '-' ? '_' : ch;
                           return name;
                         });

// A replay stopped (SIGSTOP) while its successor resumes the job is fenced
// when it wakes: it exits non-zero saying so, and nothing it sends after
// the successor took over becomes visible.
TEST(ExactlyOnceReplay, AZombieIsFencedByTheRunThatResumedItsJob) {
  const int rows = 8'000;
  const std::string input = WriteSequence(rows);
  const std::string topic = UniqueName("eos-zombie");
  const std::string job = UniqueName("job");
  std::vector<std::string> args = {"replay", input, "-b", Brokers(), "-t", topic,
                                   "--create-topic", "--partitions", "2", "--key", "ID",
                                   "--guarantee", "exactly-once", "--job", job, "--rate", "4000"};
  TimecastProcess zombie(args);
  // Stopped once it has committed something (a fresh broker is slow to
  // start its first transactions), with its open transaction still going.
  for (int tries = 0; tries < 100; ++tries) {
    if (RunTimecast({"checkpoint", "--job", job, "-b", Brokers()}).exit_code == 0) break;
    std::this_thread::sleep_for(milliseconds(200));
  }
  std::this_thread::sleep_for(milliseconds(300));
  zombie.Signal(SIGSTOP);
  std::vector<std::string> resume = args;
  resume.push_back("--resume");
  const auto successor = RunTimecast(resume);
  ASSERT_EQ(successor.exit_code, 0) << successor.err;
  zombie.Signal(SIGCONT);
  const auto fenced = zombie.Wait();
  EXPECT_EQ(fenced.exit_code, 4) << fenced.err;
  EXPECT_NE(fenced.err.find("another replay of this job took over"), std::string::npos)
      << fenced.err;
  const Committed all = ReadCommitted(topic);
  EXPECT_EQ(ExpectUnbrokenPrefix(all), static_cast<size_t>(rows));
  EXPECT_EQ(all.total, static_cast<size_t>(rows));
}

TEST(ExactlyOnceReplay, AJobsCheckpointRefusesWhatWouldLoseOrRepeatRows) {
  const std::string input = WriteSequence(2'000);
  const std::string topic = UniqueName("eos-refusals");
  const std::string job = UniqueName("job");
  const std::vector<std::string> args = {"replay", input, "-b", Brokers(), "-t", topic,
                                         "--create-topic", "--guarantee", "exactly-once",
                                         "--job", job, "--topspeed", "-q"};
  auto with = [&](std::vector<std::string> extra) {
    std::vector<std::string> run = args;
    run.insert(run.end(), extra.begin(), extra.end());
    return run;
  };

  const auto nothing = RunTimecast(with({"--resume"}));
  EXPECT_EQ(nothing.exit_code, 7) << nothing.err;
  EXPECT_NE(nothing.err.find("has no checkpoint in timecast-checkpoints"), std::string::npos)
      << nothing.err;
  EXPECT_EQ(ReadCommitted(topic).total, 0u);

  ASSERT_EQ(RunTimecast(with({"--until", "1"})).exit_code, 0);  // 1,000 rows, then it ends
  EXPECT_EQ(ReadCommitted(topic).total, 1'000u);
  // The checkpoint, for people and as the record itself.
  const auto shown = RunTimecast({"checkpoint", "--job", job, "-b", Brokers()});
  EXPECT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find("1,000 row(s) in 1,000 message(s)"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("; finished;"), std::string::npos) << shown.out;
  const auto record = RunTimecast({"checkpoint", "--job", job, "-b", Brokers(), "--json"});
  simdjson::dom::parser parser;
  simdjson::dom::element checkpoint;
  ASSERT_EQ(parser.parse(record.out).get(checkpoint), simdjson::SUCCESS) << record.out;
  EXPECT_EQ(int64_t(checkpoint["counts"]["rows"]), 1'000);
  EXPECT_EQ(RunTimecast({"checkpoint", "--job", job + "-none", "-b", Brokers()}).exit_code, 7);

  const auto again = RunTimecast(args);
  EXPECT_EQ(again.exit_code, 7) << again.err;
  EXPECT_NE(again.err.find("already has a checkpoint"), std::string::npos) << again.err;
  EXPECT_NE(again.err.find("--resume"), std::string::npos) << again.err;

  const auto changed = RunTimecast(with({"--resume"}));  // without --until now
  EXPECT_EQ(changed.exit_code, 7) << changed.err;
  EXPECT_NE(changed.err.find("--until was \"1\", is now not given"), std::string::npos)
      << changed.err;

  const std::string other = WriteSequence(2'001, "other.parquet");
  std::vector<std::string> moved = with({"--until", "1", "--resume"});
  moved[1] = other;
  const auto other_input = RunTimecast(moved);
  EXPECT_EQ(other_input.exit_code, 7) << other_input.err;
  EXPECT_NE(other_input.err.find("input was"), std::string::npos) << other_input.err;
  EXPECT_EQ(ReadCommitted(topic).total, 1'000u);

  // --start-over replays from the first row (sending those rows again, as it says).
  const auto over = RunTimecast(with({"--until", "1", "--start-over"}));
  EXPECT_EQ(over.exit_code, 0) << over.err;
  EXPECT_EQ(ReadCommitted(topic).total, 2'000u);
}

}  // namespace
}  // namespace timecast
