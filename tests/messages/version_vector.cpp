#include "messages/version_vector.hpp"

#include <random>

#include "caf/test/unit_test.hpp"

using namespace dkv;

namespace {

/// A vector that has seen events 1..counter of each id.
version_vector vv(std::initializer_list<std::pair<replica_id, uint64_t>> xs) {
  version_vector result;
  for (auto [id, counter] : xs)
    for (uint64_t c = 1; c <= counter; ++c)
      add_dot(result, dot{id, c}, 0);
  return result;
}

} // namespace

CAF_TEST(compare orders vectors causally) {
  CAF_CHECK_EQUAL(compare(vv({}), vv({})), causal_order::equal);
  CAF_CHECK_EQUAL(compare(vv({{1, 1}}), vv({{1, 2}})), causal_order::before);
  CAF_CHECK_EQUAL(compare(vv({{1, 2}}), vv({{1, 1}})), causal_order::after);
  CAF_CHECK_EQUAL(compare(vv({{1, 1}}), vv({{1, 1}, {2, 1}})),
                  causal_order::before);
  CAF_CHECK_EQUAL(compare(vv({{1, 2}}), vv({{1, 1}, {2, 1}})),
                  causal_order::concurrent);
  CAF_CHECK_EQUAL(compare(vv({{1, 1}, {3, 4}}), vv({{1, 1}, {3, 4}})),
                  causal_order::equal);
}

CAF_TEST(merge is the least upper bound) {
  auto x = vv({{1, 3}, {2, 1}});
  auto y = vv({{2, 5}, {4, 1}});
  auto m = x;
  merge_into(m, y);
  CAF_CHECK_EQUAL(m, vv({{1, 3}, {2, 5}, {4, 1}}));
  CAF_CHECK(compare(x, m) == causal_order::before);
  CAF_CHECK(compare(y, m) == causal_order::before);
  auto m2 = y;
  merge_into(m2, x);
  CAF_CHECK_EQUAL(m, m2);
}

CAF_TEST(covers and counters) {
  auto x = vv({{7, 3}});
  CAF_CHECK(covers(x, dot{7, 3}));
  CAF_CHECK(covers(x, dot{7, 1}));
  CAF_CHECK(!covers(x, dot{7, 4}));
  CAF_CHECK(!covers(x, dot{8, 1}));
  CAF_CHECK_EQUAL(counter_of(x, 7), 3u);
  CAF_CHECK_EQUAL(counter_of(x, 9), 0u);
}

CAF_TEST(isolated dots stay exact until the gap closes) {
  version_vector x;
  add_dot(x, dot{1, 1}, 0);
  add_dot(x, dot{1, 3}, 0); // saw the third write but not the second
  CAF_CHECK(covers(x, dot{1, 1}));
  CAF_CHECK(!covers(x, dot{1, 2}));
  CAF_CHECK(covers(x, dot{1, 3}));
  CAF_CHECK_EQUAL(counter_of(x, 1), 1u);
  CAF_CHECK_EQUAL(max_counter_of(x, 1), 3u);
  CAF_CHECK_EQUAL(compare(x, vv({{1, 3}})), causal_order::before);
  CAF_CHECK_EQUAL(compare(x, vv({{1, 2}})), causal_order::concurrent);
  auto y = x;
  add_dot(y, dot{1, 2}, 0); // the gap closes: a plain counter again
  CAF_CHECK_EQUAL(y, vv({{1, 3}}));
  CAF_CHECK(y.extra.empty());
  auto z = x;
  merge_into(z, vv({{1, 2}}));
  CAF_CHECK_EQUAL(z, vv({{1, 3}}));
  // Isolated dots survive the context codec.
  auto back = decode_context(encode_context(x));
  CAF_REQUIRE(back.has_value());
  CAF_CHECK(covers(*back, dot{1, 3}));
  CAF_CHECK(!covers(*back, dot{1, 2}));
}

CAF_TEST(prune drops the oldest entries but never the kept one) {
  version_vector x;
  for (replica_id id = 1; id <= 15; ++id)
    add_dot(x, dot{id, 1}, 100 + id); // id 1 is the oldest
  prune(x, 10, 1);
  CAF_CHECK_EQUAL(x.entries.size(), 10u);
  CAF_CHECK_EQUAL(counter_of(x, 1), 1u); // kept although oldest
  for (replica_id id = 2; id <= 6; ++id)
    CAF_CHECK_EQUAL(counter_of(x, id), 0u);
  for (replica_id id = 7; id <= 15; ++id)
    CAF_CHECK_EQUAL(counter_of(x, id), 1u);
}

CAF_TEST(contexts round trip) {
  std::mt19937_64 rng{42};
  for (int round = 0; round < 500; ++round) {
    version_vector x;
    auto entries = rng() % 12;
    for (size_t i = 0; i < entries; ++i)
      add_dot(x, dot{rng() >> (rng() % 64), 1 + (rng() >> (rng() % 64))}, 0);
    auto text = encode_context(x);
    for (char c : text)
      CAF_CHECK(std::isalnum(static_cast<unsigned char>(c)) || c == '-'
                || c == '_');
    auto back = decode_context(text);
    CAF_REQUIRE(back.has_value());
    CAF_CHECK_EQUAL(back->entries.size(), x.entries.size());
    for (size_t i = 0; i < x.entries.size(); ++i) {
      CAF_CHECK_EQUAL(back->entries[i].id, x.entries[i].id);
      CAF_CHECK_EQUAL(back->entries[i].counter, x.entries[i].counter);
    }
    CAF_CHECK(back->extra == x.extra);
  }
  CAF_CHECK(decode_context("").has_value());
  CAF_CHECK(decode_context("")->entries.empty());
}

CAF_TEST(garbage contexts are rejected without crashing) {
  for (auto bad : {"%%%", "a", "AAAA", "not a context", "////", "AQ==",
                   "_____________________________________________"}) {
    CAF_CHECK(!decode_context(bad).has_value());
  }
  version_vector x;
  add_dot(x, dot{123456789, 42}, 0);
  add_dot(x, dot{987654321, 7}, 0);
  auto text = encode_context(x);
  // Every truncation and every single-character change is either rejected
  // or decodes to a well-formed vector.
  for (size_t len = 1; len < text.size(); ++len)
    CAF_CHECK(!decode_context(text.substr(0, len)).has_value());
  std::mt19937_64 rng{7};
  for (int i = 0; i < 5000; ++i) {
    std::string junk(rng() % 40, ' ');
    for (auto& c : junk)
      c = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        [rng() % 64];
    auto decoded = decode_context(junk);
    if (decoded) {
      for (size_t j = 1; j < decoded->entries.size(); ++j)
        CAF_CHECK(decoded->entries[j - 1].id < decoded->entries[j].id);
      for (auto& e : decoded->entries)
        CAF_CHECK(e.counter > 0);
    }
  }
}
