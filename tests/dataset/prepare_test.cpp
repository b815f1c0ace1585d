// `timecast prepare` / dataset::PrepareDataset on tiny hand-written inputs
// whose right answer is known (CSV text and small Parquet tables), on bad
// CSV, and against `generate --stream` of the same seed.
#include "dataset/prepare.h"

#include <arrow/api.h>
#include <arrow/io/file.h>
#include <arrow/util/key_value_metadata.h>
#include <gtest/gtest.h>
#include <parquet/arrow/reader.h>
#include <parquet/arrow/writer.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "dataset/generator.h"
#include "source/time_column.h"
#include "test_support.h"
#include "util/status.h"

namespace timecast::dataset {
namespace {

namespace fs = std::filesystem;

struct ParquetFile {
  std::shared_ptr<arrow::Table> table;  // one chunk per column
  std::shared_ptr<const arrow::KeyValueMetadata> metadata;
  int row_groups = 0;
};

ParquetFile ReadParquet(const std::string& path) {
  ParquetFile file;
  auto input = arrow::io::ReadableFile::Open(path);
  EXPECT_TRUE(input.ok()) << input.status().ToString();
  if (!input.ok()) return file;
  auto reader = parquet::arrow::OpenFile(*input, arrow::default_memory_pool());
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  if (!reader.ok()) return file;
  file.row_groups = (*reader)->num_row_groups();
  file.metadata = (*reader)->parquet_reader()->metadata()->key_value_metadata();
  std::shared_ptr<arrow::Table> table;
  EXPECT_TRUE((*reader)->ReadTable(&table).ok());
  file.table = table->CombineChunks().ValueOrDie();
  return file;
}

// Writes like pyarrow does: the Arrow schema (and its metadata) stored in the
// file's key-value metadata.
void WriteParquet(const std::shared_ptr<arrow::Table>& table, const std::string& path,
                  int64_t row_group_rows = 1024) {
  auto out = arrow::io::FileOutputStream::Open(path).ValueOrDie();
  ASSERT_TRUE(parquet::arrow::WriteTable(*table, arrow::default_memory_pool(), out, row_group_rows,
                                         parquet::default_writer_properties(),
                                         parquet::ArrowWriterProperties::Builder()
                                             .store_schema()
                                             ->build())
                  .ok());
  ASSERT_TRUE(out->Close().ok());
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// Splits one CSV line into fields, undoing RFC 4180 quoting.
std::vector<std::string> SplitCsvLine(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
      fields.back().push_back('"');
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      fields.emplace_back();
    } else {
      fields.back().push_back(c);
    }
  }
  return fields;
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

int64_t Nanos(const std::string& iso) { return source::ParseIsoTime(iso).ValueOrDie(); }
// A time on the test day, "10:30" or "10:30:15".
int64_t At(const std::string& clock) {
  return Nanos("2016-02-08T" + clock + (clock.size() == 5 ? ":00" : ""));
}

std::string CsvHeader() {
  const auto schema = RawAccidentsSchema();
  std::string header;
  for (const auto& field : schema->fields()) {
    header += (header.empty() ? "" : ",") + field->name();
  }
  return header + "\n";
}

// One Kaggle-shaped CSV line: the given ID and times (raw text), Severity 2,
// Description `note`, every other field empty (null).
std::string CsvRow(const std::string& id, const std::string& start, const std::string& end,
                   const std::string& note = "") {
  std::vector<std::string> fields(47);
  fields[0] = id;
  fields[1] = "2";
  fields[2] = start;
  fields[3] = end;
  fields[9] = note;
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) line += (i ? "," : "") + fields[i];
  return line + "\n";
}
std::string Day(const std::string& clock) { return "2016-02-08 " + clock + ":00"; }

template <typename ArrayType>
std::shared_ptr<ArrayType> Column(const arrow::Table& table, const std::string& name) {
  const auto column = table.GetColumnByName(name);
  EXPECT_NE(column, nullptr) << "no column " << name;
  if (column == nullptr) return nullptr;
  EXPECT_EQ(column->num_chunks(), 1);
  return std::static_pointer_cast<ArrayType>(column->chunk(0));
}

std::string MetadataValue(const arrow::KeyValueMetadata& metadata, const std::string& key) {
  auto value = metadata.Get(key);
  EXPECT_TRUE(value.ok()) << "no metadata key " << key;
  return value.ok() ? *value : "";
}

// The (Event, ID, Stream_Time) of each output row, for exact comparisons.
struct EventRow {
  std::string event;
  int32_t id;
  double stream_time;
  bool operator==(const EventRow&) const = default;
};
std::ostream& operator<<(std::ostream& out, const EventRow& row) {
  return out << "{" << row.event << " " << row.id << " " << row.stream_time << "}";
}
std::vector<EventRow> EventRows(const arrow::Table& table, const std::string& event = "Event") {
  std::vector<EventRow> rows;
  const auto events = Column<arrow::StringArray>(table, event);
  const auto ids = Column<arrow::Int32Array>(table, "ID");
  const auto times = Column<arrow::DoubleArray>(table, "Stream_Time");
  if (!events || !ids || !times) return rows;
  for (int64_t i = 0; i < table.num_rows(); ++i) {
    rows.push_back({std::string(events->GetView(i)), ids->Value(i), times->Value(i)});
  }
  return rows;
}

// A small raw table: int32 ID, timestamp[ns] Start_Time/End_Time (nullable),
// and a Note column to see the other columns travel along.
struct RawRow {
  int32_t id;
  std::optional<int64_t> start, end;
};
std::shared_ptr<arrow::Table> RawTable(const std::vector<RawRow>& rows) {
  arrow::Int32Builder ids;
  arrow::TimestampBuilder starts(arrow::timestamp(arrow::TimeUnit::NANO),
                                 arrow::default_memory_pool());
  arrow::TimestampBuilder ends(arrow::timestamp(arrow::TimeUnit::NANO),
                               arrow::default_memory_pool());
  arrow::StringBuilder notes;
  for (const RawRow& row : rows) {
    EXPECT_TRUE(ids.Append(row.id).ok());
    EXPECT_TRUE((row.start ? starts.Append(*row.start) : starts.AppendNull()).ok());
    EXPECT_TRUE((row.end ? ends.Append(*row.end) : ends.AppendNull()).ok());
    EXPECT_TRUE(notes.Append("note-" + std::to_string(row.id)).ok());
  }
  auto schema = arrow::schema({arrow::field("ID", arrow::int32(), false),
                               arrow::field("Start_Time", arrow::timestamp(arrow::TimeUnit::NANO)),
                               arrow::field("End_Time", arrow::timestamp(arrow::TimeUnit::NANO)),
                               arrow::field("Note", arrow::utf8())});
  return arrow::Table::Make(schema, {ids.Finish().ValueOrDie(), starts.Finish().ValueOrDie(),
                                     ends.Finish().ValueOrDie(), notes.Finish().ValueOrDie()});
}

class PrepareTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::TempDir(); }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  PrepareOptions Options(const std::string& input, const std::string& output = "out.parquet") {
    PrepareOptions o;
    o.input = Path(input);
    o.output = Path(output);
    o.runtime = std::chrono::seconds(60);
    return o;
  }

  // Runs prepare; fails the test on error.
  PrepareResult Prepare(const PrepareOptions& o) {
    auto result = PrepareDataset(o);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? *result : PrepareResult{};
  }

  // Runs prepare expecting an input error whose message contains `mentions`.
  void ExpectInputError(const PrepareOptions& o, const std::string& mentions) {
    auto result = PrepareDataset(o);
    ASSERT_FALSE(result.ok()) << "expected an error mentioning " << mentions;
    EXPECT_EQ(util::ExitCodeOf(result.status()), util::ExitCode::kInput)
        << result.status().ToString();
    EXPECT_NE(result.status().message().find(mentions), std::string::npos)
        << result.status().message();
  }

  std::set<std::string> Files() const {
    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_)) {
      names.insert(entry.path().filename().string());
    }
    return names;
  }

  std::string dir_;
};

