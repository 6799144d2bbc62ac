#include "chains/state/consensus_codec.hpp"

namespace bfd::codec {

namespace {

// An encoded header or confirmation is a few hundred bytes.
constexpr std::size_t max_evidence_item_bytes = 1024;

template <class T>
void encode_stake(const T& p, writer& w) {
  w.array(2);
  w.bin(p.vm);
  w.uint(p.value);
}

template <class T>
result<T> read_stake(const msgpack::object& obj) {
  auto items = reader(obj, "vote payload").array(2);
  if (!items)
    return items.error();
  auto vm = reader((*items)[0], "vote.vm").fixed<32>();
  auto value = reader((*items)[1], "vote.amount").uint();
  if (!vm)
    return vm.error();
  if (!value)
    return value.error();
  return T{*vm, *value};
}

} // namespace

void encode_payload(const vm_bid_payload& p, writer& w) {
  w.array(3);
  w.uint(p.category);
  w.uint(p.bid);
  w.bin(p.hash_chain_tip);
}

void encode_payload(const vote_payload& p, writer& w) {
  encode_stake(p, w);
}

void encode_payload(const unvote_payload& p, writer& w) {
  encode_stake(p, w);
}

void encode_payload(const evidence_payload& p, writer& w) {
  w.array(3);
  w.uint(static_cast<std::uint64_t>(p.kind));
  w.bin(p.first);
  w.bin(p.second);
}

result<vm_bid_payload> read_payload(const msgpack::object& obj, std::type_identity<vm_bid_payload>) {
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
  return vm_bid_payload{static_cast<std::uint32_t>(*category), *bid, *tip};
}

result<vote_payload> read_payload(const msgpack::object& obj, std::type_identity<vote_payload>) {
  return read_stake<vote_payload>(obj);
}

result<unvote_payload> read_payload(const msgpack::object& obj, std::type_identity<unvote_payload>) {
  return read_stake<unvote_payload>(obj);
}

result<evidence_payload> read_payload(const msgpack::object& obj, std::type_identity<evidence_payload>) {
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
  return evidence_payload{static_cast<evidence_kind>(*which), std::move(*first), std::move(*second)};
}

} // namespace bfd::codec
