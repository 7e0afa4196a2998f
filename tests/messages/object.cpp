#include "messages/object.hpp"

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "caf/test/unit_test.hpp"

using namespace dkv;

namespace {

object write(const object& stored, version_vector context,
             std::optional<std::string> value, replica_id coordinator,
             uint64_t now = 1, dot* new_dot = nullptr) {
  write_request req;
  req.context = std::move(context);
  req.value = std::move(value);
  req.coordinator = coordinator;
  req.now_ms = now;
  return apply_write(stored, req, new_dot);
}

/// A vector that has seen events 1..counter of each id.
version_vector
vv_of(std::initializer_list<std::pair<replica_id, uint64_t>> xs) {
  version_vector result;
  for (auto [id, counter] : xs)
    for (uint64_t c = 1; c <= counter; ++c)
      add_dot(result, dot{id, c}, 1);
  return result;
}

/// A context as a client holds it: through the text codec, timestamps lost.
version_vector via_client(const version_vector& x) {
  auto result = decode_context(encode_context(x));
  CAF_REQUIRE(result.has_value());
  return *result;
}

bool well_formed(const object& x) {
  for (size_t i = 1; i < x.siblings.size(); ++i)
    if (!(x.siblings[i - 1].event < x.siblings[i].event))
      return false;
  for (auto& s : x.siblings)
    for (auto& t : x.siblings)
      if (s.event != t.event && covers(t.past, s.event))
        return false; // an obsolete sibling survived
  return true;
}

std::multiset<std::string> values(const object& x) {
  auto xs = live_values(x);
  return {xs.begin(), xs.end()};
}

/// A random history of one key: replicas coordinate writes and deletes with
/// contexts from earlier reads (often stale, sometimes through the client
/// codec), serve reads, and exchange states at random. Four replicas never
/// fill a clock of ten entries, so nothing is pruned.
struct history {
  std::vector<object> replicas;
  std::vector<object> snapshots; // every state some replica held
  std::vector<dot> written;      // every acknowledged write
};

history random_history(std::mt19937_64& rng, size_t steps) {
  history h;
  h.replicas.assign(4, object{"k", {}});
  std::vector<version_vector> reads{version_vector{}};
  for (size_t step = 1; step <= steps; ++step) {
    auto r = rng() % h.replicas.size();
    auto& here = h.replicas[r];
    switch (rng() % 4) {
    case 0:
    case 1: { // a put or delete with some context read earlier
      auto ctx = reads[rng() % reads.size()];
      if (rng() % 2 == 0)
        ctx = via_client(ctx);
      std::optional<std::string> value;
      if (rng() % 5 != 0)
        value = "v" + std::to_string(step);
      dot d;
      here = write(here, ctx, value, 0x100 + r, step, &d);
      h.written.push_back(d);
      reads.push_back(written_context(here, 0x100 + r));
      break;
    }
    case 2: // a read of one or two replicas
      reads.push_back(
          context_of(reconcile(here, h.replicas[rng() % h.replicas.size()])));
      break;
    default: // read repair, hinted handoff or anti-entropy
      here = reconcile(here, h.replicas[rng() % h.replicas.size()]);
    }
    h.snapshots.push_back(here);
  }
  return h;
}

} // namespace

CAF_TEST(reconcile is commutative associative and idempotent) {
  std::mt19937_64 rng{1234};
  for (int round = 0; round < 200; ++round) {
    auto h = random_history(rng, 40);
    auto& states = h.snapshots;
    for (int i = 0; i < 50; ++i) {
      auto& a = states[rng() % states.size()];
      auto& b = states[rng() % states.size()];
      auto& c = states[rng() % states.size()];
      auto ab = reconcile(a, b);
      CAF_CHECK_EQUAL(ab, reconcile(b, a));
      CAF_CHECK_EQUAL(reconcile(ab, c), reconcile(a, reconcile(b, c)));
      CAF_CHECK_EQUAL(reconcile(a, a), a);
      CAF_CHECK_EQUAL(reconcile(ab, a), ab);
      CAF_CHECK(well_formed(ab));
      CAF_CHECK(descends(ab, a));
      CAF_CHECK(descends(ab, b));
      CAF_CHECK_EQUAL(descends(a, b), reconcile(a, b) == a);
    }
  }
}

