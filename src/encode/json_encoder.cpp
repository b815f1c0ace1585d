#include "encode/json_encoder.h"

#include "util/calendar.h"

#include <arrow/array/data.h>
#include <arrow/buffer.h>
#include <arrow/extension_type.h>
#include <arrow/record_batch.h>
#include <arrow/type.h>
#include <arrow/util/bit_util.h>
#include <arrow/util/decimal.h>
#include <arrow/util/float16.h>
#include <simdjson.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>

#include "util/calendar.h"
#include "util/status.h"

namespace timecast::encode {

// ---------------------------------------------------------------------------
// Formatting primitives. Each writes into memory the caller has reserved with
// ByteBuffer::Grow and returns the end of what it wrote.
namespace {

constexpr char kDigitPairs[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

constexpr uint64_t kPow10[20] = {1ULL,
                                 10ULL,
                                 100ULL,
                                 1000ULL,
                                 10000ULL,
                                 100000ULL,
                                 1000000ULL,
                                 10000000ULL,
                                 100000000ULL,
                                 1000000000ULL,
                                 10000000000ULL,
                                 100000000000ULL,
                                 1000000000000ULL,
                                 10000000000000ULL,
                                 100000000000000ULL,
                                 1000000000000000ULL,
                                 10000000000000000ULL,
                                 100000000000000000ULL,
                                 1000000000000000000ULL,
                                 10000000000000000000ULL};

inline char* Write2(char* p, unsigned v) {  // v < 100
  std::memcpy(p, kDigitPairs + 2 * v, 2);
  return p + 2;
}

// Writes the `n` low digits of v, zero-padded, backward so that they end at `end`.
template <typename U>
inline void PutDigitsBackward(char* end, U v, int n) {
  for (; n >= 2; n -= 2) {
    end -= 2;
    std::memcpy(end, kDigitPairs + 2 * (v % 100), 2);
    v /= 100;
  }
  if (n > 0) end[-1] = static_cast<char>('0' + v % 10);
}

// Writes exactly `width` digits of v (v < 10^width), zero-padded on the left.
inline char* WritePadded(char* p, uint64_t v, int width) {
  if (v <= std::numeric_limits<uint32_t>::max()) {  // 32-bit division is cheaper
    PutDigitsBackward(p + width, static_cast<uint32_t>(v), width);
  } else {
    PutDigitsBackward(p + width, v, width);
  }
  return p + width;
}

// Decimal digits of v; 1 for 0.
inline int DigitCount(uint64_t v) {
  const int guess = ((64 - std::countl_zero(v | 1)) * 1233) >> 12;  // bits * log10(2)
  return guess + (v >= kPow10[guess] || v == 0 ? 1 : 0);
}

template <typename Int>
inline char* WriteInt(char* p, Int v) {
  return std::to_chars(p, p + 24, v).ptr;
}

// --- Floating point -------------------------------------------------------
//
// The contract is std::to_chars's plain shortest round-trip form (with the two
// exceptions of WriteZero and WriteWithToChars). libstdc++'s to_chars costs
// ~50 ns per double and ~40 ns per float on the benchmark machine, and the
// data are mostly short decimals (36.9, -117.123456), so those take a fast
// path (~13 ns per double) that finds the same digits and writes the same
// text; everything else goes to std::to_chars. The unit tests compare the
// output with std::to_chars's (and it was checked against every float32).

// The 8 decimal digits of x < 10^8 as ASCII in a little-endian word, most
// significant digit in the lowest byte (first in memory): lanes of 4, 2, then
// 1 digit(s) split with multiply-shift division, all in registers.
inline uint64_t EightDigits(uint32_t x) {
  const uint64_t halves = (x / 10000) | (uint64_t{x % 10000} << 32);
  const uint64_t hundreds = ((halves * 10486) >> 20) & 0x0000007F0000007FULL;  // y / 100
  const uint64_t pairs = hundreds | ((halves - hundreds * 100) << 16);
  const uint64_t tens = ((pairs * 103) >> 10) & 0x000F000F000F000FULL;  // y / 10
  return (tens | ((pairs - tens * 10) << 8)) + 0x3030303030303030ULL;
}

// Writes scaled * 10^-8 in to_chars's fixed form ("123.4567", "0.05", "1200"),
// where 0 < scaled < 10^15 and scaled * 10^-8 is the shortest round-trip
// decimal of a value of magnitude `a`. Returns nullptr when to_chars would
// choose the scientific form (it is strictly shorter: "1e+05", "1e-04"). The
// integer and fraction digits are two SWAR words, zeros are trimmed with bit
// counts, and the text is written with overlapping 8-byte stores (at most 17
// bytes touched).
inline char* WriteFixed8(char* p, bool negative, uint64_t scaled, double a) {
  if constexpr (std::endian::native != std::endian::little) return nullptr;
  constexpr uint64_t kZeros = 0x3030303030303030ULL;  // "00000000"
  const uint64_t int_chars = EightDigits(static_cast<uint32_t>(scaled / 100000000));
  const uint64_t frac_chars = EightDigits(static_cast<uint32_t>(scaled % 100000000));
  const uint64_t int_digits = int_chars ^ kZeros, frac_digits = frac_chars ^ kZeros;  // 0 = '0'
  const int decimals = frac_digits == 0 ? 0 : 8 - std::countl_zero(frac_digits) / 8;
  if (int_digits != 0) {
    const int leading = std::countr_zero(int_digits) / 8;
    const int n = 8 - leading;        // integer digits, at most 7 as a < 10^7
    if (decimals == 0 && a >= 1e5) {  // "1200000" or "1.2e+06"?
      const int sig = n - std::countl_zero(int_digits) / 8;
      if (sig + (sig > 1 ? 1 : 0) + 4 < n) return nullptr;
    }
    if (negative) *p++ = '-';
    const uint64_t int_text = int_chars >> (8 * leading);
    std::memcpy(p, &int_text, 8);
    if (decimals == 0) return p + n;
    p[n] = '.';
    std::memcpy(p + n + 1, &frac_chars, 8);
    return p + n + 1 + decimals;
  }
  if (a < 1e-3) {  // "0.0001" or "1e-04"?
    const int sig = decimals - std::countr_zero(frac_digits) / 8;
    if (sig + (sig > 1 ? 1 : 0) + 4 < decimals + 2) return nullptr;
  }
  if (negative) *p++ = '-';
  std::memcpy(p, "0.", 2);
  std::memcpy(p + 2, &frac_chars, 8);
  return p + 2 + decimals;
}

// Zero as "0", and negative zero as "-0.0": parsers read "-0" as the integer 0.
inline char* WriteZero(char* p, bool negative) {
  if (!negative) {
    *p = '0';
    return p + 1;
  }
  std::memcpy(p, "-0.0", 4);
  return p + 4;
}

// std::to_chars's plain form, except that from 2^63 up the exponent form is
// forced: there to_chars may print an integer literal ("15875377335923828736")
// that int64-based parsers reject or turn into big integers.
template <typename F>
inline char* WriteWithToChars(char* p, F v) {
  if (std::fabs(v) >= static_cast<F>(9223372036854775808.0)) {
    return std::to_chars(p, p + 32, v, std::chars_format::scientific).ptr;
  }
  return std::to_chars(p, p + 32, v).ptr;
}

// Shortest round-trip text of a finite double: std::to_chars's, but for the
// two exceptions above.
inline char* WriteDouble(char* p, double v) {
  const double a = std::fabs(v);
  if (a == 0) return WriteZero(p, std::signbit(v));
  // Below 1e7 one ulp is < 1e-8 / 5, so at most one 8-decimal number rounds to
  // `a`; when it exists, its digits without trailing zeros are the shortest.
  // The division check is exact: both operands are exact doubles and IEEE
  // division rounds like strtod does.
  // (Conversions go through int64: uint64 <-> double takes branchy sequences
  // on x86-64, and the values are far below 2^63.)
  if (a < 1e7) {
    const auto scaled = static_cast<int64_t>(a * 1e8 + 0.5);
    if (scaled != 0 && static_cast<double>(scaled) / 1e8 == a) {
      if (char* end = WriteFixed8(p, v < 0, static_cast<uint64_t>(scaled), a)) return end;
    }
  }
  return WriteWithToChars(p, v);
}

// Shortest round-trip text of a finite float, as WriteDouble.
inline char* WriteFloat(char* p, float v) {
  const float a = std::fabs(v);
  if (a == 0) return WriteZero(p, std::signbit(v));
  // For k = 0, 1, ... the integers nearest to a*10^k are the candidates with k
  // decimals; the first k with a candidate inside the rounding interval of `a`
  // gives the shortest digits, the nearest candidate the ones to_chars picks.
  // All products are exact in double: a has 24 significant bits, the interval
  // ends 25, and 10^k for k <= 8 at most 19 beyond its power of two. They stay
  // below 2^63, so truncation to int64 is floor (no libm call).
  if (a >= 1e-5f && a < 8388608.0f) {
    const uint32_t bits = std::bit_cast<uint32_t>(a);
    const double x = a;
    const double hi = (x + static_cast<double>(std::bit_cast<float>(bits + 1))) * 0.5;
    const double lo = (x + static_cast<double>(std::bit_cast<float>(bits - 1))) * 0.5;
    const bool even = (bits & 1) == 0;  // ties at the ends round to even mantissas
    static constexpr double kScales[] = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8};
    for (int k = 0; k <= 8; ++k) {
      const double scale = kScales[k];
      const double c = x * scale;
      // The nearest candidate; the other neighbour can be the only one inside
      // where the interval is lopsided (at powers of two).
      double r = static_cast<double>(static_cast<int64_t>(c + 0.5));
      if (r - c == 0.5) break;  // a tie to_chars settles its own way
      const double l = lo * scale, h = hi * scale;
      if (!(r > l || (even && r == l)) || !(r < h || (even && r == h))) {
        r += r > c ? -1 : 1;
        if (!(r > l || (even && r == l)) || !(r < h || (even && r == h))) continue;
      }
      if (r == 0) break;
      const uint64_t scaled = static_cast<uint64_t>(static_cast<int64_t>(r)) * kPow10[8 - k];
      if (char* end = WriteFixed8(p, v < 0, scaled, a)) return end;
      break;
    }
  }
  return WriteWithToChars(p, v);
}

// --- Strings ----------------------------------------------------------------

constexpr uint64_t kOnes = 0x0101010101010101ULL;
constexpr uint64_t kHighs = 0x8080808080808080ULL;

// A mask whose lowest set bit marks the first byte of `w` (little-endian) that
// ends a clean run: '"', '\\', a control byte, or (unless high_ok) a byte >= 0x80.
// Bits above the first marked byte may be spurious (borrows); only the lowest is used.
inline uint64_t SpecialMask(uint64_t w, bool high_ok) {
  const uint64_t control = (w - kOnes * 0x20) & ~w;
  const uint64_t q = w ^ (kOnes * '"');
  const uint64_t quote = (q - kOnes) & ~q;
  const uint64_t b = w ^ (kOnes * '\\');
  const uint64_t backslash = (b - kOnes) & ~b;
  return ((control | quote | backslash) & kHighs) | (high_ok ? 0 : (w & kHighs));
}

inline bool IsSpecial(unsigned char c, bool high_ok) {
  return c < 0x20 || c == '"' || c == '\\' || (c >= 0x80 && !high_ok);
}

// The n < 8 bytes at p in the low bytes of a word, the rest zero, without a
// variable-length memcpy (a library call) or a read past p + n.
inline uint64_t LoadShort(const char* p, size_t n) {
  if (n >= 4) {
    uint32_t lo, hi;
    std::memcpy(&lo, p, 4);
    std::memcpy(&hi, p + n - 4, 4);
    return lo | (uint64_t{hi} << (8 * (n - 4)));
  }
  if (n == 0) return 0;
  const auto byte = [p](size_t i) { return uint64_t{static_cast<unsigned char>(p[i])}; };
  return byte(0) | (byte(n / 2) << (8 * (n / 2))) | (byte(n - 1) << (8 * (n - 1)));
}

// Copies the clean run at [p, end) to d, advancing both. `begin` is the start
// of the value (p >= begin). `d` must have room for the rest of the input plus
// 8 bytes: words are stored whole.
inline void CopyClean(const char* begin, const char*& p, const char* end, char*& d, bool high_ok) {
  if constexpr (std::endian::native == std::endian::little) {
    while (end - p >= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      std::memcpy(d, &w, 8);
      const uint64_t mask = SpecialMask(w, high_ok);
      if (mask != 0) {
        const int clean = std::countr_zero(mask) / 8;
        p += clean;
        d += clean;
        return;
      }
      p += 8;
      d += 8;
    }
    const auto rest = static_cast<size_t>(end - p);
    if (rest == 0) return;
    uint64_t w;
    if (end - begin >= 8) {  // the value's last 8 bytes, shifted to drop the copied ones
      std::memcpy(&w, end - 8, 8);
      w >>= 8 * (8 - rest);
    } else {
      w = LoadShort(p, rest);
    }
    std::memcpy(d, &w, 8);
    // The zero bytes above `rest` look like control bytes: mask them off.
    const uint64_t mask = SpecialMask(w, high_ok) & ((uint64_t{1} << (8 * rest)) - 1);
    const size_t clean = mask != 0 ? static_cast<size_t>(std::countr_zero(mask) / 8) : rest;
    p += clean;
    d += clean;
  } else {
    while (p < end && !IsSpecial(static_cast<unsigned char>(*p), high_ok)) *d++ = *p++;
  }
}

#if defined(__SSE2__)
// As CopyClean, 16 bytes at a time, for values whose buffer has at least 16
// readable bytes past their end (Arrow pads its allocations): loads may read
// past `end`; what lies there is masked off. `d` must have room for the rest
// of the input plus 16 bytes.
inline void CopyCleanWide(const char*& p, const char* end, char*& d, bool high_ok) {
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i below_space = _mm_set1_epi8(0x1F);
  for (;;) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(d), v);
    const __m128i special =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                     _mm_cmpeq_epi8(_mm_max_epu8(v, below_space), below_space));  // v <= 0x1F
    auto mask = static_cast<uint32_t>(_mm_movemask_epi8(special));
    if (!high_ok) mask |= static_cast<uint32_t>(_mm_movemask_epi8(v));  // bytes >= 0x80
    const auto rest = static_cast<size_t>(end - p);
    if (rest < 16) mask &= (uint32_t{1} << rest) - 1;
    if (mask != 0) {
      const int clean = std::countr_zero(mask);
      p += clean;
      d += clean;
      return;
    }
    if (rest <= 16) {
      p = end;
      d += rest;
      return;
    }
    p += 16;
    d += 16;
  }
}
#endif

