#include "actors/detail/claim.hpp"

#include <algorithm>
#include <initializer_list>
#include <iterator>
#include <optional>
#include <set>
#include <tuple>

namespace dkv::detail {

namespace {

constexpr int vacant = -1;

constexpr uint32_t no_partition = UINT32_MAX;

/// An owner per partition, as indices into the sorted member list, with each
/// member's partitions indexed for the spacing questions below.
class layout {
public:
  layout(std::vector<int> owner, uint32_t s, uint32_t n)
    : q_(static_cast<uint32_t>(owner.size())), n_(n), owner_(std::move(owner)),
      slots_(s) {
    for (uint32_t p = 0; p < q_; ++p)
      if (owner_[p] != vacant)
        slots_[owner_[p]].insert(p);
  }

  uint32_t q() const { return q_; }
  uint32_t reach() const { return std::min(n_ - 1, q_ - 1); }
  int s() const { return static_cast<int>(slots_.size()); }
  int owner(uint32_t p) const { return owner_[p]; }
  const std::vector<int>& owners() const { return owner_; }
  const std::set<uint32_t>& slots(int m) const { return slots_[m]; }
  uint32_t count(int m) const {
    return static_cast<uint32_t>(slots_[m].size());
  }

  void assign(uint32_t p, int m) {
    if (owner_[p] != vacant)
      slots_[owner_[p]].erase(p);
    owner_[p] = m;
    if (m != vacant)
      slots_[m].insert(p);
  }

  /// True iff `m` owns no partition but p and `ignored` within n-1 of p:
  /// it may own p without sharing a window with itself.
  bool fits(int m, uint32_t p, uint32_t ignored = no_partition) const {
    for (uint32_t d = 1; d <= reach(); ++d)
      for (auto x : {(p + d) % q_, (p + q_ - d) % q_})
        if (owner_[x] == m && x != ignored)
          return false;
    return true;
  }

  bool crowded(uint32_t p) const {
    return owner_[p] != vacant && !fits(owner_[p], p);
  }

  /// Distances from m's nearest other partitions before and after p to p
  /// (q if there is none).
  std::pair<uint32_t, uint32_t> gaps(int m, uint32_t p) const {
    auto& xs = slots_[m];
    auto after = xs.upper_bound(p);
    auto before = xs.lower_bound(p);
    if (xs.empty() || (xs.size() == 1 && *xs.begin() == p))
      return {q_, q_};
    auto prev = before == xs.begin() ? *xs.rbegin() : *std::prev(before);
    auto next = after == xs.end() ? *xs.begin() : *after;
    return {(p + q_ - prev - 1) % q_ + 1, (next + q_ - p - 1) % q_ + 1};
  }

  /// How much closer than n `m` would own partitions if it took p: the
  /// sum of n - d over its partitions at distance d < n, which is about
  /// the number of windows that would repeat it.
  uint32_t crowding(int m, uint32_t p) const {
    uint32_t result = 0;
    for (uint32_t d = 1; d <= reach(); ++d)
      for (auto x : {(p + d) % q_, (p + q_ - d) % q_})
        result += owner_[x] == m ? n_ - d : 0;
    return result;
  }

