// JsonEncoder throughput on rows shaped like the product's main input: the 49
// columns of the accidents stream schema, with values, lengths and null rates
// like Kaggle's data (strings of 1-120 bytes, ~10% nulls in weather columns,
// timestamps 2016-2021 in replay order). Weather values are uniform over their
// ranges, so they repeat less than real readings do (the float writers cache
// repeated values' text): the numbers here are on the pessimistic side.
//
//   encode_bench --benchmark_min_time=1
#include <arrow/api.h>
#include <benchmark/benchmark.h>

#include <cmath>
#include <memory>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "dataset/accidents_schema.h"
#include "encode/json_encoder.h"

namespace {

using timecast::encode::ByteBuffer;
using timecast::encode::JsonEncoder;

constexpr int64_t kRows = 65536;

// Random draws for the synthetic rows.
class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  double Uniform(double lo, double hi) { return std::uniform_real_distribution<>(lo, hi)(rng_); }
  int64_t Int(int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng_);
  }
  bool Chance(double p) { return Uniform(0, 1) < p; }
  double Round(double v, int decimals) {
    const double scale = std::pow(10.0, decimals);
    return std::round(v * scale) / scale;
  }
  template <typename T>
  const T& Pick(const std::vector<T>& values) {
    return values[static_cast<size_t>(Int(0, static_cast<int64_t>(values.size()) - 1))];
  }

  std::string Description() {
    static const std::vector<std::string> kWords = {
        "Accident", "on",     "I-70",    "Eastbound", "at",      "Exit",    "41",  "OH-235",
        "State",    "Route",  "4",       "Right",     "lane",    "blocked", "due", "to",
        "accident", "Closed", "between", "Dayton",    "Brandt",  "Pike",    "and", "Huber",
        "Heights",  "Road",   "caution", "Queueing",  "traffic", "for",     "two", "miles",
        "Lane",     "closed", "Slow",    "Ramp",      "Blvd",    "Ave",     "N",   "S"};
    std::string text;
    const auto length = static_cast<size_t>(Int(5, 120));
    while (text.size() < length) {
      if (!text.empty()) text += ' ';
      text += Pick(kWords);
    }
    text.resize(length);
    if (Chance(0.01)) text += " - Caf\xC3\xA9 Ren\xC3\xA9";  // some non-ASCII, like real data
    if (Chance(0.005)) text += " \"Exit 41\"";
    return text;
  }

 private:
  std::mt19937_64 rng_;
};

