#include "storage/checkpoint_trigger.hpp"

namespace dkv::storage {

bool checkpoint_trigger::wrote(uint64_t bytes) {
  if (pending_.fetch_add(bytes) + bytes < limits_.check_every)
    return false;
  // One writer takes the step; others that crossed it meanwhile see less.
  return pending_.exchange(0) >= limits_.check_every;
}

checkpoint_step checkpoint_trigger::check(uint64_t position) {
  if (ahead(position, covered_) >= limits_.hold)
    return checkpoint_step::wait;
  auto requested = requested_.load();
  if (ahead(position, requested) < limits_.every)
    return checkpoint_step::none;
  if (!requested_.compare_exchange_strong(requested, position))
    return checkpoint_step::none; // another writer asked meanwhile
  return checkpoint_step::background;
}

void checkpoint_trigger::checkpoint_starts(uint64_t position) {
  starting_ = position;
  auto requested = requested_.load();
  while (requested < position
         && !requested_.compare_exchange_weak(requested, position)) {
    // retry with the value another writer stored
  }
}

} // namespace dkv::storage
