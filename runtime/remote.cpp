#include "runtime/remote.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/event_based_actor.hpp>
#include <caf/io/middleman_actor.hpp>
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

result<directory_actor> connect_directory(caf::actor_system& system, const std::string& host, std::uint16_t port,
                                          link_security security) {
  auto remote = security == link_security::tls ? caf::openssl::remote_actor<directory_actor>(system, host, port)
                                               : system.middleman().remote_actor<directory_actor>(host, port);
  if (!remote)
    return make_error(errc::io, system.render(remote.error()));
  return *remote;
}

result<std::uint16_t> publish_directory(caf::actor_system& system, const directory_actor& directory,
                                        const std::string& host, std::uint16_t port, link_security security) {
  const char* addr = host.empty() ? nullptr : host.c_str();
  auto bound = security == link_security::tls ? caf::openssl::publish(directory, port, addr, true)
                                              : system.middleman().publish(directory, port, addr, true);
  if (!bound)
    return make_error(errc::io, "cannot listen on " + host + ":" + std::to_string(port) + ": "
                                  + system.render(bound.error()));
  return *bound;
}

void disconnect_node(caf::actor_system& system, const caf::node_id& who, std::function<void(std::uint16_t)> close) {
  auto mm = system.middleman().actor_handle();
  system.spawn([mm, who, close = std::move(close)](caf::event_based_actor* self) {
    self->request(mm, std::chrono::seconds(5), caf::get_atom::value, who)
      .then([close](const caf::node_id&, const std::string&, std::uint16_t port) {
        if (port != 0)
          close(port);
      },
            [](const caf::error&) {});
  });
}

namespace {

/// Every chain a directory lists, or an error if it does not answer in time.
result<std::vector<chain_handles>> hosted_chains(caf::scoped_actor& self, const directory_actor& directory,
                                                 std::uint32_t timeout_ms) {
  result<std::vector<chain_handles>> out = make_error(errc::io, "no answer");
  self->request(directory, std::chrono::milliseconds(timeout_ms), chains_atom::value)
    .receive([&](std::vector<chain_handles>& chains) { out = std::move(chains); },
             [&](const caf::error& e) { out = make_error(errc::io, self->system().render(e)); });
  return out;
}

} // namespace

result<chain_actor> lookup_chain(caf::actor_system& system, const directory_actor& directory, chain_id id,
                                 std::uint32_t timeout_ms) {
  caf::scoped_actor self{system};
  result<chain_actor> out = make_error(errc::io, "no answer");
  self->request(directory, std::chrono::milliseconds(timeout_ms), lookup_atom::value, std::uint32_t{id})
    .receive(
      [&](const chain_handles& h) {
        if (h.chain)
          out = h.chain;
        else
          out = make_error(errc::not_found, "the node does not host chain " + std::to_string(id));
      },
      [&](const caf::error& e) { out = make_error(errc::io, system.render(e)); });
  return out;
}

struct peer_connector::impl {
  caf::actor_system& system;
  directory_actor directory;
  std::vector<peer_address> peers;
  std::shared_ptr<spdlog::logger> log;
  std::uint32_t retry_ms;
  link_security security;
  std::atomic<bool> stop{false};
  mutable std::mutex mtx;
  std::vector<directory_actor> handles;  // one per peer; invalid while disconnected
  /// Per peer: the (local chain actor, peer chain actor) pairs introduced, as actor ids.
  std::vector<std::set<std::pair<caf::actor_id, caf::actor_id>>> introduced;
  std::thread worker;

