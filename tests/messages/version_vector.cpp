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

/// Small ids and counters, so random vectors overlap, leave gaps (isolated
/// dots) and close them again.
constexpr replica_id domain_ids = 4;
constexpr uint64_t domain_counters = 8;

version_vector random_vv(std::mt19937_64& rng) {
  version_vector result;
  for (auto n = rng() % 12; n > 0; --n)
    add_dot(result, dot{1 + rng() % domain_ids, 1 + rng() % domain_counters},
            rng() % 100);
  return result;
}

/// True iff `x` has seen every event of the domain that `y` has seen: the
/// set-inclusion definition that `compare` must agree with.
bool includes(const version_vector& x, const version_vector& y) {
  for (replica_id id = 1; id <= domain_ids; ++id)
    for (uint64_t c = 1; c <= domain_counters; ++c)
      if (covers(y, dot{id, c}) && !covers(x, dot{id, c}))
        return false;
  return true;
}

version_vector without_timestamps(version_vector x) {
  for (auto& e : x.entries)
    e.timestamp_ms = 0;
  return x;
}

void put_varint(std::vector<uint8_t>& out, uint64_t x) {
  for (; x >= 0x80; x >>= 7)
    out.push_back(static_cast<uint8_t>(x | 0x80));
  out.push_back(static_cast<uint8_t>(x));
}

/// Base64url without padding, written independently of the code under test
/// so that hand-made byte layouts reach the binary parser.
std::string b64(const std::vector<uint8_t>& raw) {
  static const char* alphabet
    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (auto byte : raw) {
    acc = (acc << 8) | byte;
    for (bits += 8; bits >= 6; bits -= 6)
      out += alphabet[(acc >> (bits - 6)) & 63];
  }
  if (bits > 0)
    out += alphabet[(acc << (6 - bits)) & 63];
  return out;
}

bool only_url_safe(const std::string& text) {
  for (char c : text)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
          || (c >= '0' && c <= '9') || c == '-' || c == '_'))
      return false;
  return true;
}

/// Every accepted text must decode to a vector meeting the invariants and
/// be the one spelling of it (equal contexts compare equal as text).
void check_accepted(const std::string& text) {
  auto x = decode_context(text);
  if (!x)
    return;
  for (size_t i = 1; i < x->entries.size(); ++i)
    CAF_CHECK_LESS(x->entries[i - 1].id, x->entries[i].id);
  for (auto& e : x->entries)
    CAF_CHECK_GREATER(e.counter, 0u);
  for (size_t i = 1; i < x->extra.size(); ++i)
    CAF_CHECK(x->extra[i - 1] < x->extra[i]);
  for (auto& d : x->extra)
    CAF_CHECK_GREATER(d.counter, counter_of(*x, d.id) + 1);
  CAF_CHECK_EQUAL(encode_context(*x), text);
}

} // namespace

CAF_TEST(compare orders vectors causally) {
  CAF_CHECK_EQUAL(compare(vv({}), vv({})), causal_order::equal);
  CAF_CHECK_EQUAL(compare(vv({{1, 1}}), vv({{1, 2}})), causal_order::before);
  CAF_CHECK_EQUAL(compare(vv({{1, 2}}), vv({{1, 1}})), causal_order::after);
  CAF_CHECK_EQUAL(compare(vv({}), vv({{3, 1}})), causal_order::before);
  CAF_CHECK_EQUAL(compare(vv({{1, 1}}), vv({{1, 1}, {2, 1}})),
                  causal_order::before);
  CAF_CHECK_EQUAL(compare(vv({{1, 2}}), vv({{1, 1}, {2, 1}})),
                  causal_order::concurrent);
  CAF_CHECK_EQUAL(compare(vv({{1, 1}, {3, 4}}), vv({{1, 1}, {3, 4}})),
                  causal_order::equal);
  CAF_CHECK_EQUAL(to_string(causal_order::concurrent),
                  std::string{"concurrent"});
  // Against the definition (inclusion of seen events), clouds included.
  std::mt19937_64 rng{2024};
  for (int i = 0; i < 2000; ++i) {
    auto x = random_vv(rng);
    auto y = random_vv(rng);
    auto x_has_y = includes(x, y);
    auto y_has_x = includes(y, x);
    auto expected = x_has_y && y_has_x ? causal_order::equal
                    : x_has_y          ? causal_order::after
                    : y_has_x          ? causal_order::before
                                       : causal_order::concurrent;
    CAF_CHECK_EQUAL(compare(x, y), expected);
  }
}

