#include "protocols/consensus_json.hpp"

namespace bfd {

using namespace json_fields;

namespace {

const char* evidence_name(evidence_kind kind) noexcept {
  switch (kind) {
    case evidence_kind::double_block: return "double_block";
    case evidence_kind::double_vote: return "double_vote";
    case evidence_kind::surround_vote: return "surround_vote";
  }
  return "unknown";
}

template <class T>
void stake_to_json(output& j, const T& p) {
  j["vm"] = to_hex(p.vm);
  add_amount(j, "amount", p.value);
}

template <class T>
result<T> stake_from_json(const input& j) {
  auto vm = read_fixed_hex<32>(j, "vm");
  if (!vm)
    return vm.error();
  auto value = read_amount(j, "amount");
  if (!value)
    return value.error();
  return T{*vm, *value};
}

bool stake_field(std::string_view key) {
  return key == "vm" || key == "amount" || key == "amount_units";
}

} // namespace

void payload_to_json(output& j, const vm_bid_payload& p) {
  j["category"] = p.category;
  add_amount(j, "bid", p.bid);
  j["hash_chain_tip"] = to_hex(p.hash_chain_tip);
}

void payload_to_json(output& j, const vote_payload& p) {
  stake_to_json(j, p);
}

void payload_to_json(output& j, const unvote_payload& p) {
  stake_to_json(j, p);
}

void payload_to_json(output& j, const evidence_payload& p) {
  j["evidence_kind"] = evidence_name(p.kind);
  j["first"] = to_hex(p.first);
  j["second"] = to_hex(p.second);
}

result<vm_bid_payload> payload_from_json(const input& j, std::type_identity<vm_bid_payload>) {
  auto category = read_uint(j, "category", UINT32_MAX);
  if (!category)
    return category.error();
  auto bid = read_amount(j, "bid");
  if (!bid)
    return bid.error();
  auto tip = read_fixed_hex<32>(j, "hash_chain_tip");
  if (!tip)
    return tip.error();
  return vm_bid_payload{static_cast<std::uint32_t>(*category), *bid, *tip};
}

result<vote_payload> payload_from_json(const input& j, std::type_identity<vote_payload>) {
  return stake_from_json<vote_payload>(j);
}

result<unvote_payload> payload_from_json(const input& j, std::type_identity<unvote_payload>) {
  return stake_from_json<unvote_payload>(j);
}

result<evidence_payload> payload_from_json(const input& j, std::type_identity<evidence_payload>) {
  auto name = read_string(j, "evidence_kind");
  if (!name)
    return name.error();
  evidence_payload p;
  if (*name == evidence_name(evidence_kind::double_block))
    p.kind = evidence_kind::double_block;
  else if (*name == evidence_name(evidence_kind::double_vote))
    p.kind = evidence_kind::double_vote;
  else if (*name == evidence_name(evidence_kind::surround_vote))
    p.kind = evidence_kind::surround_vote;
  else
    return field_error(errc::malformed, "evidence_kind", "expected double_block, double_vote or surround_vote");
  auto first = read_hex(j, "first");
  if (!first)
    return first.error();
  auto second = read_hex(j, "second");
  if (!second)
    return second.error();
  p.first = std::move(*first);
  p.second = std::move(*second);
  return p;
}

bool payload_field(std::type_identity<vm_bid_payload>, std::string_view key) {
  return key == "category" || key == "bid" || key == "bid_units" || key == "hash_chain_tip";
}

bool payload_field(std::type_identity<vote_payload>, std::string_view key) {
  return stake_field(key);
}

bool payload_field(std::type_identity<unvote_payload>, std::string_view key) {
  return stake_field(key);
}

bool payload_field(std::type_identity<evidence_payload>, std::string_view key) {
  return key == "evidence_kind" || key == "first" || key == "second";
}

} // namespace bfd
