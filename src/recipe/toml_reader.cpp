#include "recipe/toml_reader.h"

#include <sstream>

#include "core/error.h"

namespace longalign::recipe {

namespace fs = std::filesystem;

namespace {

const char* type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    default:
      return "a date or time";
  }
}

}  // namespace

TableReader::TableReader(const toml::table& table, std::string prefix, const RecipeSource& source)
    : table_(&table), prefix_(std::move(prefix)), source_(source) {}

std::string TableReader::name(const std::string& key) const {
  return prefix_.empty() ? key : prefix_ + "." + key;
}

uint32_t TableReader::line(const std::string& key) const {
  const toml::node* node = table_->get(key);
  return (node ? node->source() : table_->source()).begin.line;
}

void TableReader::fail(const std::string& key, const std::string& message) const {
  throw Error(source_.name + ":" + std::to_string(line(key)) + ": " + name(key) + ": " + message);
}

void TableReader::wrong_type(const std::string& key, const char* expected) const {
  fail(key, std::string("expected ") + expected + ", got " + type_name(*table_->get(key)));
}

const toml::node* TableReader::take(const std::string& key) {
  read_.insert(key);
  return table_->get(key);
}

std::optional<std::string> TableReader::string(const std::string& key) {
  const toml::node* node = take(key);
  if (!node) return std::nullopt;
  if (!node->is_string()) wrong_type(key, "a string");
  return node->as_string()->get();
}

std::optional<int64_t> TableReader::integer(const std::string& key, int64_t min) {
  const toml::node* node = take(key);
  if (!node) return std::nullopt;
  if (!node->is_integer()) wrong_type(key, "an integer");
  const int64_t value = node->as_integer()->get();
  if (value < min) fail(key, "must be at least " + std::to_string(min));
  return value;
}

std::optional<double> TableReader::number(const std::string& key) {
  const toml::node* node = take(key);
  if (!node) return std::nullopt;
  if (node->is_integer()) return double(node->as_integer()->get());
  if (!node->is_floating_point()) wrong_type(key, "a number");
  return node->as_floating_point()->get();
}

std::optional<bool> TableReader::boolean(const std::string& key) {
  const toml::node* node = take(key);
  if (!node) return std::nullopt;
  if (!node->is_boolean()) wrong_type(key, "a boolean");
  return node->as_boolean()->get();
}

std::optional<std::vector<std::string>> TableReader::strings(const std::string& key) {
  const toml::node* node = take(key);
  if (!node) return std::nullopt;
  if (!node->is_array()) wrong_type(key, "an array of strings");
  std::vector<std::string> values;
  for (const toml::node& item : *node->as_array()) {
    if (!item.is_string()) fail(key, std::string("expected strings, found ") + type_name(item));
    values.push_back(item.as_string()->get());
  }
  return values;
}

std::optional<std::vector<int64_t>> TableReader::integers(const std::string& key, int64_t min) {
  const toml::node* node = take(key);
  if (!node) return std::nullopt;
  if (!node->is_array()) wrong_type(key, "an array of integers");
  std::vector<int64_t> values;
  for (const toml::node& item : *node->as_array()) {
    if (!item.is_integer()) fail(key, std::string("expected integers, found ") + type_name(item));
    values.push_back(item.as_integer()->get());
    if (values.back() < min) fail(key, "every value must be at least " + std::to_string(min));
  }
  return values;
}

std::optional<fs::path> TableReader::existing_path(const std::string& key) {
  const auto text = string(key);
  if (!text) return std::nullopt;
  const fs::path path = source_.base_dir / *text;
  if (!fs::exists(path)) fail(key, path.string() + ": no such file or folder");
  return path;
}

std::optional<TableReader> TableReader::table(const std::string& key) {
  const toml::node* node = take(key);
  if (!node) return std::nullopt;
  if (!node->is_table()) wrong_type(key, "a table");
  return TableReader(*node->as_table(), name(key), source_);
}

std::vector<TableReader> TableReader::tables(const std::string& key) {
  const toml::node* node = take(key);
  std::vector<TableReader> readers;
  if (!node) return readers;
  if (!node->is_array()) wrong_type(key, "an array of tables");
  const toml::array& items = *node->as_array();
  for (size_t i = 0; i < items.size(); ++i) {
    if (!items[i].is_table())
      fail(key, std::string("expected tables, found ") + type_name(items[i]));
    readers.emplace_back(*items[i].as_table(), name(key) + "[" + std::to_string(i) + "]", source_);
  }
  return readers;
}

Json TableReader::settings() const {
  std::ostringstream json;
  json << toml::json_formatter{*table_};
  return parse_json(json.str(), name("settings"));
}

void TableReader::finish() const {
  for (const auto& [key, node] : *table_) {
    const std::string k(key.str());
    if (read_.count(k) == 0) {
      throw Error(source_.name + ":" + std::to_string(node.source().begin.line) + ": unknown key " +
                  name(k));
    }
  }
}

}  // namespace longalign::recipe
