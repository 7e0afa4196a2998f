#include "actors/detail/clock_epochs.hpp"

#include <algorithm>

namespace dkv::detail {

replica_id own_writer(const object& stored, replica_id incarnation) {
  replica_id best = 0;
  auto consider = [&](replica_id id) {
    if (id != 0 && own_id(id, incarnation))
      best = std::max(best, id);
  };
  for (auto& s : stored.siblings) {
    consider(s.event.id);
    for (auto& e : s.past.entries)
      consider(e.id);
    for (auto& d : s.past.extra)
      consider(d.id);
  }
  return best;
}

version_vector own_written_context(const object& obj, replica_id incarnation) {
  // The newest sibling of this node: highest id (newest epoch), then the
  // highest counter, as written_context() picks within one id.
  replica_id newest = 0;
  for (auto& s : obj.siblings)
    if (own_id(s.event.id, incarnation))
      newest = std::max(newest, s.event.id);
  return written_context(obj, newest);
}

} // namespace dkv::detail
