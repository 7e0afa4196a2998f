#include "actors/node_supervisor.hpp"

#include <deque>

#include "caf/all.hpp"
#include "caf/io/all.hpp"

#include "actors/logging.hpp"
#include "transport/transport.hpp"

namespace dkv {

namespace {

struct supervisor_state {
  static inline const char* name = "dkv.node_supervisor";
  supervisor_config cfg;
  std::shared_ptr<spdlog::logger> log;
  caf::actor router;
  std::deque<std::chrono::steady_clock::time_point> restarts;

  ~supervisor_state() {
    // Stopping the supervisor stops the router (and through it the vnodes).
    if (router)
      caf::anon_send_exit(router, caf::exit_reason::user_shutdown);
  }
};

using supervisor_ptr = caf::stateful_actor<supervisor_state>*;

void start_router(supervisor_ptr self) {
  auto& st = self->state;
  st.router = spawn_request_router(self->system(), st.cfg.router);
  self->monitor(st.router);
  if (st.cfg.on_router)
    st.cfg.on_router(st.router);
}

/// Publishes the new router on the node's port (asynchronously: blocking
/// inside an actor could stall the scheduler).
void republish(supervisor_ptr self, const caf::actor& old) {
  auto& st = self->state;
  if (st.cfg.port == 0)
    return;
  auto mm = transport_actor(self->system());
  self->send(mm, caf::unpublish_atom::value, old.address(), st.cfg.port);
  auto sigs = self->system().message_types(caf::detail::type_list<node_actor>{});
  self
    ->request(mm, caf::infinite, caf::publish_atom::value, st.cfg.port,
              caf::actor_cast<caf::strong_actor_ptr>(st.router),
              std::move(sigs), st.cfg.router.settings.host, true)
    .then([self](uint16_t port) {
            self->state.log->info("router.republished port={}", port);
          },
          [self](caf::error& err) {
            self->state.log->critical("router.republish_failed error=\"{}\"",
                                      self->system().render(err));
            self->quit(std::move(err));
          });
}

caf::behavior node_supervisor(supervisor_ptr self, supervisor_config cfg) {
  auto& st = self->state;
  st.cfg = std::move(cfg);
  st.log = logger("supervisor");
  start_router(self);
  self->set_down_handler([self](caf::down_msg& msg) {
    auto& st = self->state;
    if (msg.source != st.router.address())
      return;
    if (msg.reason == caf::exit_reason::user_shutdown
        || msg.reason == caf::exit_reason::normal) {
      self->quit(msg.reason);
      return;
    }
    auto now = self->clock().now();
    while (!st.restarts.empty()
           && now - st.restarts.front() > st.cfg.restart_window)
      st.restarts.pop_front();
    if (st.restarts.size() >= st.cfg.max_restarts) {
      st.log->critical("supervisor.escalate child=router restarts={} "
                       "window_ms={} reason=\"{}\"",
                       st.restarts.size(), st.cfg.restart_window.count(),
                       self->system().render(msg.reason));
      if (st.cfg.on_router)
        st.cfg.on_router(nullptr);
      self->quit(msg.reason);
      return;
    }
    st.restarts.push_back(now);
    st.log->error("router.restart reason=\"{}\" restarts_in_window={}",
                  self->system().render(msg.reason), st.restarts.size());
    auto old = st.router;
    start_router(self);
    republish(self, old);
  });
  return {
    [self](caf::get_atom) { return self->state.router; },
  };
}

} // namespace

caf::actor spawn_node_supervisor(caf::actor_system& sys,
                                 supervisor_config cfg) {
  return sys.spawn(node_supervisor, std::move(cfg));
}

} // namespace dkv
