// The chain a bfd-cli command addresses (--chain): parsed before any request, resolved against
// the node's /v1/chains, and turned into the paths of that chain's routes.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "chains/core/error.hpp"
#include "chains/primitives/transaction.hpp"
#include "tools/client/client_common.hpp"

namespace bfd::cli {

class node_client;

/// What --chain named: nothing (the node's unprefixed routes: the mainchain), an id, or a name.
struct chain_selector {
  enum class form { node_default, id, name };
  form how = form::node_default;
  chain_id id = mainchain_id;  ///< with form::id
  std::string name;            ///< with form::name, as given
};

/// Parses the text of --chain without asking any node: absent = node_default; digits = an id
/// from 1 to 2^32-1; a letter then letters, digits, spaces, '-', '_' or '.' (at most 64) = a
/// name (e.g. "legal service", matched without regard to case); anything else is an
/// invalid_argument error.
result<chain_selector> parse_chain_option(const std::optional<std::string>& text);

/// A chain resolved against a node: where its routes are and what its token is called.
struct chain_target {
  chain_id id = mainchain_id;
  std::string prefix;         ///< "" for the unprefixed routes, else "/v1/chains/{id}"
  std::string token = "BFDT"; ///< the symbol amounts of this chain are printed with
  std::string name;           ///< the chain's name when the node said it, else empty

  /// The path of `route` (e.g. "/info", "/txs/ab12…") on this chain.
  std::string path(std::string_view route) const;
};

/// The target of `sel` on `node`: without --chain, the unprefixed routes, chain 1 and BFDT with
/// no request; otherwise one GET of /v1/chains/{id} (or /v1/chains to find a name). A chain the
/// node does not host is an `unknown_chain` failure naming it.
std::variant<chain_target, command_result> resolve_chain(const node_client& node, const chain_selector& sel);

/// The chain id to sign for without a node: the id given, or the mainchain; a name is an
/// invalid_argument error (resolving it needs a node).
result<chain_id> offline_chain_id(const chain_selector& sel);

} // namespace bfd::cli
