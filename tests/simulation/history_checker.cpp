#include "fixtures/history_checker.hpp"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <random>
#include <set>

#include "caf/test/unit_test.hpp"

using namespace dkv;
using namespace dkv::test;

namespace {

/// A context as a client holds it: through the text codec, timestamps lost.
version_vector via_client(const version_vector& x) {
  auto result = decode_context(encode_context(x));
  CAF_REQUIRE(result.has_value());
  return *result;
}

/// N replicas per key with the real merge (apply_write / reconcile), and a
/// recorder: every operation through it lands in `h` as a client saw it.
struct cluster {
  static constexpr size_t n = 3;
  final_state data;
  history h;
  uint64_t now = 0;
  /// A bug to inject: edits what the coordinator applies (not what the
  /// history records the client sent).
  std::function<void(write_request&)> tamper;

  std::vector<object>& replicas(const std::string& key) {
    auto& xs = data[key];
    if (xs.empty())
      xs.assign(n, object{key, {}});
    return xs;
  }

  static replica_id id_of(size_t r) { return 0x100 + r; }

  /// A put (`value`) or delete (nothing) that replica `coord` coordinates
  /// and sends (the new sibling only) to the replicas `others`; `applied`
  /// false: no replica ever got it. Returns the context of the reply (empty
  /// unless ok).
  version_vector write(uint64_t client, const std::string& key,
                       const version_vector& ctx,
                       std::optional<std::string> value, size_t coord,
                       std::vector<size_t> others,
                       op_outcome outcome = op_outcome::ok,
                       bool applied = true) {
    history_op op;
    op.client = client;
    op.type = value ? op_type::put : op_type::del;
    op.key = key;
    op.sent = via_client(ctx);
    op.value = value.value_or("");
    op.invoked = ++now;
    op.outcome = outcome;
    if (applied) {
      auto& xs = replicas(key);
      write_request req;
      req.context = op.sent;
      req.value = value;
      req.coordinator = id_of(coord);
      req.now_ms = now;
      if (tamper)
        tamper(req);
      dot d;
      xs[coord] = apply_write(xs[coord], req, &d);
      object fresh{key, {}};
      for (auto& s : xs[coord].siblings)
        if (s.event == d)
          fresh.siblings.push_back(s);
      for (auto r : others)
        xs[r] = reconcile(xs[r], fresh);
      if (outcome == op_outcome::ok)
        op.returned = via_client(written_context(xs[coord], req.coordinator));
    }
    op.completed = ++now;
    h.ops.push_back(op);
    return op.returned;
  }

  version_vector put(uint64_t client, const std::string& key,
                     const version_vector& ctx, const std::string& value,
                     size_t coord = 0, std::vector<size_t> others = {1, 2}) {
    return write(client, key, ctx, value, coord, std::move(others));
  }

  version_vector del(uint64_t client, const std::string& key,
                     const version_vector& ctx, size_t coord = 0,
                     std::vector<size_t> others = {1, 2}) {
    return write(client, key, ctx, std::nullopt, coord, std::move(others));
  }

  /// A get answered by the replicas `from` (no read repair).
  version_vector get(uint64_t client, const std::string& key,
                     std::vector<size_t> from = {0, 1, 2}) {
    history_op op;
    op.client = client;
    op.type = op_type::get;
    op.key = key;
    op.invoked = ++now;
    object merged{key, {}};
    for (auto r : from)
      merged = reconcile(merged, replicas(key)[r]);
    op.outcome = op_outcome::ok;
    op.values = live_values(merged);
    op.returned = via_client(context_of(merged));
    op.completed = ++now;
    h.ops.push_back(op);
    return op.returned;
  }

  /// Faults healed, anti-entropy done: every replica holds the merge.
  void heal() {
    for (auto& [key, xs] : data) {
      object all{key, {}};
      for (auto& x : xs)
        all = reconcile(all, x);
      for (auto& x : xs)
        x = all;
    }
  }

  /// Replica `r` loses its disk.
  void wipe(size_t r) {
    for (auto& [key, xs] : data)
      xs[r] = object{key, {}};
  }