// Writes the JSON escape of an ASCII byte that IsSpecial (not >= 0x80); at most 6 bytes.
inline char* WriteEscape(char* d, unsigned char c) {
  *d++ = '\\';
  switch (c) {
    case '"':
      *d++ = '"';
      return d;
    case '\\':
      *d++ = '\\';
      return d;
    case '\b':
      *d++ = 'b';
      return d;
    case '\f':
      *d++ = 'f';
      return d;
    case '\n':
      *d++ = 'n';
      return d;
    case '\r':
      *d++ = 'r';
      return d;
    case '\t':
      *d++ = 't';
      return d;
    default:
      static constexpr char kHex[] = "0123456789abcdef";
      std::memcpy(d, "u00", 3);
      d[3] = kHex[c >> 4];
      d[4] = kHex[c & 15];
      return d + 5;
  }
}

// Length of the well-formed UTF-8 sequence at [p, end), or 0 when it is not
// one. `*consumed` is then the length of the maximal subpart to replace by one
// U+FFFD (Unicode's "substitution of maximal subparts"), at least 1.
inline int Utf8Sequence(const unsigned char* p, const unsigned char* end, int* consumed) {
  const unsigned char lead = p[0];
  int length;
  unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) lo = 0xA0;
    if (lead == 0xED) hi = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) lo = 0x90;
    if (lead == 0xF4) hi = 0x8F;
  } else {
    *consumed = 1;
    return 0;
  }
  int i = 1;
  for (; i < length && p + i < end; ++i) {
    const unsigned char c = p[i];
    const bool ok = i == 1 ? (c >= lo && c <= hi) : (c >= 0x80 && c <= 0xBF);
    if (!ok) break;
  }
  if (i == length) return length;
  *consumed = i;
  return 0;
}

