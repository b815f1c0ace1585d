// dataset::MakeIntervalSource: Start/End events straight from raw intervals
// must be exactly what `prepare` writes for the same input: the same rows, in
// the same order, with the same Stream_Time.
#include "dataset/events.h"

#include <arrow/api.h>
#include <arrow/io/file.h>
#include <gtest/gtest.h>
#include <parquet/arrow/reader.h>
#include <parquet/arrow/writer.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "dataset/generator.h"
#include "dataset/prepare.h"
#include "source/parquet_source.h"
#include "source/time_column.h"
#include "test_support.h"
#include "util/status.h"

namespace timecast::dataset {
namespace {

namespace fs = std::filesystem;

std::shared_ptr<arrow::Table> ReadTable(const std::string& path) {
  auto input = arrow::io::ReadableFile::Open(path).ValueOrDie();
  auto reader = parquet::arrow::OpenFile(input, arrow::default_memory_pool()).ValueOrDie();
  std::shared_ptr<arrow::Table> table;
  EXPECT_TRUE(reader->ReadTable(&table).ok());
  return table->CombineChunks().ValueOrDie();
}

void WriteParquet(const std::shared_ptr<arrow::Table>& table, const std::string& path,
                  int64_t row_group_rows = 1024) {
  auto out = arrow::io::FileOutputStream::Open(path).ValueOrDie();
  ASSERT_TRUE(parquet::arrow::WriteTable(*table, arrow::default_memory_pool(), out, row_group_rows)
                  .ok());
  ASSERT_TRUE(out->Close().ok());
}

int64_t At(const std::string& clock) {
  return source::ParseIsoTime("2016-02-08T" + clock + ":00").ValueOrDie();
}

// Raw intervals: "A-<id>" text IDs (converted like prepare does), nanosecond
// times (nullable), and a Note column that must travel along.
struct RawRow {
  std::string id;
  std::optional<int64_t> start, end;
};
std::shared_ptr<arrow::Table> RawTable(const std::vector<RawRow>& rows) {
  arrow::StringBuilder ids, notes;
  arrow::TimestampBuilder starts(arrow::timestamp(arrow::TimeUnit::NANO),
                                 arrow::default_memory_pool());
  arrow::TimestampBuilder ends(arrow::timestamp(arrow::TimeUnit::NANO),
                               arrow::default_memory_pool());
  for (const RawRow& row : rows) {
    EXPECT_TRUE(ids.Append(row.id).ok());
    EXPECT_TRUE((row.start ? starts.Append(*row.start) : starts.AppendNull()).ok());
    EXPECT_TRUE((row.end ? ends.Append(*row.end) : ends.AppendNull()).ok());
    EXPECT_TRUE(notes.Append("note " + row.id).ok());
  }
  auto schema = arrow::schema({arrow::field("ID", arrow::utf8()),
                               arrow::field("Start_Time", arrow::timestamp(arrow::TimeUnit::NANO)),
                               arrow::field("End_Time", arrow::timestamp(arrow::TimeUnit::NANO)),
                               arrow::field("Note", arrow::utf8())});
  return arrow::Table::Make(schema, {ids.Finish().ValueOrDie(), starts.Finish().ValueOrDie(),
                                     ends.Finish().ValueOrDie(), notes.Finish().ValueOrDie()});
}

struct Rejected {
  std::string position;
  std::string reason;
  bool operator==(const Rejected&) const = default;
};
std::ostream& operator<<(std::ostream& out, const Rejected& r) {
  return out << r.position << ": " << r.reason;
}

class EventsTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::TempDir(); }
  void TearDown() override { fs::remove_all(dir_); }
  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  std::unique_ptr<source::ParquetSource> OpenRaw(const std::string& path, int64_t batch_rows) {
    auto opened = source::ParquetSource::Open({path}, {.batch_rows = batch_rows});
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    return opened.ok() ? std::move(*opened) : nullptr;
  }

  // What prepare writes for `raw` (runtime 60 s).
  std::shared_ptr<arrow::Table> Prepared(const std::string& raw) {
    PrepareOptions o;
    o.input = raw;
    o.output = raw + ".prepared.parquet";
    o.runtime = std::chrono::seconds(60);
    o.memory_rows = 3;
    auto result = PrepareDataset(o);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    if (!result.ok()) return nullptr;
    return ReadTable(o.output);
  }

