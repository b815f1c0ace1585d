#include "verify/verifier.h"

#include <arrow/record_batch.h>
#include <arrow/type.h>
#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <functional>
#include <memory>
#include <queue>

#include "encode/json_encoder.h"
#include "kafka/admin.h"
#include "kafka/consumer.h"
#include "source/parquet_source.h"
#include "source/sqlite_source.h"
#include "util/json_records.h"
#include "util/status.h"

namespace timecast::verify {
namespace {

using Clock = std::chrono::steady_clock;
constexpr char kSeparator = '\x1f';
// A null key cell: not a text any real value can have.
constexpr std::string_view kNull("\0null", 5);

struct SourceEntry {
  uint64_t key;
  uint64_t value;
  uint64_t row;  // ordinal in the source
};

struct TopicEntry {
  uint64_t key;
  uint64_t value;
  uint32_t topic;
  int32_t partition;
  int64_t offset;
};

uint64_t Hash(std::string_view bytes) { return std::hash<std::string_view>{}(bytes); }

arrow::Result<std::unique_ptr<source::BatchSource>> OpenSource(const std::string& spec) {
  if (source::IsSqliteInput(spec)) {
    ARROW_ASSIGN_OR_RAISE(auto sqlite_spec, source::ParseSqliteSpec(spec));
    ARROW_ASSIGN_OR_RAISE(auto sqlite, source::SqliteSource::Open(sqlite_spec, {}));
    return std::unique_ptr<source::BatchSource>(std::move(sqlite));
  }
  ARROW_ASSIGN_OR_RAISE(auto files, source::ExpandParquetInputs(spec));
  ARROW_ASSIGN_OR_RAISE(auto parquet, source::ParquetSource::Open(files, {.batch_rows = 65536}));
  return std::unique_ptr<source::BatchSource>(std::move(parquet));
}

arrow::Result<std::vector<int>> Indices(const arrow::Schema& schema,
                                        const std::vector<std::string>& names, const char* role) {
  std::vector<int> indices;
  for (const auto& name : names) {
    const int index = schema.GetFieldIndex(name);
    if (index < 0) return util::UsageError("{} column '{}' is not in the source", role, name);
    indices.push_back(index);
  }
  return indices;
}

std::shared_ptr<arrow::Schema> Select(const arrow::Schema& schema, const std::vector<int>& indices) {
  std::vector<std::shared_ptr<arrow::Field>> fields;
  for (int i : indices) fields.push_back(schema.field(i)->WithName("c" + std::to_string(fields.size())));
  return arrow::schema(fields);
}

class Verifier {
 public:
  explicit Verifier(const VerifyOptions& options) : o_(options) {}

  arrow::Result<VerifyReport> Run() {
    ARROW_RETURN_NOT_OK(ReadSource());
    ARROW_RETURN_NOT_OK(ReadTopics());
    Compare();
    if (!missing_rows_.empty()) ARROW_RETURN_NOT_OK(DescribeMissing());
    return std::move(report_);
  }

