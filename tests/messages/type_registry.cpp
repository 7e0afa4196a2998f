// Every type that crosses a node boundary survives serialization inside a
// caf::message, which only works if it is registered (a missing
// add_message_type fails here, not between two nodes in production).

#include "messages/type_registry.hpp"

#include "caf/all.hpp"
#include "caf/test/unit_test.hpp"

using namespace dkv;

namespace {

struct fixture {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> sys;

  fixture() {
    register_types(cfg);
    sys = std::make_unique<caf::actor_system>(cfg);
  }

  template <class T>
  T round_trip(const T& x) {
    std::vector<char> buf;
    {
      caf::binary_serializer sink{*sys, buf};
      auto msg = caf::make_message(x);
      if (auto err = sink(msg))
        CAF_FAIL("cannot serialize: " << sys->render(err));
    }
    caf::binary_deserializer source{*sys, buf};
    caf::message msg;
    if (auto err = source(msg))
      CAF_FAIL("cannot deserialize: " << sys->render(err));
    CAF_REQUIRE(msg.match_elements<T>());
    return msg.get_as<T>(0);
  }
};

object sample_object() {
  object obj{"key\0with nul", {}};
  sibling s;
  s.event = dot{0xABCDEF0123456789ull, 42};
  s.past.entries = {{1, 2, 3}, {5, 6, 7}};
  s.past.extra = {dot{1, 9}};
  s.value = std::string("\x00\xff value", 8);
  s.timestamp_ms = 1700000000000ull;
  obj.siblings.push_back(s);
  sibling t;
  t.event = dot{7, 1};
  t.tombstone = true;
  obj.siblings.push_back(t);
  return obj;
}

} // namespace

CAF_TEST_FIXTURE_SCOPE(type_registry_tests, fixture)

CAF_TEST(value types round trip) {
  auto obj = sample_object();
  auto obj_back = round_trip(obj);
  CAF_CHECK_EQUAL(obj_back, obj);
  auto past_back = round_trip(obj.siblings[0].past);
  CAF_CHECK(past_back == obj.siblings[0].past);
}

CAF_TEST(client protocol round trips) {
  // (CAF_CHECK_EQUAL keeps references: no temporaries inside it.)
  auto get = round_trip(get_request_v1{"k", 2});
  CAF_CHECK_EQUAL(get.key, "k");
  CAF_CHECK_EQUAL(get.r, 2u);
  auto reply = round_trip(get_reply_v1{{"a", "b"}, "ctx"});
  CAF_CHECK_EQUAL(reply.values, (std::vector<std::string>{"a", "b"}));
  CAF_CHECK_EQUAL(reply.context, "ctx");
  auto put = round_trip(put_request_v1{"k", "c", "v", 3});
  CAF_CHECK_EQUAL(put.value, "v");
  CAF_CHECK_EQUAL(put.w, 3u);
  auto put_reply = round_trip(put_reply_v1{"c2"});
  CAF_CHECK_EQUAL(put_reply.context, "c2");
  auto del = round_trip(del_request_v1{"k", "c", 1});
  CAF_CHECK_EQUAL(del.context, "c");
  auto del_reply = round_trip(del_reply_v1{"c3"});
  CAF_CHECK_EQUAL(del_reply.context, "c3");
  round_trip(members_request_v1{});
  auto members = round_trip(
    members_reply_v1{{member_status{"n1", "h:1", "up", 5, 12}}});
  CAF_REQUIRE_EQUAL(members.members.size(), 1u);
  CAF_CHECK_EQUAL(members.members[0].partitions, 5u);
  CAF_CHECK_EQUAL(members.members[0].last_heard_ms, 12);
  round_trip(ring_request_v1{});
  auto ring = round_trip(ring_reply_v1{2, {"a", "b"}});
  CAF_CHECK_EQUAL(ring.owners, (std::vector<std::string>{"a", "b"}));
  auto pref = round_trip(preflist_request_v1{"k"});
  CAF_CHECK_EQUAL(pref.key, "k");
  auto pref_reply = round_trip(preflist_reply_v1{3, {"x"}});
  CAF_CHECK_EQUAL(pref_reply.partition, 3u);
  round_trip(status_request_v1{});
  auto status = round_trip(status_reply_v1{"n", {{"a", "b"}}});
  CAF_REQUIRE_EQUAL(status.stats.size(), 1u);
  std::string value = status.stats[0].value;
  CAF_CHECK_EQUAL(value, "b");
}

CAF_TEST(replica and node protocols round trip) {
  auto obj = sample_object();
  auto get = round_trip(vnode_get_v1{4, "k"});
  CAF_CHECK_EQUAL(get.partition, 4u);
  auto merge = round_trip(vnode_merge_v1{4, obj, true});
  CAF_CHECK_EQUAL(merge.incoming, obj);
  CAF_CHECK(merge.sync);
  vnode_coordinate_v1 coord;
  coord.partition = 9;
  coord.key = "k";
  coord.context = obj.siblings[0].past;
  coord.tombstone = true;
  auto back = round_trip(coord);
  CAF_CHECK(back.context == coord.context);
  CAF_CHECK(back.tombstone);
  auto stored = round_trip(vnode_object_v1{obj});
  CAF_CHECK_EQUAL(stored.stored, obj);
  auto info = round_trip(node_info_v1{"c", "n", "h:1", 64, 99});
  CAF_CHECK_EQUAL(info.incarnation, 99u);
  auto hello = round_trip(node_info_request_v1{"c", 64, "n", "a"});
  CAF_CHECK_EQUAL(hello.address, "a");
  auto hint = round_trip(vnode_hint_v1{3, obj, "node2"});
  CAF_CHECK_EQUAL(hint.incoming, obj);
  CAF_CHECK_EQUAL(hint.owner, "node2");
  auto counts = round_trip(std::vector<hint_count>{{"node2", 7}});
  CAF_REQUIRE_EQUAL(counts.size(), 1u);
  CAF_CHECK_EQUAL(counts[0].pending, 7u);
}

