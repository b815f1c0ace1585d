#include <arrow/config.h>
#include <fmt/core.h>

#include <cstdio>
#include <vector>

#include "cli/commands.h"
#include "kafka/handle.h"
#include "util/status.h"
#include "version.h"

namespace timecast::cli {

std::string VersionText() {
  return fmt::format("timecast {} (Arrow {}, librdkafka {})", kTimecastVersion,
                     arrow::GetBuildInfo().version_string, kafka::LibraryVersion());
}

int Main(int argc, char** argv) {
  CLI::App app{"timecast: replay recorded event data into Apache Kafka on the data's own clock",
               "timecast"};
  app.set_version_flag("--version", &VersionText);
  app.require_subcommand(1);
  app.fallthrough(false);

  std::vector<std::pair<CLI::App*, CommandAction>> actions;
  for (const Command& command : Commands()) {
    CLI::App* sub = app.add_subcommand(std::string(command.name), std::string(command.summary));
    actions.emplace_back(sub, command.add(*sub));
  }

  if (argc > 1 && argv[1][0] != '-') {
    std::string known;
    bool found = false;
    for (const Command& command : Commands()) {
      found |= command.name == argv[1];
      known += (known.empty() ? "" : ", ") + std::string(command.name);
    }
    if (!found) {
      fmt::print(stderr, "timecast: error: unknown command '{}'; the commands are: {}\n", argv[1],
                 known);
      return static_cast<int>(util::ExitCode::kUsage);
    }
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    fmt::print(stderr, "timecast: error: {}\nRun 'timecast --help' for usage.\n", e.what());
    return static_cast<int>(util::ExitCode::kUsage);
  }

  for (auto& [sub, action] : actions) {
    if (!sub->parsed()) continue;
    const arrow::Status status = action();
    if (status.ok()) return 0;
    std::fflush(stdout);
    fmt::print(stderr, "timecast: error: {}\n", status.message());
    return static_cast<int>(util::ExitCodeOf(status));
  }
  return static_cast<int>(util::ExitCode::kUsage);
}

}  // namespace timecast::cli
