// A fund-raise application from TOML or JSON (docs/fund-lifecycle.md, "The application").
#include "tools/bfd-cli/fund_application.hpp"

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include "chains/core/hex.hpp"

namespace bfd::cli {

namespace {

using json = nlohmann::json;

/// Applications are small: anything larger is not one.
constexpr std::size_t max_application_bytes = 64 * 1024;

// A TOML document as JSON, with the line of every field ("raise.min" -> 12).
json from_toml(const toml::node& n, const std::string& path, std::map<std::string, std::uint32_t>& lines) {
  lines[path] = n.source().begin.line;
  if (const auto* t = n.as_table()) {
    json j = json::object();
    for (const auto& [k, v] : *t) {
      const auto key = std::string(k.str());
      j[key] = from_toml(v, path.empty() ? key : path + "." + key, lines);
    }
    return j;
  }
  if (const auto* a = n.as_array()) {
    json j = json::array();
    for (std::size_t i = 0; i < a->size(); ++i)
      j.push_back(from_toml(*a->get(i), fmt::format("{}[{}]", path, i), lines));
    return j;
  }
  if (auto s = n.value<std::string>(); s && n.is_string())
    return *s;
  if (n.is_integer())
    return *n.value<std::int64_t>();
  if (n.is_boolean())
    return *n.value<bool>();
  if (n.is_floating_point())
    return *n.value<double>();
  return nullptr;  // dates: refused by the field's own check
}

class checker {
public:
  checker(json doc, std::string file, std::map<std::string, std::uint32_t> lines)
    : doc_(std::move(doc)), file_(std::move(file)), lines_(std::move(lines)) {}

  error fail(const std::string& path, const std::string& what) const {
    auto it = lines_.find(path);
    if (it == lines_.end()) {
      // A missing field: point at its table when it has a line.
      const auto dot = path.rfind('.');
      it = dot == std::string::npos ? lines_.end() : lines_.find(path.substr(0, dot));
    }
    const auto where = it != lines_.end() && it->second > 0 ? fmt::format("{}:{}", file_, it->second) : file_;
    return make_error(errc::invalid_argument, fmt::format("{}: {}: {}", where, path, what));
  }

  const json* find(const std::string& path) const {
    const json* at = &doc_;
    std::size_t start = 0;
    while (true) {
      const auto dot = path.find('.', start);
      const auto key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
      if (!at->is_object())
        return nullptr;
      auto it = at->find(key);
      if (it == at->end())
        return nullptr;
      at = &*it;
      if (dot == std::string::npos)
        return at;
      start = dot + 1;
    }
  }

  result<std::string> text(const std::string& path, bool required, std::size_t max_bytes) const {
    const auto* v = find(path);
    if (!v)
      return required ? result<std::string>(fail(path, "missing (a string)")) : std::string{};
    if (!v->is_string())
      return fail(path, "expected a string");
    auto s = v->get<std::string>();
    if (s.size() > max_bytes)
      return fail(path, fmt::format("at most {} bytes", max_bytes));
    return s;
  }

  result<std::optional<std::uint64_t>> number(const std::string& path, std::uint64_t min, std::uint64_t max) const {
    const auto* v = find(path);
    if (!v)
      return std::optional<std::uint64_t>{};
    if (!v->is_number_integer() || (!v->is_number_unsigned() && v->get<std::int64_t>() < 0))
      return fail(path, fmt::format("expected an integer from {} to {}", min, max));
    const auto n = v->get<std::uint64_t>();
    if (n < min || n > max)
      return fail(path, fmt::format("expected an integer from {} to {}, not {}", min, max, n));
    return std::optional<std::uint64_t>{n};
  }

  // An amount: a string in the fund token's notation ("2.5", "250000000u") or an integer of
  // whole tokens.
  result<amount> amount_of(const std::string& path, bool required) const {
    const auto* v = find(path);
    if (!v)
      return required ? result<amount>(fail(path, "missing (an amount: \"2.5\", \"250000000u\" or whole tokens)"))
                      : amount{0};
    std::string textual;
    if (v->is_string())
      textual = v->get<std::string>();
    else if (v->is_number_integer() && (v->is_number_unsigned() || v->get<std::int64_t>() >= 0))
      textual = std::to_string(v->get<std::uint64_t>());
    else
      return fail(path, "expected an amount: a string (\"2.5\", \"250000000u\") or a whole number of tokens");
    auto a = parse_amount(textual);
    if (!a)
      return fail(path, a.error().detail);
    return *a;
  }

  result<std::vector<std::string>> strings(const std::string& path, std::size_t max_items) const {
    const auto* v = find(path);
    std::vector<std::string> out;
    if (!v)
      return out;
    if (!v->is_array() || v->size() > max_items)
      return fail(path, fmt::format("expected an array of at most {} strings", max_items));
    for (const auto& e : *v) {
      if (!e.is_string())
        return fail(path, fmt::format("expected an array of at most {} strings", max_items));
      out.push_back(e.get<std::string>());
    }
    return out;
  }