  bool any_crowded() const {
    for (uint32_t p = 0; p < q_; ++p)
      if (crowded(p))
        return true;
    return false;
  }

private:
  uint32_t q_;
  uint32_t n_;
  std::vector<int> owner_;
  std::vector<std::set<uint32_t>> slots_;
};

/// A new ring over member indices 0..s-1, in m = ceil(q/s) blocks of
/// floor(q/m) or ceil(q/m) partitions. The d = m*s - q members that own
/// m - 1 partitions ("short") are the last d; the s - d others ("full")
/// open every block in index order, so their partitions are exactly one
/// block length apart. The rest of each block continues one round-robin
/// stream over the short members, whose m - 1 rounds fill the blocks
/// exactly, so the stream wraps around the ring seamlessly. A short
/// member's next partition is then s - d + d = s partitions on (the other
/// full and short members in between), or more if it skips a block.
/// Feasible means floor(q/m) >= n: every gap is >= n, all windows are
/// distinct. Otherwise only the full members repeat, each over m gaps that
/// together lack exactly m*n - q, which is violation_floor().
std::vector<int> block_layout(uint32_t q, uint32_t s) {
  uint32_t m = (q + s - 1) / s;
  uint32_t d = m * s - q;
  uint32_t full = s - d;
  std::vector<int> result;
  result.reserve(q);
  uint32_t stream = 0;
  for (uint32_t i = 0; i < m; ++i) {
    // Long blocks spread evenly; any placement would do.
    auto len = q / m + ((i + 1) * (q % m) / m - i * (q % m) / m);
    for (uint32_t j = 0; j < len; ++j)
      result.push_back(static_cast<int>(
        j < full ? j : full + stream++ % std::max(d, uint32_t{1})));
  }
  return result;
}

/// The block layout, rotated and with its member indices mapped to members
/// so that as many partitions as possible keep their previous owner
/// (greedy matching by overlap, for every rotation). The last resort of a
/// change, and quadratic in Q.
std::vector<int> aligned_layout(const std::vector<int>& previous, uint32_t s) {
  auto q = static_cast<uint32_t>(previous.size());
  auto blocks = block_layout(q, s);
  std::optional<std::tuple<size_t, uint32_t, std::vector<int>>> best;
  std::vector<uint32_t> overlap(static_cast<size_t>(s) * s);
  for (uint32_t rotation = 0; rotation < q; ++rotation) {
    std::fill(overlap.begin(), overlap.end(), 0);
    std::vector<std::pair<uint32_t, uint32_t>> cells; // (q - overlap, cell)
    for (uint32_t p = 0; p < q; ++p)
      if (previous[p] != vacant) {
        auto cell = static_cast<uint32_t>(blocks[(p + rotation) % q]) * s
                    + static_cast<uint32_t>(previous[p]);
        if (overlap[cell]++ == 0)
          cells.emplace_back(0, cell);
      }
    for (auto& c : cells)
      c.first = q - overlap[c.second];
    std::sort(cells.begin(), cells.end());
    std::vector<int> map(s, vacant); // block member index -> member
    std::vector<bool> used(s, false);
    size_t kept = 0;
    for (auto [inverse, cell] : cells)
      if (map[cell / s] == vacant && !used[cell % s]) {
        map[cell / s] = static_cast<int>(cell % s);
        used[cell % s] = true;
        kept += q - inverse;
      }
    if (best && kept <= std::get<0>(*best))
      continue;
    // Members that matched nothing take the indices left, in order.
    int next = 0;
    for (auto& x : map)
      if (x == vacant) {
        while (used[next])
          ++next;
        x = next;
        used[next] = true;
      }
    best.emplace(kept, rotation, std::move(map));
  }
  auto& [kept, rotation, map] = *best;
  std::vector<int> result(q);
  for (uint32_t p = 0; p < q; ++p)
    result[p] = map[blocks[(p + rotation) % q]];
  return result;
}

/// Members below `receive_below` receive; a partition is a source if vacant
/// or its owner has more than `give_above`.
struct pass {
  uint32_t receive_below;
  uint32_t give_above;
};

/// Preference among the ways a receiver `r` could take source partition p
/// (smaller is better).
auto preference(const layout& l, int r, uint32_t p, uint32_t hi) {
  auto [before, after] = l.gaps(r, p);
  return std::make_tuple(
    // A vacant partition needs a new owner anyway: one move serves both.
    l.owner(p) != vacant,
    // Keep the receiver's partitions about Q/hi apart, so that later takes
    // still find room: a join sweeps the ring at even spacing.
    std::min(before, after) < l.q() / hi,
    // Taking a partition that shares a window with its owner repairs it.
    !l.crowded(p),
    // Continue the receiver's sweep right after its previous partition.
    before, l.count(r), r, p);
}

using preference_t
  = decltype(preference(std::declval<const layout&>(), 0, 0, 1));

/// Moves one partition toward balance without making any member share a
/// window with itself: a receiver takes a source partition, or takes a
/// partition of a member that takes another, and so on to a source (the
/// shortest such chain, breadth-first over members; each hop is one move).
/// Each member on the chain gains one partition and loses at most one (the
/// one its predecessor takes) and is checked without that one, so every
/// hop fits once the chain is made. Returns false if there is no chain (no
/// direct move, if not `chains`).
bool augment(layout& l, pass ps, uint32_t hi, bool chains) {
  auto is_source = [&](uint32_t p) {
    return l.owner(p) == vacant || l.count(l.owner(p)) > ps.give_above;
  };
  std::vector<int> taken_by(l.s(), vacant); // taken_by[y] takes lost[y]
  std::vector<uint32_t> lost(l.s(), no_partition);
  std::vector<bool> seen(l.s(), false);
  std::vector<int> level;
  for (int m = 0; m < l.s(); ++m)
    if (l.count(m) < ps.receive_below) {
      level.push_back(m);
      seen[m] = true;
    }
  for (bool first = true; !level.empty() && (first || chains); first = false) {
    std::optional<std::pair<preference_t, std::pair<int, uint32_t>>> best;
    for (uint32_t p = 0; p < l.q(); ++p)
      if (is_source(p))
        for (auto x : level)
          if (x != l.owner(p) && l.fits(x, p, lost[x])) {
            auto pref = preference(l, x, p, hi);
            if (!best || pref < best->first)
              best.emplace(pref, std::make_pair(x, p));
          }
    if (best) {
      auto [x, p] = best->second;
      for (; x != vacant; p = lost[x], x = taken_by[x])
        l.assign(p, x);
      return true;
    }
    std::vector<int> next;
    for (auto x : level)
      for (uint32_t p = 0; p < l.q(); ++p) {
        auto y = l.owner(p);
        if (y != vacant && !seen[y] && l.fits(x, p, lost[x])) {
          seen[y] = true;
          taken_by[y] = x;
          lost[y] = p;
          next.push_back(y);
        }
      }
    level = std::move(next);
  }
  return false;
}

/// The thorough search when augment() finds nothing (quadratic in Q), from
/// the other end: a source partition (a hole) goes to a member that owns
/// exactly one partition too close to it and gives that one up, which is
/// the next hole, and so on until a receiver can take a hole outright. Each
/// partition is a hole once, and every check sees the hops before it, so a
/// member may hop twice: two crossing chains, as when a leave shrinks the
/// ring to N + 1 members and every gap is tight.
bool eject(layout& l, pass ps, uint32_t hi) {
  auto q = l.q();
  struct hole {
    uint32_t partition;
    int taker;     // takes the parent's partition, gives up this one
    size_t parent; // SIZE_MAX for a source
  };
  std::vector<hole> holes;
  std::vector<bool> seen(q, false);
  for (uint32_t p = 0; p < q; ++p)
    if (l.owner(p) == vacant || l.count(l.owner(p)) > ps.give_above) {
      holes.push_back(hole{p, vacant, SIZE_MAX});
      seen[p] = true;
    }
  // The owner of z once the hops up to hole i are made.
  auto owner_at = [&](size_t i, uint32_t z) {
    for (; holes[i].parent != SIZE_MAX; i = holes[i].parent)
      if (holes[holes[i].parent].partition == z)
        return holes[i].taker;
    return l.owner(z);
  };
  for (size_t begin = 0; begin < holes.size();) {
    auto end = holes.size();
    std::optional<std::pair<preference_t, std::pair<size_t, int>>> best;
    for (auto i = begin; i < end; ++i) {
      auto h = holes[i].partition;
      auto giver = holes[i].parent == SIZE_MAX ? l.owner(h) : holes[i].taker;
      for (int x = 0; x < l.s(); ++x) {
        uint32_t blocking = no_partition;
        size_t blocks = 0;
        for (uint32_t d = 1; d <= l.reach() && x != giver; ++d)
          for (auto z : {(h + d) % q, (h + q - d) % q})
            if (z != blocking && owner_at(i, z) == x) {
              blocking = z;
              ++blocks;
            }
        if (x != giver && blocks == 0 && l.count(x) < ps.receive_below) {
          auto pref = preference(l, x, h, hi);
          if (!best || pref < best->first)
            best.emplace(pref, std::make_pair(i, x));
        } else if (x != giver && blocks == 1 && !seen[blocking]) {
          seen[blocking] = true;
          holes.push_back(hole{blocking, x, i});
        }
      }
    }
    if (best) {
      auto [i, x] = best->second;
      l.assign(holes[i].partition, x);
      for (; holes[i].parent != SIZE_MAX; i = holes[i].parent)
        l.assign(holes[holes[i].parent].partition, holes[i].taker);
      return true;
    }
    begin = end;
  }
  return false;
}

/// The direct move that crowds its receiver least, for when no chain avoids
/// crowding altogether.
void force(layout& l, pass ps, uint32_t hi) {
  std::optional<std::tuple<uint32_t, preference_t, int, uint32_t>> best;
  for (uint32_t p = 0; p < l.q(); ++p) {
    auto y = l.owner(p);
    if (y != vacant && l.count(y) <= ps.give_above)
      continue;
    for (int r = 0; r < l.s(); ++r)
      if (r != y && l.count(r) < ps.receive_below) {
        auto key
          = std::make_tuple(l.crowding(r, p), preference(l, r, p, hi), r, p);
        if (!best || key < *best)
          best = key;
      }
  }
  l.assign(std::get<3>(*best), std::get<2>(*best));
}

/// Partitions the members below lo still need, and partitions that must
/// move anyway (vacant, or beyond some member's hi).
std::pair<size_t, size_t> demand_and_surplus(const layout& l, uint32_t lo,
                                             uint32_t hi) {
  size_t demand = 0;
  size_t surplus = 0;
  for (int m = 0; m < l.s(); ++m) {
    demand += l.count(m) < lo ? lo - l.count(m) : 0;
    surplus += l.count(m) > hi ? l.count(m) - hi : 0;
  }
  for (uint32_t p = 0; p < l.q(); ++p)
    surplus += l.owner(p) == vacant ? 1 : 0;
  return {demand, surplus};
}

/// Brings every member to lo..hi partitions and fills every vacancy: first
/// the members below lo, then the surplus. Returns false (and stops) if a
/// move would repeat an owner in a window and `forcing` is off.
bool rebalance(layout& l, uint32_t lo, uint32_t hi, bool chains, bool forcing) {
  auto step = [&](std::initializer_list<pass> passes) {
    for (auto ps : passes)
      if (augment(l, ps, hi, chains))
        return true;
    for (auto ps : passes)
      if (chains && eject(l, ps, hi))
        return true;
    if (forcing)
      force(l, *std::prev(passes.end()), hi);
    return forcing;
  };
  for (;;) {
    auto [demand, surplus] = demand_and_surplus(l, lo, hi);
    // While the surplus covers the demand, taking from a member within
    // lo..hi would only make the surplus move elsewhere later: one extra
    // move. Such a member gives only if nothing else works.
    bool moved = demand > surplus ? step({pass{lo, lo}})
                 : demand > 0     ? step({pass{lo, hi}, pass{lo, lo}})
                 : surplus > 0    ? step({pass{hi, hi}})
                                  : true;
    if (!moved || (demand == 0 && surplus == 0))
      return moved;
  }
}

/// Evicts a partition that shares a window with another of its owner's and
/// rebalances without new repeats, while some eviction works. Each success
/// removes a pair of close partitions of one member and adds none.
void repair(layout& l, uint32_t lo, uint32_t hi) {
  for (uint32_t p = 0; p < l.q();) {
    if (!l.crowded(p)) {
      ++p;
      continue;
    }
    auto before = l;
    l.assign(p, vacant);
    if (rebalance(l, lo, hi, true, false)) {
      p = 0; // start over: the chains may have changed any partition
    } else {
      l = std::move(before);
      ++p;
    }
  }
}

} // namespace

bool distinct_windows_feasible(uint32_t q, uint32_t s, uint32_t n) {
  if (s == 0 || n == 0)
    return false;
  return (q + s - 1) / s <= q / n;
}

size_t violation_floor(uint32_t q, uint32_t s, uint32_t n) {
  if (n <= 1 || s == 0)
    return 0;
  if (s < n || n > q)
    return q;
  auto lo = q / s;
  auto r = q % s;
  auto excess = [&](uint64_t c) -> size_t { return c * n > q ? c * n - q : 0; };
  return r * excess(lo + 1) + (s - r) * excess(lo);
}

std::vector<std::string> claim(const std::vector<std::string>& previous,
                               std::vector<std::string> members, uint32_t q,
                               uint32_t n) {
  std::sort(members.begin(), members.end());
  members.erase(std::unique(members.begin(), members.end()), members.end());
  if (q == 0 || n == 0 || members.empty() || members.front().empty())
    return {};
  auto s = static_cast<uint32_t>(members.size());
  std::vector<int> prev(q, vacant);
  if (previous.size() == q)
    for (uint32_t p = 0; p < q; ++p) {
      auto i = std::lower_bound(members.begin(), members.end(), previous[p]);
      if (i != members.end() && *i == previous[p])
        prev[p] = static_cast<int>(i - members.begin());
    }
  std::vector<int> result;
  if (std::all_of(prev.begin(), prev.end(),
                  [](int x) { return x == vacant; })) {
    result = block_layout(q, s);
  } else {
    auto lo = q / s;
    auto hi = lo + (q % s != 0 ? 1 : 0);
    bool feasible = distinct_windows_feasible(q, s, n);
    layout l{prev, s, n};
    auto [demand, surplus] = demand_and_surplus(l, lo, hi);
    // Infeasible, chains would spend moves on repeats the ring must have
    // anyway (for Q >= 64 and N <= 5 that is S = N, where every preference
    // list names all members whatever the order): direct moves only.
    rebalance(l, lo, hi, feasible, true);
    if (feasible) {
      repair(l, lo, hi);
      // Near the feasibility edge a ring with distinct windows is nearly
      // rigid and moving much of it may be unavoidable; then the fresh
      // layout that keeps the most owners may beat the incremental one.
      auto changed = [&](const std::vector<int>& xs) {
        size_t result = 0;
        for (uint32_t p = 0; p < q; ++p)
          result += xs[p] != prev[p] ? 1 : 0;
        return result;
      };
      auto needed = std::max(demand, surplus);
      auto stuck = l.any_crowded();
      if (stuck || changed(l.owners()) > needed + needed / 2) {
        auto fresh = aligned_layout(prev, s);
        if (stuck || changed(fresh) < changed(l.owners()))
          l = layout{std::move(fresh), s, n};
      }
    }
    result = l.owners();
  }
  std::vector<std::string> owners;
  owners.reserve(q);
  for (auto x : result)
    owners.push_back(members[x]);
  return owners;
}

size_t window_violations(const std::vector<std::string>& owners, uint32_t n) {
  auto q = owners.size();
  if (n > q)
    return q;
  size_t result = 0;
  std::vector<std::string> window;
  for (size_t start = 0; start < q; ++start) {
    window.clear();
    for (size_t i = 0; i < n; ++i)
      window.push_back(owners[(start + i) % q]);
    std::sort(window.begin(), window.end());
    if (std::adjacent_find(window.begin(), window.end()) != window.end())
      ++result;
  }
  return result;
}

std::vector<std::pair<uint32_t, std::string>>
moves(const std::vector<std::string>& before,
      const std::vector<std::string>& after) {
  std::vector<std::pair<uint32_t, std::string>> result;
  for (uint32_t p = 0; p < after.size(); ++p)
    if (p >= before.size() || before[p] != after[p])
      result.emplace_back(p, after[p]);
  return result;
}

} // namespace dkv::detail
