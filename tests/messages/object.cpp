#include "messages/object.hpp"

#include <algorithm>
#include <random>

#include "caf/test/unit_test.hpp"

using namespace dkv;

namespace {

/// A client or replica's view of one key during a random history.
object write(const object& stored, version_vector context,
             std::optional<std::string> value, replica_id coordinator,
             uint64_t now = 1) {
  write_request req;
  req.context = std::move(context);
  req.value = std::move(value);
  req.coordinator = coordinator;
  req.now_ms = now;
  return apply_write(stored, req);
}

bool no_obsolete_siblings(const object& x) {
  for (auto& s : x.siblings)
    for (auto& t : x.siblings)
      if (s.event != t.event && covers(t.past, s.event))
        return false;
  return std::is_sorted(x.siblings.begin(), x.siblings.end(),
                        [](auto& a, auto& b) { return a.event < b.event; });
}

/// Random replica states of one key: several coordinators write with random
/// (often stale) contexts and exchange states at random.
std::vector<object> random_states(std::mt19937_64& rng, size_t count) {
  std::vector<object> replicas(3, object{"k", {}});
  std::vector<object> result;
  for (size_t step = 0; step < count; ++step) {
    auto r = rng() % replicas.size();
    switch (rng() % 3) {
      case 0: { // a write with the context of a possibly stale read
        auto& seen = replicas[rng() % replicas.size()];
        auto ctx = rng() % 4 == 0 ? version_vector{} : context_of(seen);
        replicas[r] = write(replicas[r], ctx, std::to_string(step), 100 + r,
                            step);
        break;
      }
      case 1: // anti-entropy between two replicas
        replicas[r] = reconcile(replicas[r],
                                replicas[rng() % replicas.size()]);
        break;
      default: // a delete
        replicas[r] = write(replicas[r], context_of(replicas[r]),
                            std::nullopt, 100 + r, step);
    }
    result.push_back(replicas[r]);
  }
  return result;
}

} // namespace

CAF_TEST(reconcile is commutative associative and idempotent) {
  std::mt19937_64 rng{1234};
  for (int round = 0; round < 200; ++round) {
    auto states = random_states(rng, 30);
    for (int i = 0; i < 50; ++i) {
      auto& a = states[rng() % states.size()];
      auto& b = states[rng() % states.size()];
      auto& c = states[rng() % states.size()];
      CAF_CHECK_EQUAL(reconcile(a, b), reconcile(b, a));
      CAF_CHECK_EQUAL(reconcile(reconcile(a, b), c),
                      reconcile(a, reconcile(b, c)));
      CAF_CHECK_EQUAL(reconcile(a, a), a);
      auto m = reconcile(a, b);
      CAF_CHECK(no_obsolete_siblings(m));
      CAF_CHECK(descends(m, a));
      CAF_CHECK(descends(m, b));
    }
  }
}

CAF_TEST(reconcile loses no sibling that nothing supersedes) {
  std::mt19937_64 rng{99};
  for (int round = 0; round < 200; ++round) {
    auto states = random_states(rng, 20);
    auto& a = states[rng() % states.size()];
    auto& b = states[rng() % states.size()];
    auto m = reconcile(a, b);
    for (auto* side : {&a, &b})
      for (auto& s : side->siblings) {
        bool superseded = false;
        for (auto* other : {&a, &b})
          for (auto& t : other->siblings)
            superseded = superseded
                         || (t.event != s.event && covers(t.past, s.event));
        bool kept = std::any_of(m.siblings.begin(), m.siblings.end(),
                                [&](auto& x) { return x.event == s.event; });
        CAF_CHECK_EQUAL(kept, !superseded);
      }
  }
}

