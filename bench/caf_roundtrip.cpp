// caf-roundtrip: the floor under dkv. One typed CAF actor answers a key
// with a fixed value over CAF's own remoting (BASP on the default
// middleman, no dkv code on the path), and closed-loop clients measure the
// round trip the way dkv-bench measures a dkv request. Whatever dkv adds
// (coordination, quorum, storage) is the distance from these numbers.
//
//   caf-roundtrip --serve --port=5990 [--value-bytes=100]
//   caf-roundtrip --host=127.0.0.1 --port=5990 --concurrency=50
//                 --duration=10 --warmup=2 [--json]
//
// The server runs until SIGINT or SIGTERM. Both sides use the scheduler
// settings of dkv's loopback nodes and of dkv-bench (no 50 us idle
// polling; the server on 2 threads and no extra middleman workers), so
// the floor is measured as dkv runs. The client prints dkv-bench's report,
// text or --json (the same JSON shape: "run" with "throughput" and
// "latency_us"."read"), so scripts parse both alike.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include <pthread.h>

#include "caf/all.hpp"
#include "caf/io/all.hpp"

#include "bench/support/report.hpp"
#include "bench/support/workload.hpp"

namespace {

using namespace dkv::bench;
using clock_type = std::chrono::steady_clock;

using fetch_atom = caf::atom_constant<caf::atom("fetch")>;

/// Key in, value out: the shape of a dkv get without its version context.
using store_actor = caf::typed_actor<
  caf::replies_to<fetch_atom, std::string>::with<std::string>>;

struct roundtrip_config : caf::actor_system_config {
  bool serve = false;
  std::string host = "127.0.0.1";
  uint16_t port = 5990;
  size_t value_bytes = 100;
  size_t concurrency = 1;
  size_t records = 100000;
  double duration = 10;
  double warmup = 0;
  bool json = false;

  roundtrip_config() {
    // As config/local-node.ini for the nodes and dkv-bench for its client.
    set("work-stealing.moderate-poll-attempts", 0);
    opt_group{custom_options_, "global"}
      .add(serve, "serve", "publish the server instead of measuring")
      .add(host, "host", "server to measure")
      .add(port, "port", "port to publish at or to connect to")
      .add(value_bytes, "value-bytes", "size of each reply (--serve only)")
      .add(concurrency, "concurrency", "requests outstanding")
      .add(records, "records", "distinct keys the clients cycle through")
      .add(duration, "duration", "seconds to measure")
      .add(warmup, "warmup", "seconds to run before measuring")
      .add(json, "json", "print one JSON object");
  }
};

store_actor::behavior_type store(std::string value) {
  return {[value](fetch_atom, const std::string&) { return value; }};
}

/// What the clients of the run share (read-only once they run, but for
/// the reply size they report).
struct run_control {
  store_actor server;
  uint64_t records = 0;
  clock_type::time_point measure_from;  // earlier replies are warmup
  clock_type::time_point stop_at;       // no request starts later
  std::atomic<uint64_t> reply_bytes{0}; // the server decides the size
};

/// Bounds a request lost with its connection (CAF 0.17 drops messages to a
/// peer that is gone; the monitor below usually notices first).
constexpr auto request_timeout = std::chrono::seconds(10);

/// How long the run waits past its end for requests still open.
constexpr auto end_grace = std::chrono::seconds(3);

/// One closed-loop client: a request, its reply, the next request.
class client : public caf::event_based_actor {
public:
  client(caf::actor_config& cfg, run_control* ctl, phase_results* out,
         uint64_t first_key)
    : caf::event_based_actor(cfg), ctl_(*ctl), out_(*out),
      next_key_(first_key) {}

  caf::behavior make_behavior() override {
    monitor(ctl_.server);
    set_down_handler([this](caf::down_msg& msg) {
      failed(msg.reason, "server.down");
      quit();
    });
    next();
    return {};
  }

private:
  void next() {
    started_ = clock_type::now();
    if (started_ >= ctl_.stop_at)
      return quit();
    auto key = "bench-" + std::to_string(next_key_++ % ctl_.records);
    request(ctl_.server, request_timeout, fetch_atom::value, std::move(key))
      .then(
        [this](const std::string& value) {
          ctl_.reply_bytes = value.size();
          record();
          next();
        },
        [this](caf::error& err) {
          failed(err, "caf." + to_string(err.category()));
          next();
        });
  }

  void record() {
    if (started_ < ctl_.measure_from)
      return;
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(
      clock_type::now() - started_);
    out_.latency[static_cast<size_t>(op_type::read)].record(
      static_cast<uint64_t>(us.count()));
  }

  void failed(const caf::error& err, const std::string& kind) {
    if (started_ < ctl_.measure_from)
      return;
    if (out_.errors[kind]++ == 0)
      out_.error_sample[kind] = system().render(err);
  }

