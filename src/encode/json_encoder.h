// Arrow rows as JSON objects, the value format of every record timecast sends.
//
// The contract (docs/JSON.md has the full table): read back losslessly by
// Spark's from_json, Kafka Connect's JsonConverter (schemas off) and Python's
// json. null stays null; integers exact; floats and doubles in their shortest
// round-trip form, NaN and +-Inf as null; timestamps as ISO-8601 text, zoned
// ones in UTC with a trailing Z, naive ones (no zone) without offset;
// invalid UTF-8 bytes become U+FFFD and are counted.
#pragma once

#include <arrow/result.h>
#include <arrow/type_fwd.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "encode/byte_buffer.h"

namespace timecast::encode {

struct EncodeStats {
  uint64_t invalid_utf8_values = 0;  // strings that had bytes replaced by U+FFFD
  uint64_t non_finite_floats = 0;    // NaN or +-Inf written as null
};

class ColumnWriter;

class JsonEncoder {
 public:
  // Fails with a usage error naming the column and its type when a column's
  // type has no JSON encoding.
  static arrow::Result<std::unique_ptr<JsonEncoder>> Make(
      const std::shared_ptr<arrow::Schema>& schema);
  ~JsonEncoder();

  // Points the encoder at a batch of the schema given to Make(). The batch
  // must outlive the AppendRow/AppendCellText calls that follow. Fails when
  // the batch's column types differ from the schema's.
  arrow::Status Bind(const arrow::RecordBatch& batch);

  // Appends row `row` of the bound batch as one JSON object.
  void AppendRow(int64_t row, ByteBuffer* out);

  // Appends the text form of one cell, for Kafka keys and headers: strings as
  // their raw UTF-8 bytes, timestamps as ISO-8601 without quotes, other values
  // as in JSON. Returns false (appending nothing) when the cell is null, or a
  // NaN or infinite float.
  bool AppendCellText(int column, int64_t row, ByteBuffer* out);

  const EncodeStats& stats() const { return stats_; }

 private:
  JsonEncoder() = default;
  // One per column, each holding its key: '"name":' with a leading ',' after the first.
  std::vector<std::unique_ptr<ColumnWriter>> writers_;
  EncodeStats stats_;
  std::shared_ptr<arrow::Schema> schema_;  // Bind() checks batches against it
};

}  // namespace timecast::encode
