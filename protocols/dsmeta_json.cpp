#include "protocols/dsmeta_json.hpp"

namespace bfd {

using namespace json_fields;

namespace {

template <class T>
void member_to_json(output& j, const T& p) {
  j["account"] = format_address(p.account);
  j["key"] = to_hex(p.key.view());
  j["level"] = p.level;
}

template <class T>
result<T> member_from_json(const input& j) {
  T p;
  auto a = read_address(j, "account");
  if (!a)
    return a.error();
  p.account = *a;
  auto k = read_fixed_hex<32>(j, "key");
  if (!k)
    return k.error();
  p.key = *k;
  auto l = find(j, "level") ? read_uint(j, "level", ds::max_member_level) : result<std::uint64_t>(0);
  if (!l)
    return l.error();
  p.level = static_cast<std::uint8_t>(*l);
  return p;
}

bool member_field(std::string_view key) {
  return key == "account" || key == "key" || key == "level";
}

std::string text_of(const bytes& b) {
  return std::string(b.begin(), b.end());
}

} // namespace

void payload_to_json(output& j, const ds_member_add_tx& p) {
  member_to_json(j, p);
}
void payload_to_json(output& j, const ds_member_update_tx& p) {
  member_to_json(j, p);
}
void payload_to_json(output& j, const ds_member_remove_tx& p) {
  j["account"] = format_address(p.account);
}
void payload_to_json(output& j, const ds_rate_set_tx& p) {
  add_amount(j, "rate", p.rate);
}
void payload_to_json(output& j, const ds_usage_record_tx& p) {
  j["service"] = p.service;
  j["request"] = to_hex(byte_view{p.request.data(), p.request.size()});
  add_amount(j, "value", p.value);
}

result<ds_member_add_tx> payload_from_json(const input& j, std::type_identity<ds_member_add_tx>) {
  return member_from_json<ds_member_add_tx>(j);
}
result<ds_member_update_tx> payload_from_json(const input& j, std::type_identity<ds_member_update_tx>) {
  return member_from_json<ds_member_update_tx>(j);
}
result<ds_member_remove_tx> payload_from_json(const input& j, std::type_identity<ds_member_remove_tx>) {
  auto a = read_address(j, "account");
  if (!a)
    return a.error();
  return ds_member_remove_tx{*a};
}
result<ds_rate_set_tx> payload_from_json(const input& j, std::type_identity<ds_rate_set_tx>) {
  auto r = read_amount(j, "rate");
  if (!r)
    return r.error();
  return ds_rate_set_tx{*r};
}
result<ds_usage_record_tx> payload_from_json(const input& j, std::type_identity<ds_usage_record_tx>) {
  ds_usage_record_tx p;
  auto s = read_uint(j, "service");
  if (!s)
    return s.error();
  p.service = *s;
  auto r = read_hex(j, "request");
  if (!r)
    return r.error();
  if (r->empty() || r->size() > ds::max_request)
    return field_error(errc::malformed, "request", "1 to 32 bytes of hex");
  p.request = std::move(*r);
  auto v = read_amount(j, "value");
  if (!v)
    return v.error();
  p.value = *v;
  return p;
}

bool payload_field(std::type_identity<ds_member_add_tx>, std::string_view key) {
  return member_field(key);
}
bool payload_field(std::type_identity<ds_member_update_tx>, std::string_view key) {
  return member_field(key);
}
bool payload_field(std::type_identity<ds_member_remove_tx>, std::string_view key) {
  return key == "account";
}
bool payload_field(std::type_identity<ds_rate_set_tx>, std::string_view key) {
  return key == "rate" || key == "rate_units";
}
bool payload_field(std::type_identity<ds_usage_record_tx>, std::string_view key) {
  return key == "service" || key == "request" || key == "value" || key == "value_units";
}

namespace ds_json {

result<ds::op_body> op_from_json(const input& j) {
  auto name = read_string(j, "operation");
  if (!name)
    return name.error();
  ds::op_body b;
  if (*name == "ds_register") {
    b.kind = ds::op_kind::register_org;
    auto n = read_string(j, "name");
    if (!n)
      return n.error();
    if (n->empty() || n->size() > ds::max_name)
      return field_error(errc::malformed, "name", "1 to 64 bytes");
    b.name = *n;
    if (find(j, "uri")) {
      auto u = read_string(j, "uri");
      if (!u)
        return u.error();
      if (u->size() > ds::max_uri)
        return field_error(errc::malformed, "uri", "at most 128 bytes");
      b.uri = *u;
    }
    auto g = find(j, "group") ? read_uint(j, "group") : result<std::uint64_t>(0);
    if (!g)
      return g.error();
    b.group = *g;
    auto o = read_address(j, "owner");
    if (!o)
      return o.error();
    b.owner = *o;
  } else if (*name == "ds_raise") {
    b.kind = ds::op_kind::raise;
    auto& t = b.terms;
    const std::pair<const char*, amount*> fields[] = {{"target", &t.target}, {"min", &t.min}, {"max", &t.max}};
    for (auto [field, out] : fields) {
      auto v = read_amount(j, field);
      if (!v)
        return v.error();
      *out = *v;
    }
    auto d = read_uint(j, "deadline");
    if (!d)
      return d.error();
    t.deadline = *d;
    auto s = read_string(j, "symbol");
    if (!s)
      return s.error();
    if (!ds::valid_symbol(*s))
      return field_error(errc::malformed, "symbol", "1-16 characters of A-Z and 0-9");
    t.symbol = *s;
    auto m = read_string(j, "mode");
    if (!m)
      return m.error();
    auto mode = ds::parse_rate_mode(*m);
    if (!mode)
      return field_error(errc::malformed, "mode", "fixed, floating or bfdt");
    t.mode = *mode;
    auto r = t.mode == ds::rate_mode::bfdt && !find(j, "rate") && !find(j, "rate_units") ? result<amount>(ds::bfdt_rate)
                                                                                         : read_amount(j, "rate");
    if (!r)
      return r.error();
    t.rate = *r;
  } else if (*name == "ds_issue") {
    b.kind = ds::op_kind::issue;
    auto v = read_amount(j, "value");
    if (!v)
      return v.error();
    b.value = *v;
  } else if (*name == "ds_liquidate") {
    b.kind = ds::op_kind::liquidate;
    auto p = read_string(j, "phase");
    if (!p)
      return p.error();
    if (*p != "start" && *p != "finish")
      return field_error(errc::malformed, "phase", "start or finish");
    b.phase = *p == "start" ? ds::liquidation_phase::start : ds::liquidation_phase::finish;
  } else {
    return field_error(errc::malformed, "operation", "ds_register, ds_raise, ds_issue or ds_liquidate");
  }
  return b;
}

output op_to_json(const ds::op_body& b) {
  output j;
  j["operation"] = std::string(ds::op_name(b.kind));
  switch (b.kind) {
    case ds::op_kind::register_org:
      j["name"] = b.name;
      j["uri"] = b.uri;
      j["group"] = b.group;
      j["owner"] = format_address(b.owner);
      break;
    case ds::op_kind::raise:
      add_amount(j, "target", b.terms.target);
      add_amount(j, "min", b.terms.min);
      add_amount(j, "max", b.terms.max);
      j["deadline"] = b.terms.deadline;
      j["symbol"] = b.terms.symbol;
      j["mode"] = std::string(ds::to_string(b.terms.mode));
      add_amount(j, "rate", b.terms.rate);
      break;
    case ds::op_kind::issue: add_amount(j, "value", b.value); break;
    case ds::op_kind::liquidate: j["phase"] = b.phase == ds::liquidation_phase::start ? "start" : "finish"; break;
  }
  auto keys = output::array();
  for (const auto& k : ds::op_keys(b.kind))
    keys.push_back(text_of(k));
  j["keys"] = keys;
  const auto body = ds::encode_op(b);
  j["body"] = to_hex(byte_view{body.data(), body.size()});
  return j;
}

output summary(const ds::dsmeta_state& s) {
  output j;
  const auto sum = s.summary();
  const auto org = s.org();
  j["chain"] = s.chain();
  j["status"] = org ? std::string(ds::to_string(sum.status)) : std::string("unregistered");
  j["status_height"] = sum.status_height;
  if (org) {
    output o;
    o["name"] = org->name;
    o["uri"] = org->uri;
    o["owner"] = format_address(org->owner);
    o["group"] = org->group;
    o["height"] = org->height;
    j["organisation"] = o;
  } else {
    j["organisation"] = nullptr;
  }
  if (auto t = s.terms()) {
    output o;
    add_amount(o, "target", t->target);
    add_amount(o, "min", t->min);
    add_amount(o, "max", t->max);
    o["deadline"] = t->deadline;
    o["height"] = t->height;
    j["raise"] = o;
    output tok;
    tok["symbol"] = t->symbol;
    tok["mode"] = std::string(ds::to_string(t->mode));
    j["token"] = tok;
  } else {
    j["raise"] = nullptr;
    j["token"] = nullptr;
  }
  if (auto r = s.rate())
    add_amount(j, "rate", *r);
  else
    j["rate"] = nullptr;
  add_amount(j, "issued", sum.issued);
  j["issuances"] = sum.issuances;
  j["rates"] = sum.rates;
  j["usages"] = sum.usages;
  j["members"] = sum.members;
  if (auto a = s.adopted())
    j["last_operation"] = std::to_string(a->source) + ":" + std::to_string(a->sequence);
  else
    j["last_operation"] = nullptr;
  j["root"] = to_hex(s.root().view());
  return j;
}

output members(const ds::dsmeta_state& s, const address& after, std::uint32_t limit) {
  output j;
  auto list = output::array();
  for (const auto& [a, m] : s.members(after, limit)) {
    output e;
    e["account"] = format_address(a);
    e["key"] = to_hex(m.key.view());
    e["level"] = m.level;
    e["joined"] = m.joined;
    list.push_back(std::move(e));
  }
  const bool full = list.size() == std::min(limit, ds::max_page);
  j["next"] = full && !list.empty() ? output(list.back()["account"]) : output(nullptr);
  j["members"] = list;
  j["total"] = s.summary().members;
  return j;
}

output rates(const ds::dsmeta_state& s, std::uint64_t from, std::uint32_t limit) {
  output j;
  auto list = output::array();
  auto i = from;
  for (const auto& r : s.rates(from, limit)) {
    output e;
    e["index"] = i++;
    add_amount(e, "rate", r.rate);
    e["height"] = r.height;
    e["source"] = std::string(ds::to_string(r.source));
    list.push_back(std::move(e));
  }
  j["next"] = list.size() == std::min(limit, ds::max_page) && !list.empty() ? output(i) : output(nullptr);
  j["rates"] = list;
  j["total"] = s.summary().rates;
  return j;
}

output issuances(const ds::dsmeta_state& s, std::uint64_t from, std::uint32_t limit) {
  output j;
  auto list = output::array();
  auto i = from;
  for (const auto& r : s.issuances(from, limit)) {
    output e;
    e["index"] = i++;
    add_amount(e, "value", r.value);
    add_amount(e, "rate", r.rate);
    e["height"] = r.height;
    e["operation"] = std::to_string(r.op.source) + ":" + std::to_string(r.op.sequence);
    list.push_back(std::move(e));
  }
  j["next"] = list.size() == std::min(limit, ds::max_page) && !list.empty() ? output(i) : output(nullptr);
  j["issuances"] = list;
  j["total"] = s.summary().issuances;
  return j;
}

output usages(const ds::dsmeta_state& s, std::uint64_t from, std::uint32_t limit) {
  output j;
  auto list = output::array();
  auto i = from;
  for (const auto& u : s.usages(from, limit)) {
    output e;
    e["index"] = i++;
    e["service"] = u.service;
    e["request"] = to_hex(byte_view{u.request.data(), u.request.size()});
    add_amount(e, "value", u.value);
    e["height"] = u.height;
    e["recorder"] = format_address(u.recorder);
    list.push_back(std::move(e));
  }
  j["next"] = list.size() == std::min(limit, ds::max_page) && !list.empty() ? output(i) : output(nullptr);
  j["usage"] = list;
  j["total"] = s.summary().usages;
  return j;
}

} // namespace ds_json

} // namespace bfd
