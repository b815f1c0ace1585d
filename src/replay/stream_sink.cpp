#include "replay/stream_sink.h"

#include <cerrno>
#include <cstring>

#include "util/status.h"

namespace timecast::replay {

arrow::Result<std::unique_ptr<StreamSink>> StreamSink::Open(const std::string& target) {
  std::unique_ptr<StreamSink> sink(new StreamSink());
  if (target == "stdout") {
    sink->file_ = stdout;
    sink->description_ = "stdout";
  } else if (target.rfind("file:", 0) == 0 && target.size() > 5) {
    const std::string path = target.substr(5);
    sink->file_ = std::fopen(path.c_str(), "wb");
    if (sink->file_ == nullptr) {
      return util::UsageError("cannot write '{}': {}", path, std::strerror(errno));
    }
    sink->owned_ = true;
    sink->description_ = "file " + path;
  } else {
    return util::UsageError("--sink must be kafka, stdout or file:PATH; got '{}'", target);
  }
  static char buffer[1 << 20];
  if (!sink->owned_) std::setvbuf(stdout, buffer, _IOFBF, sizeof buffer);
  return sink;
}

StreamSink::~StreamSink() {
  if (owned_) std::fclose(file_);
}

arrow::Status StreamSink::Send(const OutRecord& record, Flight* flight) {
  const bool written = std::fwrite(record.value.data(), 1, record.value.size(), file_) ==
                           record.value.size() &&
                       std::fputc('\n', file_) != EOF;
  if (!written) {
    ++flight->failed;
    Delivered(flight);
    if (counts_.failed++ == 0) counts_.first_error = std::strerror(errno);
    return util::UndeliveredError("writing to {}: {}", description_, counts_.first_error);
  }
  Delivered(flight);
  ++counts_.delivered;
  return arrow::Status::OK();
}

arrow::Status StreamSink::Flush(std::chrono::milliseconds) {
  if (std::fflush(file_) != 0) {
    return util::UndeliveredError("writing to {}: {}", description_, std::strerror(errno));
  }
  if (counts_.failed > 0) {
    return util::UndeliveredError("{} record(s) could not be written to {}: {}", counts_.failed,
                                  description_, counts_.first_error);
  }
  return arrow::Status::OK();
}

}  // namespace timecast::replay
