// Outputs are written beside their target and renamed over it when complete,
// so a failed or interrupted run never leaves a half-written file behind.
#pragma once

#include <arrow/io/interfaces.h>
#include <arrow/status.h>

#include <string>

namespace timecast::util {

// Closes `file` (the temporary at `temporary`) and, if `written` and the
// close succeeded, renames it to `output`. Otherwise removes the temporary and
// returns the first error, with "writing '<output>'" in front unless it is a
// cancellation (a signal).
arrow::Status CommitTemporaryFile(arrow::io::OutputStream& file, const std::string& temporary,
                                  const std::string& output, arrow::Status written);

}  // namespace timecast::util
