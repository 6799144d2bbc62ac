// Internal to the bfd-sim scenario loader (config/sim_scenario*.cpp): the TOML reading helpers,
// the bounds scenario files are held to, and the parser class, whose parts live in
// sim_scenario_parse.cpp (sections), sim_scenario_events.cpp ([[event]] and targets) and
// sim_scenario_sweep.cpp ([sweep], expansion and the checks of each scenario).
#pragma once

#include <algorithm>
#include <array>
#include <charconv>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include <toml++/toml.h>

#include "config/sim_scenario.hpp"
#include "config/toml_support.hpp"

namespace bfd::config::sim_parse {

/// Shortest text that reads back as `x` ("1.5", "0.01"): the same on every platform.
std::string double_text(double x);

using detail::diagnostics;
using detail::is_identifier;
using detail::join;
using detail::presence;
using detail::range_phrase;
using detail::section_form;
using detail::type_phrase;

/// Largest scenario file read (100,000 events fit several times over).
constexpr std::uintmax_t max_file_bytes = 32u << 20;

// Bounds of the chain parameters, as for topology files (docs/topology.md), plus the genesis
// check of docs/consensus.md section 2 on block sizes.
constexpr std::int64_t max_compute_weight = 1000;
constexpr std::int64_t max_block_txs = 65'536;
constexpr std::int64_t min_slot_ms = 60;
constexpr std::int64_t max_slot_ms = 600'000;
constexpr std::int64_t max_rounds_per_epoch = 1'000'000;
constexpr std::int64_t max_work_bits = 32;
constexpr std::int64_t max_u32 = 0xffff'ffff;
constexpr std::int64_t max_delay_ms = 600'000;
constexpr std::int64_t max_link_delay_ms = 60'000;

constexpr std::size_t max_categories = 100;
constexpr std::size_t max_pools = 10'000;
constexpr std::int64_t max_tx_per_second = 1'000'000;
constexpr std::int64_t max_accounts = 1'000'000;
constexpr amount default_balance = 10'000 * units_per_bfdt;
constexpr std::size_t max_label_chars = 200;
/// A pareto or lognormal distribution without `max` is capped at this many times its min or median.
constexpr amount default_cap_factor = 1'000'000;

constexpr double min_alpha = 0.01, max_alpha = 100;
constexpr double max_sigma = 10;

constexpr std::string_view known_sections =
  "[scenario], [[category]], [[pool]], [load], [network], [[sidechain]], [[event]], [sweep]";

constexpr std::string_view amount_what =
  "an amount as a string, e.g. \"100\" or \"100 BFDT\" (BFDT) or \"1500u\" (base units)";

constexpr std::string_view selector_forms =
  "\"<category>/<index>\", \"<category>/*\", \"cluster:fraction=F\", \"cluster:count=N\" or "
  "\"cluster:category=<category>\"";

inline bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// Decimal digits to a number, or nothing on overflow or another character.
inline std::optional<std::uint64_t> parse_u64(std::string_view s) {
  if (!all_digits(s) || s.size() > 20)
    return std::nullopt;
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size())
    return std::nullopt;
  return v;
}

/// "0.34", "1", "1.0" (at most 6 decimals) to millionths; nothing for other text.
inline std::optional<std::uint64_t> parse_millionths(std::string_view s) {
  const auto dot = s.find('.');
  const auto whole = s.substr(0, dot);
  const auto frac = dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
  if (!all_digits(whole) || whole.size() > 7 || (dot != std::string_view::npos && !all_digits(frac))
      || frac.size() > 6)
    return std::nullopt;
  std::uint64_t v = *parse_u64(whole) * 1'000'000;
  std::uint64_t scale = 100'000;
  for (char c : frac) {
    v += static_cast<std::uint64_t>(c - '0') * scale;
    scale /= 10;
  }
  return v;
}

/// An amount as topology files write it ("100", "12.5", "1500u"), optionally followed by " BFDT".
inline result<amount> parse_sim_amount(std::string_view text) {
  constexpr std::string_view unit = " BFDT";
  if (text.ends_with(unit) && text.size() > unit.size() && !text.substr(0, text.size() - unit.size()).ends_with('u'))
    text.remove_suffix(unit.size());
  return parse_amount(text);
}

inline std::string bfdt(amount a) { return format_amount(a) + " BFDT"; }

inline std::string line_of(const file_position& p) { return std::to_string(p.line); }

/// The shared reader, with numbers and amounts as scenario files write them.
class table_reader : public detail::table_reader {
public:
  using detail::table_reader::table_reader;

