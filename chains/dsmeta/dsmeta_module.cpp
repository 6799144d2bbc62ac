#include "chains/dsmeta/dsmeta_module.hpp"

#include "chains/access/access_module.hpp"
#include "chains/consensus/chain_state.hpp"
#include "chains/crypto/keys.hpp"
#include "chains/peg/peg_module.hpp"

namespace bfd {

std::unique_ptr<dsmeta_module> dsmeta_module::make(chain_id chain) {
  return std::make_unique<dsmeta_module>(ds::dsmeta_state::genesis(chain));
}

result<std::unique_ptr<dsmeta_module>> dsmeta_module::from_records(std::span<const std::pair<bytes, bytes>> records) {
  auto s = ds::dsmeta_state::restore(records);
  if (!s)
    return s.error();
  return std::make_unique<dsmeta_module>(std::move(*s));
}

status dsmeta_module::restore(std::span<const std::pair<bytes, bytes>> records) {
  auto s = ds::dsmeta_state::restore(records);
  if (!s)
    return s.error();
  state_ = std::move(*s);
  return {};
}

ds::env dsmeta_module::env_of(const block_context& ctx) const {
  ds::env e;
  e.chain = state_.chain();
  e.height = ctx.height;
  if (ctx.state) {
    e.access = find_access(*ctx.state);
    if (const auto* p = find_peg(*ctx.state))
      e.locks = &p->peg_ledger();
  }
  return e;
}

status dsmeta_module::check(const transaction& tx, const block_context& ctx, const ledger& l) const {
  (void)l;
  const auto e = env_of(ctx);
  return std::visit(
    [&](const auto& p) -> status {
      using T = std::decay_t<decltype(p)>;
      if constexpr (T::module == module_id::dsmeta)
        return state_.check(tx.sender, p, e);
      else
        return make_error(errc::kind_not_enabled, "not a DS metadata transaction");
    },
    tx.payload);
}

status dsmeta_module::apply(const transaction& tx, const block_context& ctx, ledger& l) {
  (void)l;
  const auto e = env_of(ctx);
  return std::visit(
    [&](const auto& p) -> status {
      using T = std::decay_t<decltype(p)>;
      if constexpr (T::module == module_id::dsmeta)
        return state_.apply(tx.sender, p, e);
      else
        return make_error(errc::kind_not_enabled, "not a DS metadata transaction");
    },
    tx.payload);
}

std::optional<std::string> dsmeta_module::metadata_veto(const peg::peg_message& m, const block_context& ctx) const {
  const auto* op = std::get_if<peg::metadata_op>(&m.payload);
  if (!op)
    return std::nullopt;
  bool ours = op->operation.rfind("ds_", 0) == 0;
  for (const auto& k : op->keys)
    ours = ours || std::string_view(reinterpret_cast<const char*>(k.data()), k.size()).rfind(ds::key_prefix, 0) == 0;
  if (!ours)
    return std::nullopt;
  auto st = state_.check_op(m.sender, op->operation, op->keys, byte_view{op->body.data(), op->body.size()},
                            env_of(ctx));
  if (st)
    return std::nullopt;
  return std::string(to_string(st.error().code)) + ": " + st.error().detail;
}

status dsmeta_module::end_block(const block_context& ctx, ledger& l) {
  (void)l;
  if (!ctx.state)
    return {};
  const auto* p = find_peg(*ctx.state);
  if (!p)
    return {};
  const auto key = ds::key_bytes(ds::key_status);
  const auto obj = p->peg_ledger().object(state_.chain(), byte_view{key.data(), key.size()});
  if (!obj)
    return {};
  const ds::op_ref op{obj->op.source, obj->op.sequence};
  if (state_.adopted() == op)
    return {};
  const auto body = ds::decode_op(byte_view{obj->body.data(), obj->body.size()});
  const auto e = env_of(ctx);
  if (!body || !state_.apply_op(*body, op, e))
    state_.skip_op(op);
  return {};
}

const ds::dsmeta_state* find_dsmeta(const chain_state& state) noexcept {
  const auto* m = state.module(module_id::dsmeta);
  return m ? &static_cast<const dsmeta_module*>(m)->state() : nullptr;
}

} // namespace bfd
