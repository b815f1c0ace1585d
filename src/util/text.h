// Small text helpers for what timecast prints.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace timecast::util {

// 1234567 -> "1,234,567"
std::string FormatCount(uint64_t n);

// A 64-bit FNV-1a hash of `bytes` as 16 lowercase hex digits: a fingerprint
// to notice a change, not a cryptographic digest.
std::string Fingerprint(std::string_view bytes);

// `word` as a POSIX shell word: unchanged when it is plain, else in single quotes.
std::string ShellQuote(std::string_view word);

// `text` as a JSON string literal, quotes included.
std::string JsonQuote(std::string_view text);

}  // namespace timecast::util
