// The contracts module's client slot (kind 27 and what a call binds): a template that declares
// a slot runs, through the host's slot_call, the contract its deployer (or a `write` holder on
// its scope) inserted. One level: a client's template must declare no slot (docs/contracts.md).
#include "chains/contracts/contract_module.hpp"

#include <fmt/format.h>

#include "chains/access/access_module.hpp"
#include "chains/consensus/chain_state.hpp"
#include "chains/contracts/contract_records.hpp"
#include "chains/crypto/keys.hpp"
#include "chains/ledger/ledger.hpp"

namespace bfd {

using namespace contract;
using namespace contract::records;

status contracts_module::check_set_slot(const contract_set_slot_tx& p, const transaction& tx,
                                        const block_context& ctx) const {
  const auto found = find_with_template(p.contract, "contract");
  if (!found)
    return found.error();
  const auto& [c, t] = *found;
  if (!t.has_slot())
    return make_error(errc::slot_refused, fmt::format("template {} v{} declares no slot", t.body.template_name,
                                                      t.body.version));
  // The deployer, or a holder of `write` on the contract's scope.
  const auto sender = address_of(tx.sender);
  if (sender != c.deployer) {
    const auto* acl_state = ctx.state ? find_access(*ctx.state) : nullptr;
    if (c.scope_kind == no_scope || !acl_state)
      return make_error(errc::access_denied, "only the contract's deployer may set its slot (it has no access scope)");
    const acl::scope s{static_cast<acl::scope_kind>(c.scope_kind), c.scope_id};
    if (auto st = acl_state->check(sender, s, acl::permission::write); !st)
      return make_error(errc::access_denied,
                        "setting a contract's slot needs its deployer or write on its scope: " + st.error().detail);
  }
  if (!p.client)
    return {};
  if (*p.client == p.contract)
    return make_error(errc::slot_refused, "a contract cannot be its own slot's client");
  const auto client = find_with_template(*p.client, "client contract");
  if (!client)
    return client.error();
  const auto& ct = client->second;
  if (ct.has_slot())
    return make_error(errc::slot_refused, fmt::format("the client's template {} v{} declares a slot itself: a slot "
                                                      "holds a contract without one (one level of nesting)",
                                                      ct.body.template_name, ct.body.version));
  return {};
}

status contracts_module::apply_set_slot(const contract_set_slot_tx& p, const transaction& tx,
                                        const block_context& ctx) {
  auto c = find_contract(p.contract);
  if (!c)
    return make_error(errc::unknown_contract, "no contract at " + format_address(p.contract));
  c->slot = p.client;
  put_instance(p.contract, *c);
  receipt r;
  r.tx = signing_hash(tx);
  r.kind = static_cast<std::uint8_t>(contract_set_slot_tx::kind_number);
  r.contract = p.contract;
  r.height = ctx.height;
  r.ok = true;
  r.fee = tx.fee;
  put_receipt(r);
  return {};
}

result<std::optional<contracts_module::bound_slot>> contracts_module::bind_slot(const instance& c,
                                                                               const ledger& l) const {
  if (!c.slot)
    return std::optional<bound_slot>{};
  const auto client = find_with_template(*c.slot, "slot client");
  if (!client)
    return client.error();  // a contract and its template are never removed: a node bug
  bound_slot b;
  b.code = loaded(client->second);
  if (!b.code)
    return make_error(errc::template_refused, "the slot client's code no longer loads");  // a node bug
  static const contracts::contract_state empty;
  const auto kv = kv_.find(*c.slot);
  b.binding.module = b.code.get();
  b.binding.self = *c.slot;
  b.binding.balance = l.get(*c.slot).balance;
  b.binding.state = kv == kv_.end() ? &empty : &kv->second;
  return std::optional<bound_slot>{std::move(b)};
}

} // namespace bfd