// Escapes [p, end) replacing each maximal invalid UTF-8 subpart by U+FFFD.
void AppendEscapedReplacing(const char* p, const char* end, ByteBuffer* out) {
  const auto* s = reinterpret_cast<const unsigned char*>(p);
  const auto* e = reinterpret_cast<const unsigned char*>(end);
  while (s < e) {
    char* d = out->Grow(8);
    const unsigned char c = *s;
    if (c < 0x80) {
      if (IsSpecial(c, true)) {
        out->Commit(WriteEscape(d, c) - d);
      } else {
        *d = static_cast<char>(c);
        out->Commit(1);
      }
      ++s;
      continue;
    }
    int consumed = 0;
    const int length = Utf8Sequence(s, e, &consumed);
    if (length > 0) {
      std::memcpy(d, s, static_cast<size_t>(length));
      out->Commit(static_cast<size_t>(length));
      s += length;
    } else {
      std::memcpy(d, "\xEF\xBF\xBD", 3);
      out->Commit(3);
      s += consumed;
    }
  }
}

// Keys ('"name":' member prefixes) are stored zero-padded to a multiple of 16
// bytes, so that they are copied in whole 16-byte moves, not by a memcpy call.
constexpr size_t kKeyPadding = 16;

// Copies a padded key of `size` bytes to p; p must have room for size + 16.
inline char* PutKey(char* p, const char* key, size_t size) {
  for (size_t o = 0; o < size; o += 16) std::memcpy(p + o, key + o, 16);
  return p + size;
}

// Appends `key` (padded, may be empty) then `"` escaped(s) `"`. Returns true
// when invalid UTF-8 was replaced. `readable_end` bounds the memory that may
// be read: at least s + n, more when the buffer is padded.
bool AppendJsonString(const char* s, size_t n, ByteBuffer* out, const char* readable_end,
                      const char* key = nullptr, size_t key_size = 0) {
  const char* p = s;
  const char* const end = s + n;
#if defined(__SSE2__)
  const bool wide = readable_end - end >= 16;
#else
  const bool wide = false;
  (void)readable_end;
#endif
  char* base = out->Grow(key_size + kKeyPadding + n + 2 + 16);
  char* d = PutKey(base, key, key_size);
  *d++ = '"';
  bool high_ok = false;
  bool replaced = false;
  for (;;) {
#if defined(__SSE2__)
    if (wide) {
      CopyCleanWide(p, end, d, high_ok);
    } else {
      CopyClean(s, p, end, d, high_ok);
    }
#else
    CopyClean(s, p, end, d, high_ok);
#endif
    if (p == end) break;
    const auto c = static_cast<unsigned char>(*p);
    if (c >= 0x80) {
      // Everything before is ASCII, so the value is valid iff the rest is.
      if (simdjson::validate_utf8(p, static_cast<size_t>(end - p))) {
        high_ok = true;
        continue;
      }
      out->Commit(static_cast<size_t>(d - base));
      AppendEscapedReplacing(p, end, out);
      base = d = out->Grow(1);
      replaced = true;
      break;
    }
    out->Commit(static_cast<size_t>(d - base));
    base = d = out->Grow(6 + static_cast<size_t>(end - p) + 1 + 16);
    d = WriteEscape(d, c);
    ++p;
  }
  *d++ = '"';
  out->Commit(static_cast<size_t>(d - base));
  return replaced;
}

// --- Base64 -----------------------------------------------------------------

void AppendBase64(const uint8_t* s, size_t n, ByteBuffer* out) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  char* const base = out->Grow((n + 2) / 3 * 4 + 2);
  char* d = base;
  *d++ = '"';
  size_t i = 0;
  for (; i + 3 <= n; i += 3) {
    const uint32_t v = (uint32_t{s[i]} << 16) | (uint32_t{s[i + 1]} << 8) | s[i + 2];
    d[0] = kAlphabet[v >> 18];
    d[1] = kAlphabet[(v >> 12) & 63];
    d[2] = kAlphabet[(v >> 6) & 63];
    d[3] = kAlphabet[v & 63];
    d += 4;
  }
  if (i + 1 == n) {
    const uint32_t v = uint32_t{s[i]} << 16;
    d[0] = kAlphabet[v >> 18];
    d[1] = kAlphabet[(v >> 12) & 63];
    d[2] = '=';
    d[3] = '=';
    d += 4;
  } else if (i + 2 == n) {
    const uint32_t v = (uint32_t{s[i]} << 16) | (uint32_t{s[i + 1]} << 8);
    d[0] = kAlphabet[v >> 18];
    d[1] = kAlphabet[(v >> 12) & 63];
    d[2] = kAlphabet[(v >> 6) & 63];
    d[3] = '=';
    d += 4;
  }
  *d++ = '"';
  out->Commit(static_cast<size_t>(d - base));
}

// --- Dates and times --------------------------------------------------------

struct FloorDiv {
  int64_t quotient;
  int64_t remainder;  // in [0, divisor)
};

inline FloorDiv DivFloor(int64_t v, int64_t divisor) {
  int64_t q = v / divisor;
  int64_t r = v % divisor;
  if (r < 0) {
    --q;
    r += divisor;
  }
  return {q, r};
}

using util::CivilDate;
using util::CivilFromDays;

// "YYYY-MM-DD"; years past 9999 as "+YYYYY", years before 0 as "-YYYY" (ISO
// 8601's expanded form, astronomical numbering: year 0 is 1 BC). At most 24 bytes.
inline char* WriteDate(char* p, int64_t days) {
  const CivilDate date = CivilFromDays(days);
  if (date.year >= 0 && date.year <= 9999) {
    p = Write2(p, static_cast<unsigned>(date.year / 100));
    p = Write2(p, static_cast<unsigned>(date.year % 100));
  } else {
    *p++ = date.year < 0 ? '-' : '+';
    const uint64_t magnitude =
        date.year < 0 ? 0 - static_cast<uint64_t>(date.year) : static_cast<uint64_t>(date.year);
    p = WritePadded(p, magnitude, std::max(4, DigitCount(magnitude)));
  }
  *p++ = '-';
  p = Write2(p, date.month);
  *p++ = '-';
  return Write2(p, date.day);
}

// ".fff", ".ffffff" or ".fffffffff": the shortest of the three groups that
// holds `fraction` (0 < fraction < units_per_second); nothing when it is 0.
template <int64_t kUnitsPerSecond>
inline char* WriteFraction(char* p, int64_t fraction) {
  if constexpr (kUnitsPerSecond == 1) {
    return p;
  } else {
    if (fraction == 0) return p;
    *p++ = '.';
    auto f = static_cast<uint64_t>(fraction);
    if constexpr (kUnitsPerSecond == 1000) {
      return WritePadded(p, f, 3);
    } else if constexpr (kUnitsPerSecond == 1000000) {
      if (f % 1000 == 0) return WritePadded(p, f / 1000, 3);
      return WritePadded(p, f, 6);
    } else {
      static_assert(kUnitsPerSecond == 1000000000);
      if (f % 1000000 == 0) return WritePadded(p, f / 1000000, 3);
      if (f % 1000 == 0) return WritePadded(p, f / 1000, 6);
      return WritePadded(p, f, 9);
    }
  }
}

// "HH:MM:SS" of a second of the day (< 86400).
inline char* WriteClock(char* p, unsigned second_of_day) {
  p = Write2(p, second_of_day / 3600);
  *p++ = ':';
  p = Write2(p, second_of_day / 60 % 60);
  *p++ = ':';
  return Write2(p, second_of_day % 60);
}

// Rows are read one at a time across all columns: ~100 streams (values,
// offsets, string bytes), more than hardware prefetchers follow, so writers
// prefetch their data this many rows ahead.
constexpr int64_t kPrefetchRows = 16;

// Prefetches the cache line of p + i elements; p + i may lie past the buffer
// (a prefetch never faults), so the address is computed as an integer.
template <typename T>
inline void PrefetchAhead(const T* p, int64_t i) {
  __builtin_prefetch(
      reinterpret_cast<const void*>(reinterpret_cast<uintptr_t>(p) + i * int64_t{sizeof(T)}));
}

// The start of buffer `index` of `data`, or nullptr when it is absent.
template <typename T>
const T* BufferAs(const arrow::ArrayData& data, size_t index) {
  if (index >= data.buffers.size() || data.buffers[index] == nullptr) return nullptr;
  return reinterpret_cast<const T*>(data.buffers[index]->data());
}

}  // namespace

// ---------------------------------------------------------------------------
// Column writers.

// Writes the values of one array, by logical index (array.offset() not yet
// applied). Bind() points it at an array of the type it was made for; the
// array must outlive the calls that follow.
class ColumnWriter {
 public:
  virtual ~ColumnWriter() = default;

