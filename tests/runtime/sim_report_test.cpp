// bfd-sim's report: summary figures, Gini, percentiles, exact CSV text, byte-identical rewrites, plots.
#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <stdlib.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "runtime/sim/sim_report.hpp"

using namespace bfd;
using namespace bfd::sim;
namespace fs = std::filesystem;

namespace {

/// A fresh directory, removed with everything in it at the end of its scope.
struct temp_dir {
  fs::path path;
  temp_dir() {
    std::string tmpl = (fs::temp_directory_path() / "bfd-sim-report-XXXXXX").string();
    path = ::mkdtemp(tmpl.data());
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

/// Every regular file under dir, by relative path.
std::map<std::string, std::string> files_under(const fs::path& dir) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) out[fs::relative(e.path(), dir).string()] = read_all(e.path());
  return out;
}

bool is_image(const std::string& path) {
  return path.ends_with(".png") || path.ends_with(".svg");
}

bool gnuplot_on_path() {
  const char* path = std::getenv("PATH");
  if (!path) return false;
  std::stringstream dirs(path);
  std::string d;
  while (std::getline(dirs, d, ':'))
    if (!d.empty() && ::access((fs::path(d) / "gnuplot").c_str(), X_OK) == 0) return true;
  return false;
}

public_key key_of(std::uint8_t b) {
  public_key k;
  k.data.fill(b);
  return k;
}

slot_record slot(std::uint64_t round, std::uint64_t index, std::uint32_t producer, std::uint32_t blocks,
                 std::uint32_t txs, amount reward, std::vector<std::uint64_t> finality) {
  slot_record s;
  s.round = round;
  s.slot = index;
  s.global_slot = round * 3 + index;
  s.producer = producer;
  s.blocks = blocks;
  s.txs = txs;
  s.missed = blocks == 0;
  s.reward = reward;
  s.finality_ms = std::move(finality);
  return s;
}

/// Two categories (gold weight 3, silver weight 1), four VMs, two rounds of three slots.
/// silver/1 never gets into a cluster; gold/1 misses one slot and is slashed.
/// Round 0 lists its cluster; round 1 leaves it empty so its slot producers stand in.
sim_result sample() {
  sim_result r;
  r.scenario = "baseline";
  r.label = "a";
  r.seed = 42;
  r.rounds = 2;
  r.slot_ms = 1000;
  r.categories = {{"gold", 3, 0, 0}, {"silver", 1, 0, 0}};
  r.vms = {{"gold/0", key_of(1), 0, 300, 100},
           {"gold/1", key_of(2), 0, 200, 0},
           {"silver/0", key_of(3), 1, 100, 100},
           {"silver/1", key_of(4), 1, 100, 100}};
  r.slots = {slot(0, 0, 0, 3, 30, 300, {10, 20, 30}), slot(0, 1, 1, 0, 0, 0, {}),
             slot(0, 2, 2, 1, 5, 100, {40}),          slot(1, 0, 0, 3, 45, 300, {15, 25, 35}),
             slot(1, 1, 1, 2, 10, 200, {50, 60}),     slot(1, 2, 2, 1, 10, 100, {70})};
  round_record r0;
  r0.round = 0;
  r0.cluster_size = 3;
  r0.final_height_at_end = 2;
  r0.forks = 1;
  r0.events = {"start"};
  r0.cluster = {0, 1, 2};
  round_record r1;
  r1.round = 1;
  r1.cluster_size = 3;
  r1.final_height_at_end = 5;
  r1.forks = 2;
  r1.evidence = 1;
  r1.events = {"partition gold/1, gold/0", "heal"};
  r.round_info = {r0, r1};
  r.evidence = {"round 1, gold/1, double_sign"};
  r.slashed = {"gold/1"};
  return r;
}

std::string file_of(const std::vector<output_file>& files, const std::string& path) {
  for (const auto& f : files)
    if (f.path == path) return f.content;
  FAIL("no output file " << path);
  return {};
}

std::string hex_of(std::uint8_t b) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (int i = 0; i < 32; ++i) {
    out += digits[b >> 4];
    out += digits[b & 15];
  }
  return out;
}

} // namespace

