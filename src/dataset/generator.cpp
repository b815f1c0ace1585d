#include "dataset/generator.h"

#include <arrow/api.h>
#include <arrow/io/file.h>
#include <arrow/util/compression.h>
#include <arrow/util/key_value_metadata.h>
#include <fmt/format.h>
#include <parquet/arrow/writer.h>
#include <parquet/properties.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <cmath>
#include <csignal>
#include <filesystem>
#include <limits>
#include <numbers>
#include <queue>
#include <string_view>
#include <thread>
#include <vector>

#include "source/time_column.h"
#include "util/bounded_queue.h"
#include "util/signals.h"
#include "util/calendar.h"
#include "util/output_file.h"
#include "util/status.h"

namespace timecast::dataset {
namespace {

// ---------------------------------------------------------------------------
// Random numbers. Our own generator and distributions (not std::*_distribution,
// whose algorithms differ between standard libraries) so a seed means the same
// data everywhere. Each concern draws from its own stream, so e.g. the start
// times do not change when the attributes draw one more number.

uint64_t SplitMix64(uint64_t& state) {
  uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

enum class RngStream : uint64_t { kArrivals = 1, kTiming = 2, kAttributes = 3 };

// xoshiro256** (Blackman & Vigna): fast, small state, good quality.
class Rng {
 public:
  Rng(uint64_t seed, RngStream stream) {
    uint64_t x = seed ^ (0xD1B54A32D192ED03ULL * static_cast<uint64_t>(stream));
    for (uint64_t& s : state_) s = SplitMix64(x);
  }

  uint64_t Next() {
    const uint64_t result = std::rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = std::rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, 1).
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }
  double Uniform(double low, double high) { return low + (high - low) * Uniform(); }
  // Uniform integer in [0, n).
  int64_t Below(int64_t n) { return static_cast<int64_t>(Uniform() * static_cast<double>(n)); }
  int64_t Between(int64_t low, int64_t high) { return low + Below(high - low + 1); }
  bool Chance(double p) { return Uniform() < p; }

  // Standard normal (Box-Muller, both values used).
  double Normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    const double u1 = 1.0 - Uniform();  // (0, 1]: log is finite
    const double u2 = Uniform();
    const double r = std::sqrt(-2.0 * std::log(u1));
    spare_ = r * std::sin(2 * std::numbers::pi * u2);
    has_spare_ = true;
    return r * std::cos(2 * std::numbers::pi * u2);
  }
  double Normal(double mean, double sd) { return mean + sd * Normal(); }
  double Exponential() { return -std::log(1.0 - Uniform()); }
  double LogNormal(double median, double sigma) { return median * std::exp(sigma * Normal()); }

  template <typename T, size_t N>
  const T& Pick(const std::array<T, N>& items) {
    return items[static_cast<size_t>(Below(static_cast<int64_t>(N)))];
  }

 private:
  std::array<uint64_t, 4> state_;
  bool has_spare_ = false;
  double spare_ = 0;
};

// Picks index i with probability weights[i] / sum(weights).
class WeightedPicker {
 public:
  WeightedPicker() = default;
  explicit WeightedPicker(const std::vector<double>& weights) {
    double sum = 0;
    for (double w : weights) cumulative_.push_back(sum += w);
    for (double& c : cumulative_) c /= sum;
  }
  size_t Pick(Rng& rng) const {
    const double u = rng.Uniform();
    const auto it = std::upper_bound(cumulative_.begin(), cumulative_.end(), u);
    return std::min(static_cast<size_t>(it - cumulative_.begin()), cumulative_.size() - 1);
  }

