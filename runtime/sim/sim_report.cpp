#include "runtime/sim/sim_report.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string_view>

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "chains/core/hex.hpp"

extern char** environ;

namespace bfd::sim {
namespace fs = std::filesystem;

namespace {

// Figures -------------------------------------------------------------------------------------

amount add_saturated(amount a, amount b) {
  return checked_add(a, b).value_or(std::numeric_limits<amount>::max());
}

double share_of(std::uint64_t part, std::uint64_t whole) {
  return whole == 0 ? 0.0 : static_cast<double>(part) / static_cast<double>(whole);
}

/// Fixed six-decimal text of a figure: the one float format of every output file.
std::string fixed6(double x) {
  return fmt::format("{:.6f}", x);
}

/// The double that fixed6 text denotes, so JSON numbers carry at most six decimals.
double rounded6(double x) {
  auto text = fixed6(x);
  double out = 0;
  std::from_chars(text.data(), text.data() + text.size(), out);
  return out;
}

/// Counts of a set of slots: a VM's, a category's, a round's.
struct tally {
  std::uint64_t slots = 0;
  std::uint64_t blocks = 0;
  std::uint64_t txs = 0;
  std::uint64_t missed = 0;
  amount rewards = 0;
  std::vector<std::uint64_t> finality;  ///< only where latencies are asked for

  void add(const slot_record& s, bool with_finality) {
    ++slots;
    blocks += s.blocks;
    txs += s.txs;
    missed += s.missed ? 1 : 0;
    rewards = add_saturated(rewards, s.reward);
    if (with_finality) finality.insert(finality.end(), s.finality_ms.begin(), s.finality_ms.end());
  }
};

/// The category of a slot's producer, or nothing for out-of-range indexes.
std::optional<std::uint32_t> category_of(const sim_result& r, const slot_record& s) {
  if (s.producer >= r.vms.size()) return std::nullopt;
  auto c = r.vms[s.producer].category;
  if (c >= r.categories.size()) return std::nullopt;
  return c;
}

/// Per VM: its slot tally and the number of rounds it was a cluster member in (listed in the
/// round's cluster or scheduled for one of its slots).
struct vm_tallies {
  std::vector<tally> per_vm;
  std::vector<std::uint64_t> rounds_in_cluster;
};

vm_tallies tally_vms(const sim_result& r) {
  vm_tallies out;
  out.per_vm.resize(r.vms.size());
  out.rounds_in_cluster.resize(r.vms.size());
  std::map<std::uint64_t, std::set<std::uint32_t>> members;
  for (const auto& info : r.round_info)
    for (auto vm : info.cluster)
      if (vm < r.vms.size()) members[info.round].insert(vm);
  for (const auto& s : r.slots) {
    if (!category_of(r, s)) continue;
    out.per_vm[s.producer].add(s, false);
    members[s.round].insert(s.producer);
  }
  for (const auto& [round, vms] : members)
    for (auto vm : vms)
      ++out.rounds_in_cluster[vm];
  return out;
}

/// One round: its record (if the runner made one) and its slots, per category and in all.
struct round_row {
  std::uint64_t round = 0;
  const round_record* info = nullptr;
  std::vector<tally> per_category;
  tally all;
};

/// Every round number in round_info or in slots, ascending.
std::vector<round_row> tally_rounds(const sim_result& r) {
  std::map<std::uint64_t, round_row> rows;
  auto row = [&](std::uint64_t n) -> round_row& {
    auto [it, fresh] = rows.try_emplace(n);
    if (fresh) {
      it->second.round = n;
      it->second.per_category.resize(r.categories.size());
    }
    return it->second;
  };
  for (const auto& info : r.round_info)
    row(info.round).info = &info;
  for (const auto& s : r.slots) {
    auto c = category_of(r, s);
    if (!c) continue;
    auto& rw = row(s.round);
    rw.all.add(s, true);
    rw.per_category[*c].add(s, true);
  }
  std::vector<round_row> out;
  out.reserve(rows.size());
  for (auto& [n, rw] : rows)
    out.push_back(std::move(rw));
  return out;
}

// Text helpers ------------------------------------------------------------------------------

/// A CSV field, quoted (RFC 4180) when it holds a comma, quote, line break or edge space.
std::string csv_field(std::string_view v) {
  bool quote = v.find_first_of(",\"\r\n") != std::string_view::npos
               || (!v.empty() && (v.front() == ' ' || v.back() == ' '));
  if (!quote) return std::string(v);
  std::string out = "\"";
  for (char ch : v) {
    if (ch == '"') out += '"';
    out += ch;
  }
  out += '"';
  return out;
}

std::string csv_row(const std::vector<std::string>& fields) {
  std::string out;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ',';
    out += csv_field(fields[i]);
  }
  out += '\n';
  return out;
}

std::string num(std::uint64_t v) {
  return std::to_string(v);
}

/// A latency figure, or an empty field when there were no final blocks.
std::string latency_field(const latency_stats& l, std::uint64_t value) {
  return l.count == 0 ? std::string{} : num(value);
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += sep;
    out += parts[i];
  }
  return out;
}

