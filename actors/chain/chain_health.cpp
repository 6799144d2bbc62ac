#include "actors/chain/chain_health.hpp"

#include <algorithm>
#include <set>
#include <variant>

#include "actors/chain/chain_queries.hpp"
#include "chains/contracts/contract_module.hpp"

namespace bfd {

void final_seen_ring::record(std::uint64_t height, std::uint64_t ms) {
  seen_.emplace(height, ms);
  while (seen_.size() > capacity)
    seen_.erase(seen_.begin());
}

std::optional<std::uint64_t> final_seen_ring::at(std::uint64_t height) const {
  auto i = seen_.find(height);
  if (i == seen_.end())
    return std::nullopt;
  return i->second;
}

std::uint64_t p99(std::vector<std::uint64_t>& samples) {
  if (samples.empty())
    return 0;
  std::sort(samples.begin(), samples.end());
  const auto n = samples.size();
  const auto rank = (99 * n + 99) / 100;  // ceil(0.99 n), at least 1
  return samples[std::min(rank, n) - 1];
}

health_reply measure_health(const std::vector<const block*>& blocks, const health_inputs& in) {
  health_reply out;
  if (blocks.size() < 2)
    return out;
  const auto slot_of = [&](const block& b) {
    const auto t = b.header.timestamp_ms;
    return t < in.genesis_time_ms ? 0 : (t - in.genesis_time_ms) / std::max<std::uint64_t>(1, in.slot_ms);
  };
  out.from = blocks[1]->header.height;
  out.to = blocks.back()->header.height;
  std::set<std::uint64_t> used_slots;
  std::vector<std::uint64_t> latencies;
  for (std::size_t i = 1; i < blocks.size(); ++i) {
    const auto& b = *blocks[i];
    ++out.blocks;
    used_slots.insert(slot_of(b));
    if (auto seen = in.final_seen_ms ? in.final_seen_ms(b.header.height) : std::nullopt)
      latencies.push_back(*seen > b.header.timestamp_ms ? *seen - b.header.timestamp_ms : 0);
    for (const auto& tx : b.txs) {
      const auto* call = std::get_if<contract_call_tx>(&tx.payload);
      if (!call || call->contract != in.contract)
        continue;
      ++out.calls;
      const auto ok = in.call_ok ? in.call_ok(signing_hash(tx)) : std::nullopt;
      if (!ok)
        ++out.unknown_calls;
      else if (!*ok)
        ++out.failed_calls;
    }
  }
  const auto first = slot_of(*blocks.front());
  const auto last = slot_of(*blocks.back());
  const std::uint64_t span = last > first ? last - first : 0;
  const auto used = static_cast<std::uint64_t>(std::count_if(used_slots.begin(), used_slots.end(),
                                                             [&](std::uint64_t s) { return s > first; }));
  out.missed_slots = span > used ? span - used : 0;
  out.latency_samples = latencies.size();
  out.latency_max_ms = latencies.empty() ? 0 : *std::max_element(latencies.begin(), latencies.end());
  out.latency_p99_ms = p99(latencies);
  return out;
}

health_reply health_of(const chain_engine& engine, chain_store* store, const final_seen_ring& seen,
                       const address& contract, std::uint64_t from, std::uint64_t to) {
  const auto& final_state = engine.final_state();
  const auto final_height = engine.final_height();
  const auto refuse = [&](errc code, std::string detail) {
    health_reply r;
    r.code = static_cast<std::uint16_t>(code);
    r.detail = std::move(detail);
    r.chain = final_state.chain();
    r.final_height = final_height;
    return r;
  };
  from = std::max<std::uint64_t>(from, 1);
  to = std::min(to, final_height);
  if (from > to)
    return refuse(errc::invalid_argument, "no final heights in the range (from " + std::to_string(from) + ", final "
                                            + std::to_string(final_height) + ")");
  if (to - from >= max_health_range)
    return refuse(errc::invalid_argument, "a range of " + std::to_string(to - from + 1) + " heights; at most "
                                            + std::to_string(max_health_range));
  std::vector<block_envelope> kept;
  kept.reserve(to - from + 2);
  for (auto h = from - 1; h <= to; ++h) {
    auto b = block_at_height(engine, store, h);
    if (!b)
      return refuse(errc::not_found, "this node lacks block " + std::to_string(h));
    kept.push_back(std::move(b));
  }
  std::vector<const block*> blocks;
  for (const auto& b : kept)
    blocks.push_back(b.ptr.get());
  const auto* contracts = find_contracts(engine.head_state());
  health_inputs in;
  in.contract = contract;
  in.genesis_time_ms = final_state.consensus().params().genesis_time_ms;
  in.slot_ms = final_state.consensus().params().slot_ms;
  in.call_ok = [contracts](const hash256& tx) -> std::optional<bool> {
    if (!contracts)
      return std::nullopt;
    auto r = contracts->find_receipt(tx);
    return r ? std::optional<bool>(r->ok) : std::nullopt;
  };
  in.final_seen_ms = [&seen](std::uint64_t h) { return seen.at(h); };
  auto out = measure_health(blocks, in);
  out.chain = final_state.chain();
  out.final_height = final_height;
  return out;
}

} // namespace bfd