 private:
  std::vector<double> cumulative_;
};

double Round(double value, double scale) { return std::round(value * scale) / scale; }

// ---------------------------------------------------------------------------
// Civil time. Times are local wall times stored as nanoseconds since
// 1970-01-01 00:00 as if UTC, like Kaggle's zone-less timestamps.

constexpr int64_t kNanosPerSecond = 1'000'000'000;
constexpr int64_t kNanosPerMinute = 60 * kNanosPerSecond;
constexpr int64_t kNanosPerHour = 60 * kNanosPerMinute;
constexpr int64_t kNanosPerDay = 24 * kNanosPerHour;
constexpr int64_t kNullTime = std::numeric_limits<int64_t>::min();

using util::CivilDate;
using util::CivilFromDays;
using util::DaysFromCivil;

// Kaggle's first accident is on 2016-02-08; the data ends with 2021.
constexpr int64_t kFirstDay = DaysFromCivil(2016, 2, 8);
constexpr int64_t kEndDay = DaysFromCivil(2022, 1, 1);  // exclusive
constexpr int64_t kFirstNanos = kFirstDay * kNanosPerDay;

// Writes "YYYY-MM-DD HH:MM:SS" (19 characters) for a time in years 0..9999.
void AppendCivilTime(std::string& out, int64_t nanos) {
  int64_t days = nanos / kNanosPerDay;
  int64_t rest = nanos % kNanosPerDay;
  if (rest < 0) {
    rest += kNanosPerDay;
    --days;
  }
  const CivilDate date = CivilFromDays(days);
  const int64_t seconds = rest / kNanosPerSecond;
  char text[19];
  auto put = [&](int at, int64_t value, int digits) {
    for (int i = digits - 1; i >= 0; --i, value /= 10)
      text[at + i] = static_cast<char>('0' + value % 10);
  };
  put(0, date.year, 4);
  text[4] = '-';
  put(5, date.month, 2);
  text[7] = '-';
  put(8, date.day, 2);
  text[10] = ' ';
  put(11, seconds / 3600, 2);
  text[13] = ':';
  put(14, seconds / 60 % 60, 2);
  text[16] = ':';
  put(17, seconds % 60, 2);
  out.append(text, sizeof text);
}

// Day of year, 1..366.
int DayOfYear(int64_t days) {
  const CivilDate date = CivilFromDays(days);
  return static_cast<int>(days - DaysFromCivil(date.year, 1, 1)) + 1;
}

// ---------------------------------------------------------------------------
// Places: a few real cities per state (the 48 contiguous states and DC, as in
// Kaggle), each with its county, the first three digits of its ZIP codes, its
// time zone, center, nearest airport's weather station, elevation and how far
// (degrees) accidents spread around it. Coastal and small places spread less.

struct CitySpec {
  const char* state;
  const char* city;
  const char* county;
  const char* zip3;
  const char* timezone;
  double lat;
  double lng;
  const char* airport;
  double weight;  // share within its state
  double spread;  // degrees
  int elevation_ft;
};

constexpr const char* kEastern = "US/Eastern";
constexpr const char* kCentral = "US/Central";
constexpr const char* kMountain = "US/Mountain";
constexpr const char* kPacific = "US/Pacific";

// clang-format off
constexpr CitySpec kCities[] = {
  {"CA", "Los Angeles", "Los Angeles", "900", kPacific, 34.052, -118.244, "KCQT", 0.24, 0.25, 300},
  {"CA", "San Diego", "San Diego", "921", kPacific, 32.800, -117.100, "KSAN", 0.08, 0.15, 100},
  {"CA", "Sacramento", "Sacramento", "958", kPacific, 38.582, -121.494, "KSAC", 0.09, 0.25, 30},
  {"CA", "San Jose", "Santa Clara", "951", kPacific, 37.339, -121.895, "KSJC", 0.06, 0.15, 80},
  {"CA", "Oakland", "Alameda", "946", kPacific, 37.804, -122.200, "KOAK", 0.06, 0.12, 50},
  {"CA", "San Francisco", "San Francisco", "941", kPacific, 37.760, -122.440, "KSFO", 0.03, 0.04, 50},
  {"CA", "Riverside", "Riverside", "925", kPacific, 33.953, -117.396, "KRAL", 0.09, 0.25, 850},
  {"CA", "San Bernardino", "San Bernardino", "924", kPacific, 34.108, -117.290, "KSBD", 0.07, 0.2, 1050},
  {"CA", "Anaheim", "Orange", "928", kPacific, 33.836, -117.914, "KFUL", 0.09, 0.12, 160},
  {"CA", "Fresno", "Fresno", "937", kPacific, 36.738, -119.787, "KFAT", 0.04, 0.2, 300},
  {"CA", "Bakersfield", "Kern", "933", kPacific, 35.373, -119.019, "KBFL", 0.03, 0.2, 400},
  {"CA", "Stockton", "San Joaquin", "952", kPacific, 37.958, -121.291, "KSCK", 0.03, 0.15, 20},
  {"CA", "Santa Rosa", "Sonoma", "954", kPacific, 38.440, -122.714, "KSTS", 0.02, 0.15, 160},
  {"CA", "Redding", "Shasta", "960", kPacific, 40.587, -122.392, "KRDD", 0.01, 0.2, 560},
  {"CA", "Ventura", "Ventura", "930", kPacific, 34.275, -119.229, "KOXR", 0.04, 0.12, 50},
  {"CA", "Santa Clarita", "Los Angeles", "913", kPacific, 34.392, -118.543, "KWHP", 0.02, 0.1, 1200},

  {"FL", "Miami", "Miami-Dade", "331", kEastern, 25.775, -80.300, "KMIA", 0.22, 0.12, 10},
  {"FL", "Orlando", "Orange", "328", kEastern, 28.538, -81.379, "KORL", 0.19, 0.25, 100},
  {"FL", "Tampa", "Hillsborough", "336", kEastern, 27.990, -82.400, "KTPA", 0.14, 0.15, 40},
  {"FL", "Jacksonville", "Duval", "322", kEastern, 30.332, -81.656, "KJAX", 0.12, 0.2, 20},
  {"FL", "Fort Lauderdale", "Broward", "333", kEastern, 26.122, -80.200, "KFLL", 0.12, 0.08, 10},
  {"FL", "West Palm Beach", "Palm Beach", "334", kEastern, 26.715, -80.120, "KPBI", 0.07, 0.08, 20},
  {"FL", "Tallahassee", "Leon", "323", kEastern, 30.438, -84.281, "KTLH", 0.04, 0.15, 200},
  {"FL", "Gainesville", "Alachua", "326", kEastern, 29.652, -82.325, "KGNV", 0.03, 0.15, 150},
  {"FL", "Fort Myers", "Lee", "339", kEastern, 26.640, -81.830, "KFMY", 0.04, 0.1, 10},
  {"FL", "Pensacola", "Escambia", "325", kCentral, 30.480, -87.230, "KPNS", 0.03, 0.08, 100},

  {"TX", "Houston", "Harris", "770", kCentral, 29.760, -95.369, "KHOU", 0.32, 0.3, 80},
  {"TX", "Dallas", "Dallas", "752", kCentral, 32.777, -96.797, "KDAL", 0.22, 0.25, 430},
  {"TX", "Austin", "Travis", "787", kCentral, 30.267, -97.743, "KAUS", 0.16, 0.2, 490},
  {"TX", "San Antonio", "Bexar", "782", kCentral, 29.424, -98.494, "KSAT", 0.12, 0.25, 650},
  {"TX", "Fort Worth", "Tarrant", "761", kCentral, 32.755, -97.331, "KFTW", 0.1, 0.2, 650},
  {"TX", "El Paso", "El Paso", "799", kMountain, 31.790, -106.420, "KELP", 0.04, 0.12, 3740},
  {"TX", "Corpus Christi", "Nueces", "784", kCentral, 27.760, -97.450, "KCRP", 0.04, 0.1, 20},

  {"OR", "Portland", "Multnomah", "972", kPacific, 45.515, -122.679, "KPDX", 0.45, 0.2, 50},
  {"OR", "Salem", "Marion", "973", kPacific, 44.943, -123.035, "KSLE", 0.2, 0.15, 150},
  {"OR", "Eugene", "Lane", "974", kPacific, 44.052, -123.087, "KEUG", 0.17, 0.15, 430},
  {"OR", "Medford", "Jackson", "975", kPacific, 42.327, -122.873, "KMFR", 0.1, 0.12, 1380},
  {"OR", "Bend", "Deschutes", "977", kPacific, 44.058, -121.315, "KBDN", 0.08, 0.15, 3620},

  {"VA", "Richmond", "Richmond City", "232", kEastern, 37.541, -77.436, "KRIC", 0.3, 0.2, 170},
  {"VA", "Virginia Beach", "Virginia Beach City", "234", kEastern, 36.800, -76.100, "KNTU", 0.16, 0.1, 10},
  {"VA", "Arlington", "Arlington", "222", kEastern, 38.880, -77.107, "KDCA", 0.14, 0.05, 250},
  {"VA", "Fairfax", "Fairfax", "220", kEastern, 38.846, -77.306, "KIAD", 0.22, 0.15, 400},
  {"VA", "Roanoke", "Roanoke City", "240", kEastern, 37.271, -79.941, "KROA", 0.1, 0.15, 940},
  {"VA", "Charlottesville", "Charlottesville City", "229", kEastern, 38.029, -78.477, "KCHO", 0.08, 0.12, 590},

  {"NY", "New York", "New York", "100", kEastern, 40.776, -73.970, "KNYC", 0.24, 0.03, 30},
  {"NY", "Brooklyn", "Kings", "112", kEastern, 40.650, -73.950, "KJFK", 0.2, 0.05, 30},
  {"NY", "Bronx", "Bronx", "104", kEastern, 40.845, -73.870, "KLGA", 0.12, 0.03, 60},
  {"NY", "Buffalo", "Erie", "142", kEastern, 42.886, -78.850, "KBUF", 0.1, 0.15, 600},
  {"NY", "Rochester", "Monroe", "146", kEastern, 43.157, -77.608, "KROC", 0.1, 0.15, 500},
  {"NY", "Albany", "Albany", "122", kEastern, 42.652, -73.757, "KALB", 0.1, 0.15, 150},
  {"NY", "Syracuse", "Onondaga", "132", kEastern, 43.048, -76.147, "KSYR", 0.08, 0.15, 400},
  {"NY", "White Plains", "Westchester", "106", kEastern, 41.034, -73.763, "KHPN", 0.06, 0.06, 200},

  {"PA", "Philadelphia", "Philadelphia", "191", kEastern, 40.000, -75.140, "KPHL", 0.36, 0.08, 40},
  {"PA", "Pittsburgh", "Allegheny", "152", kEastern, 40.441, -79.996, "KPIT", 0.24, 0.15, 1000},
  {"PA", "Harrisburg", "Dauphin", "171", kEastern, 40.274, -76.884, "KMDT", 0.14, 0.15, 320},
  {"PA", "Allentown", "Lehigh", "181", kEastern, 40.608, -75.490, "KABE", 0.14, 0.12, 350},
  {"PA", "Erie", "Erie", "165", kEastern, 42.100, -80.050, "KERI", 0.05, 0.08, 700},
  {"PA", "Scranton", "Lackawanna", "185", kEastern, 41.408, -75.662, "KAVP", 0.07, 0.12, 750},

  {"MN", "Minneapolis", "Hennepin", "554", kCentral, 44.978, -93.265, "KMSP", 0.5, 0.2, 830},
  {"MN", "Saint Paul", "Ramsey", "551", kCentral, 44.954, -93.090, "KSTP", 0.3, 0.12, 780},
  {"MN", "Rochester", "Olmsted", "559", kCentral, 44.012, -92.480, "KRST", 0.1, 0.15, 1000},
  {"MN", "Duluth", "Saint Louis", "558", kCentral, 46.787, -92.100, "KDLH", 0.1, 0.1, 700},

  {"NC", "Charlotte", "Mecklenburg", "282", kEastern, 35.227, -80.843, "KCLT", 0.4, 0.2, 750},
  {"NC", "Raleigh", "Wake", "276", kEastern, 35.780, -78.639, "KRDU", 0.3, 0.2, 320},
  {"NC", "Greensboro", "Guilford", "274", kEastern, 36.073, -79.792, "KGSO", 0.15, 0.15, 900},
  {"NC", "Durham", "Durham", "277", kEastern, 35.994, -78.899, "KRDU", 0.08, 0.1, 400},
  {"NC", "Asheville", "Buncombe", "288", kEastern, 35.595, -82.551, "KAVL", 0.07, 0.12, 2130},

  {"SC", "Columbia", "Richland", "292", kEastern, 34.000, -81.035, "KCAE", 0.35, 0.2, 290},
  {"SC", "Charleston", "Charleston", "294", kEastern, 32.850, -80.000, "KCHS", 0.25, 0.12, 20},
  {"SC", "Greenville", "Greenville", "296", kEastern, 34.852, -82.394, "KGSP", 0.3, 0.2, 970},
  {"SC", "Myrtle Beach", "Horry", "295", kEastern, 33.700, -78.920, "KMYR", 0.1, 0.08, 30},

  {"MD", "Baltimore", "Baltimore City", "212", kEastern, 39.290, -76.612, "KBWI", 0.4, 0.12, 100},
  {"MD", "Silver Spring", "Montgomery", "209", kEastern, 39.020, -77.050, "KDCA", 0.25, 0.08, 350},
  {"MD", "Annapolis", "Anne Arundel", "214", kEastern, 38.978, -76.550, "KNAK", 0.15, 0.08, 50},
  {"MD", "Frederick", "Frederick", "217", kEastern, 39.414, -77.411, "KFDK", 0.1, 0.12, 300},
  {"MD", "Upper Marlboro", "Prince Georges", "207", kEastern, 38.816, -76.750, "KADW", 0.1, 0.08, 100},

  {"AZ", "Phoenix", "Maricopa", "850", kMountain, 33.448, -112.074, "KPHX", 0.55, 0.25, 1090},
  {"AZ", "Mesa", "Maricopa", "852", kMountain, 33.415, -111.831, "KFFZ", 0.15, 0.12, 1240},
  {"AZ", "Tucson", "Pima", "857", kMountain, 32.222, -110.975, "KTUS", 0.22, 0.2, 2390},
  {"AZ", "Flagstaff", "Coconino", "860", kMountain, 35.198, -111.651, "KFLG", 0.08, 0.15, 6910},

  {"NJ", "Newark", "Essex", "071", kEastern, 40.736, -74.172, "KEWR", 0.3, 0.05, 30},
  {"NJ", "Jersey City", "Hudson", "073", kEastern, 40.728, -74.078, "KEWR", 0.15, 0.03, 20},
  {"NJ", "Paterson", "Passaic", "075", kEastern, 40.917, -74.172, "KCDW", 0.15, 0.06, 100},
  {"NJ", "Trenton", "Mercer", "086", kEastern, 40.220, -74.760, "KTTN", 0.15, 0.1, 50},
  {"NJ", "Camden", "Camden", "081", kEastern, 39.900, -75.050, "KPHL", 0.15, 0.08, 30},
  {"NJ", "Toms River", "Ocean", "087", kEastern, 39.954, -74.198, "KMJX", 0.1, 0.08, 30},

  {"TN", "Nashville", "Davidson", "372", kCentral, 36.163, -86.781, "KBNA", 0.4, 0.2, 600},
  {"TN", "Memphis", "Shelby", "381", kCentral, 35.149, -89.980, "KMEM", 0.25, 0.15, 340},
  {"TN", "Knoxville", "Knox", "379", kEastern, 35.961, -83.921, "KTYS", 0.2, 0.15, 900},
  {"TN", "Chattanooga", "Hamilton", "374", kEastern, 35.070, -85.250, "KCHA", 0.15, 0.1, 680},

  {"UT", "Salt Lake City", "Salt Lake", "841", kMountain, 40.740, -111.890, "KSLC", 0.6, 0.12, 4230},
  {"UT", "Provo", "Utah", "846", kMountain, 40.234, -111.659, "KPVU", 0.22, 0.1, 4550},
  {"UT", "Ogden", "Weber", "844", kMountain, 41.223, -111.974, "KOGD", 0.18, 0.08, 4300},

  {"LA", "New Orleans", "Orleans", "701", kCentral, 29.970, -90.070, "KMSY", 0.35, 0.08, 10},
  {"LA", "Baton Rouge", "East Baton Rouge", "708", kCentral, 30.451, -91.154, "KBTR", 0.35, 0.15, 60},
  {"LA", "Shreveport", "Caddo", "711", kCentral, 32.525, -93.750, "KSHV", 0.15, 0.15, 200},
  {"LA", "Lafayette", "Lafayette", "705", kCentral, 30.224, -92.020, "KLFT", 0.15, 0.15, 40},

  {"IL", "Chicago", "Cook", "606", kCentral, 41.850, -87.700, "KMDW", 0.55, 0.12, 600},
  {"IL", "Naperville", "DuPage", "605", kCentral, 41.750, -88.150, "KDPA", 0.15, 0.1, 700},
  {"IL", "Springfield", "Sangamon", "627", kCentral, 39.781, -89.650, "KSPI", 0.1, 0.15, 600},
  {"IL", "Peoria", "Peoria", "616", kCentral, 40.694, -89.589, "KPIA", 0.1, 0.15, 500},
  {"IL", "Rockford", "Winnebago", "611", kCentral, 42.271, -89.094, "KRFD", 0.1, 0.15, 730},

  {"MI", "Detroit", "Wayne", "482", kEastern, 42.370, -83.100, "KDET", 0.45, 0.15, 600},
  {"MI", "Grand Rapids", "Kent", "495", kEastern, 42.963, -85.668, "KGRR", 0.25, 0.15, 610},
  {"MI", "Lansing", "Ingham", "489", kEastern, 42.733, -84.556, "KLAN", 0.15, 0.12, 850},
  {"MI", "Flint", "Genesee", "485", kEastern, 43.013, -83.688, "KFNT", 0.15, 0.12, 750},

  {"GA", "Atlanta", "Fulton", "303", kEastern, 33.749, -84.388, "KATL", 0.55, 0.25, 1050},
  {"GA", "Marietta", "Cobb", "300", kEastern, 33.953, -84.550, "KRYY", 0.15, 0.1, 1130},
  {"GA", "Savannah", "Chatham", "314", kEastern, 32.080, -81.100, "KSAV", 0.12, 0.1, 20},
  {"GA", "Augusta", "Richmond", "309", kEastern, 33.474, -82.010, "KAGS", 0.1, 0.12, 150},
  {"GA", "Macon", "Bibb", "312", kEastern, 32.841, -83.632, "KMCN", 0.08, 0.12, 380},

  {"WA", "Seattle", "King", "981", kPacific, 47.606, -122.300, "KBFI", 0.45, 0.12, 200},
  {"WA", "Tacoma", "Pierce", "984", kPacific, 47.240, -122.440, "KTIW", 0.2, 0.1, 250},
  {"WA", "Everett", "Snohomish", "982", kPacific, 47.979, -122.202, "KPAE", 0.12, 0.08, 200},
  {"WA", "Vancouver", "Clark", "986", kPacific, 45.660, -122.600, "KVUO", 0.1, 0.08, 200},
  {"WA", "Spokane", "Spokane", "992", kPacific, 47.659, -117.426, "KGEG", 0.13, 0.15, 1840},

  {"CT", "Hartford", "Hartford", "061", kEastern, 41.764, -72.685, "KHFD", 0.35, 0.12, 60},
  {"CT", "New Haven", "New Haven", "065", kEastern, 41.320, -72.930, "KHVN", 0.25, 0.08, 50},
  {"CT", "Bridgeport", "Fairfield", "066", kEastern, 41.200, -73.200, "KBDR", 0.25, 0.08, 50},
  {"CT", "Waterbury", "New Haven", "067", kEastern, 41.558, -73.052, "KOXC", 0.15, 0.08, 300},

  {"MO", "Saint Louis", "Saint Louis City", "631", kCentral, 38.627, -90.250, "KSTL", 0.45, 0.15, 500},
  {"MO", "Kansas City", "Jackson", "641", kCentral, 39.070, -94.540, "KMKC", 0.35, 0.15, 900},
  {"MO", "Springfield", "Greene", "658", kCentral, 37.209, -93.292, "KSGF", 0.12, 0.12, 1300},
  {"MO", "Columbia", "Boone", "652", kCentral, 38.952, -92.334, "KCOU", 0.08, 0.1, 760},

  {"CO", "Denver", "Denver", "802", kMountain, 39.739, -104.990, "KDEN", 0.45, 0.15, 5280},
  {"CO", "Colorado Springs", "El Paso", "809", kMountain, 38.834, -104.821, "KCOS", 0.2, 0.12, 6030},
  {"CO", "Aurora", "Arapahoe", "800", kMountain, 39.729, -104.832, "KBKF", 0.15, 0.08, 5470},
  {"CO", "Boulder", "Boulder", "803", kMountain, 40.015, -105.270, "KBDU", 0.1, 0.08, 5330},
  {"CO", "Fort Collins", "Larimer", "805", kMountain, 40.585, -105.084, "KFNL", 0.1, 0.1, 5000},

  {"OH", "Columbus", "Franklin", "432", kEastern, 39.961, -82.999, "KCMH", 0.3, 0.2, 800},
  {"OH", "Cleveland", "Cuyahoga", "441", kEastern, 41.440, -81.690, "KCLE", 0.25, 0.1, 650},
  {"OH", "Cincinnati", "Hamilton", "452", kEastern, 39.162, -84.456, "KLUK", 0.2, 0.12, 500},
  {"OH", "Dayton", "Montgomery", "454", kEastern, 39.759, -84.192, "KDAY", 0.15, 0.15, 740},
  {"OH", "Toledo", "Lucas", "436", kEastern, 41.620, -83.600, "KTOL", 0.1, 0.1, 600},

  {"IN", "Indianapolis", "Marion", "462", kEastern, 39.768, -86.158, "KIND", 0.55, 0.2, 720},
  {"IN", "Fort Wayne", "Allen", "468", kEastern, 41.079, -85.139, "KFWA", 0.15, 0.15, 800},
  {"IN", "Gary", "Lake", "464", kCentral, 41.550, -87.350, "KGYY", 0.15, 0.08, 600},
  {"IN", "Evansville", "Vanderburgh", "477", kCentral, 37.975, -87.555, "KEVV", 0.15, 0.1, 390},

  {"AL", "Birmingham", "Jefferson", "352", kCentral, 33.519, -86.810, "KBHM", 0.4, 0.2, 600},
  {"AL", "Montgomery", "Montgomery", "361", kCentral, 32.367, -86.300, "KMGM", 0.2, 0.15, 250},
  {"AL", "Mobile", "Mobile", "366", kCentral, 30.695, -88.100, "KMOB", 0.2, 0.1, 20},
  {"AL", "Huntsville", "Madison", "358", kCentral, 34.730, -86.586, "KHSV", 0.2, 0.15, 640},

  {"MT", "Billings", "Yellowstone", "591", kMountain, 45.783, -108.500, "KBIL", 0.3, 0.15, 3120},
  {"MT", "Missoula", "Missoula", "598", kMountain, 46.872, -113.994, "KMSO", 0.25, 0.12, 3210},
  {"MT", "Bozeman", "Gallatin", "597", kMountain, 45.677, -111.043, "KBZN", 0.2, 0.12, 4820},
  {"MT", "Great Falls", "Cascade", "594", kMountain, 47.500, -111.300, "KGTF", 0.15, 0.12, 3330},
  {"MT", "Helena", "Lewis and Clark", "596", kMountain, 46.589, -112.039, "KHLN", 0.1, 0.1, 4060},

  {"KS", "Wichita", "Sedgwick", "672", kCentral, 37.687, -97.330, "KICT", 0.4, 0.15, 1300},
  {"KS", "Overland Park", "Johnson", "662", kCentral, 38.982, -94.671, "KOJC", 0.35, 0.1, 1000},
  {"KS", "Topeka", "Shawnee", "666", kCentral, 39.048, -95.678, "KTOP", 0.25, 0.12, 950},

  {"KY", "Louisville", "Jefferson", "402", kEastern, 38.225, -85.700, "KSDF", 0.5, 0.15, 470},
  {"KY", "Lexington", "Fayette", "405", kEastern, 38.040, -84.504, "KLEX", 0.35, 0.12, 980},
  {"KY", "Bowling Green", "Warren", "421", kCentral, 36.990, -86.444, "KBWG", 0.15, 0.1, 500},

  {"OK", "Oklahoma City", "Oklahoma", "731", kCentral, 35.468, -97.516, "KOKC", 0.55, 0.2, 1200},
  {"OK", "Tulsa", "Tulsa", "741", kCentral, 36.154, -95.993, "KTUL", 0.45, 0.15, 720},

  {"IA", "Des Moines", "Polk", "503", kCentral, 41.586, -93.625, "KDSM", 0.5, 0.15, 850},
  {"IA", "Cedar Rapids", "Linn", "524", kCentral, 41.978, -91.668, "KCID", 0.25, 0.12, 730},
  {"IA", "Davenport", "Scott", "528", kCentral, 41.560, -90.600, "KDVN", 0.25, 0.1, 570},

  {"WI", "Milwaukee", "Milwaukee", "532", kCentral, 43.038, -87.960, "KMKE", 0.5, 0.1, 620},
  {"WI", "Madison", "Dane", "537", kCentral, 43.073, -89.401, "KMSN", 0.3, 0.12, 870},
  {"WI", "Green Bay", "Brown", "543", kCentral, 44.513, -88.050, "KGRB", 0.2, 0.1, 590},

  {"AR", "Little Rock", "Pulaski", "722", kCentral, 34.746, -92.290, "KLIT", 0.55, 0.15, 340},
  {"AR", "Fayetteville", "Washington", "727", kCentral, 36.063, -94.157, "KFYV", 0.25, 0.12, 1400},
  {"AR", "Fort Smith", "Sebastian", "729", kCentral, 35.386, -94.360, "KFSM", 0.2, 0.08, 450},

  {"DC", "Washington", "District of Columbia", "200", kEastern, 38.900, -77.020, "KDCA", 1.0, 0.04, 50},

  {"ID", "Boise", "Ada", "837", kMountain, 43.615, -116.202, "KBOI", 0.6, 0.15, 2730},
  {"ID", "Idaho Falls", "Bonneville", "834", kMountain, 43.492, -112.034, "KIDA", 0.2, 0.12, 4700},
  {"ID", "Coeur d'Alene", "Kootenai", "838", kPacific, 47.678, -116.780, "KCOE", 0.2, 0.1, 2190},

  {"NV", "Las Vegas", "Clark", "891", kPacific, 36.170, -115.140, "KLAS", 0.75, 0.15, 2000},
  {"NV", "Reno", "Washoe", "895", kPacific, 39.530, -119.813, "KRNO", 0.25, 0.1, 4500},

  {"NE", "Omaha", "Douglas", "681", kCentral, 41.257, -96.000, "KOMA", 0.55, 0.12, 1090},
  {"NE", "Lincoln", "Lancaster", "685", kCentral, 40.814, -96.702, "KLNK", 0.35, 0.12, 1180},
  {"NE", "Scottsbluff", "Scotts Bluff", "693", kMountain, 41.867, -103.667, "KBFF", 0.1, 0.08, 3890},

  {"NM", "Albuquerque", "Bernalillo", "871", kMountain, 35.084, -106.650, "KABQ", 0.6, 0.15, 5310},
  {"NM", "Santa Fe", "Santa Fe", "875", kMountain, 35.687, -105.938, "KSAF", 0.2, 0.1, 7200},
  {"NM", "Las Cruces", "Dona Ana", "880", kMountain, 32.320, -106.763, "KLRU", 0.2, 0.1, 3900},

  {"MS", "Jackson", "Hinds", "392", kCentral, 32.299, -90.185, "KJAN", 0.6, 0.15, 300},
  {"MS", "Gulfport", "Harrison", "395", kCentral, 30.420, -89.090, "KGPT", 0.4, 0.08, 20},

  {"WV", "Charleston", "Kanawha", "253", kEastern, 38.350, -81.633, "KCRW", 0.6, 0.12, 600},
  {"WV", "Morgantown", "Monongalia", "265", kEastern, 39.630, -79.956, "KMGW", 0.4, 0.1, 960},

  {"DE", "Wilmington", "New Castle", "198", kEastern, 39.740, -75.580, "KILG", 0.7, 0.08, 80},
  {"DE", "Dover", "Kent", "199", kEastern, 39.158, -75.524, "KDOV", 0.3, 0.08, 30},

  {"RI", "Providence", "Providence", "029", kEastern, 41.824, -71.430, "KPVD", 0.7, 0.06, 60},
  {"RI", "Warwick", "Kent", "028", kEastern, 41.700, -71.450, "KPVD", 0.3, 0.04, 60},

  {"NH", "Manchester", "Hillsborough", "031", kEastern, 42.991, -71.464, "KMHT", 0.6, 0.1, 270},
  {"NH", "Concord", "Merrimack", "033", kEastern, 43.208, -71.538, "KCON", 0.4, 0.1, 290},

  {"MA", "Boston", "Suffolk", "021", kEastern, 42.340, -71.100, "KBOS", 0.55, 0.06, 20},
  {"MA", "Worcester", "Worcester", "016", kEastern, 42.263, -71.802, "KORH", 0.25, 0.12, 480},
  {"MA", "Springfield", "Hampden", "011", kEastern, 42.102, -72.590, "KCEF", 0.2, 0.1, 70},

  {"ME", "Portland", "Cumberland", "041", kEastern, 43.680, -70.300, "KPWM", 0.65, 0.08, 60},
  {"ME", "Bangor", "Penobscot", "044", kEastern, 44.801, -68.778, "KBGR", 0.35, 0.1, 160},

  {"VT", "Burlington", "Chittenden", "054", kEastern, 44.476, -73.180, "KBTV", 0.65, 0.06, 200},
  {"VT", "Montpelier", "Washington", "056", kEastern, 44.260, -72.575, "KMPV", 0.35, 0.08, 530},

  {"WY", "Cheyenne", "Laramie", "820", kMountain, 41.140, -104.820, "KCYS", 0.55, 0.12, 6060},
  {"WY", "Casper", "Natrona", "826", kMountain, 42.867, -106.313, "KCPR", 0.45, 0.12, 5150},

  {"ND", "Fargo", "Cass", "581", kCentral, 46.877, -96.789, "KFAR", 0.6, 0.08, 900},
  {"ND", "Bismarck", "Burleigh", "585", kCentral, 46.808, -100.784, "KBIS", 0.4, 0.1, 1680},

  {"SD", "Sioux Falls", "Minnehaha", "571", kCentral, 43.545, -96.731, "KFSD", 0.65, 0.1, 1470},
  {"SD", "Rapid City", "Pennington", "577", kMountain, 44.080, -103.231, "KRAP", 0.35, 0.1, 3200},
};

struct StateSpec {
  const char* state;
  double share;         // percent of Kaggle's accidents
  const char* highways;  // '|'-separated
};

constexpr StateSpec kStates[] = {
  {"CA", 28.0, "I-5|I-10|I-15|I-405|I-80|I-880|I-680|I-210|I-110|I-605|I-580|I-710|US-101|CA-99|CA-91|CA-60|CA-57|CA-55|CA-134"},
  {"FL", 14.1, "I-95|I-4|I-75|I-275|I-10|I-595|US-1|US-19|US-27|FL-408|FL-826|Florida Tpke"},
  {"TX", 5.2, "I-10|I-35|I-45|I-30|I-20|I-610|I-35E|I-635|US-59|US-75|US-290|TX-288|Sam Houston Pkwy"},
  {"OR", 4.4, "I-5|I-84|I-205|I-405|US-26|OR-217|US-97"},
  {"VA", 4.0, "I-95|I-64|I-66|I-81|I-495|I-264|I-295|US-29|US-460"},
  {"NY", 3.8, "I-87|I-90|I-95|I-278|I-495|I-190|I-290|I-81|Cross Bronx Expy|Belt Pkwy|FDR Dr"},
  {"PA", 3.5, "I-76|I-95|I-81|I-83|I-476|I-79|I-276|US-1|US-22|US-422"},
  {"MN", 3.4, "I-94|I-35W|I-35E|I-494|I-694|I-394|US-169|MN-62|MN-100|US-10"},
  {"NC", 3.2, "I-85|I-40|I-77|I-440|I-540|I-485|US-74|US-1"},
  {"SC", 3.1, "I-26|I-85|I-20|I-77|I-95|I-526|US-17|I-385"},
  {"MD", 2.3, "I-95|I-695|I-495|I-270|I-83|I-97|US-50|MD-295|US-29"},
  {"AZ", 2.0, "I-10|I-17|I-19|I-40|AZ-101|AZ-202|AZ-51|US-60"},
  {"NJ", 1.9, "I-95|I-78|I-80|I-280|I-287|I-295|Garden State Pkwy|NJ Tpke|US-1|US-9|NJ-17"},
  {"TN", 1.8, "I-40|I-24|I-65|I-75|I-440|I-240|I-640|US-70"},
  {"UT", 1.7, "I-15|I-80|I-215|US-89|UT-201|Bangerter Hwy"},
  {"LA", 1.7, "I-10|I-12|I-20|I-49|I-610|I-110|US-90|US-61"},
  {"IL", 1.7, "I-90|I-94|I-55|I-290|I-294|I-88|I-57|I-355|Lake Shore Dr"},
  {"MI", 1.5, "I-94|I-75|I-96|I-696|I-275|I-196|US-131|M-10|M-59"},
  {"GA", 1.4, "I-75|I-85|I-285|I-20|I-16|I-575|I-675|GA-400|US-78"},
  {"WA", 1.3, "I-5|I-405|I-90|I-205|WA-520|WA-167|WA-99|US-395"},
  {"CT", 1.0, "I-95|I-84|I-91|I-691|I-395|CT-15|US-7|CT-8"},
  {"MO", 1.0, "I-70|I-44|I-64|I-270|I-35|I-435|I-55|US-71"},
  {"CO", 0.8, "I-25|I-70|I-225|I-76|C-470|E-470|US-36|US-6"},
  {"OH", 0.8, "I-70|I-71|I-75|I-270|I-90|I-77|I-480|I-275|US-33"},
  {"IN", 0.6, "I-65|I-69|I-70|I-465|I-94|I-64|US-31|US-41"},
  {"AL", 0.6, "I-65|I-20|I-59|I-10|I-85|I-459|US-280|US-231"},
  {"MT", 0.6, "I-90|I-15|I-94|US-93|US-2|US-191"},
  {"KS", 0.3, "I-35|I-70|I-135|I-435|US-54|US-69|K-10"},
  {"KY", 0.3, "I-64|I-65|I-71|I-75|I-264|I-265|US-60"},
  {"OK", 0.3, "I-35|I-40|I-44|I-240|US-75|US-169|Turner Tpke"},
  {"IA", 0.3, "I-80|I-35|I-235|I-380|I-74|US-30"},
  {"AR", 0.3, "I-30|I-40|I-49|I-430|I-630|US-67"},
  {"ID", 0.4, "I-84|I-15|I-90|I-184|US-95|US-20"},
  {"WI", 0.2, "I-94|I-43|I-41|I-90|I-894|US-45|US-151"},
  {"DC", 0.2, "I-395|I-695|I-295|US-50|US-1|Rock Creek Pkwy"},
  {"NV", 0.2, "I-15|I-80|I-515|I-215|US-95|US-395"},
  {"NE", 0.2, "I-80|I-680|I-480|US-75|US-6|US-77"},
  {"MS", 0.2, "I-55|I-20|I-10|I-220|US-49|US-90"},
  {"WV", 0.2, "I-64|I-77|I-79|I-68|US-119"},
  {"MA", 0.2, "I-90|I-93|I-95|I-495|I-290|I-91|US-1|MA-2|MA-24"},
  {"NM", 0.1, "I-25|I-40|I-10|US-285|US-550"},
  {"DE", 0.1, "I-95|I-495|I-295|US-13|DE-1|US-113"},
  {"RI", 0.1, "I-95|I-195|I-295|RI-146|US-6"},
  {"NH", 0.1, "I-93|I-89|I-95|I-293|NH-101|US-3"},
  {"ME", 0.05, "I-95|I-295|US-1|US-302"},
  {"VT", 0.03, "I-89|I-91|US-7|US-2"},
  {"WY", 0.03, "I-25|I-80|I-90|US-287|US-20"},
  {"ND", 0.02, "I-29|I-94|US-83|US-2"},
  {"SD", 0.01, "I-29|I-90|I-229|US-16"},
};
// clang-format on

// Names of local streets and cross streets.
// clang-format off
constexpr std::array<std::string_view, 72> kStreetNames = {
    "Main", "Oak", "Maple", "Pine", "Cedar", "Elm", "Washington", "Lincoln", "Jefferson", "Park",
    "Lake", "Hill", "Broadway", "Market", "Church", "Center", "Mill", "Spring", "River", "Sunset",
    "Foothill", "Mission", "Valley", "Ridge", "Highland", "Forest", "College", "Grand", "Madison",
    "Franklin", "Jackson", "Adams", "Harrison", "Walnut", "Chestnut", "Willow", "Magnolia",
    "Peachtree", "Colonial", "Airport", "Industrial", "Commerce", "Meadow", "Orchard", "Vine",
    "Union", "Liberty", "Central", "Western", "Victory", "Sherman", "Ventura",
    "Martin Luther King Jr", "Fairview", "Greenwood", "Kingston", "Bay", "Harbor", "Canyon",
    "Mountain View", "Summit", "Prospect", "Belmont", "Woodland", "Glenwood", "Riverside",
    "Lakeshore", "Beach", "Dixie", "Atlantic", "Pacific", "University"};
// clang-format on

struct StreetType {
  std::string_view name;
  double weight;
};
constexpr StreetType kStreetTypes[] = {{"Rd", 26},   {"St", 20}, {"Ave", 20},
                                       {"Blvd", 10}, {"Dr", 10}, {"Hwy", 4},
                                       {"Pkwy", 4},  {"Ln", 3},  {"Way", 3}};

enum class Sky { kClear, kCloudy, kRain, kSnow, kFog, kHaze, kStorm };

struct WeatherSpec {
  std::string_view name;
  double weight;
  Sky sky;
};
constexpr WeatherSpec kWeather[] = {
    {"Fair", 33, Sky::kClear},
    {"Clear", 10, Sky::kClear},
    {"Mostly Cloudy", 13, Sky::kCloudy},
    {"Cloudy", 10, Sky::kCloudy},
    {"Partly Cloudy", 8, Sky::kCloudy},
    {"Overcast", 6, Sky::kCloudy},
    {"Scattered Clouds", 3, Sky::kCloudy},
    {"Fair / Windy", 0.6, Sky::kClear},
    {"Cloudy / Windy", 0.3, Sky::kCloudy},
    {"Light Rain", 5, Sky::kRain},
    {"Rain", 1.2, Sky::kRain},
    {"Heavy Rain", 0.5, Sky::kRain},
    {"Light Drizzle", 0.4, Sky::kRain},
    {"Light Snow", 1.2, Sky::kSnow},
    {"Snow", 0.3, Sky::kSnow},
    {"Heavy Snow", 0.1, Sky::kSnow},
    {"Wintry Mix", 0.2, Sky::kSnow},
    {"Fog", 1.2, Sky::kFog},
    {"Mist", 0.2, Sky::kFog},
    {"Haze", 1.5, Sky::kHaze},
    {"Smoke", 0.3, Sky::kHaze},
    {"Thunder in the Vicinity", 0.5, Sky::kStorm},
    {"T-Storm", 0.4, Sky::kStorm},
    {"Light Rain with Thunder", 0.2, Sky::kStorm},
};

constexpr std::array<std::string_view, 16> kCompass = {"N",  "NNE", "NE", "ENE", "E",  "ESE",
                                                       "SE", "SSE", "S",  "SSW", "SW", "WSW",
                                                       "W",  "WNW", "NW", "NNW"};

// The places, indexed once: cities grouped by state, highways split.
struct Highway {
  std::string_view name;
  bool east_west;  // even-numbered routes run east-west, odd ones north-south
};

struct City {
  const CitySpec* spec;
  double zone_meridian;    // degrees of longitude of the zone's standard time
  bool observes_dst;       // Arizona does not
  int observation_minute;  // when the weather station reports each hour
};

struct State {
  const StateSpec* spec;
  std::vector<City> cities;
  WeightedPicker city_picker;
  std::vector<Highway> highways;
};

struct Places {
  std::vector<State> states;
  WeightedPicker state_picker;
  WeightedPicker street_type_picker;
  WeightedPicker weather_picker;
  const WeatherSpec* light_rain = nullptr;
  const WeatherSpec* light_snow = nullptr;
};

double ZoneMeridian(std::string_view timezone) {
  if (timezone == kEastern) return -75;
  if (timezone == kCentral) return -90;
  if (timezone == kMountain) return -105;
  return -120;
}

bool RunsEastWest(std::string_view highway) {
  const auto dash = highway.find('-');
  if (dash == std::string_view::npos) return false;
  int number = 0;
  for (size_t i = dash + 1;
       i < highway.size() && std::isdigit(static_cast<unsigned char>(highway[i])); ++i) {
    number = number * 10 + (highway[i] - '0');
  }
  return number % 2 == 0;
}

const Places& GetPlaces() {
  static const Places places = [] {
    Places p;
    std::vector<double> state_weights;
    int city_index = 0;
    for (const StateSpec& state_spec : kStates) {
      State state{&state_spec, {}, {}, {}};
      std::vector<double> city_weights;
      for (const CitySpec& city : kCities) {
        if (std::string_view(city.state) != state_spec.state) continue;
        constexpr int kObservationMinutes[] = {53, 54, 56, 52, 55, 58, 51};
        state.cities.push_back({&city, ZoneMeridian(city.timezone),
                                std::string_view(city.state) != "AZ",
                                kObservationMinutes[city_index++ % 7]});
        city_weights.push_back(city.weight);
      }
      state.city_picker = WeightedPicker(city_weights);
      std::string_view rest = state_spec.highways;
      while (!rest.empty()) {
        const auto bar = rest.find('|');
        const std::string_view name = rest.substr(0, bar);
        state.highways.push_back({name, RunsEastWest(name)});
        rest = bar == std::string_view::npos ? std::string_view() : rest.substr(bar + 1);
      }
      state_weights.push_back(state_spec.share);
      p.states.push_back(std::move(state));
    }
    p.state_picker = WeightedPicker(state_weights);
    std::vector<double> weights;
    for (const auto& type : kStreetTypes) weights.push_back(type.weight);
    p.street_type_picker = WeightedPicker(weights);
    weights.clear();
    for (const auto& weather : kWeather) {
      weights.push_back(weather.weight);
      if (weather.name == "Light Rain") p.light_rain = &weather;
      if (weather.name == "Light Snow") p.light_snow = &weather;
    }
    p.weather_picker = WeightedPicker(weights);
    return p;
  }();
  return places;
}

// ---------------------------------------------------------------------------
// When accidents happen: an intensity per hour from 2016-02-08 to the end of
// 2021, the product of a growth curve (Kaggle's yearly counts, interpolated
// log-linearly between mid-years), a month factor, a weekday factor and an
// hour-of-day profile (rush hours on weekdays, afternoons on weekends).

class ArrivalIntensity {
 public:
  static const ArrivalIntensity& Get() {
    static const ArrivalIntensity intensity;
    return intensity;
  }

