// The vocabulary between actors: atoms, message structs and their CAF inspect functions.
// Chain objects cross actors as shared immutable pointers and cross nodes as their canonical
// msgpack bytes (decoded, bounds-checked, on arrival).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/fwd.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/none.hpp>

#include "chains/codec/block_codec.hpp"
#include "chains/codec/transaction_codec.hpp"
#include "chains/consensus/confirmation.hpp"
#include "chains/core/error.hpp"

namespace bfd {

// Atoms (at most 10 characters each).
using submit_atom = caf::atom_constant<caf::atom("submit")>;
using block_atom = caf::atom_constant<caf::atom("block")>;
using confirm_atom = caf::atom_constant<caf::atom("confirm")>;
using schedule_atom = caf::atom_constant<caf::atom("schedule")>;
using build_atom = caf::atom_constant<caf::atom("build")>;
using take_atom = caf::atom_constant<caf::atom("take")>;
using included_atom = caf::atom_constant<caf::atom("included")>;
using tick_atom = caf::atom_constant<caf::atom("tick")>;
using info_atom = caf::atom_constant<caf::atom("info")>;
using height_atom = caf::atom_constant<caf::atom("height")>;
using account_atom = caf::atom_constant<caf::atom("account")>;
using delegates_atom = caf::atom_constant<caf::atom("delegates")>;
using tx_atom = caf::atom_constant<caf::atom("tx")>;
using stop_atom = caf::atom_constant<caf::atom("stop")>;
using attach_atom = caf::atom_constant<caf::atom("attach")>;
using size_atom = caf::atom_constant<caf::atom("size")>;
using peer_atom = caf::atom_constant<caf::atom("peer")>;
using relay_atom = caf::atom_constant<caf::atom("relay")>;
using cert_atom = caf::atom_constant<caf::atom("cert")>;

/// An immutable chain object shared between local actors; on the wire, its canonical bytes.
/// A frame that does not decode arrives as an empty envelope (ptr == nullptr).
template <class T>
struct envelope {
  std::shared_ptr<const T> ptr;

