// The report of `bfd-bench peg`: an aligned table and one JSON line.
#include "tools/bfd-bench/peg_bench.hpp"
#include "tools/bfd-bench/e2e_internal.hpp"

#include <cmath>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace bfd::bench {

using detail::ratio;
using detail::refused_text;
using detail::round_to;

std::string format_table(const peg_bench_report& rep) {
  const auto& o = rep.options;
  std::string out = fmt::format(
    "bfd-bench peg: {} peg_send (BFDT, mainchain -> {} sidechain{}) from {} accounts{}; {} delegates (cluster of {}), "
    "slot {} ms; {}; offered {}; {}\n",
    o.messages, o.sidechains, o.sidechains == 1 ? "" : "s", o.accounts, o.return_trip ? ", vouchers sent back" : "",
    o.delegates, rep.cluster_size, o.slot_ms,
    o.nodes == 3 ? std::string("bridges in the nodes (each pair's on its two hosts)")
                 : fmt::format("bridge every {} ms", rep.bridge_interval_ms),
    o.rate > 0 ? fmt::format("{:.0f} sends/s", o.rate) : std::string("all at once"),
    o.nodes == 3 ? std::string("3 bfd-node processes on 127.0.0.1 (RocksDB, fsync), sends over HTTP")
                 : fmt::format("store {}{}; {} actor thread{}; 1 node", o.store,
                               o.store == "rocksdb" ? " (" + o.durability + ")" : "", o.threads,
                               o.threads == 1 ? "" : "s"));
  out += fmt::format("raw Schnorr verify on {} thread{}: {:.0f}/s; pre-signing took {:.2f} s, setup {:.1f} s (not counted)\n\n",
                     o.threads, o.threads == 1 ? "" : "s", rep.raw_verify_per_second, rep.sign_seconds,
                     rep.setup_seconds);
  auto line = [&](const std::string& label, const std::string& value) { out += fmt::format("{:<34}{}\n", label, value); };
  line("accepted / submitted", fmt::format("{}/{}", rep.accepted, rep.submitted));
  line("delivered (final ack) / expected", fmt::format("{}/{}{}", rep.delivered, rep.expected, rep.complete ? "" : "!"));
  line("failed (refunded)", fmt::format("{}", rep.failed));
  line("messages/s to final ack", fmt::format("{:.1f}", rep.messages_per_second));
  line("  / raw verify", fmt::format("{:.5f}", ratio(rep.messages_per_second, rep.raw_verify_per_second)));
  line("first submission to last ack s", fmt::format("{:.1f}", rep.seconds));
  auto stage_line = [&](const std::string& label, const stage_figures& f) {
    line(label, fmt::format("p50 {:.2f} / p99 {:.2f} slots  (ms p50 {:.0f}, p90 {:.0f}, p99 {:.0f}, max {:.0f}; n={})",
                            f.p50_slots, f.p99_slots, f.ms.p50_ms, f.ms.p90_ms, f.ms.p99_ms, f.ms.max_ms, f.count));
  };
  stage_line("send final (mainchain)", rep.send_final);
  stage_line("receive final (sidechain)", rep.receive_final);
  stage_line("ack final (mainchain)", rep.ack_final);
  if (o.return_trip) {
    line("returns accepted / submitted", fmt::format("{}/{}", rep.return_accepted, rep.return_submitted));
    line("returns delivered", fmt::format("{}", rep.return_delivered));
    stage_line("return ack final (sidechain)", rep.return_ack_final);
    line("round trips/s", fmt::format("{:.1f}", rep.round_trips_per_second));
    line("returns refused", refused_text(rep.return_refused));
  }
  if (o.nodes == 3) {
    line("bridge actor restarts (/metrics)", fmt::format("{}", rep.bridge_restarts));
  } else {
    line("bridge passes / mean / max ms",
         fmt::format("{} / {:.1f} / {:.1f}", rep.bridge_passes, rep.bridge_pass_ms_mean, rep.bridge_pass_ms_max));
    line("bridge entries carried", fmt::format("{} ({} light-client updates, {} problem lines)", rep.bridge_carried,
                                               rep.client_updates, rep.bridge_problems));
    for (const auto& [what, count] : rep.bridge_problem_lines)
      line("  bridge problem", fmt::format("{} x {}", count, what));
  }
  line("final blocks main / sidechains", fmt::format("{} / {}", rep.mainchain_blocks, rep.sidechain_blocks));
  line("most peg txs in one block", fmt::format("{}", rep.max_block_peg_txs));
  if (o.nodes == 3) {
    std::string per_node;
    for (double mb : rep.node_peak_rss_mb)
      per_node += fmt::format("{}{:.0f}", per_node.empty() ? "" : " + ", mb);
    line("peak RSS MiB", fmt::format("{:.0f} (nodes {})", rep.peak_rss_mb, per_node));
    line("CPU cores busy (3 nodes)", fmt::format("{:.2f}", rep.cpu_cores));
  } else {
    line("peak RSS MiB", fmt::format("{:.0f}", rep.peak_rss_mb));
    line("CPU cores busy (process)", fmt::format("{:.2f}", rep.cpu_cores));
  }
  line("refused", refused_text(rep.refused));
  for (const auto& p : rep.pairs)
    line(fmt::format("conservation 1-{}", p.sidechain),
         o.nodes == 3
           ? fmt::format("{}: bfd_peg_conservation_ok 1 on both hosts; delivered value {}{}", p.ok() ? "ok" : "MISMATCH",
                         p.expected, p.problem.empty() ? "" : " (" + p.problem + ")")
           : fmt::format("{}: escrowed {}, vouchers {}, expected {}{}", p.ok() ? "ok" : "MISMATCH", p.escrowed,
                         p.vouchers, p.expected, p.problem.empty() ? "" : " (" + p.problem + ")"));
  return out;
}

