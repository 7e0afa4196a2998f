// The record CRC is the CRC-32 records were written with (boost's
// crc_32_type): the standard check value, and boost's result for every
// length and alignment the eight-byte steps and the byte tail can meet.

#include "storage/crc32.hpp"

#include <random>
#include <string>

#include <boost/crc.hpp>

#include "caf/test/unit_test.hpp"

using dkv::storage::crc32;

namespace {

uint32_t boost_crc(const char* data, size_t size) {
  boost::crc_32_type crc;
  crc.process_bytes(data, size);
  return crc.checksum();
}

} // namespace

CAF_TEST(the standard check value) {
  std::string check = "123456789";
  CAF_CHECK_EQUAL(crc32(check.data(), check.size()), 0xCBF43926u);
  CAF_CHECK_EQUAL(crc32(nullptr, 0), 0u);
}

CAF_TEST(equals boost crc_32_type for every length and alignment) {
  std::mt19937 gen{42};
  std::string bytes(4096 + 8, '\0');
  for (auto& b : bytes)
    b = static_cast<char>(gen());
  size_t mismatches = 0;
  for (size_t offset = 0; offset < 8; ++offset)
    for (size_t size = 0; size <= 300; ++size)
      if (crc32(bytes.data() + offset, size)
          != boost_crc(bytes.data() + offset, size))
        ++mismatches;
  CAF_CHECK_EQUAL(mismatches, 0u);
  CAF_CHECK_EQUAL(crc32(bytes.data(), 4096), boost_crc(bytes.data(), 4096));
}
