// object_store: validation before the engine is touched, corruption as a
// status, merge by causality (and no write when nothing changes), and
// coordinated writes that issue new dots.

#include "storage/object_store.hpp"

#include "caf/test/unit_test.hpp"

#include "storage/record_codec.hpp"
#include "fixtures/spy_engine.hpp"
#include "temp_dir.hpp"

using namespace dkv;
using namespace dkv::storage;
using dkv::test::spy_engine;

namespace {


std::string code(const status& st) {
  return to_string(st.code);
}

write_request put_req(replica_id coordinator, version_vector context,
                      std::optional<std::string> value, uint64_t now = 1) {
  write_request req;
  req.coordinator = coordinator;
  req.context = std::move(context);
  req.value = std::move(value);
  req.now_ms = now;
  return req;
}

std::vector<std::string> values_of(object_store& store, const std::string& key,
                                   partition_id p = 1) {
  object obj;
  auto st = store.get(p, key, obj);
  if (!st.ok())
    return {"<" + code(st) + ">"};
  return live_values(obj);
}

using strings = std::vector<std::string>;

constexpr replica_id replica_a = 0xA;
constexpr replica_id replica_b = 0xB;

struct fixture {
  std::unique_ptr<storage_engine> memory = make_memory_engine();
  spy_engine spy{*memory};
  object_store store{spy, object_limits{}};

  fixture() { CAF_REQUIRE(memory->open_partition(1).ok()); }

  size_t stored_records() {
    size_t n = 0;
    memory->fold(1, [&](auto&, auto&) {
      ++n;
      return true;
    });
    return n;
  }
};

} // namespace

CAF_TEST_FIXTURE_SCOPE(object_store_tests, fixture)

CAF_TEST(limits are checked before the engine is touched) {
  object_limits lim;
  std::string why;
  CAF_CHECK(!valid_key("", lim, why));
  CAF_CHECK(!why.empty());
  CAF_CHECK(valid_key("k", lim, why));
  CAF_CHECK(valid_key(std::string(1024, 'k'), lim, why));
  CAF_CHECK(!valid_key(std::string(1025, 'k'), lim, why));
  CAF_CHECK(valid_value("", lim, why));
  CAF_CHECK(valid_value(std::string(1024 * 1024, 'v'), lim, why));
  CAF_CHECK(!valid_value(std::string(1024 * 1024 + 1, 'v'), lim, why));
  CAF_MESSAGE("value too large: " << why);
  object out;
  auto ok_value = std::optional<std::string>{"v"};
  auto big_value
    = std::optional<std::string>{std::string(1024 * 1024 + 1, 'v')};
  for (auto& key : {std::string{}, std::string(1025, 'k')}) {
    auto st = store.coordinate(1, key, put_req(replica_a, {}, ok_value), out);
    CAF_CHECK_EQUAL(code(st), "invalid_argument");
    CAF_CHECK(!st.message.empty());
    CAF_CHECK_EQUAL(code(store.get(1, key, out)), "invalid_argument");
    object incoming{key, {}};
    incoming.siblings.push_back(
      apply_write(object{key, {}}, put_req(replica_a, {}, ok_value))
        .siblings.front());
    CAF_CHECK_EQUAL(code(store.merge(1, incoming, out)), "invalid_argument");
  }
  auto st = store.coordinate(1, "k", put_req(replica_a, {}, big_value), out);
  CAF_CHECK_EQUAL(code(st), "invalid_argument");
  CAF_MESSAGE(st.message);
  auto incoming
    = apply_write(object{"k", {}}, put_req(replica_b, {}, big_value));
  CAF_CHECK_EQUAL(code(store.merge(1, incoming, out)), "invalid_argument");
  CAF_CHECK_EQUAL(spy.calls, 0u);
  CAF_CHECK_EQUAL(stored_records(), 0u);
  // The limits themselves are accepted.
  auto max_value = std::optional<std::string>{std::string(1024 * 1024, 'v')};
  st = store.coordinate(1, std::string(1024, 'k'),
                        put_req(replica_a, {}, max_value), out);
  CAF_CHECK_EQUAL(code(st), "ok");
  CAF_CHECK_EQUAL(stored_records(), 1u);
}

