// Signing a transaction for a chain, submitting it to a node and following it to finality, shared by
// `transfer`, `tx submit` and the sidechain, acl, contract and ds commands.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "chains/core/error.hpp"
#include "chains/crypto/keys.hpp"
#include "chains/primitives/transaction.hpp"
#include "tools/client/chain_target.hpp"
#include "tools/client/client_common.hpp"
#include "tools/client/node_client.hpp"

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

/// GET `route` of the endpoint's chain; with a key file, a signed read (docs/formats.md §15a):
/// the X-Bfd-* headers over the chain, the path, the current time and a fresh nonce.
node_reply read_chain_route(const chain_endpoint& at, const std::string& route,
                            const std::optional<std::string>& key_file);

/// Request headers, name and value.
using header_list = std::vector<std::pair<std::string, std::string>>;

/// Milliseconds since the Unix epoch by the system clock: a signed read's timestamp.
std::uint64_t wall_clock_ms();

/// The X-Bfd-* headers of a GET of `target` (path and query) on chain `chain` signed at `time_ms`
/// with the key of `key_file` (docs/formats.md §15a), or why not (an unreadable key file).
std::variant<header_list, command_result> signed_read_headers(const std::string& key_file, chain_id chain,
                                                             const std::string& target, std::uint64_t time_ms);

/// A 401 (unauthenticated) of a read made without a key file, with a hint to pass --key.
command_result explain_unauthenticated(command_result failed, const std::optional<std::string>& key_file);

/// Opens the endpoint of `net`, reads `route` of its chain (signed with `key_file` when given)
/// and prints the answer as indented JSON.
command_result print_chain_route(const network_options& net, const std::string& route,
                                 const std::optional<std::string>& key_file = std::nullopt);

/// Polls GET …/txs/{id} of `chain` until the transaction is final (prints status, height and
/// block) or rejected (the node's reason), or `timeout` passes (exit code 2), with a progress
/// line on stderr each time its standing changes.
command_result wait_for_finality(const node_client& node, const chain_target& chain, const std::string& id,
                                 std::chrono::seconds timeout);

/// Polls GET …/txs/{id} until the transaction is final (its JSON) or
/// rejected (the node's reason), or `timeout` passes (exit code 2); with `progress`, a line on
/// stderr each time its standing changes.
std::variant<json, command_result> await_final(const node_client& node, const chain_target& chain,
                                              const std::string& id, std::chrono::seconds timeout, bool progress);

/// Posts `tx` to the chain's txs route and returns its id, printing nothing.
std::variant<std::string, command_result> post_transaction(const chain_endpoint& at, const transaction& tx);

/// A transaction's id as the node names it (64 hex characters).
std::string transaction_id_hex(const transaction& tx);

/// What every signed-transaction command takes: the sender's key file, the fee, how long to wait
/// for finality, whether to wait at all, the node and chain to send to, and what signing without
/// a node needs (--nonce, --expiry, --offline). The families set their own defaults and help texts.
struct tx_options {
  std::string key_file;
  std::string fee_text;
  std::string timeout_text;
  bool no_wait = false;
  network_options net;
  std::optional<std::string> nonce_text;   ///< --nonce: default asked from the node
  std::optional<std::string> expiry_text;  ///< --expiry: default the node's head + 1000
  bool offline = false;                    ///< --offline: print the signed hex, send nothing
};

/// Whether a command can sign without a node: `refused` for the interactive ones (a handshake
/// needs the node before anything is signed).
enum class offline_signing { allowed, refused };

/// Adds --key (required; `key_help`), --fee, --no-wait and --timeout, in that order, showing the
/// defaults already in `o`, then, unless refused, the offline options (add_offline_options); the
/// caller adds --node (and --chain) itself.
void add_tx_options(CLI::App& cmd, tx_options& o, const std::string& key_help,
                    offline_signing offline = offline_signing::allowed);

/// Adds --nonce, --expiry and --offline (which excludes --no-wait when the command has it): the
/// options sign_for_chain reads to sign without a node. Every signed-transaction command has them.
void add_offline_options(CLI::App& cmd, tx_options& o);

/// Signs `payload` with `keys` from the offline options alone (--nonce and --expiry required,
/// --chain an id or absent for the mainchain), with fee `fee`: the one offline signing path.
result<transaction> sign_offline(const tx_options& o, const key_pair& keys, tx_payload payload, amount fee);

/// Prints an offline-signed transaction: its hex, one line on stdout (what `tx submit` and
/// POST /v1/txs take), and its id, chain, nonce and expiry on stderr.
void print_offline(const transaction& tx);

/// A transaction signed for the chain --chain names, not yet submitted.
struct signed_tx {
  chain_endpoint at;
  transaction tx;
  key_pair keys;
  std::chrono::seconds timeout;
};

/// Parses --fee then --timeout, reads the key file, opens the chain, asks the node for the
/// sender's nonce (GET …/accounts/{a}) unless --nonce gives it and for its head (GET …/info)
/// unless --expiry gives the expiry, and signs `payload` with fee --fee + `extra_fee` and expiry
/// head + 1000. Any failure comes back as the command's result. With --offline no node is asked:
/// the transaction is signed by sign_offline, printed by print_offline, and the command's
/// (successful) result comes back instead of a signed_tx, so every caller ends there.
std::variant<signed_tx, command_result> sign_for_chain(const tx_options& o, tx_payload payload, amount extra_fee = 0);

/// Posts `tx` to the chain's txs route, prints its id and, unless `no_wait`, waits for finality.
/// `what` is shown in the "submitted" progress line.
command_result submit(const chain_endpoint& at, const transaction& tx, const std::string& what, bool no_wait,
                      std::chrono::seconds timeout);

/// sign_for_chain then submit: the whole of a command that sends one payload (--no-wait honoured).
command_result sign_and_submit(const tx_options& o, tx_payload payload, const std::string& what);

} // namespace bfd::cli
