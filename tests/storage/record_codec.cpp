// The stored record format: round trips, golden bytes (a format change must
// fail here, see storage/FORMAT.md), and hostile input: every truncation,
// every bit flip, and garbage with a valid checksum must decode to nothing
// without crashing or allocating more than a small multiple of its size.

#include "storage/record_codec.hpp"

#include <cstdio>
#include <cstdlib>
#include <new>
#include <random>

#include <boost/crc.hpp>

#include "caf/test/unit_test.hpp"

using namespace dkv;
using namespace dkv::storage;

// -- allocation tracking ------------------------------------------------------
// Replacing the global allocation functions is the one way to see every
// allocation the decoder (and Boost inside it) makes. Counting is per thread
// and only while a probe is active; otherwise these forward to malloc/free.

namespace {

thread_local bool tracking = false;
thread_local size_t largest_allocation = 0;
thread_local size_t allocated_bytes = 0;

void* allocate(size_t n) {
  if (tracking) {
    largest_allocation = std::max(largest_allocation, n);
    allocated_bytes += n;
  }
  if (auto ptr = std::malloc(n == 0 ? 1 : n))
    return ptr;
  throw std::bad_alloc{};
}

} // namespace

void* operator new(size_t n) {
  return allocate(n);
}
void* operator new[](size_t n) {
  return allocate(n);
}
void* operator new(size_t n, const std::nothrow_t&) noexcept {
  try {
    return allocate(n);
  } catch (...) {
    return nullptr;
  }
}
void* operator new[](size_t n, const std::nothrow_t&) noexcept {
  try {
    return allocate(n);
  } catch (...) {
    return nullptr;
  }
}
void operator delete(void* ptr) noexcept {
  std::free(ptr);
}
void operator delete[](void* ptr) noexcept {
  std::free(ptr);
}
void operator delete(void* ptr, size_t) noexcept {
  std::free(ptr);
}
void operator delete[](void* ptr, size_t) noexcept {
  std::free(ptr);
}
void operator delete(void* ptr, const std::nothrow_t&) noexcept {
  std::free(ptr);
}
void operator delete[](void* ptr, const std::nothrow_t&) noexcept {
  std::free(ptr);
}

namespace {

/// Decodes while watching allocations.
struct probe {
  std::optional<object> result;
  size_t largest = 0;
  size_t total = 0;

