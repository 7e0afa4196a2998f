#include "messages/transfer_protocol.hpp"

#include "caf/test/unit_test.hpp"

using namespace dkv;

CAF_TEST(transfer progress survives its persisted form) {
  // A key is bytes: spaces, the format's own letters, NUL.
  std::string odd_key{"a c d \0 z", 9};
  for (auto& x : {transfer_progress{7, false, "key42"},
                  transfer_progress{1, false, odd_key},
                  transfer_progress{1, false, ""},
                  transfer_progress{18446744073709551615u, true, ""}}) {
    transfer_progress y;
    CAF_REQUIRE(decode(encode(x), y));
    CAF_CHECK_EQUAL(y.ring_version, x.ring_version);
    CAF_CHECK_EQUAL(y.complete, x.complete);
    CAF_CHECK_EQUAL(y.last_key, x.last_key);
  }
  // The pinned form (storage/FORMAT.md).
  CAF_CHECK_EQUAL(encode(transfer_progress{3, false, "k"}), "3 c k");
  CAF_CHECK_EQUAL(encode(transfer_progress{3, true, "ignored"}), "3 d ");
}

CAF_TEST(a damaged progress record is refused) {
  transfer_progress y{9, true, "untouched"};
  for (std::string bad : {"", "3", "3 ", "3 c", "3 x k", " c k", "x3 c k",
                          "3 cc k"}) {
    CAF_CHECK(!decode(bad, y));
    CAF_CHECK_EQUAL(y.ring_version, 9u);
    CAF_CHECK_EQUAL(y.last_key, "untouched");
  }
}
