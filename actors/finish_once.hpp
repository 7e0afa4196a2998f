#pragma once

// The answer of a per-request coordinator: delivered exactly once, and with
// an error if the coordinator dies before it answered (no request is left
// hanging; DESIGN.md "No request left hanging").

#include <functional>
#include <string>
#include <utility>

#include "caf/expected.hpp"

#include "messages/errors.hpp"

namespace dkv {

template <class T>
class finish_once {
public:
  using callback = std::function<void(caf::expected<T>)>;

  finish_once() = default;

  finish_once(callback fn, std::string who)
    : fn_(std::move(fn)), who_(std::move(who)) {
    // nop
  }

  // A moved-from instance must not answer from its destructor.
  finish_once(finish_once&& other) noexcept
    : fn_(std::move(other.fn_)), who_(std::move(other.who_)),
      done_(other.done_) {
    other.done_ = true;
  }

  finish_once& operator=(finish_once&& other) noexcept {
    if (this != &other) {
      fn_ = std::move(other.fn_);
      who_ = std::move(other.who_);
      done_ = other.done_;
      other.done_ = true;
    }
    return *this;
  }

  finish_once(const finish_once&) = delete;
  finish_once& operator=(const finish_once&) = delete;

  ~finish_once() {
    if (!done_ && fn_)
      fn_(make_error(dkv_errc::timeout, who_ + " stopped early"));
  }

  void operator()(caf::expected<T> result) {
    if (done_ || !fn_)
      return;
    done_ = true;
    fn_(std::move(result));
  }

  bool done() const { return done_; }

private:
  callback fn_;
  std::string who_;
  bool done_ = false;
};

} // namespace dkv
