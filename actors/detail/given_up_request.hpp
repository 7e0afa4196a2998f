#pragma once

// A request sent with caf::infinite keeps its answer handler, and all it
// captured, until an answer comes. CAF 0.17 fails no pending request when
// the connection to a peer drops (a proxy's death only notifies monitors
// and links), so a request to a peer that died keeps it for good. A timeout
// per request would cost CAF's clock thread two wake-ups each on the hot
// path; instead, whoever already keeps a deadline (a round, the client's
// sweep) answers the requests it gives up on itself, as CAF's clock would:
// the handler runs with sec::request_timeout and is gone, and an answer
// that still comes later finds no handler and is dropped.

#include "caf/local_actor.hpp"
#include "caf/message_id.hpp"
#include "caf/sec.hpp"

namespace dkv::detail {

/// `response` is the id of a response `self` waits for, as given by the
/// handle of the request (`request(...).id()`).
inline void give_up_request(caf::local_actor* self, caf::message_id response) {
  self->eq_impl(response, nullptr, self->context(),
                caf::make_error(caf::sec::request_timeout));
}

} // namespace dkv::detail
