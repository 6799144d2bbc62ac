// A sparse Merkle tree over 256-bit keys: the destination's committed set of received message
// ids, with compressed membership and non-membership proofs, undo and storage records
// (docs/formats.md "Receipt tree").
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <span>
#include <utility>
#include <vector>

#include "chains/core/error.hpp"
#include "chains/peg/message.hpp"

namespace bfd::peg {

/// Levels of the tree: one per key bit, most significant first.
inline constexpr std::size_t smt_depth = 256;

/// The key of a message id: tagged "bfd/peg/receipt" over id_bytes(id).
hash256 receipt_key(const message_id& id);

/// The hash of an empty subtree `height` levels above the leaves (height 0: an empty leaf,
/// 32 zero bytes; height h + 1: node(default h, default h)).
const hash256& default_hash(std::size_t height);

/// A compressed path: bit i of `bitmap` (byte i / 8, most significant bit first) is set when the
/// sibling at depth i + 1 (depth 1 is a child of the root) is not the default; `siblings` holds
/// those, from depth 1 down.
struct smt_proof {
  fixed_bytes<32> bitmap;
  std::vector<hash256> siblings;
  friend bool operator==(const smt_proof&, const smt_proof&) = default;
};

/// The root a proof gives for `key` holding `value` (nothing: absent). Nothing if the proof is
/// malformed (sibling count not the bitmap's popcount).
std::optional<hash256> smt_root_of(const hash256& key, const std::optional<hash256>& value, const smt_proof& proof);
/// `key` holds `value` under `root`.
status verify_membership(const hash256& root, const hash256& key, const hash256& value, const smt_proof& proof);
/// `key` holds nothing under `root`.
status verify_non_membership(const hash256& root, const hash256& key, const smt_proof& proof);

class receipt_tree {
public:
  receipt_tree();

  /// The root; default_hash(256) when empty.
  const hash256& root() const;
  std::optional<hash256> get(const hash256& key) const;
  std::size_t size() const noexcept { return leaves_.size(); }
  /// Sets `key` to `value`, or removes it (nothing); journaled.
  void set(const hash256& key, std::optional<hash256> value);
  /// The proof for `key`, whether present or not.
  smt_proof prove(const hash256& key) const;

  /// Undo, as the ledger's: a mark, undo to it, forget the oldest entries, forget all.
  std::size_t checkpoint() const noexcept { return journal_.size(); }
  void rollback(std::size_t mark);
  void forget_journal(std::size_t count);
  void release_undo() { journal_.clear(); }

  /// Storage records: key 't' + 32-byte key, value the 32-byte value; no value when removed.
  using record = std::pair<bytes, std::optional<bytes>>;
  std::vector<record> dirty_records() const;
  void mark_all_dirty();
  void clear_dirty() { dirty_.clear(); }
  /// A tree rebuilt from every record; refuses records of the wrong shape.
  static result<receipt_tree> restore(std::span<const std::pair<bytes, bytes>> records);

  /// Every key and value, in key order.
  const std::map<hash256, hash256>& leaves() const noexcept { return leaves_; }

private:
  // A node by its depth (0 = root .. 256 = leaf) and the key bits above it (the rest zeroed).
  using node_key = std::pair<std::uint16_t, hash256>;
  void assign(const hash256& key, const std::optional<hash256>& value);
  const hash256& node(std::uint16_t depth, const hash256& prefix) const;

  std::map<hash256, hash256> leaves_;
  std::map<node_key, hash256> nodes_;  // only non-default nodes
  std::vector<std::pair<hash256, std::optional<hash256>>> journal_;  // key, old value
  std::set<hash256> dirty_;
};

} // namespace bfd::peg

namespace bfd::codec {
void write(const peg::smt_proof& p, writer& w);
bytes encode(const peg::smt_proof& p);
result<peg::smt_proof> read_smt_proof(const msgpack::object& obj);
/// At most 256 siblings, exactly as many as the bitmap's set bits.
result<peg::smt_proof> decode_smt_proof(byte_view in);
} // namespace bfd::codec
