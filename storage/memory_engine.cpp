// A volatile storage_engine for tests: the same semantics as the Berkeley DB
// engine (tests/storage/engine_conformance.cpp runs one suite on both), kept
// in ordered maps behind one mutex. std::map orders std::string keys like
// Berkeley DB's default BTREE comparison (unsigned bytes, then length).

#include <map>
#include <mutex>
#include <optional>

#include "storage/storage_engine.hpp"

namespace dkv::storage {

namespace {

class memory_engine : public storage_engine {
public:
  status open_partition(partition_id p) override {
    std::lock_guard<std::mutex> guard{mtx_};
    partitions_[p];
    return {};
  }

  status drop_partition(partition_id p) override {
    std::lock_guard<std::mutex> guard{mtx_};
    partitions_.erase(p);
    return {};
  }

  std::vector<partition_id> partitions() override {
    std::lock_guard<std::mutex> guard{mtx_};
    std::vector<partition_id> result;
    for (auto& kvp : partitions_)
      result.push_back(kvp.first);
    return result;
  }

  status get(partition_id p, const std::string& key,
             std::string& record) override {
    std::lock_guard<std::mutex> guard{mtx_};
    auto part = find(p);
    if (!part)
      return no_partition(p);
    auto i = part->find(key);
    if (i == part->end())
      return {status_code::not_found, {}};
    record = i->second;
    return {};
  }

  status put(partition_id p, const std::string& key, const std::string& record,
             write_options) override {
    std::lock_guard<std::mutex> guard{mtx_};
    auto part = find(p);
    if (!part)
      return no_partition(p);
    (*part)[key] = record;
    return {};
  }

  status erase(partition_id p, const std::string& key, write_options) override {
    std::lock_guard<std::mutex> guard{mtx_};
    auto part = find(p);
    if (!part)
      return no_partition(p);
    part->erase(key);
    return {};
  }

  status update(partition_id p, const std::string& key, const update_fn& decide,
                write_options) override {
    std::lock_guard<std::mutex> guard{mtx_};
    auto part = find(p);
    if (!part)
      return no_partition(p);
    std::optional<std::string> current;
    if (auto i = part->find(key); i != part->end())
      current = i->second;
    std::optional<std::string> replacement;
    // Called under the lock: no other write interleaves, as in a transaction.
    if (auto st = decide(current, replacement); !st.ok())
      return st;
    if (replacement)
      (*part)[key] = std::move(*replacement);
    return {};
  }

  status fold(partition_id p, const fold_fn& visit) override {
    // One record at a time, visited outside the lock: the visitor may call
    // back into the engine, and a fold over 1 MiB values must not copy the
    // whole partition. Like the Berkeley DB engine, a fold sees the writes
    // made ahead of its position while it runs.
    std::optional<std::string> last;
    for (;;) {
      std::string key;
      std::string record;
      {
        std::lock_guard<std::mutex> guard{mtx_};
        auto part = find(p);
        if (!part)
          return no_partition(p);
        auto i = last ? part->upper_bound(*last) : part->begin();
        if (i == part->end())
          return {};
        key = i->first;
        record = i->second;
      }
      if (!visit(key, record))
        return {};
      last = std::move(key);
    }
  }

  status get_meta(const std::string& key, std::string& value) override {
    std::lock_guard<std::mutex> guard{mtx_};
    auto i = meta_.find(key);
    if (i == meta_.end())
      return {status_code::not_found, {}};
    value = i->second;
    return {};
  }

  status put_meta(const std::string& key, const std::string& value) override {
    std::lock_guard<std::mutex> guard{mtx_};
    meta_[key] = value;
    return {};
  }

  status sync() override { return {}; }
  status flush_log() override { return {}; }

private:
  using table = std::map<std::string, std::string>;

  table* find(partition_id p) {
    auto i = partitions_.find(p);
    return i == partitions_.end() ? nullptr : &i->second;
  }

  static status no_partition(partition_id p) {
    return {status_code::no_partition,
            "partition " + std::to_string(p) + " is not open"};
  }

  std::mutex mtx_;
  std::map<partition_id, table> partitions_;
  table meta_;
};

} // namespace

std::unique_ptr<storage_engine> make_memory_engine() {
  return std::make_unique<memory_engine>();
}

} // namespace dkv::storage
