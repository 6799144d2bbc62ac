// The proof that a sidechain block is anchored on the mainchain, and its pure verification
// against a trusted final mainchain header (docs/sidechains.md). The inclusion part is generic:
// it takes the anchor transaction's entry hash, so it needs no transaction codec.
#pragma once

#include <cstdint>
#include <vector>

#include "chains/core/error.hpp"
#include "chains/merkle/merkle.hpp"
#include "chains/primitives/block.hpp"
#include "chains/sidechain/registry_payloads.hpp"

namespace bfd {

/// Sidechain block `hash` at `height` of chain `chain`: what an anchoring proof proves.
struct anchored_block {
  chain_id chain = 0;
  std::uint64_t height = 0;
  hash256 hash;
  friend bool operator==(const anchored_block&, const anchored_block&) = default;
};

/// Most mainchain headers an anchoring proof may carry from the anchoring block up to the
/// trusted one (an older anchor needs a trusted header nearer to it).
inline constexpr std::size_t max_mainchain_links = 1024;

/// An anchoring proof, read bottom up:
///  - `sidechain_links`: sidechain headers from the proven block up to, not including, the
///    anchored header, each the parent of the next (empty when the anchored header is proven);
///  - `anchored`: the sidechain header the anchor transaction carries;
///  - `inclusion`: the anchor transaction's entry hash in `mainchain_block`'s tx root;
///  - `mainchain_block`: the mainchain header of the block holding the anchor transaction;
///  - `mainchain_links`: mainchain headers from the child of `mainchain_block` up to the trusted
///    final header, each the child of the one before (empty when the anchoring block is trusted).
struct anchoring_proof {
  std::vector<block_header> sidechain_links;
  block_header anchored;
  merkle_proof inclusion;
  block_header mainchain_block;
  std::vector<block_header> mainchain_links;
};

/// What the caller reads from the anchor transaction itself (it holds the transaction codec):
/// its entry hash and the hash of the header its sidechain_anchor payload carries. This binds
/// the transaction proven included to the anchored header of the proof.
struct anchor_binding {
  hash256 entry;
  hash256 anchored_header;
};

/// Verifies `proof` and returns the sidechain block it proves (its first link, or the anchored
/// header). `proof.anchored` must hash to `anchor.anchored_header`.
/// Checks: the mainchain links chain by parent hash and height from `mainchain_block` to
/// `trusted_mainchain_final` (same chain, at most max_mainchain_links); the entry is in the
/// anchoring block's tx root; the sidechain links chain by parent hash and height to
/// `anchored`, all of the anchored chain, at most registry_bounds::max_anchor_interval of them.
result<anchored_block> verify_anchoring(const anchoring_proof& proof, const block_header& trusted_mainchain_final,
                                        const anchor_binding& anchor);

/// As verify_anchoring, and the proven block must be `claim`.
status verify_anchoring(const anchoring_proof& proof, const block_header& trusted_mainchain_final,
                        const anchor_binding& anchor, const anchored_block& claim);

/// Builds the sidechain part: links from the header at `height` up to `anchored`, out of
/// `headers` (consecutive sidechain headers, any order of storage, found by height). Nothing
/// if a header is missing or they do not chain.
std::optional<std::vector<block_header>> sidechain_links(const std::vector<block_header>& headers,
                                                         std::uint64_t height, const block_header& anchored);

} // namespace bfd
