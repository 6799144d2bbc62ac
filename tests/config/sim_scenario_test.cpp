// The bfd-sim scenario loader: the shipped scenarios load and select the clusters their comments
// describe, sweeps expand in a fixed order with directory-safe labels, VM amounts are drawn the
// same way for a seed on every platform, and every bad file gets an error naming file:line:column.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <unistd.h>

#include "chains/consensus/cluster.hpp"
#include "config/sim_scenario.hpp"

using namespace bfd;
using namespace bfd::config;

namespace {

namespace fs = std::filesystem;

const std::string sim_dir = std::string(BFD_CONFIG_DIR) + "/sim";

/// Lines 1-20 of every test document: a valid [scenario] and two categories.
const std::string head = R"([scenario]
name = "t"
seed = 7
rounds = 30
rounds_per_epoch = 10
slot_ms = 1000
block_reward = "2"
base_block_txs = 1000
miss_limit = 5
min_bid = "100"

[[category]]
name = "gold"
compute_weight = 3

[[category]]
name = "bronze"
compute_weight = 1
cluster_cap = 2

)";

/// Lines 21-30: four gold VMs of 100 BFDT and six bronze VMs drawn between 100 and 200 BFDT.
const std::string pools = R"([[pool]]
category = "gold"
count = 4
bid = "100"

[[pool]]
category = "bronze"
count = 6
bid = { distribution = "uniform", min = "100", max = "200" }

)";

/// The one scenario of `text`; fails the test if it does not parse into exactly one.
sim_scenario one_of(const std::string& text) {
  auto s = parse_sim_scenarios(text, "t.toml");
  REQUIRE_MESSAGE(s.has_value(), s.error().message());
  REQUIRE(s->size() == 1);
  return s->front();
}

/// The error text of parsing `text` as "t.toml"; fails the test if it parses.
std::string error_of(const std::string& text) {
  auto s = parse_sim_scenarios(text, "t.toml");
  REQUIRE_FALSE(s.has_value());
  CHECK(s.error().code == errc::invalid_argument);
  return s.error().detail;
}

public_key key_of(std::size_t i) {
  public_key k;
  for (int b = 0; b < 8; ++b)
    k.data[b] = static_cast<byte>(i >> (56 - 8 * b));
  return k;
}

/// The genesis cluster the chain would select from a scenario's genesis VMs (keys in VM order).
cluster genesis_cluster(const sim_scenario& s, const std::vector<sim_vm>& vms) {
  std::map<public_key, vm_info> infos;
  for (std::size_t i = 0; i < vms.size(); ++i) {
    if (vms[i].join_round != 0)
      continue;
    vm_info v;
    v.category = vms[i].category;
    v.bid = vms[i].bid;
    v.votes = vms[i].votes;
    infos[key_of(i)] = v;
  }
  return select_cluster(infos, s.params);
}

std::map<std::uint32_t, std::size_t> members_per_category(const cluster& c) {
  std::map<std::uint32_t, std::size_t> out;
  for (const auto& m : c.members)
    ++out[m.category];
  return out;
}

std::vector<std::string> labels_of(const std::vector<sim_scenario>& list) {
  std::vector<std::string> out;
  for (const auto& s : list)
    out.push_back(s.label);
  return out;
}

} // namespace

// The shipped scenarios -----------------------------------------------------------------------------

TEST_CASE("every scenario in config/sim loads and opens with a comment naming its file") {
  std::size_t files = 0;
  for (const auto& entry : fs::directory_iterator(sim_dir)) {
    if (entry.path().extension() != ".toml")
      continue;
    ++files;
    const auto path = entry.path().string();
    CAPTURE(path);
    auto s = load_sim_scenarios(path);
    REQUIRE_MESSAGE(s.has_value(), s.error().message());
    CHECK_FALSE(s->empty());
    std::ifstream in(path);
    std::string first;
    std::getline(in, first);
    CHECK(first.rfind("# " + entry.path().filename().string() + ": ", 0) == 0);
    for (const auto& one : *s) {
      CHECK(one.source == path);
      CHECK(one.params.genesis_time_ms == 0);
      CHECK(materialize_vms(one).size() == one.vm_count());
    }
  }
  CHECK(files == 11);  // paper, bronze-half, third-crash, partition-split, sweep-cluster, large-10k, lossy-network, vote-loss, partition-vote-in-flight, latency-double-block, sidechains
}

