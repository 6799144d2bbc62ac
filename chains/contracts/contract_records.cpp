#include "chains/contracts/contract_records.hpp"
#include "chains/core/big_endian.hpp"

#include "chains/codec/field_reader.hpp"
#include "chains/state/contract_codec.hpp"

namespace bfd::contract::records {

namespace {
// An instance holds at most max_readers addresses; a receipt up to 1 KiB of error text and a
// few results.
constexpr codec::limits record_limits{4096, 64, 2};
constexpr codec::limits template_limits{max_code_bytes + 8 * 1024, 64, 2};
constexpr std::size_t max_error_text = 1024;
} // namespace


bytes template_key(const hash256& id) {
  bytes k{template_prefix};
  k.insert(k.end(), id.begin(), id.end());
  return k;
}

bytes name_key(std::string_view name, std::uint32_t version) {
  bytes k{name_prefix};
  k.insert(k.end(), name.begin(), name.end());
  k.push_back(0);
  put_be(k, version, 4);
  return k;
}

bytes contract_key(const address& a) {
  bytes k{contract_prefix};
  k.insert(k.end(), a.begin(), a.end());
  return k;
}

bytes state_key(const address& a, const bytes& key) {
  bytes k{state_prefix};
  k.insert(k.end(), a.begin(), a.end());
  k.insert(k.end(), key.begin(), key.end());
  return k;
}

bytes event_key(const address& a, std::uint64_t seq) {
  bytes k{event_prefix};
  k.insert(k.end(), a.begin(), a.end());
  put_be64(k, seq);
  return k;
}

bytes receipt_key(std::uint64_t seq) {
  bytes k{receipt_prefix};
  put_be64(k, seq);
  return k;
}

bytes index_key(const hash256& tx) {
  bytes k{index_prefix};
  k.insert(k.end(), tx.begin(), tx.end());
  return k;
}

bytes next_key() {
  return bytes{next_prefix};
}

// [template id, deployer, created height, readers, scope kind, scope id, calls, next event,
// slot client (only while the slot holds one: records of contracts without a client keep the
// eight fields they had before slots existed)]
bytes encode_instance(const instance& c) {
  bytes out;
  codec::writer w(out);
  w.array(c.slot ? 9 : 8);
  w.bin(c.template_id);
  w.bin(c.deployer);
  w.uint(c.created_height);
  w.array(static_cast<std::uint32_t>(c.readers.size()));
  for (const auto& r : c.readers)
    w.bin(r);
  w.uint(c.scope_kind);
  w.uint(c.scope_id);
  w.uint(c.calls);
  w.uint(c.next_event);
  if (c.slot)
    w.bin(*c.slot);
  return out;
}

result<instance> decode_instance(byte_view in) {
  return codec::decode_canonical<instance>(
    in, record_limits,
    [](const msgpack::object& obj) -> result<instance> {
      std::uint32_t fields = 0;
      auto items = codec::reader(obj, "contract").array_up_to(9, fields);
      if (!items)
        return items.error();
      if (fields < 8)
        return make_error(errc::malformed, "contract: 8 fields, or 9 with a slot client");
      codec::field_reader f(*items);
      instance c;
      c.template_id = f.fixed<32>(0, "template id");
      c.deployer = f.fixed<20>(1, "deployer");
      c.created_height = f.uint(2, "created height");
      std::uint32_t n = 0;
      if (const auto* rs = f.array_up_to(3, "readers", max_readers, n))
        for (std::uint32_t i = 0; i < n && f.ok(); ++i) {
          auto a = codec::reader(rs[i], "reader").fixed<20>();
          if (!a)
            f.fail(a.error());
          else
            c.readers.push_back(*a);
        }
      c.scope_kind = static_cast<std::uint8_t>(f.uint(4, "scope kind", no_scope));
      c.scope_id = f.uint(5, "scope id");
      c.calls = f.uint(6, "calls");
      c.next_event = f.uint(7, "next event");
      if (fields == 9)
        c.slot = f.fixed<20>(8, "slot client");
      if (!f.ok())
        return f.err();
      return c;
    },
    [](const instance& c, bytes& out) { out = encode_instance(c); });
}

// [tx, kind, contract, height, ok, error, fuel used, fee, result types, result values, events]
bytes encode_receipt(const receipt& r) {
  bytes out;
  codec::writer w(out);
  w.array(11);
  w.bin(r.tx);
  w.uint(r.kind);
  w.bin(r.contract);
  w.uint(r.height);
  w.uint(r.ok ? 1 : 0);
  w.bin(byte_view{reinterpret_cast<const byte*>(r.error.data()), r.error.size()});
  w.uint(r.fuel_used);
  w.uint(r.fee);
  bytes types;
  for (const auto& a : r.results)
    types.push_back(a.is_i64 ? 1 : 0);
  w.bin(byte_view{types.data(), types.size()});
  w.array(static_cast<std::uint32_t>(r.results.size()));
  for (const auto& a : r.results)
    w.uint(a.bits);
  w.uint(r.events);
  return out;
}

result<receipt> decode_receipt(byte_view in) {
  return codec::decode_canonical<receipt>(
    in, record_limits,
    [](const msgpack::object& obj) -> result<receipt> {
      auto items = codec::reader(obj, "receipt").array(11);
      if (!items)
        return items.error();
      codec::field_reader f(*items);
      receipt r;
      r.tx = f.fixed<32>(0, "tx");
      r.kind = static_cast<std::uint8_t>(f.uint(1, "kind", 255));
      r.contract = f.fixed<20>(2, "contract");
      r.height = f.uint(3, "height");
      r.ok = f.uint(4, "ok", 1) == 1;
      r.error = f.text(5, "error", max_error_text);
      r.fuel_used = f.uint(6, "fuel used");
      r.fee = f.uint(7, "fee");
      const auto types = f.bin(8, "result types", 16);
      std::uint32_t n = 0;
      const auto* vs = f.array_up_to(9, "result values", 16, n);
      r.events = static_cast<std::uint32_t>(f.uint(10, "events", UINT32_MAX));
      if (!f.ok())
        return f.err();
      if (n != types.size())
        return make_error(errc::malformed, "result values: one per type");
      for (std::uint32_t i = 0; i < n; ++i) {
        auto v = codec::reader(vs[i], "result").uint();
        if (!v)
          return v.error();
        r.results.push_back({types[i] != 0, *v});
      }
      return r;
    },
    [](const receipt& r, bytes& out) { out = encode_receipt(r); });
}

bytes encode_publish(const contract_publish_tx& p) {
  bytes out;
  codec::writer w(out);
  codec::encode_payload(p, w);
  return out;
}

result<contract_publish_tx> decode_publish(byte_view in) {
  return codec::decode_canonical<contract_publish_tx>(
    in, template_limits,
    [](const msgpack::object& obj) { return codec::read_payload(obj, std::type_identity<contract_publish_tx>{}); },
    [](const contract_publish_tx& p, bytes& out) { out = encode_publish(p); });
}

} // namespace bfd::contract::records