/// A gnuplot single-quoted string: quotes doubled, line breaks made spaces.
std::string gp_string(std::string_view v) {
  std::string out = "'";
  for (char ch : v) {
    if (ch == '\'') out += "''";
    else if (ch == '\n' || ch == '\r') out += ' ';
    else out += ch;
  }
  out += '\'';
  return out;
}

/// Rows as a text table: first column left-aligned, the others right-aligned, two spaces apart.
std::string text_table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<std::size_t> width;
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (width.size() <= i) width.push_back(0);
      width[i] = std::max(width[i], row[i].size());
    }
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (std::size_t i = 0; i < row.size(); ++i) {
      if (i > 0) line += "  ";
      std::string pad(width[i] - row[i].size(), ' ');
      line += i == 0 ? row[i] + pad : pad + row[i];
    }
    while (!line.empty() && line.back() == ' ')
      line.pop_back();
    out += line + '\n';
  }
  return out;
}

/// BFDT with all eight decimals, so a column of amounts lines up.
std::string bfdt_fixed(amount units) {
  return fmt::format("{}.{:08}", units / units_per_bfdt, units % units_per_bfdt);
}

std::string percent(double share) {
  return fmt::format("{:.2f}", share * 100.0);
}

// The files -------------------------------------------------------------------------------

std::string slots_csv(const sim_result& r) {
  std::string out = csv_row({"round", "slot", "global_slot", "producer", "category", "blocks", "txs",
                             "missed", "reward", "finality_ms_max"});
  for (const auto& s : r.slots) {
    auto c = category_of(r, s);
    if (!c) continue;
    std::string fin;
    if (!s.finality_ms.empty()) fin = num(*std::max_element(s.finality_ms.begin(), s.finality_ms.end()));
    out += csv_row({num(s.round), num(s.slot), num(s.global_slot), r.vms[s.producer].name,
                    r.categories[*c].name, num(s.blocks), num(s.txs), s.missed ? "1" : "0",
                    num(s.reward), fin});
  }
  return out;
}

std::string rounds_csv(const sim_result& r, const std::vector<round_row>& rows) {
  std::string out = csv_row({"round", "category", "slots", "blocks", "txs", "missed", "rewards",
                             "cum_rewards", "latency_p50", "latency_max"});
  std::vector<amount> cumulative(r.categories.size());
  for (const auto& rw : rows)
    for (std::size_t c = 0; c < r.categories.size(); ++c) {
      const auto& t = rw.per_category[c];
      cumulative[c] = add_saturated(cumulative[c], t.rewards);
      auto l = latency_of(t.finality);
      out += csv_row({num(rw.round), r.categories[c].name, num(t.slots), num(t.blocks), num(t.txs),
                      num(t.missed), num(t.rewards), num(cumulative[c]), latency_field(l, l.p50),
                      latency_field(l, l.max)});
    }
  return out;
}

std::string round_info_csv(const std::vector<round_row>& rows) {
  std::string out = csv_row({"round", "epoch", "cluster_size", "final_height", "forks", "evidence",
                             "slots", "blocks", "txs", "missed", "rewards", "latency_p50",
                             "latency_p90", "latency_max", "events"});
  for (const auto& rw : rows) {
    const auto* i = rw.info;
    auto l = latency_of(rw.all.finality);
    out += csv_row({num(rw.round), i ? num(i->epoch) : "", i ? num(i->cluster_size) : "",
                    i ? num(i->final_height_at_end) : "", i ? num(i->forks) : "",
                    i ? num(i->evidence) : "", num(rw.all.slots), num(rw.all.blocks), num(rw.all.txs),
                    num(rw.all.missed), num(rw.all.rewards), latency_field(l, l.p50),
                    latency_field(l, l.p90), latency_field(l, l.max),
                    i ? join(i->events, "; ") : ""});
  }
  return out;
}

std::string vms_csv(const sim_result& r, const vm_tallies& vt) {
  std::set<std::string> slashed(r.slashed.begin(), r.slashed.end());
  std::string out = csv_row({"name", "category", "bid", "votes", "slots", "blocks", "txs", "missed",
                             "rewards", "power", "rounds_in_cluster", "slashed", "key"});
  for (std::size_t i = 0; i < r.vms.size(); ++i) {
    const auto& vm = r.vms[i];
    if (vm.category >= r.categories.size()) continue;
    const auto& t = vt.per_vm[i];
    out += csv_row({vm.name, r.categories[vm.category].name, num(vm.bid), num(vm.votes), num(t.slots),
                    num(t.blocks), num(t.txs), num(t.missed), num(t.rewards),
                    num(add_saturated(vm.bid, vm.votes)), num(vt.rounds_in_cluster[i]),
                    slashed.count(vm.name) ? "1" : "0", to_hex(vm.key)});
  }
  return out;
}

