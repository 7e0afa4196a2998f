#pragma once

// Slow upkeep off the request path: a thread that runs one task whenever
// asked, one run at a time; asks that come while it runs make it run once
// more afterwards (they coalesce). The Berkeley DB engine hands its
// checkpoints here: a checkpoint writes back every dirty page of the cache
// and syncs, tens to hundreds of milliseconds during which the actor thread
// that crossed the log threshold would otherwise serve nothing.

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

namespace dkv::storage {

class background_task {
public:
  explicit background_task(std::function<void()> task);

  /// Waits for a run in progress, then stops the thread; asks not yet
  /// started are dropped.
  ~background_task();

  background_task(const background_task&) = delete;
  background_task& operator=(const background_task&) = delete;

  /// Asks for a run; returns at once.
  void request();

  /// Runs finished so far.
  uint64_t runs() const { return runs_; }

private:
  void loop();

  std::function<void()> task_;
  std::mutex mtx_;
  std::condition_variable wake_;
  bool due_ = false;
  bool stopping_ = false;
  std::atomic<uint64_t> runs_{0};
  std::thread thread_;
};

} // namespace dkv::storage