  explicit probe(const std::string& bytes) {
    largest_allocation = 0;
    allocated_bytes = 0;
    tracking = true;
    result = decode_record("k", bytes);
    tracking = false;
    largest = largest_allocation;
    total = allocated_bytes;
  }
};

/// The decoder may allocate a few times the record (a sibling is larger in
/// memory than encoded) plus Boost's fixed archive state, never more.
size_t allocation_bound(size_t record_size) {
  return 4 * record_size + 16 * 1024;
}

std::string hex(const std::string& bytes) {
  std::string result;
  char buf[3];
  for (unsigned char c : bytes) {
    std::snprintf(buf, sizeof(buf), "%02x", c);
    result += buf;
  }
  return result;
}

std::string unhex(const std::string& text) {
  std::string result;
  for (size_t i = 0; i + 1 < text.size(); i += 2)
    result.push_back(
      static_cast<char>(std::stoi(text.substr(i, 2), nullptr, 16)));
  return result;
}

/// Replaces the trailing CRC-32 so that the damage reaches the decoder.
std::string with_valid_crc(std::string record) {
  record.resize(record.size() - 4);
  boost::crc_32_type crc;
  crc.process_bytes(record.data(), record.size());
  auto sum = crc.checksum();
  for (int i = 0; i < 4; ++i)
    record.push_back(static_cast<char>((sum >> (8 * i)) & 0xFF));
  return record;
}

void put_u32(std::string& record, size_t offset, uint32_t x) {
  for (int i = 0; i < 4; ++i)
    record[offset + i] = static_cast<char>((x >> (8 * i)) & 0xFF);
}

sibling make_sibling(dot event, version_vector past, bool tombstone,
                     std::string value, uint64_t ts) {
  sibling s;
  s.event = event;
  s.past = std::move(past);
  s.tombstone = tombstone;
  s.value = std::move(value);
  s.timestamp_ms = ts;
  return s;
}

/// The object pinned by the golden bytes: two siblings, one a tombstone
/// with a dot cloud, one a value over a clock entry.
object golden_object() {
  version_vector cloud;
  cloud.extra.push_back(dot{0xB2, 5});
  version_vector entry;
  entry.entries.push_back(clock_entry{0x0102030405060708, 1, 1700000000000});
  object result;
  result.key = "k";
  result.siblings.push_back(
    make_sibling(dot{0xA1, 7}, cloud, true, "", 0x1122334455667788));
  result.siblings.push_back(make_sibling(dot{0x0102030405060708, 2}, entry,
                                         false, "hi", 1700000000001));
  return result;
}

// Byte by byte in storage/FORMAT.md. DO NOT CHANGE: persisted.
const char* golden_hex
  = "00"               // Boost tracking flag: never tracked
    "01000000"         // class version 1
    "02000000"         // 2 siblings
    "a100000000000000" // [0] dot id
    "0700000000000000" //     dot counter
    "00000000"         //     past: 0 clock entries
    "01000000"         //     past: 1 cloud dot
    "b200000000000000" //       id
    "0500000000000000" //       counter
    "01"               //     tombstone
    "00000000"         //     value: 0 bytes
    "8877665544332211" //     timestamp_ms
    "0807060504030201" // [1] dot id
    "0200000000000000" //     dot counter
    "01000000"         //     past: 1 clock entry
    "0807060504030201" //       id
    "0100000000000000" //       counter
    "0068e5cf8b010000" //       timestamp_ms (1700000000000)
    "00000000"         //     past: 0 cloud dots
    "00"               //     not a tombstone
    "02000000"         //     value: 2 bytes
    "6869"             //       "hi"
    "0168e5cf8b010000" //     timestamp_ms (1700000000001)
    "2d3cc646";        // CRC-32 of all bytes above

} // namespace

CAF_TEST(round trip) {
  std::vector<object> cases;
  cases.push_back(object{"k", {}});
  cases.push_back(golden_object());
  {
    object o{"binary\0key", {}};
    o.siblings.push_back(
      make_sibling(dot{1, 1}, {}, false, std::string("\0\xff\0v", 4), 0));
    cases.push_back(o);
  }
  {
    object o{"big", {}};
    std::string value(1024 * 1024, '\0');
    std::mt19937_64 rng{7};
    for (auto& c : value)
      c = static_cast<char>(rng() & 0xFF);
    version_vector past;
    for (uint64_t id = 1; id <= 10; ++id)
      past.entries.push_back(clock_entry{id, id * 3, id * 1000});
    past.extra.push_back(dot{11, 9});
    past.extra.push_back(dot{12, 4});
    for (uint64_t id = 20; id < 23; ++id)
      o.siblings.push_back(
        make_sibling(dot{id, 1}, past, id == 21, id == 21 ? "" : value, id));
    cases.push_back(o);
  }
  for (auto& x : cases) {
    auto bytes = encode_record(x);
    auto y = decode_record(x.key, bytes);
    CAF_REQUIRE(y.has_value());
    CAF_CHECK(*y == x);
    CAF_CHECK_EQUAL(y->key, x.key);
    // Deterministic: equal states, equal bytes (Merkle hashes rely on it).
    CAF_CHECK(encode_record(*y) == bytes);
  }
}

