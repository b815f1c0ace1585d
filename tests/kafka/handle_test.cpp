#include "kafka/handle.h"

#include <gtest/gtest.h>

namespace timecast::kafka {
namespace {

TEST(PartitionList, ConvertsToLibrdkafkasListAndBackInOrder) {
  const std::vector<TopicPartitionOffset> partitions = {
      {"in", 3, 17}, {"in", 0, kNoOffset}, {"other", 1, 0}};
  const PartitionListPtr list = ToPartitionList(partitions);
  ASSERT_EQ(list->cnt, 3);
  EXPECT_STREQ(list->elems[0].topic, "in");
  EXPECT_EQ(list->elems[0].partition, 3);
  EXPECT_EQ(list->elems[0].offset, 17);
  EXPECT_EQ(list->elems[1].offset, RD_KAFKA_OFFSET_INVALID);
  EXPECT_EQ(FromPartitionList(list.get()), partitions);
}

TEST(PartitionList, EmptyAndMissingListsAreEmpty) {
  const PartitionListPtr list = ToPartitionList({});
  ASSERT_NE(list, nullptr) << "an empty list, not none: librdkafka reads none as 'everything'";
  EXPECT_EQ(list->cnt, 0);
  EXPECT_TRUE(FromPartitionList(list.get()).empty());
  EXPECT_TRUE(FromPartitionList(nullptr).empty());
}

TEST(LibraryVersion, IsLibrdkafkasVersionText) {
  EXPECT_EQ(LibraryVersion(), rd_kafka_version_str());
  EXPECT_FALSE(LibraryVersion().empty());
}

}  // namespace
}  // namespace timecast::kafka
