// `verify`: an independent check of what landed in Kafka against the source
// dataset. Each source row is encoded exactly as replay encodes it; each
// record read back (read_committed) is matched to a source row by its key
// columns, and the two sides are compared as sorted lists of (key, value) hashes.
#pragma once

#include <arrow/result.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "kafka/config.h"
#include "util/histogram.h"

namespace timecast::verify {

struct VerifyOptions {
  std::string source;                       // Parquet path/dir/glob or sqlite:PATH?table=T
  std::vector<std::string> topics;          // their union must equal the source
  std::vector<std::string> key_columns;     // empty: ID and Event when present, else the whole row
  std::vector<std::string> value_columns;   // what replay sent (--columns); empty: all
  std::string time_column = "Stream_Time";  // checked for order within each partition
  kafka::Config consumer_config;            // bootstrap.servers and user properties
  std::chrono::milliseconds timeout{30'000};
};

struct VerifyReport {
  uint64_t expected = 0;    // source rows
  uint64_t found = 0;       // records read from the topics
  std::map<std::string, uint64_t> found_per_topic;
  uint64_t matched = 0;     // source rows found exactly once with the same value
  uint64_t missing = 0;     // source rows not found
  uint64_t duplicated = 0;  // extra copies of source rows
  uint64_t unexpected = 0;  // records matching no source row
  uint64_t differing = 0;   // source rows found, but with other field values
  uint64_t out_of_order = 0;  // records earlier (time column) than their partition predecessor
  util::Histogram lateness;   // from timecast.due/sent headers, when present
  std::vector<std::string> examples;  // a few problems, for people
  std::string key_description;        // e.g. "ID+Event"
  double source_seconds = 0;
  double topic_seconds = 0;

  bool ok() const { return missing == 0 && duplicated == 0 && unexpected == 0 && differing == 0; }
};

// Fails only when it cannot check (unreadable source, unreachable broker,
// missing topic); a check that finds problems returns them in the report.
arrow::Result<VerifyReport> Verify(const VerifyOptions& options);

}  // namespace timecast::verify
