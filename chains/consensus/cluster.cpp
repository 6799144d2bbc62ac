#include "chains/consensus/cluster.hpp"

#include "chains/codec/canonical.hpp"

#include <algorithm>

#include "chains/crypto/hash.hpp"

namespace bfd {

bool cluster::majority() const noexcept {
  return total_power > 0 && static_cast<unsigned __int128>(power) * 2 > total_power;
}

const cluster_member* cluster::find(const public_key& key) const noexcept {
  for (const auto& m : members)
    if (m.key == key)
      return &m;
  return nullptr;
}

cluster select_cluster(const std::map<public_key, vm_info>& vms, const consensus_params& params) {
  std::vector<std::vector<cluster_member>> queues(params.categories.size());
  cluster out;
  for (const auto& [key, vm] : vms) {
    if (vm.status != vm_status::active || vm.power() == 0 || vm.category >= queues.size())
      continue;
    queues[vm.category].push_back({key, vm.category, vm.power()});
    out.total_power += vm.power();
  }
  for (auto& q : queues)
    std::sort(q.begin(), q.end(), [](const cluster_member& a, const cluster_member& b) {
      return a.power != b.power ? a.power > b.power : a.key < b.key;
    });
  for (std::size_t pass = 0;; ++pass) {
    bool added = false;
    for (std::size_t c = 0; c < queues.size(); ++c) {
      auto cap = params.categories[c].cluster_cap;
      if (pass >= queues[c].size() || (cap != 0 && pass >= cap))
        continue;
      out.members.push_back(queues[c][pass]);
      out.power += queues[c][pass].power;
      added = true;
    }
    if (!added || out.majority())
      break;
  }
  return out;
}

namespace {

// The k-th 64-bit draw of the random stream of `seed`.
std::uint64_t draw(const hash256& seed, std::uint64_t k) {
  byte counter[8];
  for (int i = 0; i < 8; ++i)
    counter[i] = static_cast<byte>(k >> (56 - 8 * i));
  auto h = tagged_hash(hash_tag::seed, seed.view(), byte_view{counter, 8});
  std::uint64_t r = 0;
  for (int i = 0; i < 8; ++i)
    r = (r << 8) | h.data[i];
  return r;
}

} // namespace

std::vector<public_key> shuffle_order(std::vector<public_key> keys, const hash256& seed) {
  std::uint64_t k = 0;
  for (std::size_t i = keys.size(); i > 1; --i) {
    const std::uint64_t n = i;
    const std::uint64_t limit = UINT64_MAX - (UINT64_MAX % n);  // reject the biased tail
    std::uint64_t r = draw(seed, k++);
    while (r >= limit)
      r = draw(seed, k++);
    std::swap(keys[i - 1], keys[r % n]);
  }
  return keys;
}

bool exceeds_two_thirds(amount confirmed, amount cluster_power) noexcept {
  return static_cast<unsigned __int128>(confirmed) * 3 > static_cast<unsigned __int128>(cluster_power) * 2;
}

namespace codec {

void encode_members(const cluster& c, writer& w) {
  w.array(static_cast<std::uint32_t>(c.members.size()));
  for (const auto& m : c.members) {
    w.array(3);
    w.bin(m.key);
    w.uint(m.category);
    w.uint(m.power);
  }
}

} // namespace codec

} // namespace bfd
