// What a replay prints at its end: the delivered-through mark with the exact
// time, the next row in --from-row's form, and the same in --stats-json.
#include "replay/report.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include "util/status.h"

namespace timecast::replay {
namespace {

source::TimeConverter Seconds() {
  return *source::TimeConverter::Make(*arrow::float64(), {});
}

// A replay stopped after delivering row 32324 of row group 1 of the first file.
ReplaySummary Stopped() {
  ReplaySummary summary;
  summary.status = util::Interrupted("interrupted");
  summary.stop_reason = "interrupted";
  summary.rows_sent = summary.messages_sent = 40'000;
  summary.delivery.delivered = 40'000;
  summary.delivered_through_time = 2294'109'123'456;
  summary.delivered_through_position = "data/a.parquet, row group 1, row 32324";
  summary.delivered_next = NextRow{0, {0, 1, 32325}};
  summary.continue_command = "timecast replay data -t x --from-row 0:1:32325";
  return summary;
}

TEST(FromRow, PrintsAndReadsBackEachForm) {
  EXPECT_EQ(FromRowText({0, 1, 32325}), "0:1:32325");
  EXPECT_EQ(FromRowText({0, -1, 17}), "17");
  EXPECT_EQ(*ParseFromRow("0:1:32325"), (source::RowPosition{0, 1, 32325}));
  EXPECT_EQ(*ParseFromRow("3:0:0"), (source::RowPosition{3, 0, 0}));
  EXPECT_EQ(*ParseFromRow("17"), (source::RowPosition{0, -1, 17}));
  for (const char* bad : {"", "1:2", "1:2:3:4", "a:1:2", "1::2", "-1:0:0", "0:1:-5", "0:1:2 ",
                          "1:", ":1", "99999999999:0:0"}) {
    const auto parsed = ParseFromRow(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(util::ExitCodeOf(parsed.status()), util::ExitCode::kUsage);
    EXPECT_NE(parsed.status().message().find("--from-row takes FILE:ROWGROUP:ROW"),
              std::string::npos);
  }
}

TEST(Report, AStopPrintsTheExactTimeAndHowToContinue) {
  const std::string text = FormatSummary(Stopped(), Seconds(), "topic x");
  EXPECT_NE(text.find("replay: everything up to 2294.109123456s (data/a.parquet, row group 1, "
                      "row 32324) is delivered\n"
                      "replay: to continue exactly after it:\n"
                      "  timecast replay data -t x --from-row 0:1:32325\n"),
            std::string::npos)
      << text;
  ReplaySummary undelivered = Stopped();
  undelivered.delivery.delivered -= 3;
  EXPECT_NE(FormatSummary(undelivered, Seconds(), "topic x")
                .find("replay: to continue (rows sent after it whose delivery was not reported "
                      "are sent again):\n"),
            std::string::npos);
}

TEST(Report, StatsJsonHasTheNextRow) {
  const std::string json = SummaryJson(Stopped(), Seconds(), "topic x");
  simdjson::dom::parser parser;
  simdjson::dom::element doc = parser.parse(json);
  simdjson::dom::element through = doc["delivered_through"];
  EXPECT_EQ(std::string_view(through["time"]), "2294.109123456s");
  EXPECT_EQ(int64_t(through["time_ns"]), 2294'109'123'456);
  EXPECT_EQ(int64_t(through["next"]["pass"]), 0);
  EXPECT_EQ(int64_t(through["next"]["file"]), 0);
  EXPECT_EQ(int64_t(through["next"]["row_group"]), 1);
  EXPECT_EQ(int64_t(through["next"]["row"]), 32325);
  EXPECT_EQ(std::string_view(through["next"]["from_row"]), "0:1:32325");
  EXPECT_TRUE(bool(through["next"]["exact"]));
  EXPECT_EQ(std::string_view(doc["continue"]["command"]),
            "timecast replay data -t x --from-row 0:1:32325");
  // Finished: nothing to continue; nothing delivered: no mark, but where to start.
  ReplaySummary finished = Stopped();
  finished.continue_command.clear();
  const std::string finished_json = SummaryJson(finished, Seconds(), "x");
  EXPECT_TRUE(parser.parse(finished_json)["continue"].is_null());
  ReplaySummary nothing = Stopped();
  nothing.delivered_through_time.reset();
  nothing.delivered_next = NextRow{};
  nothing.continue_command = "timecast replay data -t x";
  const std::string nothing_json = SummaryJson(nothing, Seconds(), "x");
  doc = parser.parse(nothing_json);
  EXPECT_TRUE(doc["delivered_through"].is_null());
  EXPECT_EQ(int64_t(doc["continue"]["next"]["file"]), -1);
  EXPECT_TRUE(doc["continue"]["next"]["from_row"].is_null());
}

}  // namespace
}  // namespace timecast::replay
