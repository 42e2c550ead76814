// SIGINT and SIGTERM stop the server cleanly: the generations in flight are cancelled, the HTTP
// workers join, and the process exits 0. The signals are blocked in every thread and taken by one
// watcher with sigtimedwait, so no handler has to do work that is unsafe inside a signal.
#pragma once

#include "serve/server.h"

namespace longalign::serve {

// Blocks SIGINT and SIGTERM in the calling thread and in every thread it starts afterwards (the
// engine's OpenMP pool, the scheduler, the HTTP workers). Call it before they start.
void block_stop_signals();

// Runs `server` until SIGINT or SIGTERM arrives.
void run_until_stop_signal(Server& server);

}  // namespace longalign::serve