  // Fields outside the format are refused (a typo would otherwise be a silent default).
  status only(const std::string& table, const std::set<std::string>& known) const {
    const auto* t = table.empty() ? &doc_ : find(table);
    if (!t)
      return {};
    if (!t->is_object())
      return fail(table, "expected a table");
    for (auto it = t->begin(); it != t->end(); ++it)
      if (!known.count(it.key()))
        return fail(table.empty() ? it.key() : table + "." + it.key(),
                    "unknown field (docs/fund-lifecycle.md lists the application's fields)");
    return {};
  }

  const std::string& file() const noexcept { return file_; }

private:
  json doc_;
  std::string file_;
  std::map<std::string, std::uint32_t> lines_;
};

result<fund_application> check(const checker& c) {
  fund_application a;
  a.file = c.file();
  const std::pair<const char*, std::set<std::string>> tables[] = {
    {"", {"fund", "organisation", "token", "raise", "contract", "validators"}},
    {"fund", {"name", "chain_id", "anchor_interval"}},
    {"organisation", {"name", "documents_uri", "fund_group"}},
    {"token", {"symbol", "founder_allocation", "treasury", "treasury_allocation"}},
    {"raise", {"target", "min", "max", "deadline_blocks", "rate_mode", "rate"}},
    {"contract", {"template", "template_chain", "wasm", "name", "param_types", "entry_points", "params", "init_args",
                  "fuel"}},
    {"validators", {"per_category", "count"}},
  };
  for (const auto& [table, known] : tables)
    if (auto st = c.only(table, known); !st)
      return st.error();

  auto name = c.text("fund.name", true, 64);
  if (!name)
    return name.error();
  if (name->empty())
    return c.fail("fund.name", "must not be empty");
  a.name = *name;
  auto id = c.number("fund.chain_id", 9, UINT32_MAX);
  if (!id)
    return id.error();
  if (*id)
    a.chain = static_cast<chain_id>(**id);
  auto interval = c.number("fund.anchor_interval", 1, 1024);
  if (!interval)
    return interval.error();
  a.anchor_interval = interval->value_or(4);

  auto org = c.text("organisation.name", true, ds::max_name);
  if (!org)
    return org.error();
  if (org->empty())
    return c.fail("organisation.name", "must not be empty");
  a.org_name = *org;
  auto uri = c.text("organisation.documents_uri", false, ds::max_uri);
  if (!uri)
    return uri.error();
  a.org_uri = *uri;
  auto group = c.number("organisation.fund_group", 0, UINT64_MAX);
  if (!group)
    return group.error();
  a.fund_group = group->value_or(0);

  auto symbol = c.text("token.symbol", true, 12);
  if (!symbol)
    return symbol.error();
  if (symbol->empty() || symbol->find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") != std::string::npos)
    return c.fail("token.symbol", "1 to 12 characters of A-Z and 0-9");
  if (*symbol == "BFDT")
    return c.fail("token.symbol", "a fund chain has its own token here (a BFDT-pegged fund chain has no access "
                                  "control, so no DS write could pass: docs/fund-lifecycle.md, Known limits)");
  a.symbol = *symbol;
  auto founder = c.amount_of("token.founder_allocation", true);
  if (!founder)
    return founder.error();
  if (*founder == 0)
    return c.fail("token.founder_allocation", "must be above 0 (the founder pays the fund chain's fees and is "
                                              "its first access admin)");
  a.founder_allocation = *founder;
  auto treasury = c.text("token.treasury", false, 64);
  if (!treasury)
    return treasury.error();
  if (!treasury->empty()) {
    auto t = parse_address(*treasury);
    if (!t)
      return c.fail("token.treasury", t.error().detail);
    a.treasury = *t;
  }
  auto tv = c.amount_of("token.treasury_allocation", false);
  if (!tv)
    return tv.error();
  a.treasury_allocation = *tv;
  if (a.treasury_allocation > 0 && !a.treasury)
    return c.fail("token.treasury_allocation", "needs token.treasury (the address it is allocated to)");
  if (a.treasury && a.treasury_allocation == 0)
    return c.fail("token.treasury_allocation", "missing or 0 while token.treasury is given");

  const std::pair<const char*, amount*> amounts[] = {{"raise.target", &a.target}, {"raise.min", &a.min},
                                                     {"raise.max", &a.max}, {"raise.rate", &a.rate}};
  for (auto [path, out] : amounts) {
    auto v = c.amount_of(path, true);
    if (!v)
      return v.error();
    *out = *v;
  }
  if (a.min == 0 || a.min > a.target)
    return c.fail("raise.min", "must be above 0 and at most raise.target");
  if (a.target > a.max)
    return c.fail("raise.max", "must be at least raise.target");
  if (a.rate == 0)
    return c.fail("raise.rate", "must be above 0 (BFDT per whole fund token)");
  auto deadline = c.number("raise.deadline_blocks", 1, 100'000'000);
  if (!deadline)
    return deadline.error();
  if (!*deadline)
    return c.fail("raise.deadline_blocks", "missing (fund-chain blocks from the raise to its deadline)");
  a.deadline_blocks = **deadline;
  auto mode = c.text("raise.rate_mode", true, 16);
  if (!mode)
    return mode.error();
  auto m = ds::parse_rate_mode(*mode);
  if (!m)
    return c.fail("raise.rate_mode", "fixed, floating or bfdt");
  if (*m == ds::rate_mode::bfdt)
    return c.fail("raise.rate_mode", "bfdt (the token is BFDT itself) needs a BFDT-pegged fund chain, which has no "
                                     "access control yet: every DS write on it would be refused (docs/fund-lifecycle.md, "
                                     "Known limits); use fixed or floating");
  a.mode = *m;

  auto& k = a.contract;
  auto tid = c.text("contract.template", false, 64);
  if (!tid)
    return tid.error();
  auto wasm = c.text("contract.wasm", false, 4096);
  if (!wasm)
    return wasm.error();
  if (tid->empty() == wasm->empty())
    return c.fail("contract", "give exactly one of contract.template (a template id on the ecosystem chain) and "
                              "contract.wasm (your own module)");
  if (!tid->empty()) {
    auto h = fixed_from_hex<32>(*tid);
    if (!h)
      return c.fail("contract.template", "a template id of 64 hex digits");
    k.template_id = hash256{*h};
    for (const char* own : {"contract.name", "contract.param_types", "contract.entry_points"})
      if (c.find(own))
        return c.fail(own, "only with contract.wasm (a template brings its own)");
  } else {
    std::filesystem::path p(*wasm);
    if (p.is_relative())
      p = std::filesystem::path(a.file).parent_path() / p;
    k.wasm_file = p.string();
    auto tn = c.text("contract.name", true, 64);
    if (!tn)
      return tn.error();
    if (tn->empty())
      return c.fail("contract.name", "must not be empty");
    k.template_name = *tn;
    auto decls = c.strings("contract.param_types", 16);
    if (!decls)
      return decls.error();
    k.param_decls = *decls;
    auto entries = c.strings("contract.entry_points", 32);
    if (!entries)
      return entries.error();
    k.entry_points = *entries;
  }
  auto tc = c.number("contract.template_chain", 2, UINT32_MAX);
  if (!tc)
    return tc.error();
  k.template_chain = static_cast<chain_id>(tc->value_or(7));
  auto params = c.strings("contract.params", 16);
  if (!params)
    return params.error();
  k.params = *params;
  auto args = c.strings("contract.init_args", 16);
  if (!args)
    return args.error();
  k.init_args = *args;
  auto fuel = c.number("contract.fuel", 0, 10'000'000);
  if (!fuel)
    return fuel.error();
  k.fuel = fuel->value_or(0);

  if (const auto* pc = c.find("validators.per_category")) {
    if (!pc->is_array() || pc->empty() || pc->size() > 16)
      return c.fail("validators.per_category", "expected an array of counts, one per mainchain category");
    std::uint64_t total = 0;
    for (const auto& e : *pc) {
      if (!e.is_number_integer() || (!e.is_number_unsigned() && e.get<std::int64_t>() < 0)
          || e.get<std::uint64_t>() > 256)
        return c.fail("validators.per_category", "each count is an integer from 0 to 256");
      a.per_category.push_back(static_cast<std::uint32_t>(e.get<std::uint64_t>()));
      total += e.get<std::uint64_t>();
    }
    if (total == 0)
      return c.fail("validators.per_category", "at least one validator");
  }
  auto count = c.number("validators.count", 1, 256);
  if (!count)
    return count.error();
  if (*count) {
    if (!a.per_category.empty())
      return c.fail("validators.count", "give validators.count or validators.per_category, not both");
    a.validator_count = static_cast<std::uint32_t>(**count);
  }
  return a;
}

} // namespace

result<fund_application> parse_fund_application(const std::string& text, bool as_json, const std::string& file) {
  std::map<std::string, std::uint32_t> lines;
  json doc;
  if (as_json) {
    doc = json::parse(text, nullptr, false);
    if (doc.is_discarded())
      return make_error(errc::invalid_argument, file + ": not valid JSON");
  } else {
    try {
      auto table = toml::parse(text, std::string_view{file});
      doc = from_toml(table, "", lines);
    } catch (const toml::parse_error& e) {
      return make_error(errc::invalid_argument, fmt::format("{}:{}:{}: {}", file, e.source().begin.line,
                                                            e.source().begin.column, e.description()));
    }
  }
  if (!doc.is_object())
    return make_error(errc::invalid_argument, file + ": expected a table (an object) at the top");
  return check(checker(std::move(doc), file, std::move(lines)));
}

result<fund_application> read_fund_application(const std::string& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  if (ec)
    return make_error(errc::io, fmt::format("{}: cannot read the application ({})", path, ec.message()));
  if (size > max_application_bytes)
    return make_error(errc::invalid_argument,
                      fmt::format("{}: {} bytes, an application is at most {}", path, size, max_application_bytes));
  std::ifstream in(path, std::ios::binary);
  std::stringstream buf;
  buf << in.rdbuf();
  if (!in && !in.eof())
    return make_error(errc::io, path + ": cannot read the application");
  const bool as_json = std::filesystem::path(path).extension() == ".json";
  return parse_fund_application(buf.str(), as_json, path);
}

} // namespace bfd::cli