  std::vector<violation> check(check_options opts = {}) const {
    auto result = check_history(h, data, opts);
    if (!result.empty())
      CAF_MESSAGE("violations:\n" << to_string(result));
    return result;
  }
};

/// The kinds of `xs`, sorted, unique, comma-separated ("" = pass).
std::string kinds(const std::vector<violation>& xs) {
  std::set<std::string> names;
  for (auto& x : xs)
    names.insert(to_string(x.kind));
  std::string result;
  for (auto& name : names)
    result += (result.empty() ? "" : ",") + name;
  return result;
}

bool mentions(const std::vector<violation>& xs, const std::string& text) {
  for (auto& x : xs)
    if (x.message.find(text) != std::string::npos)
      return true;
  return false;
}

/// A random run without faults beyond timeouts and failures: clients on
/// two keys read, write with the context of an earlier read or put of the
/// key (or none), delete, time out (applied or not) and fail; anti-entropy
/// runs now and then, and at the end. With `overlap`, W = R = 2 of N = 3.
cluster random_run(std::mt19937_64& rng, bool overlap, int steps = 60) {
  cluster c;
  c.h.header.quorums_overlap = overlap;
  const std::vector<std::string> keys{"k", "j"};
  std::map<std::pair<uint64_t, std::string>, version_vector> contexts;
  for (int step = 0; step < steps; ++step) {
    uint64_t client = rng() % 4;
    auto& key = keys[rng() % keys.size()];
    auto& ctx = contexts[{client, key}];
    auto coord = rng() % cluster::n;
    auto other = (coord + 1 + rng() % 2) % cluster::n;
    auto value = "c" + std::to_string(client) + "-" + std::to_string(step);
    auto pick = rng() % 10;
    if (pick < 3) {
      auto from = overlap ? std::vector<size_t>{coord, other}
                          : std::vector<size_t>{coord};
      ctx = c.get(client, key, from);
    } else if (pick < 6) {
      std::vector<size_t> others{other};
      if (!overlap && rng() % 2 == 0)
        others.clear();
      auto returned = c.put(client, key, ctx, value, coord, others);
      if (rng() % 3 != 0)
        ctx = returned;
    } else if (pick < 7) {
      c.del(client, key, ctx, coord, {other});
    } else if (pick < 9) {
      bool applied = rng() % 2 == 0;
      std::optional<std::string> written;
      if (rng() % 4 != 0)
        written = value;
      c.write(client, key, ctx, written, coord,
              rng() % 2 == 0 ? std::vector<size_t>{} : std::vector{other},
              op_outcome::unknown, applied);
    } else if (rng() % 2 == 0) {
      c.write(client, key, ctx, value, coord, {other}, op_outcome::failed,
              false);
    } else if (!overlap) {
      c.heal(); // anti-entropy mid-run
    }
    if (rng() % 8 == 0)
      ctx = version_vector{}; // a blind writer
  }
  c.heal();
  return c;
}

/// Lost acknowledged puts, and deletes that only they had superseded.
bool lost_writes_only(const std::vector<violation>& xs) {
  auto found = kinds(xs);
  if (found == "lost_write" || found == "lost_delete,lost_write")
    return true;
  CAF_MESSAGE("violations:\n" << to_string(xs));
  return false;
}

/// The acknowledged put that wrote `s`, if any.
const history_op* acknowledged_put_of(const cluster& c, const sibling& s) {
  for (auto& op : c.h.ops)
    if (op.type == op_type::put && op.outcome == op_outcome::ok && !s.tombstone
        && op.value == s.value)
      return &op;
  return nullptr;
}

} // namespace

// -- valid histories pass -----------------------------------------------------

CAF_TEST(sequential writes pass) {
  cluster c;
  c.h.header.quorums_overlap = true;
  auto ctx = c.put(1, "k", {}, "c1-1");
  c.get(2, "k");
  ctx = c.put(1, "k", ctx, "c1-2", 1);
  auto read = c.get(2, "k");
  ctx = c.put(2, "k", read, "c2-1", 2);
  ctx = c.del(2, "k", ctx);
  c.get(1, "k");
  c.put(1, "k", c.get(1, "k"), "c1-3");
  c.put(3, "other", {}, "c3-1", 1);
  c.heal();
  auto vs = c.check();
  CAF_CHECK_EQUAL(kinds(vs), "");
  auto final_values = live_values(c.data["k"][0]);
  CAF_CHECK_EQUAL(final_values, std::vector<std::string>{"c1-3"});
}

CAF_TEST(concurrent writes become siblings and a read context resolves them) {
  cluster c;
  c.put(1, "k", {}, "c1-1", 0);
  c.put(2, "k", {}, "c2-1", 1);
  c.heal();
  auto vs = c.check();
  CAF_CHECK_EQUAL(kinds(vs), "");
  CAF_CHECK_EQUAL(c.data["k"][0].siblings.size(), 2u);
  c.put(3, "k", c.get(3, "k"), "c3-1", 2);
  c.heal();
  vs = c.check();
  CAF_CHECK_EQUAL(kinds(vs), "");
  CAF_CHECK_EQUAL(c.data["k"][0].siblings.size(), 1u);
}

