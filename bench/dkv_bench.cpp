// dkv-bench: a YCSB-style load generator for dkv, and a complete example of a
// CAF application embedding dkv's client interface
// (messages/client_protocol.hpp).
//
//   dkv-bench --nodes=127.0.0.1:4101,127.0.0.1:4102 --records=10000 --load
//             --workload=B --concurrency=50 --duration=10
//
// Options (or keys of an INI file given by --config-file):
//   --nodes=H:P,...     nodes to spread requests over   (127.0.0.1:4101)
//   --workload=X        A 50% read 50% update, B 95/5, C read only,
//                       F 50% read 50% read-modify-write, W update only (B)
//   --distribution=D    zipfian (theta 0.99, scrambled) or uniform (zipfian)
//   --records=N         keys KEY-PREFIX0 .. KEY-PREFIX<N-1>          (10000)
//   --value-bytes=N     size of the values written                     (100)
//   --load              first write every record, superseding what is
//                       there (--duration=0 loads only)
//   --concurrency=N     requests outstanding: N clients with one each    (1)
//   --duration=S        seconds measured after the warmup               (10)
//   --ops=N             or: stop after N measured operations (0: by time)
//   --warmup=S          seconds run first but not measured               (0)
//   --r=N, --w=N        quorum per request; 0 takes the node's default   (0)
//   --seed=N            all randomness; 0 picks one and prints it        (0)
//   --key-prefix=P      (bench-)
//   --json              one JSON object instead of tables
//
// Each client is an event-based actor with one request outstanding at a
// time: request(...).then(...) runs the next operation from the reply
// handler, so N clients share CAF's few scheduler threads (no thread per
// request). Latencies go to log-linear histograms
// (bench/support/latency_histogram.hpp) that merge by addition. A node whose
// connection drops is left out for the rest of the run; requests still open
// 3 s after a timed run's end are abandoned and counted as errors. Writes
// carry the newest context any client of the run saw of their key, and read
// the key first when there is none yet (context_cache in
// bench/support/workload.hpp).

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

#include "caf/all.hpp"
#include "caf/io/all.hpp"

#include "actors/cluster_client.hpp"
#include "bench/support/endpoints.hpp"
#include "bench/support/key_chooser.hpp"
#include "bench/support/report.hpp"
#include "bench/support/workload.hpp"
#include "messages/client_protocol.hpp"
#include "messages/type_registry.hpp"
#include "transport/transport.hpp"

namespace {

using namespace dkv::bench;
using clock_type = std::chrono::steady_clock;

struct bench_config : caf::actor_system_config {
  std::string nodes = "127.0.0.1:4101";
  std::string workload = "B";
  std::string distribution = "zipfian";
  size_t records = 10000;
  size_t value_bytes = 100;
  bool load_records = false;
  size_t concurrency = 1;
  double duration = 10;
  size_t ops = 0;
  double warmup = 0;
  uint32_t r = 0;
  uint32_t w = 0;
  size_t seed = 0;
  std::string key_prefix = "bench-";
  bool json = false;
  std::string coordination = "client";
  std::string read_fanout = "quorum";
  std::string write_coordinator = "fastest-reader";
  size_t read_batch = dkv::cluster_client_config{}.read_batch;
  size_t reads_in_flight = dkv::cluster_client_config{}.reads_in_flight;

