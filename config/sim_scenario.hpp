// Scenario files of bfd-sim (scripted delegate-pool simulations): plain structs, a TOML loader
// whose errors name file:line:column, sweep expansion and the seeded drawing of every VM.
// The file format is documented in docs/sim-scenarios.md; examples are in config/sim/.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chains/consensus/params.hpp"
#include "chains/core/amount.hpp"
#include "chains/core/error.hpp"
#include "config/topology.hpp"  // file_position

namespace bfd::config {

// Bounds ------------------------------------------------------------------------------------------

/// Most VMs of one scenario: genesis pools plus every join.
inline constexpr std::uint64_t sim_max_vms = 1'000'000;
/// Most scenarios one [sweep] expands to.
inline constexpr std::size_t sim_max_sweep_points = 10'000;
/// Most [[event]] entries of one file.
inline constexpr std::size_t sim_max_events = 100'000;
/// Most events of all expanded scenarios together (sweep points × events), bounding memory.
inline constexpr std::size_t sim_max_expanded_events = 1'000'000;
/// Most rounds one scenario runs.
inline constexpr std::uint64_t sim_max_rounds = 10'000'000;
/// Bids, votes and account balances of a scenario, at their largest, must stay below this many
/// base units (half the 64-bit range, leaving the other half for rewards and fees).
inline constexpr amount sim_max_supply = amount{1} << 63;

// Amount distributions ----------------------------------------------------------------------------

/// How the amounts (bids or votes) of a group of VMs are drawn.
enum class sim_distribution_kind : std::uint8_t {
  fixed,      ///< every VM gets `value`
  uniform,    ///< uniform over the whole base units [min, max]
  pareto,     ///< min · U^(−1/alpha), capped at max: a heavy tail of few rich VMs
  lognormal,  ///< median · e^(sigma·Z), Z standard normal, between 1 unit and max
};

/// An amount, fixed or drawn per VM. Only the fields of `kind` are meaningful; the others are 0.
struct sim_distribution {
  sim_distribution_kind kind = sim_distribution_kind::fixed;
  amount value = 0;   ///< fixed: the amount
  amount min = 0;     ///< uniform: the lowest amount; pareto: the scale, which is also the lowest draw
  amount max = 0;     ///< uniform: the highest amount; pareto, lognormal: the cap (larger draws become max)
  amount median = 0;  ///< lognormal: the median, at least 1 unit
  double alpha = 0;   ///< pareto: the shape, 0.01 … 100 (smaller = heavier tail)
  double sigma = 0;   ///< lognormal: the standard deviation of the logarithm, 0 … 10

  /// The amount that the uniformly random 64-bit value `random` draws (inverse CDF; integer
  /// arithmetic for fixed and uniform, and for pareto and lognormal IEEE-754 double arithmetic
  /// with this library's own exp/log, so a seed draws the same amounts on every platform).
  /// Fixed gives `value` (even 0); every other kind gives at least 1 unit. Scenario-level
  /// clamps (min_bid for bids) are applied by materialize_vms, not here.
  amount sample(std::uint64_t random) const;

  /// The largest amount sample() can return (used for the supply bound).
  amount largest() const;

  /// Directory-safe text for sweep labels: "100" (fixed, in BFDT as format_amount writes it),
  /// "uniform_10_100", "pareto_1.5_10_10000000", "lognormal_100_0.5_100000000" (kind, then the
  /// parameters in the order of the file format, max last).
  std::string label() const;

