#include "actors/gossiper.hpp"

#include "caf/test/dsl.hpp"

#include "actors/handoff_queue.hpp"
#include "fixtures/memory_store.hpp"
#include "fixtures/test_config.hpp"
#include "messages/errors.hpp"
#include "messages/membership_protocol.hpp"

using namespace dkv;
using namespace dkv::test;

namespace {

/// Stands in for the router: keeps the last view the gossiper sent.
struct view_sink_state {
  cluster_view last;
  size_t views = 0;
};

// The unused int: CAF 0.17 spawns a function without arguments through a
// null argument tuple, which UBSan reports.
caf::behavior view_sink(caf::stateful_actor<view_sink_state>* self, int) {
  return {
    [self](view_atom, cluster_view& view) {
      self->state.last = std::move(view);
      ++self->state.views;
    },
    [self](caf::get_atom) { return self->state.last.ring; },
  };
}

caf::behavior handoff_sink(caf::event_based_actor*, int) {
  return {
    [](peer_up_atom, const std::string&, const caf::actor&) {},
    [](peer_down_atom, const std::string&) {},
  };
}

/// Stands in for the middleman: each connect gets the next peer handle
/// queued by the test.
struct connector_state {
  std::vector<caf::actor> next;
};

caf::behavior fake_connector(caf::stateful_actor<connector_state>* self,
                             int) {
  return {
    [self](caf::connect_atom, const std::string&, uint16_t)
      -> caf::result<caf::node_id, caf::strong_actor_ptr,
                     std::set<std::string>> {
      auto& next = self->state.next;
      if (next.empty())
        return caf::make_error(caf::sec::cannot_connect_to_node);
      auto peer = next.front();
      next.erase(next.begin());
      return {caf::node_id{}, caf::actor_cast<caf::strong_actor_ptr>(peer),
              std::set<std::string>{}};
    },
  };
}

/// A peer node "b" that answers handshakes and pings.
caf::behavior answering_peer(caf::event_based_actor* self, int) {
  self->set_default_handler(caf::drop);
  return {
    [](node_info_request_v1&) {
      return node_info_v1{"c", "b", "b:2", 8, 0xB};
    },
  };
}

/// A peer that takes every request and never answers (a half-open
/// connection, a node stopped mid-start).
caf::behavior silent_peer(
  caf::stateful_actor<std::vector<caf::response_promise>>* self, int) {
  self->set_default_handler(
    [self](caf::scheduled_actor*,
           caf::message_view&) -> caf::result<caf::message> {
      self->state.push_back(self->make_response_promise());
      return caf::message{};
    });
  return {[](int) {}};
}

ring_state ring_of(std::vector<std::string> names, uint64_t version) {
  ring_state ring;
  ring.partitions = 8;
  ring.members = names;
  for (size_t p = 0; p < 8; ++p)
    ring.owners.push_back(names[p % names.size()]);
  ring.version = version;
  return ring;
}

struct fixture : test_coordinator_fixture<dkv_config>, memory_store {
  caf::actor sink = sys.spawn(view_sink, 0);
  caf::actor handoff = sys.spawn(handoff_sink, 0);
  caf::actor connector = sys.spawn(fake_connector, 0);
  std::vector<std::string> seeds;
  caf::actor gossip;

  fixture() { gossip = start(); }

  ~fixture() override {
    // The gossiper ticks forever: stop it before the fixture drains.
    for (auto& x : {gossip, sink, handoff, connector})
      caf::anon_send_exit(x, caf::exit_reason::user_shutdown);
    sched.run();
  }

  caf::actor start() {
    gossiper_config cfg;
    auto& s = cfg.settings;
    s.cluster = "c";
    s.name = "a";
    s.port = 1;
    s.partitions = 8;
    s.n = 1;
    s.r = 1;
    s.w = 1;
    cfg.store = store;
    cfg.incarnation = 0xA;
    cfg.router = sink;
    cfg.handoff = handoff;
    s.seeds = seeds;
    cfg.connector = connector;
    auto result = spawn_gossiper(sys, std::move(cfg));
    sched.run(); // messages only: ticks stay pending, no timer fires
    return result;
  }

  void restart() {
    caf::anon_send_exit(gossip, caf::exit_reason::kill);
    sched.run();
    gossip = start();
  }

