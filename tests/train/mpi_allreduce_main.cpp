// A program that distributed_test.cpp starts with mpirun, so that the Communicator runs in real
// MPI processes.
//   mpi_allreduce_main sums      every rank checks allreduce results against hand-computed totals
//                                and prints "rank R of N: ok", or its failures and exits 1
//   mpi_allreduce_main abort R   rank R aborts while the others wait in a barrier it never joins
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "train/distributed.h"

namespace {

using longalign::train::Communicator;

// Multiples of 1/4 below 2^12 plus the rank's thousands: every partial sum is exact in fp32, so
// the expected totals do not depend on the order in which MPI adds them.
float value(int rank, int64_t i) {
  return float(i % 1000) * 0.25f + float(rank) * 1000.0f + 1.0f;
}

// Every rank runs the same collectives in the same order whatever it finds, so a failed check
// never leaves another rank waiting.
int check_sums(Communicator& world) {
  const int ranks = world.size();
  std::vector<std::string> failures;
  auto expect = [&](bool ok, const std::string& what) {
    if (!ok) failures.push_back(what);
  };
  struct Case {
    int64_t n, bucket;
  };
  const Case cases[] = {{0, 4},   {1, 4},     {10, 4},        {10, 3},
                        {5, 100}, {1000, 64}, {100003, 4096}, {3000, int64_t{1} << 22}};
  for (const Case& c : cases) {
    // One guard element past the end catches a last, partial bucket that runs over.
    constexpr float kGuard = -7.0f;
    std::vector<float> data(c.n + 1, kGuard);
    for (int64_t i = 0; i < c.n; ++i) data[i] = value(world.rank(), i);
    world.allreduce_sum(data.data(), c.n, c.bucket);
    int64_t wrong = 0;
    for (int64_t i = 0; i < c.n; ++i) {
      double total = 0;
      for (int r = 0; r < ranks; ++r) total += value(r, i);
      wrong += data[i] != float(total);
    }
    const std::string name = "n=" + std::to_string(c.n) + " bucket=" + std::to_string(c.bucket);
    expect(wrong == 0, name + ": " + std::to_string(wrong) + " wrong sums");
    expect(data[c.n] == kGuard, name + ": wrote past the end");
  }
  expect(world.allreduce_sum(world.rank() + 0.5) == ranks * ranks / 2.0, "sum of doubles");
  expect(world.allreduce_max(10.0 * world.rank() - 3) == 10.0 * (ranks - 1) - 3, "max");
  expect(world.allreduce_max(-10.0 * world.rank()) == 0.0, "max held by rank 0");
  world.barrier();

  for (const std::string& f : failures) {
    std::fprintf(stderr, "rank %d of %d: %s\n", world.rank(), ranks, f.c_str());
  }
  if (!failures.empty()) return 1;
  std::printf("rank %d of %d: ok\n", world.rank(), ranks);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Communicator& world = Communicator::world();
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "sums" && argc == 2) return check_sums(world);
  if (mode == "abort" && argc == 3) {
    if (world.rank() == std::atoi(argv[2])) world.abort("stopped on purpose");
    world.barrier();
    return 0;
  }
  std::fprintf(stderr, "usage: mpi_allreduce_main sums | abort RANK\n");
  return 2;
}
