#include "actors/detail/put_quorum.hpp"

#include <algorithm>

namespace dkv::detail {

put_quorum::put_quorum(std::vector<std::string> targets, size_t w)
  : targets_(std::move(targets)), w_(w) {
  // nop
}

bool put_quorum::known(const std::string& node) const {
  return std::find(targets_.begin(), targets_.end(), node) != targets_.end();
}

bool put_quorum::answered(const std::string& node) const {
  return acked_.count(node) > 0 || failed_.count(node) > 0;
}

void put_quorum::ack(const std::string& node) {
  if (known(node) && !answered(node))
    acked_.insert(node);
}

void put_quorum::fail(const std::string& node) {
  if (known(node) && !answered(node))
    failed_.insert(node);
}

bool put_quorum::impossible() const {
  return n() - failed_.size() < w_;
}

} // namespace dkv::detail
