#include "chains/sidechain/registry_payloads.hpp"
#include "chains/codec/field_reader.hpp"

#include <string>

#include "chains/codec/block_codec.hpp"

namespace bfd::codec {

namespace {

constexpr std::uint64_t entry_version = 1;
constexpr std::uint32_t entry_fields = 10;
constexpr std::uint32_t params_fields = 6;

using fields = field_reader;

void write_text(writer& w, const std::string& s) {
  w.bin(byte_view{reinterpret_cast<const byte*>(s.data()), s.size()});
}

std::string text_of(const bytes& b) {
  return std::string(b.begin(), b.end());
}

template <class T, class Read, class Write>
result<T> decode_payload(byte_view in, Read read, Write write_fn) {
  return decode_canonical<T>(in, registry_payload_limits, read, [&](const T& v, bytes& out) {
    writer w(out);
    write_fn(v, w);
  });
}

template <class T>
bytes encode_payload(const T& p) {
  bytes out;
  writer w(out);
  write(p, w);
  return out;
}

// [id]: the payload of activate and cease.
result<chain_id> read_id_payload(const msgpack::object& obj, const char* what) {
  auto items = reader(obj, what).array(1);
  if (!items)
    return items.error();
  fields f(*items);
  auto id = f.uint(0, "sidechain id", UINT32_MAX);
  if (!f.ok())
    return f.err();
  return static_cast<chain_id>(id);
}

} // namespace

void write(const sidechain_entry& e, writer& w) {
  w.array(entry_fields);
  w.uint(entry_version);
  w.uint(e.id);
  w.uint(static_cast<std::uint64_t>(e.kind));
  write_text(w, e.name);
  write_text(w, e.token.symbol);
  w.array(static_cast<std::uint32_t>(e.token.allocations.size()));
  for (const auto& a : e.token.allocations) {
    w.array(2);
    w.bin(a.to);
    w.uint(a.value);
  }
  w.array(static_cast<std::uint32_t>(e.rule.per_category.size()));
  for (auto n : e.rule.per_category)
    w.uint(n);
  w.array(params_fields);
  w.uint(e.params.slot_ms);
  w.uint(e.params.rounds_per_epoch);
  w.uint(e.params.base_block_txs);
  w.uint(e.params.work_bits);
  w.uint(e.params.miss_limit);
  w.uint(e.params.anchor_interval);
  w.array(static_cast<std::uint32_t>(e.validators.size()));
  for (const auto& v : e.validators) {
    w.array(4);
    w.bin(v.key);
    w.uint(v.category);
    w.uint(v.bid);
    w.bin(v.hash_chain_tip);
  }
  w.uint(e.genesis_time_ms);
}

result<sidechain_entry> read_sidechain_entry(const msgpack::object& obj) {
  auto items = reader(obj, "sidechain entry").array(entry_fields);
  if (!items)
    return items.error();
  fields f(*items);
  sidechain_entry e;
  const auto version = f.uint(0, "sidechain entry.version");
  if (f.ok() && version != entry_version)
    return make_error(errc::unsupported_version, "sidechain entry version " + std::to_string(version));
  e.id = static_cast<chain_id>(f.uint(1, "sidechain entry.id", UINT32_MAX));
  e.kind = static_cast<chain_kind>(f.uint(2, "sidechain entry.kind", static_cast<std::uint64_t>(chain_kind::consortium)));
  e.name = text_of(f.bin(3, "sidechain entry.name", registry_bounds::max_name_bytes));
  e.token.symbol = text_of(f.bin(4, "sidechain entry.symbol", registry_bounds::max_symbol_bytes));
  std::uint32_t count = 0;
  if (const auto* allocs = f.array_up_to(5, "sidechain entry.allocations", registry_bounds::max_allocations, count)) {
    e.token.allocations.reserve(count);
    for (std::uint32_t i = 0; i < count && f.ok(); ++i) {
      auto pair = reader(allocs[i], "sidechain entry.allocation").array(2);
      if (!pair)
        return pair.error();
      fields a(*pair);
      genesis_allocation g{a.fixed<20>(0, "allocation.to"), a.uint(1, "allocation.value")};
      if (!a.ok())
        return a.err();
      e.token.allocations.push_back(g);
    }
  }
  if (const auto* rule = f.array_up_to(6, "sidechain entry.per_category", registry_bounds::max_categories, count)) {
    fields r(rule);
    for (std::uint32_t i = 0; i < count; ++i)
      e.rule.per_category.push_back(static_cast<std::uint32_t>(r.uint(i, "per_category", UINT32_MAX)));
    if (!r.ok())
      return r.err();
  }
  if (const auto* p = f.array(7, "sidechain entry.params", params_fields)) {
    fields r(p);
    e.params.slot_ms = r.uint(0, "params.slot_ms");
    e.params.rounds_per_epoch = r.uint(1, "params.rounds_per_epoch");
    e.params.base_block_txs = static_cast<std::uint32_t>(r.uint(2, "params.base_block_txs", UINT32_MAX));
    e.params.work_bits = static_cast<std::uint32_t>(r.uint(3, "params.work_bits", UINT32_MAX));
    e.params.miss_limit = static_cast<std::uint32_t>(r.uint(4, "params.miss_limit", UINT32_MAX));
    e.params.anchor_interval = r.uint(5, "params.anchor_interval");
    if (!r.ok())
      return r.err();
  }
  if (const auto* vals = f.array_up_to(8, "sidechain entry.validators", registry_bounds::max_validators, count)) {
    e.validators.reserve(count);
    for (std::uint32_t i = 0; i < count; ++i) {
      auto quad = reader(vals[i], "sidechain entry.validator").array(4);
      if (!quad)
        return quad.error();
      fields v(*quad);
      genesis_vm g;
      g.key = v.fixed<32>(0, "validator.key");
      g.category = static_cast<std::uint32_t>(v.uint(1, "validator.category", UINT32_MAX));
      g.bid = v.uint(2, "validator.bid");
      g.hash_chain_tip = v.fixed<32>(3, "validator.hash_chain_tip");
      if (!v.ok())
        return v.err();
      e.validators.push_back(g);
    }
  }
  e.genesis_time_ms = f.uint(9, "sidechain entry.genesis_time_ms");
  if (!f.ok())
    return f.err();
  return e;
}

// A fifth field only when the chain has module roots: (id byte || root) each, flat so the
// proof's nesting does not grow.
void write(const state_proof& p, writer& w) {
  w.array(p.modules.empty() ? 4 : 5);
  w.bin(p.ledger_root);
  w.bin(p.consensus.scalars);
  w.bin(p.consensus.vms_root);
  w.bin(p.consensus.stakes_root);
  if (!p.modules.empty()) {
    bytes flat;
    for (const auto& [id, r] : p.modules) {
      flat.push_back(static_cast<byte>(id));
      flat.insert(flat.end(), r.begin(), r.end());
    }
    w.bin(flat);
  }
}

result<state_proof> read_state_proof(const msgpack::object& obj) {
  std::uint32_t count = 0;
  auto items = reader(obj, "state proof").array_up_to(5, count);
  if (!items)
    return items.error();
  if (count < 4)
    return make_error(errc::malformed, "state proof: expected 4 or 5 fields");
  fields f(*items);
  state_proof p;
  p.ledger_root = f.fixed<32>(0, "state proof.ledger_root");
  p.consensus.scalars = f.bin(1, "state proof.scalars", registry_bounds::max_scalars_bytes);
  p.consensus.vms_root = f.fixed<32>(2, "state proof.vms_root");
  p.consensus.stakes_root = f.fixed<32>(3, "state proof.stakes_root");
  if (!f.ok())
    return f.err();
  if (count == 5) {
    constexpr std::size_t max_modules = 8;
    auto flat = reader((*items)[4], "state proof.modules").bin(max_modules * 33);
    if (!flat)
      return flat.error();
    if (flat->empty() || flat->size() % 33 != 0)
      return make_error(errc::malformed, "state proof.modules: expected 1-8 of (id, root)");
    for (std::size_t i = 0; i < flat->size(); i += 33) {
      hash256 r;
      std::copy(flat->begin() + static_cast<std::ptrdiff_t>(i) + 1, flat->begin() + static_cast<std::ptrdiff_t>(i) + 33, r.begin());
      const auto id = (*flat)[i];
      if (!p.modules.empty() && id <= p.modules.back().first)
        return make_error(errc::malformed, "state proof.modules: ids out of order");
      p.modules.emplace_back(id, r);
    }
  }
  return p;
}

void write(const sidechain_register_payload& p, writer& w) {
  write(p.entry, w);
}

void write(const sidechain_activate_payload& p, writer& w) {
  w.array(1);
  w.uint(p.id);
}

void write(const sidechain_cease_payload& p, writer& w) {
  w.array(1);
  w.uint(p.id);
}

void write(const sidechain_anchor_payload& p, writer& w) {
  w.array(4);
  w.uint(p.id);
  w.bin(encode(p.header));
  w.bin(encode(p.certificate));
  if (p.proof) {
    w.array(1);
    write(*p.proof, w);
  } else {
    w.array(0);
  }
}

result<sidechain_register_payload> read_sidechain_register(const msgpack::object& obj) {
  auto e = read_sidechain_entry(obj);
  if (!e)
    return e.error();
  return sidechain_register_payload{std::move(*e)};
}

result<sidechain_activate_payload> read_sidechain_activate(const msgpack::object& obj) {
  auto id = read_id_payload(obj, "sidechain_activate payload");
  if (!id)
    return id.error();
  return sidechain_activate_payload{*id};
}

result<sidechain_cease_payload> read_sidechain_cease(const msgpack::object& obj) {
  auto id = read_id_payload(obj, "sidechain_cease payload");
  if (!id)
    return id.error();
  return sidechain_cease_payload{*id};
}

result<sidechain_anchor_payload> read_sidechain_anchor(const msgpack::object& obj) {
  auto items = reader(obj, "sidechain_anchor payload").array(4);
  if (!items)
    return items.error();
  fields f(*items);
  sidechain_anchor_payload p;
  p.id = static_cast<chain_id>(f.uint(0, "anchor.id", UINT32_MAX));
  const auto header = f.bin(1, "anchor.header", registry_bounds::max_header_bytes);
  const auto cert = f.bin(2, "anchor.certificate", registry_bounds::max_certificate_bytes);
  std::uint32_t count = 0;
  const auto* proof = f.array_up_to(3, "anchor.proof", 1, count);
  if (!f.ok())
    return f.err();
  // The nested header and certificate must be canonical themselves.
  auto h = decode_block_header(header);
  if (!h)
    return make_error(h.error().code, "anchor.header: " + h.error().detail);
  auto c = decode_certificate(cert);
  if (!c)
    return make_error(c.error().code, "anchor.certificate: " + c.error().detail);
  p.header = std::move(*h);
  p.certificate = std::move(*c);
  if (count == 1) {
    auto sp = read_state_proof(proof[0]);
    if (!sp)
      return sp.error();
    p.proof = std::move(*sp);
  }
  return p;
}

bytes encode(const sidechain_register_payload& p) { return encode_payload(p); }
bytes encode(const sidechain_activate_payload& p) { return encode_payload(p); }
bytes encode(const sidechain_cease_payload& p) { return encode_payload(p); }
bytes encode(const sidechain_anchor_payload& p) { return encode_payload(p); }

result<sidechain_register_payload> decode_sidechain_register(byte_view in) {
  return decode_payload<sidechain_register_payload>(in, read_sidechain_register,
                                                    [](const auto& v, writer& w) { write(v, w); });
}
result<sidechain_activate_payload> decode_sidechain_activate(byte_view in) {
  return decode_payload<sidechain_activate_payload>(in, read_sidechain_activate,
                                                    [](const auto& v, writer& w) { write(v, w); });
}
result<sidechain_cease_payload> decode_sidechain_cease(byte_view in) {
  return decode_payload<sidechain_cease_payload>(in, read_sidechain_cease,
                                                 [](const auto& v, writer& w) { write(v, w); });
}
result<sidechain_anchor_payload> decode_sidechain_anchor(byte_view in) {
  return decode_payload<sidechain_anchor_payload>(in, read_sidechain_anchor,
                                                  [](const auto& v, writer& w) { write(v, w); });
}

} // namespace bfd::codec