  double total() const { return cumulative_.back(); }

  // The time at which the cumulative intensity reaches `mass`. `bin` carries
  // the search position between calls: masses must come in increasing order.
  int64_t TimeAt(double mass, size_t* bin) const {
    const size_t bins = cumulative_.size() - 1;
    while (*bin + 1 < bins && cumulative_[*bin + 1] <= mass) ++*bin;
    const double low = cumulative_[*bin], high = cumulative_[*bin + 1];
    const double within = std::clamp((mass - low) / (high - low), 0.0, 1.0 - 1e-12);
    return kFirstNanos + static_cast<int64_t>(*bin) * kNanosPerHour +
           static_cast<int64_t>(within * static_cast<double>(kNanosPerHour));
  }

 private:
  ArrivalIntensity() {
    // Accidents per year in Kaggle's 2016-2021 file (2016 from Feb 8 on).
    constexpr double kYearCounts[] = {122'024, 163'918, 163'176, 258'615, 625'864, 1'511'745};
    constexpr double kMonthFactor[] = {1.05, 1.0,  0.95, 0.9, 0.9,  0.88,
                                       0.85, 0.92, 1.0,  1.1, 1.15, 1.3};
    // Monday first.
    constexpr double kWeekdayFactor[] = {1.0, 1.05, 1.07, 1.08, 1.12, 0.5, 0.42};
    constexpr double kWorkdayHours[] = {0.35, 0.28, 0.25, 0.25, 0.35, 0.65, 1.3, 2.0,
                                        2.1,  1.3,  1.0,  1.0,  1.05, 1.1,  1.3, 1.7,
                                        1.95, 1.9,  1.3,  0.9,  0.7,  0.6,  0.5, 0.42};
    constexpr double kWeekendHours[] = {0.6, 0.5,  0.45, 0.35, 0.3,  0.3,  0.4, 0.55,
                                        0.7, 0.85, 1.0,  1.1,  1.2,  1.25, 1.3, 1.3,
                                        1.3, 1.25, 1.1,  0.95, 0.85, 0.75, 0.7, 0.65};
    auto normalized = [](const double (&hours)[24]) {
      std::array<double, 24> out;
      double sum = 0;
      for (double h : hours) sum += h;
      for (int i = 0; i < 24; ++i) out[i] = hours[i] * 24 / sum;
      return out;
    };
    const auto workday = normalized(kWorkdayHours), weekend = normalized(kWeekendHours);

    // Daily rate anchors at each year's middle.
    std::array<double, 6> anchor_day, anchor_log_rate;
    for (int i = 0; i < 6; ++i) {
      const int year = 2016 + i;
      const int64_t first = std::max(DaysFromCivil(year, 1, 1), kFirstDay);
      const int64_t end = DaysFromCivil(year + 1, 1, 1);
      anchor_day[i] = static_cast<double>(first + end) / 2;
      anchor_log_rate[i] = std::log(kYearCounts[i] / static_cast<double>(end - first));
    }
    auto daily_rate = [&](int64_t day) {
      const double d = static_cast<double>(day);
      if (d <= anchor_day[0]) return std::exp(anchor_log_rate[0]);
      for (int i = 1; i < 6; ++i) {
        if (d <= anchor_day[i]) {
          const double f = (d - anchor_day[i - 1]) / (anchor_day[i] - anchor_day[i - 1]);
          return std::exp(anchor_log_rate[i - 1] +
                          f * (anchor_log_rate[i] - anchor_log_rate[i - 1]));
        }
      }
      return std::exp(anchor_log_rate[5]);
    };

    cumulative_.reserve(static_cast<size_t>((kEndDay - kFirstDay) * 24 + 1));
    cumulative_.push_back(0);
    double sum = 0;
    for (int64_t day = kFirstDay; day < kEndDay; ++day) {
      const int weekday = static_cast<int>((day + 3) % 7);  // 1970-01-01 was a Thursday
      const double day_rate =
          daily_rate(day) * kMonthFactor[CivilFromDays(day).month - 1] * kWeekdayFactor[weekday];
      const auto& hours = weekday >= 5 ? weekend : workday;
      for (int hour = 0; hour < 24; ++hour) {
        sum += day_rate * hours[hour] / 24;
        cumulative_.push_back(sum);
      }
    }
  }

  std::vector<double> cumulative_;  // cumulative intensity at each hour boundary
};

// Exactly `count` start times in increasing order, whole seconds: a Poisson
// process with the intensity above, conditioned on `count` events. The k-th
// time is where the cumulative intensity reaches S_k / S_(count+1) of its
// total, S_k being sums of unit exponential gaps; S_(count+1) is found first
// by a dry run of the same random stream.
class StartTimes {
 public:
  StartTimes(uint64_t seed, int64_t count) : rng_(seed, RngStream::kArrivals) {
    Rng dry_run = rng_;
    double gaps = 0;
    for (int64_t i = 0; i <= count; ++i) gaps += dry_run.Exponential();
    scale_ = ArrivalIntensity::Get().total() / gaps;
  }

