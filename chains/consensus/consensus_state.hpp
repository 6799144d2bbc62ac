// The VM-DPoSW state of one chain: VMs, votes, the active and next cluster, the current round's
// schedule and seed, and the rules that advance them block by block. Pure and deterministic.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <utility>
#include <vector>

#include "chains/consensus/cluster.hpp"
#include "chains/consensus/params.hpp"
#include "chains/consensus/vm.hpp"
#include "chains/ledger/ledger.hpp"
#include "chains/merkle/bucket_tree.hpp"

namespace bfd {

namespace codec {
class writer;
}

/// A VM created in the genesis state (its bid is locked genesis supply).
struct genesis_vm {
  public_key key;
  std::uint32_t category = 0;
  amount bid = 0;
  hash256 hash_chain_tip;
  friend bool operator==(const genesis_vm&, const genesis_vm&) = default;
};

/// The round in progress.
struct round_info {
  std::uint64_t number = 0;
  std::uint64_t first_slot = 0;                  ///< global index of its slot 0
  std::vector<public_key> order;                 ///< producer of each slot
  std::vector<std::uint32_t> blocks;             ///< blocks seen in each slot
  std::vector<std::optional<hash256>> reveals;   ///< the reveal of each slot's producer, once seen
  friend bool operator==(const round_info&, const round_info&) = default;
};

/// Where a global slot falls in the schedule.
struct slot_assignment {
  std::uint64_t round = 0;
  std::uint64_t slot = 0;         ///< index within the round
  std::uint64_t global_slot = 0;
  public_key producer;
  std::uint32_t max_blocks = 1;   ///< the producer category's compute weight
  std::uint32_t max_txs = 0;      ///< per block
  std::uint64_t start_ms = 0;
  std::uint64_t end_ms = 0;
};

/// Per-VM stake of one voter: key (vm, voter address).
using stake_key = std::pair<public_key, address>;

class consensus_state {
public:
  /// The genesis consensus state: VMs, the first cluster (active now and for the next epoch),
  /// round 0 ordered by the shuffle of seed0.
  static result<consensus_state> genesis(chain_id chain, const consensus_params& params,
                                         std::span<const genesis_vm> vms, const hash256& seed0);

  chain_id chain() const noexcept { return s_.chain; }
  const consensus_params& params() const noexcept { return s_.params; }
  const std::map<public_key, vm_info>& vms() const noexcept { return vms_; }
  const std::map<stake_key, amount>& stakes() const noexcept { return stakes_; }
  const cluster& active() const noexcept { return s_.active; }
  const cluster& next() const noexcept { return s_.next; }
  std::uint64_t epoch() const noexcept { return s_.epoch; }
  const round_info& round() const noexcept { return s_.round; }
  /// S(n) of the current round n.
  const hash256& seed() const noexcept { return s_.seed; }
  const vm_info* find_vm(const public_key& key) const;

  /// Start time of a global slot.
  std::uint64_t slot_start_ms(std::uint64_t global_slot) const noexcept;
  /// The global slot containing `time_ms` (0 before genesis).
  std::uint64_t global_slot_at(std::uint64_t time_ms) const noexcept;

  /// Who owns global slot `g` if no further blocks arrive; nothing if g is in a past round or
  /// there is no cluster. Does not change this state.
  std::optional<slot_assignment> assignment_at(std::uint64_t global_slot) const;

  /// Closes rounds until round `n` is current: counts missed slots (demoting VMs that miss too
  /// many in a row), derives S(n+1) from the reveals, orders the next round and switches
  /// clusters at epoch boundaries.
  void advance_to_round(std::uint64_t n);

  /// Checks a header against the schedule after advance_to_round(header.round): the producer
  /// owns the slot, the timestamp lies in it, the slot has room, the reveal extends the producer's
  /// hash chain, the work is done and the signature is valid.
  status check_header(const block_header& header) const;

  /// Records a checked header: slot counts, reveals, producer counters.
  void record_header(const block_header& header, std::size_t tx_count);

  /// Consensus preconditions of a transaction (the ledger checks funds and nonces).
  status check_transaction(const transaction& tx) const;

  /// Consensus effects of a transaction the ledger has already applied (bids and votes are
  /// locked by then); unvote unlocks, evidence burns the bid through `l`.
  status apply_transaction(const transaction& tx, ledger& l);

  /// Mints the block reward into the block pool, then pays reward plus `fees` (collected in the
  /// pool during the block) to the producer's voters pro rata and the rest to the producer.
  status pay_rewards(const public_key& producer, amount fees, ledger& l);

  /// Root committing to the whole consensus state: the scalar part (parameters, epoch, seed,
  /// round, clusters) and the VM and stake trees, which are kept incrementally (only the buckets
  /// changed since the last call are re-hashed; docs/formats.md, consensus root).
  hash256 root() const;

