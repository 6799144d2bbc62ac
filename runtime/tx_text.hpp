// Text forms of transactions for clients: hex of the canonical encoding and readable JSON.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "chains/core/error.hpp"
#include "chains/primitives/transaction.hpp"

namespace bfd::runtime {

/// Lower-case hex of the transaction's canonical encoding (with signature).
std::string transaction_hex(const transaction& tx);

/// Decodes hex text (surrounding whitespace and a "0x" prefix allowed) of one canonical
/// transaction; errc::bad_hex or the decoder's error otherwise.
result<transaction> transaction_from_hex(std::string_view text);

/// Name of a transaction kind as it appears in JSON, e.g. "transfer".
std::string_view kind_name(tx_kind kind) noexcept;

/// Readable JSON of a transaction: id, chain, kind, sender key and address, nonce, fee, expiry,
/// the payload's fields, the signature and whether it verifies. Amounts appear twice: as exact
/// BFDT text ("fee": "0.0001") and as base units ("fee_units": 10000).
nlohmann::ordered_json transaction_json(const transaction& tx);

} // namespace bfd::runtime