  int64_t Next() {
    sum_ += rng_.Exponential();
    const int64_t t = ArrivalIntensity::Get().TimeAt(sum_ * scale_, &bin_);
    return t - t % kNanosPerSecond;
  }

 private:
  Rng rng_;
  double scale_ = 0;
  double sum_ = 0;
  size_t bin_ = 0;
};

// What decides an accident's span, drawn from its own stream so the stream
// output can find the overall time range in a cheap first pass.
struct Timing {
  int8_t severity = 2;
  int64_t duration = 0;  // negative for the dirty End_Time < Start_Time rows
  bool end_null = false;
  bool garble_start = false;
  bool garble_end = false;
};

constexpr double kDirtyBackwardsShare = 0.005;
constexpr double kDirtyNullEndShare = 0.001;
constexpr double kDirtyGarbledShare = 0.0005;

Timing DrawTiming(Rng& rng, bool dirty) {
  Timing timing;
  const double s = rng.Uniform();
  timing.severity = s < 0.01 ? 1 : s < 0.90 ? 2 : s < 0.97 ? 3 : 4;
  // Most accidents clear within an hour or two; some block a road for hours
  // or days (Kaggle has multi-day ones).
  const bool long_tail = rng.Chance(0.12);
  double minutes = long_tail ? rng.LogNormal(300, 1.0) : rng.LogNormal(40, 0.8);
  if (timing.severity == 4) minutes *= 2;
  if (timing.severity == 1) minutes *= 0.7;
  minutes = std::clamp(minutes, 2.0, 7.0 * 24 * 60);
  timing.duration = static_cast<int64_t>(minutes * 60) * kNanosPerSecond;
  // The dirty draws are made always, so dirty output differs from clean
  // output of the same seed only in the dirtied rows.
  const double backwards = rng.Uniform();
  const double backwards_minutes = std::clamp(rng.LogNormal(20, 1.0), 1.0, 24.0 * 60);
  const double null_end = rng.Uniform();
  const double garbled = rng.Uniform();
  const bool garble_start = rng.Chance(0.5);
  if (dirty) {
    if (backwards < kDirtyBackwardsShare) {
      timing.duration = -static_cast<int64_t>(backwards_minutes * 60) * kNanosPerSecond;
    }
    timing.end_null = null_end < kDirtyNullEndShare;
    if (garbled < kDirtyGarbledShare) {
      timing.garble_start = garble_start;
      timing.garble_end = !garble_start;
    }
  }
  return timing;
}

// ---------------------------------------------------------------------------
// One accident, all 47 raw columns. Nulls: NaN for floats, kNullTime for
// times, a default (data() == nullptr) string_view, an empty owned string.

struct Accident {
  int32_t id = 0;
  int8_t severity = 2;
  int64_t start = 0;
  int64_t end = 0;
  bool garbled_start = false;  // CSV writes unparseable text, Parquet a null
  bool garbled_end = false;
  double start_lat = 0, start_lng = 0;
  double end_lat = 0, end_lng = 0;
  double distance = 0;
  std::string description;
  float number = 0;
  std::string street;
  bool on_highway = false;  // not a column: interstates and other numbered routes
  std::string_view side;
  const City* city = nullptr;
  std::string zipcode;
  std::string_view airport;
  int64_t weather_time = kNullTime;
  float temperature = 0, wind_chill = 0, humidity = 0, pressure = 0, visibility = 0;
  std::string_view wind_direction;
  float wind_speed = 0, precipitation = 0;
  std::string_view weather_condition;
  // Amenity .. Turning_Loop, in schema order.
  std::array<bool, 13> flags{};
  // Sunrise_Sunset, Civil, Nautical and Astronomical twilight.
  std::array<std::string_view, 4> daylight;
};

constexpr double kWindChillNullShare = 0.4;
constexpr float kNullFloat = std::numeric_limits<float>::quiet_NaN();
constexpr double kNullDouble = std::numeric_limits<double>::quiet_NaN();
constexpr std::string_view kNullText;

// Shares of rows with a true flag, on highways and on local roads, in the
// order Amenity, Bump, Crossing, Give_Way, Junction, No_Exit, Railway,
// Roundabout, Station, Stop, Traffic_Calming, Traffic_Signal, Turning_Loop.
constexpr std::array<double, 13> kHighwayFlagShare = {
    0.002, 0.0001, 0.01, 0.001, 0.13, 0.0005, 0.002, 0.0, 0.005, 0.003, 0.0001, 0.02, 0.0};
constexpr std::array<double, 13> kLocalFlagShare = {
    0.016, 0.0006, 0.12, 0.004, 0.035, 0.002, 0.012, 0.0001, 0.035, 0.045, 0.0008, 0.23, 0.0};

// Builds every attribute of an accident from its start time and timing.
class AccidentFactory {
 public:
  explicit AccidentFactory(uint64_t seed)
      : places_(GetPlaces()), rng_(seed, RngStream::kAttributes) {}