TEST_CASE("the Gini coefficient is 0 for equal rewards and (n-1)/n when one VM has everything") {
  CHECK(gini({}) == 0.0);
  CHECK(gini({0, 0, 0}) == 0.0);
  CHECK(gini({7, 7, 7, 7}) == 0.0);
  CHECK(gini({5}) == 0.0);
  CHECK(gini({0, 0, 0, 100}) == doctest::Approx(0.75));
  CHECK(gini({100, 0}) == doctest::Approx(0.5));
  for (std::size_t n = 2; n <= 10; ++n) {
    std::vector<amount> v(n, 0);
    v[n / 2] = 123'456'789;
    CHECK(gini(v) == doctest::Approx(double(n - 1) / double(n)));
  }
  // sorted 200, 200, 600: (-2*200 + 0*200 + 2*600) / (3 * 1000)
  CHECK(gini({600, 200, 200}) == doctest::Approx(800.0 / 3000.0));
}

TEST_CASE("finality percentiles are nearest-rank over the sorted samples") {
  std::vector<std::uint64_t> hundred;
  for (std::uint64_t i = 100; i >= 1; --i)
    hundred.push_back(i);
  auto h = latency_of(hundred);
  CHECK(h.count == 100);
  CHECK(h.p50 == 50);
  CHECK(h.p90 == 90);
  CHECK(h.p99 == 99);
  CHECK(h.max == 100);

  auto ten = latency_of({70, 10, 20, 30, 40, 15, 25, 35, 50, 60});
  CHECK(ten.p50 == 30);  // rank 5
  CHECK(ten.p90 == 60);  // rank 9
  CHECK(ten.p99 == 70);  // rank ceil(9.9) = 10
  CHECK(ten.max == 70);

  auto one = latency_of({12});
  CHECK((one.p50 == 12 && one.p90 == 12 && one.p99 == 12 && one.max == 12));
  auto none = latency_of({});
  CHECK((none.count == 0 && none.p50 == 0 && none.max == 0));
}

TEST_CASE("the summary of a hand-built run has the expected shares, Gini and latencies") {
  auto s = summarize(sample());
  REQUIRE(s.categories.size() == 2);
  const auto& gold = s.categories[0];
  const auto& silver = s.categories[1];
  CHECK(gold.name == "gold");
  CHECK(gold.vms == 2);
  CHECK(gold.members_seen == 2);
  CHECK(silver.vms == 2);
  CHECK(silver.members_seen == 1);
  CHECK(s.members_seen == 3);
  CHECK(s.vms == 4);

  CHECK(s.slots == 6);
  CHECK(s.blocks == 10);
  CHECK(s.txs == 100);
  CHECK(s.rewards == 1000);
  CHECK(s.power == 1000);
  CHECK(s.compute == 8);
  CHECK(gold.slots == 4);
  CHECK(gold.blocks == 8);
  CHECK(gold.txs == 85);
  CHECK(gold.rewards == 800);
  CHECK(gold.power == 600);
  CHECK(gold.compute == 6);
  CHECK(gold.slot_share == doctest::Approx(4.0 / 6.0));
  CHECK(gold.block_share == doctest::Approx(0.8));
  CHECK(gold.tx_share == doctest::Approx(0.85));
  CHECK(gold.reward_share == doctest::Approx(0.8));
  CHECK(gold.stake_share == doctest::Approx(0.6));
  CHECK(gold.compute_share == doctest::Approx(0.75));
  CHECK(silver.slot_share == doctest::Approx(2.0 / 6.0));
  CHECK(silver.stake_share == doctest::Approx(0.4));
  CHECK(silver.compute_share == doctest::Approx(0.25));

  CHECK(s.missed == 1);
  CHECK(gold.missed == 1);
  CHECK(silver.missed == 0);

  // Rewards per VM: 600, 200, 200 and 0 for silver/1, which never was in a cluster.
  CHECK(s.gini_members == doctest::Approx(800.0 / 3000.0));
  CHECK(s.gini_all == doctest::Approx(0.45));

  CHECK(s.finality.count == 10);
  CHECK(s.finality.p50 == 30);
  CHECK(s.finality.p90 == 60);
  CHECK(s.finality.p99 == 70);
  CHECK(s.finality.max == 70);
  CHECK(gold.finality.count == 8);
  CHECK(gold.finality.p50 == 25);
  CHECK(gold.finality.max == 60);
  CHECK(silver.finality.p50 == 40);
  CHECK(silver.finality.p90 == 70);

  CHECK(s.forks == 3);
  CHECK(s.evidence == 1);
  CHECK(s.evidence_final == 1);
  CHECK(s.slashed == std::vector<std::string>{"gold/1"});
}

