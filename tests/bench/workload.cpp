// What dkv-bench's clients share between operations: the newest context of
// each record, so that an update supersedes what any client of the run saw.

#include "bench/support/workload.hpp"

#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "caf/test/unit_test.hpp"

using namespace dkv::bench;

CAF_TEST(a record never stored has no context) {
  context_cache cache{16};
  // Not even record 0, which an empty slot's zeroed index would name.
  CAF_CHECK(!cache.find(0));
  CAF_CHECK(!cache.find(5));
  cache.store(5, "");
  // An empty context is a known one: the key was written blind.
  auto found = cache.find(5);
  CAF_REQUIRE(found);
  CAF_CHECK_EQUAL(*found, "");
}

CAF_TEST(the newest context of a record wins) {
  context_cache cache{16};
  cache.store(3, "old");
  cache.store(3, "new");
  auto found = cache.find(3);
  CAF_REQUIRE(found);
  CAF_CHECK_EQUAL(*found, "new");
}

CAF_TEST(a colliding record forgets the other) {
  context_cache cache{16};
  cache.store(1, "one");
  cache.store(17, "seventeen");
  CAF_CHECK(!cache.find(1));
  auto found = cache.find(17);
  CAF_REQUIRE(found);
  CAF_CHECK_EQUAL(*found, "seventeen");
}

CAF_TEST(clients on several threads share one cache) {
  constexpr uint64_t records = 4096;
  context_cache cache{records};
  std::vector<std::thread> clients;
  for (uint64_t t = 0; t < 4; ++t)
    clients.emplace_back([&cache, t] {
      for (int round = 0; round < 50; ++round)
        for (uint64_t r = t; r < records; r += 4) {
          cache.store(r, "context of " + std::to_string(r));
          auto found = cache.find(r);
          if (!found || *found != "context of " + std::to_string(r))
            throw std::runtime_error("lost the context of a record");
        }
    });
  for (auto& c : clients)
    c.join();
  for (uint64_t r = 0; r < records; ++r) {
    auto found = cache.find(r);
    CAF_REQUIRE(found);
    CAF_CHECK_EQUAL(*found, "context of " + std::to_string(r));
  }
}
