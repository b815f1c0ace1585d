#include "cli/commands.h"
#include "util/status.h"

namespace timecast::cli {

CommandAction AddGenerateCommand(CLI::App&) {
  return [] { return arrow::Status::NotImplemented("generate"); };
}

}  // namespace timecast::cli