TEST_CASE("an empty run summarizes to zeros") {
  sim_result r;
  r.categories = {{"gold", 3, 0, 0}};
  auto s = summarize(r);
  CHECK(s.slots == 0);
  CHECK(s.categories[0].slot_share == 0.0);
  CHECK(s.gini_all == 0.0);
  CHECK(s.finality.count == 0);
}

TEST_CASE("the CSV files of a small run hold exactly the expected text") {
  auto files = output_files(sample());
  CHECK(file_of(files, "slots.csv")
        == "round,slot,global_slot,producer,category,blocks,txs,missed,reward,finality_ms_max\n"
           "0,0,0,gold/0,gold,3,30,0,300,30\n"
           "0,1,1,gold/1,gold,0,0,1,0,\n"
           "0,2,2,silver/0,silver,1,5,0,100,40\n"
           "1,0,3,gold/0,gold,3,45,0,300,35\n"
           "1,1,4,gold/1,gold,2,10,0,200,60\n"
           "1,2,5,silver/0,silver,1,10,0,100,70\n");
  CHECK(file_of(files, "rounds.csv")
        == "round,category,slots,blocks,txs,missed,rewards,cum_rewards,latency_p50,latency_max\n"
           "0,gold,2,3,30,1,300,300,20,30\n"
           "0,silver,1,1,5,0,100,100,40,40\n"
           "1,gold,2,5,55,0,500,800,35,60\n"
           "1,silver,1,1,10,0,100,200,70,70\n");
  CHECK(file_of(files, "round_info.csv")
        == "round,epoch,cluster_size,final_height,forks,evidence,slots,blocks,txs,missed,rewards,"
           "latency_p50,latency_p90,latency_max,events\n"
           "0,0,3,2,1,0,3,4,35,1,400,20,40,40,start\n"
           "1,0,3,5,2,1,3,6,65,0,600,35,70,70,\"partition gold/1, gold/0; heal\"\n");
  CHECK(file_of(files, "vms.csv")
        == "name,category,bid,votes,slots,blocks,txs,missed,rewards,power,rounds_in_cluster,slashed,key\n"
           "gold/0,gold,300,100,2,6,75,0,600,400,2,0," + hex_of(1) + "\n"
           "gold/1,gold,200,0,2,2,10,1,200,200,2,1," + hex_of(2) + "\n"
           "silver/0,silver,100,100,2,2,15,0,200,200,2,0," + hex_of(3) + "\n"
           "silver/1,silver,100,100,0,0,0,0,0,200,0,0," + hex_of(4) + "\n");
  CHECK(file_of(files, "plots/rewards.dat")
        == "# round,gold,silver\n"
           "0,0.000003,0.000001\n"
           "1,0.000008,0.000002\n");
  CHECK(file_of(files, "plots/latency.dat") == "# round,p50,max\n0,20,40\n1,35,70\n");
  CHECK(file_of(files, "plots/missed.dat") == "# round,gold,silver\n0,1,0\n1,0,0\n");
}

TEST_CASE("summary.json has a fixed key order, base units with BFDT text and six-decimal shares") {
  auto text = file_of(output_files(sample()), "summary.json");
  auto j = nlohmann::ordered_json::parse(text);
  std::vector<std::string> keys;
  for (auto it = j.begin(); it != j.end(); ++it)
    keys.push_back(it.key());
  CHECK(keys
        == std::vector<std::string>{"format", "scenario", "label", "seed", "rounds", "slot_ms", "totals",
                                    "categories", "gini", "finality_ms", "forks", "evidence",
                                    "evidence_final", "evidence_lines", "slashed"});
  CHECK(j["format"] == "bfd-sim-summary-1");
  CHECK(j["totals"]["rewards"] == 1000);
  CHECK(j["totals"]["rewards_bfdt"] == "0.00001");
  CHECK(j["categories"][0]["name"] == "gold");
  CHECK(j["categories"][0]["power_bfdt"] == "0.000006");
  CHECK(text.find("\"slots\": 0.666667") != std::string::npos);
  CHECK(text.find("\"rewards_members\": 0.266667") != std::string::npos);
  CHECK(j["gini"]["rewards_all"] == 0.45);
  CHECK(j["finality_ms"]["p99"] == 70);
  CHECK(j["slashed"][0] == "gold/1");
}

