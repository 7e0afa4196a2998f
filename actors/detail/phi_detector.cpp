#include "actors/detail/phi_detector.hpp"

#include <algorithm>
#include <cmath>

namespace dkv::detail {

phi_detector::phi_detector(size_t window, double min_stddev_ms,
                           double expected_interval_ms)
  : window_(std::max<size_t>(window, 1)),
    min_stddev_ms_(min_stddev_ms),
    expected_interval_ms_(expected_interval_ms) {
  // nop
}

void phi_detector::heartbeat(time_point now) {
  if (heard_) {
    auto gap = std::chrono::duration<double, std::milli>(now - last_).count();
    // A pause (the peer was down or frozen) is not heartbeat jitter:
    // learning it would make the next failure take that much longer to
    // detect.
    auto typical = intervals_ms_.empty() ? expected_interval_ms_ : mean_ms();
    if (typical > 0 && gap > 4 * typical) {
      last_ = now;
      return;
    }
    intervals_ms_.push_back(gap);
    sum_ += gap;
    sum_sq_ += gap * gap;
    if (intervals_ms_.size() > window_) {
      auto old = intervals_ms_.front();
      intervals_ms_.pop_front();
      sum_ -= old;
      sum_sq_ -= old * old;
    }
  }
  last_ = now;
  heard_ = true;
}

double phi_detector::mean_ms() const {
  return intervals_ms_.empty() ? 0.0 : sum_ / intervals_ms_.size();
}

double phi_detector::phi(time_point now) const {
  if (!heard_)
    return 0.0;
  double mean = expected_interval_ms_;
  double stddev = std::max(expected_interval_ms_ / 4, min_stddev_ms_);
  if (!intervals_ms_.empty()) {
    auto n = static_cast<double>(intervals_ms_.size());
    mean = sum_ / n;
    auto variance = std::max(0.0, sum_sq_ / n - mean * mean);
    stddev = std::max(std::sqrt(variance), min_stddev_ms_);
  } else if (expected_interval_ms_ <= 0) {
    return 0.0;
  }
  auto elapsed = std::chrono::duration<double, std::milli>(now - last_).count();
  // P(later than elapsed) for a normal distribution, via erfc; clamped so
  // phi stays finite (it only has to exceed the threshold).
  auto y = (elapsed - mean) / stddev;
  auto p_later = 0.5 * std::erfc(y / std::sqrt(2.0));
  return -std::log10(std::max(p_later, 1e-300));
}

} // namespace dkv::detail
