#include "storage/background_task.hpp"

namespace dkv::storage {

background_task::background_task(std::function<void()> task)
  : task_(std::move(task)), thread_([this] { loop(); }) {
  // nop
}

background_task::~background_task() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void background_task::request() {
  {
    std::lock_guard<std::mutex> guard{mtx_};
    due_ = true;
  }
  wake_.notify_one();
}

void background_task::loop() {
  std::unique_lock<std::mutex> guard{mtx_};
  for (;;) {
    wake_.wait(guard, [this] { return due_ || stopping_; });
    if (stopping_)
      return;
    due_ = false;
    guard.unlock();
    task_();
    ++runs_;
    guard.lock();
  }
}

} // namespace dkv::storage
