// SIGINT/SIGTERM handling: the handler only sets a flag; long-running loops
// ask StopRequested() and flush or abort cleanly.
#pragma once

namespace timecast::util {

// Installs handlers for SIGINT and SIGTERM (idempotent). A second signal
// after the first restores the default action, so a stuck flush can still be
// killed with another Ctrl-C.
void InstallStopSignalHandlers();

// True once SIGINT or SIGTERM has arrived.
bool StopRequested();

// The signal that asked us to stop, or 0.
int StopSignal();

}  // namespace timecast::util