  run_control& ctl_;
  phase_results& out_;
  uint64_t next_key_;
  clock_type::time_point started_; // of the request in flight
};

int serve(caf::actor_system& sys, const roundtrip_config& cfg,
          const sigset_t& stop_signals) {
  auto server = sys.spawn(store, std::string(cfg.value_bytes, 'x'));
  auto port = sys.middleman().publish(server, cfg.port, "127.0.0.1", true);
  if (!port) {
    std::cerr << "caf-roundtrip: cannot publish at port " << cfg.port << ": "
              << sys.render(port.error()) << std::endl;
    caf::anon_send_exit(server, caf::exit_reason::user_shutdown);
    return 1;
  }
  std::cout << "caf-roundtrip: serving " << cfg.value_bytes
            << "-byte values at 127.0.0.1:" << *port << std::endl;
  int signal = 0;
  sigwait(&stop_signals, &signal);
  // The system's destructor waits for every actor: end the server first.
  caf::anon_send_exit(server, caf::exit_reason::user_shutdown);
  return 0;
}

phase_summary measure(caf::actor_system& sys, const roundtrip_config& cfg,
                      run_control& ctl) {
  using std::chrono::duration_cast;
  auto seconds = [](double s) {
    return duration_cast<clock_type::duration>(
      std::chrono::duration<double>(s));
  };
  ctl.measure_from = clock_type::now() + seconds(cfg.warmup);
  ctl.stop_at = ctl.measure_from + seconds(cfg.duration);
  std::vector<phase_results> results(cfg.concurrency);
  std::vector<caf::actor> clients;
  caf::scoped_actor self{sys};
  // Clients start at keys spread over the key space, not all at key 0.
  for (size_t i = 0; i < cfg.concurrency; ++i)
    clients.push_back(self->spawn<client, caf::monitored>(
      &ctl, &results[i], i * cfg.records / cfg.concurrency));
  size_t abandoned = 0; // clients stopped with a request open
  for (auto running = cfg.concurrency; running > 0;) {
    if (abandoned == 0 && clock_type::now() > ctl.stop_at + end_grace) {
      abandoned = running;
      for (auto& c : clients)
        self->send_exit(c, caf::exit_reason::user_shutdown);
    }
    self->receive([&](caf::down_msg&) { --running; },
                  caf::after(std::chrono::milliseconds(100)) >> [] {});
  }
  return summarize("run", ctl.measure_from, ctl.stop_at, results, abandoned);
}

int run_client(caf::actor_system& sys, const roundtrip_config& cfg) {
  if (cfg.concurrency == 0 || cfg.records == 0 || cfg.duration <= 0
      || cfg.warmup < 0) {
    std::cerr << "caf-roundtrip: --concurrency and --records must be "
                 "positive, --duration > 0, --warmup >= 0"
              << std::endl;
    return 2;
  }
  auto server = sys.middleman().remote_actor<store_actor>(cfg.host, cfg.port);
  if (!server) {
    std::cerr << "caf-roundtrip: cannot reach " << cfg.host << ":" << cfg.port
              << ": " << sys.render(server.error()) << std::endl;
    return 1;
  }
  // The settings block of dkv-bench's report: a read-only workload whose
  // keys are walked in order (the server does not look at them).
  run_settings settings;
  settings.mix = *workload_named("C");
  settings.distribution = "sequential";
  settings.records = cfg.records;
  settings.concurrency = cfg.concurrency;
  settings.nodes = {cfg.host + ":" + std::to_string(cfg.port)};
  if (!cfg.json)
    std::printf("caf-roundtrip: %zu outstanding requests to %s:%u\n",
                cfg.concurrency, cfg.host.c_str(), cfg.port);
  run_control ctl;
  ctl.server = std::move(*server);
  ctl.records = cfg.records;
  auto summary = measure(sys, cfg, ctl);
  settings.value_bytes = ctl.reply_bytes;
  if (cfg.json)
    print_json(stdout, settings, {summary});
  else
    print_text(stdout, summary);
  return summary.results.ops() > 0 ? 0 : 1;
}

} // namespace

// Not CAF_MAIN: the stop signals must be blocked before CAF starts its
// threads, so that only the server's sigwait() receives them.
int main(int argc, char** argv) {
  roundtrip_config cfg;
  if (auto err = cfg.parse(argc, argv)) {
    std::cerr << "caf-roundtrip: " << caf::actor_system_config::render(err)
              << std::endl;
    return 2;
  }
  if (cfg.cli_helptext_printed)
    return 0;
  // As config/local-node.ini, unless the command line says otherwise.
  if (cfg.serve && !caf::get_if(&cfg.content, "scheduler.max-threads"))
    cfg.set("scheduler.max-threads", 2);
  if (cfg.serve && !caf::get_if(&cfg.content, "middleman.workers"))
    cfg.set("middleman.workers", 0);
  cfg.load<caf::io::middleman>();
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  if (cfg.serve) {
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  }
  caf::actor_system sys{cfg};
  return cfg.serve ? serve(sys, cfg, stop_signals) : run_client(sys, cfg);
}
