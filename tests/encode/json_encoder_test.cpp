#include "encode/json_encoder.h"

#include <arrow/api.h>
#include <arrow/extension/json.h>
#include <arrow/json/from_string.h>
#include <arrow/util/decimal.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <bit>
#include <charconv>
#include <chrono>
#include <cmath>
#include <limits>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "dataset/accidents_schema.h"
#include "util/status.h"

namespace timecast::encode {
namespace {

using arrow::json::ArrayFromJSONString;

std::shared_ptr<arrow::Array> ArrayOf(const std::shared_ptr<arrow::DataType>& type,
                                      const std::string& json) {
  auto array = ArrayFromJSONString(type, json);
  EXPECT_TRUE(array.ok()) << array.status().ToString();
  return array.ValueOrDie();
}

std::shared_ptr<arrow::RecordBatch> BatchOf(
    const std::vector<std::pair<std::string, std::shared_ptr<arrow::Array>>>& columns) {
  arrow::FieldVector fields;
  arrow::ArrayVector arrays;
  for (const auto& [name, array] : columns) {
    fields.push_back(arrow::field(name, array->type()));
    arrays.push_back(array);
  }
  const int64_t rows = arrays.empty() ? 0 : arrays[0]->length();
  return arrow::RecordBatch::Make(arrow::schema(fields), rows, arrays);
}

std::unique_ptr<JsonEncoder> MakeBound(const arrow::RecordBatch& batch) {
  auto encoder = JsonEncoder::Make(batch.schema());
  EXPECT_TRUE(encoder.ok()) << encoder.status().ToString();
  auto result = std::move(encoder).ValueOrDie();
  const auto status = result->Bind(batch);
  EXPECT_TRUE(status.ok()) << status.ToString();
  return result;
}

// Every row of `batch` as JSON, encoded into one reused buffer.
std::vector<std::string> Rows(const arrow::RecordBatch& batch, EncodeStats* stats = nullptr) {
  auto encoder = MakeBound(batch);
  std::vector<std::string> rows;
  ByteBuffer out;
  for (int64_t r = 0; r < batch.num_rows(); ++r) {
    const size_t start = out.size();
    encoder->AppendRow(r, &out);
    rows.emplace_back(out.view().substr(start));
  }
  if (stats != nullptr) *stats = encoder->stats();
  return rows;
}

// The JSON value of each element of `array`, encoded as column "v".
std::vector<std::string> Values(const std::shared_ptr<arrow::Array>& array,
                                EncodeStats* stats = nullptr) {
  std::vector<std::string> values;
  for (const auto& row : Rows(*BatchOf({{"v", array}}), stats)) {
    EXPECT_EQ(row.substr(0, 5), "{\"v\":");
    EXPECT_EQ(row.back(), '}');
    values.push_back(row.substr(5, row.size() - 6));
  }
  return values;
}

std::vector<std::string> Values(const std::shared_ptr<arrow::DataType>& type,
                                const std::string& json) {
  return Values(ArrayOf(type, json));
}

// AppendCellText of each element; nullopt where it returned false.
std::vector<std::optional<std::string>> Texts(const std::shared_ptr<arrow::Array>& array) {
  const auto batch = BatchOf({{"v", array}});
  auto encoder = MakeBound(*batch);
  std::vector<std::optional<std::string>> texts;
  for (int64_t r = 0; r < array->length(); ++r) {
    ByteBuffer out;
    out.Append("prefix");
    if (encoder->AppendCellText(0, r, &out)) {
      texts.emplace_back(std::string(out.view().substr(6)));
    } else {
      EXPECT_EQ(out.view(), "prefix") << "a null cell appended text";
      texts.emplace_back(std::nullopt);
    }
  }
  return texts;
}

bool IsValidJson(const std::string& text) {
  simdjson::dom::parser parser;
  simdjson::dom::element element;
  return parser.parse(text).get(element) == simdjson::SUCCESS;
}

std::shared_ptr<arrow::Array> StringsOf(const std::vector<std::optional<std::string>>& values) {
  arrow::StringBuilder builder;
  for (const auto& v : values) {
    EXPECT_TRUE((v ? builder.Append(*v) : builder.AppendNull()).ok());
  }
  return builder.Finish().ValueOrDie();
}

template <typename Builder, typename T>
std::shared_ptr<arrow::Array> Build(const std::vector<T>& values) {
  Builder builder;
  for (const auto& v : values) EXPECT_TRUE(builder.Append(v).ok());
  return builder.Finish().ValueOrDie();
}

// The documented float text: std::to_chars's shortest form, but "-0.0" for
// negative zero and the exponent form from 2^63 up.
template <typename F>
std::string ExpectedFloatText(F v) {
  if (v == 0 && std::signbit(v)) return "-0.0";
  char buffer[64];
  if (std::fabs(v) >= static_cast<F>(9223372036854775808.0)) {
    return {buffer,
            std::to_chars(buffer, buffer + sizeof(buffer), v, std::chars_format::scientific).ptr};
  }
  return {buffer, std::to_chars(buffer, buffer + sizeof(buffer), v).ptr};
}

const std::string kReplacement = "\xEF\xBF\xBD";

// --- Rows and scalars -------------------------------------------------------

TEST(JsonEncoder, WritesOneObjectPerRowWithEveryKey) {
  const auto batch = BatchOf({{"a", ArrayOf(arrow::int64(), "[1, 2]")},
                              {"b", ArrayOf(arrow::utf8(), R"(["x", null])")},
                              {"c", ArrayOf(arrow::int32(), "[null, 3]")}});
  EXPECT_EQ(Rows(*batch),
            (std::vector<std::string>{R"({"a":1,"b":"x","c":null})", R"({"a":2,"b":null,"c":3})"}));
}

TEST(JsonEncoder, AppendsRowsToWhatTheBufferHolds) {
  const auto batch = BatchOf({{"a", ArrayOf(arrow::int8(), "[7]")}});
  auto encoder = MakeBound(*batch);
  ByteBuffer out;
  out.Append("[");
  encoder->AppendRow(0, &out);
  out.Push(',');
  encoder->AppendRow(0, &out);
  out.Push(']');
  EXPECT_EQ(out.view(), R"([{"a":7},{"a":7}])");
}

TEST(JsonEncoder, SchemaWithoutColumnsWritesEmptyObjects) {
  const auto batch = arrow::RecordBatch::Make(arrow::schema({}), 1, arrow::ArrayVector{});
  EXPECT_EQ(Rows(*batch), std::vector<std::string>{"{}"});
}

TEST(JsonEncoder, EscapesColumnNames) {
  const auto batch = BatchOf({{"a\"b\\c\n", ArrayOf(arrow::int8(), "[1]")},
                              {"Distance(mi)", ArrayOf(arrow::int8(), "[2]")}});
  EXPECT_EQ(Rows(*batch), std::vector<std::string>{R"js({"a\"b\\c\n":1,"Distance(mi)":2})js"});
}

TEST(JsonEncoder, WritesBooleans) {
  EXPECT_EQ(Values(arrow::boolean(), "[true, false, null]"),
            (std::vector<std::string>{"true", "false", "null"}));
}

TEST(JsonEncoder, WritesIntegersExactly) {
  EXPECT_EQ(Values(arrow::int8(), "[-128, 127, 0, null]"),
            (std::vector<std::string>{"-128", "127", "0", "null"}));
  EXPECT_EQ(Values(arrow::int16(), "[-32768, 32767]"),
            (std::vector<std::string>{"-32768", "32767"}));
  EXPECT_EQ(Values(arrow::int32(), "[-2147483648, 2147483647]"),
            (std::vector<std::string>{"-2147483648", "2147483647"}));
  EXPECT_EQ(Values(arrow::int64(), "[-9223372036854775808, 9223372036854775807]"),
            (std::vector<std::string>{"-9223372036854775808", "9223372036854775807"}));
  EXPECT_EQ(Values(arrow::uint8(), "[255]"), std::vector<std::string>{"255"});
  EXPECT_EQ(Values(arrow::uint16(), "[65535]"), std::vector<std::string>{"65535"});
  EXPECT_EQ(Values(arrow::uint32(), "[4294967295]"), std::vector<std::string>{"4294967295"});
  EXPECT_EQ(Values(arrow::uint64(), "[18446744073709551615, null]"),
            (std::vector<std::string>{"18446744073709551615", "null"}));
}

TEST(JsonEncoder, WritesDoublesInShortestRoundTripForm) {
  const std::vector<double> values = {0.1,  1e-300,     5e-324,      1.7976931348623157e308,
                                      -0.0, 0.0,        3.0,         -2.5,
                                      1e21, 123456.789, 1e7,         1234567.0,
                                      1e-5, 0.001,      -117.123456, 39.865147};
  EXPECT_EQ(Values(Build<arrow::DoubleBuilder>(values)),
            (std::vector<std::string>{"0.1", "1e-300", "5e-324", "1.7976931348623157e+308", "-0.0",
                                      "0", "3", "-2.5", "1e+21", "123456.789", "1e+07", "1234567",
                                      "1e-05", "0.001", "-117.123456", "39.865147"}));
}

// Integer literals past the int64 range break parsers (simdjson rejects them).
TEST(JsonEncoder, WritesHugeDoublesWithAnExponent) {
  const std::vector<double> values = {15875377335923828736.0, -9223372036854775808.0,
                                      9223372036854774784.0, 1e300};
  EXPECT_EQ(Values(Build<arrow::DoubleBuilder>(values)),
            (std::vector<std::string>{"1.5875377335923829e+19", "-9.223372036854776e+18",
                                      "9223372036854774784", "1e+300"}));
}

TEST(JsonEncoder, WritesFloatsAsFloats) {
  const std::vector<float> values = {0.1f,   36.9f,         29.92f, -0.0f, 16777216.0f,
                                     1e-45f, 3.4028235e38f, 100.0f, 1e6f,  0.3f};
  EXPECT_EQ(Values(Build<arrow::FloatBuilder>(values)),
            (std::vector<std::string>{"0.1", "36.9", "29.92", "-0.0", "16777216", "1e-45",
                                      "3.4028235e+38", "100", "1e+06", "0.3"}));
}

TEST(JsonEncoder, WritesNonFiniteFloatsAsNullAndCountsThem) {
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  arrow::DoubleBuilder builder;
  ASSERT_TRUE(builder.AppendValues({nan, inf, -inf, 1.5}).ok());
  ASSERT_TRUE(builder.AppendNull().ok());
  EncodeStats stats;
  EXPECT_EQ(Values(builder.Finish().ValueOrDie(), &stats),
            (std::vector<std::string>{"null", "null", "null", "1.5", "null"}));
  EXPECT_EQ(stats.non_finite_floats, 3u);

  const float finf = std::numeric_limits<float>::infinity();
  EXPECT_EQ(Values(Build<arrow::FloatBuilder>(std::vector<float>{finf, 2.0f}), &stats),
            (std::vector<std::string>{"null", "2"}));
  EXPECT_EQ(stats.non_finite_floats, 1u);
}

// The fast paths for short decimals must produce std::to_chars's text exactly.
TEST(JsonEncoder, FloatingPointTextEqualsToChars) {
  std::mt19937_64 rng(7);
  std::vector<double> doubles;
  std::vector<float> floats;
  for (int i = 0; i < 100000; ++i) {
    const int decimals = static_cast<int>(rng() % 10);
    const double scale = std::pow(10.0, decimals);
    const double sign = (rng() & 1) != 0 ? 1.0 : -1.0;
    doubles.push_back(sign * static_cast<double>(rng() % 100000000000ULL) / scale);
    doubles.push_back(std::bit_cast<double>(rng()));
    floats.push_back(static_cast<float>(sign * static_cast<double>(rng() % 10000000) / scale));
    floats.push_back(std::bit_cast<float>(static_cast<uint32_t>(rng())));
  }
  const auto double_texts = Texts(Build<arrow::DoubleBuilder>(doubles));
  for (size_t i = 0; i < doubles.size(); ++i) {
    if (!std::isfinite(doubles[i])) {
      EXPECT_FALSE(double_texts[i].has_value());
      continue;
    }
    ASSERT_TRUE(double_texts[i].has_value());
    ASSERT_EQ(*double_texts[i], ExpectedFloatText(doubles[i])) << i;
  }
  const auto float_texts = Texts(Build<arrow::FloatBuilder>(floats));
  for (size_t i = 0; i < floats.size(); ++i) {
    if (!std::isfinite(floats[i])) continue;
    ASSERT_TRUE(float_texts[i].has_value());
    ASSERT_EQ(*float_texts[i], ExpectedFloatText(floats[i])) << i;
  }
}

// Float columns repeat values; the writer caches texts by bit pattern. Many
// distinct values cycling (more than the cache holds, colliding) must each
// keep their own text.
TEST(JsonEncoder, RepeatedFloatsKeepTheirText) {
  std::vector<float> distinct;
  for (int i = 0; i < 1500; ++i) distinct.push_back(static_cast<float>(i - 700) / 10.0f);
  distinct.push_back(-0.0f);
  distinct.push_back(0.0f);
  distinct.push_back(1.17549435e-38f);  // longer than the cached texts
  std::vector<float> values;
  std::mt19937 rng(8);
  for (int i = 0; i < 30000; ++i) values.push_back(distinct[rng() % distinct.size()]);
  const auto texts = Texts(Build<arrow::FloatBuilder>(values));
  const auto json = Values(Build<arrow::FloatBuilder>(values));
  for (size_t i = 0; i < values.size(); ++i) {
    ASSERT_EQ(texts[i], ExpectedFloatText(values[i])) << i;
    ASSERT_EQ(json[i], ExpectedFloatText(values[i])) << i;
  }
}

TEST(JsonEncoder, WritesHalfFloatsThroughFloat) {
  arrow::HalfFloatBuilder builder;
  // 1.5, -2, 65504 (largest half), +Inf
  ASSERT_TRUE(
      builder.AppendValues({uint16_t{0x3E00}, uint16_t{0xC000}, uint16_t{0x7BFF}, uint16_t{0x7C00}})
          .ok());
  EncodeStats stats;
  EXPECT_EQ(Values(builder.Finish().ValueOrDie(), &stats),
            (std::vector<std::string>{"1.5", "-2", "65504", "null"}));
  EXPECT_EQ(stats.non_finite_floats, 1u);
}

TEST(JsonEncoder, WritesDecimalsExactly) {
  EXPECT_EQ(Values(arrow::decimal128(10, 2), R"(["1.50", "-0.05", "0.00", "12345678.90", null])"),
            (std::vector<std::string>{"1.50", "-0.05", "0.00", "12345678.90", "null"}));
  EXPECT_EQ(Values(arrow::decimal128(38, 0),
                   R"(["99999999999999999999999999999999999999",
                       "-99999999999999999999999999999999999999", "0"])"),
            (std::vector<std::string>{"99999999999999999999999999999999999999",
                                      "-99999999999999999999999999999999999999", "0"}));
  EXPECT_EQ(Values(arrow::decimal128(38, 38), R"(["0.00000000000000000000000000000000000001"])"),
            std::vector<std::string>{"0.00000000000000000000000000000000000001"});
  EXPECT_EQ(
      Values(arrow::decimal256(76, 10),
             R"(["-123456789012345678901234567890123456789012345678901234567890.1234567890"])"),
      std::vector<std::string>{
          "-123456789012345678901234567890123456789012345678901234567890.1234567890"});
  EXPECT_EQ(Values(arrow::decimal32(9, 3), R"(["-123456.789", "0.001"])"),
            (std::vector<std::string>{"-123456.789", "0.001"}));
  EXPECT_EQ(Values(arrow::decimal64(18, 4), R"(["-12345678901234.5678", "7.0000"])"),
            (std::vector<std::string>{"-12345678901234.5678", "7.0000"}));
}

TEST(JsonEncoder, DecimalsMatchArrowsText) {
  std::mt19937_64 rng(11);
  for (const int32_t scale : {0, 2, 6, 18, 30}) {
    const auto type = arrow::decimal128(38, scale);
    arrow::Decimal128Builder builder(type);
    std::vector<arrow::Decimal128> values;
    for (int i = 0; i < 200; ++i) {
      const auto high = static_cast<int64_t>(rng()) >> (rng() % 64);
      values.emplace_back(high, rng());
      ASSERT_TRUE(builder.Append(values.back()).ok());
    }
    const auto texts = Texts(builder.Finish().ValueOrDie());
    for (size_t i = 0; i < values.size(); ++i) {
      const std::string expected = values[i].ToString(scale);
      if (expected.find('E') != std::string::npos) continue;  // Arrow's exponent form
      EXPECT_EQ(texts[i], expected);
    }
  }
}

TEST(JsonEncoder, WritesDurationsAsCounts) {
  EXPECT_EQ(Values(arrow::duration(arrow::TimeUnit::MILLI), "[1500, -3, null]"),
            (std::vector<std::string>{"1500", "-3", "null"}));
}

TEST(JsonEncoder, WritesNullTypeAsNull) {
  const auto batch = BatchOf({{"n", std::make_shared<arrow::NullArray>(2)}});
  EXPECT_EQ(Rows(*batch), (std::vector<std::string>{R"({"n":null})", R"({"n":null})"}));
}

// --- Strings and bytes --------------------------------------------------------

TEST(JsonEncoder, EscapesStrings) {
  const auto values = Values(StringsOf(
      {std::string("plain"), std::string(""), std::string("say \"hi\""), std::string("back\\slash"),
       std::string("\b\f\n\r\t"), std::string("\x01\x1f\x7f", 3), std::string("nul\0byte", 8),
       std::string("/ stays"), std::nullopt}));
  EXPECT_EQ(values,
            (std::vector<std::string>{R"("plain")", R"("")", R"("say \"hi\"")", R"("back\\slash")",
                                      R"("\b\f\n\r\t")", "\"\\u0001\\u001f\x7f\"",
                                      R"("nul\u0000byte")", R"("/ stays")", "null"}));
}

