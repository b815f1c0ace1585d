#include "split/router.h"

#include <gtest/gtest.h>

#include "util/status.h"

namespace timecast::split {
namespace {

Router MakeRouter() {
  auto router = Router::Make({{"Event", "Start", "starts"}, {"Event", "End", "ends"}});
  EXPECT_TRUE(router.ok()) << router.status().ToString();
  return std::move(*router);
}

std::vector<Decision> Decide(Router& router, std::string_view message) {
  std::vector<Decision> out;
  router.Decide(message, &out);
  return out;
}

TEST(ParseRoute, ReadsFieldValueAndTopic) {
  auto route = ParseRoute("Event=Start:accidents-start");
  ASSERT_TRUE(route.ok());
  EXPECT_EQ(route->field, "Event");
  EXPECT_EQ(route->value, "Start");
  EXPECT_EQ(route->topic, "accidents-start");
  EXPECT_EQ(ParseRoute("Severity=4:severe")->value, "4");
  for (const char* bad : {"Event", "Event=Start", "=Start:t", "Event=Start:", "Event:t"}) {
    auto parsed = ParseRoute(bad);
    EXPECT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(util::ExitCodeOf(parsed.status()), util::ExitCode::kUsage);
  }
}

TEST(Router, RejectsMixedFieldsAndDuplicateValues) {
  EXPECT_FALSE(Router::Make({}).ok());
  EXPECT_FALSE(Router::Make({{"Event", "Start", "a"}, {"Kind", "End", "b"}}).ok());
  EXPECT_FALSE(Router::Make({{"Event", "Start", "a"}, {"Event", "Start", "b"}}).ok());
}

TEST(Router, RoutesAnObjectByteForByte) {
  Router router = MakeRouter();
  const std::string message = R"({"ID": 7,  "Event":"End", "Description":"a \"b\" \u00e9"})";
  const auto decisions = Decide(router, message);
  ASSERT_EQ(decisions.size(), 1u);
  EXPECT_EQ(decisions[0].route, 1);
  EXPECT_EQ(decisions[0].value, message);
  EXPECT_EQ(decisions[0].value.data(), message.data()) << "a view of the message, not a copy";
}

TEST(Router, MatchesEscapedStringValues) {
  auto router = Router::Make({{"Event", "Start", "starts"}});
  const auto decisions = Decide(*router, R"({"Event":"St\u0061rt"})");
  EXPECT_EQ(decisions[0].route, 0);
}

TEST(Router, MatchesNumbersAndBooleansAsWritten) {
  auto router = Router::Make({{"Severity", "4", "severe"}, {"Severity", "true", "odd"}});
  EXPECT_EQ(Decide(*router, R"({"Severity":4,"x":1})")[0].route, 0);
  EXPECT_EQ(Decide(*router, R"({"Severity": 4 })")[0].route, 0);
  EXPECT_EQ(Decide(*router, R"({"Severity":true})")[0].route, 1);
  EXPECT_EQ(Decide(*router, R"({"Severity":2})")[0].route, -1);
}

TEST(Router, DeadLettersWithTheReason) {
  Router router = MakeRouter();
  struct Case {
    const char* message;
    const char* reason;
  };
  for (const Case& c : {Case{R"({"ID":1})", "no field 'Event'"},
                        Case{R"({"Event":"Middle"})", "no route for Event=Middle"},
                        Case{R"({"Event":null})", "no route for Event=null"},
                        Case{R"({"Event":{"a":1}})", "field 'Event' is not a scalar"},
                        Case{"not json", "invalid JSON"}, Case{"", "invalid JSON"},
                        Case{R"("Start")", "not a JSON object"},
                        Case{R"({"Event":"Sta)", "invalid"}}) {
    const auto decisions = Decide(router, c.message);
    ASSERT_EQ(decisions.size(), 1u) << c.message;
    EXPECT_EQ(decisions[0].route, -1) << c.message;
    EXPECT_NE(decisions[0].reason.find(c.reason), std::string::npos)
        << c.message << " gave: " << decisions[0].reason;
    EXPECT_EQ(decisions[0].value, c.message);
  }
}

TEST(Router, RoutesEachElementOfATickArray) {
  Router router = MakeRouter();
  const std::string message =
      R"([{"ID":1,"Event":"Start"}, {"ID":1,"Event":"End"} ,{"ID":2,"Event":"Start","n":[1,2]}, 5, {"ID":3}])";
  const auto decisions = Decide(router, message);
  ASSERT_EQ(decisions.size(), 5u);
  EXPECT_EQ(decisions[0].route, 0);
  EXPECT_EQ(decisions[0].value, R"({"ID":1,"Event":"Start"})");
  EXPECT_EQ(decisions[1].route, 1);
  EXPECT_EQ(decisions[1].value, R"({"ID":1,"Event":"End"})");
  EXPECT_EQ(decisions[2].route, 0);
  EXPECT_EQ(decisions[2].value, R"({"ID":2,"Event":"Start","n":[1,2]})");
  EXPECT_EQ(decisions[3].route, -1);
  EXPECT_EQ(decisions[3].value, "5");
  EXPECT_EQ(decisions[3].reason, "array element is not a JSON object");
  EXPECT_EQ(decisions[4].route, -1);
  EXPECT_EQ(decisions[4].reason, "no field 'Event'");
}

TEST(Router, EmptyAndBrokenArrays) {
  Router router = MakeRouter();
  EXPECT_TRUE(Decide(router, "[]").empty());
  const auto broken = Decide(router, R"([{"Event":"Start"}, {"Event":)");
  ASSERT_EQ(broken.size(), 1u);
  EXPECT_EQ(broken[0].route, -1);
  EXPECT_NE(broken[0].reason.find("invalid JSON array"), std::string::npos);
}

}  // namespace
}  // namespace timecast::split
