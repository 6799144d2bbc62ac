// bfd-sim with several chains: config/sim/sidechains.toml runs the mainchain and two sidechains on
// three simulated nodes; a crash aimed at one sidechain's validator stalls that chain alone.
#include <doctest/doctest.h>

#include <map>

#include "config/sim_scenario.hpp"
#include "runtime/sim/sim_report.hpp"
#include "runtime/sim/sim_runner.hpp"

#ifndef BFD_SOURCE_DIR
#error "BFD_SOURCE_DIR must name the source tree"
#endif

namespace bfd::sim {
namespace {

config::sim_scenario example() {
  auto s = config::load_sim_scenarios(std::string(BFD_SOURCE_DIR) + "/config/sim/sidechains.toml");
  REQUIRE_MESSAGE(s, (s ? "" : s.error().message()));
  REQUIRE(s->size() == 1);
  return s->front();
}

std::map<std::string, std::string> files_of(const sim_result& r) {
  std::map<std::string, std::string> out;
  for (auto& f : output_files(r))
    out[f.path] = f.content;
  return out;
}

const chain_round_record& row(const chain_record& c, std::uint64_t round) { return c.rounds.at(round); }

TEST_CASE("sidechains.toml: every chain finalizes, a crash on chain 2 stalls chain 2 only, same seed same bytes") {
  const auto sc = example();
  REQUIRE(sc.sidechains.size() == 2);
  CHECK(sc.sidechains[0].id == 2);
  CHECK(sc.sidechains[1].validators == std::vector<std::uint32_t>{2, 2, 2});
  REQUIRE(sc.events.size() == 1);
  CHECK(sc.events[0].chain == std::uint64_t{2});

  run_stats stats;
  auto r = run_scenario(sc, run_options{}, &stats);
  REQUIRE_MESSAGE(r, (r ? "" : r.error().message()));
  CHECK(stats.nodes == 3);
  REQUIRE(r->chains.size() == 2);
  const auto& daos = r->chains[0];
  const auto& eco = r->chains[1];
  CHECK(daos.validators.size() == 3);
  CHECK(eco.validators.size() == 6);
  REQUIRE(daos.rounds.size() == sc.rounds);
  REQUIRE(eco.rounds.size() == sc.rounds);

  // Every chain finalizes, and the sidechains' load is final on them.
  CHECK(r->round_info.back().final_height_at_end > 20);
  CHECK(row(daos, 29).final_height > row(daos, 20).final_height);
  CHECK(row(eco, 29).final_height > 20);
  std::uint64_t daos_txs = 0, eco_txs = 0;
  for (const auto& x : daos.rounds) daos_txs += x.final_txs;
  for (const auto& x : eco.rounds) eco_txs += x.final_txs;
  CHECK(daos_txs > 0);
  CHECK(eco_txs > 0);

  // Rounds 10..19: chain 2's crashed validator misses its slots and its finality stands still
  // (two of three validators hold 2/3, not more); chain 3 and the mainchain keep finalizing.
  std::uint64_t daos_missed = 0, eco_missed_during = 0;
  for (std::uint64_t k = 11; k < 20; ++k) {
    daos_missed += row(daos, k).missed;
    eco_missed_during += row(eco, k).missed;
  }
  CHECK(daos_missed > 0);
  CHECK(eco_missed_during == 0);
  CHECK(row(daos, 18).final_height <= row(daos, 11).final_height + 1);
  CHECK(row(daos, 18).head_height > row(daos, 11).head_height);  // it still produces
  CHECK(row(eco, 18).final_height > row(eco, 11).final_height + 3);
  CHECK(r->round_info[18].final_height_at_end > r->round_info[11].final_height_at_end + 3);
  // Chain 2 misses exactly the crashed validator's two slots per round while it is down, nothing
  // before or after; its finality catches up in the round it returns.
  for (std::uint64_t k = 0; k < sc.rounds; ++k)
    CHECK_MESSAGE(row(daos, k).missed == (k >= 10 && k < 20 ? 2u : 0u), "round " << k);
  CHECK(row(daos, 20).final_height + 2 >= row(daos, 20).head_height);

  // Per-chain output, and determinism: the same seed gives the same bytes.
  const auto files = files_of(*r);
  REQUIRE(files.count("chains.csv"));
  CHECK(files.at("chains.csv").rfind("chain,round,slots,blocks_made,missed,head_height,final_height", 0) == 0);
  CHECK(files.at("summary.txt").find("example fund") != std::string::npos);
  CHECK(files.at("summary.json").find("\"sidechains\"") != std::string::npos);
  CHECK(r->round_info[10].events.at(0).find("on chain 2") != std::string::npos);
  auto again = run_scenario(sc, run_options{}, nullptr);
  REQUIRE(again);
  CHECK(files_of(*again) == files);
}

TEST_CASE("[[sidechain]] and 'chain' errors name the file and line") {
  const std::string head = "[scenario]\nname = \"t\"\nseed = 1\nrounds = 4\nrounds_per_epoch = 2\nslot_ms = 1000\n"
                           "block_reward = \"1\"\nbase_block_txs = 10\nmiss_limit = 5\nmin_bid = \"100\"\n"
                           "[[category]]\nname = \"gold\"\ncompute_weight = 1\n[[pool]]\ncategory = \"gold\"\ncount = 3\nbid = \"1000\"\n";
  auto bad = config::parse_sim_scenarios(head + "[[sidechain]]\nname = \"x\"\ntoken = \"BFDT\"\nvalidators = { iron = 1 }\n"
                                                "[[event]]\nround = 1\nkind = \"pause\"\nrounds = 1\ntargets = \"gold/0\"\nchain = 3\n",
                                         "s.toml");
  REQUIRE_FALSE(bad);
  const auto m = bad.error().message();
  CHECK(m.find("s.toml:20:") != std::string::npos);  // token = "BFDT"
  CHECK(m.find("unknown category 'iron'") != std::string::npos);
  CHECK(m.find("'chain'") != std::string::npos);
  auto vm = config::parse_sim_scenarios(head + "[[event]]\nround = 1\nkind = \"vote_move\"\nfrom = \"gold/0\"\n"
                                               "to = \"gold/1\"\namount = \"1\"\nchain = 1\n", "s.toml");
  REQUIRE_FALSE(vm);  // 'chain' is not a key of vote_move
  auto ok = config::parse_sim_scenarios(head + "[[sidechain]]\nname = \"x\"\ntoken = \"XT\"\n", "s.toml");
  REQUIRE_MESSAGE(ok, (ok ? "" : ok.error().message()));
  CHECK(ok->front().sidechains.at(0).validators == std::vector<std::uint32_t>{1});
}

} // namespace
} // namespace bfd::sim
