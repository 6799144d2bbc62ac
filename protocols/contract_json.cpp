#include "protocols/contract_json.hpp"

#include <algorithm>
#include <charconv>

#include "chains/access/access_module.hpp"
#include "chains/consensus/chain_state.hpp"
#include "chains/contracts/contract_module.hpp"

namespace bfd {

using namespace json_fields;
using namespace contract;

namespace {

std::string hex_of(const bytes& b) {
  return to_hex(byte_view{b.data(), b.size()});
}

output args_json(const std::vector<call_arg>& args) {
  auto out = output::array();
  for (const auto& a : args)
    out.push_back(format_call_arg(a));
  return out;
}

result<std::vector<call_arg>> read_args(const input& j, std::string_view key) {
  std::vector<call_arg> out;
  const auto* v = find(j, key);
  if (!v)
    return out;
  if (!v->is_array() || v->size() > max_args)
    return field_error(errc::malformed, key, "expected an array of at most 8 arguments \"i32:<n>\" or \"i64:<n>\"");
  for (const auto& a : *v) {
    auto arg = a.is_string() ? parse_call_arg(a.get<std::string>()) : result<call_arg>(make_error(errc::malformed, "not a string"));
    if (!arg)
      return field_error(errc::malformed, key, arg.error().detail);
    out.push_back(*arg);
  }
  return out;
}

result<bytes> read_optional_hex(const input& j, std::string_view key, std::size_t max) {
  if (!find(j, key))
    return bytes{};
  auto b = read_hex(j, key);
  if (!b)
    return b.error();
  if (b->size() > max)
    return field_error(errc::malformed, key, "at most " + std::to_string(max) + " bytes");
  return b;
}

result<amount> read_optional_amount(const input& j, const std::string& name) {
  if (!find(j, name) && !find(j, name + "_units"))
    return amount{0};
  return read_amount(j, name);
}

result<std::vector<std::string>> read_names(const input& j, std::string_view key, std::size_t max) {
  std::vector<std::string> out;
  const auto* v = find(j, key);
  if (!v)
    return out;
  if (!v->is_array() || v->size() > max)
    return field_error(errc::malformed, key, "expected an array of at most " + std::to_string(max) + " names");
  for (const auto& n : *v) {
    if (!n.is_string() || n.get<std::string>().size() > max_name_bytes)
      return field_error(errc::malformed, key, "names are strings of at most 64 characters");
    out.push_back(n.get<std::string>());
  }
  return out;
}

template <class T>
bool parse_int(std::string_view s, T& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && p == s.data() + s.size();
}

} // namespace

result<call_arg> parse_call_arg(std::string_view text) {
  const bool i64 = text.starts_with("i64:");
  if (!i64 && !text.starts_with("i32:"))
    return make_error(errc::malformed, "an argument is \"i32:<n>\" or \"i64:<n>\", not '" + std::string(text.substr(0, 32)) + "'");
  const auto num = text.substr(4);
  std::uint64_t u = 0;
  std::int64_t s = 0;
  if (parse_int(num, u)) {
    if (!i64 && u > 0xffffffffu)
      return make_error(errc::malformed, "an i32 argument above 2^32-1");
    return call_arg{i64, u};
  }
  if (parse_int(num, s)) {
    if (!i64 && s < INT32_MIN)
      return make_error(errc::malformed, "an i32 argument below -2^31");
    return call_arg{i64, i64 ? static_cast<std::uint64_t>(s) : static_cast<std::uint32_t>(static_cast<std::int32_t>(s))};
  }
  return make_error(errc::malformed, "an argument's value is a decimal integer");
}

std::string format_call_arg(const call_arg& a) {
  if (a.is_i64)
    return "i64:" + std::to_string(static_cast<std::int64_t>(a.bits));
  return "i32:" + std::to_string(static_cast<std::int32_t>(static_cast<std::uint32_t>(a.bits)));
}

result<bytes> parse_param_value(std::string_view text) {
  const auto colon = text.find(':');
  if (colon == std::string_view::npos)
    return make_error(errc::malformed, "a parameter is \"<type>:<value>\" (u64, i64, amount, address, bytes)");
  const auto type = parse_param_type(text.substr(0, colon));
  const auto v = text.substr(colon + 1);
  if (!type)
    return make_error(errc::malformed, "unknown parameter type '" + std::string(text.substr(0, colon)) + "'");
  auto le = [](std::uint64_t x) {
    bytes b;
    for (int i = 0; i < 8; ++i)
      b.push_back(static_cast<byte>(x >> (8 * i)));
    return b;
  };
  switch (*type) {
    case param_type::u64: {
      std::uint64_t u = 0;
      if (!parse_int(v, u))
        return make_error(errc::malformed, "a u64 is a decimal integer");
      return le(u);
    }
    case param_type::i64: {
      std::int64_t s = 0;
      if (!parse_int(v, s))
        return make_error(errc::malformed, "an i64 is a decimal integer");
      return le(static_cast<std::uint64_t>(s));
    }
    case param_type::amount: {
      auto a = parse_amount(v);
      if (!a)
        return a.error();
      return le(*a);
    }
    case param_type::address: {
      auto a = parse_address(v);
      if (!a)
        return a.error();
      return bytes(a->begin(), a->end());
    }
    case param_type::bytes: {
      auto b = from_hex(v);
      if (!b)
        return b.error();
      if (b->size() > max_param_bytes)
        return make_error(errc::malformed, "a bytes parameter is at most 256 bytes");
      return b;
    }
  }
  return make_error(errc::malformed, "unknown parameter type");
}

void payload_to_json(output& j, const contract_publish_tx& p) {
  j["name"] = p.template_name;
  j["version"] = p.version;
  j["code"] = hex_of(p.code);
  auto params = output::array();
  for (std::size_t i = 0; i < p.param_names.size(); ++i)
    params.push_back({{"name", p.param_names[i]}, {"type", std::string(to_string(p.param_types[i]))}});
  j["params"] = std::move(params);
  j["entry_points"] = p.entry_points;
  if (!p.slot.empty())
    j["slot"] = p.slot;
  if (!p.users.empty()) {
    auto users = output::array();
    for (const auto& u : p.users)
      users.push_back(format_address(u));
    j["users"] = std::move(users);
  }
  j["template_id"] = to_hex(template_id(p));
}

void payload_to_json(output& j, const contract_deploy_tx& p) {
  j["template"] = to_hex(p.template_id);
  auto params = output::array();
  for (const auto& v : p.params)
    params.push_back(hex_of(v));
  j["params"] = std::move(params);
  add_amount(j, "value", p.value);
  auto readers = output::array();
  for (const auto& r : p.readers)
    readers.push_back(format_address(r));
  j["readers"] = std::move(readers);
  if (p.scope_kind != no_scope) {
    j["scope"] = std::string(acl::to_string(static_cast<acl::scope_kind>(p.scope_kind)));
    j["scope_id"] = p.scope_id;
  }
  j["init_args"] = args_json(p.init_args);
  j["init_input"] = hex_of(p.init_input);
  j["fuel"] = p.fuel;
}

void payload_to_json(output& j, const contract_call_tx& p) {
  j["contract"] = format_address(p.contract);
  j["entry"] = p.entry;
  j["args"] = args_json(p.args);
  j["input"] = hex_of(p.input);
  j["fuel"] = p.fuel;
  add_amount(j, "value", p.value);
}

void payload_to_json(output& j, const contract_set_slot_tx& p) {
  j["contract"] = format_address(p.contract);
  j["client"] = p.client ? output(format_address(*p.client)) : output(nullptr);
}

result<contract_publish_tx> payload_from_json(const input& j, std::type_identity<contract_publish_tx>) {
  contract_publish_tx p;
  auto name = read_string(j, "name");
  if (!name)
    return name.error();
  if (name->size() > max_name_bytes)
    return field_error(errc::malformed, "name", "at most 64 characters");
  p.template_name = std::move(*name);
  auto v = read_uint(j, "version", UINT32_MAX);
  if (!v)
    return v.error();
  p.version = static_cast<std::uint32_t>(*v);
  auto code = read_hex(j, "code");
  if (!code)
    return code.error();
  if (code->size() > max_code_bytes)
    return field_error(errc::malformed, "code", "at most 131072 bytes");
  p.code = std::move(*code);
  if (const auto* params = find(j, "params")) {
    if (!params->is_array() || params->size() > max_params)
      return field_error(errc::malformed, "params", "expected an array of at most 16 {\"name\", \"type\"}");
    for (const auto& it : *params) {
      if (!it.is_object() || !it.contains("name") || !it["name"].is_string() || !it.contains("type") || !it["type"].is_string())
        return field_error(errc::malformed, "params", "each is {\"name\": string, \"type\": u64|i64|bytes|address|amount}");
      auto t = parse_param_type(it["type"].get<std::string>());
      if (!t || it["name"].get<std::string>().size() > max_name_bytes)
        return field_error(errc::malformed, "params", "each is {\"name\": string, \"type\": u64|i64|bytes|address|amount}");
      p.param_names.push_back(it["name"].get<std::string>());
      p.param_types.push_back(*t);
    }
  }
  auto entries = read_names(j, "entry_points", max_entry_points);
  if (!entries)
    return entries.error();
  p.entry_points = std::move(*entries);
  if (find(j, "slot")) {
    auto slot = read_string(j, "slot");
    if (!slot)
      return slot.error();
    if (slot->empty() || slot->size() > max_name_bytes)
      return field_error(errc::malformed, "slot", "a slot name of 1 to 64 characters (leave it out for no slot)");
    p.slot = std::move(*slot);
  }
  if (const auto* users = find(j, "users")) {
    if (!users->is_array() || users->empty() || users->size() > max_template_users)
      return field_error(errc::malformed, "users", "expected an array of 1 to 16 addresses (leave it out for anyone)");
    for (const auto& u : *users) {
      auto a = u.is_string() ? parse_address(u.get<std::string>()) : result<address>(make_error(errc::bad_address, "not a string"));
      if (!a)
        return field_error(errc::bad_address, "users", a.error().detail);
      if (std::find(p.users.begin(), p.users.end(), *a) != p.users.end())
        return field_error(errc::malformed, "users", "an address is named twice");
      p.users.push_back(*a);
    }
  }
  return p;
}

result<contract_deploy_tx> payload_from_json(const input& j, std::type_identity<contract_deploy_tx>) {
  contract_deploy_tx p;
  auto id = read_fixed_hex<32>(j, "template");
  if (!id)
    return id.error();
  p.template_id = *id;
  if (const auto* params = find(j, "params")) {
    if (!params->is_array() || params->size() > max_params)
      return field_error(errc::malformed, "params", "expected an array of at most 16 hex values");
    for (const auto& it : *params) {
      auto b = it.is_string() ? from_hex(it.get<std::string>()) : result<bytes>(make_error(errc::bad_hex, "not a string"));
      if (!b || b->size() > max_param_bytes)
        return field_error(errc::malformed, "params", "each is hex of at most 256 bytes");
      p.params.push_back(std::move(*b));
    }
  }
  auto value = read_optional_amount(j, "value");
  if (!value)
    return value.error();
  p.value = *value;
  if (const auto* readers = find(j, "readers")) {
    if (!readers->is_array() || readers->size() > max_readers)
      return field_error(errc::malformed, "readers", "expected an array of at most 16 addresses");
    for (const auto& r : *readers) {
      auto a = r.is_string() ? parse_address(r.get<std::string>()) : result<address>(make_error(errc::bad_address, "not a string"));
      if (!a)
        return field_error(errc::bad_address, "readers", a.error().detail);
      p.readers.push_back(*a);
    }
  }
  if (find(j, "scope")) {
    auto kind = read_string(j, "scope");
    if (!kind)
      return kind.error();
    auto k = acl::parse_scope_kind(*kind);
    if (!k)
      return field_error(errc::malformed, "scope", "one of global, fund_group, service, sidechain");
    p.scope_kind = static_cast<std::uint8_t>(*k);
    if (find(j, "scope_id")) {
      auto sid = read_uint(j, "scope_id");
      if (!sid)
        return sid.error();
      p.scope_id = *sid;
    }
  }
  auto args = read_args(j, "init_args");
  if (!args)
    return args.error();
  p.init_args = std::move(*args);
  auto in = read_optional_hex(j, "init_input", max_input_bytes);
  if (!in)
    return in.error();
  p.init_input = std::move(*in);
  if (find(j, "fuel")) {
    auto f = read_uint(j, "fuel", max_fuel);
    if (!f)
      return f.error();
    p.fuel = *f;
  }
  return p;
}

result<contract_call_tx> payload_from_json(const input& j, std::type_identity<contract_call_tx>) {
  contract_call_tx p;
  auto a = read_address(j, "contract");
  if (!a)
    return a.error();
  p.contract = *a;
  auto e = read_string(j, "entry");
  if (!e)
    return e.error();
  if (e->size() > max_name_bytes)
    return field_error(errc::malformed, "entry", "at most 64 characters");
  p.entry = std::move(*e);
  auto args = read_args(j, "args");
  if (!args)
    return args.error();
  p.args = std::move(*args);
  auto in = read_optional_hex(j, "input", max_input_bytes);
  if (!in)
    return in.error();
  p.input = std::move(*in);
  auto f = read_uint(j, "fuel", max_fuel);
  if (!f)
    return f.error();
  p.fuel = *f;
  auto value = read_optional_amount(j, "value");
  if (!value)
    return value.error();
  p.value = *value;
  return p;
}

result<contract_set_slot_tx> payload_from_json(const input& j, std::type_identity<contract_set_slot_tx>) {
  contract_set_slot_tx p;
  auto a = read_address(j, "contract");
  if (!a)
    return a.error();
  p.contract = *a;
  if (const auto* c = find(j, "client"); c && !c->is_null()) {
    auto client = read_address(j, "client");
    if (!client)
      return client.error();
    p.client = *client;
  }
  return p;
}

bool payload_field(std::type_identity<contract_publish_tx>, std::string_view key) {
  return key == "name" || key == "version" || key == "code" || key == "params" || key == "entry_points"
         || key == "slot" || key == "users" || key == "template_id";
}
bool payload_field(std::type_identity<contract_deploy_tx>, std::string_view key) {
  return key == "template" || key == "params" || key == "value" || key == "value_units" || key == "readers"
         || key == "scope" || key == "scope_id" || key == "init_args" || key == "init_input" || key == "fuel";
}
bool payload_field(std::type_identity<contract_call_tx>, std::string_view key) {
  return key == "contract" || key == "entry" || key == "args" || key == "input" || key == "fuel" || key == "value"
         || key == "value_units";
}
bool payload_field(std::type_identity<contract_set_slot_tx>, std::string_view key) {
  return key == "contract" || key == "client";
}

// --- views ---------------------------------------------------------------------------------

namespace {

output template_view(const template_info& t, bool with_code) {
  output j;
  j["id"] = to_hex(t.id);
  j["name"] = t.body.template_name;
  j["version"] = t.body.version;
  auto params = output::array();
  for (std::size_t i = 0; i < t.body.param_names.size(); ++i)
    params.push_back({{"name", t.body.param_names[i]}, {"type", std::string(to_string(t.body.param_types[i]))}});
  j["params"] = std::move(params);
  j["entry_points"] = t.body.entry_points;
  if (t.has_slot())
    j["slot"] = t.body.slot;
  if (!t.body.users.empty()) {
    auto users = output::array();
    for (const auto& u : t.body.users)
      users.push_back(format_address(u));
    j["users"] = std::move(users);
  }
  j["code_bytes"] = t.body.code.size();
  if (with_code)
    j["code"] = hex_of(t.body.code);
  return j;
}

output receipt_view(const receipt& r) {
  output j;
  j["tx"] = to_hex(r.tx);
  j["kind"] = r.kind == static_cast<std::uint8_t>(contract_deploy_tx::kind_number)     ? "contract_deploy"
              : r.kind == static_cast<std::uint8_t>(contract_set_slot_tx::kind_number) ? "contract_set_slot"
                                                                                       : "contract_call";
  j["contract"] = format_address(r.contract);
  j["height"] = r.height;
  j["status"] = r.ok ? "success" : "failure";
  if (!r.ok)
    j["error"] = r.error;
  j["fuel_used"] = r.fuel_used;
  add_amount(j, "fee", r.fee);
  j["results"] = args_json(r.results);
  j["events"] = r.events;
  return j;
}

template <std::size_t N>
result<fixed_bytes<N>> key_of(const bytes& b, const char* what) {
  if (b.size() != N)
    return make_error(errc::invalid_argument, std::string("expected ") + what);
  fixed_bytes<N> out;
  std::copy(b.begin(), b.end(), out.begin());
  return out;
}

} // namespace

result<std::string> answer_contract_query(const chain_state& state, const contract_query& q) {
  const auto* m = find_contracts(state);
  if (!m)
    return make_error(errc::kind_not_enabled, "chain " + std::to_string(state.chain()) + " has no contracts module");
  const auto limit = std::min<std::uint32_t>(q.limit == 0 ? max_query_items : q.limit, max_query_items);
  output j;
  switch (q.kind) {
    case contract_query::what::templates: {
      std::optional<hash256> after;
      if (!q.key.empty()) {
        auto a = key_of<32>(q.key, "a template id (64 hex digits) after which to list");
        if (!a)
          return a.error();
        after = *a;
      }
      auto items = output::array();
      const auto ids = m->template_ids(after, limit);
      for (const auto& id : ids)
        if (auto t = m->find_template(id))
          items.push_back(template_view(*t, false));
      j["templates"] = std::move(items);
      j["count"] = m->template_count();
      if (ids.size() == limit)
        j["next_after"] = to_hex(ids.back());
      break;
    }
    case contract_query::what::template_one: {
      auto id = key_of<32>(q.key, "a template id (64 hex digits)");
      if (!id)
        return id.error();
      auto t = m->find_template(*id);
      if (!t)
        return make_error(errc::not_found, "no template " + to_hex(*id) + " on chain " + std::to_string(state.chain()));
      j = template_view(*t, true);
      break;
    }
    case contract_query::what::contract: {
      auto a = key_of<20>(q.key, "a contract address");
      if (!a)
        return a.error();
      auto c = m->find_contract(*a);
      if (!c)
        return make_error(errc::not_found, "no contract " + format_address(*a) + " on chain " + std::to_string(state.chain()));
      j["address"] = format_address(*a);
      j["template"] = to_hex(c->template_id);
      if (auto t = m->find_template(c->template_id)) {
        j["template_name"] = t->body.template_name;
        j["template_version"] = t->body.version;
      }
      j["deployer"] = format_address(c->deployer);
      j["created_height"] = c->created_height;
      add_amount(j, "balance", state.accounts().get(*a).balance);
      j["state_root"] = to_hex(m->state_root(*a));
      j["state_keys"] = m->state_size(*a);
      j["calls"] = c->calls;
      j["events"] = c->next_event;
      auto readers = output::array();
      for (const auto& r : c->readers)
        readers.push_back(format_address(r));
      j["readers"] = std::move(readers);
      if (c->scope_kind != no_scope) {
        j["scope"] = std::string(acl::to_string(static_cast<acl::scope_kind>(c->scope_kind)));
        j["scope_id"] = c->scope_id;
      }
      if (auto t = m->find_template(c->template_id); t && t->has_slot()) {
        // A template with a slot: its name and the client in it (null while empty).
        j["slot_name"] = t->body.slot;
        j["slot"] = c->slot ? output(format_address(*c->slot)) : output(nullptr);
      }
      break;
    }
    case contract_query::what::events: {
      auto a = key_of<20>(q.key, "a contract address");
      if (!a)
        return a.error();
      auto c = m->find_contract(*a);
      if (!c)
        return make_error(errc::not_found, "no contract " + format_address(*a) + " on chain " + std::to_string(state.chain()));
      auto items = output::array();
      const auto evs = m->events(*a, q.from, limit);
      for (const auto& e : evs)
        items.push_back({{"sequence", e.sequence}, {"data", hex_of(e.data)}});
      j["contract"] = format_address(*a);
      j["events"] = std::move(items);
      j["first_kept"] = c->next_event > events_kept ? c->next_event - events_kept : 0;
      j["next"] = c->next_event;
      if (evs.size() == limit)
        j["next_from"] = evs.back().sequence + 1;
      break;
    }
    case contract_query::what::state:
    case contract_query::what::state_value: {
      if (q.key.size() < 20)
        return make_error(errc::invalid_argument, "expected a contract address");
      address a;
      std::copy(q.key.begin(), q.key.begin() + 20, a.begin());
      bytes tail(q.key.begin() + 20, q.key.end());
      if (tail.size() > contracts::wasm_limits{}.max_key_bytes)
        return make_error(errc::invalid_argument, "a state key is at most "
                                                    + std::to_string(contracts::wasm_limits{}.max_key_bytes) + " bytes");
      if (auto st = m->check_state_read(a, q.caller, find_access(state)); !st)
        return st.error();
      j["contract"] = format_address(a);
      if (q.kind == contract_query::what::state_value) {
        auto v = m->state_value(a, tail);
        if (!v)
          return make_error(errc::not_found, "contract " + format_address(a) + " has no state key " + hex_of(tail));
        j["key"] = hex_of(tail);
        j["value"] = hex_of(*v);
        j["bytes"] = v->size();
        break;
      }
      std::optional<bytes> after;
      if (!tail.empty())
        after = std::move(tail);
      auto items = output::array();
      const auto keys = m->state_keys(a, after, limit);
      for (const auto& [k, n] : keys)
        items.push_back({{"key", hex_of(k)}, {"bytes", n}});
      j["keys"] = std::move(items);
      j["count"] = m->state_size(a);
      if (keys.size() == limit)
        j["next_after"] = hex_of(keys.back().first);
      break;
    }
    case contract_query::what::receipt: {
      auto id = key_of<32>(q.key, "a transaction id (64 hex digits)");
      if (!id)
        return id.error();
      auto r = m->find_receipt(*id);
      if (!r)
        return make_error(errc::not_found, "no receipt of " + to_hex(*id) + " among the last "
                                             + std::to_string(receipts_kept) + " deploys and calls");
      j = receipt_view(*r);
      break;
    }
  }
  j["height"] = state.head().height;
  return j.dump();
}

} // namespace bfd