CAF_TEST(a corrupt record is a corruption status for that key only) {
  object out;
  CAF_REQUIRE(
    store.coordinate(1, "good", put_req(replica_a, {}, "v"), out).ok());
  CAF_REQUIRE(memory->put(1, "bad", "definitely not a record", {}).ok());
  auto st = store.get(1, "bad", out);
  CAF_CHECK_EQUAL(code(st), "corruption");
  CAF_CHECK(st.message.find("bad") != std::string::npos);
  CAF_MESSAGE(st.message);
  // Writes to the key report it too and leave the record as it was.
  st = store.coordinate(1, "bad", put_req(replica_a, {}, "v"), out);
  CAF_CHECK_EQUAL(code(st), "corruption");
  auto incoming = apply_write(object{"bad", {}}, put_req(replica_b, {}, "w"));
  CAF_CHECK_EQUAL(code(store.merge(1, incoming, out)), "corruption");
  std::string raw;
  CAF_REQUIRE(memory->get(1, "bad", raw).ok());
  CAF_CHECK_EQUAL(raw, "definitely not a record");
  // Other keys are fine; a fold reports the corrupt key and goes on.
  CAF_CHECK(values_of(store, "good") == strings{"v"});
  std::vector<std::string> visited;
  std::vector<std::string> corrupt;
  st = store.fold(
    1,
    [&](const object& obj) {
      visited.push_back(obj.key);
      return true;
    },
    [&](const std::string& key) { corrupt.push_back(key); });
  CAF_CHECK_EQUAL(code(st), "ok");
  CAF_CHECK(visited == strings{"good"});
  CAF_CHECK(corrupt == strings{"bad"});
}

CAF_TEST(coordinate issues a new dot per write) {
  object first;
  CAF_REQUIRE(
    store.coordinate(1, "k", put_req(replica_a, {}, "v1"), first).ok());
  CAF_REQUIRE_EQUAL(first.siblings.size(), 1u);
  CAF_CHECK(first.siblings[0].event == (dot{replica_a, 1}));
  object second;
  CAF_REQUIRE(
    store
      .coordinate(1, "k", put_req(replica_a, context_of(first), "v2"), second)
      .ok());
  CAF_REQUIRE_EQUAL(second.siblings.size(), 1u);
  CAF_CHECK(second.siblings[0].event == (dot{replica_a, 2}));
  // The store holds what coordinate returned.
  object stored;
  CAF_REQUIRE(store.get(1, "k", stored).ok());
  CAF_CHECK(stored == second);
  // A write with an empty context is concurrent with what is stored, and
  // still gets a fresh dot (never reusing counter 1 or 2).
  object third;
  CAF_REQUIRE(
    store.coordinate(1, "k", put_req(replica_a, {}, "v3"), third).ok());
  CAF_CHECK_EQUAL(third.siblings.size(), 2u);
  CAF_CHECK(third.siblings.back().event == (dot{replica_a, 3}));
  CAF_CHECK(values_of(store, "k") == (strings{"v2", "v3"}));
  // A delete is a tombstone over what the client saw.
  object deleted;
  CAF_REQUIRE(store
                .coordinate(1, "k",
                            put_req(replica_a, context_of(third), std::nullopt),
                            deleted)
                .ok());
  CAF_CHECK(is_deleted(deleted));
  CAF_CHECK(values_of(store, "k").empty());
}

CAF_TEST(a blind write beyond the sibling limit is refused and merges are not) {
  object_limits lim;
  lim.max_siblings = 3;
  object_store capped{*memory, lim};
  object out;
  for (auto v : {"v1", "v2", "v3"})
    CAF_REQUIRE(capped.coordinate(1, "k", put_req(replica_a, {}, v), out).ok());
  CAF_REQUIRE_EQUAL(out.siblings.size(), 3u);
  auto refused = capped.coordinate(1, "k", put_req(replica_a, {}, "v4"), out);
  CAF_CHECK_EQUAL(code(refused), "invalid_argument");
  CAF_MESSAGE(refused.message);
  CAF_CHECK(values_of(capped, "k") == (strings{"v1", "v2", "v3"}));
  // A replica's concurrent version still merges in (repair never stalls).
  auto other = apply_write(object{"k", {}}, put_req(replica_b, {}, "w"));
  CAF_CHECK(capped.merge(1, other, out).ok());
  CAF_CHECK_EQUAL(out.siblings.size(), 4u);
  // A write with the context reconciles them all into one.
  CAF_CHECK(capped
              .coordinate(1, "k", put_req(replica_a, context_of(out), "r"),
                          out)
              .ok());
  CAF_CHECK(values_of(capped, "k") == (strings{"r"}));
}

