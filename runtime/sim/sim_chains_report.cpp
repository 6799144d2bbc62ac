// The sidechains' part of bfd-sim's outputs: chains.csv and the per-chain summary figures.
#include <fmt/format.h>

#include "runtime/sim/sim_report.hpp"

namespace bfd::sim {

std::vector<chain_summary> summarize_chains(const sim_result& r, double seconds) {
  std::vector<chain_summary> out;
  for (const auto& c : r.chains) {
    chain_summary s;
    s.id = c.id;
    s.kind = c.kind;
    s.name = c.name;
    s.token = c.token;
    s.validators = c.validators.size();
    for (const auto& row : c.rounds) {
      s.slots += row.slots;
      s.blocks_made += row.blocks_made;
      s.missed += row.missed;
      s.final_txs += row.final_txs;
      s.head_height = row.head_height;
      s.final_height = row.final_height;
    }
    s.txs_submitted = c.txs_submitted;
    s.tx_per_second = seconds > 0 ? static_cast<double>(s.final_txs) / seconds : 0;
    s.finality = latency_of(c.finality_ms);
    out.push_back(std::move(s));
  }
  return out;
}

std::string chains_csv(const sim_result& r) {
  std::string out = "chain,round,slots,blocks_made,missed,head_height,final_height,final_blocks,final_txs\n";
  for (const auto& c : r.chains)
    for (const auto& row : c.rounds)
      out += fmt::format("{},{},{},{},{},{},{},{},{}\n", c.id, row.round, row.slots, row.blocks_made, row.missed,
                         row.head_height, row.final_height, row.final_blocks, row.final_txs);
  return out;
}

} // namespace bfd::sim