  void Make(int32_t id, int64_t start, const Timing& timing, Accident* a) {
    a->id = id;
    a->severity = timing.severity;
    a->start = start;
    a->end = timing.end_null ? kNullTime : start + timing.duration;
    a->garbled_start = timing.garble_start;
    a->garbled_end = timing.garble_end;

    const State& state = places_.states[places_.state_picker.Pick(rng_)];
    const City& city = state.cities[state.city_picker.Pick(rng_)];
    a->city = &city;
    const CitySpec& spec = *city.spec;
    auto jitter = [&] {
      return std::clamp(rng_.Normal(0, spec.spread / 2), -spec.spread, spec.spread);
    };
    a->start_lat = Round(spec.lat + jitter(), 1e6);
    a->start_lng = Round(spec.lng + jitter(), 1e6);

    const int64_t day = start / kNanosPerDay;
    const double clock_hour = static_cast<double>(start % kNanosPerDay) / kNanosPerHour;
    const int day_of_year = DayOfYear(day);
    const bool recent = day >= DaysFromCivil(2020, 1, 1);

    // Distance and end point: older rows (MapQuest-sourced in Kaggle) mostly
    // have no end point.
    a->distance =
        Round(std::min(rng_.LogNormal(0.2, 1.5) * (a->severity == 4 ? 3 : 1), 200.0), 1e3);
    if (rng_.Chance(recent ? 0.12 : 0.85)) {
      a->end_lat = a->end_lng = kNullDouble;
    } else {
      const double bearing = rng_.Uniform(0, 2 * std::numbers::pi);
      const double miles = a->distance;
      a->end_lat = Round(a->start_lat + miles / 69.0 * std::cos(bearing), 1e6);
      a->end_lng =
          Round(a->start_lng + miles / (69.0 * std::cos(a->start_lat * std::numbers::pi / 180)) *
                                   std::sin(bearing),
                1e6);
    }

    MakeRoadAndDescription(state, city, a);
    // Some reports add advice; Kaggle's descriptions average about 65 characters.
    if (a->description.size() < 72 && rng_.Chance(0.45)) {
      constexpr std::array<std::string_view, 6> kAdvice = {
          " Expect delays.",       " Traffic moving slowly.",
          " Drive with caution.",  " Emergency vehicles on scene.",
          " Use alternate route.", " Expect long delays."};
      a->description.append(rng_.Pick(kAdvice));
    }

    a->side = rng_.Chance(0.83) ? "R" : "L";
    a->zipcode.clear();
    if (!rng_.Chance(0.0003)) {
      a->zipcode.append(spec.zip3);
      AppendDigits(a->zipcode, 2);
      if (rng_.Chance(0.35)) {
        a->zipcode.push_back('-');
        AppendDigits(a->zipcode, 4);
      }
    }
    a->airport = rng_.Chance(0.002) ? kNullText : std::string_view(spec.airport);

    MakeWeather(city, start, day_of_year, clock_hour, a);

    const auto& shares = a->on_highway ? kHighwayFlagShare : kLocalFlagShare;
    for (size_t i = 0; i < shares.size(); ++i) a->flags[i] = rng_.Chance(shares[i]);

    MakeDaylight(city, day_of_year, clock_hour, a);
  }

 private:
  void AppendDigits(std::string& out, int count) {
    for (int i = 0; i < count; ++i) out.push_back(static_cast<char>('0' + rng_.Below(10)));
  }

  const Highway& Pick(const std::vector<Highway>& highways) {
    return highways[static_cast<size_t>(rng_.Below(static_cast<int64_t>(highways.size())))];
  }

  // A local street name such as "Foothill Blvd", "N 12th St" or "Oak Ave".
  void AppendLocalStreet(std::string& out) {
    constexpr std::array<std::string_view, 4> kDirections = {"N ", "S ", "E ", "W "};
    if (rng_.Chance(0.08)) out.append(rng_.Pick(kDirections));
    if (rng_.Chance(0.1)) {
      const int64_t n = rng_.Between(1, 150);
      out.append(std::to_string(n));
      const int64_t last = n % 10, tens = n % 100 / 10;
      out.append(tens == 1 ? "th" : last == 1 ? "st" : last == 2 ? "nd" : last == 3 ? "rd" : "th");
    } else {
      out.append(rng_.Pick(kStreetNames));
    }
    out.push_back(' ');
    out.append(kStreetTypes[places_.street_type_picker.Pick(rng_)].name);
  }