  virtual arrow::Status Bind(const arrow::ArrayData& data) {
    BindValidity(data);
    return arrow::Status::OK();
  }

  // Appends element i as a JSON value (null as `null`).
  virtual void Write(int64_t i, ByteBuffer* out) = 0;

  // Appends the member prefix given to SetKey, then element i as Write does.
  // The row loop's call: writers of scalars write both with one Grow.
  virtual void WriteField(int64_t i, ByteBuffer* out) {
    char* p = out->Grow(key_size_ + kKeyPadding);
    out->Commit(static_cast<size_t>(PutKey(p, key_.data(), key_size_) - p));
    Write(i, out);
  }

  // Appends element i as key/header text; false and nothing appended for null
  // (and for values that are null in JSON, like NaN).
  virtual bool WriteText(int64_t i, ByteBuffer* out) {
    if (IsNull(i)) return false;
    Write(i, out);
    return true;
  }

  bool IsNull(int64_t i) const {
    return validity_ != nullptr && !arrow::bit_util::GetBit(validity_, offset_ + i);
  }

  // Sets the object member prefix WriteField writes: '"name":' or ',"name":'.
  void SetKey(std::string_view key) {
    key_size_ = key.size();
    key_.assign((key.size() + kKeyPadding - 1) / kKeyPadding * kKeyPadding, '\0');
    key_.replace(0, key.size(), key);
  }

 protected:
  void BindValidity(const arrow::ArrayData& data) {
    offset_ = data.offset;
    validity_ = data.buffers.empty() || data.buffers[0] == nullptr || data.null_count == 0
                    ? nullptr
                    : data.buffers[0]->data();
  }

  // For writers that bound the size of their values: reserves room for the
  // key (when kKeyed) and `value_room` bytes and writes the key. Returns where
  // the value goes; Commit with End().
  template <bool kKeyed>
  char* Begin(ByteBuffer* out, size_t value_room) {
    if constexpr (kKeyed) {
      begin_ = out->Grow(key_size_ + kKeyPadding + value_room);
      return PutKey(begin_, key_.data(), key_size_);
    } else {
      begin_ = out->Grow(value_room);
      return begin_;
    }
  }
  void End(ByteBuffer* out, const char* end) { out->Commit(static_cast<size_t>(end - begin_)); }

  template <bool kKeyed>
  void EmitNull(ByteBuffer* out) {
    char* p = Begin<kKeyed>(out, 4);
    std::memcpy(p, "null", 4);
    End(out, p + 4);
  }

  const char* key() const { return key_.data(); }
  size_t key_size() const { return key_size_; }

  const uint8_t* validity_ = nullptr;
  int64_t offset_ = 0;

 private:
  std::string key_;  // zero-padded to a multiple of kKeyPadding
  size_t key_size_ = 0;
  char* begin_ = nullptr;
};

namespace {

using Writer = std::unique_ptr<ColumnWriter>;

// Writers whose Write and WriteField share one body, Derived::Emit<kKeyed>.
template <typename Derived>
class FusedWriter : public ColumnWriter {
 public:
  void Write(int64_t i, ByteBuffer* out) final {
    static_cast<Derived*>(this)->template Emit<false>(i, out);
  }
  void WriteField(int64_t i, ByteBuffer* out) final {
    static_cast<Derived*>(this)->template Emit<true>(i, out);
  }
};

class NullWriter final : public FusedWriter<NullWriter> {
 public:
  template <bool kKeyed>
  void Emit(int64_t, ByteBuffer* out) {
    EmitNull<kKeyed>(out);
  }
  bool WriteText(int64_t, ByteBuffer*) override { return false; }
};

class BoolWriter final : public FusedWriter<BoolWriter> {
 public:
  arrow::Status Bind(const arrow::ArrayData& data) override {
    BindValidity(data);
    values_ = BufferAs<uint8_t>(data, 1);
    return arrow::Status::OK();
  }
  template <bool kKeyed>
  void Emit(int64_t i, ByteBuffer* out) {
    char* p = Begin<kKeyed>(out, 8);
    if (IsNull(i)) {
      std::memcpy(p, "null", 4);
      p += 4;
    } else if (arrow::bit_util::GetBit(values_, offset_ + i)) {
      std::memcpy(p, "true", 4);
      p += 4;
    } else {
      std::memcpy(p, "false", 5);
      p += 5;
    }
    End(out, p);
  }

 private:
  const uint8_t* values_ = nullptr;
};

// Integers, and durations (their count in the type's unit).
template <typename T>
class IntWriter final : public FusedWriter<IntWriter<T>> {
  using Base = FusedWriter<IntWriter<T>>;

 public:
  arrow::Status Bind(const arrow::ArrayData& data) override {
    this->BindValidity(data);
    values_ = BufferAs<T>(data, 1);
    return arrow::Status::OK();
  }
  template <bool kKeyed>
  void Emit(int64_t i, ByteBuffer* out) {
    PrefetchAhead(values_, this->offset_ + i + kPrefetchRows);
    if (this->IsNull(i)) return this->template EmitNull<kKeyed>(out);
    char* p = this->template Begin<kKeyed>(out, 24);
    this->End(out, WriteInt(p, values_[this->offset_ + i]));
  }

 private:
  const T* values_ = nullptr;
};

constexpr size_t kNumberRoom = 32;  // WriteDouble/WriteFloat touch at most 24 bytes

// The text of recently written floats, direct-mapped by bit pattern: float
// columns (temperatures, pressures, percentages) repeat few distinct values,
// and a hit costs a compare and a copy instead of a shortest-digits search.
class FloatTextCache {
 public:
  // Writes the text of finite v at p (room: kNumberRoom).
  char* Write(char* p, float v) {
    const uint32_t bits = std::bit_cast<uint32_t>(v);
    Entry& entry = entries_[(bits * 0x9E3779B1u) >> (32 - kLogSize)];
    if (entry.bits == bits) {
      std::memcpy(p, entry.text, sizeof(entry.text));
      return p + entry.length;
    }
    char* end = WriteFloat(p, v);
    const auto length = static_cast<size_t>(end - p);
    if (length <= sizeof(entry.text)) {
      entry.bits = bits;
      entry.length = static_cast<uint8_t>(length);
      std::memcpy(entry.text, p, sizeof(entry.text));
    }
    return end;
  }

 private:
  static constexpr int kLogSize = 9;
  struct Entry {
    uint32_t bits = 0x7FFFFFFF;  // a NaN: never looked up
    uint8_t length = 0;
    char text[11] = {};
  };
  Entry entries_[1 << kLogSize];
};

// float32, float64, and float16 (as the float32 it widens to).
template <typename Stored>
class FloatWriter final : public FusedWriter<FloatWriter<Stored>> {
 public:
  explicit FloatWriter(EncodeStats* stats) : stats_(stats) {}
  arrow::Status Bind(const arrow::ArrayData& data) override {
    this->BindValidity(data);
    values_ = BufferAs<Stored>(data, 1);
    return arrow::Status::OK();
  }
  template <bool kKeyed>
  void Emit(int64_t i, ByteBuffer* out) {
    PrefetchAhead(values_, this->offset_ + i + kPrefetchRows);
    if (this->IsNull(i)) return this->template EmitNull<kKeyed>(out);
    const auto v = Value(i);
    if (!std::isfinite(v)) {
      ++stats_->non_finite_floats;
      return this->template EmitNull<kKeyed>(out);
    }
    char* p = this->template Begin<kKeyed>(out, kNumberRoom);
    this->End(out, WriteNumber(p, v));
  }
  bool WriteText(int64_t i, ByteBuffer* out) override {
    if (this->IsNull(i)) return false;
    const auto v = Value(i);
    if (!std::isfinite(v)) return false;
    char* p = out->Grow(kNumberRoom);
    out->Commit(static_cast<size_t>(WriteNumber(p, v) - p));
    return true;
  }

 private:
  auto Value(int64_t i) const {
    if constexpr (std::is_same_v<Stored, uint16_t>) {
      return arrow::util::Float16::FromBits(values_[this->offset_ + i]).ToFloat();
    } else {
      return values_[this->offset_ + i];
    }
  }
  char* WriteNumber(char* p, double v) { return WriteDouble(p, v); }
  char* WriteNumber(char* p, float v) { return cache_.Write(p, v); }

