// The self-instruct pipeline against a scripted local server: the records it writes, the seeded
// choices whatever the concurrency, retries of short lists, server errors, slow replies, the
// failure limit, resuming, length limits, repeats and upsampling.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <sstream>

#include "data/chat_record.h"
#include "scripted_model.h"
#include "synth/self_instruct.h"
#include "test_support.h"

namespace longalign::synth {
namespace {

using namespace std::chrono_literals;
using testing::asks_for_answer;
using testing::contains;
using testing::doc_label;
using testing::ScriptedServer;
using testing::TempDir;
using testing::user_content;

// Documents labelled [doc-0], [doc-1], ...; the last `chinese` of them in Chinese.
std::vector<Document> make_docs(int count, int chinese = 0) {
  std::vector<Document> docs;
  for (int i = 0; i < count; ++i) {
    Document d;
    const std::string label = "[doc-" + std::to_string(i) + "]";
    d.text =
        i >= count - chinese
            ? label + " 这是第" + std::to_string(i) + "篇文档。河水从山上流下来，经过村庄和田野。"
            : label + " The river runs from the hills past the village and the fields, " +
                  "and this is document number " + std::to_string(i) + ".";
    d.source = "doc" + std::to_string(i) + ".txt";
    d.where = "docs/" + d.source;
    docs.push_back(std::move(d));
  }
  return docs;
}

SelfInstructOptions options(int workers = 4) {
  SelfInstructOptions o;
  o.plan.types = {TaskType::kGeneral, TaskType::kSummary, TaskType::kReasoning,
                  TaskType::kExtraction};
  o.plan.min_tokens = 1;
  o.plan.max_tokens = 1'000'000;
  o.plan.seed = 11;
  o.workers = workers;
  o.progress_interval = 1h;
  o.measure_threads = 1;
  return o;
}

// Fast retries, so tests spend their time only where they mean to.
serve::ClientOptions client_options(const ScriptedServer& server, int concurrency = 4) {
  serve::ClientOptions c;
  c.base_url = server.base_url();
  c.model = "scripted";
  c.api_key_env = "LONGALIGN_SELF_INSTRUCT_TEST_KEY";
  c.max_concurrency = concurrency;
  c.total_timeout = 5s;
  c.retry.max_retries = 3;
  c.retry.initial_backoff = 1ms;
  c.retry.max_backoff = 5ms;
  return c;
}

struct Result {
  SelfInstructReport report;
  std::vector<Json> records;
  std::string log;
};

std::vector<Json> read_records(const std::filesystem::path& file) {
  std::istringstream in(testing::read_text_file(file));
  std::vector<Json> out;
  for (std::string line; std::getline(in, line);) out.push_back(Json::parse(line));
  return out;
}

Result run(const std::vector<Document>& docs, const ScriptedServer& server,
           const std::filesystem::path& out, const SelfInstructOptions& o) {
  serve::OpenAiClient client(client_options(server, o.workers));
  std::ostringstream log;
  Result r;
  r.report = run_self_instruct(docs, DocumentLength(std::nullopt), client, out, o, log);
  r.records = read_records(out);
  r.log = log.str();
  return r;
}

ScriptedServer::Handler model() {
  return [](int, const httplib::Request& req, httplib::Response& res) {
    testing::scripted_model(req, res);
  };
}

// Requests about one document, in arrival order.
std::vector<httplib::Request> requests_about(const ScriptedServer& server, const std::string& label,
                                             bool answers) {
  std::vector<httplib::Request> out;
  for (const auto& req : server.requests()) {
    const std::string content = user_content(req);
    if (doc_label(content) == label && asks_for_answer(content) == answers) out.push_back(req);
  }
  return out;
}

TEST(SelfInstruct, RecordsHoldTheDocumentTheChosenQuestionAndItsAnswer) {
  TempDir dir;
  const auto docs = make_docs(8, 2);
  ScriptedServer server(model());
  const Result r = run(docs, server, dir.path() / "out.jsonl", options());
  EXPECT_EQ(r.report.planned, 8);
  EXPECT_EQ(r.report.written, 8);
  EXPECT_EQ(r.report.prompt_tokens, 160);
  EXPECT_EQ(r.report.completion_tokens, 48);
  EXPECT_EQ(server.calls(), 16);
  ASSERT_EQ(r.records.size(), 8u);
  std::set<std::string> labels;
  for (const Json& rec : r.records) {
    const std::string user = rec["messages"][0]["content"];
    const std::string label = doc_label(user);
    labels.insert(label);
    const Document& doc = docs[std::stoul(label.substr(4))];
    const std::string question = rec["question"];
    const auto candidates = rec["question_candidates"].get<std::vector<std::string>>();
    EXPECT_EQ(candidates, testing::questions_about(label));
    const TaskType type = parse_task_type(rec["task_type"].get<std::string>());
    const uint64_t hash = document_hash(doc.text);
    EXPECT_EQ(question, candidates[draw_question(hash, 11, type, 5)]);
    EXPECT_EQ(type, draw_task_type(hash, 11, options().plan.types, 0));
    // The layout `longalign data prepare` reads.
    const data::ChatRecord chat = data::chat_record_from_json(rec, "record");
    ASSERT_EQ(chat.messages.size(), 2u);
    EXPECT_EQ(chat.messages[1].role, data::Role::assistant);
    EXPECT_EQ(rec["messages"][0]["role"], "user");
    EXPECT_EQ(user, doc.text + "\n\n" + question);
    EXPECT_EQ(rec["messages"][1]["role"], "assistant");
    EXPECT_EQ(rec["messages"][1]["content"], "The answer to \"" + question + "\".");
    EXPECT_EQ(rec["source"], doc.source);
    EXPECT_EQ(rec["doc_hash"], document_hash_hex(hash));
    EXPECT_EQ(rec["doc_tokens"], DocumentLength(std::nullopt)(doc.text));
    const bool chinese = label == "doc-6" || label == "doc-7";
    EXPECT_EQ(rec["lang"], chinese ? "zh" : "en");
    // The model saw the question request in the document's language, then the answer request.
    const auto asked = requests_about(server, label, false);
    ASSERT_EQ(asked.size(), 1u);
    const std::string prompt = user_content(asked[0]);
    EXPECT_TRUE(prompt.starts_with(doc.text));
    EXPECT_EQ(contains(prompt, "以上是一篇长文档"), chinese) << prompt;
    EXPECT_EQ(prompt,
              question_prompt(builtin_prompts(), chinese ? Language::kChinese : Language::kEnglish,
                              type, doc.text, 5));
    const Json body = Json::parse(asked[0].body);
    EXPECT_EQ(body["max_tokens"], 1024);
    EXPECT_EQ(body["seed"], request_seed(hash, 11, type, 0));
    EXPECT_FALSE(body.contains("temperature"));
    const auto answered = requests_about(server, label, true);
    ASSERT_EQ(answered.size(), 1u);
    EXPECT_TRUE(user_content(answered[0]).ends_with(question));
    EXPECT_EQ(Json::parse(answered[0].body)["max_tokens"], 2048);
  }
  EXPECT_EQ(labels.size(), 8u);
  EXPECT_EQ(r.report.output.samples, 8);
  EXPECT_EQ(r.report.output.by_language[1], 2);
  EXPECT_EQ(r.report.output.by_length[0], 8);
  int64_t by_type = 0;
  for (const int64_t n : r.report.output.by_type) by_type += n;
  EXPECT_EQ(by_type, 8);
}

// The records of a run, sorted: the file's order depends on which request finished first.
std::vector<std::string> sorted_lines(const std::vector<Json>& records) {
  std::vector<std::string> lines;
  for (const Json& r : records) lines.push_back(r.dump());
  std::sort(lines.begin(), lines.end());
  return lines;
}

TEST(SelfInstruct, SameSamplesWhateverTheConcurrency) {
  TempDir dir;
  const auto docs = make_docs(12, 3);
  ScriptedServer server(model());
  const Result one = run(docs, server, dir.path() / "one.jsonl", options(1));
  const Result six = run(docs, server, dir.path() / "six.jsonl", options(6));
  ASSERT_EQ(one.records.size(), 12u);
  EXPECT_EQ(sorted_lines(one.records), sorted_lines(six.records));
  SelfInstructOptions other = options(6);
  other.plan.seed = 12;
  const Result reseeded = run(docs, server, dir.path() / "other.jsonl", other);
  EXPECT_NE(sorted_lines(one.records), sorted_lines(reseeded.records));
}

TEST(SelfInstruct, ShortListsAreAskedAgainThenTheDocumentIsSkipped) {
  TempDir dir;
  const auto docs = make_docs(4);
  int doc1_lists = 0;
  ScriptedServer server([&](int, const httplib::Request& req, httplib::Response& res) {
    const std::string content = user_content(req);
    const std::string label = doc_label(content);
    if (!asks_for_answer(content) && label == "doc-0") {
      // Two questions, then bullets under a numbered list: never five.
      testing::reply(res, 200, testing::completion("1. What?\n2. Why?\n- How?\n- When?\n- Who?"));
    } else if (!asks_for_answer(content) && label == "doc-1" && doc1_lists++ == 0) {
      testing::reply(res, 200, testing::completion("I'm sorry, I can't help with that."));
    } else {
      testing::scripted_model(req, res);
    }
  });
  const Result r = run(docs, server, dir.path() / "out.jsonl", options(2));
  EXPECT_EQ(r.report.written, 3);
  EXPECT_EQ(r.report.too_few_questions, 1);
  EXPECT_EQ(r.report.failed, 0);
  ASSERT_EQ(r.records.size(), 3u);
  for (const Json& rec : r.records) EXPECT_NE(doc_label(rec["messages"][0]["content"]), "doc-0");
  const auto doc0 = requests_about(server, "doc-0", false);
  ASSERT_EQ(doc0.size(), 3u) << "three attempts";
  std::set<int64_t> seeds;
  for (const auto& req : doc0) seeds.insert(Json::parse(req.body)["seed"].get<int64_t>());
  EXPECT_EQ(seeds.size(), 3u) << "each attempt with its own seed";
  EXPECT_TRUE(requests_about(server, "doc-0", true).empty());
  EXPECT_EQ(requests_about(server, "doc-1", false).size(), 2u);
  EXPECT_TRUE(contains(r.log, "skipped docs/doc0.txt (")) << r.log;
  EXPECT_TRUE(contains(r.log, "fewer than 5 questions in 3 replies")) << r.log;
}

TEST(SelfInstruct, ServerErrorsAreRetriedAndAFailureIsCounted) {
  TempDir dir;
  const auto docs = make_docs(5);
  ScriptedServer server([](int call, const httplib::Request& req, httplib::Response& res) {
    const std::string content = user_content(req);
    if (call < 3) {
      testing::reply(res, 500, {{"error", {{"message", "overloaded"}}}});
    } else if (asks_for_answer(content) && doc_label(content) == "doc-2") {
      testing::reply(res, 503, {{"error", {{"message", "answer backend down"}}}});
    } else {
      testing::scripted_model(req, res);
    }
  });
  const Result r = run(docs, server, dir.path() / "out.jsonl", options(1));
  EXPECT_EQ(r.report.written, 4);
  EXPECT_EQ(r.report.failed, 1);
  EXPECT_TRUE(r.report.stopped.empty());
  ASSERT_EQ(r.records.size(), 4u);
  for (const Json& rec : r.records) EXPECT_NE(doc_label(rec["messages"][0]["content"]), "doc-2");
  EXPECT_EQ(requests_about(server, "doc-2", true).size(), 4u) << "the first try and 3 retries";
  EXPECT_TRUE(contains(r.log, "failed docs/doc2.txt")) << r.log;
  EXPECT_TRUE(contains(r.log, "answer backend down")) << r.log;
}

TEST(SelfInstruct, TooManyFailuresStopTheRun) {
  TempDir dir;
  const auto docs = make_docs(10);
  ScriptedServer server([](int, const httplib::Request&, httplib::Response& res) {
    testing::reply(res, 400, {{"error", {{"message", "model not found"}}}});
  });
  SelfInstructOptions o = options(1);
  o.max_failures = 3;
  const Result r = run(docs, server, dir.path() / "out.jsonl", o);
  EXPECT_EQ(r.report.failed, 3);
  EXPECT_EQ(server.calls(), 3) << "a 400 is not retried, and no sample starts after the third";
  EXPECT_TRUE(contains(r.report.stopped, "model not found")) << r.report.stopped;
  EXPECT_TRUE(r.records.empty());
}

TEST(SelfInstruct, SlowRepliesRunSideBySide) {
  TempDir dir;
  const auto docs = make_docs(8);
  ScriptedServer* self = nullptr;
  ScriptedServer server([&](int, const httplib::Request& req, httplib::Response& res) {
    self->pause(150ms);
    testing::scripted_model(req, res);
  });
  self = &server;
  const auto start = std::chrono::steady_clock::now();
  const Result r = run(docs, server, dir.path() / "out.jsonl", options(4));
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(r.report.written, 8);
  EXPECT_EQ(server.max_in_flight(), 4);
  // 16 requests of 150 ms one after another would take 2.4 s; four at a time, 0.6 s.
  EXPECT_LT(took, 1800ms);
}

TEST(SelfInstruct, EmptyAnswersAreSkipped) {
  TempDir dir;
  const auto docs = make_docs(3);
  ScriptedServer server([](int, const httplib::Request& req, httplib::Response& res) {
    const std::string content = user_content(req);
    if (asks_for_answer(content) && doc_label(content) == "doc-1") {
      testing::reply(res, 200, testing::completion(" \n "));
    } else {
      testing::scripted_model(req, res);
    }
  });
  const Result r = run(docs, server, dir.path() / "out.jsonl", options(2));
  EXPECT_EQ(r.report.written, 2);
  EXPECT_EQ(r.report.empty_answer, 1);
  EXPECT_EQ(r.records.size(), 2u);
}

TEST(SelfInstruct, ResumeMakesOnlyWhatTheOutputLacks) {
  TempDir dir;
  const auto docs = make_docs(8, 2);
  const auto out = dir.path() / "out.jsonl";
  ScriptedServer first(model());
  const std::vector<Document> some(docs.begin(), docs.begin() + 5);
  EXPECT_EQ(run(some, first, out, options()).report.written, 5);
  // A kill during a write leaves the start of a line.
  const std::string complete = testing::read_text_file(out);
  {
    std::ofstream append(out, std::ios::app | std::ios::binary);
    append << R"({"messages": [{"role": "user", "content": "[doc-6] partial)";
  }
  EXPECT_TRUE(contains(testing::error_of([&] { run(docs, first, out, options()); }),
                       "already exists; pass --resume"));

