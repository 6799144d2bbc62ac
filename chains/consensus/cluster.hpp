// Cluster selection across categories, the seeded slot shuffle and the finality threshold.
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "chains/consensus/params.hpp"
#include "chains/consensus/vm.hpp"

namespace bfd {

/// A delegate in a cluster.
struct cluster_member {
  public_key key;
  std::uint32_t category = 0;
  amount power = 0;  ///< voting power when the cluster was selected
  friend bool operator==(const cluster_member&, const cluster_member&) = default;
};

/// The delegates producing and confirming blocks for one epoch.
struct cluster {
  std::vector<cluster_member> members;  ///< in selection order
  amount power = 0;                     ///< sum of the members' power
  amount total_power = 0;               ///< power of every eligible VM at selection time
  /// Whether the cluster holds more than half of all voting power.
  bool majority() const noexcept;
  /// The member with this key, or nullptr.
  const cluster_member* find(const public_key& key) const noexcept;
  friend bool operator==(const cluster&, const cluster&) = default;
};

/// Takes witnesses round-robin across categories, by voting power within a category (ties by
/// key), a full pass at a time (so categories get equal numbers while their queues allow), until
/// the cluster holds more than 50% of the voting power of all eligible VMs. Per-category caps
/// stop a category early. Only active VMs with power are eligible.
cluster select_cluster(const std::map<public_key, vm_info>& vms, const consensus_params& params);

/// Fisher-Yates shuffle driven by a stream of tagged hashes of `seed` (unbiased by rejection).
std::vector<public_key> shuffle_order(std::vector<public_key> keys, const hash256& seed);

namespace codec {
class writer;
/// The member list [[key, category, power]...] (shared by the consensus state's encoding and
/// cluster_hash, docs/formats.md).
void encode_members(const cluster& c, writer& w);
} // namespace codec

/// Whether `confirmed` power is more than 2/3 of `cluster_power`.
bool exceeds_two_thirds(amount confirmed, amount cluster_power) noexcept;

} // namespace bfd
