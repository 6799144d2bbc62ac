#include "chains/primitives/transaction.hpp"

#include <array>

#include "chains/codec/transaction_codec.hpp"
#include "chains/crypto/hash.hpp"

namespace bfd {

namespace {
template <class... Ts>
constexpr std::array<tx_kind, sizeof...(Ts)> kind_table(type_list<Ts...>) {
  return {Ts::kind_number...};
}
constexpr auto kinds = kind_table(all_payloads{});
template <class... Ts>
constexpr std::array<module_id, sizeof...(Ts)> module_table(type_list<Ts...>) {
  return {Ts::module...};
}
constexpr auto modules = module_table(all_payloads{});
} // namespace

tx_kind kind_of(const tx_payload& payload) noexcept {
  return kinds[payload.index()];
}

std::string_view payload_name(const tx_payload& payload) noexcept {
  return std::visit([](const auto& p) { return std::decay_t<decltype(p)>::name; }, payload);
}

module_id module_of(const tx_payload& payload) noexcept {
  return modules[payload.index()];
}

hash256 signing_hash(const transaction& tx) {
  bytes buf;
  buf.reserve(128);
  codec::encode_unsigned(tx, buf);
  return tagged_hash(hash_tag::tx, buf);
}

hash256 entry_hash(const hash256& id, const transaction& tx) {
  return tagged_hash(hash_tag::tx_entry, id.view(), tx.sig.view());
}

hash256 entry_hash(const transaction& tx) {
  return entry_hash(signing_hash(tx), tx);
}

void sign_transaction(transaction& tx, const key_pair& keys, const hash256& aux) {
  tx.sender = keys.pub;
  tx.sig = sign(keys, signing_hash(tx), aux);
}

bool verify_signature(const transaction& tx) {
  auto h = signing_hash(tx);
  return verify(tx.sender, h.view(), tx.sig);
}

} // namespace bfd
