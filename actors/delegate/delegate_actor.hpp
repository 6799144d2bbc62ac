// The delegate actor: one VM's delegate. In its slots it builds, works, persists its last signed
// slot, signs and submits blocks; it confirms blocks its chain applied, never twice per height.
#pragma once

#include <atomic>
#include <memory>

#include <caf/fwd.hpp>

#include "actors/clock.hpp"
#include "chains/consensus/hash_chain.hpp"
#include "chains/storage/kv_store.hpp"
#include "protocols/interfaces.hpp"

namespace spdlog {
class logger;
}

namespace bfd {

/// Faults a delegate can be told to commit (tests and simulations).
struct delegate_faults {
  bool equivocate_once = false;  ///< sign two different blocks for its next block slot
};

/// Faults switched on and off while a delegate runs (simulations): shared with whoever drives them.
struct delegate_switches {
  std::atomic<bool> down{false};             ///< crashed or paused: neither produces nor confirms
  std::atomic<bool> equivocate_next{false};  ///< sign two different blocks for its next block slot
};

/// What a delegate actor needs.
struct delegate_config {
  key_pair keys;
  std::shared_ptr<const hash_chain> reveals;
  chain_id signs_for = mainchain_id;  ///< the chain id of `chain`: keys its signing record
  chain_actor chain;
  mempool_actor mempool;
  std::shared_ptr<const clock> time;
  std::uint64_t genesis_time_ms = 0;
  std::uint64_t slot_ms = 1000;
  /// > 0: wake up by itself at every sub-slot boundary of weights 1..this (wall-clock mode);
  /// 0: only act on tick requests.
  std::uint32_t self_tick_max_weight = 0;
  std::shared_ptr<kv_store> store;  ///< where it persists its last signed slot; nullptr: memory only
  std::uint32_t work_bits = 0;
  delegate_faults faults;
  std::shared_ptr<delegate_switches> switches;  ///< optional
  std::shared_ptr<spdlog::logger> log;
};

/// Spawns the delegate and attaches it to its chain (which then asks it for confirmations).
delegate_actor spawn_delegate(caf::actor_system& system, delegate_config config);

/// The space delegates keep their signing records in (keys: signing_record_key).
inline constexpr const char* delegate_space = "delegates";

} // namespace bfd
