#include "storage/storage_engine.hpp"

namespace dkv::storage {

const char* to_string(status_code x) {
  switch (x) {
    case status_code::ok: return "ok";
    case status_code::not_found: return "not_found";
    case status_code::invalid_argument: return "invalid_argument";
    case status_code::corruption: return "corruption";
    case status_code::no_space: return "no_space";
    case status_code::io_error: return "io_error";
    case status_code::no_partition: return "no_partition";
  }
  return "?";
}

storage_engine::~storage_engine() {
  // nop
}

} // namespace dkv::storage
