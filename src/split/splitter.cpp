#include "split/splitter.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <thread>
#include <vector>

#include "kafka/admin.h"
#include "kafka/consumer.h"
#include "kafka/producer.h"
#include "split/idle.h"
#include "util/status.h"

namespace timecast::split {

void SplitCounts::Add(const SplitCounts& other) {
  records_in += other.records_in;
  dead_lettered += other.dead_lettered;
  for (const auto& [topic, count] : other.records_out) records_out[topic] += count;
}

namespace {

using Clock = std::chrono::steady_clock;
using kafka::TxnError;

class Splitter {
 public:
  Splitter(const SplitOptions& options, SplitStats& stats)
      : o_(options),
        stats_(stats),
        idle_(options.until_idle.value_or(util::Nanos(0)), Clock::now()) {}

  arrow::Status Start() {
    ARROW_ASSIGN_OR_RAISE(auto router, Router::Make(o_.routes));
    router_.emplace(std::move(router));

    kafka::Config producer_config = o_.producer_config;
    producer_config.Set("enable.idempotence", "true");
    if (exactly_once()) producer_config.Set("transactional.id", o_.transactional_id);
    // Failed deliveries surface where they matter: a transaction that cannot
    // commit (exactly-once) or a flush that fails (at-least-once).
    ARROW_ASSIGN_OR_RAISE(producer_, kafka::Producer::Create(producer_config));
    const std::string brokers = producer_->brokers();
    ARROW_RETURN_NOT_OK(kafka::CheckReachable(producer_->handle(), brokers, o_.timeout));
    ARROW_ASSIGN_OR_RAISE(auto input_partitions,
                          kafka::FindTopic(producer_->handle(), o_.input_topic, o_.timeout));
    input_partitions_ = input_partitions.value_or(0);
    std::vector<std::string> outputs;
    for (const auto& route : o_.routes) outputs.push_back(route.topic);
    if (o_.dead_letter) outputs.push_back(*o_.dead_letter);
    outputs.push_back(o_.input_topic);
    for (const auto& topic : outputs) {
      ARROW_ASSIGN_OR_RAISE(auto partitions, kafka::FindTopic(producer_->handle(), topic, o_.timeout));
      if (!partitions && o_.create_topics && input_partitions && topic != o_.input_topic) {
        ARROW_RETURN_NOT_OK(kafka::CreateTopic(
            producer_->handle(), {topic, *input_partitions, -1, {{"retention.ms", "-1"}}}, o_.timeout));
        continue;
      }
      if (!partitions) {
        return util::KafkaError(
            "topic '{}' does not exist at {}; create it (e.g. kafka-topics.sh --bootstrap-server {} "
            "--create --topic {} --config retention.ms=-1), or pass --create-topics",
            topic, brokers, brokers, topic);
      }
    }
    for (const auto& route : o_.routes) {
      ARROW_ASSIGN_OR_RAISE(kafka::TopicHandle handle, producer_->Topic(route.topic));
      route_topics_.push_back(handle);
    }
    if (o_.dead_letter) {
      ARROW_ASSIGN_OR_RAISE(dead_letter_topic_, producer_->Topic(*o_.dead_letter));
    }
    if (exactly_once()) ARROW_RETURN_NOT_OK(Fatal(producer_->InitTransactions(o_.timeout)));

    kafka::Config consumer_config = o_.consumer_config;
    consumer_config.Set("group.id", o_.group);
    consumer_config.Set("enable.auto.commit", "false");
    consumer_config.Set("enable.auto.offset.store", "false");
    consumer_config.Set("auto.offset.reset", "earliest");
    consumer_config.Set("isolation.level", "read_committed");
    consumer_config.Set("partition.assignment.strategy", "cooperative-sticky");
    consumer_config.Set("enable.partition.eof", "true");  // for IdleTracker
    auto on_rebalance = [this](auto event, const auto& partitions) {
      OnRebalance(event, partitions);
    };
    ARROW_ASSIGN_OR_RAISE(consumer_, kafka::Consumer::Create(consumer_config, on_rebalance));
    ARROW_RETURN_NOT_OK(consumer_->Subscribe({o_.input_topic}));
    if (exactly_once()) ARROW_RETURN_NOT_OK(Begin());
    return arrow::Status::OK();
  }

