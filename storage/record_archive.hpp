// Boost.Serialization binary archives over a string in memory, for records.
//
// Boost's binary_iarchive and binary_oarchive build a std::locale (a copy
// of every facet of the stream's locale plus a codecvt facet) for each
// archive, even with no_codecvt: that was 3% of a node's CPU under load
// (perf, 100-byte values), one archive per record read or written. These
// archives write the same bytes (the binary archive's class header and
// primitives, host byte order, pinned by the golden bytes of
// tests/storage/record_codec.cpp) straight to and from memory, with no
// stream and no locale. Only what records use is supported: no archive
// header (the caller passes no_header), no pointers to polymorphic types.

#pragma once

#include <cstddef>
#include <string>

#include <boost/archive/basic_binary_iarchive.hpp>
#include <boost/archive/basic_binary_oarchive.hpp>
#include <boost/archive/detail/register_archive.hpp>
#include <boost/serialization/array_optimization.hpp>
#include <boost/serialization/array_wrapper.hpp>
#include <boost/serialization/is_bitwise_serializable.hpp>

namespace dkv::storage {

/// Appends a record's archive to a string.
class record_oarchive
  : public boost::archive::basic_binary_oarchive<record_oarchive> {
public:
  /// `flags` must hold boost::archive::no_header: the header is not written.
  record_oarchive(std::string& out, unsigned flags);

  /// Which arrays go in one piece (BOOST_SERIALIZATION_USE_ARRAY_OPTIMIZATION
  /// below): those of bitwise serializable types, as in the binary archive.
  struct use_array_optimization {
    template <class T>
    struct apply : boost::serialization::is_bitwise_serializable<T> {};
  };

  void save_binary(const void* data, std::size_t size) {
    out_.append(static_cast<const char*>(data), size);
  }

  /// Arrays of primitives in one piece, as the binary archive does.
  template <class T>
  void save_array(const boost::serialization::array_wrapper<T>& a,
                  unsigned) {
    save_binary(a.address(), a.count() * sizeof(T));
  }

private:
  friend class boost::archive::detail::interface_oarchive<record_oarchive>;
  friend class boost::archive::basic_binary_oarchive<record_oarchive>;
  friend class boost::archive::save_access;

  template <class T>
  void save_override(const T& x) {
    basic_binary_oarchive<record_oarchive>::save_override(x);
  }

  /// Primitives as the binary archive writes them: their bytes.
  template <class T>
  void save(const T& x) {
    save_binary(&x, sizeof(T));
  }

  void save(const std::string& s) {
    std::size_t size = s.size();
    save(size);
    save_binary(s.data(), size);
  }

  std::string& out_;
};

/// Reads a record's archive from a byte range that outlives the archive;
/// reading past its end throws boost::archive::archive_exception.
class record_iarchive
  : public boost::archive::basic_binary_iarchive<record_iarchive> {
public:
  /// `flags` must hold boost::archive::no_header: no header is read.
  record_iarchive(const char* data, std::size_t size, unsigned flags);

  struct use_array_optimization {
    template <class T>
    struct apply : boost::serialization::is_bitwise_serializable<T> {};
  };

  void load_binary(void* data, std::size_t size);

  /// Arrays of primitives in one piece, as the binary archive does.
  template <class T>
  void load_array(boost::serialization::array_wrapper<T>& a, unsigned) {
    load_binary(a.address(), a.count() * sizeof(T));
  }

  /// Bytes not read yet.
  std::size_t remaining() const { return static_cast<size_t>(end_ - next_); }

private:
  friend class boost::archive::detail::interface_iarchive<record_iarchive>;
  friend class boost::archive::basic_binary_iarchive<record_iarchive>;
  friend class boost::archive::load_access;

  template <class T>
  void load_override(T& x) {
    basic_binary_iarchive<record_iarchive>::load_override(x);
  }

  template <class T>
  void load(T& x) {
    load_binary(&x, sizeof(T));
  }

  void load(std::string& s);

  const char* next_;
  const char* end_;
};

} // namespace dkv::storage

BOOST_SERIALIZATION_REGISTER_ARCHIVE(dkv::storage::record_oarchive)
BOOST_SERIALIZATION_REGISTER_ARCHIVE(dkv::storage::record_iarchive)
BOOST_SERIALIZATION_USE_ARRAY_OPTIMIZATION(dkv::storage::record_oarchive)
BOOST_SERIALIZATION_USE_ARRAY_OPTIMIZATION(dkv::storage::record_iarchive)
