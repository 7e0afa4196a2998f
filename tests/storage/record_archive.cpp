// The in-memory record archives write exactly what Boost's binary archives
// write (the record format was defined by those) and refuse to read past
// the end of their bytes.

#include "storage/record_archive.hpp"

#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include <boost/archive/archive_exception.hpp>
#include <boost/archive/binary_iarchive.hpp>
#include <boost/archive/binary_oarchive.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <boost/serialization/version.hpp>

#include "caf/test/unit_test.hpp"

using namespace dkv::storage;

namespace {

constexpr unsigned flags
  = boost::archive::no_header | boost::archive::no_codecvt;

/// Has a class header (version 3) and one field of each kind records use,
/// plus a string and a vector through Boost's own serializers.
struct sample {
  uint8_t flag = 0;
  uint32_t count = 0;
  uint64_t big = 0;
  std::string text;
  std::vector<uint64_t> numbers;

  template <class Archive>
  void serialize(Archive& ar, unsigned) {
    ar& flag& count& big& text& numbers;
  }

  bool operator==(const sample& other) const {
    return flag == other.flag && count == other.count && big == other.big
           && text == other.text && numbers == other.numbers;
  }
};

sample make_sample() {
  return {1, 0xDEADBEEF, 0x0102030405060708ULL, std::string(300, 'x'),
          {1, 2, 3, 0xFFFFFFFFFFFFFFFFULL}};
}

std::string with_boost(const sample& x) {
  std::ostringstream out;
  {
    boost::archive::binary_oarchive ar{out, flags};
    ar << x;
  }
  return out.str();
}

/// Whether `f` throws boost's archive_exception.
template <class F>
bool throws_archive_exception(F f) {
  try {
    f();
  } catch (const boost::archive::archive_exception&) {
    return true;
  }
  return false;
}

std::string with_record_archive(const sample& x) {
  std::string out;
  record_oarchive ar{out, flags};
  ar << x;
  return out;
}

} // namespace

BOOST_CLASS_VERSION(sample, 3)

CAF_TEST(writes the bytes of the binary archive) {
  auto x = make_sample();
  auto expected = with_boost(x);
  CAF_CHECK_EQUAL(with_record_archive(x), expected);
  // Writing appends: what was in the string stays.
  std::string out = "prefix";
  {
    record_oarchive ar{out, flags};
    ar << x;
  }
  CAF_CHECK_EQUAL(out, "prefix" + expected);
}

CAF_TEST(reads the bytes of the binary archive) {
  auto bytes = with_boost(make_sample());
  record_iarchive ar{bytes.data(), bytes.size(), flags};
  sample y;
  ar >> y;
  CAF_CHECK(y == make_sample());
  CAF_CHECK_EQUAL(ar.remaining(), 0u);
}

CAF_TEST(reading past the end throws) {
  auto bytes = with_record_archive(make_sample());
  for (size_t size : {size_t{0}, size_t{4}, bytes.size() / 2,
                      bytes.size() - 1}) {
    CAF_CHECK(throws_archive_exception([&] {
      record_iarchive ar{bytes.data(), size, flags};
      sample y;
      ar >> y;
    }));
  }
}

CAF_TEST(an archive with a header is refused) {
  std::string out;
  CAF_CHECK(throws_archive_exception([&] { record_oarchive ar(out, 0); }));
  CAF_CHECK(throws_archive_exception(
    [&] { record_iarchive ar(out.data(), 0, 0); }));
}
