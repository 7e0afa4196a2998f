#include "actors/node_settings.hpp"

#include "caf/test/unit_test.hpp"

using namespace dkv;

namespace {

node_settings valid() {
  node_settings s;
  s.name = "node1";
  s.port = 4101;
  s.data_dir = "data/node1";
  s.seeds = {"127.0.0.1:4101", "127.0.0.1:4102"};
  return s;
}

bool names(const std::string& error, const std::string& setting) {
  return error.compare(0, setting.size() + 1, setting + ":") == 0;
}

} // namespace

CAF_TEST(defaults with a name and port and directory are valid) {
  CAF_CHECK_EQUAL(validate(valid()), "");
}

CAF_TEST(every wrong value names its setting) {
  auto s = valid();
  s.r = 4;
  CAF_CHECK(names(validate(s), "dkv.r"));
  s = valid();
  s.w = 0;
  CAF_CHECK(names(validate(s), "dkv.w"));
  s = valid();
  s.partitions = 48;
  CAF_CHECK(names(validate(s), "dkv.partitions"));
  s = valid();
  s.port = 0;
  CAF_CHECK(names(validate(s), "dkv.port"));
  s = valid();
  s.name = "";
  CAF_CHECK(names(validate(s), "dkv.name"));
  s = valid();
  s.name = "a b";
  CAF_CHECK(names(validate(s), "dkv.name"));
  s = valid();
  s.seeds.push_back("nohost");
  CAF_CHECK(names(validate(s), "dkv.seeds"));
  s = valid();
  s.log_level = "loud";
  CAF_CHECK(names(validate(s), "dkv.log-level"));
  s = valid();
  s.data_dir.clear();
  CAF_CHECK(names(validate(s), "dkv.data-dir"));
}

CAF_TEST(addresses parse strictly) {
  std::string host;
  uint16_t port = 0;
  CAF_CHECK(parse_address("127.0.0.1:4101", host, port));
  CAF_CHECK_EQUAL(host, "127.0.0.1");
  CAF_CHECK_EQUAL(port, 4101u);
  CAF_CHECK(!parse_address("127.0.0.1", host, port));
  CAF_CHECK(!parse_address(":4101", host, port));
  CAF_CHECK(!parse_address("h:0", host, port));
  CAF_CHECK(!parse_address("h:65536", host, port));
  CAF_CHECK(!parse_address("h:12a", host, port));
  CAF_CHECK(!parse_address("h:", host, port));
}

CAF_TEST(sync policies round trip) {
  sync_policy p;
  CAF_CHECK(parse_sync_policy("all", p) && p == sync_policy::all);
  CAF_CHECK(parse_sync_policy("one", p) && p == sync_policy::one);
  CAF_CHECK(parse_sync_policy("none", p) && p == sync_policy::none);
  CAF_CHECK(!parse_sync_policy("sometimes", p));
}