nlohmann::ordered_json latency_json(const latency_stats& l) {
  nlohmann::ordered_json j;
  j["count"] = l.count;
  j["p50"] = l.p50;
  j["p90"] = l.p90;
  j["p99"] = l.p99;
  j["max"] = l.max;
  return j;
}

/// The run's virtual length, seconds: what tx/s figures divide by.
double chain_seconds(const sim_summary& s) {
  return static_cast<double>(s.slots) * static_cast<double>(s.slot_ms) / 1000.0;
}

std::string summary_json(const sim_summary& s) {
  using json = nlohmann::ordered_json;
  json j;
  j["format"] = "bfd-sim-summary-1";
  j["scenario"] = s.scenario;
  j["label"] = s.label;
  j["seed"] = s.seed;
  j["rounds"] = s.rounds;
  j["slot_ms"] = s.slot_ms;
  json totals;
  totals["vms"] = s.vms;
  totals["members_seen"] = s.members_seen;
  totals["slots"] = s.slots;
  totals["blocks"] = s.blocks;
  totals["txs"] = s.txs;
  totals["missed"] = s.missed;
  totals["rewards"] = s.rewards;
  totals["rewards_bfdt"] = format_amount(s.rewards);
  totals["power"] = s.power;
  totals["power_bfdt"] = format_amount(s.power);
  totals["compute"] = s.compute;
  j["totals"] = std::move(totals);
  json cats = json::array();
  for (const auto& c : s.categories) {
    json cj;
    cj["name"] = c.name;
    cj["compute_weight"] = c.compute_weight;
    cj["vms"] = c.vms;
    cj["members_seen"] = c.members_seen;
    cj["slots"] = c.slots;
    cj["blocks"] = c.blocks;
    cj["txs"] = c.txs;
    cj["missed"] = c.missed;
    cj["rewards"] = c.rewards;
    cj["rewards_bfdt"] = format_amount(c.rewards);
    cj["power"] = c.power;
    cj["power_bfdt"] = format_amount(c.power);
    cj["compute"] = c.compute;
    json shares;
    shares["slots"] = rounded6(c.slot_share);
    shares["blocks"] = rounded6(c.block_share);
    shares["txs"] = rounded6(c.tx_share);
    shares["rewards"] = rounded6(c.reward_share);
    shares["stake"] = rounded6(c.stake_share);
    shares["compute"] = rounded6(c.compute_share);
    cj["shares"] = std::move(shares);
    cj["finality_ms"] = latency_json(c.finality);
    cats.push_back(std::move(cj));
  }
  j["categories"] = std::move(cats);
  json g;
  g["rewards_members"] = rounded6(s.gini_members);
  g["rewards_all"] = rounded6(s.gini_all);
  j["gini"] = std::move(g);
  j["finality_ms"] = latency_json(s.finality);
  j["forks"] = s.forks;
  j["evidence"] = s.evidence;
  j["evidence_final"] = s.evidence_final;
  j["evidence_lines"] = s.evidence_lines;
  j["slashed"] = s.slashed;
  if (!s.chains.empty()) {  // only with [[sidechain]]: one-chain summaries keep their bytes
    json chains = json::array();
    for (const auto& c : s.chains) {
      json cj;
      cj["id"] = c.id;
      cj["kind"] = c.kind;
      cj["name"] = c.name;
      cj["token"] = c.token;
      cj["validators"] = c.validators;
      cj["slots"] = c.slots;
      cj["blocks_made"] = c.blocks_made;
      cj["missed"] = c.missed;
      cj["head_height"] = c.head_height;
      cj["final_height"] = c.final_height;
      cj["final_txs"] = c.final_txs;
      cj["txs_submitted"] = c.txs_submitted;
      cj["tx_per_second"] = rounded6(c.tx_per_second);
      cj["finality_ms"] = latency_json(c.finality);
      chains.push_back(std::move(cj));
    }
    j["sidechains"] = std::move(chains);
  }
  // Invalid UTF-8 in names or event text is replaced rather than thrown on.
  return j.dump(2, ' ', false, json::error_handler_t::replace) + "\n";
}

