// Hex and JSON forms of transactions.
#include "runtime/tx_text.hpp"

#include "chains/codec/transaction_codec.hpp"
#include "chains/core/hex.hpp"

namespace bfd::runtime {

namespace {

std::string_view trim(std::string_view text) {
  constexpr std::string_view space = " \t\r\n";
  auto first = text.find_first_not_of(space);
  if (first == std::string_view::npos)
    return {};
  auto last = text.find_last_not_of(space);
  return text.substr(first, last - first + 1);
}

const char* evidence_name(evidence_kind kind) noexcept {
  switch (kind) {
    case evidence_kind::double_block: return "double_block";
    case evidence_kind::double_confirmation: return "double_confirmation";
  }
  return "unknown";
}

void add_amount(nlohmann::ordered_json& j, const std::string& name, amount value) {
  j[name] = format_amount(value);
  j[name + "_units"] = value;
}

void add_payload(nlohmann::ordered_json& j, const tx_payload& payload) {
  std::visit(
    [&](const auto& p) {
      using T = std::decay_t<decltype(p)>;
      if constexpr (std::is_same_v<T, transfer_payload>) {
        j["to"] = format_address(p.to);
        add_amount(j, "amount", p.value);
      } else if constexpr (std::is_same_v<T, vm_bid_payload>) {
        j["category"] = p.category;
        add_amount(j, "bid", p.bid);
        j["hash_chain_tip"] = to_hex(p.hash_chain_tip);
      } else if constexpr (std::is_same_v<T, vote_payload> || std::is_same_v<T, unvote_payload>) {
        j["vm"] = to_hex(p.vm);
        add_amount(j, "amount", p.value);
      } else {
        static_assert(std::is_same_v<T, evidence_payload>, "a payload kind has no JSON form");
        j["evidence_kind"] = evidence_name(p.kind);
        j["first"] = to_hex(p.first);
        j["second"] = to_hex(p.second);
      }
    },
    payload);
}

} // namespace

std::string transaction_hex(const transaction& tx) {
  return to_hex(codec::encode(tx));
}

result<transaction> transaction_from_hex(std::string_view text) {
  text = trim(text);
  if (text.empty())
    return make_error(errc::bad_hex, "no hex given");
  auto raw = from_hex(text);
  if (!raw)
    return raw.error();
  return codec::decode_transaction(*raw);
}

std::string_view kind_name(tx_kind kind) noexcept {
  switch (kind) {
    case tx_kind::transfer: return "transfer";
    case tx_kind::vm_bid: return "vm_bid";
    case tx_kind::vote: return "vote";
    case tx_kind::unvote: return "unvote";
    case tx_kind::evidence: return "evidence";
  }
  return "unknown";
}

nlohmann::ordered_json transaction_json(const transaction& tx) {
  nlohmann::ordered_json j;
  j["id"] = to_hex(signing_hash(tx));
  j["chain"] = tx.chain;
  j["kind"] = kind_name(tx.kind());
  j["sender"] = to_hex(tx.sender);
  j["sender_address"] = format_address(address_of(tx.sender));
  j["nonce"] = tx.nonce;
  add_amount(j, "fee", tx.fee);
  j["expiry"] = tx.expiry;
  add_payload(j, tx.payload);
  j["signature"] = to_hex(tx.sig);
  j["signature_valid"] = verify_signature(tx);
  return j;
}

} // namespace bfd::runtime