TEST_CASE("summary.txt is a table with a row per category and the headline figures") {
  auto text = file_of(output_files(sample()), "summary.txt");
  CHECK(text.starts_with("bfd-sim summary: scenario baseline, label a, seed 42\n"));
  CHECK(text.find("reward gini: 0.266667 over 3 cluster members, 0.450000 over all 4 VMs\n")
        != std::string::npos);
  CHECK(text.find("\ngold  ") != std::string::npos);
  CHECK(text.find("\nsilver  ") != std::string::npos);
  CHECK(text.find("forks: 3\nevidence: 1 (1 final)\n  round 1, gold/1, double_sign\nslashed: gold/1\n")
        != std::string::npos);
}

TEST_CASE("writing the outputs twice gives byte-identical CSV, JSON, text, data and scripts") {
  temp_dir a, b;
  auto first = write_outputs(sample(), (a.path / "out").string());
  REQUIRE(first.has_value());
  auto before = files_under(a.path / "out");
  auto again = write_outputs(sample(), (a.path / "out").string());
  REQUIRE(again.has_value());
  auto other = write_outputs(sample(), (b.path / "out").string());
  REQUIRE(other.has_value());
  auto after = files_under(a.path / "out");
  auto elsewhere = files_under(b.path / "out");

  std::size_t compared = 0;
  for (const auto& f : output_files(sample())) {
    CHECK(before.at(f.path) == f.content);
    CHECK(after.at(f.path) == f.content);
    CHECK(elsewhere.at(f.path) == f.content);
    ++compared;
  }
  CHECK(compared == 12);
  for (const auto& [path, content] : after)
    if (!is_image(path)) CHECK(content == elsewhere.at(path));
}

TEST_CASE("plots are rendered as PNG and SVG when gnuplot is on PATH") {
  if (!gnuplot_on_path()) {
    MESSAGE("gnuplot is not on PATH: plot rendering not checked");
    return;
  }
  temp_dir dir;
  auto report = write_outputs(sample(), dir.path.string());
  REQUIRE(report.has_value());
  INFO(report->warning);
  CHECK(report->plots_rendered);
  CHECK(report->warning.empty());
  for (const char* name : {"rewards", "latency", "missed"}) {
    auto png = read_all(dir.path / "plots" / (std::string(name) + ".png"));
    auto svg = read_all(dir.path / "plots" / (std::string(name) + ".svg"));
    CHECK(png.starts_with("\x89PNG\r\n"));
    CHECK(svg.starts_with("<?xml"));
    CHECK(svg.find("</svg>") != std::string::npos);
  }
  CHECK(report->files.size() == 18);
  auto script = read_all(dir.path / "plots" / "missed.gp");
  CHECK(script.find("set terminal pngcairo") != std::string::npos);
  CHECK(script.find("set terminal png size") != std::string::npos);
  CHECK(script.find("set terminal svg") != std::string::npos);
  CHECK(script.find("'missed.dat' using 1:($2+$3) with boxes linecolor 2 title 'silver'")
        != std::string::npos);
}

TEST_CASE("a run without final blocks or rounds still renders placeholder plots") {
  if (!gnuplot_on_path()) {
    MESSAGE("gnuplot is not on PATH: plot rendering not checked");
    return;
  }
  temp_dir dir;
  sim_result r;
  r.scenario = "empty";
  r.categories = {{"gold", 3, 0, 0}};
  auto report = write_outputs(r, dir.path.string());
  REQUIRE(report.has_value());
  INFO(report->warning);
  CHECK(report->plots_rendered);
  CHECK(read_all(dir.path / "plots" / "latency.gp").find("no data: no rounds") != std::string::npos);
}

