#include "runtime/sim/sim_explore.hpp"

#include <algorithm>
#include <chrono>
#include <set>

#include <fmt/format.h>

#include "config/sim_scenario.hpp"
#include "runtime/sim/sim_runner.hpp"

namespace bfd::sim {

namespace {

// The generator's own random stream (the runner's streams start at 2^48 and stay below 2^48 + 2^36).
constexpr std::uint64_t stream_explore = (std::uint64_t{1} << 48) + (std::uint64_t{9} << 32);

/// Counter-based draws from the seed: the same seed draws the same scenario.
class draws {
public:
  explicit draws(std::uint64_t seed) : seed_(seed) {}
  /// Uniform in [0, n) (n ≥ 1).
  std::uint64_t below(std::uint64_t n) {
    return static_cast<std::uint64_t>((static_cast<unsigned __int128>(config::sim_random(seed_, stream_explore, i_++)) * n) >> 64);
  }
  bool chance(std::uint64_t in) { return below(in) == 0; }

private:
  std::uint64_t seed_;
  std::uint64_t i_ = 0;
};

std::string quoted_list(const std::vector<std::string>& names) {
  std::string out = "[";
  for (std::size_t i = 0; i < names.size(); ++i)
    out += (i ? ", \"" : "\"") + names[i] + "\"";
  return out + "]";
}

} // namespace

explore_scenario generate_explore_scenario(std::uint64_t seed, const explore_options& options) {
  explore_scenario out;
  out.seed = seed;
  draws d(seed);
  const std::uint64_t rounds = std::max(options.rounds, explore_min_rounds);

  // Categories and VMs: every VM bids the same, so the cluster is the smallest majority of them
  // (K = ⌊n/2⌋ + 1 members of equal power) and ⌊(K − 1)/3⌋ of them hold less than a third.
  const std::uint64_t categories = 2 + d.below(2);
  const std::vector<std::pair<std::string, int>> cats =
    categories == 3 ? std::vector<std::pair<std::string, int>>{{"gold", 3}, {"silver", 2}, {"bronze", 1}}
                    : std::vector<std::pair<std::string, int>>{{"gold", 2}, {"bronze", 1}};
  const std::uint64_t n = 6 + d.below(7);
  out.vms = n;
  std::vector<std::uint64_t> count(categories);
  for (std::uint64_t c = 0; c < categories; ++c)
    count[c] = n / categories + (c < n % categories ? 1 : 0);
  // Byzantine VMs bid 1001 BFDT instead of 1000, so each is the first of its category the
  // cluster takes (their votes count only while they are members). With b of them the cluster is
  // the smallest K with K·1000 + b > (n·1000 + b)/2, and they must hold under a third of its power:
  // 3 · 1001 · b < 1000 · K + b. The largest such b (at most one per category) bounds the draw.
  auto cluster_size = [&](std::uint64_t byzantine) { return (n * 1000 - byzantine) / 2000 + 1; };
  std::uint64_t b_max = 0;
  for (std::uint64_t c = 1; c <= categories; ++c)
    if (3 * 1001 * c < 1000 * cluster_size(c) + c)
      b_max = c;
  const std::uint64_t b = b_max ? 1 + d.below(b_max) : 0;
  std::vector<std::uint64_t> byz(categories, 0);
  for (std::uint64_t i = 0; i < b; ++i) {
    auto c = d.below(categories);
    while (byz[c] > 0)  // one per category: each is the first its category gives the cluster
      c = (c + 1) % categories;
    ++byz[c];
  }
  std::vector<std::string> names;  // in materialize order: pools in file order
  for (std::uint64_t c = 0; c < categories; ++c)
    for (std::uint64_t i = 0; i < count[c]; ++i) {
      names.push_back(fmt::format("{}/{}", cats[c].first, i));
      if (i < byz[c])
        out.byzantine.push_back(names.back());
    }
  const std::uint64_t rounds_per_epoch = d.chance(2) ? 5 : 10;

  // Nodes: two to four nodes (VM i on node i mod N), or one node per VM.
  std::uint64_t node_count = n;
  if (d.chance(4)) {
    out.nodes = "\"per-vm\"";
  } else {
    node_count = 2 + d.below(3);
    out.nodes = std::to_string(node_count);
  }
  std::vector<std::vector<std::string>> on_node(node_count);
  for (std::uint64_t v = 0; v < n; ++v)
    on_node[v % node_count].push_back(names[v]);

  auto any_vm = [&] { return names[d.below(names.size())]; };
  auto some_vms = [&] {
    std::set<std::string> s{any_vm()};
    if (d.chance(2))
      s.insert(any_vm());
    return std::vector<std::string>(s.begin(), s.end());
  };

  // The network: a delay model always (it also holds in the quiet tail), loss sometimes.
  std::string network = fmt::format("[network]\nnodes = {}\n", out.nodes);
  switch (d.below(3)) {
    case 0:
      network += fmt::format("delay_ms = {}\n", 5 + d.below(100));
      break;
    case 1: {
      const auto lo = d.below(50);
      network += fmt::format("delay_ms = {{ distribution = \"uniform\", min = {}, max = {} }}\n", lo, lo + d.below(300));
      break;
    }
    default: {
      static constexpr const char* sigmas[] = {"0.25", "0.5", "0.75", "1.0"};
      network += fmt::format("delay_ms = {{ distribution = \"lognormal\", median = {}, sigma = {}, max = 2000 }}\n",
                             10 + d.below(150), sigmas[d.below(4)]);
    }
  }
  network += fmt::format("jitter_ms = {}\nreorder = {}\n", d.below(50), d.chance(2) ? "true" : "false");
  ++out.faults["latency"];

  // Faults: one to five, starting from round 2, each over before the quiet tail.
  const std::uint64_t last_start = rounds - explore_quiet_tail - 4;  // a fault lasts at most 4 rounds
  std::uint64_t healed = 2;
  std::string events;
  std::vector<std::pair<std::uint64_t, std::uint64_t>> partitions;  // [start, end)
  bool lossy = false;
  std::vector<std::string> kinds{"partition", "partition", "crash", "crash", "pause", "slow"};
  if (b > 0)
    kinds.insert(kinds.end(), {"equivocate", "double_vote", "surround_vote"});
  if (options.loss)
    kinds.push_back("loss");
  const std::uint64_t faults = 1 + d.below(5);
  for (std::uint64_t f = 0; f < faults; ++f) {
    const auto& kind = kinds[d.below(kinds.size())];
    const std::uint64_t start = 2 + d.below(last_start - 1);
    const std::uint64_t length = 1 + d.below(4);
    std::uint64_t end = start + length;
    if (kind == "partition") {
      if (node_count < 2)
        continue;
      bool overlaps = false;
      for (const auto& [s, e] : partitions)
        overlaps = overlaps || (start < e && s < end);
      if (overlaps)
        continue;
      partitions.emplace_back(start, end);
      // A random proper, non-empty subset of the nodes against the rest.
      std::uint64_t mask = 0;
      while (mask == 0 || mask == (std::uint64_t{1} << std::min<std::uint64_t>(node_count, 63)) - 1)
        mask = d.below(std::uint64_t{1} << std::min<std::uint64_t>(node_count, 20));
      std::vector<std::string> group;
      for (std::uint64_t node = 0; node < node_count && node < 20; ++node)
        if (mask >> node & 1)
          group.insert(group.end(), on_node[node].begin(), on_node[node].end());
      events += fmt::format("[[event]]\nround = {}\nkind = \"partition\"\ngroups = [{}]\nrounds = {}\n\n", start,
                            quoted_list(group), length);
    } else if (kind == "crash" || kind == "pause") {
      events += fmt::format("[[event]]\nround = {}\nkind = \"{}\"\ntargets = {}\nrounds = {}\n\n", start, kind,
                            quoted_list(some_vms()), length);
    } else if (kind == "slow") {
      events += fmt::format("[[event]]\nround = {}\nkind = \"slow\"\ntargets = {}\ndelay_ms = {}\nrounds = {}\n\n",
                            start, quoted_list({any_vm()}), 100 + d.below(900), length);
    } else if (kind == "loss") {
      if (lossy)
        continue;
      lossy = true;
      network += fmt::format("loss = {}\nloss_until_round = {}\n", fmt::format("0.{:02}", 1 + d.below(10)), end);
      if (!options.vote_loss)
        network += "lose = [\"blocks\", \"transactions\", \"sync\"]\n";
    } else {  // equivocate, double_vote, surround_vote: a byzantine VM, once
      end = start + 1;
      events += fmt::format("[[event]]\nround = {}\nkind = \"{}\"\ntargets = {}\n\n", start, kind,
                            quoted_list({out.byzantine[d.below(out.byzantine.size())]}));
    }
    ++out.faults[kind];
    healed = std::max(healed, end);
  }
  out.resume_from = healed;

  std::string text = fmt::format(
    "# generated by bfd-sim explore (seed {}, {} rounds); byzantine: {}\n"
    "[scenario]\nname = \"explore-{}\"\nseed = {}\nrounds = {}\nrounds_per_epoch = {}\nslot_ms = 1000\n"
    "block_reward = \"2\"\nbase_block_txs = 100\nmiss_limit = 0\nmin_bid = \"100\"\n\n",
    seed, rounds, out.byzantine.empty() ? "none" : quoted_list(out.byzantine), seed, seed, rounds, rounds_per_epoch);
  for (std::uint64_t c = 0; c < categories; ++c)
    text += fmt::format("[[category]]\nname = \"{}\"\ncompute_weight = {}\n\n", cats[c].first, cats[c].second);
  for (std::uint64_t c = 0; c < categories; ++c) {
    if (byz[c] > 0)
      text += fmt::format("[[pool]]  # byzantine\ncategory = \"{}\"\ncount = {}\nbid = \"1001\"\n\n", cats[c].first, byz[c]);
    text += fmt::format("[[pool]]\ncategory = \"{}\"\ncount = {}\nbid = \"1000\"\n\n", cats[c].first, count[c] - byz[c]);
  }
  text += "[load]\ntx_per_second = 2\naccounts = 8\nvalue = \"1\"\nfee = \"0.01\"\n\n";
  text += network + "\n" + events;
  out.toml = std::move(text);
  return out;
}

std::string explore_replay_command(std::uint64_t seed, const explore_options& options) {
  return fmt::format("bfd-sim explore --seeds 1 --start {} --rounds {}{}", seed, options.rounds,
                     !options.loss ? " --no-loss" : !options.vote_loss ? " --no-vote-loss" : "");
}

explore_result explore_one(std::uint64_t seed, const explore_options& options, const std::function<double()>& rss_mib) {
  explore_result out;
  const auto t0 = std::chrono::steady_clock::now();
  out.scenario = generate_explore_scenario(seed, options);
  auto parsed = config::parse_sim_scenarios(out.scenario.toml, fmt::format("explore-{}.toml", seed));
  if (!parsed) {
    out.violations.push_back("the generated scenario does not load: " + parsed.error().message());
    return out;
  }
  const auto& sc = parsed->front();
  run_options ro;
  ro.check = true;
  ro.resume_from_round = out.scenario.resume_from;
  run_stats stats;
  auto result = run_scenario(sc, ro, &stats);
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!result) {
    out.violations.push_back("the run failed: " + result.error().message());
    return out;
  }
  const auto& c = stats.checks;
  out.violations = c.violations;
  out.resume_rounds = c.resume_rounds;
  out.final_blocks = stats.final_blocks;
  out.certificates_checked = c.certificates_checked;
  out.max_unfinal = c.max_unfinal;
  out.messages_lost = c.messages_lost;
  out.nodes = stats.nodes;
  out.slashed = result->slashed;
  if (c.resume_rounds && *c.resume_rounds > explore_resume_bound)
    out.violations.push_back(fmt::format("finality resumed {} rounds after round {} (the bound is {})",
                                         *c.resume_rounds, out.scenario.resume_from, explore_resume_bound));
  const std::set<std::string> byzantine(out.scenario.byzantine.begin(), out.scenario.byzantine.end());
  for (const auto& s : result->slashed)
    if (!byzantine.count(s))
      out.violations.push_back(fmt::format("{} is slashed but never equivocated", s));
  if (c.max_unfinal > explore_max_unfinal)
    out.violations.push_back(fmt::format("{} blocks above the final one on a node (bound {})", c.max_unfinal,
                                         explore_max_unfinal));
  if (rss_mib) {
    const auto rss = rss_mib();
    if (rss > explore_max_rss_mib)
      out.violations.push_back(fmt::format("peak memory {:.0f} MiB (bound {:.0f})", rss, explore_max_rss_mib));
  }
  return out;
}

} // namespace bfd::sim
