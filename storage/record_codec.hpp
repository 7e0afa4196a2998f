#pragma once

// Encodes an object's siblings as a stored record: a versioned
// Boost.Serialization binary archive. The layout is frozen in FORMAT.md and
// pinned by golden-bytes tests: DO NOT CHANGE without a new class version.

#include <optional>
#include <string>

#include "messages/object.hpp"

namespace dkv::storage {

/// Encodes the siblings of `obj` (the key is the database key, not repeated).
std::string encode_record(const object& obj);

/// Decodes a record stored under `key`. Returns nothing for bytes that are not
/// a valid record (corruption), never throws.
std::optional<object> decode_record(const std::string& key,
                                    const std::string& record);

/// Decodes a record a replica sent as stored (vnode_records_v1), where
/// empty means that `key` has none: an object without siblings.
std::optional<object> decode_sent_record(const std::string& key,
                                         const std::string& record);

} // namespace dkv::storage
