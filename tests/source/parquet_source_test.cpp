#include "source/parquet_source.h"

#include <arrow/api.h>
#include <arrow/io/file.h>
#include <arrow/json/from_string.h>
#include <gtest/gtest.h>
#include <parquet/arrow/writer.h>
#include <parquet/file_reader.h>
#include <parquet/metadata.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "encode/json_encoder.h"
#include "test_support.h"
#include "util/status.h"

namespace timecast::source {
namespace {

std::shared_ptr<arrow::Schema> Schema() {
  return arrow::schema({arrow::field("Stream_Time", arrow::float64()),
                        arrow::field("ID", arrow::int32()), arrow::field("Event", arrow::utf8())});
}

// Writes rows with times [first, first + n) seconds, `rows_per_group` per row group.
void WriteFile(const std::string& path, int first, int n, int rows_per_group,
               std::shared_ptr<arrow::Schema> schema = Schema(),
               std::shared_ptr<parquet::WriterProperties> properties =
                   parquet::default_writer_properties()) {
  arrow::DoubleBuilder times;
  arrow::Int32Builder ids;
  arrow::StringBuilder events;
  for (int i = first; i < first + n; ++i) {
    ASSERT_TRUE(times.Append(i).ok());
    ASSERT_TRUE(ids.Append(i).ok());
    ASSERT_TRUE(events.Append(i % 2 ? "End" : "Start").ok());
  }
  auto table = arrow::Table::Make(schema, {times.Finish().ValueOrDie(), ids.Finish().ValueOrDie(),
                                           events.Finish().ValueOrDie()});
  auto out = arrow::io::FileOutputStream::Open(path).ValueOrDie();
  ASSERT_TRUE(parquet::arrow::WriteTable(*table, arrow::default_memory_pool(), out, rows_per_group,
                                         properties)
                  .ok());
  ASSERT_TRUE(out->Close().ok());
}

std::vector<int32_t> ReadIds(BatchSource& source, std::vector<SourceBatch>* batches = nullptr) {
  std::vector<int32_t> ids;
  for (;;) {
    auto next = source.Next();
    EXPECT_TRUE(next.ok()) << next.status().ToString();
    if (!next.ok() || !*next) break;
    const int id_column = (*next)->batch->schema()->GetFieldIndex("ID");
    const auto& column = static_cast<const arrow::Int32Array&>(*(*next)->batch->column(id_column));
    for (int64_t i = 0; i < column.length(); ++i) ids.push_back(column.Value(i));
    if (batches) batches->push_back(**next);
  }
  return ids;
}

TEST(ParquetSource, StreamsRowGroupsInBatchesWithPositions) {
  const std::string dir = timecast::testing::TempDir();
  WriteFile(dir + "/a.parquet", 0, 10, 4);
  auto source = ParquetSource::Open({dir + "/a.parquet"}, {.batch_rows = 3});
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  std::vector<SourceBatch> batches;
  EXPECT_EQ(ReadIds(**source, &batches), (std::vector<int32_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
  // Row groups of 4, 4, 2 rows; batches never cross a row group.
  ASSERT_EQ(batches.size(), 5u);
  EXPECT_EQ(batches[1].row_group, 0);
  EXPECT_EQ(batches[1].first_row, 3);
  EXPECT_EQ(batches[2].row_group, 1);
  EXPECT_EQ(batches[2].first_row, 0);
  EXPECT_EQ(DescribePosition(batches[3], 1), dir + "/a.parquet, row group 1, row 4");
  EXPECT_EQ((*source)->total_rows(), 10);
}

TEST(ParquetSource, SeekSkipsFilesAndRowGroupsAndLeavesTheRestOfAGroupToDrop) {
  const std::string dir = timecast::testing::TempDir();
  WriteFile(dir + "/a.parquet", 0, 10, 4);   // row groups 0-3, 4-7, 8-9
  WriteFile(dir + "/b.parquet", 10, 6, 4);   // row groups 10-13, 14-15
  auto source = ParquetSource::Open({dir + "/a.parquet", dir + "/b.parquet"}, {.batch_rows = 3});
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  std::vector<SourceBatch> batches;
  auto sought = (*source)->Seek({1, 0, 2});
  ASSERT_TRUE(sought.ok()) << sought.status().ToString();
  EXPECT_EQ(sought->rows_to_drop, 2);
  EXPECT_EQ(ReadIds(**source, &batches), (std::vector<int32_t>{10, 11, 12, 13, 14, 15}));
  EXPECT_EQ(batches[0].file_index, 1);
  EXPECT_EQ(batches[0].row_group, 0);
  // Past the last row of a group, and past the last group of a file.
  ASSERT_EQ((*source)->Seek({0, 1, 4})->rows_to_drop, 4);
  EXPECT_EQ(ReadIds(**source).front(), 4);
  ASSERT_EQ((*source)->Seek({0, 3, 0})->rows_to_drop, 0);
  EXPECT_EQ(ReadIds(**source).front(), 10);
  // A position the input does not have.
  for (const RowPosition& bad : {RowPosition{2, 0, 0}, RowPosition{0, 4, 0},
                                 RowPosition{0, 2, 3}, RowPosition{0, -1, 0}}) {
    auto refused = (*source)->Seek(bad);
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(util::ExitCodeOf(refused.status()), util::ExitCode::kInput);
    EXPECT_NE(refused.status().message().find("cannot seek to"), std::string::npos);
  }
}

TEST(ParquetSource, IdentityHoldsEachFilesSizeAndFooterFingerprint) {
  const std::string dir = timecast::testing::TempDir();
  WriteFile(dir + "/a.parquet", 0, 10, 4);
  auto before = (*ParquetSource::Open({dir + "/a.parquet"}, {}))->Identity();
  ASSERT_TRUE(before.ok());
  ASSERT_EQ(before->size(), 1u);
  EXPECT_EQ((*before)[0].path, dir + "/a.parquet");
  EXPECT_EQ((*before)[0].bytes, static_cast<int64_t>(std::filesystem::file_size(dir + "/a.parquet")));
  EXPECT_EQ((*before)[0].fingerprint.size(), 16u);
  EXPECT_EQ(*(*ParquetSource::Open({dir + "/a.parquet"}, {}))->Identity(), *before);
  WriteFile(dir + "/a.parquet", 1, 10, 4);  // other values, same shape
  auto after = (*ParquetSource::Open({dir + "/a.parquet"}, {}))->Identity();
  EXPECT_NE((*after)[0].fingerprint, (*before)[0].fingerprint);
}

TEST(ParquetSource, ProjectsColumnsInTheRequestedOrder) {
  const std::string dir = timecast::testing::TempDir();
  WriteFile(dir + "/a.parquet", 0, 3, 10);
  auto source = ParquetSource::Open({dir + "/a.parquet"}, {.columns = {"Event", "ID"}});
  ASSERT_TRUE(source.ok());
  EXPECT_EQ((*source)->schema()->field(0)->name(), "Event");
  EXPECT_EQ((*source)->schema()->field(1)->name(), "ID");
  auto batch = *(*source)->Next();
  ASSERT_TRUE(batch.has_value());
  EXPECT_EQ(batch->batch->num_columns(), 2);
  EXPECT_EQ(batch->batch->column(0)->type_id(), arrow::Type::STRING);
}

TEST(ParquetSource, ReadsADirectoryInNameOrderSkippingHiddenFiles) {
  const std::string dir = timecast::testing::TempDir();
  std::filesystem::create_directories(dir + "/year=2016");
  WriteFile(dir + "/year=2016/part-1.parquet", 3, 2, 10);
  WriteFile(dir + "/year=2016/part-0.parquet", 0, 3, 10);
  std::ofstream(dir + "/_SUCCESS") << "";
  std::ofstream(dir + "/.part-0.parquet.crc") << "junk";
  auto files = ExpandParquetInputs(dir);
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  ASSERT_EQ(files->size(), 2u);
  auto source = ParquetSource::Open(*files, {});
  ASSERT_TRUE(source.ok());
  EXPECT_EQ(ReadIds(**source), (std::vector<int32_t>{0, 1, 2, 3, 4}));
  ASSERT_TRUE((*source)->Rewind().ok());
  EXPECT_EQ(ReadIds(**source).size(), 5u);
  auto globbed = ExpandParquetInputs(dir + "/year=*/part-*.parquet");
  ASSERT_TRUE(globbed.ok());
  EXPECT_EQ(*globbed, *files);
}

TEST(ParquetSource, TimeRangeFromStatisticsAndSkippingEarlyRowGroups) {
  const std::string dir = timecast::testing::TempDir();
  WriteFile(dir + "/a.parquet", 100, 10, 4);
  WriteFile(dir + "/b.parquet", 110, 5, 4);
  auto source = ParquetSource::Open({dir + "/a.parquet", dir + "/b.parquet"}, {});
  ASSERT_TRUE(source.ok());
  auto range = (*source)->TimeRangeFromStatistics({"Stream_Time", std::nullopt});
  ASSERT_TRUE(range.ok());
  ASSERT_TRUE(range->has_value());
  EXPECT_EQ((*range)->first, 100'000'000'000);
  EXPECT_EQ((*range)->second, 114'000'000'000);
  // Row group 0 of a.parquet holds 100..103: skipped unread for --from 105.
  auto skipping = ParquetSource::Open(
      {dir + "/a.parquet"},
      {.skip_before = 105'000'000'000, .time = TimeColumnSpec{"Stream_Time", std::nullopt}});
  ASSERT_TRUE(skipping.ok());
  EXPECT_EQ(ReadIds(**skipping).front(), 104);
}

TEST(ParquetSource, MissingFileNamesThePath) {
  auto files = ExpandParquetInputs("/nonexistent/x.parquet");
  ASSERT_FALSE(files.ok());
  EXPECT_EQ(util::ExitCodeOf(files.status()), util::ExitCode::kInput);
  EXPECT_NE(files.status().message().find("/nonexistent/x.parquet"), std::string::npos);
  EXPECT_FALSE(ExpandParquetInputs("/nonexistent/*.parquet").ok());
  EXPECT_FALSE(ExpandParquetInputs(timecast::testing::TempDir()).ok());  // empty directory
}

TEST(ParquetSource, NonParquetFileIsAnInputErrorWithArrowsReason) {
  const std::string path = timecast::testing::TempDir() + "/notes.parquet";
  std::ofstream(path) << "Start,Stream_Time\nStart,0.5\n";
  auto source = ParquetSource::Open({path}, {});
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(util::ExitCodeOf(source.status()), util::ExitCode::kInput);
  EXPECT_NE(source.status().message().find(path + "' is not a readable Parquet file"),
            std::string::npos)
      << source.status().message();
  EXPECT_NE(source.status().message().find("magic bytes"), std::string::npos)
      << source.status().message();
}

TEST(ParquetSource, UnreadableFileNamesThePath) {
  // A directory where a file is expected cannot be opened, even by root.
  const std::string path = timecast::testing::TempDir() + "/dir.parquet";
  std::filesystem::create_directories(path);
  auto source = ParquetSource::Open({path}, {});
  ASSERT_FALSE(source.ok());
  EXPECT_EQ(util::ExitCodeOf(source.status()), util::ExitCode::kInput);
  EXPECT_NE(source.status().message().find(path), std::string::npos) << source.status().message();
}

TEST(ParquetSource, MissingColumnListsTheColumnsThereAre) {
  const std::string dir = timecast::testing::TempDir();
  WriteFile(dir + "/a.parquet", 0, 3, 10);
  auto source = ParquetSource::Open({dir + "/a.parquet"}, {.columns = {"ID", "Severity"}});
  ASSERT_FALSE(source.ok());
  EXPECT_NE(source.status().message().find(
                "column 'Severity' not found in '" + dir + "/a.parquet'; its columns are: "
                "Stream_Time, ID, Event"),
            std::string::npos)
      << source.status().message();
}

TEST(ParquetSource, FilesWithDifferentSchemasAreRejected) {
  const std::string dir = timecast::testing::TempDir();
  WriteFile(dir + "/a.parquet", 0, 3, 10);
  auto other = arrow::schema({arrow::field("Stream_Time", arrow::float64()),
                              arrow::field("ID", arrow::int32()), arrow::field("Kind", arrow::utf8())});
  WriteFile(dir + "/b.parquet", 3, 3, 10, other);
  auto source = ParquetSource::Open({dir + "/a.parquet", dir + "/b.parquet"}, {});
  ASSERT_FALSE(source.ok());
  EXPECT_NE(source.status().message().find("does not have the schema of"), std::string::npos);
}

// Every row as JSON, the way replay encodes it.
std::vector<std::string> EncodedRows(BatchSource& source) {
  auto encoder = encode::JsonEncoder::Make(source.schema()).ValueOrDie();
  std::vector<std::string> rows;
  for (;;) {
    auto next = source.Next();
    EXPECT_TRUE(next.ok()) << next.status().ToString();
    if (!next.ok() || !*next) break;
    EXPECT_TRUE(encoder->Bind(*(*next)->batch).ok());
    for (int64_t r = 0; r < (*next)->batch->num_rows(); ++r) {
      encode::ByteBuffer out;
      encoder->AppendRow(r, &out);
      rows.emplace_back(out.view());
    }
  }
  return rows;
}

bool HasPlainDataPages(const std::string& path, int column) {
  auto reader = parquet::ParquetFileReader::OpenFile(path);
  for (int group = 0; group < reader->metadata()->num_row_groups(); ++group) {
    const auto chunk = reader->metadata()->RowGroup(group)->ColumnChunk(column);
    for (const auto& pages : chunk->encoding_stats()) {
      if (pages.page_type == parquet::PageType::DATA_PAGE && pages.encoding == parquet::Encoding::PLAIN) {
        return true;
      }
    }
  }
  return false;
}

TEST(ParquetSource, ReadsOnlyFullyDictionaryEncodedStringsAsDictionaries) {
  const std::string path = timecast::testing::TempDir() + "/a.parquet";
  // "Label" falls back from dictionary to plain pages part way (its
  // dictionary outgrows the limit), as a writer does for an ID or free text.
  const int n = 300;
  arrow::DoubleBuilder times;
  arrow::StringBuilder events, labels;
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(times.Append(i).ok());
    ASSERT_TRUE(events.Append(i % 3 == 0 ? "Start" : i % 3 == 1 ? "End \"x\"" : "").ok());
    ASSERT_TRUE(i % 7 == 0 ? labels.AppendNull().ok() : labels.Append("label-" + std::to_string(i)).ok());
  }
  auto schema = arrow::schema({arrow::field("Stream_Time", arrow::float64()),
                               arrow::field("Event", arrow::utf8()), arrow::field("Label", arrow::utf8())});
  auto table = arrow::Table::Make(schema, {times.Finish().ValueOrDie(), events.Finish().ValueOrDie(),
                                           labels.Finish().ValueOrDie()});
  auto properties = parquet::WriterProperties::Builder()
                        .dictionary_pagesize_limit(256)
                        ->write_batch_size(16)
                        ->data_pagesize(512)
                        ->build();
  auto out = arrow::io::FileOutputStream::Open(path).ValueOrDie();
  ASSERT_TRUE(parquet::arrow::WriteTable(*table, arrow::default_memory_pool(), out, 128, properties).ok());
  ASSERT_TRUE(out->Close().ok());
  ASSERT_FALSE(HasPlainDataPages(path, 1));
  ASSERT_TRUE(HasPlainDataPages(path, 2));

  auto dense = ParquetSource::Open({path}, {.batch_rows = 50});
  auto dictionaries = ParquetSource::Open({path}, {.batch_rows = 50, .read_dictionaries = true});
  ASSERT_TRUE(dense.ok() && dictionaries.ok());
  EXPECT_EQ((*dictionaries)->schema()->field(1)->type()->id(), arrow::Type::DICTIONARY);
  EXPECT_EQ((*dictionaries)->schema()->field(2)->type()->id(), arrow::Type::STRING);
  const auto expected = EncodedRows(**dense);
  ASSERT_EQ(expected.size(), static_cast<size_t>(n));
  EXPECT_EQ(expected[1], R"({"Stream_Time":1,"Event":"End \"x\"","Label":"label-1"})");
  EXPECT_EQ(EncodedRows(**dictionaries), expected);
}

TEST(ParquetSource, AColumnIsReadAsADictionaryOnlyIfEveryFileStoresItSo) {
  const std::string dir = timecast::testing::TempDir();
  WriteFile(dir + "/a.parquet", 0, 5, 10);
  WriteFile(dir + "/b.parquet", 5, 5, 10, Schema(),
            parquet::WriterProperties::Builder().disable_dictionary("Event")->build());
  auto alone = ParquetSource::Open({dir + "/a.parquet"}, {.read_dictionaries = true});
  ASSERT_TRUE(alone.ok()) << alone.status().ToString();
  EXPECT_EQ((*alone)->schema()->GetFieldByName("Event")->type()->id(), arrow::Type::DICTIONARY);
  auto both = ParquetSource::Open({dir + "/a.parquet", dir + "/b.parquet"}, {.read_dictionaries = true});
  ASSERT_TRUE(both.ok()) << both.status().ToString();
  EXPECT_EQ((*both)->schema()->GetFieldByName("Event")->type()->id(), arrow::Type::STRING);
  EXPECT_EQ(ReadIds(**both), (std::vector<int32_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}));
}

}  // namespace
}  // namespace timecast::source
