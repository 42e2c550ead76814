// SIGINT, SIGTERM and SIGUSR1 ask a training run to stop: the handler only records the request,
// and the trainer saves a checkpoint at the end of the current step and exits cleanly. SIGUSR1 is
// for MPI jobs: mpirun forwards it to every rank, while its SIGTERM is followed by a SIGKILL
// within a second.
#pragma once

namespace longalign::train {

// Installs the handlers (once per process).
void install_stop_handlers();

// Whether a stop was requested, and by which signal (0 when none).
int stop_signal();

}  // namespace longalign::train
