// `timecast generate` / dataset::GenerateDataset: small datasets written to a
// temp dir and read back with parquet::arrow (or as CSV text).
#include "dataset/generator.h"

#include <arrow/api.h>
#include <arrow/io/file.h>
#include <arrow/util/key_value_metadata.h>
#include <gtest/gtest.h>
#include <parquet/arrow/reader.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "source/time_column.h"
#include "test_support.h"
#include "util/status.h"

namespace timecast::dataset {
namespace {

namespace fs = std::filesystem;

constexpr int64_t kNanosPerSecond = 1'000'000'000;
constexpr int64_t kNanosPerDay = 86'400 * kNanosPerSecond;

struct ParquetFile {
  std::shared_ptr<arrow::Table> table;  // chunks combined: one chunk per column
  std::shared_ptr<const arrow::KeyValueMetadata> metadata;
  int row_groups = 0;
};

ParquetFile ReadParquet(const std::string& path) {
  ParquetFile file;
  auto input = arrow::io::ReadableFile::Open(path);
  EXPECT_TRUE(input.ok()) << input.status().ToString();
  if (!input.ok()) return file;
  auto reader = parquet::arrow::OpenFile(*input, arrow::default_memory_pool());
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  if (!reader.ok()) return file;
  file.row_groups = (*reader)->num_row_groups();
  file.metadata = (*reader)->parquet_reader()->metadata()->key_value_metadata();
  std::shared_ptr<arrow::Table> table;
  EXPECT_TRUE((*reader)->ReadTable(&table).ok());
  file.table = table->CombineChunks().ValueOrDie();
  return file;
}

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

template <typename ArrayType>
std::shared_ptr<ArrayType> Column(const arrow::Table& table, const std::string& name) {
  const auto column = table.GetColumnByName(name);
  EXPECT_NE(column, nullptr) << "no column " << name;
  if (column == nullptr) return nullptr;
  EXPECT_EQ(column->num_chunks(), 1);
  return std::static_pointer_cast<ArrayType>(column->chunk(0));
}

// Nanoseconds of a zone-less wall time, as the generator stores it.
int64_t Nanos(const std::string& iso) { return source::ParseIsoTime(iso).ValueOrDie(); }

std::string MetadataValue(const arrow::KeyValueMetadata& metadata, const std::string& key) {
  auto value = metadata.Get(key);
  EXPECT_TRUE(value.ok()) << "no metadata key " << key;
  return value.ok() ? *value : "";
}

class GeneratorTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::TempDir(); }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Path(const std::string& name) const { return dir_ + "/" + name; }

  // Generates into dir_/name and returns the path; fails the test on error.
  std::string Generate(const std::string& name, GenerateOptions options) {
    options.output = Path(name);
    auto result = GenerateDataset(options);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    if (result.ok()) {
      EXPECT_EQ(result->accidents, options.rows);
      EXPECT_EQ(result->rows, options.stream ? 2 * options.rows : options.rows);
      EXPECT_EQ(result->bytes, static_cast<int64_t>(fs::file_size(options.output)));
    }
    return options.output;
  }

  static GenerateOptions Raw(int64_t rows, uint64_t seed = 42) {
    GenerateOptions o;
    o.rows = rows;
    o.seed = seed;
    return o;
  }
  static GenerateOptions Stream(int64_t rows, uint64_t seed = 42) {
    GenerateOptions o = Raw(rows, seed);
    o.stream = true;
    return o;
  }

  std::string dir_;
};

