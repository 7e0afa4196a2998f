#include "actors/detail/get_quorum.hpp"

#include <algorithm>

namespace dkv::detail {

get_quorum::get_quorum(std::string key, std::vector<std::string> targets,
                       size_t r)
  : targets_(std::move(targets)), r_(r) {
  merged_.key = std::move(key);
}

bool get_quorum::known(const std::string& node) const {
  return std::find(targets_.begin(), targets_.end(), node) != targets_.end();
}

bool get_quorum::answered(const std::string& node) const {
  return replies_.count(node) > 0 || failed_.count(node) > 0;
}

void get_quorum::reply(const std::string& node, const object& obj) {
  if (!known(node) || answered(node))
    return;
  replies_.emplace(node, obj);
  merged_ = reconcile(merged_, obj);
}

void get_quorum::fail(const std::string& node) {
  if (known(node) && !answered(node))
    failed_.insert(node);
}

std::vector<std::string> get_quorum::stale_replicas() const {
  std::vector<std::string> result;
  for (auto& [node, obj] : replies_)
    if (!descends(obj, merged_))
      result.push_back(node);
  return result;
}

} // namespace dkv::detail
