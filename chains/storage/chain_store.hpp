// Persists one chain through a kv_store: each block, its transaction index, the accounts it
// changed and the new head go into one atomic batch, so a reopened store is always exactly at
// some committed block.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "chains/ledger/ledger.hpp"
#include "chains/primitives/validated_block.hpp"
#include "chains/storage/account_history.hpp"
#include "chains/storage/kv_store.hpp"

namespace bfd {

/// The last committed block of a chain.
struct chain_head {
  std::uint64_t height = 0;
  hash256 block_hash;
  hash256 ledger_root;  ///< root of the accounts alone (checked when they are loaded)
  amount total_supply = 0;
  amount locked = 0;
  friend bool operator==(const chain_head&, const chain_head&) = default;
};

/// Where a transaction was included.
struct tx_location {
  std::uint64_t height = 0;
  std::uint32_t index = 0;
};

/// The consensus state as the store writes it with a head: its scalar record and the item
/// records that changed, each key with its value or nothing to delete it (opaque here; see
/// consensus_state::encode_scalars and dirty_records).
struct consensus_write {
  byte_view scalars;
  std::span<const std::pair<bytes, std::optional<bytes>>> items;
};

/// The stored consensus state: the scalar record and every item record, in key order.
struct consensus_read {
  bytes scalars;
  std::vector<std::pair<bytes, bytes>> items;
};

/// A state module's records to write with a head (chains/state/state_module.hpp): opaque keys
/// and values, or nothing to delete; stored under "m" + module id + key.
struct module_write {
  module_id module = module_id::token;
  std::span<const std::pair<bytes, std::optional<bytes>>> records;
};

/// A committed block's peg outbox entries (opaque here: codec::encode_outbox), kept beside the
/// block so a restarted node can still carry them; stored under "o" + block hash.
struct outbox_write {
  hash256 block;
  bytes record;
};

/// One chain's records in its own space ("chain-<id>") of a shared kv_store.
class chain_store {
public:
  /// Creates the chain's space if needed.
  static result<chain_store> open(kv_store& store, chain_id chain);

  chain_id chain() const noexcept { return chain_; }
  const std::string& space() const noexcept { return space_; }

  /// Commits `b` with the accounts `state` changed since the last commit and, if given, the
  /// consensus state records, atomically. The ledger must already have applied `b`.
  status commit_block(const block& b, ledger& state, std::optional<consensus_write> consensus = {});

  /// Commits several consecutive blocks at once (all or none), then the state after the last:
  /// `dirty` accounts, the consensus record and the head's finality certificate, if given.
  status commit_blocks(std::span<const block> blocks, const ledger& state,
                       const std::vector<std::pair<address, std::optional<account>>>& dirty,
                       std::optional<consensus_write> consensus, std::optional<byte_view> certificate,
                       std::span<const module_write> modules = {});

  /// Every stored record of state module `id`, in key order (keys without the prefix).
  result<std::vector<std::pair<bytes, bytes>>> module_records(module_id id);

  /// The same for digested blocks: their carried header hashes and transaction ids are written,
  /// not computed again (the records are the same), with the outboxes of those that wrote any.
  status commit_blocks(std::span<const validated_ptr> blocks, const ledger& state,
                       const std::vector<std::pair<address, std::optional<account>>>& dirty,
                       std::optional<consensus_write> consensus, std::optional<byte_view> certificate,
                       std::span<const module_write> modules = {}, std::span<const outbox_write> outboxes = {});

  /// The outbox record committed with block `hash`, or nothing (no peg traffic, or a block
  /// committed before outboxes were kept).
  result<std::optional<bytes>> outbox_record(const hash256& hash);

  /// The finality certificate stored with the head, or nothing.
  result<std::optional<bytes>> certificate_record();

  /// Replaces the justification record: the non-final blocks up to the highest justified block
  /// and the certificates justifying them (opaque here), so a restart re-learns a justification
  /// its delegates may already vote from.
  status put_justified(byte_view record);
  /// The justification record, or nothing.
  result<std::optional<bytes>> justified_record();

  /// The consensus state records written with the head block, or nothing.
  result<std::optional<consensus_read>> consensus_records();

  /// The last committed block, or nothing for an empty chain.
  result<std::optional<chain_head>> head();

  /// The committed state: loads every account (no replay of blocks) and checks that it
  /// reproduces the head's ledger root (errc::storage_corrupt otherwise).
  result<ledger> load_state();

  result<std::optional<block>> block_at(std::uint64_t height);
  result<std::optional<block>> block_by_hash(const hash256& hash);
  result<std::optional<tx_location>> find_transaction(const hash256& tx_id);

  /// Up to `limit` entries of `account`'s history (chains/storage/account_history.hpp), newest
  /// first, starting after `after` (or at the newest); `more` says whether entries remain.
  result<std::vector<history_entry>> account_history(const address& account, std::optional<history_position> after,
                                                     std::size_t limit, bool& more);

  /// Whether `account`'s history holds transaction `tx_id` at `at` (storage checks).
  result<bool> history_has(const address& account, const history_position& at, const hash256& tx_id);

  /// The height through which the account history is indexed, or nothing when it never was (a
  /// data directory written before the index existed).
  result<std::optional<std::uint64_t>> history_indexed_through();

  /// Indexes the account history of the committed blocks the index does not cover yet (all of
  /// them in a data directory from before the index; none once it is up to date), in batches of
  /// `blocks_per_batch` blocks, each with its progress record, so an interrupted run resumes.
  /// `indexed` counts the blocks read.
  status backfill_history(std::uint64_t& indexed, std::uint64_t blocks_per_batch = 512);

private:
  struct block_view {
    const block* blk;
    const hash256* hash;
    const std::vector<hash256>* ids;
  };
  status commit(std::span<const block_view> blocks, const ledger& state,
                const std::vector<std::pair<address, std::optional<account>>>& dirty,
                std::optional<consensus_write> consensus, std::optional<byte_view> certificate,
                std::span<const module_write> modules, std::span<const outbox_write> outboxes = {});

  chain_store(kv_store& store, chain_id chain);
  kv_store* store_;
  chain_id chain_;
  std::string space_;
};

} // namespace bfd