std::string summary_text(const sim_summary& s) {
  std::string out = fmt::format("bfd-sim summary: scenario {}, label {}, seed {}\n", s.scenario,
                                s.label.empty() ? "-" : s.label, s.seed);
  out += fmt::format("rounds {}, slot {} ms, {} VMs ({} seen in clusters)\n\n", s.rounds, s.slot_ms,
                     s.vms, s.members_seen);

  std::vector<std::vector<std::string>> rows{{"category", "weight", "vms", "seen", "slots", "blocks",
                                              "txs", "missed", "rewards BFDT", "slots %", "blocks %",
                                              "txs %", "rewards %", "stake %", "compute %"}};
  for (const auto& c : s.categories)
    rows.push_back({c.name, num(c.compute_weight), num(c.vms), num(c.members_seen), num(c.slots),
                    num(c.blocks), num(c.txs), num(c.missed), bfdt_fixed(c.rewards),
                    percent(c.slot_share), percent(c.block_share), percent(c.tx_share),
                    percent(c.reward_share), percent(c.stake_share), percent(c.compute_share)});
  rows.push_back({"all", "", num(s.vms), num(s.members_seen), num(s.slots), num(s.blocks), num(s.txs),
                  num(s.missed), bfdt_fixed(s.rewards), percent(s.slots ? 1 : 0),
                  percent(s.blocks ? 1 : 0), percent(s.txs ? 1 : 0), percent(s.rewards ? 1 : 0),
                  percent(s.power ? 1 : 0), percent(s.compute ? 1 : 0)});
  out += text_table(rows) + "\n";

  std::vector<std::vector<std::string>> lat{{"finality ms", "blocks", "p50", "p90", "p99", "max"}};
  auto lat_row = [&](const std::string& name, const latency_stats& l) {
    lat.push_back({name, num(l.count), num(l.p50), num(l.p90), num(l.p99), num(l.max)});
  };
  for (const auto& c : s.categories)
    lat_row(c.name, c.finality);
  lat_row("all", s.finality);
  out += text_table(lat) + "\n";

  out += fmt::format("reward gini: {} over {} cluster members, {} over all {} VMs\n",
                     fixed6(s.gini_members), s.members_seen, fixed6(s.gini_all), s.vms);
  out += fmt::format("forks: {}\n", s.forks);
  out += fmt::format("evidence: {} ({} final)\n", s.evidence, s.evidence_final);
  for (const auto& line : s.evidence_lines)
    out += "  " + line + "\n";
  out += "slashed: " + (s.slashed.empty() ? std::string("none") : join(s.slashed, ", ")) + "\n";
  if (!s.chains.empty()) {
    out += "\nchains (the mainchain's figures are the tables above):\n";
    std::vector<std::vector<std::string>> rows{{"chain", "kind", "name", "validators", "final", "head", "lag",
                                                "blocks", "missed", "final txs", "tx/s", "p50 ms", "max ms"}};
    rows.push_back({"1", "mainchain", "mainchain", std::to_string(s.vms), "-", "-", "-", std::to_string(s.blocks),
                    std::to_string(s.missed), std::to_string(s.txs),
                    fixed6(chain_seconds(s) > 0 ? static_cast<double>(s.txs) / chain_seconds(s) : 0),
                    std::to_string(s.finality.p50), std::to_string(s.finality.max)});
    for (const auto& c : s.chains)
      rows.push_back({std::to_string(c.id), c.kind, c.name, std::to_string(c.validators),
                      std::to_string(c.final_height), std::to_string(c.head_height),
                      std::to_string(c.head_height - std::min(c.head_height, c.final_height)),
                      std::to_string(c.blocks_made), std::to_string(c.missed), std::to_string(c.final_txs),
                      fixed6(c.tx_per_second), std::to_string(c.finality.p50), std::to_string(c.finality.max)});
    out += text_table(rows);
  }
  return out;
}

// Plots -------------------------------------------------------------------------------------

/// One plot: data file, script, and the images the script renders.
struct plot_spec {
  std::string name;    ///< "rewards": plots/rewards.dat, .gp, .png, .svg
  std::string what;    ///< one line for the script's header
  std::string title;
  std::string ylabel;
  std::string header;  ///< the data file's column names
  std::vector<std::string> data_rows;
  std::vector<std::string> settings;  ///< extra `set` lines for this plot
  std::vector<std::string> clauses;   ///< what follows the data file name in each plot clause
  bool has_data = false;              ///< false: the script draws an empty frame saying so
  std::string no_data;                ///< why there is nothing to draw
  std::uint64_t first_round = 0, last_round = 0;
};

