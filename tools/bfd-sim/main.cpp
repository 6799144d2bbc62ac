// bfd-sim: runs a scenario file (or each point of its sweep) on the real delegate, mempool and
// chain actors in virtual time and writes CSV, a summary and plots to an output directory.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <map>
#include <optional>
#include <string>

#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include "config/sim_scenario.hpp"
#include "runtime/sim/sim_explore.hpp"
#include "runtime/sim/sim_report.hpp"
#include "runtime/sim/sim_runner.hpp"

namespace {

double peak_rss_mib() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_maxrss) / 1024.0;  // kilobytes on Linux
}

std::string eta_text(double seconds) {
  if (seconds < 0 || seconds > 1e7)
    return "?";
  const auto s = static_cast<long>(seconds + 0.5);
  return s >= 3600 ? fmt::format("{}h{:02}m", s / 3600, s / 60 % 60) : fmt::format("{}m{:02}s", s / 60, s % 60);
}

std::string faults_text(const std::map<std::string, std::uint64_t>& faults) {
  std::string out;
  for (const auto& [kind, n] : faults)
    out += fmt::format("{}{} {}", out.empty() ? "" : ", ", kind, n);
  return out.empty() ? "none" : out;
}

/// bfd-sim explore: random seeded scenarios, each checked (runtime/sim/sim_explore.hpp).
int explore_main(int argc, char** argv) {
  CLI::App app{"bfd-sim explore: runs random seeded scenarios (partitions, crashes, pauses, slow VMs, message\n"
               "delay and loss, equivocating delegates under 1/3 of the power) and checks safety and liveness\n"
               "after each. Exit status 1 if any seed violated a check."};
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return fmt::format("bfd-sim explore: {} (see --help)\n", e.what());
  });
  std::uint64_t seeds = 10;
  std::uint64_t start = 1;
  bfd::sim::explore_options eo;
  std::string out;
  bool no_loss = false;
  bool quiet = false;
  app.add_option("--seeds", seeds, "How many seeds to run")->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100'000'000}));
  app.add_option("--start", start, "The first seed (default 1)");
  app.add_option("--rounds", eo.rounds, fmt::format("Rounds per scenario (default 30, at least {})",
                                                    bfd::sim::explore_min_rounds))
    ->check(CLI::Range(bfd::sim::explore_min_rounds, std::uint64_t{10'000}));
  app.add_option("--out", out, "Write each failing seed's scenario file (seed-N.toml) and explore.csv here");
  app.add_flag("--no-loss", no_loss, "Generate no message-loss faults");
  bool no_vote_loss = false;
  app.add_flag("--no-vote-loss", no_vote_loss, "Message loss spares relayed votes (drops blocks, transactions, sync)");
  app.add_flag("-q,--quiet", quiet, "Only failing seeds and the summary");
  bool print = false;
  app.add_flag("--print", print, "Print each seed's scenario file to stdout instead of running it "
                                 "(then: bfd-sim FILE --log for the nodes' logs)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  eo.loss = !no_loss;
  eo.vote_loss = !no_vote_loss;
  if (print) {
    for (std::uint64_t i = 0; i < seeds; ++i)
      fmt::print("{}", bfd::sim::generate_explore_scenario(start + i, eo).toml);
    return 0;
  }
  const auto t0 = std::chrono::steady_clock::now();
  std::FILE* csv = nullptr;
  if (!out.empty()) {
    std::filesystem::create_directories(out);
    csv = std::fopen((std::filesystem::path(out) / "explore.csv").c_str(), "w");
    if (csv)
      fmt::print(csv, "seed,vms,nodes,faults,resume_from,resume_rounds,final_blocks,certificates,max_unfinal,"
                      "messages_lost,slashed,violations,seconds\n");
  }
  std::map<std::string, std::uint64_t> faults;
  std::uint64_t failed = 0, violations = 0, never_resumed = 0;
  std::optional<std::uint64_t> worst_resume;
  std::uint64_t worst_seed = 0;
  std::map<std::string, std::uint64_t> violation_kinds;
  for (std::uint64_t i = 0; i < seeds; ++i) {
    const auto seed = start + i;
    auto r = bfd::sim::explore_one(seed, eo, peak_rss_mib);
    for (const auto& [k, n] : r.scenario.faults)
      faults[k] += n;
    if (r.resume_rounds && (!worst_resume || *r.resume_rounds > *worst_resume)) {
      worst_resume = r.resume_rounds;
      worst_seed = seed;
    }
    if (!r.resume_rounds)
      ++never_resumed;
    const std::string resume = r.resume_rounds ? std::to_string(*r.resume_rounds) : "never";
    if (!quiet || !r.violations.empty())
      fmt::print(stderr, "[{}/{}] seed {}: {} VMs on {} nodes, faults: {}; resumed after {} round(s) from round {}; "
                         "{} final blocks, {} certificates checked, slashed: {}, {:.1f} s{}\n",
                 i + 1, seeds, seed, r.scenario.vms, r.nodes, faults_text(r.scenario.faults), resume,
                 r.scenario.resume_from, r.final_blocks, r.certificates_checked,
                 r.slashed.empty() ? std::string("none") : fmt::format("{}", fmt::join(r.slashed, " ")), r.seconds,
                 r.violations.empty() ? " ok" : "");
    if (!r.violations.empty()) {
      ++failed;
      violations += r.violations.size();
      for (const auto& v : r.violations) {
        fmt::print(stderr, "  VIOLATION: {}\n", v);
        // A kind: the sentence up to its first digit or colon.
        auto k = v.substr(0, std::min(v.find_first_of("0123456789:#"), v.size()));
        ++violation_kinds[k];
      }
      fmt::print(stderr, "  replay: {}\n", bfd::sim::explore_replay_command(seed, eo));
      if (!out.empty()) {
        const auto file = std::filesystem::path(out) / fmt::format("seed-{}.toml", seed);
        if (std::FILE* f = std::fopen(file.c_str(), "w")) {
          fmt::print(f, "{}", r.scenario.toml);
          std::fclose(f);
          fmt::print(stderr, "  scenario: {} (bfd-sim {} --log shows the nodes' logs)\n", file.string(), file.string());
        }
      }
    }
    if (csv) {
      std::string fs;
      for (const auto& [k, n] : r.scenario.faults)
        fs += fmt::format("{}{}={}", fs.empty() ? "" : " ", k, n);
      std::string slashed;
      for (const auto& s : r.slashed)
        slashed += (slashed.empty() ? "" : " ") + s;
      fmt::print(csv, "{},{},{},{},{},{},{},{},{},{},{},{},{:.2f}\n", seed, r.scenario.vms, r.nodes, fs,
                 r.scenario.resume_from, resume, r.final_blocks, r.certificates_checked, r.max_unfinal,
                 r.messages_lost, slashed, r.violations.size(), r.seconds);
      std::fflush(csv);
    }
  }
  if (csv)
    std::fclose(csv);
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  fmt::print("explore: {} seeds ({} to {}), {} rounds each{}\n", seeds, start, start + seeds - 1, eo.rounds,
             !eo.loss ? ", no loss" : !eo.vote_loss ? ", loss sparing votes" : "");
  fmt::print("  faults injected: {}\n", faults_text(faults));
  fmt::print("  seeds with violations: {} ({} violations)\n", failed, violations);
  for (const auto& [k, n] : violation_kinds)
    fmt::print("    {} x {}\n", n, k);
  fmt::print("  worst rounds to resume after the last heal: {}{} (bound {}); never resumed: {} seed(s)\n",
             worst_resume ? std::to_string(*worst_resume) : "-",
             worst_resume ? fmt::format(" (seed {})", worst_seed) : "", bfd::sim::explore_resume_bound, never_resumed);
  fmt::print("  wall time {:.1f} s, peak memory {:.0f} MiB\n", wall, peak_rss_mib());
  return failed ? 1 : 0;
}

} // namespace

int main(int argc, char** argv) {
  // A peer that closes a socket mid-write (a 413 before the whole body was sent) is an error to
  // handle, not a reason to die: write errors come back as EPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  if (argc > 1 && std::string(argv[1]) == "explore")
    return explore_main(argc - 1, argv + 1);
  CLI::App app{"bfd-sim: runs a delegate-pool scenario (TOML) on the real chain actors in virtual time\n"
               "and writes per-slot/round/VM CSV, summary.json/.txt and gnuplot plots to --out.\n"
               "bfd-sim explore --help: random seeded scenarios checked for safety and liveness."};
  app.failure_message([](const CLI::App*, const CLI::Error& e) {
    return fmt::format("bfd-sim: {} (see --help)\n", e.what());
  });
  std::string file;
  std::string out;
  bool no_plots = false;
  bool quiet = false;
  bool log = false;
  app.add_option("scenario", file, "Scenario file (see docs/sim-scenarios.md), e.g. config/sim/paper.toml")
    ->required();
  app.add_option("--out", out, "Output directory (default: sim-out/<scenario name>); a sweep writes one "
                               "subdirectory per point and sweep.csv");
  app.add_flag("--no-plots", no_plots, "Write the CSV and summary only, do not run gnuplot");
  app.add_flag("--log", log, "Write the nodes' log (blocks, finality, faults) to node.log in the output directory");
  app.add_flag("-q,--quiet", quiet, "No progress line");
  bool trace_votes = false;
  app.add_flag("--trace-votes", trace_votes, "Write votes.csv: every relayed vote between nodes, with its fate");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    auto scenarios = bfd::config::load_sim_scenarios(file);
    if (!scenarios) {
      fmt::print(stderr, "bfd-sim: {}\n", scenarios.error().message());
      return 2;
    }
    if (out.empty())
      out = "sim-out/" + scenarios->front().name;
    const bool tty = ::isatty(2) && !quiet;
    std::vector<std::pair<std::string, bfd::sim::sim_summary>> sweep;
    int point = 0;
    for (const auto& sc : *scenarios) {
      ++point;
      const std::string dir = sc.label.empty() ? out : (std::filesystem::path(out) / sc.label).string();
      std::filesystem::create_directories(dir);
      const std::string what = scenarios->size() > 1 ? fmt::format("[{}/{}] {}", point, scenarios->size(), sc.label)
                                                     : sc.name;
      const auto started = std::chrono::steady_clock::now();
      bfd::sim::run_options ro;
      if (log)
        ro.log_file = (std::filesystem::path(dir) / "node.log").string();
      if (trace_votes)
        ro.vote_trace_file = (std::filesystem::path(dir) / "votes.csv").string();
      std::uint64_t last_printed = UINT64_MAX;
      if (!quiet)
        ro.progress = [&](std::uint64_t done, std::uint64_t total) {
          const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
          const double eta = done ? el / done * (total - done) : -1;
          if (tty) {
            fmt::print(stderr, "\r{}: round {}/{} ({:.1f} rounds/s, ETA {})   ", what, done, total,
                       el > 0 ? done / el : 0.0, eta_text(eta));
          } else if (done == total || (total >= 10 && done % (total / 10) == 0 && done != last_printed)) {
            fmt::print(stderr, "{}: round {}/{} ({:.1f} rounds/s, ETA {})\n", what, done, total,
                       el > 0 ? done / el : 0.0, eta_text(eta));
            last_printed = done;
          }
        };
      bfd::sim::run_stats stats;
      auto result = bfd::sim::run_scenario(sc, ro, &stats);
      if (tty)
        fmt::print(stderr, "\n");
      if (!result) {
        fmt::print(stderr, "bfd-sim: {}: {}\n", what, result.error().message());
        return 1;
      }
      bfd::sim::output_options oo;
      oo.render_plots = !no_plots;
      auto written = bfd::sim::write_outputs(*result, dir, oo);
      if (!written) {
        fmt::print(stderr, "bfd-sim: {}: {}\n", dir, written.error().message());
        return 1;
      }
      if (!written->warning.empty())
        fmt::print(stderr, "bfd-sim: warning: {}\n", written->warning);
      auto summary = bfd::sim::summarize(*result);
      sweep.emplace_back(sc.label, summary);
      const double rps = stats.run_seconds > 0 ? static_cast<double>(sc.rounds) / stats.run_seconds : 0;
      if (!quiet) {
        fmt::print("{}: {} rounds, {} VMs, {} final blocks, {} missed slots, finality p50 {} ms p99 {} ms -> {}\n",
                   what, sc.rounds, result->vms.size(), summary.blocks, summary.missed, summary.finality.p50,
                   summary.finality.p99, dir);
        fmt::print("  speed: set-up {:.2f} s, run {:.2f} s ({:.2f} simulated rounds/s), replay {:.2f} s, "
                   "{} node(s), peak memory {:.0f} MiB\n",
                   stats.setup_seconds, stats.run_seconds, rps, stats.replay_seconds, stats.nodes, peak_rss_mib());
      }
      fmt::print(stderr, "{{\"bench\":\"sim\",\"scenario\":\"{}\",\"label\":\"{}\",\"vms\":{},\"rounds\":{},"
                         "\"setup_s\":{:.3f},\"run_s\":{:.3f},\"rounds_per_s\":{:.3f},\"final_blocks\":{},"
                         "\"peak_rss_mib\":{:.1f}}}\n",
                 sc.name, sc.label, result->vms.size(), sc.rounds, stats.setup_seconds, stats.run_seconds, rps,
                 stats.final_blocks, peak_rss_mib());
    }
    if (scenarios->size() > 1) {
      if (auto st = bfd::sim::write_sweep_summary(sweep, out); !st) {
        fmt::print(stderr, "bfd-sim: {}\n", st.error().message());
        return 1;
      }
      if (!quiet)
        fmt::print("sweep of {} points: {}/sweep.csv\n", scenarios->size(), out);
    }
  } catch (const std::exception& e) {
    fmt::print(stderr, "bfd-sim: {}\n", e.what());
    return 1;
  }
  return 0;
}
