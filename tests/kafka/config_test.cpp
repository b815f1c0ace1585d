#include "kafka/config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "test_support.h"
#include "util/status.h"

namespace timecast::kafka {
namespace {

TEST(Config, LaterSetWins) {
  Config config;
  config.Set("acks", "1");
  ASSERT_TRUE(config.SetPair("acks=all").ok());
  EXPECT_EQ(config.Get("acks"), "all");
  EXPECT_FALSE(config.Get("linger.ms").has_value());
}

TEST(Config, PairWithoutEqualsIsUsageError) {
  Config config;
  const auto status = config.SetPair("acks");
  EXPECT_EQ(util::ExitCodeOf(status), util::ExitCode::kUsage);
  EXPECT_NE(status.message().find("key=value"), std::string::npos);
}

TEST(Config, UnknownPropertyNamesKeyAndLibrdkafkaReason) {
  Config config;
  config.Set("no.such.property", "1");
  const auto conf = config.Build();
  ASSERT_FALSE(conf.ok());
  EXPECT_EQ(util::ExitCodeOf(conf.status()), util::ExitCode::kUsage);
  EXPECT_NE(conf.status().message().find("no.such.property"), std::string::npos);
  EXPECT_NE(conf.status().message().find("No such configuration property"), std::string::npos)
      << conf.status().message();
}

TEST(Config, LoadsPropertiesFileSkippingComments) {
  const std::string path = testing::TempDir() + "/client.properties";
  std::ofstream(path) << "# comment\n! also comment\n\nlinger.ms = 7\nclient.id=abc\n";
  Config config;
  ASSERT_TRUE(config.LoadFile(path).ok());
  EXPECT_EQ(config.Get("linger.ms"), "7");
  EXPECT_EQ(config.Get("client.id"), "abc");
  EXPECT_TRUE(config.Build().ok());
}

TEST(Config, BadPropertiesFileNamesFileAndLine) {
  const std::string path = testing::TempDir() + "/bad.properties";
  std::ofstream(path) << "linger.ms=1\nthis line is wrong\n";
  Config config;
  const auto status = config.LoadFile(path);
  EXPECT_EQ(util::ExitCodeOf(status), util::ExitCode::kUsage);
  EXPECT_NE(status.message().find(path + ":2"), std::string::npos) << status.message();
  EXPECT_EQ(util::ExitCodeOf(config.LoadFile("/nonexistent/x.properties")),
            util::ExitCode::kUsage);
}

}  // namespace
}  // namespace timecast::kafka
