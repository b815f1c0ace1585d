#include "kafka/handle.h"

#include "util/status.h"

namespace timecast::kafka {

arrow::Status ErrorStatus(rd_kafka_resp_err_t error, std::string_view context) {
  return util::KafkaError("{}: {}", context, rd_kafka_err2str(error));
}

}  // namespace timecast::kafka