CAF_TEST(merge follows causality) {
  // Replica A coordinates v1 then v2 (which saw v1); replica B, unaware,
  // coordinates w1.
  auto v1 = apply_write(object{"k", {}}, put_req(replica_a, {}, "v1"));
  auto v2 = apply_write(v1, put_req(replica_a, context_of(v1), "v2"));
  auto w1 = apply_write(object{"k", {}}, put_req(replica_b, {}, "w1"));
  object out;
  CAF_REQUIRE(store.merge(1, v2, out).ok());
  CAF_CHECK(out == v2);
  CAF_CHECK_EQUAL(spy.writes, 1u);
  // Stale: v1 is in v2's past; nothing changes and nothing is written.
  CAF_REQUIRE(store.merge(1, v1, out).ok());
  CAF_CHECK(out == v2);
  CAF_CHECK(values_of(store, "k") == strings{"v2"});
  CAF_CHECK_EQUAL(spy.writes, 1u);
  // The same state again: no write either.
  CAF_REQUIRE(store.merge(1, v2, out).ok());
  CAF_CHECK_EQUAL(spy.writes, 1u);
  // Concurrent: both survive as siblings.
  CAF_REQUIRE(store.merge(1, w1, out).ok());
  CAF_CHECK_EQUAL(spy.writes, 2u);
  CAF_CHECK_EQUAL(out.siblings.size(), 2u);
  CAF_CHECK(values_of(store, "k") == (strings{"v2", "w1"}));
  // A write that saw both supersedes both.
  auto both = reconcile(v2, w1);
  auto resolved = apply_write(both, put_req(replica_b, context_of(both), "x"));
  CAF_REQUIRE(store.merge(1, resolved, out).ok());
  CAF_CHECK(values_of(store, "k") == strings{"x"});
  CAF_CHECK_EQUAL(spy.writes, 3u);
  // Merging into an absent key stores the incoming state as it is.
  object other{"other", v1.siblings};
  CAF_REQUIRE(store.merge(1, other, out).ok());
  object stored;
  CAF_REQUIRE(store.get(1, "other", stored).ok());
  CAF_CHECK(stored == other);
}

CAF_TEST(an absent key reads as an object without siblings) {
  object out{"junk", {}};
  CAF_REQUIRE(store.get(1, "nothing", out).ok());
  CAF_CHECK_EQUAL(out.key, "nothing");
  CAF_CHECK(out.siblings.empty());
  CAF_CHECK_EQUAL(code(store.get(2, "nothing", out)), "no_partition");
}

CAF_TEST(objects persist on the bdb engine) {
  test::temp_dir tmp;
  bdb_options opts;
  opts.directory = tmp.sub("data");
  object written;
  {
    status st;
    auto engine = open_bdb_engine(opts, st);
    CAF_REQUIRE(engine != nullptr);
    CAF_REQUIRE(engine->open_partition(1).ok());
    object_store bdb_store{*engine, object_limits{}};
    CAF_REQUIRE(bdb_store
                  .coordinate(1, std::string("k\0ey", 4),
                              put_req(replica_a, {}, "v"), written)
                  .ok());
  }
  status st;
  auto engine = open_bdb_engine(opts, st);
  CAF_REQUIRE(engine != nullptr);
  CAF_REQUIRE(engine->open_partition(1).ok());
  object_store bdb_store{*engine, object_limits{}};
  object read;
  CAF_REQUIRE(bdb_store.get(1, std::string("k\0ey", 4), read).ok());
  CAF_CHECK(read == written);
}

CAF_TEST_FIXTURE_SCOPE_END()