  /// Introduces the chains hosted on both sides that have not been introduced yet.
  void introduce(caf::scoped_actor& self, std::size_t i, const directory_actor& peer,
                 const std::vector<chain_handles>& local) {
    auto remote = hosted_chains(self, peer, std::max<std::uint32_t>(retry_ms, 2000));
    if (!remote)
      return;  // a lost peer shows up as a down message
    std::set<std::pair<caf::actor_id, caf::actor_id>> current;
    for (const auto& l : local) {
      auto r = std::find_if(remote->begin(), remote->end(), [&](const chain_handles& h) { return h.id == l.id; });
      if (!l.chain || r == remote->end() || !r->chain)
        continue;
      const std::pair pair{l.chain.id(), r->chain.id()};
      current.insert(pair);
      std::lock_guard guard{mtx};
      if (introduced[i].count(pair))
        continue;
      // Both directions use this one connection (a second one between the same two nodes would
      // be torn down by the middleman): the peer learns our chain actor from us.
      caf::anon_send(l.chain, peer_atom::value, caf::actor_cast<caf::actor>(r->chain));
      caf::anon_send(r->chain, peer_atom::value, caf::actor_cast<caf::actor>(l.chain));
      if (log)
        log->info("chain {} ({}): connected to peer {}", l.id, l.name, peers[i].name);
    }
    {
      std::lock_guard guard{mtx};
      introduced[i] = std::move(current);  // forget pairs whose actors are gone
    }
    exchange_shards(self, i, peer);
  }

  /// Read-cache shards (docs/cache.md, "The ring"): the peer's own are listed here under its
  /// name, ours there under ours, so both nodes' rings span both nodes' shards.
  void exchange_shards(caf::scoped_actor& self, std::size_t i, const directory_actor& peer) {
    const auto timeout = std::chrono::milliseconds(std::max<std::uint32_t>(retry_ms, 2000));
    std::vector<cache_shard> own;
    self->request(directory, timeout, caches_atom::value)
      .receive(
        [&](const std::vector<cache_shard>& all) {
          for (const auto& s : all)
            if (s.actor && s.actor.node() == system.node())
              own.push_back(s);
        },
        [](const caf::error&) {});
    if (!own.empty())
      caf::anon_send(peer, put_atom::value, own.front().node, own);
    self->request(peer, timeout, caches_atom::value, peers[i].name)
      .receive([&](std::vector<cache_shard>& theirs) { caf::anon_send(directory, put_atom::value, peers[i].name, theirs); },
               [](const caf::error&) {});
  }

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
        auto typed = connect_directory(system, peers[i].host, peers[i].port, security);
        if (!typed) {
          if (log && !announced_waiting[i]) {
            log->info("waiting for peer {} at {}:{} ({})", peers[i].name, peers[i].host, peers[i].port,
                      typed.error().detail);
            announced_waiting[i] = true;
          }
          continue;
        }
        announced_waiting[i] = false;
        self->monitor(*typed);
        {
          std::lock_guard guard{mtx};
          handles[i] = *typed;
          introduced[i].clear();
        }
        if (log)
          log->info("connected to peer {} at {}:{}", peers[i].name, peers[i].host, peers[i].port);
      }
      // Re-ask every round: chains start and stop on either side while the link stays up.
      if (auto local = hosted_chains(self, directory, std::max<std::uint32_t>(retry_ms, 2000)))
        for (std::size_t i = 0; i < peers.size() && !stop.load(); ++i) {
          directory_actor peer;
          {
            std::lock_guard guard{mtx};
            peer = handles[i];
          }
          if (peer)
            introduce(self, i, peer, *local);
        }
      // Wait for the next retry, noticing lost peers meanwhile.
      self->receive(
        [&](const caf::down_msg& down) {
          std::lock_guard guard{mtx};
          for (std::size_t i = 0; i < handles.size(); ++i)
            if (handles[i] && handles[i].address() == down.source) {
              handles[i] = directory_actor{};
              introduced[i].clear();
              caf::anon_send(directory, put_atom::value, peers[i].name, std::vector<cache_shard>{});
              if (log)
                log->warn("lost peer {}; reconnecting", peers[i].name);
            }
        },
        caf::after(std::chrono::milliseconds(retry_ms)) >> [] {});
    }
  }
};

peer_connector::peer_connector(caf::actor_system& system, directory_actor directory, std::vector<peer_address> peers,
                               std::shared_ptr<spdlog::logger> log, std::uint32_t retry_ms, link_security security)
  : impl_(new impl{system, std::move(directory), std::move(peers), std::move(log), retry_ms, security}) {
  impl_->handles.resize(impl_->peers.size());
  impl_->introduced.resize(impl_->peers.size());
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

std::size_t peer_connector::introduced() const {
  std::lock_guard guard{impl_->mtx};
  std::size_t n = 0;
  for (const auto& s : impl_->introduced)
    n += s.size();
  return n;
}

} // namespace bfd::runtime