 private:
  // Encodes every source row as replay would and keeps (key, value) hashes.
  arrow::Status ReadSource() {
    const auto started = Clock::now();
    ARROW_ASSIGN_OR_RAISE(source_, OpenSource(o_.source));
    const auto schema = source_->schema();
    key_columns_ = o_.key_columns;
    if (key_columns_.empty() && schema->GetFieldIndex("ID") >= 0 && schema->GetFieldIndex("Event") >= 0) {
      key_columns_ = {"ID", "Event"};
    }
    report_.key_description = key_columns_.empty() ? "the whole record" : "";
    for (const auto& name : key_columns_) {
      report_.key_description += (report_.key_description.empty() ? "" : "+") + name;
    }
    if (o_.value_columns.empty()) {
      for (int i = 0; i < schema->num_fields(); ++i) value_indices_.push_back(i);
    } else {
      ARROW_ASSIGN_OR_RAISE(value_indices_, Indices(*schema, o_.value_columns, "value"));
    }
    ARROW_ASSIGN_OR_RAISE(key_indices_, Indices(*schema, key_columns_, "key"));
    std::vector<std::shared_ptr<arrow::Field>> value_fields;
    for (int i : value_indices_) value_fields.push_back(schema->field(i));
    ARROW_ASSIGN_OR_RAISE(values_, encode::JsonEncoder::Make(arrow::schema(value_fields)));
    ARROW_ASSIGN_OR_RAISE(keys_, encode::JsonEncoder::Make(Select(*schema, key_indices_)));

    encode::ByteBuffer value, key;
    uint64_t row_number = 0;
    for (;;) {
      ARROW_ASSIGN_OR_RAISE(auto next, source_->Next());
      if (!next) break;
      ARROW_ASSIGN_OR_RAISE(auto value_batch, next->batch->SelectColumns(value_indices_));
      ARROW_ASSIGN_OR_RAISE(auto key_batch, next->batch->SelectColumns(key_indices_));
      ARROW_RETURN_NOT_OK(values_->Bind(*value_batch));
      ARROW_RETURN_NOT_OK(keys_->Bind(*key_batch));
      for (int64_t row = 0; row < next->batch->num_rows(); ++row) {
        value.Clear();
        values_->AppendRow(row, &value);
        const uint64_t value_hash = Hash(value.view());
        uint64_t key_hash = value_hash;
        if (!key_indices_.empty()) {
          KeyText(row, &key);
          key_hash = Hash(key.view());
        }
        source_entries_.push_back({key_hash, value_hash, row_number++});
      }
    }
    report_.expected = source_entries_.size();
    report_.source_seconds = std::chrono::duration<double>(Clock::now() - started).count();
    return arrow::Status::OK();
  }

  void KeyText(int64_t row, encode::ByteBuffer* key) {
    key->Clear();
    for (size_t k = 0; k < key_indices_.size(); ++k) {
      if (k > 0) key->Push(kSeparator);
      if (!keys_->AppendCellText(static_cast<int>(k), row, key)) key->Append(kNull);
    }
  }

  arrow::Status ReadTopics() {
    const auto started = Clock::now();
    kafka::Config config = o_.consumer_config;
    config.Set("group.id", "timecast-verify");  // never commits: assign() reads from the start
    config.Set("enable.auto.commit", "false");
    config.Set("isolation.level", "read_committed");
    config.Set("enable.partition.eof", "true");
    ARROW_ASSIGN_OR_RAISE(auto consumer, kafka::Consumer::Create(config));
    const std::string brokers = config.Get("bootstrap.servers").value_or("");
    ARROW_RETURN_NOT_OK(kafka::CheckReachable(consumer->handle(), brokers, o_.timeout));
    int partitions_total = 0;
    for (const auto& topic : o_.topics) {
      ARROW_ASSIGN_OR_RAISE(auto partitions, kafka::FindTopic(consumer->handle(), topic, o_.timeout));
      if (!partitions) return util::KafkaError("topic '{}' does not exist at {}", topic, brokers);
      partitions_total += *partitions;
      report_.found_per_topic[topic] = 0;
    }
    ARROW_RETURN_NOT_OK(consumer->AssignAllFromBeginning(o_.topics, o_.timeout));

    std::map<std::pair<std::string, int32_t>, bool> at_end;
    std::map<std::pair<uint32_t, int32_t>, double> last_time;
    std::vector<std::string_view> records;
    std::string buffer, record_buffer;
    simdjson::ondemand::parser array_parser, record_parser;
    auto quiet_since = Clock::now();
    while (static_cast<int>(at_end.size()) < partitions_total) {
      std::optional<kafka::ConsumedMessage> message =
          consumer->Poll(std::chrono::milliseconds(200));
      if (!message) {
        if (Clock::now() - quiet_since > o_.timeout) {
          return util::KafkaError("no data and no end of partition from {} within {} ms", brokers,
                                  o_.timeout.count());
        }
        continue;
      }
      quiet_since = Clock::now();
      const std::string topic(message->topic());
      if (message->kind() == kafka::ConsumedMessage::Kind::kEndOfPartition) {
        at_end[{topic, message->partition()}] = true;
        continue;
      }
      if (message->kind() == kafka::ConsumedMessage::Kind::kError) {
        return util::KafkaError("reading {} [{}]: {}", topic, message->partition(),
                                message->error_text());
      }
      const uint32_t topic_index = static_cast<uint32_t>(
          std::find(o_.topics.begin(), o_.topics.end(), topic) - o_.topics.begin());
      RecordLateness(*message);
      const std::string_view value = message->value();
      if (!util::SplitJsonRecords(value, array_parser, &buffer, &records)) records = {value};
      for (const std::string_view record : records) {
        ++report_.found;
        ++report_.found_per_topic[topic];
        const uint64_t value_hash = Hash(record);
        uint64_t key_hash = value_hash;
        double time = 0;
        const bool parsed = ParseRecord(record, record_parser, &record_buffer, &key_hash, &time);
        if (parsed) {
          auto [it, first] = last_time.try_emplace({topic_index, message->partition()}, time);
          if (!first) {
            if (time < it->second) ++report_.out_of_order;
            it->second = std::max(it->second, time);
          }
        }
        topic_entries_.push_back(
            {key_hash, value_hash, topic_index, message->partition(), message->offset()});
      }
    }
    (void)consumer->Close();
    report_.topic_seconds = std::chrono::duration<double>(Clock::now() - started).count();
    return arrow::Status::OK();
  }

