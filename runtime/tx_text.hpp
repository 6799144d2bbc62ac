// Text forms of transactions for clients: hex of the canonical encoding and readable JSON. They
// are the HTTP API's forms (protocols/json.hpp), re-exported for the tools.
#pragma once

#include "protocols/json.hpp"

namespace bfd::runtime {

/// Lower-case hex of the transaction's canonical encoding (with signature).
using bfd::transaction_hex;

/// Decodes hex text (surrounding whitespace and a "0x" prefix allowed) of one canonical
/// transaction; errc::bad_hex or the decoder's error otherwise.
using bfd::transaction_from_hex;

/// Name of a transaction kind as it appears in JSON, e.g. "transfer".
using bfd::kind_name;

/// Readable JSON of a transaction: id, chain, kind, sender key and address, nonce, fee, expiry,
/// the payload's fields, the signature and whether it verifies. Amounts appear twice: as exact
/// BFDT text ("fee": "0.0001") and as base units ("fee_units": 10000).
using bfd::transaction_json;

} // namespace bfd::runtime