TEST(JsonEncoder, PassesValidUtf8Through) {
  const std::string text = "caf\xC3\xA9 \xF0\x9F\x98\x80 \xE2\x82\xAC \"\xE4\xB8\xAD\"";
  EncodeStats stats;
  const auto values = Values(StringsOf({text}), &stats);
  EXPECT_EQ(values[0], "\"caf\xC3\xA9 \xF0\x9F\x98\x80 \xE2\x82\xAC \\\"\xE4\xB8\xAD\\\"\"");
  EXPECT_EQ(stats.invalid_utf8_values, 0u);
}

TEST(JsonEncoder, ReplacesInvalidUtf8AndCountsValues) {
  EncodeStats stats;
  const auto values =
      Values(StringsOf({std::string("\xC3\x28"), std::string("\xF0\x9F\x98"),
                        std::string("a\xFF") + "b", std::string("\xED\xA0\x80"),
                        std::string("ok \xC3\xA9 then \xC0\xAF\n and \xF4\x90\x80\x80"),
                        std::string("fine")}),
             &stats);
  EXPECT_EQ(values, (std::vector<std::string>{
                        "\"" + kReplacement + "(\"", "\"" + kReplacement + "\"",
                        "\"a" + kReplacement + "b\"",
                        "\"" + kReplacement + kReplacement + kReplacement + "\"",
                        "\"ok \xC3\xA9 then " + kReplacement + kReplacement + "\\n and " +
                            kReplacement + kReplacement + kReplacement + kReplacement + "\"",
                        "\"fine\""}));
  EXPECT_EQ(stats.invalid_utf8_values, 5u);
  for (const auto& v : values) EXPECT_TRUE(IsValidJson(v)) << v;
}

