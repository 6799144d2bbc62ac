// The JSON forms of chain objects and actor replies for the HTTP API and the CLI: bytes as
// lower-case hex, amounts as exact BFDT text plus integer base units, addresses as "bfd…".
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "chains/consensus/params.hpp"
#include "chains/core/error.hpp"
#include "chains/primitives/block.hpp"
#include "protocols/interfaces.hpp"

namespace bfd {

/// A JSON object whose fields keep the order they were written in.
using json_object = nlohmann::ordered_json;

/// Whether a transaction's JSON checks and reports its signature ("signature_valid").
enum class signature_report {
  include,  ///< verify it: for transactions of unknown origin (bfd-cli tx decode)
  omit,     ///< leave it out: the node verified it before admitting or including it
};

/// Reasons only the HTTP edge gives: the request did not reach a chain actor, or got no answer.
/// Numbered from 1000, above every bfd::errc (which stay below 1000), and as stable as those.
enum class edge_reason : std::uint16_t {
  rate_limited = 1000,            ///< the client's request-rate bound is exceeded: retry later
  timeout = 1001,                 ///< an actor did not answer in time
  unavailable = 1002,             ///< an actor is gone (the node is stopping)
  method_not_allowed = 1003,      ///< the route exists, not for this method
  unsupported_media_type = 1004,  ///< a body the route cannot read (multipart forms)
  internal = 1005,                ///< a bug: the node caught it and carries on
  unauthenticated = 1006,  ///< a protected read that is unsigned or badly signed (401)
  too_many_connections = 1007,         ///< the server holds its bound of open connections (503, closed)
  too_many_client_connections = 1008,  ///< the client's IP holds its bound of open connections (503, closed)
  busy = 1009,                         ///< every handler thread is busy and the queue is full (503)
  header_too_large = 1010,             ///< the request line and header fields exceed their bound (431)
  request_timeout = 1011,              ///< a request's head or body did not arrive within its deadline (408, closed)
};

/// Stable machine-readable name of an edge reason, e.g. "rate_limited".
std::string_view to_string(edge_reason reason) noexcept;

/// Name of a transaction kind as it appears in JSON, e.g. "transfer".
std::string_view kind_name(tx_kind kind) noexcept;

/// "pending", "included", "final", "rejected" or "unknown".
std::string_view tx_state_name(tx_state state) noexcept;

/// "active", "demoted" or "slashed" (a bfd::vm_status number).
std::string_view vm_status_name(std::uint8_t status) noexcept;

/// Lower-case hex of the transaction's canonical encoding (with signature).
std::string transaction_hex(const transaction& tx);

/// Decodes hex text (surrounding whitespace and a "0x" prefix allowed) of one canonical
/// transaction; errc::bad_hex or the decoder's error otherwise.
result<transaction> transaction_from_hex(std::string_view text);

/// A transaction: id, chain, kind, sender key and address, nonce, fee, expiry, the payload's
/// fields, the signature and, with signature_report::include, whether it verifies. Amounts appear
/// twice: exact BFDT text ("fee": "0.0001") and base units ("fee_units": 10000).
json_object transaction_json(const transaction& tx, signature_report report = signature_report::include);

/// A block header with its hash (the block id) and the producer's address.
json_object header_json(const block_header& header);

/// A block: its hash, header and transactions (signatures not re-checked).
json_object block_json(const block& b);

/// Where a transaction stands: status name, place in the chain, rejection reason, the transaction.
json_object tx_status_json(const hash256& id, const tx_status& status);

/// An account's balance and next nonce.
json_object account_json(const address& addr, const account_summary& account);

/// A VM's public summary, its category named after the chain's parameters.
json_object delegate_json(const delegate_summary& d, const consensus_params& params);

/// A slot of the schedule: global and in-round index, producer and its category, times, blocks.
json_object slot_json(const slot_info& slot, const std::vector<delegate_summary>& delegates,
                      const consensus_params& params);

/// The head, the final block, the round and its slot order with each producer's category.
json_object chain_info_json(const chain_info& info, const std::vector<delegate_summary>& delegates,
                            const consensus_params& params);

/// {"error": {"code": "<reason name>", "reason_code": <number>, "detail": "..."}}.
json_object error_json(const error& err);

/// The same error body for a reason of the HTTP edge.
json_object error_json(edge_reason reason, std::string_view detail);

/// Compact JSON text; bytes that are not UTF-8 (echoed client input) become U+FFFD, never an exception.
std::string json_text(const json_object& j);

/// Reads a submitted transaction: a JSON object that is either {"hex": "<canonical tx hex>"} or
/// the fields transaction_json writes (amounts as "<name>_units" integers or BFDT text; "id",
/// "sender_address" and "signature_valid" may be present and are checked or ignored; so may the
/// summary fields a view shows beside a payload carried as hex, e.g. a peg_receive's "source":
/// each must equal what the decoded payload's view shows). The result
/// is re-encoded and decoded by the canonical codec, so its bounds apply. Errors: malformed (not
/// JSON, wrong shape or types, unknown fields), too_deep, bad_hex, bad_address, bad_amount,
/// invalid_argument (a field that contradicts the others) and every decoder error.
result<transaction> parse_transaction_submission(std::string_view body);

/// The hex digits of a body that is exactly `{"hex": "<hex digits>"}` (JSON whitespace allowed
/// between the tokens), the form the SDKs send: parse_transaction_submission reads it without a
/// JSON parser. Anything else, even equivalent JSON (an escape, another field), gives nothing and
/// takes the general path.
std::optional<std::string_view> bare_hex_submission(std::string_view body);

/// Reads a payload to sign: a JSON object with "kind" and the payload's fields exactly as
/// transaction_json writes them (e.g. `tx decode` output without the transaction's own fields).
/// "chain", "sender", "nonce", "fee", "expiry", "signature", "id" and the like are refused
/// (invalid_argument): the signer sets them. Checked as parse_transaction_submission checks the
/// fields, through the canonical codec, so the same bounds apply.
result<tx_payload> parse_payload_submission(std::string_view body);

/// Most transactions in one batch submission.
inline constexpr std::size_t max_batch_transactions = 1024;

/// Reads a batch submission: {"txs": ["<canonical tx hex>", ...]} with 1 to
/// max_batch_transactions items. The body's shape is checked as a whole (malformed, too_large);
/// each item is decoded on its own, so one bad item gets its own error and the others go on.
result<std::vector<result<transaction>>> parse_transaction_batch(std::string_view body);

} // namespace bfd
