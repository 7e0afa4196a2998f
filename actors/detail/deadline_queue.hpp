#pragma once

// Deadlines of many short-lived things, served by one timer of their owner.
// Pure logic.
//
// A CAF timer per write (a delayed_send for each put) wakes the
// clock thread for every write, and the timer keeps its receiver's memory
// for the whole timeout after the write ended. One timer per owner, set for
// the earliest deadline but never closer than `min_gap` to the previous
// expiry, costs one wake-up per `min_gap` under load; an item's deadline
// then fires at most `min_gap` late.

#include <chrono>
#include <cstdint>
#include <optional>
#include <queue>
#include <utility>
#include <vector>

namespace dkv::detail {

template <class T>
class deadline_queue {
public:
  using time_point = std::chrono::steady_clock::time_point;
  using duration = std::chrono::steady_clock::duration;

  explicit deadline_queue(duration min_gap = duration::zero())
    : min_gap_(min_gap) {
    // nop
  }

  /// Adds `item`, due at `due`. Returns when the owner's timer must fire,
  /// unless a timer is set already (it then serves this item as well).
  std::optional<time_point> add(time_point due, T item) {
    items_.push(entry{due, next_seq_++, std::move(item)});
    if (timer_set_)
      return std::nullopt;
    timer_set_ = true;
    return wake_time(due);
  }

  /// At the owner's timer: the items due by `now`, earliest first (equal
  /// deadlines in the order they were added). `next` is when the timer
  /// must fire again; nothing when no item is left.
  std::vector<T> expire(time_point now, std::optional<time_point>& next) {
    last_expiry_ = now;
    std::vector<T> result;
    while (!items_.empty() && items_.top().due <= now) {
      // priority_queue::top is const: the entry is copied, then dropped.
      result.push_back(items_.top().item);
      items_.pop();
    }
    timer_set_ = !items_.empty();
    next = timer_set_ ? std::optional<time_point>{wake_time(items_.top().due)}
                      : std::nullopt;
    return result;
  }

  size_t size() const { return items_.size(); }

  bool empty() const { return items_.empty(); }

private:
  struct entry {
    time_point due;
    uint64_t seq;
    T item;
  };

  struct later {
    bool operator()(const entry& x, const entry& y) const {
      return std::pair{x.due, x.seq} > std::pair{y.due, y.seq};
    }
  };

  time_point wake_time(time_point due) const {
    if (last_expiry_ && due < *last_expiry_ + min_gap_)
      return *last_expiry_ + min_gap_;
    return due;
  }

  duration min_gap_;
  std::priority_queue<entry, std::vector<entry>, later> items_;
  uint64_t next_seq_ = 0;
  bool timer_set_ = false;
  std::optional<time_point> last_expiry_;
};

} // namespace dkv::detail