  /// What root() hashes: the scalar record and the two tree roots (a light client's state proof).
  struct root_parts_t {
    bytes scalars;
    hash256 vms_root;
    hash256 stakes_root;
  };
  root_parts_t root_parts() const;
  /// The consensus root of these parts.
  static hash256 root_of(const root_parts_t& parts);

  /// Canonical encoding of the whole state in one record (tests, tools, light clients).
  bytes encode() const;
  static result<consensus_state> decode(byte_view in);

  /// How storage keeps the state: the scalar part in one record and one record per VM and per
  /// stake, so a block rewrites only what it changed.
  /// A record key ('v' + VM key, or 's' + VM key + voter address) and its value (nothing: the
  /// item no longer exists).
  using record = std::pair<bytes, std::optional<bytes>>;
  /// The scalar part (a 9-item array: the full encoding without the VM and stake lists).
  bytes encode_scalars() const;
  /// The VM and stake records changed since the last clear_dirty() (all of them after
  /// mark_all_dirty()), with their current values.
  std::vector<record> dirty_records() const;
  void mark_all_dirty();
  void clear_dirty() {
    dirty_vms_.clear();
    dirty_stakes_.clear();
  }
  /// A state rebuilt from its scalar record and every VM and stake record.
  static result<consensus_state> restore(byte_view scalars, std::span<const std::pair<bytes, bytes>> records);

  /// What a run of changes left behind (a block applied on another state in the same state):
  /// the scalar part and every VM and stake it touched with its new value (nothing: gone).
  struct changes;
  /// The VMs and stakes changed since the last clear_dirty() with their values, and the scalars.
  changes changed() const;
  /// Writes `c`, taken from a state that was in this one's state, without executing anything
  /// again: undoable (within a checkpoint), and marked changed for storage.
  void apply_changes(const changes& c);

  /// Undo support for all-or-nothing block application.
  struct mark;
  mark checkpoint() const;
  void rollback(const mark& m);
  /// Drops the undo journal.
  void release_undo() { journal_.clear(); }
  /// Drops the oldest `count` journal entries (checkpoints taken later shift down by `count`).
  void forget_journal(std::size_t count) {
    journal_.erase(journal_.begin(), journal_.begin() + static_cast<std::ptrdiff_t>(std::min(count, journal_.size())));
  }
  /// The journal length a checkpoint recorded.
  static std::size_t journal_size_of(const mark& m);
  static void shift_journal(mark& m, std::size_t count);

  friend bool operator==(const consensus_state& a, const consensus_state& b) {
    return a.s_ == b.s_ && a.vms_ == b.vms_ && a.stakes_ == b.stakes_;
  }

private:
  // Everything small enough to snapshot at each checkpoint.
  struct scalars {
    chain_id chain = mainchain_id;
    consensus_params params;
    std::uint64_t epoch = 0;
    hash256 seed;
    round_info round;
    cluster active;
    cluster next;
    std::vector<std::uint32_t> new_this_epoch;  ///< new VMs per category this epoch
    friend bool operator==(const scalars&, const scalars&) = default;
  };

  struct journal_entry {
    bool is_vm = true;
    public_key vm;
    address voter;
    std::optional<vm_info> old_vm;
    std::optional<amount> old_stake;
  };

  void write_scalars(codec::writer& w, std::uint32_t items) const;
  void set_vm(const public_key& key, const vm_info& vm);
  void set_stake(const stake_key& key, amount value);
  void close_round();
  status slash(const public_key& key, ledger& l);
  status check_evidence(const evidence_payload& ev) const;
  std::optional<public_key> evidence_offender(const evidence_payload& ev) const;

  scalars s_;
  std::map<public_key, vm_info> vms_;
  std::map<stake_key, amount> stakes_;
  std::vector<journal_entry> journal_;
  // Incremental commitment caches and what storage has not seen yet.
  mutable bucket_tree vm_tree_;
  mutable bucket_tree stake_tree_;
  std::set<public_key> dirty_vms_;
  std::set<stake_key> dirty_stakes_;

  void touch_vm(const public_key& key) {
    vm_tree_.invalidate(key[0]);
    dirty_vms_.insert(key);
  }
  void touch_stake(const stake_key& key) {
    stake_tree_.invalidate(key.first[0]);
    dirty_stakes_.insert(key);
  }

public:
  struct mark {
    std::size_t journal_size = 0;
    scalars snapshot;
  };
  struct changes {
    scalars s;
    std::vector<std::pair<public_key, std::optional<vm_info>>> vms;
    std::vector<std::pair<stake_key, std::optional<amount>>> stakes;
  };
};

/// The block pool: the all-zero address, which collects a block's fees while its transactions
/// run and is emptied by the reward payout at the end of the block (nobody holds its key).
address block_pool_address() noexcept;

/// Whether `hash` has at least `bits` leading zero bits.
bool meets_work(const hash256& hash, std::uint32_t bits) noexcept;

/// Increments header.work_nonce until the header hash meets `bits`.
void grind_work(block_header& header, std::uint32_t bits);

} // namespace bfd
