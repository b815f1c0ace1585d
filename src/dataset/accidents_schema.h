// The schema of Kaggle's "US Accidents (2016-2021)" as the first user had it:
// the 47 raw columns, and the stream form (raw + event column + Stream_Time)
// that `prepare` writes and `replay` reads.
#pragma once

#include <arrow/type_fwd.h>

#include <memory>
#include <string>

namespace timecast::dataset {

inline constexpr const char* kDefaultEventColumn = "Event";
inline constexpr const char* kStreamTimeColumn = "Stream_Time";

// The 47 raw columns, in Kaggle's order. Times are timestamp[ns] without zone
// (local wall times as Kaggle has them), like pandas wrote them.
std::shared_ptr<arrow::Schema> RawAccidentsSchema();

// The stream form: `event_column` (string "Start"/"End"), Stream_Time
// (float64 seconds into the replay), then the 47 raw columns. 49 in all.
std::shared_ptr<arrow::Schema> StreamSchema(const std::string& event_column = kDefaultEventColumn);

}  // namespace timecast::dataset
