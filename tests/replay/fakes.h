// Test doubles for the replay pipeline: a source of in-memory batches and a
// sink that records what it was given and when.
#pragma once

#include <arrow/api.h>
#include <arrow/json/from_string.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "clock/clock.h"
#include "replay/sink.h"
#include "source/batch_source.h"
#include "util/status.h"

namespace timecast::replay::testing {

// A batch from one JSON array per column, e.g. {"[0, 1.5]", "[\"a\", null]"}.
inline std::shared_ptr<arrow::RecordBatch> MakeBatch(const std::shared_ptr<arrow::Schema>& schema,
                                                     const std::vector<std::string>& columns) {
  std::vector<std::shared_ptr<arrow::Array>> arrays;
  for (int i = 0; i < schema->num_fields(); ++i) {
    auto array = arrow::json::ArrayFromJSONString(schema->field(i)->type(),
                                                  columns[static_cast<size_t>(i)]);
    EXPECT_TRUE(array.ok()) << array.status().ToString();
    arrays.push_back(*array);
  }
  return arrow::RecordBatch::Make(schema, arrays[0]->length(), arrays);
}

class VectorSource final : public source::BatchSource {
 public:
  VectorSource(std::shared_ptr<arrow::Schema> schema,
               std::vector<std::shared_ptr<arrow::RecordBatch>> batches)
      : schema_(std::move(schema)), batches_(std::move(batches)) {}
  std::shared_ptr<arrow::Schema> schema() const override { return schema_; }
  arrow::Result<std::optional<source::SourceBatch>> Next() override {
    if (fail_at_ && next_ == *fail_at_) return util::InputError("disk on fire at batch {}", next_);
    if (next_ >= batches_.size()) return std::nullopt;
    if (next_ == 0 && open_clock_ != nullptr) open_clock_->Advance(open_cost_);
    source::SourceBatch out{batches_[next_], file_, static_cast<int>(next_), 0};
    ++next_;
    return out;
  }
  arrow::Status Rewind() override {
    next_ = 0;
    ++rewinds;
    return arrow::Status::OK();
  }
  // Each batch stands for a row group.
  arrow::Result<source::SeekResult> Seek(const source::RowPosition& position) override {
    next_ = static_cast<size_t>(position.row_group);
    ++seeks;
    return source::SeekResult{position.row};
  }
  int seeks = 0;
  // Makes the first read take `cost` of fake time, like opening a big file.
  void SlowFirstRead(clock::FakeClock* clock, util::Nanos cost) {
    open_clock_ = clock;
    open_cost_ = cost;
  }
  std::optional<size_t> fail_at_;
  int rewinds = 0;

 private:
  std::shared_ptr<arrow::Schema> schema_;
  std::vector<std::shared_ptr<arrow::RecordBatch>> batches_;
  size_t next_ = 0;
  clock::FakeClock* open_clock_ = nullptr;
  util::Nanos open_cost_{0};
  std::shared_ptr<const std::string> file_ = std::make_shared<const std::string>("mem.parquet");
};

struct SentRecord {
  std::string value;
  std::optional<std::string> key;
  std::vector<std::pair<std::string, std::string>> headers;
  int64_t timestamp_ms = 0;
  util::Nanos sent_at{0};
  const Flight* flight = nullptr;  // the batch it was sent from
};

// Delivers on the next Poll/Flush (like librdkafka), or fails chosen messages.
class MemorySink final : public RecordSink {
 public:
  explicit MemorySink(clock::Clock* clock) : clock_(clock) {}