  // Everything the interval source emits for `raw`, as one table, with the
  // range from ComputeIntervalRange and runtime 60 s.
  std::shared_ptr<arrow::Table> Intervals(const std::string& raw, int64_t raw_batch_rows,
                                          int64_t batch_rows,
                                          std::vector<Rejected>* rejected = nullptr) {
    IntervalOptions options;
    options.runtime = std::chrono::seconds(60);
    options.batch_rows = batch_rows;
    auto scan = OpenRaw(raw, 7);
    if (!scan) return nullptr;
    auto range = ComputeIntervalRange(*scan, options);
    EXPECT_TRUE(range.ok()) << range.status().ToString();
    if (!range.ok()) return nullptr;
    options.range = {range->earliest, range->latest};
    if (rejected) {
      options.on_reject = [rejected](std::string_view position, std::string_view reason) {
        rejected->push_back({std::string(position), std::string(reason)});
      };
    }
    auto source = MakeIntervalSource(OpenRaw(raw, raw_batch_rows), options);
    EXPECT_TRUE(source.ok()) << source.status().ToString();
    if (!source.ok()) return nullptr;
    return Drain(**source, batch_rows);
  }

  static std::shared_ptr<arrow::Table> Drain(source::BatchSource& source, int64_t batch_rows) {
    std::vector<std::shared_ptr<arrow::RecordBatch>> batches;
    int64_t next_first_row = 0;
    for (;;) {
      auto next = source.Next();
      EXPECT_TRUE(next.ok()) << next.status().ToString();
      if (!next.ok() || !*next) break;
      EXPECT_LE((*next)->batch->num_rows(), batch_rows);
      EXPECT_EQ((*next)->first_row, next_first_row);
      EXPECT_EQ((*next)->row_group, -1);
      next_first_row += (*next)->batch->num_rows();
      batches.push_back((*next)->batch);
    }
    auto table = arrow::Table::FromRecordBatches(source.schema(), batches).ValueOrDie();
    return table->CombineChunks().ValueOrDie();
  }

  // Both paths on `rows`, for several raw and output batch sizes.
  void ExpectSameAsPrepare(const std::vector<RawRow>& rows, int64_t expected_rows) {
    const std::string raw = Path("raw.parquet");
    WriteParquet(RawTable(rows), raw, 2);
    const auto prepared = Prepared(raw);
    ASSERT_NE(prepared, nullptr);
    ASSERT_EQ(prepared->num_rows(), expected_rows);
    for (int64_t raw_batch_rows : {1, 2, 1000}) {
      for (int64_t batch_rows : {1, 3, 8192}) {
        const auto events = Intervals(raw, raw_batch_rows, batch_rows);
        ASSERT_NE(events, nullptr);
        EXPECT_TRUE(events->schema()->Equals(*prepared->schema(), false))
            << events->schema()->ToString() << "\nvs\n" << prepared->schema()->ToString();
        EXPECT_TRUE(events->Equals(*prepared))
            << "raw batches of " << raw_batch_rows << ", output batches of " << batch_rows
            << "\n" << events->ToString() << "\nvs prepare's\n" << prepared->ToString();
      }
    }
  }

  std::string dir_;
};

TEST_F(EventsTest, TiesEqualStartsAndZeroLengthIntervalsMatchPrepare) {
  ExpectSameAsPrepare({{"A-1", At("10:00"), At("10:30")},
                       {"A-2", At("10:00"), At("10:00")},
                       {"A-4", At("10:00"), At("10:30")},
                       {"A-3", At("10:30"), At("11:00")},
                       {"A-5", At("10:30"), At("10:30")},
                       {"A-6", At("10:45"), At("11:30")}},
                      12);
}

TEST_F(EventsTest, RejectedRecordsAreSkippedLikePrepareRejectsThem) {
  const std::vector<RawRow> rows = {{"A-1", At("10:00"), At("10:30")},
                                    {"A-2", At("10:05"), At("09:00")},  // End < Start
                                    {"A-3", std::nullopt, At("10:00")},  // no start
                                    {"A-4", At("10:10"), std::nullopt},  // no end
                                    {"B-5", At("10:15"), At("10:20")},   // bad ID
                                    {"A-6", At("10:20"), At("10:20")}};
  ExpectSameAsPrepare(rows, 4);
  std::vector<Rejected> rejected;
  const auto events = Intervals(Path("raw.parquet"), 1000, 8192, &rejected);
  ASSERT_NE(events, nullptr);
  const std::string raw = Path("raw.parquet");
  const std::vector<Rejected> expected = {
      {raw + ", row group 0, row 1",
       "End_Time 2016-02-08T09:00:00 is before Start_Time 2016-02-08T10:05:00"},
      {raw + ", row group 1, row 0", "missing Start_Time"},
      {raw + ", row group 1, row 1", "missing End_Time"},
      {raw + ", row group 2, row 0", "unparseable ID 'B-5'"}};
  EXPECT_EQ(rejected, expected);
}

