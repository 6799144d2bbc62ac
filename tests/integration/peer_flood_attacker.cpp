// The attacker of integration_peer_flood (tests/integration/peer_flood_test.py): a real CAF node
// that completes the BASP handshake with a bfd-node through its peer gate, looks up a chain's
// actors in the published directory and then, over the established link, floods them for a while:
// relayed transactions with bad signatures, relayed bytes that are not a transaction, messages the
// actors' interfaces do not have (unknown atoms to the chain actor, mempool and directory, a type only this process knows, 1 MiB strings),
// and anonymous relays. When the node closes the link it reconnects with the same identity.
// MODE "stale" plays the honest peer with bad luck instead: correctly signed transfers that have
// expired, at TX_RATE, and nothing else (the node must not count them against it).
// Prints one JSON line of figures. Usage:
//   bfd_peer_flood_attacker HOST PORT SECONDS TX_RATE JUNK_RATE [CHAIN [MODE]]
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/io/middleman.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "chains/codec/transaction_codec.hpp"
#include "chains/crypto/keys.hpp"
#include "protocols/directory.hpp"
#include "runtime/node.hpp"
#include "runtime/transfer.hpp"

namespace {

/// The bytes of a transaction envelope as they cross nodes, whatever they hold: registered under
/// the name of bfd::tx, so the node decodes them as a relayed transaction.
struct raw_tx {
  std::vector<std::uint8_t> buf;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, raw_tx& x) {
  return f(caf::meta::type_name("bfd::tx"), x.buf);
}

/// A type no bfd-node knows.
struct bogus {
  std::string text;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, bogus& x) {
  return f(caf::meta::type_name("attacker::bogus"), x.text);
}

using junk_atom = caf::atom_constant<caf::atom("junk")>;

struct attacker_config : caf::actor_system_config {
  attacker_config() {
    bfd::runtime::configure_actor_system(*this, 2);
    add_message_type<raw_tx>("bfd::tx");  // sending: this type goes out as "bfd::tx"
    add_message_type<bogus>("attacker::bogus");
  }
};

using steady = std::chrono::steady_clock;

double seconds_since(steady::time_point t) {
  return std::chrono::duration<double>(steady::now() - t).count();
}

} // namespace

