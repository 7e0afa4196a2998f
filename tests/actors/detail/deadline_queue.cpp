#include "actors/detail/deadline_queue.hpp"

#include <string>

#include "caf/test/unit_test.hpp"

using dkv::detail::deadline_queue;
using std::chrono::milliseconds;

namespace {

using queue = deadline_queue<std::string>;
using time_point = queue::time_point;

const time_point t0 = time_point{} + std::chrono::hours(1);

time_point at(int ms) {
  return t0 + milliseconds(ms);
}

} // namespace

CAF_TEST(only the first item sets the timer) {
  queue q{milliseconds(100)};
  auto first = q.add(at(2000), "a");
  CAF_REQUIRE(first.has_value());
  CAF_CHECK(*first == at(2000));
  CAF_CHECK(!q.add(at(2001), "b").has_value());
  CAF_CHECK(!q.add(at(1500), "c").has_value());
  CAF_CHECK_EQUAL(q.size(), 3u);
}

CAF_TEST(expiry returns what is due earliest first and times the rest) {
  queue q{milliseconds(100)};
  q.add(at(2000), "a");
  q.add(at(1000), "b");
  q.add(at(1000), "c");
  q.add(at(3000), "d");
  std::optional<time_point> next;
  auto due = q.expire(at(2000), next);
  std::vector<std::string> expected{"b", "c", "a"};
  CAF_CHECK_EQUAL(due, expected);
  CAF_REQUIRE(next.has_value());
  CAF_CHECK(*next == at(3000));
  CAF_CHECK_EQUAL(q.size(), 1u);
}

CAF_TEST(a timer that fires early expires nothing and is set again) {
  queue q{milliseconds(100)};
  q.add(at(2000), "a");
  std::optional<time_point> next;
  CAF_CHECK(q.expire(at(500), next).empty());
  CAF_REQUIRE(next.has_value());
  CAF_CHECK(*next == at(2000));
}

CAF_TEST(under load the timer fires at most once per gap) {
  queue q{milliseconds(100)};
  // One item every millisecond, each due 2 s later.
  q.add(at(2000), "0");
  for (int i = 1; i < 10; ++i)
    q.add(at(2000 + i), std::to_string(i));
  std::optional<time_point> next;
  auto due = q.expire(at(2000), next);
  CAF_CHECK_EQUAL(due.size(), 1u);
  CAF_REQUIRE(next.has_value());
  CAF_CHECK(*next == at(2100)); // not at(2001)
  due = q.expire(*next, next);
  CAF_CHECK_EQUAL(due.size(), 9u);
  CAF_CHECK(!next.has_value());
}

CAF_TEST(once empty the next item sets the timer again) {
  queue q{milliseconds(100)};
  q.add(at(1000), "a");
  std::optional<time_point> next;
  q.expire(at(1000), next);
  CAF_CHECK(!next.has_value());
  CAF_CHECK(q.empty());
  // Within the gap of the last expiry: the timer waits for the gap.
  auto soon = q.add(at(1050), "b");
  CAF_REQUIRE(soon.has_value());
  CAF_CHECK(*soon == at(1100));
  q.expire(*soon, next);
  // Long after it: the deadline itself.
  auto later = q.add(at(5000), "c");
  CAF_REQUIRE(later.has_value());
  CAF_CHECK(*later == at(5000));
}
