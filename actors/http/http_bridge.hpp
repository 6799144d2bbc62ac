// The HTTP bridge: REST+JSON for DApps over the chains a node hosts, /healthz and Prometheus
// /metrics (routes in docs/http.md and docs/openapi.yaml).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <caf/atom.hpp>
#include <caf/fwd.hpp>

#include "actors/clock.hpp"
#include "actors/http/handshake_mailbox.hpp"
#include "chains/consensus/params.hpp"
#include "protocols/directory.hpp"
#include "protocols/interfaces.hpp"

namespace spdlog {
class logger;
}

namespace bfd {

class named_counts;  // actors/restart_counts.hpp
class verified_cache;  // actors/verified_cache.hpp
class read_cache;    // actors/cache/read_cache.hpp

/// Where the HTTP API listens and the bounds it enforces.
struct http_options {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8645;                 ///< 0: an ephemeral port, see http_bridge::port()
  std::size_t threads = 8;                   ///< handler threads (blocking actor requests run here)
  std::size_t io_threads = 2;                ///< threads that own the sockets (reading, writing, deadlines)
  std::size_t max_queued = 1024;             ///< complete requests waiting for a handler thread; more get 503 busy
  std::size_t max_header_bytes = 8 * 1024;   ///< request line and header fields; more get 431
  std::size_t max_body_bytes = 256 * 1024;   ///< larger request bodies get 413 before they are read
  std::size_t max_connections = 4096;        ///< open connections in all; more are answered 503 and closed
  std::size_t max_connections_per_client = 1024;  ///< open connections from one IP address; likewise
  std::chrono::milliseconds idle_timeout{5000};   ///< a kept-alive connection without a new request is closed
  std::chrono::milliseconds header_timeout{5000}; ///< a request head must be complete this long after its first byte
  std::chrono::milliseconds body_timeout{10000};  ///< a body must be complete this long after its head
  std::chrono::milliseconds write_timeout{5000};  ///< a client must take a response within this
  std::uint32_t rate_per_second = 100;       ///< requests per client IP (token bucket); 0 = no bound
  std::uint32_t burst = 200;                 ///< requests a client IP may make at once
  std::chrono::milliseconds timeout{5000};   ///< for each actor request behind an HTTP request
  std::string explorer_dir;                  ///< the web explorer's files (docs/explorer.md); empty: not served
  http::mailbox_limits mailbox;              ///< the handshake mailbox's bounds (docs/membership-proofs.md)
};

/// (edgeping_atom) -> std::uint64_t: the requests in flight at the bridge's actor; what its
/// supervisor's probe asks (a restarted instance answers it).
using edgeping_atom = caf::atom_constant<caf::atom("edgeping")>;

/// A hosted chain's consensus parameters (categories, slot timing), or nothing if unknown.
using chain_params_lookup = std::function<std::optional<consensus_params>(std::uint32_t chain)>;

/// What the bridge serves. The unprefixed routes (/v1/info, /v1/blocks/…) serve `chain` and
/// `mempool` (the mainchain); /v1/chains/{id}/… serve any chain the directory knows.
struct http_bridge_config {
  http_options options;
  chain_actor chain;
  mempool_actor mempool;
  consensus_params params;               ///< the chain's categories and slot timing (its genesis)
  std::shared_ptr<const clock> time;     ///< the node's clock for /v1/schedule; nullptr: wall clock
  std::shared_ptr<spdlog::logger> log;   ///< nullptr: no logging
  /// The node's chains; invalid: /v1/chains lists `chain` alone (as the mainchain).
  directory_actor directory;
  /// Parameters of a chain reached through the directory; unset, or nothing for a chain: `params`.
  chain_params_lookup chain_params;
  /// Restarts of the node's supervised actors, shown as bfd_actor_restarts_total; nullptr: none.
  std::shared_ptr<const named_counts> restarts;
  /// The service triage's health reports by outcome, shown as bfd_triage_reports_total; nullptr: none.
  std::shared_ptr<const named_counts> triage_reports;
  /// The read cache in front of the registry, DS metadata and contract state reads
  /// (docs/cache.md); nullptr: every read goes to the chain.
  std::shared_ptr<read_cache> cache;
  /// The node's verified-signature cache: a transaction POSTed alone has its signature checked on
  /// the I/O thread that read it and noted here, so the mempool admits it without another hop;
  /// nullptr: the mempool verifies it.
  std::shared_ptr<verified_cache> verified;
  /// Places the bridge's actor (a node: under its supervisor, behind a front) and returns the
  /// handle to send to; empty: the bridge spawns it and stops it itself.
  std::function<caf::actor(std::string name, std::function<caf::actor(caf::actor_system&)> start)> place;
};

/// One route of the HTTP API: its method and path template ("{name}" matches one segment).
struct http_route {
  std::string method;
  std::string path;
  friend bool operator==(const http_route&, const http_route&) = default;
  friend auto operator<=>(const http_route&, const http_route&) = default;
};

/// Every route the bridge serves: the table it routes by (any other path is a 404 before a
/// handler runs). docs/openapi.yaml documents each (tests/http/routes_test.cpp holds them equal).
std::vector<http_route> http_routes();

/// A running HTTP server in front of the node's chain actors and mempools (actors/http/server.hpp).
/// Asio I/O threads own the sockets. Transaction submissions go to the bridge's actor
/// (edge_actor.hpp), which serves them with event-based requests; every other route runs on a
/// bounded pool of handler threads that turn a request into actor requests with a timeout. So a
/// slow client costs no thread and a slow or stopped actor costs a client a 504 or 503, never a
/// blocked node.
class http_bridge {
public:
  /// Binds the address and port and starts serving; errc::io if the address cannot be bound.
  static result<std::unique_ptr<http_bridge>> start(caf::actor_system& system, http_bridge_config config);
  ~http_bridge();
  http_bridge(const http_bridge&) = delete;
  http_bridge& operator=(const http_bridge&) = delete;

  /// The bound port (the chosen one when the options asked for port 0).
  std::uint16_t port() const noexcept;

  /// "http://ADDRESS:PORT" with the bound port.
  std::string url() const;

  /// The handlers registered: method and regular expression (one "([^/]+)" per
  /// template segment), so a test can hold them equal to http_routes().
  std::vector<http_route> handler_patterns() const;

  /// Stops accepting, waits for requests in flight and joins the server thread. Idempotent.
  void stop();

private:
  struct impl;
  explicit http_bridge(std::unique_ptr<impl> p);
  std::unique_ptr<impl> impl_;
};

} // namespace bfd