  // The key (as the source side builds it) and the time of one JSON record.
  bool ParseRecord(std::string_view record, simdjson::ondemand::parser& parser, std::string* buffer,
                   uint64_t* key_hash, double* time) {
    simdjson::ondemand::document doc;
    simdjson::ondemand::object object;
    if (parser.iterate(util::PadForSimdjson(record, buffer)).get(doc) || doc.get_object().get(object)) {
      return false;
    }
    key_text_.clear();
    for (size_t k = 0; k < key_columns_.size(); ++k) {
      if (k > 0) key_text_ += kSeparator;
      simdjson::ondemand::value field;
      if (object.find_field_unordered(key_columns_[k]).get(field)) return false;
      simdjson::ondemand::json_type type;
      if (field.type().get(type)) return false;
      std::string_view text;
      if (type == simdjson::ondemand::json_type::string) {
        if (field.get_string().get(text)) return false;
      } else if (type == simdjson::ondemand::json_type::null) {
        text = kNull;
      } else {
        text = field.raw_json_token();
        while (!text.empty() && (text.back() == ' ' || text.back() == ',' || text.back() == '}' ||
                                 text.back() == '\n')) {
          text.remove_suffix(1);
        }
      }
      key_text_ += text;
    }
    if (!key_columns_.empty()) *key_hash = Hash(key_text_);
    simdjson::ondemand::value field;
    if (object.find_field_unordered(o_.time_column).get(field)) return false;
    return !field.get_double().get(*time);
  }

  void RecordLateness(const kafka::ConsumedMessage& message) {
    const auto due = message.IntegerHeader("timecast.due");
    const auto sent = message.IntegerHeader("timecast.sent");
    if (due && sent) report_.lateness.Record(util::Nanos(*sent - *due));
  }

  std::string Where(const TopicEntry& entry) const {
    return fmt::format("{} [{}] at offset {}", o_.topics[entry.topic], entry.partition, entry.offset);
  }

  void Example(std::string text) {
    if (report_.examples.size() < 10) report_.examples.push_back(std::move(text));
  }