TEST_F(PrepareTest, TiesPutStartsBeforeEndsAndKeepInputOrderForAnyRunSize) {
  WriteText(Path("raw.csv"), CsvHeader() + CsvRow("A-1", Day("10:00"), Day("10:30")) +
                                 CsvRow("A-2", Day("10:00"), Day("10:00")) +
                                 CsvRow("A-3", Day("10:30"), Day("11:00")) +
                                 CsvRow("A-4", Day("10:00"), Day("10:30")));
  const std::vector<EventRow> expected = {
      {"Start", 1, 0},  {"Start", 2, 0},  {"Start", 4, 0},  {"End", 2, 0},
      {"Start", 3, 30}, {"End", 1, 30},   {"End", 4, 30},   {"End", 3, 60}};
  for (int64_t memory_rows : {1, 2, 3, 1000}) {
    PrepareOptions o = Options("raw.csv");
    o.memory_rows = memory_rows;
    const PrepareResult result = Prepare(o);
    EXPECT_EQ(result.runs, (4 + memory_rows - 1) / memory_rows);
    EXPECT_EQ(result.rows_written, 8);
    const ParquetFile out = ReadParquet(o.output);
    ASSERT_NE(out.table, nullptr);
    EXPECT_EQ(EventRows(*out.table), expected) << "memory_rows " << memory_rows;
  }
}