CAF_TEST(reconcile keeps exactly the siblings nothing supersedes) {
  std::mt19937_64 rng{99};
  for (int round = 0; round < 300; ++round) {
    auto h = random_history(rng, 30);
    auto& a = h.snapshots[rng() % h.snapshots.size()];
    auto& b = h.snapshots[rng() % h.snapshots.size()];
    auto m = reconcile(a, b);
    CAF_CHECK(well_formed(m));
    for (auto* side : {&a, &b})
      for (auto& s : side->siblings) {
        bool superseded = false;
        for (auto* other : {&a, &b})
          for (auto& t : other->siblings)
            superseded =
                superseded || (t.event != s.event && covers(t.past, s.event));
        auto kept = std::count(m.siblings.begin(), m.siblings.end(), s);
        CAF_CHECK_EQUAL(kept, superseded ? 0 : 1);
      }
  }
}

CAF_TEST(replicas converge and keep every acknowledged write) {
  std::mt19937_64 rng{555};
  for (int round = 0; round < 100; ++round) {
    auto h = random_history(rng, 60);
    object all{"k", {}};
    for (auto& r : h.replicas)
      all = reconcile(all, r);
    for (auto& r : h.replicas)
      CAF_CHECK_EQUAL(reconcile(r, all), all);
    // Each write is a sibling or in the past of one: superseded only by a
    // write whose client had seen it.
    auto seen = context_of(all);
    for (auto& d : h.written)
      CAF_CHECK(covers(seen, d));
    std::set<dot> dots;
    for (auto& d : h.written)
      CAF_CHECK(dots.insert(d).second); // no dot issued twice
  }
}

CAF_TEST(a coordinator computes what every replica computes) {
  std::mt19937_64 rng{31337};
  for (int round = 0; round < 300; ++round) {
    auto h = random_history(rng, 30);
    auto& stored = h.snapshots[rng() % h.snapshots.size()];
    auto ctx = context_of(h.snapshots[rng() % h.snapshots.size()]);
    dot d;
    auto result =
        write(stored, via_client(ctx), std::string{"x"}, 0x100, 9, &d);
    CAF_CHECK(!covers(context_of(stored), d));
    CAF_CHECK(!covers(ctx, d));
    auto fresh = std::find_if(result.siblings.begin(), result.siblings.end(),
                              [&](const sibling& s) { return s.event == d; });
    CAF_REQUIRE(fresh != result.siblings.end());
    CAF_CHECK_EQUAL(result, reconcile(stored, object{"k", {*fresh}}));
    CAF_CHECK_EQUAL(compare(written_context(result, 0x100), clock_of(*fresh)),
                    causal_order::equal);
  }
}

CAF_TEST(new dots top every counter the coordinator has seen) {
  // This replica holds only (1, 2), written blind; (1, 1) was superseded by
  // a version held elsewhere (it reached this replica, say, by handoff of
  // just the newer sibling). Its counter sits in the cloud, not in a
  // contiguous entry, yet must not be reissued: (1, 1) would vanish under
  // the version that superseded the old one.
  sibling only;
  only.event = dot{1, 2};
  only.value = "b";
  object stored{"k", {only}};
  auto superseder = write(write(object{"k", {}}, {}, std::string{"a"}, 1),
                          vv_of({{1, 1}}), std::string{"c"}, 2);
  dot d;
  auto next = write(stored, {}, std::string{"d"}, 1, 1, &d);
  CAF_CHECK_EQUAL(d, (dot{1, 3}));
  CAF_CHECK_EQUAL(values(reconcile(next, superseder)),
                  (std::multiset<std::string>{"b", "c", "d"}));
  // Likewise for a counter only the client's context holds.
  version_vector ctx;
  add_dot(ctx, dot{1, 7}, 0);
  write(stored, ctx, std::string{"e"}, 1, 1, &d);
  CAF_CHECK_EQUAL(d, (dot{1, 8}));
}