  bench_config() {
    dkv::register_types(*this); // dkv's messages and its error category
    // Idle CAF workers poll in 50 us sleeps by default, adding ~0.4 ms to
    // every reply here (2-core loopback, one client: read p50 1.08 -> 0.59
    // ms); the nodes' config/local-node.ini does the same.
    set("work-stealing.moderate-poll-attempts", 0);
    opt_group{custom_options_, "global"}
      .add(nodes, "nodes", "host:port,... of the nodes to send requests to")
      .add(workload, "workload", "A, B, C, F or W")
      .add(distribution, "distribution", "zipfian or uniform")
      .add(records, "records", "number of keys")
      .add(value_bytes, "value-bytes", "size of each value written")
      .add(load_records, "load",
           "write every record before the run (superseding what is there)")
      .add(concurrency, "concurrency", "requests outstanding")
      .add(duration, "duration", "seconds to measure")
      .add(ops, "ops", "operations to measure instead (0: by duration)")
      .add(warmup, "warmup", "seconds to run before measuring")
      .add(r, "r", "read quorum (0: the node's default)")
      .add(w, "w", "write quorum (0: the node's default)")
      .add(seed, "seed", "random seed (0: pick one)")
      .add(key_prefix, "key-prefix", "prefix of every key")
      .add(json, "json", "print one JSON object")
      .add(coordination, "coordination",
           "client (reads go straight to the replicas, paper 6.4) or node")
      .add(read_fanout, "read-fanout",
           "client coordination: ask quorum (R) or all (N) replicas")
      .add(write_coordinator, "write-coordinator",
           "client coordination: a write after a read goes to the replica "
           "that answered the read first (fastest-reader, paper 5) or to "
           "the key's first home replica (first)")
      .add(read_batch, "read-batch",
           "client coordination: most replica reads in one message to a "
           "node")
      .add(reads_in_flight, "reads-in-flight",
           "client coordination: read messages on their way to one node; "
           "more reads wait and go together (0: no limit, one each)");
  }
};

/// Node replies come within their request-timeout (2 s by default); this
/// only bounds a request lost with its connection. A cluster_client in
/// this process answers within its own deadline: requests to it go without
/// a CAF timeout, which would cost two wake-ups of CAF's clock thread.
constexpr auto node_request_timeout = std::chrono::seconds(10);

/// What every client of a phase shares: read-only settings, plus atomic
/// counters for the ticket of the next operation and for the progress line.
struct phase_control {
  std::vector<dkv::client_actor> nodes;
  workload mix;
  uint64_t records = 0;
  std::string key_prefix;
  std::string value;
  uint32_t r = 0;
  uint32_t w = 0;
  bool load = false;                   // insert records 0..records-1
  clock_type::time_point measure_from; // earlier operations are warmup
  clock_type::time_point stop_at;      // no operation starts later
  uint64_t op_limit = 0;               // measured operations; 0: no limit
  std::atomic<uint64_t> tickets{0};    // measured ops (load: records) begun
  std::atomic<uint64_t> completed{0};
  std::atomic<uint64_t> failed{0};
  caf::duration request_timeout{node_request_timeout};
  std::optional<context_cache> contexts; // shared by the phase's clients
};

/// How long a timed run waits past its end for requests still open before
/// it abandons them (counted as errors "bench.abandoned").
constexpr auto end_grace = std::chrono::seconds(3);

/// "dkv.quorum_unavailable", "system.request_timeout", ...
std::string error_kind(const caf::error& err) {
  if (auto code = dkv::dkv_code(err); code != dkv::dkv_errc::none)
    return std::string{"dkv."} + to_string(code);
  if (err.category() == caf::atom("system"))
    return "system." + to_string(static_cast<caf::sec>(err.code()));
  if (err.category() == caf::atom("exit"))
    return "exit." + to_string(static_cast<caf::exit_reason>(err.code()));
  return to_string(err.category()) + "." + std::to_string(err.code());
}

/// One closed-loop client: an operation, its reply, the next operation.
/// It records into `out`, which the spawner reads after the client is down.
class client : public caf::event_based_actor {
public:
  client(caf::actor_config& cfg, phase_control* ctl, phase_results* out,
         key_chooser keys, size_t index)
    : caf::event_based_actor(cfg), ctl_(*ctl), out_(*out),
      keys_(std::move(keys)), lost_(ctl->nodes.size()),
      live_nodes_(ctl->nodes.size()), turn_(index) {}