int main(int argc, char** argv) {
  if (argc < 6) {
    std::cerr << "usage: bfd_peer_flood_attacker HOST PORT SECONDS TX_RATE JUNK_RATE [CHAIN [MODE]]\n";
    return 2;
  }
  const std::string host = argv[1];
  const auto port = static_cast<std::uint16_t>(std::stoul(argv[2]));
  const double seconds = std::stod(argv[3]);
  const double tx_rate = std::stod(argv[4]);
  const double junk_rate = std::stod(argv[5]);
  const std::uint32_t chain = argc > 6 ? static_cast<std::uint32_t>(std::stoul(argv[6])) : 1;
  const bool stale = argc > 7 && std::string(argv[7]) == "stale";

  // A transfer template signed by a fresh key; every copy gets another nonce, so each is a new
  // transaction whose (unchanged) signature does not match.
  bfd::secret_key secret;
  for (std::size_t i = 0; i < secret.data.size(); ++i)
    secret.data[i] = static_cast<std::uint8_t>(i * 7 + 11 + (steady::now().time_since_epoch().count() & 0x3f));
  auto keys = bfd::key_pair_from_secret(secret);
  if (!keys) {
    std::cerr << "attacker: cannot make a key\n";
    return 2;
  }
  bfd::runtime::transfer_request req;
  req.chain = chain;
  req.to = bfd::address_of(keys->pub);
  req.value = 1;
  req.expiry = 100'000'000;
  auto signed_tx = bfd::runtime::make_signed_transfer(*keys, req, bfd::hash256{});
  if (!signed_tx) {
    std::cerr << "attacker: cannot sign\n";
    return 2;
  }

  attacker_config cfg;
  caf::actor_system system{cfg};
  caf::scoped_actor self{system};

  std::uint64_t nonce = 1, connects = 0, connect_failures = 0, downs = 0;
  std::uint64_t sent_bad_sig = 0, sent_undecodable = 0, sent_unexpected = 0, sent_unknown_type = 0,
                sent_oversized = 0, sent_anonymous = 0;
  std::vector<std::uint64_t> per_link;  // messages sent on each link before its close was seen
  std::vector<double> link_seconds;
  std::uint64_t sent_stale = 0;
  std::uint64_t on_link = 0;
  steady::time_point link_start;
  caf::actor chain_actor, mempool, directory;
  bool connected = false;
  const std::string big(1 << 20, 'x');

  const auto start = steady::now();
  const auto tick = std::chrono::milliseconds(10);
  auto next = start;
  double tx_due = 0, junk_due = 0;
  std::uint64_t junk_i = 0;
  while (seconds_since(start) < seconds) {
    if (!connected) {
      auto dir = system.middleman().remote_actor<bfd::directory_actor>(host, port);
      if (!dir) {
        ++connect_failures;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        continue;
      }
      bool found = false;
      self->request(*dir, std::chrono::seconds(3), bfd::lookup_atom::value, chain)
        .receive(
          [&](const bfd::chain_handles& h) {
            if (h.chain && h.mempool) {
              chain_actor = caf::actor_cast<caf::actor>(h.chain);
              mempool = caf::actor_cast<caf::actor>(h.mempool);
              found = true;
            }
          },
          [&](const caf::error&) {});
      if (!found) {
        ++connect_failures;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        continue;
      }
      directory = caf::actor_cast<caf::actor>(*dir);
      self->monitor(chain_actor);
      ++connects;
      connected = true;
      on_link = 0;
      link_start = steady::now();
      next = steady::now();
    }
    // What the rates call for by now, so time lost reconnecting or starved is made up.
    const double t = seconds_since(start);
    tx_due = tx_rate * t - static_cast<double>(sent_bad_sig + sent_stale);
    junk_due = junk_rate * t - static_cast<double>(junk_i);
    while (tx_due >= 1) {
      tx_due -= 1;
      if (stale) {
        // Signed for real, but expired at height 1: what a slow honest peer may relay.
        auto r = req;
        r.nonce = nonce++;
        r.expiry = 1;
        if (auto tx = bfd::runtime::make_signed_transfer(*keys, r, bfd::hash256{}))
          self->send(chain_actor, bfd::relay_atom::value, raw_tx{bfd::codec::encode(*tx)});
        ++sent_stale;
        ++on_link;
        continue;
      }
      auto tx = *signed_tx;
      tx.nonce = nonce++;
      self->send(chain_actor, bfd::relay_atom::value, raw_tx{bfd::codec::encode(tx)});
      ++sent_bad_sig;
      ++on_link;
    }
    while (!stale && junk_due >= 1) {
      junk_due -= 1;
      const auto k = junk_i++;
      switch (k % 7) {
        case 0:  // not a transaction at all
          self->send(chain_actor, bfd::relay_atom::value, raw_tx{std::vector<std::uint8_t>(40, 0xc1)});
          ++sent_undecodable;
          break;
        case 1:  // an atom the chain actor does not know
          self->send(chain_actor, junk_atom::value, std::uint64_t{k});
          ++sent_unexpected;
          break;
        case 2:  // the same at the mempool
          self->send(mempool, junk_atom::value, std::string("junk"));
          ++sent_unexpected;
          break;
        case 3:  // a type only this process knows
          self->send(chain_actor, bogus{"who am I"});
          ++sent_unknown_type;
          break;
        case 4:  // a large payload, well under the gate's 16 MiB frame bound
          if (k % 70 == 4) {
            self->send(chain_actor, big);
            ++sent_oversized;
          } else {
            self->send(chain_actor, junk_atom::value, std::string(200, 'y'));
            ++sent_unexpected;
          }
          break;
        case 5:  // an atom the directory does not know
          self->send(directory, junk_atom::value, std::string("junk"));
          ++sent_unexpected;
          break;
        default: {  // a relay that names no sender
          auto tx = *signed_tx;
          tx.nonce = nonce++;
          caf::anon_send(chain_actor, bfd::relay_atom::value, raw_tx{bfd::codec::encode(tx)});
          ++sent_anonymous;
        }
      }
      ++on_link;
    }
    self->receive([&](const caf::down_msg&) {
                    ++downs;
                    connected = false;
                    per_link.push_back(on_link);
                    link_seconds.push_back(seconds_since(link_start));
                  },
                  caf::after(std::chrono::milliseconds(0)) >> [] {});
    next += tick;
    std::this_thread::sleep_until(next);
  }
  const double elapsed = seconds_since(start);
  std::uint64_t max_link = 0;
  for (auto n : per_link)
    max_link = std::max(max_link, n);
  double max_link_s = 0;
  for (auto s : link_seconds)
    max_link_s = std::max(max_link_s, s);
  const std::uint64_t first_sent = per_link.empty() ? on_link : per_link.front();
  const double first_seconds = link_seconds.empty() ? 0 : link_seconds.front();
  std::printf("{\"first_link_sent\": %llu, \"first_link_seconds\": %.3f, \"sent_stale\": %llu, ",
              (unsigned long long) first_sent, first_seconds, (unsigned long long) sent_stale);
  std::printf("\"seconds\": %.2f, \"connects\": %llu, \"connect_failures\": %llu, \"disconnects_seen\": %llu, "
              "\"sent_bad_signature\": %llu, \"sent_undecodable\": %llu, \"sent_unexpected\": %llu, "
              "\"sent_unknown_type\": %llu, \"sent_oversized\": %llu, \"sent_anonymous\": %llu, "
              "\"max_sent_on_a_link\": %llu, \"max_link_seconds\": %.3f}\n",
              elapsed, (unsigned long long) connects, (unsigned long long) connect_failures,
              (unsigned long long) downs, (unsigned long long) sent_bad_sig, (unsigned long long) sent_undecodable,
              (unsigned long long) sent_unexpected, (unsigned long long) sent_unknown_type,
              (unsigned long long) sent_oversized, (unsigned long long) sent_anonymous, (unsigned long long) max_link,
              max_link_s);
  std::fflush(stdout);
  return 0;
}
