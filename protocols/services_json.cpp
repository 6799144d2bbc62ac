#include "protocols/services_json.hpp"

#include <charconv>

namespace bfd {

using namespace json_fields;
using namespace services;

namespace {

template <class T>
bool parse_int(std::string_view s, T& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc{} && p == s.data() + s.size();
}

result<std::uint32_t> read_chain(const input& j, std::string_view key) {
  auto v = read_uint(j, key, UINT32_MAX);
  if (!v)
    return v.error();
  return static_cast<std::uint32_t>(*v);
}

output instances_json(const std::vector<instance>& list) {
  auto out = output::array();
  for (const auto& i : list)
    out.push_back(output{{"chain", i.chain}, {"contract", format_address(i.contract)}});
  return out;
}

result<std::vector<instance>> read_instances(const input& j) {
  const auto* v = find(j, "instances");
  if (!v || !v->is_array() || v->size() > max_deployments)
    return field_error(errc::malformed, "instances", "an array of at most 16 {\"chain\": n, \"contract\": \"bfd…\"}");
  std::vector<instance> out;
  for (const auto& item : *v) {
    if (!item.is_object())
      return field_error(errc::malformed, "instances", "items are {\"chain\": n, \"contract\": \"bfd…\"}");
    auto c = read_chain(item, "chain");
    if (!c)
      return c.error();
    auto a = read_address(item, "contract");
    if (!a)
      return a.error();
    out.push_back(instance{*c, *a});
  }
  return out;
}

// What registrations and upgrades both carry: "instances", "template" (default 0), "commission".
template <class P>
result<bool> read_version_terms(const input& j, P& p) {
  auto in = read_instances(j);
  if (!in)
    return in.error();
  p.instances = std::move(*in);
  auto t = find(j, "template") ? read_uint(j, "template") : result<std::uint64_t>(0);
  if (!t)
    return t.error();
  p.template_id = *t;
  const auto* c = find(j, "commission");
  if (!c)
    return field_error(errc::malformed, "commission", "missing");
  auto parsed = services_json::commission_from_json(*c);
  if (!parsed)
    return parsed.error();
  p.commission = std::move(*parsed);
  return true;
}

template <class P>
void version_terms_to_json(output& j, const P& p) {
  j["instances"] = instances_json(p.instances);
  j["template"] = p.template_id;
  j["commission"] = services_json::commission_to_json(p.commission);
}

// Reads each named u64 field into its place (a missing field is an error).
result<bool> read_uints(const input& j, std::initializer_list<std::pair<const char*, std::uint64_t*>> fields) {
  for (auto [name, out] : fields) {
    auto v = read_uint(j, name);
    if (!v)
      return v.error();
    *out = *v;
  }
  return true;
}

output service_summary(const service& s) {
  output j;
  j["id"] = s.id;
  j["uuid"] = to_hex(s.uuid.view());
  j["symbol"] = s.symbol;
  j["owner"] = format_address(s.owner);
  j["dapp"] = s.dapp == address{} ? output(nullptr) : output(format_address(s.dapp));
  j["home"] = s.home;
  j["deployments"] = s.deployments;
  j["status"] = std::string(to_string(s.status));
  j["status_height"] = s.status_height;
  j["registered_at"] = s.registered_at;
  j["latest_version"] = s.versions;
  return j;
}

output version_json(const version_info& v) {
  output j{{"number", v.number}};
  version_terms_to_json(j, v);
  j["registered_at"] = v.registered_at;
  return j;
}

} // namespace

// --- payloads -----------------------------------------------------------------------------------

void payload_to_json(output& j, const service_register_tx& p) {
  j["uuid"] = to_hex(p.uuid.view());
  j["symbol"] = p.symbol;
  j["dapp"] = format_address(p.dapp);
  j["home"] = p.home;
  j["deployments"] = p.deployments;
  version_terms_to_json(j, p);
}

void payload_to_json(output& j, const service_upgrade_tx& p) {
  j["service"] = p.service;
  version_terms_to_json(j, p);
  j["canary"] = p.canary;
  j["delay"] = p.delay;
  j["window"] = p.window;
  j["min_calls"] = p.min_calls;
  j["max_failed_permille"] = p.max_failed_permille;
  j["max_missed_blocks"] = p.max_missed_blocks;
  j["max_latency_ms"] = p.max_latency_ms;
  j["promote_delay"] = p.promote_delay;
}

void payload_to_json(output& j, const service_health_tx& p) {
  j["service"] = p.service;
  j["version"] = p.version;
  j["report_chain"] = p.chain;  // "chain" is the transaction's own
  j["from_height"] = p.from_height;
  j["to_height"] = p.to_height;
  j["calls"] = p.calls;
  j["failed_calls"] = p.failed_calls;
  j["missed_blocks"] = p.missed_blocks;
  j["latency_p99_ms"] = p.latency_p99_ms;
}

void payload_to_json(output& j, const service_rollback_tx& p) {
  j["service"] = p.service;
  j["reason"] = p.reason;
}

void payload_to_json(output& j, const service_set_status_tx& p) {
  j["service"] = p.service;
  j["status"] = std::string(to_string(p.status));
}

result<service_register_tx> payload_from_json(const input& j, std::type_identity<service_register_tx>) {
  service_register_tx p;
  auto u = read_fixed_hex<16>(j, "uuid");
  if (!u)
    return u.error();
  p.uuid = *u;
  auto s = read_string(j, "symbol");
  if (!s)
    return s.error();
  if (s->size() > max_symbol)
    return field_error(errc::malformed, "symbol", "at most 12 characters");
  p.symbol = *s;
  if (find(j, "dapp")) {
    auto d = read_address(j, "dapp");
    if (!d)
      return d.error();
    p.dapp = *d;
  }
  auto h = read_chain(j, "home");
  if (!h)
    return h.error();
  p.home = *h;
  const auto* deps = find(j, "deployments");
  if (!deps || !deps->is_array() || deps->size() > max_deployments)
    return field_error(errc::malformed, "deployments", "an array of at most 16 chain ids");
  for (const auto& d : *deps) {
    if (!d.is_number_unsigned() || d.get<std::uint64_t>() > UINT32_MAX)
      return field_error(errc::malformed, "deployments", "chain ids are integers below 2^32");
    p.deployments.push_back(static_cast<std::uint32_t>(d.get<std::uint64_t>()));
  }
  auto terms = read_version_terms(j, p);
  if (!terms)
    return terms.error();
  return p;
}

result<service_upgrade_tx> payload_from_json(const input& j, std::type_identity<service_upgrade_tx>) {
  service_upgrade_tx p;
  auto terms = read_version_terms(j, p);
  if (!terms)
    return terms.error();
  auto canary = read_chain(j, "canary");
  if (!canary)
    return canary.error();
  p.canary = *canary;
  auto ok = read_uints(j, {{"service", &p.service},
                           {"delay", &p.delay},
                           {"window", &p.window},
                           {"min_calls", &p.min_calls},
                           {"max_failed_permille", &p.max_failed_permille},
                           {"max_missed_blocks", &p.max_missed_blocks},
                           {"max_latency_ms", &p.max_latency_ms},
                           {"promote_delay", &p.promote_delay}});
  if (!ok)
    return ok.error();
  return p;
}

result<service_health_tx> payload_from_json(const input& j, std::type_identity<service_health_tx>) {
  service_health_tx p;
  auto v = read_uint(j, "version", UINT32_MAX);
  if (!v)
    return v.error();
  p.version = static_cast<std::uint32_t>(*v);
  auto c = read_chain(j, "report_chain");
  if (!c)
    return c.error();
  p.chain = *c;
  auto ok = read_uints(j, {{"service", &p.service},
                           {"from_height", &p.from_height},
                           {"to_height", &p.to_height},
                           {"calls", &p.calls},
                           {"failed_calls", &p.failed_calls},
                           {"missed_blocks", &p.missed_blocks},
                           {"latency_p99_ms", &p.latency_p99_ms}});
  if (!ok)
    return ok.error();
  return p;
}

result<service_rollback_tx> payload_from_json(const input& j, std::type_identity<service_rollback_tx>) {
  service_rollback_tx p;
  auto s = read_uint(j, "service");
  if (!s)
    return s.error();
  p.service = *s;
  auto r = read_string(j, "reason");
  if (!r)
    return r.error();
  if (r->size() > max_reason)
    return field_error(errc::malformed, "reason", "at most 200 bytes");
  p.reason = *r;
  return p;
}

result<service_set_status_tx> payload_from_json(const input& j, std::type_identity<service_set_status_tx>) {
  service_set_status_tx p;
  auto s = read_uint(j, "service");
  if (!s)
    return s.error();
  p.service = *s;
  auto st = read_string(j, "status");
  if (!st)
    return st.error();
  auto parsed = parse_service_status(*st);
  if (!parsed)
    return field_error(errc::malformed, "status", "active, suspended or retired");
  p.status = *parsed;
  return p;
}

bool payload_field(std::type_identity<service_register_tx>, std::string_view key) {
  return key == "uuid" || key == "symbol" || key == "dapp" || key == "home" || key == "deployments"
         || key == "instances" || key == "template" || key == "commission";
}
bool payload_field(std::type_identity<service_upgrade_tx>, std::string_view key) {
  return key == "service" || key == "instances" || key == "template" || key == "commission" || key == "canary"
         || key == "delay" || key == "window" || key == "min_calls" || key == "max_failed_permille"
         || key == "max_missed_blocks" || key == "max_latency_ms" || key == "promote_delay";
}
bool payload_field(std::type_identity<service_health_tx>, std::string_view key) {
  return key == "service" || key == "version" || key == "report_chain" || key == "from_height" || key == "to_height"
         || key == "calls" || key == "failed_calls" || key == "missed_blocks" || key == "latency_p99_ms";
}
bool payload_field(std::type_identity<service_rollback_tx>, std::string_view key) {
  return key == "service" || key == "reason";
}
bool payload_field(std::type_identity<service_set_status_tx>, std::string_view key) {
  return key == "service" || key == "status";
}

namespace services_json {

output commission_to_json(const commission& c) {
  output j;
  j["kind"] = std::string(to_string(c.kind));
  switch (c.kind) {
    case commission_kind::percent: j["basis_points"] = c.value; break;
    case commission_kind::fixed: add_amount(j, "amount", c.value); break;
    case commission_kind::expression: j["expression"] = c.text; break;
    case commission_kind::wasm:
      j["chain"] = c.chain;
      j["contract"] = format_address(c.contract);
      j["export"] = c.text;
      break;
  }
  return j;
}

result<commission> commission_from_json(const input& j) {
  if (!j.is_object())
    return field_error(errc::malformed, "commission", "an object with a \"kind\"");
  auto kind = read_string(j, "kind");
  if (!kind)
    return kind.error();
  commission c;
  if (*kind == "percent") {
    c.kind = commission_kind::percent;
    auto bp = read_uint(j, "basis_points", max_basis_points);
    if (!bp)
      return bp.error();
    c.value = *bp;
  } else if (*kind == "fixed") {
    c.kind = commission_kind::fixed;
    auto a = read_amount(j, "amount");
    if (!a)
      return a.error();
    c.value = *a;
  } else if (*kind == "expression") {
    c.kind = commission_kind::expression;
    auto e = read_string(j, "expression");
    if (!e)
      return e.error();
    if (e->empty() || e->size() > max_expression)
      return field_error(errc::malformed, "expression", "1 to 256 bytes");
    c.text = *e;
  } else if (*kind == "wasm") {
    c.kind = commission_kind::wasm;
    auto ch = read_chain(j, "chain");
    if (!ch)
      return ch.error();
    c.chain = *ch;
    auto a = read_address(j, "contract");
    if (!a)
      return a.error();
    c.contract = *a;
    auto e = read_string(j, "export");
    if (!e)
      return e.error();
    if (e->empty() || e->size() > max_export)
      return field_error(errc::malformed, "export", "1 to 32 bytes");
    c.text = *e;
  } else {
    return field_error(errc::malformed, "kind", "percent, fixed, expression or wasm");
  }
  return c;
}

result<commission> parse_commission(std::string_view text) {
  const auto colon = text.find(':');
  const auto kind = text.substr(0, colon);
  const auto rest = colon == std::string_view::npos ? std::string_view{} : text.substr(colon + 1);
  auto bad = [&](const char* what) {
    return make_error(errc::invalid_argument, "commission '" + std::string(text.substr(0, 64)) + "': " + what);
  };
  commission c;
  if (kind == "percent" || kind == "fixed") {
    c.kind = kind == "percent" ? commission_kind::percent : commission_kind::fixed;
    if (!parse_int(rest, c.value))
      return bad(kind == "percent" ? "percent:<basis points 0-10000>" : "fixed:<base units>");
  } else if (kind == "expr") {
    c.kind = commission_kind::expression;
    c.text = std::string(rest);
  } else if (kind == "wasm") {
    c.kind = commission_kind::wasm;
    const auto c1 = rest.find(':');
    const auto c2 = c1 == std::string_view::npos ? c1 : rest.find(':', c1 + 1);
    if (c2 == std::string_view::npos || !parse_int(rest.substr(0, c1), c.chain))
      return bad("wasm:<chain>:<contract address>:<export>");
    auto a = parse_address(rest.substr(c1 + 1, c2 - c1 - 1));
    if (!a)
      return bad("wasm:<chain>:<contract address>:<export>: the address is not bfd… with 40 hex characters");
    c.contract = *a;
    c.text = std::string(rest.substr(c2 + 1));
  } else {
    return bad("percent:BP, fixed:UNITS, expr:TEXT or wasm:CHAIN:ADDRESS:EXPORT");
  }
  if (auto st = check_commission(c); !st)
    return make_error(errc::invalid_argument, st.error().detail);
  return c;
}

output service_view(const services_state& s, const service& svc, std::uint64_t height) {
  auto j = service_summary(svc);
  auto versions = output::array();
  for (std::uint32_t n = 1; n <= svc.versions; ++n)
    if (auto v = s.find_version(svc.id, n))
      versions.push_back(version_json(*v));
  j["versions"] = versions;
  auto sched = output::array();
  for (const auto& e : svc.schedule)
    sched.push_back(output{{"chain", e.chain}, {"height", e.height}, {"version", e.version}});
  j["schedule"] = sched;
  auto live = output::array();
  for (auto c : svc.deployments) {
    const auto v = svc.version_at(c, height);
    live.push_back(output{{"chain", c}, {"version", v ? output(*v) : output(nullptr)}});
  }
  j["height"] = height;
  j["live"] = live;
  if (svc.rollout) {
    const auto& r = *svc.rollout;
    j["rollout"] = output{{"version", r.version},
                          {"previous", r.previous},
                          {"canary", r.canary},
                          {"canary_height", r.canary_height},
                          {"window", r.window},
                          {"gate",
                           {{"min_calls", r.gate.min_calls},
                            {"max_failed_permille", r.gate.max_failed_permille},
                            {"max_missed_blocks", r.gate.max_missed_blocks},
                            {"max_latency_ms", r.gate.max_latency_ms}}},
                          {"promote_delay", r.promote_delay},
                          {"phase", std::string(to_string(r.phase))},
                          {"decided_at", r.decided_at},
                          {"reason", r.reason}};
  } else {
    j["rollout"] = nullptr;
  }
  auto health = output::array();
  for (const auto& h : svc.health) {
    output entry{{"reporter", format_address(h.reporter)}, {"height", h.height}};
    payload_to_json(entry, h.report);
    health.push_back(std::move(entry));
  }
  j["health"] = health;
  return j;
}

output list_view(const services_state& s, std::uint64_t from) {
  output j;
  auto items = output::array();
  const auto page = s.list(from, max_page);
  for (const auto& svc : page)
    items.push_back(service_summary(svc));
  j["services"] = items;
  j["count"] = s.count();
  const auto next = page.empty() ? 0 : page.back().id + 1;
  j["next"] = next != 0 && next <= s.count() ? output(next) : output(nullptr);
  return j;
}

result<output> resolve_view(const services_state& s, const service& svc, std::uint32_t chain, std::uint64_t height) {
  if (!svc.deployed_on(chain))
    return make_error(errc::not_deployed, "chain " + std::to_string(chain) + " is not a deployment of service "
                                            + std::to_string(svc.id));
  const auto n = svc.version_at(chain, height);
  if (!n)
    return make_error(errc::not_found, "no version of service " + std::to_string(svc.id) + " is live on chain "
                                         + std::to_string(chain) + " at height " + std::to_string(height));
  const auto v = s.find_version(svc.id, *n);
  if (!v)
    return make_error(errc::storage_corrupt, "version " + std::to_string(*n) + " is missing");
  const auto a = v->instance_on(chain);
  return output{{"service", svc.id},
                {"chain", chain},
                {"height", height},
                {"version", *n},
                {"address", a ? output(format_address(*a)) : output(nullptr)},
                {"template", v->template_id},
                {"commission", commission_to_json(v->commission)}};
}

} // namespace services_json

} // namespace bfd