// An independent, byte-at-a-time escaper to check the word-at-a-time one.
std::string ReferenceEscape(const std::string& s) {
  std::string out = "\"";
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      switch (c) {
        case '"':
          out += "\\\"";
          break;
        case '\\':
          out += "\\\\";
          break;
        case '\b':
          out += "\\b";
          break;
        case '\f':
          out += "\\f";
          break;
        case '\n':
          out += "\\n";
          break;
        case '\r':
          out += "\\r";
          break;
        case '\t':
          out += "\\t";
          break;
        default:
          if (c < 0x20) {
            char buffer[8];
            std::snprintf(buffer, sizeof(buffer), "\\u%04x", c);
            out += buffer;
          } else {
            out += static_cast<char>(c);
          }
      }
      ++i;
      continue;
    }
    // Decode one scalar value; on failure replace the maximal subpart.
    int need;
    uint32_t cp;
    if (c >= 0xC2 && c <= 0xDF) {
      need = 1;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      need = 2;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      need = 3;
      cp = c & 0x07;
    } else {
      out += kReplacement;
      ++i;
      continue;
    }
    size_t j = i + 1;
    bool ok = true;
    for (int k = 0; k < need; ++k, ++j) {
      if (j >= s.size()) {
        ok = false;
        break;
      }
      const auto cc = static_cast<unsigned char>(s[j]);
      if ((cc & 0xC0) != 0x80) {
        ok = false;
        break;
      }
      cp = (cp << 6) | (cc & 0x3F);
      // Reject overlong, surrogate and too-large forms as soon as the prefix shows them.
      if (k == 0) {
        const uint32_t partial = cp << (6 * (need - 1));
        const uint32_t min = need == 2 ? 0x800 : 0x10000;
        if (need >= 2 && (partial + ((1u << (6 * (need - 1))) - 1) < min ||
                          (partial >= 0xD800 && partial <= 0xDFFF) || partial > 0x10FFFF)) {
          ok = false;
          break;
        }
      }
    }
    if (ok) {
      out.append(s, i, j - i);
    } else {
      out += kReplacement;
    }
    i = j;
  }
  return out + "\"";
}

