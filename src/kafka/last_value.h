// Reading back the newest value of one key in a (compacted) topic partition,
// as a read_committed consumer sees it: what a checkpoint store needs.
#pragma once

#include <arrow/result.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "kafka/config.h"

namespace timecast::kafka {

struct KeyedValue {
  std::string value;
  int32_t partition = 0;
  int64_t offset = 0;
};

// The last committed record with key `key` in `topic` [`partition`] (by
// default the partition PartitionForKey gives), or nullopt when there is none. Reads backwards from the last stable offset in
// windows that grow fourfold (1,024 records first), so a long tail of other
// keys is not read whole. `config` holds bootstrap.servers and the user's
// properties; read_committed is forced.
arrow::Result<std::optional<KeyedValue>> ReadLastValue(const Config& config,
                                                       const std::string& topic,
                                                       std::optional<int32_t> partition,
                                                       std::string_view key,
                                                       std::chrono::milliseconds timeout);

// The partition of `partitions` that `key` always maps to (FNV-1a of the
// key): where a keyed record is written and read back.
int32_t PartitionForKey(std::string_view key, int partitions);

}  // namespace timecast::kafka
