#include "core/json.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace longalign {
namespace {

std::string error_of(std::string_view text) {
  try {
    parse_json(text, "config.json");
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(Json, MalformedInputReportsLineAndColumn) {
  EXPECT_EQ(error_of("{\n  \"a\": 1,\n  \"b\": tru\n}").rfind("config.json:3:", 0), 0u)
      << error_of("{\n  \"a\": 1,\n  \"b\": tru\n}");
  EXPECT_EQ(error_of("[1, 2").rfind("config.json:1:", 0), 0u);
  EXPECT_NE(error_of("").find("malformed JSON"), std::string::npos);
}

TEST(Json, FieldErrorsNameTheField) {
  const Json j = parse_json(R"({"name": 3, "flag": "yes"})", "x");
  try {
    json_string(j, "name", "tokenizer.json: model");
    FAIL();
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "tokenizer.json: model: field \"name\" must be a string");
  }
  EXPECT_THROW(json_field(j, "missing", "w"), Error);
  EXPECT_THROW(json_bool_or(j, "flag", false, "w"), Error);
  EXPECT_TRUE(json_bool_or(j, "absent", true, "w"));
}

}  // namespace
}  // namespace longalign