TEST(JsonEncoder, EscapingAgreesWithAByteAtATimeReference) {
  // Every special byte at every position of strings around the 8-byte word size.
  const std::vector<std::string> specials = {
      "\"",   "\\",   "\n",      std::string(1, '\0'), "\x1f", "\xC3\xA9", "\xF0\x9F\x98\x80",
      "\xFF", "\xC3", "\xE2\x82"};
  std::vector<std::optional<std::string>> inputs;
  for (size_t length = 0; length <= 20; ++length) {
    for (size_t position = 0; position <= length; ++position) {
      for (const auto& special : specials) {
        std::string s(length, 'x');
        s.insert(position, special);
        inputs.emplace_back(s);
      }
    }
  }
  std::mt19937_64 rng(3);
  const std::string alphabet =
      "abc \"\\\n\t\x01\x7f\x80\xBF\xC2\xC3\xA9\xE0\xED\xA0\x9F\xF0\xF4\x90\x8F\xFF";
  for (int i = 0; i < 20000; ++i) {
    std::string s(rng() % 40, ' ');
    for (auto& c : s) c = alphabet[rng() % alphabet.size()];
    inputs.emplace_back(s);
  }
  const auto values = Values(StringsOf(inputs));
  ASSERT_EQ(values.size(), inputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    ASSERT_EQ(values[i], ReferenceEscape(*inputs[i])) << "input #" << i;
    ASSERT_TRUE(IsValidJson(values[i])) << values[i];
  }
}

// Values whose buffer has no padding after them take the path that reads
// only their own bytes: each value here is an array of its own, over a buffer
// of exactly its size.
TEST(JsonEncoder, EscapingAgreesWithTheReferenceWithoutBufferPadding) {
  std::mt19937_64 rng(4);
  const std::string alphabet = "abcdefgh \"\\\n\x01\x7f\xC3\xA9\xF0\x9F\x98\x80\xFF";
  for (int i = 0; i < 3000; ++i) {
    std::string s(rng() % 40, ' ');
    for (auto& c : s) c = alphabet[rng() % alphabet.size()];
    const int32_t offsets[] = {0, static_cast<int32_t>(s.size())};
    auto offsets_buffer = arrow::Buffer::FromString(
        std::string(reinterpret_cast<const char*>(offsets), sizeof(offsets)));
    auto data_buffer = arrow::Buffer::FromString(s);
    ASSERT_EQ(data_buffer->capacity(), data_buffer->size());
    const auto array = std::make_shared<arrow::StringArray>(1, offsets_buffer, data_buffer);
    const auto values = Values(array);
    ASSERT_EQ(values[0], ReferenceEscape(s)) << "input #" << i;
  }
}

TEST(JsonEncoder, WritesLargeStringsAndStringViews) {
  const std::string long_text = "a string longer than twelve bytes, \"quoted\"";
  const std::string json = R"(["short", null, "a string longer than twelve bytes, \"quoted\""])";
  const std::vector<std::string> expected = {R"("short")", "null",
                                             R"("a string longer than twelve bytes, \"quoted\"")"};
  EXPECT_EQ(Values(arrow::large_utf8(), json), expected);
  EXPECT_EQ(Values(arrow::utf8_view(), json), expected);
}

TEST(JsonEncoder, WritesBinaryAsBase64) {
  const std::string json = R"(["", "f", "fo", "foo", "foob", "fooba", "foobar", null])";
  const std::vector<std::string> expected = {R"("")",         R"("Zg==")",     R"("Zm8=")",
                                             R"("Zm9v")",     R"("Zm9vYg==")", R"("Zm9vYmE=")",
                                             R"("Zm9vYmFy")", "null"};
  EXPECT_EQ(Values(arrow::binary(), json), expected);
  EXPECT_EQ(Values(arrow::large_binary(), json), expected);
  EXPECT_EQ(Values(arrow::binary_view(), json), expected);
  EXPECT_EQ(Values(arrow::fixed_size_binary(3), R"(["foo", null, "\u0000\u007f\u0001"])"),
            (std::vector<std::string>{R"("Zm9v")", "null", R"("AH8B")"}));
}

// --- Temporal -----------------------------------------------------------------

std::vector<std::string> TimestampValues(arrow::TimeUnit::type unit, const std::string& zone,
                                         const std::string& json) {
  return Values(arrow::timestamp(unit, zone), json);
}