  ScriptedServer second(model());
  SelfInstructOptions o = options();
  o.resume = true;
  const Result r = run(docs, second, out, o);
  EXPECT_TRUE(contains(r.log, "removed an unfinished last line")) << r.log;
  EXPECT_EQ(r.report.already_done, 5);
  EXPECT_EQ(r.report.planned, 3);
  EXPECT_EQ(r.report.written, 3);
  EXPECT_EQ(second.calls(), 6);
  EXPECT_EQ(r.report.output.samples, 8);
  EXPECT_EQ(r.report.output.by_language[1], 2);
  EXPECT_TRUE(testing::read_text_file(out).starts_with(complete)) << "earlier records kept";
  std::map<std::string, int> per_doc;
  for (const Json& rec : r.records) ++per_doc[rec["doc_hash"]];
  EXPECT_EQ(per_doc.size(), 8u);
  for (const auto& [hash, n] : per_doc) EXPECT_EQ(n, 1) << hash;

  ScriptedServer third(model());
  const Result again = run(docs, third, out, o);
  EXPECT_EQ(again.report.planned, 0);
  EXPECT_EQ(third.calls(), 0);
}

TEST(SelfInstruct, LengthLimitsRepeatsAndUpsampling) {
  TempDir dir;
  std::vector<Document> docs = make_docs(4);
  docs[0].text = "[doc-0] tiny";                      // 3 tokens
  docs[2].text = "[doc-2] " + std::string(400, 'x');  // 102 tokens: above the limit
  docs[3].text = "[doc-3] " + std::string(200, 'y');  // 52 tokens: upsampled
  docs.push_back(docs[1]);                            // a repeat
  ScriptedServer server(model());
  SelfInstructOptions o = options();
  o.plan.min_tokens = 10;
  o.plan.max_tokens = 100;
  o.plan.upsample_above = 40;
  const Result r = run(docs, server, dir.path() / "out.jsonl", o);
  EXPECT_EQ(r.report.documents, 5);
  EXPECT_EQ(r.report.too_short, 1);
  EXPECT_EQ(r.report.too_long, 1);
  EXPECT_EQ(r.report.repeated, 1);
  EXPECT_EQ(r.report.planned, 3);
  ASSERT_EQ(r.records.size(), 3u);
  std::set<std::string> doc3_types;
  for (const Json& rec : r.records) {
    if (doc_label(rec["messages"][0]["content"]) == "doc-3") doc3_types.insert(rec["task_type"]);
  }
  EXPECT_EQ(doc3_types.size(), 2u) << "the long document twice, with two task types";
  EXPECT_TRUE(contains(r.log, "5 documents (1 too short, 1 too long, 1 repeated); 3 samples"))
      << r.log;
}

TEST(SelfInstruct, ReportAsTextAndJson) {
  SelfInstructReport r;
  r.documents = 10;
  r.too_short = 2;
  r.planned = 8;
  r.written = 7;
  r.failed = 1;
  r.output.add(TaskType::kSummary, Language::kChinese, 20'000);
  r.output.add(TaskType::kGeneral, Language::kEnglish, 70'000);
  r.output.add(TaskType::kGeneral, Language::kEnglish, 7'999);
  const std::string text = report_text(r);
  EXPECT_TRUE(contains(text, "10 read, 2 too short")) << text;
  EXPECT_TRUE(contains(text, "task type: general 2, summary 1, reasoning 0, extraction 0")) << text;
  EXPECT_TRUE(contains(text, "language: en 2, zh 1")) << text;
  EXPECT_TRUE(contains(text, "length: <8k 1, 8k-16k 0, 16k-32k 1, 32k-64k 0, 64k+ 1")) << text;
  const Json j = report_json(r);
  EXPECT_EQ(j["samples"]["written"], 7);
  EXPECT_EQ(j["output"]["lang"]["zh"], 1);
  EXPECT_EQ(j["output"]["length"]["64k+"], 1);
  EXPECT_TRUE(j["stopped"].is_null());
}

}  // namespace
}  // namespace longalign::synth
