#include "actors/detail/reaped_memory.hpp"

#include "caf/test/unit_test.hpp"

using namespace dkv;
using namespace dkv::detail;
using namespace std::chrono_literals;

namespace {

constexpr replica_id a = 0x1111111100000001ull;
constexpr replica_id b = 0x2222222200000001ull;

object write(const object& stored, replica_id coordinator,
             version_vector context = {}, bool tombstone = false) {
  write_request req;
  req.context = std::move(context);
  if (!tombstone)
    req.value = "v";
  req.coordinator = coordinator;
  req.now_ms = 1;
  return apply_write(stored, req);
}

const reaped_memory::time_point t0{};

} // namespace

CAF_TEST(a version the reaped tombstone covered is dropped on arrival) {
  object empty{"k", {}};
  auto old = write(empty, a);
  auto deleted = write(old, a, context_of(old), true);
  reaped_memory memory;
  memory.remember("k", context_of(deleted), t0 + 10s);
  auto late = old;
  memory.filter(late, t0 + 1s);
  CAF_CHECK(late.siblings.empty());
  // The tombstone itself is gone too: it was reaped.
  auto late_tombstone = deleted;
  memory.filter(late_tombstone, t0 + 1s);
  CAF_CHECK(late_tombstone.siblings.empty());
  // Other keys pass untouched.
  auto other_key = old;
  other_key.key = "j";
  auto untouched = other_key;
  memory.filter(other_key, t0 + 1s);
  CAF_CHECK_EQUAL(other_key, untouched);
}

CAF_TEST(a write concurrent with or after the reap survives) {
  object empty{"k", {}};
  auto old = write(empty, a);
  auto deleted = write(old, a, context_of(old), true);
  auto concurrent = write(old, b, context_of(old)); // did not see the delete
  auto after = write(empty, b);                     // written after the reap
  reaped_memory memory;
  memory.remember("k", context_of(deleted), t0 + 10s);
  auto copy = concurrent;
  memory.filter(copy, t0 + 1s);
  CAF_CHECK_EQUAL(copy, concurrent);
  copy = after;
  memory.filter(copy, t0 + 1s);
  CAF_CHECK_EQUAL(copy, after);
  // Of an object mixing both, only the covered sibling goes.
  object mixed{"k", {old.siblings.front(), concurrent.siblings.front()}};
  memory.filter(mixed, t0 + 1s);
  CAF_REQUIRE_EQUAL(mixed.siblings.size(), 1u);
  CAF_CHECK_EQUAL(mixed.siblings.front(), concurrent.siblings.front());
}

CAF_TEST(memory ends when it expires and two reaps of a key add up) {
  object empty{"k", {}};
  auto first = write(empty, a);
  auto second = write(empty, b); // a later life of the key, another writer
  reaped_memory memory;
  memory.remember("k", context_of(first), t0 + 10s);
  memory.remember("k", context_of(second), t0 + 20s);
  CAF_CHECK_EQUAL(memory.size(), 1u);
  auto x = first;
  memory.filter(x, t0 + 15s); // the first reap's clock is kept to the end
  CAF_CHECK(x.siblings.empty());
  x = second;
  memory.filter(x, t0 + 15s);
  CAF_CHECK(x.siblings.empty());
  memory.expire(t0 + 19s);
  CAF_CHECK_EQUAL(memory.size(), 1u);
  memory.expire(t0 + 21s);
  CAF_CHECK_EQUAL(memory.size(), 0u);
  x = first;
  memory.remember("k", context_of(first), t0 + 30s);
  memory.filter(x, t0 + 31s); // expired on lookup
  CAF_CHECK_EQUAL(x, first);
  CAF_CHECK_EQUAL(memory.size(), 0u);
}

CAF_TEST(a persisted memory comes back with what was left of each entry) {
  object empty{"k", {}};
  auto a_write = write(empty, a);
  auto b_write = write(empty, b);
  reaped_memory memory;
  memory.remember("k", context_of(a_write), t0 + 10s);
  memory.remember("j", context_of(b_write), t0 + 3s);
  memory.remember("gone", context_of(b_write), t0 + 1s);
  auto record = to_record(memory, t0 + 2s);
  CAF_REQUIRE_EQUAL(record.keys.size(), 2u); // "gone" expired
  // A restart much later (another clock base): each entry lasts as long as
  // it had left, counted from the restart.
  const reaped_memory::time_point later = t0 + 1h;
  reaped_memory restored;
  restore(restored, record, later);
  CAF_CHECK_EQUAL(restored.size(), 2u);
  auto x = a_write;
  restored.filter(x, later + 7s);
  CAF_CHECK(x.siblings.empty());
  auto y = b_write;
  y.key = "j";
  restored.filter(y, later + 500ms);
  CAF_CHECK(y.siblings.empty());
  y = b_write;
  y.key = "j";
  restored.filter(y, later + 2s); // "j" had 1 s left
  CAF_CHECK_EQUAL(y.siblings.size(), 1u);
  // A damaged record is ignored, not half applied.
  record.clocks.pop_back();
  reaped_memory untouched;
  restore(untouched, record, later);
  CAF_CHECK_EQUAL(untouched.size(), 0u);
}
