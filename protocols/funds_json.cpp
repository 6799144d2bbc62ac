#include "protocols/funds_json.hpp"

#include "chains/consensus/chain_state.hpp"
#include "chains/funds/funds_module.hpp"
#include "chains/peg/peg_module.hpp"

namespace bfd {

using namespace json_fields;

void payload_to_json(output& j, const fund_subscribe_tx& p) {
  add_amount(j, "value", p.value);
}
void payload_to_json(output& j, const fund_trade_tx& p) {
  j["buyer"] = format_address(p.buyer);
  add_amount(j, "tokens", p.tokens);
}
void payload_to_json(output& j, const fund_sweep_tx& p) {
  j["platform"] = format_address(p.platform);
  j["timeout_height"] = p.timeout_height;
}
void payload_to_json(output& j, const fund_redeem_tx& p) {
  add_amount(j, "tokens", p.tokens);
}

result<fund_subscribe_tx> payload_from_json(const input& j, std::type_identity<fund_subscribe_tx>) {
  auto v = read_amount(j, "value");
  if (!v)
    return v.error();
  return fund_subscribe_tx{*v};
}
result<fund_trade_tx> payload_from_json(const input& j, std::type_identity<fund_trade_tx>) {
  auto b = read_address(j, "buyer");
  if (!b)
    return b.error();
  auto t = read_amount(j, "tokens");
  if (!t)
    return t.error();
  return fund_trade_tx{*b, *t};
}
result<fund_sweep_tx> payload_from_json(const input& j, std::type_identity<fund_sweep_tx>) {
  auto a = read_address(j, "platform");
  if (!a)
    return a.error();
  auto h = read_uint(j, "timeout_height");
  if (!h)
    return h.error();
  return fund_sweep_tx{*a, *h};
}
result<fund_redeem_tx> payload_from_json(const input& j, std::type_identity<fund_redeem_tx>) {
  auto t = read_amount(j, "tokens");
  if (!t)
    return t.error();
  return fund_redeem_tx{*t};
}

bool payload_field(std::type_identity<fund_subscribe_tx>, std::string_view key) {
  return key == "value" || key == "value_units";
}
bool payload_field(std::type_identity<fund_trade_tx>, std::string_view key) {
  return key == "buyer" || key == "tokens" || key == "tokens_units";
}
bool payload_field(std::type_identity<fund_sweep_tx>, std::string_view key) {
  return key == "platform" || key == "timeout_height";
}
bool payload_field(std::type_identity<fund_redeem_tx>, std::string_view key) {
  return key == "tokens" || key == "tokens_units";
}

namespace funds_json {

output summary(const chain_state& st) {
  const auto* f = find_funds(st);
  const auto r = reconcile_funds(st);
  const auto& s = r.totals;
  output j;
  j["chain"] = st.chain();
  const bool started = f && !f->empty();
  j["started"] = started;
  j["mode"] = started ? output(std::string(ds::to_string(s.mode))) : output(nullptr);
  if (started && s.mode == ds::rate_mode::fixed)
    add_amount(j, "fixed_rate", s.fixed_rate);
  else
    j["fixed_rate"] = nullptr;
  const funds::params p = f ? f->parameters() : funds::params{};
  output params;
  params["commission_bps"] = p.commission_bps;
  params["org_share_bps"] = p.org_share_bps;
  params["exchange_service"] = p.exchange_service;
  params["min_level"] = p.min_level;
  j["params"] = params;
  j["escrow_account"] = format_address(funds::escrow_address());
  j["platform_pending_account"] = format_address(funds::platform_pending_address());
  add_amount(j, "token_supply", r.token_supply);
  add_amount(j, "minted", s.minted);
  add_amount(j, "redeemable", r.redeemable);
  add_amount(j, "subscribed_bfdt", s.subscribed_bfdt);
  j["subscriptions"] = s.subscriptions;
  add_amount(j, "traded", s.traded);
  j["trades"] = s.trades;
  add_amount(j, "commission_org", s.commission_org);
  add_amount(j, "commission_platform", s.commission_platform);
  add_amount(j, "pending_platform", r.pending_platform);
  add_amount(j, "platform_swept", s.platform_swept);
  add_amount(j, "platform_paid_bfdt", s.platform_paid_bfdt);
  j["sweeps"] = s.sweeps;
  add_amount(j, "redeemed", s.redeemed);
  add_amount(j, "redeemed_bfdt", s.redeemed_bfdt);
  j["redemptions"] = s.redemptions;
  add_amount(j, "escrow", r.escrow_vouchers);
  add_amount(j, "escrow_accounted", r.escrow_accounted);
  add_amount(j, "escrow_unaccounted", r.escrow_vouchers >= r.escrow_accounted ? r.escrow_vouchers - r.escrow_accounted
                                                                             : 0);
  add_amount(j, "bfdt_voucher_supply", r.voucher_supply);
  j["holders"] = s.holders;
  j["reconciled"] = r.problems.empty();
  j["problems"] = r.problems;
  return j;
}

output holders(const chain_state& st, const address& after, std::uint32_t limit) {
  output j;
  output list = output::array();
  const auto* f = find_funds(st);
  const auto* peg = find_peg(st);
  std::optional<address> last;
  const auto page = f ? f->holders(after, limit) : std::vector<std::pair<address, funds::holder>>{};
  for (const auto& [a, h] : page) {
    output o;
    o["account"] = format_address(a);
    add_amount(o, "balance", st.accounts().get(a).balance);
    add_amount(o, "bfdt_vouchers", peg ? peg->peg_ledger().voucher_balance(std::string(funds::bfdt_denom), a) : 0);
    add_amount(o, "subscribed_bfdt", h.subscribed_bfdt);
    add_amount(o, "minted", h.minted);
    add_amount(o, "bought", h.bought);
    add_amount(o, "sold", h.sold);
    add_amount(o, "commission", h.commission);
    add_amount(o, "redeemed", h.redeemed);
    add_amount(o, "redeemed_bfdt", h.redeemed_bfdt);
    list.push_back(std::move(o));
    last = a;
  }
  j["chain"] = st.chain();
  j["total"] = f ? f->totals().holders : 0;
  j["holders"] = std::move(list);
  j["next"] = last && page.size() == std::min(limit, funds::max_page) && !f->holders(*last, 1).empty()
                ? output(format_address(*last))
                : output(nullptr);
  return j;
}

} // namespace funds_json

} // namespace bfd