  caf::behavior make_behavior() override {
    // CAF 0.17 silently drops messages to a node whose connection is lost: a
    // request open there would only time out. The monitor fails it now and
    // leaves the node out for the rest of the run.
    for (auto& n : ctl_.nodes)
      monitor(n);
    set_down_handler([this](caf::down_msg& msg) { node_down(msg); });
    next(); // from here on, each reply starts the next operation
    return {};
  }

private:
  void next() {
    ++op_id_;
    started_ = clock_type::now();
    measured_ = started_ >= ctl_.measure_from;
    if (ctl_.load && live_nodes_ > 0) {
      auto record = ctl_.tickets++;
      if (record >= ctl_.records)
        return quit();
      return write(record, op_type::insert);
    }
    if (started_ >= ctl_.stop_at || live_nodes_ == 0
        || (measured_ && ctl_.op_limit > 0 && ctl_.tickets++ >= ctl_.op_limit))
      return quit();
    auto record = keys_.next();
    switch (auto op = ctl_.mix.choose(keys_.unit())) {
    case op_type::read:
      return get(record, [this, op](dkv::get_reply_v1&) { done(op); });
    case op_type::update:
      return write(record, op);
    default: // read-modify-write: put with the context the get returned
      return get(record, [this, record, op](dkv::get_reply_v1& reply) {
        put(record, reply.context, [this, op] { done(op); });
      });
    }
  }

  /// A put that supersedes what the run last saw of the record. Without a
  /// context (the first write of a key in this process: a key loaded or
  /// written by an earlier run) it reads the key first, as a client that
  /// means to overwrite must: a blind put would add a sibling beside each
  /// stored version, and siblings would pile up from run to run. The read
  /// is part of the operation's time.
  void write(uint64_t record, op_type op) {
    if (auto context = ctl_.contexts->find(record))
      return put(record, *context, [this, op] { done(op); });
    if (measured_)
      ++out_.context_reads;
    get(record, [this, record, op](dkv::get_reply_v1& reply) {
      put(record, reply.context, [this, op] { done(op); });
    });
  }

  template <class OnReply>
  void get(uint64_t record, OnReply on_reply) {
    request(
      node(), ctl_.request_timeout,
      dkv::get_request_v1{ctl_.key_prefix + std::to_string(record), ctl_.r})
      .then(
        [this, id = op_id_, record,
         on_reply](dkv::get_reply_v1& reply) mutable {
          if (id != op_id_)
            return; // given up on when its node went down
          ctl_.contexts->store(record, reply.context);
          if (measured_)
            count_siblings(reply.values.size());
          on_reply(reply);
        },
        [this, id = op_id_](caf::error& err) {
          if (id == op_id_)
            failed(err);
        });
  }

  template <class OnReply>
  void put(uint64_t record, const std::string& context, OnReply on_reply) {
    request(node(), ctl_.request_timeout,
            dkv::put_request_v1{ctl_.key_prefix + std::to_string(record),
                                context, ctl_.value, ctl_.w})
      .then(
        [this, id = op_id_, record,
         on_reply](dkv::put_reply_v1& reply) mutable {
          if (id != op_id_)
            return;
          ctl_.contexts->store(record, std::move(reply.context));
          on_reply();
        },
        [this, id = op_id_](caf::error& err) {
          if (id == op_id_)
            failed(err);
        });
  }

  /// Requests go round-robin over the nodes still connected, each client
  /// from its own start.
  const dkv::client_actor& node() {
    auto n = ctl_.nodes.size();
    for (size_t i = 0; i + 1 < n && lost_[turn_ % n]; ++i)
      ++turn_;
    target_ = turn_++ % n;
    return ctl_.nodes[target_];
  }

  void node_down(const caf::down_msg& msg) {
    for (size_t i = 0; i < ctl_.nodes.size(); ++i) {
      if (ctl_.nodes[i].address() != msg.source || lost_[i])
        continue;
      lost_[i] = true;
      --live_nodes_;
      if (i == target_)
        failed(msg.reason);
    }
  }

  void done(op_type op) {
    if (measured_) {
      auto us = std::chrono::duration_cast<std::chrono::microseconds>(
        clock_type::now() - started_);
      out_.latency[static_cast<size_t>(op)].record(
        static_cast<uint64_t>(us.count()));
    }
    ++ctl_.completed;
    next();
  }

  void failed(const caf::error& err) {
    if (measured_) {
      auto kind = error_kind(err);
      if (out_.errors[kind]++ == 0)
        out_.error_sample[kind] = system().render(err);
    }
    ++ctl_.failed;
    next();
  }

