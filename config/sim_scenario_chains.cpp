// [[sidechain]] sections of bfd-sim scenario files, and the 'chain' key of fault events.
#include "config/sim_scenario_parser.hpp"

namespace bfd::config::sim_parse {

namespace {
constexpr std::string_view kinds_what = "one of \"system_service\", \"daos\", \"ecosystem\", \"consortium\"";
constexpr std::int64_t max_validators_per_category = 1000;
} // namespace

void scenario_parser::read_sidechain(const toml::table& t) {
  table_reader r(diag_, t, "[[sidechain]]",
                 {"kind", "name", "token", "validators", "tx_per_second", "accounts", "value", "fee", "balance"});
  sim_sidechain c;
  c.id = 2 + tmpl_.scenario.sidechains.size();
  c.where = r.where();
  if (auto k = r.text("kind", presence::optional, kinds_what)) {
    if (*k == "system_service" || *k == "daos" || *k == "ecosystem" || *k == "consortium")
      c.kind = *k;
    else
      r.bad_value("kind", *r.find("kind"), kinds_what, "\"" + *k + "\"");
  }
  if (auto n = r.text("name", presence::required))
    c.name = *n;
  if (auto tk = r.text("token", presence::required, "a token symbol such as \"EXF\"")) {
    const bool shaped = tk->size() <= 12 && std::all_of(tk->begin(), tk->end(), [](char ch) {
      return (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9');
    });
    if (*tk == "BFDT")
      r.bad_value("token", *r.find("token"), "the sidechain's own token (pegged BFDT is not simulated)", "\"BFDT\"");
    else if (!shaped)
      r.bad_value("token", *r.find("token"), "1 to 12 capital letters or digits", "\"" + *tk + "\"");
    c.token = *tk;
  }
  // Validators: { <category> = count, ... }; categories left out give none, no table gives one each.
  c.validators.assign(tmpl_.scenario.params.categories.size(), 1);
  if (const auto* v = r.find("validators")) {
    if (const auto* vt = v->as_table()) {
      std::fill(c.validators.begin(), c.validators.end(), 0);
      std::uint64_t total = 0;
      for (auto&& [k, n] : *vt) {
        const auto at = diag_.position(k.source());
        auto cat = category_index(std::string(k.str()), at, " in 'validators' of [[sidechain]]");
        const auto* i = n.as_integer();
        if (!i || i->get() < 0 || i->get() > max_validators_per_category) {
          diag_.add(n.source(), "the count of '" + std::string(k.str()) + "' in 'validators' of [[sidechain]] must be "
                                  "an integer from 0 to " + std::to_string(max_validators_per_category));
          continue;
        }
        if (cat) {
          c.validators[*cat] = static_cast<std::uint32_t>(i->get());
          total += static_cast<std::uint64_t>(i->get());
        }
      }
      if (total == 0)
        r.bad_value("validators", *v, "at least one validator", "none");
    } else {
      r.wrong_type("validators", *v, "a table of counts per category, e.g. { gold = 1, silver = 2 }");
    }
  }
  // Its load, as [load] but in the sidechain's token; all keys optional (no load without them).
  auto& l = c.load;
  if (auto v = r.integer("tx_per_second", presence::optional, 0, max_tx_per_second))
    l.tx_per_second = static_cast<std::uint64_t>(*v);
  const bool loaded = l.tx_per_second > 0 || r.find("accounts");
  const auto need = loaded ? presence::required : presence::optional;
  if (auto v = r.integer("accounts", need, 1, max_accounts))
    l.accounts = static_cast<std::uint64_t>(*v);
  l.value = 1;
  if (auto v = r.amount_of("value", presence::optional)) {
    if (*v == 0)
      r.bad_value("value", *r.find("value"), "at least 1 unit (\"1u\")", "0");
    l.value = *v;
  }
  if (auto v = r.amount_of("fee", presence::optional))
    l.fee = *v;
  l.balance = default_balance;
  if (auto v = r.amount_of("balance", presence::optional)) {
    if (*v == 0 || *v >= sim_max_supply)
      r.bad_value("balance", *r.find("balance"), "at least 1 unit and below 2^63 units", format_amount(*v));
    else
      l.balance = *v;
  }
  if (l.accounts > 0 && l.balance > sim_max_supply / l.accounts)
    diag_.add(r.at("balance"), "[[sidechain]] '" + c.name + "': accounts × balance must stay below 2^63 units");
  r.finish();
  tmpl_.scenario.sidechains.push_back(std::move(c));
}

void scenario_parser::read_event_chain(table_reader& r, sim_event& e, bool& ok) {
  const auto* v = r.find("chain");
  if (!v)
    return;
  const auto last = 1 + static_cast<std::int64_t>(tmpl_.scenario.sidechains.size());
  const auto what = last == 1 ? std::string("1 (the scenario has no [[sidechain]])")
                              : "1 (the mainchain) to " + std::to_string(last) + " (its last [[sidechain]])";
  const auto* i = v->as_integer();
  if (!i) {
    r.wrong_type("chain", *v, "a chain id: " + what);
    ok = false;
  } else if (i->get() < 1 || i->get() > last) {
    r.bad_value("chain", *v, "a chain id: " + what, std::to_string(i->get()));
    ok = false;
  } else {
    e.chain = static_cast<std::uint64_t>(i->get());
  }
}

} // namespace bfd::config::sim_parse