TEST_F(EventsTest, OneRecordAndAllTimesEqualMatchPrepare) {
  ExpectSameAsPrepare({{"A-9", At("10:00"), At("10:20")}}, 2);
  ExpectSameAsPrepare({{"A-1", At("10:00"), At("10:00")},
                       {"A-2", At("10:00"), At("10:00")},
                       {"A-3", At("10:00"), At("10:00")}},
                      6);
}

TEST_F(EventsTest, OutputLooksLikePreparesStartsAndEndsWithStreamTime) {
  WriteParquet(RawTable({{"A-1", At("10:00"), At("10:30")}, {"A-2", At("10:15"), At("10:20")}}),
               Path("raw.parquet"));
  IntervalOptions options;
  options.runtime = std::chrono::seconds(60);
  options.range = {At("10:00"), At("10:30")};
  options.event_time_column = "Event_Time";
  auto source = MakeIntervalSource(OpenRaw(Path("raw.parquet"), 100), options);
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  const auto table = Drain(**source, 8192);
  ASSERT_EQ(table->num_rows(), 4);
  ASSERT_EQ(table->num_columns(), 7);
  EXPECT_EQ(table->schema()->field(0)->name(), "Event");
  EXPECT_EQ(table->schema()->field(1)->name(), "Stream_Time");
  EXPECT_EQ(table->schema()->field(2)->name(), "Event_Time");
  EXPECT_EQ(table->schema()->field(3)->name(), "ID");
  EXPECT_TRUE(table->schema()->field(3)->type()->Equals(arrow::int32()));
  const auto events = std::static_pointer_cast<arrow::StringArray>(table->column(0)->chunk(0));
  const auto times = std::static_pointer_cast<arrow::DoubleArray>(table->column(1)->chunk(0));
  const auto event_times =
      std::static_pointer_cast<arrow::TimestampArray>(table->column(2)->chunk(0));
  const auto ids = std::static_pointer_cast<arrow::Int32Array>(table->column(3)->chunk(0));
  const std::vector<std::string> expected_events = {"Start", "Start", "End", "End"};
  const std::vector<int32_t> expected_ids = {1, 2, 2, 1};
  const std::vector<double> expected_times = {0, 30, 40, 60};
  const std::vector<int64_t> expected_event_times = {At("10:00"), At("10:15"), At("10:20"),
                                                     At("10:30")};
  for (int64_t i = 0; i < 4; ++i) {
    const auto k = static_cast<size_t>(i);
    EXPECT_EQ(events->GetView(i), expected_events[k]) << i;
    EXPECT_EQ(ids->Value(i), expected_ids[k]) << i;
    EXPECT_DOUBLE_EQ(times->Value(i), expected_times[k]) << i;
    EXPECT_EQ(event_times->Value(i), expected_event_times[k]) << i;
  }

  // Without a runtime there is no Stream_Time column.
  IntervalOptions plain;
  auto without = MakeIntervalSource(OpenRaw(Path("raw.parquet"), 100), plain);
  ASSERT_TRUE(without.ok());
  EXPECT_EQ((*without)->schema()->field(1)->name(), "ID");
}

