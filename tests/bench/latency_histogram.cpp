#include "bench/support/latency_histogram.hpp"

#include "caf/test/unit_test.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

using dkv::bench::latency_histogram;

namespace {

/// The exact nearest-rank percentile of sorted `xs`, with `per_mille` in
/// tenths of a percent (999 = p99.9), by integer arithmetic.
uint64_t exact(const std::vector<uint64_t>& xs, uint64_t per_mille) {
  auto rank = (per_mille * xs.size() + 999) / 1000;
  return xs[std::max<uint64_t>(rank, 1) - 1];
}

/// Every reported percentile of `h` is within 1% of the exact one of `xs`.
void check_percentiles(const latency_histogram& h, std::vector<uint64_t> xs) {
  std::sort(xs.begin(), xs.end());
  for (uint64_t pm : {1, 10, 100, 250, 500, 750, 900, 990, 999, 1000}) {
    auto want = static_cast<double>(exact(xs, pm));
    auto got = static_cast<double>(h.percentile(static_cast<double>(pm) / 10));
    CAF_CHECK_LESS_OR_EQUAL(std::abs(got - want), 0.01 * want);
    if (std::abs(got - want) > 0.01 * want)
      CAF_MESSAGE("p" << static_cast<double>(pm) / 10 << ": want " << want
                      << ", got " << got);
  }
  CAF_CHECK_EQUAL(h.max(), xs.back());
  CAF_CHECK_EQUAL(h.min(), xs.front());
  CAF_CHECK_EQUAL(h.count(), xs.size());
}

} // namespace

CAF_TEST(an empty histogram reports zeros) {
  latency_histogram h;
  CAF_CHECK_EQUAL(h.count(), 0u);
  CAF_CHECK_EQUAL(h.percentile(50), 0u);
  CAF_CHECK_EQUAL(h.percentile(100), 0u);
  CAF_CHECK_EQUAL(h.min(), 0u);
  CAF_CHECK_EQUAL(h.max(), 0u);
  CAF_CHECK_EQUAL(h.mean(), 0.0);
}

CAF_TEST(small values are exact) {
  latency_histogram h;
  std::vector<uint64_t> xs;
  for (uint64_t v = 0; v < 128; ++v) {
    h.record(v);
    xs.push_back(v);
  }
  for (uint64_t pm = 1; pm <= 1000; ++pm)
    CAF_CHECK_EQUAL(h.percentile(static_cast<double>(pm) / 10), exact(xs, pm));
  CAF_CHECK_EQUAL(h.mean(), 63.5);
}

CAF_TEST(buckets tile the range and are at most 1 / 128 of their values wide) {
  using h = latency_histogram;
  CAF_CHECK_EQUAL(h::index_of(0), 0u);
  CAF_CHECK_EQUAL(h::index_of(127), 127u);
  CAF_CHECK_EQUAL(h::index_of(128), 128u);
  CAF_CHECK_EQUAL(h::index_of(uint64_t{1} << 40), h::bucket_count - 1);
  for (size_t i = 1; i + 1 < h::bucket_count; ++i) {
    auto low = h::lowest_of(i);
    auto next = h::lowest_of(i + 1);
    CAF_REQUIRE_GREATER(next, low);
    CAF_REQUIRE_EQUAL(h::index_of(low), i);
    CAF_REQUIRE_EQUAL(h::index_of(next - 1), i);
    auto width = (next - low) * 128;
    auto bound = std::max<uint64_t>(low, 128);
    CAF_REQUIRE_LESS_OR_EQUAL(width, bound);
  }
  // 60 s in microseconds is far below the last bucket.
  CAF_CHECK_LESS(h::index_of(60'000'000), h::bucket_count - 1);
}

CAF_TEST(percentiles of a uniform distribution are within 1 percent) {
  latency_histogram h;
  std::vector<uint64_t> xs;
  for (uint64_t v = 1; v <= 1'000'000; ++v) {
    h.record(v);
    xs.push_back(v);
  }
  check_percentiles(h, std::move(xs));
  CAF_CHECK_EQUAL(h.mean(), 500'000.5);
}

CAF_TEST(percentiles of a long - tailed distribution are within 1 percent) {
  // Log-normal latencies around 300 us with a tail into seconds.
  std::mt19937_64 rng{42};
  std::lognormal_distribution<double> dist{std::log(300.0), 1.5};
  latency_histogram h;
  std::vector<uint64_t> xs;
  for (int i = 0; i < 200'000; ++i) {
    auto v = static_cast<uint64_t>(dist(rng));
    h.record(v);
    xs.push_back(v);
  }
  check_percentiles(h, std::move(xs));
}

CAF_TEST(the max is exact and a minute has microsecond range) {
  latency_histogram h;
  for (uint64_t v : {250, 310, 60'000'000 - 1, 420})
    h.record(v);
  CAF_CHECK_EQUAL(h.max(), 59'999'999u);
  CAF_CHECK_EQUAL(h.percentile(100), 59'999'999u);
  auto p75 = static_cast<double>(h.percentile(75));
  CAF_CHECK_LESS_OR_EQUAL(std::abs(p75 - 420.0), 4.2);
  h.record(60'000'000);
  CAF_CHECK_EQUAL(h.percentile(100), 60'000'000u);
  // Beyond the last bucket (71 min) the max still holds.
  h.record(uint64_t{1} << 40);
  CAF_CHECK_EQUAL(h.max(), uint64_t{1} << 40);
}

CAF_TEST(merging equals recording everything into one) {
  std::mt19937_64 rng{7};
  std::exponential_distribution<double> dist{1.0 / 2000};
  latency_histogram a;
  latency_histogram b;
  latency_histogram all;
  std::vector<uint64_t> xs;
  for (int i = 0; i < 50'000; ++i) {
    auto v = static_cast<uint64_t>(dist(rng));
    (i % 3 == 0 ? a : b).record(v);
    all.record(v);
    xs.push_back(v);
  }
  a.merge(b);
  CAF_CHECK_EQUAL(a.count(), all.count());
  CAF_CHECK_EQUAL(a.min(), all.min());
  CAF_CHECK_EQUAL(a.max(), all.max());
  CAF_CHECK_EQUAL(a.mean(), all.mean());
  for (double p : {50.0, 90.0, 99.0, 99.9})
    CAF_CHECK_EQUAL(a.percentile(p), all.percentile(p));
  check_percentiles(a, std::move(xs));
  // Merging an empty histogram changes nothing.
  auto before = a.percentile(99);
  a.merge(latency_histogram{});
  CAF_CHECK_EQUAL(a.percentile(99), before);
  CAF_CHECK_EQUAL(a.min(), all.min());
}
