// JSON Lines to stdout or a file: each record's value on its own line.
#pragma once

#include <arrow/result.h>

#include <cstdio>
#include <memory>
#include <string>

#include "replay/sink.h"

namespace timecast::replay {

class StreamSink final : public RecordSink {
 public:
  // `target` is "stdout", "file:PATH" (PATH is created or truncated) or
  // "append:PATH" (PATH is created or appended to).
  static arrow::Result<std::unique_ptr<StreamSink>> Open(const std::string& target);
  ~StreamSink() override;

  arrow::Status Send(const OutRecord& record, Flight* flight) override;
  void Poll() override {}
  arrow::Status Flush(std::chrono::milliseconds timeout) override;
  SinkCounts counts() const override { return counts_; }
  std::string Describe() const override { return description_; }

 private:
  StreamSink() = default;
  std::FILE* file_ = nullptr;
  bool owned_ = false;
  std::string description_;
  SinkCounts counts_;
};

}  // namespace timecast::replay