  struct NoCache {};
  EncodeStats* stats_;
  const Stored* values_ = nullptr;
  // Doubles (coordinates, offsets in seconds) rarely repeat: no cache for them.
  [[no_unique_address]] std::conditional_t<std::is_same_v<Stored, double>, NoCache, FloatTextCache>
      cache_;
};

__extension__ using Uint128 = unsigned __int128;

// decimal32/64/128/256: the exact number with `scale` fraction digits kept
// ("1.50"). Scales beyond 100 either way use an exponent ("12E+150").
template <int kWords64>  // 64-bit words per value; decimal32/64 read as sign-extended
class DecimalWriter final : public ColumnWriter {
 public:
  DecimalWriter(int byte_width, int32_t scale) : byte_width_(byte_width), scale_(scale) {}
  arrow::Status Bind(const arrow::ArrayData& data) override {
    BindValidity(data);
    values_ = BufferAs<uint8_t>(data, 1);
    return arrow::Status::OK();
  }
  void Write(int64_t i, ByteBuffer* out) override {
    if (IsNull(i)) return EmitNull<false>(out);
    uint64_t words[kWords64];
    const uint8_t* v = values_ + (offset_ + i) * byte_width_;
    if (byte_width_ == 4) {
      int32_t x;
      std::memcpy(&x, v, 4);
      words[0] = static_cast<uint64_t>(static_cast<int64_t>(x));
    } else {
      std::memcpy(words, v, sizeof(words));
    }
    char digits[96];
    char* const digits_end = digits + sizeof(digits);
    char* d = digits_end;
    const bool negative = (words[kWords64 - 1] >> 63) != 0;
    if (negative) {  // two's complement magnitude
      bool carry = true;
      for (auto& w : words) {
        w = ~w + (carry ? 1 : 0);
        carry = carry && w == 0;
      }
    }
    for (;;) {
      // words /= 10^19, writing the remainder's 19 digits.
      constexpr uint64_t kChunk = 10000000000000000000ULL;
      uint64_t remainder = 0;
      bool more = false;
      for (int w = kWords64 - 1; w >= 0; --w) {
        const Uint128 current = (static_cast<Uint128>(remainder) << 64) | words[w];
        words[w] = static_cast<uint64_t>(current / kChunk);
        remainder = static_cast<uint64_t>(current % kChunk);
        more = more || words[w] != 0;
      }
      const int n = more ? 19 : DigitCount(remainder);
      d -= n;
      WritePadded(d, remainder, n);
      if (!more) break;
    }
    const auto n = static_cast<int>(digits_end - d);
    char* const base = out->Grow(static_cast<size_t>(n) + 128);
    char* p = base;
    if (negative) *p++ = '-';
    const bool zero = n == 1 && *d == '0';
    if (scale_ <= 0) {
      std::memcpy(p, d, static_cast<size_t>(n));
      p += n;
      if (!zero && scale_ < -100) {
        std::memcpy(p, "E+", 2);
        p = std::to_chars(p + 2, p + 16, -int64_t{scale_}).ptr;
      } else if (!zero) {
        for (int32_t z = 0; z < -scale_; ++z) *p++ = '0';
      }
    } else if (scale_ > 100) {
      std::memcpy(p, d, static_cast<size_t>(n));
      p += n;
      std::memcpy(p, "E-", 2);
      p = std::to_chars(p + 2, p + 16, scale_).ptr;
    } else if (n > scale_) {
      std::memcpy(p, d, static_cast<size_t>(n - scale_));
      p += n - scale_;
      *p++ = '.';
      std::memcpy(p, d + n - scale_, static_cast<size_t>(scale_));
      p += scale_;
    } else {
      *p++ = '0';
      *p++ = '.';
      for (int z = n; z < scale_; ++z) *p++ = '0';
      std::memcpy(p, d, static_cast<size_t>(n));
      p += n;
    }
    out->Commit(static_cast<size_t>(p - base));
  }

 private:
  int byte_width_;
  int32_t scale_;
  const uint8_t* values_ = nullptr;
};

// --- Byte arrays: string/binary families, as UTF-8 text or base64 -----------

template <typename Offset>
class OffsetBytes {
 public:
  void Bind(const arrow::ArrayData& data) {
    offsets_ = BufferAs<Offset>(data, 1);
    const auto* bytes = BufferAs<char>(data, 2);
    bytes_ = bytes != nullptr ? bytes : "";
    // Arrow's allocations are padded: capacity() bytes may be read, not just size().
    readable_end_ = bytes != nullptr ? bytes + data.buffers[2]->capacity() : bytes_;
    end_ = data.offset + data.length;
  }
  // The end of the memory that may be read around the values.
  const char* readable_end() const { return readable_end_; }
  // Prefetches the offsets far ahead, and the bytes of a value a few rows
  // ahead (whose offsets were prefetched earlier).
  void Prefetch(int64_t physical) const {
    PrefetchAhead(offsets_, physical + 4 * kPrefetchRows);
    if (physical + kPrefetchRows / 4 < end_) {
      const Offset ahead = offsets_[physical + kPrefetchRows / 4];
      PrefetchAhead(bytes_, ahead);
      PrefetchAhead(bytes_, ahead + 64);
    }
  }
  std::string_view Get(int64_t physical) const {
    const Offset begin = offsets_[physical];
    return {bytes_ + begin, static_cast<size_t>(offsets_[physical + 1] - begin)};
  }

 private:
  const Offset* offsets_ = nullptr;
  const char* bytes_ = "";
  const char* readable_end_ = bytes_;
  int64_t end_ = 0;  // physical index past the last value
};

class FixedBytes {
 public:
  explicit FixedBytes(int width) : width_(width) {}
  void Bind(const arrow::ArrayData& data) {
    const auto* bytes = BufferAs<char>(data, 1);
    bytes_ = bytes != nullptr ? bytes : "";
  }
  std::string_view Get(int64_t physical) const {
    return {bytes_ + physical * width_, static_cast<size_t>(width_)};
  }
  void Prefetch(int64_t physical) const {
    PrefetchAhead(bytes_, (physical + kPrefetchRows) * width_);
  }
  const char* readable_end() const { return nullptr; }  // only the values themselves

 private:
  int64_t width_;
  const char* bytes_ = "";
};

class ViewBytes {
 public:
  void Bind(const arrow::ArrayData& data) {
    views_ = BufferAs<arrow::BinaryViewType::c_type>(data, 1);
    data_buffers_.clear();
    for (size_t b = 2; b < data.buffers.size(); ++b) {
      const auto* bytes = BufferAs<char>(data, b);
      data_buffers_.push_back(bytes != nullptr ? bytes : "");
    }
  }
  void Prefetch(int64_t physical) const { PrefetchAhead(views_, physical + kPrefetchRows); }
  const char* readable_end() const { return nullptr; }  // only the values themselves
  std::string_view Get(int64_t physical) const {
    const auto& view = views_[physical];
    const auto size = static_cast<size_t>(view.size());
    if (view.is_inline()) return {reinterpret_cast<const char*>(view.inlined.data.data()), size};
    return {data_buffers_[static_cast<size_t>(view.ref.buffer_index)] + view.ref.offset, size};
  }

 private:
  const arrow::BinaryViewType::c_type* views_ = nullptr;
  std::vector<const char*> data_buffers_;
};

enum class BytesAs { kUtf8, kBase64 };

template <typename Access, BytesAs kAs>
class BytesWriter final : public FusedWriter<BytesWriter<Access, kAs>> {
 public:
  explicit BytesWriter(EncodeStats* stats, Access access = Access())
      : stats_(stats), access_(std::move(access)) {}
  arrow::Status Bind(const arrow::ArrayData& data) override {
    this->BindValidity(data);
    access_.Bind(data);
    return arrow::Status::OK();
  }
  template <bool kKeyed>
  void Emit(int64_t i, ByteBuffer* out) {
    access_.Prefetch(this->offset_ + i);
    if (this->IsNull(i)) return this->template EmitNull<kKeyed>(out);
    const std::string_view v = access_.Get(this->offset_ + i);
    if constexpr (kAs == BytesAs::kUtf8) {
      const char* readable_end = access_.readable_end();
      if (readable_end == nullptr) readable_end = v.data() + v.size();
      if (AppendJsonString(v.data(), v.size(), out, readable_end, kKeyed ? this->key() : nullptr,
                           kKeyed ? this->key_size() : 0)) {
        ++stats_->invalid_utf8_values;
      }
    } else {
      if constexpr (kKeyed) {
        char* p = out->Grow(this->key_size() + kKeyPadding);
        out->Commit(static_cast<size_t>(PutKey(p, this->key(), this->key_size()) - p));
      }
      AppendBase64(reinterpret_cast<const uint8_t*>(v.data()), v.size(), out);
    }
  }
  // Keys and headers are bytes: the raw value, invalid UTF-8 included.
  bool WriteText(int64_t i, ByteBuffer* out) override {
    if (this->IsNull(i)) return false;
    out->Append(access_.Get(this->offset_ + i));
    return true;
  }

