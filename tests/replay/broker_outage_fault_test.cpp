// A broker outage longer than the producer's timeouts, against a real broker
// this test starts, kills with SIGKILL and brings back on its data: replay
// waits, says so, and loses nothing (at-least-once), or rewinds an expired
// transaction to its checkpoint and repeats nothing (exactly-once). Checked by
// kcat with read_committed. ctest label `fault` (scripts/test-fault).
#include <arrow/api.h>
#include <arrow/io/file.h>
#include <gtest/gtest.h>
#include <parquet/arrow/writer.h>
#include <simdjson.h>

#include <cstdio>
#include <cstdlib>
#include <map>
#include <thread>

#include "test_support.h"

namespace timecast {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using timecast::testing::CommandResult;
using timecast::testing::RunTimecast;
using timecast::testing::TimecastProcess;
using timecast::testing::UniqueName;

// Runs a shell command; its stdout, trimmed, or a test failure.
std::string Shell(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  EXPECT_NE(pipe, nullptr) << command;
  if (pipe == nullptr) return out;
  char buffer[4096];
  while (size_t n = fread(buffer, 1, sizeof buffer, pipe)) out.append(buffer, n);
  EXPECT_EQ(pclose(pipe), 0) << command;
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

// A one-node cluster of this test's own on loopback, stopped at the end.
class OwnBroker {
 public:
  OwnBroker() : dir_(testing::TempDir() + "/kafka") {
    brokers_ = Shell(std::string(TIMECAST_SOURCE_DIR) + "/scripts/kafka-start --port " +
                     std::to_string(39200 + getpid() % 500) + " --dir " + dir_);
  }
  ~OwnBroker() { std::system((std::string(TIMECAST_SOURCE_DIR) + "/scripts/kafka-stop --dir " + dir_ + " >/dev/null 2>&1").c_str()); }
  void Node(const std::string& verb) {
    Shell(std::string(TIMECAST_SOURCE_DIR) + "/scripts/kafka-node --dir " + dir_ + " " + verb + " 1");
  }
  const std::string& brokers() const { return brokers_; }

 private:
  std::string dir_;
  std::string brokers_;
};

std::string WriteRows(int rows) {
  const std::string path = testing::TempDir() + "/rows.parquet";
  arrow::Int64Builder seqs;
  arrow::DoubleBuilder times;
  for (int i = 0; i < rows; ++i) {
    EXPECT_TRUE(seqs.Append(i).ok());
    EXPECT_TRUE(times.Append(i / 1000.0).ok());
  }
  auto schema = arrow::schema({arrow::field("Seq", arrow::int64()),
                               arrow::field("Stream_Time", arrow::float64())});
  auto table = arrow::Table::Make(schema, {seqs.Finish().ValueOrDie(), times.Finish().ValueOrDie()});
  auto out = arrow::io::FileOutputStream::Open(path).ValueOrDie();
  EXPECT_TRUE(parquet::arrow::WriteTable(*table, arrow::default_memory_pool(), out, 5'000).ok());
  EXPECT_TRUE(out->Close().ok());
  return path;
}

// How often each Seq is in `topic`, read_committed, by kcat.
std::map<int64_t, int> CountBySeq(const std::string& brokers, const std::string& topic) {
  std::map<int64_t, int> counts;
  const std::string lines = Shell("kcat -C -q -e -b " + brokers + " -t " + topic +
                                  " -X isolation.level=read_committed -f '%s\\n'");
  simdjson::dom::parser parser;
  size_t begin = 0;
  while (begin < lines.size()) {
    size_t end = lines.find('\n', begin);
    if (end == std::string::npos) end = lines.size();
    simdjson::dom::element row;
    if (parser.parse(lines.substr(begin, end - begin)).get(row) == simdjson::SUCCESS) {
      ++counts[int64_t(row["Seq"])];
    } else {
      ADD_FAILURE() << "not JSON: " << lines.substr(begin, end - begin);
    }
    begin = end + 1;
  }
  return counts;
}

struct OutageCase {
  const char* name;
  bool exactly_once;
};

class BrokerOutage : public ::testing::TestWithParam<OutageCase> {};

// The only broker is killed 3 s into a paced replay and comes back (on its
// data) after 10 s more, twice the 5 s the producer's messages or
// transaction may last.
TEST_P(BrokerOutage, LongerThanTheTimeoutsLosesNothing) {
  const OutageCase& c = GetParam();
  OwnBroker cluster;
  ASSERT_FALSE(cluster.brokers().empty());
  const int rows = 24'000;  // 8 s at 3,000 rows/s
  const std::string input = WriteRows(rows);
  const std::string topic = UniqueName(std::string("outage-") + c.name);
  const std::string stats = testing::TempDir() + "/stats.json";
  std::vector<std::string> args = {"replay", input, "-b", cluster.brokers(), "-t", topic,
                                   "--create-topic", "--rate", "3000", "--stats-json", stats};
  if (c.exactly_once) {
    args.insert(args.end(), {"--guarantee", "exactly-once", "--job", UniqueName("outage"), "-X",
                             "transaction.timeout.ms=5000"});
  }
  TimecastProcess replay(args);
  std::this_thread::sleep_for(seconds(3));
  cluster.Node("kill");
  std::this_thread::sleep_for(seconds(10));
  cluster.Node("start");
  const CommandResult result = replay.Wait();
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("timecast: waiting for the brokers at"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("the brokers are back after"), std::string::npos) << result.err;

  const auto counts = CountBySeq(cluster.brokers(), topic);
  EXPECT_EQ(counts.size(), static_cast<size_t>(rows)) << "rows lost";
  int repeated = 0;
  for (const auto& [seq, count] : counts) repeated += count > 1;
  if (c.exactly_once) {
    EXPECT_EQ(repeated, 0);
    EXPECT_NE(result.err.find("aborting a transaction"), std::string::npos) << result.err;
  }
  simdjson::dom::parser parser;
  simdjson::dom::element summary = parser.load(stats);
  if (c.exactly_once) {
    // The rows of the expired transaction went again, late by the outage.
    EXPECT_GT(double(summary["lateness_ms"]["max"]), 8'000.0);
    EXPECT_GE(int64_t(summary["exactly_once"]["transactions_aborted"]), 1);
    EXPECT_EQ(int64_t(summary["exactly_once"]["job_rows"]), rows);
  } else {
    // The producer's queue took the rows when due; they waited there.
    EXPECT_EQ(int64_t(summary["delivered"]), rows);
    EXPECT_EQ(int64_t(summary["delivery_failures"]), 0);
  }
}

INSTANTIATE_TEST_SUITE_P(Replay, BrokerOutage,
                         ::testing::Values(OutageCase{"at_least_once", false},
                                           OutageCase{"exactly_once", true}),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

}  // namespace
}  // namespace timecast
