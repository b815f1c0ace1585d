#include "kafka/producer.h"

#include <fmt/format.h>

#include <vector>

#include "util/status.h"

namespace timecast::kafka {

arrow::Result<std::unique_ptr<Producer>> Producer::Create(const Config& config,
                                                          DeliveryHandler on_delivery) {
  std::unique_ptr<Producer> producer(new Producer());
  producer->brokers_ = config.Get("bootstrap.servers").value_or("");
  producer->on_delivery_ = std::move(on_delivery);
  ARROW_ASSIGN_OR_RAISE(ConfPtr conf, WithQuietLogs(config).Build());
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &Producer::OnDeliveryReport);
  rd_kafka_conf_set_opaque(conf.get(), producer.get());
  char errstr[512];
  rd_kafka_t* handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), errstr, sizeof errstr);
  if (handle == nullptr) return util::KafkaError("cannot create Kafka producer: {}", errstr);
  conf.release();  // rd_kafka_new took ownership.
  producer->handle_.reset(handle);
  return producer;
}

Producer::~Producer() {
  topics_.clear();  // Topic handles go before the client handle.
}

void Producer::OnDeliveryReport(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  auto* self = static_cast<Producer*>(opaque);
  if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    ++self->counts_.delivered;
  } else {
    if (self->counts_.failed++ == 0) self->counts_.first_error = rd_kafka_err2str(message->err);
  }
  if (self->on_delivery_) {
    self->on_delivery_(DeliveryReport{message->_private, message->len,
                                      message->err == RD_KAFKA_RESP_ERR_NO_ERROR});
  }
}

arrow::Result<TopicHandle> Producer::Topic(const std::string& name) {
  if (auto it = topics_.find(name); it != topics_.end()) return TopicHandle(it->second.get());
  rd_kafka_topic_t* topic = rd_kafka_topic_new(handle_.get(), name.c_str(), nullptr);
  if (topic == nullptr) return ErrorStatus(rd_kafka_last_error(), "topic '" + name + "'");
  topics_.emplace(name, TopicPtr(topic));
  return TopicHandle(topic);
}

arrow::Status Producer::Produce(const Message& message) {
  rd_kafka_vu_t values[8];
  size_t count = 0;
  values[count].vtype = RD_KAFKA_VTYPE_RKT;
  values[count++].u.rkt = message.topic.topic_;
  values[count].vtype = RD_KAFKA_VTYPE_PARTITION;
  values[count++].u.i32 = message.partition;
  values[count].vtype = RD_KAFKA_VTYPE_VALUE;
  values[count].u.mem.ptr = const_cast<char*>(message.value.data());
  values[count++].u.mem.size = message.value.size();
  if (message.key) {
    values[count].vtype = RD_KAFKA_VTYPE_KEY;
    values[count].u.mem.ptr = const_cast<char*>(message.key->data());
    values[count++].u.mem.size = message.key->size();
  }
  values[count].vtype = RD_KAFKA_VTYPE_MSGFLAGS;
  values[count++].u.i32 = message.copy_value ? RD_KAFKA_MSG_F_COPY : 0;
  values[count].vtype = RD_KAFKA_VTYPE_TIMESTAMP;
  values[count++].u.i64 = message.timestamp_ms;
  values[count].vtype = RD_KAFKA_VTYPE_OPAQUE;
  values[count++].u.ptr = message.opaque;
  rd_kafka_headers_t* headers = nullptr;
  if (!message.headers.empty()) {
    headers = rd_kafka_headers_new(message.headers.size());
    for (const Header& header : message.headers) {
      rd_kafka_header_add(headers, header.name.data(), static_cast<ssize_t>(header.name.size()),
                          header.value.data(), static_cast<ssize_t>(header.value.size()));
    }
    values[count].vtype = RD_KAFKA_VTYPE_HEADERS;
    values[count++].u.headers = headers;
  }
  const auto began = std::chrono::steady_clock::now();
  auto next_call = began + std::chrono::milliseconds(100);
  for (;;) {
    rd_kafka_error_t* raw_error = rd_kafka_produceva(handle_.get(), values, count);
    if (raw_error == nullptr) return arrow::Status::OK();  // librdkafka owns the headers now.
    ErrorPtr error(raw_error);
    if (rd_kafka_error_code(error.get()) != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      if (headers != nullptr) rd_kafka_headers_destroy(headers);
      return util::KafkaError("producing to '{}': {}", rd_kafka_topic_name(message.topic.topic_),
                              rd_kafka_error_string(error.get()));
    }
    // Queue full: deliveries free room; wait for some rather than spin.
    rd_kafka_poll(handle_.get(), 10);
    const auto now = std::chrono::steady_clock::now();
    if (on_queue_full_ && now >= next_call) {
      next_call = now + std::chrono::milliseconds(100);
      if (!on_queue_full_(std::chrono::duration_cast<std::chrono::milliseconds>(now - began))) {
        if (headers != nullptr) rd_kafka_headers_destroy(headers);
        return util::UndeliveredError("producing to '{}': gave up waiting for room in the queue",
                                      rd_kafka_topic_name(message.topic.topic_));
      }
    }
  }
}