 private:
  EncodeStats* stats_;
  Access access_;
};

// --- Temporal ---------------------------------------------------------------

// Formats dates with the last day's text cached: consecutive rows mostly share a day.
class DateCache {
 public:
  // Writes the date of `days` followed by `suffix` (0 for none).
  char* Write(char* p, int64_t days, char suffix) {
    if (days != day_) {
      day_ = days;
      char* end = WriteDate(text_, days);
      if (suffix != 0) *end++ = suffix;
      length_ = static_cast<size_t>(end - text_);
    }
    std::memcpy(p, text_, sizeof(text_));  // fixed size: no library call
    return p + length_;
  }

 private:
  int64_t day_ = std::numeric_limits<int64_t>::min();
  size_t length_ = 0;
  char text_[32] = {};
};

constexpr size_t kTemporalRoom = 64;  // > '"' + 32 (DateCache) + "HH:MM:SS.fffffffffZ" + '"'

template <int64_t kUnitsPerSecond>
class TimestampWriter final : public FusedWriter<TimestampWriter<kUnitsPerSecond>> {
 public:
  explicit TimestampWriter(bool zoned) : zoned_(zoned) {}
  arrow::Status Bind(const arrow::ArrayData& data) override {
    this->BindValidity(data);
    values_ = BufferAs<int64_t>(data, 1);
    return arrow::Status::OK();
  }
  template <bool kKeyed>
  void Emit(int64_t i, ByteBuffer* out) {
    PrefetchAhead(values_, this->offset_ + i + kPrefetchRows);
    if (this->IsNull(i)) return this->template EmitNull<kKeyed>(out);
    char* p = this->template Begin<kKeyed>(out, kTemporalRoom);
    *p++ = '"';
    p = Format(p, values_[this->offset_ + i]);
    *p++ = '"';
    this->End(out, p);
  }
  bool WriteText(int64_t i, ByteBuffer* out) override {
    if (this->IsNull(i)) return false;
    char* const base = out->Grow(kTemporalRoom);
    out->Commit(static_cast<size_t>(Format(base, values_[this->offset_ + i]) - base));
    return true;
  }

 private:
  char* Format(char* p, int64_t value) {
    const FloorDiv seconds = DivFloor(value, kUnitsPerSecond);
    const FloorDiv days = DivFloor(seconds.quotient, 86400);
    p = dates_.Write(p, days.quotient, 'T');
    p = WriteClock(p, static_cast<unsigned>(days.remainder));
    p = WriteFraction<kUnitsPerSecond>(p, seconds.remainder);
    if (zoned_) *p++ = 'Z';
    return p;
  }

  bool zoned_;
  const int64_t* values_ = nullptr;
  DateCache dates_;
};

// date32 (days) and date64 (milliseconds, floored to the day).
template <typename T, int64_t kUnitsPerDay>
class DateWriter final : public FusedWriter<DateWriter<T, kUnitsPerDay>> {
 public:
  arrow::Status Bind(const arrow::ArrayData& data) override {
    this->BindValidity(data);
    values_ = BufferAs<T>(data, 1);
    return arrow::Status::OK();
  }
  template <bool kKeyed>
  void Emit(int64_t i, ByteBuffer* out) {
    if (this->IsNull(i)) return this->template EmitNull<kKeyed>(out);
    char* p = this->template Begin<kKeyed>(out, kTemporalRoom);
    *p++ = '"';
    p = dates_.Write(p, Day(i), 0);
    *p++ = '"';
    this->End(out, p);
  }
  bool WriteText(int64_t i, ByteBuffer* out) override {
    if (this->IsNull(i)) return false;
    char* const base = out->Grow(kTemporalRoom);
    out->Commit(static_cast<size_t>(dates_.Write(base, Day(i), 0) - base));
    return true;
  }

 private:
  int64_t Day(int64_t i) const {
    return DivFloor(static_cast<int64_t>(values_[this->offset_ + i]), kUnitsPerDay).quotient;
  }
  const T* values_ = nullptr;
  DateCache dates_;
};

// time32/time64: "HH:MM:SS[.fff]". Values outside one day (invalid in Arrow)
// are written with their full, signed hour count: "-01:00:00", "25:00:00".
template <typename T, int64_t kUnitsPerSecond>
class TimeWriter final : public FusedWriter<TimeWriter<T, kUnitsPerSecond>> {
 public:
  arrow::Status Bind(const arrow::ArrayData& data) override {
    this->BindValidity(data);
    values_ = BufferAs<T>(data, 1);
    return arrow::Status::OK();
  }
  template <bool kKeyed>
  void Emit(int64_t i, ByteBuffer* out) {
    PrefetchAhead(values_, this->offset_ + i + kPrefetchRows);
    if (this->IsNull(i)) return this->template EmitNull<kKeyed>(out);
    char* p = this->template Begin<kKeyed>(out, kTemporalRoom);
    *p++ = '"';
    p = Format(p, values_[this->offset_ + i]);
    *p++ = '"';
    this->End(out, p);
  }
  bool WriteText(int64_t i, ByteBuffer* out) override {
    if (this->IsNull(i)) return false;
    char* const base = out->Grow(kTemporalRoom);
    out->Commit(static_cast<size_t>(Format(base, values_[this->offset_ + i]) - base));
    return true;
  }

 private:
  static char* Format(char* p, T stored) {
    const auto value = static_cast<int64_t>(stored);
    uint64_t magnitude = static_cast<uint64_t>(value);
    if (value < 0) {
      *p++ = '-';
      magnitude = 0 - magnitude;
    }
    constexpr auto kUnits = static_cast<uint64_t>(kUnitsPerSecond);
    const uint64_t seconds = magnitude / kUnits;
    const uint64_t hours = seconds / 3600;
    p = WritePadded(p, hours, std::max(2, DigitCount(hours)));
    *p++ = ':';
    p = Write2(p, static_cast<unsigned>(seconds / 60 % 60));
    *p++ = ':';
    p = Write2(p, static_cast<unsigned>(seconds % 60));
    return WriteFraction<kUnitsPerSecond>(p, static_cast<int64_t>(magnitude % kUnits));
  }

  const T* values_ = nullptr;
};

// --- Dictionary and nested ------------------------------------------------

// Each distinct dictionary value is encoded once per dictionary and copied
// from then on: a dictionary-encoded string column (a Parquet file's
// low-cardinality columns, read as dictionaries) costs a copy per row, not an
// escaping pass. The cache lives as long as the dictionary it was made from:
// holding a reference to it means a later dictionary cannot reuse its address.
template <typename Index>
class DictionaryWriter final : public ColumnWriter {
 public:
  DictionaryWriter(Writer values, EncodeStats* stats) : values_(std::move(values)), stats_(stats) {}
  arrow::Status Bind(const arrow::ArrayData& data) override {
    BindValidity(data);
    indices_ = BufferAs<Index>(data, 1);
    if (data.dictionary == nullptr) {
      return arrow::Status::Invalid("dictionary array without a dictionary");
    }
    if (data.dictionary != dictionary_) {
      dictionary_ = data.dictionary;
      cache_.Clear();
      slots_.assign(static_cast<size_t>(dictionary_->length), Slot{});
    }
    return values_->Bind(*data.dictionary);
  }
  void Write(int64_t i, ByteBuffer* out) override {
    if (IsNull(i)) return EmitNull<false>(out);
    const auto index = static_cast<int64_t>(indices_[offset_ + i]);
    if (static_cast<uint64_t>(index) >= slots_.size()) return values_->Write(index, out);
    Slot& slot = slots_[static_cast<size_t>(index)];
    if (slot.size < 0) {
      const EncodeStats before = *stats_;
      const size_t start = out->size();
      values_->Write(index, out);
      slot.begin = cache_.size();
      slot.size = static_cast<int64_t>(out->size() - start);
      slot.invalid_utf8 = stats_->invalid_utf8_values != before.invalid_utf8_values;
      slot.non_finite = stats_->non_finite_floats != before.non_finite_floats;
      cache_.Append(out->data() + start, static_cast<size_t>(slot.size));
      return;
    }
    // The statistics count rows, so a cached value counts again.
    stats_->invalid_utf8_values += slot.invalid_utf8;
    stats_->non_finite_floats += slot.non_finite;
    out->Append(cache_.data() + slot.begin, static_cast<size_t>(slot.size));
  }
  bool WriteText(int64_t i, ByteBuffer* out) override {
    return !IsNull(i) && values_->WriteText(static_cast<int64_t>(indices_[offset_ + i]), out);
  }

