// The Communicator alone (a world of one that makes no MPI call) and in two real MPI processes
// started by mpirun, running tests/train/mpi_allreduce_main.cpp.
#include <gtest/gtest.h>
#include <mpi.h>

#include <chrono>
#include <vector>

#include "core/error.h"
#include "test_support.h"
#include "train/distributed.h"

namespace longalign::train {
namespace {

using testing::contains;
using testing::shell_quote;
using testing::TempDir;

struct MpiRun {
  int code = -1;
  std::string out, err;
  double seconds = 0;
};

// Starts the driver on `ranks` processes of this machine. The options are those of
// docs/DISTRIBUTED.md: root is allowed (CI runs as root), more ranks than cores are allowed, and
// ranks talk through shared memory, so no network is needed. `timeout` stops a hung job.
MpiRun mpirun(int ranks, const std::string& driver_args) {
  TempDir dir;
  const auto out = dir.path() / "stdout", err = dir.path() / "stderr";
  const std::string line = "timeout 60 " + shell_quote(LONGALIGN_MPIEXEC) +
                           " --allow-run-as-root --oversubscribe --mca btl self,vader -np " +
                           std::to_string(ranks) + " " + shell_quote(LONGALIGN_MPI_DRIVER) + " " +
                           driver_args + " >" + shell_quote(out.string()) + " 2>" +
                           shell_quote(err.string());
  const auto start = std::chrono::steady_clock::now();
  MpiRun r;
  r.code = testing::run_command(line);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  r.out = testing::read_text_file(out);
  r.err = testing::read_text_file(err);
  return r;
}

TEST(Distributed, AloneIsRankZeroOfOneAndAllreduceIsTheIdentity) {
  Communicator& world = Communicator::world();
  // Without mpirun there is no MPI daemon to join: MPI_Init would start a singleton runtime.
  int initialized = 1;
  MPI_Initialized(&initialized);
  EXPECT_EQ(initialized, 0);
  EXPECT_EQ(world.rank(), 0);
  EXPECT_EQ(world.size(), 1);
  EXPECT_TRUE(world.is_root());

  const std::vector<float> before = {1.5f, -2.0f, 3.25f, 0.0f, 7.0f};
  std::vector<float> data = before;
  world.allreduce_sum(data.data(), int64_t(data.size()), 2);
  EXPECT_EQ(data, before);
  EXPECT_EQ(world.allreduce_sum(2.5), 2.5);
  EXPECT_EQ(world.allreduce_max(-4.0), -4.0);
  world.barrier();
}

TEST(Distributed, RejectsABucketOfNoFloats) {
  std::vector<float> data(4, 1.0f);
  EXPECT_THROW(Communicator::world().allreduce_sum(data.data(), 4, 0), Error);
}

TEST(Distributed, AbortAloneExitsOneNamingTheRank) {
  EXPECT_EXIT(Communicator::world().abort("out of memory at step 7"), ::testing::ExitedWithCode(1),
              "error: rank 0 of 1: out of memory at step 7");
}

TEST(Distributed, TwoRanksSumInBucketsAndAgreeOnDoublesAndMax) {
  const MpiRun r = mpirun(2, "sums");
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "rank 0 of 2: ok")) << r.out << r.err;
  EXPECT_TRUE(contains(r.out, "rank 1 of 2: ok")) << r.out << r.err;
}

TEST(Distributed, OneRankAbortingStopsTheOtherWaitingInABarrier) {
  const MpiRun r = mpirun(2, "abort 1");
  EXPECT_NE(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.code, 124) << "mpirun still running after 60 s: " << r.err;
  EXPECT_LT(r.seconds, 30.0);
  EXPECT_TRUE(contains(r.err, "error: rank 1 of 2: stopped on purpose")) << r.err;
}

}  // namespace
}  // namespace longalign::train