CAF_TEST(stale writers through one coordinator keep two siblings) {
  // basho/riak_kv#746: each client writes with the context its previous put
  // returned; each write supersedes only its own client's previous one.
  cluster c;
  auto read = c.get(1, "k");
  auto a = c.put(1, "k", read, "a-0");
  auto b = read;
  for (int i = 1; i <= 10; ++i) {
    b = c.put(2, "k", b, "b-" + std::to_string(i));
    a = c.put(1, "k", a, "a-" + std::to_string(i));
  }
  c.heal();
  auto vs = c.check();
  CAF_CHECK_EQUAL(kinds(vs), "");
  CAF_CHECK_EQUAL(c.data["k"][0].siblings.size(), 2u);
}

CAF_TEST(a put concurrent with a delete revives the key) {
  cluster c;
  c.put(1, "k", {}, "c1-1");
  auto read = c.get(1, "k");
  c.del(1, "k", read, 0);
  c.put(2, "k", read, "c2-1", 1); // saw what the delete saw, not the delete
  // Finished before the delete began, but the deleting client never read it.
  auto read3 = c.get(3, "j");
  c.put(4, "j", {}, "c4-1");
  c.del(3, "j", read3);
  c.heal();
  auto vs = c.check();
  CAF_CHECK_EQUAL(kinds(vs), "");
  CAF_CHECK_EQUAL(live_values(c.data["k"][0]),
                  std::vector<std::string>{"c2-1"});
  CAF_CHECK_EQUAL(live_values(c.data["j"][0]),
                  std::vector<std::string>{"c4-1"});
  // A put after the delete (it read the tombstone) replaces everything.
  c.put(5, "k", c.get(5, "k"), "c5-1", 2);
  c.heal();
  vs = c.check();
  CAF_CHECK_EQUAL(kinds(vs), "");
  CAF_CHECK_EQUAL(c.data["k"][0].siblings.size(), 1u);
}

CAF_TEST(timed out writes may be present or absent) {
  cluster c;
  auto ctx = c.put(1, "k", {}, "c1-1");
  // Reached the coordinator only, then anti-entropy spread it.
  c.write(2, "k", ctx, std::string{"c2-1"}, 1, {}, op_outcome::unknown);
  // Reached no replica at all.
  c.write(3, "k", ctx, std::string{"c3-1"}, 2, {}, op_outcome::unknown, false);
  c.write(4, "k", {}, std::nullopt, 2, {}, op_outcome::unknown, false);
  c.write(5, "j", {}, std::string{"c5-1"}, 0, {}, op_outcome::failed, false);
  c.heal();
  auto vs = c.check();
  CAF_CHECK_EQUAL(kinds(vs), "");
  CAF_CHECK_EQUAL(live_values(c.data["k"][0]),
                  std::vector<std::string>{"c2-1"});
  // An unknown delete that happened, and one superseded by a later write.
  c.write(6, "k", c.get(6, "k"), std::nullopt, 0, {1}, op_outcome::unknown);
  c.write(7, "j", {}, std::string{"c7-1"}, 1, {}, op_outcome::unknown);
  c.put(8, "j", c.get(8, "j", {1}), "c8-1", 2);
  c.heal();
  vs = c.check();
  CAF_CHECK_EQUAL(kinds(vs), "");
  CAF_CHECK(is_deleted(c.data["k"][0]));
}

CAF_TEST(random histories without faults pass) {
  std::mt19937_64 rng{6};
  for (int round = 0; round < 100; ++round) {
    auto c = random_run(rng, round % 2 == 0);
    auto vs = c.check();
    CAF_CHECK_EQUAL(kinds(vs), "");
  }
}

CAF_TEST(a long history is checked quickly) {
  std::mt19937_64 rng{7};
  auto c = random_run(rng, true, 5000);
  auto vs = c.check();
  CAF_CHECK_EQUAL(kinds(vs), "");
}

CAF_TEST(reaped tombstones pass only when reaping is declared) {
  cluster c;
  c.put(1, "k", {}, "c1-1");
  c.del(1, "k", c.get(1, "k"));
  c.heal();
  c.data["k"].assign(cluster::n, object{"k", {}}); // the reaper ran
  check_options reaping;
  reaping.tombstones_may_be_reaped = true;
  auto vs = c.check(reaping);
  CAF_CHECK_EQUAL(kinds(vs), "");
  vs = c.check();
  CAF_CHECK_EQUAL(kinds(vs), "lost_delete");
}