  arrow::Status Send(const OutRecord& record, Flight* flight) override {
    SentRecord sent{std::string(record.value), std::nullopt, {}, record.timestamp_ms, clock_->Now(),
                    flight};
    if (record.key) sent.key = std::string(*record.key);
    for (const auto& header : record.headers) {
      sent.headers.emplace_back(std::string(header.name), std::string(header.value));
    }
    const bool fail = fail_messages.count(records.size()) > 0;
    records.push_back(std::move(sent));
    pending_.push_back({flight, fail});
    max_pending = std::max(max_pending, pending_.size());
    if (send_cost.count() > 0 && clock_ != nullptr) {
      if (auto* fake = dynamic_cast<clock::FakeClock*>(clock_)) fake->Advance(send_cost);
    }
    if (on_send) on_send(records.size());
    return arrow::Status::OK();
  }
  void Poll() override { Deliver(); }
  // With `room` set, at most that many records are taken unreported; a wait
  // for room delivers what is pending (unless deliveries are held).
  bool WaitForRoom(std::chrono::milliseconds) override {
    if (!room || pending_.size() < *room) return true;
    ++room_waits;
    Deliver();
    return pending_.size() < *room;
  }
  arrow::Status Flush(std::chrono::milliseconds) override {
    if (hold_deliveries) return util::UndeliveredError("{} still queued", pending_.size());
    Deliver();
    if (counts_.failed > 0) return util::UndeliveredError("{} failed", counts_.failed);
    return arrow::Status::OK();
  }
  SinkCounts counts() const override { return counts_; }
  std::string Describe() const override { return "memory"; }

  // As a transactional sink: records become `visible` only with a commit;
  // the commits numbered in `abort_commits` (0 for the first) abort instead.
  // A commit takes `commit_cost` of fake time, during which the replay goes
  // on: what it sends meanwhile belongs to the next commit (or is discarded
  // with an aborted one, as KafkaSink discards what it staged).
  bool transactional() const override { return transactional_; }
  arrow::Status StartCommit(const ReplayState& state) override {
    commit_state_ = state;
    commit_records_ = records.size();
    commit_ends_ = clock_->Now() + commit_cost;
    return arrow::Status::OK();
  }
  std::optional<arrow::Result<CommitOutcome>> AwaitCommit(std::chrono::milliseconds wait) override {
    if (!commit_state_) return arrow::Result<CommitOutcome>(CommitOutcome::kCommitted);
    if (clock_->Now() < commit_ends_) {
      auto* fake = dynamic_cast<clock::FakeClock*>(clock_);
      if (fake == nullptr || wait.count() == 0) return std::nullopt;
      fake->Advance(std::min<util::Nanos>(wait, commit_ends_ - clock_->Now()));
      if (clock_->Now() < commit_ends_) return std::nullopt;
    }
    const size_t number = commits.size() + aborted;
    Deliver();
    if (abort_commits.count(number) > 0) {
      ++aborted;
      uncommitted_ = records.size();
      commit_state_.reset();
      return arrow::Result<CommitOutcome>(CommitOutcome::kAborted);
    }
    for (size_t i = uncommitted_; i < commit_records_; ++i) visible.push_back(records[i].value);
    uncommitted_ = commit_records_;
    commits.push_back(*commit_state_);
    commit_state_.reset();
    commit_times.push_back(commit_ends_);  // when it committed, not when it was asked
    return arrow::Result<CommitOutcome>(CommitOutcome::kCommitted);
  }
  bool transactional_ = false;
  std::set<size_t> abort_commits;
  std::vector<ReplayState> commits;
  std::vector<util::Nanos> commit_times;
  std::vector<std::string> visible;  // committed record values, in order
  size_t aborted = 0;
  util::Nanos commit_cost{0};  // fake time each commit takes

  std::vector<SentRecord> records;
  std::set<size_t> fail_messages;  // indexes of messages whose delivery fails
  bool hold_deliveries = false;    // never report (a broker that went away)
  util::Nanos send_cost{0};        // fake time each Send takes
  std::function<void(size_t)> on_send;
  std::optional<size_t> room;  // see WaitForRoom
  int room_waits = 0;
  size_t max_pending = 0;  // the most records ever unreported at once

 private:
  void Deliver() {
    if (hold_deliveries) return;
    for (auto& [flight, fail] : pending_) {
      --flight->pending;
      if (fail) {
        ++flight->failed;
        ++counts_.failed;
        counts_.first_error = "injected failure";
      } else {
        ++counts_.delivered;
      }
    }
    pending_.clear();
  }
  clock::Clock* clock_;
  size_t uncommitted_ = 0;  // records from here on are in the open transaction
  std::optional<ReplayState> commit_state_;  // the commit under way
  size_t commit_records_ = 0;                // the records it commits end here
  util::Nanos commit_ends_{0};
  std::vector<std::pair<Flight*, bool>> pending_;
  SinkCounts counts_;
};

}  // namespace timecast::replay::testing
