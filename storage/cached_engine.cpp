// A storage engine whose reads go through a record cache
// (storage/record_cache.hpp) and whose writes invalidate it.

#include "storage/record_cache.hpp"
#include "storage/storage_engine.hpp"

#include <utility>

namespace dkv::storage {

namespace {

class cached_engine final : public storage_engine {
public:
  cached_engine(std::unique_ptr<storage_engine> inner,
                std::shared_ptr<record_cache> cache)
    : inner_(std::move(inner)), cache_(std::move(cache)) {}

  status open_partition(partition_id p) override {
    return inner_->open_partition(p);
  }

  status drop_partition(partition_id p) override {
    auto st = inner_->drop_partition(p);
    cache_->invalidate_partition(p);
    return st;
  }

  std::vector<partition_id> partitions() override {
    return inner_->partitions();
  }

  status get(partition_id p, const std::string& key,
             std::string& record) override {
    auto found = cache_->find(p, key);
    if (found.record) {
      record = std::move(*found.record);
      return {};
    }
    auto st = inner_->get(p, key, record);
    if (st.ok())
      cache_->fill(p, key, record, found.generation);
    return st;
  }

  // Every write updates the cache after the engine returns: a committed
  // record is kept, anything else invalidates the key (a failed commit may
  // still have reached the database).

  status put(partition_id p, const std::string& key, const std::string& record,
             write_options opts) override {
    auto st = inner_->put(p, key, record, opts);
    if (st.ok())
      cache_->store(p, key, record);
    else
      cache_->invalidate(p, key);
    return st;
  }

  status erase(partition_id p, const std::string& key,
               write_options opts) override {
    auto st = inner_->erase(p, key, opts);
    cache_->invalidate(p, key);
    return st;
  }

  status update(partition_id p, const std::string& key, const update_fn& decide,
                write_options opts) override {
    // The engine may decide more than once (a retried transaction): the
    // last decision is the one committed.
    std::optional<std::string> written;
    auto st = inner_->update(
      p, key,
      [&](const std::optional<std::string>& current,
          std::optional<std::string>& replacement) {
        auto decided = decide(current, replacement);
        written = decided.ok() ? replacement : std::nullopt;
        return decided;
      },
      opts);
    if (st.ok() && written)
      cache_->store(p, key, *written);
    else
      cache_->invalidate(p, key);
    return st;
  }

  status fold(partition_id p, const fold_fn& visit) override {
    return inner_->fold(p, visit);
  }

  status get_meta(const std::string& key, std::string& value) override {
    return inner_->get_meta(key, value);
  }

  status put_meta(const std::string& key, const std::string& value) override {
    return inner_->put_meta(key, value);
  }

  status sync() override { return inner_->sync(); }

  status flush_log() override { return inner_->flush_log(); }

private:
  std::unique_ptr<storage_engine> inner_;
  std::shared_ptr<record_cache> cache_;
};

} // namespace

std::unique_ptr<storage_engine>
make_cached_engine(std::unique_ptr<storage_engine> inner,
                   std::shared_ptr<record_cache> cache) {
  return std::make_unique<cached_engine>(std::move(inner), std::move(cache));
}

} // namespace dkv::storage
