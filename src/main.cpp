#include "cli/commands.h"

int main(int argc, char** argv) { return timecast::cli::Main(argc, argv); }
