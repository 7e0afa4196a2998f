// The thread that takes slow upkeep (Berkeley DB checkpoints) off the
// request path: asking returns at once even while a run blocks, asks during
// a run coalesce into one more run, and destruction waits for a run.

#include "storage/background_task.hpp"

#include <chrono>
#include <atomic>
#include <future>
#include <thread>

#include "caf/test/unit_test.hpp"

using namespace dkv::storage;
using namespace std::chrono_literals;

namespace {

/// Polls `done` for up to 10 s.
template <class F>
bool eventually(F done) {
  for (int i = 0; i < 1000 && !done(); ++i)
    std::this_thread::sleep_for(10ms);
  return done();
}

} // namespace

CAF_TEST(asking returns at once while a run blocks) {
  std::promise<void> release;
  auto released = release.get_future().share();
  std::atomic<int> started{0};
  background_task task{[&] {
    ++started;
    released.wait();
  }};
  task.request();
  CAF_REQUIRE(eventually([&] { return started == 1; }));
  // The run is blocked; asking again must not wait for it.
  auto before = std::chrono::steady_clock::now();
  task.request();
  task.request();
  CAF_CHECK_LESS(std::chrono::steady_clock::now() - before, 1s);
  CAF_CHECK_EQUAL(task.runs(), 0u);
  release.set_value();
  // The two asks during the run make exactly one more run.
  CAF_REQUIRE(eventually([&] { return task.runs() == 2; }));
  std::this_thread::sleep_for(50ms);
  CAF_CHECK_EQUAL(task.runs(), 2u);
  CAF_CHECK_EQUAL(started.load(), 2);
}

CAF_TEST(destruction waits for the run in progress) {
  std::atomic<bool> finished{false};
  std::atomic<bool> started{false};
  {
    background_task task{[&] {
      started = true;
      std::this_thread::sleep_for(100ms);
      finished = true;
    }};
    task.request();
    CAF_REQUIRE(eventually([&] { return started.load(); }));
  }
  CAF_CHECK(finished.load());
}

CAF_TEST(nothing runs unasked) {
  std::atomic<int> runs{0};
  {
    background_task task{[&] { ++runs; }};
    std::this_thread::sleep_for(50ms);
  }
  CAF_CHECK_EQUAL(runs.load(), 0);
}
