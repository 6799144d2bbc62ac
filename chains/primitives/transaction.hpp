// Transactions: the signed unit of change on every chain, and their kind-specific payloads.
#pragma once

#include <cstdint>
#include <variant>

#include "chains/core/amount.hpp"
#include "chains/core/bytes.hpp"
#include "chains/crypto/keys.hpp"

namespace bfd {

/// Identifies a chain: the mainchain and each sidechain.
using chain_id = std::uint32_t;

/// The mainchain's id.
inline constexpr chain_id mainchain_id = 1;

/// Transaction kinds. The numbers are part of the signed encoding: never renumber.
enum class tx_kind : std::uint8_t {
  transfer = 1,
};

/// Moves `value` base units from the sender to `to`.
struct transfer_payload {
  address to;
  amount value = 0;
  friend bool operator==(const transfer_payload&, const transfer_payload&) = default;
};

/// One payload per kind; the variant index follows tx_kind.
using tx_payload = std::variant<transfer_payload>;

/// The kind a payload belongs to.
tx_kind kind_of(const tx_payload& payload) noexcept;

/// A transaction. Encoded as a canonical msgpack array (docs/formats.md).
struct transaction {
  /// Encoding version written first; decoders reject other versions.
  static constexpr std::uint64_t format_version = 1;

  chain_id chain = mainchain_id;
  public_key sender;
  std::uint64_t nonce = 0;        ///< must equal the sender's next nonce
  amount fee = 0;                 ///< paid to the block producer
  std::uint64_t expiry = 0;       ///< last block height that may include it
  tx_payload payload;
  signature sig;

  tx_kind kind() const noexcept { return kind_of(payload); }
  friend bool operator==(const transaction&, const transaction&) = default;
};

/// The hash the sender signs: tagged "bfd/tx" over the encoding without the signature.
/// It is also the transaction's id, so a re-signed transaction keeps its id.
hash256 signing_hash(const transaction& tx);

/// Fills tx.sig; sets tx.sender to the key's public key first.
void sign_transaction(transaction& tx, const key_pair& keys, const hash256& aux);

/// Checks the Schnorr signature against the sender key and the signing hash.
bool verify_signature(const transaction& tx);

} // namespace bfd
