// The payloads of the four mainchain transaction kinds of the sidechain registry (register,
// activate, cease, anchor) and their canonical msgpack codec (docs/formats.md, "Sidechain
// registry and anchoring"). Decoders bound every size before allocating. Pure.
#pragma once

#include <cstdint>
#include <optional>

#include "chains/codec/canonical.hpp"
#include "chains/consensus/confirmation.hpp"
#include "chains/consensus/light_client.hpp"
#include "chains/primitives/block.hpp"
#include "chains/sidechain/chain_spec.hpp"

namespace bfd {

/// Transaction kind numbers reserved for the registry (tx_kind values; the module that owns
/// them adds them to the transaction's kind list).
inline constexpr std::uint8_t tx_kind_sidechain_register = 6;
inline constexpr std::uint8_t tx_kind_sidechain_activate = 7;
inline constexpr std::uint8_t tx_kind_sidechain_cease = 8;
inline constexpr std::uint8_t tx_kind_sidechain_anchor = 9;

/// Size bounds of registry payloads, checked by the decoders and by registration.
struct registry_bounds {
  static constexpr std::size_t max_name_bytes = 64;
  static constexpr std::size_t max_symbol_bytes = 12;
  static constexpr std::size_t max_validators = 256;
  static constexpr std::size_t max_allocations = 1024;
  static constexpr std::size_t max_categories = 64;
  static constexpr std::size_t max_header_bytes = 1024;
  /// A certificate of at most 256 signers (about 101 bytes each) plus its fixed fields.
  static constexpr std::size_t max_certificate_bytes = 32 * 1024;
  /// The consensus scalar record of a state proof (clusters and round of up to 256 members).
  static constexpr std::size_t max_scalars_bytes = 64 * 1024;
  /// Most blocks between two anchors of one sidechain, and so the longest header chain an
  /// anchoring proof links.
  static constexpr std::uint64_t max_anchor_interval = 1024;
};

/// Bounds of one registry payload decoded on its own (inside a transaction, the transaction
/// codec's bounds apply; see docs/formats.md for what they must allow).
inline constexpr codec::limits registry_payload_limits{128 * 1024, 1024, 4};

/// Registers a sidechain: its whole entry (everything its genesis is derived from).
struct sidechain_register_payload {
  sidechain_entry entry;
  friend bool operator==(const sidechain_register_payload&, const sidechain_register_payload&) = default;
};

/// Lets a registered sidechain start producing.
struct sidechain_activate_payload {
  chain_id id = 0;
  friend bool operator==(const sidechain_activate_payload&, const sidechain_activate_payload&) = default;
};

/// Stops a sidechain for good: no later anchor is accepted.
struct sidechain_cease_payload {
  chain_id id = 0;
  friend bool operator==(const sidechain_cease_payload&, const sidechain_cease_payload&) = default;
};

/// Anchors a final sidechain header: the header, the certificate proving it final, and when the
/// sidechain's cluster changed since the last anchor, the header's state proof (the registry's
/// light client then trusts the clusters it shows).
struct sidechain_anchor_payload {
  chain_id id = 0;
  block_header header;
  finality_certificate certificate;
  std::optional<state_proof> proof;
  friend bool operator==(const sidechain_anchor_payload& a, const sidechain_anchor_payload& b) {
    return a.id == b.id && a.header == b.header && a.certificate == b.certificate
           && a.proof.has_value() == b.proof.has_value()
           && (!a.proof || (a.proof->ledger_root == b.proof->ledger_root
                            && a.proof->consensus.scalars == b.proof->consensus.scalars
                            && a.proof->consensus.vms_root == b.proof->consensus.vms_root
                            && a.proof->consensus.stakes_root == b.proof->consensus.stakes_root
                            && a.proof->modules == b.proof->modules));
  }
};

namespace codec {

/// [version, id, kind, name, symbol, [[address, value]...], [per_category...],
///  [slot_ms, rounds_per_epoch, base_block_txs, work_bits, miss_limit, anchor_interval],
///  [[key, category, bid, hash_chain_tip]...], genesis_time_ms]
void write(const sidechain_entry& e, writer& w);
result<sidechain_entry> read_sidechain_entry(const msgpack::object& obj);

/// [ledger_root, scalars, vms_root, stakes_root]
void write(const state_proof& p, writer& w);
result<state_proof> read_state_proof(const msgpack::object& obj);

/// Payload writers and readers, for the transaction codec (the payload is one msgpack value).
void write(const sidechain_register_payload& p, writer& w);
void write(const sidechain_activate_payload& p, writer& w);
void write(const sidechain_cease_payload& p, writer& w);
void write(const sidechain_anchor_payload& p, writer& w);
result<sidechain_register_payload> read_sidechain_register(const msgpack::object& obj);
result<sidechain_activate_payload> read_sidechain_activate(const msgpack::object& obj);
result<sidechain_cease_payload> read_sidechain_cease(const msgpack::object& obj);
result<sidechain_anchor_payload> read_sidechain_anchor(const msgpack::object& obj);

/// One payload alone: its canonical bytes, and exactly one canonical payload back (never throws).
bytes encode(const sidechain_register_payload& p);
bytes encode(const sidechain_activate_payload& p);
bytes encode(const sidechain_cease_payload& p);
bytes encode(const sidechain_anchor_payload& p);
result<sidechain_register_payload> decode_sidechain_register(byte_view in);
result<sidechain_activate_payload> decode_sidechain_activate(byte_view in);
result<sidechain_cease_payload> decode_sidechain_cease(byte_view in);
result<sidechain_anchor_payload> decode_sidechain_anchor(byte_view in);

} // namespace codec

} // namespace bfd
