// Records to a Kafka topic through one idempotent producer.
#pragma once

#include <arrow/result.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "kafka/config.h"
#include "kafka/producer.h"
#include "replay/sink.h"

namespace timecast::replay {

struct KafkaSinkOptions {
  std::string topic;
  kafka::Config config;  // bootstrap.servers, defaults, then -F and -X, in precedence order
  std::chrono::milliseconds connect_timeout{10000};
  bool create_topic = false;
  int partitions = 1;
  int replication_factor = -1;
  // When records carry event times this old (ms since epoch), warn if the
  // topic's retention would delete them at once.
  std::optional<int64_t> earliest_timestamp_ms;
  // The user's stop: waits for the brokers (a full queue, a commit, the
  // final flush) give up once it is true.
  std::function<bool()> stop_requested = [] { return false; };

  // Exactly-once: a transactional producer (transactional.id in `config`)
  // whose transactions each carry the job's checkpoint.
  struct ExactlyOnce {
    std::string job;               // the checkpoint's key
    std::string checkpoint_topic;  // created compacted when missing
    // Encodes a checkpoint for a state (replay/checkpoint.h).
    std::function<std::string(const ReplayState&)> encode;
  };
  std::optional<ExactlyOnce> exactly_once;
};

// What a sink says about a job's checkpoint topic: where the job's record goes.
struct CheckpointLocation {
  std::string topic;
  int32_t partition = 0;
};

// How many value bytes the sink lets librdkafka hold unreported before it
// waits (KafkaSink::WaitForRoom says why): just under two batches
// (batch.size) per partition for an idempotent or transactional producer, 0
// (no limit) otherwise.
int64_t InFlightWindowBytes(const kafka::Config& config, int partitions);

class KafkaSink final : public RecordSink {
 public:
  // Connects (bounded by connect_timeout, naming the brokers on failure),
  // checks the topic exists (or creates it) and warns about retention traps.
  // Exactly-once: also finds or creates the checkpoint topic and initialises
  // transactions, which fences any other producer of the job (a zombie) and
  // aborts its open transaction; read the job's checkpoint after this.
  static arrow::Result<std::unique_ptr<KafkaSink>> Open(const KafkaSinkOptions& options);
  ~KafkaSink() override;

  arrow::Status Send(const OutRecord& record, Flight* flight) override;
  void Poll() override;
  bool WaitForRoom(std::chrono::milliseconds timeout) override;
  // At-least-once: waits until everything is delivered, however long the
  // brokers are away, until the user stops; then `timeout` more at most.
  arrow::Status Flush(std::chrono::milliseconds timeout) override;
  SinkCounts counts() const override;
  int64_t waiting_since_ns() const override { return waiting_since_ns_; }
  std::string Describe() const override;
  bool transactional() const override { return options_.exactly_once.has_value(); }
  // Exactly-once commits run on a thread of their own (the committer), so
  // the sender goes on handing over rows while the brokers commit: the
  // committer owns the producer from StartCommit until AwaitCommit returns
  // the outcome, and records sent meanwhile are staged here (librdkafka
  // refuses to produce during a commit) and produced into the next
  // transaction once it has begun; an abort discards them with the rest.
  arrow::Status StartCommit(const ReplayState& state) override;
  std::optional<arrow::Result<CommitOutcome>> AwaitCommit(std::chrono::milliseconds wait) override;

  int partitions() const { return partitions_; }
  const CheckpointLocation& checkpoint_location() const { return checkpoint_; }

 private:
  KafkaSink() = default;
  // The producer, its delivery reports and its wait on a full queue.
  arrow::Status CreateProducer();
  arrow::Status OpenCheckpointTopic();
  // init_transactions (fencing earlier runs of the job), then a first transaction.
  arrow::Status InitTransactions();
  // What a fatal error in a commit or abort means: our own transaction expired
  // during an outage (a new producer goes on: kAborted), or a newer run of the
  // job took over (an error).
  arrow::Result<CommitOutcome> Fenced(const ReplayState& state, const std::string& message);
  // True when the job's checkpoint is still the one before `state`, and a new
  // producer has taken over from the fenced one.
  arrow::Result<bool> RecoverFromExpiredTransaction(const ReplayState& state);
  // Repeats a transactional call while it fails with a retriable error (the
  // brokers are away), saying so once, until it succeeds, fails otherwise,
  // or the user stops.
  kafka::TxnResult Retrying(const char* what, const std::function<kafka::TxnResult()>& call);
  // Tells the user once that the brokers have kept it waiting since `since`.
  void NoteWaiting(std::string_view what, std::chrono::steady_clock::time_point since);
  void NoteBack();
  // Notes a wait when messages are queued and no delivery report came for a while.
  void NoteStalledDeliveries();
  // A fatal producer error as the user reads it (fenced: who took over).
  arrow::Status FatalError(const std::string& message) const;
  // The committer's loop, and one commit on it.
  void RunCommitter();
  arrow::Result<CommitOutcome> Commit(const ReplayState& state);
  // A record handed over while a commit is under way, copied.
  struct StagedRecord {
    std::optional<std::string> key;
    std::string value;
    std::vector<std::pair<std::string, std::string>> headers;
    int64_t timestamp_ms = 0;
    Flight* flight = nullptr;
  };
  arrow::Status Stage(const OutRecord& record, Flight* flight);
  // Produces what was staged during the last commit (after it committed),
  // in order, up to `at_most` records.
  static constexpr size_t kStagedPerSend = 16;
  arrow::Status ProduceStaged(size_t at_most = SIZE_MAX);
  arrow::Status Produce(const kafka::Message& message);

  KafkaSinkOptions options_;
  std::unique_ptr<kafka::Producer> producer_;
  kafka::TopicHandle topic_;
  std::string topic_name_;
  int partitions_ = 0;
  CheckpointLocation checkpoint_;
  kafka::TopicHandle checkpoint_topic_;
  bool waiting_noted_ = false;
  bool waited_out_ = false;  // the brokers kept us waiting since the last commit
  std::chrono::steady_clock::time_point waiting_since_;
  std::atomic<int64_t> waiting_since_ns_{0};  // the same, epoch ns, for the sender's status line
  uint64_t last_reported_ = 0;  // delivery reports seen by NoteStalledDeliveries
  std::chrono::steady_clock::time_point last_report_at_ = std::chrono::steady_clock::now();
  // Value bytes handed to librdkafka and not yet reported; see WaitForRoom.
  // Atomic: the committer serves delivery reports too.
  std::atomic<int64_t> unreported_bytes_{0};
  int64_t window_bytes_ = 0;  // 0: no limit

  // The sender's side of a commit: true from StartCommit until AwaitCommit
  // has returned its outcome; the producer is the committer's meanwhile.
  bool commit_open_ = false;
  std::vector<StagedRecord> staged_;
  size_t staged_head_ = 0;  // staged_[..head) are produced
  size_t staged_bytes_ = 0;
  // The committer, and what it shares with the sender (under commit_mutex_).
  std::thread committer_;
  std::mutex commit_mutex_;
  std::condition_variable commit_cv_;
  std::optional<ReplayState> commit_request_;
  std::optional<arrow::Result<CommitOutcome>> commit_result_;
  bool committer_quit_ = false;
};

}  // namespace timecast::replay
