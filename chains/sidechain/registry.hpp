// The mainchain's sidechain registry: entries and their life (registered -> active -> ceased),
// a light client of every sidechain and the anchors of its final headers, with undo, a
// deterministic root and per-item storage records (docs/sidechains.md). Pure: the mainchain's
// block position and active cluster come in as arguments.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "chains/consensus/light_client.hpp"
#include "chains/sidechain/registry_payloads.hpp"

namespace bfd {

/// Where on the mainchain a registry transaction is applied.
struct mainchain_position {
  std::uint64_t height = 0;        ///< the block holding the transaction
  std::uint64_t timestamp_ms = 0;  ///< that block's timestamp
};

/// One anchor: a final sidechain header recorded on the mainchain.
struct anchor_record {
  std::uint64_t sidechain_height = 0;
  hash256 header_hash;
  std::uint64_t mainchain_height = 0;  ///< the mainchain block holding the anchor transaction
  friend bool operator==(const anchor_record&, const anchor_record&) = default;
};

/// What the registry keeps of one sidechain besides its anchors.
struct sidechain_info {
  sidechain_entry entry;
  sidechain_status status = sidechain_status::registered;
  std::uint64_t registered_height = 0;
  std::optional<std::uint64_t> activated_height;
  std::optional<std::uint64_t> ceased_height;
  hash256 genesis_hash;             ///< header hash of the genesis derived from the entry
  std::uint64_t anchored_height = 0;  ///< latest anchored header (the genesis before any anchor)
  hash256 anchored_hash;
  /// Sequence numbers of the anchors kept: [first_anchor, next_anchor); next_anchor counts all.
  std::uint64_t first_anchor = 0;
  std::uint64_t next_anchor = 0;
  /// What the light client trusts from: the genesis, then the last anchor that carried a state
  /// proof (its clusters).
  block_header trust_header;
  state_proof trust_proof;
};

class sidechain_registry {
public:
  /// Anchors kept per sidechain; older ones leave the state (their mainchain blocks still prove them).
  static constexpr std::uint64_t kept_anchors = 1024;

  /// An empty registry. Only `authority` may register, activate and cease; sidechain genesis
  /// states take `mainchain`'s categories and minimum bid. `pegged`: the mainchain has the peg
  /// module, so every sidechain's genesis has it too (chains/peg `with_peg`), and the genesis hash
  /// the registry records is that of the pegged genesis.
  sidechain_registry(const public_key& authority, consensus_params mainchain, bool pegged = false);

  bool pegged() const noexcept { return pegged_; }

  const public_key& authority() const noexcept { return authority_; }
  const consensus_params& mainchain_params() const noexcept { return mainchain_; }

  /// Checks a registration by `sender` in the block at `at`, whose active cluster is `active`.
  status check_register(const public_key& sender, const sidechain_register_payload& p,
                        const mainchain_position& at, const cluster& active) const;
  status apply_register(const public_key& sender, const sidechain_register_payload& p,
                        const mainchain_position& at, const cluster& active);
  /// registered -> active; authority only.
  status check_activate(const public_key& sender, const sidechain_activate_payload& p) const;
  status apply_activate(const public_key& sender, const sidechain_activate_payload& p, const mainchain_position& at);
  /// registered or active -> ceased; authority only. Later anchors are refused.
  status check_cease(const public_key& sender, const sidechain_cease_payload& p) const;
  status apply_cease(const public_key& sender, const sidechain_cease_payload& p, const mainchain_position& at);
  /// An anchor of an active sidechain, from anyone: the header is above the latest anchored one
  /// by at most the chain's anchor_interval and the light client accepts it as final (with the
  /// state proof, when one is attached, as a cluster handoff).
  status check_anchor(const sidechain_anchor_payload& p) const;
  status apply_anchor(const sidechain_anchor_payload& p, const mainchain_position& at);

  /// The sidechain with this id, or nullptr.
  const sidechain_info* find(chain_id id) const;
  /// The light client of a sidechain, or nullptr.
  const light_client* client(chain_id id) const;
  /// Every sidechain id, in order.
  std::vector<chain_id> ids() const;
  /// The anchors kept for a sidechain, oldest first.
  std::vector<anchor_record> anchors(chain_id id) const;
  /// The kept anchor at or right above sidechain height `h` (the one an anchoring proof of
  /// height h links to), or nothing.
  std::optional<anchor_record> anchor_covering(chain_id id, std::uint64_t h) const;

  /// Root committing to every entry, status, height, light-client position and kept anchor
  /// (docs/formats.md). Only sidechains changed since the last call are re-hashed.
  hash256 root() const;

  /// Undo: a mark to roll back to, as the ledger's.
  std::size_t checkpoint() const noexcept { return journal_.size(); }
  void rollback(std::size_t mark);
  void release_undo() { journal_.clear(); }
  void forget_journal(std::size_t count) {
    journal_.erase(journal_.begin(), journal_.begin() + static_cast<std::ptrdiff_t>(std::min(count, journal_.size())));
  }

  /// Storage records: key 'c' + be32(id) for a sidechain, 'a' + be32(id) + be64(sequence) for
  /// an anchor; no value for an anchor that left the state.
  using record = std::pair<bytes, std::optional<bytes>>;
  /// The records changed since the last clear_dirty() (every record after mark_all_dirty()).
  std::vector<record> dirty_records() const;
  void mark_all_dirty();
  void clear_dirty() {
    dirty_chains_.clear();
    dirty_anchors_.clear();
  }
  /// A registry rebuilt from every record: checks their shape and that each sidechain's kept
  /// anchors are all present, and restarts the light clients from the stored trust points.
  static result<sidechain_registry> restore(const public_key& authority, consensus_params mainchain,
                                            std::span<const std::pair<bytes, bytes>> records,
                                            bool pegged = false);

  friend bool operator==(const sidechain_registry& a, const sidechain_registry& b);

private:
  struct item {
    sidechain_info info;
    light_client client;
  };
  using anchor_key = std::pair<chain_id, std::uint64_t>;
  struct journal_entry {
    chain_id id = 0;
    std::optional<item> old_item;          // set for a sidechain change
    std::optional<std::uint64_t> anchor;   // set for an anchor change
    std::optional<anchor_record> old_anchor;
  };

  status check_authority(const public_key& sender, const char* what) const;
  result<const item*> existing(chain_id id) const;
  result<light_client> verify_anchor(const item& it, const sidechain_anchor_payload& p) const;
  void set_item(chain_id id, std::optional<item> value);
  void set_anchor(const anchor_key& key, std::optional<anchor_record> value);

  public_key authority_;
  consensus_params mainchain_;
  bool pegged_ = false;
  std::map<chain_id, item> items_;
  std::map<std::string, chain_id> names_;
  std::map<anchor_key, anchor_record> anchors_;
  std::vector<journal_entry> journal_;
  std::set<chain_id> dirty_chains_;
  std::set<anchor_key> dirty_anchors_;
  mutable std::map<chain_id, hash256> item_hashes_;  // cache; a missing entry is stale
};

namespace codec {
/// A sidechain's storage record (the bytes its item hash commits to).
bytes encode(const sidechain_info& info);
result<sidechain_info> decode_sidechain_info(byte_view in);
} // namespace codec

} // namespace bfd