CAF_TEST(merge is the least upper bound) {
  auto x = vv({{1, 3}, {2, 1}});
  auto y = vv({{2, 5}, {4, 1}});
  auto m = x;
  merge_into(m, y);
  CAF_CHECK_EQUAL(m, vv({{1, 3}, {2, 5}, {4, 1}}));
  CAF_CHECK_EQUAL(compare(x, m), causal_order::before);
  CAF_CHECK_EQUAL(compare(y, m), causal_order::before);
  std::mt19937_64 rng{77};
  for (int i = 0; i < 2000; ++i) {
    auto a = random_vv(rng);
    auto b = random_vv(rng);
    auto ab = a;
    merge_into(ab, b);
    auto ba = b;
    merge_into(ba, a);
    CAF_CHECK_EQUAL(ab, ba);
    // Upper bound, and least: it sees exactly what either side saw.
    for (replica_id id = 1; id <= domain_ids; ++id)
      for (uint64_t c = 1; c <= domain_counters; ++c)
        CAF_CHECK_EQUAL(covers(ab, dot{id, c}),
                        covers(a, dot{id, c}) || covers(b, dot{id, c}));
    auto aa = a;
    merge_into(aa, a);
    CAF_CHECK_EQUAL(aa, a);
  }
}

CAF_TEST(merge keeps the timestamp of the larger counter) {
  version_vector x;
  add_dot(x, dot{1, 1}, 10);
  add_dot(x, dot{1, 2}, 20);
  add_dot(x, dot{2, 1}, 50);
  version_vector y;
  add_dot(y, dot{1, 1}, 99); // older counter, later clock: loses
  add_dot(y, dot{2, 1}, 70); // equal counter: the later timestamp wins
  merge_into(x, y);
  CAF_REQUIRE_EQUAL(x.entries.size(), 2u);
  CAF_CHECK_EQUAL(x.entries[0], (clock_entry{1, 2, 20}));
  CAF_CHECK_EQUAL(x.entries[1], (clock_entry{2, 1, 70}));
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
}

CAF_TEST(prune drops the oldest entries but never the kept one) {
  version_vector x;
  for (replica_id id = 1; id <= 15; ++id)
    add_dot(x, dot{id, 1}, 100 + id); // id 1 is the oldest
  add_dot(x, dot{4, 3}, 0);           // a cloud dot of an id to be dropped
  auto unchanged = x;
  prune(unchanged, 15, 1);
  CAF_CHECK_EQUAL(unchanged, x);
  prune(x, 10, 1);
  CAF_CHECK_EQUAL(x.entries.size(), 10u);
  CAF_CHECK_EQUAL(counter_of(x, 1), 1u); // kept although oldest
  for (replica_id id = 2; id <= 6; ++id)
    CAF_CHECK_EQUAL(counter_of(x, id), 0u);
  for (replica_id id = 7; id <= 15; ++id)
    CAF_CHECK_EQUAL(counter_of(x, id), 1u);
  CAF_CHECK(!covers(x, dot{4, 3}));
  CAF_CHECK(x.extra.empty());
  // Equal timestamps: lower ids go first, so every replica prunes alike.
  version_vector tie;
  for (replica_id id : {9, 3, 5, 7})
    add_dot(tie, dot{id, 1}, 500);
  prune(tie, 2, 3);
  CAF_CHECK_EQUAL(without_timestamps(tie), vv({{3, 1}, {9, 1}}));
}

CAF_TEST(contexts round trip as url safe text) {
  CAF_CHECK_EQUAL(encode_context({}), "");
  auto none = decode_context("");
  CAF_REQUIRE(none.has_value());
  CAF_CHECK_EQUAL(*none, version_vector{});
  std::mt19937_64 rng{42};
  for (int round = 0; round < 1000; ++round) {
    // Mostly small numbers with clouds, sometimes the largest accepted.
    auto x = round % 2 == 0 ? random_vv(rng) : version_vector{};
    for (auto n = round % 2 == 0 ? 0 : rng() % 12; n > 0; --n) {
      auto id = rng() >> (rng() % 64);
      auto counter = 1 + ((rng() >> 2) >> (rng() % 62));
      add_dot(x, dot{id, counter}, rng());
    }
    auto text = encode_context(x);
    CAF_CHECK(only_url_safe(text));
    auto back = decode_context(text);
    CAF_REQUIRE(back.has_value());
    CAF_CHECK_EQUAL(*back, without_timestamps(x));
    check_accepted(text);
  }
  version_vector cloud;
  add_dot(cloud, dot{1, 1}, 0);
  add_dot(cloud, dot{1, 3}, 0);
  auto back = decode_context(encode_context(cloud));
  CAF_REQUIRE(back.has_value());
  CAF_CHECK(covers(*back, dot{1, 3}));
  CAF_CHECK(!covers(*back, dot{1, 2}));
}