std::string plot_script(const plot_spec& p) {
  std::string out = fmt::format("# bfd-sim plot: {}.\n", p.what);
  out += fmt::format("# Re-render from this directory: gnuplot {}.gp (writes {}.png and {}.svg)\n", p.name,
                     p.name, p.name);
  out += fmt::format("# Data: {}.dat, comma-separated, its first line names the columns.\n", p.name);
  out += "set datafile separator ','\n";
  out += "set title " + gp_string(p.title) + " noenhanced\n";
  out += "set xlabel 'round'\n";
  out += "set ylabel " + gp_string(p.ylabel) + "\n";
  out += "set key outside right top noenhanced\n";
  out += "set grid\n";
  out += "set yrange [0:*]\n";
  for (const auto& line : p.settings)
    out += line + "\n";
  out += "if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
         "  set terminal pngcairo size 1000,600 font 'sans,10'\n"
         "} else {\n"
         "  set terminal png size 1000,600\n"
         "}\n";
  out += fmt::format("set output '{}.png'\n", p.name);
  if (p.has_data) {
    out += "plot ";
    for (std::size_t i = 0; i < p.clauses.size(); ++i) {
      if (i > 0) out += ", \\\n     ";
      out += fmt::format("'{}.dat' {}", p.name, p.clauses[i]);
    }
    out += "\n";
  } else {
    auto lo = p.first_round, hi = p.last_round;
    if (lo == hi) hi = lo + 1;
    out += fmt::format("set xrange [{}:{}]\n", lo, hi);
    out += "set yrange [0:1]\n";
    out += "set label 1 " + gp_string("no data: " + p.no_data) + " at graph 0.5,0.5 center noenhanced\n";
    out += "plot NaN notitle\n";
  }
  out += "set terminal svg size 1000,600 fixed font 'sans,10' background rgb 'white'\n";
  out += fmt::format("set output '{}.svg'\n", p.name);
  out += "replot\n";
  out += "unset output\n";
  return out;
}

std::string plot_data(const plot_spec& p) {
  std::string out = "# " + p.header + "\n";
  for (const auto& row : p.data_rows)
    out += row;
  return out;
}

std::string run_title(const sim_result& r, std::string_view what) {
  std::string run = r.scenario;
  if (!r.label.empty()) run += " / " + r.label;
  return fmt::format("{}: {} (seed {})", run, what, r.seed);
}

std::vector<plot_spec> plots_of(const sim_result& r, const std::vector<round_row>& rows) {
  const auto ncat = r.categories.size();
  std::string cat_header = "round";
  for (const auto& c : r.categories)
    cat_header += "," + csv_field(c.name);
  const bool have_rounds = !rows.empty() && ncat > 0;
  const std::string no_rounds = rows.empty() ? "no rounds" : "no categories";
  const std::uint64_t first = rows.empty() ? 0 : rows.front().round;
  const std::uint64_t last = rows.empty() ? 0 : rows.back().round;

  plot_spec rewards{"rewards", "cumulative rewards per category, BFDT, by round",
                    run_title(r, "cumulative rewards per category"), "rewards (BFDT)", cat_header,
                    {}, {}, {}, have_rounds, no_rounds, first, last};
  for (std::size_t c = 0; c < ncat; ++c)
    rewards.clauses.push_back(fmt::format("using 1:{} with lines linewidth 2 title {}", c + 2,
                                          gp_string(r.categories[c].name)));

  // Missed slots as bars stacked by category at each round: the bar of category c reaches the
  // sum of columns 2..c+2, drawn from the tallest down so each shows its own segment.
  plot_spec missed{"missed", "missed slots per round, bars stacked by category",
                   run_title(r, "missed slots per round"), "missed slots", cat_header,
                   {}, {"set style fill solid 0.85 noborder", "set boxwidth 0.8 relative"}, {},
                   have_rounds, no_rounds, first, last};
  for (std::size_t c = ncat; c-- > 0;) {
    std::string sum;
    for (std::size_t k = 0; k <= c; ++k)
      sum += (k ? "+$" : "$") + num(k + 2);
    missed.clauses.push_back(fmt::format("using 1:({}) with boxes linecolor {} title {}", sum, c + 1,
                                         gp_string(r.categories[c].name)));
  }

  plot_spec latency{"latency", "finality latency per round, p50 and max over its final blocks, ms",
                    run_title(r, "finality latency per round"), "finality latency (ms)",
                    "round,p50,max", {}, {},
                    {"using 1:2 with linespoints pointtype 7 pointsize 0.6 title 'p50'",
                     "using 1:3 with linespoints pointtype 7 pointsize 0.6 title 'max'"},
                    false, rows.empty() ? "no rounds" : "no final blocks", first, last};

  std::vector<amount> cumulative(ncat);
  std::uint64_t most_missed = 0;
  for (const auto& rw : rows) {
    std::string rew = num(rw.round), mis = num(rw.round);
    for (std::size_t c = 0; c < ncat; ++c) {
      cumulative[c] = add_saturated(cumulative[c], rw.per_category[c].rewards);
      rew += "," + format_amount(cumulative[c]);
      mis += "," + num(rw.per_category[c].missed);
    }
    rewards.data_rows.push_back(rew + "\n");
    missed.data_rows.push_back(mis + "\n");
    most_missed = std::max(most_missed, rw.all.missed);
    auto l = latency_of(rw.all.finality);
    latency.data_rows.push_back(
      fmt::format("{},{},{}\n", rw.round, latency_field(l, l.p50), latency_field(l, l.max)));
    if (l.count > 0) latency.has_data = true;
  }
  // Bars half a round wide either side of the first and last round, not gnuplot's wide margins.
  missed.settings.push_back(fmt::format("set xrange [{}:{}.5]",
                                        first == 0 ? std::string("-0.5") : num(first - 1) + ".5", last));
  // Whole slots: unit tics while they stay readable, else gnuplot's own.
  if (most_missed <= 10) missed.settings.push_back("set ytics 1");
  return {std::move(rewards), std::move(latency), std::move(missed)};
}