std::shared_ptr<arrow::RecordBatch> AccidentsBatch() {
  const auto schema = timecast::dataset::StreamSchema();
  Generator g(2016);
  std::vector<std::unique_ptr<arrow::ArrayBuilder>> builders;
  for (const auto& field : schema->fields())
    builders.push_back(arrow::MakeBuilder(field->type()).ValueOrDie());
  auto col = [&](const char* name) -> arrow::ArrayBuilder& {
    return *builders[static_cast<size_t>(schema->GetFieldIndex(name))];
  };
  auto check = [](const arrow::Status& status) {
    if (!status.ok()) throw std::runtime_error(status.ToString());
  };
  auto str = [&](const char* name, const std::string& v, double null_rate = 0) {
    auto& b = static_cast<arrow::StringBuilder&>(col(name));
    check(g.Chance(null_rate) ? b.AppendNull() : b.Append(v));
  };
  auto f32 = [&](const char* name, double v, double null_rate) {
    auto& b = static_cast<arrow::FloatBuilder&>(col(name));
    check(g.Chance(null_rate) ? b.AppendNull() : b.Append(static_cast<float>(v)));
  };
  auto f64 = [&](const char* name, double v, double null_rate = 0) {
    auto& b = static_cast<arrow::DoubleBuilder&>(col(name));
    check(g.Chance(null_rate) ? b.AppendNull() : b.Append(v));
  };
  auto ts = [&](const char* name, int64_t seconds, double null_rate = 0) {
    auto& b = static_cast<arrow::TimestampBuilder&>(col(name));
    check(g.Chance(null_rate) ? b.AppendNull() : b.Append(seconds * 1000000000));
  };
  auto flag = [&](const char* name, double p_true) {
    check(static_cast<arrow::BooleanBuilder&>(col(name)).Append(g.Chance(p_true)));
  };

  const std::vector<std::string> streets = {
      "I-70 E",    "Brice Rd", "State Route 32", "Miamisburg Centerville Rd",
      "N Main St", "I-675 N",  "Westbelt Dr",    "Sawmill Rd",
      "US-23 N"};
  const std::vector<std::string> cities = {
      "Dayton",  "Reynoldsburg", "Williamsburg", "Columbus",         "Los Angeles",
      "Houston", "Charlotte",    "Miami",        "Saint Petersburg", "Sacramento"};
  const std::vector<std::string> counties = {"Montgomery",  "Franklin", "Clermont",
                                             "Los Angeles", "Harris",   "Mecklenburg",
                                             "Miami-Dade",  "Pinellas", "Sacramento"};
  const std::vector<std::string> states = {"OH", "CA", "TX", "NC", "FL",
                                           "NY", "PA", "VA", "OR", "MN"};
  const std::vector<std::string> zones = {"US/Eastern", "US/Central", "US/Mountain", "US/Pacific"};
  const std::vector<std::string> airports = {"KDAY", "KCMH", "KLUK", "KLAX",
                                             "KHOU", "KCLT", "KMIA", "KSAC"};
  const std::vector<std::string> winds = {"Calm",  "SW",       "SSW", "WSW", "NW",
                                          "North", "Variable", "E",   "S"};
  const std::vector<std::string> conditions = {
      "Light Rain", "Overcast",      "Mostly Cloudy",    "Clear", "Fair",
      "Light Snow", "Partly Cloudy", "Scattered Clouds", "Haze"};
  const std::vector<std::string> day_night = {"Day", "Night"};

  const int64_t first = 1454284800;         // 2016-02-01
  const int64_t span = 1640995200 - first;  // to 2022-01-01
  for (int64_t r = 0; r < kRows; ++r) {
    const int64_t start = first + span * r / kRows + g.Int(0, 600);
    const bool is_start = g.Chance(0.5);
    str("Event", is_start ? "Start" : "End");
    f64("Stream_Time", g.Round(static_cast<double>(r) * 0.25 + g.Uniform(0, 0.25), 3));
    check(static_cast<arrow::Int32Builder&>(col("ID")).Append(static_cast<int32_t>(r + 1)));
    check(
        static_cast<arrow::Int8Builder&>(col("Severity")).Append(static_cast<int8_t>(g.Int(1, 4))));
    ts("Start_Time", start);
    ts("End_Time", start + g.Int(1800, 6 * 3600));
    const double lat = g.Round(g.Uniform(25, 48), 6), lng = g.Round(g.Uniform(-124, -70), 6);
    f64("Start_Lat", lat);
    f64("Start_Lng", lng);
    const double end_null = g.Chance(0.5) ? 1.0 : 0.0;
    f64("End_Lat", g.Round(lat + g.Uniform(-0.01, 0.01), 6), end_null);
    f64("End_Lng", g.Round(lng + g.Uniform(-0.01, 0.01), 6), end_null);
    f64("Distance(mi)", g.Round(g.Uniform(0, 5), g.Chance(0.5) ? 2 : 3));
    str("Description", g.Description());
    f32("Number", static_cast<double>(g.Int(1, 20000)), 0.6);
    str("Street", g.Pick(streets), 0.01);
    str("Side", g.Chance(0.8) ? "R" : "L");
    str("City", g.Pick(cities), 0.001);
    str("County", g.Pick(counties));
    str("State", g.Pick(states));
    str("Zipcode", g.Chance(0.5) ? std::to_string(g.Int(10000, 99999))
                                 : std::to_string(g.Int(10000, 99999)) + "-" +
                                       std::to_string(g.Int(1000, 9999)));
    str("Country", "US");
    str("Timezone", g.Pick(zones), 0.01);
    str("Airport_Code", g.Pick(airports), 0.01);
    ts("Weather_Timestamp", start - start % 3600 - 7 * 60, 0.1);
    f32("Temperature(F)", g.Round(g.Uniform(-10, 105), 1), 0.1);
    f32("Wind_Chill(F)", g.Round(g.Uniform(-30, 80), 1), 0.4);
    f32("Humidity(%)", std::round(g.Uniform(10, 100)), 0.1);
    f32("Pressure(in)", g.Round(g.Uniform(28.5, 30.8), 2), 0.1);
    f32("Visibility(mi)", g.Round(g.Uniform(0, 10), 1), 0.1);
    str("Wind_Direction", g.Pick(winds), 0.1);
    f32("Wind_Speed(mph)", g.Round(g.Uniform(0, 30), 1), 0.15);
    f32("Precipitation(in)", g.Round(g.Uniform(0, 0.5), 2), 0.5);
    str("Weather_Condition", g.Pick(conditions), 0.1);
    for (const char* name :
         {"Amenity", "Bump", "Crossing", "Give_Way", "Junction", "No_Exit", "Railway", "Roundabout",
          "Station", "Stop", "Traffic_Calming", "Traffic_Signal", "Turning_Loop"}) {
      flag(name, 0.08);
    }
    for (const char* name :
         {"Sunrise_Sunset", "Civil_Twilight", "Nautical_Twilight", "Astronomical_Twilight"}) {
      str(name, g.Pick(day_night), 0.01);
    }
  }
  arrow::ArrayVector columns;
  for (auto& builder : builders) columns.push_back(builder->Finish().ValueOrDie());
  return arrow::RecordBatch::Make(schema, kRows, columns);
}

