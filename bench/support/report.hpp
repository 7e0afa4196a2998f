#pragma once

// What a benchmark phase measured, merged over its clients, and how it is
// printed: a table for people, one JSON object for scripts. No CAF.

#include <algorithm>
#include <array>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "bench/support/latency_histogram.hpp"
#include "bench/support/workload.hpp"

namespace dkv::bench {

/// One client's (or, merged, one phase's) measurements. Latencies cover
/// successful operations only; failures count under their error kind.
struct phase_results {
  std::array<latency_histogram, op_type_count> latency;
  std::map<std::string, uint64_t> errors;          // kind -> count
  std::map<std::string, std::string> error_sample; // kind -> first message
  uint64_t not_found = 0;     // reads that returned no value
  uint64_t sibling_reads = 0; // reads that returned more than one value
  uint64_t max_siblings = 0;
  /// Writes that read their key first, for want of a context.
  uint64_t context_reads = 0;

  uint64_t ops() const {
    uint64_t n = 0;
    for (auto& h : latency)
      n += h.count();
    return n;
  }

  uint64_t error_count() const {
    uint64_t n = 0;
    for (auto& [kind, count] : errors)
      n += count;
    return n;
  }

  void merge(const phase_results& other) {
    for (size_t i = 0; i < op_type_count; ++i)
      latency[i].merge(other.latency[i]);
    for (auto& [kind, count] : other.errors)
      errors[kind] += count;
    for (auto& [kind, message] : other.error_sample)
      error_sample.emplace(kind, message);
    not_found += other.not_found;
    sibling_reads += other.sibling_reads;
    max_siblings = std::max(max_siblings, other.max_siblings);
    context_reads += other.context_reads;
  }
};

/// A finished phase ("load" or "run").
struct phase_summary {
  std::string name;
  double seconds = 0;
  phase_results results;