TEST_F(PrepareTest, OutputHasTheStreamSchemaAndCarriesEveryColumn) {
  WriteText(Path("raw.csv"),
            CsvHeader() + CsvRow("A-7", Day("10:00"), Day("10:30"), "\"hello, world\""));
  PrepareOptions o = Options("raw.csv");
  Prepare(o);
  const ParquetFile out = ReadParquet(o.output);
  ASSERT_NE(out.table, nullptr);
  EXPECT_TRUE(out.table->schema()->Equals(*StreamSchema(), /*check_metadata=*/false))
      << out.table->schema()->ToString();
  const auto starts = Column<arrow::TimestampArray>(*out.table, "Start_Time");
  const auto ends = Column<arrow::TimestampArray>(*out.table, "End_Time");
  const auto notes = Column<arrow::StringArray>(*out.table, "Description");
  const auto severity = Column<arrow::Int8Array>(*out.table, "Severity");
  const auto city = Column<arrow::StringArray>(*out.table, "City");
  for (int64_t row : {0, 1}) {
    EXPECT_EQ(starts->Value(row), At("10:00"));
    EXPECT_EQ(ends->Value(row), At("10:30"));
    EXPECT_EQ(notes->GetView(row), "hello, world");
    EXPECT_EQ(severity->Value(row), 2);
    EXPECT_TRUE(city->IsNull(row)) << "empty CSV fields are null";
  }
}

TEST_F(PrepareTest, BadRecordsAreRejectedWithTheirReasonNeverDroppedSilently) {
  WriteText(Path("raw.csv"),
            CsvHeader() + CsvRow("A-1", Day("10:00"), Day("10:30")) +      // row 1: fine
                CsvRow("B-x", Day("10:00"), Day("10:30")) +                // row 2
                CsvRow("", Day("10:00"), Day("10:30")) +                   // row 3
                CsvRow("A-", Day("10:00"), Day("10:30")) +                 // row 4
                CsvRow("A-5", "", Day("10:30")) +                          // row 5
                CsvRow("A-6", "2019-13-45 99:07:00", Day("10:30")) +       // row 6
                CsvRow("A-7", Day("10:00"), "2016-02-30 10:00:00") +       // row 7
                CsvRow("A-8", Day("11:00"), Day("10:00")) +                // row 8
                CsvRow("A-9", Day("10:15"), Day("10:45")) +                // row 9: fine
                CsvRow("A-99999999999", Day("10:00"), Day("10:30")));      // row 10
  PrepareOptions o = Options("raw.csv");
  const PrepareResult result = Prepare(o);
  EXPECT_EQ(result.input_rows, 10);
  EXPECT_EQ(result.accepted_rows, 2);
  EXPECT_EQ(result.rejected_rows, 8);
  const std::map<std::string, int64_t> kinds = {
      {"End_Time before Start_Time", 1}, {"missing ID", 1},     {"missing Start_Time", 1},
      {"unparseable End_Time", 1},       {"unparseable ID", 3}, {"unparseable Start_Time", 1}};
  EXPECT_EQ(result.rejected_by_kind, kinds);
  EXPECT_EQ(result.rejects_path, o.output + ".rejects.csv");

  const ParquetFile out = ReadParquet(o.output);
  ASSERT_NE(out.table, nullptr);
  // Span 10:00 .. 10:45 onto 60 s.
  auto seconds = [](const std::string& clock) {
    return StreamSeconds(At(clock), At("10:00"), At("10:45"), 60);
  };
  const std::vector<EventRow> expected = {{"Start", 1, 0},
                                          {"Start", 9, seconds("10:15")},
                                          {"End", 1, seconds("10:30")},
                                          {"End", 9, 60}};
  EXPECT_NEAR(seconds("10:15"), 20, 1e-12);
  EXPECT_NEAR(seconds("10:30"), 40, 1e-12);
  EXPECT_EQ(EventRows(*out.table), expected);

  const auto lines = Lines(ReadText(result.rejects_path));
  ASSERT_EQ(lines.size(), 9u);
  EXPECT_EQ(SplitCsvLine(lines[0])[0], "Position");
  EXPECT_EQ(SplitCsvLine(lines[0])[1], "Reason");
  EXPECT_EQ(SplitCsvLine(lines[0])[2], "ID");
  EXPECT_EQ(SplitCsvLine(lines[0]).size(), 49u);
  const std::vector<std::vector<std::string>> expected_rejects = {
      {"row 2", "unparseable ID 'B-x'", "B-x"},
      {"row 3", "missing ID", ""},
      {"row 4", "unparseable ID 'A-'", "A-"},
      {"row 5", "missing Start_Time", "A-5"},
      {"row 6", "unparseable Start_Time '2019-13-45 99:07:00'", "A-6"},
      {"row 7", "unparseable End_Time '2016-02-30 10:00:00'", "A-7"},
      {"row 8", "End_Time 2016-02-08T10:00:00 is before Start_Time 2016-02-08T11:00:00", "A-8"},
      {"row 10", "unparseable ID 'A-99999999999'", "A-99999999999"},
  };
  for (size_t i = 0; i < expected_rejects.size(); ++i) {
    const auto fields = SplitCsvLine(lines[i + 1]);
    ASSERT_EQ(fields.size(), 49u) << lines[i + 1];
    EXPECT_EQ(fields[0], o.input + ", " + expected_rejects[i][0]);
    EXPECT_EQ(fields[1], expected_rejects[i][1]);
    EXPECT_EQ(fields[2], expected_rejects[i][2]);
  }
}

