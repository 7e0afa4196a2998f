// CRC-32 of the record format: the ISO-HDLC CRC (reflected polynomial
// 0xEDB88320, as zlib and boost::crc_32_type compute it).

#pragma once

#include <cstddef>
#include <cstdint>

namespace dkv::storage {

/// Eight bytes per step from eight tables (slicing-by-8): about five times
/// faster than boost::crc_32_type's byte at a time, which was 1.3% of a
/// node's CPU under load (a CRC per record read or written).
uint32_t crc32(const char* data, size_t size);

} // namespace dkv::storage