TEST_F(GeneratorTest, RawParquetHasKagglesExactSchemaAndRowGroupsOfTheAskedSize) {
  GenerateOptions o = Raw(5'000);
  o.row_group_rows = 1'000;
  const ParquetFile file = ReadParquet(Generate("raw.parquet", o));
  ASSERT_NE(file.table, nullptr);
  EXPECT_TRUE(file.table->schema()->Equals(*RawAccidentsSchema(), /*check_metadata=*/false))
      << file.table->schema()->ToString();
  EXPECT_EQ(file.table->num_columns(), 47);
  EXPECT_EQ(file.table->num_rows(), 5'000);
  EXPECT_EQ(file.row_groups, 5);
}

TEST_F(GeneratorTest, StreamParquetHasTheStreamSchemaAndTwiceTheRows) {
  GenerateOptions o = Stream(3'000);
  o.event_column = "Kind";
  const ParquetFile file = ReadParquet(Generate("stream.parquet", o));
  ASSERT_NE(file.table, nullptr);
  EXPECT_TRUE(file.table->schema()->Equals(*StreamSchema("Kind"), /*check_metadata=*/false))
      << file.table->schema()->ToString();
  EXPECT_EQ(file.table->num_columns(), 49);
  EXPECT_EQ(file.table->num_rows(), 6'000);
}

TEST_F(GeneratorTest, SameSeedGivesIdenticalBytesAndAnotherSeedDifferentData) {
  for (const bool stream : {false, true}) {
    SCOPED_TRACE(stream ? "stream" : "raw");
    GenerateOptions o = stream ? Stream(4'000) : Raw(4'000);
    const std::string a = ReadText(Generate("a.parquet", o));
    const std::string b = ReadText(Generate("b.parquet", o));
    o.seed = 43;
    const std::string c = ReadText(Generate("c.parquet", o));
    EXPECT_FALSE(a.empty());
    EXPECT_TRUE(a == b) << "same seed, different bytes";
    EXPECT_FALSE(a == c) << "different seeds, same bytes";
  }
  GenerateOptions csv = Raw(4'000);
  csv.format = GenerateFormat::kCsv;
  EXPECT_EQ(ReadText(Generate("a.csv", csv)), ReadText(Generate("b.csv", csv)));
}

TEST_F(GeneratorTest, StartTimesSpanFeb2016ToEnd2021InIdOrder) {
  const ParquetFile file = ReadParquet(Generate("raw.parquet", Raw(20'000)));
  ASSERT_NE(file.table, nullptr);
  const auto ids = Column<arrow::Int32Array>(*file.table, "ID");
  const auto starts = Column<arrow::TimestampArray>(*file.table, "Start_Time");
  ASSERT_EQ(starts->null_count(), 0);
  const int64_t first_allowed = Nanos("2016-02-01"), end_allowed = Nanos("2022-01-01");
  for (int64_t i = 0; i < file.table->num_rows(); ++i) {
    ASSERT_EQ(ids->Value(i), i + 1);
    ASSERT_GE(starts->Value(i), first_allowed) << "row " << i;
    ASSERT_LT(starts->Value(i), end_allowed) << "row " << i;
    ASSERT_EQ(starts->Value(i) % kNanosPerSecond, 0) << "whole seconds";
    if (i > 0) {
      ASSERT_GE(starts->Value(i), starts->Value(i - 1)) << "row " << i;
    }
  }
  // The whole range is used: the first weeks of 2016 and the last of 2021.
  EXPECT_LT(starts->Value(0), Nanos("2016-03-01"));
  EXPECT_GT(starts->Value(file.table->num_rows() - 1), Nanos("2021-12-01"));
}

TEST_F(GeneratorTest, TimesGrowOverTheYearsWithWeeklyAndDailyRhythm) {
  const ParquetFile file = ReadParquet(Generate("raw.parquet", Raw(30'000)));
  ASSERT_NE(file.table, nullptr);
  const auto starts = Column<arrow::TimestampArray>(*file.table, "Start_Time");
  int64_t in_2016 = 0, in_2021 = 0;
  std::array<int64_t, 7> by_weekday{};  // Monday first
  std::array<int64_t, 24> by_hour{};
  for (int64_t i = 0; i < starts->length(); ++i) {
    const int64_t t = starts->Value(i);
    in_2016 += t < Nanos("2017-01-01");
    in_2021 += t >= Nanos("2021-01-01");
    const int64_t day = t / kNanosPerDay;
    ++by_weekday[static_cast<size_t>((day + 3) % 7)];
    ++by_hour[static_cast<size_t>(t % kNanosPerDay / (3600 * kNanosPerSecond))];
  }
  EXPECT_GT(in_2021, 5 * in_2016);
  const double weekday =
      (by_weekday[0] + by_weekday[1] + by_weekday[2] + by_weekday[3] + by_weekday[4]) / 5.0;
  const double weekend = (by_weekday[5] + by_weekday[6]) / 2.0;
  EXPECT_GT(weekday, 1.6 * weekend);
  EXPECT_GT(by_hour[8], 3 * by_hour[3]) << "morning rush vs night";
  EXPECT_GT(by_hour[17], 3 * by_hour[3]) << "evening rush vs night";
}

TEST_F(GeneratorTest, CleanDataEndsAfterStartWithinAWeekAndMedianUnderAnHour) {
  const ParquetFile file = ReadParquet(Generate("raw.parquet", Raw(20'000)));
  ASSERT_NE(file.table, nullptr);
  const auto starts = Column<arrow::TimestampArray>(*file.table, "Start_Time");
  const auto ends = Column<arrow::TimestampArray>(*file.table, "End_Time");
  ASSERT_EQ(ends->null_count(), 0);
  std::vector<int64_t> minutes;
  for (int64_t i = 0; i < ends->length(); ++i) {
    const int64_t duration = ends->Value(i) - starts->Value(i);
    ASSERT_GT(duration, 0) << "row " << i;
    ASSERT_LE(duration, 7 * kNanosPerDay) << "row " << i;
    minutes.push_back(duration / (60 * kNanosPerSecond));
  }
  std::sort(minutes.begin(), minutes.end());
  const int64_t median = minutes[minutes.size() / 2];
  EXPECT_GE(median, 30);
  EXPECT_LE(median, 60);
  EXPECT_GT(minutes[minutes.size() * 99 / 100], 6 * 60) << "a long tail of hours";
}

TEST_F(GeneratorTest, DirtyRawDataHasBackwardsAndMissingEndsButOtherwiseTheSameRows) {
  GenerateOptions o = Raw(40'000);
  const ParquetFile clean = ReadParquet(Generate("clean.parquet", o));
  o.dirty = true;
  const ParquetFile dirty = ReadParquet(Generate("dirty.parquet", o));
  ASSERT_NE(clean.table, nullptr);
  ASSERT_NE(dirty.table, nullptr);
  const auto starts = Column<arrow::TimestampArray>(*dirty.table, "Start_Time");
  const auto ends = Column<arrow::TimestampArray>(*dirty.table, "End_Time");
  int64_t backwards = 0;
  for (int64_t i = 0; i < ends->length(); ++i) {
    backwards += starts->IsValid(i) && ends->IsValid(i) && ends->Value(i) < starts->Value(i);
  }
  // About 0.5% backwards and 0.1% (+ garbled) null ends of 40,000.
  EXPECT_GT(backwards, 100);
  EXPECT_LT(backwards, 320);
  EXPECT_GT(ends->null_count(), 15);
  EXPECT_LT(ends->null_count(), 120);
  // Only the times were dirtied.
  EXPECT_TRUE(clean.table->GetColumnByName("Description")
                  ->Equals(*dirty.table->GetColumnByName("Description")));
}

TEST_F(GeneratorTest, SeverityIsOneToFourAndMostlyTwo) {
  const ParquetFile file = ReadParquet(Generate("raw.parquet", Raw(20'000)));
  ASSERT_NE(file.table, nullptr);
  const auto severity = Column<arrow::Int8Array>(*file.table, "Severity");
  std::map<int, int64_t> counts;
  for (int64_t i = 0; i < severity->length(); ++i) ++counts[severity->Value(i)];
  EXPECT_EQ(counts.begin()->first, 1);
  EXPECT_EQ(counts.rbegin()->first, 4);
  EXPECT_EQ(counts.size(), 4u);
  EXPECT_GT(counts[2], 17'000) << "about 89%";
  EXPECT_GT(counts[3], counts[4]);
  EXPECT_GT(counts[4], counts[1]);
}

TEST_F(GeneratorTest, PlacesAreInsideTheUsAndAgreeWithEachOther) {
  const ParquetFile file = ReadParquet(Generate("raw.parquet", Raw(20'000)));
  ASSERT_NE(file.table, nullptr);
  const auto& t = *file.table;
  const auto state = Column<arrow::StringArray>(t, "State");
  const auto city = Column<arrow::StringArray>(t, "City");
  const auto county = Column<arrow::StringArray>(t, "County");
  const auto timezone = Column<arrow::StringArray>(t, "Timezone");
  const auto zipcode = Column<arrow::StringArray>(t, "Zipcode");
  const auto country = Column<arrow::StringArray>(t, "Country");
  const auto airport = Column<arrow::StringArray>(t, "Airport_Code");
  const auto lat = Column<arrow::DoubleArray>(t, "Start_Lat");
  const auto lng = Column<arrow::DoubleArray>(t, "Start_Lng");
  const std::regex zip_pattern("[0-9]{5}(-[0-9]{4})?");
  const std::regex airport_pattern("K[A-Z]{3}");
  std::map<std::string, int64_t> per_state;
  std::map<std::string, std::set<std::string>> zones_of_place, counties_of_place;
  std::map<std::string, std::pair<double, double>> first_point_of_place;
  for (int64_t i = 0; i < t.num_rows(); ++i) {
    const std::string s(state->GetView(i)), tz(timezone->GetView(i));
    const std::string place = std::string(city->GetView(i)) + ", " + s;
    ++per_state[s];
    zones_of_place[place].insert(tz);
    counties_of_place[place].insert(std::string(county->GetView(i)));
    ASSERT_EQ(country->GetView(i), "US");
    ASSERT_TRUE(lat->Value(i) > 24.4 && lat->Value(i) < 49.4) << place << " " << lat->Value(i);
    ASSERT_TRUE(lng->Value(i) > -124.8 && lng->Value(i) < -66.9) << place << " " << lng->Value(i);
    // Within ~0.3 degrees of the city: all points of a place lie close together.
    const auto [it, inserted] =
        first_point_of_place.try_emplace(place, lat->Value(i), lng->Value(i));
    ASSERT_LT(std::abs(lat->Value(i) - it->second.first), 0.7) << place;
    ASSERT_LT(std::abs(lng->Value(i) - it->second.second), 0.7) << place;
    const std::map<std::string, std::string> single_zone_states = {
        {"CA", "US/Pacific"}, {"WA", "US/Pacific"}, {"NV", "US/Pacific"},  {"NY", "US/Eastern"},
        {"GA", "US/Eastern"}, {"OH", "US/Eastern"}, {"VA", "US/Eastern"},  {"IL", "US/Central"},
        {"MN", "US/Central"}, {"LA", "US/Central"}, {"CO", "US/Mountain"}, {"AZ", "US/Mountain"},
        {"UT", "US/Mountain"}};
    if (const auto zone = single_zone_states.find(s); zone != single_zone_states.end()) {
      ASSERT_EQ(tz, zone->second) << place;
    }
    if (zipcode->IsValid(i)) {
      ASSERT_TRUE(std::regex_match(std::string(zipcode->GetView(i)), zip_pattern))
          << zipcode->GetView(i);
    }
    if (airport->IsValid(i)) {
      ASSERT_TRUE(std::regex_match(std::string(airport->GetView(i)), airport_pattern));
    }
  }
  for (const auto& [place, zones] : zones_of_place) EXPECT_EQ(zones.size(), 1u) << place;
  for (const auto& [place, counties] : counties_of_place) EXPECT_EQ(counties.size(), 1u) << place;
  // Weighted like Kaggle: California leads, then Florida; many states appear.
  EXPECT_GT(per_state["CA"], 20'000 / 5);
  EXPECT_GT(per_state["CA"], per_state["FL"]);
  EXPECT_GT(per_state["FL"], per_state["TX"]);
  EXPECT_GE(per_state.size(), 40u);
  EXPECT_EQ(Column<arrow::StringArray>(t, "Timezone")->null_count(), 0);
}

TEST_F(GeneratorTest, WeatherHasNullsAtRealisticRatesAndPlausibleValues) {
  const int64_t rows = 20'000;
  const ParquetFile file = ReadParquet(Generate("raw.parquet", Raw(rows)));
  ASSERT_NE(file.table, nullptr);
  const auto& t = *file.table;
  auto null_share = [&](const std::string& name) {
    return static_cast<double>(t.GetColumnByName(name)->null_count()) / rows;
  };
  EXPECT_NEAR(null_share("Precipitation(in)"), 0.5, 0.05);
  EXPECT_NEAR(null_share("Wind_Chill(F)"), 0.4, 0.05);
  EXPECT_NEAR(null_share("Number"), 0.65, 0.05);
  EXPECT_NEAR(null_share("End_Lat"), 0.3, 0.1);
  EXPECT_GT(null_share("Weather_Timestamp"), 0.005);
  EXPECT_LT(null_share("Weather_Timestamp"), 0.04);
  EXPECT_LT(null_share("Temperature(F)"), 0.05);
  EXPECT_GT(null_share("Temperature(F)"), 0.0);

  const auto temperature = Column<arrow::FloatArray>(t, "Temperature(F)");
  const auto pressure = Column<arrow::FloatArray>(t, "Pressure(in)");
  const auto humidity = Column<arrow::FloatArray>(t, "Humidity(%)");
  const auto visibility = Column<arrow::FloatArray>(t, "Visibility(mi)");
  const auto condition = Column<arrow::StringArray>(t, "Weather_Condition");
  const auto starts = Column<arrow::TimestampArray>(t, "Start_Time");
  const auto weather_time = Column<arrow::TimestampArray>(t, "Weather_Timestamp");
  int64_t sea_level_pressure = 0, pressures = 0, ten_miles = 0, visibilities = 0;
  std::set<std::string> conditions;
  for (int64_t i = 0; i < rows; ++i) {
    if (temperature->IsValid(i)) {
      ASSERT_GT(temperature->Value(i), -50);
      ASSERT_LT(temperature->Value(i), 125);
    }
    if (humidity->IsValid(i)) {
      ASSERT_GE(humidity->Value(i), 1);
      ASSERT_LE(humidity->Value(i), 100);
    }
    if (pressure->IsValid(i)) {
      ++pressures;
      sea_level_pressure += pressure->Value(i) > 29.4f && pressure->Value(i) < 30.4f;
    }
    if (visibility->IsValid(i)) {
      ++visibilities;
      ten_miles += visibility->Value(i) == 10.0f;
    }
    if (condition->IsValid(i)) conditions.insert(std::string(condition->GetView(i)));
    if (weather_time->IsValid(i)) {
      // The station's last report, within the hour before the accident.
      ASSERT_LE(weather_time->Value(i), starts->Value(i));
      ASSERT_GT(weather_time->Value(i), starts->Value(i) - 3600 * kNanosPerSecond);
    }
  }
  EXPECT_GT(sea_level_pressure, pressures * 6 / 10);
  EXPECT_GT(ten_miles, visibilities * 7 / 10);
  for (const char* expected : {"Fair", "Clear", "Cloudy", "Mostly Cloudy", "Light Rain", "Fog"}) {
    EXPECT_TRUE(conditions.count(expected)) << expected;
  }
}

TEST_F(GeneratorTest, FlagsAreMostlyFalseAndTurningLoopNever) {
  const int64_t rows = 20'000;
  const ParquetFile file = ReadParquet(Generate("raw.parquet", Raw(rows)));
  ASSERT_NE(file.table, nullptr);
  auto true_share = [&](const std::string& name) {
    const auto flags = Column<arrow::BooleanArray>(*file.table, name);
    EXPECT_EQ(flags->null_count(), 0);
    return static_cast<double>(flags->true_count()) / rows;
  };
  EXPECT_NEAR(true_share("Crossing"), 0.08, 0.03);
  EXPECT_NEAR(true_share("Junction"), 0.07, 0.03);
  EXPECT_NEAR(true_share("Traffic_Signal"), 0.15, 0.04);
  EXPECT_NEAR(true_share("Stop"), 0.03, 0.015);
  EXPECT_LT(true_share("Amenity"), 0.03);
  EXPECT_EQ(true_share("Turning_Loop"), 0.0);
}

TEST_F(GeneratorTest, DescriptionsHaveRealisticLengthAndNameTheStreet) {
  const ParquetFile file = ReadParquet(Generate("raw.parquet", Raw(10'000)));
  ASSERT_NE(file.table, nullptr);
  const auto description = Column<arrow::StringArray>(*file.table, "Description");
  const auto street = Column<arrow::StringArray>(*file.table, "Street");
  ASSERT_EQ(description->null_count(), 0);
  double total = 0;
  int64_t mentions_street = 0;
  for (int64_t i = 0; i < description->length(); ++i) {
    const std::string_view text = description->GetView(i);
    ASSERT_GE(text.size(), 20u) << text;
    ASSERT_LE(text.size(), 200u) << text;
    total += static_cast<double>(text.size());
    // Highways are named without their direction letter ("I-5" of "I-5 N").
    const std::string_view road = street->GetView(i).substr(0, street->GetView(i).rfind(' '));
    mentions_street += text.find(road) != std::string_view::npos;
  }
  const double mean = total / static_cast<double>(description->length());
  EXPECT_GT(mean, 50);
  EXPECT_LT(mean, 80);
  EXPECT_GT(mentions_street, description->length() / 3);
}

TEST_F(GeneratorTest, DaylightFollowsTheLocalHour) {
  const ParquetFile file = ReadParquet(Generate("raw.parquet", Raw(20'000)));
  ASSERT_NE(file.table, nullptr);
  const auto starts = Column<arrow::TimestampArray>(*file.table, "Start_Time");
  const auto sunrise_sunset = Column<arrow::StringArray>(*file.table, "Sunrise_Sunset");
  const auto astronomical = Column<arrow::StringArray>(*file.table, "Astronomical_Twilight");
  int64_t noon = 0, noon_day = 0, midnight = 0, midnight_night = 0, darker_twilight = 0;
  for (int64_t i = 0; i < starts->length(); ++i) {
    if (!sunrise_sunset->IsValid(i)) continue;
    const int64_t hour = starts->Value(i) % kNanosPerDay / (3600 * kNanosPerSecond);
    const bool day = sunrise_sunset->GetView(i) == "Day";
    if (hour == 12 || hour == 13) noon += 1, noon_day += day;
    if (hour == 0 || hour == 1) midnight += 1, midnight_night += !day;
    // The sun is above -0.833 degrees only if it is above -18.
    darker_twilight += day && astronomical->GetView(i) == "Night";
  }
  EXPECT_EQ(noon_day, noon);
  EXPECT_EQ(midnight_night, midnight);
  EXPECT_EQ(darker_twilight, 0);
}

TEST_F(GeneratorTest, StreamIsSortedFromZeroToRuntime) {
  GenerateOptions o = Stream(5'000);
  o.runtime = std::chrono::seconds(90);
  const ParquetFile file = ReadParquet(Generate("stream.parquet", o));
  ASSERT_NE(file.table, nullptr);
  const auto stream_time = Column<arrow::DoubleArray>(*file.table, kStreamTimeColumn);
  ASSERT_EQ(stream_time->length(), 10'000);
  EXPECT_EQ(stream_time->Value(0), 0.0);
  EXPECT_EQ(stream_time->Value(stream_time->length() - 1), 90.0);
  for (int64_t i = 1; i < stream_time->length(); ++i) {
    ASSERT_GE(stream_time->Value(i), stream_time->Value(i - 1)) << "row " << i;
    ASSERT_LE(stream_time->Value(i), 90.0);
  }
}

TEST_F(GeneratorTest, StreamHoldsEachAccidentAsAStartThenAnEndAtItsOwnTimes) {
  GenerateOptions o = Stream(5'000);
  o.runtime = std::chrono::minutes(10);
  const ParquetFile file = ReadParquet(Generate("stream.parquet", o));
  ASSERT_NE(file.table, nullptr);
  const auto& t = *file.table;
  const auto event = Column<arrow::StringArray>(t, "Event");
  const auto stream_time = Column<arrow::DoubleArray>(t, kStreamTimeColumn);
  const auto ids = Column<arrow::Int32Array>(t, "ID");
  const auto starts = Column<arrow::TimestampArray>(t, "Start_Time");
  const auto ends = Column<arrow::TimestampArray>(t, "End_Time");
  const int64_t earliest = Nanos(MetadataValue(*file.metadata, kEarliestMetadataKey));
  const int64_t latest = Nanos(MetadataValue(*file.metadata, kLatestMetadataKey));
  ASSERT_LT(earliest, latest);

  std::map<int32_t, std::vector<std::pair<std::string, double>>> events_of;
  for (int64_t i = 0; i < t.num_rows(); ++i) {
    const std::string kind(event->GetView(i));
    ASSERT_TRUE(kind == "Start" || kind == "End") << kind;
    events_of[ids->Value(i)].emplace_back(kind, stream_time->Value(i));
    // Stream_Time = (t - earliest) / (latest - earliest) * runtime.
    const int64_t at = kind == "Start" ? starts->Value(i) : ends->Value(i);
    const double expected =
        static_cast<double>(at - earliest) / static_cast<double>(latest - earliest) * 600.0;
    ASSERT_NEAR(stream_time->Value(i), expected, 1e-9) << "row " << i;
  }
  ASSERT_EQ(events_of.size(), 5'000u);
  EXPECT_EQ(events_of.begin()->first, 1);
  EXPECT_EQ(events_of.rbegin()->first, 5'000);
  for (const auto& [id, events] : events_of) {
    ASSERT_EQ(events.size(), 2u) << "ID " << id;
    EXPECT_EQ(events[0].first, "Start") << "ID " << id;
    EXPECT_EQ(events[1].first, "End") << "ID " << id;
    EXPECT_LE(events[0].second, events[1].second) << "ID " << id;
  }
}

TEST_F(GeneratorTest, StreamIsTheStableTimeSortOfTheRawStartsThenEnds) {
  // Enough accidents that some End falls on the same second as another
  // Start (and some Ends on the same second), so tie order is checked.
  const int64_t rows = 60'000;
  const ParquetFile raw = ReadParquet(Generate("raw.parquet", Raw(rows, 7)));
  const ParquetFile stream = ReadParquet(Generate("stream.parquet", Stream(rows, 7)));
  ASSERT_NE(raw.table, nullptr);
  ASSERT_NE(stream.table, nullptr);

  // What the prototype did: all Starts (in ID order), then all Ends, stably
  // sorted by time, so Starts lead on equal times.
  struct Row {
    int64_t time;
    int32_t id;
    bool start;
  };
  const auto ids = Column<arrow::Int32Array>(*raw.table, "ID");
  const auto starts = Column<arrow::TimestampArray>(*raw.table, "Start_Time");
  const auto ends = Column<arrow::TimestampArray>(*raw.table, "End_Time");
  std::vector<Row> expected;
  for (int64_t i = 0; i < ids->length(); ++i)
    expected.push_back({starts->Value(i), ids->Value(i), true});
  for (int64_t i = 0; i < ids->length(); ++i)
    expected.push_back({ends->Value(i), ids->Value(i), false});
  std::stable_sort(expected.begin(), expected.end(),
                   [](const Row& a, const Row& b) { return a.time < b.time; });
  int64_t start_end_ties = 0, end_end_ties = 0;
  for (size_t i = 1; i < expected.size(); ++i) {
    if (expected[i].time != expected[i - 1].time) continue;
    start_end_ties += expected[i - 1].start && !expected[i].start;
    end_end_ties += !expected[i - 1].start && !expected[i].start;
  }
  ASSERT_GT(start_end_ties, 0) << "no Start/End tie to check";
  ASSERT_GT(end_end_ties, 0) << "no End/End tie to check";

  const auto stream_ids = Column<arrow::Int32Array>(*stream.table, "ID");
  const auto event = Column<arrow::StringArray>(*stream.table, "Event");
  ASSERT_EQ(stream_ids->length(), static_cast<int64_t>(expected.size()));
  for (size_t i = 0; i < expected.size(); ++i) {
    const auto row = static_cast<int64_t>(i);
    ASSERT_EQ(stream_ids->Value(row), expected[i].id) << "row " << i;
    ASSERT_EQ(event->GetView(row), expected[i].start ? "Start" : "End") << "row " << i;
  }

  // And the Start rows carry exactly the raw accidents of the same seed.
  const auto stream_raw_columns =
      stream.table->RemoveColumn(0).ValueOrDie()->RemoveColumn(0).ValueOrDie();
  std::vector<int64_t> start_rows;
  for (int64_t i = 0; i < event->length(); ++i) {
    if (event->GetView(i) == "Start") start_rows.push_back(i);
  }
  ASSERT_EQ(start_rows.size(), static_cast<size_t>(rows));
  for (int64_t row : {int64_t{0}, int64_t{1}, rows / 2, rows - 1}) {
    const auto from_stream = stream_raw_columns->Slice(start_rows[static_cast<size_t>(row)], 1);
    const auto from_raw = raw.table->Slice(row, 1);
    EXPECT_TRUE(from_stream->Equals(*from_raw)) << "accident " << row + 1;
  }
}

TEST_F(GeneratorTest, StreamMetadataRecordsTheSpanTheRuntimeAndTheColumns) {
  GenerateOptions o = Stream(2'000);
  o.runtime = std::chrono::milliseconds(90'500);
  const std::string path = Generate("stream.parquet", o);
  const ParquetFile stream = ReadParquet(path);
  const ParquetFile raw = ReadParquet(Generate("raw.parquet", Raw(2'000)));
  ASSERT_NE(stream.metadata, nullptr);
  ASSERT_NE(raw.table, nullptr);
  const auto starts = Column<arrow::TimestampArray>(*raw.table, "Start_Time");
  const auto ends = Column<arrow::TimestampArray>(*raw.table, "End_Time");
  int64_t latest_end = 0;
  for (int64_t i = 0; i < ends->length(); ++i) latest_end = std::max(latest_end, ends->Value(i));

  const auto& m = *stream.metadata;
  EXPECT_EQ(Nanos(MetadataValue(m, kEarliestMetadataKey)), starts->Value(0));
  EXPECT_EQ(Nanos(MetadataValue(m, kLatestMetadataKey)), latest_end);
  EXPECT_EQ(MetadataValue(m, kEarliestMetadataKey).size(), 19u) << "YYYY-MM-DDTHH:MM:SS";
  EXPECT_EQ(MetadataValue(m, kRuntimeSecondsMetadataKey), "90.5");
  EXPECT_EQ(MetadataValue(m, kTimeColumnMetadataKey), "Stream_Time");
  EXPECT_EQ(MetadataValue(m, kEventColumnMetadataKey), "Event");
}

// Splits one CSV line into fields, undoing RFC 4180 quoting.
std::vector<std::string> SplitCsvLine(const std::string& line) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
      fields.back().push_back('"');
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      fields.emplace_back();
    } else {
      fields.back().push_back(c);
    }
  }
  return fields;
}

TEST_F(GeneratorTest, CsvIsShapedLikeKaggles) {
  GenerateOptions o = Raw(3'000);
  o.format = GenerateFormat::kCsv;
  const std::string text = ReadText(Generate("raw.csv", o));
  std::istringstream lines(text);
  std::string header;
  std::getline(lines, header);
  const auto schema = RawAccidentsSchema();
  std::string expected_header;
  for (const auto& field : schema->fields()) {
    expected_header += (expected_header.empty() ? "" : ",") + field->name();
  }
  EXPECT_EQ(header, expected_header);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 3'001);

  const std::regex time_pattern(R"(20\d\d-[01]\d-[0-3]\d [0-2]\d:[0-5]\d:[0-5]\d)");
  const std::regex float_pattern(R"(-?\d+\.\d+(e-?\d+)?)");
  int64_t rows = 0, quoted_descriptions = 0;
  std::string line;
  while (std::getline(lines, line)) {
    ++rows;
    quoted_descriptions += line.find(",\"") != std::string::npos;
    const std::vector<std::string> fields = SplitCsvLine(line);
    ASSERT_EQ(fields.size(), 47u) << line;
    ASSERT_EQ(fields[0], "A-" + std::to_string(rows)) << line;
    for (size_t i = 1; i < fields.size(); ++i) {
      const std::string& value = fields[i];
      if (value.empty()) continue;  // null
      switch (schema->field(static_cast<int>(i))->type()->id()) {
        case arrow::Type::TIMESTAMP:
          ASSERT_TRUE(std::regex_match(value, time_pattern))
              << schema->field(static_cast<int>(i))->name() << ": " << value;
          break;
        case arrow::Type::FLOAT:
        case arrow::Type::DOUBLE:
          ASSERT_TRUE(std::regex_match(value, float_pattern))
              << schema->field(static_cast<int>(i))->name() << ": " << value;
          break;
        case arrow::Type::BOOL:
          ASSERT_TRUE(value == "True" || value == "False") << value;
          break;
        case arrow::Type::INT8:
          ASSERT_TRUE(value >= "1" && value <= "4" && value.size() == 1) << value;
          break;
        default:
          break;
      }
    }
    ASSERT_FALSE(fields[2].empty()) << "Start_Time";
    ASSERT_FALSE(fields[3].empty()) << "End_Time";
    ASSERT_EQ(fields[17], "US");
    ASSERT_TRUE(fields[43] == "Day" || fields[43] == "Night" || fields[43].empty()) << fields[43];
  }
  EXPECT_EQ(rows, 3'000);
  // Kaggle's Visibility shows whole numbers as "10.0", as pandas prints floats.
  EXPECT_NE(text.find(",10.0,"), std::string::npos);
}

TEST_F(GeneratorTest, CsvQuotesFieldsThatHoldCommasOrQuotes) {
  // "Accident in <City> on <street> at <cross>. Emergency crews on scene, drive with caution."
  GenerateOptions o = Raw(3'000);
  o.format = GenerateFormat::kCsv;
  const std::string text = ReadText(Generate("raw.csv", o));
  const auto quoted = text.find(",\"Accident in ");
  ASSERT_NE(quoted, std::string::npos);
  const auto line_start = text.rfind('\n', quoted) + 1;
  const std::string line = text.substr(line_start, text.find('\n', quoted) - line_start);
  const auto fields = SplitCsvLine(line);
  ASSERT_EQ(fields.size(), 47u) << line;
  EXPECT_NE(fields[9].find("on scene, drive with caution."), std::string::npos) << fields[9];
}

TEST_F(GeneratorTest, CsvAndParquetOfOneSeedHoldTheSameAccidents) {
  GenerateOptions o = Raw(500);
  const ParquetFile parquet = ReadParquet(Generate("raw.parquet", o));
  o.format = GenerateFormat::kCsv;
  const std::string text = ReadText(Generate("raw.csv", o));
  ASSERT_NE(parquet.table, nullptr);
  std::istringstream lines(text);
  std::string line;
  std::getline(lines, line);  // header
  std::getline(lines, line);
  const auto starts = Column<arrow::TimestampArray>(*parquet.table, "Start_Time");
  const auto city = Column<arrow::StringArray>(*parquet.table, "City");
  const std::string start = source::FormatIsoTime(starts->Value(0));  // "YYYY-MM-DDTHH:MM:SS"
  EXPECT_NE(line.find(start.substr(0, 10) + " " + start.substr(11, 8)), std::string::npos) << line;
  EXPECT_NE(line.find("," + std::string(city->GetView(0)) + ","), std::string::npos) << line;
}

TEST_F(GeneratorTest, DirtyCsvHasUnparseableTimes) {
  GenerateOptions o = Raw(40'000);
  o.format = GenerateFormat::kCsv;
  o.dirty = true;
  const std::string text = ReadText(Generate("dirty.csv", o));
  int64_t count = 0;
  for (auto at = text.find("-13-45 99:"); at != std::string::npos;
       at = text.find("-13-45 99:", at + 1)) {
    ++count;
    EXPECT_EQ(text[at - 5], ',');  // ",2019-13-45 99:07:00,": a whole field
  }
  EXPECT_GT(count, 3);  // about 0.05% of 40,000
  EXPECT_LT(count, 60);
}

TEST_F(GeneratorTest, BadOptionsAreUsageErrorsAndLeaveNoFile) {
  auto usage_error = [&](GenerateOptions o, const std::string& mentions) {
    if (o.output.empty()) o.output = Path("out.parquet");
    const auto result = GenerateDataset(o);
    ASSERT_FALSE(result.ok()) << mentions;
    EXPECT_EQ(util::ExitCodeOf(result.status()), util::ExitCode::kUsage)
        << result.status().ToString();
    EXPECT_NE(result.status().message().find(mentions), std::string::npos)
        << result.status().message();
  };
  usage_error(Raw(0), "--rows");
  GenerateOptions o = Stream(10);
  o.format = GenerateFormat::kCsv;
  usage_error(o, "--format csv");
  o = Stream(10);
  o.dirty = true;
  usage_error(o, "--dirty");
  o = Stream(10);
  o.runtime = util::Nanos(0);
  usage_error(o, "--runtime");
  o = Stream(10);
  o.event_column = "Severity";
  usage_error(o, "--event-column");
  o = Raw(10);
  o.row_group_rows = 0;
  usage_error(o, "--row-group-rows");
  o = Raw(10);
  o.output = Path("missing/out.parquet");
  usage_error(o, Path("missing/out.parquet"));
  o.output = dir_;
  usage_error(o, "directory");
  EXPECT_TRUE(fs::is_empty(dir_)) << "no temporary files left behind";
}

TEST_F(GeneratorTest, CommandWritesTheFileAndSummarizesOnStderr) {
  const std::string path = Path("cli.parquet");
  const auto result = testing::RunTimecast(
      {"generate", "--rows", "1000", "--stream", "--runtime", "2m", "-o", path});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("wrote 2000 rows (1000 accidents) to " + path), std::string::npos)
      << result.err;
  const ParquetFile file = ReadParquet(path);
  ASSERT_NE(file.table, nullptr);
  EXPECT_EQ(file.table->num_rows(), 2'000);
  EXPECT_EQ(MetadataValue(*file.metadata, kRuntimeSecondsMetadataKey), "120");

  const auto missing_output = testing::RunTimecast({"generate", "--rows", "10"});
  EXPECT_EQ(missing_output.exit_code, 2);
  EXPECT_NE(missing_output.err.find("--output"), std::string::npos) << missing_output.err;
  const auto bad_format = testing::RunTimecast({"generate", "--format", "json", "-o", path});
  EXPECT_EQ(bad_format.exit_code, 2);
  EXPECT_NE(bad_format.err.find("--format"), std::string::npos) << bad_format.err;
}

}  // namespace
}  // namespace timecast::dataset
