// The server answers exactly what `longalign generate --json` answers for the same model, prompt,
// template, sampling and limits: the HTTP layer adds nothing to and loses nothing from a
// generation.
#include <gtest/gtest.h>
#include <httplib.h>

#include "core/json.h"
#include "serve_process.h"

namespace longalign {
namespace {

using testing::ServeProcess;
using testing::TempDir;

Json post(const ServeProcess& server, const std::string& path, const Json& body) {
  httplib::Client client("127.0.0.1", server.port());
  client.set_read_timeout(120);
  const httplib::Result r = client.Post(path.c_str(), body.dump(), "application/json");
  if (!r || r->status != 200) {
    ADD_FAILURE() << path << ": " << (r ? r->body : httplib::to_string(r.error()));
    return Json::object();
  }
  return Json::parse(r->body);
}

Json generate(const std::vector<std::string>& args) {
  const testing::CliResult r = testing::run_longalign(testing::shell_words(args));
  if (r.code != 0) {
    ADD_FAILURE() << "generate failed: " << r.err;
    return Json::object();
  }
  return parse_json(r.out, "generate --json");
}

class ServeParity : public ::testing::Test {
 protected:
  TempDir dir;
  const std::filesystem::path model = testing::make_serve_model(dir);
  // Both sides load the model the same way (generate --raw takes no template).
  const std::vector<std::string> common = {"--model", model.string(), "--dtype", "fp32"};

  std::vector<std::string> generate_args(const std::string& prompt, const std::string& tokens,
                                         std::vector<std::string> extra) const {
    std::vector<std::string> a{"generate", "--json",           "--prompt",
                               prompt,     "--max-new-tokens", tokens};
    a.insert(a.end(), common.begin(), common.end());
    a.insert(a.end(), extra.begin(), extra.end());
    return a;
  }
};

void expect_same(const Json& choice, const Json& usage, const std::string& text, const Json& g) {
  EXPECT_EQ(text, g["text"]);
  EXPECT_EQ(choice["finish_reason"], g["finish_reason"]);
  // Token counts only: the server may have taken part of the prompt from an earlier request's
  // cache (usage.prompt_tokens_details), which a fresh generate process cannot.
  for (const char* count : {"prompt_tokens", "completion_tokens", "total_tokens"}) {
    EXPECT_EQ(usage[count], g["usage"][count]) << count;
  }
}

TEST_F(ServeParity, ChatEqualsGenerate) {
  ServeProcess server(dir, [&] {
    std::vector<std::string> a = common;
    a.insert(a.end(), {"--template", "llama2", "--served-model-name", "tiny"});
    return a;
  }());
  const std::string prompt = "Write a short story about a lighthouse.";
  const Json messages = {{{"role", "user"}, {"content", prompt}}};

  const Json greedy =
      post(server, "/v1/chat/completions",
           {{"model", "tiny"}, {"messages", messages}, {"temperature", 0}, {"max_tokens", 40}});
  const Json g_greedy =
      generate(generate_args(prompt, "40", {"--template", "llama2", "--temperature", "0"}));
  expect_same(greedy["choices"][0], greedy["usage"], greedy["choices"][0]["message"]["content"],
              g_greedy);

  const Json sampled = post(server, "/v1/chat/completions",
                            {{"model", "tiny"},
                             {"messages", messages},
                             {"temperature", 0.8},
                             {"top_p", 0.9},
                             {"top_k", 50},
                             {"seed", 1234},
                             {"max_tokens", 40}});
  const Json g_sampled =
      generate(generate_args(prompt, "40",
                             {"--template", "llama2", "--temperature", "0.8", "--top-p", "0.9",
                              "--top-k", "50", "--seed", "1234"}));
  expect_same(sampled["choices"][0], sampled["usage"], sampled["choices"][0]["message"]["content"],
              g_sampled);
  EXPECT_NE(g_sampled["text"], g_greedy["text"]);  // the sampling options did reach both

  const Json raw = post(
      server, "/v1/completions",
      {{"model", "tiny"}, {"prompt", "Once upon a time"}, {"temperature", 0}, {"max_tokens", 30}});
  const Json g_raw =
      generate(generate_args("Once upon a time", "30", {"--raw", "--temperature", "0"}));
  expect_same(raw["choices"][0], raw["usage"], raw["choices"][0]["text"], g_raw);
  EXPECT_EQ(server.stop(), 0) << server.log();
}

}  // namespace
}  // namespace longalign
