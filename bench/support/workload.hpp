#pragma once

// YCSB's core workloads as operation mixes, and what a client remembers
// between operations. No CAF, no I/O.

#include <array>
#include <cctype>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace dkv::bench {

/// What one benchmark operation does. `rmw` is a get followed by a put with
/// the context the get returned (one operation, timed as a whole); `insert`
/// is the load phase's put.
enum class op_type : uint8_t { read, update, rmw, insert };

constexpr size_t op_type_count = 4;

inline const char* to_string(op_type x) {
  switch (x) {
  case op_type::read:
    return "read";
  case op_type::update:
    return "update";
  case op_type::rmw:
    return "rmw";
  case op_type::insert:
    return "insert";
  }
  return "unknown";
}

/// An operation mix: fractions of reads, updates and read-modify-writes
/// that sum to 1.
struct workload {
  char name;
  double read;
  double update;
  double rmw;
  const char* summary;

  /// The operation for a uniform draw `u` in [0, 1).
  op_type choose(double u) const {
    if (u < read)
      return op_type::read;
    if (u < read + update)
      return op_type::update;
    return rmw > 0 ? op_type::rmw : op_type::update;
  }
};

/// A (50% read, 50% update), B (95/5), C (read only), F (50% read, 50%
/// read-modify-write) as in YCSB; W (write only) for write throughput.
/// Case-insensitive; nothing for an unknown name.
inline std::optional<workload> workload_named(const std::string& name) {
  static const workload all[] = {
    {'A', 0.50, 0.50, 0.0, "50% read, 50% update"},
    {'B', 0.95, 0.05, 0.0, "95% read, 5% update"},
    {'C', 1.00, 0.00, 0.0, "read only"},
    {'F', 0.50, 0.00, 0.5, "50% read, 50% read-modify-write"},
    {'W', 0.00, 1.00, 0.0, "update only"},
  };
  if (name.size() != 1)
    return std::nullopt;
  for (auto& w : all)
    if (w.name == std::toupper(static_cast<unsigned char>(name[0])))
      return w;
  return std::nullopt;
}

/// The newest context the clients of a run saw for each record, shared by
/// all of them (they run on several threads), so that an update supersedes
/// what any client last read or wrote: a put with the empty context is
/// concurrent with every stored version, and blind updates would pile up
/// siblings on hot keys without bound. Direct-mapped (record modulo the slot
/// count): bounded memory; a collision forgets a context, which makes that
/// update read the key first.
class context_cache {
public:
  explicit context_cache(size_t slots)
    : slots_(slots == 0 ? 1 : slots, slot{no_record, {}}) {}

  /// The context last stored for `record`; nothing if unknown.
  std::optional<std::string> find(uint64_t record) const {
    auto index = record % slots_.size();
    std::lock_guard<std::mutex> guard{stripes_[index % stripe_count]};
    auto& s = slots_[index];
    if (s.first != record)
      return std::nullopt;
    return s.second;
  }

  void store(uint64_t record, std::string context) {
    auto index = record % slots_.size();
    std::lock_guard<std::mutex> guard{stripes_[index % stripe_count]};
    slots_[index] = {record, std::move(context)};
  }

private:
  using slot = std::pair<uint64_t, std::string>;
  static constexpr uint64_t no_record = UINT64_MAX;
  static constexpr size_t stripe_count = 64;
  mutable std::array<std::mutex, stripe_count> stripes_;
  std::vector<slot> slots_;
};

} // namespace dkv::bench