const std::shared_ptr<arrow::RecordBatch>& Batch() {
  static const auto batch = AccidentsBatch();
  return batch;
}

std::unique_ptr<JsonEncoder> BoundEncoder() {
  auto encoder = JsonEncoder::Make(Batch()->schema()).ValueOrDie();
  const auto status = encoder->Bind(*Batch());
  if (!status.ok()) throw std::runtime_error(status.ToString());
  return encoder;
}

// One message at a time into a buffer cleared per row, so the output stays in
// cache. The argument is the number of rows (a slice of the batch): 65,536
// rows (~20 MB of Arrow data) stream from memory, 1,024 rows stay in cache.
void BM_EncodeRowByRow(benchmark::State& state) {
  const int64_t rows = state.range(0);
  const auto batch = Batch()->Slice(0, rows);
  auto encoder = JsonEncoder::Make(batch->schema()).ValueOrDie();
  if (const auto status = encoder->Bind(*batch); !status.ok()) {
    state.SkipWithError(status.ToString().c_str());
    return;
  }
  ByteBuffer out;
  int64_t bytes = 0;
  for (auto _ : state) {
    for (int64_t r = 0; r < rows; ++r) {
      out.Clear();
      encoder->AppendRow(r, &out);
      bytes += static_cast<int64_t>(out.size());
      benchmark::DoNotOptimize(out.data());
    }
  }
  state.SetItemsProcessed(state.iterations() * rows);
  state.SetBytesProcessed(bytes);
  state.counters["bytes_per_row"] =
      static_cast<double>(bytes) / static_cast<double>(state.iterations() * rows);
}
BENCHMARK(BM_EncodeRowByRow)->Arg(kRows)->Arg(1024)->Unit(benchmark::kMillisecond);

// The whole batch into one buffer, cleared per batch, as the replay pipeline
// encodes: the ~70 MB of output stream to memory too.
void BM_EncodeBatch(benchmark::State& state) {
  auto encoder = BoundEncoder();
  ByteBuffer out;
  int64_t bytes = 0;
  for (auto _ : state) {
    out.Clear();
    for (int64_t r = 0; r < kRows; ++r) encoder->AppendRow(r, &out);
    bytes += static_cast<int64_t>(out.size());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kRows);
  state.SetBytesProcessed(bytes);
  state.counters["bytes_per_row"] =
      static_cast<double>(bytes) / static_cast<double>(state.iterations() * kRows);
}
BENCHMARK(BM_EncodeBatch)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
