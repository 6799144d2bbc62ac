// The HTTP bridge's actor: it serves the requests the server hands over without a handler thread
// (POST /v1/txs and /v1/txs/batch, bare and under /v1/chains/{chain}). It resolves the chain,
// asks the chain (the access precheck) and the mempool with event-based requests, and answers
// through each request's responder, so a transaction costs no blocked thread and no scoped actor.
// One timer sweeps the requests in flight every 100 ms: one not answered within the timeout gets
// 504 (no timer per request). Internal to actors/http.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/fwd.hpp>

#include "actors/http/server.hpp"
#include "chains/core/error.hpp"
#include "chains/primitives/transaction.hpp"
#include "protocols/directory.hpp"
#include "protocols/interfaces.hpp"

namespace bfd::http {

/// (edgejob_atom, std::shared_ptr<tx_job>): serve one transaction request.
using edgejob_atom = caf::atom_constant<caf::atom("edgejob")>;

/// A POST /v1/txs or /v1/txs/batch request, its body already parsed on the I/O thread.
struct tx_job {
  responder respond;
  std::optional<std::uint32_t> chain;  ///< /v1/chains/{chain}/…; nothing: the configured chain
  bool batch = false;
  std::vector<result<transaction>> items;  ///< one for POST /v1/txs; the batch's, errors in place
  /// The body is no transaction (or no batch): answered 400 with this once the chain is known
  /// (an unknown chain is a 404 first, as for any chain route).
  std::optional<error> malformed;
  std::chrono::steady_clock::time_point received;
};

/// What the actor asks, and how long it waits.
struct edge_actor_config {
  chain_actor chain;          ///< the configured chain (the unprefixed routes)
  mempool_actor mempool;
  directory_actor directory;  ///< invalid: only the configured chain is served
  std::chrono::milliseconds timeout{5000};
};

/// Spawns the actor (the bridge spawns it directly, or a node places it under its supervisor).
caf::actor spawn_edge_actor(caf::actor_system& system, edge_actor_config config);

} // namespace bfd::http

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<bfd::http::tx_job>)
