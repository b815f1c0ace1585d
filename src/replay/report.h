// What a replay tells people and machines: the live progress line on a TTY,
// the closing summary on stderr, and --stats-json.
#pragma once

#include <arrow/result.h>
#include <arrow/status.h>

#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
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

// A row position as --from-row takes it: "FILE:ROWGROUP:ROW" (the file's
// index in the input, counted from 0), or "ROW" for inputs without row
// groups (SQLite, raw intervals), where it counts rows from the start.
std::string FromRowText(const source::RowPosition& position);

// Reads FromRowText's form back; fails with a usage error naming --from-row.
arrow::Result<source::RowPosition> ParseFromRow(std::string_view text);

// True when continuing from summary.delivered_next neither loses nor repeats a
// row: every message sent was reported delivered.
bool ContinuesExactly(const ReplaySummary& summary);

// A few human lines: what was sent where, how fast, how late, what was delivered.
std::string FormatSummary(const ReplaySummary& summary, const source::TimeConverter& converter,
                          const std::string& destination);

// The summary as a JSON document (the --stats-json contract, docs/REPLAY.md).
std::string SummaryJson(const ReplaySummary& summary, const source::TimeConverter& converter,
                        const std::string& destination);

}  // namespace timecast::replay
