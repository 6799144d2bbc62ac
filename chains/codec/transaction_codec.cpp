#include "chains/codec/transaction_codec.hpp"

#include <msgpack.hpp>

namespace bfd::codec {

namespace {

constexpr std::uint32_t unsigned_fields = 8;
constexpr std::uint32_t signed_fields = unsigned_fields + 1;

void encode_payload(const tx_payload& payload, writer& w) {
  std::visit(
    [&](const auto& p) {
      using T = std::decay_t<decltype(p)>;
      if constexpr (std::is_same_v<T, transfer_payload>) {
        w.array(2);
        w.bin(p.to);
        w.uint(p.value);
      }
    },
    payload);
}

result<tx_payload> read_payload(tx_kind kind, const msgpack::object& obj) {
  switch (kind) {
    case tx_kind::transfer: {
      auto items = reader(obj, "transfer payload").array(2);
      if (!items)
        return items.error();
      auto to = reader((*items)[0], "transfer.to").fixed<20>();
      if (!to)
        return to.error();
      auto value = reader((*items)[1], "transfer.amount").uint();
      if (!value)
        return value.error();
      return tx_payload{transfer_payload{*to, *value}};
    }
  }
  return make_error(errc::unknown_kind, "transaction kind " + std::to_string(static_cast<int>(kind)));
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