namespace {

/// Clients writing through one coordinator, beside a model that knows which
/// writes are truly concurrent: a write supersedes exactly the writes its
/// client's context had seen, so the siblings must be the writes that no
/// later write's context saw.
struct one_coordinator {
  struct client {
    std::string ctx;       // opaque text, as a real client holds it
    std::set<size_t> seen; // model: the writes that context saw
  };
  object stored{"k", {}};
  std::vector<std::set<size_t>> history_of; // model: per write
  std::set<size_t> concurrent;              // model: truly concurrent writes

  void read(client& c) {
    c.ctx = encode_context(context_of(stored));
    c.seen.clear();
    for (auto w : concurrent) {
      c.seen.insert(w);
      c.seen.insert(history_of[w].begin(), history_of[w].end());
    }
  }

  void put(client& c, bool keep_returned_context = true) {
    auto w = history_of.size();
    auto ctx = decode_context(c.ctx);
    CAF_REQUIRE(ctx.has_value());
    stored = write(stored, *ctx, "w" + std::to_string(w), 7, 1000 + w);
    history_of.push_back(c.seen);
    for (auto x : c.seen)
      concurrent.erase(x);
    concurrent.insert(w);
    if (keep_returned_context) {
      c.ctx = encode_context(written_context(stored, 7));
      c.seen.insert(w);
    }
  }

  bool as_expected() const {
    std::multiset<std::string> expected;
    for (auto w : concurrent)
      expected.insert("w" + std::to_string(w));
    return values(stored) == expected &&
           stored.siblings.size() == concurrent.size();
  }
};

} // namespace

CAF_TEST(stale writers through one coordinator do not explode siblings) {
  // basho/riak_kv#746: A and B read the same context, then each writes in
  // turn with the context its own previous put returned. Each write
  // supersedes its client's previous one and nothing else: two siblings.
  one_coordinator k;
  one_coordinator::client a, b;
  k.read(a);
  k.read(b);
  k.put(a);
  CAF_CHECK(k.as_expected());
  CAF_CHECK_EQUAL(k.stored.siblings.size(), 1u);
  for (int i = 0; i < 20; ++i) {
    k.put(b);
    CAF_CHECK(k.as_expected());
    CAF_CHECK_EQUAL(k.stored.siblings.size(), 2u);
    k.put(a);
    CAF_CHECK(k.as_expected());
    CAF_CHECK_EQUAL(k.stored.siblings.size(), 2u);
  }
  // Read-modify-write with everything seen resolves them to one value.
  k.read(a);
  k.put(a);
  CAF_CHECK(k.as_expected());
  CAF_CHECK_EQUAL(live_values(k.stored),
                  std::vector<std::string>{"w" + std::to_string(41)});
}

CAF_TEST(random stale writers get one sibling per concurrent write) {
  std::mt19937_64 rng{746};
  for (int round = 0; round < 100; ++round) {
    one_coordinator k;
    std::vector<one_coordinator::client> clients(1 + rng() % 4);
    for (int step = 0; step < 40; ++step) {
      auto& c = clients[rng() % clients.size()];
      switch (rng() % 5) {
      case 0:
        k.read(c);
        break;
      case 1: // keeps using the context of its last read
        k.put(c, false);
        break;
      default:
        k.put(c);
      }
      CAF_CHECK(k.as_expected());
      CAF_CHECK(well_formed(k.stored));
    }
  }
}

