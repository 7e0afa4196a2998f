#include "messages/version_vector.hpp"

#include <algorithm>

namespace dkv {

const char* to_string(causal_order x) {
  switch (x) {
  case causal_order::before:
    return "before";
  case causal_order::after:
    return "after";
  case causal_order::equal:
    return "equal";
  case causal_order::concurrent:
    return "concurrent";
  }
  return "?";
}

namespace {

template <class VersionVector>
auto find_entry(VersionVector& vv, replica_id id) {
  return std::lower_bound(
      vv.entries.begin(), vv.entries.end(), id,
      [](const clock_entry& e, replica_id x) { return e.id < x; });
}

} // namespace

uint64_t counter_of(const version_vector& vv, replica_id id) {
  auto i = find_entry(vv, id);
  return i != vv.entries.end() && i->id == id ? i->counter : 0;
}

uint64_t max_counter_of(const version_vector& vv, replica_id id) {
  auto result = counter_of(vv, id);
  for (auto& d : vv.extra)
    if (d.id == id)
      result = std::max(result, d.counter);
  return result;
}

bool covers(const version_vector& vv, const dot& d) {
  return counter_of(vv, d.id) >= d.counter ||
         std::binary_search(vv.extra.begin(), vv.extra.end(), d);
}

namespace {

/// Restores the invariants after entries or extra changed: sorts and dedups
/// the cloud, drops dots the counters cover, and absorbs dots that extend a
/// counter contiguously.
void compact(version_vector& vv) {
  std::sort(vv.extra.begin(), vv.extra.end());
  vv.extra.erase(std::unique(vv.extra.begin(), vv.extra.end()), vv.extra.end());
  std::vector<dot> kept;
  for (auto& d : vv.extra) { // sorted: (r, 5) is seen before (r, 6)
    auto i = find_entry(vv, d.id);
    bool has_entry = i != vv.entries.end() && i->id == d.id;
    uint64_t counter = has_entry ? i->counter : 0;
    if (d.counter <= counter)
      continue;
    if (d.counter == counter + 1) {
      if (has_entry)
        i->counter = d.counter;
      else
        vv.entries.insert(i, clock_entry{d.id, d.counter, 0});
      continue;
    }
    kept.push_back(d);
  }
  vv.extra = std::move(kept);
}

} // namespace

void add_dot(version_vector& vv, const dot& d, uint64_t timestamp_ms) {
  auto i = find_entry(vv, d.id);
  bool has_entry = i != vv.entries.end() && i->id == d.id;
  uint64_t counter = has_entry ? i->counter : 0;
  if (d.counter <= counter)
    return;
  if (d.counter == counter + 1) {
    if (has_entry) {
      i->counter = d.counter;
      i->timestamp_ms = timestamp_ms;
    } else {
      vv.entries.insert(i, clock_entry{d.id, d.counter, timestamp_ms});
    }
    compact(vv);
    return;
  }
  vv.extra.push_back(d);
  compact(vv);
}

void merge_into(version_vector& into, const version_vector& other) {
  std::vector<clock_entry> result;
  result.reserve(into.entries.size() + other.entries.size());
  auto i = into.entries.begin();
  auto e1 = into.entries.end();
  auto j = other.entries.begin();
  auto e2 = other.entries.end();
  while (i != e1 || j != e2) {
    if (j == e2 || (i != e1 && i->id < j->id)) {
      result.push_back(*i++);
    } else if (i == e1 || j->id < i->id) {
      result.push_back(*j++);
    } else {
      // Same id: the larger counter wins with its own timestamp; on equal
      // counters the later timestamp, so merging is commutative.
      if (i->counter > j->counter ||
          (i->counter == j->counter && i->timestamp_ms >= j->timestamp_ms))
        result.push_back(*i);
      else
        result.push_back(*j);
      ++i;
      ++j;
    }
  }
  into.entries = std::move(result);
  into.extra.insert(into.extra.end(), other.extra.begin(), other.extra.end());
  compact(into);
}

namespace {

/// True iff `x` has seen every event `y` has seen.
bool covers_all(const version_vector& x, const version_vector& y) {
  for (auto& e : y.entries)
    if (counter_of(x, e.id) < e.counter)
      return false;
  for (auto& d : y.extra)
    if (!covers(x, d))
      return false;
  return true;
}

} // namespace

causal_order compare(const version_vector& x, const version_vector& y) {
  auto x_has_y = covers_all(x, y);
  auto y_has_x = covers_all(y, x);
  if (x_has_y && y_has_x)
    return causal_order::equal;
  if (x_has_y)
    return causal_order::after;
  if (y_has_x)
    return causal_order::before;
  return causal_order::concurrent;
}

void prune(version_vector& vv, size_t max_entries, replica_id keep) {
  if (vv.entries.size() <= max_entries)
    return;
  // Oldest first (ties: lower id first), never the writer's own entry.
  std::vector<clock_entry> by_age = vv.entries;
  std::sort(by_age.begin(), by_age.end(),
            [](const clock_entry& a, const clock_entry& b) {
              return a.timestamp_ms != b.timestamp_ms
                         ? a.timestamp_ms < b.timestamp_ms
                         : a.id < b.id;
            });
  auto excess = vv.entries.size() - max_entries;
  std::vector<replica_id> dropped;
  for (auto& e : by_age) {
    if (dropped.size() == excess)
      break;
    if (e.id != keep)
      dropped.push_back(e.id);
  }
  vv.entries.erase(std::remove_if(vv.entries.begin(), vv.entries.end(),
                                  [&](const clock_entry& e) {
                                    return std::find(dropped.begin(),
                                                     dropped.end(),
                                                     e.id) != dropped.end();
                                  }),
                   vv.entries.end());
  vv.extra.erase(std::remove_if(vv.extra.begin(), vv.extra.end(),
                                [&](const dot& d) {
                                  return std::find(dropped.begin(),
                                                   dropped.end(),
                                                   d.id) != dropped.end();
                                }),
                 vv.extra.end());
}

// -- context codec ------------------------------------------------------------
//
// Layout before base64url: one format byte (1), a varint entry count, then per
// entry a varint id and a varint counter (ids strictly increasing, counters
// non-zero), then a varint count of cloud dots and per dot a varint id and
// counter (sorted, unique, each beyond its id's counter + 1). Timestamps stay
// on the server: a context only says what was seen.

namespace {

constexpr uint8_t context_format = 1;

/// Far more entries than any pruned clock holds; bounds what garbage can
/// make the decoder allocate.
constexpr uint64_t max_context_entries = 4096;

/// No replica issues 2^62 writes to one key; a forged context above this
/// could make a coordinator's next counter wrap around and reissue a dot.
constexpr uint64_t max_context_counter = uint64_t{1} << 62;

const char b64_alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void put_varint(std::string& out, uint64_t x) {
  while (x >= 0x80) {
    out.push_back(static_cast<char>((x & 0x7F) | 0x80));
    x >>= 7;
  }
  out.push_back(static_cast<char>(x));
}

bool get_varint(const std::string& in, size_t& pos, uint64_t& x) {
  x = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (pos >= in.size())
      return false;
    auto byte = static_cast<uint8_t>(in[pos++]);
    if (shift == 63 && byte > 1)
      return false; // overflows 64 bits
    x |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if ((byte & 0x80) == 0)
      return !(byte == 0 && shift > 0); // reject overlong encodings
  }
  return false;
}

std::string base64url(const std::string& in) {
  std::string out;
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t n = (uint32_t{static_cast<uint8_t>(in[i])} << 16) |
                 (uint32_t{static_cast<uint8_t>(in[i + 1])} << 8) |
                 uint32_t{static_cast<uint8_t>(in[i + 2])};
    out += b64_alphabet[(n >> 18) & 63];
    out += b64_alphabet[(n >> 12) & 63];
    out += b64_alphabet[(n >> 6) & 63];
    out += b64_alphabet[n & 63];
  }
  if (auto rest = in.size() - i; rest > 0) {
    uint32_t n = uint32_t{static_cast<uint8_t>(in[i])} << 16;
    if (rest == 2)
      n |= uint32_t{static_cast<uint8_t>(in[i + 1])} << 8;
    out += b64_alphabet[(n >> 18) & 63];
    out += b64_alphabet[(n >> 12) & 63];
    if (rest == 2)
      out += b64_alphabet[(n >> 6) & 63];
  }
  return out;
}