// Writing and rendering ---------------------------------------------------------------------

status write_file(const fs::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return make_error(errc::io, path.string() + ": " + std::strerror(errno));
  out.write(content.data(), static_cast<std::streamsize>(content.size()));
  out.close();
  if (!out) return make_error(errc::io, path.string() + ": write failed");
  return {};
}

status make_directory(const fs::path& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return make_error(errc::io, dir.string() + ": cannot create directory: " + ec.message());
  if (!fs::is_directory(dir, ec))
    return make_error(errc::io, dir.string() + ": not a directory");
  return {};
}

/// Runs `gnuplot -d -e "cd '<dir>'" <script>`: default settings (no ~/.gnuplot), the script's
/// relative paths resolved in dir. Empty on success, else why not (with gnuplot's stderr).
std::string run_gnuplot(const std::string& gnuplot, const fs::path& dir, const std::string& script) {
  int err_pipe[2];
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) return std::string("pipe: ") + std::strerror(errno);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  std::string cd = "cd " + gp_string(dir.string());
  std::vector<std::string> args{gnuplot, "-d", "-e", cd, script};
  std::vector<char*> argv;
  for (auto& a : args)
    argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  int rc = ::posix_spawnp(&pid, gnuplot.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(err_pipe[1]);
  if (rc != 0) {
    ::close(err_pipe[0]);
    return fmt::format("cannot run {}: {}", gnuplot, std::strerror(rc));
  }
  std::string errors;
  char buf[4096];
  for (;;) {
    auto n = ::read(err_pipe[0], buf, sizeof buf);
    if (n > 0) {
      if (errors.size() < 4096) errors.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    break;
  }
  ::close(err_pipe[0]);
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0) {
    // ECHILD: the process ignores SIGCHLD, so the exit code is gone; the image checks decide.
    if (errno == ECHILD) return {};
    if (errno != EINTR) return std::string("waitpid: ") + std::strerror(errno);
  }
  while (!errors.empty() && (errors.back() == '\n' || errors.back() == ' '))
    errors.pop_back();
  if (WIFEXITED(wstatus) && WEXITSTATUS(wstatus) == 0) return {};
  std::string how = WIFEXITED(wstatus) ? fmt::format("exit code {}", WEXITSTATUS(wstatus))
                                       : fmt::format("signal {}", WTERMSIG(wstatus));
  return fmt::format("{} {} failed ({}){}{}", gnuplot, script, how, errors.empty() ? "" : ": ", errors);
}

bool non_empty_file(const fs::path& p) {
  std::error_code ec;
  return fs::is_regular_file(p, ec) && fs::file_size(p, ec) > 0 && !ec;
}

constexpr const char* plot_names[] = {"rewards", "latency", "missed"};

} // namespace

// Public functions ---------------------------------------------------------------------------

status validate(const sim_result& r) {
  for (std::size_t i = 0; i < r.vms.size(); ++i)
    if (r.vms[i].category >= r.categories.size())
      return make_error(errc::invalid_argument,
                        fmt::format("vm {} ({}): category {} out of range ({} categories)", i,
                                    r.vms[i].name, r.vms[i].category, r.categories.size()));
  for (std::size_t i = 0; i < r.slots.size(); ++i)
    if (r.slots[i].producer >= r.vms.size())
      return make_error(errc::invalid_argument,
                        fmt::format("slot record {} (round {} slot {}): producer {} out of range ({} VMs)",
                                    i, r.slots[i].round, r.slots[i].slot, r.slots[i].producer,
                                    r.vms.size()));
  std::set<std::uint64_t> rounds;
  for (const auto& info : r.round_info) {
    if (!rounds.insert(info.round).second)
      return make_error(errc::invalid_argument, fmt::format("round {}: two round records", info.round));
    for (auto vm : info.cluster)
      if (vm >= r.vms.size())
        return make_error(errc::invalid_argument,
                          fmt::format("round {}: cluster member {} out of range ({} VMs)", info.round,
                                      vm, r.vms.size()));
  }
  return {};
}