  friend bool operator==(const sim_distribution&, const sim_distribution&) = default;
};

/// The `index`-th uniformly random 64-bit value of stream `stream` of a scenario seeded with
/// `seed` (splitmix64 finalizers; counter-based, so any value is computed without the others).
/// materialize_vms uses stream 4·p for the bids of pool p and 4·p+1 for its votes, and
/// 2^40 + 4·e and 2^40 + 4·e + 1 for a join event with file_index e; a runner that needs its
/// own seeded choices should use streams from 2^48 up.
std::uint64_t sim_random(std::uint64_t seed, std::uint64_t stream, std::uint64_t index);

// Target selectors --------------------------------------------------------------------------------

/// What a target selector names.
enum class sim_selector_kind : std::uint8_t {
  vm,                ///< "gold/3": one VM, by category and index within the category
  category,          ///< "gold/*": every VM of the category that exists at the event
  cluster_fraction,  ///< "cluster:fraction=0.34": ⌊K · fraction⌋ members of the active cluster of K (maybe 0)
  cluster_count,     ///< "cluster:count=5": that many members of the active cluster (all if it has fewer)
  cluster_category,  ///< "cluster:category=bronze": the active cluster's members of that category
};

/// A parsed target selector. The loader checks the syntax, that categories exist and that a
/// "category/index" VM exists at the event's round; the runner resolves the cluster kinds
/// against the active cluster when the event happens.
struct sim_selector {
  sim_selector_kind kind = sim_selector_kind::vm;
  std::uint32_t category = 0;    ///< vm, category, cluster_category: index into params.categories
  std::uint64_t index = 0;       ///< vm: the VM's index within its category ("gold/3" is 3)
  std::uint64_t count = 0;       ///< cluster_count: 1 … sim_max_vms
  std::uint32_t millionths = 0;  ///< cluster_fraction: the fraction × 10^6, 1 … 1,000,000 (exact)
  std::string text;              ///< as written, e.g. "gold/3", for logs and reports
  file_position where;           ///< the string in the file

