#include "actors/node_supervisor.hpp"

#include "caf/test/dsl.hpp"

#include "fixtures/memory_store.hpp"
#include "fixtures/solo_node.hpp"
#include "fixtures/test_config.hpp"

using namespace dkv;
using namespace dkv::test;

namespace {

struct fixture : test_coordinator_fixture<dkv_config>, memory_store {
  caf::actor supervisor;

  fixture() {
    auto cfg = solo_node_config(store);
    cfg.max_restarts = 2;
    supervisor = spawn_node_supervisor(sys, std::move(cfg));
    sched.run();
  }

  ~fixture() override {
    // The router ticks forever: stop the node before the fixture drains.
    caf::anon_send_exit(supervisor, caf::exit_reason::user_shutdown);
    sched.run();
  }

  caf::actor router() {
    caf::actor result;
    auto handle = self->request(supervisor, caf::infinite,
                                caf::get_atom::value);
    sched.run();
    handle.receive([&](caf::actor& x) { result = x; },
                   [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
    return result;
  }

  template <class Reply, class Request>
  caf::expected<Reply> ask(const caf::actor& target, Request req) {
    caf::expected<Reply> result{caf::error{}};
    auto handle = self->request(caf::actor_cast<node_actor>(target),
                                caf::infinite, std::move(req));
    sched.run();
    handle.receive([&](Reply& x) { result = std::move(x); },
                   [&](caf::error& err) { result = std::move(err); });
    return result;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(node_supervisor_tests, fixture)

CAF_TEST(a crashed router is restarted and the data is intact) {
  auto first = router();
  CAF_REQUIRE(first);
  auto put = ask<put_reply_v1>(first, put_request_v1{"k", "", "v", 0});
  CAF_REQUIRE(put);
  caf::anon_send_exit(first, caf::exit_reason::kill);
  sched.run();
  auto second = router();
  CAF_REQUIRE(second);
  CAF_CHECK_NOT_EQUAL(first, second);
  auto got = ask<get_reply_v1>(second, get_request_v1{"k", 0});
  CAF_REQUIRE(got);
  CAF_CHECK_EQUAL(got->values, std::vector<std::string>{"v"});
}

CAF_TEST(past the restart budget the supervisor escalates) {
  for (int i = 0; i < 2; ++i) {
    caf::anon_send_exit(router(), caf::exit_reason::kill);
    sched.run();
  }
  self->monitor(supervisor);
  caf::anon_send_exit(router(), caf::exit_reason::kill);
  sched.run();
  bool escalated = false;
  self->receive([&](caf::down_msg& msg) {
    escalated = msg.reason == caf::exit_reason::kill;
  });
  CAF_CHECK(escalated);
}

CAF_TEST_FIXTURE_SCOPE_END()
