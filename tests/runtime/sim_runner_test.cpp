// bfd-sim's runner on the real actors: determinism, outcomes known by construction, and the
// records checked against what the consensus state itself counted.
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <sstream>

#include "config/sim_scenario.hpp"
#include "runtime/sim/sim_report.hpp"
#include "runtime/sim/sim_runner.hpp"

namespace bfd::sim {
namespace {

// Nine VMs, three categories; `weights` and `extra` (events, load) vary per test.
std::string scenario_text(std::uint64_t seed, const std::string& weights, const std::string& extra,
                          std::uint64_t rounds = 12) {
  std::istringstream w(weights);
  std::uint32_t g = 1, s = 1, b = 1;
  w >> g >> s >> b;
  return "[scenario]\nname = \"t\"\nseed = " + std::to_string(seed) + "\nrounds = " + std::to_string(rounds)
         + "\nrounds_per_epoch = 4\nslot_ms = 1000\nblock_reward = \"2\"\nbase_block_txs = 50\n"
           "miss_limit = 100\nmin_bid = \"100\"\n"
           "[[category]]\nname = \"gold\"\ncompute_weight = " + std::to_string(g) + "\n"
           "[[category]]\nname = \"silver\"\ncompute_weight = " + std::to_string(s) + "\n"
           "[[category]]\nname = \"bronze\"\ncompute_weight = " + std::to_string(b) + "\n"
           "[[pool]]\ncategory = \"gold\"\ncount = 3\nbid = \"1000\"\n"
           "[[pool]]\ncategory = \"silver\"\ncount = 3\nbid = \"1000\"\n"
           "[[pool]]\ncategory = \"bronze\"\ncount = 3\nbid = \"1000\"\n"
         + extra;
}

const std::string load = "[load]\ntx_per_second = 7\naccounts = 20\nvalue = \"1\"\nfee = \"0.01\"\n";

config::sim_scenario parse(const std::string& text) {
  auto s = config::parse_sim_scenarios(text, "test.toml");
  REQUIRE_MESSAGE(s, (s ? "" : s.error().message()));
  REQUIRE(s->size() == 1);
  return s->front();
}

struct run {
  sim_result result;
  run_stats stats;
};

run simulate(const std::string& text) {
  run r;
  auto res = run_scenario(parse(text), run_options{}, &r.stats);
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

// The VM an event of round `round` named after `verb ` in its log line ("crash gold/2").
std::string named_in_event(const sim_result& r, std::uint64_t round, const std::string& verb) {
  for (const auto& ri : r.round_info)
    if (ri.round == round)
      for (const auto& e : ri.events)
        if (e.rfind(verb + " ", 0) == 0)
          return e.substr(verb.size() + 1, e.find(' ', verb.size() + 1) - verb.size() - 1);
  FAIL("no " << verb << " event in round " << round);
  return {};
}

std::size_t vm_index(const sim_result& r, const std::string& name) {
  for (std::size_t i = 0; i < r.vms.size(); ++i)
    if (r.vms[i].name == name)
      return i;
  FAIL("no VM " << name);
  return 0;
}

} // namespace

TEST_CASE("the same scenario and seed give byte-identical outputs; another seed another order") {
  const auto a = simulate(scenario_text(7, "3 2 1", load));
  const auto b = simulate(scenario_text(7, "3 2 1", load));
  const auto fa = files_of(a.result);
  CHECK(fa == files_of(b.result));
  CHECK(fa.count("slots.csv"));
  CHECK(fa.count("summary.json"));
  CHECK(a.result.slots.size() > 50);
  const auto c = simulate(scenario_text(8, "3 2 1", load));
  std::vector<std::uint32_t> pa, pc;
  for (const auto& s : a.result.slots)
    pa.push_back(s.producer);
  for (const auto& s : c.result.slots)
    pc.push_back(s.producer);
  CHECK(pa != pc);
  CHECK(files_of(c.result).at("slots.csv") != fa.at("slots.csv"));
}

TEST_CASE("equal stakes and equal compute give every category the same share of slots and blocks") {
  const auto r = simulate(scenario_text(3, "1 1 1", load));
  const auto s = summarize(r.result);
  REQUIRE(s.categories.size() == 3);
  CHECK(s.missed == 0);
  for (const auto& c : s.categories) {
    CHECK(c.slots == s.slots / 3);
    CHECK(c.blocks == s.blocks / 3);
    CHECK(c.block_share == doctest::Approx(1.0 / 3).epsilon(1e-9));
  }
  // Every transaction submitted made it into a final block, bar the last slot's.
  CHECK(s.txs + 10 >= r.stats.txs_submitted);
  CHECK(s.txs > 0);
}

TEST_CASE("a crashed VM misses exactly its slots while it is down; the others keep finalizing") {
  const auto r = simulate(scenario_text(5, "2 1 1", load + "[[event]]\nround = 3\nkind = \"crash\"\n"
                                                         "targets = \"cluster:count=1\"\nrounds = 4\n"));
  const auto name = named_in_event(r.result, 3, "crash");
  const auto down = vm_index(r.result, name);
  std::uint64_t own_slots = 0;
  for (const auto& s : r.result.slots) {
    const bool crashed = s.round >= 3 && s.round < 7;
    if (s.producer == down && crashed) {
      ++own_slots;
      CHECK(s.missed);
    } else {
      CHECK_MESSAGE(!s.missed, "slot " << s.global_slot << " of round " << s.round);
    }
  }
  CHECK(own_slots == 4);  // one slot per round while down: a cluster member
  CHECK(named_in_event(r.result, 7, "recover") == name);
}

TEST_CASE("an equivocating VM is reported and slashed, and leaves the cluster") {
  const auto r = simulate(scenario_text(9, "1 1 1", "[[event]]\nround = 2\nkind = \"equivocate\"\n"
                                                    "targets = \"cluster:category=gold\"\n"));
  const auto named = named_in_event(r.result, 2, "equivocate");
  REQUIRE(r.result.slashed.size() == 2);  // both gold members of the cluster
  CHECK((r.result.slashed[0] == named || r.result.slashed[1] == named));
  REQUIRE(r.result.evidence.size() == 2);
  CHECK(r.result.evidence[0].find("double_block") != std::string::npos);
  const auto offender = vm_index(r.result, named);
  CHECK(r.stats.counters[offender].slashed);
  // Two epochs after the evidence at the latest, it no longer has slots.
  for (const auto& s : r.result.slots)
    if (s.round >= 10)
      CHECK(s.producer != offender);
}

TEST_CASE("the records agree with what the consensus state counted per VM") {
  const auto r = simulate(scenario_text(11, "3 2 1", load + "[[event]]\nround = 4\nkind = \"crash\"\n"
                                                          "targets = \"cluster:count=1\"\nrounds = 2\n"));
  // Per-VM totals from the slot records (what vms.csv holds) against the VMs' own counters.
  std::vector<std::uint64_t> blocks(r.result.vms.size()), txs(r.result.vms.size()), missed(r.result.vms.size());
  std::vector<amount> rewards(r.result.vms.size());
  const auto last_round = r.result.slots.back().round;
  for (const auto& s : r.result.slots) {
    blocks[s.producer] += s.blocks;
    txs[s.producer] += s.txs;
    rewards[s.producer] += s.reward;
    if (s.missed && s.round < last_round)
      ++missed[s.producer];
  }
  std::uint64_t any_missed = 0;
  for (std::size_t i = 0; i < r.result.vms.size(); ++i) {
    CAPTURE(r.result.vms[i].name);
    CHECK(blocks[i] == r.stats.counters[i].blocks);
    CHECK(txs[i] == r.stats.counters[i].txs);
    CHECK(rewards[i] == r.stats.counters[i].rewards);
    CHECK(missed[i] == r.stats.counters[i].missed);
    any_missed += missed[i];
  }
  CHECK(any_missed > 0);
  // And vms.csv says the same.
  const auto csv = files_of(r.result).at("vms.csv");
  for (std::size_t i = 0; i < r.result.vms.size(); ++i) {
    const auto& v = r.result.vms[i];
    const auto row = v.name + ",";
    const auto at = csv.find("\n" + row);
    REQUIRE(at != std::string::npos);
    const auto line = csv.substr(at + 1, csv.find('\n', at + 1) - at - 1);
    std::vector<std::string> cells;
    std::stringstream ls(line);
    for (std::string cell; std::getline(ls, cell, ',');)
      cells.push_back(cell);
    REQUIRE(cells.size() >= 9);
    CHECK(cells[5] == std::to_string(r.stats.counters[i].blocks));
    CHECK(cells[6] == std::to_string(r.stats.counters[i].txs));
    CHECK(cells[8] == std::to_string(r.stats.counters[i].rewards));
  }
}

TEST_CASE("a partition that isolates one cluster member: the rest keeps finalizing, the isolated side catches up") {
  const auto r = simulate(scenario_text(13, "1 1 1", load + "[[event]]\nround = 3\nkind = \"partition\"\n"
                                                          "groups = [[\"cluster:count=1\"]]\nrounds = 3\n"));
  CHECK(r.stats.nodes == 2);
  const auto s = summarize(r.result);
  std::uint64_t missed_in_partition = 0;
  for (const auto& sl : r.result.slots) {
    if (sl.round >= 3 && sl.round < 6)
      missed_in_partition += sl.missed;
    else
      CHECK_MESSAGE(!sl.missed, "slot " << sl.global_slot);  // before and after: every slot final
  }
  // While cut off, the isolated producer's blocks are on its own branch: its slots are missed.
  CHECK(missed_in_partition >= 1);
  CHECK(missed_in_partition <= 3);
  // The majority finalizes throughout: a block is final once its direct child (the next slot's,
  // 1,000 ms later) is justified.
  CHECK(s.finality.max <= 2000);
  bool healed = false;
  for (const auto& ri : r.result.round_info)
    healed |= ri.round == 6 && std::find(ri.events.begin(), ri.events.end(), "heal") != ri.events.end();
  CHECK(healed);
}

TEST_CASE("a partition that leaves no side above 2/3 stops finality until the heal, and finality resumes") {
  // Gold holds 2 of the 6 cluster seats: neither 1/3 nor 2/3 is more than 2/3.
  const auto r = simulate(scenario_text(13, "1 1 1", load + "[[event]]\nround = 3\nkind = \"partition\"\n"
                                                          "groups = [[\"gold/*\"]]\nrounds = 3\n", 12));
  CHECK(r.stats.nodes == 2);
  std::uint64_t final_before = 0, final_during = 0, final_after = 0;
  std::uint64_t heal_slot = UINT64_MAX, last_slot = 0;
  for (const auto& sl : r.result.slots) {
    if (sl.round == 6)
      heal_slot = std::min(heal_slot, sl.global_slot);
    last_slot = std::max(last_slot, sl.global_slot);
  }
  REQUIRE(heal_slot != UINT64_MAX);
  for (const auto& sl : r.result.slots) {
    if (sl.round < 3) {
      final_before += sl.blocks;
    } else if (sl.round < 6) {
      final_during += sl.blocks;
      // Nothing produced during the partition became final before the heal.
      for (auto latency : sl.finality_ms) {
        const std::uint64_t final_at = sl.global_slot * 1000 + latency;
        CHECK(final_at >= heal_slot * 1000);
      }
    } else {
      final_after += sl.blocks;
      const bool ok = !sl.missed || sl.round == 6;
      CHECK_MESSAGE(ok, "slot " << sl.global_slot);
    }
  }
  CHECK(final_before > 0);
  // After the heal one branch wins and every delegate votes on it again: blocks of the rounds
  // after the heal are final, within two rounds of the heal.
  CHECK(final_after > 0);
  std::uint64_t worst_after = 0;
  for (const auto& sl : r.result.slots)
    if (sl.round >= 8)
      for (auto latency : sl.finality_ms)
        worst_after = std::max(worst_after, latency);
  CHECK(worst_after <= 2000);
  MESSAGE("final blocks: before " << final_before << ", during " << final_during << ", after " << final_after);
}

} // namespace bfd::sim
