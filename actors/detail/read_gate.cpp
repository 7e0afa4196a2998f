#include "actors/detail/read_gate.hpp"

namespace dkv::detail {

read_gate::read_gate(uint32_t partitions)
  : partitions_(partitions),
    open_(std::make_unique<std::atomic<bool>[]>(partitions)),
    closed_until_(time_point::min().time_since_epoch().count()) {
  for (uint32_t p = 0; p < partitions; ++p)
    open_[p].store(false, std::memory_order_relaxed);
}

void read_gate::set_open(uint32_t partition, bool open) {
  if (partition < partitions_)
    open_[partition].store(open, std::memory_order_release);
}

void read_gate::close_until(time_point until) {
  closed_until_.store(until.time_since_epoch().count(),
                      std::memory_order_release);
}

bool read_gate::passes(uint32_t partition, time_point now) const {
  return partition < partitions_
         && now.time_since_epoch().count()
              >= closed_until_.load(std::memory_order_acquire)
         && open_[partition].load(std::memory_order_acquire);
}

} // namespace dkv::detail
