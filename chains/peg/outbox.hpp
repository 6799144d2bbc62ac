// A block's outbox: the messages and acknowledgements it emits, in order, committed by the
// header's outbox_root; inclusion proofs a destination verifies (docs/formats.md).
#pragma once

#include <optional>
#include <variant>
#include <vector>

#include "chains/codec/canonical.hpp"
#include "chains/merkle/merkle.hpp"
#include "chains/peg/message.hpp"

namespace bfd::peg {

/// One outbox entry.
using outbox_entry = std::variant<peg_message, peg_ack>;

/// The entry's leaf item: message_hash or ack_hash (their tags keep the two apart).
hash256 entry_hash(const outbox_entry& e);

/// The entries one block emits, in emission order.
class outbox {
public:
  /// Appends an entry; returns its index.
  std::uint64_t add(outbox_entry e);
  const std::vector<outbox_entry>& entries() const noexcept { return entries_; }
  /// Keeps the first `count` entries (undo).
  void truncate(std::size_t count) {
    if (count < entries_.size())
      entries_.resize(count);
  }
  /// Replaces every entry (undo of a new block).
  void assign(std::vector<outbox_entry> entries) { entries_ = std::move(entries); }
  /// merkle_root of the entry hashes in order; merkle_root({}) when empty, exactly what every
  /// header without peg traffic carries.
  hash256 root() const;
  /// The inclusion proof of entry `index`, or nothing out of range.
  std::optional<merkle_proof> prove(std::uint64_t index) const;
  /// The inclusion proofs of every entry, in order (the tree built once).
  std::vector<merkle_proof> prove_all() const;

private:
  std::vector<outbox_entry> entries_;
};

/// The root of an empty outbox (merkle_root({})).
hash256 empty_outbox_root();

/// Checks that `e` is in an outbox with root `root` at proof.index. Refuses a zero root and the
/// empty outbox's root before looking at the proof (an empty or unset root proves nothing:
/// the Nomad loss), then a proof that does not recompute the root (bad_proof).
status verify_outbox_inclusion(const hash256& root, const outbox_entry& e, const merkle_proof& proof);

} // namespace bfd::peg

namespace bfd::codec {
/// Decoder bounds of one block's kept outbox (a block's bounds: its entries come from its
/// transactions).
inline constexpr limits outbox_limits{8 * 1024 * 1024, 65'536, 8};
/// A block's outbox entries as the chain store keeps them beside the block (formats.md section
/// 14): [version 1, [[kind (0 message, 1 acknowledgement), entry], ...]].
bytes encode_outbox(const std::vector<peg::outbox_entry>& entries);
/// The canonical decoder of encode_outbox, bounded by outbox_limits.
result<std::vector<peg::outbox_entry>> decode_outbox(byte_view in);
} // namespace bfd::codec
