// Tokenizer throughput: MB/s of UTF-8 text encoded on one thread and on all threads, for each
// tokenizer given, over the documents of a JSONL file with a "text" field per line (the corpus
// bench/make_tokenizer_corpus.mjs writes). MB is 10^6 bytes of input text.
//
//   tokenizer_bench CORPUS.jsonl [NAME=]TOKENIZER_PATH... [options]
//     --runs N          timed runs per configuration; the best is reported (default 3)
//     --warmup N        untimed runs before them (default 1)
//     --threads N       the "all threads" configuration (default 0 = every core)
//     --max-mb X        use only the first documents, up to X MB (for profiling)
//     --one-thread-only skip the all-threads configuration (for profiling)
//     --tsv FILE        also write the results as tab-separated values
//     --ids NAME=FILE   write NAME's split_special ids of every document to FILE: per document a
//                       little-endian u32 count, then that many u32 ids (bench/tiktoken_bench.mjs
//                       compares them with tiktoken's encode_ordinary)
//
// Each configuration encodes the whole corpus with Tokenizer::encode_batch: with 1 thread the
// documents are encoded one after another. Each run loads the tokenizer afresh (not timed), so
// caches start empty, as on a first pass over new data. The one-thread and all-threads results must
// be identical, id for id; the program exits 1 when they are not. The split_special token count
// (special tokens written in the text encoded as plain text, as tiktoken's encode_ordinary does) is
// reported beside the default count.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <sys/resource.h>

#include "core/error.h"
#include "core/file_io.h"
#include "core/json.h"
#include "core/parallel.h"
#include "text/tokenizer.h"

namespace {

namespace fs = std::filesystem;
using longalign::text::EncodeOptions;
using longalign::text::TokenId;
using longalign::text::Tokenizer;
using Batch = std::vector<std::vector<TokenId>>;
using Clock = std::chrono::steady_clock;

struct Options {
  fs::path corpus;
  std::vector<std::pair<std::string, fs::path>> tokenizers;  // name, path
  int runs = 3;
  int warmup = 1;
  size_t threads = 0;
  double max_mb = 0;
  bool one_thread_only = false;
  fs::path tsv;
  std::map<std::string, fs::path> ids_out;  // tokenizer name -> file
};

struct Result {
  std::string name;
  double load_s = 0;
  double mb_s_one = 0, mb_s_all = 0;
  double cores_one = 0, cores_all = 0;  // CPU seconds / wall seconds of the best runs
  size_t tokens = 0, tokens_split_special = 0;
  bool identical = true;
};

[[noreturn]] void usage(const std::string& message) {
  std::fprintf(stderr,
               "error: %s\nusage: tokenizer_bench CORPUS.jsonl [NAME=]TOKENIZER_PATH... [--runs N] "
               "[--warmup N] [--threads N] [--max-mb X] [--one-thread-only] [--tsv FILE] "
               "[--ids NAME=FILE]\n",
               message.c_str());
  std::exit(2);
}

// ".../tokenizer-gpt4o/models" -> "gpt4o"; ".../llama/tokenizer.json" -> "llama".
std::string name_from_path(fs::path path) {
  while (!path.empty() && (path.filename() == "models" || path.filename() == "tokenizer.json" ||
                           path.filename().empty())) {
    path = path.parent_path();
  }
  std::string name = path.filename().string();
  if (name.rfind("tokenizer-", 0) == 0) name = name.substr(10);
  return name.empty() ? "tokenizer" : name;
}

std::pair<std::string, std::string> split_pair(const std::string& arg) {
  const size_t eq = arg.find('=');
  if (eq == std::string::npos) return {"", arg};
  return {arg.substr(0, eq), arg.substr(eq + 1)};
}

Options parse_args(int argc, char** argv) {
  Options o;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(arg + " needs a value");
      return argv[++i];
    };
    try {
      if (arg == "--runs") {
        o.runs = std::stoi(value());
      } else if (arg == "--warmup") {
        o.warmup = std::stoi(value());
      } else if (arg == "--threads") {
        o.threads = std::stoul(value());
      } else if (arg == "--max-mb") {
        o.max_mb = std::stod(value());
      } else if (arg == "--one-thread-only") {
        o.one_thread_only = true;
      } else if (arg == "--tsv") {
        o.tsv = value();
      } else if (arg == "--ids") {
        const auto [name, file] = split_pair(value());
        if (name.empty() || file.empty()) usage("--ids takes NAME=FILE");
        o.ids_out[name] = file;
      } else if (arg == "-h" || arg == "--help") {
        usage("help requested");
      } else if (arg.rfind("--", 0) == 0) {
        usage("unknown option " + arg);
      } else {
        positional.push_back(arg);
      }
    } catch (const std::logic_error&) {  // stoi and friends
      usage("bad value for " + arg);
    }
  }
  if (positional.size() < 2) usage("need a corpus and at least one tokenizer");
  if (o.runs < 1 || o.warmup < 0) usage("--runs must be at least 1 and --warmup at least 0");
  o.corpus = positional[0];
  for (size_t i = 1; i < positional.size(); ++i) {
    auto [name, path] = split_pair(positional[i]);
    if (name.empty()) name = name_from_path(path);
    o.tokenizers.emplace_back(name, path);
  }
  for (const auto& entry : o.ids_out) {
    const std::string& name = entry.first;
    const bool known = std::any_of(o.tokenizers.begin(), o.tokenizers.end(),
                                   [&](const auto& t) { return t.first == name; });
    if (!known) usage("--ids names \"" + name + "\", which is not among the tokenizers");
  }
  return o;
}

