#include "chains/codec/transaction_codec.hpp"

#include <msgpack.hpp>

namespace bfd::codec {

namespace {

constexpr std::uint32_t unsigned_fields = 8;
// An encoded header or confirmation is a few hundred bytes.
constexpr std::size_t max_evidence_item_bytes = 1024;
constexpr std::uint32_t signed_fields = unsigned_fields + 1;

void encode_payload(const tx_payload& payload, writer& w) {
  std::visit(
    [&](const auto& p) {
      using T = std::decay_t<decltype(p)>;
      if constexpr (std::is_same_v<T, transfer_payload>) {
        w.array(2);
        w.bin(p.to);
        w.uint(p.value);
      } else if constexpr (std::is_same_v<T, vm_bid_payload>) {
        w.array(3);
        w.uint(p.category);
        w.uint(p.bid);
        w.bin(p.hash_chain_tip);
      } else if constexpr (std::is_same_v<T, vote_payload> || std::is_same_v<T, unvote_payload>) {
        w.array(2);
        w.bin(p.vm);
        w.uint(p.value);
      } else {
        static_assert(std::is_same_v<T, evidence_payload>);
        w.array(3);
        w.uint(static_cast<std::uint64_t>(p.kind));
        w.bin(p.first);
        w.bin(p.second);
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
    case tx_kind::vm_bid: {
      auto items = reader(obj, "vm_bid payload").array(3);
      if (!items)
        return items.error();
      auto category = reader((*items)[0], "vm_bid.category").uint();
      auto bid = reader((*items)[1], "vm_bid.bid").uint();
      auto tip = reader((*items)[2], "vm_bid.hash_chain_tip").fixed<32>();
      if (!category)
        return category.error();
      if (*category > UINT32_MAX)
        return make_error(errc::malformed, "vm_bid.category: over 32 bits");
      if (!bid)
        return bid.error();
      if (!tip)
        return tip.error();
      return tx_payload{vm_bid_payload{static_cast<std::uint32_t>(*category), *bid, *tip}};
    }
    case tx_kind::vote:
    case tx_kind::unvote: {
      auto items = reader(obj, "vote payload").array(2);
      if (!items)
        return items.error();
      auto vm = reader((*items)[0], "vote.vm").fixed<32>();
      auto value = reader((*items)[1], "vote.amount").uint();
      if (!vm)
        return vm.error();
      if (!value)
        return value.error();
      if (kind == tx_kind::vote)
        return tx_payload{vote_payload{*vm, *value}};
      return tx_payload{unvote_payload{*vm, *value}};
    }
    case tx_kind::evidence: {
      auto items = reader(obj, "evidence payload").array(3);
      if (!items)
        return items.error();
      auto which = reader((*items)[0], "evidence.kind").uint();
      if (!which)
        return which.error();
      if (*which > static_cast<std::uint64_t>(evidence_kind::surround_vote))
        return make_error(errc::malformed, "evidence.kind: unknown");
      auto first = reader((*items)[1], "evidence.first").bin(max_evidence_item_bytes);
      auto second = reader((*items)[2], "evidence.second").bin(max_evidence_item_bytes);
      if (!first)
        return first.error();
      if (!second)
        return second.error();
      return tx_payload{evidence_payload{static_cast<evidence_kind>(*which), std::move(*first),
                                         std::move(*second)}};
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
