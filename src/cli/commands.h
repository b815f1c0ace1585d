// The subcommand table (ninja's tool table): each subcommand lives in its own
// cli/<name>_cmd.cpp with its options struct and Run<Name>() function.
#pragma once

#include <CLI/CLI.hpp>
#include <arrow/status.h>

#include <functional>
#include <span>
#include <string_view>

namespace timecast::cli {

// Runs a parsed subcommand; only cli::Main turns its Status into an exit code.
using CommandAction = std::function<arrow::Status()>;

struct Command {
  std::string_view name;
  std::string_view summary;
  // Declares the subcommand's options on `app`; the returned action reads them.
  CommandAction (*add)(CLI::App& app);
};

std::span<const Command> Commands();

// The text of `timecast --version`: ours and the libraries' versions.
std::string VersionText();

// The whole program: parses argv, runs one subcommand, prints any error as
// `timecast: error: ...` and returns the documented exit code.
int Main(int argc, char** argv);

}  // namespace timecast::cli