TEST_F(EventsTest, GeneratedDatasetsGiveIdenticalTablesThroughBothPaths) {
  for (const bool dirty : {false, true}) {
    GenerateOptions g;
    g.rows = 2'000;
    g.seed = 17;
    g.dirty = dirty;
    g.row_group_rows = 500;
    g.output = Path(dirty ? "dirty.parquet" : "clean.parquet");
    ASSERT_TRUE(GenerateDataset(g).ok());
    const auto prepared = Prepared(g.output);
    ASSERT_NE(prepared, nullptr);
    std::vector<Rejected> rejected;
    const auto events = Intervals(g.output, 300, 1000, &rejected);
    ASSERT_NE(events, nullptr);
    EXPECT_EQ(events->num_rows(), prepared->num_rows());
    EXPECT_TRUE(events->Equals(*prepared)) << (dirty ? "dirty" : "clean");
    EXPECT_EQ(rejected.empty(), !dirty);
    EXPECT_EQ(static_cast<int64_t>(rejected.size()) * 2 + prepared->num_rows(), 4'000);

    if (!dirty) {
      // Clean data: Parquet statistics give prepare's exact range too.
      auto raw = OpenRaw(g.output, 1000);
      auto start_range = raw->TimeRangeFromStatistics({.name = "Start_Time"});
      auto end_range = raw->TimeRangeFromStatistics({.name = "End_Time"});
      ASSERT_TRUE(start_range.ok() && end_range.ok());
      ASSERT_TRUE(start_range->has_value() && end_range->has_value());
      IntervalOptions options;
      auto exact = ComputeIntervalRange(*raw, options);
      ASSERT_TRUE(exact.ok());
      EXPECT_EQ((*start_range)->first, exact->earliest);
      EXPECT_EQ((*end_range)->second, exact->latest);
      EXPECT_EQ(exact->accepted, 2'000);
    }
  }
}

TEST_F(EventsTest, UnsortedStartsFailNamingTheRowAfterEmittingTheRowsBeforeIt) {
  WriteParquet(RawTable({{"A-1", At("10:00"), At("11:00")},
                         {"A-2", At("10:05"), At("11:00")},
                         {"A-3", At("10:01"), At("11:00")}}),
               Path("raw.parquet"));
  for (int64_t raw_batch_rows : {1, 100}) {
    IntervalOptions options;
    auto source = MakeIntervalSource(OpenRaw(Path("raw.parquet"), raw_batch_rows), options);
    ASSERT_TRUE(source.ok());
    int64_t emitted = 0;
    arrow::Status error;
    for (;;) {
      auto next = (*source)->Next();
      if (!next.ok()) {
        error = next.status();
        break;
      }
      ASSERT_TRUE(next->has_value()) << "must not end without the error";
      emitted += (*next)->batch->num_rows();
    }
    EXPECT_EQ(emitted, 2) << "the Starts of A-1 and A-2";
    EXPECT_EQ(util::ExitCodeOf(error), util::ExitCode::kInput);
    EXPECT_NE(error.message().find(Path("raw.parquet") + ", row group 0, row 2: Start_Time "
                                                         "2016-02-08T10:01:00 is earlier than "
                                                         "the previous record's "
                                                         "2016-02-08T10:05:00"),
              std::string::npos)
        << error.message();
    EXPECT_NE(error.message().find("timecast prepare"), std::string::npos) << error.message();
  }
}

TEST_F(EventsTest, RewindStartsOverWithTheSameRowsAndReportsRejectsAgain) {
  WriteParquet(RawTable({{"A-1", At("10:00"), At("10:30")},
                         {"A-2", At("10:05"), At("09:00")},
                         {"A-3", At("10:10"), At("10:20")}}),
               Path("raw.parquet"));
  int rejected = 0;
  IntervalOptions options;
  options.runtime = std::chrono::seconds(10);
  options.range = {At("10:00"), At("10:30")};
  options.on_reject = [&rejected](std::string_view, std::string_view) { ++rejected; };
  auto source = MakeIntervalSource(OpenRaw(Path("raw.parquet"), 1), options);
  ASSERT_TRUE(source.ok());
  const auto first = Drain(**source, 8192);
  EXPECT_FALSE((*source)->Next().ValueOrDie().has_value()) << "past the end stays at the end";
  ASSERT_TRUE((*source)->Rewind().ok());
  const auto second = Drain(**source, 8192);
  EXPECT_EQ(first->num_rows(), 4);
  EXPECT_TRUE(first->Equals(*second));
  EXPECT_EQ(rejected, 2);
}

TEST_F(EventsTest, BadColumnsAreErrorsUpFront) {
  WriteParquet(RawTable({{"A-1", At("10:00"), At("10:30")}}), Path("raw.parquet"));
  IntervalOptions options;
  options.event_column = "Note";
  auto clash = MakeIntervalSource(OpenRaw(Path("raw.parquet"), 10), options);
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(util::ExitCodeOf(clash.status()), util::ExitCode::kUsage);
  options = {};
  options.end_column = "Finish";
  auto missing = MakeIntervalSource(OpenRaw(Path("raw.parquet"), 10), options);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(util::ExitCodeOf(missing.status()), util::ExitCode::kInput);
  EXPECT_NE(missing.status().message().find("column 'Finish' not found"), std::string::npos)
      << missing.status().message();
}

}  // namespace
}  // namespace timecast::dataset