  gossip_state state_from(std::string cluster, uint32_t partitions,
                          ring_state ring, std::vector<member_record> members) {
    gossip_state s;
    s.cluster = std::move(cluster);
    s.partitions = partitions;
    s.ring = std::move(ring);
    s.members = std::move(members);
    return s;
  }

  caf::expected<gossip_v1> exchange(gossip_state theirs) {
    caf::expected<gossip_v1> result{caf::error{}};
    auto handle
      = self->request(gossip, caf::infinite, gossip_v1{std::move(theirs)});
    sched.run();
    handle.receive([&](gossip_v1& x) { result = std::move(x); },
                   [&](caf::error& err) { result = std::move(err); });
    return result;
  }

  ring_state routed_ring() {
    return deref<caf::stateful_actor<view_sink_state>>(sink).state.last.ring;
  }

  members_reply_v1 members() {
    members_reply_v1 result;
    auto handle = self->request(gossip, caf::infinite, members_request_v1{});
    sched.run();
    handle.receive([&](members_reply_v1& x) { result = std::move(x); },
                   [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
    return result;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(gossiper_tests, fixture)

CAF_TEST(a node without seeds forms a one - node ring and tells the router) {
  auto ring = routed_ring();
  CAF_CHECK_EQUAL(ring.version, 1u);
  CAF_CHECK_EQUAL(ring.members, std::vector<std::string>{"a"});
  CAF_CHECK_EQUAL(ring.owners.size(), 8u);
}

CAF_TEST(a newer ring from gossip is adopted persisted and answered) {
  auto newer = ring_of({"a", "b"}, 5);
  auto reply = exchange(state_from("c", 8, newer, {{"b", "b:2", 3, 1}}));
  CAF_REQUIRE(reply);
  CAF_CHECK(reply->state.ring == newer);
  // The answer carries both nodes' records: push-pull in one exchange.
  auto& records = reply->state.members;
  CAF_REQUIRE_EQUAL(records.size(), 2u);
  CAF_CHECK_EQUAL(records[0].name, "a");
  CAF_CHECK_EQUAL(records[1].address, "b:2");
  CAF_CHECK(routed_ring() == newer);
  // A restarted gossiper starts from the persisted ring and directory.
  restart();
  CAF_CHECK(routed_ring() == newer);
  auto listed = members();
  CAF_REQUIRE_EQUAL(listed.members.size(), 2u);
  CAF_CHECK_EQUAL(listed.members[1].name, "b");
  CAF_CHECK_EQUAL(listed.members[1].partitions, 4u);
}

CAF_TEST(a data directory from before ring transitions keeps its ring) {
  // gossip.v1: the same encoding without the transition fields.
  caf::anon_send_exit(gossip, caf::exit_reason::kill);
  sched.run();
  auto old_engine = std::move(engine); // the dead gossiper's, kept alive
  auto old_store = store;
  engine = storage::make_memory_engine();
  store = std::make_shared<storage::object_store>(*engine,
                                                  storage::object_limits{});
  auto ring = ring_of({"a", "b"}, 4);
  std::vector<member_record> records{{"b", "b:2", 3, 1}};
  std::vector<char> buf;
  caf::binary_serializer sink{sys, buf};
  CAF_REQUIRE(!sink(std::string{"c"}, uint32_t{8}, ring.partitions,
                    ring.members, ring.owners, ring.version, records));
  CAF_REQUIRE(
    engine->put_meta("gossip.v1", std::string{buf.begin(), buf.end()}).ok());
  gossip = start();
  CAF_CHECK(routed_ring() == ring);
  auto listed = members();
  CAF_REQUIRE_EQUAL(listed.members.size(), 2u);
  CAF_CHECK_EQUAL(listed.members[1].address, "b:2");
  // From now on it is persisted in the current form.
  std::string v2;
  CAF_CHECK(engine->get_meta("gossip.v2", v2).ok());
}

CAF_TEST(an older ring from gossip is ignored) {
  CAF_REQUIRE(exchange(state_from("c", 8, ring_of({"a", "b"}, 5), {})));
  auto reply = exchange(state_from("c", 8, ring_of({"a"}, 2), {}));
  CAF_REQUIRE(reply);
  CAF_CHECK_EQUAL(reply->state.ring.version, 5u);
  CAF_CHECK_EQUAL(routed_ring().version, 5u);
}

CAF_TEST(gossip from another cluster or Q is rejected and changes nothing) {
  auto before = routed_ring();
  auto foreign = ring_of({"a", "x"}, 9);
  for (auto [cluster, q] : {std::pair{"evil", 8u}, std::pair{"c", 16u}}) {
    auto reply
      = exchange(state_from(cluster, q, foreign, {{"x", "x:1", 9, 9}}));
    CAF_REQUIRE(!reply);
    CAF_CHECK_EQUAL(dkv_code(reply.error()), dkv_errc::invalid_argument);
  }
  CAF_CHECK(routed_ring() == before);
  auto listed = members();
  CAF_REQUIRE_EQUAL(listed.members.size(), 1u);
  CAF_CHECK_EQUAL(listed.members[0].name, "a");
  // Nor does it survive a restart.
  restart();
  CAF_CHECK(routed_ring() == before);
}

CAF_TEST(a record of this node from an earlier run is outranked) {
  auto first = exchange(state_from("c", 8, {}, {}));
  CAF_REQUIRE(first);
  auto mine = first->state.members.at(0);
  // Someone still gossips a record of "a" that claims to be newer (an
  // earlier run whose clock was ahead): the node must not be forgotten.
  member_record ghost{"a", "elsewhere:9", mine.generation + 100, 7};
  auto reply = exchange(state_from("c", 8, {}, {ghost}));
  CAF_REQUIRE(reply);
  auto now = reply->state.members.at(0);
  CAF_CHECK_GREATER(now.generation, ghost.generation);
  CAF_CHECK_EQUAL(now.address, "127.0.0.1:1");
}

CAF_TEST(a node learnt by gossip but outside the ring is joining) {
  auto reply = exchange(state_from("c", 8, {}, {{"z", "z:1", 1, 1}}));
  CAF_REQUIRE(reply);
  auto listed = members();
  CAF_REQUIRE_EQUAL(listed.members.size(), 2u);
  auto& z = listed.members[1];
  CAF_CHECK_EQUAL(z.name, "z");
  CAF_CHECK_EQUAL(z.status, "joining");
  CAF_CHECK_EQUAL(z.partitions, 0u);
  CAF_CHECK_GREATER_OR_EQUAL(z.last_heard_ms, 0);
}

CAF_TEST_FIXTURE_SCOPE_END()

namespace {

/// The gossiper of node "a" with node "b" as its seed.
struct peer_fixture : fixture {
  peer_fixture() {
    seeds = {"b:2"};
    restart();
  }

  void connect_next(caf::actor peer) {
    deref<caf::stateful_actor<connector_state>>(connector)
      .state.next.push_back(peer);
  }

  bool usable(const std::string& name) {
    auto& view
      = deref<caf::stateful_actor<view_sink_state>>(sink).state.last;
    return view.usable.count(name) > 0;
  }

  void pass(std::chrono::milliseconds total) {
    for (auto t = std::chrono::milliseconds{0}; t < total;
         t += std::chrono::milliseconds{100}) {
      sched.advance_time(std::chrono::milliseconds{100});
      sched.run();
    }
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(gossiper_peer_tests, peer_fixture)

CAF_TEST(a peer whose handshake failed while a ping was out is pinged again) {
  auto first = sys.spawn(answering_peer, 0);
  connect_next(first);
  pass(std::chrono::seconds(3));
  CAF_REQUIRE(usable("b"));
  // The connection drops; the next one hangs: the handshake times out
  // after a ping went out over it.
  auto hanging = sys.spawn(silent_peer, 0);
  connect_next(hanging);
  caf::anon_send_exit(first, caf::exit_reason::kill);
  sched.run();
  CAF_CHECK(!usable("b"));
  pass(std::chrono::seconds(4));
  // Then a healthy connection: pings must flow over it again, or the
  // failure detector suspects "b" for good.
  auto healthy = sys.spawn(answering_peer, 0);
  connect_next(healthy);
  pass(std::chrono::seconds(40));
  CAF_CHECK(usable("b"));
  for (auto& x : {hanging, healthy})
    caf::anon_send_exit(x, caf::exit_reason::user_shutdown);
  sched.run();
}

CAF_TEST_FIXTURE_SCOPE_END()