// -- known violations are reported (negative controls) -----------------------

CAF_TEST(a lost acknowledged put is reported) {
  cluster c;
  auto ctx = c.put(1, "k", {}, "c1-1", 0, {1}); // W = 2
  // A later write saw it, but timed out before reaching any replica.
  c.write(2, "k", ctx, std::string{"c2-1"}, 2, {}, op_outcome::unknown, false);
  c.wipe(0);
  c.wipe(1);
  c.heal();
  auto vs = c.check();
  CAF_CHECK_EQUAL(kinds(vs), "lost_write");
  CAF_CHECK(mentions(vs, "c1-1"));
}

CAF_TEST(a resurrected delete is reported) {
  cluster c;
  c.put(1, "k", {}, "c1-1");
  auto before = c.data;
  c.del(2, "k", c.get(2, "k"), 0, {1});
  c.data = before; // the replicas that held the tombstone roll back
  c.heal();
  auto vs = c.check();
  CAF_CHECK_EQUAL(kinds(vs), "lost_delete,resurrected");
  check_options reaping;
  reaping.tombstones_may_be_reaped = true;
  vs = c.check(reaping);
  CAF_CHECK_EQUAL(kinds(vs), "resurrected");
}

CAF_TEST(an extra sibling is reported) {
  cluster c;
  c.put(1, "k", {}, "c1-1", 0);
  c.put(2, "k", {}, "c2-1", 1);
  c.heal();
  auto read = c.get(3, "k");
  // The bug: the coordinator ignores the client's context, so the resolving
  // write becomes a third sibling (sibling explosion).
  c.tamper = [](write_request& req) { req.context = version_vector{}; };
  c.put(3, "k", read, "c3-1", 2);
  c.heal();
  auto vs = c.check();
  CAF_CHECK_EQUAL(kinds(vs), "superseded_sibling");
  CAF_CHECK_EQUAL(vs.size(), 2u);
  CAF_CHECK_EQUAL(c.data["k"][0].siblings.size(), 3u);
}

CAF_TEST(a lost sibling is reported) {
  cluster c;
  c.put(1, "k", {}, "c1-1", 0, {1});
  c.put(2, "k", {}, "c2-1", 2, {});
  c.wipe(0);
  c.wipe(1);
  c.heal();
  auto vs = c.check();
  CAF_CHECK_EQUAL(kinds(vs), "lost_write");
  CAF_CHECK(mentions(vs, "no write ever saw it"));
}

CAF_TEST(divergent replicas are reported) {
  cluster c;
  auto ctx = c.put(1, "k", {}, "c1-1");
  c.put(1, "k", ctx, "c1-2", 1, {});
  auto vs = c.check(); // anti-entropy never ran
  CAF_CHECK_EQUAL(kinds(vs), "divergent_replicas");
  c.heal();
  vs = c.check();
  CAF_CHECK_EQUAL(kinds(vs), "");
}

CAF_TEST(phantom reads are reported) {
  cluster c;
  c.put(1, "k", {}, "c1-1");
  c.get(2, "k");
  c.h.ops.back().values.push_back("never-written");
  c.write(3, "k", {}, std::string{"c3-1"}, 0, {}, op_outcome::failed, false);
  c.get(2, "k");
  c.h.ops.back().values.push_back("c3-1");
  c.get(2, "k");
  c.h.ops.back().values.push_back("c4-1"); // from the future
  c.put(4, "k", {}, "c4-1");
  c.heal();
  auto vs = c.check();
  CAF_CHECK_EQUAL(kinds(vs), "phantom_read");
  CAF_CHECK_EQUAL(vs.size(), 3u);
}

CAF_TEST(a last writer wins resolution is reported) {
  cluster c;
  c.put(1, "k", {}, "c1-1", 0);
  c.put(2, "k", {}, "c2-1", 1);
  c.heal();
  // A last-writer-wins merge keeps only the sibling with the later time.
  for (auto& x : c.data["k"]) {
    auto later = std::max_element(x.siblings.begin(), x.siblings.end(),
                                  [](const sibling& a, const sibling& b) {
                                    return a.timestamp_ms < b.timestamp_ms;
                                  });
    x.siblings = {*later};
  }
  auto vs = c.check();
  CAF_CHECK_EQUAL(kinds(vs), "lost_write");
  CAF_CHECK(mentions(vs, "c1-1"));
  // Or one that makes the later write claim it had seen the earlier one.
  for (auto& x : c.data["k"])
    x.siblings[0].past = c.h.ops[0].returned;
  vs = c.check();
  CAF_CHECK_EQUAL(kinds(vs), "fabricated_past");
}

