#include "actors/get_round.hpp"

#include <utility>

#include "caf/all.hpp"

#include "actors/detail/given_up_request.hpp"
#include "messages/errors.hpp"

namespace dkv {

get_round::get_round(caf::event_based_actor* self, get_round_config cfg,
                     std::function<void()> ended)
  : self_(self), ended_(std::move(ended)) {
  finish_ = finish_once<object>{std::move(cfg.finish), "get round"};
  cfg_ = std::move(cfg);
  std::vector<std::string> names;
  for (auto& t : cfg_.targets)
    names.push_back(t.node);
  quorum_.emplace(cfg_.key, std::move(names), cfg_.r);
  sent_.reserve(cfg_.targets.size());
}

void get_round::start() {
  for (auto& t : cfg_.targets) {
    auto node = t.node;
    if (!t.handle) {
      quorum_->fail(node);
      continue;
    }
    auto replied = [self = shared_from_this(), node](vnode_object_v1& reply) {
      self->quorum_->reply(node, reply.stored);
      self->check_quorum();
    };
    auto failed = [self = shared_from_this(), node](caf::error&) {
      self->quorum_->fail(node);
      self->check_quorum();
    };
    vnode_get_v1 read{cfg_.partition, cfg_.key};
    if (t.outbox)
      send_read(t.outbox, std::move(read), replied, failed);
    else
      send_read(t.handle, std::move(read), replied, failed);
  }
  check_quorum();
}

template <class Handle, class OnReply, class OnFailure>
void get_round::send_read(const Handle& to, vnode_get_v1 read,
                          OnReply& replied, OnFailure& failed) {
  auto sent = self_->request(to, caf::infinite, std::move(read));
  sent_.push_back(sent.id());
  sent.then(std::move(replied), std::move(failed));
}

void get_round::check_quorum() {
  if (ended_once_)
    return;
  auto& q = *quorum_;
  if (q.enough()) {
    finish_(q.merged());
  } else if (q.impossible()) {
    finish_(make_error(dkv_errc::quorum_unavailable,
                       std::to_string(q.replies()) + " of R="
                         + std::to_string(q.required())
                         + " replicas answered the read"));
  }
  if (q.complete()) {
    read_repair();
    end();
  }
}

void get_round::read_repair() {
  if (repaired_)
    return;
  repaired_ = true;
  auto& merged = quorum_->merged();
  if (merged.siblings.empty())
    return;
  for (auto& node : quorum_->stale_replicas()) {
    for (auto& t : cfg_.targets) {
      if (t.node != node || !t.handle)
        continue;
      // Fire and forget (anonymous: no answer comes back to the owner): a
      // lost repair is retried by the next read or by anti-entropy.
      vnode_merge_v1 repair{cfg_.partition, merged, false};
      if (t.outbox)
        caf::anon_send(t.outbox, std::move(repair));
      else
        caf::anon_send(t.handle, std::move(repair));
      if (cfg_.on_repair)
        cfg_.on_repair(node);
    }
  }
}

void get_round::deadline() {
  if (ended_once_)
    return;
  for (auto& t : cfg_.targets)
    quorum_->fail(t.node);
  check_quorum();
  for (auto id : sent_)
    detail::give_up_request(self_, id);
}

void get_round::end() {
  if (ended_once_)
    return;
  ended_once_ = true;
  if (ended_)
    ended_();
}

} // namespace dkv
