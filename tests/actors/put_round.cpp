#include "actors/put_round.hpp"

#include "caf/test/dsl.hpp"

#include "fixtures/fake_vnode.hpp"
#include "fixtures/round_host.hpp"
#include "fixtures/test_config.hpp"

using namespace dkv;
using namespace dkv::test;

namespace {

using release_atom = caf::atom_constant<caf::atom("release")>;

/// A group commit that flushes when the test says so: release(true)
/// answers every waiting request, release(false) fails them.
using fake_flusher_actor
  = log_flusher_actor::extend<caf::reacts_to<release_atom, bool>>;

struct fake_flusher_state {
  std::vector<caf::typed_response_promise<flush_log_atom>> waiting;
};

/// (The unused int: CAF 0.17 binds a null argument tuple for a spawn
/// without arguments, which UBSan reports.)
fake_flusher_actor::behavior_type
fake_flusher(fake_flusher_actor::stateful_pointer<fake_flusher_state> self,
             int) {
  return {
    [self](flush_log_atom) -> caf::result<flush_log_atom> {
      self->state.waiting.push_back(
        self->make_response_promise<flush_log_atom>());
      return self->state.waiting.back();
    },
    [self](release_atom, bool ok) {
      for (auto& rp : self->state.waiting)
        if (ok)
          rp.deliver(flush_log_atom::value);
        else
          rp.deliver(make_error(dkv_errc::storage_failure, "disk full"));
      self->state.waiting.clear();
    },
  };
}

struct fixture : test_coordinator_fixture<dkv_config> {
  std::vector<fake_vnode_actor> replicas;
  std::optional<caf::expected<object>> outcome;
  /// Set for durable puts (durability "one").
  fake_flusher_actor flusher;
  /// Rounds run in an actor that lives on after them, as the router.
  bool host_outlives = false;

  ~fixture() {
    // Promises it still holds keep it alive, and the system waits for it.
    if (flusher) {
      caf::anon_send_exit(flusher, caf::exit_reason::user_shutdown);
      sched.run();
    }
  }

  void make_replicas(std::vector<fake_mode> modes) {
    replica_id id = 1;
    for (auto mode : modes)
      replicas.push_back(sys.spawn(fake_vnode, id++, mode));
  }

  caf::actor put(const std::string& key, const std::string& value, size_t w,
                 version_vector context = {}, bool timer = true) {
    outcome.reset();
    put_round_config cfg;
    char name = 'a';
    for (auto& r : replicas)
      cfg.targets.push_back({std::string(1, name++), r, {}, {}, {}});
    cfg.w = w;
    cfg.timeout = std::chrono::seconds(1);
    cfg.write.partition = 7;
    cfg.write.key = key;
    cfg.write.context = std::move(context);
    cfg.write.value = value;
    cfg.finish = [this](caf::expected<object> x) { outcome = std::move(x); };
    cfg.flusher = caf::actor_cast<log_flusher_actor>(flusher);
    if (host_outlives)
      return sys.spawn(lasting_round_host<put_round, put_round_config>,
                       std::move(cfg), timer);
    return sys.spawn(round_host<put_round, put_round_config>, std::move(cfg),
                     timer);
  }

  fake_vnode_state& state_of(size_t i) {
    return deref<fake_vnode_actor::stateful_base<fake_vnode_state>>(replicas[i]).state;
  }

  /// The put has no answer before its deadline, then fails with
  /// request_timeout.
  void check_times_out() {
    sched.run();
    CAF_CHECK(!outcome.has_value());
    trigger_timeouts();
    run();
    CAF_REQUIRE(outcome.has_value());
    CAF_REQUIRE(!*outcome);
    CAF_CHECK(outcome->error() == caf::sec::request_timeout);
  }

