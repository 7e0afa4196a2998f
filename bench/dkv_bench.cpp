// dkv-bench (first cut): one embedded client, sequential puts then gets
// against one node, reporting throughput and latency percentiles. It also
// shows how a CAF application embeds dkv's client interface.
//
//   dkv-bench --host=127.0.0.1 --port=4101 --ops=2000 --value-bytes=100

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "caf/all.hpp"
#include "caf/io/all.hpp"

#include "messages/client_protocol.hpp"
#include "messages/type_registry.hpp"

namespace {

struct bench_config : caf::actor_system_config {
  std::string host = "127.0.0.1";
  uint16_t port = 4101;
  size_t ops = 2000;
  size_t value_bytes = 100;
  std::string key_prefix = "bench-";

  bench_config() {
    dkv::register_types(*this);
    opt_group{custom_options_, "global"}
      .add(host, "host", "node to talk to")
      .add(port, "port", "its port")
      .add(ops, "ops", "operations per phase")
      .add(value_bytes, "value-bytes", "size of each value")
      .add(key_prefix, "key-prefix", "prefix of the keys written");
  }
};

using clock_type = std::chrono::steady_clock;

void report(const char* phase, std::vector<double>& micros, double seconds,
            size_t errors) {
  std::sort(micros.begin(), micros.end());
  auto pct = [&](double p) {
    if (micros.empty())
      return 0.0;
    auto idx = static_cast<size_t>(p * static_cast<double>(micros.size() - 1));
    return micros[idx];
  };
  std::printf("%-4s ops=%zu errors=%zu throughput=%.0f/s p50=%.0fus "
              "p99=%.0fus p99.9=%.0fus max=%.0fus\n",
              phase, micros.size(), errors,
              static_cast<double>(micros.size()) / seconds, pct(0.5),
              pct(0.99), pct(0.999), micros.empty() ? 0.0 : micros.back());
}

void caf_main(caf::actor_system& sys, const bench_config& cfg) {
  auto node = sys.middleman().remote_actor<dkv::client_actor>(cfg.host,
                                                              cfg.port);
  if (!node) {
    std::cerr << "dkv-bench: cannot reach " << cfg.host << ":" << cfg.port
              << ": " << sys.render(node.error()) << std::endl;
    std::exit(1);
  }
  caf::scoped_actor self{sys};
  std::string value(cfg.value_bytes, 'x');
  auto timeout = std::chrono::seconds(10);
  for (auto phase : {"put", "get"}) {
    std::vector<double> micros;
    size_t errors = 0;
    auto start = clock_type::now();
    for (size_t i = 0; i < cfg.ops; ++i) {
      auto key = cfg.key_prefix + std::to_string(i);
      auto t0 = clock_type::now();
      auto on_error = [&](caf::error&) { ++errors; };
      if (phase[0] == 'p')
        self->request(*node, timeout, dkv::put_request_v1{key, "", value, 0})
          .receive([](dkv::put_reply_v1&) {}, on_error);
      else
        self->request(*node, timeout, dkv::get_request_v1{key, 0})
          .receive([](dkv::get_reply_v1&) {}, on_error);
      auto t1 = clock_type::now();
      micros.push_back(
        std::chrono::duration<double, std::micro>(t1 - t0).count());
    }
    auto secs = std::chrono::duration<double>(clock_type::now() - start)
                  .count();
    report(phase, micros, secs, errors);
  }
}

} // namespace

CAF_MAIN(caf::io::middleman)