CAF_TEST(golden bytes) {
  auto bytes = encode_record(golden_object());
  if (hex(bytes) != golden_hex)
    CAF_MESSAGE("encoded: " << hex(bytes));
  CAF_CHECK_EQUAL(hex(bytes), golden_hex);
  auto decoded = decode_record("k", unhex(golden_hex));
  CAF_REQUIRE(decoded.has_value());
  CAF_CHECK(*decoded == golden_object());
}

CAF_TEST(every truncation and every bit flip decodes to nothing) {
  auto bytes = encode_record(golden_object());
  for (size_t n = 0; n < bytes.size(); ++n)
    CAF_CHECK(!decode_record("k", bytes.substr(0, n)).has_value());
  CAF_CHECK(!decode_record("k", bytes + '\0').has_value());
  size_t accepted = 0;
  for (size_t bit = 0; bit < bytes.size() * 8; ++bit) {
    auto flipped = bytes;
    flipped[bit / 8] = static_cast<char>(flipped[bit / 8] ^ (1 << (bit % 8)));
    probe p{flipped};
    if (p.result)
      ++accepted;
    CAF_CHECK_LESS_OR_EQUAL(p.largest, allocation_bound(bytes.size()));
  }
  CAF_CHECK_EQUAL(accepted, 0u);
}

CAF_TEST(damage behind a valid checksum decodes to nothing) {
  auto good = encode_record(golden_object());
  // Layout offsets (FORMAT.md): header 5 bytes, sibling count at 5.
  auto damaged = [&](size_t offset, uint32_t x) {
    auto r = good;
    put_u32(r, offset, x);
    return with_valid_crc(r);
  };
  std::vector<std::pair<std::string, std::string>> cases{
    {"class version 0", damaged(1, 0)},
    {"class version 2", damaged(1, 2)},
    {"tracking flag set",
     [&] {
       auto r = good;
       r[0] = 1;
       return with_valid_crc(r);
     }()},
    {"sibling count 2^32-1", damaged(5, 0xFFFFFFFF)},
    {"sibling count 3", damaged(5, 3)},
    {"sibling count 1 (trailing bytes)", damaged(5, 1)},
    {"clock entry count 2^32-1", damaged(25, 0xFFFFFFFF)},
    {"dot cloud count 2^32-1", damaged(29, 0xFFFFFFFF)},
    {"value length 2^32-1", damaged(50, 0xFFFFFFFF)},
    {"value length 1", damaged(50, 1)},
    {"tombstone byte 2",
     [&] {
       auto r = good;
       r[49] = 2;
       return with_valid_crc(r);
     }()},
  };
  for (auto& [what, bytes] : cases) {
    CAF_MESSAGE(what);
    probe p{bytes};
    CAF_CHECK(!p.result.has_value());
    CAF_CHECK_LESS_OR_EQUAL(p.largest, allocation_bound(bytes.size()));
    CAF_CHECK_LESS_OR_EQUAL(p.total, allocation_bound(bytes.size()));
  }
}

CAF_TEST(random garbage decodes to nothing within bounded memory) {
  std::mt19937_64 rng{42};
  size_t accepted = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string bytes(rng() % 200, '\0');
    for (auto& c : bytes)
      c = static_cast<char>(rng() & 0xFF);
    // Mostly plausible headers, so the garbage reaches the field decoder.
    if (bytes.size() >= 5 && round % 4 != 0) {
      bytes[0] = 0;
      put_u32(bytes, 1, 1);
    }
    if (bytes.size() >= 9 && round % 2 == 0)
      put_u32(bytes, 5, static_cast<uint32_t>(rng() % 3));
    if (bytes.size() >= 13 && round % 8 != 0)
      bytes = with_valid_crc(bytes);
    probe p{bytes};
    if (p.result)
      ++accepted;
    CAF_CHECK_LESS_OR_EQUAL(p.largest, allocation_bound(bytes.size()));
  }
  // A random record with a valid checksum may decode to some object (it
  // is well-formed garbage); it must just never crash or balloon.
  CAF_MESSAGE(accepted << " of 20000 random records were well-formed");
}