CAF_TEST(stale writers through one coordinator do not explode siblings) {
  // basho/riak_kv#746: two clients interleave writes with stale contexts
  // through the same coordinator. Each write supersedes exactly what its
  // client had read, so siblings = writes that no later read saw.
  object stored{"k", {}};
  const replica_id coordinator = 1;
  auto ctx_a = context_of(stored); // A reads: nothing
  auto ctx_b = context_of(stored); // B reads: nothing
  stored = write(stored, ctx_a, std::string{"a1"}, coordinator);
  CAF_CHECK_EQUAL(stored.siblings.size(), 1u);
  stored = write(stored, ctx_b, std::string{"b1"}, coordinator);
  CAF_CHECK_EQUAL(stored.siblings.size(), 2u); // a1 || b1
  // A writes again with the context of its own first write (as a client
  // that keeps the context a put returned): a2 supersedes a1 only.
  ctx_a = context_of(write(object{"k", {}}, ctx_a, std::string{"a1"},
                           coordinator));
  stored = write(stored, ctx_a, std::string{"a2"}, coordinator);
  CAF_CHECK_EQUAL(live_values(stored),
                  (std::vector<std::string>{"b1", "a2"}));
  // B does the same with its own stale context: still two siblings.
  auto b_saw = stored.siblings[0];
  version_vector only_b1 = clock_of(b_saw);
  stored = write(stored, only_b1, std::string{"b2"}, coordinator);
  CAF_CHECK_EQUAL(stored.siblings.size(), 2u);
  for (int i = 3; i < 20; ++i) {
    // Each client keeps overwriting its own line: never more than 2.
    auto mine = stored.siblings[i % 2];
    stored = write(stored, clock_of(mine), "v" + std::to_string(i),
                   coordinator);
    CAF_CHECK_EQUAL(stored.siblings.size(), 2u);
  }
  // A read-modify-write with the merged context resolves them.
  stored = write(stored, context_of(stored), std::string{"merged"},
                 coordinator);
  CAF_CHECK_EQUAL(live_values(stored), std::vector<std::string>{"merged"});
}

CAF_TEST(n blind writers make exactly n siblings) {
  object stored{"k", {}};
  for (int i = 1; i <= 5; ++i) {
    stored = write(stored, {}, "w" + std::to_string(i), 1);
    CAF_CHECK_EQUAL(stored.siblings.size(), static_cast<size_t>(i));
  }
}

CAF_TEST(deletes are tombstones and concurrent puts survive them) {
  auto v1 = write(object{"k", {}}, {}, std::string{"v1"}, 1);
  auto deleted = write(v1, context_of(v1), std::nullopt, 1);
  CAF_CHECK(is_deleted(deleted));
  CAF_CHECK(live_values(deleted).empty());
  CAF_CHECK_EQUAL(deleted.siblings.size(), 1u);
  // A put concurrent with the delete (it saw only v1) on another replica.
  auto concurrent = write(v1, context_of(v1), std::string{"v2"}, 2);
  auto merged = reconcile(deleted, concurrent);
  CAF_CHECK_EQUAL(live_values(merged), std::vector<std::string>{"v2"});
  CAF_CHECK(!is_deleted(merged));
  CAF_CHECK_EQUAL(merged.siblings.size(), 2u);
}

CAF_TEST(pruning keeps descendants dominating their recent ancestors) {
  object current{"k", {}};
  std::vector<object> history;
  for (replica_id coordinator = 1; coordinator <= 15; ++coordinator) {
    write_request req;
    req.context = context_of(current);
    req.value = "v" + std::to_string(coordinator);
    req.coordinator = coordinator;
    req.now_ms = 1000 * coordinator;
    req.max_clock_entries = 10;
    current = apply_write(current, req);
    history.push_back(current);
    CAF_REQUIRE_EQUAL(current.siblings.size(), 1u);
    CAF_CHECK(current.siblings[0].past.entries.size() <= 10u);
  }
  // The last version still supersedes the versions written over the last
  // nine coordinators (the common case: old entries belong to long-gone
  // writes that no replica still holds).
  for (size_t i = history.size() - 9; i < history.size(); ++i) {
    auto merged = reconcile(history[i], current);
    CAF_CHECK_EQUAL(merged, current);
  }
}

CAF_TEST(a wiped node with a fresh identity cannot shadow old writes) {
  // Old incarnation 0xA wrote (0xA, 5) somewhere; after a wipe the node
  // writes as 0xB with an empty context. Both survive: nothing acknowledged
  // is silently dropped (basho/riak_kv#679).
  object old{"k", {}};
  for (int i = 0; i < 5; ++i)
    old = write(old, context_of(old), "old" + std::to_string(i), 0xA);
  auto fresh = write(object{"k", {}}, {}, std::string{"new"}, 0xB);
  auto merged = reconcile(old, fresh);
  CAF_CHECK_EQUAL(merged.siblings.size(), 2u);
  // Had the node reused its old identity, its first write would carry dot
  // (0xA, 1), which the old clock covers: the new write would vanish.
  auto reused = write(object{"k", {}}, {}, std::string{"new"}, 0xA);
  CAF_CHECK_EQUAL(reconcile(old, reused).siblings.size(), 1u);
}
