#include "actors/storage_errors.hpp"

namespace dkv {

caf::error to_error(const storage::status& st) {
  using storage::status_code;
  switch (st.code) {
    case status_code::ok:
      return caf::none;
    case status_code::invalid_argument:
      return make_error(dkv_errc::invalid_argument, st.message);
    case status_code::no_partition:
      return make_error(dkv_errc::wrong_node, st.message);
    case status_code::not_found:
    case status_code::corruption:
    case status_code::no_space:
    case status_code::io_error:
      break;
  }
  return make_error(dkv_errc::storage_failure,
                    std::string{storage::to_string(st.code)} + ": "
                      + st.message);
}

} // namespace dkv
