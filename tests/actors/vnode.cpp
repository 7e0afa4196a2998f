#include "actors/vnode.hpp"

#include "caf/test/dsl.hpp"

#include "actors/detail/clock_epochs.hpp"
#include "actors/log_flusher.hpp"
#include "fixtures/memory_store.hpp"
#include "fixtures/spy_engine.hpp"
#include "fixtures/test_config.hpp"
#include "storage/record_codec.hpp"

using namespace dkv;
using namespace dkv::test;

namespace {

struct fixture : test_coordinator_fixture<dkv_config>, memory_store {
  vnode_actor vn;

  fixture() {
    start();
  }

  void start() {
    vnode_config cfg;
    cfg.partition = 5;
    cfg.store = store;
    cfg.self = 0xAA;
    cfg.wall_clock_ms = [] { return uint64_t{1234}; };
    vn = sys.spawn(vnode, std::move(cfg));
    run();
  }


  /// Reaps the tombstone `deleted` as if every replica had confirmed it;
  /// the number of copies removed.
  uint64_t reap(const object& deleted) {
    uint64_t removed = 0;
    auto handle = self->request(vn, caf::infinite,
                                vnode_reap_v1{5,
                                              {deleted.key},
                                              {detail::object_hash(deleted)},
                                              {context_of(deleted)}});
    run();
    handle.receive([&](vnode_reaped_v1& x) { removed = x.reaped; },
                   [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
    return removed;
  }

  /// Kills the vnode and starts a new one on the same store, as after a
  /// crash of the node.
  void restart() {
    caf::anon_send_exit(vn, caf::exit_reason::kill);
    run();
    start();
  }

  template <class Request>
  caf::expected<object> ask(Request req) {
    caf::expected<object> result{caf::error{}};
    auto handle = self->request(vn, caf::infinite, std::move(req));
    run();
    handle.receive([&](vnode_object_v1& x) { result = std::move(x.stored); },
                   [&](caf::error& err) { result = std::move(err); });
    return result;
  }

  /// A new version of `key` over `context`: `value`, or a tombstone.
  caf::expected<object> coordinate(const std::string& key,
                                   version_vector context, bool tombstone,
                                   const std::string& value = {}) {
    vnode_coordinate_v1 req;
    req.partition = 5;
    req.key = key;
    req.tombstone = tombstone;
    req.value = value;
    req.context = std::move(context);
    return ask(std::move(req));
  }

  caf::expected<object> write(const std::string& key, const std::string& value,
                              version_vector context = {}) {
    return coordinate(key, std::move(context), false, value);
  }

  /// A version of `key` written on another node by `writer` over `past`,
  /// as that node's replica sends it.
  static object from_elsewhere(const std::string& key, replica_id writer,
                               version_vector past, const std::string& value) {
    write_request req;
    req.value = value;
    req.coordinator = writer;
    req.context = std::move(past);
    req.now_ms = 1;
    return apply_write(object{key, {}}, req);
  }

  /// Deletes `key` (a tombstone over `context`).
  caf::expected<object> erase(const std::string& key, version_vector context) {
    return coordinate(key, std::move(context), true);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(vnode_tests, fixture)

CAF_TEST(a coordinated write is stored with a dot of this incarnation) {
  auto written = write("k", "v1");
  CAF_REQUIRE(written);
  CAF_REQUIRE_EQUAL(written->siblings.size(), 1u);
  CAF_CHECK_EQUAL(written->siblings[0].event.id, detail::epoch_id(0xAA, 1));
  CAF_CHECK_EQUAL(written->siblings[0].timestamp_ms, 1234u);
  auto read = ask(vnode_get_v1{5, "k"});
  CAF_REQUIRE(read);
  CAF_CHECK_EQUAL(*read, *written);
}

CAF_TEST(a missing key reads as an object without siblings) {
  auto read = ask(vnode_get_v1{5, "nothing"});
  CAF_REQUIRE(read);
  CAF_CHECK(read->siblings.empty());
}

CAF_TEST(a stale replica write never overwrites a newer version) {
  auto v1 = write("k", "v1");
  CAF_REQUIRE(v1);
  auto v2 = write("k", "v2", context_of(*v1));
  CAF_REQUIRE(v2);
  auto merged = ask(vnode_merge_v1{5, *v1, false});
  CAF_REQUIRE(merged);
  CAF_CHECK_EQUAL(live_values(*merged), std::vector<std::string>{"v2"});
}

CAF_TEST(a concurrent replica write becomes a sibling) {
  auto local = write("k", "mine");
  CAF_REQUIRE(local);
  write_request other;
  other.value = "theirs";
  other.coordinator = 0xBB;
  other.now_ms = 1;
  auto incoming = apply_write(object{"k", {}}, other);
  auto merged = ask(vnode_merge_v1{5, incoming, true});
  CAF_REQUIRE(merged);
  CAF_CHECK_EQUAL(live_values(*merged).size(), 2u);
}

CAF_TEST(bad input is an invalid_argument error and writes nothing) {
  auto empty_key = write("", "v");
  CAF_REQUIRE(!empty_key);
  CAF_CHECK_EQUAL(dkv_code(empty_key.error()), dkv_errc::invalid_argument);
  auto huge = write("k", std::string(1024 * 1024 + 1, 'x'));
  CAF_REQUIRE(!huge);
  CAF_CHECK_EQUAL(dkv_code(huge.error()), dkv_errc::invalid_argument);
  auto read = ask(vnode_get_v1{5, "k"});
  CAF_REQUIRE(read);
  CAF_CHECK(read->siblings.empty());
}

CAF_TEST(a request for another partition is refused) {
  auto res = ask(vnode_get_v1{6, "k"});
  CAF_REQUIRE(!res);
  CAF_CHECK_EQUAL(dkv_code(res.error()), dkv_errc::wrong_node);
}

CAF_TEST(a corrupt record is a storage_failure for that key only) {
  CAF_REQUIRE(engine->put(5, "bad", "\x01garbage", {}).ok());
  auto res = ask(vnode_get_v1{5, "bad"});
  CAF_REQUIRE(!res);
  CAF_CHECK_EQUAL(dkv_code(res.error()), dkv_errc::storage_failure);
  CAF_CHECK(write("good", "v"));
}

CAF_TEST(a key keeps its epoch and a reaped key gets a fresh one) {
  auto first = write("k", "v1");
  CAF_REQUIRE(first);
  auto first_dot = first->siblings.at(0).event;
  auto context = context_of(*first);
  auto second = write("k", "v2", context);
  CAF_REQUIRE(second);
  auto second_dot = second->siblings.at(0).event;
  CAF_CHECK_EQUAL(second_dot.id, first_dot.id);
  CAF_CHECK_EQUAL(second_dot.counter, 2u);
  // Delete, and reap the tombstone as if every replica had confirmed it.
  auto deleted = erase("k", context_of(*second));
  CAF_REQUIRE(deleted);
  CAF_REQUIRE_EQUAL(reap(*deleted), 1u);
  // A writer that never saw the old dots must not be given one of them.
  auto reborn = write("k", "v3");
  CAF_REQUIRE(reborn);
  auto reborn_dot = reborn->siblings.at(0).event;
  CAF_CHECK_NOT_EQUAL(reborn_dot.id, first_dot.id);
  CAF_CHECK(detail::own_id(reborn_dot.id, 0xAA));
  CAF_CHECK_EQUAL(reborn_dot.counter, 1u);
}

CAF_TEST(a copy rebuilt after a reap never continues a stale counter) {
  auto first = write("k", "v1");
  CAF_REQUIRE(first);
  auto first_dot = first->siblings.at(0).event;
  auto deleted = erase("k", context_of(*first));
  CAF_REQUIRE(deleted);
  auto delete_dot = deleted->siblings.at(0).event;
  CAF_REQUIRE_EQUAL(delete_dot.id, first_dot.id);
  CAF_REQUIRE_EQUAL(reap(*deleted), 1u);
  // The first version, still in flight, arrives after the reap: dropped.
  auto late = ask(vnode_merge_v1{5, *first, false});
  CAF_REQUIRE(late);
  CAF_CHECK(late->siblings.empty());
  // A new write without context rebuilds the copy (no id of this vnode),
  // then another node writes for a client whose context predates the
  // delete: the copy shows this vnode's id at counter 1 only.
  write_request fresh;
  fresh.value = "new";
  fresh.coordinator = 0xCC;
  fresh.now_ms = 1;
  CAF_REQUIRE(
    ask(vnode_merge_v1{5, apply_write(object{"k", {}}, fresh), false}));
  write_request other;
  other.context = context_of(*first);
  other.value = "theirs";
  other.coordinator = 0xBB;
  other.now_ms = 1;
  auto rebuilt = ask(vnode_merge_v1{5, apply_write(object{"k", {}}, other),
                                    false});
  CAF_REQUIRE(rebuilt);
  CAF_REQUIRE_EQUAL(detail::own_writer(*rebuilt, 0xAA), first_dot.id);
  auto next = write("k", "mine", context_of(*rebuilt));
  CAF_REQUIRE(next);
  auto& siblings = next->siblings;
  CAF_REQUIRE_EQUAL(siblings.size(), 1u);
  // Not the delete's dot again: a fresh epoch.
  CAF_CHECK_NOT_EQUAL(siblings[0].event, delete_dot);
  CAF_CHECK_GREATER(siblings[0].event.id, first_dot.id);
  CAF_CHECK_EQUAL(siblings[0].event.counter, 1u);
  // Written here since: the new epoch is continued.
  auto after = write("k", "again", context_of(*next));
  CAF_REQUIRE(after);
  CAF_CHECK_EQUAL(after->siblings.at(0).event.id, siblings[0].event.id);
  CAF_CHECK_EQUAL(after->siblings.at(0).event.counter, 2u);
}

CAF_TEST(a merge hiding the newest own counter moves the key to a new epoch) {
  auto a = write("k", "a");
  CAF_REQUIRE(a);
  auto own = a->siblings[0].event.id;
  // Node Z saw "a"; then "b" is written here concurrently with Z's write.
  CAF_REQUIRE(ask(vnode_merge_v1{5, from_elsewhere("k", 0xB1, context_of(*a),
                                                   "z"),
                                 false}));
  auto b = write("k", "b");
  CAF_REQUIRE(b);
  CAF_REQUIRE_EQUAL(b->siblings.size(), 2u);
  // Node Y saw "b" (own counter 2); node W saw Y's write, but W's clock was
  // pruned of this vnode's entry. Only Z's past still shows counter 1.
  auto y = from_elsewhere("k", 0xB2, written_context(*b, own), "y");
  CAF_REQUIRE(ask(vnode_merge_v1{5, y, false}));
  version_vector saw_y;
  saw_y.entries.push_back(clock_entry{0xB2, 1, 1});
  auto merged = ask(vnode_merge_v1{5, from_elsewhere("k", 0xB3, saw_y, "w"),
                                   false});
  CAF_REQUIRE(merged);
  CAF_REQUIRE_EQUAL(max_counter_of(context_of(*merged), own), 1u);
  // Counter 2 of this epoch was issued already: the next write must not
  // get it again.
  auto c = write("k", "c");
  CAF_REQUIRE(c);
  size_t found = 0;
  for (auto& s : c->siblings)
    if (s.value == "c") {
      ++found;
      CAF_CHECK(!(s.event.id == own && s.event.counter <= 2));
    }
  CAF_CHECK_EQUAL(found, 1u);
}

CAF_TEST(after a restart an existing key is written with a fresh epoch) {
  // The last writes before a crash may not have reached the disk: the
  // copy could show an older counter than was issued.
  auto a = write("a", "1");
  CAF_REQUIRE(a);
  auto a_id = a->siblings.at(0).event.id;
  restart();
  auto b = write("a", "2", context_of(*a));
  CAF_REQUIRE(b);
  CAF_REQUIRE_EQUAL(b->siblings.size(), 1u);
  CAF_CHECK_GREATER(b->siblings.at(0).event.id, a_id);
  CAF_CHECK_EQUAL(b->siblings.at(0).event.counter, 1u);
}

CAF_TEST(fresh epochs survive a restart) {
  auto a = write("a", "1");
  CAF_REQUIRE(a);
  auto a_id = a->siblings.at(0).event.id;
  restart();
  auto b = write("b", "1");
  CAF_REQUIRE(b);
  CAF_CHECK_GREATER(b->siblings.at(0).event.id, a_id);
}

CAF_TEST_FIXTURE_SCOPE_END()

// Group commit (actors/log_flusher.hpp): durable writes commit without a
// sync and are answered only after the node's log flush.
namespace {

struct durable_fixture : test_coordinator_fixture<dkv_config>,
                         spied_memory_store {
  log_flusher_actor flusher;
  vnode_actor vn;

  void start(bool with_flusher, bool sync_every_write) {
    if (with_flusher)
      flusher = spawn_log_flusher(sys, {store, false, nullptr});
    vnode_config cfg;
    cfg.partition = 5;
    cfg.store = store;
    cfg.self = 0xAA;
    cfg.log_flusher = flusher;
    cfg.sync_every_write = sync_every_write;
    vn = sys.spawn(vnode, std::move(cfg));
    run();
  }

  static vnode_coordinate_v1 put(const std::string& key, bool sync) {
    vnode_coordinate_v1 req;
    req.partition = 5;
    req.key = key;
    req.value = "v";
    req.sync = sync;
    return req;
  }

  /// Sends `req`, lets the vnode alone handle it, and tells whether the
  /// answer came before anyone else ran; then runs everything.
  template <class Request>
  std::pair<bool, caf::expected<object>> ask_stepwise(Request req) {
    caf::expected<object> result{caf::error{}};
    auto handle = self->request(vn, caf::infinite, std::move(req));
    expect((Request), from(self).to(vn));
    bool answered_at_once = !self->mailbox().empty();
    run();
    handle.receive([&](vnode_object_v1& x) { result = std::move(x.stored); },
                   [&](caf::error& err) { result = std::move(err); });
    return {answered_at_once, std::move(result)};
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(vnode_group_commit_tests, durable_fixture)

CAF_TEST(a durable write is answered only after the log flush) {
  start(true, false);
  auto [at_once, written] = ask_stepwise(put("k", true));
  CAF_CHECK(!at_once);
  CAF_REQUIRE(written);
  CAF_CHECK_EQUAL(spy.deferred, 1u);
  CAF_CHECK_EQUAL(spy.forced, 0u);
  CAF_CHECK_EQUAL(spy.flushes, 1u);
}

CAF_TEST(writes that need not be durable are answered at once) {
  start(true, false);
  auto [at_once, written] = ask_stepwise(put("k", false));
  CAF_CHECK(at_once);
  CAF_REQUIRE(written);
  CAF_CHECK_EQUAL(spy.deferred + spy.forced + spy.flushes, 0u);
}

CAF_TEST(with durability all every merge waits for the flush) {
  start(true, true);
  write_request other;
  other.value = "theirs";
  other.coordinator = 0xBB;
  other.now_ms = 1;
  auto incoming = apply_write(object{"k", {}}, other);
  auto [at_once, merged] = ask_stepwise(vnode_merge_v1{5, incoming, false});
  CAF_CHECK(!at_once);
  CAF_REQUIRE(merged);
  CAF_CHECK_EQUAL(spy.deferred, 1u);
  CAF_CHECK_EQUAL(spy.flushes, 1u);
}

CAF_TEST(a fresh epoch is leased by a synced metadata write alone) {
  // sync() also writes back the whole cache; the first write of every
  // partition after a start paid for one, on an actor thread.
  start(false, false);
  auto [at_once, written] = ask_stepwise(put("k", false));
  CAF_CHECK(at_once);
  CAF_REQUIRE(written);
  CAF_CHECK_EQUAL(spy.meta_writes, 1u);
  CAF_CHECK_EQUAL(spy.syncs, 0u);
}

CAF_TEST(a coordinated write reads its key once) {
  // The coordinator's id is picked from the copy read by the write's own
  // transaction, not from a read before it.
  start(false, false);
  CAF_REQUIRE(ask_stepwise(put("k", false)).second);
  auto before = spy.calls;
  auto [at_once, written] = ask_stepwise(put("k", false));
  CAF_REQUIRE(written);
  CAF_CHECK_EQUAL(spy.calls - before, 1u);
  CAF_CHECK_EQUAL(written->siblings.size(), 2u);
  CAF_CHECK_EQUAL(written->siblings.at(1).event.id,
                  written->siblings.at(0).event.id);
}

CAF_TEST(without a flusher a durable write syncs on commit) {
  start(false, false);
  auto [at_once, written] = ask_stepwise(put("k", true));
  CAF_CHECK(at_once);
  CAF_REQUIRE(written);
  CAF_CHECK_EQUAL(spy.forced, 1u);
  CAF_CHECK_EQUAL(spy.deferred + spy.flushes, 0u);
}

CAF_TEST(a durable write whose flusher is gone says it may not be durable) {
  // The router restarts after its flusher ends; the writes waiting for it
  // are stored but were never synced.
  start(true, false);
  caf::anon_send_exit(flusher, caf::exit_reason::kill);
  run();
  auto [at_once, written] = ask_stepwise(put("k", true));
  CAF_REQUIRE(!written);
  CAF_CHECK_EQUAL(dkv_code(written.error()), dkv_errc::storage_failure);
  CAF_CHECK_NOT_EQUAL(error_detail(written.error()).find("not known to be "
                                                         "durable"),
                      std::string::npos);
}

CAF_TEST(a failed flush fails the durable write) {
  start(true, false);
  spy.fail_flushes = true;
  auto [at_once, written] = ask_stepwise(put("k", true));
  CAF_CHECK(!at_once);
  CAF_REQUIRE(!written);
  CAF_CHECK_EQUAL(written.error().category(), dkv_error_category);
  CAF_CHECK_EQUAL(written.error().code(),
                  static_cast<uint8_t>(dkv_errc::storage_failure));
}

CAF_TEST_FIXTURE_SCOPE_END()
