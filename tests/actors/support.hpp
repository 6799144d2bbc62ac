// Shared scaffolding of the actor, remote and HTTP tests: a temporary directory, one dev
// network per test binary, the actor-system configuration, slot driving and bounded polling.
#pragma once

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <unistd.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <doctest/doctest.h>

#include "runtime/node.hpp"
#include "runtime/remote.hpp"
#include "tests/temp_dir.hpp"

namespace bfd::test {

/// A dev network of 7 delegates and 2 funded accounts, generated once per test binary.
inline const runtime::dev_network& shared_network() {
  static temp_dir dir;
  static runtime::dev_network net = [] {
    runtime::dev_options o;
    o.data_dir = dir.path.string();
    o.delegates = 7;
    o.accounts = 2;
    o.slot_ms = 600;
    o.rounds_per_epoch = 5;
    o.work_bits = 4;
    auto n = runtime::prepare_dev_network(o, 1'700'000'000'000);
    REQUIRE(n);
    return *n;
  }();
  return net;
}

/// The actor-system configuration of every bfd process, optionally with TLS links.
struct node_config : caf::actor_system_config {
  explicit node_config(const std::optional<runtime::tls_settings>& tls = std::nullopt) {
    runtime::configure_actor_system(*this);
    if (tls)
      runtime::configure_tls(*this, *tls);
  }
};

/// Asks each delegate to act once (tick) and waits for its answer; returns blocks made.
inline std::uint32_t tick_all(caf::actor_system& system, const std::vector<delegate_actor>& delegates) {
  caf::scoped_actor self{system};
  std::uint32_t made = 0;
  for (const auto& d : delegates)
    self->request(d, std::chrono::seconds(30), tick_atom::value)
      .receive([&](std::uint32_t k) { made += k; },
               [&](const caf::error& e) { FAIL("tick failed: " << system.render(e)); });
  return made;
}

/// The clock time of sub-step `step` (of six) of global slot `g`.
inline std::uint64_t slot_time(const consensus_params& p, std::uint64_t g, std::uint64_t step) {
  return p.genesis_time_ms + g * p.slot_ms + step * p.slot_ms / 6;
}

/// The delegates of every chain `n` hosts (with `producing_only`, of the chains still producing).
inline std::vector<delegate_actor> hosted_delegates(const runtime::node& n, bool producing_only = false) {
  std::vector<delegate_actor> all;
  for (auto id : n.chain_ids())
    if (!producing_only || n.unit(id)->producing())
      all.insert(all.end(), n.unit(id)->delegates().begin(), n.unit(id)->delegates().end());
  return all;
}

/// Runs global slots [from, to) of `p` on a manual clock: six steps per slot, each of
/// `delegates` ticked at every step.
inline void run_slots(caf::actor_system& system, manual_clock& time, const consensus_params& p,
                      const std::vector<delegate_actor>& delegates, std::uint64_t from, std::uint64_t to) {
  for (auto g = from; g < to; ++g)
    for (std::uint64_t step = 0; step < 6; ++step) {
      time.set(slot_time(p, g, step));
      tick_all(system, delegates);
    }
}

/// Polls `pred` until it holds or `limit` passes, waiting on a receive timeout between tries.
template <class Pred>
bool eventually(caf::actor_system& sys, Pred pred, std::chrono::milliseconds limit = std::chrono::milliseconds(10'000)) {
  caf::scoped_actor self{sys};
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (pred())
      return true;
    self->receive(caf::after(std::chrono::milliseconds(5)) >> [] {});
  }
  return pred();
}

} // namespace bfd::test
