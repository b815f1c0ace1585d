// Small text helpers for what timecast prints.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace timecast::util {

// 1234567 -> "1,234,567"
std::string FormatCount(uint64_t n);

// `text` as a JSON string literal, quotes included.
std::string JsonQuote(std::string_view text);

}  // namespace timecast::util