TEST(JsonEncoder, WritesNaiveTimestampsAsStored) {
  using arrow::TimeUnit;
  EXPECT_EQ(
      TimestampValues(TimeUnit::SECOND, "", "[0, 1609459199, -1, -86401, null]"),
      (std::vector<std::string>{R"("1970-01-01T00:00:00")", R"("2020-12-31T23:59:59")",
                                R"("1969-12-31T23:59:59")", R"("1969-12-30T23:59:59")", "null"}));
  EXPECT_EQ(
      TimestampValues(TimeUnit::MILLI, "", "[1609459200123, 1609459200100, -1]"),
      (std::vector<std::string>{R"("2021-01-01T00:00:00.123")", R"("2021-01-01T00:00:00.100")",
                                R"("1969-12-31T23:59:59.999")"}));
  EXPECT_EQ(
      TimestampValues(TimeUnit::MICRO, "", "[1000, 1234, 1001000, 5000000]"),
      (std::vector<std::string>{R"("1970-01-01T00:00:00.001")", R"("1970-01-01T00:00:00.001234")",
                                R"("1970-01-01T00:00:01.001")", R"("1970-01-01T00:00:05")"}));
  EXPECT_EQ(TimestampValues(TimeUnit::NANO, "",
                            "[1, 1000, 1000000, 1500000000, -1, 1583020800000000000, "
                            "1456704000123456789]"),
            (std::vector<std::string>{
                R"("1970-01-01T00:00:00.000000001")", R"("1970-01-01T00:00:00.000001")",
                R"("1970-01-01T00:00:00.001")", R"("1970-01-01T00:00:01.500")",
                R"("1969-12-31T23:59:59.999999999")", R"("2020-03-01T00:00:00")",
                R"("2016-02-29T00:00:00.123456789")"}));
}

TEST(JsonEncoder, WritesZonedTimestampsAsUtcInstants) {
  using arrow::TimeUnit;
  const std::string json = "[1609459200123, -1, null]";
  const std::vector<std::string> expected = {R"("2021-01-01T00:00:00.123Z")",
                                             R"("1969-12-31T23:59:59.999Z")", "null"};
  EXPECT_EQ(TimestampValues(TimeUnit::MILLI, "UTC", json), expected);
  EXPECT_EQ(TimestampValues(TimeUnit::MILLI, "America/New_York", json), expected);
  EXPECT_EQ(TimestampValues(TimeUnit::MILLI, "+05:30", json), expected);
}

TEST(JsonEncoder, WritesYearsBeyondFourDigitsWithSign) {
  EXPECT_EQ(TimestampValues(arrow::TimeUnit::SECOND, "",
                            "[253402300799, 253402300800, -62167219200, -62167219201]"),
            (std::vector<std::string>{R"("9999-12-31T23:59:59")", R"("+10000-01-01T00:00:00")",
                                      R"("0000-01-01T00:00:00")", R"("-0001-12-31T23:59:59")"}));
}

// Against the standard library's calendar, for random instants over the ns range.
TEST(JsonEncoder, TimestampsAgreeWithStdChrono) {
  using namespace std::chrono;
  std::mt19937_64 rng(5);
  std::vector<int64_t> values;
  for (int i = 0; i < 20000; ++i) {
    int64_t v = static_cast<int64_t>(rng());
    if (i % 3 == 0) v -= v % 1000000;  // exercise the shorter fraction groups
    if (i % 5 == 0) v -= v % 1000;
    if (i % 7 == 0) v = values.empty() ? v : values.back() + 1;  // same day as the last
    values.push_back(v);
  }
  arrow::TimestampBuilder builder(arrow::timestamp(arrow::TimeUnit::NANO),
                                  arrow::default_memory_pool());
  ASSERT_TRUE(builder.AppendValues(values).ok());
  const auto encoded = Texts(builder.Finish().ValueOrDie());
  for (size_t i = 0; i < values.size(); ++i) {
    const sys_time<nanoseconds> t{nanoseconds(values[i])};
    const auto day = floor<days>(t);
    const year_month_day ymd{day};
    const hh_mm_ss<nanoseconds> clock{t - day};
    char expected[64];
    std::snprintf(expected, sizeof(expected), "%04d-%02u-%02uT%02d:%02d:%02d",
                  static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                  static_cast<unsigned>(ymd.day()), static_cast<int>(clock.hours().count()),
                  static_cast<int>(clock.minutes().count()),
                  static_cast<int>(clock.seconds().count()));
    std::string text = expected;
    const int64_t fraction = clock.subseconds().count();
    if (fraction != 0) {
      char digits[16];
      std::snprintf(digits, sizeof(digits), "%09lld", static_cast<long long>(fraction));
      std::string f = digits;
      while (f.size() > 3 && f.substr(f.size() - 3) == "000") f.resize(f.size() - 3);
      text += "." + f;
    }
    ASSERT_EQ(encoded[i], text) << values[i];
  }
}

TEST(JsonEncoder, WritesDatesAndTimes) {
  EXPECT_EQ(Values(arrow::date32(), "[0, -1, 18321, 11016, -25508, null]"),
            (std::vector<std::string>{R"("1970-01-01")", R"("1969-12-31")", R"("2020-02-29")",
                                      R"("2000-02-29")", R"("1900-03-01")", "null"}));
  EXPECT_EQ(Values(arrow::date64(), "[1582934400000, -86400000]"),
            (std::vector<std::string>{R"("2020-02-29")", R"("1969-12-31")"}));
  EXPECT_EQ(Values(arrow::time32(arrow::TimeUnit::SECOND), "[3661, 0, null]"),
            (std::vector<std::string>{R"("01:01:01")", R"("00:00:00")", "null"}));
  EXPECT_EQ(Values(arrow::time32(arrow::TimeUnit::MILLI), "[3661001, 86399999]"),
            (std::vector<std::string>{R"("01:01:01.001")", R"("23:59:59.999")"}));
  EXPECT_EQ(Values(arrow::time64(arrow::TimeUnit::MICRO), "[1, 45296789000]"),
            (std::vector<std::string>{R"("00:00:00.000001")", R"("12:34:56.789")"}));
  EXPECT_EQ(Values(arrow::time64(arrow::TimeUnit::NANO), "[86399999999999, 45296789000000]"),
            (std::vector<std::string>{R"("23:59:59.999999999")", R"("12:34:56.789")"}));
}

// --- Dictionary and nested -------------------------------------------------------

