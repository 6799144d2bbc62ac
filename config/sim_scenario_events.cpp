// The bfd-sim scenario loader: [[event]] tables and their targets (selectors).
#include "config/sim_scenario_parser.hpp"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace bfd::config {

namespace sim_parse {

const std::vector<scenario_parser::event_kind_info>& scenario_parser::event_kinds() {
  static const std::vector<event_kind_info> kinds{
    {"join", sim_event_kind::join, {"category", "count", "bid", "votes"}},
    {"leave", sim_event_kind::leave, {"targets", "chain"}},
    {"crash", sim_event_kind::crash, {"targets", "rounds", "chain"}},
    {"recover", sim_event_kind::recover, {"targets", "chain"}},
    {"pause", sim_event_kind::pause, {"targets", "rounds", "chain"}},
    {"slow", sim_event_kind::slow, {"targets", "delay_ms", "rounds", "chain"}},
    {"partition", sim_event_kind::partition, {"groups", "rounds", "chain"}},
    {"heal", sim_event_kind::heal, {}},
    {"equivocate", sim_event_kind::equivocate, {"targets", "chain"}},
    {"vote_move", sim_event_kind::vote_move, {"from", "to", "amount", "fraction"}},
    {"double_vote", sim_event_kind::double_vote, {"targets"}},
    {"surround_vote", sim_event_kind::surround_vote, {"targets"}},
  };
  return kinds;
}

void scenario_parser::read_events(const std::vector<const toml::table*>& tables) {
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

std::optional<sim_event> scenario_parser::read_event_table(const toml::table& t, std::size_t file_index) {
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
  read_event_chain(r, e, ok);
  r.finish();
  if (!ok)
    return std::nullopt;
  return e;
}

bool scenario_parser::selectors(table_reader& r, std::string_view key, const toml::node& v, std::vector<sim_selector>& out) {
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

bool scenario_parser::groups(table_reader& r, const toml::node& v, std::vector<std::vector<sim_selector>>& out) {
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

std::optional<sim_selector> scenario_parser::selector(const toml::node& v) {
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

} // namespace sim_parse

} // namespace bfd::config
