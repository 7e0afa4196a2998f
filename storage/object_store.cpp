// object_store: the vnode's view of storage. Validation happens here, before
// any transaction starts, so an oversized request never reaches the disk.

#include "storage/object_store.hpp"

#include <cstdio>

#include "storage/record_codec.hpp"

namespace dkv::storage {

bool valid_key(const std::string& key, const object_limits& lim,
               std::string& why) {
  if (key.empty()) {
    why = "the key is empty (keys are 1.." + std::to_string(lim.max_key_bytes)
          + " bytes)";
    return false;
  }
  if (key.size() > lim.max_key_bytes) {
    why = "the key has " + std::to_string(key.size()) + " bytes (at most "
          + std::to_string(lim.max_key_bytes) + ")";
    return false;
  }
  return true;
}

bool valid_value(const std::string& value, const object_limits& lim,
                 std::string& why) {
  if (value.size() > lim.max_value_bytes) {
    why = "the value has " + std::to_string(value.size()) + " bytes (at most "
          + std::to_string(lim.max_value_bytes) + ")";
    return false;
  }
  return true;
}

namespace {

/// Keys are binary: show a bounded, escaped prefix in messages.
std::string printable(const std::string& key) {
  constexpr size_t max_shown = 64;
  std::string result;
  for (size_t i = 0; i < key.size() && i < max_shown; ++i) {
    auto c = static_cast<unsigned char>(key[i]);
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      result.push_back(static_cast<char>(c));
    } else {
      char buf[5];
      std::snprintf(buf, sizeof(buf), "\\x%02x", c);
      result += buf;
    }
  }
  if (key.size() > max_shown)
    result += "...";
  return result;
}

/// The record is left in place: the vnode decides whether a peer's copy
/// replaces it (read repair) rather than this layer silently dropping data.
status corrupt(partition_id p, const std::string& key) {
  return {status_code::corruption,
          "the stored record of key '" + printable(key) + "' ("
            + std::to_string(key.size()) + " bytes) in partition "
            + std::to_string(p) + " cannot be decoded"};
}

/// Validates every sibling of an object about to be stored.
status check_object(const object& obj, const object_limits& lim) {
  std::string why;
  if (!valid_key(obj.key, lim, why))
    return {status_code::invalid_argument, why};
  for (auto& s : obj.siblings)
    if (!valid_value(s.value, lim, why))
      return {status_code::invalid_argument, why};
  return {};
}

} // namespace

object_store::object_store(storage_engine& engine, object_limits limits)
  : engine_(engine), limits_(limits) {
  // nop
}

status object_store::get(partition_id p, const std::string& key,
                         object& result) {
  std::string why;
  if (!valid_key(key, limits_, why))
    return {status_code::invalid_argument, why};
  std::string bytes;
  auto st = engine_.get(p, key, bytes);
  if (st.not_found()) {
    result = object{key, {}};
    return {};
  }
  if (!st.ok())
    return st;
  auto decoded = decode_record(key, bytes);
  if (!decoded)
    return corrupt(p, key);
  result = std::move(*decoded);
  return {};
}

status object_store::get_record(partition_id p, const std::string& key,
                                std::string& record) {
  std::string why;
  if (!valid_key(key, limits_, why))
    return {status_code::invalid_argument, why};
  auto st = engine_.get(p, key, record);
  if (st.not_found()) {
    record.clear();
    return {};
  }
  return st;
}

status object_store::merge(partition_id p, const object& incoming,
                           object& result, write_options opts,
                           object* previous) {
  if (auto st = check_object(incoming, limits_); !st.ok())
    return st;
  return engine_.update(
    p, incoming.key,
    [&](const std::optional<std::string>& current,
        std::optional<std::string>& replacement) -> status {
      object stored{incoming.key, {}};
      if (current) {
        auto decoded = decode_record(incoming.key, *current);
        if (!decoded)
          return corrupt(p, incoming.key);
        stored = std::move(*decoded);
      }
      result = reconcile(stored, incoming);
      if (previous)
        *previous = stored;
      // Replicas exchange identical states all the time (read repair, hinted
      // handoff, anti-entropy): a no-op must not cost a log write.
      if (result != stored)
        replacement = encode_record(result);
      return {};
    },
    opts);
}

namespace {

/// Reads the stored object of `key`, lets `prepare` finish `req` from it
/// (it may change the object `req` refers to) and stores the write.
template <class Prepare>
status coordinate_in(storage_engine& engine, const object_limits& limits,
                     partition_id p, const std::string& key,
                     const write_request& req, Prepare&& prepare,
                     object& result, write_options opts, object* previous) {
  std::string why;
  if (!valid_key(key, limits, why))
    return {status_code::invalid_argument, why};
  if (req.value && !valid_value(*req.value, limits, why))
    return {status_code::invalid_argument, why};
  return engine.update(
    p, key,
    [&](const std::optional<std::string>& current,
        std::optional<std::string>& replacement) -> status {
      object stored{key, {}};
      if (current) {
        auto decoded = decode_record(key, *current);
        if (!decoded)
          return corrupt(p, key);
        stored = std::move(*decoded);
      }
      if (auto st = prepare(stored); !st.ok())
        return st;
      result = apply_write(stored, req);
      if (result.siblings.size() > limits.max_siblings
          && result.siblings.size() > stored.siblings.size())
        return {status_code::invalid_argument,
                "key has " + std::to_string(stored.siblings.size())
                  + " siblings, the most a write may leave is "
                  + std::to_string(limits.max_siblings)
                  + ": read it and write with its context to reconcile"};
      if (previous)
        *previous = stored;
      replacement = encode_record(result);
      return {};
    },
    opts);
}

} // namespace

status object_store::coordinate(partition_id p, const std::string& key,
                                const write_request& req, object& result,
                                write_options opts, object* previous) {
  return coordinate_in(
    engine_, limits_, p, key, req, [](const object&) { return status{}; },
    result, opts, previous);
}

status object_store::coordinate(partition_id p, const std::string& key,
                                write_request& req,
                                const coordinator_pick& pick, object& result,
                                write_options opts, object* previous) {
  return coordinate_in(
    engine_, limits_, p, key, req,
    [&](const object& stored) { return pick(stored, req.coordinator); },
    result, opts, previous);
}

status object_store::fold(
  partition_id p, const std::function<bool(const object&)>& visit,
  const std::function<void(const std::string& key)>& on_corrupt) {
  return engine_.fold(p, [&](const std::string& key, const std::string& bytes) {
    auto decoded = decode_record(key, bytes);
    if (!decoded) {
      if (on_corrupt)
        on_corrupt(key);
      return true;
    }
    return visit(*decoded);
  });
}

} // namespace dkv::storage
