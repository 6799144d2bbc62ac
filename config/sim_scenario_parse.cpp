// The bfd-sim scenario loader: TOML to scenarios, the top-level sections ([scenario],
// [[category]], [[pool]], [load], [network]) and the entry points.
#include "config/sim_scenario_parser.hpp"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace bfd::config {

namespace sim_parse {

result<std::vector<sim_scenario>> scenario_parser::run(std::string_view text) {
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

void scenario_parser::read_sections(const toml::table& doc) {
  for (auto&& [k, v] : doc) {
    const auto name = std::string(k.str());
    if (name == "scenario" || name == "category" || name == "pool" || name == "load" || name == "network"
        || name == "sidechain" || name == "event" || name == "sweep")
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
  const auto sidechains = tables_of(doc, "sidechain", {});
  if (sidechains.size() > sim_max_sidechains)
    diag_.add(doc.get("sidechain")->source(), "[[sidechain]] has " + std::to_string(sidechains.size())
                                                + " entries; at most " + std::to_string(sim_max_sidechains));
  else
    for (const auto* t : sidechains)
      read_sidechain(*t);
  const auto events = tables_of(doc, "event", {});
  if (events.size() > sim_max_events)
    diag_.add(doc.get("event")->source(), "[[event]] has " + std::to_string(events.size()) + " entries; at most "
                                            + std::to_string(sim_max_events));
  else
    read_events(events);
  if (const auto* t = single_table(doc, "sweep", {}))
    read_sweep(*t);
}

const toml::table* scenario_parser::single_table(const toml::table& doc, std::string_view name, std::string_view required_because) {
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

std::vector<const toml::table*> scenario_parser::tables_of(const toml::table& doc, std::string_view name,
                                          std::string_view required_because) {
  return detail::tables_of(diag_, doc, name, required_because);
}

void scenario_parser::read_scenario(const toml::table& t) {
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

std::optional<std::uint64_t> scenario_parser::seed_value(table_reader& r, std::string_view key, const toml::node& v) {
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

void scenario_parser::read_category(const toml::table& t) {
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

std::optional<std::uint32_t> scenario_parser::category_index(const std::string& name, const file_position& at,
                                                              const std::string& where_said) {
  const auto& cats = tmpl_.scenario.params.categories;
  for (std::size_t i = 0; i < cats.size(); ++i)
    if (cats[i].name == name)
      return static_cast<std::uint32_t>(i);
  if (categories_ok_ && !cats.empty())
    diag_.add(at, "unknown category '" + name + "'" + where_said + "; expected one of: " + category_names());
  return std::nullopt;
}

std::string scenario_parser::category_names() const {
  std::vector<std::string> names;
  for (const auto& c : tmpl_.scenario.params.categories)
    names.push_back(c.name);
  return join(names);
}

void scenario_parser::read_pool(const toml::table& t) {
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

std::optional<sim_distribution> scenario_parser::distribution(table_reader& r, std::string_view key, const toml::node& v,
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

std::optional<sim_distribution> scenario_parser::distribution_table(const toml::table& t, const std::string& context,
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

void scenario_parser::read_load(const toml::table& t) {
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

void scenario_parser::read_network(const toml::table& t) {
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

std::optional<sim_distribution> scenario_parser::delay_distribution(table_reader& outer, const toml::node& v) {
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

} // namespace sim_parse

namespace fs = std::filesystem;

result<std::vector<sim_scenario>> parse_sim_scenarios(std::string_view text, const std::string& source_name) {
  try {
    return sim_parse::scenario_parser(source_name).run(text);
  } catch (const std::exception& e) {  // allocation failure or a toml++ surprise: never escapes
    return make_error(errc::invalid_argument, source_name + ": cannot load: " + e.what());
  }
}

result<std::vector<sim_scenario>> load_sim_scenarios(const std::string& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec)
    return make_error(errc::io, path + ": cannot read the scenario file: " + ec.message());
  if (size > sim_parse::max_file_bytes)
    return make_error(errc::io, path + ": " + std::to_string(size) + " bytes is too large for a scenario file (at most "
                                  + std::to_string(sim_parse::max_file_bytes) + ")");
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