TEST(JsonEncoder, WritesDictionaryValues) {
  const auto array =
      arrow::json::DictArrayFromJSONString(arrow::dictionary(arrow::int8(), arrow::utf8()),
                                           "[0, 1, null, 0, 2]", R"(["a", "b\"", null])")
          .ValueOrDie();
  EXPECT_EQ(Values(array),
            (std::vector<std::string>{R"("a")", R"("b\"")", "null", R"("a")", "null"}));
  EXPECT_EQ(Texts(array),
            (std::vector<std::optional<std::string>>{"a", "b\"", std::nullopt, "a", std::nullopt}));
  const auto numbers =
      arrow::json::DictArrayFromJSONString(arrow::dictionary(arrow::uint32(), arrow::float64()),
                                           "[1, 0]", "[0.5, 2.25]")
          .ValueOrDie();
  EXPECT_EQ(Values(numbers), (std::vector<std::string>{"2.25", "0.5"}));
}

// Each distinct value is encoded once per dictionary and copied after that:
// the copies must be exact, keep counting per row, and follow a new dictionary.
TEST(JsonEncoder, CachedDictionaryValuesMatchAndFollowANewDictionary) {
  arrow::StringBuilder words;
  ASSERT_TRUE(words.AppendValues({"a", "b\"", "x\xFFy"}).ok());
  const auto dictionary = words.Finish().ValueOrDie();
  const auto type = arrow::dictionary(arrow::int32(), arrow::utf8());
  const auto first = arrow::DictionaryArray::FromArrays(
                         type, ArrayOf(arrow::int32(), "[2, 0, 2, 1, null, 2, 0]"), dictionary)
                         .ValueOrDie();
  const auto second = arrow::DictionaryArray::FromArrays(
                          type, ArrayOf(arrow::int32(), "[0, 1, 0]"),
                          ArrayOf(arrow::utf8(), R"(["b", "a"])"))
                          .ValueOrDie();
  auto encoder = MakeBound(*BatchOf({{"v", first}}));
  ByteBuffer out;
  for (int64_t r = 0; r < first->length(); ++r) {
    encoder->AppendRow(r, &out);
    out.Push('\n');
  }
  const std::string bad = "\"x" + kReplacement + "y\"";
  EXPECT_EQ(out.view(), "{\"v\":" + bad + "}\n{\"v\":\"a\"}\n{\"v\":" + bad +
                            "}\n{\"v\":\"b\\\"\"}\n{\"v\":null}\n{\"v\":" + bad +
                            "}\n{\"v\":\"a\"}\n");
  EXPECT_EQ(encoder->stats().invalid_utf8_values, 3u);  // once per row, not per distinct value

  ASSERT_TRUE(encoder->Bind(*BatchOf({{"v", second}})).ok());
  out.Clear();
  for (int64_t r = 0; r < second->length(); ++r) encoder->AppendRow(r, &out);
  EXPECT_EQ(out.view(), R"({"v":"b"}{"v":"a"}{"v":"b"})");
}

TEST(JsonEncoder, WritesListsAsArrays) {
  const std::string json = "[[1, 2], [], null, [3, null]]";
  const std::vector<std::string> expected = {"[1,2]", "[]", "null", "[3,null]"};
  EXPECT_EQ(Values(arrow::list(arrow::int32()), json), expected);
  EXPECT_EQ(Values(arrow::large_list(arrow::int32()), json), expected);
  EXPECT_EQ(Values(arrow::list_view(arrow::int32()), json), expected);
  EXPECT_EQ(Values(arrow::fixed_size_list(arrow::int32(), 2), "[[1, 2], null, [null, 4]]"),
            (std::vector<std::string>{"[1,2]", "null", "[null,4]"}));
  EXPECT_EQ(Values(arrow::list(arrow::list(arrow::utf8())), R"([[["a"], [], null], null])"),
            (std::vector<std::string>{R"([["a"],[],null])", "null"}));
}

TEST(JsonEncoder, WritesStructsAsObjects) {
  const auto type =
      arrow::struct_({arrow::field("a", arrow::int32()), arrow::field("b\"q", arrow::utf8()),
                      arrow::field("t", arrow::timestamp(arrow::TimeUnit::SECOND))});
  EXPECT_EQ(Values(type, R"([{"a": 1, "b\"q": "x", "t": 0}, null, {"a": null, "b\"q": null,
                             "t": null}])"),
            (std::vector<std::string>{R"({"a":1,"b\"q":"x","t":"1970-01-01T00:00:00"})", "null",
                                      R"({"a":null,"b\"q":null,"t":null})"}));
  EXPECT_EQ(Values(arrow::struct_({}), "[{}, null]"), (std::vector<std::string>{"{}", "null"}));
}

TEST(JsonEncoder, WritesStringKeyedMapsAsObjects) {
  EXPECT_EQ(
      Values(arrow::map(arrow::utf8(), arrow::int64()), R"([[["k", 1], ["j\n", null]], null, []])"),
      (std::vector<std::string>{R"({"k":1,"j\n":null})", "null", "{}"}));
}

TEST(JsonEncoder, WritesOtherMapsAsKeyValueArrays) {
  EXPECT_EQ(Values(arrow::map(arrow::int32(), arrow::utf8()), R"([[[1, "a"], [2, null]], []])"),
            (std::vector<std::string>{R"([{"key":1,"value":"a"},{"key":2,"value":null}])", "[]"}));
}

