// A light client of one chain: it trusts one cluster and from then on accepts final headers
// from finality certificates alone, following cluster changes through state proofs of final
// headers. What sidechain anchoring and the two-way peg verify against. Pure.
#pragma once

#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "chains/consensus/chain_state.hpp"
#include "chains/consensus/confirmation.hpp"

namespace bfd {

/// The parts of a state root (what chain_state::state_root hashes) that show a header's
/// clusters: the ledger root and the consensus root's parts (its scalar record names the
/// active and the next cluster).
struct state_proof {
  hash256 ledger_root;
  consensus_state::root_parts_t consensus;
  /// The roots of the chain's other state modules that have one, in id order (empty for a
  /// chain with token and consensus only).
  std::vector<std::pair<std::uint8_t, hash256>> modules;
};

/// The state proof of a full state (what a node serves for a header it holds the state of).
state_proof make_state_proof(const chain_state& st);

class light_client {
public:
  /// Trusts `genesis_or_checkpoint`'s clusters: those of the state proof, which must reproduce
  /// the header's state root (a genesis header, or a header obtained out of band).
  static result<light_client> start(const block_header& trusted, const state_proof& proof);

  /// Accepts `header` as final: `cert` must prove it final (its source is the header, its
  /// target the direct child) and verify against a trusted cluster it names. Headers at or
  /// below the latest accepted one are refused (`stale`).
  status accept_final(const block_header& header, const finality_certificate& cert);

  /// As accept_final, then trusts the clusters `proof` shows for the header's state (the active
  /// one and the next one, which takes over at the next epoch boundary). This is how the client
  /// follows cluster changes: one final header per change, with its state proof.
  status accept_handoff(const block_header& header, const finality_certificate& cert, const state_proof& proof);

  /// The newest header accepted as final.
  const block_header& latest() const noexcept { return latest_; }
  /// Whether a cluster with this hash is trusted now.
  bool trusts(const hash256& cluster) const { return trusted_.count(cluster) > 0; }

private:
  light_client() = default;
  status trust_from(const block_header& header, const state_proof& proof);
  block_header latest_;
  chain_id chain_ = mainchain_id;
  std::map<hash256, cluster> trusted_;  // by cluster_hash; the last two a state proof named
};

} // namespace bfd
