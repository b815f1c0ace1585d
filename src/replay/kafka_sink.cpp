#include "replay/kafka_sink.h"

#include <fmt/core.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "clock/clock.h"
#include "kafka/admin.h"
#include "kafka/last_value.h"
#include "replay/job.h"
#include "util/duration.h"
#include "util/status.h"

namespace timecast::replay {

arrow::Result<std::unique_ptr<KafkaSink>> KafkaSink::Open(const KafkaSinkOptions& options) {
  if (options.topic.empty()) return util::UsageError("--topic is required with the Kafka sink");
  std::unique_ptr<KafkaSink> sink(new KafkaSink());
  sink->options_ = options;
  sink->topic_name_ = options.topic;
  ARROW_RETURN_NOT_OK(sink->CreateProducer());
  auto* handle = sink->producer_->handle();
  const std::string& brokers = sink->producer_->brokers();
  ARROW_RETURN_NOT_OK(kafka::CheckReachable(handle, brokers, options.connect_timeout));
  ARROW_ASSIGN_OR_RAISE(std::optional<int> partitions,
                        kafka::FindTopic(handle, options.topic, options.connect_timeout));
  if (!partitions) {
    if (!options.create_topic) {
      return util::KafkaError(
          "topic '{}' does not exist at {}. Create it, e.g. kafka-topics.sh --bootstrap-server {} "
          "--create --topic {} --partitions 1 --config retention.ms=-1, or pass --create-topic "
          "(with --partitions and --replication-factor)",
          options.topic, brokers, brokers, options.topic);
    }
    // Replayed data is often years old: keep it regardless of record timestamps.
    ARROW_RETURN_NOT_OK(kafka::CreateTopic(
        handle,
        {options.topic, options.partitions, options.replication_factor, {{"retention.ms", "-1"}}},
        options.connect_timeout));
    partitions = options.partitions;
  }
  sink->partitions_ = *partitions;
  if (options.earliest_timestamp_ms) {
    auto configs = kafka::DescribeTopicConfigs(handle, options.topic, options.connect_timeout);
    if (configs.ok() && configs->count("retention.ms")) {
      const int64_t retention_ms = std::stoll(configs->at("retention.ms"));
      const int64_t now_ms = clock::RealtimeNow().count() / 1'000'000;
      if (retention_ms >= 0 && *options.earliest_timestamp_ms < now_ms - retention_ms) {
        fmt::print(stderr,
                   "timecast: warning: records carry event timestamps from {} ago, but topic '{}' "
                   "has retention.ms={} ({}): the broker will delete them as soon as their "
                   "segment rolls. Set retention.ms=-1 on the topic, or use --timestamp due.\n",
                   util::FormatDuration(std::chrono::milliseconds(
                       now_ms - *options.earliest_timestamp_ms)),
                   options.topic, retention_ms,
                   util::FormatDuration(std::chrono::milliseconds(retention_ms)));
      }
    }
  }
  ARROW_ASSIGN_OR_RAISE(sink->topic_, sink->producer_->Topic(options.topic));
  sink->window_bytes_ = InFlightWindowBytes(options.config, sink->partitions_);
  if (options.exactly_once) {
    ARROW_RETURN_NOT_OK(sink->OpenCheckpointTopic());
    ARROW_RETURN_NOT_OK(sink->InitTransactions());
    sink->committer_ = std::thread([raw = sink.get()] { raw->RunCommitter(); });
  }
  return sink;
}

KafkaSink::~KafkaSink() {
  if (!committer_.joinable()) return;
  {
    std::lock_guard lock(commit_mutex_);
    committer_quit_ = true;
  }
  commit_cv_.notify_all();
  committer_.join();
}

void KafkaSink::RunCommitter() {
  std::unique_lock lock(commit_mutex_);
  for (;;) {
    commit_cv_.wait(lock, [&] { return committer_quit_ || commit_request_.has_value(); });
    if (!commit_request_) return;  // quit, and nothing left to commit
    const ReplayState state = std::move(*commit_request_);
    commit_request_.reset();
    lock.unlock();
    arrow::Result<CommitOutcome> outcome = Commit(state);
    lock.lock();
    commit_result_ = std::move(outcome);
    commit_cv_.notify_all();
  }
}

arrow::Status KafkaSink::StartCommit(const ReplayState& state) {
  // What was staged during the last commit belongs to this one.
  ARROW_RETURN_NOT_OK(ProduceStaged());
  commit_open_ = true;
  {
    std::lock_guard lock(commit_mutex_);
    commit_request_ = state;
  }
  commit_cv_.notify_all();
  return arrow::Status::OK();
}

std::optional<arrow::Result<CommitOutcome>> KafkaSink::AwaitCommit(std::chrono::milliseconds wait) {
  if (!commit_open_) return arrow::Result<CommitOutcome>(CommitOutcome::kCommitted);
  std::optional<arrow::Result<CommitOutcome>> result;
  {
    std::unique_lock lock(commit_mutex_);
    if (!commit_cv_.wait_for(lock, wait, [&] { return commit_result_.has_value(); })) {
      return std::nullopt;
    }
    result = std::move(commit_result_);
    commit_result_.reset();
  }
  commit_open_ = false;
  // Staged records are produced by the next Send, Poll or commit: an error
  // producing them is a hand-over error, not this commit's. After an abort
  // they go with the rest: the sender rewinds to the last checkpoint.
  if (!result->ok() || **result == CommitOutcome::kAborted) {
    staged_.clear();
    staged_head_ = 0;
    staged_bytes_ = 0;
  }
  return result;
}

arrow::Status KafkaSink::Stage(const OutRecord& record, Flight* flight) {
  // A commit that waits for the brokers must not let the staged rows grow
  // without bound: like a full producer queue, this waits until it is over.
  constexpr size_t kMaxStagedBytes = 32 << 20;
  while (commit_open_ && staged_bytes_ >= kMaxStagedBytes) {
    if (options_.stop_requested()) {
      return util::UndeliveredError(
          "producing to '{}': gave up waiting for a commit to finish", topic_name_);
    }
    std::unique_lock lock(commit_mutex_);
    if (commit_cv_.wait_for(lock, std::chrono::milliseconds(100),
                            [&] { return commit_result_.has_value(); })) {
      break;  // the sender takes the outcome after this record
    }
  }
  StagedRecord& staged = staged_.emplace_back();
  if (record.key) staged.key.emplace(*record.key);
  staged.value.assign(record.value);
  staged.headers.reserve(record.headers.size());
  for (const kafka::Header& header : record.headers) {
    staged.headers.emplace_back(header.name, header.value);
  }
  staged.timestamp_ms = record.timestamp_ms;
  staged.flight = flight;
  staged_bytes_ += record.value.size();
  return arrow::Status::OK();
}

arrow::Status KafkaSink::ProduceStaged(size_t at_most) {
  std::vector<kafka::Header> headers;
  for (size_t produced = 0; staged_head_ < staged_.size() && produced < at_most; ++produced) {
    const StagedRecord& staged = staged_[staged_head_];
    headers.clear();
    for (const auto& [name, value] : staged.headers) headers.push_back({name, value});
    kafka::Message message;
    message.topic = topic_;
    message.key = staged.key;
    message.value = staged.value;
    message.headers = headers;
    message.timestamp_ms = staged.timestamp_ms;
    message.opaque = staged.flight;
    ARROW_RETURN_NOT_OK(Produce(message));  // the rest stays staged
    staged_bytes_ -= staged.value.size();
    ++staged_head_;
  }
  if (staged_head_ == staged_.size()) {
    staged_.clear();
    staged_head_ = 0;
  }
  return arrow::Status::OK();
}

arrow::Status KafkaSink::CreateProducer() {
  ARROW_ASSIGN_OR_RAISE(
      producer_, kafka::Producer::Create(options_.config, [this](const kafka::DeliveryReport& report) {
        auto* flight = static_cast<Flight*>(report.opaque);
        if (flight == nullptr) return;  // a checkpoint, committed or aborted with its transaction
        unreported_bytes_ -= static_cast<int64_t>(report.value_bytes);
        if (!report.delivered) ++flight->failed;
        --flight->pending;  // the last touch: the sender may retire the flight now
      }));
  // A full queue means the brokers are slow or away: wait for them, as long
  // as it takes, unless the user stops.
  producer_->OnQueueFull([this](std::chrono::milliseconds waited) {
    if (options_.stop_requested()) return false;
    if (waited >= std::chrono::seconds(1)) {
      NoteWaiting("the producer's queue is full", std::chrono::steady_clock::now() - waited);
    }
    return true;
  });
  return arrow::Status::OK();
}

arrow::Status KafkaSink::InitTransactions() {
  const auto init = [&]() -> arrow::Status {
    if (auto failed = Retrying("initialising transactions", [&] {
          return producer_->InitTransactions(options_.connect_timeout);
        })) {
      return util::KafkaError("{}", failed->message);
    }
    if (auto failed = producer_->BeginTransaction()) return util::KafkaError("{}", failed->message);
    return arrow::Status::OK();
  };
  return util::WithContext(init(), fmt::format("job '{}' (transactional.id {})",
                                               options_.exactly_once->job,
                                               options_.config.Get("transactional.id").value_or("")));
}

arrow::Result<bool> KafkaSink::RecoverFromExpiredTransaction(const ReplayState& state) {
  const KafkaSinkOptions::ExactlyOnce& eos = *options_.exactly_once;
  // Someone else committed for the job since our last commit: we are the
  // zombie, and stop.
  ARROW_ASSIGN_OR_RAISE(auto found, ReadCheckpoint(options_.config, checkpoint_.topic,
                                                   checkpoint_.partition, eos.job,
                                                   options_.connect_timeout));
  const uint64_t ours = state.transactions - 1;
  if (found ? found->state.transactions != ours : ours != 0) return false;
  fmt::print(stderr,
             "timecast: replay: the open transaction expired while the brokers were away "
             "(transaction.timeout.ms); starting a new producer for job '{}' and going on from its "
             "last checkpoint\n",
             eos.job);
  producer_.reset();  // reports what it still held (purged) before it goes
  ARROW_RETURN_NOT_OK(CreateProducer());
  ARROW_ASSIGN_OR_RAISE(topic_, producer_->Topic(topic_name_));
  ARROW_ASSIGN_OR_RAISE(checkpoint_topic_, producer_->Topic(checkpoint_.topic));
  unreported_bytes_ = 0;
  ARROW_RETURN_NOT_OK(InitTransactions());
  return true;
}

arrow::Status KafkaSink::OpenCheckpointTopic() {
  const KafkaSinkOptions::ExactlyOnce& eos = *options_.exactly_once;
  auto* handle = producer_->handle();
  ARROW_ASSIGN_OR_RAISE(std::optional<int> partitions,
                        kafka::FindTopic(handle, eos.checkpoint_topic, options_.connect_timeout));
  if (!partitions) {
    // Compacted: only each job's last checkpoint matters. Small segments let
    // compaction keep up with a checkpoint every 100 ms.
    ARROW_RETURN_NOT_OK(kafka::CreateTopic(
        handle,
        {eos.checkpoint_topic,
         1,
         options_.replication_factor,
         {{"cleanup.policy", "compact"}, {"segment.ms", "600000"}, {"retention.ms", "-1"}}},
        options_.connect_timeout));
    partitions = 1;
  }
  checkpoint_.topic = eos.checkpoint_topic;
  checkpoint_.partition = kafka::PartitionForKey(eos.job, *partitions);
  ARROW_ASSIGN_OR_RAISE(checkpoint_topic_, producer_->Topic(eos.checkpoint_topic));
  return arrow::Status::OK();
}

void KafkaSink::NoteWaiting(std::string_view what, std::chrono::steady_clock::time_point since) {
  waited_out_ = true;
  if (waiting_noted_) return;
  waiting_noted_ = true;
  waiting_since_ = since;
  const auto wall = std::chrono::system_clock::now() -
                    std::chrono::duration_cast<std::chrono::system_clock::duration>(
                        std::chrono::steady_clock::now() - since);
  waiting_since_ns_ = std::chrono::duration_cast<std::chrono::nanoseconds>(
                         wall.time_since_epoch()).count();
  fmt::print(stderr,
             "timecast: waiting for the brokers at {} since {} ({}); nothing is dropped, the "
             "replay goes on when they are back (Ctrl-C to stop)\n",
             producer_->brokers(), util::FormatUtcTime(wall), what);
}

void KafkaSink::NoteBack() {
  if (!waiting_noted_) return;
  waiting_noted_ = false;
  waiting_since_ns_ = 0;
  fmt::print(stderr, "timecast: the brokers are back after {}\n",
             util::FormatDuration(std::chrono::duration_cast<util::Nanos>(
                 std::chrono::steady_clock::now() - waiting_since_)));
}

kafka::TxnResult KafkaSink::Retrying(const char* what,
                                     const std::function<kafka::TxnResult()>& call) {
  const auto began = std::chrono::steady_clock::now();
  for (;;) {
    kafka::TxnResult result = call();
    if (!result) {
      NoteBack();
      return result;
    }
    if (result->kind != kafka::TxnError::Kind::kRetriable || options_.stop_requested()) {
      return result;
    }
    if (std::chrono::steady_clock::now() - began >= std::chrono::seconds(1)) {
      NoteWaiting(what, began);
    }
    producer_->Poll(std::chrono::milliseconds(100));
  }
}

arrow::Result<CommitOutcome> KafkaSink::Commit(const ReplayState& state) {
  const KafkaSinkOptions::ExactlyOnce& eos = *options_.exactly_once;
  const std::string value = eos.encode(state);
  kafka::Message checkpoint;
  checkpoint.topic = checkpoint_topic_;
  checkpoint.partition = checkpoint_.partition;
  checkpoint.key = eos.job;
  checkpoint.value = value;
  arrow::Status produced = producer_->Produce(checkpoint);
  kafka::TxnResult result;
  if (auto fatal = producer_->FatalError()) {
    result = kafka::TxnError{kafka::TxnError::Kind::kFatal, *fatal};
  } else if (produced.ok()) {
    // Short attempts, so a stop is seen within a second while the brokers are away.
    result = Retrying("committing a transaction", [&] {
      return producer_->CommitTransaction(std::chrono::seconds(1));
    });
    if (!result) {
      waited_out_ = false;
      if (auto failed = producer_->BeginTransaction()) return util::KafkaError("{}", failed->message);
      return CommitOutcome::kCommitted;
    }
  } else if (options_.stop_requested()) {
    return produced;
  } else {
    // The produce itself failed: the transaction must go.
    result = kafka::TxnError{kafka::TxnError::Kind::kAbortable, produced.message()};
  }
  if (result->kind == kafka::TxnError::Kind::kFatal) return Fenced(state, result->message);
  if (result->kind == kafka::TxnError::Kind::kRetriable) {  // the user stopped while waiting
    return util::UndeliveredError(
        "job '{}': the open transaction could not be committed ({}); it will be aborted, and "
        "`--resume` goes on from the last checkpoint",
        eos.job, result->message);
  }
  fmt::print(stderr,
             "timecast: replay: aborting a transaction ({}); going on from the last checkpoint\n",
             result->message);
  if (auto failed = Retrying("aborting a transaction", [&] {
        return producer_->AbortTransaction(std::chrono::seconds(1));
      })) {
    if (failed->kind == kafka::TxnError::Kind::kFatal || waited_out_) {
      return Fenced(state, failed->message);
    }
    return util::KafkaError("job '{}': {}", eos.job, failed->message);
  }
  // Every record of the aborted transaction is reported (purged) before the
  // sender drops what tracks them.
  while (producer_->OutQueueLength() > 0) producer_->Poll(std::chrono::milliseconds(10));
  unreported_bytes_ = 0;
  if (auto failed = producer_->BeginTransaction()) return util::KafkaError("{}", failed->message);
  return CommitOutcome::kAborted;
}

// librdkafka 2.0.2's idempotent producer keeps one produce request in flight
// per partition (it holds the messages in flight, not the requests, against
// its limit of 5), and while that request is out with a full batch queued
// behind it, its broker thread polls its socket with a zero timeout: a busy
// loop that takes a core from the broker on a shared machine. Keeping less
// than two batches per partition handed over and unreported means the batch
// behind the one in flight is never full, so the thread sleeps; the records
// that top it up when the reports come in fill it and wake the thread at once.
// Without idempotence requests are pipelined and nothing is held back.
int64_t InFlightWindowBytes(const kafka::Config& config, int partitions) {
  const bool transactional = config.Get("transactional.id").has_value();
  if (config.Get("enable.idempotence").value_or("false") != "true" && !transactional) return 0;
  int64_t batch_bytes = 1'000'000;  // librdkafka's batch.size default
  if (auto configured = config.Get("batch.size")) {
    batch_bytes = std::strtoll(configured->c_str(), nullptr, 10);
  }
  if (batch_bytes <= 0) return 0;
  return batch_bytes * 19 / 10 * std::max(partitions, 1);
}

bool KafkaSink::WaitForRoom(std::chrono::milliseconds timeout) {
  if (commit_open_) {
    // The staged rows wait for the commit; let the window's worth of them in.
    if (static_cast<int64_t>(staged_bytes_) < std::max<int64_t>(2 * window_bytes_, 4 << 20)) return true;
    std::unique_lock lock(commit_mutex_);
    commit_cv_.wait_for(lock, timeout, [&] { return commit_result_.has_value(); });
    return false;  // the sender takes the outcome, then asks again
  }
  if (window_bytes_ == 0 || unreported_bytes_ < window_bytes_) return true;
  producer_->Poll(timeout);
  return unreported_bytes_ < window_bytes_;
}

arrow::Result<CommitOutcome> KafkaSink::Fenced(const ReplayState& state, const std::string& message) {
  // librdkafka 2.0.2 reports the coordinator's abort of a transaction that
  // outlived transaction.timeout.ms (the brokers were away) as a fatal error:
  // fenced, like a takeover by a newer run, or INVALID_TXN_STATE, depending
  // on timing. After such a wait, and when the job's checkpoint is still
  // ours, it is our own transaction that expired.
  if (waited_out_) {
    waited_out_ = false;
    ARROW_ASSIGN_OR_RAISE(const bool recovered, RecoverFromExpiredTransaction(state));
    if (recovered) return CommitOutcome::kAborted;
  }
  return FatalError(message);
}

arrow::Status KafkaSink::FatalError(const std::string& message) const {
  return util::KafkaError(
      "job '{}': {}{}", options_.exactly_once ? options_.exactly_once->job : std::string(), message,
      message.find("FENCED") != std::string::npos
          ? ": another replay of this job took over (it resumed from the last checkpoint); "
            "this one stops, and nothing it sent after that checkpoint becomes visible"
          : "");
}

arrow::Status KafkaSink::Send(const OutRecord& record, Flight* flight) {
  if (commit_open_) return Stage(record, flight);
  if (!staged_.empty()) {
    // Behind what was staged during the last commit, which goes out a few
    // records per Send: producing it all at once would hold up the next rows.
    ARROW_RETURN_NOT_OK(Stage(record, flight));
    return ProduceStaged(kStagedPerSend);
  }
  kafka::Message message;
  message.topic = topic_;
  message.key = record.key;
  message.value = record.value;
  message.headers = record.headers;
  message.timestamp_ms = record.timestamp_ms;
  message.opaque = flight;
  message.copy_value = !record.value_is_stable;
  return Produce(message);
}

arrow::Status KafkaSink::Produce(const kafka::Message& message) {
  if (arrow::Status produced = producer_->Produce(message); !produced.ok()) {
    if (auto fatal = producer_->FatalError(); fatal && transactional()) return FatalError(*fatal);
    return produced;
  }
  unreported_bytes_ += static_cast<int64_t>(message.value.size());
  return arrow::Status::OK();
}

void KafkaSink::Poll() {
  if (commit_open_) return;  // the committer serves the reports meanwhile
  // An error here comes back from the next Send or commit, which retries.
  (void)ProduceStaged(4 * kStagedPerSend);
  producer_->Poll();
  NoteStalledDeliveries();
}

void KafkaSink::NoteStalledDeliveries() {
  const kafka::DeliveryCounts& counts = producer_->counts();
  const uint64_t reported = counts.delivered + counts.failed;
  const auto now = std::chrono::steady_clock::now();
  const int queued = producer_->OutQueueLength();
  if (reported != last_reported_ || queued == 0) {
    last_reported_ = reported;
    last_report_at_ = now;
    NoteBack();
    return;
  }
  // Messages wait in librdkafka's queue (message.timeout.ms=0 keeps them
  // there however long the brokers are away): say so long before it is full.
  if (now - last_report_at_ >= std::chrono::seconds(2)) {
    NoteWaiting(fmt::format("no delivery report for {} messages queued", queued), last_report_at_);
  }
}

arrow::Status KafkaSink::Flush(std::chrono::milliseconds timeout) {
  // Exactly-once: the last commit flushed what counts; anything after it is
  // aborted with its transaction.
  if (transactional()) return arrow::Status::OK();
  // Until the user stops, the brokers get as long as they need.
  const auto began = std::chrono::steady_clock::now();
  while (!options_.stop_requested() && producer_->OutQueueLength() > 0) {
    producer_->Poll(std::chrono::milliseconds(100));
    if (producer_->OutQueueLength() > 0 &&
        std::chrono::steady_clock::now() - began >= std::chrono::seconds(1)) {
      NoteWaiting("delivering the last messages", began);
    }
  }
  const arrow::Status flushed = producer_->Flush(timeout);
  if (producer_->OutQueueLength() == 0) NoteBack();
  return flushed;
}

SinkCounts KafkaSink::counts() const {
  const auto& counts = producer_->counts();
  return {counts.delivered, counts.failed, counts.first_error};
}

std::string KafkaSink::Describe() const {
  return fmt::format("topic {} at {}", topic_name_, producer_->brokers());
}

}  // namespace timecast::replay