  void count_siblings(size_t n) {
    out_.not_found += n == 0;
    out_.sibling_reads += n > 1;
    out_.max_siblings = std::max<uint64_t>(out_.max_siblings, n);
  }

  phase_control& ctl_;
  phase_results& out_;
  key_chooser keys_;
  std::vector<bool> lost_; // nodes whose connection dropped
  size_t live_nodes_;
  size_t turn_;                    // round-robin position
  size_t target_ = 0;              // node of the request in flight
  uint64_t op_id_ = 0;             // replies to an older operation are stale
  clock_type::time_point started_; // of the operation in flight
  bool measured_ = false;
};

/// Runs `concurrency` clients until they are all done; prints a progress
/// line every second when stdout is a terminal.
phase_summary run_phase(caf::actor_system& sys, const bench_config& cfg,
                        phase_control& ctl, const key_chooser& keys,
                        uint64_t seed) {
  using std::chrono::duration_cast;
  auto seconds = [](double s) {
    return duration_cast<clock_type::duration>(
      std::chrono::duration<double>(s));
  };
  auto start = clock_type::now();
  ctl.measure_from = start + (ctl.load ? seconds(0) : seconds(cfg.warmup));
  ctl.stop_at = ctl.load || cfg.ops > 0
                  ? clock_type::time_point::max()
                  : ctl.measure_from + seconds(cfg.duration);
  std::vector<phase_results> results(cfg.concurrency);
  std::vector<caf::actor> clients;
  caf::scoped_actor self{sys};
  for (size_t i = 0; i < cfg.concurrency; ++i)
    clients.push_back(self->spawn<client, caf::monitored>(
      &ctl, &results[i], keys.with_seed(seed + i), i));
  bool tty = ::isatty(STDOUT_FILENO) != 0;
  auto tick = start + std::chrono::seconds(1);
  unsigned ticks = 0;
  uint64_t last = 0;
  auto on_tick = [&] {
    uint64_t done = ctl.completed;
    auto phase = ctl.load                               ? "load"
                 : clock_type::now() < ctl.measure_from ? "warmup"
                                                        : "run";
    if (tty)
      print_progress(stdout, phase, ++ticks, done, ctl.load ? ctl.records : 0,
                     done - last, ctl.failed);
    last = done;
    tick += std::chrono::seconds(1);
  };
  size_t abandoned = 0; // clients stopped with a request open
  for (auto running = cfg.concurrency; running > 0;) {
    if (abandoned == 0 && clock_type::now() - end_grace > ctl.stop_at) {
      abandoned = running;
      for (auto& c : clients)
        self->send_exit(c, caf::exit_reason::user_shutdown);
    }
    auto wait = std::max(
      duration_cast<std::chrono::milliseconds>(tick - clock_type::now()),
      std::chrono::milliseconds(1));
    self->receive([&](caf::down_msg&) { --running; },
                  caf::after(wait) >> on_tick);
  }
  if (tty)
    clear_progress(stdout);
  return summarize(ctl.load ? "load" : "run", ctl.measure_from, ctl.stop_at,
                   results, abandoned);
}

int run(caf::actor_system& sys, const bench_config& cfg) {
  auto fail = [](const std::string& what) {
    std::cerr << "dkv-bench: " << what << std::endl;
    return 2;
  };
  auto mix = workload_named(cfg.workload);
  auto endpoints = parse_endpoints(cfg.nodes);
  if (!mix)
    return fail("unknown --workload=" + cfg.workload + " (A, B, C, F or W)");
  if (cfg.distribution != "zipfian" && cfg.distribution != "uniform")
    return fail("--distribution must be zipfian or uniform");
  if (!endpoints)
    return fail("--nodes must be host:port,... (got " + cfg.nodes + ")");
  if (cfg.records == 0 || cfg.concurrency == 0)
    return fail("--records and --concurrency must be positive");
  if (cfg.duration < 0 || cfg.warmup < 0)
    return fail("--duration and --warmup must not be negative");
  if (cfg.coordination != "client" && cfg.coordination != "node")
    return fail("--coordination must be client or node");
  if (cfg.read_fanout != "quorum" && cfg.read_fanout != "all")
    return fail("--read-fanout must be quorum or all");
  if (cfg.write_coordinator != "fastest-reader"
      && cfg.write_coordinator != "first")
    return fail("--write-coordinator must be fastest-reader or first");
  phase_control ctl;
  for (auto& [host, port] : *endpoints) {
    auto node = dkv::remote_on_transport<dkv::client_actor>(sys, host, port);
    if (!node) {
      std::cerr << "dkv-bench: cannot reach " << host << ":" << port << ": "
                << sys.render(node.error()) << std::endl;
      return 1;
    }
    ctl.nodes.push_back(std::move(*node));
  }
  if (cfg.coordination == "client") {
    dkv::cluster_client_config client;
    for (size_t i = 0; i < endpoints->size(); ++i)
      client.entry_points[(*endpoints)[i].first + ":"
                          + std::to_string((*endpoints)[i].second)]
        = ctl.nodes[i];
    client.fanout = cfg.read_fanout == "all" ? dkv::read_fanout::all
                                             : dkv::read_fanout::quorum;
    client.writer = cfg.write_coordinator == "first"
                      ? dkv::write_coordinator::first_replica
                      : dkv::write_coordinator::fastest_reader;
    client.read_batch = cfg.read_batch;
    client.reads_in_flight = cfg.reads_in_flight;
    ctl.nodes = {dkv::spawn_cluster_client(sys, std::move(client))};
    ctl.request_timeout = caf::infinite;
  }
  ctl.mix = *mix;
  ctl.records = cfg.records;
  ctl.key_prefix = cfg.key_prefix;
  ctl.value.assign(cfg.value_bytes, 'x');
  ctl.r = cfg.r;
  ctl.w = cfg.w;
  ctl.op_limit = cfg.ops;
  // Every record's context up to 2^18 records (tens of MB at most).
  ctl.contexts.emplace(std::min<uint64_t>(cfg.records, uint64_t{1} << 18));
  uint64_t seed = cfg.seed != 0 ? cfg.seed : std::random_device{}();
  auto dist = cfg.distribution == "uniform" ? distribution::uniform
                                            : distribution::zipfian;
  key_chooser keys{dist, cfg.records, seed};
  run_settings settings{*mix,
                        cfg.distribution,
                        cfg.records,
                        cfg.value_bytes,
                        cfg.concurrency,
                        cfg.r,
                        cfg.w,
                        seed,
                        {},
                        cfg.coordination,
                        cfg.read_fanout,
                        cfg.write_coordinator};
  for (auto& [host, port] : *endpoints)
    settings.nodes.push_back(host + ":" + std::to_string(port));
  if (!cfg.json)
    print_text(stdout, settings);
  std::vector<phase_summary> phases;
  if (cfg.load_records) {
    ctl.load = true;
    phases.push_back(run_phase(sys, cfg, ctl, keys, seed));
    ctl.load = false;
    ctl.tickets = ctl.completed = ctl.failed = 0;
  }
  if (cfg.duration > 0 || cfg.ops > 0)
    phases.push_back(run_phase(sys, cfg, ctl, keys, seed * 1000003));
  if (cfg.coordination == "client")
    caf::anon_send_exit(ctl.nodes.front(), caf::exit_reason::user_shutdown);
  if (cfg.json)
    print_json(stdout, settings, phases);
  else
    for (auto& p : phases)
      print_text(stdout, p);
  return 0;
}

} // namespace

// Not CAF_MAIN: this main returns run()'s exit code.
int main(int argc, char** argv) {
  bench_config cfg;
  if (auto done = dkv::configure_client(cfg, argc, argv, "dkv-bench"))
    return *done;
  // One scheduler thread unless told otherwise: every request goes through
  // the one client actor, and more threads only add wake-ups and stealing
  // (2-core loopback, 3 rounds each, 4 threads -> 1: workload B at 50
  // outstanding 24,456-25,262 -> 26,276-27,755 ops/s, one get at a time
  // p50 0.111-0.116 -> 0.104-0.114 ms; workload W unchanged).
  if (!caf::get_if(&cfg.content, "scheduler.max-threads"))
    cfg.set("scheduler.max-threads", 1);
  caf::actor_system sys{cfg};
  return run(sys, cfg);
}