  void Compare() {
    auto by_key = [](const auto& a, const auto& b) {
      return a.key != b.key ? a.key < b.key : a.value < b.value;
    };
    std::sort(source_entries_.begin(), source_entries_.end(), by_key);
    std::sort(topic_entries_.begin(), topic_entries_.end(), by_key);
    size_t s = 0, t = 0;
    while (s < source_entries_.size() || t < topic_entries_.size()) {
      const uint64_t key = s == source_entries_.size()   ? topic_entries_[t].key
                           : t == topic_entries_.size() ? source_entries_[s].key
                                                         : std::min(source_entries_[s].key, topic_entries_[t].key);
      const size_t s_begin = s, t_begin = t;
      while (s < source_entries_.size() && source_entries_[s].key == key) ++s;
      while (t < topic_entries_.size() && topic_entries_[t].key == key) ++t;
      const size_t expected = s - s_begin, found = t - t_begin;
      if (expected == 0) {
        report_.unexpected += found;
        Example("unexpected record (no such source row) at " + Where(topic_entries_[t_begin]));
        continue;
      }
      if (found < expected) {
        report_.missing += expected - found;
        // Keep the five earliest in source order: those are what people look for.
        for (size_t i = s_begin; i < s_begin + (expected - found); ++i) {
          missing_rows_.push(source_entries_[i].row);
          if (missing_rows_.size() > 5) missing_rows_.pop();
        }
      } else if (found > expected) {
        report_.duplicated += found - expected;
        std::string places;
        for (size_t i = t_begin; i < t && i < t_begin + 3; ++i) places += (places.empty() ? "" : ", ") + Where(topic_entries_[i]);
        Example(fmt::format("{} copies of one source row: {}", found, places));
      }
      // Values: every source copy should find a record with its exact bytes.
      size_t same = 0;
      for (size_t i = s_begin; i < s; ++i) {
        for (size_t j = t_begin; j < t; ++j) {
          if (topic_entries_[j].value == source_entries_[i].value) {
            ++same;
            break;
          }
        }
      }
      const size_t present = std::min(expected, found);
      if (same < present) {
        report_.differing += present - same;
        Example("fields differ from the source at " + Where(topic_entries_[t_begin]));
      }
      report_.matched += std::min(same, present);
    }
  }

  // Names a few missing rows by their key, with a second pass over the source.
  arrow::Status DescribeMissing() {
    std::vector<uint64_t> rows;
    for (; !missing_rows_.empty(); missing_rows_.pop()) rows.push_back(missing_rows_.top());
    std::sort(rows.begin(), rows.end());
    ARROW_RETURN_NOT_OK(source_->Rewind());
    uint64_t row_number = 0;
    size_t next = 0;
    encode::ByteBuffer key;
    while (next < rows.size()) {
      ARROW_ASSIGN_OR_RAISE(auto batch, source_->Next());
      if (!batch) break;
      ARROW_ASSIGN_OR_RAISE(auto key_batch, batch->batch->SelectColumns(key_indices_));
      ARROW_RETURN_NOT_OK(keys_->Bind(*key_batch));
      for (int64_t row = 0; row < batch->batch->num_rows() && next < rows.size(); ++row, ++row_number) {
        if (row_number != rows[next]) continue;
        std::string text;
        if (!key_indices_.empty()) {
          KeyText(row, &key);
          text = std::string(key.view());
          std::replace(text.begin(), text.end(), kSeparator, ' ');
        }
        Example(fmt::format("missing: {} ({})", source::DescribePosition(*batch, row),
                            text.empty() ? "no key columns" : report_.key_description + " " + text));
        ++next;
      }
    }
    return arrow::Status::OK();
  }

  const VerifyOptions& o_;
  VerifyReport report_;
  std::unique_ptr<source::BatchSource> source_;
  std::vector<std::string> key_columns_;
  std::vector<int> value_indices_, key_indices_;
  std::unique_ptr<encode::JsonEncoder> values_, keys_;
  std::vector<SourceEntry> source_entries_;
  std::vector<TopicEntry> topic_entries_;
  std::priority_queue<uint64_t> missing_rows_;  // the smallest few, largest on top
  std::string key_text_;
};

}  // namespace

arrow::Result<VerifyReport> Verify(const VerifyOptions& options) {
  if (options.topics.empty()) return util::UsageError("verify needs at least one --topic");
  Verifier verifier(options);
  return verifier.Run();
}

}  // namespace timecast::verify