TEST_CASE("paper.toml runs three VMs in each of gold, silver and bronze for 5 epochs of 10 rounds") {
  auto list = load_sim_scenarios(sim_dir + "/paper.toml");
  REQUIRE_MESSAGE(list.has_value(), list.error().message());
  REQUIRE(list->size() == 1);
  const auto& s = list->front();
  CHECK(s.name == "paper");
  CHECK(s.label.empty());
  CHECK(s.run_path() == "paper");
  CHECK(s.rounds == 50);
  REQUIRE(s.params.categories.size() == 3);
  CHECK(s.params.categories[0] == category_params{"gold", 3, 0, 0});
  CHECK(s.params.categories[1] == category_params{"silver", 2, 0, 0});
  CHECK(s.params.categories[2] == category_params{"bronze", 1, 0, 0});
  CHECK(s.params.min_bid == 100 * units_per_bfdt);
  CHECK(s.params.work_bits == 0);
  CHECK(s.load.tx_per_second == 20);
  CHECK(s.load.accounts == 50);
  CHECK(s.load.value == units_per_bfdt);
  CHECK(s.load.fee == units_per_bfdt / 100);
  CHECK(s.load.balance == 10'000 * units_per_bfdt);  // the default
  const auto vms = materialize_vms(s);
  REQUIRE(vms.size() == 9);
  CHECK(vms[0].name == "gold/0");
  CHECK(vms[8].name == "bronze/2");
  for (const auto& vm : vms) {
    CHECK(vm.bid >= 1000 * units_per_bfdt);
    CHECK(vm.bid <= 1100 * units_per_bfdt);
    CHECK(vm.votes == 0);
  }
  // Nearly equal bids: one pass (a third) is not a majority, two passes are.
  CHECK(genesis_cluster(s, vms).members.size() == 6);
}

TEST_CASE("bronze-half.toml selects a cluster of 16 with a majority, half of it bronze") {
  auto list = load_sim_scenarios(sim_dir + "/bronze-half.toml");
  REQUIRE_MESSAGE(list.has_value(), list.error().message());
  const auto& s = list->front();
  const auto vms = materialize_vms(s);
  CHECK(vms.size() == 56);
  const auto c = genesis_cluster(s, vms);
  CHECK(c.members.size() == 16);
  CHECK(c.majority());
  const auto per = members_per_category(c);
  CHECK(per.at(0) == 4);
  CHECK(per.at(1) == 4);
  CHECK(per.at(2) == 8);
  CHECK(c.power == 16'000 * units_per_bfdt);
  CHECK(c.total_power == 31'000 * units_per_bfdt);
}

TEST_CASE("third-crash.toml crashes 0.34 of a cluster of 9 at round 20 for 10 rounds of 60") {
  auto list = load_sim_scenarios(sim_dir + "/third-crash.toml");
  REQUIRE_MESSAGE(list.has_value(), list.error().message());
  const auto& s = list->front();
  CHECK(s.rounds == 60);
  REQUIRE(s.events.size() == 1);
  const auto& e = s.events[0];
  CHECK(e.kind == sim_event_kind::crash);
  CHECK(e.round == 20);
  REQUIRE(e.rounds);
  CHECK(*e.rounds == 10);
  REQUIRE(e.targets.size() == 1);
  CHECK(e.targets[0].kind == sim_selector_kind::cluster_fraction);
  CHECK(e.targets[0].millionths == 340'000);
  CHECK(e.targets[0].text == "cluster:fraction=0.34");
  CHECK(e.targets[0].names_cluster());
  const auto c = genesis_cluster(s, materialize_vms(s));
  REQUIRE(c.members.size() == 9);
  CHECK(c.members.size() * e.targets[0].millionths / 1'000'000 == 3);  // ⌊9 × 0.34⌋
  // The six left hold exactly 2/3 of the cluster's power: not more, so nothing becomes final.
  CHECK_FALSE(exceeds_two_thirds(6 * 1000 * units_per_bfdt, c.power));
}

TEST_CASE("large-10k.toml has 10,000 VMs and a cap-bound cluster of exactly 101 with a majority") {
  auto list = load_sim_scenarios(sim_dir + "/large-10k.toml");
  REQUIRE_MESSAGE(list.has_value(), list.error().message());
  const auto& s = list->front();
  CHECK(s.rounds == 1000);
  const auto vms = materialize_vms(s);
  REQUIRE(vms.size() == 10'000);
  CHECK(vms[33].name == "gold/33");
  CHECK(vms[101].name == "gold/34");  // the first queue VM continues gold's numbering
  CHECK(vms.back().name == "bronze/3331");
  amount weak = 0;
  for (std::size_t i = 101; i < vms.size(); ++i) {
    CHECK(vms[i].bid >= 5 * units_per_bfdt);
    CHECK(vms[i].bid <= 15 * units_per_bfdt);
    weak += vms[i].bid;
  }
  // The window the file's comment derives: 97 × 1000 <= weak total < 101 × 1000 BFDT.
  CHECK(weak >= 97'000 * units_per_bfdt);
  CHECK(weak < 101'000 * units_per_bfdt);

  const auto c = genesis_cluster(s, vms);
  CHECK(c.members.size() == 101);
  CHECK(c.majority());
  CHECK(c.power == 101'000 * units_per_bfdt);
  const auto per = members_per_category(c);
  CHECK(per.at(0) == 34);
  CHECK(per.at(1) == 34);
  CHECK(per.at(2) == 33);
  for (const auto& m : c.members)
    CHECK(m.power == 1000 * units_per_bfdt);
  // Another seed draws other weak bids, and the cluster is the same.
  auto other = s;
  other.seed = 424242;
  const auto other_vms = materialize_vms(other);
  CHECK(other_vms != vms);
  CHECK(genesis_cluster(other, other_vms).members.size() == 101);
}

TEST_CASE("sweep-cluster.toml expands to four labelled scenarios, the first key outermost") {
  auto list = load_sim_scenarios(sim_dir + "/sweep-cluster.toml");
  REQUIRE_MESSAGE(list.has_value(), list.error().message());
  REQUIRE(list->size() == 4);
  CHECK(labels_of(*list) == std::vector<std::string>{"category.bronze.cluster_cap=2,pool.2.count=3",
                                                     "category.bronze.cluster_cap=2,pool.2.count=9",
                                                     "category.bronze.cluster_cap=6,pool.2.count=3",
                                                     "category.bronze.cluster_cap=6,pool.2.count=9"});
  const std::size_t expected_members[] = {6, 8, 6, 9};
  for (std::size_t i = 0; i < 4; ++i) {
    const auto& s = (*list)[i];
    CAPTURE(s.label);
    CHECK(s.sweep_index == i);
    CHECK(s.rounds == 20);
    CHECK(s.run_path() == "sweep-cluster/" + s.label);
    CHECK(s.params.categories[2].cluster_cap == (i < 2 ? 2u : 6u));
    CHECK(s.pools[2].count == (i % 2 == 0 ? 3u : 9u));
    REQUIRE(s.sweep.size() == 2);
    CHECK(s.sweep[0] == sim_sweep_setting{"category.bronze.cluster_cap", i < 2 ? "2" : "6"});
    CHECK(genesis_cluster(s, materialize_vms(s)).members.size() == expected_members[i]);
  }
}

TEST_CASE("the complete file of docs/sim-scenarios.md loads into four scenarios") {
  std::ifstream in(std::string(BFD_CONFIG_DIR) + "/../docs/sim-scenarios.md");
  std::stringstream doc;
  doc << in.rdbuf();
  const auto text = doc.str();
  const auto section = text.find("## A complete file");
  REQUIRE(section != std::string::npos);
  const auto begin = text.find("```toml\n", section) + 8;
  const auto end = text.find("```", begin);
  auto list = parse_sim_scenarios(text.substr(begin, end - begin), "sim-scenarios.md");
  REQUIRE_MESSAGE(list.has_value(), list.error().message());
  REQUIRE(list->size() == 4);
  CHECK((*list)[1].label == "category.bronze.cluster_cap=10,pool.2.count=80");
  CHECK((*list)[1].vm_count() == 34 + 3300 + 80 + 5);
  CHECK(materialize_vms((*list)[0])[34].name == "gold/34");
}

// Sweeps ----------------------------------------------------------------------------------------------

TEST_CASE("a sweep runs every combination in file order of its keys, whatever their names") {
  const std::string text = head + pools + R"([sweep]
"scenario.seed" = [3, "18446744073709551615"]
pool.1.bid = ["150", { distribution = "uniform", min = "100", max = "120" }]
category.bronze.cluster_cap = [0, 4, 2]
)";
  auto list = parse_sim_scenarios(text, "t.toml");
  REQUIRE_MESSAGE(list.has_value(), list.error().message());
  REQUIRE(list->size() == 12);
  const auto labels = labels_of(*list);
  CHECK(labels[0] == "scenario.seed=3,pool.1.bid=150,category.bronze.cluster_cap=0");
  CHECK(labels[1] == "scenario.seed=3,pool.1.bid=150,category.bronze.cluster_cap=4");
  CHECK(labels[2] == "scenario.seed=3,pool.1.bid=150,category.bronze.cluster_cap=2");
  CHECK(labels[3] == "scenario.seed=3,pool.1.bid=uniform_100_120,category.bronze.cluster_cap=0");
  CHECK(labels[11]
        == "scenario.seed=18446744073709551615,pool.1.bid=uniform_100_120,category.bronze.cluster_cap=2");
  CHECK(std::set<std::string>(labels.begin(), labels.end()).size() == 12);
  for (const auto& l : labels) {
    CHECK(l.size() <= 200);
    CHECK(std::all_of(l.begin(), l.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || std::string_view("._-=,").find(c) != std::string_view::npos;
    }));
  }
  const auto& last = (*list)[11];
  CHECK(last.seed == 18'446'744'073'709'551'615ULL);
  CHECK(last.pools[1].bid.kind == sim_distribution_kind::uniform);
  CHECK(last.pools[1].bid.max == 120 * units_per_bfdt);
  CHECK(last.params.categories[1].cluster_cap == 2);
  CHECK((*list)[1].pools[1].bid == sim_distribution{sim_distribution_kind::fixed, 150 * units_per_bfdt});
  CHECK((*list)[1].params.categories[1].cluster_cap == 4);
  // What is not swept is the file's.
  for (const auto& s : *list) {
    CHECK(s.pools[0].bid.value == 100 * units_per_bfdt);
    CHECK(s.rounds == 30);
  }
}

TEST_CASE("a file without [sweep] is one scenario without a label") {
  const auto s = one_of(head + pools);
  CHECK(s.label.empty());
  CHECK(s.sweep.empty());
  CHECK(s.sweep_index == 0);
  CHECK(s.run_path() == "t");
  CHECK(s.seed == 7);
  CHECK(s.rounds == 30);
}

TEST_CASE("epochs give the rounds, and sweeping epochs or rounds_per_epoch recomputes them") {
  std::string text = head + pools;
  text.replace(text.find("rounds = 30"), 11, "epochs = 4");
  CHECK(one_of(text).rounds == 40);
  auto list = parse_sim_scenarios(text + "[sweep]\n\"scenario.rounds_per_epoch\" = [5, 20]\n", "t.toml");
  REQUIRE_MESSAGE(list.has_value(), list.error().message());
  CHECK((*list)[0].rounds == 20);
  CHECK((*list)[1].rounds == 80);
  auto by_rounds = parse_sim_scenarios(text + "[sweep]\n\"scenario.rounds\" = [7]\n", "t.toml");
  REQUIRE_MESSAGE(by_rounds.has_value(), by_rounds.error().message());
  CHECK((*by_rounds)[0].rounds == 7);
}

// Distributions -------------------------------------------------------------------------------------

namespace {

/// Lines 1-20 plus one pool of 2000 bronze VMs with `bid` and `votes`.
std::string distribution_file(const std::string& bid, const std::string& votes, std::uint64_t seed = 7) {
  std::string text = head + "[[pool]]\ncategory = \"bronze\"\ncount = 2000\nbid = " + bid + "\nvotes = " + votes + "\n";
  text.replace(text.find("seed = 7"), 8, "seed = " + std::to_string(seed));
  return text;
}

std::vector<amount> bids_of(const std::vector<sim_vm>& vms) {
  std::vector<amount> out;
  for (const auto& v : vms)
    out.push_back(v.bid);
  return out;
}

std::vector<amount> votes_of(const std::vector<sim_vm>& vms) {
  std::vector<amount> out;
  for (const auto& v : vms)
    out.push_back(v.votes);
  return out;
}

amount median_of(std::vector<amount> xs) {
  std::sort(xs.begin(), xs.end());
  return xs[xs.size() / 2];
}

} // namespace

TEST_CASE("drawn amounts are the same for a seed and differ for another") {
  const std::string bid = R"({ distribution = "pareto", alpha = 1.5, min = "100" })";
  const std::string votes = R"({ distribution = "lognormal", median = "50", sigma = 1 })";
  const auto a = materialize_vms(one_of(distribution_file(bid, votes, 1)));
  const auto b = materialize_vms(one_of(distribution_file(bid, votes, 1)));
  const auto c = materialize_vms(one_of(distribution_file(bid, votes, 2)));
  CHECK(a == b);
  CHECK(bids_of(a) != bids_of(c));
  CHECK(votes_of(a) != votes_of(c));
  // A VM's draws do not depend on how many VMs its pool has.
  std::string smaller = distribution_file(bid, votes, 1);
  smaller.replace(smaller.find("count = 2000"), 12, "count = 10");
  const auto d = materialize_vms(one_of(smaller));
  REQUIRE(d.size() == 10);
  CHECK(std::equal(d.begin(), d.end(), a.begin()));
}

TEST_CASE("draws are pinned: these exact amounts on every platform") {
  // If this fails on a new platform or compiler, the draws are not portable (e.g. a fused
  // multiply-add crept in): fix the arithmetic, do not update the numbers.
  sim_distribution pareto{sim_distribution_kind::pareto};
  pareto.alpha = 1.5;
  pareto.min = 100 * units_per_bfdt;
  pareto.max = 1'000'000 * units_per_bfdt;
  sim_distribution lognormal{sim_distribution_kind::lognormal};
  lognormal.median = 50 * units_per_bfdt;
  lognormal.sigma = 1;
  lognormal.max = 1'000'000 * units_per_bfdt;
  sim_distribution uniform{sim_distribution_kind::uniform};
  uniform.min = 10;
  uniform.max = 1'000'000'000;
  CHECK(sim_random(0, 0, 0) == 15190099805125178294ULL);
  CHECK(sim_random(1, 2, 3) == 6780001730834594802ULL);
  CHECK(pareto.sample(sim_random(7, 0, 0)) == 13840107726);
  CHECK(pareto.sample(sim_random(7, 0, 1)) == 33082491835);
  CHECK(lognormal.sample(sim_random(7, 1, 0)) == 3284560075);
  CHECK(lognormal.sample(sim_random(7, 1, 1)) == 1623840754);
  CHECK(uniform.sample(sim_random(7, 2, 0)) == 955791082);
  // A digest of 40,000 draws: a build that fuses multiply-adds (-ffp-contract=fast with FMA)
  // changes a few of them by one unit, and so this number.
  std::uint64_t digest = 0;
  for (std::uint64_t i = 0; i < 20'000; ++i) {
    digest = digest * 31 + pareto.sample(sim_random(7, 0, i));
    digest = digest * 31 + lognormal.sample(sim_random(7, 1, i));
  }
  CHECK(digest == 1688385215045882575ULL);
}

TEST_CASE("pareto and lognormal draws follow their inverse CDFs to 1e-12") {
  sim_distribution pareto{sim_distribution_kind::pareto};
  pareto.alpha = 1.16;
  pareto.min = 10 * units_per_bfdt;
  pareto.max = ~amount{0};
  sim_distribution lognormal{sim_distribution_kind::lognormal};
  lognormal.median = 100 * units_per_bfdt;
  lognormal.sigma = 0;
  lognormal.max = ~amount{0};
  for (std::uint64_t i = 0; i < 1000; ++i) {
    const auto r = sim_random(99, 5, i);
    const double u = (static_cast<double>(r >> 11) + 0.5) * 0x1p-53;
    const double expected = static_cast<double>(pareto.min) * std::pow(u, -1 / pareto.alpha);
    const double got = static_cast<double>(pareto.sample(r));
    CHECK(std::abs(got - expected) <= 1 + expected * 1e-12);
    CHECK(lognormal.sample(r) == lognormal.median);  // sigma 0: always the median
  }
}

TEST_CASE("uniform, pareto and lognormal amounts have the shapes asked for") {
  const auto vms = materialize_vms(one_of(distribution_file(
    R"({ distribution = "uniform", min = "100", max = "200" })",
    R"({ distribution = "lognormal", median = "50", sigma = 0.5, max = "400" })")));
  const auto bids = bids_of(vms);
  CHECK(*std::min_element(bids.begin(), bids.end()) >= 100 * units_per_bfdt);
  CHECK(*std::max_element(bids.begin(), bids.end()) <= 200 * units_per_bfdt);
  const auto mid = median_of(bids);
  CHECK(mid > 145 * units_per_bfdt);
  CHECK(mid < 155 * units_per_bfdt);
  const auto votes = votes_of(vms);
  const auto vote_median = median_of(votes);
  CHECK(vote_median > 47 * units_per_bfdt);
  CHECK(vote_median < 53 * units_per_bfdt);
  CHECK(*std::max_element(votes.begin(), votes.end()) <= 400 * units_per_bfdt);

  const auto heavy = bids_of(materialize_vms(
    one_of(distribution_file(R"({ distribution = "pareto", alpha = 2, min = "100" })", "\"0\""))));
  CHECK(*std::min_element(heavy.begin(), heavy.end()) >= 100 * units_per_bfdt);
  // P(X > 2·min) = 2^-alpha = 1/4.
  const auto above = std::count_if(heavy.begin(), heavy.end(), [](amount b) { return b > 200 * units_per_bfdt; });
  CHECK(above > 440);
  CHECK(above < 560);
}

TEST_CASE("lognormal bids below min_bid are raised to it") {
  const auto vms = materialize_vms(one_of(
    distribution_file(R"({ distribution = "lognormal", median = "100", sigma = 2 })", "\"0\"")));
  const auto bids = bids_of(vms);
  CHECK(*std::min_element(bids.begin(), bids.end()) == 100 * units_per_bfdt);
  CHECK(std::count(bids.begin(), bids.end(), 100 * units_per_bfdt) > 900);  // about half the draws
}

TEST_CASE("sweep labels of distributions name every parameter") {
  sim_distribution d{sim_distribution_kind::pareto};
  d.alpha = 1.5;
  d.min = 10 * units_per_bfdt;
  d.max = 10'000'000 * units_per_bfdt;
  CHECK(d.label() == "pareto_1.5_10_10000000");
  sim_distribution l{sim_distribution_kind::lognormal};
  l.median = 100 * units_per_bfdt;
  l.sigma = 0.5;
  l.max = 2500;
  CHECK(l.label() == "lognormal_100_0.5_0.000025");
  CHECK(sim_distribution{sim_distribution_kind::fixed, 1250 * units_per_bfdt / 10}.label() == "125");
}

// VMs -------------------------------------------------------------------------------------------------

TEST_CASE("VMs are named by category, counting across its pools, then joins in event order") {
  const std::string text = head + pools + R"([[pool]]
category = "gold"
count = 2
bid = "300"
votes = "5"

[[event]]
round = 12
kind = "join"
category = "bronze"
count = 2
bid = "150"

[[event]]
round = 3
kind = "join"
category = "gold"
count = 1
bid = { distribution = "uniform", min = "100", max = "101" }
votes = "1"

[[event]]
round = 4
kind = "crash"
targets = ["gold/6", "bronze/*"]
)";
  const auto s = one_of(text);
  CHECK(s.genesis_vm_count() == 12);
  CHECK(s.vm_count() == 15);
  CHECK(s.pools[0].first_index == 0);
  CHECK(s.pools[1].first_index == 0);
  CHECK(s.pools[2].first_index == 4);
  REQUIRE(s.events.size() == 3);
  CHECK(s.events[0].round == 3);  // sorted by round
  CHECK(s.events[0].file_index == 1);
  CHECK(s.events[0].first_vm == 12);
  CHECK(s.events[2].first_vm == 13);
  const auto vms = materialize_vms(s);
  REQUIRE(vms.size() == 15);
  std::vector<std::string> names;
  for (const auto& v : vms)
    names.push_back(v.name);
  CHECK(names == std::vector<std::string>{"gold/0", "gold/1", "gold/2", "gold/3", "bronze/0", "bronze/1", "bronze/2",
                                          "bronze/3", "bronze/4", "bronze/5", "gold/4", "gold/5", "gold/6",
                                          "bronze/6", "bronze/7"});
  CHECK(vms[10].bid == 300 * units_per_bfdt);
  CHECK(vms[10].votes == 5 * units_per_bfdt);
  CHECK(vms[10].join_round == 0);
  CHECK(vms[12].join_round == 3);
  CHECK(vms[12].category == 0);
  CHECK(vms[12].index == 6);
  CHECK(vms[12].votes == units_per_bfdt);
  CHECK(vms[14].join_round == 12);
  CHECK(vms[14].bid == 150 * units_per_bfdt);
}

TEST_CASE("every event kind and selector form reads into its fields") {
  const std::string text = head + pools + R"([[event]]
round = 1
kind = "slow"
targets = "cluster:category=bronze"
delay_ms = 400
[[event]]
round = 2
kind = "partition"
groups = [["gold/*"], ["bronze/0", "cluster:count=2"]]
[[event]]
round = 5
kind = "heal"
[[event]]
round = 6
kind = "pause"
targets = ["gold/1"]
rounds = 3
[[event]]
round = 7
kind = "vote_move"
from = "bronze/*"
to = ["gold/0", "gold/1"]
fraction = 0.25
[[event]]
round = 8
kind = "vote_move"
from = "gold/2"
to = "gold/3"
amount = "10 BFDT"
[[event]]
round = 9
kind = "equivocate"
targets = "cluster:fraction=1"
[[event]]
round = 10
kind = "recover"
targets = "gold/1"
[[event]]
round = 11
kind = "leave"
targets = "bronze/5"
[[event]]
round = 12
kind = "partition"
groups = [["cluster:fraction=0.5"]]
rounds = 4
)";
  const auto s = one_of(text);
  REQUIRE(s.events.size() == 10);
  const auto& slow = s.events[0];
  CHECK(slow.kind == sim_event_kind::slow);
  CHECK(slow.delay_ms == 400);
  CHECK_FALSE(slow.rounds);
  CHECK(slow.targets[0].kind == sim_selector_kind::cluster_category);
  CHECK(slow.targets[0].category == 1);
  const auto& part = s.events[1];
  REQUIRE(part.groups.size() == 2);
  CHECK(part.groups[0][0].kind == sim_selector_kind::category);
  CHECK(part.groups[1][0].kind == sim_selector_kind::vm);
  CHECK(part.groups[1][0].index == 0);
  CHECK(part.groups[1][1].kind == sim_selector_kind::cluster_count);
  CHECK(part.groups[1][1].count == 2);
  CHECK(part.groups[1][1].where.to_string() == "t.toml:39:36");
  CHECK(s.events[2].kind == sim_event_kind::heal);
  CHECK(*s.events[3].rounds == 3);
  CHECK(s.events[4].move_millionths == 250'000);
  CHECK(s.events[4].move_amount == 0);
  CHECK(s.events[4].to.size() == 2);
  CHECK(s.events[5].move_amount == 10 * units_per_bfdt);
  CHECK(s.events[6].targets[0].millionths == 1'000'000);
  CHECK(to_string(s.events[7].kind) == "recover");
  CHECK(to_string(s.events[8].kind) == "leave");
  CHECK(*s.events[9].rounds == 4);
}

// Bad files: each error names file:line:column and says what was expected ---------------------------

TEST_CASE("an unknown key is an error that lists the keys the section takes") {
  std::string text = head + pools;
  text.replace(text.find("miss_limit = 5"), 14, "miss_limit = 5\nmis_limit = 5");
  CHECK(error_of(text)
        == "t.toml:10:1: unknown key 'mis_limit' in [scenario]; expected one of: name, description, seed, rounds, "
           "epochs, rounds_per_epoch, slot_ms, work_bits, block_reward, base_block_txs, miss_limit, min_bid");
  CHECK(error_of(head + pools + "[[event]]\nround = 1\nkind = \"crash\"\ntargets = \"gold/1\"\ndelay_ms = 5\n")
        == "t.toml:35:1: unknown key 'delay_ms' in [[event]] of kind 'crash'; expected one of: round, kind, targets, "
           "rounds, chain");
  CHECK(error_of(head + R"([[pool]]
category = "gold"
count = 4
bid = { distribution = "uniform", min = "100", max = "200", mean = "150" }
)")
        == "t.toml:24:61: unknown key 'mean' in 'bid' of [[pool]]; expected one of: distribution, min, max");
}

TEST_CASE("an unknown section is an error listing the sections") {
  CHECK(error_of(head + pools + "[nodes]\nname = \"x\"\n")
        == "t.toml:31:2: unknown section [nodes]; expected one of: [scenario], [[category]], [[pool]], [load], "
           "[network], [[sidechain]], [[event]], [sweep]");
  CHECK(error_of("stray = 1\n" + head + pools)
        == "t.toml:1:1: unknown key 'stray' at the top level; keys belong in a section: [scenario], [[category]], "
           "[[pool]], [load], [network], [[sidechain]], [[event]], [sweep]");
  CHECK(error_of(head + "[pool]\ncategory = \"gold\"\n")
        == "t.toml:21:1: 'pool' must be an array of tables, written [[pool]], not a table");
}

TEST_CASE("a bad amount is an error that shows the forms amounts take") {
  std::string text = head + pools;
  text.replace(text.find("\nbid = \"100\""), 12, "\nbid = \"100 BTC\"");
  CHECK(error_of(text)
        == "t.toml:24:7: 'bid' in [[pool]] must be an amount as a string, e.g. \"100\" or \"100 BFDT\" (BFDT) or "
           "\"1500u\" (base units), got \"100 BTC\"");
  CHECK(error_of(head + pools + "[load]\ntx_per_second = 1\naccounts = 2\nvalue = 1\nfee = \"0\"\n")
        == "t.toml:34:9: 'value' in [load] must be an amount as a string, e.g. \"100\" or \"100 BFDT\" (BFDT) or "
           "\"1500u\" (base units), not an integer");
}

TEST_CASE("an unknown category in a pool, an event or a target is an error listing the categories") {
  std::string text = head + pools;
  text.replace(text.find("category = \"gold\""), 17, "category = \"platinum\"");
  CHECK(error_of(text) == "t.toml:22:12: unknown category 'platinum'; expected one of: gold, bronze");
  CHECK(error_of(head + pools + "[[event]]\nround = 1\nkind = \"leave\"\ntargets = [\"gold/1\", \"silver/2\"]\n")
        == "t.toml:34:22: unknown category 'silver' in target 'silver/2'; expected one of: gold, bronze");
  CHECK(error_of(head + pools + "[[event]]\nround = 1\nkind = \"leave\"\ntargets = \"cluster:category=silver\"\n")
        == "t.toml:34:11: unknown category 'silver' in target 'cluster:category=silver'; expected one of: gold, "
           "bronze");
}

TEST_CASE("a target that is not one, or out of range, is an error") {
  CHECK(error_of(head + pools + "[[event]]\nround = 1\nkind = \"crash\"\ntargets = [\"gold/4\", \"bronze/5\"]\n")
        == "t.toml:34:12: target 'gold/4' is out of range: category 'gold' has 4 VMs at round 1 (gold/0 to gold/3)");
  CHECK(error_of(head + pools + "[[event]]\nround = 1\nkind = \"crash\"\ntargets = \"gold-3\"\n")
        == "t.toml:34:11: 'gold-3' is not a target; write \"<category>/<index>\", \"<category>/*\", "
           "\"cluster:fraction=F\", \"cluster:count=N\" or \"cluster:category=<category>\"");
  CHECK(error_of(head + pools + "[[event]]\nround = 1\nkind = \"crash\"\ntargets = \"cluster:fraction=0.3333333\"\n")
        == "t.toml:34:11: target 'cluster:fraction=0.3333333' needs a fraction more than 0 and at most 1, with at most "
           "6 decimals, e.g. cluster:fraction=0.34");
  CHECK(error_of(head + pools + "[[event]]\nround = 1\nkind = \"crash\"\ntargets = []\n")
        == "t.toml:34:11: 'targets' in [[event]] of kind 'crash' must be a target such as \"gold/3\", or an array of "
           "them, got an empty array");
  // A VM that joins later exists only from its round on.
  CHECK(error_of(head + pools + R"([[event]]
round = 5
kind = "join"
category = "gold"
count = 1
bid = "100"
[[event]]
round = 5
kind = "crash"
targets = "gold/4"
[[event]]
round = 4
kind = "crash"
targets = "gold/4"
)")
        == "t.toml:44:11: target 'gold/4' is out of range: category 'gold' has 4 VMs at round 4 (gold/0 to gold/3)");
}

TEST_CASE("an unknown event kind is an error listing the kinds") {
  CHECK(error_of(head + pools + "[[event]]\nround = 1\nkind = \"explode\"\ntargets = \"gold/1\"\n")
        == "t.toml:33:8: 'kind' in [[event]] must be one of \"join\", \"leave\", \"crash\", \"recover\", \"pause\", "
           "\"slow\", \"partition\", \"heal\", \"equivocate\", \"vote_move\", \"double_vote\", \"surround_vote\", "
           "got \"explode\"");
}

TEST_CASE("a missing required key is an error at its section's header") {
  std::string text = head + pools;
  text.erase(text.find("slot_ms = 1000\n"), 15);
  CHECK(error_of(text) == "t.toml:1:1: [scenario] is missing 'slot_ms' (an integer from 60 to 600000)");
  CHECK(error_of(head + pools + "[[event]]\nround = 1\nkind = \"pause\"\ntargets = \"gold/1\"\n")
        == "t.toml:31:1: [[event]] of kind 'pause' is missing 'rounds' (an integer from 1 to 10000000)");
  CHECK(error_of(head + "[[pool]]\ncategory = \"gold\"\ncount = 1\n")
        == "t.toml:21:1: [[pool]] is missing 'bid' (an amount, or a distribution table such as { distribution = "
           "\"uniform\", min = \"10\", max = \"100\" })");
  CHECK(error_of(head)
        == "t.toml:1:1: missing section [[pool]]: a scenario needs at least one pool of genesis VMs");
}

TEST_CASE("rounds and epochs together are an error") {
  std::string text = head + pools;
  text.replace(text.find("rounds = 30"), 11, "rounds = 30\nepochs = 3");
  CHECK(error_of(text) == "t.toml:5:10: [scenario] has both 'rounds' and 'epochs'; give exactly one of them");
}

TEST_CASE("bids below min_bid and events after the last round are errors") {
  std::string text = head + pools;
  text.replace(text.find("min = \"100\""), 11, "min = \"99\"");
  CHECK(error_of(text) == "t.toml:29:7: this [[pool]] has bids from 99 BFDT, below the min_bid of 100 BFDT");
  CHECK(error_of(head + pools + "[[event]]\nround = 30\nkind = \"crash\"\ntargets = \"gold/1\"\n")
        == "t.toml:32:9: this event at round 30 never happens: the scenario runs rounds 0 to 29");
}

TEST_CASE("joins start at round 1, partitions do not overlap, and a heal ends one") {
  CHECK(error_of(head + pools + "[[event]]\nround = 3\nkind = \"heal\"\n")
        == "t.toml:31:1: this heal at round 3 ends nothing: no partition is in effect then");
  CHECK(error_of(head + pools
                 + "[[event]]\nround = 0\nkind = \"join\"\ncategory = \"gold\"\ncount = 1\nbid = \"100\"\n")
        == "t.toml:32:9: 'round' in [[event]] of kind 'join' must be an integer from 1 to 9999999, got 0");
  CHECK(error_of(head + pools + R"([[event]]
round = 2
kind = "partition"
groups = [["gold/*"]]
rounds = 5
[[event]]
round = 6
kind = "partition"
groups = [["bronze/*"]]
)")
        == "t.toml:36:1: a partition is already in effect since round 2 (line 31); heal it before partitioning again");
}

TEST_CASE("a sweep of an unknown parameter is an error listing the parameters") {
  CHECK(error_of(head + pools + "[sweep]\n\"scenario.colour\" = [1, 2]\n")
        == "t.toml:32:1: unknown sweep parameter 'scenario.colour'; expected one of: scenario.seed, scenario.rounds, "
           "scenario.epochs, scenario.rounds_per_epoch, scenario.slot_ms, scenario.work_bits, scenario.block_reward, "
           "scenario.base_block_txs, scenario.miss_limit, scenario.min_bid, category.<name>.compute_weight, "
           "category.<name>.cluster_cap, category.<name>.max_new_per_epoch, pool.<n>.count, pool.<n>.bid, "
           "pool.<n>.votes, load.tx_per_second, load.accounts, load.value, load.fee, load.balance");
  CHECK(error_of(head + pools + "[sweep]\npool.2.count = [1, 2]\n")
        == "t.toml:32:8: sweep parameter 'pool.2.count' names pool 2, but the file has 2 [[pool]] entries, numbered "
           "from 0");
  CHECK(error_of(head + pools + "[sweep]\ncategory.silver.cluster_cap = [1, 2]\n")
        == "t.toml:32:17: unknown category 'silver' in sweep parameter 'category.silver.cluster_cap'; expected one "
           "of: gold, bronze");
  CHECK(error_of(head + pools + "[sweep]\n\"load.fee\" = [\"1\"]\n")
        == "t.toml:32:1: sweep parameter 'load.fee' needs a [load] section to vary");
}

TEST_CASE("bad sweep values are errors at the value") {
  CHECK(error_of(head + pools + "[sweep]\n\"pool.0.count\" = [1, -2, 2, 1]\n")
        == "t.toml:32:22: 'pool.0.count' in [sweep] must be an integer from 0 to 1000000, got -2\n"
           "t.toml:32:29: the value 1 of 'pool.0.count' is given twice (first at t.toml:32:19)");
  CHECK(error_of(head + pools + "[sweep]\n\"scenario.seed\" = 5\n")
        == "t.toml:32:19: 'scenario.seed' in [sweep] must be an array of the values to run, e.g. [10, 20], not an "
           "integer");
  CHECK(error_of(head + pools + "[sweep]\n\"pool.0.bid\" = { distribution = \"fixed\", value = \"100\" }\n")
        == "t.toml:32:16: 'pool.0.bid' in [sweep] must be an array of the values to run, e.g. [10, 20], not a "
           "table");
}

TEST_CASE("a sweep of too many combinations is an error") {
  auto values = [](int from, int to) {
    std::string out;
    for (int i = from; i <= to; ++i)
      out += (i > from ? ", " : "") + std::to_string(i);
    return "[" + out + "]";
  };
  CHECK(error_of(head + pools + "[sweep]\n\"scenario.seed\" = " + values(0, 199) + "\n\"pool.0.count\" = "
                 + values(1, 51) + "\n")
        == "t.toml:31:1: [sweep] expands to 200 × 51 = 10200 scenarios; at most 10000");
}

TEST_CASE("a problem of one sweep point is reported with that point's label") {
  CHECK(error_of(head + pools + "[[event]]\nround = 3\nkind = \"crash\"\ntargets = \"gold/3\"\n"
                 + "[sweep]\n\"pool.0.count\" = [4, 3]\n\"scenario.rounds\" = [30, 2]\n")
        == "t.toml:32:9: this event at round 3 never happens: the scenario runs rounds 0 to 1 (sweep point "
           "pool.0.count=4,scenario.rounds=2)");
}

TEST_CASE("a scenario over the VM bound or the supply bound is an error") {
  std::string text = head + pools;
  text.replace(text.find("count = 6"), 9, "count = 999997");
  CHECK(error_of(text) == "t.toml:28:9: the scenario reaches 1000001 VMs here; at most 1000000");
  std::string rich = head + pools;
  rich.replace(rich.find("max = \"200\""), 11, "max = \"50000000000\"");
  CHECK(error_of(rich)
        == "t.toml:28:9: bids, votes and account balances reach at this pool more than 2^63 base units "
           "(92233720368 BFDT); lower the amounts, or give pareto and lognormal distributions a smaller 'max'");
}

TEST_CASE("every problem of a file is reported, one per line, in file order") {
  std::string text = head + pools + "[load]\ntx_per_second = -1\naccounts = 2\nvalue = \"1\"\nfee = \"0\"\nfees = 1\n";
  text.replace(text.find("name = \"t\""), 10, "name = \"a b\"");
  CHECK(error_of(text)
        == "t.toml:2:8: 'name' in [scenario] must be a name of letters, digits, '.', '_' or '-' (at most 64), got "
           "\"a b\"\n"
           "t.toml:32:17: 'tx_per_second' in [load] must be an integer from 0 to 1000000, got -1\n"
           "t.toml:36:1: unknown key 'fees' in [load]; expected one of: tx_per_second, accounts, value, fee, balance");
}

TEST_CASE("load_sim_scenarios names the file it cannot read, and malformed TOML is reported by position") {
  const auto dir = fs::temp_directory_path() / ("bfd-sim-scenario-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto missing = load_sim_scenarios((dir / "nope.toml").string());
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == errc::io);
  CHECK(missing.error().detail
        == (dir / "nope.toml").string() + ": cannot read the scenario file: No such file or directory");
  const auto bad = (dir / "bad.toml").string();
  std::ofstream(bad) << "[scenario\n";
  auto b = load_sim_scenarios(bad);
  REQUIRE_FALSE(b.has_value());
  CHECK(b.error().detail.rfind(bad + ":1:10: invalid TOML: ", 0) == 0);
  fs::remove_all(dir);
}

TEST_CASE("[network] reads the node placement, the delay model, jitter, reordering and loss") {
  auto s = one_of(head + pools + R"([network]
nodes = "per-vm"
delay_ms = { distribution = "lognormal", median = 60, sigma = 0.5, max = 900 }
jitter_ms = 15
reorder = true
loss = 0.05
loss_until_round = 20
)");
  CHECK(s.network.nodes == sim_node_placement::per_vm);
  CHECK(s.network.delay.kind == sim_distribution_kind::lognormal);
  CHECK(s.network.delay.median == 60);
  CHECK(s.network.delay.sigma == 0.5);
  CHECK(s.network.delay.max == 900);
  CHECK(s.network.jitter_ms == 15);
  CHECK(s.network.reorder);
  CHECK(s.network.loss_millionths == 50'000);
  CHECK(s.network.loss_until_round == 20);
  CHECK(s.network.shapes_traffic());

  auto fixed = one_of(head + pools + "[network]\nnodes = 3\ndelay_ms = 40\n");
  CHECK(fixed.network.nodes == sim_node_placement::count);
  CHECK(fixed.network.node_count == 3);
  CHECK(fixed.network.delay.kind == sim_distribution_kind::fixed);
  CHECK(fixed.network.delay.value == 40);
  CHECK_FALSE(fixed.network.reorder);

  auto uniform = one_of(head + pools + "[network]\ndelay_ms = { distribution = \"uniform\", min = 5, max = 50 }\n");
  CHECK(uniform.network.nodes == sim_node_placement::partitions);
  CHECK(uniform.network.delay.min == 5);
  CHECK(uniform.network.delay.max == 50);

  CHECK_FALSE(one_of(head + pools).network.shapes_traffic());
}

TEST_CASE("[network] errors name the key and what it takes") {
  CHECK(error_of(head + pools + "[network]\nnodes = \"mesh\"\n")
        == "t.toml:32:9: 'nodes' in [network] must be \"partitions\", \"per-vm\" or a number of nodes, got \"mesh\"");
  CHECK(error_of(head + pools + "[network]\nloss = 0.7\n").find("t.toml:32:8: 'loss' in [network] must be a number from 0 to 0.5")
        == 0);
  CHECK(error_of(head + pools + "[network]\ndelay_ms = { distribution = \"uniform\", min = 50, max = 5 }\n")
            .find("'max' in 'delay_ms' of [network] must be at least min (50)")
        != std::string::npos);
  CHECK(error_of(head + pools + "[network]\ndelay_ms = { distribution = \"pareto\", min = 5 }\n")
            .find("must be \"fixed\", \"uniform\" or \"lognormal\"")
        != std::string::npos);
}

TEST_CASE("double_vote and surround_vote events take targets") {
  auto s = one_of(head + pools
                  + "[[event]]\nround = 3\nkind = \"double_vote\"\ntargets = \"gold/1\"\n\n"
                    "[[event]]\nround = 4\nkind = \"surround_vote\"\ntargets = [\"gold/2\"]\n");
  REQUIRE(s.events.size() == 2);
  CHECK(s.events[0].kind == sim_event_kind::double_vote);
  CHECK(s.events[0].targets.at(0).text == "gold/1");
  CHECK(s.events[1].kind == sim_event_kind::surround_vote);
  CHECK(to_string(sim_event_kind::surround_vote) == "surround_vote");
}
