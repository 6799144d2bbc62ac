// What a bridge carries between chains and its pure verification against a light client:
// delivery bundles (an outbox entry, its inclusion proof, the source header, links up to a
// final header and that header's certificate) and timeout bundles (a final destination header
// past the timeout, its state opening and a non-receipt proof) (docs/peg.md, docs/formats.md).
#pragma once

#include <cstdint>
#include <vector>

#include "chains/consensus/light_client.hpp"
#include "chains/peg/outbox.hpp"
#include "chains/peg/peg_ids.hpp"
#include "chains/peg/receipt_tree.hpp"

namespace bfd::peg {

/// Most headers a bundle may carry between the entry's header and the final one.
inline constexpr std::size_t max_header_links = 64;

/// An outbox entry proven in a final header of its writing chain.
///  - `header`: the block whose outbox_root holds the entry at inclusion.index;
///  - `links`: headers from header's child up to the final header, each the child of the one
///    before (empty when `header` is the final one);
///  - `certificate`: proves the last of them final. Not needed (may be anything) when that
///    header is exactly the light client's latest.
struct delivery_bundle {
  outbox_entry entry;
  merkle_proof inclusion;
  block_header header;
  std::vector<block_header> links;
  finality_certificate certificate;
};

/// The parts chain_state::state_root hashes: ledger root, consensus root, then one
/// (module id, root) per other state module with a root, in id order.
struct state_opening {
  hash256 ledger_root;
  hash256 consensus_root;
  std::vector<std::pair<std::uint8_t, hash256>> modules;
  /// The state root these parts give (exactly as chain_state::state_root).
  hash256 state_root() const;
  friend bool operator==(const state_opening&, const state_opening&) = default;
};

/// A state opening with the peg module's own parts, so its root is recomputed, not trusted.
struct peg_opening {
  state_opening state;
  hash256 receipt_root;
  hash256 ledger_root;
  std::uint64_t next_sequence = 0;
  friend bool operator==(const peg_opening&, const peg_opening&) = default;
};

/// The proof that a message was not received by its timeout: a final header of the destination
/// at or above the timeout height, the opening of its state root, and the non-membership proof
/// of the message's receipt key in that state's receipt tree.
struct timeout_bundle {
  message_id id;
  block_header header;
  finality_certificate certificate;
  peg_opening opening;
  smt_proof non_receipt;
};

/// What a verified delivery shows.
struct verified_entry {
  outbox_entry entry;
  chain_id writer = 0;              ///< the chain whose outbox holds it
  std::uint64_t height = 0;         ///< the block holding it
  std::uint64_t final_height = 0;   ///< the final header it is linked to
};

/// Verifies a message delivered to chain `local` against `client`, the light client of the
/// message's source: it is a message, for `local`, in an outbox of its source chain (not a zero
/// or empty root), linked to a header the client accepts as final (or already holds). `client`
/// is not changed. Errors: wrong_chain, bad_proof, bad_parent, stale, not_final, bad_confirmation.
result<verified_entry> verify_message_delivery(const delivery_bundle& b, const light_client& client, chain_id local);

/// Verifies an acknowledgement of `sent` (a message chain `sent.id.source` has in flight) written
/// by its destination, against `client`, the light client of that destination.
result<verified_entry> verify_ack_delivery(const delivery_bundle& b, const light_client& client,
                                           const peg_message& sent);

/// Verifies that `sent` was not received by its destination by its timeout, against `client`,
/// the light client of the destination. Returns the proven height (pass it to
/// peg_ledger::timeout). Errors: wrong_chain, bad_proof (height below the timeout, zero roots,
/// opening or non-receipt proof that do not match), bad_state_root, stale, not_final.
result<std::uint64_t> verify_timeout(const timeout_bundle& b, const light_client& client, const peg_message& sent);

/// Builds the opening of the peg part of a state from its parts.
peg_opening make_peg_opening(state_opening state, const hash256& receipt_root, const hash256& ledger_root,
                             std::uint64_t next_sequence);

} // namespace bfd::peg

namespace bfd::codec {
/// Decoder bounds of one bundle.
inline constexpr limits bundle_limits{128 * 1024, 256, 5};
bytes encode(const peg::delivery_bundle& b);
result<peg::delivery_bundle> decode_delivery_bundle(byte_view in);
bytes encode(const peg::timeout_bundle& b);
result<peg::timeout_bundle> decode_timeout_bundle(byte_view in);
} // namespace bfd::codec
