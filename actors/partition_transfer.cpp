#include "actors/partition_transfer.hpp"

#include <algorithm>

#include "caf/all.hpp"

#include "actors/aae_exchange.hpp"
#include "actors/finish_once.hpp"
#include "actors/storage_errors.hpp"
#include "messages/errors.hpp"
#include "messages/membership_protocol.hpp"

namespace dkv {

namespace {

using synced_atom = caf::atom_constant<caf::atom("xfer_sync")>;
using offer_atom = caf::atom_constant<caf::atom("xfer_offer")>;

constexpr auto offer_retry_delay = std::chrono::milliseconds(100);
constexpr uint32_t max_offers_refused = 100;

struct transfer_state {
  static inline const char* name = "dkv.partition_transfer";
  partition_transfer_config cfg;
  finish_once<transfer_totals> finish;
  size_t target = 0; // index into cfg.targets
  std::vector<std::string> keys;
  size_t next_key = 0;
  size_t in_flight = 0;
  bool granting = false;
  uint64_t keys_sent = 0;  // to the current target
  uint64_t bytes_sent = 0; // to the current target
  uint64_t total_keys = 0;
  uint64_t total_bytes = 0;
  uint32_t offers_refused = 0;

  const transfer_target& current() const { return cfg.targets[target]; }
};

using transfer_ptr = caf::stateful_actor<transfer_state>*;

void offer(transfer_ptr self);

void fail(transfer_ptr self, const std::string& what, caf::error err) {
  auto& st = self->state;
  st.finish(make_error(dkv_code(err) != dkv_errc::none ? dkv_code(err)
                                                       : dkv_errc::unavailable,
                       what + " " + st.current().name + ": "
                         + self->system().render(err)));
  self->quit();
}

void report(transfer_ptr self, const std::string& state) {
  auto& st = self->state;
  if (st.cfg.progress)
    st.cfg.progress(st.current().name, state, st.keys_sent, st.bytes_sent);
}

void next_target(transfer_ptr self) {
  auto& st = self->state;
  st.total_keys += st.keys_sent;
  st.total_bytes += st.bytes_sent;
  ++st.target;
  if (st.target >= st.cfg.targets.size()) {
    st.finish(transfer_totals{st.total_keys, st.total_bytes});
    self->quit();
    return;
  }
  offer(self);
}

void confirm(transfer_ptr self) {
  auto& st = self->state;
  report(self, "confirming");
  self
    ->request(st.current().handle, st.cfg.timeout,
              transfer_done_v1{st.cfg.partition, st.cfg.ring_version,
                               st.keys_sent})
    .then([self](transfer_confirm_v1&) { next_target(self); },
          [self](caf::error& err) { fail(self, "confirm with", err); });
}

/// Writes that reached this replica after the fold passed their key: one
/// anti-entropy exchange with the target (cheap when nothing differs).
void sync(transfer_ptr self) {
  auto& st = self->state;
  report(self, "syncing");
  exchange_config cfg;
  cfg.partition = st.cfg.partition;
  cfg.local = st.cfg.local;
  cfg.remote = caf::actor_cast<vnode_actor>(st.current().handle);
  cfg.peer = st.current().name;
  cfg.timeout = st.cfg.timeout;
  auto me = caf::actor_cast<caf::actor>(self);
  cfg.finish = [me](caf::expected<exchange_stats> result) {
    caf::anon_send(me, synced_atom::value,
                   result ? std::string{} : describe(result.error()));
  };
  spawn_aae_exchange(self->system(), std::move(cfg));
}

/// The next batch: objects of the following keys up to the size bounds.
caf::expected<transfer_batch_v1> next_batch(transfer_ptr self,
                                            uint64_t& bytes) {
  auto& st = self->state;
  transfer_batch_v1 batch;
  batch.partition = st.cfg.partition;
  batch.ring_version = st.cfg.ring_version;
  bytes = 0;
  while (st.next_key < st.keys.size() && batch.objects.size() < st.cfg.batch_keys
         && bytes < st.cfg.batch_bytes) {
    auto& key = st.keys[st.next_key++];
    object x;
    if (auto res = st.cfg.store->get(st.cfg.partition, key, x); !res.ok())
      return to_error(res);
    batch.last_key = key;
    if (x.siblings.empty())
      continue; // reaped since the fold
    bytes += payload_bytes(x);
    batch.objects.push_back(std::move(x));
  }
  return batch;
}

void pump(transfer_ptr self) {
  auto& st = self->state;
  if (st.granting)
    return;
  if (st.next_key >= st.keys.size()) {
    if (st.in_flight == 0)
      sync(self);
    return;
  }
  if (st.in_flight >= st.cfg.window)
    return;
  uint64_t bytes = 0;
  auto batch = next_batch(self, bytes);
  if (!batch) {
    fail(self, "reading the partition for", batch.error());
    return;
  }
  auto count = batch->objects.size();
  // One grant at a time keeps the batches in key order on the wire.
  st.granting = true;
  self->request(st.cfg.manager, caf::infinite, grant_atom::value, bytes)
    .then(
      [self, batch = std::move(*batch), bytes, count](grant_atom) mutable {
        auto& st = self->state;
        st.granting = false;
        ++st.in_flight;
        self->request(st.current().handle, st.cfg.timeout, std::move(batch))
          .then(
            [self, bytes, count](transfer_batch_ack_v1&) {
              auto& st = self->state;
              --st.in_flight;
              st.keys_sent += count;
              st.bytes_sent += bytes;
              report(self, "streaming");
              pump(self);
            },
            [self](caf::error& err) { fail(self, "streaming to", err); });
        pump(self);
      },
      [self](caf::error& err) { fail(self, "rate limiter for", err); });
}

void stream(transfer_ptr self, const transfer_accept_v1& accept) {
  auto& st = self->state;
  st.keys.clear();
  st.next_key = 0;
  auto res = st.cfg.store->fold(st.cfg.partition, [&](const object& x) {
    if (!accept.resume || x.key > accept.resume_after)
      st.keys.push_back(x.key);
    return true;
  });
  if (!res.ok()) {
    fail(self, "folding the partition for", to_error(res));
    return;
  }
  std::sort(st.keys.begin(), st.keys.end());
  report(self, "streaming");
  pump(self);
}

void offer(transfer_ptr self) {
  auto& st = self->state;
  st.keys_sent = 0;
  st.bytes_sent = 0;
  report(self, "offering");
  self
    ->request(st.current().handle, st.cfg.timeout,
              transfer_offer_v1{st.cfg.partition, st.cfg.ring_version,
                                st.cfg.source})
    .then(
      [self](transfer_accept_v1& accept) {
        if (accept.complete)
          next_target(self);
        else
          stream(self, accept);
      },
      [self](caf::error& err) {
        // The target may not have heard of the transition yet: gossip
        // brings it within a few rounds.
        auto& st = self->state;
        if (dkv_code(err) == dkv_errc::unavailable
            && ++st.offers_refused < max_offers_refused) {
          self->delayed_send(self, offer_retry_delay, offer_atom::value);
          return;
        }
        fail(self, "offer to", err);
      });
}

caf::behavior partition_transfer(transfer_ptr self,
                                 partition_transfer_config cfg) {
  auto& st = self->state;
  st.finish = finish_once<transfer_totals>{std::move(cfg.finish),
                                           "partition transfer"};
  st.cfg = std::move(cfg);
  if (st.cfg.targets.empty()) {
    st.finish(transfer_totals{});
    return {};
  }
  offer(self);
  return {
    [self](offer_atom) { offer(self); },
    [self](synced_atom, const std::string& error) {
      if (!error.empty()) {
        auto& st = self->state;
        st.finish(make_error(dkv_errc::unavailable,
                             "anti-entropy with " + st.current().name
                               + " after streaming: " + error));
        self->quit();
        return;
      }
      confirm(self);
    },
  };
}

} // namespace

caf::actor spawn_partition_transfer(caf::actor_system& sys,
                                    partition_transfer_config cfg) {
  return sys.spawn(partition_transfer, std::move(cfg));
}

} // namespace dkv
