#include "node-main/console_text.hpp"

#include "caf/test/unit_test.hpp"

using namespace dkv::console;

namespace {

using words = std::vector<std::string>;

} // namespace

CAF_TEST(words split on blanks and respect quotes and escapes) {
  auto w = split_words(R"(put "a key" 'it''s' x\ y "q\"uote")");
  CAF_REQUIRE(w.has_value());
  CAF_CHECK_EQUAL(*w, (words{"put", "a key", "its", "x y", "q\"uote"}));
  // (CAF_CHECK_EQUAL keeps references: no temporaries in it.)
  auto spaced = split_words("  get \t k  \r");
  CAF_REQUIRE(spaced.has_value());
  CAF_CHECK_EQUAL(*spaced, (words{"get", "k"}));
  auto empty_value = split_words("put k ''");
  CAF_REQUIRE(empty_value.has_value());
  CAF_CHECK_EQUAL(*empty_value, (words{"put", "k", ""}));
  // Backslashes are literal inside single quotes, escapes inside double.
  auto backslashes = split_words(R"('a\b' "c\\d" e\\)");
  CAF_REQUIRE(backslashes.has_value());
  CAF_CHECK_EQUAL(*backslashes, (words{"a\\b", "c\\d", "e\\"}));
  // Quotes glue onto adjacent text, as in a shell.
  auto glued = split_words(R"(--context="a b"c)");
  CAF_REQUIRE(glued.has_value());
  CAF_CHECK_EQUAL(*glued, (words{"--context=a bc"}));
  CAF_CHECK(split_words("")->empty());
  CAF_CHECK(split_words("   ")->empty());
  CAF_CHECK(!split_words("put \"open").has_value());
  CAF_CHECK(!split_words("put 'open").has_value());
  CAF_CHECK(!split_words("trailing\\").has_value());
}

CAF_TEST(the first token names a line that does not split) {
  CAF_CHECK_EQUAL(first_token("  put \"open"), "put");
  CAF_CHECK_EQUAL(first_token("get"), "get");
  CAF_CHECK_EQUAL(first_token(" \t"), "");
}

CAF_TEST(commands separate positional words from options) {
  command cmd;
  CAF_CHECK_EQUAL(
    parse_command(words{"put", "k", "--w=3", "v", "--context=a=b"}, cmd), "");
  CAF_CHECK_EQUAL(cmd.op, "put");
  CAF_CHECK_EQUAL(cmd.args, (words{"k", "v"}));
  CAF_CHECK_EQUAL(cmd.opts.size(), 2u);
  CAF_CHECK_EQUAL(cmd.opts["w"], "3");
  CAF_CHECK_EQUAL(cmd.opts["context"], "a=b"); // split at the first '='
  // An empty option value is a value (e.g. the empty context).
  CAF_CHECK_EQUAL(parse_command(words{"del", "k", "--context="}, cmd), "");
  CAF_CHECK_EQUAL(cmd.opts.count("context"), 1u);
  CAF_CHECK_EQUAL(cmd.opts["context"], "");
  // After "--", words that look like options are plain arguments.
  CAF_CHECK_EQUAL(parse_command(words{"put", "--", "--k", "--w=1"}, cmd), "");
  CAF_CHECK_EQUAL(cmd.args, (words{"--k", "--w=1"}));
  CAF_CHECK(cmd.opts.empty());
  // A single dash is not an option.
  CAF_CHECK_EQUAL(parse_command(words{"get", "-"}, cmd), "");
  CAF_CHECK_EQUAL(cmd.args, (words{"-"}));
  // Malformed options name themselves and keep the command's name.
  CAF_CHECK_NOT_EQUAL(parse_command(words{"get", "k", "--r"}, cmd), "");
  CAF_CHECK_EQUAL(cmd.op, "get");
  CAF_CHECK_NOT_EQUAL(parse_command(words{"get", "k", "--=1"}, cmd), "");
  // --force is the one flag without a value.
  CAF_CHECK_EQUAL(parse_command(words{"leave", "node2", "--force"}, cmd), "");
  CAF_CHECK_EQUAL(cmd.opts["force"], "true");
}

CAF_TEST(json strings are always valid json) {
  CAF_CHECK_EQUAL(json_string(""), "\"\"");
  CAF_CHECK_EQUAL(json_string("plain"), "\"plain\"");
  CAF_CHECK_EQUAL(json_string("a\"b\\c/"), "\"a\\\"b\\\\c/\"");
  CAF_CHECK_EQUAL(json_string("l1\nl2\t"), "\"l1\\nl2\\t\"");
  CAF_CHECK_EQUAL(json_string(std::string("\x00\x01\x1f\x7f", 4)),
                  "\"\\u0000\\u0001\\u001f\\u007f\"");
  CAF_CHECK_EQUAL(json_string("caf\xc3\xa9"), "\"caf\xc3\xa9\"");   // 2 bytes
  CAF_CHECK_EQUAL(json_string("\xe2\x82\xac"), "\"\xe2\x82\xac\""); // 3
  CAF_CHECK_EQUAL(json_string("\xf0\x9f\x98\x80"),
                  "\"\xf0\x9f\x98\x80\""); // 4 bytes
  // Invalid: stray continuation/lead bytes, a truncated sequence.
  CAF_CHECK_EQUAL(json_string("\xff\xc3"), "\"\\u00ff\\u00c3\"");
  CAF_CHECK_EQUAL(json_string("\x80x"), "\"\\u0080x\"");
  CAF_CHECK_EQUAL(json_string("\xe2\x82"), "\"\\u00e2\\u0082\"");
  // Invalid: an overlong '/', a surrogate, a code point above U+10FFFF.
  CAF_CHECK_EQUAL(json_string("\xc0\xaf"), "\"\\u00c0\\u00af\"");
  CAF_CHECK_EQUAL(json_string("\xed\xa0\x80"), "\"\\u00ed\\u00a0\\u0080\"");
  CAF_CHECK_EQUAL(json_string("\xf4\x90\x80\x80"),
                  "\"\\u00f4\\u0090\\u0080\\u0080\"");
  // The largest valid code point passes.
  CAF_CHECK_EQUAL(json_string("\xf4\x8f\xbf\xbf"), "\"\xf4\x8f\xbf\xbf\"");
}

CAF_TEST(json objects keep field order and escape names) {
  auto text = json_object{}
                .boolean("ok", true)
                .str("op", "get")
                .strings("values", {"a", "b"})
                .strings("none", {})
                .num("n", -1)
                .str();
  CAF_CHECK_EQUAL(
    text, R"({"ok":true,"op":"get","values":["a","b"],"none":[],"n":-1})");
  CAF_CHECK_EQUAL(json_object{}.str(), "{}");
  auto nested = json_object{}
                  .str("a\"b", "x")
                  .raw("stats", json_object{}.str("k", "v").str())
                  .str();
  CAF_CHECK_EQUAL(nested, R"({"a\"b":"x","stats":{"k":"v"}})");
}
