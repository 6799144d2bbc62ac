// What one node measures of a chain's health over a range of its heights (GET /v1/chains/{id}/
// health, the triage of docs/service-triage.md): calls to one contract and how many failed,
// missed slots, and the latency from a block's timestamp to when this node saw it final.
// Internal to actors/chain.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <vector>

#include "chains/consensus/chain_engine.hpp"
#include "chains/storage/chain_store.hpp"
#include "protocols/interfaces.hpp"

namespace bfd {

/// When this node saw each recent block final (wall-clock ms), for the latency figure: the
/// most recent `capacity` heights, oldest dropped. Kept in memory only: blocks finalized
/// before a restart, or caught up from a peer, have no entry or a late one.
class final_seen_ring {
public:
  static constexpr std::size_t capacity = 4096;
  /// Records `height` seen final at `ms` (the first sighting wins).
  void record(std::uint64_t height, std::uint64_t ms);
  std::optional<std::uint64_t> at(std::uint64_t height) const;
  std::size_t size() const noexcept { return seen_.size(); }

private:
  std::map<std::uint64_t, std::uint64_t> seen_;
};

/// The p99 of `samples` (nearest rank: the smallest value with at least 99% of the samples at
/// or below it); 0 when there are none. Sorts `samples`.
std::uint64_t p99(std::vector<std::uint64_t>& samples);

/// What measure_health needs of a chain besides its blocks.
struct health_inputs {
  address contract;
  std::uint64_t genesis_time_ms = 0;
  std::uint64_t slot_ms = 1;
  /// A call's outcome from its receipt: true ok, false failed, nothing when no receipt is kept.
  std::function<std::optional<bool>(const hash256& tx)> call_ok;
  /// When this node saw a height final.
  std::function<std::optional<std::uint64_t>(std::uint64_t height)> final_seen_ms;
};

/// Pure: the figures over `blocks`, the consecutive blocks from height from-1 to `to` (the
/// first is only the reference for missed slots). Missed slots: the slots after block from-1's
/// up to block `to`'s in which no block of the range was made. Fields chain, code, detail and
/// final_height are left to the caller.
health_reply measure_health(const std::vector<const block*>& blocks, const health_inputs& in);

/// The figures of chain `engine` over final heights [from, to] (to: at most the final height;
/// from 0 counts from 1). Refused with invalid_argument when from > to or the range spans more
/// than max_health_range heights, not_found when this node lacks a block of it.
health_reply health_of(const chain_engine& engine, chain_store* store, const final_seen_ring& seen,
                       const address& contract, std::uint64_t from, std::uint64_t to);

} // namespace bfd
