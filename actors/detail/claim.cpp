#include "actors/detail/claim.hpp"

#include <algorithm>
#include <map>

namespace dkv::detail {

namespace {

using owner_list = std::vector<std::string>;

/// Owners equal to `who` within n-1 positions of p (either side), p excluded,
/// each position counted once even when the ring is shorter than 2n.
size_t near_duplicates(const owner_list& owners, uint32_t p,
                       const std::string& who, uint32_t n) {
  auto q = static_cast<uint32_t>(owners.size());
  auto reach = std::min<uint32_t>(n - 1, q / 2);
  size_t result = 0;
  for (uint32_t d = 1; d <= reach; ++d) {
    auto ahead = (p + d) % q;
    auto behind = (p + q - d) % q;
    result += owners[ahead] == who ? 1 : 0;
    if (behind != ahead)
      result += owners[behind] == who ? 1 : 0;
  }
  return result;
}

/// How many partitions each member should own: floor(Q/S), and one more for
/// the Q mod S members that own the most today (fewest moves), ties by name.
std::map<std::string, size_t> targets(const owner_list& owners,
                                      const owner_list& members, uint32_t q) {
  std::map<std::string, size_t> have;
  for (auto& o : owners)
    if (!o.empty())
      ++have[o];
  auto order = members;
  std::stable_sort(order.begin(), order.end(),
                   [&](const std::string& x, const std::string& y) {
                     return have[x] > have[y];
                   });
  std::map<std::string, size_t> result;
  auto s = members.size();
  for (size_t i = 0; i < s; ++i)
    result[order[i]] = q / s + (i < q % s ? 1 : 0);
  return result;
}

/// A fresh ring where every window is distinct (REQUIRES: feasible). Walk
/// the member list m = ceil(Q/S) times (m*S steps) and skip d = m*S - Q
/// steps: skip k lands in round floor(k*m/d) on member k, so no member is
/// skipped twice (balance: counts m or m-1) and the skips of one round form
/// one cluster of at most ceil(d/m) <= S-N members. N consecutive owners
/// then span at most N + (S-N) = S steps of the walk, so they are distinct.
owner_list distinct_layout(const owner_list& members, uint32_t q) {
  auto s = static_cast<uint32_t>(members.size());
  uint32_t m = (q + s - 1) / s;
  uint32_t d = m * s - q;
  std::vector<bool> skipped(static_cast<size_t>(m) * s, false);
  for (uint32_t k = 0; k < d; ++k)
    skipped[static_cast<size_t>(k) * m / d * s + k] = true;
  owner_list owners;
  owners.reserve(q);
  for (size_t t = 0; t < skipped.size(); ++t)
    if (!skipped[t])
      owners.push_back(members[t % s]);
  return owners;
}

/// A fresh ring when distinct windows are out of reach: fill positions in
/// order with the member that still needs the most partitions, preferring
/// one that adds no repeated owner to a window.
owner_list greedy_layout(const owner_list& members, uint32_t q, uint32_t n,
                         std::map<std::string, size_t> need) {
  owner_list owners(q);
  std::map<std::string, int64_t> last_used;
  for (auto& m : members)
    last_used[m] = -1;
  for (uint32_t p = 0; p < q; ++p) {
    const std::string* best = nullptr;
    bool best_free = false;
    for (auto& m : members) {
      if (need[m] == 0)
        continue;
      bool free = near_duplicates(owners, p, m, n) == 0;
      auto better = [&] {
        if (!best)
          return true;
        if (free != best_free)
          return free;
        if (need[m] != need[*best])
          return need[m] > need[*best];
        return last_used[m] < last_used[*best];
      };
      if (better()) {
        best = &m;
        best_free = free;
      }
    }
    owners[p] = *best;
    --need[*best];
    last_used[*best] = p;
  }
  return owners;
}

owner_list fresh(const owner_list& members, uint32_t q, uint32_t n,
                 const std::map<std::string, size_t>& need) {
  auto s = static_cast<uint32_t>(members.size());
  if (distinct_windows_feasible(q, s, n))
    return distinct_layout(members, q);
  return greedy_layout(members, q, n, need);
}

/// Moves partitions from members over their target (or from departed
/// members) to members under it, one at a time, each to the position that
/// keeps windows distinct and takes from whoever has the most surplus.
void rebalance(owner_list& owners, const owner_list& members, uint32_t n,
               std::map<std::string, size_t>& target) {
  auto q = static_cast<uint32_t>(owners.size());
  std::map<std::string, size_t> have;
  for (auto& o : owners)
    if (!o.empty())
      ++have[o];
  for (;;) {
    const std::string* receiver = nullptr;
    for (auto& m : members)
      if (have[m] < target[m]
          && (!receiver
              || target[m] - have[m] > target[*receiver] - have[*receiver]))
        receiver = &m;
    if (!receiver)
      return;
    int64_t best = -1;
    std::tuple<bool, bool, size_t, size_t> best_score;
    for (uint32_t p = 0; p < q; ++p) {
      auto& owner = owners[p];
      bool vacant = owner.empty();
      if (!vacant && have[owner] <= target[owner])
        continue;
      // Lower is better: conflicts the receiver would have here, whether we
      // take a non-vacant slot, fewer surplus of the giver, owner's own
      // conflicts here (taking a conflicting slot repairs it).
      bool conflict = near_duplicates(owners, p, *receiver, n) > 0;
      size_t surplus = vacant ? q : have[owner] - target[owner];
      size_t owner_ok = vacant ? 0 : (near_duplicates(owners, p, owner, n)
                                        > 0 ? 0 : 1);
      auto score = std::make_tuple(conflict, !vacant, q - surplus, owner_ok);
      if (best < 0 || score < best_score) {
        best = p;
        best_score = score;
      }
    }
    auto& slot = owners[static_cast<uint32_t>(best)];
    if (!slot.empty())
      --have[slot];
    slot = *receiver;
    ++have[*receiver];
  }
}

/// Conflicts of the positions around p and r (the only ones a swap of p
/// and r can change).
size_t conflicts_near(const owner_list& owners, uint32_t p, uint32_t r,
                      uint32_t n) {
  auto q = static_cast<uint32_t>(owners.size());
  std::vector<uint32_t> around;
  for (auto center : {p, r})
    for (uint32_t d = 0; d < n && d < q; ++d) {
      around.push_back((center + d) % q);
      around.push_back((center + q - d) % q);
    }
  std::sort(around.begin(), around.end());
  around.erase(std::unique(around.begin(), around.end()), around.end());
  size_t result = 0;
  for (auto x : around)
    result += near_duplicates(owners, x, owners[x], n);
  return result;
}

/// Swaps owners of two partitions while that lowers the conflicts. Swaps
/// keep every member's count, so balance holds. Each accepted swap removes
/// at least one conflict, so this ends.
void repair(owner_list& owners, uint32_t n) {
  auto q = static_cast<uint32_t>(owners.size());
  for (;;) {
    bool improved = false;
    for (uint32_t p = 0; p < q; ++p) {
      if (near_duplicates(owners, p, owners[p], n) == 0)
        continue;
      for (uint32_t r = 0; r < q; ++r) {
        if (owners[r] == owners[p])
          continue;
        auto before = conflicts_near(owners, p, r, n);
        std::swap(owners[p], owners[r]);
        if (conflicts_near(owners, p, r, n) < before) {
          improved = true;
          break;
        }
        std::swap(owners[p], owners[r]);
      }
    }
    if (!improved)
      return;
  }
}

} // namespace

bool distinct_windows_feasible(uint32_t q, uint32_t s, uint32_t n) {
  if (s < n || n > q)
    return false;
  auto most = (q + s - 1) / s;
  return most <= q / n;
}

std::vector<std::string> claim(const std::vector<std::string>& previous,
                               std::vector<std::string> members, uint32_t q,
                               uint32_t n) {
  std::sort(members.begin(), members.end());
  members.erase(std::unique(members.begin(), members.end()), members.end());
  owner_list owners(q);
  if (previous.size() == q) {
    for (uint32_t p = 0; p < q; ++p)
      if (std::binary_search(members.begin(), members.end(), previous[p]))
        owners[p] = previous[p];
  }
  auto target = targets(owners, members, q);
  bool empty = std::all_of(owners.begin(), owners.end(),
                           [](const std::string& o) { return o.empty(); });
  if (empty)
    owners = fresh(members, q, n, target);
  else
    rebalance(owners, members, n, target);
  // Repair only where a conflict-free ring exists: elsewhere swaps cannot
  // reach zero and would only move data.
  auto s = static_cast<uint32_t>(members.size());
  if (!distinct_windows_feasible(q, s, n) || window_violations(owners, n) == 0)
    return owners;
  // Where swaps get stuck a few windows keep a repeated owner: preference
  // lists skip repeats, so replicas still land on N distinct nodes, and a
  // fresh layout would move most of the ring.
  repair(owners, n);
  return owners;
}

size_t window_violations(const std::vector<std::string>& owners, uint32_t n) {
  auto q = owners.size();
  size_t result = 0;
  auto width = std::min<size_t>(n, q);
  for (size_t start = 0; start < q; ++start) {
    std::vector<std::string> window;
    for (size_t i = 0; i < width; ++i)
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