  // The main loop; returns why it stopped (OK for a stop or idleness).
  arrow::Status Run(const std::function<bool()>& stop_requested, const SplitProgress& progress) {
    const auto start = Clock::now();
    auto next_progress = start + std::chrono::seconds(1);
    auto next_group_check = start;
    std::optional<Clock::time_point> first_record;
    for (;;) {
      if (stop_requested()) {
        stats_.stop_reason = "stopped by signal";
        break;
      }
      std::optional<kafka::ConsumedMessage> message = consumer_->Poll(PollTimeout());
      ARROW_RETURN_NOT_OK(rebalance_error_);
      producer_->Poll();
      const auto now = Clock::now();
      if (message) {
        switch (message->kind()) {
          case kafka::ConsumedMessage::Kind::kRecord:
            ARROW_RETURN_NOT_OK(Process(*message));
            idle_.Input(message->partition(), now);
            stats_.idle_but_waiting.clear();
            if (!first_record) first_record = now;
            stats_.active = std::chrono::duration_cast<util::Nanos>(now - *first_record);
            break;
          case kafka::ConsumedMessage::Kind::kEndOfPartition:
            idle_.ReachedEnd(message->partition());
            break;
          case kafka::ConsumedMessage::Kind::kError:
            if (message->permanent_error()) {
              return util::KafkaError("consuming '{}': {}", o_.input_topic, message->error_text());
            }
            // Transient (e.g. a broker restarting): librdkafka retries by itself.
            break;
        }
      }
      if (pending_.records_in > 0 && now - transaction_start_ >= o_.commit_interval) {
        ARROW_RETURN_NOT_OK(CommitAndContinue());
      }
      if (o_.until_idle && pending_.records_in == 0 && idle_.Quiet(now) &&
          now >= next_group_check) {
        // One DescribeConsumerGroups round trip per check, only while quiet.
        next_group_check = now + std::chrono::milliseconds(500);
        if (GroupSettled()) {
          stats_.stop_reason = "input idle";
          break;
        }
      }
      if (progress && now >= next_progress) {
        next_progress = now + std::chrono::seconds(1);
        stats_.lag = Lag();
        progress(stats_);
      }
    }
    return arrow::Status::OK();
  }

  // Finishes the open transaction (or aborts it after an error) and leaves the group.
  arrow::Status Finish(bool failed) {
    arrow::Status status;
    if (producer_ && consumer_) {
      if (failed) {
        if (exactly_once() && transaction_open_) {
          (void)producer_->AbortTransaction(o_.timeout);
          transaction_open_ = false;
          ++stats_.transactions_aborted;
        }
      } else {
        status = Commit(/*begin_next=*/false);
      }
      stats_.lag = Lag();
      const arrow::Status closed = consumer_->Close();
      if (status.ok()) status = closed;
      if (status.ok()) status = rebalance_error_;
    }
    if (producer_ && !exactly_once() && !failed && status.ok()) {
      status = producer_->Flush(o_.timeout);
    }
    return status;
  }

 private:
  bool exactly_once() const { return o_.guarantee == Guarantee::kExactlyOnce; }

  // Waits for input at most until the open transaction is due to commit, so a
  // lull in the input does not hold finished records back from downstream.
  std::chrono::milliseconds PollTimeout() const {
    constexpr std::chrono::milliseconds kIdlePoll(50);
    if (pending_.records_in == 0) return kIdlePoll;
    const auto until_commit = std::chrono::ceil<std::chrono::milliseconds>(
        transaction_start_ + o_.commit_interval - Clock::now());
    return std::clamp(until_commit, std::chrono::milliseconds(0), kIdlePoll);
  }

  // Fatal-or-OK: for calls after which there is nothing to retry or abort.
  arrow::Status Fatal(const kafka::TxnResult& result) {
    if (!result) return arrow::Status::OK();
    return util::KafkaError("{}", result->message);
  }

  // Asks the coordinator whether the group has settled (CheckGroup).
  bool GroupSettled() {
    const GroupCheck check = CheckGroup(
        kafka::DescribeGroup(
            consumer_->handle(), o_.group,
            std::min<std::chrono::milliseconds>(o_.timeout, std::chrono::seconds(5))),
        o_.group, consumer_->MemberId(), o_.input_topic, input_partitions_, idle_.assignment());
    if (!check.warning.empty() && warned_.insert(check.warning).second) {
      fmt::print(stderr, "timecast: warning: split: {}\n", check.warning);
    }
    stats_.idle_but_waiting = check.waiting_for;
    return check.settled;
  }

