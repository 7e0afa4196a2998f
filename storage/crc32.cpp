#include "storage/crc32.hpp"

#include <array>
#include <cstring>

// The eight-byte step reads the bytes as two little-endian words.
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "storage/crc32.cpp assumes a little-endian machine"
#endif

namespace dkv::storage {

namespace {

using crc_tables = std::array<std::array<uint32_t, 256>, 8>;

/// tables[0] advances the CRC by one byte; tables[k] by a byte followed by
/// k zero bytes, so eight lookups advance it by eight bytes.
constexpr crc_tables make_tables() {
  crc_tables t{};
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int bit = 0; bit < 8; ++bit)
      c = (c & 1) != 0 ? (c >> 1) ^ 0xEDB88320u : c >> 1;
    t[0][i] = c;
  }
  for (uint32_t i = 0; i < 256; ++i)
    for (size_t k = 1; k < 8; ++k)
      t[k][i] = (t[k - 1][i] >> 8) ^ t[0][t[k - 1][i] & 0xFF];
  return t;
}

constexpr crc_tables tables = make_tables();

} // namespace

uint32_t crc32(const char* data, size_t size) {
  auto& t = tables;
  uint32_t crc = 0xFFFFFFFFu;
  auto p = reinterpret_cast<const unsigned char*>(data);
  for (; size >= 8; p += 8, size -= 8) {
    uint32_t low = 0;
    uint32_t high = 0;
    std::memcpy(&low, p, 4);
    std::memcpy(&high, p + 4, 4);
    low ^= crc;
    crc = t[7][low & 0xFF] ^ t[6][(low >> 8) & 0xFF]
          ^ t[5][(low >> 16) & 0xFF] ^ t[4][low >> 24] ^ t[3][high & 0xFF]
          ^ t[2][(high >> 8) & 0xFF] ^ t[1][(high >> 16) & 0xFF]
          ^ t[0][high >> 24];
  }
  for (; size > 0; ++p, --size)
    crc = (crc >> 8) ^ t[0][(crc ^ *p) & 0xFF];
  return ~crc;
}

} // namespace dkv::storage
