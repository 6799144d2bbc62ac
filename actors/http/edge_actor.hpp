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
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <caf/actor.hpp>
#include <caf/atom.hpp>
#include <caf/fwd.hpp>

#include "actors/http/server.hpp"
#include "chains/core/error.hpp"
#include "chains/primitives/transaction.hpp"
#include "protocols/directory.hpp"
#include "protocols/interfaces.hpp"

namespace bfd::http {

/// (edgewake_atom): the intake has jobs (edge_intake).
using edgewake_atom = caf::atom_constant<caf::atom("edgewake")>;

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

/// The hand-over from the I/O threads to the actor. Jobs queue here under a mutex, and the actor
/// is sent one edgewake when the queue stops being empty: a burst of submissions costs the actor
/// one message, and it hands the mempool the burst's single transactions as one batch. The queue
/// outlives an instance of the actor (the next one drains what is left). Its length is bounded
/// by the server's requests in flight (server_limits::max_queued).
class edge_intake {
public:
  /// The actor (or its front under a supervisor) that edgewake goes to.
  void set_actor(caf::actor actor);
  /// Queues a job and wakes the actor unless a wake is already on its way.
  void push(std::shared_ptr<tx_job> job);
  /// Everything queued, oldest first. Only when nothing is queued does the next push wake the
  /// actor again: until then the actor is taken to be still draining.
  std::vector<std::shared_ptr<tx_job>> take();

private:
  std::mutex mutex_;
  std::vector<std::shared_ptr<tx_job>> jobs_;
  bool woken_ = false;
  caf::actor actor_;
};

/// What the actor asks, and how long it waits.
struct edge_actor_config {
  std::shared_ptr<edge_intake> intake;
  chain_actor chain;          ///< the configured chain (the unprefixed routes)
  mempool_actor mempool;
  directory_actor directory;  ///< invalid: only the configured chain is served
  std::chrono::milliseconds timeout{5000};
};

/// Spawns the actor (the bridge spawns it directly, or a node places it under its supervisor).
caf::actor spawn_edge_actor(caf::actor_system& system, edge_actor_config config);

} // namespace bfd::http