  arrow::Status Begin() {
    ARROW_RETURN_NOT_OK(Fatal(producer_->BeginTransaction()));
    transaction_open_ = true;
    transaction_start_ = Clock::now();
    return arrow::Status::OK();
  }

  arrow::Status Process(const kafka::ConsumedMessage& message) {
    router_->Decide(message.value(), &decisions_);
    headers_.clear();
    message.AppendHeaders(&headers_);
    const size_t source_headers = headers_.size();
    kafka::Message out;
    out.key = message.key();
    out.timestamp_ms = message.timestamp_ms();
    if (out.timestamp_ms < 0) out.timestamp_ms = 0;
    for (const Decision& decision : decisions_) {
      out.value = decision.value;
      headers_.resize(source_headers);
      if (decision.route >= 0) {
        out.topic = route_topics_[static_cast<size_t>(decision.route)];
        ++pending_.records_out[o_.routes[static_cast<size_t>(decision.route)].topic];
      } else {
        const std::string where = fmt::format("{} [{}] at offset {}", o_.input_topic,
                                              message.partition(), message.offset());
        if (!dead_letter_topic_) {
          return util::InputError(
              "{}: {}; pass --dead-letter TOPIC to set such records aside (the transaction "
              "holding it was aborted)",
              where, decision.reason);
        }
        partition_text_ = std::to_string(message.partition());
        offset_text_ = std::to_string(message.offset());
        headers_.push_back({"timecast.error", decision.reason});
        headers_.push_back({"timecast.source.topic", o_.input_topic});
        headers_.push_back({"timecast.source.partition", partition_text_});
        headers_.push_back({"timecast.source.offset", offset_text_});
        out.topic = dead_letter_topic_;
        ++pending_.records_out[*o_.dead_letter];
        ++pending_.dead_lettered;
      }
      out.headers = headers_;
      ARROW_RETURN_NOT_OK(producer_->Produce(out));
    }
    ++pending_.records_in;
    return arrow::Status::OK();
  }

  // Commits what was done since the last commit; begins the next
  // transaction unless `begin_next` is false.
  arrow::Status Commit(bool begin_next) {
    if (!exactly_once()) return CommitAtLeastOnce();
    if (!transaction_open_) return arrow::Status::OK();
    ARROW_ASSIGN_OR_RAISE(const auto offsets, OffsetsToCommit());
    auto group = consumer_->GroupMetadata();
    const auto commit_start = Clock::now();
    for (int attempt = 0;; ++attempt) {
      kafka::TxnResult result;
      if (!offsets.empty()) {
        result = producer_->SendOffsetsToTransaction(offsets, group.get(), o_.timeout);
      }
      if (!result) result = producer_->CommitTransaction(o_.timeout);
      if (!result) break;
      if (result->kind == TxnError::Kind::kRetriable && attempt < 5) continue;
      if (result->kind == TxnError::Kind::kAbortable) return AbortAndRewind(begin_next, result->message);
      return util::KafkaError("{}", result->message);
    }
    transaction_open_ = false;
    stats_.commit_time.Record(Clock::now() - commit_start);
    stats_.committed.Add(pending_);
    pending_ = {};
    ++stats_.transactions_committed;
    if (begin_next) ARROW_RETURN_NOT_OK(Begin());
    return arrow::Status::OK();
  }

  arrow::Status CommitAndContinue() { return Commit(/*begin_next=*/true); }

  // The position of each assigned partition something was consumed from:
  // the offsets a commit stores.
  arrow::Result<std::vector<kafka::TopicPartitionOffset>> OffsetsToCommit() {
    ARROW_ASSIGN_OR_RAISE(auto positions, consumer_->Positions());
    std::erase_if(positions, [](const auto& position) { return position.offset < 0; });
    return positions;
  }

  arrow::Status AbortAndRewind(bool begin_next, const std::string& why) {
    fmt::print(stderr, "timecast: split: aborting a transaction ({}); rewinding to committed offsets\n",
               why);
    ARROW_RETURN_NOT_OK(Fatal(producer_->AbortTransaction(o_.timeout)));
    transaction_open_ = false;
    pending_ = {};
    ++stats_.transactions_aborted;
    ARROW_RETURN_NOT_OK(consumer_->RewindToCommitted(o_.timeout));
    idle_.Rewound(Clock::now());
    if (begin_next) ARROW_RETURN_NOT_OK(Begin());
    return arrow::Status::OK();
  }