std::vector<std::string> read_corpus(const fs::path& path, double max_mb) {
  const std::string data = longalign::read_file(path);
  std::vector<std::string> texts;
  size_t bytes = 0;
  size_t line_number = 0;
  for (size_t at = 0; at < data.size();) {
    size_t end = data.find('\n', at);
    if (end == std::string::npos) end = data.size();
    const std::string_view line(data.data() + at, end - at);
    at = end + 1;
    ++line_number;
    if (line.empty()) continue;
    const std::string where = path.string() + ":" + std::to_string(line_number);
    const longalign::Json doc = longalign::parse_json(line, where);
    texts.push_back(longalign::json_string(doc, "text", where));
    bytes += texts.back().size();
    if (max_mb > 0 && static_cast<double>(bytes) >= max_mb * 1e6) break;
  }
  if (texts.empty()) throw longalign::Error(path.string() + ": no documents");
  return texts;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// CPU time of the whole process, every thread, user and system.
double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

struct Timing {
  double wall = 1e300;  // seconds
  double cpu = 0;       // CPU seconds in that run: cpu / wall is the number of cores kept busy
};

// Best time over `runs` after `warmup` untimed runs; the first timed run's ids go to `ids`. Every
// run encodes with a freshly loaded tokenizer, so no run finds the words of the corpus already in
// a cache that an earlier run filled: a run costs what one pass over new data would.
Timing best_timing(const fs::path& path, const std::vector<std::string>& texts, size_t threads,
                   int warmup, int runs, Batch& ids) {
  for (int i = 0; i < warmup; ++i) Tokenizer::load(path).encode_batch(texts, {}, threads);
  Timing best;
  for (int i = 0; i < runs; ++i) {
    const Tokenizer tokenizer = Tokenizer::load(path);
    const double cpu_start = cpu_seconds();
    const auto start = Clock::now();
    Batch batch = tokenizer.encode_batch(texts, {}, threads);
    const double wall = seconds_since(start);
    const double cpu = cpu_seconds() - cpu_start;
    if (wall < best.wall) best = {wall, cpu};
    if (i == 0) ids = std::move(batch);
  }
  return best;
}

size_t count_tokens(const Batch& batch) {
  size_t n = 0;
  for (const auto& ids : batch) n += ids.size();
  return n;
}

// Per document: the count, then the ids, as little-endian u32 (this machine's order; x86 and ARM
// as configured everywhere we run are little-endian).
void write_ids(const fs::path& file, const Batch& batch) {
  std::string out;
  out.reserve((count_tokens(batch) + batch.size()) * sizeof(uint32_t));
  const auto put = [&](uint32_t v) { out.append(reinterpret_cast<const char*>(&v), sizeof v); };
  for (const auto& ids : batch) {
    put(static_cast<uint32_t>(ids.size()));
    for (const TokenId id : ids) put(id);
  }
  longalign::write_file_atomic(file, out);
}

std::string fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse_args(argc, argv);
  const size_t all_threads = o.threads ? o.threads : longalign::default_thread_count();
  try {
    const std::vector<std::string> texts = read_corpus(o.corpus, o.max_mb);
    size_t bytes = 0;
    for (const auto& t : texts) bytes += t.size();
    const double mb = static_cast<double>(bytes) / 1e6;
    std::printf("corpus: %s, %zu documents, %.2f MB (MB = 10^6 bytes of UTF-8 text)\n",
                o.corpus.string().c_str(), texts.size(), mb);
    std::printf("runs: best of %d after %d warm-up, 1 thread%s\n\n", o.runs, o.warmup,
                o.one_thread_only ? " only" : (" and " + std::to_string(all_threads)).c_str());
    std::fflush(stdout);

    std::vector<Result> results;
    for (const auto& [name, path] : o.tokenizers) {
      Result r;
      r.name = name;
      std::fprintf(stderr, "%s: loading %s\n", name.c_str(), path.string().c_str());
      auto start = Clock::now();
      (void)Tokenizer::load(path);  // timed once here; each run below loads its own
      r.load_s = seconds_since(start);

      std::fprintf(stderr, "%s: 1 thread\n", name.c_str());
      Batch one;
      const Timing timing_one = best_timing(path, texts, 1, o.warmup, o.runs, one);
      r.mb_s_one = mb / timing_one.wall;
      r.cores_one = timing_one.cpu / timing_one.wall;
      r.tokens = count_tokens(one);
      if (!o.one_thread_only) {
        std::fprintf(stderr, "%s: %zu threads\n", name.c_str(), all_threads);
        Batch all;
        const Timing timing = best_timing(path, texts, all_threads, o.warmup, o.runs, all);
        r.mb_s_all = mb / timing.wall;
        r.cores_all = timing.cpu / timing.wall;
        r.identical = one == all;
        if (!r.identical) {
          for (size_t i = 0; i < texts.size(); ++i) {
            if (one[i] != all[i]) {
              std::fprintf(stderr, "%s: document %zu differs between 1 and %zu threads\n",
                           name.c_str(), i, all_threads);
              break;
            }
          }
        }
      }
      EncodeOptions split;
      split.split_special = true;
      const Batch split_ids = Tokenizer::load(path).encode_batch(texts, split, all_threads);
      r.tokens_split_special = count_tokens(split_ids);
      if (const auto it = o.ids_out.find(name); it != o.ids_out.end()) {
        write_ids(it->second, split_ids);
      }
      results.push_back(r);
    }

    const std::string n_col = std::to_string(all_threads) + " threads MB/s";
    std::printf("%-10s %7s %14s %16s %8s %11s %11s %10s %22s\n", "tokenizer", "load s",
                "1 thread MB/s", n_col.c_str(), "speedup", "cores used", "tokens", "bytes/tok",
                "tokens (split_special)");
    bool all_identical = true;
    std::string tsv =
        "tokenizer\tload_s\tmb_s_1\tmb_s_all\tthreads\ttokens\ttokens_split_special\tidentical\t"
        "bytes\tdocuments\tcores_all\tcores_1\n";
    for (const Result& r : results) {
      const std::string all = o.one_thread_only ? "-" : fixed(r.mb_s_all, 2);
      const std::string speedup = o.one_thread_only ? "-" : fixed(r.mb_s_all / r.mb_s_one, 2) + "x";
      const std::string cores = o.one_thread_only ? "-" : fixed(r.cores_all, 2);
      std::printf("%-10s %7.2f %14.2f %16s %8s %11s %11zu %10.2f %22zu%s\n", r.name.c_str(),
                  r.load_s, r.mb_s_one, all.c_str(), speedup.c_str(), cores.c_str(), r.tokens,
                  static_cast<double>(bytes) / static_cast<double>(r.tokens),
                  r.tokens_split_special, r.identical ? "" : "  1T != NT: MISMATCH");
      all_identical &= r.identical;
      tsv += r.name + "\t" + fixed(r.load_s, 3) + "\t" + fixed(r.mb_s_one, 3) + "\t" +
             (o.one_thread_only ? "" : fixed(r.mb_s_all, 3)) + "\t" + std::to_string(all_threads) +
             "\t" + std::to_string(r.tokens) + "\t" + std::to_string(r.tokens_split_special) +
             "\t" + (o.one_thread_only ? "" : (r.identical ? "yes" : "no")) + "\t" +
             std::to_string(bytes) + "\t" + std::to_string(texts.size()) + "\t" +
             (o.one_thread_only ? "" : fixed(r.cores_all, 3)) + "\t" + fixed(r.cores_one, 3) + "\n";
    }
    if (!o.one_thread_only) {
      std::printf("\n1-thread and %zu-thread ids %s\n", all_threads,
                  all_identical ? "identical for every tokenizer" : "DIFFER (see above)");
    }
    if (!o.tsv.empty()) longalign::write_file_atomic(o.tsv, tsv);
    return all_identical ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