CAF_TEST(a failed write that took effect is reported) {
  cluster c;
  c.write(1, "k", {}, std::string{"c1-1"}, 0, {1, 2}, op_outcome::failed);
  c.heal();
  auto vs = c.check();
  CAF_CHECK_EQUAL(kinds(vs), "unexplained_sibling");
  // Likewise a tombstone no delete wrote, and values written twice.
  c.data["k"][0].siblings[0].tombstone = true;
  c.data["k"][0].siblings[0].value.clear();
  c.heal();
  vs = c.check();
  CAF_CHECK_EQUAL(kinds(vs), "unexplained_sibling");
  c.put(2, "k", {}, "c2-1");
  c.put(3, "k", {}, "c2-1", 1);
  c.heal();
  vs = c.check();
  CAF_CHECK(mentions(vs, "two puts write the same value"));
}

CAF_TEST(random losses of acknowledged siblings are reported) {
  std::mt19937_64 rng{8};
  size_t mutated = 0;
  for (int round = 0; round < 200; ++round) {
    auto c = random_run(rng, round % 2 == 0);
    auto& xs = c.data["k"];
    auto& siblings = xs[0].siblings;
    std::vector<size_t> acknowledged;
    for (size_t i = 0; i < siblings.size(); ++i)
      if (acknowledged_put_of(c, siblings[i]))
        acknowledged.push_back(i);
    if (acknowledged.empty())
      continue;
    ++mutated;
    auto lost = acknowledged[rng() % acknowledged.size()];
    auto& value = siblings[lost].value;
    CAF_MESSAGE("round " << round << " loses \"" << value << '"');
    object survivors{"k", {}};
    for (size_t i = 0; i < siblings.size(); ++i)
      if (i != lost)
        survivors.siblings.push_back(siblings[i]);
    xs.assign(cluster::n, survivors);
    auto vs = check_history(c.h, c.data);
    CAF_CHECK(lost_writes_only(vs));
  }
  CAF_CHECK_GREATER(mutated, 50u);
}

CAF_TEST(random last writer wins merges are reported) {
  std::mt19937_64 rng{9};
  size_t mutated = 0;
  for (int round = 0; round < 200; ++round) {
    auto c = random_run(rng, false);
    auto& xs = c.data["k"];
    auto& siblings = xs[0].siblings;
    size_t acknowledged = 0;
    for (auto& s : siblings)
      if (acknowledged_put_of(c, s))
        ++acknowledged;
    if (acknowledged < 2)
      continue;
    ++mutated;
    auto later = *std::max_element(siblings.begin(), siblings.end(),
                                   [](const sibling& a, const sibling& b) {
                                     return a.timestamp_ms < b.timestamp_ms;
                                   });
    xs.assign(cluster::n, object{"k", {later}});
    auto vs = check_history(c.h, c.data);
    CAF_CHECK(lost_writes_only(vs));
  }
  CAF_CHECK_GREATER(mutated, 20u);
}

CAF_TEST(stale reads are reported only with overlapping quorums) {
  cluster c;
  auto ctx = c.put(1, "k", {}, "c1-1");
  c.put(1, "k", ctx, "c1-2", 0, {1}); // W = 2
  c.get(2, "k", {2});                 // R = 1: sees only "c1-1"
  c.heal();
  auto vs = c.check();
  CAF_CHECK_EQUAL(kinds(vs), "");
  c.h.header.quorums_overlap = true;
  vs = c.check();
  CAF_CHECK_EQUAL(kinds(vs), "stale_read");
  CAF_CHECK_EQUAL(vs.size(), 2u); // a superseded value, a missed write
}

CAF_TEST(violations read as one line each) {
  cluster c;
  c.put(1, "k", {}, "c1-1", 0, {});
  c.wipe(0);
  auto vs = c.check();
  CAF_REQUIRE_EQUAL(vs.size(), 1u);
  auto line = to_string(vs);
  CAF_CHECK_EQUAL(line.rfind("[lost_write] key=k: acknowledged put \"c1-1\" "
                             "by client 1 at [1,2] (ok) dot (100,1)",
                             0),
                  0u);
  CAF_CHECK_EQUAL(line.back(), '\n');
}
