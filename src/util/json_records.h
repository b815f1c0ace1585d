// The records in a message as replay writes them: one JSON object, or a JSON
// array of them (the tick-array format). Shared by split and verify.
#pragma once

#include <simdjson.h>

#include <string>
#include <string_view>
#include <vector>

namespace timecast::util {

// A copy of `text` in `buffer` with the padding simdjson's parsers need.
simdjson::padded_string_view PadForSimdjson(std::string_view text, std::string* buffer);

// Splits `message` into its records: the message itself unless it is a JSON
// array, else each element (views into `message`). False when the array
// cannot be parsed; `out` is then empty.
bool SplitJsonRecords(std::string_view message, simdjson::ondemand::parser& parser,
                      std::string* buffer, std::vector<std::string_view>* out);

}  // namespace timecast::util
