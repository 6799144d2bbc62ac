// bfd-sim's output side: what a simulation run records, its summary figures, and the files made of them.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "chains/consensus/params.hpp"
#include "chains/core/amount.hpp"
#include "chains/core/bytes.hpp"
#include "chains/core/error.hpp"

namespace bfd::sim {

// What the simulation runner records --------------------------------------------------------
// Plain data filled by the runner; docs/sim-output.md says how each field reaches the files.

/// One VM of the delegate pool, as it was at the start of the run.
struct vm_record {
  std::string name;            ///< "gold/3": category name, slash, number within the category
  public_key key;              ///< the VM's key
  std::uint32_t category = 0;  ///< index into sim_result::categories
  amount bid = 0;              ///< the VM's bid, base units
  amount votes = 0;            ///< stake voted to it, base units; power = bid + votes
};

/// One slot of the schedule and what its producer achieved in it.
struct slot_record {
  std::uint64_t round = 0;
  std::uint64_t slot = 0;         ///< index of the slot within its round
  std::uint64_t global_slot = 0;  ///< slot number since genesis
  std::uint32_t producer = 0;     ///< index into sim_result::vms
  std::uint32_t blocks = 0;       ///< final blocks the producer made in the slot
  std::uint32_t txs = 0;          ///< transactions in those final blocks
  bool missed = false;            ///< no final block in the slot
  amount reward = 0;              ///< producer VM's earnings for the slot (block rewards + fees, voter shares included)
  std::vector<std::uint64_t> finality_ms;  ///< per final block: virtual ms from its timestamp to finality
};

/// One round: the cluster that ran it and what the chain looked like at its end.
struct round_record {
  std::uint64_t round = 0;
  std::uint64_t epoch = 0;
  std::uint32_t cluster_size = 0;
  std::uint64_t final_height_at_end = 0;
  std::uint64_t forks = 0;            ///< side blocks seen during the round
  std::uint64_t evidence = 0;         ///< evidence transactions final in the round
  std::vector<std::string> events;    ///< what the timeline did at the round's start, human text
  std::vector<std::uint32_t> cluster; ///< indices into sim_result::vms of the round's cluster; may be
                                      ///< left empty, the round's slot producers count as members anyway
};

/// What a sidechain did during one mainchain round (the run's clock), as node 0 saw it.
struct chain_round_record {
  std::uint64_t round = 0;
  std::uint64_t slots = 0;         ///< slots with a scheduled producer on the sidechain
  std::uint64_t blocks_made = 0;   ///< blocks its producers made (final or not)
  std::uint64_t missed = 0;        ///< scheduled slots in which no block was made
  std::uint64_t head_height = 0;   ///< at the round's end
  std::uint64_t final_height = 0;  ///< at the round's end
  std::uint64_t final_blocks = 0;  ///< blocks that became final during the round
  std::uint64_t final_txs = 0;     ///< transactions in those blocks
};

/// One sidechain of the run (a [[sidechain]] of the scenario).
struct chain_record {
  std::uint64_t id = 0;
  std::string kind;
  std::string name;
  std::string token;
  std::vector<std::uint32_t> validators;       ///< indices into sim_result::vms
  std::vector<chain_round_record> rounds;      ///< one per round, in order
  std::vector<std::uint64_t> finality_ms;      ///< per final block: virtual ms from its timestamp to finality
  std::uint64_t txs_submitted = 0;             ///< load transactions sent to its mempool
};

/// Everything one simulation run recorded.
struct sim_result {
  std::string scenario;   ///< scenario name
  std::string label;      ///< run label (a sweep point), may be empty
  std::uint64_t seed = 0;
  std::uint64_t rounds = 0;   ///< rounds the run was asked for
  std::uint64_t slot_ms = 0;  ///< slot length, virtual ms
  std::vector<category_params> categories;
  std::vector<vm_record> vms;
  std::vector<slot_record> slots;         ///< in time order
  std::vector<round_record> round_info;   ///< at most one record per round number
  std::vector<std::string> evidence;      ///< one line each: round, offender, kind
  std::vector<std::string> slashed;       ///< names of slashed VMs
  std::vector<chain_record> chains;       ///< the sidechains; empty for a one-chain scenario
};

/// Checks the indexes (VM categories, slot producers, cluster members) and that no round number
/// has two records; errc::invalid_argument naming the first offender. write_outputs calls it.
status validate(const sim_result& result);

// Summary figures ---------------------------------------------------------------------------

/// Nearest-rank percentiles of finality latencies, ms; all 0 when count is 0.
struct latency_stats {
  std::uint64_t count = 0;  ///< final blocks measured
  std::uint64_t p50 = 0;
  std::uint64_t p90 = 0;
  std::uint64_t p99 = 0;
  std::uint64_t max = 0;
};

/// One category's totals and shares. A share is this category's part of the all-category total,
/// in [0, 1]; 0 when the total is 0.
struct category_summary {
  std::string name;
  std::uint32_t compute_weight = 0;
  std::uint64_t vms = 0;           ///< VMs of the category at start
  std::uint64_t members_seen = 0;  ///< of those, VMs in a cluster at least once
  std::uint64_t slots = 0;         ///< slots its VMs were scheduled for
  std::uint64_t blocks = 0;        ///< final blocks its VMs produced
  std::uint64_t txs = 0;           ///< transactions in those blocks
  std::uint64_t missed = 0;        ///< its slots without a final block
  amount rewards = 0;              ///< its VMs' earnings, base units
  amount power = 0;                ///< sum of bid + votes of its VMs at start, base units
  std::uint64_t compute = 0;       ///< vms * compute_weight
  double slot_share = 0;
  double block_share = 0;
  double tx_share = 0;
  double reward_share = 0;
  double stake_share = 0;    ///< power / total power
  double compute_share = 0;  ///< compute / total compute
  latency_stats finality;    ///< over the final blocks of its VMs
};

/// One sidechain's figures (docs/sim-output.md).
struct chain_summary {
  std::uint64_t id = 0;
  std::string kind;
  std::string name;
  std::string token;
  std::uint64_t validators = 0;
  std::uint64_t slots = 0;
  std::uint64_t blocks_made = 0;
  std::uint64_t missed = 0;
  std::uint64_t head_height = 0;   ///< at the end
  std::uint64_t final_height = 0;  ///< at the end
  std::uint64_t final_txs = 0;
  std::uint64_t txs_submitted = 0;
  double tx_per_second = 0;        ///< final_txs over the run's virtual time (rounds × round length)
  latency_stats finality;          ///< over its final blocks
};

/// The sidechains' figures (empty for a one-chain run); `seconds` is the run's virtual length.
std::vector<chain_summary> summarize_chains(const sim_result& result, double seconds);

/// chains.csv: one row per sidechain and round (docs/sim-output.md).
std::string chains_csv(const sim_result& result);

/// The figures of one run (docs/sim-output.md defines each).
struct sim_summary {
  std::string scenario;
  std::string label;
  std::uint64_t seed = 0;
  std::uint64_t rounds = 0;
  std::uint64_t slot_ms = 0;
  std::vector<category_summary> categories;  ///< in sim_result::categories order
  std::uint64_t vms = 0;
  std::uint64_t members_seen = 0;  ///< VMs in a cluster at least once
  std::uint64_t slots = 0;
  std::uint64_t blocks = 0;
  std::uint64_t txs = 0;
  std::uint64_t missed = 0;
  amount rewards = 0;
  amount power = 0;
  std::uint64_t compute = 0;
  double gini_members = 0;  ///< Gini of rewards over the VMs in a cluster at least once
  double gini_all = 0;      ///< Gini of rewards over all VMs
  latency_stats finality;   ///< over all final blocks
  std::uint64_t forks = 0;           ///< sum of round_record::forks
  std::uint64_t evidence = 0;        ///< lines in sim_result::evidence
  std::uint64_t evidence_final = 0;  ///< sum of round_record::evidence
  std::vector<std::string> evidence_lines;
  std::vector<std::string> slashed;
  std::vector<chain_summary> chains;  ///< the sidechains; empty for a one-chain run
};

/// Gini coefficient: sorted ascending, G = sum_i (2i - n - 1) x_i / (n * sum x) for i = 1..n;
/// 0 for no values, a zero sum or all values equal; (n-1)/n when one value holds everything.
double gini(std::vector<amount> values);

/// Nearest-rank percentiles (rank = ceil(p/100 * n), 1-based, of the sorted samples) and max.
latency_stats latency_of(std::vector<std::uint64_t> samples);

/// The run's summary figures. Records with out-of-range indexes (see validate) are skipped.
sim_summary summarize(const sim_result& result);

// Output files ------------------------------------------------------------------------------

/// One output file: its path relative to the output directory and its bytes.
struct output_file {
  std::string path;  ///< "slots.csv", "plots/rewards.gp"
  std::string content;
};

/// Every file write_outputs writes except the rendered images, in write order. Pure and
/// byte-deterministic: the same result gives the same bytes.
std::vector<output_file> output_files(const sim_result& result);

/// How write_outputs renders plots.
struct output_options {
  bool render_plots = true;         ///< run gnuplot on plots/*.gp
  std::string gnuplot = "gnuplot";  ///< the gnuplot binary: a path, or a name looked up on PATH
};

/// What write_outputs did.
struct output_report {
  std::vector<std::string> files;  ///< written, relative to the output directory, in write order
  bool plots_rendered = false;     ///< every PNG and SVG was rendered
  std::string warning;             ///< why plots were not (all) rendered; empty otherwise or when
                                   ///< render_plots is off. The caller prints it.
};

/// Creates out_dir (and out_dir/plots), writes output_files() there and renders the plots with
/// gnuplot. A missing or failing gnuplot is a warning in the report, not an error; errc::io when
/// a directory or file cannot be written, errc::invalid_argument when validate fails or out_dir
/// is empty.
result<output_report> write_outputs(const sim_result& result, const std::string& out_dir,
                                    const output_options& options = {});

/// sweep.csv's text: one row per label with the headline figures, per category as well.
std::string sweep_csv(const std::vector<std::pair<std::string, sim_summary>>& runs);

/// Creates out_dir and writes sweep.csv there; errc::io when it cannot (invalid_argument: empty).
status write_sweep_summary(const std::vector<std::pair<std::string, sim_summary>>& runs,
                           const std::string& out_dir);

} // namespace bfd::sim