  /// A number (integer or float) in [min, max].
  std::optional<double> number(std::string_view key, presence p, double min, double max) {
    const auto what = "a number from " + double_text(min) + " to " + double_text(max);
    const auto* v = find(key);
    if (!v) {
      if (p == presence::required)
        missing(key, what);
      return std::nullopt;
    }
    double x = 0;
    if (const auto* i = v->as_integer())
      x = static_cast<double>(i->get());
    else if (const auto* f = v->as_floating_point())
      x = f->get();
    else {
      wrong_type(key, *v, what);
      return std::nullopt;
    }
    if (!(x >= min && x <= max)) {
      bad_value(key, *v, what, double_text(x));
      return std::nullopt;
    }
    return x;
  }

  std::optional<amount> amount_of(std::string_view key, presence p) {
    return detail::table_reader::amount_of(key, p, amount_what, parse_sim_amount);
  }

  std::optional<amount> amount_value(std::string_view key, const toml::node& v) {
    return detail::table_reader::amount_value(key, v, amount_what, parse_sim_amount);
  }
};

/// Whether an amount distribution is a VM's bid (min_bid applies) or its votes.
enum class amount_role { bid, votes };

/// The sweepable parameters.
enum class parameter {
  seed, rounds, epochs, rounds_per_epoch, slot_ms, work_bits, block_reward, base_block_txs, miss_limit, min_bid,
  compute_weight, cluster_cap, max_new_per_epoch,
  pool_count, pool_bid, pool_votes,
  tx_per_second, accounts, value, fee, balance,
};

constexpr std::string_view sweep_parameters =
  "scenario.seed, scenario.rounds, scenario.epochs, scenario.rounds_per_epoch, scenario.slot_ms, "
  "scenario.work_bits, scenario.block_reward, scenario.base_block_txs, scenario.miss_limit, scenario.min_bid, "
  "category.<name>.compute_weight, category.<name>.cluster_cap, category.<name>.max_new_per_epoch, "
  "pool.<n>.count, pool.<n>.bid, pool.<n>.votes, load.tx_per_second, load.accounts, load.value, load.fee, "
  "load.balance";

/// One value of a swept parameter.
struct sweep_value {
  std::variant<std::uint64_t, sim_distribution> value;  ///< a number or amount, or a bid/votes distribution
  std::string label;
  file_position where;
};

/// One [sweep] key: a parameter and its values.
struct sweep_axis {
  std::string path;
  parameter target = parameter::seed;
  std::size_t index = 0;  ///< category or pool index
  file_position where;
  std::vector<sweep_value> values;
};

/// Where the values that sweeps can change were written (the sweep value's position once swept),
/// for the checks made per scenario.
struct value_marks {
  file_position rounds;  ///< 'rounds' or 'epochs'
  file_position min_bid;
  std::vector<file_position> compute_weight;  ///< per category
  file_position base_block_txs;
  std::vector<file_position> pool_bid;    ///< per pool
  std::vector<file_position> pool_votes;  ///< per pool
  std::vector<file_position> pool_count;  ///< per pool
  file_position load;                      ///< [load] header
  std::vector<file_position> event_round;  ///< per event (sorted order)
  std::vector<file_position> event_bid;    ///< per event (join)
};

/// A scenario before its sweep point is applied.
struct scenario_template {
  sim_scenario scenario;
  std::optional<std::uint64_t> rounds;  ///< as given
  std::optional<std::uint64_t> epochs;  ///< as given
  value_marks marks;
};

class scenario_parser {
public:
  explicit scenario_parser(std::string source) : diag_(source) { tmpl_.scenario.source = std::move(source); }

  result<std::vector<sim_scenario>> run(std::string_view text);

private:
  // Top level ------------------------------------------------------------------------------------

  void read_sections(const toml::table& doc);

  /// A [name] section; `required_because` set means it must be there, and says why.
  const toml::table* single_table(const toml::table& doc, std::string_view name, std::string_view required_because);

  std::vector<const toml::table*> tables_of(const toml::table& doc, std::string_view name,
                                            std::string_view required_because);

  // [scenario] -----------------------------------------------------------------------------------

  void read_scenario(const toml::table& t);

  static constexpr std::string_view seed_what =
    "an integer from 0 to 9223372036854775807, or a string of decimal digits up to 18446744073709551615";

  std::optional<std::uint64_t> seed_value(table_reader& r, std::string_view key, const toml::node& v);

  // [[category]] ---------------------------------------------------------------------------------

  void read_category(const toml::table& t);

  /// The index of category `name`; reports an unknown one at `at` (unless the categories have
  /// errors of their own). `what` prefixes the message: "" or " in target 'x/1'".
  std::optional<std::uint32_t> category_index(const std::string& name, const file_position& at,
                                              const std::string& where_said = {});

  std::string category_names() const;

  // [[pool]] -------------------------------------------------------------------------------------

  void read_pool(const toml::table& t);

  static constexpr std::string_view distribution_what =
    "an amount, or a distribution table such as { distribution = \"uniform\", min = \"10\", max = \"100\" }";

