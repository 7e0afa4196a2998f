#pragma once

// The typed errors of dkv's API. Every failure a client sees is one of these,
// carried as a caf::error of category "dkv"; never a silent empty answer.

#include <cstdint>
#include <string>

#include "caf/error.hpp"
#include "caf/make_message.hpp"
#include "caf/message.hpp"

namespace dkv {

enum class dkv_errc : uint8_t {
  /// Not an error (CAF reserves code 0).
  none = 0,
  /// A key, value, context, quorum size or setting was malformed or out of
  /// range; nothing was written.
  invalid_argument,
  /// Fewer than R (get) or W (put/del) replicas answered before the timeout.
  quorum_unavailable,
  /// The request did not complete in time (e.g. a forwarded request).
  timeout,
  /// The node refused the request because too much is already in flight.
  overloaded,
  /// The local storage failed: I/O error, full disk or a corrupt record.
  storage_failure,
  /// The node is not part of the ring (yet) or the ring lacks enough nodes.
  unavailable,
  /// The request names a partition or peer this node does not serve.
  wrong_node,
};

inline const char* to_string(dkv_errc x) {
  switch (x) {
    case dkv_errc::none: return "none";
    case dkv_errc::invalid_argument: return "invalid_argument";
    case dkv_errc::quorum_unavailable: return "quorum_unavailable";
    case dkv_errc::timeout: return "timeout";
    case dkv_errc::overloaded: return "overloaded";
    case dkv_errc::storage_failure: return "storage_failure";
    case dkv_errc::unavailable: return "unavailable";
    case dkv_errc::wrong_node: return "wrong_node";
  }
  return "unknown";
}

/// The atom naming dkv's error category.
constexpr caf::atom_value dkv_error_category = caf::atom("dkv");

inline caf::error make_error(dkv_errc x) {
  return caf::error{static_cast<uint8_t>(x), dkv_error_category};
}

inline caf::error make_error(dkv_errc x, std::string what) {
  return caf::error{static_cast<uint8_t>(x), dkv_error_category,
                    caf::make_message(std::move(what))};
}

} // namespace dkv

namespace dkv {

/// Returns the dkv code of `err`, or `none` if `err` is empty or belongs to
/// another category (e.g. a CAF system error).
inline dkv_errc dkv_code(const caf::error& err) {
  if (!err || err.category() != dkv_error_category)
    return dkv_errc::none;
  return static_cast<dkv_errc>(err.code());
}

/// Returns the human-readable detail attached by `make_error(code, what)`.
inline std::string error_detail(const caf::error& err) {
  if (err && err.context().match_elements<std::string>())
    return err.context().get_as<std::string>(0);
  return {};
}

/// One line for a log or a status field: "code: detail" for dkv errors,
/// CAF's rendering otherwise (no actor system needed).
inline std::string describe(const caf::error& err) {
  if (auto code = dkv_code(err); code != dkv_errc::none) {
    auto detail = error_detail(err);
    return to_string(code) + (detail.empty() ? "" : ": " + detail);
  }
  return to_string(err);
}

} // namespace dkv
