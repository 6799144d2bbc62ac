// What one chain's peg holds: escrowed native assets, voucher balances, messages in flight and
// their outcomes, and the receipts of messages received; the life of a message on both sides;
// undo, a deterministic root and storage records; the conservation check across two chains
// (docs/peg.md). Pure: heights come in as arguments, native balances move through the caller.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "chains/peg/receipt_tree.hpp"

namespace bfd::peg {

/// Where a sent message is in its life. Stored: never renumber.
enum class message_state : std::uint8_t {
  in_flight = 0,
  delivered = 1,  ///< a success acknowledgement came back
  failed = 2,     ///< a failure acknowledgement came back; refunded
  timed_out = 3,  ///< not received by its timeout (proven); refunded
};

/// A destination's own rule for metadata operations (the service that owns the operation):
/// a reason to refuse `m` (acknowledged as failure_code::refused), or nothing to accept it. Must
/// be deterministic: every replica runs it.
using metadata_rule = std::function<std::optional<std::string>(const peg_message& m)>;

/// A committed metadata object as a chain knows it: the operation that last committed it and
/// its body (the operation's whole body: the owning service interprets it).
struct metadata_object {
  message_id op;
  bytes body;
  friend bool operator==(const metadata_object&, const metadata_object&) = default;
};

/// Where a metadata operation is, as one chain knows it (docs/peg.md "Metadata operations").
enum class op_phase : std::uint8_t {
  preparing = 0,  ///< source: sent, no acknowledgement yet
  locked = 1,     ///< destination: prepared, its keys locked until the commit notice
  committed = 2,  ///< source: success acknowledged (the commit notice sent)
  aborted = 3,    ///< source: failure acknowledged or timed out; nothing was locked
};

/// Checks an operation's own shape: at least one key, no key twice, within its bounds.
status validate_op(const metadata_op& op);

/// A movement of a native asset that the chain's own ledger performs for the peg.
struct native_move {
  enum class direction : std::uint8_t { debit, credit };
  direction dir = direction::debit;
  address account;
  std::string denom;
  amount value = 0;
  friend bool operator==(const native_move&, const native_move&) = default;
};

/// A transfer or operation a user asks to send.
struct send_request {
  address sender;
  address receiver;
  chain_id destination = 0;
  std::variant<asset_transfer, metadata_op> payload;
  std::uint64_t timeout_height = 0;
};

/// The message written into the outbox, and the native debit (escrow) if any.
struct send_result {
  peg_message message;
  std::optional<native_move> move;
};

/// The acknowledgement written into the outbox, and the native credit (unlock) if any.
struct receive_result {
  peg_ack ack;
  std::optional<native_move> move;
};

/// A sent message's terminal state, the native credit (refund) if any, and the commit notice
/// to write into the outbox when a metadata operation was acknowledged with success.
struct settle_result {
  message_state state = message_state::in_flight;
  std::optional<native_move> move;
  std::optional<peg_message> notice;
};

class peg_ledger {
public:
  explicit peg_ledger(chain_id self) : self_(self) {}
  chain_id chain() const noexcept { return self_; }

  /// Source side: assigns the next sequence; a native asset is escrowed for the destination
  /// (the caller debits the sender), a voucher going back to its origin chain is burned. A
  /// voucher may go only to the chain it came from.
  result<send_result> send(const send_request& r);
  /// Destination side, in a block at `height` (the proof checked by the caller): refuses a
  /// message for another chain, a replay (duplicate) and one at or past its timeout height
  /// (expired); otherwise records the receipt and mints a voucher or unlocks an escrow; prepares
  /// a metadata operation (locks its keys, unless one is locked or `rule` or validate_op refuses
  /// it); applies a commit notice (writes the objects, unlocks). Returns the acknowledgement (a
  /// failure is an acknowledgement too, and changes nothing but the receipt).
  result<receive_result> receive(const peg_message& m, std::uint64_t height, const metadata_rule* rule = nullptr);
  /// Source side: the acknowledgement of a message in flight, proven written by chain `from`.
  /// Success settles it delivered (a metadata operation: committed, its objects recorded here
  /// and a commit notice returned); failure refunds it (an operation: aborted). A settled or
  /// unknown message is refused.
  result<settle_result> acknowledge(const peg_ack& a, chain_id from);
  /// Source side: refunds a message in flight whose non-receipt the caller proved in the
  /// destination's final state at `proven_height`, which must be at least its timeout height.
  /// A commit notice never times out (wrong_status).
  result<settle_result> timeout(const message_id& id, std::uint64_t proven_height);

