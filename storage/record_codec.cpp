// The stored record of an object: a Boost.Serialization binary archive of a
// versioned struct followed by a CRC-32. The byte layout is frozen in
// FORMAT.md and pinned by tests/storage/record_codec.cpp (golden bytes).
// DO NOT CHANGE: persisted.

#include "storage/record_codec.hpp"
#include "storage/crc32.hpp"
#include "storage/record_archive.hpp"

#include <cstdint>
#include <limits>
#include <stdexcept>

#include <boost/serialization/split_free.hpp>
#include <boost/serialization/tracking.hpp>
#include <boost/serialization/version.hpp>

// Binary archives write integers in host byte order; FORMAT.md fixes little
// endian, so a big-endian build would silently write another format.
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the dkv record format is little endian (see storage/FORMAT.md)"
#endif

namespace dkv::storage {

/// The archived part of a record. DO NOT CHANGE: persisted. A new field means
/// a new class version and a load branch for every older one.
struct stored_record {
  std::vector<sibling> siblings;
  /// Not persisted: the bytes available to load(), the bound of every length
  /// field, so that garbage cannot make the decoder allocate more than the
  /// record's own size.
  size_t budget = 0;
  /// Not persisted: when set, saved instead of `siblings`, so that writing
  /// a record does not copy the object's values first.
  const std::vector<sibling>* source = nullptr;
};

namespace {

/// Thrown by the decoder for anything that is not a record we wrote.
struct corrupt_record {};

/// Encoded sizes, for bounding counts before allocating (FORMAT.md).
constexpr size_t clock_entry_bytes = 24; // id, counter, timestamp
constexpr size_t dot_bytes = 16;         // id, counter
constexpr size_t min_sibling_bytes = dot_bytes + 4 + 4 + 1 + 4 + 8;

/// Bytes of the Boost class header (tracking flag, class version).
constexpr size_t archive_header_bytes = 5;

constexpr size_t crc_bytes = 4;

template <class Archive>
void save_u32(Archive& ar, size_t n) {
  // Values are limited to 1 MiB upstream; anything this large is a bug.
  if (n > std::numeric_limits<uint32_t>::max())
    throw std::length_error("dkv record field exceeds 4 GiB");
  auto x = static_cast<uint32_t>(n);
  ar << x;
}

template <class Archive>
void save_clock(Archive& ar, const version_vector& vv) {
  save_u32(ar, vv.entries.size());
  for (auto& e : vv.entries)
    ar << e.id << e.counter << e.timestamp_ms;
  save_u32(ar, vv.extra.size());
  for (auto& d : vv.extra)
    ar << d.id << d.counter;
}

/// Reads fields while charging them against the record's size.
template <class Archive>
class bounded_reader {
public:
  bounded_reader(Archive& ar, size_t budget) : ar_(ar), budget_(budget) {
    // nop
  }

  template <class T>
  T read() {
    charge(sizeof(T));
    T x;
    ar_ >> x;
    return x;
  }

  /// A count of elements that each take at least `min_bytes`: a count the
  /// remaining bytes cannot hold is rejected before anything is allocated.
  size_t count(size_t min_bytes) {
    auto n = read<uint32_t>();
    if (n > budget_ / min_bytes)
      throw corrupt_record{};
    return n;
  }

  void bytes(std::string& x) {
    auto n = count(1);
    charge(n);
    x.resize(n);
    if (n > 0)
      ar_.load_binary(x.data(), n);
  }

  void clock(version_vector& vv) {
    vv.entries.resize(count(clock_entry_bytes));
    for (auto& e : vv.entries) {
      e.id = read<uint64_t>();
      e.counter = read<uint64_t>();
      e.timestamp_ms = read<uint64_t>();
    }
    vv.extra.resize(count(dot_bytes));
    for (auto& d : vv.extra) {
      d.id = read<uint64_t>();
      d.counter = read<uint64_t>();
    }
  }

private:
  void charge(size_t n) {
    if (n > budget_)
      throw corrupt_record{};
    budget_ -= n;
  }

  Archive& ar_;
  size_t budget_;
};

} // namespace

} // namespace dkv::storage