 private:
  struct Slot {
    size_t begin = 0;
    int64_t size = -1;  // -1: not encoded yet
    bool invalid_utf8 = false;
    bool non_finite = false;
  };

  Writer values_;
  EncodeStats* stats_;
  const Index* indices_ = nullptr;
  std::shared_ptr<arrow::ArrayData> dictionary_;  // what slots_ and cache_ were made from
  std::vector<Slot> slots_;                       // by dictionary index
  ByteBuffer cache_;                              // the encoded values, back to back
};

// Sequences: list, large_list, list_view, large_list_view, fixed_size_list.
enum class ListLayout { kOffsets, kViews, kFixed };

template <ListLayout kLayout, typename Offset>
class ListWriter final : public ColumnWriter {
 public:
  ListWriter(Writer elements, int32_t fixed_size)
      : elements_(std::move(elements)), fixed_size_(fixed_size) {}
  arrow::Status Bind(const arrow::ArrayData& data) override {
    BindValidity(data);
    if constexpr (kLayout != ListLayout::kFixed) offsets_ = BufferAs<Offset>(data, 1);
    if constexpr (kLayout == ListLayout::kViews) sizes_ = BufferAs<Offset>(data, 2);
    return elements_->Bind(*data.child_data[0]);
  }
  void Write(int64_t i, ByteBuffer* out) override {
    if (IsNull(i)) return EmitNull<false>(out);
    const int64_t j = offset_ + i;
    int64_t begin, end;
    if constexpr (kLayout == ListLayout::kOffsets) {
      begin = offsets_[j];
      end = offsets_[j + 1];
    } else if constexpr (kLayout == ListLayout::kViews) {
      begin = offsets_[j];
      end = begin + sizes_[j];
    } else {
      begin = j * fixed_size_;
      end = begin + fixed_size_;
    }
    out->Push('[');
    for (int64_t k = begin; k < end; ++k) {
      if (k != begin) out->Push(',');
      elements_->Write(k, out);
    }
    out->Push(']');
  }

 private:
  Writer elements_;
  int64_t fixed_size_;
  const Offset* offsets_ = nullptr;
  const Offset* sizes_ = nullptr;
};

// '"name":' for each name, with a leading ',' after the first.
std::vector<std::string> MakeKeys(const std::vector<std::string>& names) {
  std::vector<std::string> keys;
  ByteBuffer buffer;
  for (size_t f = 0; f < names.size(); ++f) {
    buffer.Clear();
    if (f > 0) buffer.Push(',');
    const std::string& name = names[f];
    AppendJsonString(name.data(), name.size(), &buffer, name.data() + name.size());
    buffer.Push(':');
    keys.emplace_back(buffer.view());
  }
  return keys;
}

// Gives each writer its member prefix.
void SetKeys(const std::vector<Writer>& writers, const std::vector<std::string>& names) {
  const auto keys = MakeKeys(names);
  for (size_t f = 0; f < writers.size(); ++f) writers[f]->SetKey(keys[f]);
}

class StructWriter final : public ColumnWriter {
 public:
  StructWriter(std::vector<Writer> fields, const std::vector<std::string>& names)
      : fields_(std::move(fields)) {
    SetKeys(fields_, names);
  }
  arrow::Status Bind(const arrow::ArrayData& data) override {
    BindValidity(data);
    for (size_t f = 0; f < fields_.size(); ++f) {
      ARROW_RETURN_NOT_OK(fields_[f]->Bind(*data.child_data[f]));
    }
    return arrow::Status::OK();
  }
  void Write(int64_t i, ByteBuffer* out) override {
    if (IsNull(i)) return EmitNull<false>(out);
    // A struct's children are indexed like the struct, before its offset.
    const int64_t j = offset_ + i;
    out->Push('{');
    for (const auto& field : fields_) field->WriteField(j, out);
    out->Push('}');
  }

 private:
  std::vector<Writer> fields_;
};

// map<K, V>: an object when K is a string type, else [{"key":k,"value":v},...].
class MapWriter final : public ColumnWriter {
 public:
  MapWriter(Writer keys, Writer values, bool as_object)
      : keys_(std::move(keys)), values_(std::move(values)), as_object_(as_object) {}
  arrow::Status Bind(const arrow::ArrayData& data) override {
    BindValidity(data);
    offsets_ = BufferAs<int32_t>(data, 1);
    const arrow::ArrayData& entries = *data.child_data[0];
    entries_offset_ = entries.offset;
    ARROW_RETURN_NOT_OK(keys_->Bind(*entries.child_data[0]));
    return values_->Bind(*entries.child_data[1]);
  }
  void Write(int64_t i, ByteBuffer* out) override {
    if (IsNull(i)) return EmitNull<false>(out);
    const int64_t begin = offsets_[offset_ + i], end = offsets_[offset_ + i + 1];
    out->Push(as_object_ ? '{' : '[');
    for (int64_t k = begin; k < end; ++k) {
      if (k != begin) out->Push(',');
      const int64_t entry = entries_offset_ + k;
      if (as_object_) {
        // Arrow forbids null keys; should one occur, it is written as "null",
        // as Python's json.dumps does, so the object stays valid.
        if (keys_->IsNull(entry)) {
          out->Append("\"null\"", 6);
        } else {
          keys_->Write(entry, out);
        }
        out->Push(':');
        values_->Write(entry, out);
      } else {
        out->Append("{\"key\":", 7);
        keys_->Write(entry, out);
        out->Append(",\"value\":", 9);
        values_->Write(entry, out);
        out->Push('}');
      }
    }
    out->Push(as_object_ ? '}' : ']');
  }