double gini(std::vector<amount> values) {
  const auto n = values.size();
  if (n == 0) return 0.0;
  std::sort(values.begin(), values.end());
  unsigned __int128 sum = 0;
  __int128 weighted = 0;  // sum_i (2i - n - 1) x_i, exact
  for (std::size_t i = 0; i < n; ++i) {
    sum += values[i];
    auto coefficient = 2 * static_cast<__int128>(i + 1) - static_cast<__int128>(n) - 1;
    weighted += coefficient * static_cast<__int128>(values[i]);
  }
  if (sum == 0 || weighted == 0) return 0.0;
  return static_cast<double>(weighted) / (static_cast<double>(n) * static_cast<double>(sum));
}

latency_stats latency_of(std::vector<std::uint64_t> samples) {
  latency_stats out;
  out.count = samples.size();
  if (samples.empty()) return out;
  std::sort(samples.begin(), samples.end());
  const std::uint64_t n = samples.size();
  auto nearest_rank = [&](std::uint64_t p) {
    std::uint64_t rank = (p * n + 99) / 100;  // ceil(p/100 * n)
    return samples[std::max<std::uint64_t>(rank, 1) - 1];
  };
  out.p50 = nearest_rank(50);
  out.p90 = nearest_rank(90);
  out.p99 = nearest_rank(99);
  out.max = samples.back();
  return out;
}

sim_summary summarize(const sim_result& r) {
  sim_summary s;
  s.scenario = r.scenario;
  s.label = r.label;
  s.seed = r.seed;
  s.rounds = r.rounds;
  s.slot_ms = r.slot_ms;
  const auto ncat = r.categories.size();
  s.categories.resize(ncat);
  for (std::size_t c = 0; c < ncat; ++c) {
    s.categories[c].name = r.categories[c].name;
    s.categories[c].compute_weight = r.categories[c].compute_weight;
  }

  const auto vt = tally_vms(r);
  std::vector<amount> member_rewards, all_rewards;
  for (std::size_t i = 0; i < r.vms.size(); ++i) {
    const auto& vm = r.vms[i];
    if (vm.category >= ncat) continue;
    auto& cs = s.categories[vm.category];
    const auto& t = vt.per_vm[i];
    ++cs.vms;
    if (vt.rounds_in_cluster[i] > 0) {
      ++cs.members_seen;
      member_rewards.push_back(t.rewards);
    }
    all_rewards.push_back(t.rewards);
    cs.slots += t.slots;
    cs.blocks += t.blocks;
    cs.txs += t.txs;
    cs.missed += t.missed;
    cs.rewards = add_saturated(cs.rewards, t.rewards);
    cs.power = add_saturated(cs.power, add_saturated(vm.bid, vm.votes));
    cs.compute += cs.compute_weight;
  }

  std::vector<std::vector<std::uint64_t>> category_finality(ncat);
  std::vector<std::uint64_t> all_finality;
  for (const auto& slot : r.slots) {
    auto c = category_of(r, slot);
    if (!c) continue;
    auto& f = category_finality[*c];
    f.insert(f.end(), slot.finality_ms.begin(), slot.finality_ms.end());
    all_finality.insert(all_finality.end(), slot.finality_ms.begin(), slot.finality_ms.end());
  }

  for (const auto& cs : s.categories) {
    s.vms += cs.vms;
    s.members_seen += cs.members_seen;
    s.slots += cs.slots;
    s.blocks += cs.blocks;
    s.txs += cs.txs;
    s.missed += cs.missed;
    s.rewards = add_saturated(s.rewards, cs.rewards);
    s.power = add_saturated(s.power, cs.power);
    s.compute += cs.compute;
  }
  for (std::size_t c = 0; c < ncat; ++c) {
    auto& cs = s.categories[c];
    cs.slot_share = share_of(cs.slots, s.slots);
    cs.block_share = share_of(cs.blocks, s.blocks);
    cs.tx_share = share_of(cs.txs, s.txs);
    cs.reward_share = share_of(cs.rewards, s.rewards);
    cs.stake_share = share_of(cs.power, s.power);
    cs.compute_share = share_of(cs.compute, s.compute);
    cs.finality = latency_of(std::move(category_finality[c]));
  }
  s.finality = latency_of(std::move(all_finality));
  s.gini_members = gini(std::move(member_rewards));
  s.gini_all = gini(std::move(all_rewards));
  for (const auto& info : r.round_info) {
    s.forks += info.forks;
    s.evidence_final += info.evidence;
  }
  s.evidence = r.evidence.size();
  s.evidence_lines = r.evidence;
  s.slashed = r.slashed;
  s.chains = summarize_chains(r, chain_seconds(s));
  return s;
}