  static void AppendUpper(std::string& out, std::string_view text) {
    for (char c : text)
      out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }

  void MakeRoadAndDescription(const State& state, const City& city, Accident* a) {
    std::string& d = a->description;
    std::string& street = a->street;
    d.clear();
    street.clear();
    cross_.clear();
    cross2_.clear();
    AppendLocalStreet(cross_);
    AppendLocalStreet(cross2_);
    const double u = rng_.Uniform();
    const int64_t exit = rng_.Between(1, 420);
    const int64_t exit2 = exit + rng_.Between(1, 6);
    constexpr std::array<std::string_view, 6> kLanes = {"Right lane",  "Left lane",
                                                        "Two lanes",   "Right hand shoulder",
                                                        "Center lane", "Three lanes"};
    const std::string_view lanes = rng_.Pick(kLanes);

    a->on_highway = rng_.Chance(0.38);
    if (a->on_highway) {
      // A highway: Street "I-5 N", descriptions name the direction of travel.
      const Highway& highway = Pick(state.highways);
      const std::string_view road = highway.name;
      const bool first_way = rng_.Chance(0.5);
      const char dir = highway.east_west ? (first_way ? 'E' : 'W') : (first_way ? 'N' : 'S');
      const std::string_view bound = dir == 'E'   ? "Eastbound"
                                     : dir == 'W' ? "Westbound"
                                     : dir == 'N' ? "Northbound"
                                                  : "Southbound";
      street.append(road).push_back(' ');
      street.push_back(dir);
      a->number = kNullFloat;
      if (a->severity == 4 && u < 0.6) {
        if (u < 0.3) {
          fmt::format_to(std::back_inserter(d),
                         "Closed between {} and {} - Road closed due to accident.", cross_,
                         cross2_);
        } else {
          fmt::format_to(std::back_inserter(d),
                         "{} {} closed at Exit {} due to serious accident. Expect long delays.",
                         road, bound, exit);
        }
      } else if (u < 0.22) {
        fmt::format_to(std::back_inserter(d), "Accident on {} {} at Exit {}.", road, bound, exit);
      } else if (u < 0.38) {
        fmt::format_to(std::back_inserter(d), "{} blocked due to accident on {} {} at Exit {}.",
                       lanes, road, bound, exit);
      } else if (u < 0.52) {
        fmt::format_to(std::back_inserter(d), "Accident on {} {} near {}.", road, bound, cross_);
      } else if (u < 0.64) {
        fmt::format_to(
            std::back_inserter(d),
            "Slow traffic on {0} {1} from Exit {2} ({0} {1}) to Exit {3} ({0} {1}) due to "
            "accident.",
            road, dir, exit2, exit);
      } else if (u < 0.74) {
        d.append("Incident on ");
        AppendUpper(d, street);
        fmt::format_to(std::back_inserter(d), " near EXIT {} Drive with caution.", exit);
      } else if (u < 0.82) {
        fmt::format_to(std::back_inserter(d), "At {}/Exit {} - Accident.", cross_, exit);
      } else if (u < 0.90) {
        fmt::format_to(std::back_inserter(d),
                       "Lane blocked due to accident on {} {} before Exit {} {}.", road, bound,
                       exit, cross_);
      } else if (u < 0.95) {
        fmt::format_to(std::back_inserter(d),
                       "Stationary traffic on {} {} from {} to {} due to accident.", road, dir,
                       cross_, cross2_);
      } else {
        fmt::format_to(
            std::back_inserter(d),
            "Multi-vehicle accident on {} {} between Exit {} {} and Exit {} {}. {} blocked. "
            "Expect long delays.",
            road, bound, exit, cross_, exit2, cross2_, lanes);
      }
      return;
    }

    // A local road: Street "Foothill Blvd", often with a house number.
    AppendLocalStreet(street);
    a->number =
        rng_.Chance(0.435)
            ? kNullFloat
            : static_cast<float>(std::clamp(std::round(rng_.LogNormal(1500, 1.2)), 1.0, 29999.0));
    if (a->severity == 4 && u < 0.6) {
      if (u < 0.3) {
        fmt::format_to(std::back_inserter(d), "Road closed due to accident on {} both ways at {}.",
                       street, cross_);
      } else {
        fmt::format_to(std::back_inserter(d), "Closed at {} - Road closed due to accident.",
                       cross_);
      }
    } else if (u < 0.30) {
      fmt::format_to(std::back_inserter(d), "Accident on {} at {}.", street, cross_);
    } else if (u < 0.45) {
      d.append("Incident on ");
      AppendUpper(d, street);
      d.append(" near ");
      AppendUpper(d, cross_);
      d.append(" Expect delays.");
    } else if (u < 0.57) {
      fmt::format_to(std::back_inserter(d), "At {} - Accident.", cross_);
    } else if (u < 0.69) {
      fmt::format_to(std::back_inserter(d), "Accident on {} from {} to {}.", street, cross_,
                     cross2_);
    } else if (u < 0.79) {
      fmt::format_to(std::back_inserter(d), "Between {} and {} - Accident. Traffic moving slowly.",
                     cross_, cross2_);
    } else if (u < 0.87) {
      fmt::format_to(std::back_inserter(d), "Accident on {} at {}. Expect delays.", street, cross_);
    } else if (u < 0.94) {
      fmt::format_to(std::back_inserter(d), "Queueing traffic on {} from {} to {} due to accident.",
                     street, cross_, cross2_);
    } else {
      fmt::format_to(std::back_inserter(d),
                     "Accident in {} on {} at {}. Emergency crews on scene, drive with caution.",
                     city.spec->city, street, cross_);
    }
  }

  void MakeWeather(const City& city, int64_t start, int day_of_year, double clock_hour,
                   Accident* a) {
    const CitySpec& spec = *city.spec;
    // The last report of the nearest station before the accident.
    const int64_t offset = city.observation_minute * kNanosPerMinute;
    a->weather_time = start - ((start - offset) % kNanosPerHour + kNanosPerHour) % kNanosPerHour;
    const bool no_station = rng_.Chance(0.015);

    // Temperature: warmer south and low, a yearly cycle peaking in late July
    // that grows with latitude, warmest mid-afternoon.
    const double season = std::cos(2 * std::numbers::pi * (day_of_year - 200) / 365.25);
    const double solar_hour = SolarHour(city, day_of_year, clock_hour);
    const double mean = 108 - 1.35 * spec.lat - 3.5 * spec.elevation_ft / 1000.0;
    const double amplitude = std::max(6.0, 1.05 * (spec.lat - 17));
    const double temperature = mean + amplitude * season +
                               8 * std::cos(2 * std::numbers::pi * (solar_hour - 15) / 24) +
                               rng_.Normal(0, 6);

    const WeatherSpec* weather = &kWeather[places_.weather_picker.Pick(rng_)];
    // No snow when warm, no rain in hard frost.
    if (weather->sky == Sky::kSnow && temperature >= 36) weather = places_.light_rain;
    if (weather->sky == Sky::kRain && temperature < 30) weather = places_.light_snow;
    const Sky sky = weather->sky;
    const bool wet = sky == Sky::kRain || sky == Sky::kSnow || sky == Sky::kStorm;

    double humidity =
        62 + 12 * std::cos(2 * std::numbers::pi * (solar_hour - 4) / 24) + rng_.Normal(0, 14);
    if (wet) humidity = rng_.Normal(88, 6);
    if (sky == Sky::kFog) humidity = rng_.Normal(96, 3);

    const double pressure = 29.92 * std::exp(-spec.elevation_ft / 27000.0) + rng_.Normal(0, 0.18);

    double visibility = 10;
    switch (sky) {
      case Sky::kClear:
      case Sky::kCloudy:
        if (rng_.Chance(0.08)) visibility = static_cast<double>(rng_.Between(5, 9));
        break;
      case Sky::kRain:
      case Sky::kStorm:
        visibility = rng_.Chance(0.4) ? 10 : static_cast<double>(rng_.Between(2, 9));
        break;
      case Sky::kSnow:
        visibility = Round(rng_.Uniform(0.25, 5), 4);
        break;
      case Sky::kFog:
        visibility = std::max(0.1, Round(rng_.Uniform(0.1, 2), 4));
        break;
      case Sky::kHaze:
        visibility = static_cast<double>(rng_.Between(2, 6));
        break;
    }

    // Wind: stations report whole knots; Kaggle shows them in mph.
    const double d = rng_.Uniform();
    std::string_view direction;
    double knots = 0;
    if (d < 0.13) {
      direction = "CALM";
    } else {
      direction = d < 0.18 ? std::string_view("VAR") : rng_.Pick(kCompass);
      knots = std::clamp(std::round(rng_.LogNormal(6, 0.5) * (sky == Sky::kStorm ? 1.6 : 1)), 3.0,
                         60.0);
    }
    const double wind_mph = Round(knots * 1.15078, 10);
    double wind_chill = temperature;
    if (temperature <= 50 && wind_mph >= 3) {
      const double v = std::pow(wind_mph, 0.16);
      wind_chill = 35.74 + 0.6215 * temperature - 35.75 * v + 0.4275 * temperature * v;
    }

    double precipitation = 0;
    if (wet) precipitation = std::max(0.01, Round(rng_.LogNormal(0.03, 1.0), 100));

    // Nulls: all weather is missing when the station is; otherwise each
    // field has its own (Kaggle-like) rate.
    auto maybe = [&](double value, double null_share, double scale) {
      return no_station || rng_.Chance(null_share) ? kNullFloat
                                                   : static_cast<float>(Round(value, scale));
    };
    a->weather_time = no_station ? kNullTime : a->weather_time;
    a->temperature = maybe(temperature, 0.005, 10);
    a->wind_chill = maybe(wind_chill, kWindChillNullShare, 10);
    a->humidity = maybe(std::clamp(humidity, 8.0, 100.0), 0.006, 1);
    a->pressure = maybe(pressure, 0.003, 100);
    a->visibility = maybe(visibility, 0.007, 100);
    a->wind_direction = no_station || rng_.Chance(0.005) ? kNullText : direction;
    a->wind_speed = maybe(wind_mph, 0.05, 10);
    a->precipitation = maybe(precipitation, 0.48, 100);
    a->weather_condition = no_station || rng_.Chance(0.006) ? kNullText : weather->name;
  }

  // Local solar time in hours: clock time corrected for daylight saving time
  // (approximately mid-March to early November) and the longitude's distance
  // from the zone's meridian.
  static double SolarHour(const City& city, int day_of_year, double clock_hour) {
    const bool dst = city.observes_dst && day_of_year >= 70 && day_of_year < 308;
    return clock_hour - (dst ? 1 : 0) + (city.spec->lng - city.zone_meridian) / 15;
  }

  // Day or Night by the sun's altitude at the city: above -0.833 degrees for
  // Sunrise_Sunset, -6, -12 and -18 for the civil, nautical and astronomical
  // twilights.
  void MakeDaylight(const City& city, int day_of_year, double clock_hour, Accident* a) {
    if (rng_.Chance(0.001)) {
      a->daylight.fill(kNullText);
      return;
    }
    constexpr double kRad = std::numbers::pi / 180;
    const double declination =
        23.44 * kRad * std::sin(2 * std::numbers::pi * (284 + day_of_year) / 365);
    const double latitude = city.spec->lat * kRad;
    const double hour_angle = 15 * kRad * (SolarHour(city, day_of_year, clock_hour) - 12);
    const double sin_altitude = std::sin(latitude) * std::sin(declination) +
                                std::cos(latitude) * std::cos(declination) * std::cos(hour_angle);
    constexpr double kThresholds[] = {-0.833, -6, -12, -18};
    for (size_t i = 0; i < 4; ++i) {
      a->daylight[i] = sin_altitude > std::sin(kThresholds[i] * kRad) ? "Day" : "Night";
    }
  }

