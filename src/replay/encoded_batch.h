// Rows ready to send: encoded once, ahead of the sender, into buffers that are
// reused batch after batch (no allocation per row).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "encode/byte_buffer.h"

namespace timecast::replay {

// One text per row, nullable, back to back in one buffer.
class TextColumn {
 public:
  void Clear() {
    bytes_.Clear();
    ends_.clear();
    nulls_.clear();
  }
  encode::ByteBuffer& bytes() { return bytes_; }
  // Ends the current row's text (everything appended since the previous row).
  void EndRow(bool is_null = false) {
    ends_.push_back(bytes_.size());
    nulls_.push_back(is_null);
  }
  size_t rows() const { return ends_.size(); }
  std::optional<std::string_view> Get(size_t row) const {
    if (nulls_[row]) return std::nullopt;
    const size_t begin = row == 0 ? 0 : ends_[row - 1];
    return std::string_view(bytes_.data() + begin, ends_[row] - begin);
  }
  std::string_view View(size_t row) const { return Get(row).value_or(std::string_view()); }

 private:
  encode::ByteBuffer bytes_;
  std::vector<size_t> ends_;
  std::vector<bool> nulls_;
};

struct EncodedBatch {
  // Where the rows came from (for errors, the summary and future checkpoints).
  std::shared_ptr<const std::string> file;
  int file_index = 0;  // source::SourceBatch::file_index
  int row_group = 0;
  std::vector<int64_t> rows;        // each row's index within its row group
  std::vector<int32_t> row_groups;  // each row's row group (reordering mixes them)
  int pass = 0;               // which --loop pass produced it

  std::vector<int64_t> times;  // dataset time of each row, ns
  TextColumn values;           // the JSON object of each row
  TextColumn keys;             // present when --key is given
  std::vector<TextColumn> headers;        // one per --header, in order
  std::vector<int64_t> timestamps_ms;     // for --timestamp event|COLUMN (0 for null)

  size_t size() const { return times.size(); }
  void Clear() {
    file.reset();
    rows.clear();
    row_groups.clear();
    times.clear();
    values.Clear();
    keys.Clear();
    for (auto& header : headers) header.Clear();
    timestamps_ms.clear();
  }
};

}  // namespace timecast::replay