std::vector<output_file> output_files(const sim_result& r) {
  const auto summary = summarize(r);
  const auto rows = tally_rounds(r);
  const auto vt = tally_vms(r);
  std::vector<output_file> out{
    {"slots.csv", slots_csv(r)},
    {"rounds.csv", rounds_csv(r, rows)},
    {"round_info.csv", round_info_csv(rows)},
    {"vms.csv", vms_csv(r, vt)},
    {"summary.json", summary_json(summary)},
    {"summary.txt", summary_text(summary)},
  };
  if (!r.chains.empty())
    out.push_back({"chains.csv", chains_csv(r)});
  for (const auto& p : plots_of(r, rows)) {
    out.push_back({"plots/" + p.name + ".dat", plot_data(p)});
    out.push_back({"plots/" + p.name + ".gp", plot_script(p)});
  }
  return out;
}

result<output_report> write_outputs(const sim_result& r, const std::string& out_dir,
                                    const output_options& options) {
  if (out_dir.empty()) return make_error(errc::invalid_argument, "no output directory given");
  if (auto ok = validate(r); !ok) return ok.error();
  const fs::path dir(out_dir);
  const fs::path plots = dir / "plots";
  if (auto ok = make_directory(plots); !ok) return ok.error();

  output_report report;
  for (const auto& f : output_files(r)) {
    if (auto ok = write_file(dir / f.path, f.content); !ok) return ok.error();
    report.files.push_back(f.path);
  }
  if (!options.render_plots) return report;

  // Images of an earlier run must not pass for this run's when rendering fails.
  std::error_code ec;
  for (const char* name : plot_names)
    for (const char* ext : {".png", ".svg"})
      fs::remove(plots / (std::string(name) + ext), ec);

  std::vector<std::string> problems;
  const fs::path abs_plots = fs::absolute(plots, ec);
  for (const char* name : plot_names) {
    auto why = run_gnuplot(options.gnuplot, ec ? plots : abs_plots, std::string(name) + ".gp");
    if (!why.empty()) {
      problems.push_back(why);
      // A missing binary fails the same way for every plot: say it once.
      if (why.rfind("cannot run", 0) == 0) break;
      continue;
    }
    for (const char* ext : {".png", ".svg"}) {
      auto image = std::string("plots/") + name + ext;
      if (non_empty_file(dir / image)) report.files.push_back(image);
      else problems.push_back(image + " was not rendered");
    }
  }
  report.plots_rendered = problems.empty();
  if (!problems.empty())
    report.warning = "plots not rendered, the CSV and summary files are complete: " + join(problems, "; ");
  return report;
}

std::string sweep_csv(const std::vector<std::pair<std::string, sim_summary>>& runs) {
  // Categories by name, in order of first appearance, so runs with different sets line up.
  std::vector<std::string> names;
  for (const auto& [label, s] : runs)
    for (const auto& c : s.categories)
      if (std::find(names.begin(), names.end(), c.name) == names.end()) names.push_back(c.name);

  std::vector<std::string> header{"label", "scenario", "seed", "rounds", "slots", "blocks", "txs",
                                  "missed", "rewards", "finality_p50", "finality_p90", "finality_p99",
                                  "finality_max", "gini_members", "gini_all", "forks", "evidence",
                                  "slashed"};
  const std::vector<std::string> per_category{"members_seen", "slot_share", "block_share",
                                              "tx_share", "reward_share", "stake_share",
                                              "compute_share", "missed"};
  for (const auto& n : names)
    for (const auto& f : per_category)
      header.push_back(n + "_" + f);
  std::string out = csv_row(header);

  for (const auto& [label, s] : runs) {
    std::vector<std::string> row{label, s.scenario, num(s.seed), num(s.rounds), num(s.slots),
                                 num(s.blocks), num(s.txs), num(s.missed), num(s.rewards),
                                 latency_field(s.finality, s.finality.p50),
                                 latency_field(s.finality, s.finality.p90),
                                 latency_field(s.finality, s.finality.p99),
                                 latency_field(s.finality, s.finality.max), fixed6(s.gini_members),
                                 fixed6(s.gini_all), num(s.forks), num(s.evidence),
                                 num(s.slashed.size())};
    for (const auto& n : names) {
      auto c = std::find_if(s.categories.begin(), s.categories.end(),
                            [&](const category_summary& x) { return x.name == n; });
      if (c == s.categories.end()) {
        row.insert(row.end(), per_category.size(), "");
        continue;
      }
      row.insert(row.end(), {num(c->members_seen), fixed6(c->slot_share), fixed6(c->block_share),
                             fixed6(c->tx_share), fixed6(c->reward_share), fixed6(c->stake_share),
                             fixed6(c->compute_share), num(c->missed)});
    }
    out += csv_row(row);
  }
  return out;
}

status write_sweep_summary(const std::vector<std::pair<std::string, sim_summary>>& runs,
                           const std::string& out_dir) {
  if (out_dir.empty()) return make_error(errc::invalid_argument, "no output directory given");
  const fs::path dir(out_dir);
  if (auto ok = make_directory(dir); !ok) return ok;
  return write_file(dir / "sweep.csv", sweep_csv(runs));
}

} // namespace bfd::sim
