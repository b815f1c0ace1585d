// The accidents stream schema survives a Parquet write and read back through
// an in-memory buffer: every column type, nulls included.
#include <arrow/api.h>
#include <arrow/io/memory.h>
#include <arrow/json/from_string.h>
#include <gtest/gtest.h>
#include <parquet/arrow/reader.h>
#include <parquet/arrow/writer.h>

#include "dataset/accidents_schema.h"

namespace timecast::dataset {
namespace {

// Three rows per column; the last is null wherever the column allows it.
std::string SampleValues(const arrow::Field& field) {
  auto last = [&](std::string non_null) { return field.nullable() ? std::string("null") : non_null; };
  switch (field.type()->id()) {
    case arrow::Type::INT8:
      return "[2, -128, " + last("127") + "]";
    case arrow::Type::INT32:
      return "[1, 2147483647, " + last("-2147483648") + "]";
    case arrow::Type::FLOAT:
      return "[1.5, -0.25, " + last("3.0") + "]";
    case arrow::Type::DOUBLE:
      return "[39.865147, -84.058723, " + last("1e-300") + "]";
    case arrow::Type::TIMESTAMP:
      return "[\"2016-02-08 05:46:00\", \"2021-12-31 23:59:59.123456789\", " +
             last("\"1970-01-01\"") + "]";
    case arrow::Type::STRING:
      return "[\"Start\", \"Right lane blocked due to accident on I-70 \\\"East\\\" \\u00e9\", " +
             last("\"\"") + "]";
    case arrow::Type::BOOL:
      return "[true, false, " + last("false") + "]";
    default:
      ADD_FAILURE() << "no sample for " << field.ToString();
      return "[]";
  }
}

std::shared_ptr<arrow::Table> SampleTable(const std::shared_ptr<arrow::Schema>& schema) {
  std::vector<std::shared_ptr<arrow::Array>> columns;
  for (const auto& field : schema->fields()) {
    auto array = arrow::json::ArrayFromJSONString(field->type(), SampleValues(*field));
    EXPECT_TRUE(array.ok()) << field->name() << ": " << array.status().ToString();
    columns.push_back(*array);
  }
  return arrow::Table::Make(schema, columns);
}

TEST(ParquetRoundTrip, StreamSchemaWithNullsReadsBackEqual) {
  const auto schema = StreamSchema();
  ASSERT_EQ(schema->num_fields(), 49);
  const auto table = SampleTable(schema);
  ASSERT_TRUE(table->Validate().ok());
  EXPECT_GT(table->column(schema->GetFieldIndex("Weather_Timestamp"))->null_count(), 0);

  auto sink = arrow::io::BufferOutputStream::Create().ValueOrDie();
  ASSERT_TRUE(parquet::arrow::WriteTable(*table, arrow::default_memory_pool(), sink, 2).ok());
  auto buffer = sink->Finish().ValueOrDie();

  auto reader = parquet::arrow::OpenFile(std::make_shared<arrow::io::BufferReader>(buffer),
                                         arrow::default_memory_pool());
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  std::shared_ptr<arrow::Table> read_back;
  ASSERT_TRUE((*reader)->ReadTable(&read_back).ok());
  EXPECT_EQ((*reader)->num_row_groups(), 2);
  EXPECT_TRUE(read_back->schema()->Equals(*schema, /*check_metadata=*/false))
      << read_back->schema()->ToString();
  EXPECT_TRUE(read_back->Equals(*table)) << read_back->ToString();
}

TEST(ParquetRoundTrip, RawSchemaHasKagglesFortySevenColumns) {
  const auto schema = RawAccidentsSchema();
  EXPECT_EQ(schema->num_fields(), 47);
  EXPECT_EQ(schema->field(0)->name(), "ID");
  EXPECT_EQ(schema->field(46)->name(), "Astronomical_Twilight");
}

}  // namespace
}  // namespace timecast::dataset
