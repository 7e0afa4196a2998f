#pragma once

// Bookkeeping of one get's replica replies (paper §4.5, §5): pure, so the
// reply and the read-repair decision are tested without actors.

#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "messages/object.hpp"

namespace dkv::detail {

class get_quorum {
public:
  /// `targets`: the replicas asked; `r`: replies needed. REQUIRES: 1 <= r.
  get_quorum(std::string key, std::vector<std::string> targets, size_t r);

  /// Records a replica's object (no siblings = the replica lacks the key).
  /// Repeated or unknown replies are ignored.
  void reply(const std::string& node, const object& obj);

  /// Records a replica's failure (error or timeout).
  void fail(const std::string& node);

  bool enough() const { return replies_.size() >= r_; }
  bool impossible() const { return n() - failed_.size() < r_; }
  bool complete() const { return replies_.size() + failed_.size() >= n(); }

  /// The causally maximal versions of every reply so far.
  const object& merged() const { return merged_; }

  /// Replicas whose reply lacks something `merged()` has (stale or missing):
  /// the read-repair targets once the replies are in.
  std::vector<std::string> stale_replicas() const;

  size_t replies() const { return replies_.size(); }
  size_t failures() const { return failed_.size(); }
  size_t required() const { return r_; }
  size_t n() const { return targets_.size(); }

private:
  bool known(const std::string& node) const;
  bool answered(const std::string& node) const;

  std::vector<std::string> targets_;
  size_t r_;
  std::map<std::string, object> replies_;
  std::set<std::string> failed_;
  object merged_;
};

} // namespace dkv::detail
