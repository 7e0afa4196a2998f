#include "transport/guarded_multiplexer.hpp"

#include <sys/socket.h>

#include "caf/actor_system.hpp"
#include "caf/actor_system_config.hpp"
#include "caf/io/network/native_socket.hpp"
#include "caf/io/network/scribe_impl.hpp"
#include "caf/settings.hpp"

#include "actors/logging.hpp"

namespace dkv {

namespace {

bool power_of_two(uint64_t x) {
  return x != 0 && (x & (x - 1)) == 0;
}

/// CAF's TCP connection, refusing reads above a bound. A refused read
/// shuts the socket's read side, so the next read event reports the
/// connection lost and the broker forgets it as it would a dropped peer.
class guarded_scribe : public caf::io::network::scribe_impl {
public:
  guarded_scribe(caf::io::network::default_multiplexer& mpx,
                 caf::io::network::native_socket fd, uint64_t max_frame_bytes,
                 std::shared_ptr<transport_counters> counters)
    : scribe_impl(mpx, fd),
      max_frame_bytes_(max_frame_bytes),
      counters_(std::move(counters)) {
    ++counters_->open_connections;
  }

  ~guarded_scribe() override {
    --counters_->open_connections;
  }

  void configure_read(caf::io::receive_policy::config config) override {
    if (!refused_ && config.second > max_frame_bytes_) {
      auto total = ++counters_->refused_frames;
      logger("transport")
        ->warn("transport.frame_refused peer={} bytes={} limit={} total={}",
               addr(), config.second, max_frame_bytes_, total);
      refuse();
    }
    if (refused_)
      config = caf::io::receive_policy::at_most(1);
    scribe_impl::configure_read(config);
  }

  bool consume(caf::execution_unit* ctx, const void* buf,
               size_t num_bytes) override {
    if (refused_) {
      io_failure(ctx, caf::io::network::operation::read);
      return false;
    }
    return scribe_impl::consume(ctx, buf, num_bytes);
  }

  /// Closes the connection at its next read event.
  void refuse() {
    refused_ = true;
    ::shutdown(stream_.fd(), SHUT_RDWR);
  }

private:
  uint64_t max_frame_bytes_;
  std::shared_ptr<transport_counters> counters_;
  bool refused_ = false;
};

uint64_t setting_or(caf::actor_system* sys, caf::string_view key,
                    uint64_t fallback) {
  if (sys == nullptr)
    return fallback;
  auto value = caf::get_if<int64_t>(&sys->config(), key);
  return value && *value > 0 ? static_cast<uint64_t>(*value) : fallback;
}

} // namespace

guarded_multiplexer::guarded_multiplexer(caf::actor_system* sys)
  : default_multiplexer(sys),
    counters_(std::make_shared<transport_counters>()) {
  limits_.max_frame_bytes = setting_or(sys, "dkv.max-message-size",
                                       limits_.max_frame_bytes);
  limits_.max_connections = setting_or(sys, "dkv.max-connections",
                                       limits_.max_connections);
}

caf::io::scribe_ptr
guarded_multiplexer::new_scribe(caf::io::network::native_socket fd) {
  caf::io::network::keepalive(fd, true);
  auto over_limit
    = counters_->open_connections.load() >= limits_.max_connections;
  auto result = caf::make_counted<guarded_scribe>(
    *this, fd, limits_.max_frame_bytes, counters_);
  if (over_limit) {
    auto total = ++counters_->refused_connections;
    if (power_of_two(total))
      logger("transport")
        ->warn("transport.connection_refused open={} limit={} total={}",
               counters_->open_connections.load(), limits_.max_connections,
               total);
    result->refuse();
  }
  return result;
}

} // namespace dkv
