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
  } else if ((target.starts_with("file:") && target.size() > 5) ||
             (target.starts_with("append:") && target.size() > 7)) {
    // append: goes on after what is there, as a continued replay does.
    const bool append = target.starts_with("append:");
    const std::string path = target.substr(append ? 7 : 5);
    sink->file_ = std::fopen(path.c_str(), append ? "ab" : "wb");
    if (sink->file_ == nullptr) {
      return util::UsageError("cannot write '{}': {}", path, std::strerror(errno));
    }
    sink->owned_ = true;
    sink->description_ = "file " + path;
  } else {
    return util::UsageError("--sink must be kafka, stdout, file:PATH or append:PATH; got '{}'",
                            target);
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
