// The remote transport between nodes, kept behind one small interface: publish this node's
// directory on a port, and keep connections to peer nodes up (retrying peers that are not up yet,
// reconnecting lost ones), introducing to each other the chain actors of every chain hosted on
// both sides.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <caf/fwd.hpp>

#include "chains/core/error.hpp"
#include "protocols/directory.hpp"
#include "protocols/interfaces.hpp"

namespace spdlog {
class logger;
}

namespace bfd::runtime {

/// A peer node's address.
struct peer_address {
  std::string name;
  std::string host;
  std::uint16_t port = 0;
};

/// Whether node-to-node links use TLS (caf::openssl; the actor system must have been configured
/// with configure_tls) or plain TCP.
enum class link_security { plain, tls };

/// Certificate, key and CA files for TLS links.
struct tls_settings {
  std::string certificate;
  std::string key;
  std::string ca;
};

/// Loads the OpenSSL module and sets the node's certificate, key and trusted CA.
void configure_tls(caf::actor_system_config& cfg, const tls_settings& tls);

/// Publishes the node's `directory` on host:port (port 0: any free one); returns the bound port.
result<std::uint16_t> publish_directory(caf::actor_system& system, const directory_actor& directory,
                                        const std::string& host, std::uint16_t port,
                                        link_security security = link_security::plain);

/// Connects to the directory a node published on host:port.
result<directory_actor> connect_directory(caf::actor_system& system, const std::string& host, std::uint16_t port,
                                          link_security security = link_security::plain);

/// Asks `directory` (local or a peer's) for chain `id`'s chain actor; errc::not_found when that
/// node does not host it, errc::io when the directory does not answer within `timeout_ms`.
result<chain_actor> lookup_chain(caf::actor_system& system, const directory_actor& directory, chain_id id,
                                 std::uint32_t timeout_ms = 5000);

/// Closes the link to peer node `who`: asks the middleman on which address and port CAF reaches
/// the node and hands the port to `close` (e.g. the peer gate's close_caf_link). Returns at once;
/// a node the middleman does not know (gone already) is left alone.
void disconnect_node(caf::actor_system& system, const caf::node_id& who, std::function<void(std::uint16_t)> close);

/// How a node reaches a peer's directory (through its peer gate, runtime/peer_gate.hpp).
using peer_dialer = std::function<result<directory_actor>(const peer_address&)>;

/// Keeps connections to peers: a background thread tries each unconnected peer every
/// `retry_ms`, and every `retry_ms` asks each connected peer's directory which chains it hosts:
/// for every chain hosted here and there, it tells the local chain actor about the peer's and the
/// peer's about the local one (once per pair of actors), so chains started later on either side
/// get connected and one connection serves both directions. Between two nodes only one may dial
/// the other (the topology makes the earlier node of each pair dial the later one). Stops when
/// destroyed.
class peer_connector {
public:
  peer_connector(caf::actor_system& system, directory_actor directory, std::vector<peer_address> peers,
                 std::shared_ptr<spdlog::logger> log, std::uint32_t retry_ms = 500,
                 link_security security = link_security::plain);
  ~peer_connector();
  peer_connector(const peer_connector&) = delete;
  peer_connector& operator=(const peer_connector&) = delete;

  /// How many peers are connected now.
  std::size_t connected() const;
  /// How many (peer, chain) pairs have been introduced and are still current.
  std::size_t introduced() const;

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

} // namespace bfd::runtime