CAF_TEST(malformed contexts are rejected) {
  using bytes = std::vector<uint8_t>;
  // Controls: the hand-made layout is the real one, so the rejections below
  // are rejections of the defect and not of the layout.
  CAF_CHECK_EQUAL(b64({1, 1, 5, 7, 0}), encode_context(vv({{5, 7}})));
  CAF_CHECK(decode_context(b64({1, 1, 5, 7, 1, 5, 9})).has_value());
  bytes max_counter{1, 1, 5};
  put_varint(max_counter, uint64_t{1} << 62);
  max_counter.push_back(0);
  CAF_CHECK(decode_context(b64(max_counter)).has_value());
  bytes max_id{1, 1};
  put_varint(max_id, ~uint64_t{0});
  max_id.insert(max_id.end(), {1, 0});
  CAF_CHECK(decode_context(b64(max_id)).has_value());
  std::vector<bytes> bad{
    {2, 1, 5, 7, 0},                   // unknown format
    {1, 0, 0},                         // empty, but not spelled ""
    {1, 1, 5, 7},                      // truncated before the cloud count
    {1, 1, 0x85},                      // truncated varint
    {1, 1, 0x85, 0x00, 7, 0},          // overlong varint (5 in two bytes)
    {1, 1, 5, 0, 0},                   // zero counter
    {1, 2, 9, 1, 5, 1, 0},             // unsorted ids
    {1, 2, 5, 1, 5, 2, 0},             // duplicate ids
    {1, 1, 5, 7, 0, 0},                // trailing byte
    {1, 1, 5, 7, 1, 5, 8},             // cloud dot that extends the counter
    {1, 1, 5, 7, 1, 5, 3},             // cloud dot below the counter
    {1, 0, 1, 5, 0},                   // zero cloud counter
    {1, 0, 2, 5, 9, 5, 4},             // unsorted cloud
    {1, 0, 2, 5, 4, 5, 4},             // duplicate cloud dot
    {1, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F}, // absurd count, few bytes follow
  };
  bytes eleven{1, 1};
  eleven.insert(eleven.end(), 10, 0x80);
  eleven.insert(eleven.end(), {0x01, 1, 0});
  bad.push_back(eleven); // an 11-byte varint
  bytes wide{1, 1};
  wide.insert(wide.end(), 9, 0xFF);
  wide.insert(wide.end(), {0x02, 1, 0});
  bad.push_back(wide); // 65 bits
  bytes huge_counter{1, 1, 5};
  put_varint(huge_counter, (uint64_t{1} << 62) + 1);
  huge_counter.push_back(0);
  bad.push_back(huge_counter);
  bytes many{1};
  put_varint(many, 5000); // more entries than any clock, all well-formed
  for (uint64_t id = 1; id <= 5000; ++id) {
    put_varint(many, id);
    many.push_back(1);
  }
  many.push_back(0);
  bad.push_back(many);
  for (size_t i = 0; i < bad.size(); ++i) {
    CAF_MESSAGE("malformed layout #" << i);
    CAF_CHECK(!decode_context(b64(bad[i])).has_value());
  }
  auto good = encode_context(vv({{5, 7}, {300, 2}}));
  CAF_REQUIRE(decode_context(good).has_value());
  for (auto text :
       {good + "=", good + "==", "+" + good, good.substr(1) + "/", good + " ",
        good + "\n", std::string{"\xC3\xA9"} + good, std::string{"AQ\0F", 4},
        std::string{"A"}, std::string{"AQ=="}, std::string{"not a context"}})
    CAF_CHECK(!decode_context(text).has_value());
  // Unused low bits of the last character must be zero: one spelling only.
  CAF_REQUIRE_NOT_EQUAL(good.size() % 4, 0u);
  auto odd = good;
  odd.back() = odd.back() == '_' ? '-' : static_cast<char>(odd.back() + 1);
  CAF_CHECK(!decode_context(odd).has_value());
}

CAF_TEST(garbage contexts never crash the decoder) {
  auto good = encode_context(vv({{123456789, 42}, {987654321, 7}}));
  for (size_t len = 1; len < good.size(); ++len)
    CAF_CHECK(!decode_context(good.substr(0, len)).has_value());
  const std::string alphabet
    = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  for (size_t i = 0; i < good.size(); ++i)
    for (char c : alphabet + "+/=.") {
      auto mutated = good;
      mutated[i] = c;
      check_accepted(mutated);
    }
  std::mt19937_64 rng{7};
  for (int i = 0; i < 20000; ++i) {
    std::string junk(rng() % 48, ' ');
    switch (i % 3) {
    case 0: // any bytes at all
      for (auto& c : junk)
        c = static_cast<char>(rng());
      check_accepted(junk);
      break;
    case 1: // the right alphabet
      for (auto& c : junk)
        c = alphabet[rng() % 64];
      check_accepted(junk);
      break;
    default: { // the right format byte, random varints after it
      std::vector<uint8_t> raw{1};
      for (auto n = rng() % 40; n > 0; --n)
        raw.push_back(static_cast<uint8_t>(rng() % 3 == 0 ? rng() % 4 : rng()));
      check_accepted(b64(raw));
    }
    }
  }
}
