#include "node-main/console_text.hpp"

#include "caf/test/unit_test.hpp"

using namespace dkv::console;

CAF_TEST(words split on blanks and respect quotes and escapes) {
  auto w = split_words(R"(put "a key" 'it''s' x\ y "q\"uote")");
  CAF_REQUIRE(w.has_value());
  CAF_CHECK_EQUAL(*w, (std::vector<std::string>{"put", "a key", "its", "x y",
                                                "q\"uote"}));
  // (CAF_CHECK_EQUAL keeps references: no temporaries in it.)
  auto spaced = split_words("  get   k  ");
  CAF_REQUIRE(spaced.has_value());
  CAF_CHECK_EQUAL(*spaced, (std::vector<std::string>{"get", "k"}));
  auto empty_value = split_words("put k ''");
  CAF_REQUIRE(empty_value.has_value());
  CAF_CHECK_EQUAL(*empty_value, (std::vector<std::string>{"put", "k", ""}));
  CAF_CHECK(split_words("")->empty());
  CAF_CHECK(!split_words("put \"open").has_value());
  CAF_CHECK(!split_words("trailing\\").has_value());
}

CAF_TEST(json strings are always valid json) {
  CAF_CHECK_EQUAL(json_string("plain"), "\"plain\"");
  CAF_CHECK_EQUAL(json_string("a\"b\\c"), "\"a\\\"b\\\\c\"");
  CAF_CHECK_EQUAL(json_string("l1\nl2\t"), "\"l1\\nl2\\t\"");
  CAF_CHECK_EQUAL(json_string(std::string("\x00\x01", 2)),
                  "\"\\u0000\\u0001\"");
  CAF_CHECK_EQUAL(json_string("caf\xc3\xa9"), "\"caf\xc3\xa9\""); // UTF-8
  CAF_CHECK_EQUAL(json_string("\xff\xc3"), "\"\\u00ff\\u00c3\""); // invalid
}

CAF_TEST(json objects keep field order) {
  auto text = json_object{}
                .boolean("ok", true)
                .str("op", "get")
                .strings("values", {"a", "b"})
                .num("n", -1)
                .str();
  CAF_CHECK_EQUAL(text,
                  R"({"ok":true,"op":"get","values":["a","b"],"n":-1})");
  CAF_CHECK_EQUAL(json_object{}.str(), "{}");
}
