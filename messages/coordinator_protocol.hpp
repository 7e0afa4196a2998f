#pragma once

// What the spawner of a per-request coordinator may tell it (DESIGN.md:
// get_coordinator / put_coordinator). Never crosses a node boundary, so it
// needs no registered types.
//
//   coordinator_deadline_atom   spawner -> put coordinator: the request's
//                               time is up; what has not answered failed
//                               (sent by the router, which serves the
//                               deadlines of all of its coordinators with
//                               one timer: actors/detail/deadline_queue.hpp)

#include "caf/atom.hpp"

namespace dkv {

using coordinator_deadline_atom = caf::atom_constant<caf::atom("deadline")>;

} // namespace dkv