TEST(JsonEncoder, WritesExtensionArraysAsTheirStorage) {
  const auto type = arrow::extension::json(arrow::utf8());
  const auto storage = ArrayOf(arrow::utf8(), R"(["{\"a\":1}", null])");
  const auto array = arrow::ExtensionType::WrapArray(type, storage);
  EXPECT_EQ(Values(array), (std::vector<std::string>{R"("{\"a\":1}")", "null"}));
}

// --- Slices -----------------------------------------------------------------------

TEST(JsonEncoder, HonoursOffsetsOfSlicedBatches) {
  const auto batch = BatchOf({
      {"i", ArrayOf(arrow::int32(), "[1, null, 3, 4]")},
      {"b", ArrayOf(arrow::boolean(), "[true, false, null, true]")},
      {"s", ArrayOf(arrow::utf8(), R"(["a", "bb", null, "dddd"])")},
      {"bin", ArrayOf(arrow::binary(), R"(["a", "bb", "ccc", null])")},
      {"d", ArrayOf(arrow::float64(), "[0.5, 1.5, null, 3.5]")},
      {"t", ArrayOf(arrow::timestamp(arrow::TimeUnit::MILLI), "[0, 1000, 2001, null]")},
      {"l", ArrayOf(arrow::list(arrow::int32()), "[[1], [2, 3], null, [4, 5, 6]]")},
      {"f", ArrayOf(arrow::fixed_size_list(arrow::int8(), 2), "[[1, 2], [3, 4], [5, 6], null]")},
      {"st", ArrayOf(arrow::struct_({arrow::field("x", arrow::int8())}),
                     R"([{"x": 1}, {"x": 2}, null, {"x": 4}])")},
      {"m", ArrayOf(arrow::map(arrow::utf8(), arrow::int8()),
                    R"([[["a", 1]], [["b", 2], ["c", 3]], null, []])")},
      {"dict",
       arrow::json::DictArrayFromJSONString(arrow::dictionary(arrow::int16(), arrow::utf8()),
                                            "[0, 1, null, 1]", R"(["p", "q"])")
           .ValueOrDie()},
  });
  const auto full = Rows(*batch);
  ASSERT_EQ(full.size(), 4u);
  EXPECT_EQ(full[1],
            R"({"i":null,"b":false,"s":"bb","bin":"YmI=","d":1.5,"t":"1970-01-01T00:00:01",)"
            R"("l":[2,3],"f":[3,4],"st":{"x":2},"m":{"b":2,"c":3},"dict":"q"})");
  EXPECT_EQ(Rows(*batch->Slice(1, 2)), (std::vector<std::string>{full[1], full[2]}));
  EXPECT_EQ(Rows(*batch->Slice(3)), std::vector<std::string>{full[3]});
}

TEST(JsonEncoder, HonoursOffsetsOfSlicedChildren) {
  // A struct whose children are slices of longer arrays, itself sliced.
  const auto x = ArrayOf(arrow::int32(), "[0, 1, 2, 3, 4]")->Slice(2);
  const auto y = ArrayOf(arrow::utf8(), R"(["z", "a", "b", "c", "d", "e"])")->Slice(3);
  const auto structs =
      arrow::StructArray::Make({x, y}, std::vector<std::string>{"x", "y"}).ValueOrDie();
  EXPECT_EQ(Values(structs), (std::vector<std::string>{R"({"x":2,"y":"c"})", R"({"x":3,"y":"d"})",
                                                       R"({"x":4,"y":"e"})"}));
  EXPECT_EQ(Values(structs->Slice(1, 1)), std::vector<std::string>{R"({"x":3,"y":"d"})"});

  // A list whose values array is a slice.
  const auto values = ArrayOf(arrow::int64(), "[9, 9, 1, 2, 3]")->Slice(2);
  const auto offsets = ArrayOf(arrow::int32(), "[0, 1, 3]");
  const auto lists = arrow::ListArray::FromArrays(*offsets, *values).ValueOrDie();
  EXPECT_EQ(Values(lists), (std::vector<std::string>{"[1]", "[2,3]"}));
  EXPECT_EQ(Values(lists->Slice(1)), std::vector<std::string>{"[2,3]"});

  // A sliced map of a sliced list of strings.
  const auto nested = ArrayOf(arrow::map(arrow::utf8(), arrow::list(arrow::utf8())),
                              R"([[["a", ["1"]]], [["b", ["2", null]], ["c", []]], null])");
  EXPECT_EQ(Values(nested->Slice(1)),
            (std::vector<std::string>{R"({"b":["2",null],"c":[]})", "null"}));
}

// --- Errors ---------------------------------------------------------------------

TEST(JsonEncoder, RejectsTypesWithoutJsonEncoding) {
  const auto unions = arrow::dense_union({arrow::field("i", arrow::int32())});
  auto result = JsonEncoder::Make(
      arrow::schema({arrow::field("ok", arrow::int32()), arrow::field("u", unions)}));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(util::ExitCodeOf(result.status()), util::ExitCode::kUsage);
  EXPECT_EQ(result.status().message(),
            "column 'u' has type " + unions->ToString() + ", which has no JSON encoding");

  result = JsonEncoder::Make(
      arrow::schema({arrow::field("l", arrow::list(arrow::month_day_nano_interval()))}));
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("column 'l' has type list<"), std::string::npos)
      << result.status().message();
}

TEST(JsonEncoder, BindRejectsBatchesOfAnotherSchema) {
  auto encoder = JsonEncoder::Make(arrow::schema({arrow::field("a", arrow::int32())})).ValueOrDie();
  EXPECT_FALSE(encoder->Bind(*BatchOf({{"a", ArrayOf(arrow::int64(), "[1]")}})).ok());
  EXPECT_FALSE(encoder
                   ->Bind(*BatchOf({{"a", ArrayOf(arrow::int32(), "[1]")},
                                    {"b", ArrayOf(arrow::int32(), "[1]")}}))
                   .ok());
  EXPECT_TRUE(encoder->Bind(*BatchOf({{"a", ArrayOf(arrow::int32(), "[1]")}})).ok());
}

// --- Cell text --------------------------------------------------------------------

TEST(JsonEncoder, AppendCellTextWritesKeyText) {
  EXPECT_EQ(Texts(StringsOf({std::string("plain \"q\""), std::string("bad \xFF"), std::nullopt})),
            (std::vector<std::optional<std::string>>{"plain \"q\"", "bad \xFF", std::nullopt}));
  EXPECT_EQ(Texts(ArrayOf(arrow::int64(), "[-5, null]")),
            (std::vector<std::optional<std::string>>{"-5", std::nullopt}));
  EXPECT_EQ(Texts(ArrayOf(arrow::boolean(), "[true]")),
            std::vector<std::optional<std::string>>{"true"});
  EXPECT_EQ(Texts(ArrayOf(arrow::binary(), R"(["raw"])")),
            std::vector<std::optional<std::string>>{"raw"});
  EXPECT_EQ(
      Texts(ArrayOf(arrow::timestamp(arrow::TimeUnit::NANO), "[1456704000123456789, null]")),
      (std::vector<std::optional<std::string>>{"2016-02-29T00:00:00.123456789", std::nullopt}));
  EXPECT_EQ(Texts(ArrayOf(arrow::timestamp(arrow::TimeUnit::SECOND, "UTC"), "[0]")),
            std::vector<std::optional<std::string>>{"1970-01-01T00:00:00Z"});
  EXPECT_EQ(Texts(ArrayOf(arrow::date32(), "[0]")),
            std::vector<std::optional<std::string>>{"1970-01-01"});
  EXPECT_EQ(Texts(ArrayOf(arrow::time32(arrow::TimeUnit::SECOND), "[61]")),
            std::vector<std::optional<std::string>>{"00:01:01"});
  EXPECT_EQ(Texts(ArrayOf(arrow::list(arrow::utf8()), R"([["a", null], null])")),
            (std::vector<std::optional<std::string>>{R"(["a",null])", std::nullopt}));
  EXPECT_EQ(Texts(std::make_shared<arrow::NullArray>(1)),
            std::vector<std::optional<std::string>>{std::nullopt});
  arrow::DoubleBuilder doubles;
  ASSERT_TRUE(doubles.AppendValues({0.25, std::nan("")}).ok());
  EXPECT_EQ(Texts(doubles.Finish().ValueOrDie()),
            (std::vector<std::optional<std::string>>{"0.25", std::nullopt}));
}

// --- Round trip -------------------------------------------------------------------

TEST(JsonEncoder, EveryRowParsesBackToTheArrowValues) {
  std::mt19937_64 rng(9);
  const int rows = 2000;
  arrow::Int64Builder ints;
  arrow::Int8Builder small;
  arrow::DoubleBuilder doubles;
  arrow::FloatBuilder floats;
  arrow::BooleanBuilder bools;
  arrow::StringBuilder strings;
  const std::vector<double> special = {0.1,
                                       1e-300,
                                       5e-324,
                                       1.7976931348623157e308,
                                       -0.0,
                                       2.2250738585072014e-308,
                                       9007199254740993.0,
                                       1e22};
  const std::string pieces[] = {"a",     "\"", "\\",  "\n", "\x01", "\xC3\xA9", "\xF0\x9F\x98\x80",
                                "text ", "\t", "\x7f"};
  for (int r = 0; r < rows; ++r) {
    const bool null = r % 11 == 0;
    ASSERT_TRUE((null ? ints.AppendNull() : ints.Append(static_cast<int64_t>(rng()))).ok());
    ASSERT_TRUE(small.Append(static_cast<int8_t>(rng())).ok());
    double d = r < static_cast<int>(special.size()) ? special[static_cast<size_t>(r)]
                                                    : std::bit_cast<double>(rng());
    if (!std::isfinite(d)) d = static_cast<double>(rng() % 1000000) / 1000.0;
    ASSERT_TRUE((r % 13 == 0 ? doubles.AppendNull() : doubles.Append(d)).ok());
    float f = std::bit_cast<float>(static_cast<uint32_t>(rng()));
    if (!std::isfinite(f)) f = static_cast<float>(rng() % 1000) / 10.0f;
    ASSERT_TRUE(floats.Append(f).ok());
    ASSERT_TRUE((null ? bools.AppendNull() : bools.Append((rng() & 1) != 0)).ok());
    std::string s;
    for (int k = static_cast<int>(rng() % 12); k > 0; --k) s += pieces[rng() % std::size(pieces)];
    ASSERT_TRUE((r % 7 == 0 ? strings.AppendNull() : strings.Append(s)).ok());
  }
  const auto batch = BatchOf({{"i", ints.Finish().ValueOrDie()},
                              {"s8", small.Finish().ValueOrDie()},
                              {"d", doubles.Finish().ValueOrDie()},
                              {"f", floats.Finish().ValueOrDie()},
                              {"b", bools.Finish().ValueOrDie()},
                              {"s", strings.Finish().ValueOrDie()}});
  const auto& i_array = static_cast<const arrow::Int64Array&>(*batch->column(0));
  const auto& s8_array = static_cast<const arrow::Int8Array&>(*batch->column(1));
  const auto& d_array = static_cast<const arrow::DoubleArray&>(*batch->column(2));
  const auto& f_array = static_cast<const arrow::FloatArray&>(*batch->column(3));
  const auto& b_array = static_cast<const arrow::BooleanArray&>(*batch->column(4));
  const auto& s_array = static_cast<const arrow::StringArray&>(*batch->column(5));

  simdjson::dom::parser parser;
  const auto encoded = Rows(*batch);
  for (int64_t r = 0; r < rows; ++r) {
    simdjson::dom::object object;
    ASSERT_EQ(parser.parse(encoded[static_cast<size_t>(r)]).get(object), simdjson::SUCCESS)
        << encoded[static_cast<size_t>(r)];
    ASSERT_EQ(object.size(), 6u);
    if (i_array.IsNull(r)) {
      EXPECT_TRUE(object["i"].is_null());
    } else {
      EXPECT_EQ(object["i"].get_int64().value(), i_array.Value(r));
    }
    EXPECT_EQ(object["s8"].get_int64().value(), s8_array.Value(r));
    if (d_array.IsNull(r)) {
      EXPECT_TRUE(object["d"].is_null());
    } else {
      const double parsed = object["d"].get_double().value();
      EXPECT_EQ(std::bit_cast<uint64_t>(parsed), std::bit_cast<uint64_t>(d_array.Value(r)))
          << encoded[static_cast<size_t>(r)];
    }
    const auto parsed_float = static_cast<float>(object["f"].get_double().value());
    EXPECT_EQ(std::bit_cast<uint32_t>(parsed_float), std::bit_cast<uint32_t>(f_array.Value(r)))
        << encoded[static_cast<size_t>(r)];
    if (b_array.IsNull(r)) {
      EXPECT_TRUE(object["b"].is_null());
    } else {
      EXPECT_EQ(object["b"].get_bool().value(), b_array.Value(r));
    }
    if (s_array.IsNull(r)) {
      EXPECT_TRUE(object["s"].is_null());
    } else {
      EXPECT_EQ(object["s"].get_string().value(), s_array.GetView(r));
    }
  }
}

TEST(JsonEncoder, EncodesTheAccidentsStreamSchema) {
  const auto schema = dataset::StreamSchema();
  ASSERT_EQ(schema->num_fields(), 49);
  arrow::ArrayVector columns;
  for (const auto& field : schema->fields()) {
    auto builder = arrow::MakeBuilder(field->type()).ValueOrDie();
    ASSERT_TRUE(builder->AppendNull().ok());
    ASSERT_TRUE(builder->AppendEmptyValue().ok());
    columns.push_back(builder->Finish().ValueOrDie());
  }
  const auto batch = arrow::RecordBatch::Make(schema, 2, columns);
  const auto rows = Rows(*batch);
  simdjson::dom::parser parser;
  for (const auto& row : rows) {
    simdjson::dom::object object;
    ASSERT_EQ(parser.parse(row).get(object), simdjson::SUCCESS) << row;
    EXPECT_EQ(object.size(), 49u);
  }
  EXPECT_NE(rows[1].find(R"("Start_Time":"1970-01-01T00:00:00")"), std::string::npos) << rows[1];
  EXPECT_NE(rows[1].find(R"js("Temperature(F)":0,)js"), std::string::npos) << rows[1];
}

}  // namespace
}  // namespace timecast::encode
