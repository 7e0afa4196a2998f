#pragma once

// One anti-entropy exchange of one partition between this node's replica
// and one peer's (paper §4.7; DESIGN.md "Anti-entropy"):
//
//   descending --roots equal--> in sync (done)
//       | level by level, only into differing branches
//       v
//   comparing keys --(key, object hash) of the differing segments, in chunks
//       v
//   repairing --each differing key: local copy merged into the peer, the
//       merged result merged back locally (both sides end with the causal
//       merge of the two); at most `window` keys in flight
//       v
//   done (finish gets the counts, or the first error)
//
// Per-exchange actor, spawned by the entropy manager; never restarted. If it
// dies early `finish` still gets an error.

#include <cstdint>
#include <functional>
#include <string>

#include "caf/fwd.hpp"
#include "caf/timespan.hpp"

#include "messages/vnode_protocol.hpp"

namespace dkv {

struct exchange_stats {
  uint32_t partition = 0;
  std::string peer;
  uint64_t hashes_compared = 0;
  uint64_t segments_differing = 0;
  uint64_t keys_compared = 0;
  uint64_t keys_repaired = 0;
  /// Payload bytes received and sent over the network (hashes, keys,
  /// values and clocks; message framing excluded).
  uint64_t bytes = 0;
};

struct exchange_config {
  uint32_t partition = 0;
  vnode_actor local;
  vnode_actor remote;
  std::string peer;
  caf::timespan timeout;
  size_t segments_per_request = 64;
  size_t window = 16;
  std::function<void(caf::expected<exchange_stats>)> finish;
};

caf::actor spawn_aae_exchange(caf::actor_system& sys, exchange_config cfg);

/// Approximate payload size of an object on the wire (exchange_stats::bytes).
uint64_t payload_bytes(const object& x);

} // namespace dkv
