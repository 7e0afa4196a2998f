#include "actors/vnode.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <limits>

#include "caf/all.hpp"

#include "actors/detail/clock_epochs.hpp"
#include "actors/log_flusher.hpp"
#include "actors/logging.hpp"
#include "actors/storage_errors.hpp"

namespace dkv {

uint64_t system_clock_ms() {
  using namespace std::chrono;
  return static_cast<uint64_t>(
    duration_cast<milliseconds>(system_clock::now().time_since_epoch())
      .count());
}

namespace {

caf::error wrong_partition(uint32_t expected, uint32_t got) {
  return make_error(dkv_errc::wrong_node,
                    "vnode of partition " + std::to_string(expected)
                      + " got a request for partition " + std::to_string(got));
}

/// Past this many keys marked and not written here since, the vnode forgets
/// them all at once by retiring every epoch so far: a bounded set, at the
/// price of one fresh clock entry on the next write of each key.
constexpr size_t max_fresh_epoch_keys = 65536;

/// The key's copy no longer shows the newest counter this vnode issued for
/// it (it was reaped, or a pruned clock hid it): its next write here takes
/// a fresh epoch (actors/detail/clock_epochs.hpp).
void needs_fresh_epoch(vnode_state& st, const std::string& key) {
  if (st.fresh_epoch_keys.size() >= max_fresh_epoch_keys) {
    st.epoch_floor = st.epoch_next;
    st.fresh_epoch_keys.clear();
    return;
  }
  st.fresh_epoch_keys.insert(key);
}

void track(vnode_state& st, const object& before, const object& after) {
  auto many = storage::sibling_warning_threshold(st.cfg.store->limits());
  if (before.siblings.size() <= many && after.siblings.size() > many)
    logger("vnode")->warn("key.many_siblings partition={} key_bytes={} "
                          "siblings={} limit={}",
                          st.cfg.partition, after.key.size(),
                          after.siblings.size(),
                          st.cfg.store->limits().max_siblings);
  if (detail::hides_own_counter(before, after, st.cfg.self))
    needs_fresh_epoch(st, after.key);
  auto old_hash = detail::object_hash(before);
  auto new_hash = detail::object_hash(after);
  if (old_hash != new_hash)
    st.tree.update(after.key, old_hash, new_hash);
  if (is_deleted(after) && !after.siblings.empty())
    st.tombstones.insert(after.key);
  else
    st.tombstones.erase(after.key);
}


std::string epoch_meta_key(uint32_t partition) {
  return "epoch.v1." + std::to_string(partition);
}

constexpr uint32_t epoch_lease_size = 4096;

/// Makes sure a fresh epoch id of this partition can be handed out without
/// touching disk. Epochs are leased in blocks whose end is persisted (and
/// synced) before any of them is used, so a restart never hands one out
/// twice.
caf::error lease_epochs(vnode_state& st) {
  if (st.epoch_next == std::numeric_limits<uint32_t>::max())
    return make_error(dkv_errc::storage_failure,
                      "partition " + std::to_string(st.cfg.partition)
                        + " used up its 2^32 clock epochs");
  if (st.epoch_next < st.epoch_lease)
    return caf::none;
  auto lease = static_cast<uint32_t>(
    std::min<uint64_t>(uint64_t{st.epoch_next} + epoch_lease_size,
                       std::numeric_limits<uint32_t>::max()));
  auto& engine = st.cfg.store->engine();
  // put_meta is synced: the lease is on disk before an epoch of it is used.
  if (auto res
      = engine.put_meta(epoch_meta_key(st.cfg.partition), std::to_string(lease));
      !res.ok())
    return to_error(res);
  st.epoch_lease = lease;
  return caf::none;
}

/// The persisted lease end is where fresh epochs resume.
caf::error load_epochs(vnode_state& st) {
  std::string text;
  auto res
    = st.cfg.store->engine().get_meta(epoch_meta_key(st.cfg.partition), text);
  if (res.not_found())
    return caf::none;
  if (!res.ok())
    return to_error(res);
  char* end = nullptr;
  auto value = std::strtoull(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || value == 0
      || value > std::numeric_limits<uint32_t>::max())
    return make_error(dkv_errc::storage_failure,
                      "corrupt clock epoch record '" + text + "'");
  st.epoch_next = st.epoch_lease = static_cast<uint32_t>(value);
  st.epoch_floor = st.epoch_next;
  return caf::none;
}

/// How a write commits: a durable one syncs, on commit or, with a log
/// flusher, through the group commit before it is answered.
storage::write_options write_mode(const vnode_state& st, bool sync) {
  storage::write_options opts;
  bool durable = sync || st.cfg.sync_every_write;
  if (durable && st.cfg.log_flusher)
    opts.defer_sync = true;
  else
    opts.force_sync = sync;
  return opts;
}

/// Answers a stored write: at once, or after the group commit put it on
/// disk when it was committed with defer_sync.
caf::result<vnode_object_v1>
acknowledge(vnode_actor::stateful_pointer<vnode_state> self,
            storage::write_options opts, vnode_object_v1 reply) {
  if (!opts.defer_sync)
    return reply;
  auto rp = self->make_response_promise<vnode_object_v1>();
  self->request(self->state.cfg.log_flusher, caf::infinite,
                flush_log_atom::value)
    .then([rp, reply = std::move(reply)](
            flush_log_atom) mutable { rp.deliver(std::move(reply)); },
          [rp](caf::error& err) mutable {
            rp.deliver(flush_failure(std::move(err)));
          });
  return rp;
}

/// Segment lists come from peers: bound them so one request cannot ask for
/// an unbounded fold result.
constexpr size_t max_segments_per_request = 1024;

} // namespace

vnode_actor::behavior_type
vnode(vnode_actor::stateful_pointer<vnode_state> self, vnode_config cfg) {
  if (!cfg.wall_clock_ms)
    cfg.wall_clock_ms = system_clock_ms;
  self->state.cfg = std::move(cfg);
  auto& st = self->state;
  st.reaped_recently = st.cfg.reaped;
  // On failure the actor ends at once with the reason; the behavior below
  // never runs.
  if (auto opened = st.cfg.store->engine().open_partition(st.cfg.partition);
      !opened.ok())
    self->quit(to_error(opened));
  else if (auto err = load_epochs(st))
    self->quit(std::move(err));
  else if (auto built = st.cfg.store->fold(st.cfg.partition,
                                           [&](const object& x) {
                                             st.tree.insert(x);
                                             if (is_deleted(x))
                                               st.tombstones.insert(x.key);
                                             return true;
                                           });
           !built.ok())
    self->quit(to_error(built));
  using result = caf::result<vnode_object_v1>;
  return {
    [self](vnode_get_v1& req) -> result {
      auto& st = self->state;
      if (req.partition != st.cfg.partition)
        return wrong_partition(st.cfg.partition, req.partition);
      ++st.gets;
      vnode_object_v1 reply;
      if (auto res = st.cfg.store->get(req.partition, req.key, reply.stored);
          !res.ok())
        return to_error(res);
      return reply;
    },
    [self](vnode_merge_v1& req) -> result {
      auto& st = self->state;
      if (req.partition != st.cfg.partition)
        return wrong_partition(st.cfg.partition, req.partition);
      ++st.merges;
      vnode_object_v1 reply;
      auto opts = write_mode(st, req.sync);
      st.reaped_recently.filter(req.incoming, self->clock().now());
      if (req.incoming.siblings.empty()) {
        // Nothing newer than a reap: answer with what is stored.
        if (auto res
            = st.cfg.store->get(req.partition, req.incoming.key, reply.stored);
            !res.ok())
          return to_error(res);
        return reply;
      }
      object before;
      if (auto res = st.cfg.store->merge(req.partition, req.incoming,
                                         reply.stored, opts, &before);
          !res.ok())
        return to_error(res);
      track(st, before, reply.stored);
      return acknowledge(self, opts, std::move(reply));
    },
    [self](vnode_coordinate_v1& req) -> result {
      auto& st = self->state;
      if (req.partition != st.cfg.partition)
        return wrong_partition(st.cfg.partition, req.partition);
      ++st.coordinated;
      write_request wr;
      wr.context = std::move(req.context);
      if (!req.tombstone)
        wr.value = std::move(req.value);
      wr.now_ms = st.cfg.wall_clock_ms();
      wr.max_clock_entries = st.cfg.max_clock_entries;
      auto opts = write_mode(st, req.sync);
      // The coordinator's id comes from the stored copy, read in the
      // write's own transaction: this node's id continues only while that
      // copy shows it, was not reaped since and was written in this run.
      // A fresh epoch is handed out there only from the current lease, so
      // a spent lease is renewed (a synced write) first; should a retried
      // transaction spend it after all, the write renews it and goes again.
      bool marked = st.fresh_epoch_keys.count(req.key) > 0;
      bool lease_needed = false;
      auto pick = [&](const object& current, replica_id& id) {
        id = detail::own_writer(current, st.cfg.self);
        if (marked || detail::epoch_of(id) < st.epoch_floor)
          id = 0;
        if (id != 0)
          return storage::status{};
        if (st.epoch_next < st.epoch_lease) {
          id = detail::epoch_id(st.cfg.self, st.epoch_next++);
          return storage::status{};
        }
        lease_needed = true;
        return storage::status{storage::status_code::io_error,
                               "clock epochs need a new lease"};
      };
      vnode_object_v1 reply;
      object before;
      auto coordinate = [&] {
        lease_needed = false;
        return st.cfg.store->coordinate(req.partition, req.key, wr, pick,
                                        reply.stored, opts, &before);
      };
      // A failed renewal matters only to a write that needs a fresh epoch:
      // its pick asks for the lease again below, which reports the error.
      if (st.epoch_next >= st.epoch_lease)
        static_cast<void>(lease_epochs(st));
      auto res = coordinate();
      if (!res.ok() && lease_needed) {
        if (auto err = lease_epochs(st))
          return err;
        res = coordinate();
      }
      if (!res.ok())
        return to_error(res);
      // Only a stored write moves the key to its fresh epoch (a failed one,
      // on a full disk say, must leave it marked).
      st.fresh_epoch_keys.erase(req.key);
      track(st, before, reply.stored);
      return acknowledge(self, opts, std::move(reply));
    },
    [self](vnode_tree_v1& req) -> caf::result<vnode_tree_reply_v1> {
      auto& st = self->state;
      if (req.partition != st.cfg.partition)
        return wrong_partition(st.cfg.partition, req.partition);
      if (req.level > st.tree.depth() || req.ids.size() > 4096)
        return make_error(dkv_errc::invalid_argument,
                          "no such level or too many ids");
      vnode_tree_reply_v1 reply;
      reply.segments = st.tree.segments();
      reply.fanout = st.tree.fanout();
      reply.keys = st.tree.size();
      reply.hashes = st.tree.hashes(req.level, req.ids);
      return reply;
    },
    [self](vnode_segments_v1& req) -> caf::result<vnode_key_hashes_v1> {
      auto& st = self->state;
      if (req.partition != st.cfg.partition)
        return wrong_partition(st.cfg.partition, req.partition);
      if (req.segments.size() > max_segments_per_request)
        return make_error(dkv_errc::invalid_argument,
                          "at most " + std::to_string(max_segments_per_request)
                            + " segments per request");
      // One local fold per request (no segment index yet): what crosses the
      // network is only keys and hashes of the differing segments.
      detail::segment_filter wanted{st.tree.segments(), req.segments};
      vnode_key_hashes_v1 reply;
      auto res = st.cfg.store->fold(req.partition, [&](const object& x) {
        if (wanted.contains(x.key)) {
          reply.keys.push_back(x.key);
          reply.hashes.push_back(detail::object_hash(x));
        }
        return true;
      });
      if (!res.ok())
        return to_error(res);
      return reply;
    },
    [self](vnode_tombstones_v1& req) -> caf::result<vnode_tombstone_list_v1> {
      auto& st = self->state;
      if (req.partition != st.cfg.partition)
        return wrong_partition(st.cfg.partition, req.partition);
      vnode_tombstone_list_v1 reply;
      for (auto& key : st.tombstones) {
        if (reply.keys.size() >= req.max)
          break;
        object stored;
        if (auto res = st.cfg.store->get(req.partition, key, stored); !res.ok())
          return to_error(res);
        reply.keys.push_back(key);
        reply.hashes.push_back(detail::object_hash(stored));
        reply.clocks.push_back(context_of(stored));
      }
      return reply;
    },
    [self](vnode_reap_v1& req) -> caf::result<vnode_reaped_v1> {
      auto& st = self->state;
      if (req.partition != st.cfg.partition)
        return wrong_partition(st.cfg.partition, req.partition);
      auto now = self->clock().now();
      st.reaped_recently.expire(now);
      vnode_reaped_v1 reply;
      auto n = std::min(req.keys.size(), req.hashes.size());
      for (size_t i = 0; i < n; ++i) {
        auto& key = req.keys[i];
        // Remembered whatever this copy holds: a version older than the
        // reap may still reach this vnode directly (a retiring exchange).
        if (i < req.clocks.size())
          st.reaped_recently.remember(key, req.clocks[i],
                                      now + st.cfg.reaped_memory);
        object stored;
        if (auto res = st.cfg.store->get(req.partition, key, stored); !res.ok())
          return to_error(res);
        auto hash = detail::object_hash(stored);
        // Only the exact tombstone every replica confirmed: anything written
        // since (a concurrent put) stays.
        if (hash == 0 || hash != req.hashes[i] || !is_deleted(stored))
          continue;
        if (auto res = st.cfg.store->engine().erase(req.partition, key, {});
            !res.ok())
          return to_error(res);
        st.tree.update(key, hash, 0);
        st.tombstones.erase(key);
        needs_fresh_epoch(st, key);
        ++st.reaped;
        ++reply.reaped;
      }
      return reply;
    },
    [self](transfer_batch_v1& req) -> caf::result<transfer_batch_ack_v1> {
      auto& st = self->state;
      if (req.partition != st.cfg.partition)
        return wrong_partition(st.cfg.partition, req.partition);
      transfer_batch_ack_v1 ack;
      auto now = self->clock().now();
      for (auto& incoming : req.objects) {
        st.reaped_recently.filter(incoming, now);
        if (incoming.siblings.empty())
          continue;
        object merged, before;
        if (auto res = st.cfg.store->merge(req.partition, incoming, merged, {},
                                           &before);
            !res.ok())
          return to_error(res);
        track(st, before, merged);
        ++ack.merged;
      }
      // The resume point moves only after the batch is stored: a restart
      // re-sends at most this batch, and merging is idempotent.
      auto progress
        = encode(transfer_progress{req.ring_version, false, req.last_key});
      if (auto res = st.cfg.store->engine().put_meta(
            transfer_meta_key(req.partition), progress);
          !res.ok())
        return to_error(res);
      st.merges += ack.merged;
      return ack;
    },
  };
}

} // namespace dkv