  /// Whether the runner resolves it against the active cluster (the cluster_* kinds).
  bool names_cluster() const noexcept {
    return kind == sim_selector_kind::cluster_fraction || kind == sim_selector_kind::cluster_count
           || kind == sim_selector_kind::cluster_category;
  }
};

// Sections ------------------------------------------------------------------------------------------

/// A [[pool]]: `count` genesis VMs of one category, named "<category>/<index>" with indexes
/// continuing across the category's pools in file order.
struct sim_pool {
  std::uint32_t category = 0;   ///< index into params.categories
  std::uint64_t count = 0;      ///< may be 0 (e.g. one point of a sweep)
  sim_distribution bid;         ///< every draw is at least params.min_bid (see materialize_vms)
  sim_distribution votes;       ///< stake voted to each VM at genesis; default fixed 0
  std::uint64_t first_index = 0;  ///< index of its first VM within the category ("gold/<first_index>")
  file_position where;          ///< the [[pool]] header
};

/// The [load] section: transfers between funded accounts at a constant rate of virtual time.
struct sim_load {
  std::uint64_t tx_per_second = 0;  ///< 0 = no load
  std::uint64_t accounts = 0;       ///< funded sender accounts; at least 1 when tx_per_second > 0
  amount value = 0;                 ///< moved by each transfer; at least 1 unit when tx_per_second > 0
  amount fee = 0;                   ///< paid by each transfer
  amount balance = 0;               ///< each account's genesis balance (default 10,000 BFDT with accounts)
};

/// What an [[event]] does.
enum class sim_event_kind : std::uint8_t {
  join,        ///< `count` new VMs of `category` bid with `bid` (and are voted `votes`)
  leave,       ///< targets stop for good
  crash,       ///< targets stop, losing volatile state; back after `rounds` if given, else at a recover
  recover,     ///< crashed, paused or slow targets return to normal
  pause,       ///< targets freeze for `rounds` (always given) and resume with their state intact
  slow,        ///< targets act `delay_ms` late within their slot; for `rounds` if given, else until a recover
  partition,   ///< `groups` cannot reach each other; for `rounds` if given, else until a heal
  heal,        ///< the partition in effect ends
  equivocate,  ///< targets sign two different blocks for their next slot
  vote_move,   ///< voters move stake from each `from` VM to the `to` VMs
  double_vote,    ///< targets (their keys, held by the simulator) sign a second vote for a height they voted for
  surround_vote,  ///< targets sign a vote from genesis to a height above the head, surrounding their last one
};

/// The kind as written in files: "join", "vote_move", …
std::string_view to_string(sim_event_kind kind) noexcept;

/// An [[event]]. Only the fields used by `kind` are set; the others keep their defaults.
struct sim_event {
  sim_event_kind kind = sim_event_kind::crash;
  std::uint64_t round = 0;              ///< happens at the start of this round (0 = the first), < rounds
  std::optional<std::uint64_t> rounds;  ///< crash, slow, partition: how long, if given; pause: always set
  std::vector<sim_selector> targets;    ///< leave, crash, recover, pause, slow, equivocate: at least one
  std::uint32_t delay_ms = 0;           ///< slow: 1 … 600,000 (a delay of slot_ms or more misses the slot)
  std::vector<std::vector<sim_selector>> groups;  ///< partition: at least one group of at least one selector
  std::vector<sim_selector> from;       ///< vote_move: the VMs whose voters move stake
  std::vector<sim_selector> to;         ///< vote_move: the VMs that receive it, split equally (remainder units
                                        ///< to the first of them)
  amount move_amount = 0;               ///< vote_move: moved from each `from` VM (at most its votes),
  std::uint32_t move_millionths = 0;    ///< vote_move: or this fraction × 10^6 of each `from` VM's votes
                                        ///< (⌊votes · millionths / 10^6⌋); exactly one of the two is non-zero
  std::uint32_t category = 0;           ///< join: index into params.categories
  std::uint64_t count = 0;              ///< join: 1 … sim_max_vms
  sim_distribution bid;                 ///< join: every draw is at least params.min_bid
  sim_distribution votes;               ///< join: default fixed 0
  std::size_t first_vm = 0;             ///< join: index in materialize_vms() of its first new VM
  std::size_t file_index = 0;           ///< its place among the file's [[event]] entries (seeds join draws)
  /// crash, recover, pause, slow, leave, equivocate, partition: the chain whose delegates (or links)
  /// it targets, 1 = the mainchain or a [[sidechain]]'s id; unset: the mainchain's delegates, and
  /// for a partition every chain's links.
  std::optional<std::uint64_t> chain;
  file_position where;                  ///< the [[event]] header
};

/// Where simulated VMs run: which of them share a node (one chain actor, mempool and store).
enum class sim_node_placement : std::uint8_t {
  partitions,  ///< VMs that every scripted partition keeps together share a node (the default)
  per_vm,      ///< every VM has a node of its own
  count,       ///< `node_count` nodes; VM i (in materialize_vms order) on node i mod node_count
};

/// The [network] section: the links between simulated nodes. Every message a node's chain or
/// mempool sends to another node crosses one link; requests take the link's latency one way (the
/// reply comes back at once).
struct sim_network {
  sim_node_placement nodes = sim_node_placement::partitions;
  std::uint32_t node_count = 0;  ///< count: 1 … 1000
  /// Each message's delay in virtual milliseconds (fixed, uniform or lognormal; the amounts of the
  /// distribution are milliseconds). Fixed 0 = instant delivery.
  sim_distribution delay;
  std::uint32_t jitter_ms = 0;        ///< plus a uniform 0 … jitter_ms per message
  bool reorder = false;               ///< false: a link delivers in order (a message waits for the one before)
  std::uint32_t loss_millionths = 0;  ///< probability × 10^6 that a message is lost (0 … 500,000)
  std::optional<std::uint64_t> loss_until_round;  ///< messages are lost only before this round's start
  /// Which messages the loss model may drop (all by default): relayed votes, relayed blocks,
  /// relayed transactions, and sync (every other message: catch-up requests, peer set-up).
  bool lose_votes = true, lose_blocks = true, lose_transactions = true, lose_sync = true;
  /// Whether any message is delayed or lost (else links forward at once, as without [network]).
  bool shapes_traffic() const noexcept {
    return delay.largest() > 0 || jitter_ms > 0 || loss_millionths > 0;
  }
};

/// Most [[sidechain]] entries of one file.
inline constexpr std::size_t sim_max_sidechains = 64;

/// A [[sidechain]]: a chain of its own (ids 2, 3, … in file order) validated by mainchain VMs,
/// with its own token held by its own load accounts, hosted on every simulated node.
struct sim_sidechain {
  std::uint64_t id = 0;           ///< 2 + its place among the file's [[sidechain]] entries
  std::string kind = "daos";      ///< system_service, daos, ecosystem or consortium
  std::string name;
  std::string token;              ///< its own token's symbol (not BFDT: nothing is pegged in a run)
  /// Validators per category (index into params.categories): the genesis VMs of that category with
  /// the largest bids (runtime::choose_validators). Default 1 per category.
  std::vector<std::uint32_t> validators;
  sim_load load;                  ///< its load, in its own token; balance is each account's genesis supply
  file_position where;            ///< the [[sidechain]] header
};

/// One parameter of a sweep point as it appears in the label: "category.bronze.cluster_cap", "10".
struct sim_sweep_setting {
  std::string parameter;
  std::string value;
  friend bool operator==(const sim_sweep_setting&, const sim_sweep_setting&) = default;
};

/// One runnable scenario: the file's, or one point of its [sweep].
struct sim_scenario {
  std::string source;       ///< the file name used in messages
  std::string name;         ///< [scenario] name
  std::string description;  ///< [scenario] description, may be empty
  /// "" without [sweep]; else "<parameter>=<value>" per swept parameter in [sweep] order, joined
  /// by ",", e.g. "category.bronze.cluster_cap=10,pool.2.count=40". Only letters, digits and
  /// ". _ - = ," occur, it is at most 200 characters, and labels of one file are distinct, so
  /// it can name a directory.
  std::string label;
  std::vector<sim_sweep_setting> sweep;  ///< the settings the label is made of; empty without [sweep]
  std::size_t sweep_index = 0;  ///< place in the expansion order (first [sweep] key outermost)
  std::uint64_t seed = 0;
  std::uint64_t rounds = 0;     ///< rounds to run: `rounds`, or `epochs` × rounds_per_epoch
  consensus_params params;      ///< categories and chain parameters; genesis_time_ms is 0
  std::vector<sim_pool> pools;  ///< in file order
  sim_load load;
  sim_network network;            ///< [network]; defaults: nodes from partitions, instant links
  std::vector<sim_event> events;  ///< sorted by round; file order within a round
  std::vector<sim_sidechain> sidechains;  ///< [[sidechain]] entries in file order; empty: one chain
  file_position where;            ///< the [scenario] header

