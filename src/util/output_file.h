// Outputs are written beside their target and renamed over it when complete,
// so a failed or interrupted run never leaves a half-written file behind.
#pragma once

#include <arrow/io/interfaces.h>
#include <arrow/status.h>

#include <string>
#include <string_view>

namespace timecast::util {

// Closes `file` (the temporary at `temporary`) and, if `written` and the
// close succeeded, renames it to `output`. Otherwise removes the temporary and
// returns the first error, with "writing '<output>'" in front unless it is a
// cancellation (a signal).
arrow::Status CommitTemporaryFile(arrow::io::OutputStream& file, const std::string& temporary,
                                  const std::string& output, arrow::Status written);

// Writes `text` to `path` (truncating it), failing with a usage error naming
// the path: for small outputs such as --stats-json summaries. Unlike the
// outputs above it writes in place, so a path like /dev/stdout works.
arrow::Status WriteTextFile(const std::string& path, const std::string& text);

// Fails with a usage error naming `option` and `path` when WriteTextFile
// could not write there (no such directory, no permission), without
// creating or changing anything: checked before a run, not after it.
arrow::Status CheckWritable(const std::string& path, std::string_view option);

}  // namespace timecast::util
