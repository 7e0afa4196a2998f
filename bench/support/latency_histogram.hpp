#pragma once

// A log-linear bucket histogram of latencies in microseconds, in the manner
// of HdrHistogram: values below 128 have a bucket each; above, every power of
// two [2^k, 2^(k+1)) splits into 128 equal buckets, so a bucket is at most
// 1/128 of its values wide. Percentiles report a bucket's midpoint: within
// 0.4% of the exact sample (1% is the promise). Recording is O(1), memory is
// fixed (~26 KiB, allocated by the first sample, so an unused histogram is
// cheap), no sample is kept or sorted, and histograms merge by adding counts.
// Min, max, count and mean are exact. No CAF, no I/O.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

namespace dkv::bench {

class latency_histogram {
public:
  /// Bucket resolution: 2^7 sub-buckets per power of two (<= 0.78% wide).
  static constexpr int sub_bits = 7;
  static constexpr uint64_t sub_count = uint64_t{1} << sub_bits;
  /// Values from 2^32 us (~71 minutes) up share the last bucket; max stays
  /// exact.
  static constexpr int top_bit = 32;
  static constexpr size_t bucket_count
    = sub_count + (top_bit - sub_bits) * sub_count;

  void record(uint64_t micros) {
    if (counts_.empty())
      counts_.resize(bucket_count);
    ++counts_[index_of(micros)];
    ++count_;
    sum_ += micros;
    min_ = std::min(min_, micros);
    max_ = std::max(max_, micros);
  }

  /// Adds every sample of `other` to this histogram.
  void merge(const latency_histogram& other) {
    if (other.count_ == 0)
      return;
    if (counts_.empty())
      counts_.resize(bucket_count);
    for (size_t i = 0; i < bucket_count; ++i)
      counts_[i] += other.counts_[i];
    count_ += other.count_;
    sum_ += other.sum_;
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }

  uint64_t count() const { return count_; }
  uint64_t min() const { return count_ == 0 ? 0 : min_; }
  uint64_t max() const { return max_; }
  double mean() const {
    return count_ == 0
             ? 0.0
             : static_cast<double>(sum_) / static_cast<double>(count_);
  }

  /// The value at percentile `p` (0..100) by nearest rank: the smallest
  /// recorded value with at least p% of the samples at or below it, to within
  /// half a bucket. 100 gives the exact max; 0 for an empty histogram.
  uint64_t percentile(double p) const {
    if (count_ == 0)
      return 0;
    if (p >= 100.0)
      return max_;
    // The rank ceil(p% of count); the epsilon keeps 99.9% of 1000 at 999.
    auto rank = p / 100.0 * static_cast<double>(count_) - 1e-6;
    auto want = static_cast<uint64_t>(std::max(std::ceil(rank), 1.0));
    want = std::clamp<uint64_t>(want, 1, count_);
    uint64_t seen = 0;
    for (size_t i = 0; i < bucket_count; ++i) {
      seen += counts_[i];
      if (seen >= want)
        return std::clamp(midpoint_of(i), min_, max_);
    }
    return max_;
  }

  /// REQUIRES: nothing. The bucket holding `micros` (exposed for tests).
  static size_t index_of(uint64_t micros) {
    if (micros < sub_count)
      return static_cast<size_t>(micros);
    if (micros >> top_bit)
      return bucket_count - 1;
    int k = 63 - __builtin_clzll(micros); // sub_bits <= k < top_bit
    auto sub = (micros >> (k - sub_bits)) - sub_count;
    return static_cast<size_t>(sub_count * (k - sub_bits + 1) + sub);
  }

  /// The lowest value of bucket `i`.
  static uint64_t lowest_of(size_t i) {
    if (i < sub_count)
      return i;
    auto k = static_cast<int>(i / sub_count) - 1 + sub_bits;
    return (sub_count + i % sub_count) << (k - sub_bits);
  }

  /// The middle of bucket `i` (its value for buckets one wide).
  static uint64_t midpoint_of(size_t i) {
    if (i < sub_count)
      return i;
    auto k = static_cast<int>(i / sub_count) - 1 + sub_bits;
    return lowest_of(i) + ((uint64_t{1} << (k - sub_bits)) >> 1);
  }

private:
  std::vector<uint64_t> counts_; // empty until the first sample
  uint64_t count_ = 0;
  uint64_t sum_ = 0;
  uint64_t min_ = std::numeric_limits<uint64_t>::max();
  uint64_t max_ = 0;
};

} // namespace dkv::bench
