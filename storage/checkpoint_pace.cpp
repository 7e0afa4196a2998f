#include "storage/checkpoint_pace.hpp"

#include <algorithm>

namespace dkv::storage {

namespace {

using std::chrono::microseconds;

constexpr uint32_t pages_per_burst = 16;

/// Never longer than this, however light the load: a node's shutdown and
/// a partition's drop wait for a checkpoint in progress.
constexpr microseconds longest_spread{1'000'000};

/// Pauses shorter than this cost more in wake-ups than they spread.
constexpr microseconds shortest_pause{100};

/// Between two bursts: a few dirty pages are not stretched over the whole
/// spread (64 pages take 40 ms, not a second).
constexpr microseconds longest_pause{10'000};

} // namespace

checkpoint_pace pace_checkpoint(uint64_t dirty_pages, microseconds interval) {
  auto bursts = (dirty_pages + pages_per_burst - 1) / pages_per_burst;
  if (bursts < 2 || interval <= microseconds::zero())
    return {};
  auto spread = std::min(interval / 2, longest_spread);
  auto pause = spread / static_cast<int64_t>(bursts);
  if (pause < shortest_pause)
    return {};
  return {pages_per_burst, std::min(pause, longest_pause)};
}

} // namespace dkv::storage