  arrow::Status CommitAtLeastOnce() {
    if (pending_.records_in == 0) return arrow::Status::OK();
    const auto commit_start = Clock::now();
    // Output first, offsets after: a crash in between repeats, never loses.
    ARROW_RETURN_NOT_OK(producer_->Flush(o_.timeout));
    ARROW_ASSIGN_OR_RAISE(const auto offsets, OffsetsToCommit());
    if (!offsets.empty()) ARROW_RETURN_NOT_OK(consumer_->Commit(offsets));
    stats_.commit_time.Record(Clock::now() - commit_start);
    stats_.committed.Add(pending_);
    pending_ = {};
    ++stats_.transactions_committed;
    transaction_start_ = Clock::now();
    return arrow::Status::OK();
  }

  void OnRebalance(kafka::RebalanceEvent event,
                   const std::vector<kafka::TopicPartitionOffset>& partitions) {
    arrow::Status status;
    const auto now = Clock::now();
    if (event == kafka::RebalanceEvent::kAssigned) {
      status = consumer_->IncrementalAssign(partitions);
      for (const auto& assigned : partitions) idle_.Assigned(assigned.partition, now);
    } else {
      for (const auto& revoked : partitions) idle_.Revoked(revoked.partition, now);
      // Finish the work on the partitions we are losing before someone else
      // takes them; if they are already lost, our transaction must not commit.
      if (exactly_once() && consumer_->AssignmentLost()) {
        if (transaction_open_) {
          status = Fatal(producer_->AbortTransaction(o_.timeout));
          transaction_open_ = false;
          pending_ = {};
          ++stats_.transactions_aborted;
          if (status.ok() && !closing_) status = Begin();
        }
      } else if (transaction_open_ || !exactly_once()) {
        status = Commit(/*begin_next=*/exactly_once() && !closing_);
      }
      const arrow::Status unassigned = consumer_->IncrementalUnassign(partitions);
      if (status.ok()) status = unassigned;
    }
    if (!status.ok() && rebalance_error_.ok()) rebalance_error_ = status;
  }

  int64_t Lag() {
    auto positions = consumer_->Positions();
    if (!positions.ok()) return stats_.lag;
    int64_t lag = 0;
    for (const auto& partition : *positions) {
      const auto marks = consumer_->CachedWatermarks(partition.topic, partition.partition);
      if (!marks) continue;
      const int64_t position = partition.offset >= 0 ? partition.offset : marks->low;
      if (marks->high > position) lag += marks->high - position;
    }
    return lag;
  }

 public:
  bool closing_ = false;

 private:
  const SplitOptions& o_;
  SplitStats& stats_;
  std::optional<Router> router_;
  std::unique_ptr<kafka::Producer> producer_;
  std::unique_ptr<kafka::Consumer> consumer_;
  std::vector<kafka::TopicHandle> route_topics_;
  kafka::TopicHandle dead_letter_topic_;
  std::vector<Decision> decisions_;
  std::vector<kafka::Header> headers_;
  std::string partition_text_, offset_text_;
  SplitCounts pending_;  // in the open transaction
  bool transaction_open_ = false;
  Clock::time_point transaction_start_;
  arrow::Status rebalance_error_;
  IdleTracker idle_;
  int input_partitions_ = 0;
  std::set<std::string> warned_;  // warnings already printed
};

}  // namespace

SplitStats RunSplit(const SplitOptions& options, const std::function<bool()>& stop_requested,
                    const SplitProgress& progress) {
  SplitStats stats;
  const auto start = Clock::now();
  Splitter splitter(options, stats);
  arrow::Status status = splitter.Start();
  if (status.ok()) status = splitter.Run(stop_requested, progress);
  splitter.closing_ = true;
  const arrow::Status finished = splitter.Finish(/*failed=*/!status.ok());
  if (status.ok()) status = finished;
  if (!status.ok() && stats.stop_reason.empty()) stats.stop_reason = "error";
  stats.status = status;
  stats.wall = std::chrono::duration_cast<util::Nanos>(Clock::now() - start);
  return stats;
}

}  // namespace timecast::split
