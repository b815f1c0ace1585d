// --max-disorder: input that is almost sorted (rows at most D of dataset time
// out of place) is put in order with memory bounded by the rows within D.
#pragma once

#include <arrow/status.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <queue>
#include <string>
#include <vector>

#include "replay/encoded_batch.h"
#include "source/time_column.h"
#include "util/duration.h"

namespace timecast::replay {

class Reorderer {
 public:
  // `make_batch` supplies empty output batches (recycled from a pool).
  Reorderer(util::Nanos max_disorder, std::string time_column, const source::TimeConverter& converter,
            std::function<std::unique_ptr<EncodedBatch>()> make_batch, size_t batch_rows = 8192);

  // Takes a batch in input order. Fails with an input error when a row is
  // earlier than the latest time seen minus max_disorder, naming both rows.
  arrow::Status Add(std::shared_ptr<const EncodedBatch> batch);

  // Moves every row that can no longer be preceded by a later input row into
  // output batches (`flush`: all rows, at the end of a pass).
  void Release(bool flush, std::vector<std::unique_ptr<EncodedBatch>>* out);

  size_t pending_rows() const { return heap_.size(); }

 private:
  struct Pending {
    int64_t time;
    uint64_t sequence;  // arrival order, so equal times keep it (stable)
    std::shared_ptr<const EncodedBatch> batch;
    size_t row;
    bool operator>(const Pending& other) const {
      return time != other.time ? time > other.time : sequence > other.sequence;
    }
  };
  void CopyRow(const Pending& pending, EncodedBatch* out);

  util::Nanos max_disorder_;
  std::string time_column_;
  const source::TimeConverter& converter_;
  std::function<std::unique_ptr<EncodedBatch>()> make_batch_;
  size_t batch_rows_;
  std::priority_queue<Pending, std::vector<Pending>, std::greater<>> heap_;
  uint64_t sequence_ = 0;
  bool seen_any_ = false;
  int64_t latest_time_ = 0;
  std::string latest_position_;
  std::unique_ptr<EncodedBatch> building_;
};

}  // namespace timecast::replay
