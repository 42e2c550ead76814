// Data parallelism over MPI (Open MPI). A process started by mpirun joins the world of its ranks;
// one started alone is a world of one and calls no MPI function, so the single-process trainer
// needs neither mpirun nor an MPI runtime at work. docs/DISTRIBUTED.md shows how to launch it.
//
// A rank that fails must call abort(): one that returns from main while the others wait in a
// collective hangs the job in MPI_Finalize. A failed MPI call aborts the job (MPI's default
// MPI_ERRORS_ARE_FATAL), so the calls below return only on success.
#pragma once

#include <cstdint>
#include <string>

namespace longalign::train {

class Communicator {
 public:
  // The process's world, initialised on first use (MPI_Init_thread when launched by mpirun, i.e.
  // OMPI_COMM_WORLD_SIZE, PMI_SIZE or PMIX_RANK is set) and finalised at exit. Only the main
  // thread may call it and the members below (MPI_THREAD_FUNNELED).
  static Communicator& world();
  Communicator(const Communicator&) = delete;
  Communicator& operator=(const Communicator&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool is_root() const { return rank_ == 0; }

  // Sums data over all ranks in place, every rank getting the total, in buckets of
  // `bucket_floats` (1..INT_MAX) so each message stays small. Open MPI picks the reduction
  // algorithm from the rank count and message size, never from timing, so a run repeats bit for
  // bit; with 2 ranks each element is a + b on every rank.
  void allreduce_sum(float* data, int64_t n, int64_t bucket_floats = int64_t{1} << 22);
  double allreduce_sum(double value);
  // The largest value over ranks (for example the slowest rank's seconds).
  double allreduce_max(double value);
  void barrier();
  // Rank 0's `value` on every rank; the other ranks wait here until rank 0 sends it.
  int broadcast(int value);

  // Stops every rank: prints "error: rank R of N: message" and aborts the MPI job with exit code 1
  // (exit(1) alone in a world of one).
  [[noreturn]] void abort(const std::string& message);

 private:
  Communicator();
  ~Communicator();
  int rank_ = 0, size_ = 1;
  bool mpi_ = false;
};

}  // namespace longalign::train