CAF_TEST(a put whose context covers all siblings replaces them) {
  object stored{"k", {}};
  stored = write(stored, {}, std::string{"a"}, 1);
  stored = write(stored, {}, std::string{"b"}, 1);
  stored = reconcile(stored, write(object{"k", {}}, {}, std::string{"c"}, 2));
  CAF_REQUIRE_EQUAL(stored.siblings.size(), 3u);
  auto resolved =
      write(stored, via_client(context_of(stored)), std::string{"abc"}, 3);
  CAF_CHECK_EQUAL(live_values(resolved), std::vector<std::string>{"abc"});
  CAF_CHECK_EQUAL(resolved.siblings.size(), 1u);
  // Blind writers, by contrast, are all concurrent.
  object blind{"k", {}};
  for (size_t i = 1; i <= 5; ++i) {
    blind = write(blind, {}, "w" + std::to_string(i), 1);
    CAF_CHECK_EQUAL(blind.siblings.size(), i);
  }
}

CAF_TEST(deletes are tombstones and concurrent puts survive them) {
  CAF_CHECK(!is_deleted(object{"k", {}}));
  auto v1 = write(object{"k", {}}, {}, std::string{"v1"}, 1);
  auto deleted = write(v1, via_client(context_of(v1)), std::nullopt, 1);
  CAF_REQUIRE_EQUAL(deleted.siblings.size(), 1u);
  CAF_CHECK(deleted.siblings[0].tombstone);
  CAF_CHECK(is_deleted(deleted));
  CAF_CHECK(live_values(deleted).empty());
  // A put concurrent with the delete (it saw only v1), on another replica
  // and on the same coordinator: it survives beside the tombstone.
  auto elsewhere = write(v1, context_of(v1), std::string{"v2"}, 2);
  auto same = write(deleted, context_of(v1), std::string{"v2"}, 1);
  for (auto& merged : {reconcile(deleted, elsewhere), same}) {
    CAF_CHECK_EQUAL(merged.siblings.size(), 2u);
    CAF_CHECK_EQUAL(live_values(merged), std::vector<std::string>{"v2"});
    CAF_CHECK(!is_deleted(merged));
  }
  // A put that has seen the tombstone supersedes it.
  auto after = write(same, context_of(same), std::string{"v3"}, 1);
  CAF_CHECK_EQUAL(after.siblings.size(), 1u);
  CAF_CHECK_EQUAL(live_values(after), std::vector<std::string>{"v3"});
}

CAF_TEST(pruning keeps descendants dominating their recent ancestors) {
  // Fifteen coordinators in turn, each writing over the previous version
  // with the context a client got back. Ids fall as time goes on, so
  // pruning by id instead of by age would drop the newest entries.
  object current{"k", {}};
  std::vector<object> versions;
  for (size_t i = 0; i < 15; ++i) {
    write_request req;
    req.context = via_client(context_of(current));
    req.value = "v" + std::to_string(i);
    req.coordinator = 1000 - i;
    req.now_ms = 1000 * (i + 1);
    req.max_clock_entries = 10;
    current = apply_write(current, req);
    versions.push_back(current);
    CAF_REQUIRE_EQUAL(current.siblings.size(), 1u);
    auto& s = current.siblings[0];
    CAF_CHECK_LESS_OR_EQUAL(s.past.entries.size(), 10u);
    CAF_CHECK_LESS_OR_EQUAL(clock_of(s).entries.size(), 11u);
    // Every ancestor the clock has room for is still superseded.
    for (size_t j = i >= 10 ? i - 10 : 0; j < i; ++j) {
      CAF_CHECK_EQUAL(reconcile(versions[j], current), current);
      CAF_CHECK_EQUAL(reconcile(current, versions[j]), current);
      CAF_CHECK(descends(current, versions[j]));
    }
  }
}

