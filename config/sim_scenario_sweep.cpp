// The bfd-sim scenario loader: [sweep] axes, their expansion into scenarios, and the checks each
// expanded scenario must pass.
#include "config/sim_scenario_parser.hpp"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace bfd::config {

namespace sim_parse {

void scenario_parser::collect_leaves(const toml::table& t, const std::string& prefix, std::vector<sweep_leaf>& out) {
  for (auto&& [k, v] : t) {
    const auto path = prefix + std::string(k.str());
    if (const auto* sub = v.as_table(); sub && !sub->is_inline())  // dotted keys or [sweep.x] tables
      collect_leaves(*sub, path + ".", out);
    else
      out.push_back({path, diag_.position(k.source()), &v});
  }
}

void scenario_parser::read_sweep(const toml::table& t) {
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

std::optional<sweep_axis> scenario_parser::read_axis(const sweep_leaf& leaf) {
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

bool scenario_parser::resolve_parameter(sweep_axis& axis) {
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

std::optional<sweep_value> scenario_parser::sweep_value_of(table_reader& r, const sweep_axis& axis, const toml::node& v) {
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

void scenario_parser::check_sweep_size() {
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

result<std::vector<sim_scenario>> scenario_parser::expand() {
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

void scenario_parser::apply(scenario_template& t, const std::vector<std::size_t>& choice) {
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

void scenario_parser::check(scenario_template& t) {
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

void scenario_parser::check_bid(const sim_distribution& d, amount min_bid, const file_position& at, const std::string& who) {
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

void scenario_parser::check_target(const sim_selector& sel, const std::vector<std::uint64_t>& present, std::uint64_t round) {
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

void scenario_parser::check_supply(const sim_scenario& s, const value_marks& m) {
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

} // namespace sim_parse

} // namespace bfd::config