  envelope() = default;
  explicit envelope(T value) : ptr(std::make_shared<const T>(std::move(value))) {}
  explicit envelope(std::shared_ptr<const T> p) : ptr(std::move(p)) {}
  explicit operator bool() const noexcept { return static_cast<bool>(ptr); }
  const T& operator*() const { return *ptr; }
  const T* operator->() const { return ptr.get(); }
};

using tx_envelope = envelope<transaction>;
using block_envelope = envelope<block>;
using confirmation_envelope = envelope<confirmation>;
using certificate_envelope = envelope<finality_certificate>;

namespace detail {
inline result<transaction> decode_any(byte_view in, const transaction*) {
  return codec::decode_transaction(in);
}
inline result<block> decode_any(byte_view in, const block*) {
  return codec::decode_block(in);
}
inline result<confirmation> decode_any(byte_view in, const confirmation*) {
  return codec::decode_confirmation(in);
}
inline result<finality_certificate> decode_any(byte_view in, const finality_certificate*) {
  return codec::decode_certificate(in);
}
inline const char* envelope_name(const finality_certificate*) { return "bfd::certificate"; }
inline const char* envelope_name(const transaction*) { return "bfd::tx"; }
inline const char* envelope_name(const block*) { return "bfd::block"; }
inline const char* envelope_name(const confirmation*) { return "bfd::confirmation"; }
} // namespace detail

template <class Inspector, class T>
typename Inspector::result_type inspect(Inspector& f, envelope<T>& x) {
  std::vector<std::uint8_t> buf;
  if constexpr (Inspector::reads_state) {
    if (x.ptr)
      buf = codec::encode(*x.ptr);
  }
  auto load = [&]() -> caf::error {
    auto decoded = detail::decode_any(buf, static_cast<const T*>(nullptr));
    x.ptr = decoded ? std::make_shared<const T>(std::move(*decoded)) : nullptr;
    return caf::none;
  };
  return f(caf::meta::type_name(detail::envelope_name(static_cast<const T*>(nullptr))), buf,
           caf::meta::load_callback(load));
}

template <class Inspector, std::size_t N>
typename Inspector::result_type inspect(Inspector& f, fixed_bytes<N>& x) {
  return f(caf::meta::type_name("bfd::bytes"), x.data);
}

/// What a producer needs to know about a global slot (chain actor -> delegate).
struct slot_info {
  bool scheduled = false;         ///< false: no cluster, or the slot is in a past round
  std::uint64_t round = 0;
  std::uint64_t slot = 0;
  std::uint64_t global_slot = 0;
  public_key producer;
  std::uint32_t max_blocks = 1;
  std::uint32_t max_txs = 0;
  std::uint64_t start_ms = 0;
  std::uint64_t end_ms = 0;
  std::uint64_t reveals_made = 0;          ///< the producer's reveals so far
  bool has_slot_reveal = false;            ///< whether the slot already has a block (and reveal)
  hash256 slot_reveal;
  std::uint32_t blocks_in_slot = 0;        ///< blocks the head already has in this slot
  std::uint64_t head_height = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, slot_info& x) {
  return f(caf::meta::type_name("bfd::slot_info"), x.scheduled, x.round, x.slot, x.global_slot, x.producer,
           x.max_blocks, x.max_txs, x.start_ms, x.end_ms, x.reveals_made, x.has_slot_reveal, x.slot_reveal, x.blocks_in_slot,
           x.head_height);
}

/// A producer's request to assemble the next block (delegate -> chain actor).
struct build_request {
  public_key producer;
  std::uint64_t round = 0;
  std::uint64_t slot = 0;
  std::uint64_t timestamp_ms = 0;
  hash256 reveal;
  std::uint32_t max_txs = 0;
  std::vector<tx_envelope> candidates;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, build_request& x) {
  return f(caf::meta::type_name("bfd::build_request"), x.producer, x.round, x.slot, x.timestamp_ms, x.reveal,
           x.max_txs, x.candidates);
}

/// A transaction the chain refused, and why.
struct tx_rejection {
  hash256 id;
  std::uint16_t code = 0;  ///< bfd::errc
  std::string detail;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, tx_rejection& x) {
  return f(caf::meta::type_name("bfd::tx_rejection"), x.id, x.code, x.detail);
}

/// The assembled, unsigned block and the candidates it left out.
struct build_reply {
  block_envelope unsigned_block;
  std::vector<tx_rejection> rejected;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, build_reply& x) {
  return f(caf::meta::type_name("bfd::build_reply"), x.unsigned_block, x.rejected);
}

/// What the chain actor did with a block.
struct block_ack {
  std::uint8_t outcome = 0;  ///< bfd::block_outcome
  std::uint16_t code = 0;    ///< bfd::errc when rejected
  std::string detail;
  std::uint64_t head_height = 0;
  std::uint64_t final_height = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, block_ack& x) {
  return f(caf::meta::type_name("bfd::block_ack"), x.outcome, x.code, x.detail, x.head_height, x.final_height);
}

/// Transactions a block included, with each sender's next nonce (chain -> mempool).
struct inclusion_notice {
  std::vector<hash256> included;
  std::vector<public_key> senders;           ///< senders of the included transactions
  std::vector<std::uint64_t> next_nonces;    ///< each sender's next nonce, same order
  std::uint64_t head_height = 0;
  std::vector<tx_rejection> rejected;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, inclusion_notice& x) {
  return f(caf::meta::type_name("bfd::inclusion_notice"), x.included, x.senders, x.next_nonces, x.head_height, x.rejected);
}

/// A summary of a chain's head (for logs, tests, the HTTP info route).
struct chain_info {
  std::uint32_t chain = 0;
  std::uint64_t head_height = 0;
  hash256 head_hash;
  std::uint64_t final_height = 0;
  hash256 final_hash;
  std::uint64_t round = 0;
  std::uint64_t epoch = 0;
  std::vector<public_key> order;
  hash256 state_root;
  std::uint64_t total_supply = 0;
  std::uint32_t peers = 0;  ///< connected peer nodes
  bool syncing = false;     ///< catching up from a peer
  /// The node's counts of peer nodes' offences, disconnects and refusals by event
  /// (actors/peer_conduct.hpp; node-wide, the same on every chain of a node; empty: not kept).
  std::map<std::string, std::uint64_t> peer_conduct;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, chain_info& x) {
  return f(caf::meta::type_name("bfd::chain_info"), x.chain, x.head_height, x.head_hash, x.final_height,
           x.final_hash, x.round, x.epoch, x.order, x.state_root, x.total_supply, x.peers, x.syncing,
           x.peer_conduct);
}

/// Turns a chain error into a CAF error of the "bfd" category (the reason code travels along).
caf::error to_caf_error(const error& err);

/// The chain error inside a CAF error of the "bfd" category, or a generic one for others.
error from_caf_error(const caf::error& err);

/// Registers every message type and the error category: the one place, used by every node.
void register_vocabulary(caf::actor_system_config& cfg);

} // namespace bfd
