// `split` as a service: consume the source topic read_committed, route each
// record, produce it to its topic, and commit the consumed offsets in the same
// Kafka transaction as the output (KIP-447, as librdkafka's
// examples/transactions.c), one transaction per commit interval.
#pragma once

#include <arrow/status.h>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kafka/config.h"
#include "split/router.h"
#include "util/duration.h"
#include "util/histogram.h"

namespace timecast::split {

enum class Guarantee {
  kExactlyOnce,  // transactional producer; offsets committed inside the transaction
  kAtLeastOnce,  // idempotent producer; offsets committed after the output is flushed
};

struct SplitOptions {
  std::string input_topic;
  std::vector<Route> routes;
  // Where records that cannot be routed go; without it such a record aborts
  // its transaction and stops the job with an input error (exit 3).
  std::optional<std::string> dead_letter;
  std::string group = "timecast-split";
  Guarantee guarantee = Guarantee::kExactlyOnce;
  util::Nanos commit_interval = std::chrono::milliseconds(100);
  // Stop once every assigned partition is read to its end, no input or
  // assignment change came for this long and the group has settled (split/idle.h).
  std::optional<util::Nanos> until_idle;
  kafka::Config consumer_config;  // bootstrap.servers, user properties
  kafka::Config producer_config;
  std::string transactional_id;
  // Create missing output topics with the input's partition count.
  bool create_topics = false;
  std::chrono::milliseconds timeout{30'000};  // for connecting and transaction calls
};

struct SplitCounts {
  uint64_t records_in = 0;  // input messages
  std::map<std::string, uint64_t> records_out;  // output records per topic (dead letters too)
  uint64_t dead_lettered = 0;
  void Add(const SplitCounts& other);
};

struct SplitStats {
  arrow::Status status;
  std::string stop_reason;
  SplitCounts committed;  // what is durably done: only committed transactions count
  uint64_t transactions_committed = 0;
  uint64_t transactions_aborted = 0;
  int64_t lag = 0;  // records behind the end of the input, at the last look
  util::Nanos active{0};  // from the first record to the last
  // How long each commit took (offsets + commit, or flush + offsets when
  // at-least-once): records wait this long, on top of the interval, before
  // read_committed consumers see them.
  util::Histogram commit_time;
  util::Nanos wall{0};
  // Why --until-idle has not stopped this quiet instance yet (the group has
  // not settled), or empty.
  std::string idle_but_waiting;
};

using SplitProgress = std::function<void(const SplitStats&)>;

// Runs until stopped (`stop_requested`), idle (until_idle) or failed. On a
// stop it finishes the open transaction, leaves the group and returns.
SplitStats RunSplit(const SplitOptions& options, const std::function<bool()>& stop_requested,
                    const SplitProgress& progress = {});

}  // namespace timecast::split