std::optional<std::string> Producer::FatalError() const {
  char text[512];
  const rd_kafka_resp_err_t error = rd_kafka_fatal_error(handle_.get(), text, sizeof text);
  if (error == RD_KAFKA_RESP_ERR_NO_ERROR) return std::nullopt;
  return fmt::format("{} ({})", text, rd_kafka_err2name(error));
}

void Producer::Poll(std::chrono::milliseconds timeout) {
  rd_kafka_poll(handle_.get(), static_cast<int>(timeout.count()));
}

arrow::Status Producer::Flush(std::chrono::milliseconds timeout) {
  rd_kafka_flush(handle_.get(), static_cast<int>(timeout.count()));
  const int queued = OutQueueLength();
  if (queued > 0 || counts_.failed > 0) {
    std::string reason = counts_.failed > 0 ? "; first error: " + counts_.first_error : "";
    return util::UndeliveredError(
        "{} message(s) not delivered to {} ({} failed, {} still queued after {} ms){}",
        counts_.failed + static_cast<uint64_t>(queued), brokers_, counts_.failed, queued,
        timeout.count(), reason);
  }
  return arrow::Status::OK();
}

namespace {

TxnResult Classify(rd_kafka_error_t* raw, std::string_view call) {
  if (raw == nullptr) return std::nullopt;
  ErrorPtr error(raw);
  TxnError::Kind kind = TxnError::Kind::kFatal;
  if (rd_kafka_error_is_fatal(error.get())) {
    kind = TxnError::Kind::kFatal;
  } else if (rd_kafka_error_txn_requires_abort(error.get())) {
    kind = TxnError::Kind::kAbortable;
  } else if (rd_kafka_error_is_retriable(error.get())) {
    kind = TxnError::Kind::kRetriable;
  }
  return TxnError{kind, fmt::format("{}: {} ({})", call, rd_kafka_error_string(error.get()),
                                    rd_kafka_error_name(error.get()))};
}

}  // namespace

TxnResult Producer::InitTransactions(std::chrono::milliseconds timeout) {
  return Classify(rd_kafka_init_transactions(handle_.get(), static_cast<int>(timeout.count())),
                  "init_transactions");
}

TxnResult Producer::BeginTransaction() {
  return Classify(rd_kafka_begin_transaction(handle_.get()), "begin_transaction");
}

TxnResult Producer::SendOffsetsToTransaction(const std::vector<TopicPartitionOffset>& offsets,
                                             const rd_kafka_consumer_group_metadata_t* group,
                                             std::chrono::milliseconds timeout) {
  const PartitionListPtr list = ToPartitionList(offsets);
  return Classify(rd_kafka_send_offsets_to_transaction(handle_.get(), list.get(), group,
                                                       static_cast<int>(timeout.count())),
                  "send_offsets_to_transaction");
}

TxnResult Producer::CommitTransaction(std::chrono::milliseconds timeout) {
  return Classify(rd_kafka_commit_transaction(handle_.get(), static_cast<int>(timeout.count())),
                  "commit_transaction");
}

TxnResult Producer::AbortTransaction(std::chrono::milliseconds timeout) {
  return Classify(rd_kafka_abort_transaction(handle_.get(), static_cast<int>(timeout.count())),
                  "abort_transaction");
}

}  // namespace timecast::kafka
