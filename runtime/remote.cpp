#include "runtime/remote.hpp"

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/openssl/manager.hpp>
#include <caf/openssl/publish.hpp>
#include <caf/openssl/remote_actor.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>
#include <spdlog/spdlog.h>

namespace bfd::runtime {

void configure_tls(caf::actor_system_config& cfg, const tls_settings& tls) {
  cfg.openssl_certificate = tls.certificate;
  cfg.openssl_key = tls.key;
  cfg.openssl_cafile = tls.ca;
  cfg.load<caf::openssl::manager>();
}

result<chain_actor> connect_chain(caf::actor_system& system, const std::string& host, std::uint16_t port,
                                  link_security security) {
  auto remote = security == link_security::tls ? caf::openssl::remote_actor<chain_actor>(system, host, port)
                                               : system.middleman().remote_actor<chain_actor>(host, port);
  if (!remote)
    return make_error(errc::io, system.render(remote.error()));
  return *remote;
}

result<std::uint16_t> publish_chain(caf::actor_system& system, const chain_actor& chain, const std::string& host,
                                    std::uint16_t port, link_security security) {
  const char* addr = host.empty() ? nullptr : host.c_str();
  auto bound = security == link_security::tls ? caf::openssl::publish(chain, port, addr, true)
                                              : system.middleman().publish(chain, port, addr, true);
  if (!bound)
    return make_error(errc::io, "cannot listen on " + host + ":" + std::to_string(port) + ": "
                                  + system.render(bound.error()));
  return *bound;
}

struct peer_connector::impl {
  caf::actor_system& system;
  chain_actor chain;
  mempool_actor mempool;
  std::vector<peer_address> peers;
  std::shared_ptr<spdlog::logger> log;
  std::uint32_t retry_ms;
  link_security security;
  std::atomic<bool> stop{false};
  mutable std::mutex mtx;
  std::vector<caf::actor> handles;  // one per peer; invalid while disconnected
  std::thread worker;

  void run() {
    caf::scoped_actor self{system};
    std::vector<bool> announced_waiting(peers.size(), false);
    while (!stop.load()) {
      for (std::size_t i = 0; i < peers.size() && !stop.load(); ++i) {
        {
          std::lock_guard guard{mtx};
          if (handles[i])
            continue;
        }
        auto typed = connect_chain(system, peers[i].host, peers[i].port, security);
        if (!typed) {
          if (log && !announced_waiting[i]) {
            log->info("waiting for peer {} at {}:{} ({})", peers[i].name, peers[i].host, peers[i].port,
                      typed.error().detail);
            announced_waiting[i] = true;
          }
          continue;
        }
        announced_waiting[i] = false;
        auto remote = caf::actor_cast<caf::actor>(*typed);
        self->monitor(remote);
        {
          std::lock_guard guard{mtx};
          handles[i] = remote;
        }
        if (log)
          log->info("connected to peer {} at {}:{}", peers[i].name, peers[i].host, peers[i].port);
        // Both directions use this one connection (a second one between the same two nodes
        // would be torn down by the middleman): the peer learns our chain actor from us.
        caf::anon_send(chain, peer_atom::value, remote);
        caf::anon_send(*typed, peer_atom::value, caf::actor_cast<caf::actor>(chain));
      }
      // Wait for the next retry, noticing lost peers meanwhile.
      self->receive(
        [&](const caf::down_msg& down) {
          std::lock_guard guard{mtx};
          for (std::size_t i = 0; i < handles.size(); ++i)
            if (handles[i] && handles[i].address() == down.source) {
              handles[i] = caf::actor{};
              if (log)
                log->warn("lost peer {}; reconnecting", peers[i].name);
            }
        },
        caf::after(std::chrono::milliseconds(retry_ms)) >> [] {});
    }
  }
};

peer_connector::peer_connector(caf::actor_system& system, chain_actor chain, mempool_actor mempool,
                               std::vector<peer_address> peers, std::shared_ptr<spdlog::logger> log,
                               std::uint32_t retry_ms, link_security security)
  : impl_(new impl{system, std::move(chain), std::move(mempool), std::move(peers), std::move(log), retry_ms,
                   security}) {
  impl_->handles.resize(impl_->peers.size());
  impl_->worker = std::thread([this] { impl_->run(); });
}

peer_connector::~peer_connector() {
  impl_->stop.store(true);
  if (impl_->worker.joinable())
    impl_->worker.join();
}

std::size_t peer_connector::connected() const {
  std::lock_guard guard{impl_->mtx};
  std::size_t n = 0;
  for (const auto& h : impl_->handles)
    if (h)
      ++n;
  return n;
}

} // namespace bfd::runtime
