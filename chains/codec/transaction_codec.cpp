#include "chains/codec/transaction_codec.hpp"

#include <optional>

#include <msgpack.hpp>

#include "chains/state/module_codecs.hpp"

namespace bfd::codec {

namespace {

constexpr std::uint32_t unsigned_fields = 8;
constexpr std::uint32_t signed_fields = unsigned_fields + 1;

void encode_payload(const tx_payload& payload, writer& w) {
  std::visit([&](const auto& p) { codec::encode_payload(p, w); }, payload);
}

// The payload type whose declared kind number is `kind`, read by its module's codec.
template <class... Ts>
result<tx_payload> read_payload_of(tx_kind kind, const msgpack::object& obj, type_list<Ts...>) {
  std::optional<result<tx_payload>> out;
  auto try_one = [&](auto tag) {
    using T = typename decltype(tag)::type;
    if (T::kind_number != kind)
      return false;
    auto p = codec::read_payload(obj, tag);
    if (p)
      out.emplace(tx_payload{std::move(*p)});
    else
      out.emplace(p.error());
    return true;
  };
  if ((try_one(std::type_identity<Ts>{}) || ...))
    return std::move(*out);
  return make_error(errc::unknown_kind, "transaction kind " + std::to_string(static_cast<int>(kind)));
}

result<tx_payload> read_payload(tx_kind kind, const msgpack::object& obj) {
  return read_payload_of(kind, obj, all_payloads{});
}

void encode_fields(const transaction& tx, writer& w) {
  w.uint(transaction::format_version);
  w.uint(tx.chain);
  w.uint(static_cast<std::uint64_t>(tx.kind()));
  w.bin(tx.sender);
  w.uint(tx.nonce);
  w.uint(tx.fee);
  w.uint(tx.expiry);
  encode_payload(tx.payload, w);
}

} // namespace

void encode_unsigned(const transaction& tx, bytes& out) {
  writer w(out);
  w.array(unsigned_fields);
  encode_fields(tx, w);
}

void encode(const transaction& tx, bytes& out) {
  writer w(out);
  w.array(signed_fields);
  encode_fields(tx, w);
  w.bin(tx.sig);
}

bytes encode(const transaction& tx) {
  bytes out;
  out.reserve(160);
  encode(tx, out);
  return out;
}

result<transaction> read_transaction(const msgpack::object& obj) {
  auto items = reader(obj, "transaction").array(signed_fields);
  if (!items)
    return items.error();
  const msgpack::object* f = *items;
  auto version = reader(f[0], "tx.version").uint();
  if (!version)
    return version.error();
  if (*version != transaction::format_version)
    return make_error(errc::unsupported_version, "transaction version " + std::to_string(*version));
  transaction tx;
  auto chain = reader(f[1], "tx.chain").uint();
  if (!chain)
    return chain.error();
  if (*chain > UINT32_MAX)
    return make_error(errc::malformed, "tx.chain: over 32 bits");
  tx.chain = static_cast<chain_id>(*chain);
  auto kind = reader(f[2], "tx.kind").uint();
  if (!kind)
    return kind.error();
  if (*kind > 255)
    return make_error(errc::unknown_kind, "transaction kind " + std::to_string(*kind));
  auto sender = reader(f[3], "tx.sender").fixed<32>();
  if (!sender)
    return sender.error();
  tx.sender = *sender;
  auto nonce = reader(f[4], "tx.nonce").uint();
  auto fee = reader(f[5], "tx.fee").uint();
  auto expiry = reader(f[6], "tx.expiry").uint();
  if (!nonce)
    return nonce.error();
  if (!fee)
    return fee.error();
  if (!expiry)
    return expiry.error();
  tx.nonce = *nonce;
  tx.fee = *fee;
  tx.expiry = *expiry;
  auto payload = read_payload(static_cast<tx_kind>(*kind), f[7]);
  if (!payload)
    return payload.error();
  tx.payload = std::move(*payload);
  auto sig = reader(f[8], "tx.signature").fixed<64>();
  if (!sig)
    return sig.error();
  tx.sig = *sig;
  return tx;
}

result<transaction> decode_transaction(byte_view in) {
  return decode_canonical<transaction>(
    in, tx_limits, [](const msgpack::object& o) { return read_transaction(o); },
    [](const transaction& tx, bytes& out) { encode(tx, out); });
}

} // namespace bfd::codec
