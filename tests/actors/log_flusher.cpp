// log_flusher: the group commit. Requests queued before a flush share it;
// later ones wait for the next; a failed flush fails everyone waiting.

#include "actors/log_flusher.hpp"

#include "caf/test/dsl.hpp"

#include "fixtures/spy_engine.hpp"
#include "fixtures/test_config.hpp"
#include "messages/errors.hpp"

using namespace dkv;
using namespace dkv::test;

namespace {

struct fixture : test_coordinator_fixture<dkv_config>,
                 spied_memory_store {
  std::shared_ptr<log_flush_stats> stats
    = std::make_shared<log_flush_stats>();
  log_flusher_actor flusher = spawn_log_flusher(sys, {store, false, stats});

  auto ask() {
    return self->request(flusher, caf::infinite, flush_log_atom::value);
  }

  /// Sends `count` flush requests at once, runs, and counts the answers
  /// and the errors.
  std::pair<size_t, size_t> flush_together(size_t count) {
    size_t answered = 0;
    size_t failed = 0;
    std::vector<decltype(ask())> handles;
    for (size_t i = 0; i < count; ++i)
      handles.push_back(ask());
    run();
    for (auto& handle : handles)
      handle.receive([&](flush_log_atom) { ++answered; },
                    [&](caf::error& err) {
                      CAF_CHECK_EQUAL(err.code(),
                                      static_cast<uint8_t>(
                                        dkv_errc::storage_failure));
                      ++failed;
                    });
    return {answered, failed};
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(log_flusher_tests, fixture)

CAF_TEST(requests queued together share one flush) {
  run();
  CAF_CHECK_EQUAL(flush_together(5), std::make_pair(size_t{5}, size_t{0}));
  CAF_CHECK_EQUAL(spy.flushes, 1u);
  CAF_CHECK_EQUAL(flush_together(1), std::make_pair(size_t{1}, size_t{0}));
  CAF_CHECK_EQUAL(spy.flushes, 2u);
  CAF_CHECK_EQUAL(stats->flushes.load(), 2u);
  CAF_CHECK_EQUAL(stats->writes.load(), 6u);
  CAF_CHECK_EQUAL(stats->failures.load(), 0u);
}

CAF_TEST(a request arriving during a flush waits for the next one) {
  run();
  auto first = ask();
  expect((flush_log_atom), from(self).to(flusher));
  // The flush is queued behind the first request; a request sent now comes
  // after it and must not be answered by it.
  auto second = ask();
  expect((caf::atom_value), to(flusher));
  CAF_CHECK_EQUAL(spy.flushes, 1u);
  run();
  CAF_CHECK_EQUAL(spy.flushes, 2u);
  size_t answered = 0;
  for (auto* handle : {&first, &second})
    handle->receive([&](flush_log_atom) { ++answered; },
                    [&](caf::error& err) { CAF_FAIL(sys.render(err)); });
  CAF_CHECK_EQUAL(answered, 2u);
}

CAF_TEST(a failed flush fails every request waiting for it) {
  run();
  spy.fail_flushes = true;
  CAF_CHECK_EQUAL(flush_together(3), std::make_pair(size_t{0}, size_t{3}));
  spy.fail_flushes = false;
  CAF_CHECK_EQUAL(flush_together(2), std::make_pair(size_t{2}, size_t{0}));
  CAF_CHECK_EQUAL(stats->flushes.load(), 2u);
  CAF_CHECK_EQUAL(stats->failures.load(), 1u);
}

CAF_TEST_FIXTURE_SCOPE_END()