int b64_value(char c) {
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  if (c == '-')
    return 62;
  if (c == '_')
    return 63;
  return -1;
}

std::optional<std::string> unbase64url(const std::string& in) {
  if (in.size() % 4 == 1)
    return std::nullopt;
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    auto v = b64_value(c);
    if (v < 0)
      return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  // Leftover bits must be zero, so every context has one spelling.
  if ((acc & ((1u << bits) - 1)) != 0)
    return std::nullopt;
  return out;
}

} // namespace

std::string encode_context(const version_vector& vv) {
  if (vv.entries.empty() && vv.extra.empty())
    return {}; // "seen nothing" reads naturally as no context at all
  std::string raw;
  raw.push_back(static_cast<char>(context_format));
  size_t count = 0;
  for (auto& e : vv.entries)
    count += e.counter > 0 ? 1 : 0;
  put_varint(raw, count);
  for (auto& e : vv.entries) {
    if (e.counter == 0)
      continue;
    put_varint(raw, e.id);
    put_varint(raw, e.counter);
  }
  put_varint(raw, vv.extra.size());
  for (auto& d : vv.extra) {
    put_varint(raw, d.id);
    put_varint(raw, d.counter);
  }
  return base64url(raw);
}

std::optional<version_vector> decode_context(const std::string& text) {
  if (text.empty())
    return version_vector{};
  auto raw = unbase64url(text);
  if (!raw || raw->empty() || static_cast<uint8_t>((*raw)[0]) != context_format)
    return std::nullopt;
  size_t pos = 1;
  uint64_t count = 0;
  if (!get_varint(*raw, pos, count) || count > max_context_entries ||
      count * 2 > raw->size() - pos)
    return std::nullopt;
  version_vector result;
  result.entries.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t id = 0;
    uint64_t counter = 0;
    if (!get_varint(*raw, pos, id) || !get_varint(*raw, pos, counter) ||
        counter == 0 || counter > max_context_counter)
      return std::nullopt;
    if (!result.entries.empty() && result.entries.back().id >= id)
      return std::nullopt;
    result.entries.push_back(clock_entry{id, counter, 0});
  }
  uint64_t dots = 0;
  if (!get_varint(*raw, pos, dots) || dots > max_context_entries ||
      dots * 2 > raw->size() - pos)
    return std::nullopt;
  for (uint64_t i = 0; i < dots; ++i) {
    dot d;
    if (!get_varint(*raw, pos, d.id) || !get_varint(*raw, pos, d.counter) ||
        d.counter > max_context_counter)
      return std::nullopt;
    if (d.counter <= counter_of(result, d.id) + 1)
      return std::nullopt;
    if (!result.extra.empty() && !(result.extra.back() < d))
      return std::nullopt;
    result.extra.push_back(d);
  }
  // Trailing bytes, or a second spelling of "seen nothing" (which is ""),
  // would give one context two texts.
  if (pos != raw->size() || (result.entries.empty() && result.extra.empty()))
    return std::nullopt;
  return result;
}

} // namespace dkv
