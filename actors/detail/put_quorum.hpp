#pragma once

// Bookkeeping of one put's replica acknowledgements (paper §4.5): pure, so
// the decision "enough / impossible / still waiting" is tested without actors.

#include <cstddef>
#include <set>
#include <string>
#include <vector>

namespace dkv::detail {

class put_quorum {
public:
  /// `targets`: the replicas written (the coordinator's own first);
  /// `w`: acknowledgements needed, counting the coordinator's local write.
  /// REQUIRES: 1 <= w.
  put_quorum(std::vector<std::string> targets, size_t w);

  /// Records a replica's acknowledgement; repeated or unknown ones are
  /// ignored (a duplicated message must not count twice).
  void ack(const std::string& node);

  /// Records a replica's failure (error or timeout).
  void fail(const std::string& node);

  /// W acknowledgements have arrived.
  bool enough() const { return acked_.size() >= w_; }

  /// Even if every outstanding replica acknowledged, W is out of reach.
  bool impossible() const;

  /// Every replica has answered one way or the other.
  bool complete() const { return acked_.size() + failed_.size() >= n(); }

  size_t acks() const { return acked_.size(); }
  size_t failures() const { return failed_.size(); }
  size_t required() const { return w_; }
  size_t n() const { return targets_.size(); }
  const std::vector<std::string>& targets() const { return targets_; }

private:
  bool known(const std::string& node) const;
  bool answered(const std::string& node) const;

  std::vector<std::string> targets_;
  size_t w_;
  std::set<std::string> acked_;
  std::set<std::string> failed_;
};

} // namespace dkv::detail
