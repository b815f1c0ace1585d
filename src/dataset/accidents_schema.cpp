#include "dataset/accidents_schema.h"

#include <arrow/type.h>

namespace timecast::dataset {

std::shared_ptr<arrow::Schema> RawAccidentsSchema() {
  const auto ts = arrow::timestamp(arrow::TimeUnit::NANO);
  const auto str = arrow::utf8();
  const auto f32 = arrow::float32();
  const auto f64 = arrow::float64();
  const auto flag = arrow::boolean();
  return arrow::schema({
      arrow::field("ID", arrow::int32(), false),
      arrow::field("Severity", arrow::int8()),
      arrow::field("Start_Time", ts),
      arrow::field("End_Time", ts),
      arrow::field("Start_Lat", f64),
      arrow::field("Start_Lng", f64),
      arrow::field("End_Lat", f64),
      arrow::field("End_Lng", f64),
      arrow::field("Distance(mi)", f64),
      arrow::field("Description", str),
      arrow::field("Number", f32),
      arrow::field("Street", str),
      arrow::field("Side", str),
      arrow::field("City", str),
      arrow::field("County", str),
      arrow::field("State", str),
      arrow::field("Zipcode", str),
      arrow::field("Country", str),
      arrow::field("Timezone", str),
      arrow::field("Airport_Code", str),
      arrow::field("Weather_Timestamp", ts),
      arrow::field("Temperature(F)", f32),
      arrow::field("Wind_Chill(F)", f32),
      arrow::field("Humidity(%)", f32),
      arrow::field("Pressure(in)", f32),
      arrow::field("Visibility(mi)", f32),
      arrow::field("Wind_Direction", str),
      arrow::field("Wind_Speed(mph)", f32),
      arrow::field("Precipitation(in)", f32),
      arrow::field("Weather_Condition", str),
      arrow::field("Amenity", flag),
      arrow::field("Bump", flag),
      arrow::field("Crossing", flag),
      arrow::field("Give_Way", flag),
      arrow::field("Junction", flag),
      arrow::field("No_Exit", flag),
      arrow::field("Railway", flag),
      arrow::field("Roundabout", flag),
      arrow::field("Station", flag),
      arrow::field("Stop", flag),
      arrow::field("Traffic_Calming", flag),
      arrow::field("Traffic_Signal", flag),
      arrow::field("Turning_Loop", flag),
      arrow::field("Sunrise_Sunset", str),
      arrow::field("Civil_Twilight", str),
      arrow::field("Nautical_Twilight", str),
      arrow::field("Astronomical_Twilight", str),
  });
}

std::shared_ptr<arrow::Schema> StreamSchema(const std::string& event_column) {
  std::vector<std::shared_ptr<arrow::Field>> fields = {
      arrow::field(event_column, arrow::utf8(), false),
      arrow::field(kStreamTimeColumn, arrow::float64(), false),
  };
  const auto raw = RawAccidentsSchema();
  for (const auto& field : raw->fields()) fields.push_back(field);
  return arrow::schema(std::move(fields));
}

}  // namespace timecast::dataset