  const Places& places_;
  Rng rng_;
  std::string cross_, cross2_;  // scratch for cross-street names
};

// ---------------------------------------------------------------------------
// Writers: rows go to Arrow record batches (Parquet) or to CSV text.

enum class Event { kNone, kStart, kEnd };  // kNone: a raw row

class RowWriter {
 public:
  virtual ~RowWriter() = default;
  // `stream_time` is used only for kStart/kEnd rows.
  virtual arrow::Status Append(const Accident& a, Event event, double stream_time) = 0;
  // Flushes what is buffered; called once at the end.
  virtual arrow::Status Finish() = 0;
};

// Column builders in schema order; a batch of exactly `capacity` rows at a time.
class BatchBuilder {
 public:
  BatchBuilder(std::shared_ptr<arrow::Schema> schema, bool stream, int64_t capacity)
      : schema_(std::move(schema)), stream_(stream), capacity_(capacity) {
    if (stream_) ordered_ = {&event_, &stream_time_};
    ordered_.insert(
        ordered_.end(),
        {&id_,           &severity_,       &start_,      &end_,           &start_lat_,
         &start_lng_,    &end_lat_,        &end_lng_,    &distance_,      &description_,
         &number_,       &street_,         &side_,       &city_,          &county_,
         &state_,        &zipcode_,        &country_,    &timezone_,      &airport_,
         &weather_time_, &temperature_,    &wind_chill_, &humidity_,      &pressure_,
         &visibility_,   &wind_direction_, &wind_speed_, &precipitation_, &weather_condition_});
    for (auto& flag : flags_) ordered_.push_back(&flag);
    for (auto& daylight : daylight_) ordered_.push_back(&daylight);
  }

  int64_t length() const { return length_; }
  bool full() const { return length_ >= capacity_; }

  arrow::Status Reserve() {
    for (arrow::ArrayBuilder* builder : ordered_) ARROW_RETURN_NOT_OK(builder->Reserve(capacity_));
    ARROW_RETURN_NOT_OK(description_.ReserveData(capacity_ * 80));
    return street_.ReserveData(capacity_ * 14);
  }

  // Fixed-width values use UnsafeAppend: Reserve() made room for `capacity` rows.
  arrow::Status Append(const Accident& a, Event event, double stream_time) {
    if (stream_) {
      ARROW_RETURN_NOT_OK(event_.Append(event == Event::kStart ? "Start" : "End"));
      stream_time_.UnsafeAppend(stream_time);
    }
    id_.UnsafeAppend(a.id);
    severity_.UnsafeAppend(a.severity);
    AppendTime(start_, a.garbled_start ? kNullTime : a.start);
    AppendTime(end_, a.garbled_end ? kNullTime : a.end);
    AppendDouble(start_lat_, a.start_lat);
    AppendDouble(start_lng_, a.start_lng);
    AppendDouble(end_lat_, a.end_lat);
    AppendDouble(end_lng_, a.end_lng);
    AppendDouble(distance_, a.distance);
    ARROW_RETURN_NOT_OK(description_.Append(a.description));
    AppendFloat(number_, a.number);
    ARROW_RETURN_NOT_OK(street_.Append(a.street));
    ARROW_RETURN_NOT_OK(AppendText(side_, a.side));
    ARROW_RETURN_NOT_OK(city_.Append(a.city->spec->city));
    ARROW_RETURN_NOT_OK(county_.Append(a.city->spec->county));
    ARROW_RETURN_NOT_OK(state_.Append(a.city->spec->state));
    if (a.zipcode.empty()) {
      zipcode_.UnsafeAppendNull();
    } else {
      ARROW_RETURN_NOT_OK(zipcode_.Append(a.zipcode));
    }
    ARROW_RETURN_NOT_OK(country_.Append("US"));
    ARROW_RETURN_NOT_OK(timezone_.Append(a.city->spec->timezone));
    ARROW_RETURN_NOT_OK(AppendText(airport_, a.airport));
    AppendTime(weather_time_, a.weather_time);
    AppendFloat(temperature_, a.temperature);
    AppendFloat(wind_chill_, a.wind_chill);
    AppendFloat(humidity_, a.humidity);
    AppendFloat(pressure_, a.pressure);
    AppendFloat(visibility_, a.visibility);
    ARROW_RETURN_NOT_OK(AppendText(wind_direction_, a.wind_direction));
    AppendFloat(wind_speed_, a.wind_speed);
    AppendFloat(precipitation_, a.precipitation);
    ARROW_RETURN_NOT_OK(AppendText(weather_condition_, a.weather_condition));
    for (size_t i = 0; i < flags_.size(); ++i) flags_[i].UnsafeAppend(a.flags[i]);
    for (size_t i = 0; i < daylight_.size(); ++i) {
      ARROW_RETURN_NOT_OK(AppendText(daylight_[i], a.daylight[i]));
    }
    ++length_;
    return arrow::Status::OK();
  }

  // The rows appended since the last Finish, checked against the schema;
  // the builders are then ready for the next batch.
  arrow::Result<std::shared_ptr<arrow::RecordBatch>> Finish() {
    std::vector<std::shared_ptr<arrow::Array>> columns(ordered_.size());
    for (size_t i = 0; i < ordered_.size(); ++i)
      ARROW_RETURN_NOT_OK(ordered_[i]->Finish(&columns[i]));
    auto batch = arrow::RecordBatch::Make(schema_, length_, std::move(columns));
    ARROW_RETURN_NOT_OK(batch->Validate());
    length_ = 0;
    ARROW_RETURN_NOT_OK(Reserve());
    return batch;
  }

 private:
  static void AppendTime(arrow::TimestampBuilder& b, int64_t nanos) {
    if (nanos == kNullTime) {
      b.UnsafeAppendNull();
    } else {
      b.UnsafeAppend(nanos);
    }
  }
  static void AppendDouble(arrow::DoubleBuilder& b, double value) {
    if (std::isnan(value)) {
      b.UnsafeAppendNull();
    } else {
      b.UnsafeAppend(value);
    }
  }
  static void AppendFloat(arrow::FloatBuilder& b, float value) {
    if (std::isnan(value)) {
      b.UnsafeAppendNull();
    } else {
      b.UnsafeAppend(value);
    }
  }
  static arrow::Status AppendText(arrow::StringBuilder& b, std::string_view text) {
    if (text.data() == nullptr) return b.AppendNull();
    return b.Append(text);
  }

  const std::shared_ptr<arrow::Schema> schema_;
  const bool stream_;
  const int64_t capacity_;
  int64_t length_ = 0;
  std::vector<arrow::ArrayBuilder*> ordered_;

  const std::shared_ptr<arrow::DataType> ts_ = arrow::timestamp(arrow::TimeUnit::NANO);
  arrow::StringBuilder event_;
  arrow::DoubleBuilder stream_time_;
  arrow::Int32Builder id_;
  arrow::Int8Builder severity_;
  arrow::TimestampBuilder start_{ts_, arrow::default_memory_pool()};
  arrow::TimestampBuilder end_{ts_, arrow::default_memory_pool()};
  arrow::DoubleBuilder start_lat_, start_lng_, end_lat_, end_lng_, distance_;
  arrow::StringBuilder description_;
  arrow::FloatBuilder number_;
  arrow::StringBuilder street_, side_, city_, county_, state_, zipcode_, country_, timezone_,
      airport_;
  arrow::TimestampBuilder weather_time_{ts_, arrow::default_memory_pool()};
  arrow::FloatBuilder temperature_, wind_chill_, humidity_, pressure_, visibility_;
  arrow::StringBuilder wind_direction_;
  arrow::FloatBuilder wind_speed_, precipitation_;
  arrow::StringBuilder weather_condition_;
  std::array<arrow::BooleanBuilder, 13> flags_;
  std::array<arrow::StringBuilder, 4> daylight_;
};

using BatchQueue = util::BoundedQueue<std::shared_ptr<arrow::RecordBatch>>;

// Hands full batches to the Parquet writing thread.
class BatchRowWriter : public RowWriter {
 public:
  BatchRowWriter(std::shared_ptr<arrow::Schema> schema, bool stream, int64_t rows_per_batch,
                 BatchQueue* queue)
      : builder_(std::move(schema), stream, rows_per_batch), queue_(queue) {}

  arrow::Status Init() { return builder_.Reserve(); }

  arrow::Status Append(const Accident& a, Event event, double stream_time) override {
    ARROW_RETURN_NOT_OK(builder_.Append(a, event, stream_time));
    return builder_.full() ? Flush() : arrow::Status::OK();
  }

  arrow::Status Finish() override { return builder_.length() > 0 ? Flush() : arrow::Status::OK(); }

 private:
  arrow::Status Flush() {
    ARROW_ASSIGN_OR_RAISE(auto batch, builder_.Finish());
    // Push fails only when the writer has stopped; its error is the one reported.
    if (!queue_->Push(std::move(batch))) return arrow::Status::Cancelled("writer stopped");
    return arrow::Status::OK();
  }

  BatchBuilder builder_;
  BatchQueue* queue_;
};

// Kaggle's CSV as pandas wrote it: "A-<n>" IDs, "YYYY-MM-DD HH:MM:SS" times,
// True/False, empty fields for nulls, floats with at least one decimal
// ("10.0"), RFC 4180 quoting where needed.
class CsvRowWriter : public RowWriter {
 public:
  explicit CsvRowWriter(std::shared_ptr<arrow::io::OutputStream> out) : out_(std::move(out)) {
    buffer_.reserve(kFlushBytes + 64 * 1024);
    const auto schema = RawAccidentsSchema();
    for (int i = 0; i < schema->num_fields(); ++i) {
      if (i > 0) buffer_.push_back(',');
      AppendText(schema->field(i)->name());
    }
    buffer_.push_back('\n');  // pandas' line terminator
  }

  arrow::Status Append(const Accident& a, Event, double) override {
    std::string& b = buffer_;
    b.append("A-");
    AppendInteger(a.id);
    b.push_back(',');
    AppendInteger(a.severity);
    b.push_back(',');
    AppendTime(a.start, a.garbled_start);
    b.push_back(',');
    AppendTime(a.end, a.garbled_end);
    b.push_back(',');
    AppendNumber(a.start_lat);
    b.push_back(',');
    AppendNumber(a.start_lng);
    b.push_back(',');
    AppendNumber(a.end_lat);
    b.push_back(',');
    AppendNumber(a.end_lng);
    b.push_back(',');
    AppendNumber(a.distance);
    b.push_back(',');
    AppendText(a.description);
    b.push_back(',');
    AppendNumber(a.number);
    b.push_back(',');
    AppendText(a.street);
    b.push_back(',');
    AppendText(a.side);
    b.push_back(',');
    AppendText(a.city->spec->city);
    b.push_back(',');
    AppendText(a.city->spec->county);
    b.push_back(',');
    AppendText(a.city->spec->state);
    b.push_back(',');
    AppendText(a.zipcode);
    b.append(",US,");
    AppendText(a.city->spec->timezone);
    b.push_back(',');
    AppendText(a.airport);
    b.push_back(',');
    AppendTime(a.weather_time, false);
    for (float value : {a.temperature, a.wind_chill, a.humidity, a.pressure, a.visibility}) {
      b.push_back(',');
      AppendNumber(value);
    }
    b.push_back(',');
    AppendText(a.wind_direction);
    b.push_back(',');
    AppendNumber(a.wind_speed);
    b.push_back(',');
    AppendNumber(a.precipitation);
    b.push_back(',');
    AppendText(a.weather_condition);
    for (bool flag : a.flags) b.append(flag ? ",True" : ",False");
    for (std::string_view daylight : a.daylight) {
      b.push_back(',');
      AppendText(daylight);
    }
    b.push_back('\n');
    return b.size() >= kFlushBytes ? Flush() : arrow::Status::OK();
  }

  arrow::Status Finish() override { return Flush(); }

 private:
  static constexpr size_t kFlushBytes = 4 << 20;

  arrow::Status Flush() {
    ARROW_RETURN_NOT_OK(out_->Write(buffer_.data(), static_cast<int64_t>(buffer_.size())));
    buffer_.clear();
    return arrow::Status::OK();
  }

  void AppendInteger(int64_t value) { fmt::format_to(std::back_inserter(buffer_), "{}", value); }

