#include "util/status.h"

#include <gtest/gtest.h>

namespace timecast::util {
namespace {

TEST(ExitCodeOf, CarriesTheCodeOfEachErrorClass) {
  EXPECT_EQ(ExitCodeOf(arrow::Status::OK()), ExitCode::kOk);
  EXPECT_EQ(ExitCodeOf(UsageError("bad flag {}", 1)), ExitCode::kUsage);
  EXPECT_EQ(ExitCodeOf(InputError("bad row")), ExitCode::kInput);
  EXPECT_EQ(ExitCodeOf(KafkaError("no broker")), ExitCode::kKafka);
  EXPECT_EQ(ExitCodeOf(UndeliveredError("3 lost")), ExitCode::kUndelivered);
  EXPECT_EQ(ExitCodeOf(MismatchError("2 missing")), ExitCode::kMismatch);
  EXPECT_EQ(ExitCodeOf(Interrupted("SIGTERM")), ExitCode::kInterrupted);
}

TEST(ExitCodeOf, MapsPlainArrowErrors) {
  EXPECT_EQ(ExitCodeOf(arrow::Status::IOError("no such file")), ExitCode::kInput);
  EXPECT_EQ(ExitCodeOf(arrow::Status::Invalid("not parquet")), ExitCode::kInput);
  EXPECT_EQ(ExitCodeOf(arrow::Status::OutOfMemory("oom")), ExitCode::kInternal);
  EXPECT_EQ(ExitCodeOf(arrow::Status::UnknownError("?")), ExitCode::kInternal);
}

TEST(WithContext, PrefixesMessageAndKeepsExitCode) {
  const auto status = WithContext(KafkaError("timed out"), "topic 'a'");
  EXPECT_EQ(status.message(), "topic 'a': timed out");
  EXPECT_EQ(ExitCodeOf(status), ExitCode::kKafka);
  EXPECT_TRUE(WithContext(arrow::Status::OK(), "x").ok());
}

}  // namespace
}  // namespace timecast::util
