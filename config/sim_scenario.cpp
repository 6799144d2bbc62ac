// The bfd-sim scenario loader: TOML (toml++) to validated scenarios, [sweep] expansion and the
// seeded, portable drawing of every VM's amounts. Every problem is named by file:line:column.
//
// This file is compiled with -ffp-contract=off (config/CMakeLists.txt): the pareto and lognormal
// draws use only IEEE-754 operations that are exact to the bit, and a fused multiply-add on one
// platform but not on another would change them.
#include "config/sim_scenario.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>
#include <utility>
#include <variant>

#include <toml++/toml.h>

#include "config/toml_support.hpp"

namespace bfd::config {

namespace fs = std::filesystem;

// Portable random values and math -------------------------------------------------------------------

namespace {

constexpr std::uint64_t golden_gamma = 0x9e37'79b9'7f4a'7c15ULL;

/// splitmix64's output function (Steele, Lea, Flood 2014): a bijection that mixes every bit.
constexpr std::uint64_t mix64(std::uint64_t z) noexcept {
  z = (z ^ (z >> 30)) * 0xbf58'476d'1ce4'e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d0'49bb'1331'11ebULL;
  return z ^ (z >> 31);
}

/// A double in the open interval (0, 1) from the top 53 bits of `r`: never 0 or 1, so its
/// logarithm and inverse normal are finite.
double unit_open(std::uint64_t r) noexcept {
  return (static_cast<double>(r >> 11) + 0.5) * 0x1p-53;
}

// std::exp and std::log are not specified to the bit (libm implementations differ in the last
// place), so the draws use these: +, −, ×, ÷, frexp, ldexp and floor only, all exact in IEEE-754.

constexpr double ln2 = 0.693147180559945309417;
constexpr double ln2_hi = 6.93147180369123816490e-01;  // ln 2 split as in fdlibm: n · ln2_hi is exact
constexpr double ln2_lo = 1.90821492927058770002e-10;

/// ln x for a finite x > 0 (error about 1 ulp).
double portable_log(double x) noexcept {
  int e = 0;
  double m = std::frexp(x, &e);  // x = m · 2^e, m in [0.5, 1)
  if (m < 0.707106781186547524401) {
    m *= 2;
    --e;
  }
  // m in [√½, √2): ln m = 2·atanh(s) = 2·(s + s³/3 + s⁵/5 + …) with |s| < 0.172, s² < 0.0295;
  // 14 terms leave an error below 10⁻²⁰.
  const double s = (m - 1) / (m + 1);
  const double s2 = s * s;
  double series = 1.0 / 27;
  for (int k = 25; k >= 1; k -= 2)
    series = series * s2 + 1.0 / k;
  const double n = e;
  return n * ln2_hi + (n * ln2_lo + 2 * s * series);
}

/// e^y for |y| ≤ 700 (error about 1 ulp).
double portable_exp(double y) noexcept {
  const double n = std::floor(y / ln2 + 0.5);
  const double r = (y - n * ln2_hi) - n * ln2_lo;  // |r| ≤ 0.35
  double sum = 1;                                  // Taylor series, Horner form: 0.35²³/23! < 10⁻³²
  for (int k = 22; k >= 1; --k)
    sum = 1 + sum * r / k;
  return std::ldexp(sum, static_cast<int>(n));
}

/// Φ⁻¹(p) for p in (0, 1): P. J. Acklam's rational approximation (relative error < 1.15·10⁻⁹).
double inverse_normal(double p) noexcept {
  static constexpr double a[] = {-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                                 1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
  static constexpr double b[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                                 6.680131188771972e+01,  -1.328068155288572e+01};
  static constexpr double c[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                                 -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
  static constexpr double d[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                                 3.754408661907416e+00};
  constexpr double p_low = 0.02425;
  auto tail = [&](double q) {
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
           / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  };
  if (p < p_low)
    return tail(std::sqrt(-2 * portable_log(p)));
  if (p > 1 - p_low)
    return -tail(std::sqrt(-2 * portable_log(1 - p)));
  const double q = p - 0.5;
  const double r = q * q;
  return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
         / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
}

/// ⌊x⌋ as an amount, kept within [lo, hi] (NaN gives lo).
amount clamp_to_amount(double x, amount lo, amount hi) noexcept {
  if (!(x >= static_cast<double>(lo)))
    return lo;
  if (x >= static_cast<double>(hi))
    return hi;
  return std::clamp(static_cast<amount>(x), lo, hi);  // x < 2^64 here
}

/// Shortest text that reads back as `x` ("1.5", "0.01"): the same on every platform.
std::string double_text(double x) {
  std::array<char, 64> buf{};
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), x);
  return ec == std::errc{} ? std::string(buf.data(), end) : std::string("nan");
}

} // namespace

std::uint64_t sim_random(std::uint64_t seed, std::uint64_t stream, std::uint64_t index) {
  // A splitmix64 sequence per (seed, stream): its start mixes both, and value `index` is the
  // sequence's element index + 1.
  const std::uint64_t start = mix64(mix64(seed + golden_gamma) ^ mix64(stream + 2 * golden_gamma));
  return mix64(start + (index + 1) * golden_gamma);
}

amount sim_distribution::sample(std::uint64_t random) const {
  switch (kind) {
    case sim_distribution_kind::fixed:
      return value;
    case sim_distribution_kind::uniform: {
      const amount span = max - min;
      if (span == std::numeric_limits<amount>::max())
        return random;
      // The top bits of random × (span + 1): unbiased to within (span + 1) / 2^64.
      return min + static_cast<amount>((static_cast<unsigned __int128>(random) * (span + 1)) >> 64);
    }
    case sim_distribution_kind::pareto: {
      const double t = -portable_log(unit_open(random)) / alpha;  // > 0
      if (t > 700)
        return max;
      return clamp_to_amount(static_cast<double>(min) * portable_exp(t), std::max<amount>(min, 1), max);
    }
    case sim_distribution_kind::lognormal: {
      const double t = sigma * inverse_normal(unit_open(random));
      if (t > 700)
        return max;
      if (t < -700)
        return 1;
      return clamp_to_amount(static_cast<double>(median) * portable_exp(t), 1, max);
    }
  }
  return value;
}

amount sim_distribution::largest() const {
  return kind == sim_distribution_kind::fixed ? value : max;
}

std::string sim_distribution::label() const {
  switch (kind) {
    case sim_distribution_kind::fixed:
      return format_amount(value);
    case sim_distribution_kind::uniform:
      return "uniform_" + format_amount(min) + "_" + format_amount(max);
    case sim_distribution_kind::pareto:
      return "pareto_" + double_text(alpha) + "_" + format_amount(min) + "_" + format_amount(max);
    case sim_distribution_kind::lognormal:
      return "lognormal_" + format_amount(median) + "_" + double_text(sigma) + "_" + format_amount(max);
  }
  return {};
}

std::string_view to_string(sim_event_kind kind) noexcept {
  switch (kind) {
    case sim_event_kind::join: return "join";
    case sim_event_kind::leave: return "leave";
    case sim_event_kind::crash: return "crash";
    case sim_event_kind::recover: return "recover";
    case sim_event_kind::pause: return "pause";
    case sim_event_kind::slow: return "slow";
    case sim_event_kind::partition: return "partition";
    case sim_event_kind::heal: return "heal";
    case sim_event_kind::equivocate: return "equivocate";
    case sim_event_kind::vote_move: return "vote_move";
    case sim_event_kind::double_vote: return "double_vote";
    case sim_event_kind::surround_vote: return "surround_vote";
  }
  return "unknown";
}

std::uint64_t sim_scenario::genesis_vm_count() const noexcept {
  std::uint64_t n = 0;
  for (const auto& p : pools)
    n += p.count;
  return n;
}

std::uint64_t sim_scenario::vm_count() const noexcept {
  std::uint64_t n = genesis_vm_count();
  for (const auto& e : events)
    if (e.kind == sim_event_kind::join)
      n += e.count;
  return n;
}

std::string sim_scenario::run_path() const {
  return label.empty() ? name : name + "/" + label;
}

namespace {

/// Streams of sim_random: see the header.
constexpr std::uint64_t pool_stream(std::size_t pool, bool votes) { return 4 * pool + (votes ? 1 : 0); }
constexpr std::uint64_t join_stream(std::size_t file_index, bool votes) {
  return (std::uint64_t{1} << 40) + 4 * file_index + (votes ? 1 : 0);
}

} // namespace

std::vector<sim_vm> materialize_vms(const sim_scenario& s) {
  std::vector<sim_vm> out;
  out.reserve(s.vm_count());
  std::vector<std::uint64_t> next(s.params.categories.size(), 0);
  auto add = [&](std::uint32_t category, std::uint64_t count, const sim_distribution& bid,
                 const sim_distribution& votes, std::uint64_t bid_stream, std::uint64_t votes_stream,
                 std::uint64_t join_round) {
    const auto& cat_name = s.params.categories.at(category).name;
    for (std::uint64_t k = 0; k < count; ++k) {
      sim_vm vm;
      vm.category = category;
      vm.index = next[category]++;
      vm.name = cat_name + "/" + std::to_string(vm.index);
      vm.bid = std::max(bid.sample(sim_random(s.seed, bid_stream, k)), s.params.min_bid);
      vm.votes = votes.sample(sim_random(s.seed, votes_stream, k));
      vm.join_round = join_round;
      out.push_back(std::move(vm));
    }
  };
  for (std::size_t p = 0; p < s.pools.size(); ++p) {
    const auto& pool = s.pools[p];
    add(pool.category, pool.count, pool.bid, pool.votes, pool_stream(p, false), pool_stream(p, true), 0);
  }
  for (const auto& e : s.events)
    if (e.kind == sim_event_kind::join)
      add(e.category, e.count, e.bid, e.votes, join_stream(e.file_index, false), join_stream(e.file_index, true),
          e.round);
  return out;
}

// The loader -------------------------------------------------------------------------------------------

namespace {

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

constexpr std::string_view known_sections = "[scenario], [[category]], [[pool]], [load], [network], [[event]], [sweep]";

constexpr std::string_view amount_what =
  "an amount as a string, e.g. \"100\" or \"100 BFDT\" (BFDT) or \"1500u\" (base units)";

constexpr std::string_view selector_forms =
  "\"<category>/<index>\", \"<category>/*\", \"cluster:fraction=F\", \"cluster:count=N\" or "
  "\"cluster:category=<category>\"";

bool all_digits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

/// Decimal digits to a number, or nothing on overflow or another character.
std::optional<std::uint64_t> parse_u64(std::string_view s) {
  if (!all_digits(s) || s.size() > 20)
    return std::nullopt;
  std::uint64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || end != s.data() + s.size())
    return std::nullopt;
  return v;
}

/// "0.34", "1", "1.0" (at most 6 decimals) to millionths; nothing for other text.
std::optional<std::uint64_t> parse_millionths(std::string_view s) {
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
result<amount> parse_sim_amount(std::string_view text) {
  constexpr std::string_view unit = " BFDT";
  if (text.ends_with(unit) && text.size() > unit.size() && !text.substr(0, text.size() - unit.size()).ends_with('u'))
    text.remove_suffix(unit.size());
  return parse_amount(text);
}

std::string bfdt(amount a) { return format_amount(a) + " BFDT"; }

std::string line_of(const file_position& p) { return std::to_string(p.line); }

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

  result<std::vector<sim_scenario>> run(std::string_view text) {
    toml::table doc;
    try {
      doc = toml::parse(text, std::string_view{tmpl_.scenario.source});
    } catch (const toml::parse_error& e) {
      diag_.add(e.source(), "invalid TOML: " + std::string(e.description()));
      return diag_.to_error();
    }
    read_sections(doc);
    if (!diag_.empty())
      return diag_.to_error();
    return expand();
  }

private:
  // Top level ------------------------------------------------------------------------------------

  void read_sections(const toml::table& doc) {
    for (auto&& [k, v] : doc) {
      const auto name = std::string(k.str());
      if (name == "scenario" || name == "category" || name == "pool" || name == "load" || name == "network"
          || name == "event" || name == "sweep")
        continue;
      if (v.is_table() || v.is_array_of_tables())
        diag_.add(k.source(), "unknown section " + section_form(name, v) + "; expected one of: "
                                + std::string(known_sections));
      else
        diag_.add(k.source(), "unknown key '" + name + "' at the top level; keys belong in a section: "
                                + std::string(known_sections));
    }

    if (const auto* t = single_table(doc, "scenario", "a scenario needs a name, a seed, its length and "
                                                      "chain parameters"))
      read_scenario(*t);
    for (const auto* t : tables_of(doc, "category", "a scenario needs at least one category"))
      read_category(*t);
    if (category_count_ > max_categories)
      diag_.add(doc.get("category")->source(), "[[category]] has " + std::to_string(category_count_)
                                                 + " entries; at most " + std::to_string(max_categories));
    const auto pools = tables_of(doc, "pool", "a scenario needs at least one pool of genesis VMs");
    if (pools.size() > max_pools)
      diag_.add(doc.get("pool")->source(), "[[pool]] has " + std::to_string(pools.size()) + " entries; at most "
                                             + std::to_string(max_pools));
    else
      for (const auto* t : pools)
        read_pool(*t);
    if (const auto* t = single_table(doc, "load", {}))
      read_load(*t);
    if (const auto* t = single_table(doc, "network", {}))
      read_network(*t);
    const auto events = tables_of(doc, "event", {});
    if (events.size() > sim_max_events)
      diag_.add(doc.get("event")->source(), "[[event]] has " + std::to_string(events.size()) + " entries; at most "
                                              + std::to_string(sim_max_events));
    else
      read_events(events);
    if (const auto* t = single_table(doc, "sweep", {}))
      read_sweep(*t);
  }

  /// A [name] section; `required_because` set means it must be there, and says why.
  const toml::table* single_table(const toml::table& doc, std::string_view name, std::string_view required_because) {
    const std::string n(name);
    const auto* v = doc.get(name);
    if (!v) {
      if (!required_because.empty())
        diag_.add(file_position{diag_.file(), 1, 1}, "missing section [" + n + "]: " + std::string(required_because));
      return nullptr;
    }
    if (const auto* t = v->as_table())
      return t;
    diag_.add(v->source(),
              "'" + n + "' must be a table, written [" + n + "], not " + std::string(type_phrase(v->type())));
    return nullptr;
  }

  std::vector<const toml::table*> tables_of(const toml::table& doc, std::string_view name,
                                            std::string_view required_because) {
    return detail::tables_of(diag_, doc, name, required_because);
  }

  // [scenario] -----------------------------------------------------------------------------------

  void read_scenario(const toml::table& t) {
    table_reader r(diag_, t, "[scenario]",
                   {"name", "description", "seed", "rounds", "epochs", "rounds_per_epoch", "slot_ms", "work_bits",
                    "block_reward", "base_block_txs", "miss_limit", "min_bid"});
    auto& s = tmpl_.scenario;
    auto& p = s.params;
    auto& marks = tmpl_.marks;
    s.where = r.where();
    if (auto v = r.identifier("name", presence::required))
      s.name = *v;
    if (auto v = r.text("description", presence::optional))
      s.description = *v;
    if (const auto* v = r.find("seed")) {
      if (auto seed = seed_value(r, "seed", *v))
        s.seed = *seed;
    } else {
      r.missing("seed", seed_what);
    }

    const auto* rounds = r.find("rounds");
    const auto* epochs = r.find("epochs");
    const auto max_rounds = static_cast<std::int64_t>(sim_max_rounds);
    if (rounds && epochs) {
      diag_.add(epochs->source(), "[scenario] has both 'rounds' and 'epochs'; give exactly one of them");
    } else if (!rounds && !epochs) {
      r.missing("rounds", "the number of rounds to run, or 'epochs' instead");
    } else if (rounds) {
      tmpl_.rounds = r.integer("rounds", presence::required, 1, max_rounds);
      marks.rounds = r.at("rounds");
    } else {
      tmpl_.epochs = r.integer("epochs", presence::required, 1, max_rounds);
      marks.rounds = r.at("epochs");
    }
    auto take = [](auto opt, auto& field) {
      if (opt)
        field = static_cast<std::remove_reference_t<decltype(field)>>(*opt);
    };
    take(r.integer("rounds_per_epoch", presence::required, 1, max_rounds_per_epoch), p.rounds_per_epoch);
    take(r.integer("slot_ms", presence::required, min_slot_ms, max_slot_ms), p.slot_ms);
    p.work_bits = 0;
    take(r.integer("work_bits", presence::optional, 0, max_work_bits), p.work_bits);
    take(r.amount_of("block_reward", presence::required), p.block_reward);
    take(r.integer("base_block_txs", presence::required, 1, max_block_txs), p.base_block_txs);
    marks.base_block_txs = r.at("base_block_txs");
    take(r.integer("miss_limit", presence::required, 0, max_u32), p.miss_limit);
    if (auto v = r.amount_of("min_bid", presence::required)) {
      if (*v == 0)
        r.bad_value("min_bid", *r.find("min_bid"), "at least 1 unit (\"1u\")", "0");
      else
        p.min_bid = *v;
    }
    marks.min_bid = r.at("min_bid");
    p.genesis_time_ms = 0;
    r.finish();
  }

  static constexpr std::string_view seed_what =
    "an integer from 0 to 9223372036854775807, or a string of decimal digits up to 18446744073709551615";

  std::optional<std::uint64_t> seed_value(table_reader& r, std::string_view key, const toml::node& v) {
    if (const auto* i = v.as_integer()) {
      if (i->get() >= 0)
        return static_cast<std::uint64_t>(i->get());
      r.bad_value(key, v, seed_what, std::to_string(i->get()));
    } else if (const auto* s = v.as_string()) {
      if (auto n = parse_u64(s->get()))
        return n;
      r.bad_value(key, v, seed_what, "\"" + s->get() + "\"");
    } else {
      r.wrong_type(key, v, seed_what);
    }
    return std::nullopt;
  }

  // [[category]] ---------------------------------------------------------------------------------

  void read_category(const toml::table& t) {
    ++category_count_;
    table_reader r(diag_, t, "[[category]]", {"name", "compute_weight", "cluster_cap", "max_new_per_epoch"});
    auto name = r.identifier("name", presence::required);
    auto weight = r.integer("compute_weight", presence::required, 1, max_compute_weight);
    auto cap = r.integer("cluster_cap", presence::optional, 0, max_u32);
    auto cap_new = r.integer("max_new_per_epoch", presence::optional, 0, max_u32);
    r.finish();
    if (!name || !weight) {
      categories_ok_ = false;
      return;
    }
    const auto at = r.at("name");
    if (auto it = category_at_.find(*name); it != category_at_.end()) {
      diag_.add(at, "duplicate category name '" + *name + "' (first at line " + line_of(it->second) + ")");
      categories_ok_ = false;
      return;
    }
    category_at_.emplace(*name, at);
    tmpl_.scenario.params.categories.push_back({*name, static_cast<std::uint32_t>(*weight),
                                                static_cast<std::uint32_t>(cap_new.value_or(0)),
                                                static_cast<std::uint32_t>(cap.value_or(0))});
    tmpl_.marks.compute_weight.push_back(r.at("compute_weight"));
  }

  /// The index of category `name`; reports an unknown one at `at` (unless the categories have
  /// errors of their own). `what` prefixes the message: "" or " in target 'x/1'".
  std::optional<std::uint32_t> category_index(const std::string& name, const file_position& at,
                                              const std::string& where_said = {}) {
    const auto& cats = tmpl_.scenario.params.categories;
    for (std::size_t i = 0; i < cats.size(); ++i)
      if (cats[i].name == name)
        return static_cast<std::uint32_t>(i);
    if (categories_ok_ && !cats.empty())
      diag_.add(at, "unknown category '" + name + "'" + where_said + "; expected one of: " + category_names());
    return std::nullopt;
  }

  std::string category_names() const {
    std::vector<std::string> names;
    for (const auto& c : tmpl_.scenario.params.categories)
      names.push_back(c.name);
    return join(names);
  }

  // [[pool]] -------------------------------------------------------------------------------------

  void read_pool(const toml::table& t) {
    table_reader r(diag_, t, "[[pool]]", {"category", "count", "bid", "votes"});
    sim_pool p;
    p.where = r.where();
    auto category = r.text("category", presence::required, "the name of a [[category]]");
    if (auto v = r.integer("count", presence::required, 0, static_cast<std::int64_t>(sim_max_vms)))
      p.count = static_cast<std::uint64_t>(*v);
    if (const auto* v = r.find("bid")) {
      if (auto d = distribution(r, "bid", *v, "'bid' of [[pool]]", amount_role::bid))
        p.bid = *d;
    } else {
      r.missing("bid", "an amount, or a distribution table such as { distribution = \"uniform\", min = \"10\", "
                       "max = \"100\" }");
    }
    if (const auto* v = r.find("votes"))
      if (auto d = distribution(r, "votes", *v, "'votes' of [[pool]]", amount_role::votes))
        p.votes = *d;
    r.finish();
    if (category)
      if (auto c = category_index(*category, r.at("category")))
        p.category = *c;
    tmpl_.marks.pool_bid.push_back(r.at("bid"));
    tmpl_.marks.pool_votes.push_back(r.at("votes"));
    tmpl_.marks.pool_count.push_back(r.at("count"));
    tmpl_.scenario.pools.push_back(std::move(p));
  }

  static constexpr std::string_view distribution_what =
    "an amount, or a distribution table such as { distribution = \"uniform\", min = \"10\", max = \"100\" }";

  /// An amount (fixed) or a distribution table, the value of `key` in `r`'s table.
  std::optional<sim_distribution> distribution(table_reader& r, std::string_view key, const toml::node& v,
                                               const std::string& context, amount_role role) {
    if (v.is_string()) {
      auto a = r.amount_value(key, v);
      if (!a)
        return std::nullopt;
      sim_distribution d;
      d.value = *a;
      return d;
    }
    const auto* t = v.as_table();
    if (!t) {
      r.wrong_type(key, v, distribution_what);
      return std::nullopt;
    }
    return distribution_table(*t, context, role);
  }

  std::optional<sim_distribution> distribution_table(const toml::table& t, const std::string& context,
                                                     amount_role role) {
    constexpr std::string_view kinds_what = "one of \"fixed\", \"uniform\", \"pareto\", \"lognormal\"";
    table_reader probe(diag_, t, context, {});
    auto kind = probe.text("distribution", presence::required, kinds_what);
    if (!kind)
      return std::nullopt;
    sim_distribution d;
    std::vector<std::string> keys{"distribution"};
    if (*kind == "fixed") {
      keys.insert(keys.end(), {"value"});
    } else if (*kind == "uniform") {
      d.kind = sim_distribution_kind::uniform;
      keys.insert(keys.end(), {"min", "max"});
    } else if (*kind == "pareto") {
      d.kind = sim_distribution_kind::pareto;
      keys.insert(keys.end(), {"alpha", "min", "max"});
    } else if (*kind == "lognormal") {
      d.kind = sim_distribution_kind::lognormal;
      keys.insert(keys.end(), {"median", "sigma", "max"});
    } else {
      probe.bad_value("distribution", *t.get("distribution"), kinds_what, "\"" + *kind + "\"");
      return std::nullopt;
    }
    table_reader r(diag_, t, context, keys);
    bool ok = true;
    auto need = [&](auto opt, auto& field) {
      if (opt)
        field = static_cast<std::remove_reference_t<decltype(field)>>(*opt);
      else
        ok = false;
      return opt.has_value();
    };
    auto at_least_one_unit = [&](std::string_view key, amount a) {
      if (a == 0) {
        r.bad_value(key, *r.find(key), "at least 1 unit (\"1u\")", "0");
        ok = false;
      }
    };
    switch (d.kind) {
      case sim_distribution_kind::fixed:
        need(r.amount_of("value", presence::required), d.value);
        break;
      case sim_distribution_kind::uniform:
        if (need(r.amount_of("min", presence::required), d.min) && role == amount_role::votes)
          at_least_one_unit("min", d.min);
        if (need(r.amount_of("max", presence::required), d.max) && ok && d.max < d.min) {
          r.bad_value("max", *r.find("max"), "at least min (" + bfdt(d.min) + ")", bfdt(d.max));
          ok = false;
        }
        break;
      case sim_distribution_kind::pareto:
        need(r.number("alpha", presence::required, min_alpha, max_alpha), d.alpha);
        if (need(r.amount_of("min", presence::required), d.min))
          at_least_one_unit("min", d.min);
        if (auto cap = r.amount_of("max", presence::optional)) {
          d.max = *cap;
          if (ok && d.max < d.min) {
            r.bad_value("max", *r.find("max"), "at least min (" + bfdt(d.min) + ")", bfdt(d.max));
            ok = false;
          }
        } else if (r.find("max")) {
          ok = false;
        } else {
          d.max = checked_mul(d.min, default_cap_factor).value_or(std::numeric_limits<amount>::max());
        }
        break;
      case sim_distribution_kind::lognormal:
        if (need(r.amount_of("median", presence::required), d.median))
          at_least_one_unit("median", d.median);
        need(r.number("sigma", presence::required, 0, max_sigma), d.sigma);
        if (auto cap = r.amount_of("max", presence::optional)) {
          d.max = *cap;
          if (ok && d.max < d.median) {
            r.bad_value("max", *r.find("max"), "at least the median (" + bfdt(d.median) + ")", bfdt(d.max));
            ok = false;
          }
        } else if (r.find("max")) {
          ok = false;
        } else {
          d.max = checked_mul(d.median, default_cap_factor).value_or(std::numeric_limits<amount>::max());
        }
        break;
    }
    r.finish();
    if (!ok)
      return std::nullopt;
    return d;
  }

  // [load] ---------------------------------------------------------------------------------------

  void read_load(const toml::table& t) {
    table_reader r(diag_, t, "[load]", {"tx_per_second", "accounts", "value", "fee", "balance"});
    auto& l = tmpl_.scenario.load;
    tmpl_.marks.load = r.where();
    has_load_ = true;
    if (auto v = r.integer("tx_per_second", presence::required, 0, max_tx_per_second))
      l.tx_per_second = static_cast<std::uint64_t>(*v);
    if (auto v = r.integer("accounts", presence::required, 1, max_accounts))
      l.accounts = static_cast<std::uint64_t>(*v);
    if (auto v = r.amount_of("value", presence::required)) {
      if (*v == 0)
        r.bad_value("value", *r.find("value"), "at least 1 unit (\"1u\")", "0");
      l.value = *v;
    }
    if (auto v = r.amount_of("fee", presence::required))
      l.fee = *v;
    l.balance = default_balance;
    if (auto v = r.amount_of("balance", presence::optional)) {
      if (*v == 0)
        r.bad_value("balance", *r.find("balance"), "at least 1 unit (\"1u\")", "0");
      l.balance = *v;
    }
    r.finish();
  }

  // [network] ------------------------------------------------------------------------------------

  void read_network(const toml::table& t) {
    table_reader r(diag_, t, "[network]",
                   {"nodes", "delay_ms", "jitter_ms", "reorder", "loss", "loss_until_round", "lose"});
    auto& n = tmpl_.scenario.network;
    if (const auto* v = r.find("nodes"); v && v->as_integer()) {
      if (auto c = r.integer("nodes", presence::optional, 1, 1000)) {
        n.nodes = sim_node_placement::count;
        n.node_count = static_cast<std::uint32_t>(*c);
      }
    } else if (auto v = r.text("nodes", presence::optional, "\"partitions\", \"per-vm\" or a number of nodes")) {
      if (*v == "partitions")
        n.nodes = sim_node_placement::partitions;
      else if (*v == "per-vm")
        n.nodes = sim_node_placement::per_vm;
      else
        r.bad_value("nodes", *r.find("nodes"), "\"partitions\", \"per-vm\" or a number of nodes", "\"" + *v + "\"");
    }
    if (const auto* v = r.find("delay_ms"))
      if (auto d = delay_distribution(r, *v))
        n.delay = *d;
    if (auto v = r.integer("jitter_ms", presence::optional, 0, max_link_delay_ms))
      n.jitter_ms = static_cast<std::uint32_t>(*v);
    if (const auto* v = r.find("reorder")) {
      if (const auto* b = v->as_boolean())
        n.reorder = b->get();
      else
        r.wrong_type("reorder", *v, "true or false");
    }
    if (auto v = r.number("loss", presence::optional, 0, 0.5)) {
      const double m = *v * 1e6;
      if (m != static_cast<double>(static_cast<std::uint32_t>(m)))
        r.bad_value("loss", *r.find("loss"), "a probability from 0 to 0.5 with at most 6 decimals", double_text(*v));
      else
        n.loss_millionths = static_cast<std::uint32_t>(m);
    }
    if (auto v = r.integer("loss_until_round", presence::optional, 0, static_cast<std::int64_t>(sim_max_rounds)))
      n.loss_until_round = static_cast<std::uint64_t>(*v);
    if (const auto* v = r.find("lose")) {
      constexpr std::string_view what = "an array of \"votes\", \"blocks\", \"transactions\", \"sync\"";
      const auto* a = v->as_array();
      if (!a || a->empty()) {
        r.wrong_type("lose", *v, what);
      } else {
        n.lose_votes = n.lose_blocks = n.lose_transactions = n.lose_sync = false;
        for (const auto& item : *a) {
          const auto* str = item.as_string();
          const std::string k = str ? str->get() : "";
          if (k == "votes")
            n.lose_votes = true;
          else if (k == "blocks")
            n.lose_blocks = true;
          else if (k == "transactions")
            n.lose_transactions = true;
          else if (k == "sync")
            n.lose_sync = true;
          else
            diag_.add(item.source(), "'lose' in [network] takes " + std::string(what) + ", got "
                                       + (str ? "\"" + k + "\"" : std::string(type_phrase(item.type()))));
        }
      }
    }
    r.finish();
  }

  /// A link delay: whole milliseconds, or a table { distribution = "fixed" | "uniform" | "lognormal", ... }
  /// with value / min, max / median, sigma, max (all in milliseconds, at most max_link_delay_ms).
  std::optional<sim_distribution> delay_distribution(table_reader& outer, const toml::node& v) {
    constexpr std::string_view what = "milliseconds, or a table such as { distribution = \"uniform\", min = 20, max = 200 }";
    if (v.as_integer()) {
      auto ms = outer.integer_value("delay_ms", v, 0, max_link_delay_ms);
      if (!ms)
        return std::nullopt;
      sim_distribution d;
      d.value = static_cast<amount>(*ms);
      return d;
    }
    const auto* t = v.as_table();
    if (!t) {
      outer.wrong_type("delay_ms", v, what);
      return std::nullopt;
    }
    table_reader r(diag_, *t, "'delay_ms' of [network]", {"distribution", "value", "min", "max", "median", "sigma"});
    auto kind = r.text("distribution", presence::required, "\"fixed\", \"uniform\" or \"lognormal\"");
    sim_distribution d;
    bool ok = kind.has_value();
    auto ms = [&](std::string_view key, presence p, std::int64_t lo) -> std::optional<amount> {
      if (auto x = r.integer(key, p, lo, max_link_delay_ms))
        return static_cast<amount>(*x);
      if (p == presence::required || r.find(key))
        ok = false;
      return std::nullopt;
    };
    if (kind && *kind == "fixed") {
      d.kind = sim_distribution_kind::fixed;
      d.value = ms("value", presence::required, 0).value_or(0);
    } else if (kind && *kind == "uniform") {
      d.kind = sim_distribution_kind::uniform;
      d.min = ms("min", presence::required, 0).value_or(0);
      d.max = ms("max", presence::required, 0).value_or(0);
      if (ok && d.max < d.min) {
        r.bad_value("max", *r.find("max"), "at least min (" + std::to_string(d.min) + ")", std::to_string(d.max));
        ok = false;
      }
    } else if (kind && *kind == "lognormal") {
      d.kind = sim_distribution_kind::lognormal;
      d.median = ms("median", presence::required, 1).value_or(1);
      if (auto s = r.number("sigma", presence::required, 0, 10))
        d.sigma = *s;
      else
        ok = false;
      d.max = ms("max", presence::optional, 1).value_or(std::min<amount>(d.median * 100, max_link_delay_ms));
      if (ok && d.max < d.median) {
        r.bad_value("max", *r.find("max"), "at least median (" + std::to_string(d.median) + ")", std::to_string(d.max));
        ok = false;
      }
    } else if (kind) {
      r.bad_value("distribution", *t->get("distribution"), "\"fixed\", \"uniform\" or \"lognormal\"", "\"" + *kind + "\"");
      ok = false;
    }
    r.finish();
    if (!ok)
      return std::nullopt;
    return d;
  }

  // [[event]] ------------------------------------------------------------------------------------

  struct event_kind_info {
    std::string_view name;
    sim_event_kind kind;
    std::vector<std::string> keys;  ///< besides round and kind
  };

  static const std::vector<event_kind_info>& event_kinds() {
    static const std::vector<event_kind_info> kinds{
      {"join", sim_event_kind::join, {"category", "count", "bid", "votes"}},
      {"leave", sim_event_kind::leave, {"targets"}},
      {"crash", sim_event_kind::crash, {"targets", "rounds"}},
      {"recover", sim_event_kind::recover, {"targets"}},
      {"pause", sim_event_kind::pause, {"targets", "rounds"}},
      {"slow", sim_event_kind::slow, {"targets", "delay_ms", "rounds"}},
      {"partition", sim_event_kind::partition, {"groups", "rounds"}},
      {"heal", sim_event_kind::heal, {}},
      {"equivocate", sim_event_kind::equivocate, {"targets"}},
      {"vote_move", sim_event_kind::vote_move, {"from", "to", "amount", "fraction"}},
      {"double_vote", sim_event_kind::double_vote, {"targets"}},
      {"surround_vote", sim_event_kind::surround_vote, {"targets"}},
    };
    return kinds;
  }

  void read_events(const std::vector<const toml::table*>& tables) {
    struct read_event {
      sim_event event;
      file_position round_at, bid_at;
    };
    std::vector<read_event> events;
    for (std::size_t i = 0; i < tables.size(); ++i) {
      if (auto e = read_event_table(*tables[i], i))
        events.push_back({std::move(*e), pending_round_at_, pending_bid_at_});
    }
    std::stable_sort(events.begin(), events.end(),
                     [](const read_event& a, const read_event& b) { return a.event.round < b.event.round; });
    check_partitions(events);
    for (auto& e : events) {
      tmpl_.marks.event_round.push_back(e.round_at);
      tmpl_.marks.event_bid.push_back(e.bid_at);
      tmpl_.scenario.events.push_back(std::move(e.event));
    }
  }

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

  std::optional<sim_event> read_event_table(const toml::table& t, std::size_t file_index) {
    sim_event e;
    e.where = diag_.position(t.source());
    e.file_index = file_index;
    pending_round_at_ = e.where;
    pending_bid_at_ = e.where;

    std::vector<std::string> kind_names;
    for (const auto& k : event_kinds())
      kind_names.push_back("\"" + std::string(k.name) + "\"");
    const auto kinds_what = "one of " + join(kind_names);
    table_reader probe(diag_, t, "[[event]]", {});
    auto kind = probe.text("kind", presence::required, kinds_what);
    const event_kind_info* info = nullptr;
    if (kind) {
      for (const auto& k : event_kinds())
        if (k.name == *kind)
          info = &k;
      if (!info)
        probe.bad_value("kind", *t.get("kind"), kinds_what, "\"" + *kind + "\"");
    }
    if (!info) {
      probe.integer("round", presence::required, 0, static_cast<std::int64_t>(sim_max_rounds) - 1);
      return std::nullopt;  // the other keys depend on the kind
    }
    e.kind = info->kind;
    std::vector<std::string> keys{"round", "kind"};
    keys.insert(keys.end(), info->keys.begin(), info->keys.end());
    table_reader r(diag_, t, "[[event]] of kind '" + std::string(info->name) + "'", keys);
    bool ok = true;
    const auto max_round = static_cast<std::int64_t>(sim_max_rounds) - 1;
    if (auto v = r.integer("round", presence::required, e.kind == sim_event_kind::join ? 1 : 0, max_round))
      e.round = static_cast<std::uint64_t>(*v);
    else
      ok = false;
    pending_round_at_ = r.at("round");

    auto targets = [&](std::string_view key, std::vector<sim_selector>& out) {
      if (const auto* v = r.find(key)) {
        if (!selectors(r, key, *v, out))
          ok = false;
      } else {
        r.missing(key, "a target such as \"gold/3\", or an array of them");
        ok = false;
      }
    };
    auto duration = [&](presence p) {
      if (auto v = r.integer("rounds", p, 1, static_cast<std::int64_t>(sim_max_rounds)))
        e.rounds = static_cast<std::uint64_t>(*v);
      else if (p == presence::required || r.find("rounds"))
        ok = false;
    };

    switch (e.kind) {
      case sim_event_kind::join: {
        auto category = r.text("category", presence::required, "the name of a [[category]]");
        if (auto v = r.integer("count", presence::required, 1, static_cast<std::int64_t>(sim_max_vms)))
          e.count = static_cast<std::uint64_t>(*v);
        else
          ok = false;
        if (const auto* v = r.find("bid")) {
          if (auto d = distribution(r, "bid", *v, "'bid' of a join [[event]]", amount_role::bid))
            e.bid = *d;
          else
            ok = false;
        } else {
          r.missing("bid", distribution_what);
          ok = false;
        }
        if (const auto* v = r.find("votes")) {
          if (auto d = distribution(r, "votes", *v, "'votes' of a join [[event]]", amount_role::votes))
            e.votes = *d;
          else
            ok = false;
        }
        pending_bid_at_ = r.at("bid");
        if (!category)
          ok = false;
        else if (auto c = category_index(*category, r.at("category")))
          e.category = *c;
        else
          ok = false;
        break;
      }
      case sim_event_kind::leave:
      case sim_event_kind::recover:
      case sim_event_kind::equivocate:
      case sim_event_kind::double_vote:
      case sim_event_kind::surround_vote:
        targets("targets", e.targets);
        break;
      case sim_event_kind::crash:
        targets("targets", e.targets);
        duration(presence::optional);
        break;
      case sim_event_kind::pause:
        targets("targets", e.targets);
        duration(presence::required);
        break;
      case sim_event_kind::slow:
        targets("targets", e.targets);
        if (auto v = r.integer("delay_ms", presence::required, 1, max_delay_ms))
          e.delay_ms = static_cast<std::uint32_t>(*v);
        else
          ok = false;
        duration(presence::optional);
        break;
      case sim_event_kind::partition:
        if (const auto* v = r.find("groups")) {
          if (!groups(r, *v, e.groups))
            ok = false;
        } else {
          r.missing("groups", "an array of groups of targets, e.g. [[\"gold/*\"], [\"silver/*\", \"bronze/*\"]]");
          ok = false;
        }
        duration(presence::optional);
        break;
      case sim_event_kind::heal:
        break;
      case sim_event_kind::vote_move: {
        targets("from", e.from);
        targets("to", e.to);
        const auto* a = r.find("amount");
        const auto* f = r.find("fraction");
        if (a && f) {
          diag_.add(f->source(), "[[event]] of kind 'vote_move' has both 'amount' and 'fraction'; give exactly "
                                 "one of them");
          ok = false;
        } else if (!a && !f) {
          r.missing("amount", "the stake moved from each 'from' VM, or a 'fraction' of its votes instead");
          ok = false;
        } else if (a) {
          auto v = r.amount_of("amount", presence::required);
          if (v && *v == 0)
            r.bad_value("amount", *a, "at least 1 unit (\"1u\")", "0");
          if (!v || *v == 0)
            ok = false;
          else
            e.move_amount = *v;
        } else if (auto v = r.number("fraction", presence::required, 0, 1)) {
          const auto m = static_cast<std::uint32_t>(std::floor(*v * 1'000'000 + 0.5));
          if (m == 0) {
            r.bad_value("fraction", *f, "more than 0 (in millionths)", double_text(*v));
            ok = false;
          }
          e.move_millionths = m;
        } else {
          ok = false;
        }
        break;
      }
    }
    r.finish();
    if (!ok)
      return std::nullopt;
    return e;
  }

  /// A target, or an array of targets (at least one).
  bool selectors(table_reader& r, std::string_view key, const toml::node& v, std::vector<sim_selector>& out) {
    constexpr std::string_view what = "a target such as \"gold/3\", or an array of them";
    if (v.is_string()) {
      auto s = selector(v);
      if (s)
        out.push_back(std::move(*s));
      return s.has_value();
    }
    const auto* a = v.as_array();
    if (!a) {
      r.wrong_type(key, v, what);
      return false;
    }
    if (a->empty()) {
      r.bad_value(key, v, what, "an empty array");
      return false;
    }
    bool ok = true;
    for (const auto& e : *a) {
      if (!e.is_string()) {
        diag_.add(e.source(), "each target in '" + std::string(key) + "' of " + r.context() + " must be a string "
                                "such as \"gold/3\", not " + std::string(type_phrase(e.type())));
        ok = false;
      } else if (auto s = selector(e)) {
        out.push_back(std::move(*s));
      } else {
        ok = false;
      }
    }
    return ok;
  }

  bool groups(table_reader& r, const toml::node& v, std::vector<std::vector<sim_selector>>& out) {
    constexpr std::string_view what = "an array of groups of targets, e.g. [[\"gold/*\"], [\"silver/*\"]]";
    const auto* a = v.as_array();
    if (!a) {
      r.wrong_type("groups", v, what);
      return false;
    }
    if (a->empty()) {
      r.bad_value("groups", v, what, "an empty array");
      return false;
    }
    bool ok = true;
    for (const auto& g : *a) {
      std::vector<sim_selector> group;
      if (!selectors(r, "groups", g, group))
        ok = false;
      out.push_back(std::move(group));
    }
    return ok;
  }

  /// Parses one target string; reports and returns nothing if it is not one.
  std::optional<sim_selector> selector(const toml::node& v) {
    sim_selector s;
    s.text = v.as_string()->get();
    s.where = diag_.position(v.source());
    const std::string_view text = s.text;
    const std::string quoted = "'" + s.text + "'";
    constexpr std::string_view cluster = "cluster:";
    if (text.starts_with(cluster)) {
      const auto rest = text.substr(cluster.size());
      const auto eq = rest.find('=');
      const auto key = rest.substr(0, eq);
      const auto arg = eq == std::string_view::npos ? std::string_view{} : rest.substr(eq + 1);
      if (eq == std::string_view::npos || arg.empty()) {
        // fall through to the syntax error below
      } else if (key == "fraction") {
        s.kind = sim_selector_kind::cluster_fraction;
        auto m = parse_millionths(arg);
        if (!m || *m == 0 || *m > 1'000'000) {
          diag_.add(s.where, "target " + quoted + " needs a fraction more than 0 and at most 1, with at most 6 "
                                                  "decimals, e.g. cluster:fraction=0.34");
          return std::nullopt;
        }
        s.millionths = static_cast<std::uint32_t>(*m);
        return s;
      } else if (key == "count") {
        s.kind = sim_selector_kind::cluster_count;
        auto n = parse_u64(arg);
        if (!n || *n == 0 || *n > sim_max_vms) {
          diag_.add(s.where, "target " + quoted + " needs a count from 1 to " + std::to_string(sim_max_vms));
          return std::nullopt;
        }
        s.count = *n;
        return s;
      } else if (key == "category") {
        s.kind = sim_selector_kind::cluster_category;
        auto c = category_index(std::string(arg), s.where, " in target " + quoted);
        if (!c)
          return std::nullopt;
        s.category = *c;
        return s;
      }
    } else if (const auto slash = text.find('/'); slash != std::string_view::npos) {
      const auto name = text.substr(0, slash);
      const auto index = text.substr(slash + 1);
      if (is_identifier(name) && (index == "*" || all_digits(index))) {
        auto c = category_index(std::string(name), s.where, " in target " + quoted);
        if (!c)
          return std::nullopt;
        s.category = *c;
        if (index == "*") {
          s.kind = sim_selector_kind::category;
          return s;
        }
        auto n = parse_u64(index);
        if (!n || *n >= sim_max_vms) {
          diag_.add(s.where, "target " + quoted + " names VM " + std::string(index) + "; a scenario has at most "
                               + std::to_string(sim_max_vms) + " VMs");
          return std::nullopt;
        }
        s.kind = sim_selector_kind::vm;
        s.index = *n;
        return s;
      }
    }
    diag_.add(s.where, quoted + " is not a target; write " + std::string(selector_forms));
    return std::nullopt;
  }

  // [sweep] --------------------------------------------------------------------------------------

  struct sweep_leaf {
    std::string path;
    file_position key_at;
    const toml::node* value;
  };

  void collect_leaves(const toml::table& t, const std::string& prefix, std::vector<sweep_leaf>& out) {
    for (auto&& [k, v] : t) {
      const auto path = prefix + std::string(k.str());
      if (const auto* sub = v.as_table(); sub && !sub->is_inline())  // dotted keys or [sweep.x] tables
        collect_leaves(*sub, path + ".", out);
      else
        out.push_back({path, diag_.position(k.source()), &v});
    }
  }

  void read_sweep(const toml::table& t) {
    sweep_at_ = diag_.position(t.source());
    has_sweep_ = true;
    std::vector<sweep_leaf> leaves;
    collect_leaves(t, "", leaves);
    std::sort(leaves.begin(), leaves.end(), [](const sweep_leaf& a, const sweep_leaf& b) {
      return std::pair(a.key_at.line, a.key_at.column) < std::pair(b.key_at.line, b.key_at.column);
    });
    if (leaves.empty())
      diag_.add(sweep_at_, "[sweep] is empty: give at least one parameter and its values, e.g. "
                           "\"scenario.seed\" = [1, 2, 3]");
    std::map<std::string, file_position> seen;
    for (const auto& leaf : leaves) {
      if (auto it = seen.find(leaf.path); it != seen.end()) {
        diag_.add(leaf.key_at, "sweep parameter '" + leaf.path + "' is given twice (first at line "
                                 + line_of(it->second) + ")");
        continue;
      }
      seen.emplace(leaf.path, leaf.key_at);
      if (auto axis = read_axis(leaf))
        axes_.push_back(std::move(*axis));
    }
    bool rounds = false, epochs = false;
    for (const auto& a : axes_) {
      rounds = rounds || a.target == parameter::rounds;
      epochs = epochs || a.target == parameter::epochs;
    }
    if (rounds && epochs)
      diag_.add(sweep_at_, "[sweep] has both 'scenario.rounds' and 'scenario.epochs'; sweep one of them");
    check_sweep_size();
  }

  std::optional<sweep_axis> read_axis(const sweep_leaf& leaf) {
    sweep_axis axis;
    axis.path = leaf.path;
    axis.where = leaf.key_at;
    if (!resolve_parameter(axis))
      return std::nullopt;
    const auto* a = leaf.value->as_array();
    if (!a) {
      diag_.add(leaf.value->source(), "'" + leaf.path + "' in [sweep] must be an array of the values to run, e.g. "
                                        "[10, 20], not " + std::string(type_phrase(leaf.value->type())));
      return std::nullopt;
    }
    if (a->empty()) {
      diag_.add(leaf.value->source(), "'" + leaf.path + "' in [sweep] is empty: give at least one value");
      return std::nullopt;
    }
    // The values are read as if each were the parameter's key in its own section.
    toml::table holder;
    table_reader r(diag_, holder, "[sweep]", {});
    bool ok = true;
    std::map<std::string, file_position> labels;
    for (const auto& v : *a) {
      auto value = sweep_value_of(r, axis, v);
      if (!value) {
        ok = false;
        continue;
      }
      if (auto it = labels.find(value->label); it != labels.end()) {
        diag_.add(v.source(), "the value " + value->label + " of '" + leaf.path + "' is given twice (first at "
                                + it->second.to_string() + ")");
        ok = false;
        continue;
      }
      labels.emplace(value->label, value->where);
      axis.values.push_back(std::move(*value));
    }
    if (!ok)
      return std::nullopt;
    return axis;
  }

  /// Sets the target of `axis` from its path; reports an unknown parameter.
  bool resolve_parameter(sweep_axis& axis) {
    const std::string& path = axis.path;
    std::vector<std::string> parts;
    for (std::size_t start = 0;;) {
      const auto dot = path.find('.', start);
      parts.push_back(path.substr(start, dot - start));
      if (dot == std::string::npos)
        break;
      start = dot + 1;
    }
    auto unknown = [&] {
      diag_.add(axis.where,
                "unknown sweep parameter '" + path + "'; expected one of: " + std::string(sweep_parameters));
      return false;
    };
    static const std::map<std::string, parameter, std::less<>> scenario_keys{
      {"seed", parameter::seed},
      {"rounds", parameter::rounds},
      {"epochs", parameter::epochs},
      {"rounds_per_epoch", parameter::rounds_per_epoch},
      {"slot_ms", parameter::slot_ms},
      {"work_bits", parameter::work_bits},
      {"block_reward", parameter::block_reward},
      {"base_block_txs", parameter::base_block_txs},
      {"miss_limit", parameter::miss_limit},
      {"min_bid", parameter::min_bid},
    };
    static const std::map<std::string, parameter, std::less<>> category_keys{
      {"compute_weight", parameter::compute_weight},
      {"cluster_cap", parameter::cluster_cap},
      {"max_new_per_epoch", parameter::max_new_per_epoch},
    };
    static const std::map<std::string, parameter, std::less<>> pool_keys{
      {"count", parameter::pool_count}, {"bid", parameter::pool_bid}, {"votes", parameter::pool_votes}};
    static const std::map<std::string, parameter, std::less<>> load_keys{
      {"tx_per_second", parameter::tx_per_second},
      {"accounts", parameter::accounts},
      {"value", parameter::value},
      {"fee", parameter::fee},
      {"balance", parameter::balance},
    };
    if (parts.size() == 2 && parts[0] == "scenario") {
      auto it = scenario_keys.find(parts[1]);
      if (it == scenario_keys.end())
        return unknown();
      axis.target = it->second;
      return true;
    }
    if (parts.size() == 2 && parts[0] == "load") {
      auto it = load_keys.find(parts[1]);
      if (it == load_keys.end())
        return unknown();
      if (!has_load_) {
        diag_.add(axis.where, "sweep parameter '" + path + "' needs a [load] section to vary");
        return false;
      }
      axis.target = it->second;
      return true;
    }
    if (parts.size() == 3 && parts[0] == "category") {
      auto it = category_keys.find(parts[2]);
      if (it == category_keys.end())
        return unknown();
      auto c = category_index(parts[1], axis.where, " in sweep parameter '" + path + "'");
      if (!c)
        return false;
      axis.target = it->second;
      axis.index = *c;
      return true;
    }
    if (parts.size() == 3 && parts[0] == "pool") {
      auto it = pool_keys.find(parts[2]);
      if (it == pool_keys.end() || !all_digits(parts[1]))
        return unknown();
      const auto pools = tmpl_.scenario.pools.size();
      auto n = parse_u64(parts[1]);
      if (!n || *n >= pools) {
        diag_.add(axis.where, "sweep parameter '" + path + "' names pool " + parts[1] + ", but the file has "
                                + std::to_string(pools) + " [[pool]] entries, numbered from 0");
        return false;
      }
      axis.target = it->second;
      axis.index = static_cast<std::size_t>(*n);
      return true;
    }
    return unknown();
  }

  std::optional<sweep_value> sweep_value_of(table_reader& r, const sweep_axis& axis, const toml::node& v) {
    sweep_value out;
    out.where = diag_.position(v.source());
    const std::string& key = axis.path;
    auto integer = [&](std::int64_t min, std::int64_t max) -> bool {
      auto i = r.integer_value(key, v, min, max);
      if (!i)
        return false;
      out.value = static_cast<std::uint64_t>(*i);
      out.label = std::to_string(*i);
      return true;
    };
    auto money = [&](bool positive) -> bool {
      auto a = r.amount_value(key, v);
      if (!a)
        return false;
      if (positive && *a == 0) {
        r.bad_value(key, v, "at least 1 unit (\"1u\")", "0");
        return false;
      }
      out.value = *a;
      out.label = format_amount(*a);
      return true;
    };
    auto dist = [&](amount_role role) -> bool {
      auto d = distribution(r, key, v, "a value of '" + key + "' in [sweep]", role);
      if (!d)
        return false;
      out.label = d->label();
      out.value = *d;
      return true;
    };
    const auto max_rounds = static_cast<std::int64_t>(sim_max_rounds);
    bool ok = false;
    switch (axis.target) {
      case parameter::seed:
        if (auto s = seed_value(r, key, v)) {
          out.value = *s;
          out.label = std::to_string(*s);
          ok = true;
        }
        break;
      case parameter::rounds:
      case parameter::epochs: ok = integer(1, max_rounds); break;
      case parameter::rounds_per_epoch: ok = integer(1, max_rounds_per_epoch); break;
      case parameter::slot_ms: ok = integer(min_slot_ms, max_slot_ms); break;
      case parameter::work_bits: ok = integer(0, max_work_bits); break;
      case parameter::block_reward: ok = money(false); break;
      case parameter::base_block_txs: ok = integer(1, max_block_txs); break;
      case parameter::miss_limit: ok = integer(0, max_u32); break;
      case parameter::min_bid: ok = money(true); break;
      case parameter::compute_weight: ok = integer(1, max_compute_weight); break;
      case parameter::cluster_cap:
      case parameter::max_new_per_epoch: ok = integer(0, max_u32); break;
      case parameter::pool_count: ok = integer(0, static_cast<std::int64_t>(sim_max_vms)); break;
      case parameter::pool_bid: ok = dist(amount_role::bid); break;
      case parameter::pool_votes: ok = dist(amount_role::votes); break;
      case parameter::tx_per_second: ok = integer(0, max_tx_per_second); break;
      case parameter::accounts: ok = integer(1, max_accounts); break;
      case parameter::value:
      case parameter::balance: ok = money(true); break;
      case parameter::fee: ok = money(false); break;
    }
    if (!ok)
      return std::nullopt;
    return out;
  }

  /// Bounds the expansion: points, events in all points, label length.
  void check_sweep_size() {
    if (axes_.empty())
      return;
    std::uint64_t points = 1;
    std::vector<std::string> factors;
    bool too_many = false;
    std::size_t label_chars = 0;
    for (const auto& a : axes_) {
      factors.push_back(std::to_string(a.values.size()));
      auto p = checked_mul(points, a.values.size());
      too_many = too_many || !p || *p > sim_max_sweep_points;
      points = p.value_or(std::numeric_limits<std::uint64_t>::max());
      std::size_t longest = 0;
      for (const auto& v : a.values)
        longest = std::max(longest, v.label.size());
      label_chars += (label_chars ? 1 : 0) + a.path.size() + 1 + longest;
    }
    if (too_many) {
      diag_.add(sweep_at_, "[sweep] expands to " + join(factors, " × ") + " = "
                             + (points == std::numeric_limits<std::uint64_t>::max() ? std::string("over 2^64")
                                                                                       : std::to_string(points))
                             + " scenarios; at most " + std::to_string(sim_max_sweep_points));
      return;
    }
    const auto events = tmpl_.scenario.events.size();
    if (events > 0 && points * events > sim_max_expanded_events)
      diag_.add(sweep_at_, "[sweep] expands to " + std::to_string(points) + " scenarios of "
                             + std::to_string(events) + " events each, " + std::to_string(points * events)
                             + " events in all; at most " + std::to_string(sim_max_expanded_events)
                             + ": sweep fewer values or split the file");
    if (label_chars > max_label_chars)
      diag_.add(sweep_at_, "[sweep] makes labels of up to " + std::to_string(label_chars)
                             + " characters; at most " + std::to_string(max_label_chars)
                             + " (they name directories): sweep fewer parameters");
  }

  // Expansion and the checks of each scenario ---------------------------------------------------

  result<std::vector<sim_scenario>> expand() {
    std::size_t points = 1;
    for (const auto& a : axes_)
      points *= a.values.size();
    std::vector<sim_scenario> out;
    out.reserve(points);
    std::vector<std::size_t> choice(axes_.size(), 0);
    for (std::size_t n = 0; n < points; ++n) {
      // Mixed radix, the last axis fastest: the first [sweep] key is the outermost loop.
      std::size_t rest = n;
      for (std::size_t i = axes_.size(); i-- > 0;) {
        choice[i] = rest % axes_[i].values.size();
        rest /= axes_[i].values.size();
      }
      scenario_template point = tmpl_;
      apply(point, choice);
      point.scenario.sweep_index = n;
      check(point);
      if (!diag_.empty()) {
        if (has_sweep_)
          diag_.append_to_all(" (sweep point " + point.scenario.label + ")");
        return diag_.to_error();
      }
      out.push_back(std::move(point.scenario));
    }
    return out;
  }

  void apply(scenario_template& t, const std::vector<std::size_t>& choice) {
    auto& s = t.scenario;
    auto& p = s.params;
    auto& m = t.marks;
    std::vector<std::string> label;
    for (std::size_t i = 0; i < axes_.size(); ++i) {
      const auto& axis = axes_[i];
      const auto& v = axis.values[choice[i]];
      s.sweep.push_back({axis.path, v.label});
      label.push_back(axis.path + "=" + v.label);
      const auto number = [&] { return std::get<std::uint64_t>(v.value); };
      const auto dist = [&] { return std::get<sim_distribution>(v.value); };
      switch (axis.target) {
        case parameter::seed: s.seed = number(); break;
        case parameter::rounds:
          t.rounds = number();
          t.epochs.reset();
          m.rounds = v.where;
          break;
        case parameter::epochs:
          t.epochs = number();
          t.rounds.reset();
          m.rounds = v.where;
          break;
        case parameter::rounds_per_epoch: p.rounds_per_epoch = number(); break;
        case parameter::slot_ms: p.slot_ms = number(); break;
        case parameter::work_bits: p.work_bits = static_cast<std::uint32_t>(number()); break;
        case parameter::block_reward: p.block_reward = number(); break;
        case parameter::base_block_txs:
          p.base_block_txs = static_cast<std::uint32_t>(number());
          m.base_block_txs = v.where;
          break;
        case parameter::miss_limit: p.miss_limit = static_cast<std::uint32_t>(number()); break;
        case parameter::min_bid:
          p.min_bid = number();
          m.min_bid = v.where;
          break;
        case parameter::compute_weight:
          p.categories[axis.index].compute_weight = static_cast<std::uint32_t>(number());
          m.compute_weight[axis.index] = v.where;
          break;
        case parameter::cluster_cap: p.categories[axis.index].cluster_cap = static_cast<std::uint32_t>(number()); break;
        case parameter::max_new_per_epoch:
          p.categories[axis.index].max_new_per_epoch = static_cast<std::uint32_t>(number());
          break;
        case parameter::pool_count:
          s.pools[axis.index].count = number();
          m.pool_count[axis.index] = v.where;
          break;
        case parameter::pool_bid:
          s.pools[axis.index].bid = dist();
          m.pool_bid[axis.index] = v.where;
          break;
        case parameter::pool_votes:
          s.pools[axis.index].votes = dist();
          m.pool_votes[axis.index] = v.where;
          break;
        case parameter::tx_per_second: s.load.tx_per_second = number(); break;
        case parameter::accounts: s.load.accounts = number(); break;
        case parameter::value: s.load.value = number(); break;
        case parameter::fee: s.load.fee = number(); break;
        case parameter::balance: s.load.balance = number(); break;
      }
    }
    s.label = join(label, ",");
  }

  /// The checks that depend on values a sweep can change.
  void check(scenario_template& t) {
    auto& s = t.scenario;
    const auto& p = s.params;
    const auto& m = t.marks;

    // Length.
    if (t.rounds) {
      s.rounds = *t.rounds;
    } else {
      auto r = checked_mul(*t.epochs, p.rounds_per_epoch);
      if (!r || *r > sim_max_rounds) {
        diag_.add(m.rounds, "'epochs' × rounds_per_epoch is " + std::to_string(*t.epochs) + " × "
                              + std::to_string(p.rounds_per_epoch) + " = "
                              + (r ? std::to_string(*r) : std::string("over 2^64")) + " rounds; at most "
                              + std::to_string(sim_max_rounds));
        return;
      }
      s.rounds = *r;
    }

    // Block sizes (the genesis check of docs/consensus.md section 2).
    for (std::size_t c = 0; c < p.categories.size(); ++c) {
      const auto txs = std::uint64_t{p.base_block_txs} * p.categories[c].compute_weight;
      if (txs > static_cast<std::uint64_t>(max_block_txs))
        diag_.add(m.compute_weight[c], "category '" + p.categories[c].name + "' makes blocks of base_block_txs × "
                                         "compute_weight = " + std::to_string(p.base_block_txs) + " × "
                                         + std::to_string(p.categories[c].compute_weight) + " = "
                                         + std::to_string(txs) + " transactions; a block holds at most "
                                         + std::to_string(max_block_txs));
    }

    // Pools: names, bids, sizes.
    std::vector<std::uint64_t> present(p.categories.size(), 0);
    std::uint64_t vms = 0;
    bool too_many_reported = false;
    auto count_vms = [&](std::uint64_t n, const file_position& at) {
      vms += n;
      if (vms > sim_max_vms && !too_many_reported) {
        diag_.add(at, "the scenario reaches " + std::to_string(vms) + " VMs here; at most "
                        + std::to_string(sim_max_vms));
        too_many_reported = true;
      }
    };
    for (std::size_t i = 0; i < s.pools.size(); ++i) {
      auto& pool = s.pools[i];
      pool.first_index = present[pool.category];
      present[pool.category] += pool.count;
      check_bid(pool.bid, p.min_bid, m.pool_bid[i], "this [[pool]]");
      count_vms(pool.count, m.pool_count[i]);
    }
    if (vms == 0 && !s.pools.empty())
      diag_.add(s.pools.front().where, "the pools hold no VM: a scenario needs at least one genesis VM");

    // Events, in order: rounds in range, targets that exist, joins.
    std::size_t next_vm = vms;
    for (std::size_t i = 0; i < s.events.size(); ++i) {
      auto& e = s.events[i];
      if (e.round >= s.rounds)
        diag_.add(m.event_round[i], "this event at round " + std::to_string(e.round) + " never happens: the "
                                      "scenario runs rounds 0 to " + std::to_string(s.rounds - 1));
      auto check_targets = [&](const std::vector<sim_selector>& targets) {
        for (const auto& sel : targets)
          check_target(sel, present, e.round);
      };
      check_targets(e.targets);
      check_targets(e.from);
      check_targets(e.to);
      for (const auto& g : e.groups)
        check_targets(g);
      if (e.kind == sim_event_kind::join) {
        check_bid(e.bid, p.min_bid, m.event_bid[i], "this join");
        e.first_vm = next_vm;
        next_vm += e.count;
        present[e.category] += e.count;
        count_vms(e.count, e.where);
      }
    }
    if (!diag_.empty())
      return;
    check_supply(s, m);
  }

  /// A bid distribution never gives less than min_bid (lognormal draws are raised to it).
  void check_bid(const sim_distribution& d, amount min_bid, const file_position& at, const std::string& who) {
    amount lowest = 0;
    std::string what;
    switch (d.kind) {
      case sim_distribution_kind::fixed: lowest = d.value; what = "a bid of"; break;
      case sim_distribution_kind::uniform: lowest = d.min; what = "bids from"; break;
      case sim_distribution_kind::pareto: lowest = d.min; what = "bids from"; break;
      case sim_distribution_kind::lognormal:
        if (d.max < min_bid)
          diag_.add(at, "the bids of " + who + " are capped at " + bfdt(d.max) + ", below the min_bid of "
                          + bfdt(min_bid) + "; raise 'max'");
        return;
    }
    if (lowest < min_bid)
      diag_.add(at, who + " has " + what + " " + bfdt(lowest) + ", below the min_bid of " + bfdt(min_bid));
  }

  void check_target(const sim_selector& sel, const std::vector<std::uint64_t>& present, std::uint64_t round) {
    if (sel.names_cluster())
      return;
    const auto& cat = tmpl_.scenario.params.categories[sel.category].name;
    const auto n = present[sel.category];
    const std::string at_round = " at round " + std::to_string(round);
    if (sel.kind == sim_selector_kind::category && n == 0)
      diag_.add(sel.where, "target '" + sel.text + "' selects nothing: category '" + cat + "' has no VMs" + at_round);
    else if (sel.kind == sim_selector_kind::vm && sel.index >= n)
      diag_.add(sel.where, "target '" + sel.text + "' is out of range: category '" + cat + "' has "
                             + std::to_string(n) + " VMs" + at_round
                             + (n ? " (" + cat + "/0 to " + cat + "/" + std::to_string(n - 1) + ")" : std::string()));
  }

  /// Bids, votes and account balances stay below sim_max_supply: at their largest if that is
  /// enough, else as drawn.
  void check_supply(const sim_scenario& s, const value_marks& m) {
    unsigned __int128 worst = static_cast<unsigned __int128>(s.load.accounts) * s.load.balance;
    auto largest = [](std::uint64_t count, const sim_distribution& bid, const sim_distribution& votes, amount min_bid) {
      return static_cast<unsigned __int128>(count)
             * (static_cast<unsigned __int128>(std::max(bid.largest(), min_bid)) + votes.largest());
    };
    for (const auto& pool : s.pools)
      worst += largest(pool.count, pool.bid, pool.votes, s.params.min_bid);
    for (const auto& e : s.events)
      if (e.kind == sim_event_kind::join)
        worst += largest(e.count, e.bid, e.votes, s.params.min_bid);
    if (worst < sim_max_supply)
      return;
    // Heavy tails: add what is actually drawn, and name where the sum first gets too large.
    unsigned __int128 total = static_cast<unsigned __int128>(s.load.accounts) * s.load.balance;
    auto too_large = [&](const file_position& at, std::string_view where) {
      diag_.add(at, "bids, votes and account balances reach " + std::string(where) + " more than 2^63 base units "
                      "(92233720368 BFDT); lower the amounts, or give pareto and lognormal distributions a smaller "
                      "'max'");
    };
    if (total >= sim_max_supply) {
      too_large(m.load, "with [load]'s accounts,");
      return;
    }
    const auto vms = materialize_vms(s);
    std::size_t k = 0;
    for (std::size_t i = 0; i < s.pools.size(); ++i) {
      for (std::uint64_t j = 0; j < s.pools[i].count; ++j, ++k)
        total += static_cast<unsigned __int128>(vms[k].bid) + vms[k].votes;
      if (total >= sim_max_supply) {
        too_large(m.pool_count[i], "at this pool");
        return;
      }
    }
    for (const auto& e : s.events) {
      if (e.kind != sim_event_kind::join)
        continue;
      for (std::uint64_t j = 0; j < e.count; ++j, ++k)
        total += static_cast<unsigned __int128>(vms[k].bid) + vms[k].votes;
      if (total >= sim_max_supply) {
        too_large(e.where, "at this join");
        return;
      }
    }
  }

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

} // namespace

result<std::vector<sim_scenario>> parse_sim_scenarios(std::string_view text, const std::string& source_name) {
  try {
    return scenario_parser(source_name).run(text);
  } catch (const std::exception& e) {  // allocation failure or a toml++ surprise: never escapes
    return make_error(errc::invalid_argument, source_name + ": cannot load: " + e.what());
  }
}

result<std::vector<sim_scenario>> load_sim_scenarios(const std::string& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec)
    return make_error(errc::io, path + ": cannot read the scenario file: " + ec.message());
  if (size > max_file_bytes)
    return make_error(errc::io, path + ": " + std::to_string(size) + " bytes is too large for a scenario file (at most "
                                  + std::to_string(max_file_bytes) + ")");
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return make_error(errc::io, path + ": cannot read the scenario file: " + std::strerror(errno));
  std::ostringstream buf;
  buf << in.rdbuf();
  if (in.bad())
    return make_error(errc::io, path + ": cannot read the scenario file");
  return parse_sim_scenarios(buf.str(), path);
}

} // namespace bfd::config
