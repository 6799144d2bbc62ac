// bfd-sim's network model, crashes and forged votes on the real actors, and a short exploration:
// latency keeps runs byte-identical, lost blocks are repaired by catch-up, a crashed delegate
// restarts from its store and votes again, forged double and surround votes are slashed.
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "config/sim_scenario.hpp"
#include "runtime/sim/sim_explore.hpp"
#include "runtime/sim/sim_report.hpp"
#include "runtime/sim/sim_runner.hpp"

namespace bfd::sim {
namespace {

// Nine VMs of equal bids over three categories (a cluster of 9 would be too slow to reach a
// majority: the cluster here is the first passes over the categories), 20 rounds.
std::string scenario_text(const std::string& extra, std::uint64_t rounds = 20) {
  return "[scenario]\nname = \"net\"\nseed = 11\nrounds = " + std::to_string(rounds)
         + "\nrounds_per_epoch = 5\nslot_ms = 1000\nblock_reward = \"2\"\nbase_block_txs = 50\n"
           "miss_limit = 0\nmin_bid = \"100\"\n"
           "[[category]]\nname = \"gold\"\ncompute_weight = 2\n"
           "[[category]]\nname = \"silver\"\ncompute_weight = 1\n"
           "[[category]]\nname = \"bronze\"\ncompute_weight = 1\n"
           "[[pool]]\ncategory = \"gold\"\ncount = 3\nbid = \"1000\"\n"
           "[[pool]]\ncategory = \"silver\"\ncount = 3\nbid = \"1000\"\n"
           "[[pool]]\ncategory = \"bronze\"\ncount = 3\nbid = \"1000\"\n"
           "[load]\ntx_per_second = 3\naccounts = 10\nvalue = \"1\"\nfee = \"0.01\"\n"
         + extra;
}

const std::string latency = "[network]\nnodes = \"per-vm\"\n"
                            "delay_ms = { distribution = \"lognormal\", median = 80, sigma = 0.7, max = 1500 }\n"
                            "jitter_ms = 30\nreorder = true\n";

struct run {
  sim_result result;
  run_stats stats;
};

run simulate(const std::string& text, std::uint64_t resume_from = 0) {
  auto s = config::parse_sim_scenarios(text, "net.toml");
  REQUIRE_MESSAGE(s, (s ? "" : s.error().message()));
  REQUIRE(s->size() == 1);
  run r;
  run_options o;
  o.check = true;
  o.resume_from_round = resume_from;
  auto res = run_scenario(s->front(), o, &r.stats);
  REQUIRE_MESSAGE(res, (res ? "" : res.error().message()));
  r.result = std::move(*res);
  return r;
}

std::map<std::string, std::string> files_of(const sim_result& r) {
  std::map<std::string, std::string> out;
  for (auto& f : output_files(r))
    out[f.path] = f.content;
  return out;
}

std::size_t vm_index(const sim_result& r, const std::string& name) {
  for (std::size_t i = 0; i < r.vms.size(); ++i)
    if (r.vms[i].name == name)
      return i;
  FAIL("no VM " << name);
  return 0;
}

std::string violations_of(const run& r) {
  std::string out;
  for (const auto& v : r.stats.checks.violations)
    out += v + "\n";
  return out;
}

std::uint64_t final_blocks_from(const sim_result& r, std::uint64_t round) {
  std::uint64_t n = 0;
  for (const auto& s : r.slots)
    if (s.round >= round)
      n += s.blocks;
  return n;
}

TEST_CASE("with message delays, jitter and reordering the same seed gives byte-identical outputs") {
  const auto text = scenario_text(latency);
  auto a = simulate(text);
  auto b = simulate(text);
  CHECK(a.stats.nodes == 9);
  CHECK(a.stats.checks.messages_delayed > 0);
  CHECK(a.stats.checks.messages_delayed == b.stats.checks.messages_delayed);
  CHECK(files_of(a.result) == files_of(b.result));
  CHECK_MESSAGE(a.stats.checks.violations.empty(), violations_of(a));
  CHECK(a.stats.final_blocks > 100);
  // Delays show in finality: some block waits longer than without them.
  auto instant = simulate(scenario_text("[network]\nnodes = \"per-vm\"\n"));
  CHECK(instant.stats.checks.messages_delayed == 0);
  CHECK(files_of(instant.result) != files_of(a.result));
}

TEST_CASE("lost blocks, transactions and sync messages are repaired by catch-up: finality goes on") {
  auto r = simulate(scenario_text(latency + "loss = 0.1\nlose = [\"blocks\", \"transactions\", \"sync\"]\n"
                                            "loss_until_round = 12\n"),
                    12);
  CHECK(r.stats.checks.messages_lost > 20);
  CHECK_MESSAGE(r.stats.checks.violations.empty(), violations_of(r));
  REQUIRE(r.stats.checks.resume_rounds.has_value());
  CHECK(*r.stats.checks.resume_rounds <= explore_resume_bound);
  CHECK(final_blocks_from(r.result, 4) > 50);  // while blocks are being lost, too
}

// A node that missed votes learns the justification they made from the certificates every new
// head announces; without them its delegates voted from a lower source and finality stalled.
TEST_CASE("lost votes: finality resumes once the loss ends") {
  auto r = simulate(scenario_text(latency + "loss = 0.05\nloss_until_round = 8\n"), 8);
  CHECK(r.stats.checks.messages_lost > 0);
  CHECK_MESSAGE(r.stats.checks.violations.empty(), violations_of(r));
}

TEST_CASE("a crashed delegate restarts from its node's store and votes again") {
  SUBCASE("delegates sharing a node with others: only the delegate actor is killed") {
    auto r = simulate(scenario_text("[[event]]\nround = 4\nkind = \"crash\"\ntargets = [\"gold/1\", \"silver/1\"]\n"
                                    "rounds = 3\n"),
                      7);
    CHECK(r.stats.checks.crashes == 2);
    CHECK(r.stats.checks.node_restarts == 0);
    CHECK_MESSAGE(r.stats.checks.violations.empty(), violations_of(r));
    for (const auto* name : {"gold/1", "silver/1"}) {
      const auto& last = r.stats.checks.last_certified_round.at(vm_index(r.result, name));
      REQUIRE_MESSAGE(last.has_value(), std::string(name));
      CHECK_MESSAGE(*last >= 8, std::string(name));  // it signed a certificate after it came back at round 7
    }
  }
  SUBCASE("a VM alone on its node: the whole node (chain, mempool, delegate) stops and restarts") {
    auto r = simulate(scenario_text("[network]\nnodes = \"per-vm\"\ndelay_ms = 20\n"
                                    "[[event]]\nround = 4\nkind = \"crash\"\ntargets = [\"gold/1\", \"silver/1\"]\n"
                                    "rounds = 3\n"),
                      7);
    CHECK(r.stats.checks.crashes == 2);
    CHECK(r.stats.checks.node_restarts == 2);
    CHECK_MESSAGE(r.stats.checks.violations.empty(), violations_of(r));
    for (const auto* name : {"gold/1", "silver/1"}) {
      const auto& last = r.stats.checks.last_certified_round.at(vm_index(r.result, name));
      REQUIRE_MESSAGE(last.has_value(), std::string(name));
      CHECK_MESSAGE(*last >= 8, std::string(name));
    }
    CHECK(r.result.slashed.empty());  // a restart never makes a delegate sign twice
  }
}

TEST_CASE("forged double and surround votes are evidence that slashes the VM") {
  // gold/0 and silver/0 are cluster members (the first of their categories: equal bids).
  auto r = simulate(scenario_text("[[event]]\nround = 3\nkind = \"double_vote\"\ntargets = \"gold/0\"\n"
                                  "[[event]]\nround = 5\nkind = \"surround_vote\"\ntargets = \"silver/0\"\n"),
                    12);
  CHECK_MESSAGE(r.stats.checks.violations.empty(), violations_of(r));
  CHECK(r.result.slashed == std::vector<std::string>{"gold/0", "silver/0"});
  std::string evidence;
  for (const auto& e : r.result.evidence)
    evidence += e + "\n";
  CHECK(evidence.find("gold/0 double_vote") != std::string::npos);
  CHECK(evidence.find("silver/0 ") != std::string::npos);
}

TEST_CASE("a short exploration finds no violation (loss sparing votes)") {
  explore_options o;
  o.rounds = 24;
  o.vote_loss = false;
  std::map<std::string, std::uint64_t> faults;
  for (std::uint64_t seed = 1; seed <= 12; ++seed) {
    auto r = explore_one(seed, o);
    std::string v;
    for (const auto& x : r.violations)
      v += x + "\n";
    CHECK_MESSAGE(r.violations.empty(), "seed " << seed << ":\n" << v << explore_replay_command(seed, o));
    CHECK(r.certificates_checked > 0);
    for (const auto& [k, n] : r.scenario.faults)
      faults[k] += n;
  }
  CHECK(faults.size() >= 6);  // the seeds cover most kinds of fault
}

TEST_CASE("an explored seed is generated the same way every time") {
  explore_options o;
  CHECK(generate_explore_scenario(42, o).toml == generate_explore_scenario(42, o).toml);
  CHECK(generate_explore_scenario(42, o).toml != generate_explore_scenario(43, o).toml);
  CHECK(explore_replay_command(42, o) == "bfd-sim explore --seeds 1 --start 42 --rounds 30");
}

} // namespace
} // namespace bfd::sim