std::string format_json_line(const peg_bench_report& rep) {
  const auto& o = rep.options;
  auto round1 = [](double v) { return round_to(v, 1); };
  auto round3 = [](double v) { return round_to(v, 3); };
  auto stage_json = [&](const stage_figures& f) {
    return nlohmann::ordered_json{{"n", f.count},
                                  {"p50_slots", round3(f.p50_slots)},
                                  {"p99_slots", round3(f.p99_slots)},
                                  {"ms", {{"p50", round1(f.ms.p50_ms)},
                                          {"p90", round1(f.ms.p90_ms)},
                                          {"p99", round1(f.ms.p99_ms)},
                                          {"max", round1(f.ms.max_ms)}}}};
  };
  auto refused_json = [](const std::map<std::string, std::size_t>& r) {
    auto j = nlohmann::ordered_json::object();
    for (const auto& [reason, count] : r)
      j[reason] = count;
    return j;
  };
  nlohmann::ordered_json j;
  j["bench"] = "peg";
  j["nodes"] = o.nodes;
  j["messages"] = o.messages;
  j["accounts"] = o.accounts;
  j["sidechains"] = o.sidechains;
  j["return"] = o.return_trip;
  j["delegates"] = o.delegates;
  j["cluster"] = rep.cluster_size;
  j["slot_ms"] = o.slot_ms;
  j["bridge_ms"] = rep.bridge_interval_ms;
  j["offered_rate"] = o.rate;
  j["block_txs"] = o.block_txs;
  j["store"] = o.store;
  j["durability"] = o.store == "rocksdb" ? o.durability : "none";
  j["threads"] = o.threads;
  j["raw_verify_per_s"] = std::llround(rep.raw_verify_per_second);
  j["submitted"] = rep.submitted;
  j["accepted"] = rep.accepted;
  j["refused"] = refused_json(rep.refused);
  j["expected"] = rep.expected;
  j["delivered"] = rep.delivered;
  j["failed"] = rep.failed;
  j["complete"] = rep.complete;
  j["seconds"] = round1(rep.seconds);
  j["messages_per_s"] = round1(rep.messages_per_second);
  j["over_raw_verify"] = std::round(ratio(rep.messages_per_second, rep.raw_verify_per_second) * 1e6) / 1e6;
  j["send_final"] = stage_json(rep.send_final);
  j["receive_final"] = stage_json(rep.receive_final);
  j["ack_final"] = stage_json(rep.ack_final);
  if (o.return_trip) {
    j["return_submitted"] = rep.return_submitted;
    j["return_accepted"] = rep.return_accepted;
    j["return_refused"] = refused_json(rep.return_refused);
    j["return_delivered"] = rep.return_delivered;
    j["return_ack_final"] = stage_json(rep.return_ack_final);
    j["round_trips_per_s"] = round1(rep.round_trips_per_second);
  }
  if (o.nodes == 3)
    j["bridge"] = {{"restarts", rep.bridge_restarts}};
  else
    j["bridge"] = {{"passes", rep.bridge_passes},
                   {"pass_ms_mean", round1(rep.bridge_pass_ms_mean)},
                   {"pass_ms_max", round1(rep.bridge_pass_ms_max)},
                   {"carried", rep.bridge_carried},
                   {"client_updates", rep.client_updates},
                   {"problems", rep.bridge_problems}};
  j["mainchain_blocks"] = rep.mainchain_blocks;
  j["sidechain_blocks"] = rep.sidechain_blocks;
  j["max_block_peg_txs"] = rep.max_block_peg_txs;
  j["peak_rss_mb"] = round1(rep.peak_rss_mb);
  if (o.nodes == 3) {
    j["node_peak_rss_mb"] = nlohmann::ordered_json::array();
    for (double mb : rep.node_peak_rss_mb)
      j["node_peak_rss_mb"].push_back(round1(mb));
  }
  j["cpu_cores"] = round3(rep.cpu_cores);
  j["setup_s"] = round1(rep.setup_seconds);
  j["conserved"] = rep.conserved();
  j["pairs"] = nlohmann::ordered_json::array();
  for (const auto& p : rep.pairs)
    j["pairs"].push_back({{"sidechain", p.sidechain},
                          {"conservation_ok", p.conservation_ok},
                          {"escrowed", p.escrowed},
                          {"vouchers", p.vouchers},
                          {"expected", p.expected},
                          {"ok", p.ok()}});
  return j.dump();
}

} // namespace bfd::bench