  // A null time is an empty field; a garbled one is text no parser accepts
  // (month 13, day 45, hour 99).
  void AppendTime(int64_t nanos, bool garbled) {
    if (nanos == kNullTime) return;
    if (garbled) {
      const CivilDate date = CivilFromDays(nanos / kNanosPerDay);
      fmt::format_to(std::back_inserter(buffer_), "{:04}-13-45 99:{:02}:00", date.year,
                     nanos / kNanosPerMinute % 60);
      return;
    }
    AppendCivilTime(buffer_, nanos);
  }

  // Shortest round-trip text, as Python prints floats: "10.0", "36.9".
  template <typename Float>
  void AppendNumber(Float value) {
    if (std::isnan(value)) return;
    const size_t begin = buffer_.size();
    fmt::format_to(std::back_inserter(buffer_), "{}", value);
    const bool has_point = std::any_of(buffer_.begin() + static_cast<ptrdiff_t>(begin),
                                       buffer_.end(), [](char c) { return c == '.' || c == 'e'; });
    if (!has_point) buffer_.append(".0");
  }

  void AppendText(std::string_view text) {
    const bool plain = std::none_of(text.begin(), text.end(), [](char c) {
      return c == ',' || c == '"' || c == '\n' || c == '\r';
    });
    if (plain) {
      buffer_.append(text);
      return;
    }
    buffer_.push_back('"');
    for (char c : text) {
      if (c == '"') buffer_.push_back('"');
      buffer_.push_back(c);
    }
    buffer_.push_back('"');
  }

  std::shared_ptr<arrow::io::OutputStream> out_;
  std::string buffer_;
};

// ---------------------------------------------------------------------------
// Generation.

struct TimeSpan {
  int64_t earliest = 0;
  int64_t latest = 0;
};

// The first and last event time of the stream: a dry run of the start times
// and timings alone (the attributes are not needed for it).
TimeSpan StreamSpan(const GenerateOptions& o) {
  StartTimes starts(o.seed, o.rows);
  Rng timing_rng(o.seed, RngStream::kTiming);
  TimeSpan span{std::numeric_limits<int64_t>::max(), std::numeric_limits<int64_t>::min()};
  for (int64_t i = 0; i < o.rows; ++i) {
    const int64_t start = starts.Next();
    const Timing timing = DrawTiming(timing_rng, /*dirty=*/false);
    span.earliest = std::min(span.earliest, start);
    span.latest = std::max({span.latest, start, start + timing.duration});
  }
  return span;
}

arrow::Status CheckStop() {
  if (!util::StopRequested()) return arrow::Status::OK();
  return util::Interrupted(fmt::format("interrupted by {}; no file written",
                                       util::StopSignal() == SIGTERM ? "SIGTERM" : "SIGINT"));
}

constexpr int64_t kStopCheckRows = 8192;

arrow::Status GenerateRaw(const GenerateOptions& o, RowWriter* writer) {
  StartTimes starts(o.seed, o.rows);
  Rng timing_rng(o.seed, RngStream::kTiming);
  AccidentFactory factory(o.seed);
  Accident accident;
  for (int64_t i = 0; i < o.rows; ++i) {
    if (i % kStopCheckRows == 0) ARROW_RETURN_NOT_OK(CheckStop());
    const int64_t start = starts.Next();
    factory.Make(static_cast<int32_t>(i + 1), start, DrawTiming(timing_rng, o.dirty), &accident);
    ARROW_RETURN_NOT_OK(writer->Append(accident, Event::kNone, 0));
  }
  return writer->Finish();
}

// Accidents come in Start_Time order; each one's End waits in a min-heap
// until no later Start can precede it. Memory is bounded by the accidents
// open at once, not by the dataset.
arrow::Status GenerateStream(const GenerateOptions& o, const TimeSpan& span, RowWriter* writer) {
  const double runtime_seconds = std::chrono::duration<double>(o.runtime).count();
  const double width = static_cast<double>(span.latest - span.earliest);
  auto stream_time = [&](int64_t t) {
    return width > 0 ? static_cast<double>(t - span.earliest) / width * runtime_seconds : 0.0;
  };

  struct PendingEnd {
    int64_t end;
    int32_t id;
    uint32_t slot;
    // Earliest end first; equal ends by ID, as a stable sort would order them.
    bool operator>(const PendingEnd& other) const {
      return end != other.end ? end > other.end : id > other.id;
    }
  };
  std::priority_queue<PendingEnd, std::vector<PendingEnd>, std::greater<>> pending;
  std::vector<Accident> slots;
  std::vector<uint32_t> free_slots;
  auto emit_end = [&] {
    const PendingEnd top = pending.top();
    pending.pop();
    free_slots.push_back(top.slot);
    return writer->Append(slots[top.slot], Event::kEnd, stream_time(top.end));
  };

  StartTimes starts(o.seed, o.rows);
  Rng timing_rng(o.seed, RngStream::kTiming);
  AccidentFactory factory(o.seed);
  for (int64_t i = 0; i < o.rows; ++i) {
    if (i % kStopCheckRows == 0) ARROW_RETURN_NOT_OK(CheckStop());
    const int64_t start = starts.Next();
    const Timing timing = DrawTiming(timing_rng, /*dirty=*/false);
    // Ends strictly before this start go first; on equal times Starts lead.
    while (!pending.empty() && pending.top().end < start) ARROW_RETURN_NOT_OK(emit_end());
    uint32_t slot;
    if (free_slots.empty()) {
      slot = static_cast<uint32_t>(slots.size());
      slots.emplace_back();
    } else {
      slot = free_slots.back();
      free_slots.pop_back();
    }
    const auto id = static_cast<int32_t>(i + 1);
    factory.Make(id, start, timing, &slots[slot]);
    ARROW_RETURN_NOT_OK(writer->Append(slots[slot], Event::kStart, stream_time(start)));
    pending.push({slots[slot].end, id, slot});
  }
  while (!pending.empty()) ARROW_RETURN_NOT_OK(emit_end());
  return writer->Finish();
}

std::shared_ptr<parquet::WriterProperties> ParquetProperties(const GenerateOptions& o) {
  parquet::WriterProperties::Builder builder;
  // zstd packs this data tighter than snappy at about the same speed.
  if (arrow::util::Codec::IsAvailable(arrow::Compression::ZSTD)) {
    builder.compression(arrow::Compression::ZSTD);
  } else if (arrow::util::Codec::IsAvailable(arrow::Compression::SNAPPY)) {
    builder.compression(arrow::Compression::SNAPPY);
  }
  builder.max_row_group_length(o.row_group_rows);
  // Dictionary encoding (the default) pays off for repeated values; these
  // columns are (nearly) unique per row, where it only costs time.
  for (const char* unique : {"ID", "Start_Time", "End_Time", "Start_Lat", "Start_Lng", "End_Lat",
                             "End_Lng", "Description", "Zipcode", kStreamTimeColumn}) {
    builder.disable_dictionary(unique);
  }
  if (o.stream) builder.set_sorting_columns({parquet::SortingColumn{1, false, false}});
  return builder.build();
}

std::shared_ptr<const arrow::KeyValueMetadata> StreamMetadata(const GenerateOptions& o,
                                                              const TimeSpan& span) {
  return arrow::key_value_metadata(
      {kEarliestMetadataKey, kLatestMetadataKey, kRuntimeSecondsMetadataKey, kTimeColumnMetadataKey,
       kEventColumnMetadataKey},
      {source::FormatIsoTime(span.earliest), source::FormatIsoTime(span.latest),
       fmt::format("{}", std::chrono::duration<double>(o.runtime).count()), kStreamTimeColumn,
       o.event_column});
}

// Generation runs on its own thread, handing batches over a small queue to
// this one, which encodes and compresses them: the two halves overlap.
arrow::Status WriteParquet(const GenerateOptions& o,
                           const std::shared_ptr<arrow::io::OutputStream>& file) {
  const auto schema = o.stream ? StreamSchema(o.event_column) : RawAccidentsSchema();
  ARROW_ASSIGN_OR_RAISE(
      auto writer, parquet::arrow::FileWriter::Open(*schema, arrow::default_memory_pool(), file,
                                                    ParquetProperties(o)));
  TimeSpan span;
  if (o.stream) {
    span = StreamSpan(o);
    ARROW_RETURN_NOT_OK(writer->AddKeyValueMetadata(StreamMetadata(o, span)));
  }

  BatchQueue queue(2);
  std::thread producer([&] {
    BatchRowWriter rows(schema, o.stream, o.row_group_rows, &queue);
    arrow::Status status = rows.Init();
    if (status.ok()) status = o.stream ? GenerateStream(o, span, &rows) : GenerateRaw(o, &rows);
    queue.Close(std::move(status));
  });
  // No early return before join(): a failed write closes the queue, which
  // stops the producer.
  auto write = [&](const std::shared_ptr<arrow::RecordBatch>& batch) -> arrow::Status {
    ARROW_ASSIGN_OR_RAISE(auto table, arrow::Table::FromRecordBatches(schema, {batch}));
    return writer->WriteTable(*table, o.row_group_rows);  // one row group per batch
  };
  arrow::Status write_status;
  while (auto batch = queue.Pop()) {
    write_status = write(*batch);
    if (!write_status.ok()) {
      queue.Close(write_status);
      break;
    }
  }
  producer.join();
  ARROW_RETURN_NOT_OK(write_status);
  ARROW_RETURN_NOT_OK(queue.final_status());
  return writer->Close();
}

arrow::Status WriteCsv(const GenerateOptions& o,
                       const std::shared_ptr<arrow::io::OutputStream>& file) {
  CsvRowWriter rows(file);
  return GenerateRaw(o, &rows);
}

}  // namespace

arrow::Status ValidateGenerateOptions(const GenerateOptions& o) {
  if (o.output.empty()) return util::UsageError("-o/--output must name a file");
  if (o.rows < 1 || o.rows > std::numeric_limits<int32_t>::max()) {
    return util::UsageError("--rows must be between 1 and {} (IDs are int32), got {}",
                            std::numeric_limits<int32_t>::max(), o.rows);
  }
  if (o.row_group_rows < 1) {
    return util::UsageError("--row-group-rows must be at least 1, got {}", o.row_group_rows);
  }
  if (o.stream) {
    if (o.format == GenerateFormat::kCsv) {
      return util::UsageError("--stream writes Parquet (what replay reads); drop --format csv");
    }
    if (o.dirty) {
      return util::UsageError(
          "--dirty applies to raw output only (a stream cannot hold rows whose End precedes their "
          "Start); drop --stream or --dirty");
    }
    if (o.runtime <= util::Nanos(0)) return util::UsageError("--runtime must be positive");
    if (o.event_column.empty()) return util::UsageError("--event-column must not be empty");
    if (o.event_column == kStreamTimeColumn ||
        RawAccidentsSchema()->GetFieldIndex(o.event_column) >= 0) {
      return util::UsageError("--event-column '{}' is already a column of the stream",
                              o.event_column);
    }
  }
  return arrow::Status::OK();
}

arrow::Result<GenerateResult> GenerateDataset(const GenerateOptions& o) {
  ARROW_RETURN_NOT_OK(ValidateGenerateOptions(o));
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path output(o.output);
  if (fs::is_directory(output, ec)) {
    return util::UsageError("cannot write '{}': it is a directory", o.output);
  }
  const fs::path parent = output.has_parent_path() ? output.parent_path() : fs::path(".");
  if (!fs::is_directory(parent, ec)) {
    return util::UsageError("cannot write '{}': directory '{}' does not exist", o.output,
                            parent.string());
  }

  // Written beside the target and renamed over it when complete.
  const std::string temporary = fmt::format("{}.tmp-{}", o.output, getpid());
  auto opened = arrow::io::FileOutputStream::Open(temporary);
  if (!opened.ok()) {
    return util::UsageError("cannot write '{}': {}", o.output, opened.status().message());
  }
  const std::shared_ptr<arrow::io::OutputStream> file = *opened;
  ARROW_RETURN_NOT_OK(util::CommitTemporaryFile(
      *file, temporary, o.output,
      o.format == GenerateFormat::kCsv ? WriteCsv(o, file) : WriteParquet(o, file)));

  GenerateResult result;
  result.accidents = o.rows;
  result.rows = o.stream ? 2 * o.rows : o.rows;
  result.bytes = static_cast<int64_t>(fs::file_size(output, ec));
  return result;
}

}  // namespace timecast::dataset
