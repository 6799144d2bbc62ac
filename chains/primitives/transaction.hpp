// Transactions: the signed unit of change on every chain, and their kind-specific payloads.
#pragma once

#include <cstdint>
#include <variant>

#include "chains/core/amount.hpp"
#include "chains/core/bytes.hpp"
#include "chains/crypto/keys.hpp"
#include "chains/state/access_tx.hpp"
#include "chains/state/authority_tx.hpp"
#include "chains/state/contract_tx.hpp"
#include "chains/state/consensus_payloads.hpp"
#include "chains/state/dsmeta_tx.hpp"
#include "chains/state/funds_tx.hpp"
#include "chains/state/peg_tx.hpp"
#include "chains/state/registry_tx.hpp"
#include "chains/state/services_tx.hpp"
#include "chains/state/token_payloads.hpp"

namespace bfd {

/// Identifies a chain: the mainchain and each sidechain.
using chain_id = std::uint32_t;

/// The mainchain's id.
inline constexpr chain_id mainchain_id = 1;

/// One payload per kind, listed module by module (chains/state/*_payloads.hpp). The order here
/// is not encoded: each payload declares its own kind number. Adding a module's kinds is one line.
using all_payloads = concat_t<token_payloads, consensus_payloads, registry_payloads, peg_payloads,
                                access_payloads, contract_payloads, services_payloads, dsmeta_payloads, funds_payloads,
                                authority_payloads>;
static_assert(distinct_kinds_v<all_payloads>, "two payloads declare the same kind number");
using tx_payload = variant_of_t<all_payloads>;

/// The kind a payload belongs to.
tx_kind kind_of(const tx_payload& payload) noexcept;

/// The module that owns a payload's kind.
module_id module_of(const tx_payload& payload) noexcept;

/// The name of a payload's kind, e.g. "transfer" (the JSON "kind").
std::string_view payload_name(const tx_payload& payload) noexcept;

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

/// Commits to the transaction and its exact signature: tagged "bfd/tx/entry" over
/// id || signature. Block tx roots are built from these, so the header hash fixes every
/// signature byte, and a node's cache of verified signatures is keyed by it.
hash256 entry_hash(const transaction& tx);
hash256 entry_hash(const hash256& id, const transaction& tx);

/// Fills tx.sig; sets tx.sender to the key's public key first.
void sign_transaction(transaction& tx, const key_pair& keys, const hash256& aux);

/// Checks the Schnorr signature against the sender key and the signing hash.
bool verify_signature(const transaction& tx);

} // namespace bfd
