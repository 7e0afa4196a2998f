#pragma once

// Which replica reads a node may answer on its network thread, from the
// record cache, without asking its router (actors/network_reader.hpp).
// The router owns every rule of a replica read (partitions it holds and has
// open, partitions it retired or is dropping, fault injection); it opens a
// partition here only while none of them applies, and closes the whole gate
// while the node plays cut off. A read the gate does not let through goes
// to the router, which decides as before, so a gate that is closed too
// often costs speed, never an answer. Shared between threads: the router
// writes, the network reader reads.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>

namespace dkv::detail {

class read_gate {
public:
  using time_point = std::chrono::steady_clock::time_point;

  /// Every partition starts closed.
  explicit read_gate(uint32_t partitions);

  uint32_t partitions() const { return partitions_; }

  /// Opens or closes `partition`; ignores one out of range.
  void set_open(uint32_t partition, bool open);

  /// Closes every partition until `until` (fault injection), whatever
  /// set_open says; a time in the past reopens them.
  void close_until(time_point until);

  /// Whether a read of `partition` may pass at `now`.
  bool passes(uint32_t partition, time_point now) const;

private:
  uint32_t partitions_;
  std::unique_ptr<std::atomic<bool>[]> open_;
  std::atomic<time_point::rep> closed_until_;
};

} // namespace dkv::detail