  /// The operation holding `key` locked on this chain, or nothing.
  std::optional<message_id> locked_by(byte_view key) const;
  /// What a local write of `key` must pass: errc::locked naming the key and the operation
  /// while one holds it (other state modules call this before writing an object).
  status check_write(byte_view key) const;
  /// The object `key` of chain `chain` as committed here (chain == this chain: the object store;
  /// another chain: what this chain, as an operation's source, committed there), or nothing.
  std::optional<metadata_object> object(chain_id chain, byte_view key) const;
  /// The operations prepared here (destination side), by id.
  const std::map<message_id, peg_message>& prepared() const noexcept { return prepared_; }
  /// The phase of metadata operation `id` here, or nothing when this chain knows it not as one.
  std::optional<op_phase> phase_of(const message_id& id) const;
  amount escrowed(const std::string& denom, chain_id counterparty) const;
  amount voucher_balance(const std::string& denom, const address& owner) const;
  amount voucher_supply(const std::string& denom) const;
  const peg_message* in_flight(const message_id& id) const;
  /// The state of a message this chain sent, or nothing if it never sent it.
  std::optional<message_state> state_of(const message_id& id) const;
  /// The acknowledgement this chain wrote for a received message, or nothing.
  std::optional<peg_ack> receipt(const message_id& id) const;
  const receipt_tree& receipts() const noexcept { return tree_; }
  const std::map<message_id, peg_message>& messages_in_flight() const noexcept { return in_flight_; }
  std::uint64_t next_sequence() const noexcept { return next_sequence_; }
  /// The native denoms escrowed towards `counterparty`; the denoms with vouchers outstanding.
  std::vector<std::string> escrowed_denoms(chain_id counterparty) const;
  std::vector<std::string> voucher_denoms() const;
  /// Every escrow: (native denom, counterparty) -> amount escrowed for it.
  const std::map<std::pair<std::string, chain_id>, amount>& escrows() const noexcept { return escrow_; }

  /// Root of the escrows, vouchers, messages in flight and settled states (not the receipts,
  /// which the receipt tree commits to).
  hash256 ledger_root() const;
  /// The peg module's part of the state root: peg_module_root(receipts, ledger, sequence).
  hash256 module_root() const;

  /// Undo, as the ledger's.
  std::size_t checkpoint() const noexcept { return journal_.size(); }
  void rollback(std::size_t mark);
  void forget_journal(std::size_t count);
  void release_undo() { journal_.clear(); }

  /// Storage records (docs/formats.md "Peg ledger records"); no value for a record removed.
  using record = std::pair<bytes, std::optional<bytes>>;
  std::vector<record> dirty_records() const;
  void mark_all_dirty();
  void clear_dirty() { dirty_.clear(); }
  /// A peg ledger rebuilt from every record; refuses records of the wrong shape.
  static result<peg_ledger> restore(chain_id self, std::span<const std::pair<bytes, bytes>> records);

private:
  void put(bytes key, std::optional<bytes> value);
  status apply_record(const bytes& key, const std::optional<bytes>& value);
  std::optional<bytes> current(const bytes& key) const;
  std::vector<std::pair<bytes, bytes>> all_records() const;
  void set_escrow(const std::string& denom, chain_id counterparty, amount value);
  void set_voucher(const std::string& denom, const address& owner, amount value);
  void settle(const peg_message& m, message_state state);
  std::optional<native_move> refund(const peg_message& m);
  void emit(peg_message& m);
  void prepare(const peg_message& m, const metadata_op& op, peg_ack& ack, const metadata_rule* rule);
  void commit(const peg_message& notice, const metadata_commit& c, peg_ack& ack);
  void put_object(chain_id chain, const bytes& key, const message_id& op, const bytes& body);
  status check_locks() const;

  chain_id self_;
  std::uint64_t next_sequence_ = 0;
  std::map<std::pair<std::string, chain_id>, amount> escrow_;
  std::map<std::pair<std::string, address>, amount> vouchers_;
  std::map<std::string, amount> supply_;
  std::map<message_id, peg_message> in_flight_;
  std::map<message_id, message_state> settled_;
  std::map<message_id, peg_ack> receipts_;
  std::map<bytes, message_id> locks_;                  // destination: key -> preparing op
  std::map<message_id, peg_message> prepared_;         // destination: ops holding locks
  std::map<std::pair<chain_id, bytes>, metadata_object> objects_;
  std::set<message_id> ops_;  // source: the messages sent that were metadata operations
  receipt_tree tree_;
  std::vector<record> journal_;  // key, old value
  std::set<bytes> dirty_;
  /// ledger_root() until the next record changes (every change goes through apply_record).
  mutable std::optional<hash256> root_cache_;
};

/// tagged "bfd/peg/module" over receipt_root || ledger_root || be64(next_sequence).
hash256 peg_module_root(const hash256& receipt_root, const hash256& ledger_root, std::uint64_t next_sequence);

/// The conservation invariant between two chains, both ways: for each native denom d of X sent
/// to Y, X's escrow of (d, Y) equals Y's voucher supply of "peg/X/d" plus the transfers of it
/// still in flight and not yet received with success (X -> Y as d, Y -> X as the voucher).
/// errc::supply_mismatch naming the denom and the two sums otherwise.
status check_conservation(const peg_ledger& a, const peg_ledger& b);

} // namespace bfd::peg
