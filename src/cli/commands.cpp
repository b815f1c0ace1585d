#include "cli/commands.h"

namespace timecast::cli {

CommandAction AddGenerateCommand(CLI::App& app);
CommandAction AddLoadCommand(CLI::App& app);
CommandAction AddReplayCommand(CLI::App& app);

std::span<const Command> Commands() {
  static const Command kCommands[] = {
      {"generate", "Write a synthetic US-accidents dataset (Parquet or CSV)", AddGenerateCommand},
      {"load", "Load a Parquet dataset into a SQLite table (the prototype's staging table)",
       AddLoadCommand},
      {"replay", "Stream a dataset into Kafka paced by its time column", AddReplayCommand},
  };
  return kCommands;
}

}  // namespace timecast::cli