  dkv_errc error_code() {
    CAF_REQUIRE(outcome.has_value());
    CAF_REQUIRE(!*outcome);
    return dkv_code(outcome->error());
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(put_round_tests, fixture)

CAF_TEST(a put answers after W acks and reaches every replica) {
  make_replicas({fake_mode::normal, fake_mode::normal, fake_mode::normal});
  put("k", "v1", 2);
  run();
  CAF_REQUIRE(outcome.has_value());
  CAF_REQUIRE(*outcome);
  CAF_CHECK_EQUAL(live_values(**outcome), std::vector<std::string>{"v1"});
  for (size_t i = 0; i < 3; ++i)
    CAF_CHECK_EQUAL(live_values(state_of(i).data["k"]),
                    std::vector<std::string>{"v1"});
  // The dot comes from the coordinator's (first target's) identity.
  CAF_CHECK_EQUAL((*outcome)->siblings.front().event.id, 1u);
}

CAF_TEST(the answer comes before slow replicas reply) {
  make_replicas({fake_mode::normal, fake_mode::normal, fake_mode::silent});
  put("k", "v1", 2);
  run_until([&] { return outcome.has_value(); });
  CAF_REQUIRE(outcome.has_value());
  CAF_CHECK(*outcome);
}

CAF_TEST(too few acks fail with quorum_unavailable) {
  make_replicas({fake_mode::normal, fake_mode::fail, fake_mode::fail});
  put("k", "v1", 2);
  run();
  CAF_CHECK_EQUAL(error_code(), dkv_errc::quorum_unavailable);
}

CAF_TEST(silent replicas fail the put at the timeout) {
  make_replicas({fake_mode::normal, fake_mode::silent, fake_mode::silent});
  put("k", "v1", 2);
  sched.run(); // every message, but no timeout yet
  CAF_CHECK(!outcome.has_value());
  trigger_timeouts();
  run();
  CAF_CHECK_EQUAL(error_code(), dkv_errc::quorum_unavailable);
}

CAF_TEST(a round sets no timer and ends at the deadline its owner serves) {
  make_replicas({fake_mode::normal, fake_mode::silent, fake_mode::silent});
  auto host = put("k", "v1", 2, {}, false);
  self->monitor(host);
  sched.run();
  CAF_CHECK(!outcome.has_value());
  // It set no timer of its own: nothing would ever end it.
  CAF_CHECK(!sched.has_pending_timeout());
  caf::anon_send(host, round_deadline_atom::value);
  run();
  CAF_CHECK_EQUAL(error_code(), dkv_errc::quorum_unavailable);
  bool ended = false;
  self->receive([&](caf::down_msg& msg) {
    ended = msg.source == host.address();
  }, caf::after(std::chrono::seconds(0)) >> [] {});
  CAF_CHECK(ended);
}

CAF_TEST(a round lets go of the requests never answered at its deadline) {
  // A peer that died never answers (CAF fails no request when a connection
  // drops): the answer handlers must not keep the round and its value.
  make_replicas({fake_mode::normal, fake_mode::silent, fake_mode::silent});
  host_outlives = true;
  auto host = put("k", "v1", 2);
  sched.run();
  trigger_timeouts();
  run();
  CAF_CHECK_EQUAL(error_code(), dkv_errc::quorum_unavailable);
  auto& st
    = deref<caf::stateful_actor<round_host_state<put_round>>>(host).state;
  CAF_CHECK(st.round == nullptr);
  CAF_CHECK(st.ended.expired());
  caf::anon_send_exit(host, caf::exit_reason::user_shutdown);
  run();
}

CAF_TEST(a silent local vnode fails the put at the timeout) {
  make_replicas({fake_mode::silent, fake_mode::normal, fake_mode::normal});
  put("k", "v1", 2);
  check_times_out();
}

CAF_TEST(the round ends once every replica answered) {
  make_replicas({fake_mode::normal, fake_mode::normal, fake_mode::fail});
  auto host = put("k", "v1", 2);
  self->monitor(host);
  run(); // no timeout fires: the actor must not wait for its deadline
  CAF_REQUIRE(outcome.has_value());
  CAF_CHECK(*outcome);
  bool ended = false;
  self->receive([&](caf::down_msg& msg) {
    ended = msg.source == host.address();
  }, caf::after(std::chrono::seconds(0)) >> [] {});
  CAF_CHECK(ended);
}

CAF_TEST(a round whose actor dies early still answers with an error) {
  make_replicas({fake_mode::normal, fake_mode::silent, fake_mode::silent});
  auto host = put("k", "v1", 2);
  sched.run();
  CAF_CHECK(!outcome.has_value());
  caf::anon_send_exit(host, caf::exit_reason::kill);
  sched.run();
  CAF_CHECK_EQUAL(error_code(), dkv_errc::timeout);
}

CAF_TEST(w of one succeeds with the local write alone) {
  make_replicas({fake_mode::normal, fake_mode::fail, fake_mode::silent});
  put("k", "v1", 1);
  run();
  CAF_REQUIRE(outcome.has_value());
  CAF_CHECK(*outcome);
}

CAF_TEST(a local storage failure is the error the client sees) {
  make_replicas({fake_mode::fail, fake_mode::normal, fake_mode::normal});
  put("k", "v1", 1);
  run();
  CAF_CHECK_EQUAL(error_code(), dkv_errc::storage_failure);
  // Nothing was replicated when the local write failed.
  CAF_CHECK_EQUAL(state_of(1).merges, 0u);
}

CAF_TEST(writes with the same stale context become siblings) {
  make_replicas({fake_mode::normal, fake_mode::normal, fake_mode::normal});
  put("k", "v1", 2);
  run();
  put("k", "v2", 2);
  run();
  CAF_REQUIRE(outcome && *outcome);
  CAF_CHECK_EQUAL((*outcome)->siblings.size(), 2u);
  // A write with the merged context resolves them.
  put("k", "v3", 3, context_of(**outcome));
  run();
  CAF_REQUIRE(outcome && *outcome);
  CAF_CHECK_EQUAL(live_values(**outcome), std::vector<std::string>{"v3"});
  CAF_CHECK_EQUAL(live_values(state_of(2).data["k"]),
                  std::vector<std::string>{"v3"});
}

CAF_TEST(a substitute acks with a hint for the absent owner) {
  make_replicas({fake_mode::normal});
  std::vector<vnode_hint_v1> hints;
  // (The unused int: CAF 0.17 binds a null argument tuple for a spawn
  // without arguments, which UBSan reports.)
  auto substitute = sys.spawn(
    [&hints](caf::event_based_actor*, int) {
      return caf::behavior{[&hints](vnode_hint_v1& h) {
        hints.push_back(h);
        return vnode_object_v1{h.incoming};
      }};
    },
    0);
  put_round_config cfg;
  cfg.targets.push_back({"a", replicas[0], {}, {}, {}});
  cfg.targets.push_back({"d", vnode_actor{}, "b", substitute, {}});
  cfg.targets.push_back({"c", vnode_actor{}, {}, {}, {}}); // absent
  cfg.w = 2;
  cfg.timeout = std::chrono::seconds(1);
  cfg.write.partition = 7;
  cfg.write.key = "k";
  cfg.write.value = "v";
  cfg.finish = [this](caf::expected<object> x) { outcome = std::move(x); };
  sys.spawn(round_host<put_round, put_round_config>, std::move(cfg), true);
  run();
  CAF_REQUIRE(outcome && *outcome);
  CAF_REQUIRE_EQUAL(hints.size(), 1u);
  CAF_CHECK_EQUAL(hints[0].owner, "b");
  CAF_CHECK_EQUAL(hints[0].partition, 7u);
  CAF_CHECK_EQUAL(live_values(hints[0].incoming),
                  std::vector<std::string>{"v"});
}

CAF_TEST(a durable put replicates while the local write is flushed) {
  make_replicas({fake_mode::normal, fake_mode::normal, fake_mode::normal});
  flusher = sys.spawn(fake_flusher, 0);
  put("k", "v1", 2);
  sched.run(); // every message, but no deadline
  // The replicas have it, and acked, but the local write is not on disk.
  CAF_CHECK(!outcome.has_value());
  for (size_t i = 1; i < 3; ++i)
    CAF_CHECK_EQUAL(live_values(state_of(i).data["k"]),
                    std::vector<std::string>{"v1"});
  self->send(flusher, release_atom::value, true);
  run();
  CAF_REQUIRE(outcome.has_value());
  CAF_CHECK(*outcome);
}

CAF_TEST(a durable put of w one waits for the flush) {
  make_replicas({fake_mode::normal, fake_mode::silent, fake_mode::silent});
  flusher = sys.spawn(fake_flusher, 0);
  put("k", "v1", 1);
  sched.run();
  CAF_CHECK(!outcome.has_value());
  self->send(flusher, release_atom::value, true);
  run();
  CAF_REQUIRE(outcome.has_value());
  CAF_CHECK(*outcome);
}

CAF_TEST(a failed local flush fails a durable put) {
  make_replicas({fake_mode::normal, fake_mode::normal, fake_mode::normal});
  flusher = sys.spawn(fake_flusher, 0);
  put("k", "v1", 2);
  sched.run();
  self->send(flusher, release_atom::value, false);
  run();
  CAF_CHECK_EQUAL(error_code(), dkv_errc::storage_failure);
}

CAF_TEST(a durable put whose flusher is gone is a storage failure) {
  make_replicas({fake_mode::normal, fake_mode::normal, fake_mode::normal});
  flusher = sys.spawn(fake_flusher, 0);
  caf::anon_send_exit(flusher, caf::exit_reason::kill);
  run();
  put("k", "v1", 2);
  run();
  CAF_CHECK_EQUAL(error_code(), dkv_errc::storage_failure);
}

CAF_TEST(a flush that does not end in time fails a durable put) {
  make_replicas({fake_mode::normal, fake_mode::normal, fake_mode::normal});
  flusher = sys.spawn(fake_flusher, 0);
  put("k", "v1", 2);
  check_times_out();
}

CAF_TEST_FIXTURE_SCOPE_END()
