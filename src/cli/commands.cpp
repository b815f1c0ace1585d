#include "cli/commands.h"

namespace timecast::cli {

CommandAction AddCheckpointCommand(CLI::App& app);
CommandAction AddGenerateCommand(CLI::App& app);
CommandAction AddLoadCommand(CLI::App& app);
CommandAction AddPrepareCommand(CLI::App& app);
CommandAction AddReplayCommand(CLI::App& app);
CommandAction AddSplitCommand(CLI::App& app);
CommandAction AddVerifyCommand(CLI::App& app);

std::span<const Command> Commands() {
  static const Command kCommands[] = {
      {"checkpoint", "Show an exactly-once replay job's last committed checkpoint",
       AddCheckpointCommand},
      {"generate", "Write a synthetic US-accidents dataset (Parquet or CSV)", AddGenerateCommand},
      {"load", "Load a Parquet dataset into a SQLite table (the prototype's staging table)",
       AddLoadCommand},
      {"prepare", "Turn raw accidents (CSV or Parquet) into the sorted stream form replay reads",
       AddPrepareCommand},
      {"replay", "Stream a dataset into Kafka paced by its time column", AddReplayCommand},
      {"split", "Route a topic's records into per-value topics, exactly once", AddSplitCommand},
      {"verify", "Check what landed in Kafka against the source dataset", AddVerifyCommand},
  };
  return kCommands;
}

}  // namespace timecast::cli
