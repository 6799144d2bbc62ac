// The peer gate: the node's public peer port, in front of CAF's BASP listener (which listens only
// on 127.0.0.1). It authenticates peers (mutual TLS, certificates pinned by the topology; or plain
// TCP on loopback-only networks), bounds unauthenticated connections and the size of every BASP
// frame a peer sends before CAF allocates anything, and backs off peers that break the bound.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "chains/core/error.hpp"
#include "runtime/basp_frame_guard.hpp"
#include "runtime/remote.hpp"

namespace spdlog {
class logger;
}

namespace bfd::runtime {

/// A node whose certificate the gate accepts (inbound) or expects (outbound).
struct gate_peer {
  std::string name;
  std::string fingerprint;  ///< SHA-256 of the certificate's DER, lowercase hex
};

/// The node's own TLS files: its certificate and key, and the CA peers must chain to.
struct gate_tls {
  std::string certificate;
  std::string key;
  std::string ca;
};

/// How a gate listens, authenticates and bounds.
struct gate_options {
  std::string node;                       ///< this node's name, for logs
  std::string host = "127.0.0.1";         ///< the public peer listener
  std::uint16_t port = 0;                 ///< 0: any free port
  std::optional<gate_tls> tls;            ///< absent: plain TCP (loopback-only networks)
  std::vector<gate_peer> known;           ///< TLS: the nodes whose certificates are accepted
  std::uint32_t max_frame_payload = default_max_frame_payload;
  std::chrono::milliseconds handshake_timeout{5000};  ///< TCP connect + TLS handshake
  std::size_t max_unauthenticated = 32;   ///< connections still in their handshake, at once
  std::size_t max_unauthenticated_per_address = 16;  ///< of those, from one IP address
  std::size_t max_links = 256;            ///< authenticated links, at once
  /// Violations within violation_window that back a peer off: its links in that direction
  /// ("from b" inbound, "to b" outbound; "from IP" for plain inbound links) are closed and refused.
  std::uint32_t violation_limit = 3;
  std::chrono::seconds violation_window{600};
  std::chrono::seconds backoff{60};       ///< how long a backed-off peer is refused
  std::shared_ptr<spdlog::logger> log;    ///< may be null
};

/// What a gate has done since it started (all directions, inbound and outbound).
struct gate_counters {
  std::uint64_t accepted = 0;             ///< TCP connections accepted on the public port
  std::uint64_t refused_busy = 0;         ///< closed at once: too many unauthenticated or links
  std::uint64_t refused_backoff = 0;      ///< closed: the peer is backed off
  std::uint64_t handshake_failures = 0;   ///< TLS handshake failed, timed out, or unknown certificate
  std::uint64_t authenticated = 0;        ///< links handed to CAF (inbound) or opened for it (outbound)
  std::uint64_t frames_to_caf = 0;        ///< BASP frames from peers passed to the local CAF
  std::uint64_t violations = 0;           ///< links closed for a bad frame header
  std::uint64_t backoffs = 0;             ///< peers backed off
  std::uint64_t misconduct_closes = 0;    ///< links closed because the node behind them misbehaved (close_caf_link)
  std::uint64_t unauthenticated_now = 0;
  std::uint64_t links_now = 0;
};

/// The gate: one I/O loop (its own thread, or a caller's: bfd-node's supervised loop actor), a
/// public listener (after listen()) and a local dial port per peer.
class peer_gate {
public:
  /// Who runs the gate's I/O loop: a thread of the gate's own, or the caller through run_for
  /// (bfd-node: a supervised loop actor, runtime/loop_actor.hpp).
  enum class loop_runner { own_thread, caller };

  /// Loads the TLS files and starts the I/O thread (own_thread); nothing listens yet. With
  /// `caller`, nothing happens on the gate until run_for runs, and listen and dial_port wait
  /// (at most 10 s) for it.
  static result<std::unique_ptr<peer_gate>> start(gate_options options,
                                                  loop_runner runner = loop_runner::own_thread);

  /// `caller` only: runs the I/O loop on the calling thread for at most `slice`. An exception a
  /// handler throws propagates (the gate keeps its listeners and links: a new run_for carries
  /// on); false once the gate is stopping. The runner must have stopped before the gate is
  /// destroyed.
  bool run_for(std::chrono::milliseconds slice);

  /// A test hook (fault injection): the next handler the I/O loop runs throws.
  void inject_failure();
  ~peer_gate();
  peer_gate(const peer_gate&) = delete;
  peer_gate& operator=(const peer_gate&) = delete;

  /// Opens the public port; authenticated peers are piped to 127.0.0.1:basp_port. Returns the port.
  result<std::uint16_t> listen(std::uint16_t basp_port);

  /// A 127.0.0.1 port that CAF dials to reach `peer` (its public gate at host:port): each
  /// connection to it becomes an authenticated link to the peer. The same peer name gets the same port.
  result<std::uint16_t> dial_port(const peer_address& peer);

  /// Closes the link CAF reaches a peer node through at 127.0.0.1:`caf_port` (the port the
  /// middleman reports for that node: an inbound link's local end towards CAF, or an outbound
  /// link's dial port), for misconduct seen above BASP (actors/peer_conduct.hpp). On a TLS
  /// network the peer's name is also backed off for `backoff`; on a plain one nothing is keyed by
  /// address (every node there shares 127.0.0.1), the node's refusal is its identity's. Returns
  /// at once; the I/O thread does it.
  void close_caf_link(std::uint16_t caf_port, std::string reason);

  /// A snapshot of the counters.
  gate_counters counters() const;

  /// One line of counters for logs.
  std::string summary() const;

  struct impl;

private:
  explicit peer_gate(std::unique_ptr<impl> i);
  std::unique_ptr<impl> impl_;
};

/// SHA-256 fingerprint (lowercase hex of the DER) of the first certificate in a PEM file.
result<std::string> certificate_fingerprint(const std::string& pem_file);

/// Whether `host` is a loopback address: 127.0.0.0/8, ::1 or "localhost".
bool is_loopback_host(const std::string& host);

/// The gate of node `node_name` of a topology: TLS with every other node's certificate pinned,
/// or plain TCP, refused unless every node's host is a loopback address.
result<gate_options> topology_gate_options(const std::string& topology_path, const std::string& node_name);

} // namespace bfd::runtime