namespace boost::serialization {

template <class Archive>
void save(Archive& ar, const dkv::storage::stored_record& x, unsigned) {
  using namespace dkv::storage;
  auto& siblings = x.source != nullptr ? *x.source : x.siblings;
  save_u32(ar, siblings.size());
  for (auto& s : siblings) {
    ar << s.event.id << s.event.counter;
    save_clock(ar, s.past);
    uint8_t tombstone = s.tombstone ? 1 : 0;
    ar << tombstone;
    save_u32(ar, s.value.size());
    if (!s.value.empty())
      ar.save_binary(s.value.data(), s.value.size());
    ar << s.timestamp_ms;
  }
}

template <class Archive>
void load(Archive& ar, dkv::storage::stored_record& x, unsigned version) {
  using namespace dkv::storage;
  // Version 0 was never written; newer versions are refused by Boost itself
  // (unsupported_class_version) before we get here.
  if (version != 1)
    throw corrupt_record{};
  bounded_reader<Archive> in{ar, x.budget};
  x.siblings.resize(in.count(min_sibling_bytes));
  for (auto& s : x.siblings) {
    s.event.id = in.template read<uint64_t>();
    s.event.counter = in.template read<uint64_t>();
    in.clock(s.past);
    auto tombstone = in.template read<uint8_t>();
    if (tombstone > 1)
      throw corrupt_record{};
    s.tombstone = tombstone == 1;
    in.bytes(s.value);
    s.timestamp_ms = in.template read<uint64_t>();
  }
}

} // namespace boost::serialization

BOOST_SERIALIZATION_SPLIT_FREE(dkv::storage::stored_record)
BOOST_CLASS_VERSION(dkv::storage::stored_record, 1)
// Never tracked: tracking would add an object id whenever some other code
// path serialized the type through a pointer, changing the bytes.
BOOST_CLASS_TRACKING(dkv::storage::stored_record,
                     boost::serialization::track_never)

namespace dkv::storage {

namespace {

/// No text header (signature, library version, type sizes): the record is
/// versioned by its class version and its layout is pinned by golden bytes.
constexpr unsigned archive_flags
  = boost::archive::no_header | boost::archive::no_codecvt;

/// The size of the record of `siblings` (FORMAT.md), so that it is written
/// into one allocation.
size_t encoded_size(const std::vector<sibling>& siblings) {
  size_t size = archive_header_bytes + 4 + crc_bytes;
  for (auto& s : siblings)
    size += dot_bytes + 4 + s.past.entries.size() * clock_entry_bytes + 4
            + s.past.extra.size() * dot_bytes + 1 + 4 + s.value.size() + 8;
  return size;
}

} // namespace

std::string encode_record(const object& obj) {
  stored_record r;
  r.source = &obj.siblings;
  std::string result;
  result.reserve(encoded_size(obj.siblings));
  {
    record_oarchive ar{result, archive_flags};
    ar << r;
  }
  auto crc = crc32(result.data(), result.size());
  for (int i = 0; i < 4; ++i)
    result.push_back(static_cast<char>((crc >> (8 * i)) & 0xFF));
  return result;
}

std::optional<object> decode_record(const std::string& key,
                                    const std::string& bytes) {
  if (bytes.size() < archive_header_bytes + 4 + crc_bytes)
    return std::nullopt;
  auto body = bytes.size() - crc_bytes;
  uint32_t stored_crc = 0;
  for (size_t i = 0; i < crc_bytes; ++i)
    stored_crc |= uint32_t{static_cast<uint8_t>(bytes[body + i])} << (8 * i);
  if (stored_crc != crc32(bytes.data(), body))
    return std::nullopt;
  try {
    stored_record r;
    r.budget = body - archive_header_bytes;
    record_iarchive ar{bytes.data(), body, archive_flags};
    ar >> r;
    // Trailing bytes mean this is not the record we wrote.
    if (ar.remaining() != 0)
      return std::nullopt;
    return object{key, std::move(r.siblings)};
  } catch (...) {
    // boost::archive::archive_exception, corrupt_record, std::bad_alloc, ...
    return std::nullopt;
  }
}

std::optional<object> decode_sent_record(const std::string& key,
                                         const std::string& record) {
  if (record.empty())
    return object{key, {}};
  return decode_record(key, record);
}

} // namespace dkv::storage
