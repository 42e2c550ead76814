#include "synth/documents.h"

#include <algorithm>
#include <cstdio>
#include <fstream>

#include "core/error.h"
#include "core/file_io.h"
#include "core/json.h"
#include "text/unicode.h"

namespace longalign::synth {

namespace fs = std::filesystem;

namespace {

void require_utf8(std::string_view text, const std::string& where) {
  if (const auto bad = text::find_invalid_utf8(text)) {
    throw Error(where + ": invalid UTF-8 at byte " + std::to_string(*bad));
  }
}

std::vector<Document> read_text_folder(const fs::path& dir) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".txt") {
      files.push_back(entry.path());
    }
  }
  if (files.empty()) throw Error(dir.string() + ": no .txt files");
  std::sort(files.begin(), files.end());
  std::vector<Document> docs;
  for (const fs::path& file : files) {
    Document d;
    d.text = read_file(file);
    d.source = file.filename().string();
    d.where = file.string();
    require_utf8(d.text, d.where);
    docs.push_back(std::move(d));
  }
  return docs;
}

Document document_from_line(std::string_view line, const std::string& where,
                            const std::string& default_source) {
  const Json j = parse_json_line(line, where);
  if (!j.is_object()) throw Error(where + ": expected a JSON object");
  const auto text = j.find("text");
  if (text == j.end() || !text->is_string()) {
    throw Error(where + ": missing string field \"text\"");
  }
  Document d;
  d.text = text->get<std::string>();
  d.source = default_source;
  if (const auto source = j.find("source"); source != j.end()) {
    if (!source->is_string()) throw Error(where + ": field \"source\" must be a string");
    d.source = source->get<std::string>();
  }
  d.where = where;
  return d;
}

std::vector<Document> read_jsonl(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw Error(file.string() + ": cannot open");
  std::vector<Document> docs;
  uint64_t number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = file.string() + ":" + std::to_string(number);
    require_utf8(line, where);
    docs.push_back(document_from_line(line, where, file.filename().string()));
  }
  if (in.bad()) throw Error(file.string() + ": read failed");
  return docs;
}

}  // namespace

std::vector<Document> read_documents(const fs::path& path) {
  if (fs::is_directory(path)) return read_text_folder(path);
  if (!fs::exists(path)) throw Error(path.string() + ": no such file or folder");
  return read_jsonl(path);
}

uint64_t document_hash(std::string_view text) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (const char c : text) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ull;
  }
  return h;
}

std::string document_hash_hex(uint64_t hash) {
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return hex;
}

DocumentLength::DocumentLength(std::optional<text::Tokenizer> tokenizer)
    : tokenizer_(std::move(tokenizer)) {}

int64_t DocumentLength::operator()(std::string_view text) const {
  if (tokenizer_) {
    // A document that happens to contain "</s>" is text, not an end-of-sequence marker.
    text::EncodeOptions o;
    o.split_special = true;
    return static_cast<int64_t>(tokenizer_->encode(text, o).size());
  }
  int64_t characters = 0;
  for (const char c : text) characters += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return (characters + 3) / 4;
}

}  // namespace longalign::synth
