// A node's outbox of replica requests to one peer, against a fake peer in
// CAF's deterministic scheduler: a merge (read) goes at once while the
// window has room; those beyond it go together in one message, each
// answered with its own object or error (a merge with its key: merges go
// as records, acknowledged without the merged object); a peer without
// batches gets merges alone; a refused batch of reads is read one by one; a
// message never answered frees its place after the timeout, one timer serving
// every message in flight; a lost peer, or the outbox's retirement, fails
// everything the outbox holds.

#include "actors/peer_outbox.hpp"

#include <set>
#include <string>
#include <utility>
#include <vector>

#include "caf/test/dsl.hpp"

#include "fixtures/held_answers.hpp"
#include "fixtures/test_config.hpp"
#include "messages/errors.hpp"
#include "storage/record_codec.hpp"

using namespace dkv;
using namespace dkv::test;
using namespace std::chrono_literals;

namespace {

/// A peer that stores every merge it gets, answers every read with an
/// object of the key, and records how they came.
struct fake_peer_state : held_answers {
  static inline const char* name = "fake_peer";
  std::string name_in_tests;
  size_t singles = 0;
  std::vector<size_t> batches; // merges in each batch
  std::vector<object> merged;  // every merge's object, as decoded
  size_t single_reads = 0;
  std::vector<size_t> read_batches;
  bool knows_batches = true;
  bool refuses_read_batches = false;
  std::set<std::string> failing_keys;
  std::set<std::string> corrupt_keys; // read as bytes that do not decode
};

using fake_peer_ptr = caf::stateful_actor<fake_peer_state>*;

// Spawned with its name: CAF 0.17 runs an actor function without further
// arguments through a null tuple, which UBSan reports.
caf::behavior fake_peer(fake_peer_ptr self, std::string name) {
  self->state.name_in_tests = std::move(name);
  auto merge = [self](const vnode_merge_v1& req, object& out) -> caf::error {
    if (self->state.failing_keys.count(req.incoming.key) > 0)
      return make_error(dkv_errc::storage_failure, "disk full");
    self->state.merged.push_back(req.incoming);
    out = req.incoming;
    return caf::none;
  };
  return {
    [self, merge](vnode_merge_v1& req) -> caf::result<vnode_object_v1> {
      ++self->state.singles;
      if (self->state.hold(self))
        return caf::delegated<vnode_object_v1>{};
      vnode_object_v1 reply;
      if (auto err = merge(req, reply.stored))
        return err;
      return reply;
    },
    [self, merge](vnode_merge_batch_v2& req)
      -> caf::result<vnode_merge_acks_v1> {
      self->state.batches.push_back(req.merges.size());
      if (!self->state.knows_batches)
        return caf::make_error(caf::sec::unexpected_message);
      if (self->state.hold(self))
        return caf::delegated<vnode_merge_acks_v1>{};
      vnode_merge_acks_v1 reply;
      reply.merges = static_cast<uint32_t>(req.merges.size());
      for (size_t i = 0; i < req.merges.size(); ++i) {
        auto& m = req.merges[i];
        auto incoming = storage::decode_record(m.key, m.record);
        object stored;
        auto err = incoming ? merge({m.partition, *incoming, m.sync}, stored)
                            : make_error(dkv_errc::invalid_argument, "bad");
        if (err) {
          reply.failures.resize(req.merges.size());
          reply.failures[i] = std::move(err);
        }
      }
      return reply;
    },
    [self](vnode_get_v1& req) -> caf::result<vnode_object_v1> {
      ++self->state.single_reads;
      if (self->state.hold(self))
        return caf::delegated<vnode_object_v1>{};
      return vnode_object_v1{object{req.key, {}}};
    },
    // Answers the merges it held, late (promises are kept by the actor:
    // they are delivered from its own context).
    [self](caf::ok_atom) {
      for (auto& promise : self->state.held)
        promise.deliver(vnode_merge_acks_v1{1, {}});
      self->state.held.clear();
    },
    // Answers each read with the record of the last merge of its key,
    // empty (no record) when none came.
    [self](vnode_get_batch_v2& req) -> caf::result<vnode_records_v1> {
      self->state.read_batches.push_back(req.reads.size());
      if (self->state.refuses_read_batches)
        return make_error(dkv_errc::unavailable, "read one by one");
      if (self->state.hold(self))
        return caf::delegated<vnode_records_v1>{};
      vnode_records_v1 reply;
      for (auto& read : req.reads) {
        std::string record;
        for (auto& obj : self->state.merged)
          if (obj.key == read.key)
            record = storage::encode_record(obj);
        if (self->state.corrupt_keys.count(read.key) > 0)
          record = "not a record";
        reply.records.push_back(std::move(record));
      }
      return reply;
    },
  };
}

struct fixture : test_coordinator_fixture<dkv_config> {
  caf::actor peer;
  bool peer_alive = true;
  caf::actor outbox;

