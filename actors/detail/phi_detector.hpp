#pragma once

// Phi-accrual failure detection (Hayashibara et al. 2004, as in Cassandra
// and Akka): instead of a fixed timeout, the suspicion that a peer is down
// grows with the time since its last heartbeat, measured against the
// history of its inter-arrival times. phi = -log10(P(a heartbeat arrives
// later than now)), with inter-arrival times taken as normally distributed.
// phi = 8 (the default threshold) means a 1e-8 chance of a false suspicion
// under that model; with 1 s heartbeats and little jitter a silent peer is
// suspected after about mean + 5.6 * max(stddev, min_stddev).

#include <chrono>
#include <cstddef>
#include <deque>

namespace dkv::detail {

class phi_detector {
public:
  using time_point = std::chrono::steady_clock::time_point;

  /// `window`: inter-arrival samples kept; `min_stddev_ms`: floor of the
  /// deviation, so perfectly regular heartbeats do not make a single late
  /// one look fatal; `expected_interval_ms`: the prior used until two
  /// heartbeats give a real interval (a peer that falls silent right after
  /// connecting must still be suspected; 0 = no prior).
  explicit phi_detector(size_t window = 100, double min_stddev_ms = 100.0,
                        double expected_interval_ms = 0.0);

  /// Records a heartbeat (any sign of life) at `now`.
  void heartbeat(time_point now);

  /// Suspicion at `now`; 0 before the first heartbeat (and before the second
  /// one if there is no prior).
  double phi(time_point now) const;

  /// True once a heartbeat arrived.
  bool heard() const { return heard_; }

  time_point last() const { return last_; }

  /// Mean inter-arrival time in ms (0 before two heartbeats).
  double mean_ms() const;

private:
  size_t window_;
  double min_stddev_ms_;
  double expected_interval_ms_;
  std::deque<double> intervals_ms_;
  double sum_ = 0;
  double sum_sq_ = 0;
  time_point last_;
  bool heard_ = false;
};

} // namespace dkv::detail