 private:
  Writer keys_;
  Writer values_;
  bool as_object_;
  const int32_t* offsets_ = nullptr;
  int64_t entries_offset_ = 0;
};

// --- Factory ----------------------------------------------------------------

bool IsStringType(arrow::Type::type id) {
  return id == arrow::Type::STRING || id == arrow::Type::LARGE_STRING ||
         id == arrow::Type::STRING_VIEW;
}

Writer MakeTimeUnitWriter(arrow::TimeUnit::type unit, auto make) {
  switch (unit) {
    case arrow::TimeUnit::SECOND:
      return make(std::integral_constant<int64_t, 1>());
    case arrow::TimeUnit::MILLI:
      return make(std::integral_constant<int64_t, 1000>());
    case arrow::TimeUnit::MICRO:
      return make(std::integral_constant<int64_t, 1000000>());
    case arrow::TimeUnit::NANO:
      return make(std::integral_constant<int64_t, 1000000000>());
  }
  return nullptr;
}

// Returns nullptr when `type` (or a type nested in it) has no JSON encoding.
Writer MakeWriter(const arrow::DataType& type, EncodeStats* stats) {
  using arrow::Type;
  switch (type.id()) {
    case Type::NA:
      return std::make_unique<NullWriter>();
    case Type::BOOL:
      return std::make_unique<BoolWriter>();
    case Type::INT8:
      return std::make_unique<IntWriter<int8_t>>();
    case Type::INT16:
      return std::make_unique<IntWriter<int16_t>>();
    case Type::INT32:
      return std::make_unique<IntWriter<int32_t>>();
    case Type::INT64:
    case Type::DURATION:
      return std::make_unique<IntWriter<int64_t>>();
    case Type::UINT8:
      return std::make_unique<IntWriter<uint8_t>>();
    case Type::UINT16:
      return std::make_unique<IntWriter<uint16_t>>();
    case Type::UINT32:
      return std::make_unique<IntWriter<uint32_t>>();
    case Type::UINT64:
      return std::make_unique<IntWriter<uint64_t>>();
    case Type::HALF_FLOAT:
      return std::make_unique<FloatWriter<uint16_t>>(stats);
    case Type::FLOAT:
      return std::make_unique<FloatWriter<float>>(stats);
    case Type::DOUBLE:
      return std::make_unique<FloatWriter<double>>(stats);
    case Type::DECIMAL32:
    case Type::DECIMAL64:
    case Type::DECIMAL128:
    case Type::DECIMAL256: {
      const auto& decimal = static_cast<const arrow::DecimalType&>(type);
      const int width = decimal.byte_width();
      if (width <= 8) return std::make_unique<DecimalWriter<1>>(width, decimal.scale());
      if (width == 16) return std::make_unique<DecimalWriter<2>>(width, decimal.scale());
      return std::make_unique<DecimalWriter<4>>(width, decimal.scale());
    }
    case Type::STRING:
      return std::make_unique<BytesWriter<OffsetBytes<int32_t>, BytesAs::kUtf8>>(stats);
    case Type::LARGE_STRING:
      return std::make_unique<BytesWriter<OffsetBytes<int64_t>, BytesAs::kUtf8>>(stats);
    case Type::STRING_VIEW:
      return std::make_unique<BytesWriter<ViewBytes, BytesAs::kUtf8>>(stats);
    case Type::BINARY:
      return std::make_unique<BytesWriter<OffsetBytes<int32_t>, BytesAs::kBase64>>(stats);
    case Type::LARGE_BINARY:
      return std::make_unique<BytesWriter<OffsetBytes<int64_t>, BytesAs::kBase64>>(stats);
    case Type::BINARY_VIEW:
      return std::make_unique<BytesWriter<ViewBytes, BytesAs::kBase64>>(stats);
    case Type::FIXED_SIZE_BINARY:
      return std::make_unique<BytesWriter<FixedBytes, BytesAs::kBase64>>(
          stats, FixedBytes(static_cast<const arrow::FixedSizeBinaryType&>(type).byte_width()));
    case Type::TIMESTAMP: {
      const auto& ts = static_cast<const arrow::TimestampType&>(type);
      const bool zoned = !ts.timezone().empty();
      return MakeTimeUnitWriter(ts.unit(), [zoned](auto units) -> Writer {
        return std::make_unique<TimestampWriter<decltype(units)::value>>(zoned);
      });
    }
    case Type::DATE32:
      return std::make_unique<DateWriter<int32_t, 1>>();
    case Type::DATE64:
      return std::make_unique<DateWriter<int64_t, 86400000>>();
    case Type::TIME32:
      if (static_cast<const arrow::Time32Type&>(type).unit() == arrow::TimeUnit::SECOND) {
        return std::make_unique<TimeWriter<int32_t, 1>>();
      }
      return std::make_unique<TimeWriter<int32_t, 1000>>();
    case Type::TIME64:
      if (static_cast<const arrow::Time64Type&>(type).unit() == arrow::TimeUnit::MICRO) {
        return std::make_unique<TimeWriter<int64_t, 1000000>>();
      }
      return std::make_unique<TimeWriter<int64_t, 1000000000>>();
    case Type::DICTIONARY: {
      const auto& dict = static_cast<const arrow::DictionaryType&>(type);
      Writer values = MakeWriter(*dict.value_type(), stats);
      if (values == nullptr) return nullptr;
      switch (dict.index_type()->id()) {
        case Type::INT8:
          return std::make_unique<DictionaryWriter<int8_t>>(std::move(values), stats);
        case Type::INT16:
          return std::make_unique<DictionaryWriter<int16_t>>(std::move(values), stats);
        case Type::INT32:
          return std::make_unique<DictionaryWriter<int32_t>>(std::move(values), stats);
        case Type::INT64:
          return std::make_unique<DictionaryWriter<int64_t>>(std::move(values), stats);
        case Type::UINT8:
          return std::make_unique<DictionaryWriter<uint8_t>>(std::move(values), stats);
        case Type::UINT16:
          return std::make_unique<DictionaryWriter<uint16_t>>(std::move(values), stats);
        case Type::UINT32:
          return std::make_unique<DictionaryWriter<uint32_t>>(std::move(values), stats);
        case Type::UINT64:
          return std::make_unique<DictionaryWriter<uint64_t>>(std::move(values), stats);
        default:
          return nullptr;
      }
    }
    case Type::LIST:
    case Type::LARGE_LIST:
    case Type::LIST_VIEW:
    case Type::LARGE_LIST_VIEW:
    case Type::FIXED_SIZE_LIST: {
      Writer elements = MakeWriter(*type.field(0)->type(), stats);
      if (elements == nullptr) return nullptr;
      using L = ListLayout;
      switch (type.id()) {
        case Type::LIST:
          return std::make_unique<ListWriter<L::kOffsets, int32_t>>(std::move(elements), 0);
        case Type::LARGE_LIST:
          return std::make_unique<ListWriter<L::kOffsets, int64_t>>(std::move(elements), 0);
        case Type::LIST_VIEW:
          return std::make_unique<ListWriter<L::kViews, int32_t>>(std::move(elements), 0);
        case Type::LARGE_LIST_VIEW:
          return std::make_unique<ListWriter<L::kViews, int64_t>>(std::move(elements), 0);
        default:
          return std::make_unique<ListWriter<L::kFixed, int32_t>>(
              std::move(elements), static_cast<const arrow::FixedSizeListType&>(type).list_size());
      }
    }
    case Type::STRUCT: {
      std::vector<Writer> fields;
      std::vector<std::string> names;
      for (const auto& field : type.fields()) {
        Writer writer = MakeWriter(*field->type(), stats);
        if (writer == nullptr) return nullptr;
        fields.push_back(std::move(writer));
        names.push_back(field->name());
      }
      return std::make_unique<StructWriter>(std::move(fields), names);
    }
    case Type::MAP: {
      const auto& map = static_cast<const arrow::MapType&>(type);
      Writer keys = MakeWriter(*map.key_type(), stats);
      Writer values = MakeWriter(*map.item_type(), stats);
      if (keys == nullptr || values == nullptr) return nullptr;
      return std::make_unique<MapWriter>(std::move(keys), std::move(values),
                                         IsStringType(map.key_type()->id()));
    }
    case Type::EXTENSION:
      // Written as its storage: the layout of an extension array is its storage's.
      return MakeWriter(*static_cast<const arrow::ExtensionType&>(type).storage_type(), stats);
    default:  // unions, intervals, run-end encoded
      return nullptr;
  }
}

}  // namespace

// ---------------------------------------------------------------------------

arrow::Result<std::unique_ptr<JsonEncoder>> JsonEncoder::Make(
    const std::shared_ptr<arrow::Schema>& schema) {
  std::unique_ptr<JsonEncoder> encoder(new JsonEncoder());
  std::vector<std::string> names;
  for (const auto& field : schema->fields()) {
    Writer writer = MakeWriter(*field->type(), &encoder->stats_);
    if (writer == nullptr) {
      return util::UsageError("column '{}' has type {}, which has no JSON encoding", field->name(),
                              field->type()->ToString());
    }
    encoder->writers_.push_back(std::move(writer));
    names.push_back(field->name());
  }
  SetKeys(encoder->writers_, names);
  encoder->schema_ = schema;
  return encoder;
}

JsonEncoder::~JsonEncoder() = default;

arrow::Status JsonEncoder::Bind(const arrow::RecordBatch& batch) {
  if (batch.num_columns() != static_cast<int>(writers_.size())) {
    return arrow::Status::Invalid("record batch has ", batch.num_columns(),
                                  " columns, the encoder's schema ", writers_.size());
  }
  for (int c = 0; c < batch.num_columns(); ++c) {
    const auto& expected = schema_->field(c)->type();
    const auto& data = batch.column_data(c);
    if (!data->type->Equals(*expected)) {
      return arrow::Status::Invalid("column '", schema_->field(c)->name(), "' has type ",
                                    data->type->ToString(), " in the record batch, ",
                                    expected->ToString(), " in the encoder's schema");
    }
    ARROW_RETURN_NOT_OK(writers_[static_cast<size_t>(c)]->Bind(*data));
  }
  return arrow::Status::OK();
}

void JsonEncoder::AppendRow(int64_t row, ByteBuffer* out) {
  out->Push('{');
  for (const auto& writer : writers_) writer->WriteField(row, out);
  out->Push('}');
}

bool JsonEncoder::AppendCellText(int column, int64_t row, ByteBuffer* out) {
  if (column < 0 || static_cast<size_t>(column) >= writers_.size()) return false;
  return writers_[static_cast<size_t>(column)]->WriteText(row, out);
}

}  // namespace timecast::encode