  fixture() {
    peer = sys.spawn(fake_peer, std::string{"peer"});
    peer_outbox_config cfg;
    cfg.peer = caf::actor_cast<node_actor>(peer);
    cfg.in_flight = 1;
    cfg.timeout = 1s;
    outbox = spawn_peer_outbox(sys, std::move(cfg));
    sched.run();
  }

  ~fixture() override {
    caf::anon_send_exit(outbox, caf::exit_reason::user_shutdown);
    if (peer_alive) {
      state().held.clear();
      caf::anon_send_exit(peer, caf::exit_reason::user_shutdown);
    }
    sched.run();
  }

  fake_peer_state& state() {
    return deref<caf::stateful_actor<fake_peer_state>>(peer).state;
  }

  using merge_handle = decltype(std::declval<caf::scoped_actor&>()->request(
    std::declval<caf::actor&>(), caf::infinite, vnode_merge_v1{}));

  merge_handle merge(const std::string& key) {
    return self->request(outbox, caf::infinite,
                         vnode_merge_v1{0, object{key, {}}, false});
  }

  merge_handle read(const std::string& key) {
    return self->request(outbox, caf::infinite, vnode_get_v1{0, key});
  }

  /// The key the merge's answer carries, or the error's name.
  std::string answer_of(merge_handle& handle) {
    std::string result = "no answer";
    if (self->mailbox().empty())
      return result; // a receive would wait forever
    handle.receive([&](vnode_object_v1& x) { result = x.stored.key; },
                   [&](caf::error& err) {
                     auto code = dkv_code(err);
                     result = code != dkv_errc::none ? to_string(code)
                                                     : sys.render(err);
                   });
    return result;
  }

  /// Merges (reads) each key at once; what each was answered.
  std::vector<std::string> merge_all(const std::vector<std::string>& keys,
                                     bool reads = false) {
    std::vector<merge_handle> handles;
    for (auto& key : keys)
      handles.push_back(reads ? read(key) : merge(key));
    sched.run();
    std::vector<std::string> result;
    for (auto& handle : handles)
      result.push_back(answer_of(handle));
    return result;
  }

  /// Merges k1, which the peer leaves unanswered, then k2, which waits
  /// behind it.
  std::pair<merge_handle, merge_handle> one_in_flight_one_waiting() {
    state().unanswered = 1;
    auto k1 = merge("k1");
    sched.run();
    auto k2 = merge("k2");
    sched.run();
    return {k1, k2};
  }

  size_t pending_timers() { return sched.clock().schedule().size(); }

