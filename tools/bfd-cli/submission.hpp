// Signing a transaction for a chain, submitting it to a node and following it to finality, shared by
// `transfer`, `tx submit` and the sidechain, acl, contract and ds commands.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <variant>

#include "chains/core/error.hpp"
#include "chains/crypto/keys.hpp"
#include "chains/primitives/transaction.hpp"
#include "tools/bfd-cli/chain_target.hpp"
#include "tools/bfd-cli/commands.hpp"
#include "tools/bfd-cli/node_client.hpp"

namespace bfd::cli {

/// A decimal integer in [0, max], digits only (CLI11 would wrap "-1" to 2^64-1); errors name
/// `option`.
result<std::uint64_t> parse_uint(const char* option, const std::string& text, std::uint64_t max);

/// A node and the chain --chain names on it.
struct chain_endpoint {
  node_client node;
  chain_target chain;
};

/// Opens the node and resolves --chain on it; a malformed --chain fails before any request.
std::variant<chain_endpoint, command_result> open_chain_endpoint(const network_options& net);

/// Polls GET …/txs/{id} of `chain` until the transaction is final (prints status, height and
/// block) or rejected (the node's reason), or `timeout` passes (exit code 2), with a progress
/// line on stderr each time its standing changes.
command_result wait_for_finality(const node_client& node, const chain_target& chain, const std::string& id,
                                 std::chrono::seconds timeout);

/// What every signed-transaction command takes: the sender's key file, the fee, how long to wait
/// for finality, whether to wait at all, and the node and chain to send to. The families set their
/// own defaults and help texts.
struct tx_options {
  std::string key_file;
  std::string fee_text;
  std::string timeout_text;
  bool no_wait = false;
  network_options net;
};

/// Adds --key (required; `key_help`), --fee, --no-wait and --timeout, in that order, showing the
/// defaults already in `o`; the caller adds --node (and --chain) itself.
void add_tx_options(CLI::App& cmd, tx_options& o, const std::string& key_help);

/// A transaction signed for the chain --chain names, not yet submitted.
struct signed_tx {
  chain_endpoint at;
  transaction tx;
  key_pair keys;
  std::chrono::seconds timeout;
};

/// Parses --fee then --timeout, reads the key file, opens the chain, asks the node for the
/// sender's nonce (GET …/accounts/{a}) and its head (GET …/info), and signs `payload` with fee
/// --fee + `extra_fee` and expiry head + 1000. Any failure comes back as the command's result.
std::variant<signed_tx, command_result> sign_for_chain(const tx_options& o, tx_payload payload, amount extra_fee = 0);

/// Posts `tx` to the chain's txs route, prints its id and, unless `no_wait`, waits for finality.
/// `what` is shown in the "submitted" progress line.
command_result submit(const chain_endpoint& at, const transaction& tx, const std::string& what, bool no_wait,
                      std::chrono::seconds timeout);

/// sign_for_chain then submit: the whole of a command that sends one payload (--no-wait honoured).
command_result sign_and_submit(const tx_options& o, tx_payload payload, const std::string& what);

/// GETs `route` of the chain --chain names and prints the JSON answer indented (the read
/// commands of the ds, contract and service families).
command_result print_get(const network_options& net, const std::string& route);

} // namespace bfd::cli