TEST_F(PrepareTest, OneAccidentMapsToZeroAndRuntimeAndRecordsTheMapping) {
  WriteParquet(RawTable({{5, At("10:00"), At("10:20")}}), Path("raw.parquet"));
  PrepareOptions o = Options("raw.parquet");
  o.runtime = std::chrono::milliseconds(90'500);
  const PrepareResult result = Prepare(o);
  EXPECT_EQ(result.earliest, At("10:00"));
  EXPECT_EQ(result.latest, At("10:20"));
  EXPECT_TRUE(result.rejects_path.empty());
  EXPECT_FALSE(fs::exists(o.output + ".rejects.csv")) << "no rejects, no rejects file";
  const ParquetFile out = ReadParquet(o.output);
  ASSERT_NE(out.table, nullptr);
  const std::vector<EventRow> expected = {{"Start", 5, 0}, {"End", 5, 90.5}};
  EXPECT_EQ(EventRows(*out.table), expected);
  ASSERT_NE(out.metadata, nullptr);
  EXPECT_EQ(MetadataValue(*out.metadata, kEarliestMetadataKey), "2016-02-08T10:00:00");
  EXPECT_EQ(MetadataValue(*out.metadata, kLatestMetadataKey), "2016-02-08T10:20:00");
  EXPECT_EQ(MetadataValue(*out.metadata, kRuntimeSecondsMetadataKey), "90.5");
  EXPECT_EQ(MetadataValue(*out.metadata, kTimeColumnMetadataKey), "Stream_Time");
  EXPECT_EQ(MetadataValue(*out.metadata, kEventColumnMetadataKey), "Event");
  const auto notes = Column<arrow::StringArray>(*out.table, "Note");
  EXPECT_EQ(notes->GetView(1), "note-5");
}

TEST_F(PrepareTest, AllTimesEqualGiveStreamTimeZeroEverywhere) {
  WriteParquet(RawTable({{1, At("10:00"), At("10:00")},
                         {2, At("10:00"), At("10:00")},
                         {3, At("10:00"), At("10:00")}}),
               Path("raw.parquet"));
  PrepareOptions o = Options("raw.parquet");
  o.memory_rows = 2;
  const PrepareResult result = Prepare(o);
  EXPECT_EQ(result.earliest, result.latest);
  const ParquetFile out = ReadParquet(o.output);
  ASSERT_NE(out.table, nullptr);
  const std::vector<EventRow> expected = {{"Start", 1, 0}, {"Start", 2, 0}, {"Start", 3, 0},
                                          {"End", 1, 0},   {"End", 2, 0},   {"End", 3, 0}};
  EXPECT_EQ(EventRows(*out.table), expected);
  EXPECT_EQ(MetadataValue(*out.metadata, kEarliestMetadataKey),
            MetadataValue(*out.metadata, kLatestMetadataKey));
}

TEST_F(PrepareTest, TextIdsAndTimesAndOtherUnitsInParquetAreConverted) {
  arrow::StringBuilder ids, starts;
  ASSERT_TRUE(ids.AppendValues({"A-10", "11", "A-x"}).ok());
  ASSERT_TRUE(starts.AppendValues({"2016-02-08 10:00:00", "2016-02-08T10:05:00.5", "2016-02-08"})
                  .ok());
  arrow::TimestampBuilder ends(arrow::timestamp(arrow::TimeUnit::MICRO),
                              arrow::default_memory_pool());
  ASSERT_TRUE(ends.AppendValues({At("10:10") / 1000, At("10:20") / 1000, At("10:30") / 1000}).ok());
  auto table = arrow::Table::Make(
      arrow::schema({arrow::field("ID", arrow::utf8()), arrow::field("Start_Time", arrow::utf8()),
                     arrow::field("End_Time", arrow::timestamp(arrow::TimeUnit::MICRO))}),
      {ids.Finish().ValueOrDie(), starts.Finish().ValueOrDie(), ends.Finish().ValueOrDie()});
  WriteParquet(table, Path("raw.parquet"));
  PrepareOptions o = Options("raw.parquet");
  const PrepareResult result = Prepare(o);
  EXPECT_EQ(result.rejected_rows, 1);
  const ParquetFile out = ReadParquet(o.output);
  ASSERT_NE(out.table, nullptr);
  EXPECT_EQ(out.table->schema()->GetFieldByName("ID")->type()->id(), arrow::Type::INT32);
  EXPECT_TRUE(out.table->schema()->GetFieldByName("Start_Time")->type()->Equals(
      arrow::timestamp(arrow::TimeUnit::NANO)));
  EXPECT_TRUE(out.table->schema()->GetFieldByName("End_Time")->type()->Equals(
      arrow::timestamp(arrow::TimeUnit::NANO)));
  const std::vector<EventRow> expected = {
      {"Start", 10, 0}, {"Start", 11, 300.5 / 1200 * 60}, {"End", 10, 30}, {"End", 11, 60}};
  EXPECT_EQ(EventRows(*out.table), expected);
  const auto start_times = Column<arrow::TimestampArray>(*out.table, "Start_Time");
  EXPECT_EQ(start_times->Value(1), At("10:05") + 500'000'000);
  const auto lines = Lines(ReadText(result.rejects_path));
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(SplitCsvLine(lines[1])[0], o.input + ", row group 0, row 2");
  EXPECT_EQ(SplitCsvLine(lines[1])[1], "unparseable ID 'A-x'");
}

TEST_F(PrepareTest, EventColumnCanBeRenamed) {
  WriteParquet(RawTable({{1, At("10:00"), At("10:20")}}), Path("raw.parquet"));
  PrepareOptions o = Options("raw.parquet");
  o.event_column = "Kind";
  Prepare(o);
  const ParquetFile out = ReadParquet(o.output);
  ASSERT_NE(out.table, nullptr);
  EXPECT_EQ(out.table->schema()->field(0)->name(), "Kind");
  EXPECT_EQ(out.table->schema()->field(1)->name(), "Stream_Time");
  EXPECT_EQ(MetadataValue(*out.metadata, kEventColumnMetadataKey), "Kind");
  EXPECT_EQ(EventRows(*out.table, "Kind").size(), 2u);

  o.event_column = "Note";  // a column of the input
  auto clash = PrepareDataset(o);
  ASSERT_FALSE(clash.ok());
  EXPECT_EQ(util::ExitCodeOf(clash.status()), util::ExitCode::kUsage);
  EXPECT_NE(clash.status().message().find("--event-column 'Note'"), std::string::npos);
}

// prepare(generate raw) == generate --stream, for Parquet and CSV input, with
// one run, many runs, and more runs than one merge takes (a second pass).
TEST_F(PrepareTest, PreparedRawEqualsGeneratedStreamOfTheSameSeed) {
  GenerateOptions g;
  g.rows = 2'000;
  g.seed = 11;
  g.runtime = std::chrono::seconds(600);
  g.output = Path("raw.parquet");
  ASSERT_TRUE(GenerateDataset(g).ok());
  g.format = GenerateFormat::kCsv;
  g.output = Path("raw.csv");
  ASSERT_TRUE(GenerateDataset(g).ok());
  g.format = GenerateFormat::kParquet;
  g.stream = true;
  g.output = Path("stream.parquet");
  ASSERT_TRUE(GenerateDataset(g).ok());
  const ParquetFile generated = ReadParquet(g.output);
  ASSERT_NE(generated.table, nullptr);

  for (const std::string input : {"raw.parquet", "raw.csv"}) {
    for (int64_t memory_rows : {100'000, 97, 13}) {
      PrepareOptions o = Options(input, "prepared.parquet");
      o.runtime = g.runtime;
      o.memory_rows = memory_rows;
      o.row_group_rows = 1'000;
      const PrepareResult result = Prepare(o);
      EXPECT_EQ(result.runs, (2'000 + memory_rows - 1) / memory_rows);
      const ParquetFile prepared = ReadParquet(o.output);
      ASSERT_NE(prepared.table, nullptr);
      EXPECT_EQ(prepared.row_groups, 4);
      EXPECT_TRUE(prepared.table->schema()->Equals(*generated.table->schema(), false));
      EXPECT_TRUE(prepared.table->Equals(*generated.table))
          << input << " with memory_rows " << memory_rows;
      EXPECT_TRUE(prepared.metadata->Equals(*generated.metadata))
          << prepared.metadata->ToString() << " vs " << generated.metadata->ToString();
      const auto times = Column<arrow::DoubleArray>(*prepared.table, "Stream_Time");
      EXPECT_EQ(times->Value(0), 0.0);
      EXPECT_EQ(times->Value(times->length() - 1), 600.0);
      EXPECT_EQ(Files(), (std::set<std::string>{"raw.parquet", "raw.csv", "stream.parquet",
                                                "prepared.parquet"}))
          << "runs and temporary files are gone";
    }
  }
}

TEST_F(PrepareTest, DirtyCsvAndParquetRejectTheSameAccidents) {
  GenerateOptions g;
  g.rows = 3'000;
  g.seed = 5;
  g.dirty = true;
  g.output = Path("dirty.parquet");
  ASSERT_TRUE(GenerateDataset(g).ok());
  g.format = GenerateFormat::kCsv;
  g.output = Path("dirty.csv");
  ASSERT_TRUE(GenerateDataset(g).ok());
  const PrepareResult from_parquet = Prepare(Options("dirty.parquet", "a.parquet"));
  const PrepareResult from_csv = Prepare(Options("dirty.csv", "b.parquet"));
  EXPECT_GT(from_parquet.rejected_rows, 0);
  EXPECT_EQ(from_parquet.rejected_rows, from_csv.rejected_rows);
  EXPECT_EQ(from_parquet.accepted_rows + from_parquet.rejected_rows, 3'000);
  const ParquetFile a = ReadParquet(Path("a.parquet"));
  const ParquetFile b = ReadParquet(Path("b.parquet"));
  ASSERT_NE(a.table, nullptr);
  ASSERT_NE(b.table, nullptr);
  EXPECT_TRUE(a.table->Equals(*b.table));
  EXPECT_EQ(Lines(ReadText(from_csv.rejects_path)).size(),
            static_cast<size_t>(from_csv.rejected_rows) + 1);
}

TEST_F(PrepareTest, SortModeSortsStablyByTheTimeColumnAndRejectsNullTimes) {
  arrow::Int64Builder times;
  ASSERT_TRUE(times.AppendValues({5, 3, 5}).ok());
  ASSERT_TRUE(times.AppendNull().ok());
  ASSERT_TRUE(times.AppendValues({1, 3}).ok());
  arrow::StringBuilder tags;
  ASSERT_TRUE(tags.AppendValues({"a", "b", "c", "d", "e", "f"}).ok());
  auto schema =
      arrow::schema({arrow::field("T", arrow::int64()), arrow::field("Tag", arrow::utf8())})
          ->WithMetadata(arrow::key_value_metadata({"mine"}, {"kept"}));
  WriteParquet(
      arrow::Table::Make(schema, {times.Finish().ValueOrDie(), tags.Finish().ValueOrDie()}),
      Path("unsorted.parquet"), 4);
  for (int64_t memory_rows : {1, 2, 100}) {
    PrepareOptions o = Options("unsorted.parquet", "sorted.parquet");
    o.sort_only = true;
    o.time_column = "T";
    o.memory_rows = memory_rows;
    const PrepareResult result = Prepare(o);
    EXPECT_EQ(result.accepted_rows, 5);
    EXPECT_EQ(result.rows_written, 5);
    EXPECT_EQ(result.rejected_rows, 1);
    const ParquetFile out = ReadParquet(o.output);
    ASSERT_NE(out.table, nullptr);
    EXPECT_EQ(out.table->num_columns(), 2) << "no event doubling, no Stream_Time";
    const auto sorted_tags = Column<arrow::StringArray>(*out.table, "Tag");
    std::string order;
    for (int64_t i = 0; i < sorted_tags->length(); ++i) order += sorted_tags->GetView(i);
    EXPECT_EQ(order, "ebfac") << "memory_rows " << memory_rows;
    ASSERT_NE(out.metadata, nullptr);
    EXPECT_EQ(MetadataValue(*out.metadata, "mine"), "kept");
    EXPECT_FALSE(out.metadata->Contains("ARROW:schema"));
    const auto lines = Lines(ReadText(result.rejects_path));
    ASSERT_EQ(lines.size(), 2u);
    EXPECT_EQ(SplitCsvLine(lines[1])[0], o.input + ", row group 0, row 3");
    EXPECT_EQ(SplitCsvLine(lines[1])[1], "T: null time");
    EXPECT_EQ(SplitCsvLine(lines[1])[3], "d");
  }
}

TEST_F(PrepareTest, RaggedCsvRowFailsNamingFileAndLine) {
  // Row 2 spans lines 3-4 (a quoted line break), so the short row is on line 5.
  std::string short_row = CsvRow("A-3", Day("10:00"), Day("10:30"));
  short_row.erase(short_row.rfind(','), 1);
  WriteText(Path("raw.csv"), CsvHeader() + CsvRow("A-1", Day("10:00"), Day("10:30")) +
                                 CsvRow("A-2", Day("10:00"), Day("10:30"), "\"two\nlines\"") +
                                 short_row + CsvRow("A-4", Day("10:00"), Day("10:30")));
  ExpectInputError(Options("raw.csv"), Path("raw.csv") + ", line 5: expected 47 fields, found 46");
  EXPECT_EQ(Files(), std::set<std::string>{"raw.csv"}) << "no output, no temporary files";
}

TEST_F(PrepareTest, WrongCsvHeaderFailsNamingPositionAndBothNames) {
  std::string header = CsvHeader();
  header.replace(header.find("Start_Time"), 10, "StartTime");
  WriteText(Path("raw.csv"), header + CsvRow("A-1", Day("10:00"), Day("10:30")));
  ExpectInputError(Options("raw.csv"), Path("raw.csv") +
                                           ", line 1: header column 3 is 'StartTime', expected "
                                           "'Start_Time'");

  header = CsvHeader();
  header.erase(header.rfind(','));
  WriteText(Path("short.csv"), header + "\n");
  ExpectInputError(Options("short.csv"),
                   "the header has 46 columns, expected 47; column 47 'Astronomical_Twilight' is "
                   "missing");
  EXPECT_EQ(Files(), (std::set<std::string>{"raw.csv", "short.csv"}));
}

TEST_F(PrepareTest, UnreadableCsvValueFailsNamingLineAndColumn) {
  std::string bad = CsvRow("A-2", Day("10:00"), Day("10:30"));
  bad.replace(bad.find(",2,"), 3, ",high,");
  WriteText(Path("raw.csv"), CsvHeader() + CsvRow("A-1", Day("10:00"), Day("10:30")) + bad);
  ExpectInputError(Options("raw.csv"),
                   Path("raw.csv") + ", line 3, column 2 'Severity': cannot read 'high' as int8");
  EXPECT_EQ(Files(), std::set<std::string>{"raw.csv"});
}

TEST_F(PrepareTest, NothingAcceptedIsAnInputErrorButTheRejectsAreWritten) {
  WriteText(Path("raw.csv"), CsvHeader() + CsvRow("A-1", Day("11:00"), Day("10:00")));
  ExpectInputError(Options("raw.csv"), "all 1 records were rejected");
  EXPECT_EQ(Files(), (std::set<std::string>{"raw.csv", "out.parquet.rejects.csv"}));
  WriteText(Path("empty.csv"), CsvHeader());
  ExpectInputError(Options("empty.csv", "empty.parquet"), "holds no records");
}

TEST_F(PrepareTest, AStaleRejectsFileIsRemovedWhenNothingIsRejected) {
  WriteText(Path("raw.csv"), CsvHeader() + CsvRow("A-1", Day("10:00"), Day("10:30")));
  WriteText(Path("out.parquet.rejects.csv"), "from an earlier run\n");
  Prepare(Options("raw.csv"));
  EXPECT_EQ(Files(), (std::set<std::string>{"raw.csv", "out.parquet"}));
}

TEST_F(PrepareTest, BadOptionsAreUsageErrors) {
  WriteText(Path("raw.csv"), CsvHeader() + CsvRow("A-1", Day("10:00"), Day("10:30")));
  auto usage_error = [&](PrepareOptions o, const std::string& mentions) {
    const auto result = PrepareDataset(o);
    ASSERT_FALSE(result.ok()) << mentions;
    EXPECT_EQ(util::ExitCodeOf(result.status()), util::ExitCode::kUsage)
        << result.status().ToString();
    EXPECT_NE(result.status().message().find(mentions), std::string::npos)
        << result.status().message();
  };
  PrepareOptions o = Options("raw.csv");
  o.runtime = util::Nanos(0);
  usage_error(o, "--runtime");
  o = Options("raw.csv");
  o.memory_rows = 0;
  usage_error(o, "--memory-rows");
  o = Options("raw.csv");
  o.sort_only = true;
  usage_error(o, "--time-column");
  o.time_column = "Start_Time";
  usage_error(o, "--sort reads Parquet");
  o = Options("raw.csv");
  o.time_column = "Start_Time";
  usage_error(o, "--time-column applies to --sort only");
  o = Options("raw.csv", "missing/out.parquet");
  usage_error(o, "does not exist");
  EXPECT_EQ(Files(), std::set<std::string>{"raw.csv"});
}

TEST_F(PrepareTest, CommandWritesTheFileAndSummarizesOnStderr) {
  WriteText(Path("raw.csv"), CsvHeader() + CsvRow("A-1", Day("10:00"), Day("10:30")) +
                                 CsvRow("A-2", Day("10:10"), Day("10:05")) +
                                 CsvRow("A-3", Day("10:20"), Day("10:40")));
  const std::string out = Path("cli.parquet");
  const auto result = testing::RunTimecast(
      {"prepare", Path("raw.csv"), "-o", out, "--runtime", "2m", "--memory-rows", "1"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("wrote 4 rows (2 accidents) to " + out), std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find("2 sorted runs"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("rejected 1 record of 3 (1 End_Time before Start_Time); see " + out +
                            ".rejects.csv"),
            std::string::npos)
      << result.err;
  const ParquetFile file = ReadParquet(out);
  ASSERT_NE(file.table, nullptr);
  const std::vector<EventRow> expected = {
      {"Start", 1, 0}, {"Start", 3, 60}, {"End", 1, 90}, {"End", 3, 120}};
  EXPECT_EQ(EventRows(*file.table), expected);
  EXPECT_EQ(MetadataValue(*file.metadata, kRuntimeSecondsMetadataKey), "120");

  const auto no_time_column =
      testing::RunTimecast({"prepare", "--sort", out, "-o", Path("s.parquet")});
  EXPECT_EQ(no_time_column.exit_code, 2);
  EXPECT_NE(no_time_column.err.find("--time-column"), std::string::npos) << no_time_column.err;
  const auto sorted = testing::RunTimecast(
      {"prepare", "--sort", "--time-column", "Stream_Time", out, "-o", Path("s.parquet")});
  EXPECT_EQ(sorted.exit_code, 0) << sorted.err;
  const auto bad_csv = testing::RunTimecast({"prepare", Path("s.parquet"), "--format", "csv", "-o",
                                             Path("x.parquet")});
  EXPECT_EQ(bad_csv.exit_code, 3) << bad_csv.err;
  EXPECT_NE(bad_csv.err.find("header column 1"), std::string::npos) << bad_csv.err;
}

}  // namespace
}  // namespace timecast::dataset