  /// An amount (fixed) or a distribution table, the value of `key` in `r`'s table.
  std::optional<sim_distribution> distribution(table_reader& r, std::string_view key, const toml::node& v,
                                               const std::string& context, amount_role role);

  std::optional<sim_distribution> distribution_table(const toml::table& t, const std::string& context,
                                                     amount_role role);

  // [load] ---------------------------------------------------------------------------------------

  void read_load(const toml::table& t);

  // [network] ------------------------------------------------------------------------------------

  void read_network(const toml::table& t);

  /// A link delay: whole milliseconds, or a table { distribution = "fixed" | "uniform" | "lognormal", ... }
  /// with value / min, max / median, sigma, max (all in milliseconds, at most max_link_delay_ms).
  std::optional<sim_distribution> delay_distribution(table_reader& outer, const toml::node& v);

  // [[sidechain]] (sim_scenario_chains.cpp) -----------------------------------------------------

  void read_sidechain(const toml::table& t);

  /// The event's optional 'chain' key: 1 or a sidechain's id, and only for kinds that take it.
  void read_event_chain(table_reader& r, sim_event& e, bool& ok);

  // [[event]] ------------------------------------------------------------------------------------

  struct event_kind_info {
    std::string_view name;
    sim_event_kind kind;
    std::vector<std::string> keys;  ///< besides round and kind
  };

  static const std::vector<event_kind_info>& event_kinds();

  void read_events(const std::vector<const toml::table*>& tables);

  /// Partitions do not overlap, and a heal ends one.
  template <class Events>
  void check_partitions(const Events& events) {
    std::optional<std::pair<std::uint64_t, file_position>> open;  // start round and position
    std::uint64_t until = 0;                                       // first round without it
    for (const auto& re : events) {
      const auto& e = re.event;
      const bool in_effect = open && e.round < until;
      if (e.kind == sim_event_kind::partition) {
        if (in_effect) {
          diag_.add(e.where, "a partition is already in effect since round " + std::to_string(open->first)
                               + " (line " + line_of(open->second) + "); heal it before partitioning again");
          continue;
        }
        open = std::pair(e.round, e.where);
        until = e.rounds ? e.round + *e.rounds : std::numeric_limits<std::uint64_t>::max();
      } else if (e.kind == sim_event_kind::heal) {
        if (!in_effect)
          diag_.add(e.where, "this heal at round " + std::to_string(e.round)
                               + " ends nothing: no partition is in effect then");
        else
          until = e.round;
      }
    }
  }

  std::optional<sim_event> read_event_table(const toml::table& t, std::size_t file_index);

  /// A target, or an array of targets (at least one).
  bool selectors(table_reader& r, std::string_view key, const toml::node& v, std::vector<sim_selector>& out);

  bool groups(table_reader& r, const toml::node& v, std::vector<std::vector<sim_selector>>& out);

  /// Parses one target string; reports and returns nothing if it is not one.
  std::optional<sim_selector> selector(const toml::node& v);

  // [sweep] --------------------------------------------------------------------------------------

  struct sweep_leaf {
    std::string path;
    file_position key_at;
    const toml::node* value;
  };

  void collect_leaves(const toml::table& t, const std::string& prefix, std::vector<sweep_leaf>& out);

  void read_sweep(const toml::table& t);

  std::optional<sweep_axis> read_axis(const sweep_leaf& leaf);

  /// Sets the target of `axis` from its path; reports an unknown parameter.
  bool resolve_parameter(sweep_axis& axis);

  std::optional<sweep_value> sweep_value_of(table_reader& r, const sweep_axis& axis, const toml::node& v);

  /// Bounds the expansion: points, events in all points, label length.
  void check_sweep_size();

  // Expansion and the checks of each scenario ---------------------------------------------------

  result<std::vector<sim_scenario>> expand();

  void apply(scenario_template& t, const std::vector<std::size_t>& choice);

  /// The checks that depend on values a sweep can change.
  void check(scenario_template& t);

  /// A bid distribution never gives less than min_bid (lognormal draws are raised to it).
  void check_bid(const sim_distribution& d, amount min_bid, const file_position& at, const std::string& who);

  void check_target(const sim_selector& sel, const std::vector<std::uint64_t>& present, std::uint64_t round);

  /// Bids, votes and account balances stay below sim_max_supply: at their largest if that is
  /// enough, else as drawn.
  void check_supply(const sim_scenario& s, const value_marks& m);

  diagnostics diag_;
  scenario_template tmpl_;
  std::map<std::string, file_position> category_at_;
  std::size_t category_count_ = 0;
  bool categories_ok_ = true;
  bool has_load_ = false;
  bool has_sweep_ = false;
  file_position sweep_at_;
  std::vector<sweep_axis> axes_;
  file_position pending_round_at_, pending_bid_at_;  ///< of the event being read
};

} // namespace bfd::config::sim_parse
