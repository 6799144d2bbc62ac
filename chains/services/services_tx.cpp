// The service registry's payload codec and the names of its enums. Decoders bound every field
// (symbols to 12 bytes, lists to 16 items, texts to their bounds); the module checks the rest.
#include "chains/state/services_codec.hpp"

#include "chains/codec/field_reader.hpp"

namespace bfd {

namespace services {

std::string_view to_string(commission_kind k) noexcept {
  switch (k) {
    case commission_kind::percent: return "percent";
    case commission_kind::fixed: return "fixed";
    case commission_kind::expression: return "expression";
    case commission_kind::wasm: return "wasm";
  }
  return "unknown";
}

std::string_view to_string(service_status s) noexcept {
  switch (s) {
    case service_status::active: return "active";
    case service_status::suspended: return "suspended";
    case service_status::retired: return "retired";
  }
  return "unknown";
}

std::optional<service_status> parse_service_status(std::string_view text) noexcept {
  for (std::uint8_t i = 0; i < service_status_count; ++i)
    if (to_string(static_cast<service_status>(i)) == text)
      return static_cast<service_status>(i);
  return std::nullopt;
}

} // namespace services

namespace codec {

namespace {

void write_text(writer& w, std::string_view s) {
  w.bin(byte_view{reinterpret_cast<const byte*>(s.data()), s.size()});
}

// The items of a payload array of exactly `n`, or the error.
result<const msgpack::object*> items_of(const msgpack::object& obj, const char* what, std::uint32_t n) {
  return reader(obj, what).array(n);
}

} // namespace

void write_commission(const services::commission& c, writer& w) {
  using services::commission_kind;
  switch (c.kind) {
    case commission_kind::percent:
    case commission_kind::fixed:
      w.array(2);
      w.uint(static_cast<std::uint8_t>(c.kind));
      w.uint(c.value);
      return;
    case commission_kind::expression:
      w.array(2);
      w.uint(static_cast<std::uint8_t>(c.kind));
      write_text(w, c.text);
      return;
    case commission_kind::wasm:
      w.array(4);
      w.uint(static_cast<std::uint8_t>(c.kind));
      w.uint(c.chain);
      w.bin(c.contract);
      write_text(w, c.text);
      return;
  }
}

result<services::commission> read_commission(const msgpack::object& obj) {
  using services::commission_kind;
  std::uint32_t n = 0;
  auto items = reader(obj, "commission").array_up_to(4, n);
  if (!items)
    return items.error();
  if (n < 2)
    return make_error(errc::malformed, "commission: fewer than 2 items");
  field_reader f(*items);
  services::commission c;
  c.kind = static_cast<commission_kind>(f.uint(0, "commission kind", services::commission_kind_count - 1));
  if (!f.ok())
    return f.err();
  const std::uint32_t want = c.kind == commission_kind::wasm ? 4 : 2;
  if (n != want)
    return make_error(errc::malformed, "commission " + std::string(to_string(c.kind)) + ": expected "
                                         + std::to_string(want) + " items, got " + std::to_string(n));
  switch (c.kind) {
    case commission_kind::percent:
    case commission_kind::fixed: c.value = f.uint(1, "commission value"); break;
    case commission_kind::expression: c.text = f.text(1, "expression", services::max_expression); break;
    case commission_kind::wasm:
      c.chain = static_cast<std::uint32_t>(f.uint(1, "fee chain", UINT32_MAX));
      c.contract = f.fixed<20>(2, "fee contract");
      c.text = f.text(3, "export", services::max_export);
      break;
  }
  if (!f.ok())
    return f.err();
  return c;
}

void write_instances(const std::vector<services::instance>& list, writer& w) {
  w.array(static_cast<std::uint32_t>(list.size()));
  for (const auto& i : list) {
    w.array(2);
    w.uint(i.chain);
    w.bin(i.contract);
  }
}

result<std::vector<services::instance>> read_instances(const msgpack::object& obj) {
  std::uint32_t n = 0;
  auto items = reader(obj, "instances").array_up_to(services::max_deployments, n);
  if (!items)
    return items.error();
  std::vector<services::instance> out;
  out.reserve(n);
  for (std::uint32_t i = 0; i < n; ++i) {
    auto pair = reader((*items)[i], "instance").array(2);
    if (!pair)
      return pair.error();
    field_reader f(*pair);
    services::instance in;
    in.chain = static_cast<std::uint32_t>(f.uint(0, "instance chain", UINT32_MAX));
    in.contract = f.fixed<20>(1, "instance contract");
    if (!f.ok())
      return f.err();
    out.push_back(in);
  }
  return out;
}

void encode_payload(const service_register_tx& p, writer& w) {
  w.array(8);
  w.bin(p.uuid);
  write_text(w, p.symbol);
  w.bin(p.dapp);
  w.uint(p.home);
  w.array(static_cast<std::uint32_t>(p.deployments.size()));
  for (auto c : p.deployments)
    w.uint(c);
  write_instances(p.instances, w);
  w.uint(p.template_id);
  write_commission(p.commission, w);
}

void encode_payload(const service_upgrade_tx& p, writer& w) {
  w.array(12);
  w.uint(p.service);
  write_instances(p.instances, w);
  w.uint(p.template_id);
  write_commission(p.commission, w);
  for (auto v : {std::uint64_t{p.canary}, p.delay, p.window, p.min_calls, p.max_failed_permille, p.max_missed_blocks,
                 p.max_latency_ms, p.promote_delay})
    w.uint(v);
}

void encode_payload(const service_health_tx& p, writer& w) {
  w.array(9);
  for (auto v : {p.service, std::uint64_t{p.version}, std::uint64_t{p.chain}, p.from_height, p.to_height, p.calls,
                 p.failed_calls, p.missed_blocks, p.latency_p99_ms})
    w.uint(v);
}

void encode_payload(const service_rollback_tx& p, writer& w) {
  w.array(2);
  w.uint(p.service);
  write_text(w, p.reason);
}

void encode_payload(const service_set_status_tx& p, writer& w) {
  w.array(2);
  w.uint(p.service);
  w.uint(static_cast<std::uint8_t>(p.status));
}

result<service_register_tx> read_payload(const msgpack::object& obj, std::type_identity<service_register_tx>) {
  auto items = items_of(obj, "service_register", 8);
  if (!items)
    return items.error();
  field_reader f(*items);
  service_register_tx p;
  p.uuid = f.fixed<16>(0, "uuid");
  p.symbol = f.text(1, "symbol", services::max_symbol);
  p.dapp = f.fixed<20>(2, "dapp");
  p.home = static_cast<std::uint32_t>(f.uint(3, "home", UINT32_MAX));
  std::uint32_t n = 0;
  const auto* deps = f.array_up_to(4, "deployments", services::max_deployments, n);
  p.template_id = f.uint(6, "template");
  if (!f.ok())
    return f.err();
  field_reader d(deps);
  for (std::uint32_t i = 0; i < n; ++i)
    p.deployments.push_back(static_cast<std::uint32_t>(d.uint(i, "deployment", UINT32_MAX)));
  if (!d.ok())
    return d.err();
  auto inst = read_instances((*items)[5]);
  if (!inst)
    return inst.error();
  p.instances = std::move(*inst);
  auto c = read_commission((*items)[7]);
  if (!c)
    return c.error();
  p.commission = std::move(*c);
  return p;
}

result<service_upgrade_tx> read_payload(const msgpack::object& obj, std::type_identity<service_upgrade_tx>) {
  auto items = items_of(obj, "service_upgrade", 12);
  if (!items)
    return items.error();
  field_reader f(*items);
  service_upgrade_tx p;
  p.service = f.uint(0, "service");
  p.template_id = f.uint(2, "template");
  p.canary = static_cast<std::uint32_t>(f.uint(4, "canary", UINT32_MAX));
  p.delay = f.uint(5, "delay");
  p.window = f.uint(6, "window");
  p.min_calls = f.uint(7, "min_calls");
  p.max_failed_permille = f.uint(8, "max_failed_permille");
  p.max_missed_blocks = f.uint(9, "max_missed_blocks");
  p.max_latency_ms = f.uint(10, "max_latency_ms");
  p.promote_delay = f.uint(11, "promote_delay");
  if (!f.ok())
    return f.err();
  auto inst = read_instances((*items)[1]);
  if (!inst)
    return inst.error();
  p.instances = std::move(*inst);
  auto c = read_commission((*items)[3]);
  if (!c)
    return c.error();
  p.commission = std::move(*c);
  return p;
}

result<service_health_tx> read_payload(const msgpack::object& obj, std::type_identity<service_health_tx>) {
  auto items = items_of(obj, "service_health", 9);
  if (!items)
    return items.error();
  field_reader f(*items);
  service_health_tx p;
  p.service = f.uint(0, "service");
  p.version = static_cast<std::uint32_t>(f.uint(1, "version", UINT32_MAX));
  p.chain = static_cast<std::uint32_t>(f.uint(2, "chain", UINT32_MAX));
  p.from_height = f.uint(3, "from_height");
  p.to_height = f.uint(4, "to_height");
  p.calls = f.uint(5, "calls");
  p.failed_calls = f.uint(6, "failed_calls");
  p.missed_blocks = f.uint(7, "missed_blocks");
  p.latency_p99_ms = f.uint(8, "latency_p99_ms");
  if (!f.ok())
    return f.err();
  return p;
}

result<service_rollback_tx> read_payload(const msgpack::object& obj, std::type_identity<service_rollback_tx>) {
  auto items = items_of(obj, "service_rollback", 2);
  if (!items)
    return items.error();
  field_reader f(*items);
  service_rollback_tx p;
  p.service = f.uint(0, "service");
  p.reason = f.text(1, "reason", services::max_reason);
  if (!f.ok())
    return f.err();
  return p;
}

result<service_set_status_tx> read_payload(const msgpack::object& obj, std::type_identity<service_set_status_tx>) {
  auto items = items_of(obj, "service_set_status", 2);
  if (!items)
    return items.error();
  field_reader f(*items);
  service_set_status_tx p;
  p.service = f.uint(0, "service");
  p.status = static_cast<services::service_status>(f.uint(1, "status", services::service_status_count - 1));
  if (!f.ok())
    return f.err();
  return p;
}

} // namespace codec

} // namespace bfd
