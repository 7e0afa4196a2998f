#include "actors/put_round.hpp"

#include <utility>

#include "caf/all.hpp"

#include "actors/detail/given_up_request.hpp"
#include "actors/log_flusher.hpp"
#include "messages/errors.hpp"
#include "messages/handoff_protocol.hpp"

namespace dkv {

put_round::put_round(caf::event_based_actor* self, put_round_config cfg,
                     std::function<void()> ended)
  : self_(self), ended_(std::move(ended)) {
  finish_ = finish_once<object>{std::move(cfg.finish), "put round"};
  cfg_ = std::move(cfg);
  std::vector<std::string> names;
  for (auto& t : cfg_.targets)
    names.push_back(t.node);
  quorum_.emplace(std::move(names), cfg_.w);
  // The local write, each other target, each gainer and the flush.
  sent_.reserve(cfg_.targets.size() + cfg_.pending.size() + 1);
}

void put_round::start() {
  if (cfg_.targets.empty() || !cfg_.targets.front().handle) {
    finish_(make_error(dkv_errc::unavailable,
                       "no local replica to coordinate the write"));
    end();
    return;
  }
  partition_ = cfg_.write.partition;
  // The value goes to the local vnode once; replicas get what it stored.
  auto local = self_->request(cfg_.targets.front().handle, caf::infinite,
                              std::move(cfg_.write));
  sent_.push_back(local.id());
  local.then(
      [self = shared_from_this()](vnode_object_v1& reply) {
        self->local_stored(std::move(reply.stored));
      },
      [self = shared_from_this()](caf::error& err) {
        // The local write failed: nothing was replicated, the client learns
        // why (storage_failure, invalid_argument, ...).
        self->finish_(std::move(err));
        self->end();
      });
}

void put_round::local_stored(object stored) {
  local_done_ = true;
  stored_ = std::move(stored);
  auto& local = cfg_.targets.front();
  if (local.hint_for.empty())
    quorum_->ack(local.node);
  else
    send_to(local); // this node stands in for an owner: hint
  if (cfg_.flusher)
    flush_local();
  replicate();
}

void put_round::check_quorum() {
  auto& q = *quorum_;
  if (q.enough() && !flushing_) {
    finish_(stored_);
  } else if (q.impossible()) {
    finish_(make_error(dkv_errc::quorum_unavailable,
                       std::to_string(q.acks()) + " of W="
                         + std::to_string(q.required())
                         + " replicas acknowledged the write"));
  }
}

void put_round::request_done() {
  if (--outstanding_ == 0 && finish_.done())
    end();
}

void put_round::end() {
  if (ended_once_)
    return;
  ended_once_ = true;
  if (ended_)
    ended_();
}

/// Sends `msg` to one replica; its answer counts toward W.
template <class Handle, class Message>
void put_round::ask_replica(const Handle& handle, Message msg,
                            const std::string& node) {
  ++outstanding_;
  auto sent = self_->request(handle, caf::infinite, std::move(msg));
  sent_.push_back(sent.id());
  sent.then(
      [self = shared_from_this(), node](vnode_object_v1&) {
        self->answered_.insert(node);
        self->quorum_->ack(node);
        self->check_quorum();
        self->request_done();
      },
      [self = shared_from_this(), node](caf::error&) {
        self->answered_.insert(node);
        self->quorum_->fail(node);
        self->check_quorum();
        self->request_done();
      });
}

/// Sends the stored object to a replica: as a plain merge to a home
/// replica, or with the hint of the home replica a substitute stands in for.
void put_round::send_to(const replica_target& t) {
  if (!t.hint_for.empty() && t.hint_handle)
    ask_replica(t.hint_handle, vnode_hint_v1{partition_, stored_, t.hint_for},
                t.node);
  else if (t.hint_for.empty() && t.outbox)
    ask_replica(t.outbox, vnode_merge_v1{partition_, stored_, false}, t.node);
  else if (t.hint_for.empty() && t.handle)
    ask_replica(t.handle, vnode_merge_v1{partition_, stored_, false}, t.node);
  else
    quorum_->fail(t.node); // unreachable now
}

/// Makes the local write durable through the node's group commit; the put
/// cannot succeed before, and fails if the flush does.
void put_round::flush_local() {
  flushing_ = true;
  ++outstanding_;
  auto sent = self_->request(cfg_.flusher, caf::infinite,
                             flush_log_atom::value);
  sent_.push_back(sent.id());
  sent.then(
      [self = shared_from_this()](flush_log_atom) {
        self->flushing_ = false;
        self->check_quorum();
        self->request_done();
      },
      [self = shared_from_this()](caf::error& err) {
        // Replicas may hold the write, as after a timeout; the client
        // learns that it is not known to be durable.
        self->finish_(flush_failure(std::move(err)));
        self->request_done();
      });
}

void put_round::replicate() {
  auto& targets = cfg_.targets;
  for (size_t i = 1; i < targets.size(); ++i)
    send_to(targets[i]);
  for (auto& t : cfg_.pending)
    if (t.handle) {
      ++outstanding_;
      auto sent = self_->request(t.handle, caf::infinite,
                                 vnode_merge_v1{partition_, stored_, false});
      sent_.push_back(sent.id());
      sent.then([self = shared_from_this()](
                vnode_object_v1&) { self->request_done(); },
              [self = shared_from_this()](caf::error&) {
                self->request_done();
              });
    }
  check_quorum();
  if (outstanding_ == 0)
    end();
}

void put_round::deadline() {
  if (ended_once_)
    return;
  if (!local_done_ || flushing_) {
    finish_(caf::make_error(caf::sec::request_timeout));
  } else {
    for (auto& node : quorum_->targets())
      if (answered_.count(node) == 0)
        quorum_->fail(node);
    check_quorum();
  }
  end();
  for (auto id : sent_)
    detail::give_up_request(self_, id);
}

} // namespace dkv
