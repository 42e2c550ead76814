#include "train/distributed.h"

#include <mpi.h>

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>

#include "core/error.h"

namespace longalign::train {

namespace {

// mpirun (Open MPI), mpiexec.hydra (MPICH) and srun with PMIx each set one of these in the
// processes they start; a process started from a shell has none.
bool launched_by_mpi() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"}) {
    if (std::getenv(name)) return true;
  }
  return false;
}

}  // namespace

Communicator& Communicator::world() {
  static Communicator world;
  return world;
}

Communicator::Communicator() {
  if (!launched_by_mpi()) return;
  // FUNNELED: OpenMP threads compute, only the main thread talks to other ranks.
  int provided = 0;
  MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
  mpi_ = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  if (provided < MPI_THREAD_FUNNELED) {
    abort("the MPI library does not support MPI_THREAD_FUNNELED (it gave level " +
          std::to_string(provided) + ")");
  }
}

Communicator::~Communicator() {
  if (mpi_) MPI_Finalize();
}

void Communicator::allreduce_sum(float* data, int64_t n, int64_t bucket_floats) {
  if (bucket_floats <= 0 || bucket_floats > INT_MAX) {
    throw Error("allreduce_sum: bucket of " + std::to_string(bucket_floats) +
                " floats is outside 1.." + std::to_string(INT_MAX));
  }
  if (!mpi_) return;
  for (int64_t offset = 0; offset < n; offset += bucket_floats) {
    const int count = static_cast<int>(std::min(bucket_floats, n - offset));
    MPI_Allreduce(MPI_IN_PLACE, data + offset, count, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
  }
}

double Communicator::allreduce_sum(double value) {
  if (mpi_) MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
  return value;
}

double Communicator::allreduce_max(double value) {
  if (mpi_) MPI_Allreduce(MPI_IN_PLACE, &value, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return value;
}

void Communicator::barrier() {
  if (mpi_) MPI_Barrier(MPI_COMM_WORLD);
}

int Communicator::broadcast(int value) {
  if (mpi_) MPI_Bcast(&value, 1, MPI_INT, 0, MPI_COMM_WORLD);
  return value;
}

void Communicator::abort(const std::string& message) {
  std::fprintf(stderr, "error: rank %d of %d: %s\n", rank_, size_, message.c_str());
  std::fflush(stderr);
  // MPI_Abort makes mpirun kill every rank, including those blocked in a collective that the
  // failed rank will never join.
  if (mpi_) MPI_Abort(MPI_COMM_WORLD, 1);
  std::exit(1);
}

}  // namespace longalign::train