  double throughput() const {
    return seconds > 0 ? static_cast<double>(results.ops()) / seconds : 0.0;
  }
};

/// A phase's summary from its clients' results. A timed run measures its
/// duration from `measure_from` up to `stop_at`: not the wait for requests
/// still open, nor an abandoned request's grace (`abandoned`: clients
/// stopped with a request open).
template <class TimePoint>
phase_summary summarize(std::string name, TimePoint measure_from,
                        TimePoint stop_at,
                        const std::vector<phase_results>& results,
                        uint64_t abandoned) {
  phase_summary summary;
  summary.name = std::move(name);
  auto end = std::min(TimePoint::clock::now(), stop_at);
  summary.seconds = std::chrono::duration<double>(end - measure_from).count();
  for (auto& x : results)
    summary.results.merge(x);
  if (abandoned > 0) {
    summary.results.errors["bench.abandoned"] = abandoned;
    summary.results.error_sample["bench.abandoned"]
      = "no reply before the run's end plus 3 s";
  }
  return summary;
}

/// The reported percentiles, in the order of the table's columns.
constexpr std::pair<const char*, double> reported_percentiles[]
  = {{"p50", 50.0}, {"p90", 90.0}, {"p99", 99.0}, {"p99.9", 99.9}};

inline void print_text(std::FILE* out, const phase_summary& p) {
  auto& r = p.results;
  std::fprintf(
    out, "%s: %.1f s, %" PRIu64 " ops, %.0f ops/s, %" PRIu64 " errors\n",
    p.name.c_str(), p.seconds, r.ops(), p.throughput(), r.error_count());
  std::fprintf(out, "  %-7s %9s %8s %8s %8s %8s %8s %8s  (us)\n", "op", "count",
               "mean", "p50", "p90", "p99", "p99.9", "max");
  for (size_t i = 0; i < op_type_count; ++i) {
    auto& h = r.latency[i];
    if (h.count() == 0)
      continue;
    std::fprintf(out, "  %-7s %9" PRIu64 " %8.0f",
                 to_string(static_cast<op_type>(i)), h.count(), h.mean());
    for (auto& [label, pct] : reported_percentiles)
      std::fprintf(out, " %8" PRIu64, h.percentile(pct));
    std::fprintf(out, " %8" PRIu64 "\n", h.max());
  }
  if (r.latency[static_cast<size_t>(op_type::read)].count() > 0
      || r.latency[static_cast<size_t>(op_type::rmw)].count() > 0
      || r.context_reads > 0)
    std::fprintf(out,
                 "  reads: %" PRIu64 " not found, %" PRIu64
                 " with siblings (at most %" PRIu64 ")\n",
                 r.not_found, r.sibling_reads, r.max_siblings);
  if (r.context_reads > 0)
    std::fprintf(out,
                 "  writes that read their key first (no context yet): %" PRIu64
                 "\n",
                 r.context_reads);
  for (auto& [kind, count] : r.errors)
    std::fprintf(out, "  error %s: %" PRIu64 " (e.g. %s)\n", kind.c_str(),
                 count, r.error_sample.at(kind).c_str());
}

/// What a run was asked to do, echoed in its report.
struct run_settings {
  workload mix;
  std::string distribution;
  uint64_t records = 0;
  uint64_t value_bytes = 0;
  uint64_t concurrency = 0;
  uint32_t r = 0;
  uint32_t w = 0;
  uint64_t seed = 0;
  std::vector<std::string> nodes; // host:port
  std::string coordination;        // client or node
  std::string read_fanout;         // quorum or all (client coordination)
  std::string write_coordinator;   // fastest-reader or first (client)
};

inline void print_text(std::FILE* out, const run_settings& s) {
  std::fprintf(out,
               "dkv-bench: workload %c (%s), %s keys of %" PRIu64
               " records, %" PRIu64 "-byte values, concurrency %" PRIu64
               ", %zu node(s), %s coordination, seed %" PRIu64 "\n",
               s.mix.name, s.mix.summary, s.distribution.c_str(), s.records,
               s.value_bytes, s.concurrency, s.nodes.size(),
               s.coordination.c_str(), s.seed);
}

/// The live progress line (on a terminal): "[run   3 s] 12345 ops, ...".
/// `total` > 0 shows progress towards it (loading).
inline void print_progress(std::FILE* out, const char* phase, unsigned seconds,
                           uint64_t done, uint64_t total, uint64_t per_second,
                           uint64_t errors) {
  std::fprintf(out, "\r\033[K[%s %3u s] %" PRIu64, phase, seconds, done);
  if (total > 0)
    std::fprintf(out, "/%" PRIu64 " records", total);
  else
    std::fprintf(out, " ops");
  std::fprintf(out, ", %" PRIu64 " ops/s, %" PRIu64 " errors", per_second,
               errors);
  std::fflush(out);
}

/// Erases the progress line.
inline void clear_progress(std::FILE* out) {
  std::fprintf(out, "\r\033[K");
}

/// `x` as a JSON string literal.
inline std::string json_string(const std::string& x) {
  std::string out = "\"";
  for (unsigned char c : x) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", c);
      out += buf;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out + "\"";
}

/// {"seconds":..,"ops":..,"throughput":..,"errors":N,"errors_by_kind":{..},
///  "latency_us":{"read":{"count":..,"mean":..,"p50":..,..,"max":..},..},
///  "not_found":..,"sibling_reads":..,"max_siblings":..,"context_reads":..}
inline std::string to_json(const phase_summary& p) {
  auto& r = p.results;
  auto num = [](double x) {
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.1f", x);
    return std::string{buf};
  };
  std::string out = "{\"seconds\":" + num(p.seconds)
                    + ",\"ops\":" + std::to_string(r.ops())
                    + ",\"throughput\":" + num(p.throughput()) + ",\"errors\":"
                    + std::to_string(r.error_count()) + ",\"errors_by_kind\":{";
  const char* sep = "";
  for (auto& [kind, count] : r.errors) {
    out += sep + json_string(kind) + ":" + std::to_string(count);
    sep = ",";
  }
  out += "},\"latency_us\":{";
  sep = "";
  for (size_t i = 0; i < op_type_count; ++i) {
    auto& h = r.latency[i];
    if (h.count() == 0)
      continue;
    out += sep + json_string(to_string(static_cast<op_type>(i)))
           + ":{\"count\":" + std::to_string(h.count())
           + ",\"mean\":" + num(h.mean());
    for (auto& [label, pct] : reported_percentiles)
      out += ",\"" + std::string{label}
             + "\":" + std::to_string(h.percentile(pct));
    out += ",\"max\":" + std::to_string(h.max()) + "}";
    sep = ",";
  }
  return out + "},\"not_found\":" + std::to_string(r.not_found)
         + ",\"sibling_reads\":" + std::to_string(r.sibling_reads)
         + ",\"max_siblings\":" + std::to_string(r.max_siblings)
         + ",\"context_reads\":" + std::to_string(r.context_reads) + "}";
}

/// One JSON object: the settings, then "load" and "run" as in to_json.
inline void print_json(std::FILE* out, const run_settings& s,
                       const std::vector<phase_summary>& phases) {
  std::string nodes;
  for (auto& x : s.nodes)
    nodes += (nodes.empty() ? "" : ",") + json_string(x);
  std::fprintf(out,
               "{\"workload\":\"%c\",\"distribution\":%s,\"records\":%" PRIu64
               ",\"value_bytes\":%" PRIu64 ",\"concurrency\":%" PRIu64
               ",\"nodes\":[%s],\"r\":%u,\"w\":%u,\"seed\":%" PRIu64
               ",\"coordination\":%s,\"read_fanout\":%s"
               ",\"write_coordinator\":%s",
               s.mix.name, json_string(s.distribution).c_str(), s.records,
               s.value_bytes, s.concurrency, nodes.c_str(), s.r, s.w, s.seed,
               json_string(s.coordination).c_str(),
               json_string(s.read_fanout).c_str(),
               json_string(s.write_coordinator).c_str());
  for (auto& p : phases)
    std::fprintf(out, ",\"%s\":%s", p.name.c_str(), to_json(p).c_str());
  std::fprintf(out, "}\n");
}

} // namespace dkv::bench
