#include "storage/record_archive.hpp"

#include <cstring>

#include <boost/archive/archive_exception.hpp>
#include <boost/serialization/throw_exception.hpp>

// The archive templates' out-of-line members, instantiated here for the
// two record archives as Boost's own archives do in its library (the
// virtual loaders are instantiated with the constructors below).
#include <boost/archive/impl/archive_serializer_map.ipp>
#include <boost/archive/impl/basic_binary_iarchive.ipp>
#include <boost/archive/impl/basic_binary_oarchive.ipp>

namespace dkv::storage {

namespace {

void require_no_header(unsigned flags) {
  if ((flags & boost::archive::no_header) == 0)
    boost::serialization::throw_exception(boost::archive::archive_exception(
      boost::archive::archive_exception::other_exception,
      "record archives have no header: pass no_header"));
}

} // namespace

record_oarchive::record_oarchive(std::string& out, unsigned flags)
  : basic_binary_oarchive<record_oarchive>(flags), out_(out) {
  require_no_header(flags);
}

record_iarchive::record_iarchive(const char* data, std::size_t size,
                                 unsigned flags)
  : basic_binary_iarchive<record_iarchive>(flags),
    next_(data),
    end_(data + size) {
  require_no_header(flags);
}

void record_iarchive::load_binary(void* data, std::size_t size) {
  if (size > remaining())
    boost::serialization::throw_exception(boost::archive::archive_exception(
      boost::archive::archive_exception::input_stream_error));
  if (size > 0)
    std::memcpy(data, next_, size);
  next_ += size;
}

void record_iarchive::load(std::string& s) {
  std::size_t size = 0;
  load(size);
  if (size > remaining())
    boost::serialization::throw_exception(boost::archive::archive_exception(
      boost::archive::archive_exception::input_stream_error));
  s.assign(next_, size);
  next_ += size;
}

} // namespace dkv::storage

namespace boost::archive {

template class detail::archive_serializer_map<dkv::storage::record_oarchive>;
template class detail::archive_serializer_map<dkv::storage::record_iarchive>;
} // namespace boost::archive