CAF_TEST(batched replica reads round trip with per read failures) {
  auto obj = sample_object();
  std::string nul_key("b\0c", 3);
  auto batch = round_trip(vnode_get_batch_v1{{{4, "a"}, {7, nul_key}}});
  CAF_REQUIRE_EQUAL(batch.reads.size(), 2u);
  CAF_CHECK_EQUAL(batch.reads[1].partition, 7u);
  CAF_CHECK_EQUAL(batch.reads[1].key, nul_key);
  vnode_objects_v1 answers;
  answers.stored = {obj, object{"b", {}}};
  answers.failures = {caf::error{},
                      make_error(dkv_errc::storage_failure, "bad record")};
  auto back = round_trip(answers);
  CAF_REQUIRE_EQUAL(back.stored.size(), 2u);
  CAF_CHECK_EQUAL(back.stored[0], obj);
  CAF_REQUIRE_EQUAL(back.failures.size(), 2u);
  CAF_CHECK(!back.failures[0]);
  CAF_CHECK_EQUAL(dkv_code(back.failures[1]), dkv_errc::storage_failure);
  CAF_CHECK_NOT_EQUAL(sys->render(back.failures[1]).find("bad record"),
                      std::string::npos);
}

CAF_TEST(batched replica reads for records round trip) {
  std::string nul_key("b\0c", 3);
  auto batch = round_trip(vnode_get_batch_v2{{{4, "a"}, {7, nul_key}}});
  CAF_REQUIRE_EQUAL(batch.reads.size(), 2u);
  CAF_CHECK_EQUAL(batch.reads[1].partition, 7u);
  CAF_CHECK_EQUAL(batch.reads[1].key, nul_key);
  vnode_records_v1 answers;
  answers.records = {std::string("\0rec\xff", 5), ""};
  answers.failures = {caf::error{},
                      make_error(dkv_errc::storage_failure, "bad record")};
  auto back = round_trip(answers);
  CAF_CHECK_EQUAL(back.records, answers.records);
  CAF_REQUIRE_EQUAL(back.failures.size(), 2u);
  CAF_CHECK(!back.failures[0]);
  CAF_CHECK_EQUAL(dkv_code(back.failures[1]), dkv_errc::storage_failure);
}

CAF_TEST(batched replica merges round trip) {
  auto obj = sample_object();
  vnode_merge_batch_v1 batch;
  batch.merges.push_back(vnode_merge_v1{3, obj, false});
  batch.merges.push_back(vnode_merge_v1{9, object{"b", {}}, true});
  auto back = round_trip(batch);
  CAF_REQUIRE_EQUAL(back.merges.size(), 2u);
  CAF_CHECK_EQUAL(back.merges[0].partition, 3u);
  CAF_CHECK_EQUAL(back.merges[0].incoming, obj);
  CAF_CHECK(!back.merges[0].sync);
  CAF_CHECK_EQUAL(back.merges[1].partition, 9u);
  CAF_CHECK_EQUAL(back.merges[1].incoming.key, "b");
  CAF_CHECK(back.merges[1].sync);
}

CAF_TEST(replica merges as records and their acknowledgements round trip) {
  std::string nul_key("b\0c", 3);
  vnode_merge_batch_v2 batch;
  batch.merges.push_back({3, "a", std::string("\0rec\xff", 5), false});
  batch.merges.push_back({9, nul_key, "", true});
  auto back = round_trip(batch);
  CAF_REQUIRE_EQUAL(back.merges.size(), 2u);
  CAF_CHECK_EQUAL(back.merges[0].partition, 3u);
  CAF_CHECK_EQUAL(back.merges[0].record, batch.merges[0].record);
  CAF_CHECK(!back.merges[0].sync);
  CAF_CHECK_EQUAL(back.merges[1].key, nul_key);
  CAF_CHECK(back.merges[1].sync);
  vnode_merge_acks_v1 acks;
  acks.merges = 2;
  acks.failures = {make_error(dkv_errc::wrong_node, "moved"), caf::error{}};
  auto acks_back = round_trip(acks);
  CAF_CHECK_EQUAL(acks_back.merges, 2u);
  CAF_REQUIRE_EQUAL(acks_back.failures.size(), 2u);
  CAF_CHECK_EQUAL(dkv_code(acks_back.failures[0]), dkv_errc::wrong_node);
  CAF_CHECK(!acks_back.failures[1]);
}

CAF_TEST(dkv errors render with their name and detail) {
  auto err = make_error(dkv_errc::quorum_unavailable, "1 of W=2");
  auto text = sys->render(err);
  CAF_CHECK_NOT_EQUAL(text.find("quorum_unavailable"), std::string::npos);
  CAF_CHECK_NOT_EQUAL(text.find("1 of W=2"), std::string::npos);
  CAF_CHECK_EQUAL(dkv_code(err), dkv_errc::quorum_unavailable);
  CAF_CHECK_EQUAL(error_detail(err), "1 of W=2");
}

CAF_TEST_FIXTURE_SCOPE_END()
