// The contracts module's payload codec and its small vocabulary. Decoders bound every field
// before keeping it (names, code, lists, inputs, fuel); the module checks the rest.
#include "chains/state/contract_codec.hpp"

#include <algorithm>

#include "chains/codec/field_reader.hpp"

namespace bfd {

namespace contract {

std::string_view to_string(param_type t) noexcept {
  switch (t) {
    case param_type::u64: return "u64";
    case param_type::i64: return "i64";
    case param_type::bytes: return "bytes";
    case param_type::address: return "address";
    case param_type::amount: return "amount";
  }
  return "unknown";
}

std::optional<param_type> parse_param_type(std::string_view text) noexcept {
  for (std::uint8_t i = 0; i < param_type_count; ++i)
    if (to_string(static_cast<param_type>(i)) == text)
      return static_cast<param_type>(i);
  return std::nullopt;
}

bool valid_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > max_name_bytes)
    return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'
          || c == '.'))
      return false;
  return true;
}

} // namespace contract

namespace codec {

namespace {

constexpr std::uint32_t publish_fields = 6;  // 7 when the template declares a slot, 8 with users
constexpr std::uint32_t deploy_fields = 10;
constexpr std::uint32_t call_fields = 7;
constexpr std::uint32_t set_slot_fields = 2;

void write_text(writer& w, const std::string& s) {
  w.bin(byte_view{reinterpret_cast<const byte*>(s.data()), s.size()});
}

void write_names(writer& w, const std::vector<std::string>& names) {
  w.array(static_cast<std::uint32_t>(names.size()));
  for (const auto& n : names)
    write_text(w, n);
}

// Arguments as two fields, so no array nests below the payload's: a bin of types (0 = i32,
// 1 = i64) and an array of their bits.
void write_args(writer& w, const std::vector<contract::call_arg>& args) {
  bytes types;
  for (const auto& a : args)
    types.push_back(a.is_i64 ? 1 : 0);
  w.bin(byte_view{types.data(), types.size()});
  w.array(static_cast<std::uint32_t>(args.size()));
  for (const auto& a : args)
    w.uint(a.is_i64 ? a.bits : (a.bits & 0xffffffffu));
}

std::vector<std::string> read_names(field_reader& f, std::size_t i, const char* what, std::size_t max) {
  std::uint32_t n = 0;
  const auto* items = f.array_up_to(i, what, static_cast<std::uint32_t>(max), n);
  std::vector<std::string> out;
  if (!items)
    return out;
  for (std::uint32_t k = 0; k < n && f.ok(); ++k) {
    auto b = reader(items[k], what).bin(contract::max_name_bytes);
    if (!b)
      return f.fail(b.error()), out;
    out.emplace_back(b->begin(), b->end());
  }
  return out;
}

std::vector<contract::call_arg> read_args(field_reader& f, std::size_t types_at) {
  std::vector<contract::call_arg> out;
  const auto types = f.bin(types_at, "arg types", contract::max_args);
  std::uint32_t n = 0;
  const auto* items = f.array_up_to(types_at + 1, "arg values", contract::max_args, n);
  if (!f.ok())
    return out;
  if (n != types.size())
    return f.fail(make_error(errc::malformed, "arg values: one per arg type")), out;
  for (std::uint32_t k = 0; k < n; ++k) {
    if (types[k] > 1)
      return f.fail(make_error(errc::malformed, "arg types: 0 (i32) or 1 (i64)")), out;
    auto v = reader(items[k], "arg value").uint();
    if (!v)
      return f.fail(v.error()), out;
    if (types[k] == 0 && *v > 0xffffffffu)
      return f.fail(make_error(errc::malformed, "arg value: an i32 above 2^32-1")), out;
    out.push_back({types[k] == 1, *v});
  }
  return out;
}

} // namespace

void encode_payload(const contract_publish_tx& p, writer& w) {
  // A template without a slot keeps the six fields it had before slots existed, so its bytes
  // and its id are unchanged; likewise a template without users keeps six or seven. With users
  // the slot field is present, empty when the template has no slot.
  w.array(!p.users.empty() ? publish_fields + 2 : p.slot.empty() ? publish_fields : publish_fields + 1);
  write_text(w, p.template_name);
  w.uint(p.version);
  w.bin(byte_view{p.code.data(), p.code.size()});
  write_names(w, p.param_names);
  bytes types;
  for (auto t : p.param_types)
    types.push_back(static_cast<byte>(t));
  w.bin(byte_view{types.data(), types.size()});
  write_names(w, p.entry_points);
  if (!p.slot.empty() || !p.users.empty())
    write_text(w, p.slot);
  if (!p.users.empty()) {
    w.array(static_cast<std::uint32_t>(p.users.size()));
    for (const auto& u : p.users)
      w.bin(u);
  }
}

void encode_payload(const contract_deploy_tx& p, writer& w) {
  w.array(deploy_fields);
  w.bin(p.template_id);
  w.array(static_cast<std::uint32_t>(p.params.size()));
  for (const auto& v : p.params)
    w.bin(byte_view{v.data(), v.size()});
  w.uint(p.value);
  w.array(static_cast<std::uint32_t>(p.readers.size()));
  for (const auto& r : p.readers)
    w.bin(r);
  w.uint(p.scope_kind);
  w.uint(p.scope_id);
  write_args(w, p.init_args);
  w.bin(byte_view{p.init_input.data(), p.init_input.size()});
  w.uint(p.fuel);
}

void encode_payload(const contract_call_tx& p, writer& w) {
  w.array(call_fields);
  w.bin(p.contract);
  write_text(w, p.entry);
  write_args(w, p.args);
  w.bin(byte_view{p.input.data(), p.input.size()});
  w.uint(p.fuel);
  w.uint(p.value);
}

void encode_payload(const contract_set_slot_tx& p, writer& w) {
  w.array(set_slot_fields);
  w.bin(p.contract);
  if (p.client)
    w.bin(*p.client);
  else
    w.bin(byte_view{});
}

result<contract_publish_tx> read_payload(const msgpack::object& obj, std::type_identity<contract_publish_tx>) {
  std::uint32_t fields = 0;
  auto items = reader(obj, "contract_publish").array_up_to(publish_fields + 2, fields);
  if (!items)
    return items.error();
  if (fields < publish_fields)
    return make_error(errc::malformed, "contract_publish: 6 fields, 7 with a slot, 8 with users");
  field_reader f(*items);
  contract_publish_tx p;
  p.template_name = f.text(0, "name", contract::max_name_bytes);
  p.version = static_cast<std::uint32_t>(f.uint(1, "version", UINT32_MAX));
  p.code = f.bin(2, "code", contract::max_code_bytes);
  p.param_names = read_names(f, 3, "param names", contract::max_params);
  const auto types = f.bin(4, "param types", contract::max_params);
  p.entry_points = read_names(f, 5, "entry points", contract::max_entry_points);
  if (fields > publish_fields) {
    p.slot = f.text(6, "slot", contract::max_name_bytes);
    if (f.ok() && p.slot.empty() && fields == publish_fields + 1)
      return make_error(errc::malformed, "slot: a name of 1-64 bytes (leave the field out for no slot)");
  }
  if (fields > publish_fields + 1) {
    std::uint32_t n = 0;
    if (const auto* users = f.array_up_to(7, "users", contract::max_template_users, n)) {
      if (f.ok() && n == 0)
        return make_error(errc::malformed, "users: 1-16 addresses (leave the field out for anyone)");
      for (std::uint32_t k = 0; k < n && f.ok(); ++k) {
        auto u = reader(users[k], "user").fixed<20>();
        if (!u)
          f.fail(u.error());
        else if (std::find(p.users.begin(), p.users.end(), *u) != p.users.end())
          return make_error(errc::malformed, "users: an address is named twice");
        else
          p.users.push_back(*u);
      }
    }
  }
  if (!f.ok())
    return f.err();
  if (types.size() != p.param_names.size())
    return make_error(errc::malformed, "param types: one per param name");
  for (auto t : types) {
    if (t >= contract::param_type_count)
      return make_error(errc::malformed, "param types: 0 (u64) to 4 (amount)");
    p.param_types.push_back(static_cast<contract::param_type>(t));
  }
  return p;
}

result<contract_deploy_tx> read_payload(const msgpack::object& obj, std::type_identity<contract_deploy_tx>) {
  auto items = reader(obj, "contract_deploy").array(deploy_fields);
  if (!items)
    return items.error();
  field_reader f(*items);
  contract_deploy_tx p;
  p.template_id = f.fixed<32>(0, "template id");
  std::uint32_t n = 0;
  if (const auto* params = f.array_up_to(1, "params", contract::max_params, n))
    for (std::uint32_t k = 0; k < n && f.ok(); ++k) {
      auto b = reader(params[k], "param").bin(contract::max_param_bytes);
      if (!b)
        f.fail(b.error());
      else
        p.params.push_back(std::move(*b));
    }
  p.value = f.uint(2, "value");
  if (const auto* readers = f.array_up_to(3, "readers", contract::max_readers, n))
    for (std::uint32_t k = 0; k < n && f.ok(); ++k) {
      auto a = reader(readers[k], "reader").fixed<20>();
      if (!a)
        f.fail(a.error());
      else
        p.readers.push_back(*a);
    }
  p.scope_kind = static_cast<std::uint8_t>(f.uint(4, "scope kind", contract::no_scope));
  p.scope_id = f.uint(5, "scope id");
  p.init_args = read_args(f, 6);
  p.init_input = f.bin(8, "init input", contract::max_input_bytes);
  p.fuel = f.uint(9, "fuel", contract::max_fuel);
  if (!f.ok())
    return f.err();
  if (p.scope_kind != contract::no_scope && p.scope_kind >= acl::scope_kind_count)
    return make_error(errc::malformed, "scope kind: 0 to 3, or 255 for none");
  return p;
}

result<contract_call_tx> read_payload(const msgpack::object& obj, std::type_identity<contract_call_tx>) {
  auto items = reader(obj, "contract_call").array(call_fields);
  if (!items)
    return items.error();
  field_reader f(*items);
  contract_call_tx p;
  p.contract = f.fixed<20>(0, "contract");
  p.entry = f.text(1, "entry", contract::max_name_bytes);
  p.args = read_args(f, 2);
  p.input = f.bin(4, "input", contract::max_input_bytes);
  p.fuel = f.uint(5, "fuel", contract::max_fuel);
  p.value = f.uint(6, "value");
  if (!f.ok())
    return f.err();
  return p;
}

result<contract_set_slot_tx> read_payload(const msgpack::object& obj, std::type_identity<contract_set_slot_tx>) {
  auto items = reader(obj, "contract_set_slot").array(set_slot_fields);
  if (!items)
    return items.error();
  field_reader f(*items);
  contract_set_slot_tx p;
  p.contract = f.fixed<20>(0, "contract");
  const auto client = f.bin(1, "client", 20);
  if (!f.ok())
    return f.err();
  if (!client.empty()) {
    if (client.size() != 20)
      return make_error(errc::malformed, "client: 20 bytes, or empty to clear the slot");
    address a;
    std::copy(client.begin(), client.end(), a.begin());
    p.client = a;
  }
  return p;
}

} // namespace codec

} // namespace bfd
