// A VM: a delegate candidate bought by a BFDT bid, with its voting power and track record.
#pragma once

#include <cstdint>

#include "chains/core/amount.hpp"
#include "chains/core/bytes.hpp"

namespace bfd {

/// Whether a VM may be selected into a cluster.
enum class vm_status : std::uint8_t {
  active = 0,   ///< in the witness queue
  demoted = 1,  ///< missed too many slots in a row; a bid top-up reinstates it
  slashed = 2,  ///< proven to equivocate; its bid was burned; never selected again
};

/// One VM, keyed by its delegate's public key (the key that bid for it).
struct vm_info {
  std::uint32_t category = 0;
  amount bid = 0;                    ///< locked by the bidder
  amount votes = 0;                  ///< stake locked by voters
  hash256 last_reveal;               ///< the commitment, then the latest reveal
  std::uint64_t reveals = 0;         ///< how many reveals it has made
  std::uint64_t created_epoch = 0;
  vm_status status = vm_status::active;
  std::uint32_t consecutive_misses = 0;
  std::uint64_t slots_missed = 0;
  std::uint64_t blocks_produced = 0;
  std::uint64_t txs_included = 0;
  amount rewards = 0;                ///< block rewards and fees earned, voter shares included

  /// Bid plus votes; zero for a slashed VM.
  amount power() const noexcept {
    return status == vm_status::slashed ? 0 : bid + votes;  // both locked: sum <= supply
  }
  friend bool operator==(const vm_info&, const vm_info&) = default;
};

} // namespace bfd