  using strings = std::vector<std::string>;
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(peer_outbox_tests, fixture)

CAF_TEST(merges beyond the window go together in one message) {
  CAF_CHECK_EQUAL(merge_all({"k1", "k2", "k3"}), (strings{"k1", "k2", "k3"}));
  CAF_CHECK_EQUAL(state().singles, 0u);
  CAF_CHECK_EQUAL(state().batches, (std::vector<size_t>{1, 2}));
}

CAF_TEST(reads and merges have a window each) {
  auto m1 = merge("m1");
  auto r1 = read("r1");
  auto r2 = read("r2");
  auto r3 = read("r3");
  sched.run();
  CAF_CHECK_EQUAL(answer_of(m1), "m1");
  CAF_CHECK_EQUAL(answer_of(r1), "r1");
  CAF_CHECK_EQUAL(answer_of(r2), "r2");
  CAF_CHECK_EQUAL(answer_of(r3), "r3");
  CAF_CHECK_EQUAL(state().batches, std::vector<size_t>{1});
  CAF_CHECK_EQUAL(state().single_reads, 0u);
  CAF_CHECK_EQUAL(state().read_batches, (std::vector<size_t>{1, 2}));
}

CAF_TEST(a read comes back as the record the peer stored) {
  object written{"k1", {}};
  written.siblings.push_back(sibling{dot{7, 1}, {}, false, "v1", 42});
  auto merged = self->request(outbox, caf::infinite,
                              vnode_merge_v1{3, written, false});
  sched.run();
  CAF_CHECK_EQUAL(answer_of(merged), "k1");
  auto k1 = read("k1");
  auto k2 = read("k2"); // never written: no record
  sched.run();
  k1.receive([&](vnode_object_v1& x) { CAF_CHECK_EQUAL(x.stored, written); },
             [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
  k2.receive(
    [&](vnode_object_v1& x) {
      CAF_CHECK_EQUAL(x.stored.key, "k2");
      CAF_CHECK(x.stored.siblings.empty());
    },
    [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
}

CAF_TEST(a read of a record that does not decode fails alone) {
  state().corrupt_keys = {"r2"};
  CAF_CHECK_EQUAL(merge_all({"r1", "r2", "r3"}, true),
                  (strings{"r1", "storage_failure", "r3"}));
}

CAF_TEST(a refused batch of reads is read one by one) {
  state().refuses_read_batches = true;
  CAF_CHECK_EQUAL(merge_all({"r1", "r2", "r3"}, true),
                  (strings{"r1", "r2", "r3"}));
  CAF_CHECK_EQUAL(state().read_batches, (std::vector<size_t>{1, 2}));
  CAF_CHECK_EQUAL(state().single_reads, 3u);
}

CAF_TEST(reads of a refused batch sent again alone fail with the outbox) {
  state().refuses_read_batches = true;
  state().unanswered = 3; // each read, sent again alone
  auto r1 = read("r1");
  auto r2 = read("r2");
  auto r3 = read("r3");
  sched.run();
  // r1 went first; r2 and r3, waiting behind it, went as a batch
  CAF_CHECK_EQUAL(state().read_batches, (std::vector<size_t>{1, 2}));
  CAF_CHECK_EQUAL(state().single_reads, 3u);
  caf::anon_send_exit(outbox, caf::exit_reason::user_shutdown);
  sched.run();
  CAF_CHECK_EQUAL(answer_of(r1), "unavailable");
  CAF_CHECK_EQUAL(answer_of(r2), "unavailable");
  CAF_CHECK_EQUAL(answer_of(r3), "unavailable");
}

CAF_TEST(a lone merge goes at once as a batch of one) {
  CAF_CHECK_EQUAL(merge_all({"k1"}), strings{"k1"});
  CAF_CHECK_EQUAL(merge_all({"k2"}), strings{"k2"});
  CAF_CHECK_EQUAL(state().singles, 0u);
  CAF_CHECK_EQUAL(state().batches, (std::vector<size_t>{1, 1}));
}

CAF_TEST(a merge goes as its record and is acknowledged with its key) {
  object written{"k1", {}};
  written.siblings.push_back(sibling{dot{7, 1}, {}, false, "v1", 42});
  auto handle = self->request(outbox, caf::infinite,
                              vnode_merge_v1{3, written, false});
  sched.run();
  CAF_REQUIRE_EQUAL(state().merged.size(), 1u);
  CAF_CHECK_EQUAL(state().merged.front(), written);
  handle.receive(
    [&](vnode_object_v1& x) {
      CAF_CHECK_EQUAL(x.stored.key, "k1");
      CAF_CHECK(x.stored.siblings.empty()); // the merged object stays there
    },
    [&](caf::error& err) { CAF_FAIL("merge failed: " << sys.render(err)); });
}

CAF_TEST(a merge failing inside a batch fails alone) {
  state().failing_keys = {"k3"};
  CAF_CHECK_EQUAL(merge_all({"k1", "k2", "k3", "k4"}),
                  (strings{"k1", "k2", "storage_failure", "k4"}));
  CAF_CHECK_EQUAL(state().batches, (std::vector<size_t>{1, 3}));
}

CAF_TEST(a peer without batches gets every merge alone) {
  // An older node: the first batch goes again merge by merge, and every
  // later merge alone.
  state().knows_batches = false;
  CAF_CHECK_EQUAL(merge_all({"k1", "k2", "k3"}), (strings{"k1", "k2", "k3"}));
  CAF_CHECK_EQUAL(merge_all({"k4", "k5", "k6"}), (strings{"k4", "k5", "k6"}));
  CAF_CHECK_EQUAL(state().batches, std::vector<size_t>{1});
  CAF_CHECK_EQUAL(state().singles, 6u);
}

CAF_TEST(a message never answered frees its place after the timeout) {
  state().unanswered = 1;
  auto k1 = merge("k1");
  sched.run();
  auto k2 = merge("k2");
  auto k3 = merge("k3");
  sched.run();
  // k2 and k3 wait behind the lost merge
  CAF_CHECK_EQUAL(state().batches, std::vector<size_t>{1});
  sched.advance_time(1s);
  sched.run();
  CAF_CHECK_NOT_EQUAL(answer_of(k1), "k1");
  CAF_CHECK_EQUAL(state().batches, (std::vector<size_t>{1, 2}));
  CAF_CHECK_EQUAL(answer_of(k2), "k2");
  CAF_CHECK_EQUAL(answer_of(k3), "k3");
}

CAF_TEST(messages in flight share one timer) {
  // A CAF request timeout per message wakes CAF's clock thread to set it
  // and again to cancel it.
  peer_outbox_config cfg;
  cfg.peer = caf::actor_cast<node_actor>(peer);
  cfg.in_flight = 3;
  cfg.timeout = 1s;
  auto wide = spawn_peer_outbox(sys, std::move(cfg));
  sched.run();
  auto before = pending_timers();
  state().unanswered = 3;
  std::vector<merge_handle> handles;
  for (auto key : {"k1", "k2", "k3"}) {
    handles.push_back(self->request(wide, caf::infinite,
                                    vnode_merge_v1{0, object{key, {}}, false}));
    sched.run();
  }
  // three messages in flight
  CAF_CHECK_EQUAL(state().batches, (std::vector<size_t>{1, 1, 1}));
  CAF_CHECK_EQUAL(pending_timers(), before + 1);
  sched.advance_time(1s);
  sched.run();
  for (auto& handle : handles)
    CAF_CHECK_EQUAL(answer_of(handle), sys.render(caf::sec::request_timeout));
  CAF_CHECK_EQUAL(pending_timers(), before); // none left in flight
  caf::anon_send_exit(wide, caf::exit_reason::user_shutdown);
  sched.run();
}

CAF_TEST(an answer after its message was given up changes nothing) {
  state().unanswered = 1;
  auto k1 = merge("k1");
  sched.run();
  sched.advance_time(1s);
  sched.run();
  CAF_CHECK_EQUAL(answer_of(k1), sys.render(caf::sec::request_timeout));
  caf::anon_send(peer, caf::ok_atom::value);
  sched.run();
  CAF_CHECK(state().held.empty());
  // The window is free and stays consistent: the next merges go as before.
  CAF_CHECK_EQUAL(merge_all({"k2"}), strings{"k2"});
  CAF_CHECK_EQUAL(merge_all({"k3", "k4"}), (strings{"k3", "k4"}));
  // k4 waited for k3's place
  CAF_CHECK_EQUAL(state().batches, (std::vector<size_t>{1, 1, 1, 1}));
}

CAF_TEST(a lost peer fails what waits and what is in flight) {
  auto [k1, k2] = one_in_flight_one_waiting();
  state().held.clear();
  peer_alive = false;
  caf::anon_send_exit(peer, caf::exit_reason::kill);
  sched.run();
  CAF_CHECK_EQUAL(answer_of(k1), "unavailable");
  CAF_CHECK_EQUAL(answer_of(k2), "unavailable");
  // The outbox ended: its router makes a new one for the peer's next
  // handle.
  auto k3 = merge("k3");
  sched.run();
  CAF_CHECK_NOT_EQUAL(answer_of(k3), "k3");
}

CAF_TEST(a retired outbox fails what waits and what is in flight) {
  // The router retires a peer's outbox when the peer's handle changes (a
  // new connection): its requests fail now, not at their deadline.
  auto [k1, k2] = one_in_flight_one_waiting();
  caf::anon_send_exit(outbox, caf::exit_reason::user_shutdown);
  sched.run();
  CAF_CHECK_EQUAL(answer_of(k1), "unavailable");
  CAF_CHECK_EQUAL(answer_of(k2), "unavailable");
}

CAF_TEST_FIXTURE_SCOPE_END()
