#include "actors/get_round.hpp"

#include "caf/test/dsl.hpp"

#include "fixtures/fake_vnode.hpp"
#include "fixtures/round_host.hpp"
#include "fixtures/test_config.hpp"

using namespace dkv;
using namespace dkv::test;

namespace {

struct fixture : test_coordinator_fixture<dkv_config> {
  std::vector<fake_vnode_actor> replicas;
  std::optional<caf::expected<object>> outcome;
  size_t repairs = 0;
  /// Rounds run in an actor that lives on after them, as the router.
  bool host_outlives = false;

  void make_replicas(std::vector<fake_mode> modes) {
    replica_id id = 1;
    for (auto mode : modes)
      replicas.push_back(sys.spawn(fake_vnode, id++, mode));
  }

  fake_vnode_state& state_of(size_t i) {
    return deref<fake_vnode_actor::stateful_base<fake_vnode_state>>(replicas[i]).state;
  }

  /// Stores a version written by replica `writer` into replica `i`.
  void seed(size_t i, const std::string& key, const std::string& value,
            replica_id writer) {
    write_request wr;
    wr.value = value;
    wr.coordinator = writer;
    wr.now_ms = 1;
    auto& slot = state_of(i).data[key];
    slot.key = key;
    slot = reconcile(slot, apply_write(object{key, {}}, wr));
  }

  caf::actor get(const std::string& key, size_t r) {
    outcome.reset();
    get_round_config cfg;
    cfg.partition = 3;
    cfg.key = key;
    char name = 'a';
    for (auto& rep : replicas)
      cfg.targets.push_back({std::string(1, name++), rep, {}, {}, {}});
    cfg.r = r;
    cfg.timeout = std::chrono::seconds(1);
    cfg.finish = [this](caf::expected<object> x) { outcome = std::move(x); };
    cfg.on_repair = [this](const std::string&) { ++repairs; };
    if (host_outlives)
      return sys.spawn(lasting_round_host<get_round, get_round_config>,
                       std::move(cfg), true);
    return sys.spawn(round_host<get_round, get_round_config>, std::move(cfg),
                     true);
  }

  static bool ended(const caf::actor& host) {
    auto ptr = caf::actor_cast<caf::abstract_actor*>(host);
    return ptr->getf(caf::abstract_actor::is_terminated_flag);
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(get_round_tests, fixture)

CAF_TEST(a missing key is an empty answer and not an error) {
  make_replicas({fake_mode::normal, fake_mode::normal, fake_mode::normal});
  get("nope", 2);
  run();
  CAF_REQUIRE(outcome && *outcome);
  CAF_CHECK((*outcome)->siblings.empty());
  CAF_CHECK_EQUAL(repairs, 0u);
}

CAF_TEST(concurrent versions on different replicas come back as siblings) {
  make_replicas({fake_mode::normal, fake_mode::normal, fake_mode::normal});
  seed(0, "k", "from-a", 101);
  seed(1, "k", "from-b", 102);
  get("k", 3);
  run();
  CAF_REQUIRE(outcome && *outcome);
  auto values = live_values(**outcome);
  std::sort(values.begin(), values.end());
  CAF_CHECK_EQUAL(values, (std::vector<std::string>{"from-a", "from-b"}));
}

CAF_TEST(stale and missing replicas are repaired after the answer) {
  make_replicas({fake_mode::normal, fake_mode::normal, fake_mode::normal});
  seed(0, "k", "v", 101);
  get("k", 1);
  run();
  CAF_REQUIRE(outcome && *outcome);
  CAF_CHECK_EQUAL(repairs, 2u);
  for (size_t i = 0; i < 3; ++i)
    CAF_CHECK_EQUAL(live_values(state_of(i).data["k"]),
                    std::vector<std::string>{"v"});
}

CAF_TEST(too few replies fail with quorum_unavailable) {
  make_replicas({fake_mode::normal, fake_mode::fail, fake_mode::fail});
  get("k", 2);
  run();
  CAF_REQUIRE(outcome.has_value());
  CAF_REQUIRE(!*outcome);
  CAF_CHECK_EQUAL(dkv_code(outcome->error()), dkv_errc::quorum_unavailable);
}

CAF_TEST(late replies count until the timeout) {
  make_replicas({fake_mode::normal, fake_mode::silent, fake_mode::silent});
  get("k", 2);
  sched.run(); // every message, but no timeout yet
  CAF_CHECK(!outcome.has_value());
  trigger_timeouts();
  run();
  CAF_REQUIRE(outcome.has_value());
  CAF_CHECK_EQUAL(dkv_code(outcome->error()), dkv_errc::quorum_unavailable);
}

CAF_TEST(a round ends once every replica answered and before its deadline) {
  make_replicas({fake_mode::normal, fake_mode::normal, fake_mode::normal});
  seed(0, "k", "v", 101);
  auto host = get("k", 2);
  sched.run(); // every message, but no timeout
  CAF_REQUIRE(outcome && *outcome);
  CAF_CHECK_EQUAL(repairs, 2u);
  CAF_CHECK(ended(host));
}

CAF_TEST(a round with a silent replica ends at its deadline) {
  make_replicas({fake_mode::normal, fake_mode::normal, fake_mode::silent});
  auto host = get("k", 2);
  sched.run();
  CAF_REQUIRE(outcome && *outcome);
  CAF_CHECK(!ended(host));
  trigger_timeouts();
  run();
  CAF_CHECK(ended(host));
}

CAF_TEST(a round lets go of the requests never answered at its deadline) {
  make_replicas({fake_mode::normal, fake_mode::silent, fake_mode::silent});
  host_outlives = true;
  auto host = get("k", 2);
  sched.run();
  trigger_timeouts();
  run();
  CAF_REQUIRE(outcome && !*outcome);
  auto& st
    = deref<caf::stateful_actor<round_host_state<get_round>>>(host).state;
  CAF_CHECK(st.round == nullptr);
  CAF_CHECK(st.ended.expired());
  caf::anon_send_exit(host, caf::exit_reason::user_shutdown);
  run();
}

CAF_TEST(the context of a read supersedes every sibling it returned) {
  make_replicas({fake_mode::normal, fake_mode::normal, fake_mode::normal});
  seed(0, "k", "x", 101);
  seed(1, "k", "y", 102);
  get("k", 3);
  run();
  CAF_REQUIRE(outcome && *outcome);
  auto text = encode_context(context_of(**outcome));
  auto decoded = decode_context(text);
  CAF_REQUIRE(decoded.has_value());
  write_request wr;
  wr.context = *decoded;
  wr.value = "merged";
  wr.coordinator = 1;
  auto next = apply_write(**outcome, wr);
  CAF_CHECK_EQUAL(live_values(next), std::vector<std::string>{"merged"});
}

CAF_TEST_FIXTURE_SCOPE_END()
