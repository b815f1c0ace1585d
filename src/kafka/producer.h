// The producer lifecycle of librdkafka's examples/producer.c, once: delivery
// reports counted, poll after produce, wait on a full queue, flush with a
// timeout, and anything undelivered turned into an error.
#pragma once

#include <arrow/result.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "kafka/config.h"
#include "kafka/handle.h"

namespace timecast::kafka {

class Producer;

// A topic as one producer sends to it (Producer::Topic). Cheap to copy; valid
// while that producer lives. A default-constructed one names no topic.
class TopicHandle {
 public:
  TopicHandle() = default;
  explicit operator bool() const { return topic_ != nullptr; }

 private:
  friend class Producer;
  explicit TopicHandle(rd_kafka_topic_t* topic) : topic_(topic) {}
  rd_kafka_topic_t* topic_ = nullptr;
};

struct Message {
  TopicHandle topic;
  int32_t partition = RD_KAFKA_PARTITION_UA;
  std::optional<std::string_view> key;  // nullopt: no key (null), not an empty one
  std::string_view value;
  std::span<const Header> headers;
  int64_t timestamp_ms = 0;  // 0: librdkafka stamps the send time
  void* opaque = nullptr;    // handed back in the delivery report
  // false: librdkafka references `value` instead of copying it; the caller
  // keeps the bytes alive until the delivery report. Keys and headers are
  // always copied.
  bool copy_value = true;
};

// A failed transactional call, classified as librdkafka's
// examples/transactions.c handles them.
struct TxnError {
  enum class Kind {
    kRetriable,  // try the same call again
    kAbortable,  // abort the transaction, rewind the input, go on
    kFatal,      // e.g. fenced by a newer instance: stop
  };
  Kind kind;
  std::string message;
};
using TxnResult = std::optional<TxnError>;  // nullopt on success

struct DeliveryCounts {
  uint64_t delivered = 0;
  uint64_t failed = 0;
  std::string first_error;  // librdkafka's text for the first failed delivery
};

// One message's delivery report.
struct DeliveryReport {
  void* opaque = nullptr;  // Message::opaque
  size_t value_bytes = 0;
  bool delivered = false;  // false: failed (or purged with an aborted transaction)
};

class Producer {
 public:
  // Called for every delivery report, from whichever call serves them
  // (Poll, Flush, Produce on a full queue, a transaction's commit or abort)
  // on that call's thread.
  using DeliveryHandler = std::function<void(const DeliveryReport&)>;

  // `config` must hold bootstrap.servers. librdkafka keeps a copy of the conf.
  static arrow::Result<std::unique_ptr<Producer>> Create(const Config& config,
                                                         DeliveryHandler on_delivery = {});
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Called while Produce waits on a full queue (the brokers are slow or
  // away) with how long it has waited so far, about every 100 ms; returning
  // false gives up, and Produce fails with an undelivered-class error.
  // Without one Produce waits as long as it takes.
  using QueueFullHandler = std::function<bool(std::chrono::milliseconds waited)>;
  void OnQueueFull(QueueFullHandler handler) { on_queue_full_ = std::move(handler); }

  // The handle for topic `name`, created on first use; the same one after.
  arrow::Result<TopicHandle> Topic(const std::string& name);

  // Enqueues a copy of the message. While librdkafka's queue is full it
  // serves delivery reports and retries, so this blocks but never drops.
  arrow::Status Produce(const Message& message);

  // Serves delivery reports; never blocks longer than `timeout`.
  void Poll(std::chrono::milliseconds timeout = std::chrono::milliseconds(0));

  // Waits up to `timeout` for everything queued to be delivered. Fails with an
  // undelivered-class error (exit 5) counting what failed or is still queued.
  arrow::Status Flush(std::chrono::milliseconds timeout);

  // Transactions (the producer's config must set transactional.id).
  TxnResult InitTransactions(std::chrono::milliseconds timeout);
  TxnResult BeginTransaction();
  // Commits the consumer's `offsets` (next offsets to read) with the
  // transaction; `group` is Consumer::GroupMetadata().
  TxnResult SendOffsetsToTransaction(const std::vector<TopicPartitionOffset>& offsets,
                                     const rd_kafka_consumer_group_metadata_t* group,
                                     std::chrono::milliseconds timeout);
  TxnResult CommitTransaction(std::chrono::milliseconds timeout);
  TxnResult AbortTransaction(std::chrono::milliseconds timeout);

  // librdkafka's fatal error (e.g. "fenced": a newer producer took over
  // this transactional.id), or nullopt while there is none.
  std::optional<std::string> FatalError() const;

  const DeliveryCounts& counts() const { return counts_; }
  int OutQueueLength() const { return rd_kafka_outq_len(handle_.get()); }
  const std::string& brokers() const { return brokers_; }
  rd_kafka_t* handle() const { return handle_.get(); }

 private:
  Producer() = default;
  static void OnDeliveryReport(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque);

  HandlePtr handle_;
  std::string brokers_;
  DeliveryHandler on_delivery_;
  QueueFullHandler on_queue_full_;
  DeliveryCounts counts_;
  std::map<std::string, TopicPtr, std::less<>> topics_;
};

}  // namespace timecast::kafka
