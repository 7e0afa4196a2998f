#pragma once

// Group commit inside one node (paper §6.1; actors/log_flusher.hpp). Never
// crosses a node boundary, so it needs no registered types.
//
//   flush_log_atom -> flush_log_atom   vnode -> log flusher: answered once
//                                      every commit the vnode made before
//                                      asking is on stable storage
//
// Errors: storage_failure (the flush failed: the commits are in the OS's
// hands, not known to be on disk).

#include "caf/atom.hpp"
#include "caf/replies_to.hpp"
#include "caf/typed_actor.hpp"

namespace dkv {

using flush_log_atom = caf::atom_constant<caf::atom("flush_log")>;

using log_flusher_actor
  = caf::typed_actor<caf::replies_to<flush_log_atom>::with<flush_log_atom>>;

} // namespace dkv
