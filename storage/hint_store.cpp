#include "storage/hint_store.hpp"

namespace dkv::storage {

std::string hint_key(const hint& h) {
  std::string result = h.owner;
  result.push_back('\0');
  for (int shift = 24; shift >= 0; shift -= 8)
    result.push_back(static_cast<char>((h.partition >> shift) & 0xFF));
  result += h.key;
  return result;
}

bool parse_hint_key(const std::string& bytes, hint& out) {
  auto nul = bytes.find('\0');
  if (nul == std::string::npos || nul == 0 || bytes.size() < nul + 5)
    return false;
  out.owner = bytes.substr(0, nul);
  out.partition = 0;
  for (size_t i = 0; i < 4; ++i)
    out.partition
      = (out.partition << 8) | static_cast<uint8_t>(bytes[nul + 1 + i]);
  out.key = bytes.substr(nul + 5);
  return true;
}

hint_store::hint_store(storage_engine& engine) : engine_(engine) {
  // nop
}

status hint_store::open() {
  return engine_.open_partition(hints_partition);
}

status hint_store::add(const hint& h) {
  return engine_.put(hints_partition, hint_key(h), std::string{}, {});
}

status hint_store::remove(const hint& h) {
  return engine_.erase(hints_partition, hint_key(h), {});
}

status hint_store::pending(const std::string& owner, size_t limit,
                           std::vector<hint>& out) {
  out.clear();
  auto prefix = owner + std::string(1, '\0');
  // Hints are few and short-lived; a full fold is simpler than a range scan
  // and stops early once this owner's block has been read.
  bool inside = false;
  return engine_.fold(hints_partition,
                      [&](const std::string& key, const std::string&) {
                        bool match = key.compare(0, prefix.size(), prefix) == 0;
                        if (!match)
                          return !inside; // past this owner's block: stop
                        inside = true;
                        hint h;
                        if (parse_hint_key(key, h))
                          out.push_back(std::move(h));
                        return out.size() < limit;
                      });
}

status hint_store::counts(std::map<std::string, uint64_t>& out) {
  out.clear();
  return engine_.fold(hints_partition,
                      [&](const std::string& key, const std::string&) {
                        hint h;
                        if (parse_hint_key(key, h))
                          ++out[h.owner];
                        return true;
                      });
}

status hint_store::count_partition(partition_id p, uint64_t& out) {
  out = 0;
  return engine_.fold(hints_partition,
                      [&](const std::string& key, const std::string&) {
                        hint h;
                        if (parse_hint_key(key, h) && h.partition == p)
                          ++out;
                        return true;
                      });
}

} // namespace dkv::storage
