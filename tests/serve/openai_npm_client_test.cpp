// The server as an application meets it: OpenAI's official Node client (the `openai` npm
// package pinned in tests/npm) against `longalign serve` on a tiny model. openai_npm_client.mjs
// holds the checks; this test starts the server and runs it.
#include <gtest/gtest.h>

#include "serve_process.h"

namespace longalign {
namespace {

using testing::ServeProcess;
using testing::TempDir;

TEST(ServeOpenAiClient, ChatCompletionsModelsErrorsAndConcurrency) {
  TempDir dir;
  const std::filesystem::path model = testing::make_serve_model(dir);
  ServeProcess server(dir, {"--model", model.string(), "--served-model-name", "tiny-llama",
                            "--api-key", "test-key", "--dtype", "fp32"});
  ASSERT_GT(server.port(), 0);
  const std::filesystem::path script =
      std::filesystem::path(LONGALIGN_SOURCE_DIR) / "tests" / "serve" / "openai_npm_client.mjs";
  const std::filesystem::path output = dir.path() / "node.out";
  const int code =
      testing::run_command(testing::shell_words({LONGALIGN_NODE, script.string(), LONGALIGN_NPM_DIR,
                                                 server.url(), "test-key", "tiny-llama"}) +
                           " >" + testing::shell_quote(output.string()) + " 2>&1");
  EXPECT_EQ(code, 0) << testing::read_text_file(output) << "\nserver log:\n" << server.log();
  EXPECT_EQ(server.stop(), 0) << server.log();
}

}  // namespace
}  // namespace longalign
