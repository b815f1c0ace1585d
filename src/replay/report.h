// What a replay tells people and machines: the live progress line on a TTY,
// the closing summary on stderr, and --stats-json.
#pragma once

#include <arrow/status.h>

#include <cstdio>
#include <optional>
#include <string>
#include <utility>

#include "replay/pipeline.h"
#include "source/time_column.h"

namespace timecast::replay {

// Redraws one line on stderr (only construct it when stderr is a terminal).
class TerminalProgress final : public ProgressListener {
 public:
  TerminalProgress(const source::TimeConverter& converter,
                   std::optional<std::pair<int64_t, int64_t>> span)
      : converter_(converter), span_(span) {}
  ~TerminalProgress() override { Clear(); }
  void OnProgress(const ReplayProgress& progress) override;
  void Clear();

 private:
  const source::TimeConverter& converter_;
  std::optional<std::pair<int64_t, int64_t>> span_;
  bool drawn_ = false;
};

// A few human lines: what was sent where, how fast, how late, what was delivered.
std::string FormatSummary(const ReplaySummary& summary, const source::TimeConverter& converter,
                          const std::string& destination);

// The summary as a JSON document (the --stats-json contract, docs/REPLAY.md).
std::string SummaryJson(const ReplaySummary& summary, const source::TimeConverter& converter,
                        const std::string& destination);

}  // namespace timecast::replay