TEST_CASE("a missing gnuplot is a warning and the data files are still written") {
  temp_dir dir;
  output_options options;
  options.gnuplot = "/nonexistent/bfd-no-gnuplot";
  auto report = write_outputs(sample(), dir.path.string(), options);
  REQUIRE(report.has_value());
  CHECK_FALSE(report->plots_rendered);
  CHECK(report->warning.find("cannot run /nonexistent/bfd-no-gnuplot") != std::string::npos);
  CHECK(report->files.size() == 12);
  CHECK(fs::exists(dir.path / "summary.json"));
  CHECK(fs::exists(dir.path / "plots" / "rewards.gp"));
  CHECK_FALSE(fs::exists(dir.path / "plots" / "rewards.png"));
}

TEST_CASE("plots can be switched off without a warning") {
  temp_dir dir;
  output_options options;
  options.render_plots = false;
  auto report = write_outputs(sample(), dir.path.string(), options);
  REQUIRE(report.has_value());
  CHECK_FALSE(report->plots_rendered);
  CHECK(report->warning.empty());
}

TEST_CASE("an unwritable output directory is an io error, not a crash") {
  temp_dir dir;
  auto blocker = dir.path / "a-file";
  std::ofstream(blocker) << "not a directory\n";
  auto under_file = write_outputs(sample(), (blocker / "out").string());
  REQUIRE_FALSE(under_file.has_value());
  CHECK(under_file.error().code == errc::io);
  auto is_file = write_outputs(sample(), blocker.string());
  REQUIRE_FALSE(is_file.has_value());
  CHECK(is_file.error().code == errc::io);
  auto sweep = write_sweep_summary({{"a", summarize(sample())}}, (blocker / "sweep").string());
  CHECK_FALSE(sweep.ok());
  CHECK(sweep.error().code == errc::io);
  auto empty = write_outputs(sample(), "");
  REQUIRE_FALSE(empty.has_value());
  CHECK(empty.error().code == errc::invalid_argument);
}

TEST_CASE("a result with an index out of range is refused") {
  temp_dir dir;
  auto r = sample();
  r.slots[2].producer = 9;
  auto out = write_outputs(r, dir.path.string());
  REQUIRE_FALSE(out.has_value());
  CHECK(out.error().code == errc::invalid_argument);
  CHECK(out.error().detail.find("producer 9") != std::string::npos);

  auto bad_category = sample();
  bad_category.vms[0].category = 2;
  CHECK(validate(bad_category).error().code == errc::invalid_argument);
  auto twice = sample();
  twice.round_info.push_back(twice.round_info[0]);
  CHECK(validate(twice).error().code == errc::invalid_argument);
  CHECK(validate(sample()).ok());
}

TEST_CASE("sweep.csv has one row per label with per-category headline figures") {
  auto a = summarize(sample());
  auto only_gold = sample();
  only_gold.categories.resize(1);
  only_gold.vms.resize(2);
  only_gold.slots = {only_gold.slots[0], only_gold.slots[1]};
  auto b = summarize(only_gold);

  auto text = sweep_csv({{"a", a}, {"b", b}});
  CHECK(text
        == "label,scenario,seed,rounds,slots,blocks,txs,missed,rewards,finality_p50,finality_p90,"
           "finality_p99,finality_max,gini_members,gini_all,forks,evidence,slashed,"
           "gold_members_seen,gold_slot_share,gold_block_share,gold_tx_share,gold_reward_share,"
           "gold_stake_share,gold_compute_share,gold_missed,"
           "silver_members_seen,silver_slot_share,silver_block_share,silver_tx_share,"
           "silver_reward_share,silver_stake_share,silver_compute_share,silver_missed\n"
           "a,baseline,42,2,6,10,100,1,1000,30,60,70,70,0.266667,0.450000,3,1,1,"
           "2,0.666667,0.800000,0.850000,0.800000,0.600000,0.750000,1,"
           "1,0.333333,0.200000,0.150000,0.200000,0.400000,0.250000,0\n"
           "b,baseline,42,2,2,3,30,1,300,20,30,30,30,0.500000,0.500000,3,1,1,"
           "2,1.000000,1.000000,1.000000,1.000000,1.000000,1.000000,1,"
           ",,,,,,,\n");

  temp_dir dir;
  REQUIRE(write_sweep_summary({{"a", a}, {"b", b}}, (dir.path / "sweep").string()).ok());
  CHECK(read_all(dir.path / "sweep" / "sweep.csv") == text);
}
