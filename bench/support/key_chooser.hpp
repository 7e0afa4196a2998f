#pragma once

// Which record an operation touches: uniform, or zipfian with YCSB's
// constants (ZipfianGenerator, Gray et al. "Quickly generating billion-record
// synthetic databases", SIGMOD 1994). Zipfian picks a popularity rank (rank 0
// is the hottest) and scrambles it into a record number, so the hot records
// are not the first ones loaded. YCSB scrambles with a hash modulo n, which
// merges some ranks and leaves some records unused; we multiply by a unit
// modulo n instead, a permutation, so the key space is exactly zipfian. The
// hottest keys are spread over partitions by dkv's key hash either way.
// Deterministic for a seed (std::mt19937_64 is fully specified, and the
// doubles are drawn by hand rather than by implementation-defined
// distributions). No CAF, no I/O.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <random>

namespace dkv::bench {

enum class distribution { uniform, zipfian };

class key_chooser {
public:
  /// YCSB's ZIPFIAN_CONSTANT.
  static constexpr double default_theta = 0.99;

  /// Records 0..records-1. REQUIRES: records > 0, 0 < theta < 1. Zipfian
  /// setup sums records terms (~10 ms per million records).
  key_chooser(distribution dist, uint64_t records, uint64_t seed,
              double theta = default_theta)
    : dist_(dist), n_(records), theta_(theta), rng_(seed) {
    if (dist_ != distribution::zipfian)
      return;
    zetan_ = zeta(n_, theta_);
    auto zeta2 = zeta(2, theta_);
    alpha_ = 1.0 / (1.0 - theta_);
    eta_ = (1.0 - std::pow(2.0 / static_cast<double>(n_), 1.0 - theta_))
           / (1.0 - zeta2 / zetan_);
    half_pow_theta_ = 1.0 + std::pow(0.5, theta_);
    stride_ = unit_near(n_, 0x9e3779b97f4a7c15ull % n_);
  }

  /// A copy drawing from its own sequence: cheaper than constructing, as the
  /// zipfian constants are reused.
  key_chooser with_seed(uint64_t seed) const {
    auto result = *this;
    result.rng_.seed(seed);
    return result;
  }

  /// A uniform double in [0, 1) from the top 53 bits (for callers that need
  /// more randomness from the same seeded source).
  double unit() { return static_cast<double>(rng_() >> 11) * 0x1.0p-53; }

  /// The next record number, in [0, records).
  uint64_t next() {
    if (dist_ == distribution::uniform)
      return rng_() % n_; // bias below n / 2^64: negligible
    return scramble(next_rank());
  }

  /// The next zipfian popularity rank (0 = hottest), unscrambled.
  uint64_t next_rank() {
    auto u = unit();
    auto uz = u * zetan_;
    if (uz < 1.0)
      return 0;
    if (uz < half_pow_theta_)
      return n_ > 1 ? 1 : 0;
    auto r = static_cast<double>(n_) * std::pow(eta_ * u - eta_ + 1.0, alpha_);
    return std::min(static_cast<uint64_t>(r), n_ - 1);
  }

  /// The record number of popularity rank `rank`: a permutation of
  /// [0, records).
  uint64_t scramble(uint64_t rank) const {
    return static_cast<uint64_t>(
      (static_cast<unsigned __int128>(rank) * stride_ + 7919) % n_);
  }

  /// The probability of rank `i` under zipfian: (1 / (i+1)^theta) / zeta(n).
  double rank_probability(uint64_t i) const {
    return 1.0 / std::pow(static_cast<double>(i + 1), theta_) / zetan_;
  }

  /// sum_{i=1..n} 1 / i^theta.
  static double zeta(uint64_t n, double theta) {
    double sum = 0;
    for (uint64_t i = 1; i <= n; ++i)
      sum += 1.0 / std::pow(static_cast<double>(i), theta);
    return sum;
  }

private:
  /// The first x >= guess (cyclically) coprime to n: multiplying by it
  /// modulo n permutes [0, n).
  static uint64_t unit_near(uint64_t n, uint64_t guess) {
    if (n == 1)
      return 0;
    auto x = guess == 0 ? 1 : guess;
    while (std::gcd(x, n) != 1)
      x = x + 1 < n ? x + 1 : 1;
    return x;
  }

  distribution dist_;
  uint64_t n_;
  double theta_;
  std::mt19937_64 rng_;
  double zetan_ = 0;
  double alpha_ = 0;
  double eta_ = 0;
  double half_pow_theta_ = 0;
  uint64_t stride_ = 1;
};

} // namespace dkv::bench
