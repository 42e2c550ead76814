// Reads one TOML table of a recipe: typed values with the file and line in every error, and an
// error for every key nobody asked for (a misspelt key must not be ignored).
#pragma once

#include <toml++/toml.h>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/json.h"

namespace longalign::recipe {

// Where a recipe came from: its name in errors and the folder its relative paths start from.
struct RecipeSource {
  std::string name;
  std::filesystem::path base_dir;
};

class TableReader {
 public:
  TableReader(const toml::table& table, std::string prefix, const RecipeSource& source);

  std::optional<std::string> string(const std::string& key);
  std::optional<int64_t> integer(const std::string& key, int64_t min);
  std::optional<double> number(const std::string& key);  // an integer or a float
  std::optional<bool> boolean(const std::string& key);
  std::optional<std::vector<std::string>> strings(const std::string& key);
  std::optional<std::vector<int64_t>> integers(const std::string& key, int64_t min);
  // A path relative to the recipe's folder that must exist.
  std::optional<std::filesystem::path> existing_path(const std::string& key);
  std::optional<TableReader> table(const std::string& key);
  // The tables of an array of tables ([[section.key]] or key = [{...}, ...]).
  std::vector<TableReader> tables(const std::string& key);

  // "FILE:LINE: prefix.key: message" as an Error.
  [[noreturn]] void fail(const std::string& key, const std::string& message) const;
  // The line of `key` (of the table itself when absent).
  uint32_t line(const std::string& key) const;
  std::string name(const std::string& key) const;
  const RecipeSource& source() const { return source_; }
  // Every key of this table and of the tables read from it as JSON: the stage's settings.
  Json settings() const;
  // Fails on the first key that was never read.
  void finish() const;

 private:
  const toml::node* take(const std::string& key);
  [[noreturn]] void wrong_type(const std::string& key, const char* expected) const;

  const toml::table* table_;
  std::string prefix_;
  RecipeSource source_;
  std::set<std::string> read_;
};

}  // namespace longalign::recipe