CAF_TEST(pruning never drops the coordinator entry) {
  // Coordinator 1 writes first (the oldest entry), ten others follow, then
  // 1 writes again: its entry is the oldest of eleven, yet must stay.
  object current{"k", {}};
  for (replica_id id = 1; id <= 11; ++id)
    current = write(current, via_client(context_of(current)),
                    "v" + std::to_string(id), id, 1000 * id);
  auto before = current;
  write_request req;
  req.context = via_client(context_of(current));
  req.value = "again";
  req.coordinator = 1;
  req.now_ms = 50000;
  req.max_clock_entries = 10;
  dot d;
  current = apply_write(current, req, &d);
  CAF_CHECK_EQUAL(d, (dot{1, 2}));
  CAF_REQUIRE_EQUAL(current.siblings.size(), 1u);
  auto& past = current.siblings[0].past;
  CAF_CHECK_EQUAL(past.entries.size(), 10u);
  CAF_CHECK_EQUAL(counter_of(past, 1), 1u);
  CAF_CHECK_EQUAL(counter_of(past, 2), 0u); // the oldest of the others
  CAF_CHECK_EQUAL(reconcile(before, current), current);
}

CAF_TEST(a wiped node with a fresh identity cannot shadow old writes) {
  // Incarnation 0xA wrote (0xA, 5) and a replica still holds it; after a
  // wipe the node writes as 0xB with an empty context. Both survive, so
  // nothing acknowledged is silently dropped (basho/riak_kv#679).
  const replica_id old_id = 0xA;
  const replica_id new_id = 0xB;
  object old{"k", {}};
  for (int i = 1; i <= 5; ++i)
    old = write(old, context_of(old), "old" + std::to_string(i), old_id);
  CAF_REQUIRE_EQUAL(old.siblings.size(), 1u);
  CAF_REQUIRE_EQUAL(old.siblings[0].event, (dot{old_id, 5}));
  dot d;
  auto fresh = write(object{"k", {}}, {}, std::string{"new"}, new_id, 1, &d);
  CAF_CHECK_EQUAL(d, (dot{new_id, 1}));
  CAF_CHECK(!covers(context_of(old), d));
  for (auto& merged : {reconcile(old, fresh), reconcile(fresh, old)}) {
    CAF_CHECK_EQUAL(merged.siblings.size(), 2u);
    CAF_CHECK_EQUAL(values(merged),
                    (std::multiset<std::string>{"new", "old5"}));
  }
  // Why the identity must change: reusing 0xA would issue (0xA, 1), which
  // the old clock covers, and the new write would vanish.
  auto reused = write(object{"k", {}}, {}, std::string{"new"}, old_id);
  CAF_CHECK_EQUAL(live_values(reconcile(old, reused)),
                  std::vector<std::string>{"old5"});
}

CAF_TEST(a reissued dot cannot make both versions vanish) {
  // Coordinator 1's only entry gets pruned away once more than the bound
  // of others wrote; when 1 writes again it cannot know it once issued
  // (1, 1). A replica that missed the last write holds a version whose past
  // covers (1, 1), while the new write covers that version: each seems to
  // supersede the other. Keeping both beats losing the key.
  object current{"k", {}};
  std::vector<object> versions;
  replica_id last = default_max_clock_entries + 2;
  for (replica_id id = 1; id <= last; ++id) {
    current = write(current, context_of(current), "v" + std::to_string(id), id,
                    1000 * id);
    versions.push_back(current);
  }
  CAF_REQUIRE(!covers(current.siblings[0].past, dot{1, 1}));
  dot d;
  auto again =
      write(current, context_of(current), std::string{"again"}, 1, 50000, &d);
  CAF_REQUIRE_EQUAL(d, (dot{1, 1})); // reissued: what this test is about
  auto& stale = versions[last - 2];
  auto stale_value = "v" + std::to_string(last - 1);
  for (auto& merged : {reconcile(stale, again), reconcile(again, stale)})
    CAF_CHECK_EQUAL(values(merged),
                    (std::multiset<std::string>{"again", stale_value}));
}