  /// VMs at genesis (sum of the pools' counts).
  std::uint64_t genesis_vm_count() const noexcept;
  /// VMs at genesis plus every joined VM: the size of materialize_vms().
  std::uint64_t vm_count() const noexcept;
  /// "<name>" without a sweep, "<name>/<label>" with one: a relative path for this run's output.
  std::string run_path() const;
};

// Loading ---------------------------------------------------------------------------------------------

/// Parses and validates scenario text and expands its [sweep] (a file without [sweep] gives one
/// scenario). `source_name` names the text in errors; nothing is read from disk. Every problem of
/// the file is reported at once (one per line, in file order, at most 20) in one
/// errc::invalid_argument error whose lines start with "file:line:column: ". A problem that only
/// one sweep point has (e.g. an index out of range for a smaller pool) is reported for the first
/// such point, its label appended.
result<std::vector<sim_scenario>> parse_sim_scenarios(std::string_view text, const std::string& source_name);

/// Reads `path` and parses it like parse_sim_scenarios; errc::io if it cannot be read.
result<std::vector<sim_scenario>> load_sim_scenarios(const std::string& path);

// VMs -------------------------------------------------------------------------------------------------

/// A VM of a scenario, with its drawn amounts.
struct sim_vm {
  std::string name;              ///< "<category name>/<index>"
  std::uint32_t category = 0;    ///< index into params.categories
  std::uint64_t index = 0;       ///< within its category
  amount bid = 0;                ///< at least params.min_bid
  amount votes = 0;
  std::uint64_t join_round = 0;  ///< 0: a genesis VM; else the round at whose start it bids
  friend bool operator==(const sim_vm&, const sim_vm&) = default;
};

/// Every VM of a scenario: the genesis VMs (pools in file order), then the joined VMs (join
/// events in `events` order, so event.first_vm indexes its first one). Amounts are drawn from
/// the scenario's seed with sim_random (VM k of pool p uses index k of p's streams), so a VM's
/// amounts depend only on the seed, its pool (or join event) and its place there: growing one
/// pool does not change any other VM. Drawn bids below params.min_bid are raised to it.
std::vector<sim_vm> materialize_vms(const sim_scenario& scenario);

} // namespace bfd::config
