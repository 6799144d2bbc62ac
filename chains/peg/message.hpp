// Cross-chain peg messages and acknowledgements: their types, the denomination trace rule, the
// canonical msgpack codec and their tagged hashes (docs/formats.md, docs/peg.md).
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "chains/codec/canonical.hpp"
#include "chains/core/amount.hpp"
#include "chains/primitives/transaction.hpp"

namespace bfd::peg {

/// Bounds of a message's variable parts (checked before anything is allocated).
struct bounds {
  static constexpr std::size_t max_denom = 64;        ///< bytes of a denomination trace
  static constexpr std::size_t max_base_denom = 16;   ///< bytes of a base denomination
  static constexpr std::size_t max_operation = 32;    ///< bytes of a metadata operation name
  static constexpr std::uint32_t max_keys = 16;       ///< object keys one operation locks
  static constexpr std::size_t max_key = 64;          ///< bytes of one object key
  static constexpr std::size_t max_body = 4096;       ///< bytes of an operation's opaque body
  static constexpr std::size_t max_detail = 128;      ///< bytes of an acknowledgement's detail
};

/// Decoder bounds of one message or acknowledgement.
inline constexpr codec::limits message_limits{8 * 1024, 16, 3};

/// A message's identity: the chain that sent it and its sequence number there.
struct message_id {
  chain_id source = 0;
  std::uint64_t sequence = 0;
  friend auto operator<=>(const message_id&, const message_id&) = default;
};

/// The kinds of message. Stored and hashed: never renumber.
enum class message_kind : std::uint8_t { asset_transfer = 0, metadata_op = 1, metadata_commit = 2 };

/// The timeout height of a commit notice: never (the source already decided; docs/peg.md).
inline constexpr std::uint64_t no_timeout = UINT64_MAX;

/// Whether a message with this timeout height has timed out at `height` of its destination: it is
/// received only in blocks below its timeout height, and a timeout is proven by a final header at
/// or above it.
constexpr bool timed_out_at(std::uint64_t timeout_height, std::uint64_t height) noexcept {
  return height >= timeout_height;
}

/// Blocks a bridge keeps between a destination's head and a message's timeout height: its receive
/// lands in the next block at the earliest, and may wait in the mempool for one more.
inline constexpr std::uint64_t delivery_margin = 2;

/// Whether a bridge still carries a message to a destination whose head is `destination_head`.
/// A receive refused at inclusion would leave the bridge's nonce unused and strand its later
/// transactions (docs/peg.md, Known limits); the timeout refunds the message instead.
constexpr bool worth_carrying(std::uint64_t timeout_height, std::uint64_t destination_head) noexcept {
  return destination_head <= UINT64_MAX - delivery_margin
         && !timed_out_at(timeout_height, destination_head + delivery_margin);
}

/// Moves `value` units of `denom` (a denomination trace valid on the source chain).
struct asset_transfer {
  std::string denom;
  amount value = 0;
  friend bool operator==(const asset_transfer&, const asset_transfer&) = default;
};

/// A metadata operation on the destination: its name, the object keys it locks while in flight,
/// and an opaque body the destination's service interprets.
struct metadata_op {
  std::string operation;
  std::vector<bytes> keys;
  bytes body;
  friend bool operator==(const metadata_op&, const metadata_op&) = default;
};

/// The source's decision to commit a metadata operation its destination prepared (and acknowledged
/// with success): the destination writes the operation's objects and unlocks its keys. Sent from
/// the operation's source to its destination, with timeout_height no_timeout.
struct metadata_commit {
  message_id op;
  friend bool operator==(const metadata_commit&, const metadata_commit&) = default;
};

/// A cross-chain message, written into the source chain's outbox.
struct peg_message {
  static constexpr std::uint64_t format_version = 1;
  message_id id;                ///< id.source is the source chain
  chain_id destination = 0;
  address sender;               ///< source-chain account
  address receiver;             ///< destination-chain account
  std::variant<asset_transfer, metadata_op, metadata_commit> payload;
  std::uint64_t timeout_height = 0;  ///< the destination receives it only in blocks below this height

  message_kind kind() const noexcept { return static_cast<message_kind>(payload.index()); }
  friend bool operator==(const peg_message&, const peg_message&) = default;
};

/// Why a destination refused a message (the acknowledgement's code; 0 is success).
/// Stored and hashed: never renumber.
enum class failure_code : std::uint16_t {
  none = 0,
  bad_denom = 1,            ///< the trace is invalid or its voucher trace would be too long
  insufficient_escrow = 2,  ///< an unwinding transfer of more than the destination escrows
  locked = 3,               ///< a key the operation needs is locked by another operation
  refused = 4,              ///< the operation's service refused it
};

/// The destination's answer to a message, written into its outbox.
struct peg_ack {
  static constexpr std::uint64_t format_version = 1;
  message_id id;
  failure_code code = failure_code::none;  ///< none = success
  std::string detail;                      ///< short, for people; empty on success
  bool success() const noexcept { return code == failure_code::none; }
  friend bool operator==(const peg_ack&, const peg_ack&) = default;
};

// --- denomination traces -------------------------------------------------------------------
// A base denomination is 1-16 of [A-Za-z0-9]. A trace is ("peg/" <chain> "/")* <base>, <chain>
// a decimal chain id without leading zeros, at most max_denom bytes. A chain's native assets
// have no prefix; a voucher minted on chain D for denom d arriving from chain S is
// "peg/S/d". Sending "peg/D/x" to chain D unwinds it: D receives x from its escrow.

/// Whether `denom` is a well-formed trace.
bool valid_denom(std::string_view denom) noexcept;
/// Whether `denom` (valid) is native on its chain (no prefix).
bool is_native(std::string_view denom) noexcept;
/// The chain a voucher came from (its first hop), or nothing for a native denom.
std::optional<chain_id> voucher_origin(std::string_view denom) noexcept;
/// "peg/<source>/<denom>": the voucher a destination mints; nothing when over max_denom.
std::optional<std::string> voucher_denom(chain_id source, std::string_view denom);
/// The denom with its first hop removed (valid voucher only).
std::string_view unwind(std::string_view voucher) noexcept;

/// Tagged "bfd/peg/msg" hash over the encoding: the outbox leaf item.
hash256 message_hash(const peg_message& m);
/// Tagged "bfd/peg/ack" hash over the encoding: the outbox leaf item and the receipt value.
hash256 ack_hash(const peg_ack& a);
/// be32(source) || be64(sequence): the id's 12-byte form (storage keys, receipt keys).
bytes id_bytes(const message_id& id);

} // namespace bfd::peg

namespace bfd::codec {
void write(const peg::peg_message& m, writer& w);
void write(const peg::peg_ack& a, writer& w);
bytes encode(const peg::peg_message& m);
bytes encode(const peg::peg_ack& a);
/// Readers of an already parsed value (used inside bundles); they check every bound.
result<peg::peg_message> read_peg_message(const msgpack::object& obj);
result<peg::peg_ack> read_peg_ack(const msgpack::object& obj);
/// Canonical decoders: exactly one value, re-encoded byte for byte.
result<peg::peg_message> decode_peg_message(byte_view in);
result<peg::peg_ack> decode_peg_ack(byte_view in);
} // namespace bfd::codec
