#include "cli/commands.h"

namespace timecast::cli {

CommandAction AddGenerateCommand(CLI::App& app);
CommandAction AddReplayCommand(CLI::App& app);

std::span<const Command> Commands() {
  static const Command kCommands[] = {
      {"generate", "Write a synthetic US-accidents dataset (Parquet or CSV)", AddGenerateCommand},
      {"replay", "Stream a dataset into Kafka paced by its time column", AddReplayCommand},
  };
  return kCommands;
}

}  // namespace timecast::cli
