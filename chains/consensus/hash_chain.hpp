// Delegate hash chains: a VM commits to the tip H^n(seed) and reveals one preimage per round,
// so round seeds mix in values nobody could choose after committing.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "chains/core/bytes.hpp"

namespace bfd {

/// One step: H_reveal(x).
hash256 hash_chain_step(const hash256& x);

/// A delegate's own hash chain of `length` steps from a secret seed; keeps checkpoints so a
/// reveal costs at most `checkpoint_every` hashes.
class hash_chain {
public:
  hash_chain(const hash256& seed, std::uint64_t length, std::uint64_t checkpoint_every = 256);

  /// H^length(seed): the commitment published in the vm_bid.
  const hash256& tip() const noexcept { return tip_; }
  std::uint64_t length() const noexcept { return length_; }

  /// The k-th reveal (k >= 1): H^(length-k)(seed), whose hash is reveal k-1 (reveal 0 = tip).
  /// Empty once the chain is used up (k > length).
  std::optional<hash256> reveal(std::uint64_t k) const;

private:
  hash256 element(std::uint64_t i) const;  // H^i(seed)
  std::uint64_t length_;
  std::uint64_t every_;
  std::vector<hash256> checkpoints_;  // H^(j*every)(seed)
  hash256 tip_;
};

} // namespace bfd
