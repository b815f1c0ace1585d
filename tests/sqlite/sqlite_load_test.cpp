// `load` into SQLite and `replay sqlite:` back out: types survive, every row
// comes back once in time order, and failures leave the database as it was.
#include <arrow/api.h>
#include <arrow/json/from_string.h>
#include <gtest/gtest.h>

#include "dataset/sqlite_load.h"
#include "replay/fakes.h"
#include "source/sqlite_source.h"
#include "sqlite/database.h"
#include "test_support.h"
#include "util/status.h"

namespace timecast {
namespace {

using replay::testing::MakeBatch;
using replay::testing::VectorSource;

std::shared_ptr<arrow::Schema> Schema() {
  return arrow::schema({
      arrow::field("Event", arrow::utf8()),
      arrow::field("Stream_Time", arrow::float64()),
      arrow::field("ID", arrow::int32()),
      arrow::field("Severity", arrow::int8()),
      arrow::field("Start_Time", arrow::timestamp(arrow::TimeUnit::NANO)),
      arrow::field("Number", arrow::float32()),
      arrow::field("Crossing", arrow::boolean()),
  });
}

std::shared_ptr<arrow::RecordBatch> Rows() {
  return MakeBatch(Schema(), {R"(["Start", "End", "Start"])", "[0, 2.5, 2.5]", "[1, 1, 2]",
                              "[2, 2, null]",
                              R"(["2016-02-08 05:46:00", "2016-02-08 06:16:00.123456", null])",
                              "[1.5, null, 3.25]", "[true, false, null]"});
}

std::string LoadRows(const std::string& dir, dataset::IfExists if_exists = dataset::IfExists::kFail,
                     arrow::Status* status = nullptr) {
  const std::string db = dir + "/stream.db";
  VectorSource source(Schema(), {Rows()});
  auto loaded = dataset::LoadIntoSqlite(source, {.database = db, .if_exists = if_exists});
  if (status) {
    *status = loaded.status();
  } else {
    EXPECT_TRUE(loaded.ok()) << loaded.status().ToString();
    EXPECT_EQ(loaded->rows, 3);
    EXPECT_TRUE(loaded->indexed);
  }
  return db;
}

std::shared_ptr<arrow::Table> ReadAll(source::BatchSource& source) {
  std::vector<std::shared_ptr<arrow::RecordBatch>> batches;
  for (;;) {
    auto next = source.Next();
    EXPECT_TRUE(next.ok()) << next.status().ToString();
    if (!next.ok() || !*next) break;
    batches.push_back((*next)->batch);
  }
  return arrow::Table::FromRecordBatches(source.schema(), batches).ValueOrDie();
}

TEST(SqliteLoad, RoundTripsEveryTypeThroughTheRecordedSchema) {
  const std::string db = LoadRows(testing::TempDir());
  auto source = source::SqliteSource::Open({db, "stream"}, {.order_by = "Stream_Time"});
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  EXPECT_TRUE((*source)->schema()->Equals(*Schema())) << (*source)->schema()->ToString();
  const auto table = ReadAll(**source);
  const auto expected = arrow::Table::Make(Schema(), Rows()->columns());
  EXPECT_TRUE(table->Equals(*expected)) << table->ToString();
}

TEST(SqliteLoad, StoresWhatPandasToSqlWould) {
  const std::string path = LoadRows(testing::TempDir());
  auto db = sqlite::Database::Open(path, sqlite::Database::Mode::kReadOnly);
  ASSERT_TRUE(db.ok());
  auto stmt = (*db)->Prepare(
      "SELECT typeof(Stream_Time), Start_Time, Crossing, typeof(Number) FROM stream WHERE ID = 1 "
      "AND Event = 'End'");
  ASSERT_TRUE(stmt.ok());
  ASSERT_TRUE(*(*stmt)->Step());
  auto text = [&](int c) { return std::string(reinterpret_cast<const char*>(sqlite3_column_text((*stmt)->get(), c))); };
  EXPECT_EQ(text(0), "real");
  EXPECT_EQ(text(1), "2016-02-08 06:16:00.123456");
  EXPECT_EQ(text(2), "0");
  EXPECT_EQ(text(3), "null");
}

TEST(SqliteLoad, IfExistsFailReplaceAppend) {
  const std::string dir = testing::TempDir();
  const std::string db = LoadRows(dir);
  arrow::Status status;
  LoadRows(dir, dataset::IfExists::kFail, &status);
  EXPECT_EQ(util::ExitCodeOf(status), util::ExitCode::kUsage);
  EXPECT_NE(status.message().find("table 'stream' already exists"), std::string::npos);
  LoadRows(dir, dataset::IfExists::kAppend);
  auto source = source::SqliteSource::Open({db, "stream"}, {.order_by = "Stream_Time"});
  EXPECT_EQ(ReadAll(**source)->num_rows(), 6);
  LoadRows(dir, dataset::IfExists::kReplace);
  source = source::SqliteSource::Open({db, "stream"}, {.order_by = "Stream_Time"});
  EXPECT_EQ(ReadAll(**source)->num_rows(), 3);
}

TEST(SqliteLoad, AFailedLoadLeavesTheDatabaseAsItWas) {
  const std::string dir = testing::TempDir();
  const std::string db = LoadRows(dir);
  VectorSource failing(Schema(), {Rows(), Rows()});
  failing.fail_at_ = 1;  // the second batch cannot be read
  auto loaded = dataset::LoadIntoSqlite(failing, {.database = db, .if_exists = dataset::IfExists::kReplace});
  ASSERT_FALSE(loaded.ok());
  EXPECT_NE(loaded.status().message().find("disk on fire"), std::string::npos);
  auto source = source::SqliteSource::Open({db, "stream"}, {.order_by = "Stream_Time"});
  ASSERT_TRUE(source.ok());
  EXPECT_EQ(ReadAll(**source)->num_rows(), 3) << "the old table survives";
}

TEST(SqliteSource, ReadsAPandasTableByDeclaredTypesInTimeOrderOnce) {
  const std::string path = testing::TempDir() + "/pandas.db";
  auto db = sqlite::Database::Open(path, sqlite::Database::Mode::kReadWriteCreate);
  ASSERT_TRUE(db.ok());
  // What df.to_sql('stream', conn) writes: an "index" column, pandas' types,
  // rows not in time order, and several rows on one time (the prototype's
  // BETWEEN windows sent such boundary rows twice).
  ASSERT_TRUE((*db)->Execute(R"(
      CREATE TABLE "stream" ("index" INTEGER, "Start" TEXT, "Stream_Time" REAL, "ID" INTEGER,
                             "Start_Time" TIMESTAMP, "Amenity" INTEGER);
      INSERT INTO stream VALUES (0, 'Start', 1.0, 10, '2016-02-08 05:46:00', 0);
      INSERT INTO stream VALUES (1, 'Start', 0.5, 11, '2016-02-08 05:40:00', 1);
      INSERT INTO stream VALUES (2, 'End', 1.0, 11, '2016-02-08 06:00:00', 0);
      INSERT INTO stream VALUES (3, 'End', 2.0, 10, NULL, NULL);)")
                  .ok());
  auto source = source::SqliteSource::Open({path, "stream"}, {.order_by = "Stream_Time", .batch_rows = 2});
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  const auto schema = (*source)->schema();
  EXPECT_EQ(schema->field(0)->type()->id(), arrow::Type::INT64);
  EXPECT_EQ(schema->field(1)->type()->id(), arrow::Type::STRING);
  EXPECT_EQ(schema->field(2)->type()->id(), arrow::Type::DOUBLE);
  EXPECT_EQ(schema->field(4)->type()->id(), arrow::Type::TIMESTAMP);
  const auto table = ReadAll(**source);
  ASSERT_EQ(table->num_rows(), 4);
  auto index = std::static_pointer_cast<arrow::Int64Array>(table->GetColumnByName("index")->chunk(0));
  auto index2 = std::static_pointer_cast<arrow::Int64Array>(table->GetColumnByName("index")->chunk(1));
  EXPECT_EQ(std::vector<int64_t>({index->Value(0), index->Value(1), index2->Value(0), index2->Value(1)}),
            std::vector<int64_t>({1, 0, 2, 3}));
  auto range = (*source)->TimeRange({"Stream_Time", std::nullopt});
  ASSERT_TRUE(range.ok() && range->has_value());
  EXPECT_EQ((*range)->first, 500'000'000);
  EXPECT_EQ((*range)->second, 2'000'000'000);
}

TEST(SqliteSource, WrongStorageClassNamesRowAndColumn) {
  const std::string path = testing::TempDir() + "/bad.db";
  auto db = sqlite::Database::Open(path, sqlite::Database::Mode::kReadWriteCreate);
  ASSERT_TRUE((*db)->Execute("CREATE TABLE stream (Stream_Time REAL, ID INTEGER);"
                             "INSERT INTO stream VALUES (0, 1); INSERT INTO stream VALUES (1, 'A-2');")
                  .ok());
  auto source = source::SqliteSource::Open({path, "stream"}, {.order_by = "Stream_Time"});
  ASSERT_TRUE(source.ok());
  auto batch = (*source)->Next();
  ASSERT_FALSE(batch.ok());
  EXPECT_EQ(util::ExitCodeOf(batch.status()), util::ExitCode::kInput);
  EXPECT_NE(batch.status().message().find("table stream, row 1: column 'ID' holds 'A-2', which is not an integer"),
            std::string::npos)
      << batch.status().message();
}

TEST(SqliteSource, SpecsAndMissingThings) {
  EXPECT_TRUE(source::IsSqliteInput("sqlite:a.db"));
  EXPECT_FALSE(source::IsSqliteInput("a.parquet"));
  EXPECT_EQ(source::ParseSqliteSpec("sqlite:a.db")->table, "stream");
  EXPECT_EQ(source::ParseSqliteSpec("sqlite:/x/a.db?table=events")->table, "events");
  EXPECT_EQ(source::ParseSqliteSpec("sqlite:/x/a.db?table=events")->path, "/x/a.db");
  EXPECT_FALSE(source::ParseSqliteSpec("sqlite:a.db?tbl=x").ok());
  EXPECT_FALSE(source::ParseSqliteSpec("sqlite:").ok());
  auto missing = source::SqliteSource::Open({"/nonexistent/a.db", "stream"}, {});
  EXPECT_EQ(util::ExitCodeOf(missing.status()), util::ExitCode::kInput);
  const std::string db = LoadRows(testing::TempDir());
  auto no_table = source::SqliteSource::Open({db, "events"}, {});
  ASSERT_FALSE(no_table.ok());
  EXPECT_NE(no_table.status().message().find("has no table 'events'"), std::string::npos);
}

}  // namespace
}  // namespace timecast
